"""Benchmark openapi-tool against peer generators on the same inputs, in one run (issue 7).

    python bench/run.py                 # everything, on ../shared/corpus (a few minutes)
    python bench/run.py --only swagger,regen,regen-one,help --runs 5
    python bench/run.py --tiny --no-peers   # seconds, on specs/ (the smoke test)

Every tool runs as a fresh process, so start-up counts as a user sees it. Each comparison
warms every tool up once, then runs them in turns, alternating who goes first, and reports
the median wall time, the median CPU time and the peak resident memory of each process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import inputs as inputs_mod
import peers
import report
from measure import Contender, RunFailed, Series, compare, run_once
from report import Case

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CASES = ("help", "swagger", "argo", "crds", "regen", "regen-one", "convert")
CHANGED_CRD = "cert-manager/cert-manager.io_certificates.yaml"  # the file regen-one edits between runs


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    only = set(args.only.split(",")) if args.only else set(CASES)
    if only - set(CASES):
        sys.exit(f"--only: unknown case(s) {', '.join(sorted(only - set(CASES)))}; choose from {', '.join(CASES)}")
    runs = args.runs if args.runs is not None else (1 if args.tiny else 3)
    warmup = not args.tiny if args.warmup is None else args.warmup

    # Installed tools run from cached bytecode; a PYTHONDONTWRITEBYTECODE=1 in the environment
    # would make each run compile the Python modules of the editable checkout again.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    data = inputs_mod.tiny_inputs(REPO) if args.tiny else inputs_mod.corpus_inputs(Path(args.corpus))
    ours = [sys.executable, "-m", "openapi_tool"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    skipped = list(data.skipped)
    dmc = cdk = None
    if args.no_peers:
        skipped.append("peers: --no-peers given")
    else:
        dmc = _peer(peers.datamodel_codegen(), "datamodel-codegen", skipped)
        cdk = _peer(peers.cdk8s(BENCH / ".peers", not args.no_install), "cdk8s import", skipped)

    print(_header(ours, env, dmc, cdk, runs, warmup, data, args.tiny))
    cases: list[Case] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="openapi-tool-bench-") as tmp:
        work = Path(tmp)

        def gen(*options: str) -> Contender:
            return Contender("openapi-tool gen", lambda out: [*ours, "gen", "-q", *options, "-o", str(out)], REPO, env)

        def run(key: str, title: str, contenders: list[Contender]) -> Case:
            print(f"  {title} ...", flush=True)
            case = Case(key, title, compare(contenders, work / key, runs, warmup, args.slow))
            cases.append(case)
            return case

        cdk_cwd = work / "cdk8s-cwd"  # cdk8s may write cdk8s.yaml beside its output
        cdk_cwd.mkdir()
        if "help" in only:
            run(
                "help",
                "openapi-tool --help",
                [Contender("openapi-tool --help", lambda out: [*ours, "--help"], REPO, env)],
            )
        if "swagger" in only and data.swagger:
            contenders = [gen("--spec", str(data.swagger))]
            if dmc:
                contenders.append(
                    Contender(
                        f"datamodel-codegen {dmc.version}",
                        lambda out: [
                            *dmc.argv,
                            "--input",
                            str(data.swagger),
                            "--input-file-type",
                            "jsonschema",
                            "--output",
                            str(out),
                            *dmc.options,
                        ],
                    )
                )
            run("swagger", f"k8s swagger ({_mb([data.swagger])})", contenders)
        if "argo" in only and data.argo:
            contenders = [gen("--crd", str(data.argo))]
            if cdk:
                contenders.append(
                    Contender(
                        f"cdk8s import {cdk.version}",
                        lambda out: [*cdk.argv, *cdk.options, "--output", str(out), str(data.argo)],
                        cdk_cwd,
                    )
                )
            run("argo", f"{data.argo.name} ({_mb([data.argo])})", contenders)
        crd_module = None
        if "crds" in only and data.crds:
            contenders = [gen(*[a for path in data.crds for a in ("--crd", str(path))])]
            if cdk:
                stream = inputs_mod.concatenate(data.crds, work / "all-crds.yaml")
                contenders.append(
                    Contender(
                        f"cdk8s import {cdk.version}",
                        lambda out: [*cdk.argv, *cdk.options, "--output", str(out), str(stream)],
                        cdk_cwd,
                    )
                )
            case = run("crds", f"all CRDs ({len(data.crds)} files, {_mb(data.crds)})", contenders)
            crd_module = case.ours.output if case.ours and not case.ours.error else None
        k8s_module = None
        if "regen" in only and data.swagger:
            regen = gen("--spec", str(data.swagger))
            regen.fresh, regen.tool = False, "openapi-tool gen, 2nd"
            case = run("regen", "no-change regen, k8s swagger", [regen])
            k8s_module = case.ours.output if case.ours and not case.ours.error else None
        if "regen" in only and data.argo:
            regen = gen("--crd", str(data.argo))
            regen.fresh, regen.tool = False, "openapi-tool gen, 2nd"
            run("regen-argo", f"no-change regen, {data.argo.name}", [regen])
        if "regen-one" in only and len(data.crds) > 1:
            _regen_one(ours, env, data, work, gen, run, skipped)
        if "convert" in only:
            _convert(ours, env, data, work, k8s_module, crd_module, run, skipped)

    elapsed = time.perf_counter() - started
    print()
    print(report.measurements(cases))
    print()
    if args.tiny:
        print("targets: not judged on the --tiny inputs")
    else:
        print(report.target_table(report.targets(cases)))
    notes = [f"{s.tool} on {c.title}: {s.error}" for c in cases for s in c.series if s.error]
    notes += [f"{s.tool} on {c.title}: {s.note}" for c in cases for s in c.series if s.note]
    notes += [f"skipped: {reason}" for reason in skipped]
    if data.duplicates:
        notes.append(
            f"all CRDs: left out {len(data.duplicates)} files defining a kind an earlier file defines "
            f"({_dirs(data.duplicates, data.root)})"
        )
    if notes:
        print()
        print("\n".join(f"- {note}" for note in notes))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    busy = (
        " (more than the CPUs: other processes compete, wall times grow, cpu s less so)"
        if load > (os.cpu_count() or 1)
        else ""
    )
    print(
        f"\nspeedup = peer median / openapi-tool median; bench took {elapsed:.0f} s; load at the end {load:.2f}{busy}"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(_json(cases), indent=2) + "\n", encoding="utf-8")
    return 1 if any(s.error for c in cases for s in c.series) else 0


def _convert(ours, env, data, work, k8s_module, crd_module, run, skipped) -> None:
    help_text = subprocess.run([*ours, "--help"], capture_output=True, text=True, env=env, cwd=REPO).stdout
    if " convert " not in help_text:
        skipped.append("openapi-tool convert: not available yet (no `convert` command in `openapi-tool --help`)")
        return
    if not data.manifests:
        skipped.append("openapi-tool convert: no manifests tree")
        return
    if k8s_module is None and data.swagger:
        k8s_module = work / "k8s-for-convert"
        try:
            run_once([*ours, "gen", "-q", "--spec", str(data.swagger), "-o", str(k8s_module)], REPO, env)
        except RunFailed:
            k8s_module = None
    schemas = [a for module in (k8s_module, crd_module) if module for a in ("--schemas", str(module))]
    files = [p for p in data.manifests.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()]
    contender = Contender(
        "openapi-tool convert",
        lambda out: [*ours, "convert", "-q", str(data.manifests), "-o", str(out), *schemas],
        REPO,
        env,
    )
    run("convert", f"convert manifests ({len(files)} files, {_mb(files)})", [contender])


def _regen_one(ours, env, data, work, gen, run, skipped) -> None:
    """All corpus CRDs regenerated after one file changed: a copy of the CRDs whose file
    CHANGED_CRD (or the first) alternates between its text and an edited schema description
    before every run; the last output is then compared with a cold run over the same files."""
    root = data.root / "crds" if data.root and (data.root / "crds").is_dir() else data.crds[0].parent
    copy = work / "crds-copy"
    shutil.copytree(root, copy)
    crds = [copy / p.relative_to(root) for p in data.crds]
    target = next((p for p in crds if p.relative_to(copy).as_posix() == CHANGED_CRD), crds[0])
    texts = [target.read_text(encoding="utf-8")]
    schema = max(texts[0].find("openAPIV3Schema:"), 0)  # a schema's description: one generated file changes
    texts.append(texts[0][:schema] + texts[0][schema:].replace("description: ", "description: (edited) ", 1))
    if texts[0] == texts[1]:
        texts[1] = texts[0] + "\n# edited\n"
    turn = iter(range(1_000_000))
    options = [a for path in crds for a in ("--crd", str(path))]

    def argv(out: Path) -> list[str]:
        target.write_text(texts[next(turn) % 2], encoding="utf-8")
        return gen(*options).argv(out)

    contender = Contender("openapi-tool gen, 2nd", argv, REPO, env, fresh=False)
    case = run("regen-one", f"all CRDs, {target.relative_to(copy)} changed", [contender])
    ours = case.ours
    if ours is None or ours.error or ours.output is None:
        return
    cold = work / "regen-one-cold" / ours.output.name  # the same directory name: the module name follows it
    try:
        run_once(gen(*options).argv(cold), REPO, env)
    except RunFailed as error:
        ours.error = f"cold run for the comparison failed: {error}"
        return
    differ = _differences(ours.output, cold)
    ours.note = "output identical to a cold run" if not differ else ""
    if differ:
        ours.error = f"output differs from a cold run in {len(differ)} files, e.g. {differ[0]}"


def _differences(a: Path, b: Path) -> list[str]:
    def tree(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    left, right = tree(a), tree(b)
    return sorted(k for k in left.keys() | right.keys() if left.get(k) != right.get(k))


def _peer(found: peers.Peer | str, name: str, skipped: list[str]) -> peers.Peer | None:
    if isinstance(found, str):
        skipped.append(f"{name}: {found}")
        return None
    return found


def _header(ours, env, dmc, cdk, runs, warmup, data, tiny) -> str:
    version = subprocess.run([*ours, "--version"], capture_output=True, text=True, env=env, cwd=REPO).stdout.strip()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        f"{version or 'openapi-tool ?'} bench on {os.cpu_count()} CPUs ({platform.machine()}), "
        f"load {load:.2f}, Python {platform.python_version()}",
        f"inputs: {data.root}{' (--tiny)' if tiny else ''}",
        f"peers: datamodel-codegen {dmc.version + ' ' + ' '.join(dmc.options) if dmc else '(skipped)'}; "
        f"cdk8s-cli {cdk.version + ' --language typescript' if cdk else '(skipped)'}",
        f"each row: {'1 warm-up, then ' if warmup else ''}{runs} run(s), tools alternating; wall = process start "
        "to exit; cpu = user + system of the process and its children; peak = max RSS of the process or "
        "of its largest child; bytecode caching on; outputs removed after each comparison",
    ]
    return "\n".join(lines)


def _mb(files: list[Path]) -> str:
    size = inputs_mod.megabytes(files)
    return f"{size:.1f} MB" if size >= 0.1 else f"{size * 1000:.0f} kB"


def _dirs(pairs: list[tuple[Path, Path]], root: Path | None) -> str:
    parents = sorted({str(p.parent.relative_to(root) if root else p.parent) for p, _ in pairs})
    return ", ".join(parents)


def _json(cases: list[Case]) -> list[dict]:
    def one(s: Series) -> dict:
        return {
            "tool": s.tool,
            "error": s.error,
            "note": s.note,
            "median_s": s.median,
            "min_s": s.best,
            "cpu_s": s.cpu,
            "peak_mb": s.peak_mb,
            "walls_s": [x.wall for x in s.samples],
        }

    return [
        {"case": c.key, "title": c.title, "speedup": c.speedup(), "series": [one(s) for s in c.series]} for c in cases
    ]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--corpus",
        default=str(REPO.parent / "shared" / "corpus"),
        help="the shared corpus (default: ../shared/corpus beside the repository)",
    )
    parser.add_argument(
        "--tiny", action="store_true", help="specs/ inputs, 1 run, no warm-up: seconds, for the smoke test"
    )
    parser.add_argument("--only", help=f"comma-separated cases to run: {','.join(CASES)}")
    parser.add_argument("--runs", type=int, help="measured runs per tool after the warm-up (default 3; 1 with --tiny)")
    parser.add_argument(
        "--warmup",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="one untimed run per tool first (default: on, off with --tiny)",
    )
    parser.add_argument(
        "--slow",
        type=float,
        default=20.0,
        metavar="SECONDS",
        help="a tool whose warm-up takes longer is measured by that run alone (default 20)",
    )
    parser.add_argument("--no-peers", action="store_true", help="measure openapi-tool only")
    parser.add_argument("--no-install", action="store_true", help="do not npm-install cdk8s-cli into bench/.peers")
    parser.add_argument("--json", metavar="FILE", help="also write the measurements as JSON")
    return parser


if __name__ == "__main__":
    sys.exit(main())
