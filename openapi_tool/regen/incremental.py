"""Regenerate only what changed CRD files produce, keeping the rest of the output as it is.

A CRD-only output made from several files records in its lock each file's share (`parts`):
the package directories and API versions its schemas live in and its summary counts. When
some files change, are added or are removed, only the changed files are parsed and
rendered, together with every unchanged file that shares a package with them (schema names
inside a package depend on every kind in it). The other files' generated files, resources,
API surface and counts are taken from the lock and the output directory unchanged.

Packages interact only inside one package and through directory names that differ only in
case or in a number suffix (uniquing appends numbers), so files "share" a package when
their directories agree after casefolding and dropping trailing digits. Anything this
cannot vouch for (another tool version, templates or options, a generated file edited
since, no `parts` in the lock) means a full run instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openapi_tool.errors import InputError
from openapi_tool.model import GroupVersionKind, Model, Source, UnservedVersion
from openapi_tool.output import holds, read_lock

if TYPE_CHECKING:
    from openapi_tool.generate import Plan
    from openapi_tool.kcl.render import RenderedModule
    from openapi_tool.parallel import Forked

_COUNTS = ("schemas", "written", "kept_as_comments", "cel_rules", "cel_kept")


def _family(directory: str) -> str:
    """Directories that uniquing could make collide map to one family."""
    return directory.casefold().rstrip("0123456789")


def families(part: dict[str, Any]) -> set[str]:
    return {_family(d) for d in part.get("dirs", [])}


def partial_plan(
    sources: dict[str, str],
    fingerprint: dict[str, Any],
    output: Path,
    render: Callable[[list[str]], Plan],
) -> Plan | None:
    """The plan a full run over `sources` (path -> digest, in command-line order) would
    make, built from the changed files alone (`render` plans a run over some of them);
    None when a full run is needed instead."""
    old = read_lock(output)
    old_parts = old.get("parts")
    old_sources = old.get("sources")
    if (
        not isinstance(old_parts, dict)
        or not isinstance(old_sources, dict)
        or set(old_parts) != set(old_sources)
        or len(sources) < 2
        or any(old.get(k) != fingerprint[k] for k in ("tool", "templates", "options"))
    ):
        return None
    if not isinstance(old.get("files"), dict) or not all(map(_well_formed, old_parts.values())):
        return None
    changed = {p for p, d in sources.items() if old_sources.get(p) != d}
    gone = set(old_sources) - set(sources)
    if not changed and not gone:
        return None  # nothing changed but the lock does not match: a full run repairs it
    hot = set().union(*(families(old_parts[p]) for p in (changed | gone) if p in old_parts))
    checking = _check_meanwhile(output, {r: d for r, d in old["files"].items() if _family(_directory(r)) not in hot})
    try:
        return _planned(sources, old, old_parts, changed, hot, render, output, checking)
    finally:
        if checking is not None:
            checking.cancel()


def _planned(
    sources: dict[str, str],
    old: dict[str, Any],
    old_parts: dict[str, Any],
    changed: set[str],
    hot: set[str],
    render: Callable[[list[str]], Plan],
    output: Path,
    checking: Forked[list[str]] | None,
) -> Plan | None:
    """`partial_plan` once the hot package families are known: render the files sharing
    them until no more join, then add the kept files' share back."""
    todo = set(changed)
    while True:
        todo |= _sharing(old_parts, set(sources) - todo, hot)
        if todo >= set(sources):
            return None  # everything is affected: a full run is the same work
        plan_ = _render(render, [p for p in sources if p in todo])
        if plan_ is None:
            return None
        new_parts = plan_.lock.get("parts") or _single_part(plan_, todo)
        hot |= set().union(*(families(part) for part in new_parts.values()))
        more = _sharing(old_parts, set(sources) - todo, hot)
        if not more:
            break
        todo |= more
    kept = [p for p in sources if p not in todo]
    if not kept:
        return None
    edited = checking.result() if checking is not None else None
    return _merged(plan_, new_parts, {p: old_parts[p] for p in kept}, old, output, sources, edited)


CHECK_APART = 500
"""From this many generated files that may be kept, a forked child checks them against the
lock while this process renders the changed files."""


def _check_meanwhile(output: Path, files: dict[str, str]) -> Forked[list[str]] | None:
    """A child finding which of `files` (path -> digest) were edited or removed since the
    lock; None when one process does that later."""
    from openapi_tool.parallel import Forked, available

    if len(files) < CHECK_APART or not available():
        return None
    return Forked(lambda: _edited(output, files))


def _edited(output: Path, files: dict[str, str]) -> list[str]:
    """Those of `files` (path -> digest in the lock) that no longer hold what was generated."""
    return [relative for relative, expected in files.items() if not holds(os.path.join(output, relative), expected)]


def _directory(relative: str) -> str:
    return relative.rpartition("/")[0]


def counts_with(plan_: Plan, others: Iterable[dict[str, Any]]) -> dict[str, int]:
    """The summary counts (`_COUNTS`) of what a plan rendered plus the shares of other files."""
    module = plan_.module
    skipped = module.skipped
    counts = [len(plan_.model.schemas), module.checks, len(skipped), module.cel_rules, sum(1 for s in skipped if s.cel)]
    for part in others:
        counts = [a + b for a, b in zip(counts, part["counts"])]
    return dict(zip(_COUNTS, counts))


def _well_formed(part: Any) -> bool:
    """A share as plan() records it (a lock edited by hand, or from before unserved versions
    were recorded per file, means a full run)."""
    return (
        isinstance(part, dict)
        and all(isinstance(part.get(k), list) for k in ("dirs", "apis", "counts", "unserved"))
        and len(part["counts"]) == len(_COUNTS)
        and all(isinstance(n, int) for n in part["counts"])
        and all(_unserved_entry(entry) for entry in part["unserved"])
    )


