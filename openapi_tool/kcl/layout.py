"""Where each IR schema goes in the KCL module: package directory, file and schema name.

Names are made safe and unique here, in one place, so that no two outputs collide, even
on a case-insensitive filesystem.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from openapi_tool.kcl.names import package_part, schema_name, snake_case
from openapi_tool.kcl.options import EXTERNAL_PACKAGE, is_bundled
from openapi_tool.kcl.types import referenced_keys
from openapi_tool.model import Model


@dataclass(frozen=True)
class Placement:
    """A schema's KCL home: package path parts, file name and schema name."""

    package: tuple[str, ...]
    file: str
    name: str

    @property
    def import_path(self) -> str:
        return ".".join(self.package)


def _unique(candidate: str, taken: set[str], suffix_at_end: str = "") -> str:
    """`candidate`, or with the lowest number appended that makes it unique (casefolded)."""
    base, n, name = candidate, 1, candidate + suffix_at_end
    while name.casefold() in taken:
        n += 1
        name = f"{base}{n}{suffix_at_end}"
    taken.add(name.casefold())
    return name


MAX_PACKAGE_PATH = 200
"""Longest package directory path: a deep package (a definition name with thousands of dots)
must not exceed what a filesystem allows for a whole path (4096 bytes on Linux)."""


def _bounded(parts: tuple[str, ...]) -> tuple[str, ...]:
    """`parts`, or as many of them as fit plus a digest of the whole when the path is too long."""
    path = "/".join(parts)
    if len(path) <= MAX_PACKAGE_PATH:
        return parts
    head: list[str] = []
    while len("/".join(head + [parts[len(head)]])) <= MAX_PACKAGE_PATH - 10:
        head.append(parts[len(head)])
    return (*head, "p" + hashlib.sha256(path.encode()).hexdigest()[:8])


def _file_stem(name: str) -> str:
    """snake_case of the schema name; KCL treats `*_test.k` as test files and skips them."""
    stem = snake_case(name)
    return stem + "_schema" if stem.endswith("_test") else stem


Package = tuple[str, ...]


def _cycle_homes(model: Model) -> dict[Package, Package]:
    """KCL rejects packages that import each other in a cycle (a.X -> b.Y -> a.Z): the
    packages of each such cycle share one home, the first of them in sorted order."""
    package_of = {s.key: s.package for s in model.schemas}
    imports: dict[Package, set[Package]] = {}
    for schema in model.schemas:
        types = [p.type for p in schema.properties] + ([schema.additional] if schema.additional is not None else [])
        targets = {package_of[k] for t in types for k in referenced_keys(t)}
        imports.setdefault(schema.package, set()).update(targets - {schema.package})
    reach = {package: _reachable(package, imports) for package in imports}
    return {package: min({package} | {q for q in found if package in reach[q]}) for package, found in reach.items() if package in found}


def _reachable(start: Package, imports: dict[Package, set[Package]]) -> set[Package]:
    found: set[Package] = set()
    todo = [start]
    while todo:
        for target in imports.get(todo.pop(), ()):
            if target not in found:
                found.add(target)
                todo.append(target)
    return found


def place_schemas(model: Model) -> dict[str, Placement]:
    """A placement for every schema key, stable for the same model."""
    homes = _cycle_homes(model)
    bundled = {s.package for s in model.schemas if is_bundled(s.key)}
    packages: dict[tuple[str, ...], tuple[str, ...]] = {}
    taken_dirs: set[str] = set()
    for ir_package in sorted({homes.get(s.package, s.package) for s in model.schemas}):
        parts = _bounded(tuple(package_part(p) for p in ir_package)) or ("models",)
        if bundled and ir_package not in bundled and parts[0] == EXTERNAL_PACKAGE:
            parts = (EXTERNAL_PACKAGE + "_", *parts[1:])  # `k8s` names the dependency that holds the bundled types
        unique_path = _unique("/".join(parts), taken_dirs)
        packages[ir_package] = tuple(unique_path.split("/"))
    placements: dict[str, Placement] = {}
    names: dict[tuple[str, ...], set[str]] = {}
    files: dict[tuple[str, ...], set[str]] = {}
    for schema in model.schemas:
        package = packages[homes.get(schema.package, schema.package)]
        name = _unique(schema_name(schema.name), names.setdefault(package, set()))
        file = _unique(_file_stem(name), files.setdefault(package, set()), ".k")
        placements[schema.key] = Placement(package, file, name)
    return placements
