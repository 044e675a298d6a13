"""The build core (resources, bases, components, List documents, order, load restrictor) against kubectl."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openapi_tool.convert.kustomize.build import build
from openapi_tool.convert.kustomize.errors import BuildError, Unsupported
from openapi_tool.convert.kustomize.load import find_kustomization, load_documents
from openapi_tool.convert.kustomize.oracle import render
from openapi_tool.convert.kustomize.resource import Origin

from .helpers import FIXTURE_ROOT, needs_kubectl

FIXTURES = FIXTURE_ROOT / "core"


@needs_kubectl
@pytest.mark.parametrize(
    "name", ["base", "overlay", "fifo", "custom-order", "scalars", "annotations", "over-fifo", "bases-order"]
)
def test_build_equals_kubectl(name: str) -> None:
    directory = FIXTURES / name
    assert _typed([r.data for r in build(directory, FIXTURES)]) == _typed(render(directory))


@needs_kubectl
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("restrictor", "is not in or below"),
        ("cycle", "cycle detected"),
        ("ambiguous-var", "found 2 resId matches"),
    ],
)
def test_refused_like_kubectl(name: str, message: str) -> None:
    with pytest.raises(BuildError, match=message):
        render(FIXTURES / name)
    with pytest.raises(BuildError, match=message):
        build(FIXTURES / name, FIXTURES)


def _typed(documents: list) -> list:
    """The documents with each scalar's type kept, so that 1, 1.0 and True differ."""
    return [json.dumps(d, sort_keys=True) for d in documents]


def test_origins() -> None:
    resources = build(FIXTURES / "overlay", FIXTURES)
    by_name = {(r.kind, r.name): r.origin for r in resources}
    assert by_name[("CronJob", "nightly")] == Origin("file", "overlay/extra.yaml", 0)
    assert by_name[("PodDisruptionBudget", "web")] == Origin("file", "component/pdb.yaml", 0)
    assert by_name[("Deployment", "web")] == Origin("kustomization", "base", 0)
    assert by_name[("Secret", "nested")].kind == "kustomization"


@needs_kubectl
def test_directory_without_kustomization_like_kubectl(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources:\n- child\n")
    (tmp_path / "child").mkdir()
    with pytest.raises(BuildError) as oracle:
        render(tmp_path)
    with pytest.raises(BuildError) as ours:
        build(tmp_path, tmp_path)
    expected = str(oracle.value)
    assert str(ours.value) in expected and str(ours.value).startswith("unable to find one of")


def test_several_kustomization_files(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: []\n")
    (tmp_path / "Kustomization").write_text("resources: []\n")
    with pytest.raises(BuildError, match="Found multiple kustomization files"):
        find_kustomization(tmp_path)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "kustomization.yaml is empty"),
        ("foo: 1\n", 'unknown field "foo"'),
        ("resources:\n- https://github.com/org/repo/base?ref=v1\n", "remote resources"),
        ("helmCharts:\n- name: x\n", "helmCharts"),
        ("transformers:\n- t.yaml\n", "transformers"),
    ],
)
def test_refused_kustomizations(tmp_path: Path, text: str, error: str) -> None:
    (tmp_path / "kustomization.yaml").write_text(text)
    with pytest.raises((BuildError, Unsupported), match=error):
        build(tmp_path, tmp_path)


@needs_kubectl
@pytest.mark.parametrize(
    "text",
    [
        "",
        "bases: []\n",
        "foo: 1\n",
        "resources: foo.yaml\n",
        "resources:\n- 1\n",
        "commonLabels:\n  a: yes\n",
        "images:\n- 3\n",
        "kind: Kustomisation\n",
        "resources:\n- missing.yaml\n",
    ],
)
def test_kustomization_errors_like_kubectl(tmp_path: Path, text: str) -> None:
    (tmp_path / "kustomization.yaml").write_text(text)
    with pytest.raises(BuildError) as oracle:
        render(tmp_path)
    with pytest.raises(BuildError) as ours:
        build(tmp_path, tmp_path)
    if "missing.yaml" in text:
        assert "no such file or directory" in str(oracle.value) and "no such file or directory" in str(ours.value)
    else:
        assert str(ours.value) == str(oracle.value)


def test_alias_values_are_copies() -> None:
    """kustomize writes an aliased value out as a copy: changing one place must not change the other."""
    text = "kind: ConfigMap\nmetadata:\n  name: a\n  labels: &l {app: x}\ndata: *l\n"
    document = load_documents(text)[0]
    document["data"]["extra"] = "1"
    assert document["metadata"]["labels"] == {"app": "x"}
