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
from pathlib import Path

import kcl_lib.api as kcl
import pytest
import tomllib
import yaml

from openapi_tool.cli import main
from openapi_tool.kcl_compile import compile_module
from openapi_tool.output import LOCK

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
K8S_AND_WIDGET = (
    """\
import k8s.api.apps.v1 as apps
import k8s.apimachinery.pkg.apis.meta.v1 as metav1
import widgets.widgets_example_com.v1 as widgets

d = apps.Deployment {
    metadata.name = "web"
    spec = {selector = {matchLabels.app = "web"}, template = {metadata.labels.app = "web"}}
}
sel = metav1.LabelSelector {matchLabels.app = "web"}
"""
    + WIDGET
)


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
    assert len(resolved) == len(external), (
        f"a dependency resolved twice: {[(p.pkg_name, p.pkg_path) for p in external]}"
    )
    try:
        result = api.exec_program(
            kcl.ExecProgramArgs(
                k_filename_list=[str(program / "main.k")], work_dir=str(program), external_pkgs=external
            )
        )
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
    program = _program(
        tmp_path / "program",
        {"widgets": '{ path = "%s" }' % (modules / "widgets")},
        "import widgets.widgets_example_com.v1 as widgets\n\n" + WIDGET,
    )
    resolved, error, output = _run(program)
    assert error == ""
    assert resolved["k8s"] == str((modules / "widgets" / "vendor" / "k8s").resolve())
    assert yaml.safe_load(output)["w"]["metadata"] == {"name": "w"}


@pytest.mark.parametrize("k8s_dependency", ['{ path = "../k8s" }', '{ path = "../k8s", version = "1.31.2" }'])
def test_program_with_a_k8s_module_and_a_crd_module_compiles(modules: Path, k8s_dependency: str) -> None:
    program = modules / ("program-versioned" if "version" in k8s_dependency else "program")
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
    program = _program(
        tmp_path / "program", {"k8s": '{ path = "../k8s" }', "widgets": '{ path = "../widgets" }'}, K8S_AND_WIDGET
    )
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
    lock["files"] = {
        name.removeprefix("vendor/"): digest for name, digest in lock["files"].items() if name != "vendor/k8s/kcl.mod"
    }
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
    documents = [
        {
            "apiVersion": "widgets.example.com/v1",
            "kind": "Widget",
            "metadata": {"name": "w"},
            "spec": {"type": "Basic", "replicas": 2, "minReplicas": 1, "maxReplicas": 3},
        }
    ]
    if with_k8s:
        documents.append(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "web"},
                "spec": {
                    "selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}}},
                },
            }
        )
    manifests.write_text(yaml.safe_dump_all(documents), encoding="utf-8")
    schemas = ["--schemas", str(modules / "widgets")] + (["--schemas", str(modules / "k8s")] if with_k8s else [])
    out = tmp_path / "kcl"
    assert main(["convert", "-q", str(manifests), "-o", str(out), *schemas, "--verify"]) == 0
    text = (out / "web.k").read_text()
    assert "widgets.Widget {" in text
    assert ("apps.Deployment {" in text) == with_k8s
    assert set(_mod(out)["dependencies"]) == ({"widgets", "k8s"} if with_k8s else {"widgets"})


# --- versions the API server does not serve --------------------------------------------

TWO_VERSIONS = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: foos.x.io}
spec:
  group: x.io
  names: {kind: Foo, plural: foos}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {size: {type: integer}}}}}
  - name: v1beta1
    served: false
    storage: false
    schema:
      openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {size: {type: string}}}}}
