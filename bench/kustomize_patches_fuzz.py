"""Random patches checked against `kubectl kustomize`: strategic merges of pod containers (merge keys,
directives, list order), of nested maps (null, $patch on maps, labels as strings), JSON 6902 op lists
and target selectors. Prints each disagreement and a count per family.

Run: python bench/kustomize_patches_fuzz.py [SEED] [CASES_PER_FAMILY]"""

from __future__ import annotations

import copy
import json
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from openapi_tool.convert.kustomize.errors import BuildError
from openapi_tool.convert.kustomize.patches import apply_patches, apply_strategic_merge_patches
from openapi_tool.convert.kustomize.resource import Resource

Case = tuple[list[dict[str, Any]], dict[str, Any], dict[str, str]]
"""(resources, kustomization fields, patch files by name)."""


def port(rng: random.Random, patch: bool) -> dict[str, Any]:
    result: dict[str, Any] = {"containerPort": rng.choice([80, 53, 8080])}
    if rng.random() < 0.6:
        result["protocol"] = rng.choice(["TCP", "UDP"])
    if rng.random() < 0.5:
        result["name"] = rng.choice(["http", "dns", "x"])
    if patch and rng.random() < 0.15:
        result["$patch"] = "delete"
    return result


def container(rng: random.Random, patch: bool) -> dict[str, Any]:
    result: dict[str, Any] = {"name": rng.choice(["a", "b", "c"])}
    if rng.random() < 0.6:
        result["image"] = rng.choice(["x", "y"])
    if rng.random() < 0.5:
        result["env"] = [
            {"name": rng.choice("ABCD"), **({"value": rng.choice("123")} if rng.random() < 0.7 else {})}
            for _ in range(rng.randint(0, 3))
        ]
    if rng.random() < 0.5:
        result["ports"] = [port(rng, patch) for _ in range(rng.randint(0, 3))]
    if rng.random() < 0.3:
        result["args"] = [rng.choice(["-a", "-b"]) for _ in range(rng.randint(0, 2))]
    if patch and rng.random() < 0.1:
        result["$patch"] = rng.choice(["delete", "replace"])
    if patch and rng.random() < 0.1:
        result["image"] = None
    return result


def containers_case(rng: random.Random) -> Case:
    existing = {c["name"]: c for c in (container(rng, False) for _ in range(rng.randint(1, 3)))}
    resource = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "w"},
        "spec": {"template": {"spec": {"containers": list(existing.values())}}},
    }
    spec: dict[str, Any] = {"containers": [container(rng, True) for _ in range(rng.randint(0, 3))]}
    if rng.random() < 0.3:
        spec["tolerations"] = [{"key": rng.choice("kl"), "operator": "Exists"}]
    patch = {
        **copy.deepcopy({k: resource[k] for k in ("apiVersion", "kind", "metadata")}),
        "spec": {"template": {"spec": spec}},
    }
    return [resource], {"patches": [{"path": "patch.yaml"}]}, {"patch.yaml": yaml.safe_dump(patch)}


def tree(rng: random.Random, depth: int, patch: bool) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key in rng.sample(["a", "b", "c", "d"], rng.randint(0, 3)):
        roll = rng.random()
        if depth and roll < 0.4:
            result[key] = tree(rng, depth - 1, patch)
        elif roll < 0.55:
            result[key] = [rng.choice("xyz") for _ in range(rng.randint(0, 2))]
        elif patch and roll < 0.7:
            result[key] = None
        else:
            result[key] = rng.choice(["s", 1, True, {}])
    if patch and rng.random() < 0.15:
        result["$patch"] = rng.choice(["replace", "delete", "merge"])
    return result


def maps_case(rng: random.Random) -> Case:
    api_version, kind = rng.choice([("example.com/v1", "T"), ("v1", "ConfigMap"), ("apps/v1", "Deployment")])
    resource = {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"name": "t", "labels": {"l": "1"}},
        "spec": tree(rng, 2, False),
    }
    patch = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "t"}, "spec": tree(rng, 2, True)}
    if rng.random() < 0.3:
        patch["metadata"]["labels"] = rng.choice([None, {"l": None}, {"m": 2}, {"$patch": "replace", "m": "2"}])
    field = rng.choice([{"patchesStrategicMerge": ["patch.yaml"]}, {"patches": [{"path": "patch.yaml"}]}])
    return [resource], field, {"patch.yaml": yaml.safe_dump(patch)}


