"""KCL literals for manifest values; strings with line breaks become `\"\"\"` strings.

(The multi-line form belongs next to `string_literal` in `openapi_tool.kcl.names`; it is
here so this package changes no shared module.)
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from openapi_tool.convert.tree import UNDEFINED
from openapi_tool.kcl.names import string_literal

_ML_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\r": "\\r"}


def multiline_string_literal(value: str) -> str:
    """A `\"\"\"...\"\"\"` KCL string evaluating to `value` (which must not start with a line
    break); line breaks stay real line breaks."""
    out = ['"""']
    last = len(value) - 1
    for index, char in enumerate(value):
        if char == "\n":
            out.append(char)
        elif char == '"':
            out.append('\\"' if index == last or value[index + 1] == '"' else '"')
        elif char == "$":
            out.append("\\x24" if value[index + 1 : index + 2] == "{" else "$")
        elif char in _ML_ESCAPES:
            out.append(_ML_ESCAPES[char])
        elif char.isprintable() or char == " ":
            out.append(char)
        else:
            code = ord(char)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
    out.append('"""')
    return "".join(out)


def is_multiline(value: Any) -> bool:
    """Written as a `\"\"\"` string: it has a line break, but does not start with one (KCL
    drops a line break right after the opening quotes, even an escaped one), and some line
    with text starts without a space or tab (KCL removes the indentation all such lines
    share from a `\"\"\"` string, after escapes)."""
    if not (isinstance(value, str) and "\n" in value and not value.startswith("\n")):
        return False
    return any(line[0] not in " \t" for line in value.split("\n") if line.strip(" \t\r\f\v"))


def float_literal(value: float, plain: bool = False) -> str:
    """A KCL expression for a float that stays a float in `kcl fmt` form.

    `kcl fmt` rewrites `2.0` as `2` (an int) and `1.5e-07` as `0.00000015`, so whole
    numbers are written `float(2)`, others positionally, and the very large or small as
    `float("1e+20")`. `plain` writes `2.0` instead of `float(2)`, for a config where a key
    named `float` would shadow the builtin.
    """
    if value.is_integer() and abs(value) < 2**53:
        return repr(value) if plain else f"float({int(value)})"
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if len(text) <= 24 and not value.is_integer():
        return text
    return repr(value) if plain else f'float("{value!r}")'


def scalar_literal(value: Any, plain_floats: bool = False) -> str:
    """The KCL expression for a scalar of the tree."""
    if value is UNDEFINED:
        return "Undefined"
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return float_literal(value, plain_floats)
    if is_multiline(value):
        return multiline_string_literal(value)
    return string_literal(value)
