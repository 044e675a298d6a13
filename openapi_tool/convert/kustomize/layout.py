"""Where a Kustomize tree goes in the KCL module: one package per kustomization directory,
its folders mapped to identifiers, and which package writes each resource file."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from openapi_tool.kcl.names import package_part
from openapi_tool.naming import claim

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
ENTRY_FILE = "kustomization.k"
SKIPPED_FOLDERS = frozenset({".git", "node_modules", ".venv"})


def find_kustomization_dirs(root: Path) -> list[str]:
    """Every directory below `root` that holds a kustomization file, `/`-separated and
    relative to `root` (`.` for `root`), in sorted order."""
    found: list[str] = []
    for current, folders, files in os.walk(root):
        folders[:] = sorted(f for f in folders if f not in SKIPPED_FOLDERS and not f.startswith("."))
        if any(name in files for name in KUSTOMIZATION_FILES):
            relative = Path(current).relative_to(root).as_posix()
            found.append(relative or ".")
    return sorted(found)


@dataclass(frozen=True)
class Package:
    directory: str
    """The kustomization directory, relative to the tree root (`.` for the root)."""
    folder: str
    """Its folder in the output module, `/`-separated ("" for the module root)."""

    @property
    def entry(self) -> str:
        return f"{self.folder}/{ENTRY_FILE}" if self.folder else ENTRY_FILE

    @property
    def import_path(self) -> str:
        return self.folder.replace("/", ".")


def plan_packages(directories: list[str], reserved: set[str]) -> dict[str, Package]:
    """A package per directory; each folder name becomes an identifier, unique among its
    siblings (`dev-kind` -> `dev_kind`, then `dev_kind_2` for a sibling `dev_kind`) and, at
    the top, apart from the `reserved` names (the schema modules the output depends on)."""
    mapped: dict[str, str] = {".": ""}
    taken: dict[str, set[str]] = {"": {name.casefold() for name in reserved}}
    for directory in sorted(directories):
        parts = PurePosixPath(directory).parts if directory != "." else ()
        for depth in range(1, len(parts) + 1):
            source = "/".join(parts[:depth])
            if source in mapped:
                continue
            parent = mapped["/".join(parts[: depth - 1]) or "."]
            siblings = taken.setdefault(parent, set())
            name = claim(package_part(parts[depth - 1]), siblings, separator="_")
            mapped[source] = f"{parent}/{name}" if parent else name
    return {d: Package(d, mapped[d]) for d in directories}


def owner(path: str, directories: list[str]) -> str | None:
    """The deepest kustomization directory that holds the file `path` (tree-relative)."""
    best: str | None = None
    for directory in directories:
        inside = directory == "." or path.startswith(directory + "/")
        if inside and (best is None or best == "." or len(directory) > len(best)):
            best = directory
    return best