def pointer(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return "/data" + (f"/{rng.choice(['a', 'b', 'a~1b', 't~0', 'new'])}" if rng.random() < 0.8 else "")
    index = rng.choice(["0", "1", "3", "-1", "-3", "-4", "-", "x"])
    return f"/spec/list/{index}" + ("/k" if rng.random() < 0.2 else "")


def json_case(rng: random.Random) -> Case:
    resource = {
        "apiVersion": "example.com/v1",
        "kind": "T",
        "metadata": {"name": "t"},
        "data": {"a": 1, "b": "two", "a/b": 3, "t~": 4},
        "spec": {"list": [1, {"k": "v"}, "three"]},
    }
    operations = []
    for _ in range(rng.randint(1, 3)):
        operation: dict[str, Any] = {"op": rng.choice(["add", "remove", "replace", "move", "copy", "test"])}
        operation["path"] = pointer(rng)
        if operation["op"] in ("move", "copy"):
            operation["from"] = pointer(rng)
        if operation["op"] in ("add", "replace", "test"):
            operation["value"] = rng.choice([1, "s", None, {"k": 1}, [1], 1.0, True])
        operations.append(operation)
    entry = {"path": "ops.json", "target": {"kind": "T"}}
    return [resource], {"patches": [entry]}, {"ops.json": json.dumps(operations)}


KINDS = [
    ("v1", "ConfigMap"),
    ("v1", "Namespace"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("example.com/v1", "Widget"),
    ("apps/v1", "Deployment"),
]


def selector_case(rng: random.Random) -> Case:
    resources, seen = [], set()
    for _ in range(rng.randint(2, 6)):
        (api_version, kind), name = rng.choice(KINDS), rng.choice(["app", "app-x", "db", "x.app"])
        namespace = rng.choice([None, "default", "other"])
        cluster = kind in ("Namespace", "ClusterRole")
        key = (api_version, kind, name, None if cluster else namespace or "default")
        if key in seen:
            continue
        seen.add(key)
        metadata: dict[str, Any] = {"name": name, **({"namespace": namespace} if namespace else {})}
        if rng.random() < 0.6:
            metadata["labels"] = {"tier": rng.choice("ab")}
        resources.append({"apiVersion": api_version, "kind": kind, "metadata": metadata})
    choices = {
        "kind": ["ConfigMap", "Config.*", "Namespace|ClusterRole", "Widget", "map"],
        "name": ["app", "app.*", "x.app", "db|app", "ap"],
        "namespace": ["default", "other", "def.*"],
        "labelSelector": ["tier=a", "tier!=a", "!tier", "tier", "tier in (a,b)"],
        "group": ["", "apps", "rbac.*"],
    }
    target = {field: rng.choice(values) for field, values in choices.items() if rng.random() < 0.4}
    if rng.random() < 0.3:
        (api_version, kind), name = rng.choice(KINDS), rng.choice(["app", "db"])
        namespace = rng.choice([None, "default", "other"])
        metadata = {"name": name, **({"namespace": namespace} if namespace else {})}
        patch = {"apiVersion": api_version, "kind": kind, "metadata": metadata, "data": {"patched": "yes"}}
        return resources, {"patches": [{"patch": yaml.safe_dump(patch)}]}, {}
    operations = '[{"op": "add", "path": "/metadata/annotations", "value": {"hit": "yes"}}]'
    return resources, {"patches": [{"target": target, "patch": operations}]}, {}


def ours(case: Case, directory: Path) -> list[str] | None:
    resources, fields, _ = case
    try:
        loaded = [Resource(copy.deepcopy(r)) for r in resources]
        apply_strategic_merge_patches(loaded, fields.get("patchesStrategicMerge", []), directory)
        apply_patches(loaded, fields.get("patches", []), directory)
    except BuildError:
        return None
    return sorted(json.dumps(r.data, sort_keys=True) for r in loaded)


def kubectl(case: Case, directory: Path) -> list[str] | None:
    resources, fields, files = case
    (directory / "res.yaml").write_text(yaml.safe_dump_all(resources))
    for name, text in files.items():
        (directory / name).write_text(text)
    (directory / "kustomization.yaml").write_text(yaml.safe_dump({"resources": ["res.yaml"], **fields}))
    done = subprocess.run(["kubectl", "kustomize", str(directory)], capture_output=True, text=True, check=False)
    if done.returncode:
        return None
    return sorted(json.dumps(d, sort_keys=True) for d in yaml.safe_load_all(done.stdout) if d)


def main() -> None:
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    rng = random.Random(seed)
    families: dict[str, Callable[[random.Random], Case]] = {
        "containers": containers_case,
        "maps": maps_case,
        "json6902": json_case,
        "selectors": selector_case,
    }
    for family, make in families.items():
        agree = 0
        for _ in range(count):
            case = make(rng)
            with tempfile.TemporaryDirectory() as name:
                expected, got = kubectl(case, Path(name)), ours(case, Path(name))
            agree += expected == got
            if expected != got:
                print(
                    f"DISAGREE {family}: {json.dumps(case[1])} {json.dumps(case[2])}\n  ours    {got}\n  kubectl {expected}"
                )
        print(f"{family}: {agree}/{count} agree with kubectl")


if __name__ == "__main__":
    main()
