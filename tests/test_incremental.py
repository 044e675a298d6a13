"""Incremental regeneration (openapi_tool/regen/incremental.py): after some CRD files change,
only they (and files sharing a package with them) are parsed, and the output directory ends
byte for byte as a cold run into an empty directory leaves it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import openapi_tool.inputs
import openapi_tool.parallel
import openapi_tool.regen.incremental
from openapi_tool.cli import main

from .conftest import ROOT


def _crd(
    group: str,
    kind: str,
    versions: tuple[str, ...] = ("v1",),
    field: str = "size",
    rule: str | None = None,
    unserved: tuple[str, ...] = (),
) -> str:
    rules = f"\n              x-kubernetes-validations:\n                - rule: {json.dumps(rule)}" if rule else ""
    blocks = "".join(
        f"""
    - name: {version}
      served: {str(version not in unserved).lower()}
      storage: {str(version == versions[0]).lower()}
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object{rules}
              properties:
                {field}: {{type: integer, minimum: 1}}
                inner:
                  type: object
                  properties:
                    note: {{type: string, maxLength: 20}}"""
        for version in versions
    )
    plural = kind.lower() + "s"
    return f"""apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: {plural}.{group}
spec:
  group: {group}
  scope: Namespaced
  names: {{kind: {kind}, plural: {plural}}}
  versions:{blocks}
"""


FILES = {
    "a.yaml": _crd("alpha.example.com", "Apple", rule="self.size > 0"),
    "b.yaml": _crd("alpha.example.com", "Banana", ("v1", "v2")),  # shares alpha.example.com/v1 with a.yaml
    "c.yaml": _crd("cherry.example.org", "Cherry"),
    "d.yaml": _crd("dates.example.net", "Date", ("v1beta1",)),
}


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _gen(sources: Path, out: Path, *extra: str) -> None:
    args = [a for path in sorted(sources.glob("*.yaml")) for a in ("--crd", str(path))]
    assert main(["gen", "-q", *args, *extra, "-o", str(out)]) == 0


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Sources written from FILES, an output generated from them, and a log of the files each
    later run parses."""
    sources = tmp_path / "src"
    sources.mkdir()
    for name, text in FILES.items():
        (sources / name).write_text(text, encoding="utf-8")
    out = tmp_path / "one" / "module"
    _gen(sources, out)
    parsed: list[list[str]] = []
    real = openapi_tool.inputs.read_sources

    def spy(crd_paths, spec_paths, cluster=None, exclude=()):
        parsed.append(sorted(Path(p).name for p in crd_paths))
        return real(crd_paths, spec_paths, cluster, exclude)

    monkeypatch.setattr(openapi_tool.inputs, "read_sources", spy)
    return sources, out, parsed


def _same_as_cold(sources: Path, out: Path, tmp_path: Path) -> None:
    cold = tmp_path / "cold" / "module"  # the same directory name: the module name follows it
    _gen(sources, cold)
    expected, actual = _tree(cold), _tree(out)
    assert sorted(actual) == sorted(expected)
    assert [p for p in expected if expected[p] != actual[p]] == []


def test_one_changed_file_is_parsed_alone(project, tmp_path: Path) -> None:
    sources, out, parsed = project
    (sources / "c.yaml").write_text(_crd("cherry.example.org", "Cherry", field="weight"), encoding="utf-8")
    _gen(sources, out)
    assert parsed == [["c.yaml"]]
    _same_as_cold(sources, out, tmp_path)


