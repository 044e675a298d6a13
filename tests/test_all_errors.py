"""All input errors in one run: every broken CRD document, CRD version and spec definition
is reported (one line each, with file and place, up to a limit), exit 1, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openapi_tool.cli import main
from openapi_tool.errors import ERROR_LIMIT

from .conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "many_errors"
GOOD = FIXTURE / "d-good.yaml"
SCHEMA = "/spec/versions/0/schema/openAPIV3Schema"

EXPECTED = [
    f"error: {FIXTURE / 'a-unknown-type.yaml'}:{SCHEMA}/properties/spec/properties/size/type: unknown type 'strin'",
    f"error: {FIXTURE / 'b-apiversion.yaml'}:/apiVersion: unsupported CRD apiVersion 'apiextensions.k8s.io/v2'",
    f"error: {FIXTURE / 'c-two-broken.yaml'} (document 1):{SCHEMA}/x-kubernetes-validations/0: a validation needs a `rule` string",
    f"error: {FIXTURE / 'c-two-broken.yaml'} (document 2):/spec/group: CRD has no `spec.group`",
]


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _errors(err: str) -> list[str]:
    return [line for line in err.strip().splitlines() if not line.startswith("warning: ")]


def test_every_broken_crd_is_reported_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["gen", "-q", "--crd", str(GOOD), "-o", str(out)]) == 0
    before = _snapshot(out)
    assert main(["gen", "--crd", str(FIXTURE), "-o", str(out)]) == 1
    errors = _errors(capsys.readouterr().err)
    assert len(errors) == len(EXPECTED), errors
    for line, expected in zip(errors, EXPECTED):
        assert line.startswith(expected), (line, expected)
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_the_good_crd_alone_generates(tmp_path: Path) -> None:
    assert main(["gen", "-q", "--crd", str(GOOD), "-o", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "x_io" / "v1" / "epsilon.k").is_file()


def test_errors_beyond_the_limit_are_counted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (FIXTURE / "a-unknown-type.yaml").read_text(encoding="utf-8")
    broken = ERROR_LIMIT + 7
    for number in range(broken):
        kind = f"Kind{number}"
        (tmp_path / f"crd{number:03}.yaml").write_text(
            text.replace("alphas.x.io", f"k{number}s.x.io").replace(
                "kind: Alpha, plural: alphas", f"kind: {kind}, plural: k{number}s"
            ),
            encoding="utf-8",
        )
    assert main(["gen", "--crd", str(tmp_path), "-o", str(tmp_path / "out")]) == 1
    errors = _errors(capsys.readouterr().err)
    assert len(errors) == ERROR_LIMIT + 1, errors
    assert all(": unknown type 'strin'" in line for line in errors[:-1])
    assert errors[-1] == "error: ... and 7 more"
    assert not (tmp_path / "out").exists()


def test_every_broken_definition_of_a_spec_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def thing(field_type: str) -> dict:
        return {"type": "object", "properties": {"a": {"type": field_type}}}

    spec = {
        "swagger": "2.0",
        "info": {"title": "t", "version": "v1"},
        "paths": {},
        "definitions": {
            "io.k8s.api.x.v1.Bad": thing("nope"),
            "io.k8s.api.x.v1.Fine": thing("string"),
            "io.k8s.api.x.v1.Worse": {
                "type": "object",
                "properties": {"b": {"$ref": "#/definitions/io.k8s.api.x.v1.Missing"}},
            },
        },
    }
    source = tmp_path / "spec.json"
    source.write_text(json.dumps(spec), encoding="utf-8")
    assert main(["gen", "--spec", str(source), "-o", str(tmp_path / "out")]) == 1
    errors = _errors(capsys.readouterr().err)
    assert errors == [
        f"error: {source}:/definitions/io.k8s.api.x.v1.Bad/properties/a/type: unknown type 'nope'",
        f"error: {source}:/definitions/io.k8s.api.x.v1.Worse/properties/b/$ref: $ref '#/definitions/io.k8s.api.x.v1.Missing' names no definition",
    ]
    assert not (tmp_path / "out").exists()
