"""The shared Kustomize corpus for the benches: its index, and what `kubectl kustomize` prints
for a directory (cached under $XDG_CACHE_HOME/openapi-tool/kustomize-oracle, keyed by a digest
of the directory's path and files)."""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "kustomize"


@dataclass(frozen=True)
class Row:
    project: str
    dir: str
    features: tuple[str, ...]


def read_index(path: Path = CORPUS / "INDEX.tsv") -> list[Row]:
    """The `ok` rows of the corpus index (the kustomizations that render offline)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    rows = []
    for line in lines[1:]:
        cells = dict(zip(header, line.split("\t")))
        if cells.get("status") == "ok":
            features = tuple(f for f in cells.get("features", "").split(",") if f)
            rows.append(Row(cells["project"], cells["dir"], features))
    return rows


def oracle_text(directory: Path, use_cache: bool = True) -> str:
    """What `kubectl kustomize directory` prints (raises RuntimeError with kustomize's error on failure)."""
    from openapi_tool.convert.kustomize.errors import BuildError
    from openapi_tool.convert.kustomize.oracle import render_text

    cache = _cache_dir() / f"{_digest(directory)}.yaml"
    if use_cache and cache.is_file():
        return cache.read_text(encoding="utf-8")
    try:
        text = render_text(["kubectl", "kustomize"], directory)
    except BuildError as error:
        raise RuntimeError(str(error)) from None
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(text, encoding="utf-8")
    return text


def oracle_documents(directory: Path, use_cache: bool = True) -> list[Any]:
    """kubectl's documents, read as the converter reads kcl's output."""
    from openapi_tool.convert.read import parse_values

    return [d for d in parse_values(oracle_text(directory, use_cache), str(directory)) if d is not None]


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "openapi-tool" / "kustomize-oracle"


def _digest(directory: Path) -> str:
    """A digest of the directory's path and of every file of its project (a kustomization
    reads files beside and above it): the project is the top folder below the corpus, else
    the directory itself."""
    directory = directory.resolve()
    parts = directory.relative_to(CORPUS.resolve()).parts if directory.is_relative_to(CORPUS.resolve()) else ()
    project = CORPUS.resolve() / parts[0] if parts else directory
    return hashlib.sha256(f"{directory}\0{_tree_digest(project)}".encode()).hexdigest()


@functools.cache
def _tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
