"""Rendering split over two processes gives what one process gives: the same files, counts,
kept constraints and per-source shares, and the same warnings in the same order (the child's
come after the parent's). The later share must really come from the forked child: `in_two`
falls back to rendering it in the parent when the child fails, which would hide a broken
child from a test that only compares results."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from openapi_tool import parallel
from openapi_tool.kcl import render
from openapi_tool.kcl.options import Options
from openapi_tool.loader import read_all
from openapi_tool.model import Model
from openapi_tool.sources.assemble import build_model

from .conftest import ROOT, crd_document

pytestmark = pytest.mark.skipif(not parallel.available(), reason="forking is used on Linux with 2+ CPUs only")

PARTS = "abcdefghijklmnop"


def _part(name: str) -> dict:
    """An object whose default does not fit its type (a warning), with a CEL rule that becomes
    a check and one kept as a comment."""
    return {
        "type": "object",
        "x-kubernetes-validations": [{"rule": "self.size >= 0"}, {"rule": f"self.size >= ({name}"}],
        "properties": {"size": {"type": "integer", "default": f"not a number ({name})"}},
    }


def _model(tmp_path: Path) -> Model:
    """The CRD fixtures and a CRD of many parts with warnings, which the split cuts in two."""
    crd = crd_document("x.io", "Machine", {"type": "object", "properties": {p: _part(p) for p in PARTS}})
    (tmp_path / "machines.json").write_text(json.dumps(crd), encoding="utf-8")
    fixtures = sorted(str(p) for p in (ROOT / "specs" / "crds").glob("*.yaml"))
    return build_model(read_all([*fixtures, str(tmp_path / "machines.json")]), None, lambda message: None)


def _rendered(model: Model) -> tuple[render.RenderedModule, list[str]]:
    warnings: list[str] = []
    return render.render_module(model, Options(module_name="fixture"), warnings.append), warnings


def _split_watched(monkeypatch: pytest.MonkeyPatch, later_here=None) -> list[tuple[int, int, set[str]]]:
    """Force the split; each one records how many warnings each share gave and the source
    files both shares rendered from. With `later_here` given, it replaces the parent's redo
    of the child's share."""
    monkeypatch.setattr(render, "PARALLEL_WORK", 0)
    original, splits = render.in_two, []

    def watched(first, later, redo):
        mine, theirs = original(first, later, later_here or redo)
        splits.append((len(mine.warnings), len(theirs.warnings), set(mine.by_source) & set(theirs.by_source)))
        return mine, theirs

    monkeypatch.setattr(render, "in_two", watched)
    return splits


def _not_here(parent: int):
    def fallback():
        raise AssertionError(f"the child's share was rendered again in the parent (pid {parent})")

    return fallback


def test_two_processes_render_what_one_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = _model(tmp_path)
    one, one_warnings = _rendered(model)
    splits = _split_watched(monkeypatch, _not_here(os.getpid()))
    two, two_warnings = _rendered(model)
    assert len(splits) == 1, "the schemas were not split over two processes"
    _, child_warnings, both = splits[0]
    assert child_warnings > 0, "the child's share gave no warning: the test does not see their order"
    assert len(two_warnings) > child_warnings, "the parent's share gave no warning"
    assert any(p.endswith("machines.json") for p in both), "no source file is shared: the test does not merge"
    assert two == one
    assert two_warnings == one_warnings
    assert len(one_warnings) == len(PARTS)
    machines = next(share for path, share in one.by_source.items() if path.endswith("machines.json"))
    assert (machines.cel_rules, machines.written, machines.cel_kept) == (2 * len(PARTS), len(PARTS), len(PARTS))
    assert "kcl.mod" in one.files and any(f.startswith("vendor/") for f in one.files)


def test_a_failing_child_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = _model(tmp_path)
    one = _rendered(model)
    parent, share = os.getpid(), render._render

    def failing_in_the_child(*args, **kwargs):
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return share(*args, **kwargs)

    monkeypatch.setattr(render, "_render", failing_in_the_child)
    splits = _split_watched(monkeypatch)
    assert _rendered(model) == one
    assert len(splits) == 1


def test_an_error_in_the_later_share_is_the_one_process_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = _model(tmp_path)
    last = model.schemas[-1].name
    file_view = render._file_view

    def failing_on_the_last(schema, *args):
        if schema.name == last:
            raise ValueError(f"cannot render {schema.name}")
        return file_view(schema, *args)

    monkeypatch.setattr(render, "_file_view", failing_on_the_last)
    warnings: list[str] = []
    with pytest.raises(ValueError) as one:
        render.render_module(model, Options(module_name="fixture"), warnings.append)
    _split_watched(monkeypatch)
    split_warnings: list[str] = []
    with pytest.raises(ValueError) as two:
        render.render_module(model, Options(module_name="fixture"), split_warnings.append)
    assert str(two.value) == str(one.value) == f"cannot render {last}"
    assert split_warnings == warnings


def test_small_models_and_no_fork_stay_in_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = _model(tmp_path)
    splits = _split_watched(monkeypatch)
    monkeypatch.setattr(render, "PARALLEL_WORK", 10**9)
    _rendered(model)
    monkeypatch.setattr(render, "PARALLEL_WORK", 0)
    monkeypatch.setattr(render, "parallel_available", lambda: False)
    _rendered(model)
    assert splits == []


def test_progress_counts_up_to_the_total_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = _model(tmp_path)
    _split_watched(monkeypatch)
    seen: list[int] = []
    render.render_module(
        model, Options(module_name="fixture"), lambda message: None, lambda done, total, what: seen.append(done)
    )
    total = len(model.schemas)
    assert seen == sorted(seen) and seen.count(total) == 1 and seen[-1] == total
