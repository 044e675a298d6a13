"""The run report: what changed since the last run, which constraints are not checks, and
which CRD versions were left out because the API server does not serve them.

Built once per output as a `RunReport`; written as markdown (`--report`, ready for a pull
request body) and JSON (`--report-json`); its counts are the lock's `summary`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openapi_tool.markdown import table

if TYPE_CHECKING:
    from openapi_tool.generate import Plan
    from openapi_tool.kcl.checks import Skipped
    from openapi_tool.kcl.render import RenderedModule
    from openapi_tool.model import UnservedVersion
    from openapi_tool.regen.changes import Change
    from openapi_tool.sources.crd import Pick


@dataclass(frozen=True)
class CheckCounts:
    """Checks written, constraints kept as comments, CEL rules seen and translated."""

    written: int
    kept_as_comments: int
    cel_rules: int
    cel_rules_translated: int
    not_checked: tuple[Skipped, ...] = ()
    """The constraints kept as comments (left out of the lock's summary)."""

    @classmethod
    def of(cls, module: RenderedModule) -> CheckCounts:
        cel_kept = sum(1 for s in module.skipped if s.cel)
        return cls(
            module.checks, len(module.skipped), module.cel_rules, module.cel_rules - cel_kept, tuple(module.skipped)
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "written": self.written,
            "kept_as_comments": self.kept_as_comments,
            "cel_rules": self.cel_rules,
            "cel_rules_translated": self.cel_rules_translated,
            "not_checked": [{"where": s.where, "rule": s.rule, "reason": s.reason} for s in self.not_checked],
        }


@dataclass(frozen=True)
class UnservedRow:
    """A CRD version left out because the API server does not serve it."""

    api_version: str
    kind: str
    source: str

    @classmethod
    def of(cls, unserved: UnservedVersion) -> UnservedRow:
        return cls(unserved.gvk.api_version, unserved.gvk.kind, str(unserved.source))

    def to_data(self) -> dict[str, str]:
        return {"api_version": self.api_version, "kind": self.kind, "source": self.source}


@dataclass(frozen=True)
class RunReport:
    """What one run made of one output directory."""

    schemas: int
    checks: CheckCounts
    unserved: tuple[UnservedRow, ...] = ()
    picked: tuple[Pick, ...] = ()
    """Kinds defined differently in several files, and the definition used."""
    changes: tuple[Change, ...] | None = None
    """API changes since the previous run; None when not compared."""
    impact: tuple[dict[str, Any], ...] | None = None
    """With `--impact`: one entry per file of the user's, as `regen.impact.assess` made it."""

    @property
    def breaking(self) -> int:
        return sum(1 for c in self.changes or () if c.breaking)

    def to_data(self) -> dict[str, Any]:
        """The report as --report-json writes it for one output."""
        data: dict[str, Any] = {"checks": self.checks.to_data(), "unserved": [u.to_data() for u in self.unserved]}
        if self.picked:
            data["picked"] = [p.to_data() for p in self.picked]
        if self.changes is not None:
            data["changes"] = {
                "breaking": self.breaking,
                "total": len(self.changes),
                "items": [c.to_data() for c in self.changes],
            }
        if self.impact is not None:
            data["impact"] = list(self.impact)
        return data

    def summary(self) -> dict[str, Any]:
        """The counts the lock records, read back by `from_summary` when nothing changed."""
        data = {
            "schemas": self.schemas,
            "checks": replace(self.checks, not_checked=()).to_data(),
            "unserved": [u.to_data() for u in self.unserved],
        }
        if self.picked:
            data["picked"] = [p.to_data() for p in self.picked]
        return data

    @classmethod
    def from_summary(cls, summary: dict[str, Any]) -> RunReport:
        from openapi_tool.sources.crd import Pick

        checks = summary.get("checks", {})
        counts = CheckCounts(
            *(checks.get(key, 0) for key in ("written", "kept_as_comments", "cel_rules", "cel_rules_translated"))
        )
        return cls(
            summary.get("schemas", 0),
            counts,
            tuple(UnservedRow(u["api_version"], u["kind"], u["source"]) for u in summary.get("unserved", [])),
            tuple(
                Pick(p["api_version"], p["kind"], p["rule"], p["used"], tuple(p["over"]))
                for p in summary.get("picked", [])
            ),
        )


def build_report(plan: Plan, changes: list[Change]) -> RunReport:
    """The report of a planned run; an incremental plan's `counts` cover the whole output."""
    from openapi_tool.model import left_out

    checks, schemas = CheckCounts.of(plan.module), len(plan.model.schemas)
    if plan.counts is not None:
        counts = plan.counts
        schemas = counts["schemas"]
        checks = CheckCounts(
            counts["written"],
            counts["kept_as_comments"],
            counts["cel_rules"],
            counts["cel_rules"] - counts["cel_kept"],
            checks.not_checked,
        )
    served = {(api, kind) for api, _, kind in (key.partition(" ") for key in plan.module.resources)}
    unserved = tuple(UnservedRow.of(u) for u in left_out(plan.model.unserved, served))
    return RunReport(schemas, checks, unserved, tuple(plan.picks), tuple(changes))


def summary_line(report: RunReport) -> str:
    checks = report.checks
    line = (
        f"checks: {checks.written} written, {checks.kept_as_comments} constraints kept as comments; "
        f"CEL rules translated {checks.cel_rules_translated}/{checks.cel_rules}"
    )
    if report.unserved:
        line += f"; {len(report.unserved)} unserved CRD versions left out"
    if report.changes is not None:
        line += f"; changes: {len(report.changes)} ({report.breaking} breaking)"
    if report.picked:
        line += f"; {len(report.picked)} apiVersion/kind pairs defined differently in several files, --prefer {report.picked[0].rule} picked one of each"
    return line


def pick_lines(picks: tuple[Pick, ...] | list[Pick]) -> list[str]:
    """One line per kind defined differently in several files: which definition was used."""
    return [f"{p.api_version} {p.kind}: using {p.used} (--prefer {p.rule}; not {', '.join(p.over)})" for p in picks]


def json_text(reports: list[tuple[str, RunReport]]) -> str:
    """One JSON report for several outputs: `{"outputs": [{"output": DIR, ...}, ...]}`."""
    data = {"outputs": [{"output": output, **report.to_data()} for output, report in reports]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def markdown(reports: list[tuple[str, RunReport]]) -> str:
    lines = ["# openapi-tool report", ""]
    for output, report in reports:
        lines += _output_markdown(output, report)
    return "\n".join(lines)


def _output_markdown(output: str, report: RunReport) -> list[str]:
    lines = [f"## `{output}`", "", summary_line(report) + ".", ""]
    if report.changes is not None:
        lines += ["### Changes", ""]
        if report.changes:
            ordered = sorted(report.changes, key=lambda c: (not c.breaking, c.kind, c.where))
            rows = [["**breaking**" if c.breaking else "compatible", c.kind, f"`{c.where}`", c.detail] for c in ordered]
            lines += table(["impact", "change", "where", "detail"], rows)
        else:
            lines += ["No change in the API surface.", ""]
    if report.unserved:
        lines += [
            "### CRD versions left out (`served: false`)",
            "",
            "The API server refuses these apiVersions; `--include-unserved` generates them.",
            "",
        ]
        lines += table(
            ["apiVersion", "kind", "source"], [[f"`{u.api_version}`", u.kind, f"`{u.source}`"] for u in report.unserved]
        )
    if report.picked:
        lines += ["### Kinds defined in several files", ""]
        rows = [
            [f"`{p.api_version} {p.kind}`", f"`{p.used}`", ", ".join(f"`{o}`" for o in p.over), p.rule]
            for p in report.picked
        ]
        lines += table(["kind", "definition used", "left out", "rule"], rows)
    if report.impact is not None:
        from openapi_tool.regen.impact import impact_markdown

        lines += impact_markdown(list(report.impact))
    skipped = report.checks.not_checked
    if skipped:
        lines += ["### Constraints kept as comments", ""]
        lines += table(
            ["where", "rule", "why not checked"], [[f"`{s.where}`", f"`{s.rule}`", s.reason] for s in skipped]
        )
    return lines


def write_reports(reports: list[tuple[str, RunReport]], markdown_path: str | None, json_path: str | None) -> None:
    if markdown_path:
        Path(markdown_path).write_text(markdown(reports), encoding="utf-8")
    if json_path:
        Path(json_path).write_text(json_text(reports), encoding="utf-8")
