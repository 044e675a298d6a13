"""Creating files split over two processes gives the tree one process gives, and the same
first error. The later half must really be written by the forked child: `in_two` falls back
to writing it in the parent when the child fails, which would hide a broken child."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from openapi_tool import output, parallel

pytestmark = pytest.mark.skipif(not parallel.available(), reason="forking is used on Linux with 2+ CPUs only")

TEXTS = {f"pkg{n % 3}/sub{n % 2}/file{n}.k": f"schema S{n}:\n    n: int = {n}\n" for n in range(12)}
FILES = {relative: text.encode() for relative, text in TEXTS.items()}


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _split_watched(monkeypatch: pytest.MonkeyPatch, later_here=None) -> list[int]:
    """Force the split; each records its halves' sizes. `later_here` replaces the parent's redo."""
    monkeypatch.setattr(output, "PARALLEL_FILES", 2)
    original, splits = output.in_two, []

    def watched(first, later, redo=None):
        mine, theirs = original(first, later, later_here or redo)
        splits.extend((mine, theirs))
        return mine, theirs

    monkeypatch.setattr(output, "in_two", watched)
    return splits


def _not_here():
    raise AssertionError("the later half was written by the parent: the child's work was not used")


def test_two_processes_write_the_tree_one_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    output.write_tree(tmp_path / "one", TEXTS)
    splits = _split_watched(monkeypatch, _not_here)
    output.write_tree(tmp_path / "two", TEXTS)
    assert splits == [6, 6]
    assert _tree(tmp_path / "two") == _tree(tmp_path / "one")
    assert {k: v for k, v in _tree(tmp_path / "two").items() if k != output.LOCK} == FILES


def test_a_failing_child_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parent, create = os.getpid(), output._create

    def failing_in_the_child(root, items):
        if os.getpid() != parent:
            raise OSError("the child fails")
        return create(root, items)

    monkeypatch.setattr(output, "_create", failing_in_the_child)
    splits = _split_watched(monkeypatch)
    output._write_all(tmp_path, FILES)
    assert splits == [6, 6]
    assert _tree(tmp_path) == FILES


def test_an_error_in_the_later_half_is_the_one_process_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {**FILES, "pkg0/" + "x" * 300 + ".k": b"too long a name\n"}
    with pytest.raises(OSError) as one:
        output._write_all(tmp_path / "one", files)
    splits = _split_watched(monkeypatch)
    with pytest.raises(OSError) as two:
        output._write_all(tmp_path / "two", files)
    assert splits == []  # the parent's redo of the later half raised, as one process does
    assert (two.value.errno, two.value.strerror) == (one.value.errno, one.value.strerror)
    assert two.value.filename.replace("/two/", "/one/") == one.value.filename


def test_few_files_stay_in_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    splits = _split_watched(monkeypatch)
    monkeypatch.setattr(output, "PARALLEL_FILES", len(FILES) + 1)
    output._write_all(tmp_path, FILES)
    assert splits == [] and _tree(tmp_path) == FILES
