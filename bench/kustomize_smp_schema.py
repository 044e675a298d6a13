"""Write openapi_tool/convert/kustomize/smp_schema.json: the facts of a Kubernetes OpenAPI (swagger 2)
spec that kustomize's strategic merge reads (which lists merge, by which keys) and which kinds are
cluster scoped.

Kustomize v5.5 carries the Kubernetes 1.21.2 spec; the corpus has no 1.21, so the default input is the
closest later one. Run: python bench/kustomize_smp_schema.py [../shared/corpus/k8s-openapi/1.30/swagger.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

DEFAULT = Path(__file__).resolve().parents[1] / "../shared/corpus/k8s-openapi/1.30/swagger.json"
OUTPUT = Path(__file__).resolve().parents[1] / "openapi_tool/convert/kustomize/smp_schema.json"
REF = "#/definitions/"


def ref_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return ref[len(REF) :] if isinstance(ref, str) and ref.startswith(REF) else None


def field_entry(schema: dict[str, Any]) -> Any:
    """0 for a field without structure, else [ref, items ref, patch strategy, merge keys]."""
    ref = ref_name(schema)
    items = ref_name(schema.get("items") or {})
    strategy = schema.get("x-kubernetes-patch-strategy")
    keys = schema.get("x-kubernetes-list-map-keys")
    if keys is None and "x-kubernetes-patch-merge-key" in schema:
        keys = [schema["x-kubernetes-patch-merge-key"]]
    if not (ref or items or strategy):
        return 0
    return [ref, items, strategy, keys if strategy else None]


def definition_entry(schema: dict[str, Any]) -> dict[str, Any]:
    fields = {name: field_entry(value) for name, value in (schema.get("properties") or {}).items()}
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        fields["*"] = field_entry(extra)
    return fields


def kinds(definitions: dict[str, Any]) -> dict[str, str]:
    """apiVersion/kind -> definition name."""
    result: dict[str, str] = {}
    for name, schema in definitions.items():
        for gvk in schema.get("x-kubernetes-group-version-kind") or []:
            api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
            result.setdefault(f"{api_version}/{gvk['kind']}", name)
    return result


def cluster_scoped(paths: dict[str, Any]) -> list[str]:
    """apiVersion/kind of every kind that the API serves only outside namespaces."""
    namespaced: set[str] = set()
    seen: set[str] = set()
    for path, item in paths.items():
        for operation in item.values():
            gvk = operation.get("x-kubernetes-group-version-kind") if isinstance(operation, dict) else None
            if not gvk:
                continue
            api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
            key = f"{api_version}/{gvk['kind']}"
            seen.add(key)
            if "/namespaces/{namespace}/" in path:
                namespaced.add(key)
    return sorted(seen - namespaced)


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    spec = json.loads(source.read_text())
    definitions = spec["definitions"]
    used = {name: definition_entry(schema) for name, schema in definitions.items()}
    index = {
        "source": source.resolve().parent.name,
        "kinds": kinds(definitions),
        "definitions": used,
        "cluster_scoped": cluster_scoped(spec.get("paths") or {}),
    }
    OUTPUT.write_text(json.dumps(index, separators=(",", ":"), sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
