"""The order of kustomize's output: `legacy` (kind first, then id) by default, or `sortOptions`."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cmp_to_key
from typing import Any

from openapi_tool.convert.kustomize.errors import BuildError
from openapi_tool.convert.kustomize.resource import ResId, Resource

ORDER_FIRST = (
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
)
"""Kinds the legacy order puts first, in this order (kustomize's SortOrderTransformer defaults)."""

ORDER_LAST = ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")
"""Kinds the legacy order puts last, in this order."""


def kind_rank(kind: str) -> int:
    """The default legacy rank of a kind: the first kinds below zero in their order, the last ones
    above, every other kind zero (it also orders field specs and nameReference entries)."""
    return _DEFAULT_RANK.get(kind, 0)


def gvk_order(group: str, version: str, kind: str) -> tuple[int, str]:
    """Kustomize's sort key of a group/version/kind: its kind rank, then its gvk string."""
    return kind_rank(kind), _gvk_string(group, version, kind)


def sort_resources(resources: list[Resource], sort_options: dict[str, Any] | None = None) -> list[Resource]:
    """The resources in output order: legacy unless `sortOptions` asks for fifo (input order)."""
    options = sort_options if sort_options is not None else {"order": "legacy"}
    if not isinstance(options, dict):
        raise BuildError("invalid Kustomization: sortOptions must be a mapping")
    order = options.get("order")
    legacy = options.get("legacySortOptions")
    if order not in ("fifo", "legacy"):
        raise BuildError("the field 'sortOptions.order' must be one of [fifo, legacy]")
    if order == "fifo":
        if legacy is not None:
            raise BuildError(
                "the field 'sortOptions.legacySortOptions' is set but the selected sort order is 'fifo', not 'legacy'"
            )
        return list(resources)
    if legacy is None:
        first, last = list(ORDER_FIRST), list(ORDER_LAST)
    else:
        first, last = list(legacy.get("orderFirst") or []), list(legacy.get("orderLast") or [])
    return legacy_sort(resources, first, last)


def legacy_sort(resources: list[Resource], first: list[str], last: list[str]) -> list[Resource]:
    """Kustomize's legacy order: kinds of `first`, then other kinds, then kinds of `last`; by
    group_version_kind string within that, then by the id string (namespace, name)."""
    rank = _ranks(first, last)

    def compare(a: Resource, b: Resource) -> int:
        return -1 if _less(a.id, b.id, rank) else (1 if _less(b.id, a.id, rank) else 0)

    return sorted(resources, key=cmp_to_key(compare))


def _ranks(first: Iterable[str], last: Iterable[str]) -> dict[str, int]:
    """Each kind of `first` and `last` with its rank (a repeated kind keeps its last place)."""
    first, last = list(first), list(last)
    rank = {kind: i - len(first) for i, kind in enumerate(first)}
    rank.update({kind: 1 + i for i, kind in enumerate(last)})
    return rank


_DEFAULT_RANK = _ranks(ORDER_FIRST, ORDER_LAST)


def _less(a: ResId, b: ResId, rank: dict[str, int]) -> bool:
    """Kustomize's legacy comparison of two ids."""
    if a.gvk != b.gvk:
        rank_a, rank_b = rank.get(a.kind, 0), rank.get(b.kind, 0)
        if rank_a != rank_b:
            return rank_a < rank_b
        if a.kind == b.kind == "Namespace" and (not a.group or not b.group):
            return _gvk_string(*a.gvk) > _gvk_string(*b.gvk)
        return _gvk_string(*a.gvk) < _gvk_string(*b.gvk)
    return _id_string(a) < _id_string(b)


def _gvk_string(group: str, version: str, kind: str) -> str:
    return "_".join([group or "~G", version or "~V", kind or "~K"])


def _id_string(rid: ResId) -> str:
    gvk = ".".join([rid.kind or "[noKind]", rid.version or "[noVer]", rid.group or "[noGrp]"])
    return "|".join([gvk, rid.namespace or "~X", rid.name or "~N"])
