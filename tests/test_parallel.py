"""Reading split over two processes gives what one process gives: the same documents and
digests, and the same first error."""

from __future__ import annotations

import pytest

from openapi_tool import loader, parallel
from openapi_tool.errors import InputError

from .conftest import ROOT

CRDS = sorted(str(p) for p in (ROOT / "specs" / "crds").glob("*.yaml"))
BAD = ROOT / "tests" / "bad_inputs"

pytestmark = pytest.mark.skipif(not parallel.available(), reason="forking is used on Linux with 2+ CPUs only")


def _both(monkeypatch: pytest.MonkeyPatch, run):
    """run() in one process, then with every threshold at zero (two processes)."""
    one = run()
    monkeypatch.setattr(loader, "PARALLEL_BYTES", 0)
    return one, run()


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
