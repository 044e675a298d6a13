"""Kustomize's name reference transformer: once resources are renamed (prefix, suffix, namespace,
hash), the fields of other resources that name them are rewritten to their new names.

A reference names a referral by one of its previous names; candidates are narrowed as kustomize
does (previous kind, roleRef kind, namespace, prefixes and suffixes) and an undecidable choice is
an error. A reference that is a {name, namespace} mapping gets the referral's namespace too."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from openapi_tool.convert.kustomize.errors import BuildError
from openapi_tool.convert.kustomize.fieldspec_defaults import is_cluster_scoped
from openapi_tool.convert.kustomize.fieldspecs import FieldSpec
from openapi_tool.convert.kustomize.nameref_defaults import NAME_REFERENCES
from openapi_tool.convert.kustomize.order import gvk_order
from openapi_tool.convert.kustomize.resource import ResId, Resource

_CLUSTER = "_non_namespaceable_"
"""Kustomize's effective namespace of a cluster-scoped resource."""


@dataclass(frozen=True)
class _Gvk:
    group: str = ""
    version: str = ""
    kind: str = ""

    def selects(self, group: str, version: str, kind: str) -> bool:
        """Kustomize's Gvk.IsSelected with self as the selector (empty fields match anything)."""
        return (
            (not self.group or self.group == group)
            and (not self.version or self.version == version)
            and (not self.kind or self.kind == kind)
        )

    def order(self) -> tuple[int, str]:
        """Kustomize's kind order, which also orders the nameReference entries."""
        return gvk_order(self.group, self.version, self.kind)


@dataclass
class _BackReference:
    """A nameReference entry: resources of type `target` are named by the fields `referrers`."""

    target: _Gvk
    referrers: list[FieldSpec] = field(default_factory=list)


def fix_name_references(resources: list[Resource], extra: Iterable[dict[str, Any]] = ()) -> None:
    """Rewrite every reference to a renamed resource, by the default nameReference table merged
    with the `extra` entries of `configurations` files."""
    nodes = [_Node.of(r) for r in resources]
    filters: dict[int, list[tuple[_Gvk, FieldSpec]]] = {}
    for back in _table(extra):
        for spec in back.referrers:
            spec_gvk = _Gvk(spec.group, spec.version, spec.kind)
            for i, node in enumerate(nodes):
                if spec_gvk.selects(*node.original_gvk):
                    filters.setdefault(i, []).append((back.target, spec))
    for i, specs in filters.items():
        referrer = nodes[i]
        candidates = _could_be_referenced(nodes, referrer)
        for target, spec in specs:
            _Reference(referrer, target, spec.path, candidates).update()


# --- the table -------------------------------------------------------------------------------------


def _table(extra: Iterable[dict[str, Any]]) -> list[_BackReference]:
    """The default entries merged with `extra` as kustomize merges configurations, in its order."""
    table = [_parse(raw) for raw in NAME_REFERENCES]
    for raw in extra:
        _merge_one(table, _parse(raw))
    return sorted(table, key=lambda back: back.target.order())


def _parse(raw: Any) -> _BackReference:
    if not isinstance(raw, dict) or not isinstance(raw.get("fieldSpecs") or [], list):
        raise BuildError(f"nameReference entry is not a kind with a list of fieldSpecs: {raw!r}")
    target = _Gvk(str(raw.get("group") or ""), str(raw.get("version") or ""), str(raw.get("kind") or ""))
    specs = raw.get("fieldSpecs") or []
    if not all(isinstance(spec, dict) for spec in specs):
        raise BuildError(f"nameReference fieldSpecs of {target.kind} are not mappings")
    return _BackReference(target, [FieldSpec.parse(spec) for spec in specs])


def _merge_one(table: list[_BackReference], incoming: _BackReference) -> None:
    """Kustomize's merge of one entry: its specs join an entry of the same type, else it is added."""
    found = False
    for back in table:
        if back.target == incoming.target:
            for spec in incoming.referrers:
                _merge_spec(back.referrers, spec)
            found = True
    if not found:
        table.append(_BackReference(incoming.target, list(incoming.referrers)))


