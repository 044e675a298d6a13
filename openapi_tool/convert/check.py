"""Run KCL with kcl-lib, many values per program, and trace failures back to a value.

A program holds a batch of values (`_v0 = ...`) and renders them with
`manifests.yaml_stream`. When it fails, the compiler's error locations name the lines of
the values at fault; when they point into a schema module instead, the batch is split in
two until the failing value is alone.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any, Callable

from openapi_tool.convert.emit import Line
from openapi_tool.convert.tree import Path

BATCH = 100
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_LOCATION = re.compile(r"^\s*-->\s*(.+?):(\d+):(\d+)\s*$")
_MESSAGE = re.compile(r"^\s*\|\s?(.*)$")


@dataclass
class Probe:
    """One value to evaluate: its lines (built for the given aliases) and imports."""

    key: Any
    imports: dict[str, str]
    """import path -> apiVersion (to name the alias)."""
    build: Callable[[str, dict[str, str]], list[Line]]
    """(variable name, aliases by import path) -> the lines of `name = value`."""


@dataclass
class Outcome:
    data: Any = None
    error: str = ""
    path: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass
class Runner:
    """kcl-lib in one temporary directory whose kcl.mod reaches the schema modules."""

    kcl_mod: str
    aliases: Callable[[dict[str, str], set[str]], dict[str, str]]
    parse: Callable[[str], list[Any]]
    runs: int = 0
    _dir: FsPath | None = field(default=None, repr=False)
    _external: list = field(default_factory=list, repr=False)
    _api: Any = field(default=None, repr=False)

    def __enter__(self) -> "Runner":
        import kcl_lib.api as kcl

        self._dir = FsPath(tempfile.mkdtemp(prefix="openapi-tool-convert-"))
        (self._dir / "kcl.mod").write_text(self.kcl_mod, encoding="utf-8")
        self._api = kcl.API()
        if "[dependencies]" in self.kcl_mod:
            manifest = kcl.UpdateDependenciesArgs(manifest_path=str(self._dir))
            self._external = list(self._api.update_dependencies(manifest).external_pkgs)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)

    def evaluate(self, probes: list[Probe], progress: Callable[[int], None] = lambda n: None) -> dict[Any, Outcome]:
        """The rendered value, or the error and where, of every probe."""
        ordered = sorted(probes, key=lambda p: (sorted(p.imports), str(p.key)))
        queue = [ordered[i : i + BATCH] for i in range(0, len(ordered), BATCH)]
        results: dict[Any, Outcome] = {}
        while queue:
            batch = queue.pop(0)
            outcomes, again = self._run(batch)
            results.update(outcomes)
            progress(len(results))
            if again and outcomes:
                queue.insert(0, again)
            elif again:
                half = len(again) // 2
                queue[:0] = [again[:half], again[half:]]
        return results

    def _run(self, batch: list[Probe]) -> tuple[dict[Any, Outcome], list[Probe]]:
        """Outcomes settled by one run, and the probes to run again: the rest of the batch
        when some failed, or the whole batch (to be split) when no failure could be placed."""
        import kcl_lib.api as kcl

        assert self._dir is not None
        imports: dict[str, str] = {}
        for probe in batch:
            imports.update(probe.imports)
        aliases = self.aliases(imports, {f"_v{i}" for i in range(len(batch))})
        text = ["import manifests"]
        at_line: dict[int, tuple[int, Path]] = {}
        import_lines: dict[int, str] = {}
        for path, alias in sorted(aliases.items()):
            import_lines[len(text) + 1] = path
            text.append(f"import {path} as {alias}")
        text.append("")
        number = len(text) + 1
        for index, probe in enumerate(batch):
            for line in probe.build(f"_v{index}", aliases):
                rendered = line.render()
                at_line[number] = (index, line.path)
                text.append(rendered)
                number += rendered.count("\n") + 1
        text.append("manifests.yaml_stream([" + ", ".join(f"_v{i}" for i in range(len(batch))) + "])")
        program = self._dir / "batch.k"
        program.write_text("\n".join(text) + "\n", encoding="utf-8")
        args = kcl.ExecProgramArgs(k_filename_list=[str(program)], work_dir=str(self._dir), external_pkgs=self._external)
        self.runs += 1
        try:
            result = self._api.exec_program(args)
            error = result.err_message
        except Exception as exc:  # kcl-lib raises for syntax and type errors
            error = str(exc) or type(exc).__name__
        if not error:
            values = self.parse(result.yaml_result)
            if len(values) != len(batch):
                return {p.key: Outcome(error=f"kcl rendered {len(values)} documents for {len(batch)}") for p in batch}, []
            return {p.key: Outcome(data=v) for p, v in zip(batch, values)}, []
        error = _ANSI.sub("", error)
        failed: dict[int, Outcome] = {}
        for line, message in _locations(error, str(program)):
            if line in import_lines:
                for index, probe in enumerate(batch):
                    if import_lines[line] in probe.imports and index not in failed:
                        failed[index] = Outcome(error=f"import {import_lines[line]}: {message}")
            elif line in at_line and at_line[line][0] not in failed:
                index, path = at_line[line]
                failed[index] = Outcome(error=message, path=path)
        if failed:
            rest = [p for i, p in enumerate(batch) if i not in failed]
            return {batch[i].key: o for i, o in failed.items()}, rest
        if len(batch) == 1:
            message = next((m for _, m in _locations(error, None) if m), "") or _first_line(error)
            return {batch[0].key: Outcome(error=message)}, []
        return {}, batch


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "kcl failed")


def _locations(error: str, program: str | None) -> list[tuple[int, str]]:
    """(line, message) of each error location in `program` (any file when None)."""
    out = []
    lines = error.splitlines()
    for index, line in enumerate(lines):
        match = _LOCATION.match(line)
        if not match or (program is not None and match.group(1) != program):
            continue
        message = ""
        for follow in lines[index + 1 : index + 8]:
            if _LOCATION.match(follow) or follow.startswith("error"):
                break
            found = _MESSAGE.match(follow)
            if found and found.group(1).strip():
                message = found.group(1).strip().lstrip("^").strip()
                break
        out.append((int(match.group(2)), message))
    return out
