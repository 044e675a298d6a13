"""Where a schema node sits (file, JSON pointer, package, name) and the names of lifted schemas."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from openapi_tool.model import Source

_WORD = re.compile(r"[A-Za-z0-9]+")


def pointer_join(pointer: str, *parts: Any) -> str:
    """Append JSON pointer segments, escaping `~` and `/`."""
    for part in parts:
        text = str(part)
        if "~" in text or "/" in text:
            text = text.replace("~", "~0").replace("/", "~1")
        pointer += "/" + text
    return pointer


@cache
def camel(name: str) -> str:
    """`privateKey` -> `PrivateKey`, `x-foo.bar` -> `XFooBar`; stable for any input."""
    words = _WORD.findall(name)
    return "".join(w[:1].upper() + w[1:] for w in words)


@dataclass(frozen=True)
class Place:
    """Where a node sits: its file and pointer, and the package and name to lift into."""

    file: str
    pointer: str
    package: tuple[str, ...]
    name: str
    document: int | None = None

    @property
    def label(self) -> str:
        return self.source().label

    def at(self, *parts: Any, name: str | None = None) -> Place:
        return Place(self.file, pointer_join(self.pointer, *parts), self.package, name or self.name, self.document)

    def source(self) -> Source:
        return Source(self.file, self.pointer, self.document)


RefResolver = Callable[[str, Place], tuple[str, Any, Place]]
"""Maps a `$ref` string to (definition key, definition node, definition place)."""
