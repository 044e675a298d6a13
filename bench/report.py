"""The printed result: one table of measurements, one of the issue's targets."""

from __future__ import annotations

from dataclasses import dataclass

from measure import Series

OURS = "openapi-tool"


@dataclass
class Case:
    key: str  # help, swagger, argo, crds, regen, regen-argo, regen-one, convert
    title: str
    series: list[Series]

    @property
    def ours(self) -> Series | None:
        return next((s for s in self.series if s.tool.startswith(OURS)), None)

    def peer(self) -> Series | None:
        return next((s for s in self.series if not s.tool.startswith(OURS)), None)

    def speedup(self) -> float | None:
        """How many times faster openapi-tool is than the peer (median wall over median wall)."""
        ours, peer = self.ours, self.peer()
        if ours and peer and ours.median and peer.median:
            return peer.median / ours.median
        return None


def measurements(cases: list[Case]) -> str:
    header = ["input", "tool", "runs", "median s", "min s", "cpu s", "peak MB", "ours faster by"]
    rows = []
    for case in cases:
        for i, series in enumerate(case.series):
            title = case.title if i == 0 else ""
            if series.error or not series.samples:
                rows.append([title, series.tool, "-", "failed" if series.error else "skipped", "", "", "", ""])
                continue
            speedup = case.speedup() if series is case.peer() else None
            rows.append(
                [
                    title,
                    series.tool,
                    str(len(series.samples)),
                    f"{series.median:.2f}",
                    f"{series.best:.2f}",
                    f"{series.cpu:.2f}",
                    f"{series.peak_mb:.0f}",
                    f"{speedup:.1f}x" if speedup else "",
                ]
            )
    return _table(header, rows)


@dataclass
class Target:
    text: str
    measured: str
    met: bool | None  # None: not measured


def targets(cases: list[Case]) -> list[Target]:
    by_key = {case.key: case for case in cases}
    out: list[Target] = []

    def wall(key: str, text: str, limit: float) -> None:
        series = by_key[key].ours if key in by_key else None
        median = series.median if series else None
        out.append(Target(text, f"{median:.2f} s" if median else "-", median <= limit if median else None))

    def faster(key: str, text: str, times: float) -> None:
        speedup = by_key[key].speedup() if key in by_key else None
        out.append(Target(text, f"{speedup:.1f}x" if speedup else "-", speedup >= times if speedup else None))

    wall("swagger", "k8s 1.35 swagger, gen <= 0.5 s", 0.5)
    faster("swagger", "k8s 1.35 swagger, >= 12x faster than datamodel-codegen", 12)
    wall("argo", "argo Workflow CRD, gen <= 0.6 s", 0.6)
    faster("argo", "argo Workflow CRD, >= 4x faster than cdk8s import", 4)
    faster("crds", "all corpus CRDs cold, >= 3x faster than cdk8s import", 3)
    wall("regen-one", "all corpus CRDs, one file changed, <= 0.5 s (identical to a cold run)", 0.5)
    peaks = [
        (s.peak_mb, c.title) for c in cases if c.key not in ("convert", "help") for s in [c.ours] if s and s.peak_mb
    ]
    if peaks:
        peak, where = max(peaks)
        out.append(Target("peak memory of openapi-tool gen <= 120 MB", f"{peak:.0f} MB ({where})", peak <= 120))
    else:
        out.append(Target("peak memory of openapi-tool gen <= 120 MB", "-", None))
    wall("help", "openapi-tool --help <= 0.1 s", 0.1)
    wall("regen", "no-change regeneration (k8s swagger) <= 0.3 s", 0.3)
    wall("regen-argo", "no-change regeneration (argo Workflow CRD) <= 0.3 s", 0.3)
    return out


def target_table(rows: list[Target]) -> str:
    status = {True: "met", False: "MISSED", None: "not measured"}
    return _table(["target (issues 7, 15)", "measured", "status"], [[t.text, t.measured, status[t.met]] for t in rows])


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    numeric = {i for i, name in enumerate(header) if name.endswith((" s", "MB", "runs", "by"))}

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])
