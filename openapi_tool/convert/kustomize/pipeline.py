"""Convert a Kustomize tree: build every kustomization, write each resource file once as
instances, and each kustomization as a list of what it takes from its bases and changes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openapi_tool.convert.catalog import load_catalog
from openapi_tool.convert.ending import holds_break_at_end
from openapi_tool.convert.kustomize.build import BuildCache, build
from openapi_tool.convert.kustomize.check import check_entries
from openapi_tool.convert.kustomize.entries import OUTPUT, Entry, Item
from openapi_tool.convert.kustomize.errors import BuildError, Unsupported
from openapi_tool.convert.kustomize.layout import Package, find_kustomization_dirs, owner, plan_packages
from openapi_tool.convert.kustomize.resource import Resource
from openapi_tool.convert.naming import import_aliases
from openapi_tool.convert.pipeline import ConvertOptions, comment_block, document_block, units_of
from openapi_tool.convert.plan import Unit, decide, imports_of
from openapi_tool.convert.probe import Runner
from openapi_tool.convert.read import SourceFile, parse_file, parse_values
from openapi_tool.convert.tree import from_data, to_data
from openapi_tool.kcl.names import identifier
from openapi_tool.naming import claim

Warn = Callable[[str], None]
TAKEN = (OUTPUT, "manifests")
"""Names in every kustomization's file besides its documents' variables."""


@dataclass
class TreeConversion:
    files: dict[str, str]
    """Relative path -> text, `kcl.mod` included."""
    kustomizations: dict[str, str]
    """Kustomization directory (relative to the tree, `.` for its root) -> its entry file."""
    expected: dict[str, list[Any]] = field(default_factory=dict)
    """Entry file -> the documents kustomize renders for it."""
    skipped: dict[str, str] = field(default_factory=dict)
    """Kustomization directory -> why it is not converted."""
    fallbacks: list[str] = field(default_factory=list)
    """Entry files written with every document in full, as their changes did not render right."""

    @property
    def summary(self) -> str:
        return (
            f"{len(self.kustomizations)} of {len(self.kustomizations) + len(self.skipped)} kustomizations "
            f"converted, {sum(len(v) for v in self.expected.values())} documents"
        )


def is_kustomize_tree(paths: list[str]) -> bool:
    """Whether convert's one argument is a directory holding kustomizations."""
    return len(paths) == 1 and Path(paths[0]).is_dir() and bool(find_kustomization_dirs(Path(paths[0])))


def convert_tree(
    root: Path,
    output: Path,
    options: ConvertOptions,
    warn: Warn,
    progress: Callable[[int, int, str], None] = lambda done, total, what: None,
    cache: BuildCache | None = None,
) -> TreeConversion:
    """Every file of the output module; nothing is written here. A `cache` of an earlier
    pass over the same tree (`crds.rendered_crds`) spares building its kustomizations again."""
    directories = find_kustomization_dirs(root)
    catalog = load_catalog(list(options.schemas), warn)
    packages = plan_packages(directories, {m.name for m in catalog.modules})
    outputs, skipped = _build_all(root, directories, warn, progress, cache or BuildCache())
    files = _resource_files(outputs)
    name = options.module_name or identifier(output.resolve().name, "manifests")
    sources = {path: parse_file(str(root / path), path, (root / path).read_bytes()) for path in files}
    for source in sources.values():
        for message in source.warnings:
            warn(message)
    names: dict[str, set[str]] = {d: set(TAKEN) for d in directories}
    units = {
        path: units_of(source, catalog, names[owner(path, directories) or "."]) for path, source in sources.items()
    }
    kcl_mod = catalog.kcl_mod(name, None)
    with Runner(kcl_mod, import_aliases, parse_values) as runner:  # one pool of kcl-lib workers for all
        decide([u for group in units.values() for u in group], runner, progress)
        for group in units.values():
            for unit in group:
                for resource in unit.resources:
                    if resource.problem:
                        warn(f"{unit.label}: {resource.problem}; written as a plain config")
        writer = _Writer(root, directories, packages, sources, units, outputs)
        expected = {packages[d].entry: [r.data for r in outputs[d]] for d in outputs}
        texts = {packages[d].entry: writer.entry(d).text() for d in directories}
        fallbacks = _checked(writer, kcl_mod, texts, expected, runner, warn, progress)
    files_out = {"kcl.mod": catalog.kcl_mod(name, output)}
    files_out.update({path: text for path, text in texts.items() if text.strip()})
    mapping = {d: packages[d].entry for d in directories if d in outputs}
    return TreeConversion(files_out, mapping, expected, skipped, fallbacks)


def _checked(
    writer: _Writer,
    kcl_mod: str,
    texts: dict[str, str],
    expected: dict[str, list[Any]],
    runner: Runner,
    warn: Warn,
    progress: Callable[[int, int, str], None],
) -> list[str]:
    """Run every entry; write those that do not render their documents in full (in `texts`)
    and check those again. The entries written in full."""
    problems = check_entries(kcl_mod, texts, expected, progress, quick=True, executor=runner.executor)
    by_entry = {writer.packages[d].entry: d for d in writer.directories}
    for entry, problem in sorted(problems.items()):
        texts[entry] = writer.entry(by_entry[entry], plain=True).text()
        warn(f"{writer.root / by_entry[entry]}: {problem}; its documents are written in full")
    again = {entry: expected[entry] for entry in problems}
    for entry, problem in sorted(check_entries(kcl_mod, texts, again, quick=True, executor=runner.executor).items()):
        warn(f"{entry}: still does not render what kustomize renders, written in full: {problem}")
    return sorted(problems)


