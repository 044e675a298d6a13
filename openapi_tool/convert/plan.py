"""Decide how each resource is written: an instance of its schema when kcl renders that
back to exactly the manifest, else a plain config with a comment saying why.

The compiler decides, in rounds over all resources at once:
1. every resource with a schema is tried as `alias.Kind {...}`, apiVersion and kind left
   to the schema's defaults;
2. keys that kcl added (schema defaults) are set to `Undefined` and tried again; keys it
   dropped (apiVersion/kind without a default) are written out;
3. a resource the schema rejects, or that still renders differently, becomes plain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openapi_tool.convert.catalog import Catalog, SchemaRef
from openapi_tool.convert.compare import Difference, differences
from openapi_tool.convert.emit import Line, Typing, emit_document
from openapi_tool.convert.probe import Probe, ProbeOutcome, Runner
from openapi_tool.convert.read import ManifestDocument, SourceFile
from openapi_tool.convert.tree import Mapping, Node, Path, Scalar, Sequence, at, format_path, to_data

ROUNDS = 4
GVK = frozenset({"apiVersion", "kind"})


@dataclass
class Resource:
    path: Path
    """Where it is in its document: () or ("items", n) in a `kind: List`."""
    api_version: str
    kind: str
    ref: SchemaRef | None
    typing: Typing = field(default_factory=Typing)
    problem: str = ""
    """Why it is plain although it has a schema (empty when typed or schema-less)."""


@dataclass
class Unit:
    """One non-empty document and the resources in it."""

    source: SourceFile
    document: ManifestDocument
    name: str
    resources: list[Resource]

    @property
    def root(self) -> Node:
        assert self.document.root is not None
        return self.document.root

    @property
    def label(self) -> str:
        return self.source.label(self.document)


def resources_of(root: Node, catalog: Catalog) -> list[Resource]:
    """The document itself, or the items of a `kind: List`."""
    gvk = _gvk(root)
    if gvk is None:
        return []
    items = root.get("items") if isinstance(root, Mapping) else None
    if gvk[1] == "List" and isinstance(items, Sequence) and catalog.lookup(*gvk) is None:
        out = []
        for index, item in enumerate(items.items):
            item_gvk = _gvk(item)
            if item_gvk is not None:
                out.append(Resource(("items", index), *item_gvk, catalog.lookup(*item_gvk)))
        return out
    return [Resource((), *gvk, catalog.lookup(*gvk))]


def _gvk(node: Node) -> tuple[str, str] | None:
    if not isinstance(node, Mapping):
        return None
    api_version, kind = node.get("apiVersion"), node.get("kind")
    if isinstance(api_version, Scalar) and isinstance(kind, Scalar):
        if isinstance(api_version.value, str) and isinstance(kind.value, str) and api_version.value and kind.value:
            return api_version.value, kind.value
    return None


def schema_head(ref: SchemaRef, aliases: dict[str, str]) -> str:
    return f"{aliases[ref.import_path]}.{ref.name}"


def imports_of(resources: list[Resource]) -> dict[str, str]:
    """import path -> apiVersion, for the typed resources."""
    return {r.ref.import_path: r.api_version for r in resources if r.ref is not None and r.typing.head is not None}


def decide(units: list[Unit], runner: Runner, progress: Callable[[int, int, str], None]) -> None:
    """Set each resource's typing: typed only where kcl renders it back exactly."""
    pending = [(u, r) for u in units for r in u.resources if r.ref is not None]
    for _unit, resource in pending:
        resource.typing = Typing(head="", omit=GVK)
    for round_number in range(ROUNDS):
        if not pending:
            return
        total = len(pending)
        probes = [_probe(unit, resource, index) for index, (unit, resource) in enumerate(pending)]
        what = f"checking against schemas (round {round_number + 1})"
        outcomes = runner.evaluate(probes, lambda done, total=total, what=what: progress(done, total, what))
        again = []
        for index, (unit, resource) in enumerate(pending):
            if _settle(unit, resource, outcomes[index]):
                again.append((unit, resource))
        pending = again
    for _unit, resource in pending:
        _plain(resource, f"{resource.ref} still renders it differently after {ROUNDS} tries")


def _probe(unit: Unit, resource: Resource, key: int) -> Probe:
    node = at(unit.root, resource.path)
    assert node is not None and resource.ref is not None
    ref, typing = resource.ref, resource.typing

    def build(name: str, aliases: dict[str, str]) -> list[Line]:
        head = Typing(schema_head(ref, aliases), typing.omit, typing.undefined)
        return emit_document(name, node, {(): head}, set())

    return Probe(key, {ref.import_path: resource.api_version}, build)


def _settle(unit: Unit, resource: Resource, outcome: ProbeOutcome) -> bool:
    """Record what one try showed; True when the resource is to be tried again."""
    ref = resource.ref
    if not outcome.ok:
        where = f"{format_path(resource.path + outcome.path)}: " if outcome.path is not None else ""
        added = ", ".join(
            format_path(resource.path + p + (k,)) for p, keys in resource.typing.undefined.items() for k in keys
        )
        if not added:
            _plain(resource, f"{ref} rejects it: {where}{outcome.error}")
        elif "required" in outcome.error:
            _plain(resource, f"{ref} would add {added} (defaults of required attributes): {where}{outcome.error}")
        else:
            _plain(
                resource, f"{ref} would add {added} (schema defaults), and its checks need them: {where}{outcome.error}"
            )
        return False
    node = at(unit.root, resource.path)
    assert node is not None
    found = list(differences(to_data(node), outcome.data))
    if not found:
        resource.typing.head = str(ref)
        return False
    added = [d for d in found if d.kind == "added" and d.path]
    dropped = [d for d in found if d.kind == "missing" and len(d.path) == 1 and d.path[0] in resource.typing.omit]
    other = [d for d in found if d not in added and d not in dropped]
    if other:
        _plain(resource, f"{ref} renders it differently: {_shifted(other[0], resource.path)}")
        return False
    if dropped:
        resource.typing.omit = frozenset()
    for difference in added:
        resource.typing.undefined.setdefault(difference.path[:-1], []).append(str(difference.path[-1]))
    return True


def _shifted(difference: Difference, prefix: Path) -> Difference:
    return Difference(prefix + difference.path, difference.kind, difference.expected, difference.actual)


def _plain(resource: Resource, problem: str) -> None:
    resource.problem = problem
    resource.typing = Typing(note=f"# plain config: {problem}")


def typings(unit: Unit, aliases: dict[str, str]) -> dict[Path, Typing]:
    """The typing of each resource of a unit, with schema heads spelled with `aliases`."""
    out = {}
    for resource in unit.resources:
        typing = resource.typing
        if resource.ref is not None and typing.head:
            typing = Typing(schema_head(resource.ref, aliases), typing.omit, typing.undefined)
        elif not typing.note:
            continue
        out[resource.path] = typing
    return out


def final_probe(unit: Unit, key: Any) -> Probe:
    """The whole document as it will be written (for documents not already proven)."""

    def build(name: str, aliases: dict[str, str]) -> list[Line]:
        return emit_document(name, unit.root, typings(unit, aliases), set())

    return Probe(key, imports_of(unit.resources), build)
