"""Write openapi_tool/convert/kustomize/smp_schema.json: the facts of a Kubernetes OpenAPI (swagger 2)
spec that kustomize's strategic merge reads (which lists merge, by which keys) and which kinds are
cluster scoped.

Kustomize v5.5 carries the Kubernetes 1.21.2 definitions (kyaml/openapi/kubernetesapi/data/
kubernetes-openapi-union-v1.21.2.bundle-v1.json.gz in its repository). The corpus has no 1.21: with
`--bundle` that file gives the definitions and kinds (a field that 1.21 does not mark `merge` is
replaced by kustomize, e.g. schedulingGates or CRD x-kubernetes-validations, and 1.21's v1beta1 kinds
have schemas); without it the last corpus spec does. The bundle has no paths, so cluster scope comes
from the paths of the corpus specs given (default 1.9 and 1.30, which between them serve the kinds
1.21 knows), limited to the kinds of the definitions used.

Run: python bench/kustomize_smp_schema.py [--bundle FILE.json.gz] [SPEC.json ...]
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[1] / "../shared/corpus/k8s-openapi"
DEFAULT_SPECS = [CORPUS / "1.9/swagger.json", CORPUS / "1.30/swagger.json"]
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


def read_json(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    return json.loads(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="*", type=Path, default=DEFAULT_SPECS)
    parser.add_argument("--bundle", type=Path, help="kustomize's embedded Kubernetes definitions")
    arguments = parser.parse_args()
    specs = [read_json(path) for path in arguments.specs]
    definitions = read_json(arguments.bundle)["definitions"] if arguments.bundle else specs[-1]["definitions"]
    known = kinds(definitions)
    scoped = {key for spec in specs for key in cluster_scoped(spec.get("paths") or {})}
    index = {
        "source": arguments.bundle.name if arguments.bundle else arguments.specs[-1].resolve().parent.name,
        "kinds": known,
        "definitions": {name: definition_entry(schema) for name, schema in definitions.items()},
        "cluster_scoped": sorted(scoped & set(known)),
    }
    OUTPUT.write_text(json.dumps(index, separators=(",", ":"), sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
