"""Converting a Kustomize tree (tests/fixtures/kustomize/tree: a base and two overlays) into
KCL: every kustomization's file renders what `kubectl kustomize` renders for it (the oracle),
the lock maps each kustomization to its file, and an overlay writes only what it changes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import kcl_lib.api as kcl
import pytest

from openapi_tool.cli import main
from openapi_tool.convert.read import parse_values
from openapi_tool.kcl_compile import external_packages, external_pkgs

from ..conftest import ROOT
from .helpers import run_kubectl

TREE = ROOT / "tests" / "fixtures" / "kustomize" / "tree"
SCHEMAS = ROOT / "generated" / "mini-k8s"
KUSTOMIZATIONS = {
    "base": "base/kustomization.k",
    "overlays/dev": "overlays/dev/kustomization.k",
    "overlays/prod": "overlays/prod/kustomization.k",
}


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tree") / "kcl"
    assert main(["convert", str(TREE), "-o", str(out), "--schemas", str(SCHEMAS), "-q"]) == 0
    return out


def kcl_documents(out: Path, entry: str) -> list:
    external = external_pkgs(external_packages(out))
    args = kcl.ExecProgramArgs(k_filename_list=[str(out / entry)], work_dir=str(out), external_pkgs=external)
    result = kcl.API().exec_program(args)
    assert not result.err_message, result.err_message
    return [d for d in parse_values(result.yaml_result) if d is not None]


def kubectl_documents(directory: Path) -> list:
    """What `kubectl kustomize directory` prints, read as kcl's output is read."""
    done = run_kubectl(directory)
    assert done.returncode == 0, done.stderr
    return [d for d in parse_values(done.stdout) if d is not None]


@pytest.mark.parametrize("directory", sorted(KUSTOMIZATIONS))
def test_each_kustomization_renders_what_kubectl_kustomize_renders(converted: Path, directory: str) -> None:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed: no oracle for kustomize's output")
    wanted = kubectl_documents(TREE / directory)
    assert kcl_documents(converted, KUSTOMIZATIONS[directory]) == wanted


def test_the_lock_maps_each_kustomization_to_its_file(converted: Path) -> None:
    lock = json.loads((converted / "openapi-tool.lock").read_text())
    assert lock["kustomizations"] == KUSTOMIZATIONS


def test_each_resource_is_written_once_and_an_overlay_writes_its_changes(converted: Path) -> None:
    texts = {p.relative_to(converted).as_posix(): p.read_text() for p in converted.rglob("*.k")}
    assert sum(text.count("containerPort") for text in texts.values()) == 1, "the Deployment is written once"
    dev = texts["overlays/dev/kustomization.k"]
    assert "import base as _base" in dev
    assert '"1.27-alpine"' in dev.replace("nginx:1.27-alpine", '"1.27-alpine"'), "the new image tag is written"
    assert "nginx:1.25" not in dev, "what the overlay does not change is not repeated"
    prod = texts["overlays/prod/kustomization.k"]
    assert "replicas = 3" in prod and '"500m"' in prod
    assert "# The web front end" in texts["base/kustomization.k"], "comments of the resource files are kept"


def test_files_are_in_kcl_fmt_form(converted: Path) -> None:
    for path in converted.rglob("*.k"):
        text = path.read_text()
        formatted = kcl.API().format_code(kcl.FormatCodeArgs(source=text)).formatted
        assert (formatted.decode() if isinstance(formatted, bytes) else formatted) == text, path


def test_a_kustomization_that_cannot_be_converted_is_one_warning_and_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(TREE, tree)
    (tree / "charts").mkdir()
    (tree / "charts" / "kustomization.yaml").write_text("helmCharts:\n  - name: redis\n    repo: https://example.com\n")
    out = tmp_path / "kcl"
    assert main(["convert", str(tree), "-o", str(out), "--schemas", str(SCHEMAS)]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "charts" in line]
    assert len(warnings) == 1 and "helmCharts" in warnings[0], warnings
    lock = json.loads((out / "openapi-tool.lock").read_text())
    assert lock["kustomizations"] == KUSTOMIZATIONS


