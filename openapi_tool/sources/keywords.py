"""The schema keywords read as constraints rather than as types, shared by the constraint
and combinator readers."""

from __future__ import annotations

COMBINATORS = ("allOf", "anyOf", "oneOf", "not")

CONSTRAINT_KEYS = frozenset(
    "pattern minimum maximum exclusiveMinimum exclusiveMaximum multipleOf minLength maxLength "
    "minItems maxItems uniqueItems minProperties maxProperties enum const format "
    "x-kubernetes-list-type x-kubernetes-list-map-keys x-kubernetes-validations oneOf anyOf allOf not".split()
)

CONDITION_KEYS = frozenset(("required", "properties", "description", "title", "nullable", "example"))
"""Keys a oneOf/anyOf/allOf/not branch may hold besides the constraint keys."""
