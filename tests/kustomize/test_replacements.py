"""`replacements` against `kubectl kustomize` on small fixtures: the fixture's resources go through
apply_replacements and must equal kubectl's output of the same kustomization."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from openapi_tool.convert.kustomize.errors import BuildError
from openapi_tool.convert.kustomize.replacements import apply_replacements, split_field_path
from openapi_tool.convert.kustomize.selectors import matches_selector

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

FIXTURES = FIXTURE_ROOT / "replacements"


def by_id(documents: list[dict]) -> dict[tuple[str, str], dict]:
    return {(d["kind"], d["metadata"]["name"]): d for d in documents}


@needs_kubectl
@pytest.mark.parametrize("case", ["basic", "matching"])
def test_fixture_equals_kubectl(case: str) -> None:
    directory = FIXTURES / case
    expected = by_id(kubectl_build(directory))
    resources = read_resources(directory / "resources.yaml")
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    apply_replacements(resources, kustomization["replacements"], directory)
    assert by_id([r.data for r in resources]) == expected


@needs_kubectl
def test_renamed_resources_match_by_original_or_current_name() -> None:
    directory = FIXTURES / "renamed"
    expected = by_id(kubectl_build(directory))
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    resources = renamed((directory / "resources.yaml").read_text(), kustomization["namePrefix"])
    apply_replacements(resources, kustomization["replacements"], directory)
    assert by_id([r.data for r in resources]) == expected


@needs_kubectl
def test_names_from_every_level_still_select() -> None:
    """The child adds c-, the parent p-: the parent's replacement finds `src` and `c-dst`."""
    directory = FIXTURES / "nested"
    expected = by_id(kubectl_build(directory))
    resources = read_resources(directory / "child" / "resources.yaml")
    for prefix in ("c-", "p-"):
        for resource in resources:
            resource.remember()
            resource.data["metadata"]["name"] = prefix + resource.name
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    apply_replacements(resources, kustomization["replacements"], directory)
    assert by_id([r.data for r in resources]) == expected


TYPED = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: src}
data: {word: abc, number: "5", decimal: "1.0", empty: "", when: "2001-12-14 21:59:43.10", hex: "0x1F", big: "1e3"}
---
apiVersion: v1
kind: Pod
metadata: {name: target}
spec:
  count: 1
  nothing: null
  flag: true
  ratio: 2.5
  text: x
  items:
  - a
