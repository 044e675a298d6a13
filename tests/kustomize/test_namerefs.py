"""fix_name_references against `kubectl kustomize` on small trees: the test renames the resources
itself as kustomize's namespace, prefix, suffix and hash steps do, then fixes the references."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from openapi_tool.convert.kustomize.errors import BuildError
from openapi_tool.convert.kustomize.fieldspecs import split_path
from openapi_tool.convert.kustomize.nameref_defaults import NAME_REFERENCES
from openapi_tool.convert.kustomize.namerefs import fix_name_references
from openapi_tool.convert.kustomize.resource import Generated, Resource

from .helpers import FIXTURE_ROOT, kubectl_build, needs_kubectl, read_resources, run_kubectl

FIXTURES = FIXTURE_ROOT / "nameref"
pytestmark = needs_kubectl

_CLUSTER_KINDS = {
    "APIService",
    "ClusterRole",
    "ClusterRoleBinding",
    "IngressClass",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PriorityClass",
    "StorageClass",
    "ValidatingWebhookConfiguration",
}
"""The cluster-scoped kinds the fixtures use."""
_NOT_RENAMED = {"CustomResourceDefinition", "APIService", "Namespace"}


def _generated(rendered: list[dict[str, Any]], kind: str, generator: dict[str, Any], hashed: bool) -> dict[str, Any]:
    """The document a generator made (found in the output by kind, namespace and name, with a hash
    when `hashed`), with the generator's name."""
    name, namespace = generator["name"], generator.get("namespace")
    pattern = re.compile(re.escape(name) + (r".*-[a-z0-9]{10}$" if hashed else ""))
    (doc,) = [
        d
        for d in rendered
        if d["kind"] == kind and pattern.search(d["metadata"]["name"]) and _namespace(d) == namespace
    ]
    data = copy.deepcopy(doc)
    data["metadata"] = {"name": name, "namespace": namespace} if namespace else {"name": name}
    return data


def _namespace(doc: dict[str, Any]) -> str | None:
    return doc["metadata"].get("namespace")


def _accumulate(directory: Path, rendered: list[dict[str, Any]], extra: list[dict[str, Any]]) -> list[Resource]:
    """The resources of one kustomization after its namespace, prefix and suffix (no hashes yet)."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    resources: list[Resource] = []
    for entry in kustomization.get("resources") or []:
        path = directory / entry
        if path.is_dir():
            resources += _accumulate(path, rendered, extra)
        else:
            resources += read_resources(path)
    for entry in kustomization.get("configurations") or []:
        extra += yaml.safe_load((directory / entry).read_text()).get("nameReference") or []
    options = kustomization.get("generatorOptions") or {}
    for kind, key in (("ConfigMap", "configMapGenerator"), ("Secret", "secretGenerator")):
        for generator in kustomization.get(key) or []:
            hashed = not options.get("disableNameSuffixHash")
            resources.append(
                Resource(_generated(rendered, kind, generator, hashed), generated=Generated("create", hashed))
            )
    if namespace := kustomization.get("namespace"):
        for resource in resources:
            resource.remember()
            if resource.kind not in _CLUSTER_KINDS:
                resource.data["metadata"]["namespace"] = namespace
    for key, affixes in (("namePrefix", "prefixes"), ("nameSuffix", "suffixes")):
        if affix := kustomization.get(key):
            for resource in resources:
                if resource.kind in _NOT_RENAMED:
                    continue
                resource.remember()
                getattr(resource, affixes).append(affix)
                name = resource.data["metadata"]["name"]
                resource.data["metadata"]["name"] = affix + name if key == "namePrefix" else name + affix
    return resources


def _add_hashes(resources: list[Resource], rendered: list[dict[str, Any]]) -> None:
    """Kustomize's hash step, with the hashed names taken from its output."""
    for resource in resources:
        if resource.generated and resource.generated.hash_suffix:
            (name,) = [
                d["metadata"]["name"]
                for d in rendered
                if d["kind"] == resource.kind
                and d["metadata"]["name"][:-11] == resource.name
                and _namespace(d) == _namespace(resource.data)
            ]
            resource.remember()
            resource.data["metadata"]["name"] = name


def _fixed(directory: Path, rendered: list[dict[str, Any]]) -> list[Resource]:
    extra: list[dict[str, Any]] = []
    resources = _accumulate(directory, rendered, extra)
    _add_hashes(resources, rendered)
    fix_name_references(resources, extra)
    return resources


def _key(doc: dict[str, Any]) -> tuple[str, str, str, str]:
    meta = doc["metadata"]
    return doc["apiVersion"], doc["kind"], meta.get("namespace", ""), meta["name"]


