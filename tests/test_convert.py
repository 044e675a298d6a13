"""`openapi-tool convert`: manifests -> KCL that renders back to the same documents.

The schemas are generated from specs in this repository (specs/k8s/mini-swagger.json and
the Widget CRD, whose schema has defaults); the manifests are hand-written fixtures in
tests/fixtures/convert/manifests. Their conversions are golden files in
tests/fixtures/convert/expected: rewrite them with `pytest tests/test_convert.py
--update-golden` and review the diff.
"""

from __future__ import annotations

import inspect
import io
import shutil
from pathlib import Path

import kcl_lib.api as kcl
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from openapi_tool.cli import main
from openapi_tool.convert import ConvertOptions, convert, verify_conversion
from openapi_tool.convert.comments import Span, find_comments
from openapi_tool.convert.read import parse_file
from openapi_tool.convert.tree import to_data
from openapi_tool.output import LOCK, write_tree

from .conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "convert"
MANIFESTS = FIXTURES / "manifests"
EXPECTED = FIXTURES / "expected"


@pytest.fixture(scope="module")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    root = tmp_path_factory.mktemp("schemas")
    k8s, widgets = root / "k8s", root / "widgets"
    assert main(["gen", "-q", "--spec", str(ROOT / "specs/k8s/mini-swagger.json"), "-o", str(k8s)]) == 0
    assert (
        main(
            [
                "gen",
                "-q",
                "--crd",
                str(ROOT / "specs/crds/widgets.example.com.yaml"),
                "--k8s-module",
                str(k8s),
                "-o",
                str(widgets),
            ]
        )
        == 0
    )
    return [str(k8s), str(widgets)]


@pytest.fixture(scope="module")
def converted(schemas: list[str], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object, list[str]]:
    out = tmp_path_factory.mktemp("converted") / "out"
    warnings: list[str] = []
    conversion = convert([str(MANIFESTS)], out, ConvertOptions(tuple(schemas)), warnings.append)
    write_tree(out, conversion.files)
    return out, conversion, warnings


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    return code, capsys.readouterr().err


# --- goldens and round trip ----------------------------------------------------------


