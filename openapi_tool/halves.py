"""A cold run over many CRD files on two cores: the files in two halves, each read, modelled
and rendered by its own process, and the two plans joined into the one a single process makes.

Packages interact only inside one package family (see `regen.incremental`), so two halves
whose package families and API versions are disjoint render exactly what one process renders
from all files. The files are cut where no API group seems to continue across the cut; when
the halves turn out to share a family, or either half fails, the caller runs in one process
instead, which also gives errors exactly as one process reports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openapi_tool.errors import InputError

if TYPE_CHECKING:
    from openapi_tool.generate import Plan

SPLIT_BYTES = 4_000_000
"""Below this many bytes of CRD files, one process does it all: a second costs more than it saves."""


Planner = Callable[[list[str], Callable[[str], None]], "Plan"]
"""Plans a run over some files, warning through the callable given."""


def plan_in_halves(files: list[str], make: Planner, warn: Callable[[str], None]) -> Plan | None:
    """The plan of a cold run over `files` (reading order), made in two processes by `make`;
    None when one process should make it instead."""
    from openapi_tool.parallel import Forked, available

    cut = _cut(files) if available() else None
    if cut is None:
        return None
    child = Forked(lambda: _half(files[cut:], make, keep_schemas=False))
    try:
        first = _half(files[:cut], make)
        second = child.result()
    finally:
        child.cancel()
    if first is None or second is None:
        return None
    joined = _joined(first[0], second[0])
    if joined is not None:
        seen: set[str] = set()
        for message in first[1] + second[1]:  # both halves warn about the shared ObjectMeta
            if message not in seen:
                seen.add(message)
                warn(message)
    return joined


SIZE_POWER = 0.7
"""A CRD file's work grows slower than its size (large files repeat schemas, which are built
once): a file weighs its size to this power, which balanced the halves of the corpus best."""


def _cut(files: list[str]) -> int | None:
    """Where the second half starts: of the places where no API group seems to continue
    (see `_groups`), the one nearest half of the weight."""
    if len(files) < 2 or any(f == "-" or f.startswith(("http://", "https://")) for f in files):
        return None
    try:
        texts = [Path(f).read_bytes() for f in files]
    except OSError:
        return None  # one process reports it
    if sum(map(len, texts)) < SPLIT_BYTES:
        return None
    groups = [_groups(text) for text in texts]
    before: list[set[bytes]] = [set()]
    for found in groups:
        before.append(before[-1] | found)
    after: set[bytes] = set()
    places = []
    for index in range(len(files) - 1, 0, -1):
        after |= groups[index]
        if not before[index] & after:
            places.append(index)
    if not places:
        return None
    starts = [0.0]
    for text in texts:
        starts.append(starts[-1] + len(text) ** SIZE_POWER)
    return min(places, key=lambda i: abs(starts[i] - starts[-1] / 2))


def _groups(text: bytes) -> set[bytes]:
    """The API groups a CRD file seems to define: the values of `  group:` lines, as YAML
    CRDs spell `spec.group`. A guess to cut by, not a parse: halves that do share a package
    are found when joined."""
    found = set()
    start = text.find(b"\n  group:")
    while start >= 0:
        end = text.find(b"\n", start + 9)
        found.add(text[start + 9 : end if end >= 0 else len(text)].strip().strip(b"'\""))
        start = text.find(b"\n  group:", start + 9)
    return found


def _half(files: list[str], make: Planner, keep_schemas: bool = True) -> tuple[Plan, list[str]] | None:
    """The plan of some files, with its warnings; None when they fail (one process reports it).
    Without `keep_schemas`, the model keeps only its unserved versions (the rest is not
    joined, and not worth handing from one process to another)."""
    from openapi_tool.regen.incremental import parts

    warnings: list[str] = []
    try:
        made = make(files, warnings.append)
    except InputError:
        return None
    made.lock["parts"] = parts(made.model, made.module, made.lock["sources"])
    if not keep_schemas:
        made = replace(made, model=replace(made.model, schemas=()))
    return made, warnings


def _joined(first: Plan, second: Plan) -> Plan | None:
    """One plan of both halves, or None when they share a package family or an API version
    (or render a shared file differently)."""
    from openapi_tool.regen.incremental import counts_with, families

    one, two = first.lock["parts"], second.lock["parts"]
    if _union(families, one) & _union(families, two) or _union(_apis, one) & _union(_apis, two):
        return None
    files = dict(first.module.files)
    for relative, text in second.module.files.items():
        if files.setdefault(relative, text) != text:
            return None
    surface = {**second.lock["surface"], **first.lock["surface"]}
    lock = {
        **first.lock,
        "sources": dict(sorted({**first.lock["sources"], **second.lock["sources"]}.items())),
        "resources": dict(sorted({**first.lock["resources"], **second.lock["resources"]}.items())),
        "surface": dict(sorted(surface.items())),
        "parts": dict(sorted({**one, **two}.items())),
    }
    module = replace(
        first.module,
        files=dict(sorted(files.items())),
        resources=lock["resources"],
        skipped=first.module.skipped + second.module.skipped,  # the shared ObjectMeta keeps no comment
        by_source={**second.module.by_source, **first.module.by_source},
    )
    model = replace(first.model, unserved=first.model.unserved + second.model.unserved)
    counts = counts_with(first, two.values())
    return replace(first, model=model, module=module, lock=lock, picks=first.picks + second.picks, counts=counts)


def _union(pick: Callable[[dict[str, Any]], set[str]], parts: dict[str, Any]) -> set[str]:
    return set().union(*(pick(part) for part in parts.values()))


def _apis(part: dict[str, Any]) -> set[str]:
    return set(part["apis"])
