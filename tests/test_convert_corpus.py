"""Every manifest under ../shared/corpus/manifests converts and round-trips through kcl.

Schemas: the newest Kubernetes swagger in the corpus, and one module per CRD project in
corpus/crds (a project that defines a kind twice, as gateway-api's standard/ and
experimental/ do, gets one module per part; for a kind in several modules the first
given wins). Prints N/N and lists every file that does not round-trip.

Each file is judged as kcl-lib returns it (no final line break) and as `kcl run` prints
it: by `verify_conversion`, and independently for every file holding a string that ends in a line
break, by PyYAML reading kcl-lib's output both ways against the manifest.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
import yaml

from openapi_tool.cli import main
from openapi_tool.convert import ConvertOptions, convert, verify_conversion
from openapi_tool.convert.kclrun import Executor, Program
from openapi_tool.convert.read import read_inputs
from openapi_tool.errors import InputError
from openapi_tool.kcl_compile import external_packages
from openapi_tool.output import write_tree

pytestmark = pytest.mark.corpus


def _version(path: Path) -> tuple[int, ...]:
    return tuple(int(p) for p in path.parent.name.split(".") if p.isdigit())


def _gen(args: list[str], out: Path) -> bool:
    return main(["gen", "-q", *args, "-o", str(out)]) == 0


def _schema_modules(corpus: Path, root: Path) -> tuple[list[str], list[str]]:
    """Module directories, and the CRD inputs that generated none (with the reason)."""
    newest = max((corpus / "k8s-openapi").glob("*/swagger.json"), key=_version)
    k8s = root / "k8s"
    assert _gen(["--spec", str(newest)], k8s)
    modules, missing = [str(k8s)], []
    for project in sorted(p for p in (corpus / "crds").iterdir() if p.is_dir()):
        parts = [project]
        while parts:
            part = parts.pop(0)
            name = "_".join(part.relative_to(corpus / "crds").parts).replace("-", "_").replace(".", "_")
            out = root / "crds" / name
            if _gen(["--crd", str(part), "--k8s-module", str(k8s), "--name", name], out):
                modules.append(str(out))
            elif part.is_dir():
                parts[:0] = sorted(part.iterdir())
            else:
                missing.append(str(part.relative_to(corpus)))
    return modules, missing


def _link_tree(files: list[Path], source: Path, target: Path) -> None:
    for path in files:
        link = target / path.relative_to(source)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(path)


class _PlainLoader(yaml.SafeLoader):
    """PyYAML's safe loader, keeping dates as strings (as the converter does)."""


_PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _documents(text: str) -> list:
    return [d for d in yaml.load_all(text, Loader=_PlainLoader) if d is not None]


def _holds_final_break(value: object) -> bool:
    if isinstance(value, str):
        return value.endswith("\n")
    if isinstance(value, dict):
        return any(_holds_final_break(v) for v in value.values())
    return isinstance(value, list) and any(_holds_final_break(v) for v in value)


def _line_break_failures(out: Path, sources: dict[str, Path]) -> tuple[int, dict[str, str]]:
    """Files whose manifests hold a string ending in a line break, run alone with kcl-lib and
    read by PyYAML as kcl-lib returns the output and as `kcl run` prints it: how many, and
    those that differ."""
    wanted = {}
    for relative, source in sources.items():
        try:
            documents = _documents(source.read_text(encoding="utf-8"))
        except yaml.YAMLError:
            continue  # PyYAML reads it otherwise than the converter (verify judges it)
        if _holds_final_break(documents):
            wanted[relative] = documents
    external = external_packages(out.resolve())
    programs = [Program(str(out.resolve()), (), external, (str(out.resolve() / r),)) for r in wanted]
    failures = {}
    with Executor() as executor:
        for (relative, documents), result in zip(wanted.items(), executor.run_all(programs)):
            if result.error:
                failures[relative] = "kcl failed"
            for view, text in (("kcl-lib", result.yaml), ("kcl run", result.yaml + "\n")):
                if not result.error and _documents(text) != documents:
                    failures[relative] = f"PyYAML reads other documents in the output {view} gives"
    return len(wanted), failures


def test_every_corpus_manifest_converts_and_round_trips(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    modules, missing = _schema_modules(corpus, tmp_path / "schemas")
    generated = time.monotonic()
    source = corpus / "manifests"
    files = sorted(p for p in source.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".json"))
    failures: dict[str, str] = {}
    readable = []
    for path in files:
        try:
            read_inputs([str(path)])
            readable.append(path)
        except InputError as error:
            failures[str(path.relative_to(source))] = f"not converted: {error}"
    inputs = tmp_path / "manifests"
    _link_tree(readable, source, inputs)
    out = tmp_path / "out"
    warnings: list[str] = []
    conversion = convert([str(inputs)], out, ConvertOptions(tuple(modules)), warnings.append)
    write_tree(out, conversion.files)
    converted = time.monotonic()
    for failure in verify_conversion(out, conversion.expected):
        failures[str(Path(failure.file).relative_to(out).with_suffix(""))] = failure.message
    sources = {r: Path(re.sub(r" \(document \d+\)$", "", e[0].label)) for r, e in conversion.expected.items() if e}
    judged, line_break_failures = _line_break_failures(out, sources)
    for relative, message in line_break_failures.items():
        failures.setdefault(str(Path(relative).with_suffix("")), message)
    verified = time.monotonic()
    resources = [r for u in conversion.units for r in u.resources]
    typed = sum(1 for r in resources if r.typing.head)
    with capsys.disabled():
        print(
            f"\ncorpus manifests converted and round-tripped through kcl: {len(files) - len(failures)}/{len(files)} files, "
            f"{len(conversion.units)} documents; resources typed: {typed}/{len(resources)} "
            f"(schemas {generated - started:.0f}s, convert {converted - generated:.0f}s, verify {verified - converted:.0f}s "
            f"on {os.cpu_count()} cores); files with strings ending in a line break, read by PyYAML as kcl-lib "
            f"returns them and as kcl run prints them: {judged - len(line_break_failures)}/{judged}"
        )
        for name in missing:
            print(f"  no schema module from {name}")
        for name, message in sorted(failures.items()):
            print(f"  FAIL {name}: {message}")
    assert len(files) > 1000
    assert typed > len(resources) // 2
    assert not failures, f"{len(failures)} files do not round-trip"
