"""Sweep the corpus kustomizations whose only fields are resources and patches: read the resources
(a directory entry is taken from `kubectl kustomize` of it), apply our patch functions and compare
with `kubectl kustomize` of the kustomization (documents compared as a multiset).

Run: python bench/kustomize_patches_sweep.py [../shared/corpus/kustomize]"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from openapi_tool.convert.kustomize.errors import BuildError
from openapi_tool.convert.kustomize.load import load_documents
from openapi_tool.convert.kustomize.patches import (
    apply_json6902_patches,
    apply_patches,
    apply_strategic_merge_patches,
)
from openapi_tool.convert.kustomize.resource import Resource

CORPUS = Path(__file__).resolve().parents[1] / "../shared/corpus/kustomize"
PATCH_FIELDS = {"patches", "patchesStrategicMerge", "patchesJson6902"}
NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def kubectl(directory: Path) -> list[dict[str, Any]] | None:
    done = subprocess.run(["kubectl", "kustomize", str(directory)], capture_output=True, text=True, check=False)
    return [d for d in yaml.safe_load_all(done.stdout) if d] if done.returncode == 0 else None


def load_resources(directory: Path, entries: list[str]) -> list[Resource]:
    resources: list[Resource] = []
    for entry in entries:
        path = directory / entry
        documents = kubectl(path) if path.is_dir() else load_documents(path.read_text())
        if documents is None:
            raise BuildError(f"{entry}: does not render")
        resources.extend(Resource(loaded(d)) for d in documents if d)
    return resources


def loaded(document: dict[str, Any]) -> dict[str, Any]:
    """A document as kustomize holds it after reading: an empty annotation map is gone."""
    metadata = document.get("metadata")
    if isinstance(metadata, dict) and metadata.get("annotations") == {}:
        del metadata["annotations"]
    return document


def evaluate(directory: Path) -> list[dict[str, Any]]:
    name = next(n for n in NAMES if (directory / n).is_file())
    kustomization = yaml.safe_load((directory / name).read_text())
    resources = load_resources(directory, kustomization.get("resources") or [])
    apply_strategic_merge_patches(resources, kustomization.get("patchesStrategicMerge") or [], directory)
    apply_patches(resources, kustomization.get("patches") or [], directory)
    apply_json6902_patches(resources, kustomization.get("patchesJson6902") or [], directory)
    return [r.data for r in resources]


def canonical(documents: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(d, sort_keys=True, default=str) for d in documents)


def selected(corpus: Path) -> list[Path]:
    rows = [line.split("\t") for line in (corpus / "INDEX.tsv").read_text().splitlines()[1:]]
    result = []
    for row in rows:
        features = set(row[4].split(","))
        if row[2] == "ok" and features & PATCH_FIELDS and features <= PATCH_FIELDS | {"resources"}:
            result.append(corpus / row[0] / row[1])
    return result


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    directories = selected(corpus)
    matches = 0
    for directory in directories:
        expected = kubectl(directory)
        try:
            ours = evaluate(directory)
            verdict = "match" if expected is not None and canonical(ours) == canonical(expected) else "DIFFER"
        except BuildError as error:
            verdict = f"ERROR {error}"
        matches += verdict == "match"
        print(f"{verdict}\t{directory.relative_to(corpus)}")
    print(f"{matches}/{len(directories)} match kubectl")


if __name__ == "__main__":
    main()
