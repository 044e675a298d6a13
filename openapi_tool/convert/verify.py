"""`--verify`: run every converted file as `kcl run` would and compare with the manifests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from openapi_tool.convert.compare import first_difference
from openapi_tool.convert.pipeline import Expected
from openapi_tool.convert.read import parse_values
from openapi_tool.errors import InputError

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class Failure:
    file: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


def verify(
    output: Path,
    expected: dict[str, list[Expected]],
    progress: Callable[[int, int, str], None] = lambda done, total, what: None,
) -> list[Failure]:
    """The first difference of each file whose output differs from its manifests."""
    import kcl_lib.api as kcl

    api = kcl.API()
    root = output.resolve()
    external = []
    if "[dependencies]" in (root / "kcl.mod").read_text(encoding="utf-8"):
        external = list(api.update_dependencies(kcl.UpdateDependenciesArgs(manifest_path=str(root))).external_pkgs)
    failures = []
    for count, (relative, wanted) in enumerate(sorted(expected.items()), 1):
        progress(count, len(expected), "verifying")
        shown = str(output / relative)
        args = kcl.ExecProgramArgs(k_filename_list=[str(root / relative)], work_dir=str(root), external_pkgs=external)
        try:
            result = api.exec_program(args)
            error = result.err_message
        except Exception as exc:  # kcl-lib raises for syntax and type errors
            error = str(exc) or type(exc).__name__
        if error:
            failures.append(Failure(shown, "kcl failed: " + _first_line(_ANSI.sub("", error))))
            continue
        try:
            documents = [d for d in parse_values(result.yaml_result, shown) if d is not None]
        except InputError as exc:
            failures.append(Failure(shown, f"kcl output is not readable YAML: {exc.message}"))
            continue
        failure = _compare(shown, wanted, documents)
        if failure is not None:
            failures.append(failure)
    return failures


def _compare(shown: str, wanted: list[Expected], documents: list) -> Failure | None:
    for index, (expected, actual) in enumerate(zip(wanted, documents), 1):
        difference = first_difference(expected.data, actual)
        if difference is not None:
            return Failure(shown, f"document {index} (from {expected.label}): {difference}")
    if len(documents) != len(wanted):
        return Failure(shown, f"{len(documents)} documents, expected {len(wanted)}")
    return None


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    detail = next((line.lstrip("|^ ").strip() for line in lines if line.startswith("|") and line.strip("|^ ")), "")
    return f"{lines[0]}: {detail}" if lines and detail else (lines[0] if lines else "kcl failed")