def test_fixtures_convert_to_the_golden_files(converted: tuple, update_golden: bool) -> None:
    out, conversion, _ = converted
    produced = {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8") for p in sorted(out.rglob("*.k"))}
    assert len(produced) == len(list(MANIFESTS.iterdir()))
    if update_golden:
        shutil.rmtree(EXPECTED, ignore_errors=True)
        for relative, text in produced.items():
            (EXPECTED / relative).parent.mkdir(parents=True, exist_ok=True)
            (EXPECTED / relative).write_text(text, encoding="utf-8")
    expected = {
        p.relative_to(EXPECTED).as_posix(): p.read_text(encoding="utf-8") for p in sorted(EXPECTED.rglob("*.k"))
    }
    assert sorted(produced) == sorted(expected)
    changed = [name for name in expected if expected[name] != produced[name]]
    assert not changed, (
        f"conversions differ from tests/fixtures/convert/expected in {changed} (--update-golden rewrites them)"
    )


def test_every_file_renders_its_manifests_back_when_run_alone(converted: tuple) -> None:
    out, conversion, _ = converted
    assert verify_conversion(out, conversion.expected, exact=True) == []


def test_grouped_verification_agrees(converted: tuple) -> None:
    out, conversion, _ = converted
    assert verify_conversion(out, conversion.expected) == []


def _kcl_lib_output(out: Path, relative: str) -> str:
    """What kcl-lib itself returns for one converted file (no final line break)."""
    api = kcl.API()
    external = api.update_dependencies(kcl.UpdateDependenciesArgs(manifest_path=str(out))).external_pkgs
    result = api.exec_program(
        kcl.ExecProgramArgs(k_filename_list=[str(out / relative)], work_dir=str(out), external_pkgs=external)
    )
    assert result.err_message == ""
    return result.yaml_result


@pytest.mark.parametrize("name", ["line_breaks", "comments"])
def test_last_string_keeps_its_line_break_through_kcl_lib_and_kcl_run(converted: tuple, name: str) -> None:
    out, _, _ = converted
    original = [
        d for d in yaml.safe_load_all((MANIFESTS / f"{name}.yaml").read_text(encoding="utf-8")) if d is not None
    ]
    returned = _kcl_lib_output(out, f"{name}.k")
    assert not returned.endswith("\n")  # the kcl-lib view: what kcl-go and GitOps controllers read
    for view in (returned, returned + "\n"):  # ... and what `kcl run` prints
        assert [d for d in yaml.safe_load_all(view) if d is not None] == original


def test_verify_fails_a_file_that_loses_its_last_line_break_through_kcl_lib(converted: tuple, tmp_path: Path) -> None:
    out, conversion, _ = converted
    broken = tmp_path / "out"
    shutil.copytree(out, broken)
    target = broken / "line_breaks.k"
    target.write_text(target.read_text(encoding="utf-8").replace(", job, None])", ", job])"), encoding="utf-8")
    expected = (
        f"{target}: document 2 (from {MANIFESTS / 'line_breaks.yaml'} (document 2)) (as kcl-lib returns it, without "
        'the final line break `kcl run` adds): spec.args[1]: expected "echo done\\n\\n", got "echo done\\n"'
    )
    only = {"line_breaks.k": conversion.expected["line_breaks.k"], "comments.k": conversion.expected["comments.k"]}
    assert [str(f) for f in verify_conversion(broken, only)] == [expected]
    assert [str(f) for f in verify_conversion(broken, only, exact=True)] == [expected]


def test_output_is_in_kcl_fmt_form(converted: tuple) -> None:
    out, _, _ = converted
    api = kcl.API()
    for path in sorted(out.rglob("*.k")):
        text = path.read_text(encoding="utf-8")
        assert api.format_code(kcl.FormatCodeArgs(source=text)).formatted.decode("utf-8") == text, path.name


def test_kcl_mod_reaches_the_schema_modules_by_relative_path(converted: tuple, schemas: list[str]) -> None:
    out, _, _ = converted
    text = (out / "kcl.mod").read_text(encoding="utf-8")
    assert 'k8s = { path = "' in text and 'widgets = { path = "' in text
    assert str(Path(schemas[0]).parent) not in text, "paths are relative, so the tree can move as a whole"


# --- typed or plain ------------------------------------------------------------------


def test_documents_become_instances_of_their_schemas(converted: tuple) -> None:
    out, _, _ = converted
    comments = (out / "comments.k").read_text(encoding="utf-8")
    assert "import k8s.api.apps.v1 as apps" in comments
    assert "web_deployment = apps.Deployment {" in comments and "web_service = core.Service {" in comments
    assert 'apiVersion = "apps/v1"' not in comments, "apiVersion and kind are the schema's defaults"


def test_schema_defaults_are_kept_out_of_the_output(converted: tuple) -> None:
    out, conversion, _ = converted
    text = (out / "widgets.k").read_text(encoding="utf-8")
    head = text.index("defaults_kept_out_widget = widgets.Widget {")
    block = text[head : text.index("\n}\n", head)]
    for key in ('"log-level"', "priority"):
        assert f"{key} = Undefined # schema default left out" in block, key
    unit = next(u for u in conversion.units if u.name == "defaults_kept_out_widget")
    assert unit.resources[0].typing.head and not unit.resources[0].problem
    left_out = [(path, key) for path, keys in unit.resources[0].typing.undefined.items() for key in keys]
    assert block.count("= Undefined") == len(left_out)
    spec = to_data(unit.root)["spec"]
    assert all(key not in spec for path, key in left_out if path == ("spec",))


def test_defaults_a_check_needs_are_named_and_the_document_stays_plain(converted: tuple) -> None:
    _, _, warnings = converted
    [message] = [w for w in warnings if "widgets.yaml (document 5)" in w]
    assert "would add spec.log-level, spec.priority, spec.replicas" in message
    assert "(schema defaults), and its checks need them: " in message
    assert message.endswith("written as a plain config")


def test_rejected_documents_are_reported_by_file_document_and_path_and_kept_plain(converted: tuple) -> None:
    out, _, warnings = converted
    [typo] = [w for w in warnings if "widgets.yaml (document 3)" in w]
    assert "rejects it: spec.replicaz: Cannot add member 'replicaz'" in typo
    [item] = [w for w in warnings if "list.yaml" in w]
    assert "items[2].data.count: expected str, got int(3)" in item
    text = (out / "widgets.k").read_text(encoding="utf-8")
    assert "# plain config: widgets.widgets_example_com.v1.Widget rejects it: spec.replicaz" in text
    assert "typo_widget = {\n" in text


def test_documents_without_a_schema_are_plain_with_one_warning_per_kind(converted: tuple) -> None:
    out, _, warnings = converted
    assert sum("no schema for example.com/v1 Zoo" in w for w in warnings) == 1
    assert "types_zoo = {\n" in (out / "scalars.k").read_text(encoding="utf-8")


def test_list_items_are_typed_one_by_one(converted: tuple) -> None:
    out, _, _ = converted
    text = (out / "list.k").read_text(encoding="utf-8")
    assert text.count("core.Service {") == 1 and text.count("core.ConfigMap {") == 1
    assert 'kind = "List"' in text


# --- values, keys and comments -------------------------------------------------------


def test_scalar_types_survive(converted: tuple) -> None:
    out, _, _ = converted
    text = (out / "scalars.k").read_text(encoding="utf-8")
    for line in (
        '"zero-padded" = "0123"',
        'exponent = "1e3"',
        'date = "2024-01-01"',
        'yes = "yes"',
        'tilde = "~"',
        "wholeFloat = float(2)",
        "octal = 83",
        "trueWords = [True, True, True, True]",
        "empty = None",
        "emptyMap = {}",
        'dollar = "$HOME and \\x24{VAR} and $(params.x)"',
        'helm = "{{ .Values.image.tag }}"',
    ):
        assert line in text, line


def test_keys_are_escaped_or_quoted(converted: tuple) -> None:
    out, _, _ = converted
    text = (out / "keys.k").read_text(encoding="utf-8")
    for line in (
        '"app.kubernetes.io/name" = "keys"',
        '$type = "keyword"',
        '$True = "keyword"',
        '"a/b" = "slash"',
        '"\\x24{KEY}" = "placeholder"',
        '"" = "empty"',
        '"1" = "integer key"',
        'true = "yaml 1.1 boolean key"',
    ):
        assert line in text, line


def test_comments_stay_next_to_what_they_described(converted: tuple) -> None:
    out, _, _ = converted
    text = (out / "comments.k").read_text(encoding="utf-8")
    assert text.startswith("# Copyright: this header belongs to the file.\n")
    assert "# The web deployment.\n# typed as apps.Deployment\nweb_deployment = apps.Deployment {" in text
    assert 'name = "web" # the name' in text
    assert "args = [ # arguments" in text
    assert '"--port=8080"\n                            # the port\n' in text
    assert '"""#!/bin/sh\necho "# not a comment"\n""" # the script' in text
    assert "\n# a document with only a comment\n" in text


def test_comment_finder_ignores_hashes_inside_scalars() -> None:
    text = 'a: "x # y" # real\nb: |\n  # text\n  more\nc: http://h/#frag\n# own line\n'
    source = parse_file("t.yaml", "t", text.encode())
    comments = source.documents[0].comments
    assert [(c.line, c.text, c.inline) for c in comments] == [(0, "# real", True), (5, "# own line", False)]
    assert find_comments("x: 1\n", [Span(0, 3, 0, 4)]) == []


# --- layouts and the command line ----------------------------------------------------


def test_one_file_per_resource(schemas: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    args = [
        "convert",
        str(MANIFESTS / "comments.yaml"),
        str(MANIFESTS / "widgets.yaml"),
        "-o",
        str(out),
        "--layout",
        "resource",
        "--verify",
    ]
    code, err = _cli(args + [f"--schemas={s}" for s in schemas], capsys)
    assert code == 0, err
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.k")) == [
        "comments/script_config_map.k",
        "comments/web_deployment.k",
        "comments/web_service.k",
        "widgets/checks_need_defaults_widget.k",
        "widgets/defaults_kept_out_widget.k",
        "widgets/explicit_widget.k",
        "widgets/missing_required_widget.k",
        "widgets/typo_widget.k",
    ]
    assert (out / "comments/web_deployment.k").read_text(encoding="utf-8").startswith("# Copyright")
    assert "verified 8/8 files" in err


def test_cli_verify_and_summary(schemas: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code, err = _cli(
        ["convert", str(MANIFESTS), "-o", str(out), "--verify"] + [f"--schemas={s}" for s in schemas], capsys
    )
    assert code == 0, err
    assert "verified 9/9 files: kcl-lib and kcl run give back their manifests" in err
    assert (
        "22 documents; their resources: 12 typed, 5 plain as their schema rejects or changes them, 3 plain with no schema;"
        in err
    )
    code, err = _cli(["convert", str(MANIFESTS), "-o", str(out), "-q"] + [f"--schemas={s}" for s in schemas], capsys)
    assert code == 0 and err == ""


def test_verify_names_file_document_and_path_of_the_first_difference(schemas: list[str], tmp_path: Path) -> None:
    out = tmp_path / "out"
    conversion = convert([str(MANIFESTS / "comments.yaml")], out, ConvertOptions(tuple(schemas)), lambda message: None)
    write_tree(out, conversion.files)
    target = out / "comments.k"
    target.write_text(
        target.read_text(encoding="utf-8").replace("containerPort = 8080", "containerPort = 8081"), encoding="utf-8"
    )
    expected = (
        f"{target}: document 1 (from {MANIFESTS / 'comments.yaml'} (document 1)): "
        "spec.template.spec.containers[0].ports[0].containerPort: expected 8080, got 8081"
    )
    assert [str(f) for f in verify_conversion(out, conversion.expected)] == [expected]
    assert [str(f) for f in verify_conversion(out, conversion.expected, exact=True)] == [expected]


def test_stdin_and_json(schemas: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    data = (MANIFESTS / "service.json").read_bytes()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["convert", "-", "-o", str(out), "-q", "--verify", f"--schemas={schemas[0]}"]) == 0
    assert "json_service = core.Service {" in (out / "stdin.k").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "place", "words"),
    [
        ("a: [1, 2\nb: 3\n", ":2:2:", "invalid YAML"),
        ("a: !custom 1\n", ":1:4:", "invalid YAML"),
        ("a:\n  ~: 1\n", ":2:3:", "null"),
        ("a: .inf\n", ":1:4:", "infinite"),
        ("a: &x [*x]\n", ":1:4:", "recursive alias"),
    ],
)
def test_bad_input_is_one_line_with_place_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, place: str, words: str
) -> None:
    good = tmp_path / "in" / "good.yaml"
    good.parent.mkdir()
    good.write_text("apiVersion: v1\nkind: ConfigMap\n", encoding="utf-8")
    bad = tmp_path / "in" / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    code, err = _cli(["convert", str(tmp_path / "in"), "-o", str(out)], capsys)
    assert code == 1
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"error: {bad}{place}") and words in err, err
    assert not out.exists()


