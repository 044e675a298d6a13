"""The run report: which constraints became checks and which were kept as comments.

Written as JSON (`--report-json`) for tools and as markdown (`--report`) for people.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openapi_tool.kcl.render import RenderedModule


def report_data(module: RenderedModule) -> dict[str, Any]:
    skipped = [{"where": s.where, "rule": s.rule, "reason": s.reason} for s in module.skipped]
    cel_total = module.cel_rules
    cel_kept = sum(1 for s in module.skipped if s.rule.startswith("rule "))
    return {
        "checks": {
            "written": module.checks,
            "kept_as_comments": len(skipped),
            "cel_rules": cel_total,
            "cel_rules_translated": cel_total - cel_kept,
            "not_checked": skipped,
        }
    }


def summary_line(data: dict[str, Any]) -> str:
    checks = data["checks"]
    return (
        f"checks: {checks['written']} written, {checks['kept_as_comments']} constraints kept as comments; "
        f"CEL rules translated {checks['cel_rules_translated']}/{checks['cel_rules']}"
    )


def markdown(data: dict[str, Any]) -> str:
    checks = data["checks"]
    lines = ["# openapi-tool report", "", "## Checks", "", summary_line(data) + ".", ""]
    if checks["not_checked"]:
        lines += ["| where | rule | why not checked |", "| --- | --- | --- |"]
        for item in checks["not_checked"]:
            cells = [str(item[k]).replace("|", "\\|").replace("\n", " ") for k in ("where", "rule", "reason")]
            lines.append("| " + " | ".join(f"`{c}`" if i < 2 else c for i, c in enumerate(cells)) + " |")
        lines.append("")
    return "\n".join(lines)


def write_reports(data: dict[str, Any], markdown_path: str | None, json_path: str | None) -> None:
    if markdown_path:
        Path(markdown_path).write_text(markdown(data), encoding="utf-8")
    if json_path:
        Path(json_path).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
