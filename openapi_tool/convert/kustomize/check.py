"""Run every kustomization's KCL file with kcl-lib and name those that do not render the
documents kustomize renders."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openapi_tool.convert.compare import first_difference
from openapi_tool.convert.kclrun import Executor, Program
from openapi_tool.convert.read import parse_values
from openapi_tool.kcl_compile import external_packages


def rendered(text: str) -> list[Any]:
    """The documents of kcl's output, without the `null` ones (kubectl skips them too)."""
    return [d for d in parse_values(text) if d is not None]


def check_entries(
    kcl_mod: str,
    texts: dict[str, str],
    expected: dict[str, list[Any]],
    progress: Callable[[int, int, str], None] = lambda done, total, what: None,
) -> dict[str, str]:
    """Entry file -> why it does not render its documents, for the entries in `expected`
    (`texts` holds every file of the module, relative path -> text)."""
    scratch = Path(tempfile.mkdtemp(prefix="openapi-tool-kustomize-"))
    try:
        (scratch / "kcl.mod").write_text(kcl_mod, encoding="utf-8")
        for relative, text in texts.items():
            path = scratch / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        external = external_packages(scratch)
        order = sorted(expected)
        programs = [Program(str(scratch), (), external, (str(scratch / relative),)) for relative in order]
        problems: dict[str, str] = {}
        with Executor() as executor:
            for relative, result in zip(order, executor.run_all(programs)):
                problem = difference(result.yaml, result.error, expected[relative])
                if problem:
                    problems[relative] = problem
        progress(len(order), len(order), "checking kustomizations")
        return problems
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def difference(output: str, error: str, wanted: list[Any]) -> str:
    """Why kcl's `output` (or `error`) is not the documents `wanted`; "" when it is."""
    if error:
        return "kcl cannot run it: " + (error.strip().splitlines() or ["?"])[0]
    shown = rendered(output)
    if len(shown) != len(wanted):
        return f"kcl renders {len(shown)} documents, kustomize {len(wanted)}"
    for index, (got, want) in enumerate(zip(shown, wanted)):
        first = first_difference(want, got)
        if first is not None:
            return f"document {index + 1} differs: {first}"
    return ""
