"""Which resources a patch reaches: kustomize's target selectors (anchored regexes, label and
annotation selectors) and its id lookup for untargeted strategic merge patches."""

from __future__ import annotations

import re
from typing import Any

from openapi_tool.convert.kustomize.errors import BuildError
from openapi_tool.convert.kustomize.resource import ResId, Resource
from openapi_tool.convert.kustomize.smp import is_cluster_scoped

NOT_NAMESPACEABLE = "_non_namespaceable_"


def effective_namespace(resource_id: ResId) -> str:
    """Kustomize's namespace for comparing ids: "default" when unset, a marker when cluster scoped."""
    api_version = f"{resource_id.group}/{resource_id.version}" if resource_id.group else resource_id.version
    if is_cluster_scoped(api_version, resource_id.kind):
        return NOT_NAMESPACEABLE
    return resource_id.namespace or "default"


def same_id(first: ResId, second: ResId) -> bool:
    """kustomize's ResId.Equals: same group, version, kind, name and effective namespace."""
    return (
        first.gvk == second.gvk
        and first.name == second.name
        and effective_namespace(first) == effective_namespace(second)
    )


def id_text(resource_id: ResId) -> str:
    """A ResId as kustomize prints it in errors."""
    gvk = ".".join(
        [resource_id.kind or "[noKind]", resource_id.version or "[noVer]", resource_id.group or "[noGrp]"],
    )
    return f"{gvk}/{resource_id.name or '[noName]'}.{resource_id.namespace or '[noNs]'}"


def original_id(resource: Resource) -> ResId:
    return resource.previous[0] if resource.previous else resource.id


def find_by_id(resources: list[Resource], wanted: ResId) -> Resource:
    """The one resource that has or had the id (kustomize's GetById)."""
    found = [r for r in resources if any(same_id(i, wanted) for i in r.ids())]
    if len(found) == 1:
        return found[0]
    problem = "multiple matches" if found else "no matches"
    text = id_text(wanted)
    raise BuildError(f"{problem} for Id {text}; failed to find unique target for patch {text}")


def select(resources: list[Resource], target: dict[str, Any]) -> list[Resource]:
    """The resources a patch `target` selects, in resource order."""
    checks = {field: _pattern(target.get(field)) for field in ("group", "version", "kind", "name", "namespace")}
    labels = _parse_selector(str(target.get("labelSelector") or ""))
    annotations = _parse_selector(str(target.get("annotationSelector") or ""))
    result = []
    for resource in resources:
        first, current = original_id(resource), resource.id
        namespaces = (effective_namespace(first), effective_namespace(current))
        if not _any_match(checks["namespace"], namespaces) or not _any_match(
            checks["name"], (first.name, current.name)
        ):
            continue
        gvk = (resource.group, resource.version, resource.kind)
        if not all(_any_match(checks[f], (v,)) for f, v in zip(("group", "version", "kind"), gvk, strict=True)):
            continue
        if _selects(labels, _string_map(resource.metadata.get("labels"))) and _selects(
            annotations, _string_map(resource.metadata.get("annotations"))
        ):
            result.append(resource)
    return result


def _pattern(value: Any) -> re.Pattern[str] | None:
    if not value:
        return None
    try:
        return re.compile(f"(?:{value})")
    except re.error as error:
        raise BuildError(f"invalid target regex {value!r}: {error}") from error


def _any_match(pattern: re.Pattern[str] | None, values: tuple[str, ...]) -> bool:
    return pattern is None or any(pattern.fullmatch(v) for v in values)


def _string_map(value: Any) -> dict[str, str]:
    return {str(k): "" if v is None else str(v) for k, v in value.items()} if isinstance(value, dict) else {}


Requirement = tuple[str, str, tuple[str, ...]]

_REQUIREMENT = re.compile(
    r"^\s*(?P<not>!)?\s*(?P<key>[^\s=!<>(),]+)\s*"
    r"(?:(?P<op>==|=|!=|>|<)\s*(?P<value>[^\s=!<>(),]*)|\s(?P<set>in|notin)\s*\((?P<values>[^)]*)\))?\s*$"
)


def matches_selector(values: dict[str, str], selector: str) -> bool:
    """Whether a label (or annotation) map of strings matches a Kubernetes selector string such as
    `app=x,tier in (a,b),!debug` (k8s labels.Parse); the empty selector matches everything."""
    return _selects(_parse_selector(selector), values)


def _parse_selector(text: str) -> list[Requirement]:
    """A Kubernetes label selector: key, !key, key=v, key==v, key!=v, key in (..), key notin (..)."""
    requirements: list[Requirement] = []
    for part in _split_requirements(text):
        match = _REQUIREMENT.match(part)
        if not match or (match["not"] and (match["op"] or match["set"])):
            raise BuildError(f"unable to parse requirement: {part!r}")
        key = match["key"]
        if match["not"]:
            requirements.append((key, "!", ()))
        elif match["op"]:
            requirements.append((key, match["op"], (match["value"],)))
        elif match["set"]:
            values = tuple(v.strip() for v in match["values"].split(","))
            requirements.append((key, match["set"], values))
        else:
            requirements.append((key, "exists", ()))
    return requirements


def _split_requirements(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current)
    return parts


def _selects(requirements: list[Requirement], labels: dict[str, str]) -> bool:
    return all(_satisfies(requirement, labels) for requirement in requirements)


def _satisfies(requirement: Requirement, labels: dict[str, str]) -> bool:
    key, op, values = requirement
    has = key in labels
    value = labels.get(key, "")
    if op == "exists":
        return has
    if op == "!":
        return not has
    if op in ("=", "=="):
        return has and value == values[0]
    if op == "!=":
        return not has or value != values[0]
    if op == "in":
        return has and value in values
    if op == "notin":
        return not has or value not in values
    try:
        return has and (int(value) > int(values[0]) if op == ">" else int(value) < int(values[0]))
    except ValueError:
        return False