def test_kept_files_checked_in_a_child_and_the_drift_check(project, tmp_path: Path, monkeypatch) -> None:
    """The kept files are checked against the lock by a forked child while the changed file is
    rendered; `--check` compares every file, kept ones read back from the output."""
    if not openapi_tool.parallel.available():
        pytest.skip("no fork here: the kept files are checked in this process")
    monkeypatch.setattr(openapi_tool.regen.incremental, "CHECK_APART", 0)
    sources, out, parsed = project
    (sources / "c.yaml").write_text(_crd("cherry.example.org", "Cherry", field="weight"), encoding="utf-8")
    args = [a for path in sorted(sources.glob("*.yaml")) for a in ("--crd", str(path))]
    assert main(["gen", "-q", "--check", *args, "-o", str(out)]) == 1
    assert parsed == [["c.yaml"]]
    _gen(sources, out)
    assert parsed == [["c.yaml"], ["c.yaml"]]
    _same_as_cold(sources, out, tmp_path)


def test_a_file_sharing_a_package_is_parsed_with_the_changed_one(project, tmp_path: Path) -> None:
    sources, out, parsed = project
    (sources / "a.yaml").write_text(_crd("alpha.example.com", "Apple", rule="self.size > 1"), encoding="utf-8")
    _gen(sources, out)
    assert parsed == [["a.yaml", "b.yaml"]]
    _same_as_cold(sources, out, tmp_path)


def test_added_and_removed_files(project, tmp_path: Path) -> None:
    sources, out, parsed = project
    (sources / "d.yaml").unlink()
    (sources / "e.yaml").write_text(_crd("elder.example.io", "Elder", ("v1", "v1alpha1")), encoding="utf-8")
    _gen(sources, out)
    assert parsed == [["e.yaml"]]
    assert not (out / "dates_example_net").exists()
    _same_as_cold(sources, out, tmp_path)


def test_a_kind_moving_between_files(project, tmp_path: Path) -> None:
    sources, out, parsed = project
    (sources / "d.yaml").unlink()
    (sources / "c.yaml").write_text(_crd("dates.example.net", "Date", ("v1beta1",)), encoding="utf-8")
    _gen(sources, out)
    assert parsed == [["c.yaml"]]
    _same_as_cold(sources, out, tmp_path)


def test_directories_differing_in_case_or_number_are_rendered_together(project, tmp_path: Path) -> None:
    sources, out, parsed = project
    (sources / "c.yaml").write_text(_crd("Dates.example.net", "Cherry", ("v1beta1",)), encoding="utf-8")
    _gen(sources, out)
    assert parsed == [["c.yaml"], ["c.yaml", "d.yaml"]]  # c's new directory is known once it is rendered
    _same_as_cold(sources, out, tmp_path)


@pytest.mark.parametrize("checked_apart", [False, True], ids=["checked-here", "checked-in-a-child"])
def test_an_edited_generated_file_means_a_full_run(
    project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, checked_apart: bool
) -> None:
    if checked_apart:
        if not openapi_tool.parallel.available():
            pytest.skip("no fork here: the kept files are checked in this process")
        monkeypatch.setattr(openapi_tool.regen.incremental, "CHECK_APART", 0)
    sources, out, parsed = project
    edited = next((out / "dates_example_net").rglob("*.k"))
    edited.write_text("# edited\n", encoding="utf-8")
    (sources / "c.yaml").write_text(_crd("cherry.example.org", "Cherry", field="weight"), encoding="utf-8")
    _gen(sources, out, "--force")  # without --force, gen refuses to replace the edited file
    assert parsed[-1] == ["a.yaml", "b.yaml", "c.yaml", "d.yaml"]
    _same_as_cold(sources, out, tmp_path)


def test_a_changed_file_that_no_longer_parses_writes_nothing(project, capsys: pytest.CaptureFixture[str]) -> None:
    sources, out, parsed = project
    before = _tree(out)
    (sources / "c.yaml").write_text("apiVersion: [unclosed\n", encoding="utf-8")
    args = [a for path in sorted(sources.glob("*.yaml")) for a in ("--crd", str(path))]
    assert main(["gen", "-q", *args, "-o", str(out)]) != 0
    assert "c.yaml" in capsys.readouterr().err
    assert _tree(out) == before


