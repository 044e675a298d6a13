"""bench/run.py runs end to end on the small specs/ inputs and prints its table (no timings judged)."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def test_bench_tiny_prints_a_table() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--tiny", "--no-peers", "--only", "swagger,regen"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    header = next(line for line in done.stdout.splitlines() if line.startswith("input "))
    assert header.split()[:3] == ["input", "tool", "runs"]
    for row in ("k8s swagger", "no-change regen"):
        assert any(line.startswith(row) and "openapi-tool gen" in line for line in done.stdout.splitlines()), row
    assert "skipped: peers: --no-peers given" in done.stdout
