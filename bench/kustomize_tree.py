"""Issue 14's measures over ../shared/corpus/kustomize: convert each project as one Kustomize tree.

    python bench/kustomize_tree.py                 # all 12 projects
    python bench/kustomize_tree.py --project kustomize --keep /tmp/kz --flat

Exactness: kustomizations whose KCL file renders (kcl-lib) exactly what `kubectl kustomize`
prints, over those that render offline (INDEX.tsv `ok`), per project and per feature, and one
line per miss saying why. DRY: non-blank, non-comment lines of the KCL tree (schema modules
left out) over the same count for the project's files (kustomizations, resources, patches,
generator files); with --flat, also the lines of converting each rendered kustomization flat,
file by file. Speed: seconds to convert each project (without --verify).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from kustomize_corpus import CORPUS, Row, oracle_documents, oracle_text, read_index  # noqa: E402

from openapi_tool.convert.kclrun import Executor, Program  # noqa: E402
from openapi_tool.convert.kustomize.check import difference  # noqa: E402
from openapi_tool.convert.kustomize.pipeline import convert_tree  # noqa: E402
from openapi_tool.convert.pipeline import ConvertOptions, convert  # noqa: E402
from openapi_tool.kcl_compile import external_packages  # noqa: E402
from openapi_tool.output import write_tree  # noqa: E402

K8S_SPECS = REPO.parent / "shared" / "corpus" / "k8s-openapi"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not (CORPUS / "INDEX.tsv").is_file():
        print(f"no corpus at {CORPUS}", file=sys.stderr)
        return 2
    if shutil.which("kubectl") is None:
        print("kubectl is not on PATH: no oracle", file=sys.stderr)
        return 2
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="kustomize-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    schemas = _k8s_module(work)
    rows = [r for r in read_index() if not args.project or r.project == args.project]
    projects = sorted({r.project for r in rows})
    seconds: dict[str, float] = {}
    maps: dict[str, dict[str, str]] = {}
    skipped: dict[str, dict[str, str]] = {}
    for project in projects:
        out = work / "trees" / project
        started = time.perf_counter()
        conversion = convert_tree(CORPUS / project, out, ConvertOptions((str(schemas),)), lambda message: None)
        write_tree(out, conversion.files, {"command": "bench"}, force=True)
        seconds[project] = time.perf_counter() - started
        maps[project], skipped[project] = conversion.kustomizations, conversion.skipped
    misses = _exactness(rows, work / "trees", maps, skipped)
    _report(rows, misses, seconds)
    _dry(projects, rows, work, schemas, args.flat)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", help="only this project")
    parser.add_argument("--keep", metavar="DIR", help="write the trees here and keep them")
    parser.add_argument("--flat", action="store_true", help="also convert each rendered kustomization flat (slow)")
    return parser


def _k8s_module(work: Path) -> Path:
    """The Kubernetes schema module made from the newest spec of the corpus."""
    from openapi_tool.cli import main as cli

    newest = max(
        (p for p in K8S_SPECS.iterdir() if p.name[0].isdigit()), key=lambda p: tuple(map(int, p.name.split(".")))
    )
    out = work / "k8s"
    if not (out / "kcl.mod").is_file():
        assert cli(["gen", "-q", "--spec", str(newest), "-o", str(out)]) == 0
    return out


def _exactness(
    rows: list[Row], trees: Path, maps: dict[str, dict[str, str]], skipped: dict[str, dict[str, str]]
) -> dict[Row, str]:
    """Row -> why it is not exact, for the rows that are not."""
    misses: dict[Row, str] = {}
    runnable: list[tuple[Row, Program]] = []
    externals: dict[str, tuple] = {}
    for row in rows:
        entry = maps.get(row.project, {}).get(row.dir)
        if entry is None:
            misses[row] = skipped.get(row.project, {}).get(row.dir, "not found as a kustomization")
            continue
        out = (trees / row.project).resolve()
        external = externals.setdefault(row.project, external_packages(out))
        runnable.append((row, Program(str(out), (), external, (str(out / entry),))))
    with Executor(2) as executor:
        results = executor.run_all([program for _, program in runnable])
    for (row, _), result in zip(runnable, results):
        try:
            wanted = oracle_documents(CORPUS / row.project / row.dir)
        except RuntimeError as error:
            misses[row] = f"kubectl fails: {error}"
            continue
        problem = difference(result.yaml, result.error, wanted)
        if problem:
            misses[row] = problem
    return misses


def _report(rows: list[Row], misses: dict[Row, str], seconds: dict[str, float]) -> None:
    projects: dict[str, Counter] = {}
    features: dict[str, Counter] = {}
    for row in rows:
        for table, key in [(projects, row.project)] + [(features, f) for f in row.features]:
            counter = table.setdefault(key, Counter())
            counter["total"] += 1
            counter["exact"] += row not in misses
    exact = len(rows) - len(misses)
    print(f"exactness: {exact}/{len(rows)} kustomizations render exactly what kubectl kustomize renders")
    print(f"speed: {sum(seconds.values()):.1f} s to convert {len(seconds)} projects (without --verify)")
    print("\nby project:                       exact   seconds")
    for key in sorted(projects):
        print(f"  {key:32s} {projects[key]['exact']:4d}/{projects[key]['total']:<4d} {seconds.get(key, 0):6.1f}")
    print("\nby feature:")
    for key in sorted(features):
        print(f"  {key:32s} {features[key]['exact']:4d}/{features[key]['total']:<4d}")
    if misses:
        print(f"\nmisses ({len(misses)}):")
    for row, why in sorted(misses.items(), key=lambda item: (item[0].project, item[0].dir)):
        print(f"  {row.project}/{row.dir}: {why}")


def _dry(projects: list[str], rows: list[Row], work: Path, schemas: Path, flat: bool) -> None:
    print(
        "\nDRY: lines of KCL / lines of the YAML it came from"
        + (" (flat: each rendered output converted)" if flat else "")
    )
    for project in projects:
        source = sum(_lines(p, "#") for p in (CORPUS / project).rglob("*") if p.is_file())
        tree = sum(_lines(p, "#") for p in (work / "trees" / project).rglob("*.k"))
        text = f"  {project:32s} source {source:6d}  tree {tree:6d}  ratio {tree / max(source, 1):.2f}"
        if flat:
            chosen = [r for r in rows if r.project == project]
            flat_lines = _flat_lines(chosen, work / "flat" / project, schemas)
            text += f"  flat {flat_lines:7d}  flat/tree {flat_lines / max(tree, 1):.1f}x"
            rendered = sum(_text_lines(_rendered(r), "#") for r in chosen)
            text += f"  (rendered YAML / source {rendered / max(source, 1):.1f}x)"
        print(text)


def _flat_lines(rows: list[Row], out: Path, schemas: Path) -> int:
    """Lines of converting each kustomization's rendered output on its own."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, row in enumerate(rows):
        text = _rendered(row)
        if not text:
            continue
        path = out / f"k{number}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    if not paths:
        return 0
    conversion = convert(paths, out / "kcl", ConvertOptions((str(schemas),)), lambda message: None)
    return sum(_text_lines(text, "#") for name, text in conversion.files.items() if name.endswith(".k"))


def _rendered(row: Row) -> str:
    try:
        return oracle_text(CORPUS / row.project / row.dir)
    except RuntimeError:
        return ""


def _lines(path: Path, comment: str) -> int:
    try:
        return _text_lines(path.read_text(encoding="utf-8"), comment)
    except (UnicodeDecodeError, OSError):
        return 0


def _text_lines(text: str, comment: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip() and not line.strip().startswith(comment))


if __name__ == "__main__":
    sys.exit(main())
