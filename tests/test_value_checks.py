"""Value validations the corpus harness rarely reaches, each against an oracle.

oneOf / anyOf / allOf / not: every combination of the fields below is an instance, and
jsonschema, given the schema with the API server's meanings (tests/fidelity/), decides.
multipleOf with fractions: exact decimal arithmetic decides.
"""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from pathlib import Path

import pytest

from . import fidelity
from .conftest import crd_document

SPEC = {
    "type": "object",
    "oneOf": [
        {"not": {"anyOf": [{"required": ["wasm"]}, {"required": ["lua"]}]}},
        {"required": ["wasm"]},
        {"required": ["lua"]},
    ],
    "properties": {
        "wasm": {"type": "string"},
        "lua": {"type": "string"},
        "mode": {"type": "string", "anyOf": [{"pattern": "^fast"}, {"pattern": "^safe"}], "not": {"enum": ["fastest"]}},
        "count": {"type": "integer", "anyOf": [{"minimum": 10}, {"maximum": 0}]},
        "tags": {"type": "array", "items": {"type": "string"}, "allOf": [{"minItems": 1}, {"maxItems": 2}]},
        "address": {
            "type": "object",
            "oneOf": [
                {"properties": {"type": {"enum": ["IP"]}, "value": {"pattern": "^[0-9.]+$"}}},
                {"properties": {"type": {"not": {"enum": ["IP"]}}}},
            ],
            "properties": {"type": {"type": "string"}, "value": {"type": "string"}},
        },
        "target": {
            "type": "object",
            "anyOf": [{"required": ["host"]}, {"required": ["port"], "properties": {"port": {"minimum": 1024}}}],
            "properties": {"host": {"type": "string"}, "port": {"type": "integer"}},
        },
        "checked": {"type": "string", "oneOf": [{"format": "ipv4"}, {"format": "ipv6"}]},
        "price": {"type": "number", "multipleOf": 0.01},
        "step": {"type": "number", "multipleOf": 2.5},
        "half": {"type": "integer", "multipleOf": 0.5},
    },
}

CHOICES = {
    "wasm": [None, "w"],
    "lua": [None, "l"],
    "mode": [None, "fast1", "safe", "fastest", "slow"],
    "count": [None, 11, 5, -1],
    "tags": [None, [], ["a"], ["a", "b", "c"]],
    "address": [
        None,
        {},
        {"type": "IP", "value": "1.2.3.4"},
        {"type": "IP", "value": "x"},
        {"type": "Host", "value": "x"},
    ],
    "target": [None, {}, {"host": "h"}, {"port": 80}, {"port": 8080}, {"host": "h", "port": 80}],
}


def _crd() -> dict:
    return crd_document("x.io", "Filter", SPEC)


def _instances() -> list[dict]:
    """Each choice of every field against a base, and all pairs of the oneOf's fields."""
    out = []
    for field, values in CHOICES.items():
        for value in values:
            out.append({} if value is None else {field: value})
    for wasm, lua, mode in itertools.product(CHOICES["wasm"], CHOICES["lua"], CHOICES["mode"]):
        spec = {k: v for k, v in (("wasm", wasm), ("lua", lua), ("mode", mode)) if v is not None}
        out.append(spec)
    return [{"apiVersion": "x.io/v1", "kind": "Filter", "metadata": {"name": "f"}, "spec": spec} for spec in out]


def test_combinators_agree_with_jsonschema(tmp_path: Path) -> None:
    pytest.importorskip("jsonschema", reason="the oracle is the jsonschema package (the `test` extra)")
    module = fidelity.generate([_crd()], tmp_path / "out")
    assert not module.error, module.error
    skipped = [item["rule"] for item in module.checks.get("not_checked", [])]
    assert len(skipped) == 1 and skipped[0] == "oneOf {format: ipv4} | {format: ipv6}", (
        skipped
    )  # formats: kept as a comment
    source = tmp_path / "filters.json"
    source.write_text(json.dumps(_crd()), encoding="utf-8")
    resource = fidelity.crd_resources(source)[0]
    oracle = fidelity.StructuralOracle(resource, fidelity.object_meta_schema(None))
    runner = fidelity.KclRunner(module.root, module.resources[resource.name], tmp_path / "run")
    instances = _instances()
    verdicts = runner.verdicts(instances)
    wrong = []
    for instance, verdict in zip(instances, verdicts):
        expected = not oracle.errors(instance)
        if verdict.accepted != expected:
            wrong.append(
                f"{instance['spec']}: kcl {'accepts' if verdict.accepted else 'rejects: ' + verdict.message[:160]}"
            )
    accepted = sum(v.accepted for v in verdicts)
    assert 0 < accepted < len(instances)
    assert not wrong, f"{len(wrong)} of {len(instances)} verdicts differ from jsonschema:\n" + "\n".join(wrong[:10])


