"""Upgrade impact (`gen --check --impact PATH`): which of the user's files break, and why.

The files expected to break are found here with kcl-lib directly (compiled against a fresh
module of the new API), not by the tool; the tool must name exactly those, each with the
API change that explains it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import kcl_lib.api as kcl
import pytest
import yaml

from openapi_tool.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "impact"
CRD = FIXTURES / "crd"

OLD_K8S, NEW_K8S = "v1.25.0", "v1.32.0"
"""Kubernetes versions whose JSON Schema definitions the `kubernetes-validate` package ships:
autoscaling/v2beta2 (1.26), storage.k8s.io/v1beta1 CSIStorageCapacity (1.27) and
flowcontrol.apiserver.k8s.io/v1beta2 (1.29) were removed in between."""

K8S_ROOTS = (
    "apps.v1.Deployment",
    "core.v1.Service",
    "autoscaling.v2.HorizontalPodAutoscaler",
    "autoscaling.v2beta2.HorizontalPodAutoscaler",
    "batch.v1.CronJob",
    "flowcontrol.v1beta2.FlowSchema",
    "storage.v1beta1.CSIStorageCapacity",
)


def _external(root: Path) -> list:
    found = kcl.API().update_dependencies(kcl.UpdateDependenciesArgs(manifest_path=str(root))).external_pkgs
    return list(found)


def _kcl_error(file: Path, root: Path) -> str:
    """kcl-lib's verdict on one entry file of the module at `root` ('' when it compiles)."""
    args = kcl.ExecProgramArgs(k_filename_list=[str(file)], work_dir=str(root), external_pkgs=_external(root))
    try:
        return kcl.API().exec_program(args).err_message
    except Exception as error:  # syntax, import and type errors raise
        return str(error) or "error"


def _gen(*args: str) -> int:
    return main(["gen", "-q", *[str(a) for a in args]])


def _impact_run(tmp_path: Path, spec_flag: str, new_source: Path, output: Path, *impact: Path) -> tuple[int, dict, str]:
    report_json, report_md = tmp_path / "impact.json", tmp_path / "impact.md"
    flags = [a for path in impact for a in ("--impact", str(path))]
    status = _gen(
        spec_flag, new_source, "-o", output, "--check", *flags, "--report-json", report_json, "--report", report_md
    )
    data = json.loads(report_json.read_text(encoding="utf-8"))["outputs"][0]
    return status, data, report_md.read_text(encoding="utf-8")


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- CRD: a removed field, an enum narrowed, a field now required, a new CEL rule -------------


