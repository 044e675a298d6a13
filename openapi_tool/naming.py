"""Name collisions, decided in one place: casefold uniqueness, numeric suffixes, shortening.

Every generated name (schema, file, package directory, import alias, converted variable)
must differ from the names beside it even on a case-insensitive filesystem, so names are
compared casefolded. A leaf module: it imports nothing of ours, so that the front ends
(sources/) and the back ends (kcl/, convert/) share it. Language rules (KCL keywords,
escaping) live with the language, in `kcl/names.py`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Container


def first_free(
    base: str,
    taken: Callable[[str], bool],
    *,
    separator: str = "",
    end: str = "",
    first: str | None = None,
) -> str:
    """`first` (by default `base + end`), or else `base + separator + n + end` for the lowest
    n from 2 whose casefolded form `taken` says is free."""
    name, n = (base + end if first is None else first), 1
    while taken(name.casefold()):
        n += 1
        name = f"{base}{separator}{n}{end}"
    return name


def in_use(name: str, *taken: Container[str]) -> bool:
    """Whether `name`, casefolded, is in any of the sets of casefolded names `taken`."""
    folded = name.casefold()
    return any(folded in names for names in taken)


def claim(
    base: str,
    taken: set[str],
    *,
    also_taken: tuple[Container[str], ...] = (),
    separator: str = "",
    end: str = "",
) -> str:
    """The first free name made from `base` (see `first_free`) that is neither in `taken` nor
    in `also_taken` (casefolded), recorded as taken in `taken`."""
    name = first_free(
        base,
        lambda folded: folded in taken or any(folded in names for names in also_taken),
        separator=separator,
        end=end,
    )
    taken.add(name.casefold())
    return name


def digest(text: str) -> str:
    """Eight hex digits that stand for `text` in a shortened name."""
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def shorten(name: str, limit: int) -> str:
    """`name`, or its head plus `_` and a digest of the whole when longer than `limit`."""
    if len(name) <= limit:
        return name
    return name[: limit - 9] + "_" + digest(name)


def shorten_path(parts: tuple[str, ...], limit: int) -> tuple[str, ...]:
    """Directory `parts`, or as many of them as fit plus a `p<digest>` directory standing for
    the whole when their `/`-joined path is longer than `limit`."""
    path = "/".join(parts)
    if len(path) <= limit:
        return parts
    head: list[str] = []
    while len("/".join(head + [parts[len(head)]])) <= limit - 10:
        head.append(parts[len(head)])
    return (*head, "p" + digest(path))
