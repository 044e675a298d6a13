"""Creating files on two threads gives the tree one thread gives, and the same first error;
the threads never share a directory (they would wait on each other in the kernel)."""

from __future__ import annotations

import posixpath
import threading
from pathlib import Path

import pytest

from openapi_tool import output

TEXTS = {f"pkg{n % 3}/sub{n % 2}/file{n}.k": f"schema S{n}:\n    n: int = {n}\n" for n in range(12)}
FILES = {relative: text.encode() for relative, text in sorted(TEXTS.items())}


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _watched(monkeypatch: pytest.MonkeyPatch) -> dict[int, list[str]]:
    """Split from 2 files on; the files each thread created, by thread."""
    monkeypatch.setattr(output, "PARALLEL_FILES", 2)
    create, by_thread = output._create, {}

    def watched(root, items, errors=None):
        by_thread.setdefault(threading.get_ident(), []).extend(relative for relative, _ in items)
        return create(root, items, errors)

    monkeypatch.setattr(output, "_create", watched)
    return by_thread


def test_two_threads_write_the_tree_one_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    output.write_tree(tmp_path / "one", TEXTS)
    by_thread = _watched(monkeypatch)
    output.write_tree(tmp_path / "two", TEXTS)
    assert len(by_thread) == 2, "the files were not split over two threads"
    first, later = ({posixpath.dirname(r) for r in files} for files in by_thread.values())
    assert first and later and not first & later
    assert _tree(tmp_path / "two") == _tree(tmp_path / "one")
    assert {k: v for k, v in _tree(tmp_path / "two").items() if k != output.LOCK} == FILES


@pytest.mark.parametrize("bad", [["pkg2/sub1/file99.k"], ["pkg0/sub0/file99.k", "pkg2/sub1/file99.k"]])
def test_the_first_error_is_the_one_thread_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad) -> None:
    """Names too long to create: in the later half only, or in both halves."""
    files = {**FILES, **{relative.replace("file99", "x" * 300): b"\n" for relative in bad}}
    files = dict(sorted(files.items()))
    with pytest.raises(OSError) as one:
        output._write_all(tmp_path / "one", files)
    by_thread = _watched(monkeypatch)
    with pytest.raises(OSError) as two:
        output._write_all(tmp_path / "two", files)
    assert len(by_thread) == 2
    assert (two.value.errno, two.value.strerror) == (one.value.errno, one.value.strerror)
    assert two.value.filename.replace("/two/", "/one/") == one.value.filename


def test_a_cut_leaves_no_directory_on_both_sides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output, "PARALLEL_FILES", 2)

    def cut(*relatives: str) -> int | None:
        return output._split_point([(relative, b"") for relative in relatives])

    assert cut("a/1", "a/2", "b/1", "b/2") == 2
    assert cut("a/1", "a/b/1", "a/2", "c/1", "c/2", "d/1") == 3  # a/ is on both sides of the middle
    assert cut("a/1", "a/2", "a/3", "a/4") is None  # one directory
    assert cut("a/1", "a/2", "a/3", "a/4", "a/5", "a/6", "a/7", "b/1") is None  # no cut leaves a quarter
    monkeypatch.setattr(output, "PARALLEL_FILES", 5)
    assert cut("a/1", "a/2", "b/1", "b/2") is None  # too few files
