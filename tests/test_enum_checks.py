"""Enums that carry other constraints (lengths, patterns, bounds) compile and check what
jsonschema checks: a key-type enum with a length range, a list of responder kinds with a
minimum length, and an enum some of whose values break their own constraints."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from openapi_tool.cli import main
from openapi_tool.kcl_compile import compile_module

from . import fidelity
from .conftest import crd_document

SPEC = {
    "type": "object",
    "properties": {
        "encryption": {
            "type": "object",
            "properties": {
                # every value meets the length range: no check is needed
                "cipher": {"type": "string", "enum": ["des", "des3ede"], "minLength": 3, "maxLength": 7},
            },
        },
        "notify": {
            "type": "object",
            "properties": {
                "recipients": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["kind"],
                        "properties": {
                            "kind": {"type": "string", "enum": ["team", "user", "schedule"], "minLength": 1},
                            "name": {"type": "string", "minLength": 1},
                        },
                    },
                },
            },
        },
        # "x" is too short and "verbose" too long: they leave the type, with a warning
        "level": {"type": "string", "enum": ["x", "low", "high", "verbose"], "minLength": 2, "maxLength": 5},
        "tier": {"type": "integer", "enum": [1, 2, 3, 4], "minimum": 2, "multipleOf": 2},
        "none": {"type": "string", "enum": ["a", "b"], "minLength": 2},
    },
}

VALUES = {
    "encryption": [{"cipher": "des"}, {"cipher": "des3ede"}, {"cipher": "aes"}, {}],
    "notify": [
        {"recipients": [{"kind": "team", "name": "ops"}, {"kind": "schedule"}]},
        {"recipients": [{"kind": "group"}]},
        {"recipients": [{"kind": ""}]},
        {"recipients": [{"name": "x"}]},
    ],
    "level": ["x", "low", "high", "verbose", "mid"],
    "tier": [1, 2, 3, 4, 6],
    "none": ["a", "b", "ab"],
}


def _crd() -> dict:
    return crd_document("enums.example", "Vault", SPEC)


def _instances() -> list[dict]:
    specs = [{field: value} for field, values in VALUES.items() for value in values] + [{}]
    return [
        {"apiVersion": "enums.example/v1", "kind": "Vault", "metadata": {"name": "v"}, "spec": spec} for spec in specs
    ]


def _generate(tmp_path: Path) -> tuple[Path, Path, str]:
    source = tmp_path / "vaults.json"
    source.write_text(json.dumps(_crd()), encoding="utf-8")
    out = tmp_path / "out"
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        assert main(["gen", "--crd", str(source), "-o", str(out)]) == 0
    return source, out, stderr.getvalue()


def test_enum_with_lengths_compiles_and_narrows(tmp_path: Path) -> None:
    _, out, warnings = _generate(tmp_path)
    errors = [r.error for r in compile_module(out) if r.error]
    assert not errors, errors[0]
    package = out / "enums_example" / "v1"
    spec = (package / "vault_spec.k").read_text(encoding="utf-8")
    assert 'level?: "low" | "high"' in spec
    assert "tier?: 2 | 4" in spec
    assert (package / "vault_spec_encryption.k").read_text(encoding="utf-8").count("check:") == 0
    assert '"x" breaks minLength 2' in warnings and '"verbose" breaks maxLength 5' in warnings
    assert "1 breaks minimum 2" in warnings and "3 breaks multipleOf 2" in warnings
    assert "no enum value of VaultSpec.none meets its other constraints" in warnings
    assert "cipher" not in warnings and "recipients" not in warnings


def test_enum_with_lengths_agrees_with_jsonschema(tmp_path: Path) -> None:
    pytest.importorskip("jsonschema", reason="the oracle is the jsonschema package (the `test` extra)")
    source, out, _ = _generate(tmp_path)
    resource = fidelity.crd_resources(source)[0]
    oracle = fidelity.StructuralOracle(resource, fidelity.object_meta_schema(None))
    runner = fidelity.KclRunner(out, "enums_example.v1.Vault", tmp_path / "run")
    instances = _instances()
    verdicts = runner.verdicts(instances)
    wrong = [
        f"{instance['spec']}: kcl {'accepts' if verdict.accepted else 'rejects: ' + verdict.message[:200]}"
        for instance, verdict in zip(instances, verdicts)
        if verdict.accepted != (not oracle.errors(instance))
    ]
    assert 0 < sum(v.accepted for v in verdicts) < len(instances)
    assert not wrong, "\n".join(wrong)
