"""Inline schemas equal in content are built once: their keys, and a model equal to the one
built node by node."""

from __future__ import annotations

import copy
from typing import Any

from openapi_tool.model import Model
from openapi_tool.sources import builder as builder_module
from openapi_tool.sources.builder import ModelBuilder
from openapi_tool.sources.places import Place
from openapi_tool.sources.sharing import ContentKeys, containers

CONTAINER = {
    "type": "object",
    "description": "A container.",
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "ports": {
            "type": "array",
            "items": {"type": "object", "properties": {"port": {"type": "integer", "default": 80}}},
        },
        "env": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["name"],
}


def test_equal_content_equal_key() -> None:
    keys = ContentKeys()
    assert keys.key(CONTAINER) == keys.key(copy.deepcopy(CONTAINER))
    assert keys.key({"a": [1, {"b": None}]}) == keys.key({"a": [1, {"b": None}]})


def test_values_that_print_apart_have_apart_keys() -> None:
    keys = ContentKeys()
    found = {keys.key({"default": value}) for value in (1, 1.0, True, "1", 0.0, -0.0, None, [1], {"1": 1})}
    assert len(found) == 9
    assert keys.key({"a": 1, "b": 2}) != keys.key({"b": 2, "a": 1})  # key order is output order
    assert keys.key({1: "x"}) != keys.key({"1": "x"})


def test_nodes_with_a_ref_or_themselves_have_no_key() -> None:
    keys = ContentKeys()
    assert keys.key({"type": "object", "properties": {"a": {"$ref": "#/definitions/A"}}}) is None
    recursive: dict[str, Any] = {"type": "object", "properties": {}}
    recursive["properties"]["self"] = recursive
    assert keys.key(recursive) is None


def test_containers_parents_first_in_document_order() -> None:
    tree = {"a": {"b": [1, {"c": 2}]}, "d": []}
    assert containers(tree) == [tree, tree["a"], tree["a"]["b"], tree["a"]["b"][1], tree["d"]]


def _resource(*members: Any) -> dict[str, Any]:
    return {"type": "object", "properties": {f"m{i}": m for i, m in enumerate(members)}}


def _build(node: dict[str, Any]) -> tuple[Model, int, int]:
    builder = ModelBuilder()
    builder.add_object(node, Place("crd.yaml", "", ("x_io", "v1"), "Thing"), key="x.io/v1:Thing", resource=True)
    return builder.model(), builder._visits, len(builder._distinct)


def _built_one_by_one(monkeypatch: Any, node: dict[str, Any]) -> tuple[Model, int, int]:
    with monkeypatch.context() as patch:
        patch.setattr(builder_module.ModelBuilder, "_replay", lambda self, built, node: False)
        return _build(node)


def test_repeated_subtrees_build_as_one_by_one(monkeypatch: Any) -> None:
    """Copies, aliases and copies of trees holding aliases: the same schemas, names and
    sources, and the same visit counts the alias-bomb check reads."""
    shared = copy.deepcopy(CONTAINER)
    holder = {"type": "object", "properties": {"first": shared, "second": shared}}
    node = _resource(
        copy.deepcopy(CONTAINER),
        shared,
        {"type": "array", "items": copy.deepcopy(CONTAINER)},
        shared,
        holder,
        copy.deepcopy(holder),
        {"type": "object", "properties": {"inner": copy.deepcopy(CONTAINER)}, "x-kubernetes-embedded-resource": True},
    )
    fast = _build(node)
    assert fast == _built_one_by_one(monkeypatch, node)
    assert len(fast[0].schemas) < 7  # the copies share schemas


def test_replays_are_taken(monkeypatch: Any) -> None:
    """Break the sharing on purpose (a replay that counts nothing): the counts differ."""
    node = _resource(*(copy.deepcopy(CONTAINER) for _ in range(5)))
    with monkeypatch.context() as patch:
        patch.setattr(builder_module.ModelBuilder, "_replay", lambda self, built, node: True)
        broken = _build(node)
    assert broken[1:] != _build(node)[1:]


def _with_ports(port_type: str, **extra: Any) -> dict[str, Any]:
    return {"type": "object", "description": "Ports.", "properties": {"port": {"type": port_type}}, **extra}


def test_a_twin_is_found_among_schemas_of_one_outline() -> None:
    """Three inline objects of one outline (docs and property names): the third, apart in
    content but not in shape (`example` is not read), shares the second's schema, not the first's."""
    node = _resource(_with_ports("string"), _with_ports("integer"), _with_ports("integer", example={"port": 1}))
    builder = ModelBuilder()
    builder.add_object(node, Place("crd.yaml", "", ("x_io", "v1"), "Thing"), key="x.io/v1:Thing", resource=True)
    types = {p.name: p.type for p in builder.schemas["x.io/v1:Thing"].properties}
    assert types["m0"] != types["m1"] == types["m2"]


def test_inline_schemas_are_shared_within_one_resource_only() -> None:
    builder = ModelBuilder()
    for kind in ("One", "Two"):
        place = Place("crd.yaml", "", ("x_io", "v1"), kind)
        builder.add_object(_resource(_with_ports("integer")), place, key=f"x.io/v1:{kind}", resource=True)
    refs = {p.type for kind in ("One", "Two") for p in builder.schemas[f"x.io/v1:{kind}"].properties if p.name == "m0"}
    assert len(refs) == 2
    assert not builder._shapes  # a finished resource's shapes are let go
