"""Reading split over two processes gives what one process gives: the same documents and
digests, and the same first error. The later share must really come from the forked child:
`in_two` falls back to computing it in the parent when the child fails, which would hide a
broken child from a test that only compares results."""

from __future__ import annotations

import os

import pytest

from openapi_tool import loader, parallel
from openapi_tool.errors import InputError

from .conftest import ROOT

CRDS = sorted(str(p) for p in (ROOT / "specs" / "crds").glob("*.yaml"))
BAD = ROOT / "tests" / "bad_inputs"

pytestmark = pytest.mark.skipif(not parallel.available(), reason="forking is used on Linux with 2+ CPUs only")


def _not_here(parent: int):
    """A `later_here` that fails the test: the parent had to redo the child's share."""

    def fallback():
        raise AssertionError(f"the child's share was recomputed in the parent (pid {parent})")

    return fallback


def test_the_later_share_is_the_childs_own_result() -> None:
    parent = os.getpid()
    mine, theirs = parallel.in_two(os.getpid, lambda: ("child", os.getpid()), _not_here(parent))
    assert mine == parent
    assert theirs[0] == "child" and theirs[1] != parent


def test_a_failed_child_is_redone_here_with_its_error() -> None:
    parent = os.getpid()

    def later() -> int:
        if os.getpid() != parent:
            raise RuntimeError("fails in the child only")
        return -1

    assert parallel.in_two(lambda: 1, later) == (1, -1)
    with pytest.raises(AssertionError, match="recomputed in the parent"):
        parallel.in_two(lambda: 1, later, _not_here(parent))


def _both(monkeypatch: pytest.MonkeyPatch, run):
    """run() in one process, then with every threshold at zero (two processes), where the
    parent may not compute the later files itself."""
    one = run()
    monkeypatch.setattr(loader, "PARALLEL_BYTES", 0)
    parent, child_share = os.getpid(), loader._with_digests
    shares: list[str] = []

    def in_the_child_only(files: list[str]):
        if os.getpid() == parent:
            raise AssertionError("the later files were read in the parent: the child's result was not used")
        return child_share(files)

    original = parallel.in_two

    def watched(first, later, later_here=None):
        shares.append("split")
        return original(first, later, later_here)

    monkeypatch.setattr(loader, "_with_digests", in_the_child_only)
    monkeypatch.setattr(loader, "in_two", watched)
    two = run()
    assert shares == ["split"], "the files were not split over two processes"
    return one, two


def test_documents_and_digests_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    paths = CRDS + [str(ROOT / "specs" / "k8s" / "mini-swagger.json")]

    def read() -> tuple[list, list]:
        digests: dict[str, str] = {}
        return loader.read_all(paths, digests), list(digests.items())

    one, two = _both(monkeypatch, read)
    assert one == two


@pytest.mark.parametrize("bad", ["malformed.yaml", "duplicate-keys.yaml"])
def test_the_first_error_wins(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    monkeypatch.setattr(loader, "PARALLEL_BYTES", 0)
    for paths in ([*CRDS, str(BAD / bad)], [str(BAD / bad), *CRDS, str(BAD / "malformed.json")]):
        with pytest.raises(InputError) as parallel_error:
            loader.read_all(paths)
        with pytest.raises(InputError) as serial_error:
            list(loader.read_documents(paths))
        assert str(parallel_error.value) == str(serial_error.value)
