"""Which files end their stream with a `null` document, and why.

kcl-lib returns a `manifests.yaml_stream(...)` without its final line break (`kcl run`
prints one after it), so a block scalar that ends the stream (`script.sh: |` and its lines)
loses its own last line break through kcl-lib and kcl-go, though not through `kcl run`.
Measured with kcl-lib 0.13: a document in the middle of a stream keeps it, and a `None` last
in the stream renders as a `null` document after which the string keeps its line break in
both views. kubectl, and `--verify`, skip `null` documents.
"""

from __future__ import annotations

from collections.abc import Iterator

from openapi_tool.convert.read import parse_values
from openapi_tool.convert.tree import Mapping, Node, Scalar

GUARD = "None"
"""The stream item that renders as the trailing `null` document."""


def ends_with_break(root: Node) -> bool:
    """Whether the value written last in a plain config (keys render in the order written)
    is a string ending in a line break."""
    node = root
    while not isinstance(node, Scalar):
        children = [e.value for e in node.entries] if isinstance(node, Mapping) else node.items
        if not children:
            return False
        node = children[-1]
    return _breaks_last(node)


def holds_break_at_end(root: Node) -> bool:
    """Whether any string in the document ends in a line break (a schema instance renders in
    the schema's order, so any of them may come last)."""
    return any(_breaks_last(node) for node in _scalars(root))


def loses_final_break(text: str) -> bool:
    """Whether a document as kcl rendered it reads differently without its final line break."""
    return parse_values(text, final_break=False) != parse_values(text)


def _breaks_last(node: Scalar) -> bool:
    return isinstance(node.value, str) and node.value.endswith("\n")


def _scalars(node: Node) -> Iterator[Scalar]:
    if isinstance(node, Scalar):
        yield node
        return
    for child in [e.value for e in node.entries] if isinstance(node, Mapping) else node.items:
        yield from _scalars(child)