def _merge_spec(specs: list[FieldSpec], incoming: FieldSpec) -> None:
    """Add `incoming` unless a spec of the same path that it selects is there already."""
    selector = _Gvk(incoming.group, incoming.version, incoming.kind)
    for spec in specs:
        if spec.path == incoming.path and selector.selects(spec.group, spec.version, spec.kind):
            if spec.create != incoming.create:
                raise BuildError("conflicting fieldspecs")
            return
    specs.append(incoming)


# --- resources as the transformer sees them --------------------------------------------------------


def _cluster_scoped(group: str, version: str, kind: str) -> bool:
    return is_cluster_scoped(f"{group}/{version}" if group else version, kind)


def _effective_namespace(rid: ResId) -> str:
    if _cluster_scoped(rid.group, rid.version, rid.kind):
        return _CLUSTER
    return rid.namespace or "default"


@dataclass
class _Node:
    """A resource with the ids kustomize keeps for it: previous ids carry the current group and
    version, and the effective namespace the resource had then."""

    resource: Resource
    cluster_scoped: bool
    namespace: str
    """Effective current namespace."""
    original_namespace: str
    original_gvk: tuple[str, str, str]
    previous_names: set[str]
    previous_kinds: set[str]

    @classmethod
    def of(cls, resource: Resource) -> _Node:
        group, version, kind = resource.group, resource.version, resource.kind
        previous = resource.previous
        current = _effective_namespace(resource.id)
        return cls(
            resource,
            _cluster_scoped(group, version, kind),
            current,
            _effective_namespace(previous[0]) if previous else current,
            (group, version, previous[0].kind if previous else kind),
            {rid.name for rid in previous},
            {rid.kind for rid in previous},
        )

    def describe(self) -> str:
        """The id as kustomize prints it."""
        r = self.resource
        gvk = ".".join((r.kind or "[noKind]", r.version or "[noVer]", r.group or "[noGrp]"))
        return f"{gvk}/{r.name or '[noName]'}.{r.namespace or '[noNs]'}"


def _could_be_referenced(nodes: list[_Node], referrer: _Node) -> list[_Node]:
    """Kustomize's SubsetThatCouldBeReferencedByResource."""
    if referrer.cluster_scoped:
        return nodes
    bound = _role_binding_namespaces(referrer)
    return [n for n in nodes if n.cluster_scoped or n.namespace == referrer.namespace or n.resource.namespace in bound]


def _role_binding_namespaces(referrer: _Node) -> set[str]:
    """The namespaces of the ServiceAccount subjects of a RoleBinding."""
    resource = referrer.resource
    subjects = resource.data.get("subjects")
    if resource.kind != "RoleBinding" or not isinstance(subjects, list):
        return set()
    namespaces: set[str] = set()
    for subject in subjects:
        if not isinstance(subject, dict) or "namespace" not in subject or subject.get("kind") != "ServiceAccount":
            continue
        namespace = subject["namespace"]
        if not isinstance(namespace, str):
            raise BuildError(f'Invalid Input: namespace is blank for resource "{referrer.describe()}"')
        namespaces.add(namespace)
    return namespaces


# --- one field of one referrer ---------------------------------------------------------------------