def test_the_lock_records_each_files_share_only_for_several_files() -> None:
    lock = json.loads((ROOT / "generated" / "widgets" / "openapi-tool.lock").read_text(encoding="utf-8"))
    assert "parts" not in lock  # one source: nothing to keep on a change, goldens unchanged


def test_a_hand_edited_lock_means_a_full_run(project, tmp_path: Path) -> None:
    sources, out, parsed = project
    lock_path = out / "openapi-tool.lock"
    lock = json.loads(lock_path.read_text(encoding="utf-8"))
    del next(iter(lock["parts"].values()))["counts"]
    lock_path.write_text(json.dumps(lock), encoding="utf-8")
    (sources / "c.yaml").write_text(_crd("cherry.example.org", "Cherry", field="weight"), encoding="utf-8")
    _gen(sources, out)
    assert parsed == [["a.yaml", "b.yaml", "c.yaml", "d.yaml"]]
    _same_as_cold(sources, out, tmp_path)


def _unserved(out: Path) -> list[tuple[str, str, str]]:
    summary = json.loads((out / "openapi-tool.lock").read_text(encoding="utf-8"))["summary"]
    return [(u["api_version"], u["kind"], Path(u["source"].split("#")[0]).name) for u in summary["unserved"]]


def test_unserved_versions_of_kept_files_stay_listed(project, tmp_path: Path) -> None:
    sources, out, parsed = project
    (sources / "f.yaml").write_text(_crd("fig.example.io", "Fig", ("v1", "v1beta1"), unserved=("v1beta1",)))
    _gen(sources, out)
    (sources / "c.yaml").write_text(_crd("cherry.example.org", "Cherry", field="weight"), encoding="utf-8")
    parsed.clear()
    _gen(sources, out)
    assert parsed == [["c.yaml"]]
    assert _unserved(out) == [("fig.example.io/v1beta1", "Fig", "f.yaml")]
    _same_as_cold(sources, out, tmp_path)


def test_a_changed_file_serving_a_kind_a_kept_file_does_not_serve(project, tmp_path: Path) -> None:
    sources, out, parsed = project
    (sources / "f.yaml").write_text(_crd("fig.example.io", "Fig", ("v1", "v1beta1"), unserved=("v1beta1",)))
    _gen(sources, out)
    assert _unserved(out) == [("fig.example.io/v1beta1", "Fig", "f.yaml")]
    (sources / "g.yaml").write_text(_crd("fig.example.io", "Fig", ("v1beta1",)).replace("figs.", "figs2."))
    parsed.clear()
    _gen(sources, out)
    assert parsed == [["g.yaml"]]  # fig_example_io/v1beta1 is a package of its own: f.yaml is kept
    assert _unserved(out) == []
    _same_as_cold(sources, out, tmp_path)


def test_an_unserved_version_listed_from_a_later_file_when_the_earlier_one_drops_it(project, tmp_path) -> None:
    sources, out, parsed = project
    (sources / "e.yaml").write_text(_crd("gum.example.io", "Gum", ("v1", "v1beta1"), unserved=("v1beta1",)))
    (sources / "f.yaml").write_text(_crd("fig.example.io", "Fig", ("v1", "v1beta1"), unserved=("v1beta1",)))
    (sources / "g.yaml").write_text(_crd("gum.example.io", "Gum", ("v1beta1",), unserved=("v1beta1",)))
    _gen(sources, out)
    assert _unserved(out) == [("gum.example.io/v1beta1", "Gum", "e.yaml"), ("fig.example.io/v1beta1", "Fig", "f.yaml")]
    (sources / "e.yaml").write_text(_crd("gum.example.io", "Gum", ("v1",)))
    parsed.clear()
    _gen(sources, out)
    assert parsed == [["e.yaml"]]
    assert _unserved(out) == [("fig.example.io/v1beta1", "Fig", "f.yaml"), ("gum.example.io/v1beta1", "Gum", "g.yaml")]
    _same_as_cold(sources, out, tmp_path)