PRICES = [0.07, 0.071, 19.99, 1, -0.03, 1e-05, 123456.78]
STEPS = [7.5, 7.6, 0, -2.5, 1e6 + 2.5]
HALVES = [3, -7, 0]


def test_fractional_multiple_of_is_exact_up_to_float_rounding(tmp_path: Path) -> None:
    module = fidelity.generate([_crd()], tmp_path / "out")
    runner = fidelity.KclRunner(module.root, module.resources["x.io/v1 Filter"], tmp_path / "run")
    cases = (
        [("price", v, "0.01") for v in PRICES]
        + [("step", v, "2.5") for v in STEPS]
        + [("half", v, "0.5") for v in HALVES]
    )
    instances = [
        {"apiVersion": "x.io/v1", "kind": "Filter", "metadata": {"name": "f"}, "spec": {field: value}}
        for field, value, _ in cases
    ]
    verdicts = runner.verdicts(instances)
    wrong = [
        f"{field}={value}: kcl {'accepts' if verdict.accepted else 'rejects'}"
        for (field, value, factor), verdict in zip(cases, verdicts)
        if verdict.accepted != (Decimal(repr(value)) % Decimal(factor) == 0)
    ]
    assert not wrong, wrong


def test_null_items_are_refused_only_where_the_item_schema_has_a_type(tmp_path: Path) -> None:
    pytest.importorskip("jsonschema", reason="the oracle is the jsonschema package (the `test` extra)")
    spec = {
        "type": "object",
        "properties": {
            "untyped": {"type": "array", "items": {"x-kubernetes-preserve-unknown-fields": True}},
            "typed": {"type": "array", "items": {"type": "string"}},
            "listed": {"type": "array", "items": {"x-kubernetes-preserve-unknown-fields": True, "enum": ["", 1]}},
            "nullable": {"type": "array", "items": {"type": "string", "nullable": True, "enum": ["a"]}},
            "either": {"type": "array", "items": {"type": "string", "nullable": True, "enum": ["a", None]}},
        },
    }
    crd = crd_document("x.io", "Bag", spec)
    module = fidelity.generate([crd], tmp_path / "out")
    assert not module.error, module.error
    source = tmp_path / "bags.json"
    source.write_text(json.dumps(crd), encoding="utf-8")
    resource = fidelity.crd_resources(source)[0]
    oracle = fidelity.StructuralOracle(resource, fidelity.object_meta_schema(None))
    runner = fidelity.KclRunner(module.root, module.resources[resource.name], tmp_path / "run")
    specs = [
        {"untyped": [None, 1]},
        {"typed": [None]},
        {"typed": ["a"]},
        {"listed": [None]},  # an enum refuses null unless it lists null
        {"listed": ["", 1]},
        {"nullable": [None]},  # but nullable admits null first
        {"nullable": ["b"]},
        {"either": [None, "a"]},
    ]
    instances = [{"apiVersion": "x.io/v1", "kind": "Bag", "metadata": {"name": "b"}, "spec": s} for s in specs]
    verdicts = [v.accepted for v in runner.verdicts(instances)]
    expected = [not oracle.errors(i) for i in instances]
    assert verdicts == expected == [True, False, True, False, True, True, False, True], (verdicts, expected)


def test_validations_inside_typed_branches_are_kept_as_comments(tmp_path: Path) -> None:
    """`anyOf: [{type: integer, minimum: 1}, {type: string, pattern: ...}]` states the types
    (int | str) and validates each: the validations are listed as not checked, never dropped;
    typed branches that only state types stay types, without a comment."""
    port = {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "string", "pattern": "^[a-z]+$"}]}
    plain = {"anyOf": [{"type": "integer"}, {"type": "string", "enum": ["auto"]}], "x-kubernetes-int-or-string": True}
    spec = {"type": "object", "properties": {"port": {**port, "x-kubernetes-int-or-string": True}, "size": plain}}
    module = fidelity.generate([crd_document("x.io", "Port", spec)], tmp_path / "out")
    assert not module.error, module.error
    skipped = [(item["rule"], item["reason"]) for item in module.checks.get("not_checked", [])]
    assert skipped == [
        (
            'anyOf {type: integer, minimum: 1} | {type: string, pattern: "^[a-z]+$"}',
            "validations inside typed anyOf branches",
        )
    ]
    text = next(module.root.rglob("port_spec.k")).read_text(encoding="utf-8")
    assert "port?: int | str" in text and "minimum: 1" in text
