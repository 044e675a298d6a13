"""Loading CRDs (as the API server reads YAML) and the corpus manifests."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

try:  # the C loader is ten times faster on the multi-megabyte CRDs
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class ApiServerLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """YAML as the API server reads it: an unquoted date stays a string."""


ApiServerLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


def load_documents(path: Path) -> list[Any]:
    with open(path, encoding="utf-8") as handle:
        return [d for d in yaml.load_all(handle, Loader=ApiServerLoader) if d is not None]


@dataclass(frozen=True)
class Resource:
    """One version of one CRD: the schema a generated `pkg.Kind` is compared with."""

    file: str
    group: str
    version: str
    kind: str
    schema: dict
    pointer: str
    """JSON pointer of the openAPIV3Schema inside its YAML document."""
    preserve_unknown: bool
    """v1beta1 `spec.preserveUnknownFields` (true unless set false): nothing is pruned."""
    status_subresource: bool

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"

    @property
    def name(self) -> str:
        return f"{self.api_version} {self.kind}"


def crd_resources(path: Path) -> list[Resource]:
    out = []
    for doc in load_documents(path):
        if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
            continue
        spec = doc.get("spec") or {}
        v1beta1 = str(doc.get("apiVersion", "")).endswith("v1beta1")
        preserve = v1beta1 and spec.get("preserveUnknownFields", True) is not False
        versions = spec.get("versions") or [{"name": spec.get("version")}]
        shared = (spec.get("validation") or {}).get("openAPIV3Schema")
        shared_status = "status" in (spec.get("subresources") or {})
        for index, version in enumerate(versions):
            schema = (version.get("schema") or {}).get("openAPIV3Schema")
            pointer = f"/spec/versions/{index}/schema/openAPIV3Schema"
            if schema is None:
                schema, pointer = shared, "/spec/validation/openAPIV3Schema"
            if not isinstance(schema, dict):  # no schema: the API server accepts any fields
                schema, pointer = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}, ""
            status = shared_status or "status" in (version.get("subresources") or {})
            out.append(
                Resource(
                    str(path),
                    spec["group"],
                    str(version["name"]),
                    spec["names"]["kind"],
                    schema,
                    pointer,
                    preserve,
                    status,
                )
            )
    return out


def load_manifests(root: Path) -> dict[tuple[str, str], list[tuple[str, dict]]]:
    """Every manifest under `root` by (apiVersion, kind), with its file."""
    found: dict[tuple[str, str], list[tuple[str, dict]]] = defaultdict(list)
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".yaml", ".yml", ".json") or not path.is_file():
            continue
        try:
            docs = load_documents(path)
        except yaml.YAMLError:
            continue
        for doc in docs:
            items = doc.get("items") if isinstance(doc, dict) and str(doc.get("kind", "")).endswith("List") else [doc]
            for item in items or []:
                if (
                    isinstance(item, dict)
                    and isinstance(item.get("apiVersion"), str)
                    and isinstance(item.get("kind"), str)
                ):
                    found[(item["apiVersion"], item["kind"])].append((str(path.relative_to(root)), item))
    return dict(found)
