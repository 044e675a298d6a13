"""Issue 14's done-when, over ../shared/corpus/kustomize: each project converts as one tree, and
every kustomization that renders offline (INDEX.tsv `ok`) is converted and its KCL file renders
(kcl-lib) exactly what `kubectl kustomize` prints for it. Skips, saying why, without the corpus
or kubectl."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from openapi_tool.cli import main
from openapi_tool.convert.kustomize.pipeline import convert_tree
from openapi_tool.convert.kustomize.verify import verify_tree
from openapi_tool.convert.pipeline import ConvertOptions
from openapi_tool.output import write_tree

from ..conftest import CORPUS

KUSTOMIZE = CORPUS / "kustomize"
INDEX = KUSTOMIZE / "INDEX.tsv"


def _offline() -> dict[str, list[str]]:
    """Project -> the kustomization directories that render offline."""
    if not INDEX.is_file():
        return {}
    with INDEX.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["status"] == "ok"]
    projects: dict[str, list[str]] = {}
    for row in rows:
        projects.setdefault(row["project"], []).append(row["dir"])
    return projects


OFFLINE = _offline()


@pytest.fixture(scope="module")
def k8s(tmp_path_factory: pytest.TempPathFactory) -> Path:
    specs = CORPUS / "k8s-openapi"
    versions = [p for p in specs.iterdir() if p.name[0].isdigit()] if specs.is_dir() else []
    if not versions:
        pytest.skip(f"no Kubernetes specs under {specs}")
    newest = max(versions, key=lambda p: tuple(int(n) for n in p.name.split(".")))
    out = tmp_path_factory.mktemp("k8s") / "k8s"
    assert main(["gen", "-q", "--spec", str(newest), "-o", str(out)]) == 0
    return out


@pytest.mark.parametrize("project", sorted(OFFLINE) or ["(no corpus)"])
def test_every_offline_kustomization_renders_what_kubectl_renders(project: str, k8s: Path, tmp_path: Path) -> None:
    if not OFFLINE:
        pytest.skip(f"no Kustomize corpus at {KUSTOMIZE}")
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed: no oracle for kustomize's output")
    root, out = KUSTOMIZE / project, tmp_path / "kcl"
    warnings: list[str] = []
    conversion = convert_tree(root, out, ConvertOptions((str(k8s),)), warnings.append)
    write_tree(out, conversion.files, {"command": "test"})
    wanted = OFFLINE[project]
    missing = {d: conversion.skipped.get(d, "not found") for d in wanted if d not in conversion.kustomizations}
    assert not missing, missing
    chosen = {d: conversion.kustomizations[d] for d in wanted}
    report = verify_tree(root, out, chosen, conversion.expected)
    assert report.ok, "\n".join(report.lines)
    assert report.lines[-1].startswith(f"verified {len(wanted)}/{len(wanted)} kustomizations")
    assert not conversion.fallbacks, f"entries written in full as their changes did not render: {conversion.fallbacks}"