"""


def _unserved_in(crd_text: str) -> set[str]:
    """The oracle: which versions the CRD itself marks `served: false` (read with PyYAML)."""
    crd = yaml.safe_load(crd_text)
    return {f"{crd['spec']['group']}/{v['name']}" for v in crd["spec"]["versions"] if v.get("served") is False}


def test_unserved_versions_are_left_out_and_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "foo.yaml"
    source.write_text(TWO_VERSIONS, encoding="utf-8")
    out, report_json, report_md = tmp_path / "out", tmp_path / "r.json", tmp_path / "r.md"
    assert (
        main(
            ["gen", "--crd", str(source), "-o", str(out), "--report-json", str(report_json), "--report", str(report_md)]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert (out / "x_io" / "v1" / "foo.k").is_file()
    assert not (out / "x_io" / "v1beta1").exists()
    listed = json.loads(report_json.read_text())["outputs"][0]["unserved"]
    assert {u["api_version"] for u in listed} == _unserved_in(TWO_VERSIONS) == {"x.io/v1beta1"}
    assert listed[0]["kind"] == "Foo" and listed[0]["source"] == f"{source}#/spec/versions/1/served"
    assert "`x.io/v1beta1`" in report_md.read_text()
    assert "x.io/v1beta1 Foo is not served" in err and "1 unserved CRD versions left out" in err
    assert "x.io/v1beta1 Foo" not in json.loads((out / LOCK).read_text())["resources"]


def test_include_unserved_generates_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "foo.yaml"
    source.write_text(TWO_VERSIONS, encoding="utf-8")
    out, report_json = tmp_path / "out", tmp_path / "r.json"
    assert (
        main(["gen", "--crd", str(source), "-o", str(out), "--include-unserved", "--report-json", str(report_json)])
        == 0
    )
    assert "not served" not in capsys.readouterr().err
    assert (out / "x_io" / "v1beta1" / "foo.k").is_file()
    assert json.loads(report_json.read_text())["outputs"][0]["unserved"] == []
    assert [(r.package, r.error) for r in compile_module(out) if r.error] == []


def test_include_unserved_in_a_project_file(tmp_path: Path) -> None:
    (tmp_path / "foo.yaml").write_text(TWO_VERSIONS, encoding="utf-8")
    project = tmp_path / "openapi-tool.yaml"
    project.write_text(
        'jobs:\n  - output: out\n    crd: [foo.yaml]\n    include_unserved: true\n    module_version: "2.1.0"\n'
    )
    assert main(["regen", "-q", str(project)]) == 0
    assert (tmp_path / "out" / "x_io" / "v1beta1" / "foo.k").is_file()
    assert _mod(tmp_path / "out")["package"]["version"] == "2.1.0"
    project.write_text("jobs:\n  - output: out\n    crd: [foo.yaml]\n    module_version: 2.1\n")
    assert main(["regen", "-q", str(project)]) == 1


def test_a_crd_with_only_unserved_versions_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "foo.yaml"
    source.write_text(TWO_VERSIONS.replace("served: true", "served: false"), encoding="utf-8")
    assert main(["gen", "-q", "--crd", str(source), "-o", str(tmp_path / "out")]) == 1
    assert "served: false" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# --- module versions ---------------------------------------------------------------------


def _swagger_with_version(tmp_path: Path, version: str) -> str:
    spec = json.loads(MINI.read_text())
    spec["info"]["version"] = version
    path = tmp_path / f"swagger-{version}.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("info_version", "flag", "expected"),
    [
        ("v1.31.2", None, "1.31.2"),  # a real info.version
        ("unversioned", None, "0.0.1"),  # what the Kubernetes swagger files say
        ("v1", None, "0.0.1"),  # not a module version
        ("unversioned", "1.31.2", "1.31.2"),  # the flag
        ("v1.31.2", "v2.0.0-rc.1", "2.0.0-rc.1"),  # the flag wins, without its v
    ],
)
def test_module_version_from_spec_or_flag(tmp_path: Path, info_version: str, flag: str | None, expected: str) -> None:
    out = tmp_path / "k8s"
    _gen(
        "--spec",
        _swagger_with_version(tmp_path, info_version),
        "-o",
        str(out),
        *(["--module-version", flag] if flag else []),
    )
    assert _mod(out)["package"] == {"name": "k8s", "version": expected}


def test_module_version_flag_applies_to_crd_modules_and_is_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "crds"
    _gen("--crd", WIDGETS, "--module-version", "3.4.5", "-o", str(out))
    assert _mod(out)["package"]["version"] == "3.4.5"
    _gen("--crd", WIDGETS, "-o", str(out))
    assert _mod(out)["package"]["version"] == "0.0.1"
    assert main(["gen", "-q", "--crd", WIDGETS, "--module-version", "latest", "-o", str(tmp_path / "bad")]) == 2
    assert "not a semantic version" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


def test_a_cluster_module_takes_the_server_version(tmp_path: Path) -> None:
    with api_server(routes_for({}, [Path(WIDGETS)], MINI), tmp_path) as kubeconfig:
        out = tmp_path / "cluster"
        _gen("--from-cluster", "--kubeconfig", str(kubeconfig), "-o", str(out))
        pinned = tmp_path / "pinned"
        _gen("--from-cluster", "--kubeconfig", str(kubeconfig), "--module-version", "1.0.0", "-o", str(pinned))
    server = json.loads(routes_for({}, [], None)["/version"])["gitVersion"]
    assert server == "v1.35.0-test"
    assert _mod(out)["package"] == {"name": "k8s", "version": "1.35.0-test"}
    assert _mod(pinned)["package"]["version"] == "1.0.0"
    assert [(r.package, r.error) for r in compile_module(out) if r.error] == []
