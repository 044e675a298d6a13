"""Where each IR schema goes in the KCL module: package directory, file and schema name.

Names are made safe here (`kcl/names.py`) and unique (`openapi_tool.naming`), so that no two
outputs collide, even on a case-insensitive filesystem.
"""

from __future__ import annotations

from dataclasses import dataclass

from openapi_tool.kcl.names import file_stem, package_part, schema_name
from openapi_tool.kcl.options import EXTERNAL_PACKAGE, is_bundled
from openapi_tool.kcl.types import referenced_keys
from openapi_tool.model import Model
from openapi_tool.naming import claim, shorten_path


@dataclass(frozen=True)
class Placement:
    """A schema's KCL home: package path parts, file name and schema name."""

    package: tuple[str, ...]
    file: str
    name: str

    @property
    def import_path(self) -> str:
        return ".".join(self.package)


MAX_PACKAGE_PATH = 200
"""Longest package directory path: a deep package (a definition name with thousands of dots)
must not exceed what a filesystem allows for a whole path (4096 bytes on Linux)."""


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
    return {
        package: min({package} | {q for q in found if package in reach[q]})
        for package, found in reach.items()
        if package in found
    }


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
        parts = shorten_path(tuple(package_part(p) for p in ir_package), MAX_PACKAGE_PATH) or ("models",)
        if bundled and ir_package not in bundled and parts[0] == EXTERNAL_PACKAGE:
            parts = (EXTERNAL_PACKAGE + "_", *parts[1:])  # `k8s` names the dependency that holds the bundled types
        unique_path = claim("/".join(parts), taken_dirs)
        packages[ir_package] = tuple(unique_path.split("/"))
    placements: dict[str, Placement] = {}
    names: dict[tuple[str, ...], set[str]] = {}
    files: dict[tuple[str, ...], set[str]] = {}
    for schema in model.schemas:
        package = packages[homes.get(schema.package, schema.package)]
        name = claim(schema_name(schema.name), names.setdefault(package, set()))
        file = claim(file_stem(name), files.setdefault(package, set()), end=".k")
        placements[schema.key] = Placement(package, file, name)
    return placements
