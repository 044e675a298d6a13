"""The oracle: what the installed `kubectl kustomize` (or `kustomize build`) prints for a directory."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from openapi_tool.convert.kustomize.errors import BuildError
from openapi_tool.convert.kustomize.load import _Loader


def kustomize_command() -> list[str] | None:
    """The command that builds a kustomization directory given as last argument, None if none is installed."""
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    return None


def render(directory: Path) -> list[dict[str, Any]]:
    """The documents kustomize prints for `directory` (BuildError with its first error line on failure)."""
    command = kustomize_command()
    if command is None:
        raise BuildError("neither kubectl nor kustomize is installed")
    return [d for d in yaml.load_all(render_text(command, directory), Loader=_Loader) if d is not None]


def render_text(command: list[str], directory: Path) -> str:
    """What `command directory` prints (BuildError with kustomize's first error line on failure)."""
    done = subprocess.run([*command, str(directory)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BuildError(error_line(done.stderr))
    return done.stdout


def error_line(stderr: str) -> str:
    """The first line of kustomize's error, out of kubectl's `err="..."` or `err=<...>` log wrapping."""
    text = stderr.strip()
    quoted = re.search(r'err="((?:[^"\\]|\\.)*)"', text)
    if quoted:
        return json.loads(f'"{quoted.group(1)}"').split("\n")[0]
    block = re.search(r"err=<\n(.*?)\n\s*>", text, re.S)
    lines = [line.strip() for line in (block.group(1) if block else text).splitlines() if line.strip()]
    return lines[0].removeprefix("Error: ") if lines else "kustomize failed"