def _text(value: Any) -> str:
    """A scalar as its YAML text, as kustomize compares it with names."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _same_ending(a: list[str], b: list[str]) -> bool:
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if not short:
        return not long
    return long[len(long) - len(short) :] == short


def _affixes_match(candidate: Resource, referrer: Resource, allow_empty: bool) -> bool:
    """Kustomize's PrefixesSuffixesEquals: both were renamed by the same innermost prefixes and
    suffixes (with `allow_empty`, a side without any matches everything)."""
    pairs = ((candidate.prefixes, referrer.prefixes), (candidate.suffixes, referrer.suffixes))
    return all((allow_empty and (not a or not b)) or _same_ending(a, b) for a, b in pairs)


@dataclass
class _Reference:
    """Fields at `path` of `referrer` that may name a resource of type `target`."""

    referrer: _Node
    target: _Gvk
    path: tuple[str, ...]
    candidates: list[_Node]

    def update(self) -> None:
        if not self.path:
            raise BuildError("cannot set or create an empty field name")
        _walk(self.referrer.resource.data, self.path, self._set)

    def _set(self, container: dict[str, Any], key: str) -> None:
        value = container[key]
        if isinstance(value, dict):
            self._set_mapping(value)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    self._set_mapping(item)
                elif isinstance(item, list):
                    raise BuildError(f"{item!r} is expected to be either a string or a map of string")
                elif item is not None:
                    self._set_scalar(value, i)
        elif value is not None:
            self._set_scalar(container, key)

    def _set_scalar(self, container: Any, key: Any) -> None:
        old = _text(container[key])
        referral = self._select(old, self.candidates, _same_names)
        if referral is not None and referral.name != old:
            container[key] = referral.name

    def _set_mapping(self, mapping: dict[str, Any]) -> None:
        if "name" not in mapping:
            raise BuildError("path config error; no 'name' field in node")
        old = _text(mapping["name"])
        candidates = self.candidates
        if "namespace" in mapping:
            candidates = _in_namespace(candidates, _text(mapping["namespace"]))
        referral = self._select(old, candidates, _same_names_and_namespaces)
        if referral is None or (referral.name == old and not referral.namespace):
            return
        mapping["name"] = referral.name
        if referral.namespace:
            mapping["namespace"] = referral.namespace

    def _select(
        self, old: str, candidates: list[_Node], identical: Callable[[list[Resource]], bool]
    ) -> Resource | None:
        """Kustomize's selectReferral: the one resource `old` names, None when there is none."""
        found = [n for n in candidates if old in n.previous_names]
        found = [n for n in found if any(self.target.selects(*n.original_gvk[:2], kind) for kind in n.previous_kinds)]
        found = [n for n in found if self._role_ref_allows(n)]
        found = [n for n in found if self._namespace_allows(n)]
        if len(found) != 1:
            referrer = self.referrer.resource
            found = [n for n in found if _affixes_match(n.resource, referrer, True)]
            if len(found) > 1:
                found = [n for n in found if _affixes_match(n.resource, referrer, False)]
        if not found:
            return None
        if len(found) == 1 or identical([n.resource for n in found]):
            return found[0].resource
        ids = ", ".join(n.describe() for n in found)
        raise BuildError(f"found multiple possible referrals: {ids}")

    def _role_ref_allows(self, node: _Node) -> bool:
        """A roleRef/name field names a resource of the roleRef's apiGroup and kind."""
        if self.path[-1:] != ("name",) or not self.path[-2:-1] or not self.path[-2].endswith("roleRef"):
            return True
        role_ref = self.referrer.resource.data.get("roleRef")
        if not isinstance(role_ref, dict) or role_ref.get("apiGroup") is None or role_ref.get("kind") is None:
            return True
        selector = _Gvk(_text(role_ref["apiGroup"]), "", _text(role_ref["kind"]))
        return any(selector.selects(*node.original_gvk[:2], kind) for kind in node.previous_kinds)

    def _namespace_allows(self, node: _Node) -> bool:
        """A namespaced referrer names cluster-scoped resources, ServiceAccounts, and resources of
        its own namespace."""
        if self.referrer.cluster_scoped or node.cluster_scoped or node.resource.kind == "ServiceAccount":
            return True
        return node.namespace == self.referrer.namespace


def _in_namespace(candidates: list[_Node], namespace: str) -> list[_Node]:
    """Candidates first in `namespace`, else those now in it (cluster-scoped ones never)."""
    if namespace == _CLUSTER:
        return []
    original = [n for n in candidates if n.original_namespace == namespace]
    return original or [n for n in candidates if n.namespace == namespace]


def _same_names(resources: list[Resource]) -> bool:
    return len({r.name for r in resources}) == 1


def _same_names_and_namespaces(resources: list[Resource]) -> bool:
    return len({(r.name, r.namespace) for r in resources}) == 1


def _walk(node: Any, path: tuple[str, ...], visit: Callable[[dict[str, Any], str], None]) -> None:
    """Kustomize's field-spec traversal: through every list item, to each existing field at the
    end of `path`; a scalar on the way is an error."""
    if isinstance(node, list):
        for item in node:
            _walk(item, path, visit)
        return
    if node is None:
        return
    if not isinstance(node, dict):
        raise BuildError("expected sequence or mapping node")
    head, rest = path[0], path[1:]
    if head not in node:
        return
    if rest:
        _walk(node[head], rest, visit)
    else:
        visit(node, head)
