"""Legacy `vars` against `kubectl kustomize` on small fixtures: the fixture's resources go through
resolve_vars and must equal kubectl's output of the same kustomization."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from openapi_tool.convert.kustomize.errors import BuildError
from openapi_tool.convert.kustomize.fieldspec_defaults import VAR_REFERENCE
from openapi_tool.convert.kustomize.fieldspecs import FieldSpec
from openapi_tool.convert.kustomize.variables import bind_vars, expand, resolve_vars

from .helpers import (
    FIXTURE_ROOT,
    kubectl_build,
    needs_kubectl,
    read_resources,
    renamed,
    resources_of,
    run_kubectl,
    write_kustomization,
)

FIXTURES = FIXTURE_ROOT / "vars"


def by_id(documents: list[dict]) -> dict[tuple[str, str], dict]:
    """Documents by kind and name; annotation values as strings, as kustomize always writes them."""
    result = {}
    for document in documents:
        annotations = document["metadata"].get("annotations")
        if annotations:
            document["metadata"]["annotations"] = {k: str(v) for k, v in annotations.items()}
        result[document["kind"], document["metadata"]["name"]] = document
    return result


def config_specs(directory: Path, kustomization: dict) -> list[FieldSpec]:
    specs = list(VAR_REFERENCE)
    for name in kustomization.get("configurations") or []:
        config = yaml.safe_load((directory / name).read_text())
        specs.extend(FieldSpec.parse(raw) for raw in config.get("varReference") or [])
    return specs


@needs_kubectl
@pytest.mark.parametrize("case", ["basic", "renamed"])
def test_fixture_equals_kubectl(case: str) -> None:
    directory = FIXTURES / case
    expected = by_id(kubectl_build(directory))
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    resources = read_resources(directory / "resources.yaml")
    for resource in resources:
        resource.remember()
        metadata = resource.data["metadata"]
        metadata["name"] = kustomization.get("namePrefix", "") + resource.name
        if "namespace" in kustomization:
            metadata["namespace"] = kustomization["namespace"]
    resolve_vars(resources, kustomization["vars"], config_specs(directory, kustomization))
    assert by_id([r.data for r in resources]) == expected


TWO_SERVICES = """\
apiVersion: v1
kind: Service
metadata: {name: a, namespace: one}
---
apiVersion: v1
kind: Service
metadata: {name: a, namespace: two}
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    image: c
    args: ["$(A)"]
"""

ERROR_CASES = {
    "objref matches nothing": [{"name": "A", "objref": {"kind": "Service", "version": "v1", "name": "b"}}],
    "objref without version": [{"name": "A", "objref": {"kind": "Service", "name": "a", "namespace": "one"}}],
    "objref matches two": [{"name": "A", "objref": {"kind": "Service", "version": "v1", "name": "a"}}],
    "unknown field": [
        {"name": "A", "objref": {"kind": "Service", "version": "v1", "name": "a", "namespace": "one", "uid": "1"}}
    ],
    "field missing": [
        {
            "name": "A",
            "objref": {"kind": "Service", "version": "v1", "name": "a", "namespace": "one"},
            "fieldref": {"fieldPath": "spec.nothing"},
        }
    ],
    "same name twice": [
        {"name": "A", "objref": {"kind": "Service", "version": "v1", "name": "a", "namespace": "one"}},
        {"name": "A", "objref": {"kind": "Service", "version": "v1", "name": "a", "namespace": "two"}},
    ],
}


@needs_kubectl
@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_kubectl_and_we_refuse_the_same(case: str, tmp_path: Path) -> None:
    assert run_kubectl(write_kustomization(tmp_path, TWO_SERVICES, vars=ERROR_CASES[case])).returncode != 0
    with pytest.raises(BuildError):
        resolve_vars(resources_of(TWO_SERVICES), ERROR_CASES[case], VAR_REFERENCE)


@needs_kubectl
def test_namespace_picks_one_of_two(tmp_path: Path) -> None:
    vars = [{"name": "A", "objref": {"kind": "Service", "version": "v1", "name": "a", "namespace": "two"}}]
    expected = by_id(kubectl_build(write_kustomization(tmp_path, TWO_SERVICES, vars=vars)))
    resources = resources_of(TWO_SERVICES)
    resolve_vars(resources, vars, VAR_REFERENCE)
    assert by_id([r.data for r in resources]) == expected


def test_expand() -> None:
    values = {"A": "x", "N": 3, "F": 0.25, "B": True, "M": {"k": "v"}}
    assert expand("$(N)", values) == 3
    assert expand("$(A)-$(N)-$(F)-$(B)", values) == "x-3-0.25-true"
    assert expand("$$(A) $(Z) $(M) $(A", values) == "$(A) $(Z) $(M) $(A"
    assert expand("$x$", values) == "$x$"


@needs_kubectl
def test_vars_bind_where_declared() -> None:
    """Base a declares a var on its Service `webhook`; base b has one too: kustomize ties the var
    in base a (one match), so the top level is not ambiguous."""
    directory = FIXTURES / "two-bases"
    expected = by_id(kubectl_build(directory))
    base_a = renamed((directory / "base-a" / "resources.yaml").read_text(), "a-")
    vars = yaml.safe_load((directory / "base-a" / "kustomization.yaml").read_text())["vars"]
    bound = bind_vars(base_a, vars)
    resources = base_a + renamed((directory / "base-b" / "resources.yaml").read_text(), "b-")
    with pytest.raises(BuildError):
        resolve_vars(resources, vars, VAR_REFERENCE)
    resolve_vars(resources, bound, VAR_REFERENCE)
    assert by_id([r.data for r in resources]) == expected


POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: p
  labels: {n: 1, v: $(V)}
spec:
  containers:
  - name: c
    args: [ARGS, "$(V)"]
"""


@needs_kubectl
@pytest.mark.parametrize("first_arg", ["1", "x$(V)"])
def test_non_strings_in_reference_fields(first_arg: str, tmp_path: Path) -> None:
    """A non-string in a map of a reference field is left alone; in a list it fails the build."""
    text = POD.replace("ARGS", first_arg)
    vars = [{"name": "V", "objref": {"kind": "Pod", "version": "v1", "name": "p"}}]
    result = run_kubectl(write_kustomization(tmp_path, text, vars=vars))
    resources = resources_of(text)
    if result.returncode:
        with pytest.raises(BuildError):
            resolve_vars(resources, vars, VAR_REFERENCE)
        return
    resolve_vars(resources, vars, VAR_REFERENCE)
    assert by_id([r.data for r in resources]) == by_id(list(yaml.safe_load_all(result.stdout)))


@needs_kubectl
@pytest.mark.parametrize("number", ["1234567.0", "123456.0", "0.0001", "2.50", "-3.0e+10"])
def test_float_values_inside_text(number: str, tmp_path: Path) -> None:
    text = POD.replace("ARGS", '"x$(F)"').replace("kind: Pod\n", "kind: Pod\nspec0: {f: " + number + "}\n", 1)
    vars = [
        {"name": "F", "objref": {"kind": "Pod", "version": "v1", "name": "p"}, "fieldref": {"fieldPath": "spec0.f"}}
    ]
    expected = by_id(kubectl_build(write_kustomization(tmp_path, text, vars=vars)))
    resources = resources_of(text)
    resolve_vars(resources, vars, VAR_REFERENCE)
    assert by_id([r.data for r in resources]) == expected
