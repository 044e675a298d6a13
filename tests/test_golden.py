"""Golden files: regenerating every spec in specs/ gives exactly the checked-in generated/ tree.

Rewrite them on purpose with `pytest tests/test_golden.py --update-golden`, then review
the diff of generated/ like any other change.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from openapi_tool.cli import main
from openapi_tool.kcl_compile import compile_module, format_differences
from openapi_tool.output import LOCK

from .conftest import ROOT
from .golden_cases import CASES


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _generate(case: str, target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["gen", "-q", *CASES[case], "-o", str(target), "--name", case.replace("-", "_")]) == 0


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_output_is_current(
    case: str, tmp_path: Path, update_golden: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = tmp_path / case
    _generate(case, fresh, monkeypatch)
    golden = ROOT / "generated" / case
    if update_golden:
        shutil.rmtree(golden, ignore_errors=True)
        shutil.copytree(fresh, golden)
    assert golden.is_dir(), f"no golden tree for {case}: run pytest tests/test_golden.py --update-golden"
    expected, actual = _tree(golden), _tree(fresh)
    assert sorted(actual) == sorted(expected)
    changed = [path for path in expected if expected[path] != actual[path]]
    assert not changed, f"generated/{case} differs from a fresh run in: {changed[:10]}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_output_compiles_and_is_formatted(case: str) -> None:
    golden = ROOT / "generated" / case
    results = compile_module(golden)
    assert results, f"generated/{case} has no KCL packages"
    errors = [f"{r.package}: {r.error}" for r in results if r.error]
    assert not errors, "\n".join(errors)
    assert format_differences(golden) == []
    assert (golden / LOCK).is_file()


def test_generation_is_deterministic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _generate("widgets", tmp_path / "a", monkeypatch)
    _generate("widgets", tmp_path / "b", monkeypatch)
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
