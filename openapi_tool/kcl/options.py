"""How a module is rendered: a small module of its own, so callers need not load Jinja2."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EXTERNAL_PACKAGE = "k8s"
"""Package root that `--k8s-module` replaces with a path dependency."""


@dataclass(frozen=True)
class Options:
    """How to render: module name, templates, and an external k8s module to depend on."""

    module_name: str
    templates: Path | None = None
    k8s_module: str | None = None
    """Path (relative to the output) of a module named `k8s` that replaces the bundled copy."""
