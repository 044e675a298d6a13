"""Validation fidelity of generated KCL schemas over the CRDs of ../shared/corpus.

    python bench/fidelity.py                        # every project
    python bench/fidelity.py --quick                # the sample sizes of tests/test_fidelity.py
    python bench/fidelity.py -p gateway-api -p istio --mutations 120 --show 40
    python bench/fidelity.py --save out.pkl         # keep every disagreement for later reading

Prints one row per CRD project (agreement %, false accepts FA, false rejects FR on real
manifests, synthesised instances, mutated instances and CEL verdicts; CEL rules
translated/total), then the mutation classes, the CEL summary and the disagreements grouped
by class with one example each. The harness itself is tests/fidelity/.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import fidelity  # noqa: E402  (after the sys.path entry above)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("-p", "--project", action="append", help="only this project (repeatable)")
    parser.add_argument("--file", help="only CRD files whose path contains this text")
    parser.add_argument(
        "--mutations", type=int, default=fidelity.Budget().mutations, help="mutated instances per resource (at most)"
    )
    parser.add_argument("--cel-variants", type=int, default=fidelity.Budget().cel_variants)
    parser.add_argument("--quick", action="store_true", help="the sample sizes of tests/test_fidelity.py")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=0, help="processes (default: up to 2)")
    parser.add_argument("--show", type=int, default=3, help="examples per disagreement class")
    parser.add_argument("--save", type=Path, help="pickle the per-file results here")
    args = parser.parse_args(argv)
    if not (args.corpus / "crds").is_dir():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    budget = (
        fidelity.TEST_BUDGET
        if args.quick
        else fidelity.Budget(mutations=args.mutations, cel_variants=args.cel_variants)
    )
    started = time.perf_counter()

    def progress(result: fidelity.FileResult) -> None:
        print(
            f"  {result.seconds:6.1f}s {result.kcl_runs:5d} runs  {result.file}"
            + (f"  ERRORS: {result.errors}" if result.errors else ""),
            file=sys.stderr,
            flush=True,
        )

    results = fidelity.measure_corpus(
        args.corpus,
        args.project,
        budget,
        args.seed,
        args.workers or None,
        progress,
        file_filter=(lambda p: args.file in str(p)) if args.file else None,
    )
    if args.save:
        args.save.write_bytes(pickle.dumps(results))
    print()
    print(fidelity.table(results))
    print()
    print(fidelity.class_table(results))
    print()
    print(fidelity.cel_summary(results))
    print()
    print(disagreement_report(results, args.show))
    timings = {k: sum(r.timings[k] for r in results) for k in ("generate", "kcl")}
    busy = sum(r.seconds for r in results)
    print(
        f"\n{sum(len(r.errors) for r in results)} errors; {time.perf_counter() - started:.0f}s wall; worker time {busy:.0f}s "
        f"(generating {timings['generate']:.0f}s, KCL {timings['kcl']:.0f}s in {sum(r.kcl_runs for r in results)} runs)"
    )
    for r in results:
        for error in r.errors:
            print(f"ERROR {r.file}: {error}")
    return 0


def disagreement_report(results: list[fidelity.FileResult], show: int) -> str:
    groups: dict[tuple[str, str, str], list[fidelity.Disagreement]] = defaultdict(list)
    for result in results:
        for d in result.disagreements:
            groups[(d.category, d.kind, d.klass)].append(d)
    lines = [f"disagreements: {sum(len(v) for v in groups.values())} in {len(groups)} classes"]
    for (category, kind, klass), items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        projects = sorted({d.project for d in items})
        lines.append(f"\n[{category}] {kind} / {klass}: {len(items)} ({', '.join(projects)})")
        for d in items[:show]:
            lines.append(f"    {d.file} {d.resource} at {d.path or '-'} ({d.keyword or '-'})")
            lines.append(f"      KCL: {d.kcl_message[:220] or 'accepted'}")
            lines.append(f"      oracle: {d.oracle_message[:220] or 'accepted'}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
