"""Generated modules meeting in one program, and what their kcl.mod says.

A CRD module keeps its copy of the meta/v1 types as a module of its own (`vendor/k8s`,
named `k8s`) reached by a path dependency: alone it compiles offline; in a program that
depends on a `k8s` module too, that one takes its place. The oracle is kcl-lib itself
(`update_dependencies` resolves the dependencies, `exec_program` runs the program) and
PyYAML / tomllib read what it renders and what the tool wrote.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import kcl_lib.api as kcl
import pytest
import yaml

from openapi_tool.cli import main
from openapi_tool.output import LOCK
from openapi_tool.verify import compile_module

from .conftest import ROOT
from .fake_apiserver import api_server, routes_for

WIDGETS = str(ROOT / "specs" / "crds" / "widgets.example.com.yaml")
MINI = ROOT / "specs" / "k8s" / "mini-swagger.json"

WIDGET = """\
w = widgets.Widget {
    metadata.name = "w"
    spec = {$type = "Basic", minReplicas = 1, maxReplicas = 3}
}
"""
# LabelSelector is in the generated k8s module's meta/v1 but not in the bundled copy: the
# program compiles only when its own k8s module took the place of the CRD module's copy.
K8S_AND_WIDGET = """\
import k8s.api.apps.v1 as apps
import k8s.apimachinery.pkg.apis.meta.v1 as metav1
import widgets.widgets_example_com.v1 as widgets

