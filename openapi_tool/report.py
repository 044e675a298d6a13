"""The run report: what changed since the last run, which constraints are not checks, and
which CRD versions were left out because the API server does not serve them.

Written as markdown (`--report`, ready for a pull request body) and JSON (`--report-json`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openapi_tool.kcl.render import RenderedModule
    from openapi_tool.model import UnservedVersion
    from openapi_tool.regen.changes import Change
    from openapi_tool.sources.crd import Pick


def report_data(
    module: "RenderedModule",
    changes: "list[Change] | None" = None,
    unserved: "tuple[UnservedVersion, ...] | list[UnservedVersion]" = (),
    picks: "list[Pick] | None" = None,
) -> dict[str, Any]:
    skipped = [{"where": s.where, "rule": s.rule, "reason": s.reason} for s in module.skipped]
    cel_kept = sum(1 for s in module.skipped if s.rule.startswith("rule "))
    data: dict[str, Any] = {
        "checks": {
            "written": module.checks,
            "kept_as_comments": len(skipped),
            "cel_rules": module.cel_rules,
            "cel_rules_translated": module.cel_rules - cel_kept,
            "not_checked": skipped,
        },
        "unserved": [{"api_version": u.gvk.api_version, "kind": u.gvk.kind, "source": str(u.source)} for u in unserved],
    }
    if picks:
        data["picked"] = [p.to_data() for p in picks]
    if changes is not None:
        data["changes"] = {
            "breaking": sum(1 for c in changes if c.breaking),
            "total": len(changes),
            "items": [c.to_data() for c in changes],
        }
    return data


def summary_line(data: dict[str, Any]) -> str:
    checks = data["checks"]
    line = (
        f"checks: {checks['written']} written, {checks['kept_as_comments']} constraints kept as comments; "
        f"CEL rules translated {checks['cel_rules_translated']}/{checks['cel_rules']}"
    )
    if data.get("unserved"):
        line += f"; {len(data['unserved'])} unserved CRD versions left out"
    if "changes" in data:
        line += f"; changes: {data['changes']['total']} ({data['changes']['breaking']} breaking)"
    if data.get("picked"):
        line += f"; {len(data['picked'])} apiVersion/kind pairs defined differently in several files, --prefer {data['picked'][0]['rule']} picked one of each"
    return line


def pick_lines(data: dict[str, Any]) -> list[str]:
    """One line per kind defined differently in several files: which definition was used."""
    return [
        f"{p['api_version']} {p['kind']}: using {p['used']} (--prefer {p['rule']}; not {', '.join(p['over'])})"
        for p in data.get("picked", [])
    ]


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return lines + [""]


def merge_reports(reports: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """One report for several outputs: `{"outputs": [{"output": DIR, ...}, ...]}`."""
    return {"outputs": [{"output": output, **data} for output, data in reports]}


def markdown(merged: dict[str, Any]) -> str:
    lines = ["# openapi-tool report", ""]
    for data in merged["outputs"]:
        lines += _output_markdown(data)
    return "\n".join(lines)


def _output_markdown(data: dict[str, Any]) -> list[str]:
    lines = [f"## `{data['output']}`", "", summary_line(data) + ".", ""]
    if "changes" in data:
        items = data["changes"]["items"]
        lines += ["### Changes", ""]
        if items:
            ordered = sorted(items, key=lambda c: (not c["breaking"], c["kind"], c["where"]))
            rows = [["**breaking**" if c["breaking"] else "compatible", c["kind"], f"`{c['where']}`", c["detail"]] for c in ordered]
            lines += _table(["impact", "change", "where", "detail"], rows)
        else:
            lines += ["No change in the API surface.", ""]
    unserved = data.get("unserved")
    if unserved:
        lines += ["### CRD versions left out (`served: false`)", "",
                  "The API server refuses these apiVersions; `--include-unserved` generates them.", ""]
        lines += _table(["apiVersion", "kind", "source"], [[f"`{u['api_version']}`", u["kind"], f"`{u['source']}`"] for u in unserved])
    if data.get("picked"):
        lines += ["### Kinds defined in several files", ""]
        rows = [[f"`{p['api_version']} {p['kind']}`", f"`{p['used']}`", ", ".join(f"`{o}`" for o in p["over"]), p["rule"]] for p in data["picked"]]
        lines += _table(["kind", "definition used", "left out", "rule"], rows)
    if "impact" in data:
        from openapi_tool.regen.impact import impact_markdown

        lines += impact_markdown(data["impact"])
    skipped = data["checks"]["not_checked"]
    if skipped:
        lines += ["### Constraints kept as comments", ""]
        lines += _table(["where", "rule", "why not checked"], [[f"`{s['where']}`", f"`{s['rule']}`", s["reason"]] for s in skipped])
    return lines


def write_reports(data: dict[str, Any], markdown_path: str | None, json_path: str | None) -> None:
    if markdown_path:
        Path(markdown_path).write_text(markdown(data), encoding="utf-8")
    if json_path:
        Path(json_path).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
