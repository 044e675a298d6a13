"""The CustomResourceDefinitions a Kustomize tree renders, so that their schemas can type the
tree's own custom resources."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openapi_tool.convert.kustomize.build import BuildCache, build
from openapi_tool.convert.kustomize.errors import BuildError, Unsupported
from openapi_tool.convert.kustomize.layout import find_kustomization_dirs

CRD_API_VERSIONS = ("apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1")


def rendered_crds(root: Path, cache: BuildCache) -> list[dict[str, Any]]:
    """Every CRD some kustomization of the tree renders, once per name (the first found, in
    the order of the kustomization directories), as kustomize renders it; the builds go
    through `cache`, which the conversion of the same tree can then reuse."""
    found: dict[str, dict[str, Any]] = {}
    for directory in find_kustomization_dirs(root):
        try:
            resources = build(root / directory, root, cache)
        except (BuildError, Unsupported):
            continue  # convert_tree reports these
        for resource in resources:
            if resource.kind == "CustomResourceDefinition" and resource.api_version in CRD_API_VERSIONS:
                found.setdefault(resource.name, resource.data)
    return [found[name] for name in sorted(found)]
