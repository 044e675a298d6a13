"""Reporting measurements: per-project, per-class and CEL tables."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .measure import CelStats, FileResult, Tally


@dataclass
class ProjectRow:
    project: str
    files: int = 0
    resources: int = 0
    tallies: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    cel: CelStats = field(default_factory=CelStats)
    errors: int = 0


def by_project(results: list[FileResult]) -> list[ProjectRow]:
    rows: dict[str, ProjectRow] = {}
    for r in results:
        row = rows.setdefault(r.project, ProjectRow(r.project))
        row.files += 1
        row.resources += r.resources
        for name, tally in r.tallies.items():
            row.tallies[name].merge(tally)
        row.cel.merge(r.cel)
        row.errors += len(r.errors)
    return [rows[k] for k in sorted(rows)]


def table(results: list[FileResult]) -> str:
    """Per project: agreement %, false accepts (FA) and false rejects (FR) per category."""
    rows = by_project(results)
    total = ProjectRow("TOTAL")
    for row in rows:
        total.files += row.files
        total.resources += row.resources
        for name, tally in row.tallies.items():
            total.tallies[name].merge(tally)
        total.cel.merge(row.cel)
        total.errors += row.errors
    head = (
        f"{'project':<31} {'res':>4} | {'manifests agree FA FR':>22} | {'mutated agree FA FR':>24} | {'synth':>7} | "
        f"{'CEL agree FA FR':>20} | {'CEL transl.':>11}"
    )
    lines = [head, "-" * len(head)]
    for row in rows + [total]:
        m, u, s, c = (row.tallies[k] for k in ("manifest", "mutated", "synthesised", "cel"))
        lines.append(
            f"{row.project:<31} {row.resources:>4} | {_cell(m, 5):>22} | {_cell(u, 6):>24} | {s.agreement:6.1f}% | "
            f"{_cell(c, 5):>20} | {row.cel.translated:>5}/{row.cel.total:<5}"
            + (f"  ({row.errors} errors)" if row.errors else "")
        )
    return "\n".join(lines)


def _cell(t: Tally, width: int) -> str:
    if not t.total:
        return "-"
    return f"{t.agreement:6.2f}% of {t.total:<{width}} {t.false_accepts:>3} {t.false_rejects:>3}"


def class_table(results: list[FileResult]) -> str:
    classes: dict[str, Tally] = defaultdict(Tally)
    for r in results:
        for name, tally in r.by_class.items():
            classes[name].merge(tally)
    lines = [f"{'mutation class':<20} {'n':>6} {'agree':>8} {'FA':>5} {'FR':>5}"]
    for name in sorted(classes):
        t = classes[name]
        lines.append(f"{name:<20} {t.total:>6} {t.agreement:7.2f}% {t.false_accepts:>5} {t.false_rejects:>5}")
    return "\n".join(lines)


def cel_summary(results: list[FileResult]) -> str:
    stats = CelStats()
    for r in results:
        stats.merge(r.cel)
    share = 100.0 * stats.translated / stats.total if stats.total else 100.0
    lines = [
        f"CEL rules translated {stats.translated}/{stats.total} ({share:.1f}%); evaluable by the runtime {stats.evaluable} "
        f"({stats.shimmed} through string shims); compared on instances {stats.compared} "
        f"(seen true {stats.seen_true}, seen false {stats.seen_false})",
    ]
    if stats.missing_functions:
        lines.append(
            "excluded (the runtime lacks): "
            + ", ".join(f"{name} x{count}" for name, count in stats.missing_functions.most_common())
        )
    return "\n".join(lines)
