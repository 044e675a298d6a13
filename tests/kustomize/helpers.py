"""Helpers shared by the Kustomize tests: the kubectl oracle, fixture resources and small
kustomizations written on the fly."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from openapi_tool.convert.kustomize.resource import Resource

FIXTURE_ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "kustomize"
"""The folder of every Kustomize test's fixtures (one subfolder each)."""

KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl (the kustomize oracle) is not installed")


def run_kubectl(directory: Path) -> subprocess.CompletedProcess[str]:
    """`kubectl kustomize directory`, whatever its exit code."""
    assert KUBECTL is not None
    return subprocess.run([KUBECTL, "kustomize", str(directory)], capture_output=True, text=True, check=False)


def kubectl_documents(directory: Path) -> list[dict[str, Any]] | None:
    """kubectl's documents for `directory`, None when it refuses the kustomization."""
    result = run_kubectl(directory)
    return [d for d in yaml.safe_load_all(result.stdout) if d] if result.returncode == 0 else None


def kubectl_build(directory: Path) -> list[dict[str, Any]]:
    """kubectl's documents for `directory` (the test fails with kubectl's error when it refuses)."""
    result = run_kubectl(directory)
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def resources_of(text: str) -> list[Resource]:
    """The documents of a YAML stream as resources (empty documents left out)."""
    return [Resource(d) for d in yaml.safe_load_all(text) if d]


def read_resources(path: Path) -> list[Resource]:
    """The resources of a fixture's YAML file."""
    return resources_of(path.read_text())


def renamed(text: str, prefix: str) -> list[Resource]:
    """The resources of `text` after a namePrefix: each remembers its old id."""
    resources = resources_of(text)
    for resource in resources:
        resource.remember()
        resource.data["metadata"]["name"] = prefix + resource.name
    return resources


def write_kustomization(directory: Path, resources: str, **fields: Any) -> Path:
    """A kustomization in `directory` of one file `resources.yaml` holding `resources`, with `fields`."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "resources.yaml").write_text(resources)
    kustomization = {"resources": ["resources.yaml"], **fields}
    (directory / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    return directory
