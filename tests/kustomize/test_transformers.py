"""The field transformers (namespace, prefix/suffix, labels, annotations, images, replicas) on small
kustomizations, compared with `kubectl kustomize` of the same directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from openapi_tool.convert.kustomize.errors import BuildError
from openapi_tool.convert.kustomize.resource import Resource
from openapi_tool.convert.kustomize.transformers import (
    Configurations,
    add_annotations,
    add_labels,
    add_prefix_suffix,
    load_configurations,
    set_images,
    set_namespace,
    set_replicas,
    split_image,
)

from .helpers import FIXTURE_ROOT, kubectl_build, needs_kubectl, read_resources

FIXTURES = FIXTURE_ROOT / "fields"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "kustomization.yaml").exists())


def transform(directory: Path) -> tuple[list[Resource], Configurations]:
    """The fixture's resources after its transformers (in kustomize's order), and its configuration;
    a resource that is a directory is a kustomization built the same way first."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    resources: list[Resource] = []
    inherited: list[Configurations] = []
    for name in kustomization["resources"]:
        if (directory / name).is_dir():
            base, config = transform(directory / name)
            resources += base
            inherited.append(config)
        else:
            resources += read_resources(directory / name)
    config = load_configurations([directory / p for p in kustomization.get("configurations", [])], inherited)
    set_namespace(resources, kustomization.get("namespace", ""), config)
    add_prefix_suffix(resources, kustomization.get("namePrefix", ""), kustomization.get("nameSuffix", ""), config)
    add_labels(resources, kustomization.get("labels", []), kustomization.get("commonLabels", {}), config)
    add_annotations(resources, kustomization.get("commonAnnotations", {}), config)
    set_replicas(resources, kustomization.get("replicas", []), config)
    set_images(resources, kustomization.get("images", []), config)
    return resources, config


def by_id(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Documents keyed by apiVersion, kind, namespace and name (kustomize sorts them by kind)."""
    result = {}
    for doc in docs:
        meta = doc.get("metadata") or {}
        key = json.dumps([doc.get("apiVersion"), doc.get("kind"), meta.get("namespace"), meta.get("name")])
        assert key not in result
        result[key] = doc
    return result


@needs_kubectl
@pytest.mark.parametrize("case", CASES)
def test_same_as_kubectl(case: str) -> None:
    ours = by_id([resource.data for resource in transform(FIXTURES / case)[0]])
    theirs = by_id(kubectl_build(FIXTURES / case))
    assert sorted(ours) == sorted(theirs)
    for key, doc in theirs.items():
        assert ours[key] == doc, key


def test_a_general_spec_after_a_kind_specific_one_is_dropped(tmp_path: Path) -> None:
    """kubectl: a `metadata/name` prefix spec for one kind leaves every other kind unprefixed."""
    (tmp_path / "config.yaml").write_text("namePrefix:\n- path: metadata/name\n  kind: Gadget\n")
    config = load_configurations([tmp_path / "config.yaml"])
    assert [(s.kind, s.path) for s in config.name_prefix] == [("Gadget", ("metadata", "name"))]
    assert len(Configurations().name_prefix) == 1


def test_name_references_are_kept_raw() -> None:
    config = load_configurations([FIXTURES / "labels" / "kustomizeconfig.yaml"])
    assert config.name_reference == [
        {"kind": "Widget", "fieldSpecs": [{"path": "spec/widgetRef/name", "kind": "Gadget"}]}
    ]


def test_conflicting_create_fails(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("namePrefix:\n- path: metadata/name\n  create: true\n")
    with pytest.raises(BuildError, match="conflicting"):
        load_configurations([tmp_path / "config.yaml"])


def test_unknown_configuration_field_fails(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("namePrefixes: []\n")
    with pytest.raises(BuildError, match="unknown field"):
        load_configurations([tmp_path / "config.yaml"])


def test_label_values_must_be_strings() -> None:
    """kubectl: `cannot unmarshal number into Go struct field Kustomization.commonLabels of type string`."""
    resources = [Resource({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})]
    with pytest.raises(BuildError):
        add_labels(resources, [], {"version": 1}, Configurations())


def test_image_tags_must_be_strings() -> None:
    """kubectl: `cannot unmarshal number into Go struct field Image.images.newTag of type string`."""
    resources = [Resource({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"image": "nginx"}]}})]
    with pytest.raises(BuildError):
        set_images(resources, [{"name": "nginx", "newTag": 1.25}], Configurations())


def test_namespace_id_conflict_fails() -> None:
    """kubectl: `namespace transformation produces ID conflict` when two resources end up with one id."""
    resources = [
        Resource({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}),
        Resource({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "ns"}}),
    ]
    with pytest.raises(BuildError, match="ID conflict"):
        set_namespace(resources, "ns", Configurations())


def test_replicas_without_a_match_fail() -> None:
    resources = [Resource({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a"}})]
    with pytest.raises(BuildError, match=r"resource with name b does not match .*\[Deployment.\[noVer\].\[noGrp\] "):
        set_replicas(resources, [{"name": "b", "count": 1}], Configurations())


def test_renames_are_remembered() -> None:
    resource = Resource({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})
    config = Configurations()
    set_namespace([resource], "ns", config)
    add_prefix_suffix([resource], "p-", "-s", config)
    assert [(i.name, i.namespace) for i in resource.ids()] == [
        ("a", ""),
        ("a", "ns"),
        ("p-a", "ns"),
        ("p-a-s", "ns"),
    ]


@pytest.mark.parametrize(
    ("image", "parts"),
    [
        ("nginx", ("nginx", "", "")),
        ("nginx:1.0", ("nginx", "1.0", "")),
        ("localhost:5000/nginx", ("localhost:5000/nginx", "", "")),
        ("localhost:5000/a/nginx:1@sha256:ab", ("localhost:5000/a/nginx", "1", "sha256:ab")),
        ("nginx@sha256:ab", ("nginx", "", "sha256:ab")),
    ],
)
def test_split_image(image: str, parts: tuple[str, str, str]) -> None:
    assert split_image(image) == parts
