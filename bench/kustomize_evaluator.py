"""Compare the Python Kustomize evaluator with `kubectl kustomize` over the corpus (issue 14).

    python bench/kustomize_evaluator.py                    # every `ok` row of INDEX.tsv
    python bench/kustomize_evaluator.py --project kubebuilder --dir config/default --show 2

Prints exact/total per project and per feature (INDEX `features` column), then one line per miss:
the directory and either the exception (Unsupported field, BuildError, other) or the first
differing path. kubectl's output is cached as JSON under $XDG_CACHE_HOME/openapi-tool/kustomize-oracle
(or ~/.cache/...), keyed by a digest of the directory's files; --no-cache renders afresh.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import os
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from kustomize_corpus import CORPUS, Row, read_index  # noqa: E402

from openapi_tool.convert.compare import first_difference  # noqa: E402
from openapi_tool.convert.kustomize.build import build  # noqa: E402
from openapi_tool.convert.kustomize.errors import BuildError, Unsupported  # noqa: E402
from openapi_tool.convert.kustomize.oracle import kustomize_command, render  # noqa: E402


@dataclass
class Outcome:
    row: Row
    exact: bool
    detail: str = ""
    got: list[Any] | None = None
    want: list[Any] | None = None


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    corpus = CORPUS
    if not (corpus / "INDEX.tsv").is_file():
        print(f"no corpus at {corpus} (expected ../shared/corpus/kustomize beside the repository)", file=sys.stderr)
        return 2
    if kustomize_command() is None:
        print("neither kubectl nor kustomize is on PATH: no oracle", file=sys.stderr)
        return 2
    rows = [r for r in read_index(corpus / "INDEX.tsv") if _selected(r, args)]
    jobs = [(corpus, row, not args.no_cache) for row in rows]
    with ProcessPoolExecutor(2) as pool:
        outcomes = list(pool.map(_evaluate, jobs))
    _report(outcomes, args.show)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", help="only this project")
    parser.add_argument("--dir", help="only directories containing this text")
    parser.add_argument("--show", type=int, default=0, metavar="N", help="print a diff for N misses")
    parser.add_argument("--no-cache", action="store_true", help="render with kubectl again")
    return parser


def _selected(row: Row, args: argparse.Namespace) -> bool:
    return (not args.project or row.project == args.project) and (not args.dir or args.dir in row.dir)


def _evaluate(job: tuple[Path, Row, bool]) -> Outcome:
    corpus, row, use_cache = job
    directory = corpus / row.project / row.dir
    try:
        want = _oracle(directory, use_cache)
    except Exception as error:  # noqa: BLE001 - kubectl's failure or output PyYAML cannot read
        return Outcome(row, False, f"oracle failed: {type(error).__name__}: {error}")
    try:
        got = [resource.data for resource in build(directory, corpus / row.project)]
    except Unsupported as error:
        return Outcome(row, False, f"Unsupported {error}", None, want)
    except BuildError as error:
        return Outcome(row, False, f"BuildError: {error}", None, want)
    except Exception as error:  # noqa: BLE001 - the harness reports every failure and goes on
        return Outcome(row, False, f"{type(error).__name__}: {error}", None, want)
    got = json.loads(json.dumps(got, default=str))
    if len(got) != len(want):
        return Outcome(row, False, f"documents: {len(got)} items, want {len(want)}", got, want)
    difference = first_difference(want, got)
    return Outcome(row, difference is None, str(difference or ""), got, want)


def _oracle(directory: Path, use_cache: bool) -> list[Any]:
    """kubectl's documents for `directory`, as JSON values (cached)."""
    cache = _cache_dir() / f"{_digest(directory)}.json"
    if use_cache and cache.is_file():
        return json.loads(cache.read_text(encoding="utf-8"))
    documents = json.loads(json.dumps(render(directory), default=str))
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(documents), encoding="utf-8")
    return documents


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "openapi-tool" / "kustomize-oracle"


def _digest(directory: Path) -> str:
    """A digest of the directory's path and of every file below it (names and contents)."""
    digest = hashlib.sha256(str(directory.resolve()).encode())
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _report(outcomes: list[Outcome], show: int) -> None:
    projects: dict[str, Counter] = {}
    features: dict[str, Counter] = {}
    for outcome in outcomes:
        for table, key in [(projects, outcome.row.project)] + [(features, f) for f in outcome.row.features]:
            counter = table.setdefault(key, Counter())
            counter["total"] += 1
            counter["exact"] += outcome.exact
    total = sum(o.exact for o in outcomes)
    print(f"exact {total}/{len(outcomes)}")
    for title, table in (("project", projects), ("feature", features)):
        print(f"\nby {title}:")
        for key in sorted(table):
            print(f"  {table[key]['exact']:4d}/{table[key]['total']:<4d} {key}")
    misses = [o for o in outcomes if not o.exact]
    if misses:
        print(f"\nmisses ({len(misses)}):")
    for outcome in misses:
        print(f"  {outcome.row.project}/{outcome.row.dir}: {outcome.detail}")
    for outcome in [o for o in misses if o.got is not None][:show]:
        print(f"\n--- diff {outcome.row.project}/{outcome.row.dir}")
        want = yaml.safe_dump_all(outcome.want or [], sort_keys=True).splitlines()
        got = yaml.safe_dump_all(outcome.got or [], sort_keys=True).splitlines()
        print("\n".join(difflib.unified_diff(want, got, "kubectl", "evaluator", lineterm="")))


if __name__ == "__main__":
    sys.exit(main())
