"""KCL literals for JSON values, and whether a value fits an IR type."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, Mapping

from openapi_tool.kcl.names import string_literal
from openapi_tool.model import AnyType, ListType, LiteralType, MapType, Primitive, Ref, Schema, Type, UnionType


def literal(value: Any, indent: int = 0) -> str:
    """A KCL expression in `kcl fmt` form that evaluates to the JSON value.

    `indent` is the indentation of the line the literal starts on: `kcl fmt` breaks a
    mapping whose only entry holds a mapping over several lines, and so does this.
    """
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number(value)
    if isinstance(value, str):
        return string_literal(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v, indent) for v in value) + "]"
    if isinstance(value, dict):
        if len(value) == 1 and isinstance(next(iter(value.values())), dict):
            (key, inner), = value.items()
            pad = " " * (indent + 4)
            return f"{{\n{pad}{string_literal(str(key))}: {literal(inner, indent + 4)}\n{' ' * indent}}}"
        return "{" + ", ".join(f"{string_literal(str(k))}: {literal(v, indent)}" for k, v in value.items()) + "}"
    raise ValueError(f"no KCL literal for {type(value).__name__}")


def number(value: float) -> str:
    """A float as `kcl fmt` writes it: positional digits, and no `.0` on whole numbers."""
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


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
        return isinstance(value, dict) and all(isinstance(k, str) and fits(v, type_.values, schemas) for k, v in value.items())
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
