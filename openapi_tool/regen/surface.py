"""The API surface of a model: what a change report compares, small enough for the lock."""

from __future__ import annotations

from typing import Any

from openapi_tool.kcl.types import type_expr
from openapi_tool.model import Constraints, LiteralType, Model, Type

_BOUNDS = (
    "minimum",
    "maximum",
    "min_length",
    "max_length",
    "min_items",
    "max_items",
    "min_properties",
    "max_properties",
)


def describe(type_: Type) -> str:
    """A type as text for the lock: KCL's type syntax, naming referenced schemas by key and
    any literal type `enum` (its values are recorded apart). Locks of earlier runs are
    compared against this text, so it must not change."""
    return type_expr(type_, ref_name=lambda key: key, literal_text=lambda _: "enum")


def _enum(type_: Type, constraints: Constraints) -> list[Any] | None:
    if isinstance(type_, LiteralType):
        return list(type_.values)
    return list(constraints.enum) if constraints.enum is not None else None


def rules(constraints: Constraints) -> list[str]:
    """The validation rules of one node as text: CEL rules, then oneOf/anyOf/allOf/not."""
    cel = [v.rule for v in constraints.validations]
    return cel + [f"{c.keyword} " + " | ".join(b.text for b in c.branches) for c in constraints.combinators]


def surface(model: Model) -> dict[str, Any]:
    """Schema key -> its resource kind (if any), attributes with type, required, enum,
    bounds and validation rules, and the schema's own rules."""
    out: dict[str, Any] = {}
    for schema in model.schemas:
        properties = {}
        for prop in schema.properties:
            entry: dict[str, Any] = {"type": describe(prop.type), "required": prop.required and not prop.nullable}
            enum = _enum(prop.type, prop.constraints)
            if enum is not None:
                entry["enum"] = enum
            bounds = {b: getattr(prop.constraints, b) for b in _BOUNDS if getattr(prop.constraints, b) is not None}
            if prop.constraints.pattern is not None:
                bounds["pattern"] = prop.constraints.pattern
            if bounds:
                entry["bounds"] = bounds
            prop_rules = rules(prop.constraints)
            if prop_rules:
                entry["rules"] = prop_rules
            properties[prop.name] = entry
        item: dict[str, Any] = {"name": ".".join(schema.package + (schema.name,)), "properties": properties}
        if schema.gvk is not None:
            item["resource"] = f"{schema.gvk.api_version} {schema.gvk.kind}"
        if schema.preserve_unknown:
            item["open"] = True
        schema_rules = rules(schema.constraints)
        if schema_rules:
            item["rules"] = schema_rules
        out[schema.key] = item
    return out
