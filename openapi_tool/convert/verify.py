"""`--verify`: run the converted files with kcl-lib and compare with the manifests.

Running files one by one costs a compile of their schema packages each time, so files
are run in groups: the files of a group (whose imports agree) are compiled together as
one package, their variables renamed apart and their `manifests.yaml_stream(...)` line
replaced by one stream over all of them; the group's output, cut at its document
separators, gives each file's output as kcl-lib would return it alone. A group that fails,
or renders differently, is run again file by file to report each difference.

Each file is judged as kcl-lib returns it (no final line break: what kcl-go, GitOps
controllers and Crossplane's KCL function read) and as `kcl run` prints it (a line break
added); the two differ when a block scalar ends the stream.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from openapi_tool.convert.compare import first_difference
from openapi_tool.convert.ending import GUARD
from openapi_tool.convert.kclrun import SEPARATOR, Executor, Program, Result
from openapi_tool.convert.pipeline import Expected
from openapi_tool.convert.read import parse_values
from openapi_tool.errors import InputError
from openapi_tool.kcl_compile import external_packages

GROUP = 40
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_IMPORT = re.compile(r"^import\s+([\w.]+)(?:\s+as\s+(\w+))?\s*$")
_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_]*")
STREAM = "manifests.yaml_stream("
VIEWS = ("\n", "")
"""What follows kcl-lib's yaml_result where it is read: `kcl run` prints a line break after it."""


@dataclass(frozen=True)
class Failure:
    file: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


@dataclass
class _File:
    relative: str
    body: str
    """The text before its `manifests.yaml_stream(...)` statement."""
    names: list[str]
    """The variables that statement renders, in order."""
    imports: dict[str, str]
    """alias -> import path."""
    guard: bool = False
    """The stream ends with `None` (a null document)."""


def verify_conversion(
    output: Path,
    expected: dict[str, list[Expected]],
    progress: Callable[[int, int, str], None] = lambda done, total, what: None,
    exact: bool = False,
) -> list[Failure]:
    """The first difference of each `.k` file whose output differs from its manifests;
    `exact` runs every file alone."""
    root = output.resolve()
    external = external_packages(root)
    relatives = sorted(expected)
    parsed = {r: None if exact else _split((root / r).read_text(encoding="utf-8"), r) for r in relatives}
    groups = _groups([p for p in parsed.values() if p is not None])
    scratch = Path(tempfile.mkdtemp(prefix="openapi-tool-verify-"))
    failures: list[Failure] = []
    try:
        with Executor() as executor:
            built = [(group, _group_program(scratch / str(n), group, external)) for n, group in enumerate(groups)]
            alone = [r for r in relatives if parsed[r] is None]
            alone += [item.relative for group, program in built if program is None for item in group]
            runnable = [(group, program) for group, program in built if program is not None]
            runnable.sort(key=lambda pair: -sum(len(item.body) for item in pair[0]))
            for (group, _), result in zip(runnable, executor.run_all([program for _, program in runnable])):
                if not _group_ok(result, group, expected):
                    alone.extend(item.relative for item in group)
                else:
                    progress(len(relatives) - len(alone), len(relatives), "verifying")
            singles = [Program(str(root), (), external, (str(root / r),)) for r in alone]
            for relative, result in zip(alone, executor.run_all(singles)):
                failures.extend(_compare(str(output / relative), expected[relative], result))
            progress(len(relatives), len(relatives), "verifying")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return sorted(failures, key=lambda f: f.file)


