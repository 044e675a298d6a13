"""The YAML document tree the converter works on: values with their source lines.

Keys are already the strings Kubernetes sees; scalars hold the value the project's YAML
reading gives them. `copy` marks nodes reached a second time through an alias: they are
emitted again (aliases are expanded) but carry no comments.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Union

from openapi_tool.kcl.values import UNDEFINED


@dataclass(eq=False)
class Scalar:
    value: Any
    line: int = -1
    column: int = 0
    end_line: int = -1
    copy: bool = False


@dataclass(eq=False)
class Entry:
    key: str
    value: Node
    line: int = -1
    column: int = 0


@dataclass(eq=False)
class Mapping:
    entries: list[Entry] = field(default_factory=list)
    line: int = -1
    column: int = 0
    end_line: int = -1
    copy: bool = False

    def get(self, key: str) -> Node | None:
        for entry in self.entries:
            if entry.key == key:
                return entry.value
        return None


@dataclass(eq=False)
class Sequence:
    items: list[Node] = field(default_factory=list)
    line: int = -1
    column: int = 0
    end_line: int = -1
    copy: bool = False


Node = Union[Scalar, Mapping, Sequence]  # noqa: UP007  (a runtime alias)
Path = tuple[str | int, ...]


def to_data(node: Node) -> Any:
    """The plain value of a tree (entries holding UNDEFINED are left out)."""
    if isinstance(node, Scalar):
        return node.value
    if isinstance(node, Sequence):
        return [to_data(item) for item in node.items]
    return {
        e.key: to_data(e.value)
        for e in node.entries
        if not (isinstance(e.value, Scalar) and e.value.value is UNDEFINED)
    }


def from_data(value: Any) -> Node:
    """A tree without source positions (JSON input)."""
    if isinstance(value, dict):
        return Mapping([Entry(key, from_data(item)) for key, item in value.items()])
    if isinstance(value, list):
        return Sequence([from_data(item) for item in value])
    return Scalar(value)


def at(node: Node, path: Path) -> Node | None:
    """The node at `path` below `node`, or None."""
    for part in path:
        if isinstance(part, int) and isinstance(node, Sequence) and 0 <= part < len(node.items):
            node = node.items[part]
        elif isinstance(part, str) and isinstance(node, Mapping):
            found = node.get(part)
            if found is None:
                return None
            node = found
        else:
            return None
    return node


def format_path(path: Path) -> str:
    """`spec.containers[0].name`; keys that are not plain words are quoted: `labels["a.b/c"]`."""
    out = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif part.replace("_", "a").replace("-", "a").isalnum() and part.isascii() and part:
            out.append(f".{part}" if out else part)
        else:
            out.append(f"[{json.dumps(part, ensure_ascii=False)}]")
    return "".join(out) or "(document)"
