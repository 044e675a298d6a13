"""Run a command as a user would (a fresh process) and record its wall time and peak memory."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

TIMEOUT = 900.0  # seconds; a run that takes longer is killed and reported as failed


@dataclass
class Sample:
    wall: float  # seconds, start of the process to its exit
    cpu: float  # user + system seconds of the process and the children it waited for
    peak_mb: float  # ru_maxrss of the process (its largest waited-for child, if larger)


class RunFailed(Exception):
    pass


def run_once(argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> Sample:
    """One run; raises RunFailed with the exit status and the last line of stderr."""
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr
        )
        timer = threading.Timer(TIMEOUT, proc.kill)
        timer.start()
        # wait4 gives this child's own resource usage, so concurrent runs cannot blur it.
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            stderr.seek(0)
            lines = stderr.read().decode("utf-8", "replace").strip().splitlines()
            raise RunFailed(f"exit {proc.returncode}: {lines[-1][:120] if lines else 'no message'}")
    scale = 1 / (1024 * 1024) if sys.platform == "darwin" else 1 / 1024  # bytes on macOS, KiB on Linux
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * scale)


@dataclass
class Contender:
    """A tool on one input. `argv(out)` is the command line writing into the directory `out`.

    fresh: each run writes into a new, absent directory (a first generation). Otherwise every
    run writes into the same directory, filled once by an untimed run before the warm-up
    (a regeneration where nothing changed)."""

    tool: str
    argv: Callable[[Path], list[str]]
    cwd: Path | None = None
    env: dict[str, str] | None = None
    fresh: bool = True


@dataclass
class Series:
    tool: str
    samples: list[Sample] = field(default_factory=list)
    error: str | None = None
    note: str = ""  # why there are fewer runs than asked, or why it was skipped
    output: Path | None = None  # where the last run wrote (kept until the bench ends)

    @property
    def median(self) -> float | None:
        return statistics.median(s.wall for s in self.samples) if self.samples and not self.error else None

    @property
    def best(self) -> float | None:
        return min(s.wall for s in self.samples) if self.samples and not self.error else None

    @property
    def peak_mb(self) -> float | None:
        return max(s.peak_mb for s in self.samples) if self.samples and not self.error else None

    @property
    def cpu(self) -> float | None:
        return statistics.median(s.cpu for s in self.samples) if self.samples and not self.error else None


def compare(contenders: list[Contender], work: Path, runs: int, warmup: bool, slow: float) -> list[Series]:
    """Warm each contender up once, then run them in turns, alternating who goes first.

    When a warm-up run alone takes longer than `slow` seconds, that run is the only
    measurement for the tool: repeating it would not finish in minutes, and at that length
    a cold cache is noise."""
    series = [Series(c.tool) for c in contenders]
    dirs = [work / f"{i}-{_slug(c.tool)}" for i, c in enumerate(contenders)]
    counter = iter(range(1_000_000))

    def one(i: int, keep: bool) -> Sample | None:
        contender, result = contenders[i], series[i]
        if result.error:
            return None
        out = dirs[i] / f"run{next(counter)}" if contender.fresh else dirs[i] / "out"
        try:
            sample = run_once(contender.argv(out), contender.cwd, contender.env)
        except (RunFailed, OSError) as error:
            result.error = str(error)
            return None
        result.output = out  # earlier outputs stay until the comparison ends: see compare()
        if keep:
            result.samples.append(sample)
        return sample

    for i, contender in enumerate(contenders):
        dirs[i].mkdir(parents=True, exist_ok=True)
        if not contender.fresh:
            one(i, keep=False)  # the first generation, so that the timed runs change nothing
    single = [False] * len(contenders)
    if warmup:
        for i in range(len(contenders)):
            sample = one(i, keep=False)
            if sample and sample.wall > slow and runs > 1:
                series[i].samples.append(sample)
                series[i].note = f"1 run: warm-up took {sample.wall:.0f} s > {slow:.0f} s"
                single[i] = True
    for round_ in range(runs):
        order = range(len(contenders)) if round_ % 2 == 0 else reversed(range(len(contenders)))
        for i in order:
            if not single[i]:
                one(i, keep=True)
    # Deleting thousands of files makes the kernel's next file creations slower (seen on a
    # VM: 7,000 files took 5 s instead of 0.3 s right after such a deletion), so removing an
    # output between timed runs would charge its cost to whichever tool runs next. Every
    # output but the last of each tool is removed here, after the timed runs.
    for i, contender in enumerate(contenders):
        if contender.fresh:
            for run_dir in dirs[i].iterdir():
                if run_dir != series[i].output:
                    _remove(run_dir)
    return series


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text)[:40]


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.unlink()
