"""The project file (`openapi-tool.yaml`): several sources and their outputs, run by `regen`.

jobs:
  - output: k8s                      # paths are relative to the project file
    spec: [https://raw.githubusercontent.com/.../swagger.json]
  - output: crds
    crd: [crds/]
    k8s_module: k8s
    include_unserved: false          # CRD versions with `served: false` (default: left out)
    module_version: "2.1.0"          # kcl.mod version (default: the cluster's, a spec's, else 0.0.1)
  - output: cluster
    cluster: {kubeconfig: ~/.kube/config, context: prod, groups: [apps, cert-manager.io]}
  - output: gateway
    crd: [gateway-api/]              # standard/ and experimental/ define the same kinds
    exclude: [experimental]          # as `gen --exclude`; or prefer: first|last
    impact: [apps/kcl, apps/manifests]   # regen --check: which of these the upgrade breaks
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openapi_tool.errors import InputError

if TYPE_CHECKING:  # the sources are imported where used: `gen` imports this module for `Job` alone
    from openapi_tool.sources.cluster import ClusterSource

_JOB_KEYS = {
    "output",
    "crd",
    "spec",
    "cluster",
    "name",
    "templates",
    "k8s_module",
    "module_version",
    "include_unserved",
    "exclude",
    "prefer",
    "impact",
}


@dataclass(frozen=True)
class Job:
    """One generation: its sources, where it writes, and how it renders."""

    output: Path
    crd: tuple[str, ...] = ()
    spec: tuple[str, ...] = ()
    cluster: ClusterSource | None = None
    name: str | None = None
    templates: Path | None = None
    k8s_module: Path | None = None
    module_version: str | None = None
    include_unserved: bool = False
    exclude: tuple[str, ...] = ()
    """Globs of paths, relative to a directory given as a source, to leave out."""
    prefer: str | None = None
    """Which definition of a kind defined differently in several files to use: first or last."""
    impact: tuple[str, ...] = ()
    """The user's KCL modules and manifest folders to compile against the regenerated module."""
    label: str = field(default="", compare=False)


def _paths(base: Path, value: Any, where: str, file: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise InputError(file, where, "expected a path or a list of paths")
    return tuple(
        v if v.startswith(("http://", "https://")) or v == "-" else str(base / Path(v).expanduser()) for v in items
    )


def _globs(value: Any, where: str, file: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) and v for v in items):
        raise InputError(file, where, "expected a glob or a list of globs")
    return tuple(items)


def _prefer(value: Any, where: str, file: str) -> str | None:
    from openapi_tool.sources.crd import PREFER_RULES

    if value is not None and value not in PREFER_RULES:
        raise InputError(file, where, f"expected one of {', '.join(PREFER_RULES)}")
    return value


def _cluster(value: Any, base: Path, where: str, file: str) -> ClusterSource:
    from openapi_tool.sources.cluster import ClusterSource

    if value is True:
        return ClusterSource()
    if not isinstance(value, dict):
        raise InputError(file, where, "`cluster` is true or a mapping with kubeconfig, context, groups")
    kubeconfig = value.get("kubeconfig")
    groups = value.get("groups") or []
    if not isinstance(groups, list):
        raise InputError(file, where + "/groups", "expected a list of API groups")
    return ClusterSource(
        kubeconfig=str(base / Path(kubeconfig).expanduser()) if kubeconfig else None,
        context=value.get("context"),
        groups=tuple(str(g) for g in groups),
    )


def _module_version(value: Any, where: str, file: str) -> str | None:
    """A version as written (YAML reads `1.31` as a number, so numbers are refused)."""
    if value is None or isinstance(value, str):
        return value
    raise InputError(file, where, '`module_version` must be a string such as "1.31.2" (quote it)')


def _flag(value: Any, where: str, file: str) -> bool:
    if not isinstance(value, bool):
        raise InputError(file, where, "expected true or false")
    return value


def load_project(path: str) -> list[Job]:
    """The jobs of a project file, with every path resolved against the file's directory."""
    from openapi_tool.loader import read_documents

    document = next(iter(read_documents([path])), None)
    data = document.data if document else None
    if not isinstance(data, dict) or not isinstance(data.get("jobs"), list) or not data["jobs"]:
        raise InputError(path, "/jobs", "a project file needs a non-empty list `jobs`")
    base = Path(path).resolve().parent
    jobs = []
    for index, item in enumerate(data["jobs"]):
        where = f"/jobs/{index}"
        if not isinstance(item, dict) or not isinstance(item.get("output"), str):
            raise InputError(path, where, "each job needs an `output` directory")
        unknown = set(item) - _JOB_KEYS
        if unknown:
            raise InputError(
                path, f"{where}/{sorted(unknown)[0]}", f"unknown key (expected one of {', '.join(sorted(_JOB_KEYS))})"
            )
        if not any(k in item for k in ("crd", "spec", "cluster")):
            raise InputError(path, where, "a job needs at least one source: crd, spec or cluster")
        jobs.append(
            Job(
                output=base / item["output"],
                crd=_paths(base, item.get("crd", []), where + "/crd", path),
                spec=_paths(base, item.get("spec", []), where + "/spec", path),
                cluster=_cluster(item["cluster"], base, where + "/cluster", path) if "cluster" in item else None,
                name=item.get("name"),
                templates=base / item["templates"] if item.get("templates") else None,
                k8s_module=base / item["k8s_module"] if item.get("k8s_module") else None,
                module_version=_module_version(item.get("module_version"), where + "/module_version", path),
                include_unserved=_flag(item.get("include_unserved", False), where + "/include_unserved", path),
                exclude=_globs(item.get("exclude", []), where + "/exclude", path),
                prefer=_prefer(item.get("prefer"), where + "/prefer", path),
                impact=_paths(base, item.get("impact", []), where + "/impact", path),
                label=f"{path}:{where}",
            )
        )
    return jobs
