"""Benchmark `openapi-tool convert` against kcl-lib's own YAML -> KCL conversion.

    python bench/convert.py                          # ../shared/corpus/manifests, k8s schemas made from the corpus
    python bench/convert.py deploy/ --schemas k8s/ --schemas crds/
    python bench/convert.py --no-typed               # only the plain conversions

kcl-lib has one YAML -> KCL conversion, `API.generate_kcl` (what `kcl import` uses): it
takes one document at a time (a stream fails), so it gets each document of each file.
Both run in this process on the same documents, in the same run. Both outputs are then
run with kcl-lib and read back the same way (YAML 1.1, as the tool reads manifests), and
"round-trip" counts the documents that come back exactly (values and their types).
Times are wall seconds of the conversion alone, without the round-trip check.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from openapi_tool.cli import main as cli  # noqa: E402
from openapi_tool.convert import ConvertOptions, convert, verify_conversion  # noqa: E402
from openapi_tool.convert.comments import document_markers  # noqa: E402
from openapi_tool.convert.compare import first_difference  # noqa: E402
from openapi_tool.convert.read import parse_values, read_inputs  # noqa: E402
from openapi_tool.errors import InputError  # noqa: E402
from openapi_tool.output import write_tree  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    source = Path(args.manifests)
    if not source.is_dir():
        sys.exit(f"{source}: no such directory (give a manifests tree)")
    work = Path(tempfile.mkdtemp(prefix="bench-convert-"))
    try:
        return _run(args, source, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(args: argparse.Namespace, source: Path, work: Path) -> int:
    inputs, skipped = _readable(source, work / "manifests")
    documents = [(path, text) for path in sorted(inputs.rglob("*")) if path.is_file() for text in _documents(path)]
    print(
        f"{len(documents)} documents in {len(list(inputs.rglob('*.*')))} files from {source} ({os.cpu_count()} cores)"
    )
    for message in skipped:
        print(f"  left out (invalid input): {message}")
    rows = [_ours("openapi-tool convert (plain)", inputs, work / "plain", ())]
    schemas = list(args.schemas)
    if not schemas and not args.no_typed:
        schemas = _k8s_module(work)
    if schemas and not args.no_typed:
        rows.append(
            _ours(f"openapi-tool convert (typed, {len(schemas)} modules)", inputs, work / "typed", tuple(schemas))
        )
    rows.append(_kcl_generate(documents))
    print(f"\n{'conversion':<44} {'seconds':>8} {'documents/s':>12} {'round-trip':>14}  notes")
    for name, seconds, count, exact, notes in rows:
        print(
            f"{name:<44} {seconds:>8.2f} {count / seconds if seconds else 0:>12.0f} {f'{exact}/{count}':>14}  {notes}"
        )
    return 0


def _readable(source: Path, target: Path) -> tuple[Path, list[str]]:
    """The tree as links, without the files the tool rejects as invalid YAML."""
    skipped = []
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.suffix not in (".yaml", ".yml", ".json"):
            continue
        try:
            read_inputs([str(path)])
        except InputError as error:
            skipped.append(str(error))
            continue
        link = target / path.relative_to(source)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(path.resolve())
    return target, skipped


def _documents(path: Path) -> list[str]:
    """The text of each non-empty document of a file (split at its `---` lines)."""
    text = path.read_text(encoding="utf-8-sig")
    lines = text.split("\n")
    cuts = [0] + [m for m in document_markers(text)] + [len(lines)]
    parts = ["\n".join(lines[a:b]).removeprefix("---") for a, b in zip(cuts, cuts[1:])]
    return [p for p in parts if [v for v in parse_values(p) if v is not None]]


def _k8s_module(work: Path) -> list[str]:
    swaggers = sorted((CORPUS / "k8s-openapi").glob("*/swagger.json"))
    if not swaggers:
        print("typed run skipped: no Kubernetes swagger in the corpus and no --schemas")
        return []
    newest = max(swaggers, key=lambda p: tuple(int(x) for x in p.parent.name.split(".") if x.isdigit()))
    out = work / "k8s"
    if cli(["gen", "-q", "--spec", str(newest), "-o", str(out)]) != 0:
        sys.exit(f"could not generate a k8s module from {newest}")
    return [str(out)]


def _ours(name: str, inputs: Path, out: Path, schemas: tuple[str, ...]) -> tuple[str, float, int, int, str]:
    started = time.perf_counter()
    conversion = convert([str(inputs)], out, ConvertOptions(schemas), lambda message: None)
    write_tree(out, conversion.files)
    seconds = time.perf_counter() - started
    failed = {f.file for f in verify_conversion(out, conversion.expected)}
    count = sum(len(v) for v in conversion.expected.values())
    exact = sum(len(v) for k, v in conversion.expected.items() if str(out / k) not in failed)
    typed = sum(1 for u in conversion.units for r in u.resources if r.typing.head)
    notes = (
        f"{typed} resources typed; comments kept; {conversion.kcl_runs} kcl runs"
        if schemas
        else "comments kept; checked with kcl"
    )
    return name, seconds, count, exact, notes


def _kcl_generate(documents: list[tuple[Path, str]]) -> tuple[str, float, int, int, str]:
    import kcl_lib.api as kcl

    api = kcl.API()
    outputs: list[str | None] = []
    started = time.perf_counter()
    for path, text in documents:
        try:
            outputs.append(api.generate_kcl(kcl.GenerateKclArgs(source=text, filename=path.name)).kcl)
        except Exception:  # kcl-lib raises when it cannot convert a document
            outputs.append(None)
    seconds = time.perf_counter() - started
    exact, failed = 0, sum(1 for o in outputs if o is None)
    with tempfile.TemporaryDirectory() as scratch:
        program = Path(scratch) / "main.k"
        for (_, text), output in zip(documents, outputs):
            if output is None:
                continue
            program.write_text(output, encoding="utf-8")
            try:
                result = api.exec_program(kcl.ExecProgramArgs(k_filename_list=[str(program)], work_dir=scratch))
                rendered = parse_values(result.yaml_result) if not result.err_message else None
            except Exception:  # a syntax error in the generated code
                rendered = None
            wanted = [v for v in parse_values(text) if v is not None]
            if rendered is not None and len(rendered) == 1 and first_difference(wanted[0], rendered[0]) is None:
                exact += 1
    return (
        "kcl-lib generate_kcl (plain, per document)",
        seconds,
        len(documents),
        exact,
        f"no comments; {failed} not converted",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "manifests", nargs="?", default=str(CORPUS / "manifests"), help="manifests tree (default: the corpus)"
    )
    parser.add_argument(
        "--schemas", action="append", default=[], metavar="MODULE_DIR", help="schema modules for the typed run"
    )
    parser.add_argument("--no-typed", action="store_true", help="skip the typed run")
    return parser


if __name__ == "__main__":
    sys.exit(main())
