"""Regeneration: drift checks, incremental writes, the change report, projects, live clusters."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from openapi_tool.cli import main

from .conftest import ROOT
from .fake_apiserver import api_server, routes_for

MINI = str(ROOT / "specs" / "k8s" / "mini-swagger.json")
WIDGETS = ROOT / "specs" / "crds" / "widgets.example.com.yaml"


def _mtimes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*.k")}


def test_check_is_quiet_when_current_and_fails_when_stale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["gen", "-q", "--spec", MINI, "-o", str(out)]) == 0
    assert main(["gen", "--spec", MINI, "-o", str(out), "--check"]) == 0
    assert "up to date" in capsys.readouterr().err
    changed = json.loads(Path(MINI).read_text())
    del changed["definitions"]["io.k8s.api.core.v1.ConfigMap"]
    spec = tmp_path / "changed.json"
    spec.write_text(json.dumps(changed))
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert main(["gen", "--spec", str(spec), "-o", str(out), "--check", "--report", str(tmp_path / "r.md")]) == 1
    err = capsys.readouterr().err
    assert "remove api/core/v1/config_map.k" in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    report = (tmp_path / "r.md").read_text()
    assert "| **breaking** | resource removed | `v1 ConfigMap` |" in report


def test_unchanged_files_keep_their_mtime_and_user_files_survive(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["gen", "-q", "--crd", str(WIDGETS), "-o", str(out)]) == 0
    (out / "main.k").write_text("# mine\n")
    (out / "widgets_example_com" / "notes.txt").write_text("mine too\n")
    before = _mtimes(out)
    os.utime(out / "kcl.mod", ns=(1, 1))
    assert main(["gen", "-q", "--crd", str(WIDGETS), "-o", str(out)]) == 0
    assert _mtimes(out) == before
    assert (out / "kcl.mod").stat().st_mtime_ns == 1
    assert (out / "main.k").read_text() == "# mine\n"
    assert (out / "widgets_example_com" / "notes.txt").read_text() == "mine too\n"


def test_upgrade_from_1_35_to_1_36(corpus: Path, tmp_path: Path) -> None:
    old, new = corpus / "k8s-openapi/1.35/swagger.json", corpus / "k8s-openapi/1.36/swagger.json"
    out = tmp_path / "k8s"
    assert main(["gen", "-q", "--spec", str(old), "-o", str(out)]) == 0
    (out / "mine.k").write_text("x = 1\n")
    untouched = out / "api" / "apps" / "v1" / "deployment.k"
    stamp = untouched.stat().st_mtime_ns
    report = tmp_path / "r.json"
    assert main(["gen", "-q", "--spec", str(new), "-o", str(out), "--check", "--report-json", str(report)]) == 1
    items = json.loads(report.read_text())["outputs"][0]["changes"]["items"]
    found = {(c["kind"], c["where"]): c["breaking"] for c in items}
    # real differences between the two releases, with their classification
    assert found[("resource removed", "scheduling.k8s.io/v1alpha1 Workload")] is True
    assert found[("resource added", "admissionregistration.k8s.io/v1 MutatingAdmissionPolicy")] is False
    assert found[("optional became required", "api.batch.v1.CronJob.spec")] is True
    assert found[("attribute removed", "api.core.v1.PodSpec.workloadRef")] is True
    assert found[("attribute added", "api.core.v1.PodSpec.schedulingGroup")] is False
    assert main(["gen", "-q", "--spec", str(new), "-o", str(out)]) == 0
    assert (out / "mine.k").read_text() == "x = 1\n"
    assert untouched.stat().st_mtime_ns == stamp
    assert not (out / "api" / "scheduling" / "v1alpha1" / "workload.k").exists()
    assert main(["gen", "-q", "--spec", str(new), "-o", str(out), "--check"]) == 0


def test_report_lists_validation_rules_added_and_removed(tmp_path: Path) -> None:
    text = WIDGETS.read_text(encoding="utf-8")
    rule = "self.minReplicas <= self.maxReplicas"
    branch = "\n                    - required: [exec]\n"  # the oneOf's own branch, not the one under `not`
    assert text.count(rule) == 1 and text.count(branch) == 1
    changed = tmp_path / "widgets.yaml"
    changed.write_text(
        text.replace(rule, "self.minReplicas < self.maxReplicas").replace(
            branch, branch.replace("[exec]", "[exec, path]")
        ),
        encoding="utf-8",
    )
    out, report = tmp_path / "out", tmp_path / "r.json"
    assert main(["gen", "-q", "--crd", str(WIDGETS), "-o", str(out)]) == 0
    assert main(["gen", "-q", "--crd", str(changed), "-o", str(out), "--check", "--report-json", str(report)]) == 1
    items = json.loads(report.read_text())["outputs"][0]["changes"]["items"]
    found = {(c["kind"], c["where"], c["detail"]): c["breaking"] for c in items if c["kind"].startswith("rule")}
    spec, check = "widgets.example.com.v1.WidgetSpec", "widgets.example.com.v1.WidgetSpecCheck"
    assert found[("rule added", spec, "self.minReplicas < self.maxReplicas")] is True
    assert found[("rule removed", spec, rule)] is False
    assert [k for k in found if k[1] == check and k[0] == "rule added"][0][2].startswith("oneOf {not: ")
    assert len(found) == 4, found


def test_a_lock_without_rules_reports_no_rules_added() -> None:
    from openapi_tool.regen.changes import compare

    before = {"k": {"name": "a.S", "properties": {"x": {"type": "str", "required": False}}}}
    after = {"k": {"name": "a.S", "properties": {"x": {"type": "str", "required": False, "rules": ["self != ''"]}}}}
    assert compare(before, after) == []  # the lock predates recorded rules: nothing to compare with
    assert [c.kind for c in compare(after, before)] == ["rule removed"]


def test_project_file_runs_every_job(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "openapi-tool.yaml"
    project.write_text(
        f"jobs:\n  - output: k8s\n    spec: [{MINI}]\n  - output: crds\n    crd: {WIDGETS}\n    k8s_module: k8s\n"
    )
    assert main(["regen", str(project)]) == 0
    assert (tmp_path / "k8s" / "api" / "apps" / "v1" / "deployment.k").is_file()
    assert 'k8s = { path = "../k8s" }' in (tmp_path / "crds" / "kcl.mod").read_text()
    assert main(["regen", str(project), "--check"]) == 0
    project.write_text("jobs:\n  - output: x\n    sources: []\n")
    assert main(["regen", str(project)]) == 1
    assert f"{project}:/jobs/0/sources: unknown key" in capsys.readouterr().err


def _v3_documents(corpus: Path) -> dict[str, Path]:
    folder = corpus / "k8s-openapi" / "v3-client-go-testdata"
    return {f.name.removesuffix("_openapi.json").replace("__", "/"): f for f in sorted(folder.glob("*_openapi.json"))}


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*.k")}


def test_from_cluster_matches_the_same_documents_given_as_files(corpus: Path, tmp_path: Path) -> None:
    documents = _v3_documents(corpus)
    with api_server(routes_for(documents, [WIDGETS], None), tmp_path) as kubeconfig:
        live = tmp_path / "live"
        assert main(["gen", "-q", "--from-cluster", "--kubeconfig", str(kubeconfig), "-o", str(live)]) == 0
        lock = json.loads((live / "openapi-tool.lock").read_text())
        assert lock["server_version"] == "v1.35.0-test"
        only_apps = tmp_path / "apps"
        assert (
            main(
                [
                    "gen",
                    "-q",
                    "--from-cluster",
                    "--kubeconfig",
                    str(kubeconfig),
                    "--group",
                    "apps",
                    "-o",
                    str(only_apps),
                ]
            )
            == 0
        )
    files = tmp_path / "files"
    assert (
        main(
            [
                "gen",
                "-q",
                "--spec",
                *[a for f in documents.values() for a in ("--spec", str(f))][1:],
                "--crd",
                str(WIDGETS),
                "-o",
                str(files),
            ]
        )
        == 0
    )
    assert _tree(live) == _tree(files)
    assert (only_apps / "api" / "apps" / "v1" / "deployment.k").is_file()
    assert not (only_apps / "api" / "batch").exists()
    assert not (only_apps / "widgets_example_com").exists()


def test_from_cluster_falls_back_to_openapi_v2(tmp_path: Path) -> None:
    with api_server(routes_for({}, [], Path(MINI)), tmp_path) as kubeconfig:
        out = tmp_path / "out"
        assert main(["gen", "-q", "--from-cluster", "--kubeconfig", str(kubeconfig), "-o", str(out)]) == 0
    assert (out / "api" / "apps" / "v1" / "deployment.k").is_file()


@pytest.mark.parametrize(
    ("token", "ca_ok", "words"),
    [("wrong", True, "answered 401"), ("test-token-123", False, "cannot reach the API server")],
)
def test_cluster_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], token: str, ca_ok: bool, words: str
) -> None:
    with api_server(routes_for({}, [], Path(MINI)), tmp_path, token=token, ca_ok=ca_ok) as kubeconfig:
        assert main(["gen", "--from-cluster", "--kubeconfig", str(kubeconfig), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err, err
    assert not (tmp_path / "out").exists()


def test_unreachable_cluster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:9'}}]\n"
        "users: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n"
    )
    assert main(["gen", "--from-cluster", "--kubeconfig", str(kubeconfig), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "cannot reach the API server" in err, err
