"""Where each IR schema goes in the KCL module: package directory, file and schema name.

Names are made safe and unique here, in one place, so that no two outputs collide, even
on a case-insensitive filesystem.
"""

from __future__ import annotations

from dataclasses import dataclass

from openapi_tool.kcl.names import package_part, schema_name, snake_case
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


def _file_stem(name: str) -> str:
    """snake_case of the schema name; KCL treats `*_test.k` as test files and skips them."""
    stem = snake_case(name)
    return stem + "_schema" if stem.endswith("_test") else stem


def place_schemas(model: Model) -> dict[str, Placement]:
    """A placement for every schema key, stable for the same model."""
    packages: dict[tuple[str, ...], tuple[str, ...]] = {}
    taken_dirs: set[str] = set()
    for ir_package in sorted({s.package for s in model.schemas}):
        parts = tuple(package_part(p) for p in ir_package) or ("models",)
        unique_path = _unique("/".join(parts), taken_dirs)
        packages[ir_package] = tuple(unique_path.split("/"))
    placements: dict[str, Placement] = {}
    names: dict[tuple[str, ...], set[str]] = {}
    files: dict[tuple[str, ...], set[str]] = {}
    for schema in model.schemas:
        package = packages[schema.package]
        name = _unique(schema_name(schema.name), names.setdefault(package, set()))
        file = _unique(_file_stem(name), files.setdefault(package, set()), ".k")
        placements[schema.key] = Placement(package, file, name)
    return placements