def _unserved_entry(entry: Any) -> bool:
    """[group, version, kind, pointer, document number or None], as `parts` records it."""
    return (
        isinstance(entry, list)
        and len(entry) == 5
        and all(isinstance(text, str) for text in entry[:4])
        and (entry[4] is None or isinstance(entry[4], int))
    )


def _sharing(old_parts: dict[str, Any], candidates: set[str], hot: set[str]) -> set[str]:
    """The candidates whose package directories share a family with `hot`, transitively."""
    found: set[str] = set()
    grew = True
    while grew:
        grew = False
        for path in candidates - found:
            theirs = families(old_parts[path])
            if theirs & hot:
                found.add(path)
                hot |= theirs
                grew = True
    return found


def _render(render: Callable[[list[str]], Plan], paths: list[str]) -> Plan | None:
    if not paths:
        return None
    try:
        return render(paths)
    except InputError:  # e.g. only files without a CRD changed: let a full run decide
        return None


def _single_part(plan_: Plan, todo: set[str]) -> dict[str, Any]:
    """`parts` for a render of one file (plan() records parts only for several)."""
    return parts(plan_.model, plan_.module, {p: "" for p in todo})


def parts(model: Model, module: RenderedModule, sources: dict[str, str]) -> dict[str, Any]:
    """Each CRD source file's share of the module, recorded in the lock so that a later run
    can regenerate the files of changed sources alone (one source: nothing to keep): its
    packages, API versions, summary counts, and the versions it has with `served: false`
    (whether they are left out depends on the other files)."""
    unserved: dict[str, list[list[Any]]] = {}
    for item in model.unserved:
        gvk, where = item.gvk, item.source
        unserved.setdefault(where.file, []).append([gvk.group, gvk.version, gvk.kind, where.pointer, where.document])
    out = {}
    for source in sources:
        share = module.by_source.get(source)
        out[source] = {"apis": [], "dirs": [], "counts": [0, 0, 0, 0, 0], "unserved": unserved.get(source, [])}
        if share is not None:  # else a file holding no served CRD: it shares no package
            out[source] |= {
                "apis": sorted(share.apis),
                "dirs": sorted(share.dirs),
                "counts": [share.schemas, share.written, share.kept, share.cel_rules, share.cel_kept],
            }
    return dict(sorted(out.items()))


def _unserved(sources: dict[str, str], all_parts: dict[str, Any]) -> tuple[UnservedVersion, ...]:
    """The unserved versions of every source, in reading order, as a full run reads them."""
    return tuple(
        UnservedVersion(GroupVersionKind(group, version, kind), Source(path, pointer, document))
        for path in sources
        for group, version, kind, pointer, document in all_parts[path]["unserved"]
    )


def _merged(
    plan_: Plan,
    new_parts: dict[str, Any],
    kept_parts: dict[str, Any],
    old: dict[str, Any],
    output: Path,
    sources: dict[str, str],
    edited: list[str] | None,
) -> Plan | None:
    """The partial plan with the kept files' share of the previous output added back;
    `edited` lists generated files changed since the lock (None: not checked yet)."""
    kept_dirs = {d for part in kept_parts.values() for d in part["dirs"]}
    kept_apis = {a for part in kept_parts.values() for a in part["apis"]}
    new_dirs = {d for part in new_parts.values() for d in part["dirs"]}
    new_apis = {a for part in new_parts.values() for a in part["apis"]}
    if kept_dirs & new_dirs or kept_apis & new_apis:
        return None
    kept_files = {r: d for r, d in old["files"].items() if _directory(r) in kept_dirs}
    if kept_files.keys() & plan_.module.files.keys():
        return None
    if set(_edited(output, kept_files) if edited is None else edited) & kept_files.keys():
        return None  # edited since: a full run writes it anew (or refuses to)
    resources = dict(plan_.lock["resources"])
    for api_kind, place in old.get("resources", {}).items():
        if api_kind.split(" ", 1)[0] in kept_apis:
            resources[api_kind] = place
    surface = dict(plan_.lock["surface"])
    for key, entry in old.get("surface", {}).items():
        if key.split(":", 1)[0] in kept_apis:
            surface[key] = entry
    module = plan_.module
    lock = {
        **plan_.lock,
        "sources": dict(sorted(sources.items())),
        "resources": dict(sorted(resources.items())),
        "surface": surface,
        "parts": dict(sorted({**kept_parts, **new_parts}.items())),
    }
    merged = replace(module, files=KeptFiles(module.files, kept_files, output), resources=lock["resources"])
    model = replace(plan_.model, unserved=_unserved(sources, lock["parts"]))
    counts = counts_with(plan_, kept_parts.values())
    return replace(plan_, model=model, module=merged, lock=lock, counts=counts, intact=kept_files)


class KeptFiles(Mapping[str, str]):
    """A module's files in path order: those rendered, and kept ones (path -> digest in the
    lock, checked) read from the output directory only when asked for."""

    def __init__(self, rendered: Mapping[str, str], kept: dict[str, str], output: Path) -> None:
        self._rendered, self._kept, self._output = rendered, kept, output
        self._order = sorted(rendered.keys() | kept.keys())

    def __getitem__(self, relative: str) -> str:
        if relative in self._rendered:
            return self._rendered[relative]
        if relative in self._kept:
            return (self._output / relative).read_text(encoding="utf-8")
        raise KeyError(relative)

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)
