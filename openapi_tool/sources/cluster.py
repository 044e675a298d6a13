"""Front end for a live cluster: its OpenAPI documents and CustomResourceDefinitions.

The official `kubernetes` client reads the kubeconfig and handles TLS, tokens, client
certificates and exec plugins. Built-in APIs come from `/openapi/v3` (one document per
group version; `/openapi/v2` when the server has no v3), CRDs from the apiextensions API;
group versions served by CRDs are taken from the CRD objects, which carry more (CEL
rules, every version) than the published OpenAPI.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from openapi_tool.errors import InputError
from openapi_tool.loader import Document, parse_text

CRD_LIST = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


@dataclass(frozen=True)
class ClusterSource:
    """Which cluster (kubeconfig and context) and which API groups to read."""

    kubeconfig: str | None = None
    context: str | None = None
    groups: tuple[str, ...] = ()
    """API groups to keep (`core` or "" for the legacy group); empty keeps all."""


@dataclass
class ClusterDocuments:
    crds: list[Document] = field(default_factory=list)
    specs: list[Document] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)
    server_version: str = ""


def _wanted(group: str, groups: tuple[str, ...]) -> bool:
    return not groups or group in groups or (group == "" and "core" in groups)


def _group_of(path: str) -> str:
    """`apis/apps/v1` -> `apps`; `api/v1` -> "" (the core group)."""
    parts = path.strip("/").split("/")
    return parts[1] if parts[0] == "apis" and len(parts) >= 3 else ""


class _Client:
    def __init__(self, source: ClusterSource) -> None:
        from kubernetes import config

        try:
            self.api = config.new_client_from_config(config_file=source.kubeconfig, context=source.context)
        except Exception as error:  # the client raises ConfigException and plain errors alike
            raise InputError(
                source.kubeconfig or "kubeconfig", source.context or "", f"cannot load kubeconfig: {error}"
            ) from None
        self.host = self.api.configuration.host

    def get(self, path: str) -> bytes:
        try:
            method, url, headers, _, _ = self.api.param_serialize("GET", path, auth_settings=["BearerToken"])
            response = self.api.call_api(method, url, header_params=headers, _request_timeout=30)
            response.read()
        except Exception as error:  # urllib3 wraps TLS and connection failures in several types
            raise InputError(self.host, path, f"cannot reach the API server: {_root_cause(error)}") from None
        if not 200 <= response.status < 300:
            raise InputError(
                self.host, path, f"the API server answered {response.status} {response.reason or ''}".rstrip()
            )
        return response.data

    def get_json(self, path: str) -> Any:
        raw = self.get(path)
        try:
            return json.loads(raw)
        except ValueError:
            raise InputError(self.host, path, "the API server did not answer with JSON") from None


def _root_cause(error: BaseException) -> str:
    while error.__cause__ is not None or error.__context__ is not None:
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def read_cluster(source: ClusterSource) -> ClusterDocuments:
    """Fetch the documents of the selected groups and all their CRDs."""
    client = _Client(source)
    out = ClusterDocuments()
    version = client.get_json("/version")
    out.server_version = str(version.get("gitVersion", "")) if isinstance(version, dict) else ""
    crd_list = client.get_json(CRD_LIST)
    crd_groups: set[str] = set()
    for item in crd_list.get("items", []) if isinstance(crd_list, dict) else []:
        group = str(item.get("spec", {}).get("group", ""))
        crd_groups.add(group)
        if _wanted(group, source.groups):
            item = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", **item}
            name = f"{client.host}{CRD_LIST}/{item.get('metadata', {}).get('name', '')}"
            out.crds.append(Document(name, 0, item))
            out.digests[name] = hashlib.sha256(json.dumps(item, sort_keys=True).encode()).hexdigest()
    for path in _spec_paths(client, source, crd_groups):
        raw = client.get(path)
        name = client.host + path.split("?", 1)[0]
        out.digests[name] = hashlib.sha256(raw).hexdigest()
        out.specs.extend(parse_text(name, raw))
    return out


def _spec_paths(client: _Client, source: ClusterSource, crd_groups: set[str]) -> list[str]:
    """The OpenAPI v3 group documents to read, or `/openapi/v2` on servers without v3."""
    try:
        index = client.get_json("/openapi/v3")
    except InputError as error:
        if "answered 404" not in str(error):
            raise
        return ["/openapi/v2"]
    paths = index.get("paths", {}) if isinstance(index, dict) else {}
    chosen = []
    for path, entry in sorted(paths.items()):
        group = _group_of(path)
        if not path.startswith(("api/", "apis/")) or group in crd_groups or not _wanted(group, source.groups):
            continue
        url = entry.get("serverRelativeURL") if isinstance(entry, dict) else None
        chosen.append(url or "/openapi/v3/" + path)
    return chosen
