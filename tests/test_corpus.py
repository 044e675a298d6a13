"""Every CRD file and every Kubernetes spec in ../shared/corpus generates a module that
compiles with kcl-lib and is already in `kcl fmt` form."""

from __future__ import annotations

from pathlib import Path

import pytest

from openapi_tool.cli import main
from openapi_tool.kcl_compile import compile_module, format_differences


def _crd_files(corpus: Path) -> list[Path]:
    return sorted(p for p in (corpus / "crds").rglob("*") if p.suffix in (".yaml", ".yml", ".json"))


def _spec_inputs(corpus: Path) -> list[Path]:
    root = corpus / "k8s-openapi"
    swaggers = sorted(root.glob("*/swagger.json"))
    v3_dirs = sorted({p.parent for p in root.rglob("*_openapi.json")})
    return swaggers + v3_dirs


def _generate_and_compile(flag: str, source: Path, out: Path) -> str:
    if main(["gen", "-q", flag, str(source), "-o", str(out)]) != 0:
        return "generation failed"
    errors = [f"{r.package}: {r.error.splitlines()[0] if r.error else ''}" for r in compile_module(out) if r.error]
    errors += [f"{path}: not in kcl fmt form" for path in format_differences(out)]
    return "; ".join(errors)


def test_every_corpus_crd_file_compiles(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = _crd_files(corpus)
    failures = {}
    for index, path in enumerate(files):
        error = _generate_and_compile("--crd", path, tmp_path / str(index))
        if error:
            failures[str(path.relative_to(corpus))] = error
    with capsys.disabled():
        print(f"\ncorpus CRD files compiled: {len(files) - len(failures)}/{len(files)}")
    assert len(files) > 100
    assert not failures, "\n".join(f"{k}: {v}" for k, v in failures.items())


def test_every_corpus_spec_compiles(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = _spec_inputs(corpus)
    failures = {}
    for index, path in enumerate(inputs):
        error = _generate_and_compile("--spec", path, tmp_path / str(index))
        if error:
            failures[str(path.relative_to(corpus))] = error
    with capsys.disabled():
        print(f"\ncorpus Kubernetes specs compiled: {len(inputs) - len(failures)}/{len(inputs)}")
    assert len(inputs) >= 7
    assert not failures, "\n".join(f"{k}: {v}" for k, v in failures.items())
