"""Reading ahead (a child parses the YAML inputs while `gen` imports the rest) gives what one
process gives: the same documents, digests, generated files and errors. Every threshold is
set to zero (and a core taken as free) so that small fixtures fork, and the parent is kept
from parsing the child's files itself: `_from_ahead` falls back to that when the child
fails, which would hide a broken child from a test that only compares results."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from openapi_tool import loader, parallel
from openapi_tool.cli import main
from openapi_tool.errors import InputError

from .conftest import ROOT

CRDS = sorted(str(p) for p in (ROOT / "specs" / "crds").glob("*.yaml"))
BAD = ROOT / "tests" / "bad_inputs"

pytestmark = pytest.mark.skipif(not parallel.available(), reason="forking is used on Linux with 2+ CPUs only")


class Spy:
    """What reading ahead did: children started, and the file lists `meanwhile` was called with."""

    def __init__(self) -> None:
        self.forks = 0
        self.meanwhile: list[list[str]] = []


@pytest.fixture
def forced(monkeypatch: pytest.MonkeyPatch) -> Spy:
    """Read ahead at any size, with the child's files parsed in the child only."""
    spy = Spy()
    monkeypatch.setattr(loader, "AHEAD_BYTES", 0)
    parent, child_share = os.getpid(), loader._with_digests

    def in_the_child_only(files: list[str]):
        if os.getpid() == parent:
            raise AssertionError("the files were parsed in the parent: the child's result was not used")
        return child_share(files)

    class Counted(parallel.Forked):
        def __init__(self, work) -> None:
            spy.forks += 1
            super().__init__(work)

    monkeypatch.setattr(loader, "_with_digests", in_the_child_only)
    monkeypatch.setattr(loader, "Forked", Counted)
    monkeypatch.setattr(loader, "_idle_core", lambda: True)  # whatever else runs on the machine
    return spy


def _read(paths: list[str]) -> tuple[list[loader.Document], dict[str, str]]:
    digests: dict[str, str] = {}
    return loader.read_all(paths, digests), digests


def test_documents_and_digests_are_those_of_one_process(forced: Spy) -> None:
    paths = [*CRDS, str(ROOT / "specs" / "k8s" / "mini-swagger.json"), str(BAD / "empty.yaml")]
    one = _read(paths)
    with loader.reading_ahead(paths, meanwhile=forced.meanwhile.append):
        two = _read(paths)
    assert two == one and len(one[0]) > len(CRDS)
    assert forced.forks == 1
    assert forced.meanwhile == [paths], "meanwhile runs once, with the files, before the documents are taken"


@pytest.mark.parametrize("bad", ["malformed.yaml", "duplicate-keys.yaml", "invalid-utf8.yaml", "malformed.json"])
@pytest.mark.parametrize("first", [False, True], ids=["bad-file-last", "bad-file-first"])
def test_the_error_is_that_of_one_process(monkeypatch: pytest.MonkeyPatch, bad: str, first: bool) -> None:
    paths = [str(BAD / bad), *CRDS] if first else [*CRDS, str(BAD / bad)]
    with pytest.raises(InputError) as serial:
        loader.read_all(paths)
    monkeypatch.setattr(loader, "AHEAD_BYTES", 0)
    monkeypatch.setattr(loader, "_idle_core", lambda: True)
    with loader.reading_ahead(paths), pytest.raises(InputError) as ahead:
        assert loader._ahead is not None
        loader.read_all(paths)
    assert str(ahead.value) == str(serial.value)


def test_a_set_split_over_two_processes_anyway_is_not_read_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "AHEAD_BYTES", 0)
    monkeypatch.setattr(loader, "PARALLEL_BYTES", 0)  # read_all splits these (and `halves` would)
    with loader.reading_ahead(CRDS):
        assert loader._ahead is None
        assert parallel.available(), "no pending child keeps the split from forking"


def test_other_files_are_read_here_and_no_child_is_left(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "AHEAD_BYTES", 0)
    monkeypatch.setattr(loader, "_idle_core", lambda: True)
    with loader.reading_ahead(CRDS):
        assert loader._ahead is not None
        assert _read(CRDS[:1]) == _read(CRDS[:1])
        assert loader._ahead is None
    with loader.reading_ahead(CRDS):
        assert loader._ahead is not None
        child = loader._ahead.child._pid  # never read: the child is stopped on leaving
    with pytest.raises(ChildProcessError):  # and reaped (other tests' children are not ours to count)
        os.waitpid(child, os.WNOHANG)


def test_small_inputs_are_read_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "_idle_core", lambda: True)
    with loader.reading_ahead(CRDS):
        assert loader._ahead is None


def test_no_child_when_no_core_is_free(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "AHEAD_BYTES", 0)
    monkeypatch.setattr(loader, "_idle_core", lambda: False)
    with loader.reading_ahead(CRDS):
        assert loader._ahead is None


def test_a_core_is_free_when_fewer_tasks_run_than_there_are_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert not loader._idle_core(), "this process runs: one CPU has none free"
    monkeypatch.setattr(os, "cpu_count", lambda: 100_000)
    assert loader._idle_core()


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_gen_writes_the_same_files(forced: Spy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = str(ROOT / "specs" / "crds" / "widgets.example.com.yaml")  # has CEL rules: the parser is made early
    ahead, one = tmp_path / "ahead" / "widgets", tmp_path / "one" / "widgets"  # the name is the module's
    assert main(["gen", "-q", "--crd", source, "-o", str(ahead)]) == 0
    assert main(["gen", "-q", "--crd", source, "-o", str(ahead)]) == 0  # unchanged: nothing to parse
    assert forced.forks == 1, "a first generation reads ahead, a run into an earlier output does not"
    monkeypatch.undo()
    assert main(["gen", "-q", "--crd", source, "-o", str(one)]) == 0
    assert _tree(ahead) == _tree(one)


def test_gen_reports_the_same_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    paths = [arg for path in [*CRDS, str(BAD / "duplicate-keys.yaml")] for arg in ("--crd", path)]
    assert main(["gen", *paths, "-o", str(tmp_path / "one")]) == 1
    one = capsys.readouterr().err
    monkeypatch.setattr(loader, "AHEAD_BYTES", 0)
    monkeypatch.setattr(loader, "_idle_core", lambda: True)
    assert main(["gen", *paths, "-o", str(tmp_path / "ahead")]) == 1
    assert capsys.readouterr().err == one and "duplicate key" in one