def test_duplicate_keys_warn_and_the_last_wins(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "dup.yaml"
    source.write_text("kind: A\nmetadata:\n  name: a\nkind: B\n", encoding="utf-8")
    code, err = _cli(["convert", str(source), "-o", str(tmp_path / "out"), "--verify"], capsys)
    assert code == 0, err
    assert f"{source}:4:1: duplicate key 'kind' (also on line 1); the last one wins" in err
    assert 'kind = "B"' in (tmp_path / "out" / "dup.k").read_text(encoding="utf-8")


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _cli(
        ["convert", str(MANIFESTS / "list.yaml"), "-o", str(tmp_path / "out"), "--schemas", str(tmp_path)], capsys
    )
    assert code == 2 and "no kcl.mod there" in err
    assert not (tmp_path / "out").exists()


def test_the_verify_module_is_not_shadowed_by_a_function() -> None:
    """`import openapi_tool.convert.verify` gives the module, so monkeypatching it reaches callers."""
    import openapi_tool.convert as package
    import openapi_tool.convert.verify as module

    assert inspect.ismodule(package.verify) and package.verify is module
    assert module.verify_conversion is verify_conversion


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["convert", "--help"])
    assert "examples:" in capsys.readouterr().out


def test_rerun_keeps_files_and_refuses_to_replace_an_edited_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["convert", str(MANIFESTS / "anchors.yaml"), "-o", str(out)]
    assert _cli(args, capsys)[0] == 0
    code, err = _cli(args, capsys)
    assert code == 0 and "0 files written, 2 unchanged" in err
    edited = out / "anchors.k"
    edited.write_text(edited.read_text(encoding="utf-8") + "# my change\n", encoding="utf-8")
    code, err = _cli(args, capsys)
    assert code == 1 and f"{out}: generated files edited since openapi-tool wrote them: anchors.k;" in err
    assert edited.read_text(encoding="utf-8").endswith("# my change\n")
    assert (out / LOCK).is_file()
    code, err = _cli([*args, "--force"], capsys)
    assert code == 0 and not edited.read_text(encoding="utf-8").endswith("# my change\n")


