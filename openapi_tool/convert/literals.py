"""KCL literals for manifest values; strings with line breaks become `\"\"\"` strings.

(The multi-line form belongs next to `string_literal` in `openapi_tool.kcl.names`; it is
here so this package changes no shared module.)
"""

from __future__ import annotations

from typing import Any

from openapi_tool.convert.tree import UNDEFINED
from openapi_tool.kcl.names import string_literal
from openapi_tool.kcl.values import literal

_ML_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\r": "\\r"}


def multiline_string_literal(value: str) -> str:
    """A `\"\"\"...\"\"\"` KCL string evaluating to `value`; line breaks stay real line breaks."""
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
    return isinstance(value, str) and "\n" in value


def scalar_literal(value: Any) -> str:
    """The KCL expression for a scalar of the tree."""
    if value is UNDEFINED:
        return "Undefined"
    if is_multiline(value):
        return multiline_string_literal(value)
    if isinstance(value, str):
        return string_literal(value)
    return literal(value)
