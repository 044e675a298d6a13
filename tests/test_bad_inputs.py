"""The bad-input corpus in tests/bad_inputs: a one-line error with file and place and exit 1,
or correct output where the input is valid; an existing output directory never changes on error
(signals: test_atomic_output.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openapi_tool.cli import main
from openapi_tool.kcl_compile import compile_module

from .conftest import ROOT

BAD = ROOT / "tests" / "bad_inputs"
MINI = str(ROOT / "specs" / "k8s" / "mini-swagger.json")

ERRORS = {
    "malformed.yaml": ":4:8: invalid YAML",
    "malformed.json": ":1:59: invalid JSON",
    "wrong-apiversion.yaml": ":/apiVersion: unsupported CRD apiVersion",
    "dangling-ref.json": ":/definitions/io.k8s.api.x.v1.Thing/properties/spec/$ref: $ref '#/definitions/io.k8s.api.x.v1.Missing' names no definition",
    "ref-cycle.json": ":/definitions/io.k8s.api.x.v1.B/$ref: $ref cycle",
    "alias-bomb.yaml": ":/spec/versions/0/schema/openAPIV3Schema/properties/",
    "invalid-utf8.yaml": ":2: invalid UTF-8",
    "duplicate-keys.yaml": ":15:9: invalid YAML: duplicate key 'type'",
    "empty.yaml": ": no CustomResourceDefinition found",
    "comment-only.yaml": ": no CustomResourceDefinition found",
    "unknown-type.json": ":/components/schemas/io.k8s.api.x.v1.Thing/properties/a/type: unknown type 'nope'",
}
VALID = ["crd-without-schema.yaml", "equals-value.yaml", "integer-keys.yaml", "recursive-ref.json"]


def _flag(name: str) -> str:
    return "--spec" if name.endswith(".json") else "--crd"


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def previous_output(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    assert main(["gen", "-q", "--spec", MINI, "-o", str(out)]) == 0
    (out / "mine.k").write_text("# the user's own file\n")
    return out


def test_every_bad_input_file_is_covered() -> None:
    assert sorted(p.name for p in BAD.iterdir()) == sorted([*ERRORS, *VALID])


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_bad_input_fails_cleanly(
    name: str, previous_output: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(BAD)
    before = _snapshot(previous_output)
    assert main(["gen", _flag(name), name, "-o", str(previous_output)]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in lines if not line.startswith("warning: ")]
    assert len(errors) == 1, lines
    assert errors[0].startswith(f"error: {name}{ERRORS[name]}"), errors[0]
    assert _snapshot(previous_output) == before
    assert sorted(p.name for p in previous_output.parent.iterdir()) == ["out"]


@pytest.mark.parametrize("name", VALID)
def test_valid_odd_input_generates_compiling_kcl(name: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["gen", "-q", _flag(name), str(BAD / name), "-o", str(out)]) == 0
    assert [r.error for r in compile_module(out) if r.error] == []


def test_deep_nesting_generates_with_bounded_names(tmp_path: Path) -> None:
    node: dict = {"type": "string"}
    for level in range(200):
        node = {"type": "object", "properties": {f"level{level}": node}}
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "spec": {
            "group": "deep.example",
            "names": {"kind": "Deep"},
            "versions": [{"name": "v1", "schema": {"openAPIV3Schema": node}}],
        },
    }
    source = tmp_path / "deep.json"
    source.write_text(json.dumps(crd))
    out = tmp_path / "out"
    assert main(["gen", "-q", "--crd", str(source), "-o", str(out)]) == 0
    files = list(out.rglob("*.k"))
    assert len(files) > 200 and max(len(p.name) for p in files) < 200
    assert [r.error for r in compile_module(out) if r.error] == []


def test_a_50_mb_input_is_handled(tmp_path: Path) -> None:
    properties = {f"field{i}": {"type": "string", "description": "x" * 1000} for i in range(50_000)}
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "spec": {
            "group": "big.example",
            "names": {"kind": "Big"},
            "versions": [{"name": "v1", "schema": {"openAPIV3Schema": {"type": "object", "properties": properties}}}],
        },
    }
    source = tmp_path / "big.json"
    source.write_text(json.dumps(crd))
    assert source.stat().st_size > 50_000_000
    out = tmp_path / "out"
    assert main(["gen", "-q", "--crd", str(source), "-o", str(out)]) == 0
    assert "field49999?: str" in (out / "big_example" / "v1" / "big.k").read_text()
