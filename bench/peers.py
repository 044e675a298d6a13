"""Find the peer generators; each finder returns (command prefix, version) or a reason to skip."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CDK8S_PACKAGE = "cdk8s-cli@2"


@dataclass
class Peer:
    argv: list[str]  # the command, without the arguments of one run
    version: str
    options: list[str]  # options every run gets


def datamodel_codegen() -> Peer | str:
    """datamodel-code-generator from the bench extra (pip install -e '.[bench]')."""
    beside = Path(sys.executable).parent / "datamodel-codegen"
    command = str(beside) if beside.is_file() else shutil.which("datamodel-codegen")
    if not command:
        return "datamodel-codegen is not installed (pip install -e '.[bench]')"
    version = _output([command, "--version"]).split()[-1:] or ["?"]
    help_text = _output([command, "--help"])
    # Its fastest setting, and the default it is moving to; black + isort (today's default)
    # roughly double its time on the Kubernetes API.
    options = ["--formatters", "builtin"] if "builtin" in help_text else []
    return Peer([command], version[0], options)


def cdk8s(cache: Path, install: bool) -> Peer | str:
    """cdk8s-cli from npm, installed into `cache` (never globally) on first use."""
    binary = cache / "node_modules" / ".bin" / "cdk8s"
    if not binary.is_file():
        npm = shutil.which("npm")
        if not shutil.which("node") or not npm:
            return "node or npm is not on PATH"
        if not install:
            return f"cdk8s-cli is not installed in {cache} and --no-install was given"
        print(f"installing {CDK8S_PACKAGE} into {cache} with npm (once) ...", flush=True)
        cache.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(cache),
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--loglevel",
                "error",
                CDK8S_PACKAGE,
            ],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0 or not binary.is_file():
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            return f"npm install {CDK8S_PACKAGE} failed: {last[:100]}"
    version = _output([str(binary), "--version"]).strip() or "?"
    # TypeScript is its default and fastest language (the others compile through jsii).
    return Peer([str(binary), "import"], version, ["--no-check-upgrade", "--language", "typescript"])


def _output(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""
