"""Stub until kz-patch lands: patches, patchesStrategicMerge, patchesJson6902."""

from pathlib import Path

from openapi_tool.convert.kustomize.errors import Unsupported
from openapi_tool.convert.kustomize.resource import Resource


def apply_patches(resources: list[Resource], entries: list[dict], directory: Path) -> None:
    """`patches:` entries."""
    raise Unsupported("patches")


def apply_strategic_merge_patches(resources: list[Resource], entries: list, directory: Path) -> None:
    """`patchesStrategicMerge:` entries."""
    raise Unsupported("patchesStrategicMerge")


def apply_json6902_patches(resources: list[Resource], entries: list[dict], directory: Path) -> None:
    """`patchesJson6902:` entries."""
    raise Unsupported("patchesJson6902")