# --- properties ----------------------------------------------------------------------

_TEXT = st.lists(
    st.sampled_from(list("ab $#{}\"'\\\n\t:-.é😀0192eE+") + ["${", "\r\n", "\u2028", "\x00", "\x7f"]), max_size=12
).map("".join)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    # kcl prints 1e+16 as `1e16`, which YAML 1.1 reads as a string, floats with only 15
    # significant digits, and some floats past 2**51 off by 0.5 in YAML (3918324873238290.0
    # as 3918324873238289.5): kcl limits, which the final check and --verify report
    st.floats(allow_nan=False, allow_infinity=False).filter(
        lambda f: (f == 0 or 1e-5 <= abs(f) < 1e15) and float(f"{f:.15g}") == f
    ),
    _TEXT,
    st.sampled_from(
        ["yes", "on", "0123", "1e3", "2024-01-01", "null", "~", "=", "<<", "", " ", "- a", "? x", "@x", "%"]
    ),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_TEXT, inner, max_size=4)),
    max_leaves=20,
)


class _ManifestLoader(yaml.SafeLoader):
    """PyYAML as the API server reads manifests: an unquoted date, `=` or `<<` (as a value)
    stays a string."""


_STRING_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("timestamp", "value", "merge")}
_ManifestLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag not in _STRING_TAGS]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _kcl_renders(work_dir: Path, file: str) -> list:
    """What `kcl run` prints for one converted file, read by PyYAML (not by the converter)."""
    result = kcl.API().exec_program(kcl.ExecProgramArgs(k_filename_list=[file], work_dir=str(work_dir)))
    assert not result.err_message, result.err_message
    return list(yaml.load_all(result.yaml_result, Loader=_ManifestLoader))


def _document(value: object) -> bool:
    """A document the round trip is owed: not empty, and not a bare string of line breaks only
    (not a manifest: kcl writes `"\\n"` as a block scalar, `|2+`, that PyYAML reads back as ""
    at the top of a document; the converter warns that it does not round-trip)."""
    return value is not None and not (isinstance(value, str) and value and set(value) == {"\n"})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(documents=st.lists(_VALUES.filter(_document), min_size=1, max_size=4))
@example(documents=["\r\n\t", {"a": "  x\n  y"}])  # KCL dedents `"""` strings
def test_any_yaml_value_round_trips(documents: list, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The documents hypothesis made are what the converter read and what KCL renders back."""
    work = tmp_path_factory.mktemp("prop")
    source = work / "in.yaml"
    source.write_text(yaml.safe_dump_all(documents, allow_unicode=True), encoding="utf-8")
    conversion = convert([str(source)], work / "out", ConvertOptions(), lambda message: None)
    assert [e.data for e in conversion.expected["in.k"]] == documents
    assert conversion.not_round_tripping == []
    write_tree(work / "out", conversion.files)
    assert _kcl_renders(work / "out", "in.k") == documents
    assert verify_conversion(work / "out", conversion.expected, exact=True) == []
