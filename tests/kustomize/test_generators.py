"""configMapGenerator / secretGenerator and the hash suffix, compared with `kubectl kustomize` on the same fixtures."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from openapi_tool.convert.kustomize.errors import BuildError
from openapi_tool.convert.kustomize.generators import apply_hash_suffixes, run_generators
from openapi_tool.convert.kustomize.hashing import content_hash
from openapi_tool.convert.kustomize.resource import Generated, Origin, Resource

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "kustomize" / "generators"
KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl (the kustomize oracle) is not installed")


def _kubectl(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KUBECTL, "kustomize", str(directory)], capture_output=True, text=True, check=False)


def _rendered(directory: Path) -> list[dict[str, Any]]:
    result = _kubectl(directory)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc is not None]


def _accumulate(directory: Path, root: Path = FIXTURES) -> list[Resource]:
    """Resources (files and sub-kustomizations) then generators, without transformers or the hash."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    resources: list[Resource] = []
    for entry in kustomization.get("resources", []):
        path = (directory / entry).resolve()
        if path.is_dir():
            resources += _accumulate(path, root)
            continue
        relative = path.relative_to(root).as_posix()
        docs = yaml.safe_load_all(path.read_text())
        resources += [Resource(doc, Origin("file", relative, i)) for i, doc in enumerate(docs)]
    run_generators(resources, kustomization, directory, directory.relative_to(root).as_posix())
    return resources


def _build(directory: Path, root: Path = FIXTURES) -> list[Resource]:
    resources = _accumulate(directory, root)
    apply_hash_suffixes(resources)
    return resources


def _by_id(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(docs, key=lambda d: (d["kind"], d["metadata"].get("namespace", ""), d["metadata"]["name"]))


@needs_kubectl
@pytest.mark.parametrize("case", ["literals", "files", "envs", "options", "merge/overlay"])
def test_documents_match_kubectl(case: str) -> None:
    directory = FIXTURES / case
    assert _by_id([r.data for r in _build(directory)]) == _by_id(_rendered(directory))


@needs_kubectl
def test_hash_is_taken_over_final_content_and_ignores_the_name() -> None:
    """The fixture's namePrefix and patch, done by hand, then the hash: names equal kubectl's."""
    directory = FIXTURES / "hash"
    resources = _accumulate(directory)
    patch = {"int": 42, "float": 1.5, "huge": 1.0e22, "tiny": 1e-7, "whole": 2.0, "flag": True}
    for resource in resources:
        resource.remember()
        resource.data["metadata"]["name"] = "pre-" + resource.name
        if resource.name == "pre-numbers":
            resource.data["data"].update(patch)
    apply_hash_suffixes(resources)
    expected = _rendered(directory)
    assert sorted((r.kind, r.name) for r in resources) == sorted((d["kind"], d["metadata"]["name"]) for d in expected)
    secret = next(r for r in resources if r.kind == "Secret")
    assert secret.data == next(d for d in expected if d["kind"] == "Secret")
    assert [i.name for i in secret.ids()] == ["odd", "pre-odd", secret.name]


def test_merge_keeps_the_old_resource_record() -> None:
    """Merge and replace change the resource in place: origin and position stay, the hash rule is recomputed."""
    resources = _accumulate(FIXTURES / "merge" / "overlay")
    by_name = {r.name: r for r in resources}
    assert [r.name for r in resources][:6] == ["plain", "gen", "nohash", "binary", "rep", "creds"]
    assert by_name["plain"].origin == Origin("file", "merge/base/plain.yaml", 0)
    assert by_name["plain"].generated == Generated("merge", hash_suffix=False)
    assert by_name["gen"].origin == Origin("generated", "merge/base", 0)
    assert by_name["gen"].generated == Generated("merge", hash_suffix=True)
    assert by_name["nohash"].generated == Generated("merge", hash_suffix=False)
    assert by_name["rep"].generated == Generated("replace", hash_suffix=True)
    assert by_name["twice"].origin == Origin("generated", "merge/overlay", 5)
    assert by_name["twice"].generated == Generated("merge", hash_suffix=False)
    assert by_name["fresh"].origin == Origin("generated", "merge/overlay", 8)


def test_content_hash_matches_kustomize_test_vectors() -> None:
    """Hashes of documents written by hand, checked once with kubectl (see the literals fixture)."""
    assert content_hash({"kind": "Secret", "type": "Opaque", "data": {}}) == "46f8b28mk5"
    assert content_hash({"kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"a": "1"}}) == "h29d89cmmt"
    assert content_hash({"kind": "ConfigMap", "metadata": {"name": "other"}, "data": {"a": "1"}}) == "h29d89cmmt"


ERROR_CASES = {
    "repeated key": ("configMapGenerator: [{name: c, literals: [a=1, a=2]}]", "illegally repeats the key `a`"),
    "merge without target": ("configMapGenerator: [{name: c, behavior: merge, literals: [a=1]}]", "does not exist"),
    "create over existing": (
        "configMapGenerator: [{name: c, literals: [a=1]}, {name: c, literals: [b=1]}]",
        "behavior must be merge or replace",
    ),
    "no name": ("secretGenerator: [{literals: [a=1]}]", "a configmap must have a name"),
    "literal without =": ("configMapGenerator: [{name: c, literals: [novalue]}]", "expected key=value"),
    "literal with empty key": ("configMapGenerator: [{name: c, literals: ['=x']}]", "expected key=value"),
    "file outside": ("configMapGenerator: [{name: c, files: [../outside.txt]}]", "is not in or below"),
    "file missing": ("configMapGenerator: [{name: c, files: [missing.txt]}]", "missing.txt"),
    "directory": ("configMapGenerator: [{name: c, files: [sub]}]", "must resolve to a file"),
    "two = in file source": ("configMapGenerator: [{name: c, files: ['a=b=c']}]", "contains '='"),
    "unknown field": ("configMapGenerator: [{name: c, envSource: x.env}]", "unknown field"),
    "number name": ("configMapGenerator: [{name: 12}]", "cannot unmarshal number"),
    "number label": ("configMapGenerator: [{name: c, options: {labels: {a: 1}}}]", "cannot unmarshal number"),
}


@needs_kubectl
@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_refused_as_kubectl_refuses(case: str, tmp_path: Path) -> None:
    text, message = ERROR_CASES[case]
    (tmp_path / "outside.txt").write_text("x")
    directory = tmp_path / "k"
    (directory / "sub").mkdir(parents=True)
    (directory / "kustomization.yaml").write_text(text + "\n")
    result = _kubectl(directory)
    assert result.returncode != 0 and message in result.stderr
    with pytest.raises(BuildError, match=re.escape(message)):
        _build(directory, tmp_path)


@needs_kubectl
def test_env_file_reading_stops_at_a_line_of_64_kib(tmp_path: Path) -> None:
    """bufio.Scanner's limit: a 65535-byte line is read, a 65536-byte one ends the file without error."""
    (tmp_path / "fits.env").write_text("A=1\nLONG=" + "x" * 65530 + "\nB=2\n")
    (tmp_path / "stops.env").write_text("C=1\nLONG=" + "x" * 65531 + "\nD=2\n")
    entries = "- {name: fits, envs: [fits.env]}\n- {name: stops, envs: [stops.env]}\n"
    (tmp_path / "kustomization.yaml").write_text("configMapGenerator:\n" + entries)
    assert _by_id([r.data for r in _build(tmp_path, tmp_path)]) == _by_id(_rendered(tmp_path))
