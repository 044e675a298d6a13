"""A cold run over many CRD files made in two processes (openapi_tool/halves.py) writes what
one process writes: the same files, lock, report and warnings, and the same errors. The
second half must really come from the forked child, and halves that share a package family
must fall back to one process."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

import openapi_tool.generate
from openapi_tool import halves, parallel
from openapi_tool.cli import main

from .test_incremental import _crd

pytestmark = pytest.mark.skipif(not parallel.available(), reason="forking is used on Linux with 2+ CPUs only")

UNTRANSLATED = "self.all(k, k.startsWith('x'))"  # a CEL macro kept as a comment


def _sources(root: Path, second: dict[str, str]) -> list[str]:
    """Two project folders: `one/` (fixed) and `two/` (the files given), as --crd arguments."""
    files = {
        "one/a.yaml": _crd("alpha.example.com", "Apple", ("v1", "v1beta1"), unserved=("v1beta1",), rule=UNTRANSLATED),
        "one/b.yaml": _crd("alpha.example.com", "Banana"),
        **{f"two/{name}": text for name, text in second.items()},
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return ["--crd", str(root / "one"), "--crd", str(root / "two")]


SECOND = {
    "c.yaml": _crd("cherry.example.org", "Cherry", rule=UNTRANSLATED),
    "d.yaml": _crd("dates.example.net", "Date", ("v1", "v2beta1"), unserved=("v2beta1",)),
}


def _run(args: list[str], out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, bytes], str, str]:
    report = out.parent / f"{out.name}-report.json"
    code = main(["gen", *args, "-o", str(out), "--report-json", str(report)])
    err = capsys.readouterr().err.replace(str(out), "OUT")
    tree = (
        {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} if out.exists() else {}
    )
    shown = report.read_text(encoding="utf-8").replace(str(out), "OUT") if report.exists() else ""
    return code, tree, shown, err


def _split_and_single(monkeypatch, tmp_path: Path, args: list[str], capsys) -> tuple[tuple, tuple, list]:
    """The run in one process, then in two (every threshold at zero), noting what the split planned."""
    monkeypatch.setattr(halves, "SPLIT_BYTES", 10**12)
    single = _run(args, tmp_path / "single" / "module", capsys)
    monkeypatch.setattr(halves, "SPLIT_BYTES", 0)
    parent, made, planned = os.getpid(), halves._half, []

    def half(files, *rest, **options):
        assert (os.getpid() != parent) == (Path(files[0]).parent.name == "two"), "the second half ran in the parent"
        return made(files, *rest, **options)

    def in_halves(*args, **kwargs):
        made_plan = original(*args, **kwargs)
        planned.append(made_plan is not None)
        return made_plan

    original = openapi_tool.generate._in_halves
    monkeypatch.setattr(halves, "_half", half)
    monkeypatch.setattr(openapi_tool.generate, "_in_halves", in_halves)
    split = _run(args, tmp_path / "split" / "module", capsys)
    return single, split, planned


def test_two_halves_write_what_one_process_writes(monkeypatch, tmp_path: Path, capsys) -> None:
    args = _sources(tmp_path, SECOND)
    single, split, planned = _split_and_single(monkeypatch, tmp_path, args, capsys)
    assert planned[0] is True
    code, tree, report, err = split
    assert code == 0 and tree == single[1] and report == single[2]
    assert sorted(err.splitlines()) == sorted(single[3].splitlines())
    lock = json.loads(tree["openapi-tool.lock"])
    assert [u["kind"] for u in lock["summary"]["unserved"]] == ["Apple", "Date"]
    assert len(json.loads(report)["outputs"][0]["checks"]["not_checked"]) == 2


def test_halves_sharing_a_package_are_made_in_one_process(monkeypatch, tmp_path: Path, capsys) -> None:
    """The cut guesses groups from `  group:` lines; a JSON CRD has none, so the halves are
    made, found to share alpha.example.com/v1 when joined (where its kind AppleSpec takes the
    name of Apple's spec schema), and made again in one process."""
    apple_spec = json.dumps(yaml.safe_load(_crd("alpha.example.com", "AppleSpec")))
    args = _sources(tmp_path, {**SECOND, "e.yaml": apple_spec})
    single, split, planned = _split_and_single(monkeypatch, tmp_path, args, capsys)
    assert planned[0] is False
    assert split[:3] == single[:3]


@pytest.mark.parametrize(
    "broken",
    [
        "apiVersion: [unclosed\n",
        _crd("dates.example.net", "Date").replace("properties:\n                    note:", "properties: 5\n  x:"),
    ],
    ids=["yaml", "schema"],
)
def test_an_error_in_the_second_half_is_the_one_process_error(monkeypatch, tmp_path: Path, capsys, broken) -> None:
    args = _sources(tmp_path, {**SECOND, "d.yaml": broken})
    single, split, planned = _split_and_single(monkeypatch, tmp_path, args, capsys)
    assert single[0] != 0 and "d.yaml" in single[3]
    assert planned[0] is False
    assert split == single