@pytest.fixture(scope="module")
def crd_upgrade(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The old CRD module with the user's KCL module beside it, the tool's impact report of the
    upgrade, and the verdict of kcl-lib on each KCL file against a fresh module of the new CRD."""
    base = tmp_path_factory.mktemp("crd-impact")
    assert _gen("--crd", CRD / "old", "-o", base / "gizmos") == 0
    shutil.copytree(CRD / "kcl", base / "app")
    before = _tree(base / "gizmos")
    status, data, markdown = _impact_run(base, "--crd", CRD / "new", base / "gizmos", base / "app", CRD / "yaml")
    fresh = tmp_path_factory.mktemp("crd-fresh")
    assert _gen("--crd", CRD / "new", "-o", fresh / "gizmos") == 0
    shutil.copytree(CRD / "kcl", fresh / "app")
    oracle = {
        f.name: (_kcl_error(base / "app" / f.name, base / "app"), _kcl_error(f, fresh / "app"))
        for f in sorted((fresh / "app").glob("*.k"))
    }
    return {
        "status": status,
        "data": data,
        "markdown": markdown,
        "oracle": oracle,
        "base": base,
        "unchanged": before == _tree(base / "gizmos"),
    }


def _entries(data: dict) -> dict[str, dict]:
    return {Path(e["path"]).name: e for e in data["impact"]}


def test_crd_kcl_breaks_are_exactly_what_kcl_lib_rejects(crd_upgrade: dict) -> None:
    oracle = crd_upgrade["oracle"]
    expected = {name for name, (old, new) in oracle.items() if not old and new}
    failing_before = {name for name, (old, _) in oracle.items() if old}
    assert expected == {"colour.k", "legacy.k", "ownerless.k", "oversized.k"}  # the fixture does what it says
    entries = {n: e for n, e in _entries(crd_upgrade["data"]).items() if n.endswith(".k")}
    assert {n for n, e in entries.items() if e["breaks"]} == expected
    assert {n for n, e in entries.items() if e["already_failing"]} == failing_before == {"typo.k"}
    assert crd_upgrade["status"] == 2


@pytest.mark.parametrize(
    "name, kind, attribute",
    [
        ("colour", "attribute removed", "GizmoSpec.colour"),
        ("legacy", "enum narrowed", "GizmoSpec.mode"),
        ("ownerless", "optional became required", "GizmoSpec.owner"),
        ("oversized", "rule added", "GizmoSpec"),
    ],
)
def test_crd_each_break_names_its_api_change(crd_upgrade: dict, name: str, kind: str, attribute: str) -> None:
    entries = _entries(crd_upgrade["data"])
    for file in (f"{name}.k", f"{name}.yaml"):
        if file not in entries:
            continue
        failures = entries[file]["failures"]
        reasons = {(c["kind"], c["where"].split("v1.", 1)[1]) for f in failures for c in f["changes"]}
        assert reasons == {(kind, attribute)}, (file, failures)
        assert all(f["message"] and f["file"].endswith(file) for f in failures)


def test_crd_manifests(crd_upgrade: dict) -> None:
    entries = {n: e for n, e in _entries(crd_upgrade["data"]).items() if n.endswith(".yaml")}
    assert {n for n, e in entries.items() if e["breaks"]} == {"colour.yaml", "oversized.yaml", "two.yaml"}
    assert {n for n, e in entries.items() if e["already_failing"]} == {"typo.yaml"}
    assert not entries["survives.yaml"]["breaks"]
    two = entries["two.yaml"]
    assert two["documents_checked"] == 2  # the ConfigMap has no schema in the CRD module
    assert [f["line"] for f in two["failures"]] == [11]  # the line of `mode: legacy` in the second document
    assert [c["kind"] for c in two["failures"][0]["changes"]] == ["enum narrowed"]


def test_crd_line_of_kcl_break_and_nothing_written(crd_upgrade: dict) -> None:
    colour = _entries(crd_upgrade["data"])["colour.k"]["failures"][0]
    source = Path(colour["file"]).read_text(encoding="utf-8").splitlines()
    assert "colour" in source[colour["line"] - 1]
    assert crd_upgrade["unchanged"]  # --check never writes into -o
    assert "### Impact on your files" in crd_upgrade["markdown"]
    assert "colour.k:7" in crd_upgrade["markdown"]


def test_no_break_exits_1_when_out_of_date(tmp_path: Path) -> None:
    assert _gen("--crd", CRD / "old", "-o", tmp_path / "gizmos") == 0
    app = tmp_path / "app"
    app.mkdir()
    shutil.copy(CRD / "kcl" / "kcl.mod", app)
    shutil.copy(CRD / "kcl" / "survives.k", app)
    status, data, _ = _impact_run(tmp_path, "--crd", CRD / "new", tmp_path / "gizmos", app)
    assert status == 1
    assert [e["breaks"] for e in data["impact"]] == [False]


# --- Kubernetes: APIs removed between two releases --------------------------------------------


def _definitions(version: str) -> dict:
    kubernetes_validate = pytest.importorskip(
        "kubernetes_validate", reason="kubernetes-validate (test extra) ships the schemas"
    )
    path = (
        Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / f"{version}-local" / "_definitions.json"
    )
    return json.loads(path.read_text(encoding="utf-8"))["$defs"]


def _bundle(version: str, target: Path) -> Path:
    """The definitions of K8S_ROOTS present in `version` and everything they refer to: a small
    module generates in a second instead of the whole API."""
    definitions = _definitions(version)
    todo = [f"io.k8s.api.{root}" for root in K8S_ROOTS if f"io.k8s.api.{root}" in definitions]
    kept: dict = {}
    while todo:
        key = todo.pop()
        if key in kept:
            continue
        kept[key] = definitions[key]
        text = json.dumps(definitions[key])
        todo += [ref.split("/")[-1] for ref in _refs(text)]
    target.write_text(json.dumps({"$defs": kept}), encoding="utf-8")
    return target


def _refs(text: str) -> list[str]:
    import re

    return re.findall(r'"\$ref": "#/(?:\$defs|definitions)/([^"]+)"', text)


@pytest.fixture(scope="module")
def k8s_upgrade(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("k8s-impact")
    old_spec, new_spec = _bundle(OLD_K8S, base / "old.json"), _bundle(NEW_K8S, base / "new.json")
    assert _gen("--spec", old_spec, "-o", base / "k8s") == 0
    assert main(["convert", "-q", str(FIXTURES / "k8s"), "-o", str(base / "app"), "--schemas", str(base / "k8s")]) == 0
    status, data, markdown = _impact_run(base, "--spec", new_spec, base / "k8s", base / "app", FIXTURES / "k8s")
    fresh = tmp_path_factory.mktemp("k8s-fresh")
    assert _gen("--spec", new_spec, "-o", fresh / "k8s") == 0
    shutil.copytree(base / "app", fresh / "app")
    oracle = {
        f.name: (_kcl_error(base / "app" / f.name, base / "app"), _kcl_error(f, fresh / "app"))
        for f in sorted((fresh / "app").glob("*.k"))
    }
    return {"status": status, "data": data, "markdown": markdown, "oracle": oracle}


REMOVED = {
    "hpa-v2beta2": "autoscaling/v2beta2 HorizontalPodAutoscaler",
    "flowschema": "flowcontrol.apiserver.k8s.io/v1beta2 FlowSchema",
    "capacity": "storage.k8s.io/v1beta1 CSIStorageCapacity",
}


def test_k8s_kcl_breaks_are_exactly_what_kcl_lib_rejects(k8s_upgrade: dict) -> None:
    oracle = k8s_upgrade["oracle"]
    assert not any(old for old, _ in oracle.values())  # convert wrote files that compile against the old API
    expected = {name for name, (_, new) in oracle.items() if new}
    assert expected == {f"{stem}.k" for stem in REMOVED}
    entries = {n: e for n, e in _entries(k8s_upgrade["data"]).items() if n.endswith(".k")}
    assert {n for n, e in entries.items() if e["breaks"]} == expected
    assert len(entries) == len(oracle)
    assert k8s_upgrade["status"] == 2


@pytest.mark.parametrize("stem", sorted(REMOVED))
def test_k8s_each_break_names_the_removed_api(k8s_upgrade: dict, stem: str) -> None:
    entries = _entries(k8s_upgrade["data"])
    for file in (f"{stem}.k", f"{stem}.yaml"):
        failures = entries[file]["failures"]
        assert [[(c["kind"], c["where"]) for c in f["changes"]] for f in failures] == [
            [("resource removed", REMOVED[stem])]
        ], file


def test_k8s_manifests(k8s_upgrade: dict) -> None:
    entries = {n: e for n, e in _entries(k8s_upgrade["data"]).items() if n.endswith(".yaml")}
    survivors = {p.name for p in (FIXTURES / "k8s").glob("*.yaml")} - {f"{stem}.yaml" for stem in REMOVED}
    assert {n for n, e in entries.items() if e["breaks"]} == {f"{stem}.yaml" for stem in REMOVED}
    assert not any(entries[n]["breaks"] or entries[n]["already_failing"] for n in survivors)
    assert entries["web.yaml"]["documents_checked"] == 2
    for stem in REMOVED:  # each manifest's document starts after its comment line
        assert entries[f"{stem}.yaml"]["failures"][0]["line"] == 2
    assert "autoscaling/v2beta2 HorizontalPodAutoscaler" in k8s_upgrade["markdown"]


def test_project_file_impact(tmp_path: Path) -> None:
    """`regen --check` reads `impact:` paths of a job from the project file."""
    shutil.copytree(CRD / "old", tmp_path / "crds")
    shutil.copytree(CRD / "kcl", tmp_path / "app")
    project = tmp_path / "openapi-tool.yaml"
    project.write_text(
        yaml.safe_dump({"jobs": [{"output": "gizmos", "crd": ["crds"], "impact": ["app"]}]}), encoding="utf-8"
    )
    assert main(["regen", "-q", str(project)]) == 0
    shutil.copy(CRD / "new" / "gizmos.yaml", tmp_path / "crds" / "gizmos.yaml")
    report = tmp_path / "r.json"
    assert main(["regen", "-q", "--check", "--report-json", str(report), str(project)]) == 2
    entries = json.loads(report.read_text(encoding="utf-8"))["outputs"][0]["impact"]
    assert {Path(e["path"]).name for e in entries if e["breaks"]} == {
        "colour.k",
        "legacy.k",
        "ownerless.k",
        "oversized.k",
    }


def test_manifest_break_points_at_the_removed_key(crd_upgrade: dict) -> None:
    colour = _entries(crd_upgrade["data"])["colour.yaml"]["failures"][0]
    assert (CRD / "yaml" / "colour.yaml").read_text(encoding="utf-8").splitlines()[
        colour["line"] - 1
    ].strip() == "colour: red"


def test_impact_needs_check_and_a_dependency(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _gen("--crd", CRD / "old", "-o", tmp_path / "gizmos") == 0
    assert _gen("--crd", CRD / "new", "-o", tmp_path / "gizmos", "--impact", CRD / "kcl") == 2
    assert "--impact goes with --check" in capsys.readouterr().err
    stray = tmp_path / "stray"
    stray.mkdir()
    (stray / "kcl.mod").write_text('[package]\nname = "stray"\nversion = "0.0.1"\n', encoding="utf-8")
    (stray / "main.k").write_text("a = 1\n", encoding="utf-8")
    assert _gen("--crd", CRD / "new", "-o", tmp_path / "gizmos", "--check", "--impact", stray) == 2
    assert "has no path dependency on" in capsys.readouterr().err


def test_deprecated_field_is_a_warning_not_a_break(crd_upgrade: dict) -> None:
    entries = _entries(crd_upgrade["data"])
    for file, line in (("nickname.k", 8), ("nickname.yaml", 8)):  # the lines setting nickname
        entry = entries[file]
        assert not entry["breaks"] and not entry["already_failing"]
        assert [(u["attribute"], u["line"]) for u in entry["deprecated"]] == [("nickname", line)], entry
        assert entry["deprecated"][0]["reason"] == "use metadata.name instead."
    assert not any("deprecated" in e for n, e in entries.items() if not n.startswith(("nickname", "beta")))
    assert "`nickname`" in crd_upgrade["markdown"]


def test_deprecated_decorator_is_not_strict(tmp_path: Path) -> None:
    """The generated decorator marks the field, and kcl-lib still accepts a config that sets it."""
    assert _gen("--crd", CRD / "new", "-o", tmp_path / "gizmos") == 0
    spec = (tmp_path / "gizmos" / "impact_example_com" / "v1" / "gizmo_spec.k").read_text(encoding="utf-8")
    assert '    @deprecated(reason="use metadata.name instead.", strict=False)\n    nickname?: str\n' in spec
    shutil.copytree(CRD / "kcl", tmp_path / "app")
    assert _kcl_error(tmp_path / "app" / "nickname.k", tmp_path / "app") == ""
    strict = spec.replace("strict=False", "strict=True")  # the same field, strict: kcl-lib names the use
    (tmp_path / "gizmos" / "impact_example_com" / "v1" / "gizmo_spec.k").write_text(strict, encoding="utf-8")
    assert "nickname was deprecated" in _kcl_error(tmp_path / "app" / "nickname.k", tmp_path / "app")


def test_deprecated_crd_version_is_a_warning(crd_upgrade: dict) -> None:
    """A CRD version with `deprecated: true` makes its schema @deprecated with the deprecationWarning."""
    entries = _entries(crd_upgrade["data"])
    for file, line in (("beta.k", 3), ("beta.yaml", 1)):
        entry = entries[file]
        assert not entry["breaks"] and not entry["already_failing"]
        assert [(u["attribute"], u["line"], u["reason"]) for u in entry["deprecated"]] == [
            ("Gizmo", line, "impact.example.com/v1beta1 Gizmo is deprecated; use impact.example.com/v1")
        ], entry


# --- Kubernetes 1.9 to 1.30 (corpus specs): the APIs removed in 1.16, 1.22 and 1.25 ---------

REMOVED_SINCE_1_9 = {
    "old-deployment": "extensions/v1beta1 Deployment",
    "old-ingress": "extensions/v1beta1 Ingress",
    "old-psp": "extensions/v1beta1 PodSecurityPolicy",
    "old-cronjob": "batch/v1beta1 CronJob",
    "old-pdb": "policy/v1beta1 PodDisruptionBudget",
}


@pytest.fixture(scope="module")
def upgrade_from_1_9(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from tests.conftest import CORPUS

    old_spec, new_spec = (
        CORPUS / "k8s-openapi" / "1.9" / "swagger.json",
        CORPUS / "k8s-openapi" / "1.30" / "swagger.json",
    )
    if not (old_spec.is_file() and new_spec.is_file()):
        pytest.skip(f"the shared corpus is absent ({old_spec.parent.parent} holds the Kubernetes specs)")
    manifests = FIXTURES / "k8s-1.9"
    base = tmp_path_factory.mktemp("k8s-1.9-impact")
    assert _gen("--spec", old_spec, "-o", base / "k8s") == 0
    assert main(["convert", "-q", str(manifests), "-o", str(base / "app"), "--schemas", str(base / "k8s")]) == 0
    status, data, markdown = _impact_run(base, "--spec", new_spec, base / "k8s", base / "app", manifests)
    fresh = tmp_path_factory.mktemp("k8s-1.30-fresh")
    assert _gen("--spec", new_spec, "-o", fresh / "k8s") == 0
    shutil.copytree(base / "app", fresh / "app")
    oracle = {
        f.name: (_kcl_error(base / "app" / f.name, base / "app"), _kcl_error(f, fresh / "app"))
        for f in sorted((fresh / "app").glob("*.k"))
    }
    return {"status": status, "data": data, "markdown": markdown, "oracle": oracle}


@pytest.mark.corpus
def test_upgrade_from_1_9_breaks_exactly_what_kcl_lib_rejects(upgrade_from_1_9: dict) -> None:
    oracle = upgrade_from_1_9["oracle"]
    assert not any(old for old, _ in oracle.values())  # every converted file compiles against 1.9
    expected = {name for name, (_, new) in oracle.items() if new}
    assert expected == {f"{stem}.k" for stem in REMOVED_SINCE_1_9}
    entries = _entries(upgrade_from_1_9["data"])
    kcl_entries = {n: e for n, e in entries.items() if n.endswith(".k")}
    assert {n for n, e in kcl_entries.items() if e["breaks"]} == expected
    yaml_entries = {n: e for n, e in entries.items() if n.endswith(".yaml")}
    assert {n for n, e in yaml_entries.items() if e["breaks"]} == {f"{stem}.yaml" for stem in REMOVED_SINCE_1_9}
    assert not any(e["breaks"] or e["already_failing"] for n, e in entries.items() if n.split(".")[0] in ("web", "job"))
    assert upgrade_from_1_9["status"] == 2


@pytest.mark.corpus
@pytest.mark.parametrize("stem", sorted(REMOVED_SINCE_1_9))
def test_upgrade_from_1_9_names_each_removed_api(upgrade_from_1_9: dict, stem: str) -> None:
    entries = _entries(upgrade_from_1_9["data"])
    for file in (f"{stem}.k", f"{stem}.yaml"):
        changes = [(c["kind"], c["where"]) for f in entries[file]["failures"] for c in f["changes"]]
        assert ("resource removed", REMOVED_SINCE_1_9[stem]) in changes, (file, changes)


# --- Kubernetes 1.35 to 1.36 (corpus specs) over real manifests converted against 1.35 ------


@pytest.fixture(scope="module")
def upgrade_1_35(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from tests.conftest import CORPUS

    specs = CORPUS / "k8s-openapi"
    old_spec, new_spec = specs / "1.35" / "swagger.json", specs / "1.36" / "swagger.json"
    website = CORPUS / "manifests" / "kubernetes-website"
    if not (old_spec.is_file() and new_spec.is_file() and website.is_dir()):
        pytest.skip(f"the shared corpus is absent ({CORPUS} holds the specs and manifests)")
    base = tmp_path_factory.mktemp("k8s-1.35-impact")
    manifests = base / "manifests"
    for number, path in enumerate(sorted(website.rglob("*.yaml"))):
        if number % 5 == 0:  # a fifth of the files, spread over the tree, keeps the run short
            target = manifests / path.relative_to(website)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    assert _gen("--spec", old_spec, "-o", base / "k8s") == 0
    assert main(["convert", "-q", str(manifests), "-o", str(base / "app"), "--schemas", str(base / "k8s")]) == 0
    status, data, _ = _impact_run(base, "--spec", new_spec, base / "k8s", base / "app")
    fresh = tmp_path_factory.mktemp("k8s-1.36-fresh")
    assert _gen("--spec", new_spec, "-o", fresh / "k8s") == 0
    shutil.copytree(base / "app", fresh / "app")
    app = fresh / "app"
    oracle = {
        f.relative_to(app).as_posix(): (_kcl_error(base / "app" / f.relative_to(app), base / "app"), _kcl_error(f, app))
        for f in sorted(app.rglob("*.k"))
    }
    return {"status": status, "data": data, "oracle": oracle, "app": base / "app"}


@pytest.mark.corpus
def test_upgrade_1_35_to_1_36_matches_a_direct_compile(upgrade_1_35: dict) -> None:
    """The files the impact calls broken are exactly those that compile against 1.35 and not
    against a fresh 1.36 module; those failing already are listed apart."""
    oracle = upgrade_1_35["oracle"]
    assert len(oracle) >= 40
    app = upgrade_1_35["app"]
    entries = {Path(e["path"]).relative_to(app).as_posix(): e for e in upgrade_1_35["data"]["impact"]}
    assert set(entries) == set(oracle)
    breaking = {path for path, (old, new) in oracle.items() if not old and new}
    failing = {path for path, (old, _) in oracle.items() if old}
    assert {p for p, e in entries.items() if e["breaks"]} == breaking
    assert {p for p, e in entries.items() if e["already_failing"]} == failing
    assert upgrade_1_35["status"] == (2 if breaking else 1)