def _build_all(
    root: Path, directories: list[str], warn: Warn, progress: Callable[[int, int, str], None], cache: BuildCache
) -> tuple[dict[str, list[Resource]], dict[str, str]]:
    outputs: dict[str, list[Resource]] = {}
    skipped: dict[str, str] = {}
    for done, directory in enumerate(directories):
        try:
            outputs[directory] = build(root / directory, root, cache)
        except Unsupported as error:
            detail = str(error).removeprefix(error.field).lstrip(": ")
            skipped[directory] = f"{error.field} is not converted" + (f" ({detail})" if detail else "")
            warn(f"{root / directory}: {skipped[directory]}; left out")
        except BuildError as error:
            skipped[directory] = f"kustomize cannot build it: {error}"
            warn(f"{root / directory}: {skipped[directory]}; left out")
        progress(done + 1, len(directories), "building kustomizations")
    return outputs, skipped


def _resource_files(outputs: dict[str, list[Resource]]) -> list[str]:
    """The resource files the kustomizations read, relative to the tree root."""
    return sorted(
        {
            r.origin.path
            for resources in outputs.values()
            for r in resources
            if r.origin is not None and r.origin.kind == "file" and _inside(r.origin.path)
        }
    )


def _inside(path: str) -> bool:
    return not path.startswith("../") and path != ".."


class _Writer:
    """Makes the entry of each kustomization from the builds and the converted documents."""

    def __init__(
        self,
        root: Path,
        directories: list[str],
        packages: dict[str, Package],
        sources: dict[str, SourceFile],
        units: dict[str, list[Unit]],
        outputs: dict[str, list[Resource]],
    ) -> None:
        self.root = root
        self.directories = directories
        self.packages = packages
        self.sources = sources
        self.outputs = outputs
        self.home = {path: owner(path, directories) or "." for path in sources}
        """Resource file -> the kustomization whose file writes its documents."""
        self.owned: dict[str, list[str]] = {}
        for path, home in self.home.items():
            self.owned.setdefault(home, []).append(path)
        self.unit_at = {(path, u.document.index): u for path, group in units.items() for u in group}
        self.units = units
        self.printed = {d: {r.position: index for index, r in enumerate(rs)} for d, rs in outputs.items()}
        """Kustomization -> accumulation position -> index in its printed output."""

    def entry(self, directory: str, plain: bool = False) -> Entry:
        package = self.packages[directory]
        entry = Entry(package)
        schema_imports: dict[str, str] = {}
        for path in self.owned.get(directory, []):
            for unit in self.units[path]:
                schema_imports.update(imports_of(unit.resources))
        taken = set(TAKEN) | {u.name.casefold() for p in self.owned.get(directory, []) for u in self.units[p]}
        entry.schema_imports = import_aliases(schema_imports, taken)
        for path in self.owned.get(directory, []):
            source = self.sources[path]
            if not entry.blocks:
                entry.header.extend(c.text for c in source.header)
            for document in source.documents:
                unit = self.unit_at.get((path, document.index))
                block = document_block(unit, entry.schema_imports) if unit else comment_block(source, document.index)
                if block is not None:
                    entry.blocks.append(block)
        if directory in self.outputs:
            aliases: dict[str, str] = {}
            entry.items = [self._item(directory, r, aliases, taken, plain) for r in self.outputs[directory]]
            entry.package_imports = aliases
            entry.guard = bool(entry.items) and holds_break_at_end(from_data(entry.items[-1].value))
        return entry

    def _item(self, directory: str, resource: Resource, aliases: dict[str, str], taken: set[str], plain: bool) -> Item:
        origin = resource.origin
        if plain or origin is None or origin.kind == "generated" or not _inside(origin.path):
            return Item(None, None, resource.data)
        item = self._referenced(directory, resource, aliases, taken)
        if item.ref is not None and not _same_kind(item.base, resource.data):
            return Item(None, None, resource.data)  # a schema instance cannot become another kind
        return item

    def _referenced(self, directory: str, resource: Resource, aliases: dict[str, str], taken: set[str]) -> Item:
        """The item as a change of the value it came from."""
        origin = resource.origin
        assert origin is not None
        if origin.kind == "file":
            unit = self.unit_at.get((origin.path, origin.index))
            home = self.home.get(origin.path, ".")
            if unit is None:
                return Item(None, None, resource.data)
            if (home != directory and not self.packages[home].folder) or origin.item == -1:
                return Item(None, None, resource.data)
            ref = unit.name if home == directory else f"{self._alias(home, aliases, taken)}.{unit.name}"
            base = to_data(unit.root)
            if origin.item is not None:
                items = base.get("items") if isinstance(base, dict) else None
                if not isinstance(items, list) or origin.item >= len(items):
                    return Item(None, None, resource.data)
                ref, base = f"{ref}.items[{origin.item}]", items[origin.item]
            return Item(ref, base, resource.data)
        if origin.path not in self.outputs or origin.path == directory or not self.packages[origin.path].folder:
            return Item(None, None, resource.data)
        printed = self.printed[origin.path].get(origin.index)
        if printed is None:
            return Item(None, None, resource.data)
        base = self.outputs[origin.path][printed].data
        return Item(f"{self._alias(origin.path, aliases, taken)}.resources[{printed}]", base, resource.data)

    def _alias(self, directory: str, aliases: dict[str, str], taken: set[str]) -> str:
        path = self.packages[directory].import_path
        if path not in aliases:
            last = path.rpartition(".")[2] or "root"
            aliases[path] = claim("_" + last, taken, separator="_")
        return aliases[path]


def _same_kind(old: Any, new: Any) -> bool:
    return isinstance(old, dict) and all(old.get(key) == new.get(key) for key in ("apiVersion", "kind"))
