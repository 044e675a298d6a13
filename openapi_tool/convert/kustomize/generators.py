"""Stub until kz-gen lands: configMapGenerator, secretGenerator and the hash suffix."""

from pathlib import Path

from openapi_tool.convert.kustomize.errors import Unsupported
from openapi_tool.convert.kustomize.resource import Resource


def run_generators(resources: list[Resource], kustomization: dict, directory: Path, origin_path: str) -> None:
    raise Unsupported("configMapGenerator/secretGenerator")


def apply_hash_suffixes(resources: list[Resource]) -> None:
    """Nothing to do while no resource was generated."""
    if any(r.generated is not None for r in resources):
        raise Unsupported("hash suffix")
