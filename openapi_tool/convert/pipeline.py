"""Convert manifests: read, decide typed or plain with the compiler, lay out the files."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from openapi_tool.convert.catalog import Catalog, load_catalog
from openapi_tool.convert.compare import first_difference
from openapi_tool.convert.emit import Line, emit_document
from openapi_tool.convert.ending import ends_with_break, holds_break_at_end, loses_final_break
from openapi_tool.convert.files import Block, KclFile
from openapi_tool.convert.naming import document_name, import_aliases, unique_path
from openapi_tool.convert.place import place_comments
from openapi_tool.convert.plan import Unit, decide, final_probe, imports_of, resources_of, typings
from openapi_tool.convert.probe import Runner
from openapi_tool.convert.read import SourceFile, parse_values, read_inputs
from openapi_tool.convert.tree import Mapping, Scalar, to_data
from openapi_tool.kcl.names import identifier

LAYOUTS = ("file", "resource")


@dataclass(frozen=True)
class ConvertOptions:
    schemas: tuple[str, ...] = ()
    layout: str = "file"
    module_name: str | None = None


@dataclass
class Expected:
    """A document a converted file must render: where it came from, and its value."""

    label: str
    data: Any


@dataclass
class Conversion:
    files: dict[str, str]
    """Relative path -> text, `kcl.mod` included."""
    expected: dict[str, list[Expected]]
    """For each `.k` file, the documents `kcl run` must give back, in order."""
    units: list[Unit]
    not_round_tripping: list[str] = field(default_factory=list)
    kcl_runs: int = 0

    @property
    def summary(self) -> str:
        resources = [r for u in self.units for r in u.resources]
        typed = sum(1 for r in resources if r.typing.head)
        rejected = sum(1 for r in resources if r.problem)
        no_schema = sum(1 for r in resources if r.ref is None)
        other = sum(1 for u in self.units if not u.resources)
        return (
            f"{len(self.units)} documents; their resources: {typed} typed, {rejected} plain as their schema "
            f"rejects or changes them, {no_schema} plain with no schema; {other} documents without apiVersion/kind"
        )


def convert(
    paths: list[str],
    output: FsPath,
    options: ConvertOptions,
    warn: Callable[[str], None],
    progress: Callable[[int, int, str], None] = lambda done, total, what: None,
) -> Conversion:
    """Every file of the output module; nothing is written here."""
    if options.layout not in LAYOUTS:
        raise ValueError(f"unknown layout {options.layout!r}")
    catalog = load_catalog(list(options.schemas), warn)
    sources = read_inputs(paths)
    for source in sources:
        for message in source.warnings:
            warn(message)
    units_by_source = [units_of(source, catalog, set()) for source in sources]
    units = [u for group in units_by_source for u in group]
    _warn_unknown(units, catalog, warn)
    name = options.module_name or identifier(output.resolve().name, "manifests")
    with Runner(catalog.kcl_mod(name, None), import_aliases, parse_values) as runner:
        decide(units, runner, progress)
        for unit in units:
            for resource in unit.resources:
                if resource.problem:
                    warn(f"{unit.label}: {resource.problem}; written as a plain config")
        problems = _final_check(units, runner, progress)
        last = units if options.layout == "resource" else [group[-1] for group in units_by_source if group]
        guarded = _guarded(last, runner)
        runs = runner.runs
    for problem in problems:
        warn(problem)
    files: dict[str, str] = {"kcl.mod": catalog.kcl_mod(name, output)}
    expected: dict[str, list[Expected]] = {}
    taken_paths: set[str] = {"kcl.mod"}
    for source, group in zip(sources, units_by_source):
        for kcl_file, wanted in _layout(source, group, options.layout, taken_paths, guarded):
            files[kcl_file.path] = kcl_file.text()
            expected[kcl_file.path] = wanted
    return Conversion(files, expected, units, problems, runs)


def units_of(source: SourceFile, catalog: Catalog, taken: set[str]) -> list[Unit]:
    """A unit per non-empty document, named apart from the names in `taken` (which get theirs)."""
    units = []
    for document in source.documents:
        if document.root is None:
            continue
        resources = resources_of(document.root, catalog)
        metadata = document.root.get("metadata") if isinstance(document.root, Mapping) else None
        name = None
        for field_name in ("name", "generateName"):
            found = metadata.get(field_name) if isinstance(metadata, Mapping) else None
            if name is None and isinstance(found, Scalar) and isinstance(found.value, str) and found.value.strip("-"):
                name = found.value.strip("-")
        kind_node = document.root.get("kind") if isinstance(document.root, Mapping) else None
        kind = kind_node.value if isinstance(kind_node, Scalar) and isinstance(kind_node.value, str) else None
        units.append(Unit(source, document, document_name(name, kind, document.index + 1, taken), resources))
    return units


def _warn_unknown(units: list[Unit], catalog: Catalog, warn: Callable[[str], None]) -> None:
    missing: Counter[tuple[str, str]] = Counter()
    first: dict[tuple[str, str], str] = {}
    for unit in units:
        for resource in unit.resources:
            if resource.ref is None:
                key = (resource.api_version, resource.kind)
                missing[key] += 1
                first.setdefault(key, unit.label)
    if not catalog.modules:
        if missing:
            warn("no --schemas given: every document is written as a plain config")
        return
    for (api_version, kind), count in sorted(missing.items()):
        more = f" and {count - 1} more" if count > 1 else ""
        warn(f"{first[(api_version, kind)]}{more}: no schema for {api_version} {kind}; written as a plain config")


def _final_check(units: list[Unit], runner: Runner, progress: Callable[[int, int, str], None]) -> list[str]:
    """Run every document not already proven by `decide` as it will be written."""
    todo = [
        u for u in units if not (len(u.resources) == 1 and u.resources[0].path == () and u.resources[0].typing.head)
    ]
    if not todo:
        return []
    probes = [final_probe(unit, index) for index, unit in enumerate(todo)]
    outcomes = runner.evaluate(probes, lambda done: progress(done, len(todo), "checking plain documents"))
    problems = []
    for index, unit in enumerate(todo):
        outcome = outcomes[index]
        if not outcome.ok:
            problems.append(f"{unit.label}: kcl cannot run the converted document: {outcome.error}")
            continue
        difference = first_difference(to_data(unit.root), outcome.data)
        if difference is not None:
            problems.append(f"{unit.label}: kcl renders it differently: {difference}")
    return problems


def document_block(unit: Unit, aliases: dict[str, str]) -> Block:
    comments = unit.document.comments
    lines = emit_document(unit.name, unit.root, typings(unit, aliases), {c.line for c in comments})
    return Block(place_comments(lines, comments), unit.name)


def _guarded(last: list[Unit], runner: Runner) -> set[int]:
    """The units (by id) that end a file and would lose their last line break through
    kcl-lib: a plain one by the order it is written in, one holding a schema instance by
    how kcl renders it (a part that could not be cut out of the output counts)."""
    guarded = {id(u) for u in last if not _typed(u) and ends_with_break(u.root)}
    typed = [u for u in last if _typed(u) and holds_break_at_end(u.root)]
    outcomes = runner.evaluate([final_probe(unit, index) for index, unit in enumerate(typed)])
    for index, unit in enumerate(typed):
        text = outcomes[index].text
        if text is None or loses_final_break(text):
            guarded.add(id(unit))
    return guarded


def _typed(unit: Unit) -> bool:
    return any(r.typing.head for r in unit.resources)


def comment_block(source: SourceFile, index: int) -> Block | None:
    comments = source.documents[index].comments
    return Block([Line(0, c.text) for c in comments]) if comments else None


def _layout(
    source: SourceFile, units: list[Unit], layout: str, taken: set[str], guarded: set[int]
) -> list[tuple[KclFile, list[Expected]]]:
    by_index = {u.document.index: u for u in units}
    if layout == "file":
        imports: dict[str, str] = {}
        for unit in units:
            imports.update(imports_of(unit.resources))
        aliases = import_aliases(imports, {u.name.casefold() for u in units})
        kcl_file = KclFile(unique_path(f"{source.stem}.k", taken), source.header, aliases)
        wanted = []
        for document in source.documents:
            unit = by_index.get(document.index)
            block = document_block(unit, aliases) if unit is not None else comment_block(source, document.index)
            if block is not None:
                kcl_file.blocks.append(block)
            if unit is not None:
                wanted.append(Expected(unit.label, to_data(unit.root)))
        kcl_file.guard = bool(units) and id(units[-1]) in guarded
        return [(kcl_file, wanted)]
    out: list[tuple[KclFile, list[Expected]]] = []
    pending: list[Block] = []
    directory = unique_path(source.stem, taken)
    for document in source.documents:
        unit = by_index.get(document.index)
        if unit is None:
            block = comment_block(source, document.index)
            if block is not None:
                pending.append(block)
            continue
        aliases = import_aliases(imports_of(unit.resources), {unit.name.casefold()})
        kcl_file = KclFile(f"{directory}/{unit.name}.k", source.header if not out else [], aliases)
        kcl_file.blocks = pending + [document_block(unit, aliases)]
        kcl_file.guard = id(unit) in guarded
        pending = []
        out.append((kcl_file, [Expected(unit.label, to_data(unit.root))]))
    if pending and out:
        out[-1][0].blocks.extend(pending)
    return out
