"""Named definitions shared by the swagger, OpenAPI 3 and JSON Schema front ends.

A `DefinitionSet` collects definitions from any number of documents, resolves `$ref`s
by definition name (so refs between documents work), and maps Kubernetes definition
names (`io.k8s.api.apps.v1.Deployment`) to a package and a schema name.
"""

from __future__ import annotations

from typing import Any

from openapi_tool.errors import ErrorCollector, InputError
from openapi_tool.loader import Document
from openapi_tool.sources.builder import ModelBuilder
from openapi_tool.sources.places import Place, pointer_join
from openapi_tool.sources.types import is_object_schema

_STRIP_PREFIXES = ("io.k8s.",)


def split_definition_name(name: str) -> tuple[tuple[str, ...], str]:
    """`io.k8s.api.apps.v1.Deployment` -> (("api", "apps", "v1"), "Deployment")."""
    for prefix in _STRIP_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    *package, short = name.split(".") if "." in name else ["models", name]
    return tuple(p for p in package if p) or ("models",), short


class DefinitionSet:
    """Definitions by name, each with the document place it came from."""

    def __init__(self, package_prefix: tuple[str, ...] = (), key_prefix: str = "") -> None:
        self.package_prefix = package_prefix
        self.key_prefix = key_prefix
        self.nodes: dict[str, tuple[Any, Place]] = {}

    def add(self, document: Document, container: str) -> None:
        """Add every definition under the top-level key `container` of `document`."""
        data = document.data
        parts = container.split("/")
        for part in parts:
            data = data.get(part) if isinstance(data, dict) else None
        if not isinstance(data, dict):
            raise InputError(document.file, "/" + container, "expected a mapping of definitions")
        for name, node in data.items():
            name = str(name)
            if name in self.nodes:
                continue
            package, short = split_definition_name(name)
            place = Place(document.file, pointer_join("", *parts, name), self.package_prefix + package, short)
            self.nodes[name] = (node, place)

    def resolve(self, ref: str, where: Place) -> tuple[str, Any, Place]:
        fragment = ref.split("#", 1)[1] if "#" in ref else ""
        name = fragment.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
        if not fragment.startswith("/") or name not in self.nodes:
            raise InputError(where.label, where.pointer, f"$ref {ref!r} names no definition")
        node, place = self.nodes[name]
        return self.key_prefix + name, node, place

    def build(self, builder: ModelBuilder, errors: ErrorCollector, names: list[str] | None = None) -> None:
        """Add the object definitions `names` (default all) and what they reference; a broken
        definition's error goes to `errors` and the others are still built."""
        builder.resolve_ref = self.resolve
        builder.list_types_enforced = builder.structural = False
        chosen = sorted(self.nodes) if names is None else names
        for name in chosen:
            node, place = self.nodes[name]
            builder.reserve(place.package, place.name, self.key_prefix + name)
        for name in chosen:
            node, place = self.nodes[name]
            if is_object_schema(node):
                with errors.check():
                    builder.ref_type("#" + pointer_join("/definitions", name), place)
        builder.resolve_ref = None
        builder.list_types_enforced = builder.structural = True
