"""Kustomize field specs: which fields of which kinds a transformer touches, and a walk that
reaches them (through every item of a list on the way, creating the last field on request)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from openapi_tool.convert.kustomize.resource import Resource

MISSING = object()
"""Passed to a visitor for a field that does not exist yet (only with `create`)."""


@dataclass(frozen=True)
class FieldSpec:
    path: tuple[str, ...]
    group: str = ""
    version: str = ""
    kind: str = ""
    create: bool = False
    sequences: frozenset[int] = frozenset()
    """Indexes of the path fields written with a trailing `[]`: lists that are never created."""

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> FieldSpec:
        """A field spec as kustomization files and `configurations` write it."""
        path = str(raw.get("path", ""))
        return cls(
            split_path(path),
            str(raw.get("group") or ""),
            str(raw.get("version") or ""),
            str(raw.get("kind") or ""),
            bool(raw.get("create", False)),
            sequence_fields(path),
        )

    def applies_to(self, resource: Resource) -> bool:
        return (
            (not self.group or self.group == resource.group)
            and (not self.version or self.version == resource.version)
            and (not self.kind or self.kind == resource.kind)
        )


def split_path(path: str) -> tuple[str, ...]:
    """`spec/template/metadata/labels` -> its fields; `\\/` escapes a slash inside a field;
    a trailing `[]` on a field (`containers[]`) only says the field is a list."""
    return tuple(p[:-2] if p.endswith("[]") else p for p in _raw_fields(path))


def sequence_fields(path: str) -> frozenset[int]:
    """Indexes of the fields of `path` (as split_path counts them) written `name[]`."""
    return frozenset(i for i, p in enumerate(_raw_fields(path)) if p.endswith("[]"))


def _raw_fields(path: str) -> list[str]:
    parts: list[str] = []
    current = ""
    escaped = False
    for char in path:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "/":
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p for p in parts if p]


Visitor = Callable[[Any], Any]
"""Gets the current value (or MISSING) and returns the new one (MISSING leaves it out)."""


def walk(data: Any, path: tuple[str, ...], visit: Visitor, create: bool = False) -> None:
    """Replace the value at `path` below `data` by `visit(value)`, at every list item met."""
    if isinstance(data, list):
        for item in data:
            walk(item, path, visit, create)
        return
    if not isinstance(data, dict) or not path:
        return
    head, rest = path[0], path[1:]
    if rest:
        child = data.get(head, MISSING)
        if child is MISSING or child is None:
            if not create:
                return
            child = data[head] = {}
        walk(child, rest, visit, create)
        return
    current = data.get(head, MISSING)
    if current is MISSING and not create:
        return
    new = visit(current)
    if new is not MISSING:
        data[head] = new


def apply(resources: Iterable[Resource], specs: Iterable[FieldSpec], visit: Visitor) -> None:
    """Run `visit` on every field that a spec in `specs` names, in every resource it applies to
    (each field once even when several specs name it)."""
    specs = list(specs)
    for resource in resources:
        seen: set[tuple[str, ...]] = set()
        for spec in specs:
            if spec.path in seen or not spec.applies_to(resource):
                continue
            seen.add(spec.path)
            walk(resource.data, spec.path, visit, spec.create)
