"""Run KCL programs with kcl-lib, in worker processes when there are several at a time
(a kcl-lib call holds the GIL, so threads would not run them in parallel)."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from openapi_tool.kcl_compile import external_pkgs

SEPARATOR = "\n---\n"
"""What `manifests.yaml_stream` puts between documents (kcl-lib adds no line break after the last)."""


@dataclass(frozen=True)
class Program:
    work_dir: str
    files: tuple[tuple[str, str], ...]
    """(file name in work_dir, text) to write, all run together as one package."""
    external: tuple[tuple[str, str], ...] = ()
    """(package name, absolute path) of the dependencies."""
    existing: tuple[str, ...] = ()
    """Files already on disk to run instead (absolute paths); `files` is then empty."""


@dataclass(frozen=True)
class Result:
    yaml: str = ""
    error: str = ""
    log: str = ""
    json: str = ""
    """The documents as JSON, one per line (a `manifests.yaml_stream` program)."""


def execute(program: Program) -> Result:
    import kcl_lib.api as kcl

    paths = list(program.existing)
    for name, text in program.files:
        path = Path(program.work_dir) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    external = external_pkgs(program.external)
    args = kcl.ExecProgramArgs(k_filename_list=paths, work_dir=program.work_dir, external_pkgs=external)
    try:
        result = kcl.API().exec_program(args)
    except Exception as exc:  # kcl-lib raises for syntax and type errors
        return Result(error=str(exc) or type(exc).__name__)
    return Result(result.yaml_result, result.err_message, result.log_message, result.json_result)


class Executor:
    """Runs programs, several at once in a pool of processes started on first need.

    The workers are spawned, so a script that calls the converter must guard its main
    code with `if __name__ == "__main__":` (the rule for any multiprocessing user); if the
    pool breaks, the rest runs in this process. OPENAPI_TOOL_JOBS sets the number of
    workers (1: no pool).
    """

    def __init__(self, workers: int | None = None) -> None:
        configured = os.environ.get("OPENAPI_TOOL_JOBS", "")
        self.workers = workers or (
            int(configured) if configured.isdigit() and int(configured) > 0 else min(4, os.cpu_count() or 1)
        )
        self.runs = 0
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def run_all(self, programs: list[Program]) -> list[Result]:
        self.runs += len(programs)
        if len(programs) < 2 or self.workers < 2:
            return [execute(p) for p in programs]
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        try:
            return list(self._pool.map(execute, programs))
        except BrokenProcessPool:
            self._pool.shutdown(cancel_futures=True)
            self._pool, self.workers = None, 1
            return [execute(p) for p in programs]
