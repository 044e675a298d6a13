"""The command line: exit codes, one-line errors with file and place, and safe writes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from openapi_tool.cli import main
from openapi_tool.output import LOCK

from .conftest import FOO_CRD as CRD
from .conftest import ROOT

WIDGETS = str(ROOT / "specs" / "crds" / "widgets.example.com.yaml")


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    ("text", "place", "words"),
    [
        ("a: [1, 2\nb: 3\n", ":2:2:", "invalid YAML"),
        ("a: 1\na: 2\n", ":2:", "duplicate key 'a'"),
        (
            CRD.replace("apiextensions.k8s.io/v1", "apiextensions.k8s.io/v2", 1),
            ":/apiVersion",
            "unsupported CRD apiVersion",
        ),
        (
            CRD.replace("type: integer", "type: strin"),
            ":/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/size/type",
            "unknown type",
        ),
        (CRD.replace("  group: x.io\n", ""), ":/spec/group", "CRD has no `spec.group`"),
    ],
)
def test_bad_input_is_one_line_with_place_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, place: str, words: str
) -> None:
    source = _write(tmp_path, "input.yaml", text)
    out = tmp_path / "out"
    assert main(["gen", "--crd", source, "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"error: {source}{place}"), err
    assert words in err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["input.yaml"]


def test_invalid_utf8_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "bad.yaml"
    source.write_bytes(b"a: 1\nb: \xff\n")
    assert main(["gen", "--crd", str(source), "-o", str(tmp_path / "out")]) == 1
    assert f"error: {source}:2: invalid UTF-8" in capsys.readouterr().err


def test_failed_run_leaves_previous_output_exactly_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["gen", "-q", "--crd", WIDGETS, "-o", str(out)]) == 0
    before = _snapshot(out)
    broken = _write(tmp_path, "broken.yaml", "a: [\n")
    assert main(["gen", "-q", "--crd", broken, "-o", str(out)]) == 1
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.yaml", "out"]


def test_regeneration_keeps_user_files_and_removes_stale_generated_ones(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["gen", "-q", "--crd", WIDGETS, "-o", str(out)]) == 0
    (out / "main.k").write_text("import widgets_example_com.v1 as w\n", encoding="utf-8")
    generated = json.loads((out / LOCK).read_text())["files"]
    assert "widgets_example_com/v1alpha1/widget.k" in generated
    small = _write(tmp_path, "foo.yaml", CRD)
    assert main(["gen", "-q", "--crd", small, "-o", str(out)]) == 0
    assert (out / "main.k").read_text() == "import widgets_example_com.v1 as w\n"
    assert not (out / "widgets_example_com").exists()
    assert (out / "x_io" / "v1" / "foo.k").is_file()


def test_new_output_directory_gets_the_usual_permissions(tmp_path: Path) -> None:
    out, plain = tmp_path / "out", tmp_path / "plain"
    plain.mkdir()
    assert main(["gen", "-q", "--crd", _write(tmp_path, "foo.yaml", CRD), "-o", str(out)]) == 0
    assert out.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777


def test_a_kind_defined_twice_is_one_schema_when_identical_and_an_error_otherwise(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, copy = _write(tmp_path, "a.yaml", CRD), _write(tmp_path, "b.yaml", CRD)
    assert main(["gen", "-q", "--crd", first, "--crd", copy, "-o", str(tmp_path / "out")]) == 0
    other = _write(tmp_path, "c.yaml", CRD.replace("size: {type: integer}", "size: {type: string}"))
    assert main(["gen", "-q", "--crd", first, "--crd", other, "-o", str(tmp_path / "out2")]) == 1
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "c.yaml" in error and "a.yaml" in error and "x.io/v1 Foo" in error
    assert not (tmp_path / "out2").exists()


def _channels(tmp_path: Path) -> Path:
    """A release folder with two channels: Foo in both with different schemas, Bar only in
    experimental/."""
    root = tmp_path / "release"
    (root / "standard").mkdir(parents=True)
    (root / "experimental").mkdir()
    (root / "standard" / "foo.yaml").write_text(CRD, encoding="utf-8")
    (root / "experimental" / "foo.yaml").write_text(
        CRD.replace("size: {type: integer}", "size: {type: string}"), encoding="utf-8"
    )
    bar = CRD.replace("foos.x.io", "bars.x.io").replace("kind: Foo, plural: foos", "kind: Bar, plural: bars")
    (root / "experimental" / "bar.yaml").write_text(bar, encoding="utf-8")
    return root


def _size_type(out: Path) -> str:
    text = (out / "x_io" / "v1" / "foo_spec.k").read_text(encoding="utf-8")
    return next(line.split(":")[1].strip() for line in text.splitlines() if line.strip().startswith("size?:"))


def test_two_channels_of_a_kind_stop_with_an_error_naming_both_files_and_the_ways_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _channels(tmp_path)
    assert main(["gen", "--crd", str(root), "-o", str(tmp_path / "out")]) == 1
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1
    assert str(root / "experimental" / "foo.yaml") in error and str(root / "standard" / "foo.yaml") in error
    assert "--exclude GLOB" in error and "--prefer first|last" in error
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("glob", ["experimental", "experimental/", "experimental/*", "exp*/foo.yaml"])
def test_exclude_leaves_files_below_a_directory_out(tmp_path: Path, glob: str) -> None:
    root, out = _channels(tmp_path), tmp_path / "out"
    assert main(["gen", "-q", "--crd", str(root), "--exclude", glob, "-o", str(out)]) == 0
    assert _size_type(out) == "int"
    lock = json.loads((out / LOCK).read_text(encoding="utf-8"))
    assert (" Bar" in json.dumps(lock["resources"])) == (glob == "exp*/foo.yaml")
    assert lock["selection"] == {"exclude": [glob], "prefer": None}


@pytest.mark.parametrize(
    ("rule", "used", "left_out", "size"),
    [("first", "experimental", "standard", "str"), ("last", "standard", "experimental", "int")],
)
def test_prefer_picks_one_definition_per_kind_and_says_which(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rule: str, used: str, left_out: str, size: str
) -> None:
    root, out = _channels(tmp_path), tmp_path / "out"
    report, report_json = tmp_path / "report.md", tmp_path / "report.json"
    args = [
        "gen",
        "--crd",
        str(root),
        "--prefer",
        rule,
        "-o",
        str(out),
        "--report",
        str(report),
        "--report-json",
        str(report_json),
    ]
    assert main(args) == 0
    used_file, other_file = str(root / used / "foo.yaml"), str(root / left_out / "foo.yaml")
    err = capsys.readouterr().err
    assert f"1 apiVersion/kind pairs defined differently in several files, --prefer {rule} picked one of each" in err
    assert f"  x.io/v1 Foo: using {used_file} (--prefer {rule}; not {other_file})" in err
    assert _size_type(out) == size
    picked = json.loads(report_json.read_text(encoding="utf-8"))["outputs"][0]["picked"]
    assert picked == [{"api_version": "x.io/v1", "kind": "Foo", "rule": rule, "used": used_file, "over": [other_file]}]
    assert f"| `x.io/v1 Foo` | `{used_file}` | `{other_file}` | {rule} |" in report.read_text(encoding="utf-8")
    assert main(["compile", str(out)]) == 0


def test_changing_the_rule_regenerates_and_an_unchanged_run_still_names_the_pick(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, out = _channels(tmp_path), tmp_path / "out"
    assert main(["gen", "-q", "--crd", str(root), "--prefer", "first", "-o", str(out)]) == 0
    assert _size_type(out) == "str"
    assert main(["gen", "--crd", str(root), "--prefer", "last", "-o", str(out)]) == 0
    assert _size_type(out) == "int"
    capsys.readouterr()
    assert main(["gen", "--crd", str(root), "--prefer", "last", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "0 files written" in err and "x.io/v1 Foo: using " + str(root / "standard" / "foo.yaml") in err


def test_project_jobs_accept_exclude_and_prefer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _channels(tmp_path)
    project = tmp_path / "openapi-tool.yaml"
    project.write_text(
        "jobs:\n  - {output: a, crd: [release/], exclude: experimental}\n  - {output: b, crd: [release/], prefer: first}\n",
        encoding="utf-8",
    )
    assert main(["regen", "-q", str(project)]) == 0
    assert _size_type(tmp_path / "a") == "int" and _size_type(tmp_path / "b") == "str"
    project.write_text("jobs:\n  - {output: a, crd: [release/], prefer: newest}\n", encoding="utf-8")
    assert main(["regen", "-q", str(project)]) == 1
    assert f"{project}:/jobs/0/prefer: expected one of first, last" in capsys.readouterr().err


def test_refuses_to_overwrite_a_file_it_did_not_generate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    (out / "x_io" / "v1").mkdir(parents=True)
    (out / "x_io" / "v1" / "foo.k").write_text("# mine\n", encoding="utf-8")
    source = _write(tmp_path, "foo.yaml", CRD)
    assert main(["gen", "-q", "--crd", source, "-o", str(out)]) == 1
    assert "was not generated by openapi-tool" in capsys.readouterr().err
    assert (out / "x_io" / "v1" / "foo.k").read_text() == "# mine\n"
    assert not (out / "kcl.mod").exists()


def test_non_crd_documents_are_skipped_with_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n# only a comment\n---\n" + CRD
    source = _write(tmp_path, "mixed.yaml", text)
    assert main(["gen", "--crd", source, "-o", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert f"{source} (document 1): skipped a document that is not a CustomResourceDefinition (kind 'ConfigMap')" in err
    assert f"{source} (document 2): skipped an empty (or comment-only) document" in err
    assert (tmp_path / "out" / "x_io" / "v1" / "foo.k").is_file()


def test_reads_crds_from_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(CRD.encode())))
    assert main(["gen", "-q", "--crd", "-", "-o", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "x_io" / "v1" / "foo.k").is_file()


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gen", "-o", str(tmp_path / "out")]) == 2
    assert "give at least one input" in capsys.readouterr().err
    assert main([]) == 2


@pytest.mark.parametrize("command", ["gen", "ir", "compile"])
def test_every_command_has_help_with_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "examples:" in capsys.readouterr().out


def test_ir_prints_the_model_with_sources(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ir", "-q", "--crd", WIDGETS]) == 0
    data = json.loads(capsys.readouterr().out)
    widget = next(s for s in data["schemas"] if s["key"] == "widgets.example.com/v1:Widget")
    assert widget["gvk"] == {"group": "widgets.example.com", "version": "v1", "kind": "Widget"}
    assert widget["source"]["pointer"] == "/spec/versions/1/schema/openAPIV3Schema"


def test_validate_reports_file_and_pointer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _write(tmp_path, "foo.yaml", CRD.replace("size: {type: integer}", "size: {type: integer, minimum: x}"))
    assert main(["gen", "--validate", "--crd", source, "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"{source}:/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/size/minimum" in err
    assert not (tmp_path / "out").exists()


def test_user_templates_override_bundled_ones(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "kcl.mod.j2").write_text('[package]\nname = {{ name }}\nversion = "9.9.9"\n', encoding="utf-8")
    source = _write(tmp_path, "foo.yaml", CRD)
    out = tmp_path / "out"
    assert main(["gen", "-q", "--crd", source, "--templates", str(templates), "-o", str(out)]) == 0
    assert 'version = "9.9.9"' in (out / "kcl.mod").read_text()
    assert (out / "x_io" / "v1" / "foo.k").read_text().startswith('"""\nThis file was generated by openapi-tool')


def test_crd_module_can_depend_on_a_generated_k8s_module(tmp_path: Path) -> None:
    from openapi_tool.kcl_compile import compile_module

    k8s = tmp_path / "k8s"
    assert main(["gen", "-q", "--spec", str(ROOT / "specs/k8s/mini-swagger.json"), "-o", str(k8s)]) == 0
    out = tmp_path / "crds"
    assert (
        main(["gen", "-q", "--crd", _write(tmp_path, "foo.yaml", CRD), "--k8s-module", str(k8s), "-o", str(out)]) == 0
    )
    assert not (out / "k8s").exists()
    assert 'k8s = { path = "../k8s" }' in (out / "kcl.mod").read_text()
    assert "import k8s.apimachinery.pkg.apis.meta.v1 as metav1" in (out / "x_io/v1/foo.k").read_text()
    assert [r.error for r in compile_module(out) if r.error] == []


def test_cli_offers_the_rules_the_crd_front_end_knows() -> None:
    from openapi_tool import cli
    from openapi_tool.sources.crd import PREFER_RULES

    assert cli.PREFER_RULES == PREFER_RULES