"""
# Block style on purpose: kustomize writes an empty created value as null in a block mapping but
# as "" in a flow mapping (`{...}`), a style that plain data does not keep.

ERROR_CASES = {
    "no source": [{"source": {"kind": "Secret"}, "targets": [{"select": {"kind": "Pod"}}]}],
    "two sources": [{"source": {"version": "v1"}, "targets": [{"select": {"kind": "Pod"}}]}],
    "missing target field": [
        {"source": {"kind": "ConfigMap"}, "targets": [{"select": {"kind": "Pod"}, "fieldPaths": ["spec.absent"]}]}
    ],
    "missing source field": [
        {"source": {"kind": "ConfigMap", "fieldPath": "data.nope"}, "targets": [{"select": {"kind": "Pod"}}]}
    ],
    "word into int": [
        {
            "source": {"kind": "ConfigMap", "fieldPath": "data.word"},
            "targets": [{"select": {"kind": "Pod"}, "fieldPaths": ["spec.count"]}],
        }
    ],
    "word into null": [
        {
            "source": {"kind": "ConfigMap", "fieldPath": "data.word"},
            "targets": [{"select": {"kind": "Pod"}, "fieldPaths": ["spec.nothing"]}],
        }
    ],
    "decimal into int": [
        {
            "source": {"kind": "ConfigMap", "fieldPath": "data.decimal"},
            "targets": [{"select": {"kind": "Pod"}, "fieldPaths": ["spec.count"]}],
        }
    ],
    "wildcard on a map": [
        {"source": {"kind": "ConfigMap"}, "targets": [{"select": {"kind": "Pod"}, "fieldPaths": ["spec.*"]}]}
    ],
    "unknown field": [{"source": {"kind": "ConfigMap", "apiVersion": "v1"}, "targets": [{"select": {"kind": "Pod"}}]}],
    "empty targets": [{"source": {"kind": "ConfigMap"}, "targets": []}],
    "path and inline": [{"path": "resources.yaml", "source": {"kind": "ConfigMap"}}],
    "no select": [{"source": {"kind": "ConfigMap"}, "targets": [{"fieldPaths": ["spec.text"]}]}],
    "index out of bounds": [
        {
            "source": {"kind": "ConfigMap", "fieldPath": "data.word", "options": {"delimiter": "b", "index": 2}},
            "targets": [{"select": {"kind": "Pod"}, "fieldPaths": ["spec.text"]}],
        }
    ],
}


@needs_kubectl
@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_kubectl_and_we_refuse_the_same(case: str, tmp_path: Path) -> None:
    directory = write_kustomization(tmp_path, TYPED, replacements=ERROR_CASES[case])
    assert run_kubectl(directory).returncode != 0
    resources = resources_of(TYPED)
    with pytest.raises(BuildError):
        apply_replacements(resources, ERROR_CASES[case], directory)


@needs_kubectl
def test_replacement_files_stay_below_the_kustomization(tmp_path: Path) -> None:
    entry = {"source": {"kind": "ConfigMap", "fieldPath": "data.word"}, "targets": [{"select": {"kind": "Pod"}}]}
    (tmp_path / "outside.yaml").write_text(yaml.safe_dump([entry]))
    directory = write_kustomization(tmp_path / "k", TYPED, replacements=[{"path": "../outside.yaml"}])
    assert "security" in run_kubectl(directory).stderr
    with pytest.raises(BuildError, match="security"):
        apply_replacements(resources_of(TYPED), [{"path": "../outside.yaml"}], directory)


TYPED_CASES = {
    "number into int, bool, float, string, list": ("number", ["spec.count", "spec.ratio", "spec.text", "spec.items"]),
    "number created": ("number", ["spec.new", "spec.more.deep"]),
    "empty string created and into string": ("empty", ["spec.new", "spec.text"]),
    "word created in a new list": ("word", ["spec.list.0", "spec.named.[key=k1].value"]),
    "timestamp created and into string": ("when", ["spec.new", "spec.text"]),
    "hex created and into int": ("hex", ["spec.new", "spec.count"]),
    "exponent created and into float": ("big", ["spec.new", "spec.ratio"]),
    "decimal created and into float": ("decimal", ["spec.new", "spec.ratio"]),
}


@needs_kubectl
@pytest.mark.parametrize("case", sorted(TYPED_CASES))
def test_value_types_as_kubectl(case: str, tmp_path: Path) -> None:
    field, paths = TYPED_CASES[case]
    entries = [
        {
            "source": {"kind": "ConfigMap", "fieldPath": f"data.{field}"},
            "targets": [{"select": {"kind": "Pod"}, "fieldPaths": paths, "options": {"create": True}}],
        }
    ]
    directory = write_kustomization(tmp_path, TYPED, replacements=entries)
    expected = by_id(kubectl_build(directory))
    resources = resources_of(TYPED)
    apply_replacements(resources, entries, directory)
    assert by_id([r.data for r in resources]) == expected


def test_path_splitting() -> None:
    assert split_field_path("a.b\\.c.[name=x.y].d") == ["a", "b.c", "[name=x.y]", "d"]
    assert split_field_path("metadata.annotations.[a.b/c]") == ["metadata", "annotations", "a.b/c"]


def test_label_selectors() -> None:
    labels = {"app": "web", "tier": "front"}
    assert matches_selector(labels, "")
    assert matches_selector(labels, "app=web,tier in (front, back),!debug")
    assert not matches_selector(labels, "app!=web")
    assert matches_selector(labels, "env notin (prod),app")
    assert not matches_selector(labels, "tier==back")
    assert matches_selector({"n": "5"}, "n > 3") and not matches_selector({"n": "5"}, "n<3")
    for broken in ("app=web=x", "!app=web", "app in (web", ",app"):
        with pytest.raises(BuildError):
            matches_selector(labels, broken)