def _split(text: str, relative: str) -> _File | None:
    """A file's body, stream names and imports; None when it is not laid out as convert
    writes files (it is then run alone)."""
    start = text.rfind("\n" + STREAM)
    if start < 0:
        return None
    stream = text[start + 1 + len(STREAM) :]
    inner = stream[: stream.rfind(")")] if ")" in stream else ""
    if not (inner.strip().startswith("[") and inner.strip().endswith("]")):
        return None
    names = _NAME.findall(inner.strip()[1:-1])
    guard = bool(names) and names[-1] == GUARD
    names = names[:-1] if guard else names
    if GUARD in names:
        return None
    imports: dict[str, str] = {}
    for line in text[:start].split("\n"):
        if not line.strip() or line.startswith("#"):
            continue
        match = _IMPORT.match(line)
        if not match:
            break
        imports[match.group(2) or match.group(1).rsplit(".", 1)[-1]] = match.group(1)
    return _File(relative, text[: start + 1], names, imports, guard)


def _groups(files: list[_File]) -> list[list[_File]]:
    """Runs of files, in the order of their imports, that can share one package: the same
    alias means the same import everywhere in it."""
    groups: list[list[_File]] = []
    aliases: dict[str, str] = {}
    for item in sorted(files, key=lambda f: (sorted(f.imports.values()), f.relative)):
        if not groups or len(groups[-1]) >= GROUP or any(aliases.get(a, p) != p for a, p in item.imports.items()):
            groups.append([])
            aliases = {}
        groups[-1].append(item)
        aliases.update(item.imports)
    return groups


def _group_program(scratch: Path, group: list[_File], external: tuple) -> Program | None:
    """The files of a group with their variables renamed apart (`web` -> `_f3_web`), and
    one stream over all of them; None when a variable's statement cannot be found."""
    files, names = [], []
    for index, item in enumerate(group):
        body = item.body
        for name in item.names:
            body, found = re.subn(rf"^{re.escape(name)} = ", f"_f{index}_{name} = ", body, count=1, flags=re.M)
            if found != 1:
                return None
            names.append(f"_f{index}_{name}")
        if item.guard:
            names.append(GUARD)
        files.append((f"f{index}.k", body))
    files.append(("zz_stream.k", "import manifests\n\nmanifests.yaml_stream([" + ", ".join(names) + "])\n"))
    return Program(str(scratch), tuple(files), external)


def _group_ok(result: Result, group: list[_File], expected: dict[str, list[Expected]]) -> bool:
    """Whether every file of the group renders its manifests, each judged on the part of
    the group's output that is its own."""
    if result.error:
        return False
    chunks = result.yaml.split(SEPARATOR)
    position = 0
    for item in group:
        count = len(item.names) + item.guard
        own = SEPARATOR.join(chunks[position : position + count])
        position += count
        if _judge(item.relative, expected[item.relative], own) is not None:
            return False
    return position == len(chunks)


def _compare(shown: str, wanted: list[Expected], result: Result) -> list[Failure]:
    if result.error:
        return [Failure(shown, "kcl failed: " + _first_line(_ANSI.sub("", result.error)))]
    failure = _judge(shown, wanted, result.yaml)
    return [failure] if failure is not None else []


def _judge(shown: str, wanted: list[Expected], output: str) -> Failure | None:
    """The first difference between the manifests and kcl-lib's `output`, read as
    `kcl run` prints it and as kcl-lib returns it; `null` documents are skipped."""
    for ending in VIEWS:
        note = "" if ending else " (as kcl-lib returns it, without the final line break `kcl run` adds)"
        try:
            documents = [d for d in parse_values(output + ending, shown, final_break=False) if d is not None]
        except InputError as exc:
            return Failure(shown, f"kcl output is not readable YAML{note}: {exc.message}")
        for index, (expected, actual) in enumerate(zip(wanted, documents), 1):
            difference = first_difference(expected.data, actual)
            if difference is not None:
                return Failure(shown, f"document {index} (from {expected.label}){note}: {difference}")
        if len(documents) != len(wanted):
            return Failure(shown, f"{len(documents)} documents, expected {len(wanted)}{note}")
    return None


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    detail = next((line.lstrip("|^ ").strip() for line in lines if line.startswith("|") and line.strip("|^ ")), "")
    return f"{lines[0]}: {detail}" if lines and detail else (lines[0] if lines else "kcl failed")
