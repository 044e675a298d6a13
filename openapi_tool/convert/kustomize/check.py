"""Run every kustomization's KCL file with kcl-lib and name those that do not render the
documents kustomize renders.

The files are run in batches: one program imports the packages of many kustomizations and
prints their outputs in one stream, each after a marker document; a batch that fails is
split in halves until the files that fail are alone, and those run as `kcl run` would run
them. A file at the module root cannot be imported, so it always runs alone."""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from openapi_tool.convert.compare import first_difference
from openapi_tool.convert.kclrun import Executor, Program, Result
from openapi_tool.convert.kustomize.entries import OUTPUT
from openapi_tool.convert.probe import error_message
from openapi_tool.convert.read import ConvertLoader, parse_values
from openapi_tool.kcl_compile import external_packages

BATCH = 64
"""Most entries in one program; fewer when that keeps every worker busy."""
MARKER = "__openapi_tool_entry__"


def rendered(text: str) -> list[Any]:
    """The documents of kcl's output, without the `null` ones (kubectl skips them too)."""
    return [d for d in parse_values(text) if d is not None]


def read_output(text: str) -> list[Any]:
    """The documents of kcl's or kustomize's output as `rendered` reads them, faster: with
    the C loader straight to values, and through the converter's reader only when that could
    read them otherwise (a key that is not a string, `<<`, a key twice)."""
    try:
        documents = list(yaml.load_all(text, Loader=ConvertLoader))
    except (yaml.YAMLError, ValueError):
        return rendered(text)
    if not all(_plain_keys(d) for d in documents):
        return rendered(text)
    return [d for d in documents if d is not None]


def _plain_keys(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and k != "<<" and _plain_keys(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain_keys(v) for v in value)
    return True


def difference(output: str, error: str, wanted: list[Any]) -> str:
    """Why kcl's `output` (or `error`) is not the documents `wanted`; "" when it is."""
    if error:
        return "kcl cannot run it: " + error_message(error)
    return _compare(rendered(output), wanted)


def _compare(shown: list[Any], wanted: list[Any]) -> str:
    if len(shown) != len(wanted):
        return f"kcl renders {len(shown)} documents, kustomize {len(wanted)}"
    for index, (got, want) in enumerate(zip(shown, wanted)):
        first = first_difference(want, got)
        if first is not None:
            return f"document {index + 1} differs: {first}"
    return ""


def check_entries(
    kcl_mod: str,
    texts: dict[str, str],
    expected: dict[str, list[Any]],
    progress: Callable[[int, int, str], None] = lambda done, total, what: None,
    external: tuple[tuple[str, str], ...] | None = None,
    quick: bool = False,
    executor: Executor | None = None,
) -> dict[str, str]:
    """Entry file -> why it does not render its documents, for the entries in `expected`
    (`texts` holds every file of the module, relative path -> text), run in a scratch copy.
    `external` gives the dependencies (name, absolute path) when `kcl_mod` names them by
    paths relative to somewhere else. `quick` judges batches by kcl's JSON view of the
    documents (what `--verify` and kubectl read is the YAML view, which a failure is read in).
    An `executor` already running is used and left running."""
    if not expected:
        return {}
    scratch = Path(tempfile.mkdtemp(prefix="openapi-tool-kustomize-"))
    try:
        (scratch / "kcl.mod").write_text(kcl_mod, encoding="utf-8")
        for relative, text in texts.items():
            path = scratch / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        dependencies = external if external is not None else external_packages(scratch)
        with contextlib.nullcontext(executor) if executor is not None else Executor() as running:
            return _Checker(scratch, expected, progress, dependencies, quick).run(running)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class _Checker:
    def __init__(
        self,
        scratch: Path,
        expected: dict[str, list[Any]],
        progress: Callable[[int, int, str], None],
        external: tuple[tuple[str, str], ...],
        quick: bool,
    ) -> None:
        self.quick = quick
        self.scratch = scratch
        self.expected = expected
        self.progress = progress
        self.external = external
        self.problems: dict[str, str] = {}
        self.done = 0

    def run(self, executor: Executor) -> dict[str, str]:
        order = sorted(self.expected)
        alone = [e for e in order if "/" not in e]
        batched = [e for e in order if "/" in e]
        workers = executor.workers
        count = -(-max(workers, -(-len(batched) // BATCH)) // workers) * workers  # a multiple of the workers
        size = max(1, -(-len(batched) // count))
        waiting = [batched[i : i + size] for i in range(0, len(batched), size)]
        while waiting:
            programs = [self._batch_program(number, batch) for number, batch in enumerate(waiting)]
            again: list[list[str]] = []
            for batch, result in zip(waiting, executor.run_all(programs)):
                if result.error and len(batch) > 1:
                    again.extend([batch[: len(batch) // 2], batch[len(batch) // 2 :]])
                elif result.error:
                    alone.extend(batch)
                else:
                    alone.extend(self._judge_batch(batch, result))
            waiting = again
        singles = [Program(str(self.scratch), (), self.external, (str(self.scratch / e),)) for e in alone]
        for entry, result in zip(alone, executor.run_all(singles)):
            self._record(entry, difference(result.yaml, result.error, self.expected[entry]))
        return self.problems

    def _batch_program(self, number: int, batch: list[str]) -> Program:
        lines = ["import manifests"]
        parts = []
        for index, entry in enumerate(batch):
            package = entry.rpartition("/")[0].replace("/", ".")
            lines.append(f"import {package} as _p{index}")
            parts.append(f'[{{{MARKER} = "{index}"}}] + _p{index}.{OUTPUT}')
        parts.append(f'[{{{MARKER} = "end"}}]')
        lines.append("manifests.yaml_stream(" + " + ".join(parts) + ")")
        name = f"_check_{number}.k"
        return Program(str(self.scratch), ((name, "\n".join(lines) + "\n"),), self.external)

    def _judge_batch(self, batch: list[str], result: Result) -> list[str]:
        """Record the entries the batch rendered right; return the others, to be run alone
        and read as the converter reads kcl's output."""
        # read without the converter's node trees (a tree's outputs hold every CRD again and
        # again); an entry this reading finds wrong is run again alone
        if self.quick:
            documents = [json.loads(line) for line in result.json.splitlines() if line.strip()]
        else:
            documents = read_output(result.yaml)
        groups: dict[int, list[Any]] = {}
        current: list[Any] | None = None
        for document in documents:
            if isinstance(document, dict) and set(document) == {MARKER}:
                marker = document[MARKER]
                current = groups.setdefault(int(marker), []) if marker != "end" else None
            elif current is not None and document is not None:
                current.append(document)
        again = []
        for index, entry in enumerate(batch):
            if _compare(groups.get(index, []), self.expected[entry]):
                again.append(entry)
            else:
                self._record(entry, "")
        return again

    def _record(self, entry: str, problem: str) -> None:
        if problem:
            self.problems[entry] = problem
        self.done += 1
        self.progress(self.done, len(self.expected), "checking kustomizations")
