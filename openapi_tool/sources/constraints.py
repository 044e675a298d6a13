"""Constraints: the validation keywords of one schema node (bounds, lengths, patterns, enums,
list types, CEL rules, combinators), as the IR records them."""

from __future__ import annotations

from typing import Any

from openapi_tool.errors import InputError
from openapi_tool.model import EMPTY_CONSTRAINTS, Constraints, Validation
from openapi_tool.sources.combinators import combinators_of
from openapi_tool.sources.keywords import CONSTRAINT_KEYS
from openapi_tool.sources.places import Place, pointer_join


def constraints_of(node: dict, place: Place) -> Constraints:
    """The validation keywords of one node, as the IR records them."""
    if node.keys().isdisjoint(CONSTRAINT_KEYS):
        return EMPTY_CONSTRAINTS
    minimum, maximum = _number(node.get("minimum")), _number(node.get("maximum"))
    exclusive_min, exclusive_max = node.get("exclusiveMinimum"), node.get("exclusiveMaximum")
    if _number(exclusive_min) is not None:  # JSON Schema 2019+: the bound itself
        minimum, exclusive_min = exclusive_min, True
    if _number(exclusive_max) is not None:
        maximum, exclusive_max = exclusive_max, True
    enum = node.get("enum")
    keys = node.get("x-kubernetes-list-map-keys")
    return Constraints(
        pattern=node.get("pattern") if isinstance(node.get("pattern"), str) else None,
        minimum=minimum,
        maximum=maximum,
        exclusive_minimum=exclusive_min is True,
        exclusive_maximum=exclusive_max is True,
        multiple_of=_number(node.get("multipleOf")),
        min_length=_count(node.get("minLength")),
        max_length=_count(node.get("maxLength")),
        min_items=_count(node.get("minItems")),
        max_items=_count(node.get("maxItems")),
        unique_items=node.get("uniqueItems") is True,
        min_properties=_count(node.get("minProperties")),
        max_properties=_count(node.get("maxProperties")),
        enum=tuple(enum) if isinstance(enum, list) else None,
        const=node.get("const"),
        format=node.get("format") if isinstance(node.get("format"), str) else "",
        list_type=node.get("x-kubernetes-list-type") if isinstance(node.get("x-kubernetes-list-type"), str) else "",
        list_map_keys=tuple(str(k) for k in keys) if isinstance(keys, list) else (),
        validations=_validations(node.get("x-kubernetes-validations"), place),
        combinators=combinators_of(node, place, constraints_of),
    )


def declares_no_fields(node: dict) -> bool:
    """An object node whose every key is unknown: no properties, no additionalProperties,
    no preserve-unknown-fields, not an embedded resource."""
    return (
        node.get("type") == "object"
        and not node.get("properties")
        and node.get("additionalProperties") in (None, False)
        and not node.get("x-kubernetes-preserve-unknown-fields")
        and not node.get("x-kubernetes-embedded-resource")
    )


def _number(value: Any) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _validations(value: Any, place: Place) -> tuple[Validation, ...]:
    if not isinstance(value, list):
        return ()
    out = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("rule"), str):
            raise InputError(
                place.label,
                pointer_join(place.pointer, "x-kubernetes-validations", index),
                "a validation needs a `rule` string",
            )
        out.append(
            Validation(
                rule=item["rule"],
                message=str(item.get("message") or ""),
                message_expression=str(item.get("messageExpression") or ""),
                reason=str(item.get("reason") or ""),
                field_path=str(item.get("fieldPath") or ""),
            )
        )
    return tuple(out)
