"""Run KCL with kcl-lib, many values per program, and trace failures back to a value.

A program holds a batch of values (`_v0 = ...`, each followed by a `print` of its number)
and renders them with `manifests.yaml_stream`. When it fails, the compiler's error
locations name the lines of the values at fault; an evaluation error inside a schema
module is pinned on the value after the last number printed. Failing values are taken out
and the rest run again; an error that cannot be placed splits the batch in two.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from openapi_tool.convert.emit import Line
from openapi_tool.convert.kclrun import SEPARATOR, Executor, Program, Result
from openapi_tool.convert.tree import Path
from openapi_tool.kcl_compile import external_packages

BATCH = 100
MARK = "openapi-tool-done:"
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
class ProbeOutcome:
    data: Any = None
    error: str = ""
    path: Path | None = None
    text: str | None = None
    """The value's own part of the program's YAML output (None when it could not be cut out)."""

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass
class _Rendered:
    """A batch as a program, and how to read its lines back."""

    batch: list[Probe]
    program: Program
    at_line: dict[int, tuple[int, Path]]
    import_lines: dict[int, str]


@dataclass
class Runner:
    """kcl-lib in one temporary directory whose kcl.mod reaches the schema modules."""

    kcl_mod: str
    aliases: Callable[[dict[str, str], set[str]], dict[str, str]]
    parse: Callable[[str], list[Any]]
    executor: Executor = field(default_factory=Executor)
    _dir: FsPath | None = field(default=None, repr=False)
    _external: tuple = field(default=(), repr=False)

    @property
    def runs(self) -> int:
        return self.executor.runs

    def __enter__(self) -> Runner:
        self._dir = FsPath(tempfile.mkdtemp(prefix="openapi-tool-convert-"))
        (self._dir / "kcl.mod").write_text(self.kcl_mod, encoding="utf-8")
        self._external = external_packages(self._dir)
        self.executor.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.executor.__exit__(*exc)
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)

    def evaluate(
        self, probes: list[Probe], progress: Callable[[int], None] = lambda n: None
    ) -> dict[Any, ProbeOutcome]:
        """The rendered value, or the error and where, of every probe."""
        groups: dict[tuple[str, ...], list[Probe]] = {}
        for probe in probes:
            groups.setdefault(tuple(sorted(probe.imports)), []).append(probe)
        waiting = [group[i : i + BATCH] for _, group in sorted(groups.items()) for i in range(0, len(group), BATCH)]
        results: dict[Any, ProbeOutcome] = {}
        while waiting:
            rendered = [self._render(batch, slot) for slot, batch in enumerate(waiting)]
            rendered.sort(key=lambda r: -len(r.program.files[0][1]))
            waiting = []
            for item, result in zip(rendered, self.executor.run_all([r.program for r in rendered])):
                outcomes, again = self._read(item, result)
                results.update(outcomes)
                waiting.extend(batch for batch in again if batch)
            progress(len(results))
        return results

    def _render(self, batch: list[Probe], slot: int) -> _Rendered:
        assert self._dir is not None
        imports: dict[str, str] = {}
        for probe in batch:
            imports.update(probe.imports)
        aliases = self.aliases(imports, {f"_v{i}" for i in range(len(batch))})
        text = ["import manifests"]
        import_lines: dict[int, str] = {}
        for path, alias in sorted(aliases.items()):
            import_lines[len(text) + 1] = path
            text.append(f"import {path} as {alias}")
        text.append("")
        at_line: dict[int, tuple[int, Path]] = {}
        number = len(text) + 1
        for index, probe in enumerate(batch):
            for line in probe.build(f"_v{index}", aliases):
                rendered = line.render()
                at_line[number] = (index, line.path)
                text.append(rendered)
                number += rendered.count("\n") + 1
            text.append(f'print("{MARK}{index}")')
            number += 1
        text.append("manifests.yaml_stream([" + ", ".join(f"_v{i}" for i in range(len(batch))) + "])")
        program = Program(str(self._dir), ((f"batch{slot}.k", "\n".join(text) + "\n"),), self._external)
        return _Rendered(batch, program, at_line, import_lines)

    def _read(self, item: _Rendered, result: Result) -> tuple[dict[Any, ProbeOutcome], list[list[Probe]]]:
        """Outcomes settled by one run, and the batches to run again: the rest when some
        failed, or two halves when no failure could be placed."""
        batch = item.batch
        if not result.error:
            values = self.parse(result.yaml)
            if len(values) != len(batch):
                return {
                    p.key: ProbeOutcome(error=f"kcl rendered {len(values)} documents for {len(batch)}") for p in batch
                }, []
            texts: list[str | None] = result.yaml.split(SEPARATOR)
            if len(texts) != len(batch):
                texts = [None] * len(batch)
            return {p.key: ProbeOutcome(data=v, text=t) for p, v, t in zip(batch, values, texts)}, []
        error = _ANSI.sub("", result.error)
        program = str(FsPath(item.program.work_dir) / item.program.files[0][0])
        failed: dict[int, ProbeOutcome] = {}
        for line, message in _locations(error, program):
            if line in item.import_lines:
                for index, probe in enumerate(batch):
                    if item.import_lines[line] in probe.imports and index not in failed:
                        failed[index] = ProbeOutcome(error=f"import {item.import_lines[line]}: {message}")
            elif line in item.at_line and item.at_line[line][0] not in failed:
                index, path = item.at_line[line]
                failed[index] = ProbeOutcome(error=message, path=path)
        if not failed and result.log:
            done = [int(n) for n in re.findall(re.escape(MARK) + r"(\d+)", result.log)]
            after = max(done) + 1 if done else 0
            if after < len(batch):
                failed[after] = ProbeOutcome(error=error_message(error))
        if failed:
            return {batch[i].key: o for i, o in failed.items()}, [[p for i, p in enumerate(batch) if i not in failed]]
        if len(batch) == 1:
            return {batch[0].key: ProbeOutcome(error=error_message(error))}, []
        half = len(batch) // 2
        return {}, [batch[:half], batch[half:]]


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
"""Terminal colours, which kcl-lib puts in some messages."""


def error_message(error: str) -> str:
    """The most telling message of an error: the failed check's own text over the
    "Instance check failed" that comes first."""
    error = _ANSI.sub("", error)
    messages = [m for _, m in _locations(error, None) if m]
    found = next((m for m in messages if m != "Instance check failed"), messages[0] if messages else "")
    return found or next((line.strip() for line in error.splitlines() if line.strip()), "kcl failed")


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