@pytest.mark.parametrize(
    "case",
    [
        "prefix_refs",
        "namespaces",
        "affixes",
        "hashed_vs_prefixed",
        "generators",
        "rolebinding_namespaces",
        "ambiguous_names",
    ],
)
def test_references_follow_renames(case: str) -> None:
    directory = FIXTURES / case
    rendered = kubectl_build(directory)
    ours = {_key(r.data): r.data for r in _fixed(directory, rendered)}
    theirs = {_key(doc): doc for doc in rendered}
    assert sorted(ours) == sorted(theirs)
    for key, doc in theirs.items():
        assert ours[key] == doc, key


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("ambiguous_error", "found multiple possible referrals"),
        ("conflicting_config", "conflicting fieldspecs"),
        ("error_no_name", "no 'name' field in node"),
        ("error_scalar_on_path", "expected sequence or mapping node"),
        ("error_nested_list", "expected to be either a string or a map of string"),
    ],
)
def test_kustomize_errors(case: str, message: str) -> None:
    directory = FIXTURES / case
    result = run_kubectl(directory)
    assert result.returncode != 0
    assert message in result.stderr
    with pytest.raises(BuildError, match=message):
        _fixed(directory, [])


_API_VERSIONS = {
    "APIService": "apiregistration.k8s.io/v1",
    "ClusterRole": "rbac.authorization.k8s.io/v1",
    "ClusterRoleBinding": "rbac.authorization.k8s.io/v1",
    "CronJob": "batch/v1",
    "DaemonSet": "apps/v1",
    "Deployment": "apps/v1",
    "HorizontalPodAutoscaler": "autoscaling/v2",
    "Ingress": "networking.k8s.io/v1",
    "IngressClass": "networking.k8s.io/v1",
    "Job": "batch/v1",
    "MutatingWebhookConfiguration": "admissionregistration.k8s.io/v1",
    "PriorityClass": "scheduling.k8s.io/v1",
    "ReplicaSet": "apps/v1",
    "Role": "rbac.authorization.k8s.io/v1",
    "RoleBinding": "rbac.authorization.k8s.io/v1",
    "StatefulSet": "apps/v1",
    "StorageClass": "storage.k8s.io/v1",
    "ValidatingAdmissionPolicy": "admissionregistration.k8s.io/v1",
    "ValidatingAdmissionPolicyBinding": "admissionregistration.k8s.io/v1",
    "ValidatingWebhookConfiguration": "admissionregistration.k8s.io/v1",
}
"""apiVersions of the kinds in the default table (others are "v1")."""


def _document(kind: str, name: str, api_version: str = "") -> dict[str, Any]:
    return {"apiVersion": api_version or _API_VERSIONS.get(kind, "v1"), "kind": kind, "metadata": {"name": name}}


def _reference(path: tuple[str, ...]) -> Any:
    """A value naming "target" at the end of `path`, in the shape the field has."""
    if path[-1] == "subjects":
        return [{"kind": "ServiceAccount", "name": "target"}]
    return {"name": "target"} if path[-1] in ("service", "configMap") and len(path) > 2 else "target"


def _every_default_reference(directory: Path) -> None:
    """A kustomization with one resource named "target" per referenced kind and one referrer per
    default field spec, each naming "target" in that field."""
    documents = []
    for entry in NAME_REFERENCES:
        documents.append(_document(entry["kind"], "target"))
        for spec in entry["fieldSpecs"]:
            group_version = f"{spec['group']}/{spec['version']}" if {"group", "version"} <= spec.keys() else ""
            referrer = _document(spec["kind"], f"r{len(documents)}", group_version)
            path = split_path(spec["path"])
            node = referrer
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = _reference(path)
            documents.append(referrer)
    (directory / "resources.yaml").write_text(yaml.safe_dump_all(documents))
    (directory / "kustomization.yaml").write_text("namePrefix: p-\nresources:\n- resources.yaml\n")


def test_every_default_reference(tmp_path: Path) -> None:
    _every_default_reference(tmp_path)
    rendered = kubectl_build(tmp_path)
    ours = {_key(r.data): r.data for r in _fixed(tmp_path, rendered)}
    theirs = {_key(doc): doc for doc in rendered}
    assert sorted(ours) == sorted(theirs)
    untouched = [doc for doc in rendered if "p-target" not in yaml.safe_dump(doc)]
    assert [(doc["kind"], doc["spec"]) for doc in untouched] == [("Ingress", {"ingressClassName": "target"})]
    for key, doc in theirs.items():
        assert ours[key] == doc, key
