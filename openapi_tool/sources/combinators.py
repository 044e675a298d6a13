"""Combinators: `oneOf`/`anyOf`/`allOf`/`not` branches that hold value validations, read
into IR conditions."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from openapi_tool.model import Combinator, Condition, Constraints
from openapi_tool.sources.keywords import COMBINATORS, CONDITION_KEYS, CONSTRAINT_KEYS
from openapi_tool.sources.places import Place

ConstraintsReader = Callable[[dict, Place], Constraints]
"""Reads a node's constraints (`constraints.constraints_of`): a branch holds constraints, which
may hold combinators again, so the reader is passed in rather than imported."""


def combinators_of(node: dict, place: Place, read_constraints: ConstraintsReader) -> tuple[Combinator, ...]:
    """`oneOf`/`anyOf`/`allOf`/`not` that hold value validations; the ones that state types
    (int-or-string's `anyOf`, an `allOf` wrapping a `$ref`) are read as types instead. Typed
    branches that also validate (`{type: integer, minimum: 1}`) give a combinator no back end
    checks yet: it is kept as a comment rather than lost."""
    out = []
    for keyword in COMBINATORS:
        value = node.get(keyword)
        branches = [value] if keyword == "not" and isinstance(value, dict) else value if isinstance(value, list) else []
        if not branches:
            continue
        if keyword != "not" and all(_states_a_type(b) for b in branches):
            if any(_validates(b) for b in branches):
                reason = f"validations inside typed {keyword} branches"
                out.append(Combinator(keyword, tuple(Condition(unsupported=reason, text=_flow(b)) for b in branches)))
            continue
        conditions = [
            _condition(b, place.at(keyword, i) if keyword != "not" else place.at(keyword), read_constraints)
            for i, b in enumerate(branches)
        ]
        out.append(Combinator(keyword, tuple(conditions)))
    return tuple(out)


def _flow(value: Any) -> str:
    """A schema node in YAML flow style, quoting only strings that need it: for messages."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_flow(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z_][\w.-]*", value) and value not in ("true", "false", "null"):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


_VALIDATING = (CONSTRAINT_KEYS | {"required"}) - {"enum", "format"}
"""Keywords of a typed branch that its type does not carry (an enum becomes literal types, a
format the primitive's); below the branch (items, properties) every validation counts."""


def _validates(branch: dict, nested: bool = False) -> bool:
    """A typed branch validates more than its type says, here or in a schema below it."""
    if set(branch) & (CONSTRAINT_KEYS | {"required"} if nested else _VALIDATING):
        return True
    below = [branch.get("items"), branch.get("additionalProperties")]
    if isinstance(branch.get("properties"), dict):
        below += list(branch["properties"].values())
    return any(isinstance(node, dict) and _validates(node, nested=True) for node in below)


def _states_a_type(node: Any) -> bool:
    return isinstance(node, dict) and ("type" in node or "$ref" in node)


def _condition(node: Any, place: Place, read_constraints: ConstraintsReader) -> Condition:
    text = _flow(node)
    if not isinstance(node, dict):
        return Condition(unsupported="a branch that is not a mapping", text=text)
    unknown = sorted(set(node) - CONDITION_KEYS - CONSTRAINT_KEYS, key=str)
    if unknown or node.get("x-kubernetes-validations") or node.get("format"):
        what = f"format {node['format']}" if node.get("format") else f"`{(unknown or ['x-kubernetes-validations'])[0]}`"
        return Condition(unsupported=f"{what} inside oneOf/anyOf/allOf/not", text=text)
    required = node.get("required")
    properties = node.get("properties")
    return Condition(
        required=tuple(str(r) for r in required) if isinstance(required, list) else (),
        properties=tuple(
            (str(k), _condition(v, place.at("properties", k), read_constraints)) for k, v in properties.items()
        )
        if isinstance(properties, dict)
        else (),
        constraints=read_constraints(node, place),
        text=text,
    )