def test_verify_compares_with_kubectl(converted: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed")
    out = tmp_path / "kcl"
    assert main(["convert", str(TREE), "-o", str(out), "--schemas", str(SCHEMAS), "--verify"]) == 0
    assert "verified 3/3 kustomizations: kcl-lib renders what kubectl kustomize renders" in capsys.readouterr().err


def test_verify_names_an_entry_that_no_longer_renders_what_kustomize_renders(converted: Path, tmp_path: Path) -> None:
    from openapi_tool.convert.kustomize.verify import verify_tree

    out = tmp_path / "kcl"
    shutil.copytree(converted, out)
    dev = out / "overlays/dev/kustomization.k"
    dev.write_text(dev.read_text().replace("1.27-alpine", "1.28-alpine"))
    lock = json.loads((out / "openapi-tool.lock").read_text())
    expected = {entry: [] for entry in lock["kustomizations"].values()}
    report = verify_tree(TREE, out, lock["kustomizations"], expected)
    if shutil.which("kubectl") is None:
        assert not report.ok  # the computed documents were given as none at all
        return
    assert not report.ok
    failing = [line for line in report.lines if "differs" in line]
    assert len(failing) == 1 and "overlays/dev/kustomization.k" in failing[0] and "image" in failing[0], report.lines


def test_the_readme_shows_the_dev_overlay_as_converted(converted: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```kcl\n(.*?)```", readme, flags=re.S) if "import base as _base" in b]
    assert blocks == [(converted / "overlays/dev/kustomization.k").read_text()]


def test_an_entry_whose_changes_do_not_render_is_written_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from openapi_tool.convert.kustomize import entries

    monkeypatch.setattr(entries, "changed", lambda ref, old, new, indent: ref)  # every change lost
    out = tmp_path / "kcl"
    assert main(["convert", str(TREE), "-o", str(out), "--schemas", str(SCHEMAS)]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "written in full" in line]
    assert len(warnings) == 3, warnings  # the base (labels, hash names) and both overlays
    dev = (out / "overlays/dev/kustomization.k").read_text()
    assert "_base" not in dev and '"nginx:1.27-alpine"' in dev
    if shutil.which("kubectl") is not None:
        assert kcl_documents(out, KUSTOMIZATIONS["overlays/dev"]) == kubectl_documents(TREE / "overlays/dev")


def test_a_second_run_writes_nothing(converted: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "kcl"
    shutil.copytree(converted, out)
    assert main(["convert", str(TREE), "-o", str(out), "--schemas", str(SCHEMAS)]) == 0
    assert "0 files written, 4 unchanged, 0 removed" in capsys.readouterr().err


def test_folder_names_that_are_not_identifiers_are_mapped(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(TREE / "base", tree / "base")
    for name in ("dev-kind", "dev_kind", "schema", "1.21+"):
        (tree / name).mkdir()
        (tree / name / "kustomization.yaml").write_text(f"resources:\n  - ../base\nnamePrefix: {name[:3]}-\n")
    out = tmp_path / "kcl"
    assert main(["convert", str(tree), "-o", str(out), "--schemas", str(SCHEMAS), "-q"]) == 0
    lock = json.loads((out / "openapi-tool.lock").read_text())
    entries = lock["kustomizations"]
    assert len(set(entries.values())) == 5
    assert all(
        re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*/kustomization\.k", e) for e in entries.values()
    )
    if shutil.which("kubectl") is not None:
        for directory, entry in entries.items():
            assert kcl_documents(out, entry) == kubectl_documents(tree / directory), directory


def test_crds_of_the_tree_type_its_custom_resources(tmp_path: Path) -> None:
    tree = ROOT / "tests" / "fixtures" / "kustomize" / "crds"
    out = tmp_path / "kcl"
    assert main(["convert", str(tree), "-o", str(out), "--schemas", str(SCHEMAS), "--crds", "-q"]) == 0
    samples = (out / "samples/kustomization.k").read_text()
    assert "import kcl_crds.example_com.v1 as example" in samples and "example.Gadget {" in samples
    assert (out / "_crds" / "kcl.mod").is_file() and 'kcl_crds = { path = "_crds" }' in (out / "kcl.mod").read_text()
    lock = json.loads((out / "openapi-tool.lock").read_text())
    assert sorted(lock["kustomizations"]) == ["crd", "default", "samples"]
    if shutil.which("kubectl") is not None:
        for directory, entry in lock["kustomizations"].items():
            assert kcl_documents(out, entry) == kubectl_documents(tree / directory), directory


def test_options_for_the_other_kind_of_input_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifests = ROOT / "tests" / "fixtures" / "convert" / "manifests"
    assert main(["convert", str(manifests), "-o", str(tmp_path / "a"), "--crds"]) == 2
    assert main(["convert", str(TREE), "-o", str(tmp_path / "b"), "--layout", "resource"]) == 2
    err = capsys.readouterr().err
    assert "--crds goes with" in err and "--layout is for manifest files" in err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
