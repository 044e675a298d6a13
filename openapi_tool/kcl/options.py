"""How a module is rendered: a small module of its own, so callers need not load Jinja2."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EXTERNAL_PACKAGE = "k8s"
"""Package root of the meta/v1 types CRD modules import: a module of its own named `k8s`."""


def is_bundled(key: str) -> bool:
    """Whether a schema key is one of the bundled meta/v1 types (keys `k8s:io.k8s...`)."""
    return key.startswith(EXTERNAL_PACKAGE + ":")


VENDOR_DIR = "vendor"
"""Where a CRD module keeps its bundled copy of that `k8s` module (`vendor/k8s/kcl.mod`),
reached as a path dependency; a program's own `k8s` dependency takes its place."""


@dataclass(frozen=True)
class Options:
    """How to render: module name and version, templates, and an external k8s module to depend on."""

    module_name: str
    templates: Path | None = None
    k8s_module: str | None = None
    """Path (relative to the output) of a module named `k8s` that replaces the bundled copy."""
    module_version: str | None = None
    """`version` in kcl.mod; None: the default (0.0.1)."""
