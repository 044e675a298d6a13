"""KCL source for one document, as tagged lines in `kcl fmt` form.

Each line remembers the source line of the node it starts (so comments can be placed
next to it afterwards) and the path of that node (so compiler errors can be traced back
to the manifest).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from openapi_tool.convert.tree import Mapping, Node, Path, Scalar, Sequence
from openapi_tool.kcl.names import attribute_name
from openapi_tool.kcl.values import UNDEFINED, float_literal, is_multiline, literal

INDENT = "    "
INLINE_LIMIT = 100
"""Longest line a list of scalars is written on in one line."""


@dataclass
class Line:
    indent: int
    text: str
    src: int = -1
    """0-based source line of the node this line starts; -1 for none."""
    closes: int | None = None
    """On a closing bracket: the source column of the block's children."""
    item: bool = False
    """A scalar list item (`kcl fmt` puts a comment after it on a line of its own)."""
    path: Path = ()

    def render(self) -> str:
        return INDENT * self.indent + self.text


@dataclass
class Typing:
    """How one resource in a document is written."""

    head: str | None = None
    """`apps.Deployment` when it is an instance of a schema; None for a plain config."""
    omit: frozenset[str] = frozenset()
    """Top-level keys left to the schema's defaults (apiVersion and kind)."""
    undefined: dict[Path, list[str]] = field(default_factory=dict)
    """Keys (by the path of their mapping, relative to the resource) set to `Undefined`
    so that the schema's default for them stays out of the output."""
    note: str = ""
    """A comment above the resource: why it is a plain config."""


def emit_document(name: str, root: Node, typings: dict[Path, Typing], comment_lines: set[int]) -> list[Line]:
    """`name = <value>` for a whole document; `typings` by the path of each resource in it."""
    emitter = _Emitter(typings, comment_lines, _has_key(root, "float"))
    emitter.value(f"{name} = ", root, 0, (), root.line if not root.copy else -1, False, ())
    return emitter.lines


class _Emitter:
    def __init__(self, typings: dict[Path, Typing], comment_lines: set[int], plain_floats: bool) -> None:
        self.typings = typings
        self.float_text = partial(float_literal, plain=plain_floats)
        self.comment_lines = comment_lines
        self.lines: list[Line] = []

    def value(self, prefix: str, node: Node, indent: int, path: Path, src: int, item: bool, resource: Path) -> None:
        typing = self.typings.get(path)
        if typing is not None:
            resource = path
            if typing.note:
                self.lines.append(Line(indent, typing.note, src, path=path))
        if isinstance(node, Mapping):
            self.mapping(prefix, node, indent, path, src, typing, resource)
        elif isinstance(node, Sequence):
            self.sequence(prefix, node, indent, path, src, resource)
        else:
            self.lines.append(Line(indent, prefix + self.scalar(node.value), src, item=item, path=path))

    def scalar(self, value: Any) -> str:
        """A scalar of the tree as KCL: floats stay floats, line breaks stay line breaks."""
        return literal(value, float_text=self.float_text, multiline=True)

    def mapping(
        self, prefix: str, node: Mapping, indent: int, path: Path, src: int, typing: Typing | None, resource: Path
    ) -> None:
        head = typing.head if typing is not None else None
        owner = self.typings.get(resource)
        omit = typing.omit if typing is not None and head else frozenset()
        extra = owner.undefined.get(path[len(resource) :], []) if owner is not None and owner.head else []
        entries = [e for e in node.entries if not (e.key in omit and isinstance(e.value, Scalar))]
        opening = f"{prefix}{head} {{" if head else prefix + "{"
        if not entries and not extra:
            self.lines.append(Line(indent, opening + "}", src, path=path))
            return
        self.lines.append(Line(indent, opening, src, path=path))
        for entry in entries:
            copy = node.copy or entry.value.copy
            self.value(
                f"{attribute_name(entry.key)} = ",
                entry.value,
                indent + 1,
                path + (entry.key,),
                -1 if copy else entry.line,
                False,
                resource,
            )
        for key in extra:
            self.lines.append(
                Line(indent + 1, f"{attribute_name(key)} = Undefined # schema default left out", path=path + (key,))
            )
        columns = [e.column for e in entries if e.line >= 0]
        self.lines.append(Line(indent, "}", closes=min(columns) if columns else node.column + 1, path=path))

    def sequence(self, prefix: str, node: Sequence, indent: int, path: Path, src: int, resource: Path) -> None:
        if not node.items:
            self.lines.append(Line(indent, prefix + "[]", src, path=path))
            return
        if self._inline(node, src):
            text = prefix + "[" + ", ".join(self.scalar(i.value) for i in node.items) + "]"  # type: ignore[union-attr]
            if len(INDENT * indent + text) <= INLINE_LIMIT:
                self.lines.append(Line(indent, text, src, path=path))
                return
        self.lines.append(Line(indent, prefix + "[", src, path=path))
        for index, child in enumerate(node.items):
            self.value(
                "", child, indent + 1, path + (index,), -1 if node.copy or child.copy else child.line, True, resource
            )
        columns = [i.column for i in node.items if i.line >= 0 and not i.copy]
        self.lines.append(Line(indent, "]", closes=min(columns) if columns else node.column + 1, path=path))

    def _inline(self, node: Sequence, src: int) -> bool:
        if not all(
            isinstance(i, Scalar) and i.value is not UNDEFINED and not is_multiline(i.value) for i in node.items
        ):
            return False
        if node.copy or node.line < 0:
            return True
        first = src if src >= 0 else node.line
        return not any(line in self.comment_lines for line in range(first, node.end_line + 1))


def _has_key(node: Node, key: str) -> bool:
    """Whether a mapping anywhere below holds `key` (a config key shadows a builtin of
    that name for the values next to it)."""
    if isinstance(node, Mapping):
        return any(e.key == key or _has_key(e.value, key) for e in node.entries)
    if isinstance(node, Sequence):
        return any(_has_key(item, key) for item in node.items)
    return False
