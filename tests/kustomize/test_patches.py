"""Patches (`patches`, `patchesStrategicMerge`, `patchesJson6902`) against `kubectl kustomize`:
each fixture directory is a kustomization of resource files and patches only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from openapi_tool.convert.kustomize.errors import BuildError
from openapi_tool.convert.kustomize.load import load_documents
from openapi_tool.convert.kustomize.patches import (
    apply_json6902_patches,
    apply_patches,
    apply_strategic_merge_patches,
)
from openapi_tool.convert.kustomize.resource import Resource

from .helpers import FIXTURE_ROOT, kubectl_documents, needs_kubectl

FIXTURES = FIXTURE_ROOT / "patches"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "kustomization.yaml").is_file())


def evaluate(directory: Path) -> list[dict[str, Any]]:
    """Resources read from the kustomization's files, patched in kustomize's order."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    resources = [
        Resource(loaded(document))
        for name in kustomization.get("resources", [])
        for document in load_documents((directory / name).read_text())
        if document
    ]
    apply_strategic_merge_patches(resources, kustomization.get("patchesStrategicMerge", []), directory)
    apply_patches(resources, kustomization.get("patches", []), directory)
    apply_json6902_patches(resources, kustomization.get("patchesJson6902", []), directory)
    return [r.data for r in resources]


def loaded(document: dict[str, Any]) -> dict[str, Any]:
    """A document as kustomize holds it after reading: an empty annotation map is gone."""
    metadata = document.get("metadata")
    if isinstance(metadata, dict) and metadata.get("annotations") == {}:
        del metadata["annotations"]
    return document


def canonical(documents: list[dict[str, Any]]) -> list[str]:
    """Documents as sorted JSON (kustomize reorders by kind, which is not the patches' concern)."""
    return sorted(json.dumps(d, sort_keys=True, default=str) for d in documents)


@needs_kubectl
@pytest.mark.parametrize("case", CASES)
def test_patches_match_kubectl(case: str) -> None:
    directory = FIXTURES / case
    expected = kubectl_documents(directory)
    if expected is None:
        with pytest.raises(BuildError):
            evaluate(directory)
        return
    assert canonical(evaluate(directory)) == canonical(expected)


def test_blank_nulls_are_plain_mappings_outside_the_merge() -> None:
    """A mapping with a null written as nothing compares and dumps as the same dict."""
    document = load_documents("metadata:\n  labels:\n    blank:\n    written: null\n")[0]
    assert document == {"metadata": {"labels": {"blank": None, "written": None}}}
    assert yaml.safe_load(yaml.safe_dump(document)) == document
