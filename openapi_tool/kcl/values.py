"""KCL literals for JSON and manifest values, and whether a value fits an IR type.

One writer, `literal`, serves the generator (defaults, enums: `kcl fmt` form) and the
converter (manifest values that must render the same YAML); what differs between them
is a parameter: how floats are spelt, and whether strings with line breaks are written
as `\"\"\"` strings."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from openapi_tool.kcl.names import string_literal
from openapi_tool.model import AnyType, ListType, LiteralType, MapType, Primitive, Ref, Schema, Type, UnionType

UNDEFINED = object()
"""A value written as KCL's `Undefined` (the converter adds it to keep a schema default out)."""


def literal(
    value: Any, indent: int = 0, *, float_text: Callable[[float], str] | None = None, multiline: bool = False
) -> str:
    """A KCL expression in `kcl fmt` form that evaluates to the JSON value.

    `indent` is the indentation of the line the literal starts on: `kcl fmt` breaks a
    mapping whose only entry holds a mapping over several lines, and so does this.
    `float_text` spells floats (default `number`, as `kcl fmt` writes them, `2.0` as the
    int `2`; the converter passes `float_literal`, which keeps them floats). `multiline`
    writes a string that `is_multiline` as a `\"\"\"` string with real line breaks.
    """
    if value is UNDEFINED:
        return "Undefined"
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return (float_text or number)(value)
    if isinstance(value, str):
        return multiline_string_literal(value) if multiline and is_multiline(value) else string_literal(value)
    options: dict[str, Any] = {"float_text": float_text, "multiline": multiline}
    if isinstance(value, list):
        return "[" + ", ".join(literal(v, indent, **options) for v in value) + "]"
    if isinstance(value, dict):
        if len(value) == 1 and isinstance(next(iter(value.values())), dict):
            ((key, inner),) = value.items()
            pad = " " * (indent + 4)
            return f"{{\n{pad}{string_literal(str(key))}: {literal(inner, indent + 4, **options)}\n{' ' * indent}}}"
        return (
            "{"
            + ", ".join(f"{string_literal(str(k))}: {literal(v, indent, **options)}" for k, v in value.items())
            + "}"
        )
    raise ValueError(f"no KCL literal for {type(value).__name__}")


def number(value: float) -> str:
    """A float as `kcl fmt` writes it: positional digits, and no `.0` on whole numbers."""
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return _positional(value)


def float_literal(value: float, plain: bool = False) -> str:
    """A KCL expression for a float that stays a float in `kcl fmt` form.

    `kcl fmt` rewrites `2.0` as `2` (an int) and `1.5e-07` as `0.00000015`, so whole
    numbers are written `float(2)`, others positionally, and the very large or small as
    `float("1e+20")`. `plain` writes `2.0` instead of `float(2)`, for a config where a key
    named `float` would shadow the builtin.
    """
    if value.is_integer() and abs(value) < 2**53:
        return repr(value) if plain else f"float({int(value)})"
    text = _positional(value)
    if len(text) <= 24 and not value.is_integer():
        return text
    return repr(value) if plain else f'float("{value!r}")'


def _positional(value: float) -> str:
    """The float's shortest repr in positional digits, without trailing zeros or a bare `.`."""
    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


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


def fits(value: Any, type_: Type, schemas: Mapping[str, Schema]) -> bool:
    """Whether KCL accepts `value` for an attribute of this type (used to vet defaults)."""
    if isinstance(type_, AnyType):
        return _plain(value)
    if isinstance(type_, Primitive):
        return _fits_primitive(value, type_.name)
    if isinstance(type_, LiteralType):
        return any(type(value) is type(v) and value == v for v in type_.values)
    if isinstance(type_, ListType):
        return isinstance(value, list) and all(fits(v, type_.items, schemas) for v in value)
    if isinstance(type_, MapType):
        return isinstance(value, dict) and all(
            isinstance(k, str) and fits(v, type_.values, schemas) for k, v in value.items()
        )
    if isinstance(type_, UnionType):
        return any(fits(value, m, schemas) for m in type_.members)
    if isinstance(type_, Ref):
        return _fits_schema(value, schemas.get(type_.key), schemas)
    return False


def _fits_primitive(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return name == "bool"
    if isinstance(value, int):
        return name in ("int", "float")
    if isinstance(value, float):
        return name == "float" and math.isfinite(value)
    return isinstance(value, str) and name == "str"


def _fits_schema(value: Any, schema: Schema | None, schemas: Mapping[str, Schema]) -> bool:
    if schema is None or not isinstance(value, dict):
        return False
    props = {p.name: p for p in schema.properties}
    for prop in schema.properties:
        if prop.required and prop.name not in value and not prop.has_default:
            return False
    for key, item in value.items():
        prop = props.get(key)
        if prop is not None:
            if not ((item is None and not prop.required) or fits(item, prop.type, schemas)):
                return False
        elif schema.additional is not None:
            if not fits(item, schema.additional, schemas):
                return False
        elif not schema.preserve_unknown:
            return False
    return True


def _plain(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return value is None or isinstance(value, (bool, int, str))
