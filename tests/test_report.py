"""The change report (`gen --check --report-json`), on a CRD written here: two versions of
it in tests/fixtures/report and, beside them, every entry the report must list. No corpus
needed; tests/test_regen.py also compares two real Kubernetes releases when ../shared is
there."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from openapi_tool.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "report"


def _entry(item: dict) -> tuple:
    return (item["kind"], item["where"], item.get("detail", ""), item["breaking"])


def _changes(tmp_path: Path, markdown: Path | None = None) -> list[dict]:
    out, report = tmp_path / "out", tmp_path / "report.json"
    assert main(["gen", "-q", "--crd", str(FIXTURES / "gadgets-old.yaml"), "-o", str(out)]) == 0
    args = [
        "gen",
        "-q",
        "--crd",
        str(FIXTURES / "gadgets-new.yaml"),
        "-o",
        str(out),
        "--check",
        "--report-json",
        str(report),
    ]
    assert main(args + (["--report", str(markdown)] if markdown else [])) == 1  # out of date
    return json.loads(report.read_text(encoding="utf-8"))["outputs"][0]["changes"]["items"]


def test_the_report_lists_exactly_the_expected_changes(tmp_path: Path) -> None:
    expected = sorted(_entry(e) for e in yaml.safe_load((FIXTURES / "expected.yaml").read_text(encoding="utf-8")))
    found = sorted(_entry(c) for c in _changes(tmp_path))
    missing = [e for e in expected if e not in found]
    unexpected = [f for f in found if f not in expected]
    assert not missing and not unexpected, f"missing: {missing}\nnot expected: {unexpected}"


def test_the_markdown_report_puts_breaking_changes_first(tmp_path: Path) -> None:
    markdown = tmp_path / "changes.md"
    items = _changes(tmp_path, markdown)
    text = markdown.read_text(encoding="utf-8")
    breaking = [c["where"] for c in items if c["breaking"]]
    harmless = [c["where"] for c in items if not c["breaking"]]
    assert breaking and harmless
    assert all(where in text for where in breaking + harmless)
    assert max(text.index(w) for w in breaking if w not in harmless) < min(
        text.index(w) for w in harmless if w not in breaking
    )


def _crd(rules: str = "") -> str:
    return f"""apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: dials.example.com}}
spec:
  group: example.com
  scope: Namespaced
  names: {{kind: Dial, plural: dials}}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                level: {{type: integer}}
{rules}"""


def _rule_changes(tmp_path: Path, forget_marker: bool) -> list[tuple]:
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(_crd(), encoding="utf-8")
    new.write_text(_crd('              x-kubernetes-validations: [{rule: "self.level <= 10"}]\n'), encoding="utf-8")
    out, report = tmp_path / "out", tmp_path / "report.json"
    assert main(["gen", "-q", "--crd", str(old), "-o", str(out)]) == 0
    if forget_marker:  # a lock written before surfaces recorded rules
        lock = json.loads((out / "openapi-tool.lock").read_text(encoding="utf-8"))
        del lock["surface_rules"]
        (out / "openapi-tool.lock").write_text(json.dumps(lock), encoding="utf-8")
    main(["gen", "-q", "--crd", str(new), "-o", str(out), "--check", "--report-json", str(report)])
    items = json.loads(report.read_text(encoding="utf-8"))["outputs"][0]["changes"]["items"]
    return [_entry(item) for item in items]


def test_a_rule_added_where_there_was_none_is_a_breaking_change(tmp_path: Path) -> None:
    assert _rule_changes(tmp_path, forget_marker=False) == [
        ("rule added", "example.com.v1.DialSpec", "self.level <= 10", True)
    ]


def test_a_lock_from_before_rules_were_recorded_reports_no_rule_change(tmp_path: Path) -> None:
    assert _rule_changes(tmp_path, forget_marker=True) == []
