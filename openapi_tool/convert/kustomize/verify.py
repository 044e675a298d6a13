"""`convert --verify` on a Kustomize tree: run each kustomization's KCL file with kcl-lib and
compare its documents with what `kubectl kustomize` (or `kustomize build`) prints for the
directory, or, with neither on PATH, with what the converter computed."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openapi_tool.convert.kustomize.check import check_entries, read_output
from openapi_tool.convert.kustomize.errors import BuildError
from openapi_tool.convert.kustomize.oracle import kustomize_command, render_text
from openapi_tool.kcl_compile import external_packages


@dataclass
class TreeReport:
    lines: list[str] = field(default_factory=list)
    ok: bool = True


def verify_tree(
    root: Path,
    output: Path,
    kustomizations: dict[str, str],
    expected: dict[str, list[Any]],
    progress: Callable[[int, int, str], None] = lambda done, total, what: None,
) -> TreeReport:
    report = TreeReport()
    command = kustomize_command()
    if command is None:
        report.lines.append(
            "neither kubectl nor kustomize is on PATH: comparing with the documents the converter computed"
        )
    out = output.resolve()
    wanted: dict[str, list[Any]] = {}
    directories = sorted(kustomizations)
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:  # kustomize runs in its own processes
        renders = pool.map(lambda d: _wanted(root / d, expected[kustomizations[d]], command), directories)
        for done, (directory, documents) in enumerate(zip(directories, renders)):
            entry = kustomizations[directory]
            if isinstance(documents, str):
                report.ok = False
                report.lines.append(f"{output / entry}: {documents}")
            else:
                wanted[entry] = documents
            progress(done + 1, len(kustomizations), "rendering with kustomize")
    texts = {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8") for p in out.rglob("*.k")}
    kcl_mod = (out / "kcl.mod").read_text(encoding="utf-8")
    problems = check_entries(kcl_mod, texts, wanted, progress, external_packages(out))
    for entry, problem in sorted(problems.items()):
        report.ok = False
        report.lines.append(f"{output / entry}: {problem}")
    oracle = " ".join(command) if command else "the converter"
    exact = len(wanted) - len(problems)
    report.lines.append(f"verified {exact}/{len(kustomizations)} kustomizations: kcl-lib renders what {oracle} renders")
    return report


def _wanted(directory: Path, computed: list[Any], command: list[str] | None) -> list[Any] | str:
    """The documents kustomize prints for `directory`, read as kcl's output is read; an
    error message when it cannot build it."""
    if command is None:
        return computed
    try:
        return read_output(render_text(command, directory))
    except BuildError as error:
        return f"kustomize cannot build {directory}: {error}"