d = apps.Deployment {
    metadata.name = "web"
    spec = {selector = {matchLabels.app = "web"}, template = {metadata.labels.app = "web"}}
}
sel = metav1.LabelSelector {matchLabels.app = "web"}
""" + WIDGET


def _gen(*args: str) -> None:
    assert main(["gen", "-q", *args]) == 0


def _mod(root: Path) -> dict:
    return tomllib.loads((root / "kcl.mod").read_text(encoding="utf-8"))


def _program(root: Path, dependencies: dict[str, str], source: str) -> Path:
    root.mkdir(parents=True)
    lines = ["[package]", 'name = "program"', 'version = "0.0.1"', "", "[dependencies]"]
    lines += [f"{name} = {spec}" for name, spec in dependencies.items()]
    (root / "kcl.mod").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "main.k").write_text(source, encoding="utf-8")
    return root


def _run(program: Path) -> tuple[dict[str, str], str, str]:
    """kcl-lib's resolved dependencies (name -> absolute path), error and YAML of main.k."""
    api = kcl.API()
    external = api.update_dependencies(kcl.UpdateDependenciesArgs(manifest_path=str(program))).external_pkgs
    resolved = {p.pkg_name: str(Path(p.pkg_path).resolve()) for p in external}
    assert len(resolved) == len(external), f"a dependency resolved twice: {[(p.pkg_name, p.pkg_path) for p in external]}"
    try:
        result = api.exec_program(kcl.ExecProgramArgs(k_filename_list=[str(program / "main.k")], work_dir=str(program), external_pkgs=external))
    except Exception as error:  # kcl-lib raises for resolution and type errors
        return resolved, str(error), ""
    return resolved, result.err_message, result.yaml_result


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A `k8s` module as kcl-lang publishes it (name k8s, version 1.31.2) and a default CRD module."""
    root = tmp_path_factory.mktemp("modules")
    _gen("--spec", str(MINI), "--module-version", "1.31.2", "-o", str(root / "k8s"))
    _gen("--crd", WIDGETS, "-o", str(root / "widgets"))
    return root


def test_crd_module_carries_its_k8s_copy_as_a_module_of_its_own(modules: Path) -> None:
    crds = modules / "widgets"
    assert not (crds / "k8s").exists()
    assert _mod(crds)["dependencies"] == {"k8s": {"path": "vendor/k8s"}}
    assert _mod(crds / "vendor" / "k8s")["package"] == {"name": "k8s", "version": "1.35.0"}
    assert (crds / "vendor/k8s/apimachinery/pkg/apis/meta/v1/object_meta.k").is_file()
    assert [(r.package, r.error) for r in compile_module(crds) if r.error] == []


def test_crd_module_alone_compiles_and_renders_offline(modules: Path, tmp_path: Path) -> None:
    program = _program(tmp_path / "program", {"widgets": '{ path = "%s" }' % (modules / "widgets")},
                       "import widgets.widgets_example_com.v1 as widgets\n\n" + WIDGET)
    resolved, error, output = _run(program)
    assert error == ""
    assert resolved["k8s"] == str((modules / "widgets" / "vendor" / "k8s").resolve())
    assert yaml.safe_load(output)["w"]["metadata"] == {"name": "w"}


@pytest.mark.parametrize("k8s_dependency", ['{ path = "../k8s" }', '{ path = "../k8s", version = "1.31.2" }'])
def test_program_with_a_k8s_module_and_a_crd_module_compiles(modules: Path, k8s_dependency: str) -> None:
    program = modules / f"program{len(k8s_dependency)}"
    _program(program, {"k8s": k8s_dependency, "widgets": '{ path = "../widgets" }'}, K8S_AND_WIDGET)
    resolved, error, output = _run(program)
    assert error == ""
    assert resolved == {"k8s": str((modules / "k8s").resolve()), "widgets": str((modules / "widgets").resolve())}
    rendered = yaml.safe_load(output)
    assert rendered["d"]["kind"] == "Deployment"
    assert rendered["sel"] == {"matchLabels": {"app": "web"}}
    assert rendered["w"]["apiVersion"] == "widgets.example.com/v1"
    assert rendered["w"]["spec"]["minReplicas"] == 1


def test_a_copy_inside_the_crd_module_root_is_what_kcl_rejects(modules: Path, tmp_path: Path) -> None:
    """The layout this replaces: the same program fails when the copy is a package of the CRD module."""
    old = tmp_path / "widgets"
    shutil.copytree(modules / "widgets", old)
    shutil.move(old / "vendor" / "k8s" / "apimachinery", old / "k8s" / "apimachinery")
    (old / "kcl.mod").write_text('[package]\nname = "widgets"\nversion = "0.0.1"\n', encoding="utf-8")
    (tmp_path / "k8s").symlink_to(modules / "k8s")
    program = _program(tmp_path / "program", {"k8s": '{ path = "../k8s" }', "widgets": '{ path = "../widgets" }'}, K8S_AND_WIDGET)
    _, error, _ = _run(program)
    assert "found multiple times" in error


def test_a_module_of_specs_and_crds_named_k8s_works_alone_and_as_a_dependency(tmp_path: Path) -> None:
    """What `gen --from-cluster -o k8s/` writes: the API, CRDs and their vendored copy in one module."""
    mixed = tmp_path / "k8s"
    _gen("--spec", str(MINI), "--crd", WIDGETS, "-o", str(mixed))
    assert _mod(mixed)["package"]["name"] == "k8s"
    assert [(r.package, r.error) for r in compile_module(mixed) if r.error] == []
    source = K8S_AND_WIDGET.replace("import widgets.widgets_example_com", "import k8s.widgets_example_com")
    _, error, output = _run(_program(tmp_path / "program", {"k8s": '{ path = "../k8s" }'}, source))
    assert error == ""
    assert yaml.safe_load(output)["w"]["kind"] == "Widget"


def test_regenerating_an_output_of_the_old_layout_moves_the_copy(tmp_path: Path) -> None:
    """An output written before vendor/ existed: its generated k8s/ files go, a user's file stays."""
    out = tmp_path / "widgets"
    _gen("--crd", WIDGETS, "-o", str(out))
    lock = json.loads((out / LOCK).read_text())
    (out / "vendor" / "k8s" / "kcl.mod").unlink()
    shutil.move(out / "vendor" / "k8s", out / "k8s")
    (out / "vendor").rmdir()
    lock["files"] = {name.removeprefix("vendor/"): digest for name, digest in lock["files"].items() if name != "vendor/k8s/kcl.mod"}
    lock["sources"] = {}  # an older run: nothing may be skipped as untouched
    (out / LOCK).write_text(json.dumps(lock), encoding="utf-8")
    (out / "k8s" / "NOTES.md").write_text("mine\n", encoding="utf-8")
    _gen("--crd", WIDGETS, "-o", str(out))
    assert sorted(p.name for p in (out / "k8s").rglob("*")) == ["NOTES.md"]
    assert (out / "vendor/k8s/apimachinery/pkg/apis/meta/v1/object_meta.k").is_file()
    assert [(r.package, r.error) for r in compile_module(out) if r.error] == []
    assert main(["gen", "-q", "--crd", WIDGETS, "-o", str(out), "--check"]) == 0


@pytest.mark.parametrize("with_k8s", [False, True])
def test_convert_with_a_default_crd_module_runs_back(modules: Path, tmp_path: Path, with_k8s: bool) -> None:
    manifests = tmp_path / "web.yaml"
    documents = [{"apiVersion": "widgets.example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
                  "spec": {"type": "Basic", "replicas": 2, "minReplicas": 1, "maxReplicas": 3}}]
    if with_k8s:
        documents.append({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                          "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web"}}}}})
    manifests.write_text(yaml.safe_dump_all(documents), encoding="utf-8")
    schemas = ["--schemas", str(modules / "widgets")] + (["--schemas", str(modules / "k8s")] if with_k8s else [])
    out = tmp_path / "kcl"
    assert main(["convert", "-q", str(manifests), "-o", str(out), *schemas, "--verify"]) == 0
    text = (out / "web.k").read_text()
    assert "widgets.Widget {" in text
    assert ("apps.Deployment {" in text) == with_k8s
    assert set(_mod(out)["dependencies"]) == ({"widgets", "k8s"} if with_k8s else {"widgets"})
