"""Repeated inline schemas: a key per node content, so that a node equal to one already built
is not built again (real CRDs repeat whole subtrees: argo's Workflow lifts about 2,400 inline
objects, of which about 430 differ), and the nodes such a build would have visited."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ContentKey = int | str | tuple
"""Equal keys, equal content: key order, value types (1, 1.0, True) and float spelling count."""

_EXACT_SCALARS = (str, int, bool, type(None))


def _scalar_key(value: Any) -> ContentKey:
    """A scalar's key: the value with its class, or its repr where equal values print apart (-0.0)."""
    cls = value.__class__
    if cls is str:
        return value
    return (cls, value) if cls in _EXACT_SCALARS else (cls, repr(value))


class ContentKeys:
    """Keys of JSON values, each container read once: a container's key is a small integer
    given to the keys of its direct members, so equal subtrees share it."""

    def __init__(self) -> None:
        self._by_object: dict[int, tuple[Any, ContentKey | None, int, int]] = {}
        """id of a container -> (the container, kept alive so its id stays its own; its key;
        where its subtree starts in `_order` and how many containers it holds, -1 when some
        were read before)."""
        self._by_content: dict[tuple, int] = {}
        self._open: set[int] = set()
        self._order: list[Any] = []
        """Every container read, parents first, in document order."""
        self._shortcuts = 0
        """How many times a container was met again (read before, or its own ancestor)."""

    def key(self, value: Any) -> ContentKey | None:
        """The key of `value`; None when it holds a `$ref` (read where it is built) or itself."""
        try:
            return self._key(value)
        except RecursionError:
            return None
        finally:
            self._open.clear()

    def _key(self, value: Any) -> ContentKey | None:
        cls = value.__class__
        if cls is str:
            return value
        if cls is not dict and cls is not list:
            return _scalar_key(value)
        marker = id(value)
        known = self._by_object.get(marker)
        if known is not None or marker in self._open:
            self._shortcuts += 1
            return known[1] if known is not None else None  # None: a recursive alias, the builder reports it
        self._open.add(marker)
        start, shortcuts = len(self._order), self._shortcuts
        self._order.append(value)
        content = self._members(value) if cls is list else self._fields(value)
        self._open.discard(marker)
        found = None if content is None else self._by_content.setdefault(content, len(self._by_content))
        count = len(self._order) - start if self._shortcuts == shortcuts else -1
        self._by_object[marker] = (value, found, start, count)
        return found

    def layout(self, node: Any) -> list[Any] | None:
        """`containers(node)` when each container under `node` appears once; else None."""
        known = self._by_object.get(id(node))
        if known is not None and known[3] >= 0:  # read as a tree: its containers are in a row
            return self._order[known[2] : known[2] + known[3]]
        order = containers(node)
        return order if len({id(c) for c in order}) == len(order) else None

    def _fields(self, value: dict) -> tuple | None:
        if "$ref" in value:
            return None
        content: list[ContentKey] = ["{}"]
        for name, member in value.items():
            member_key = member if member.__class__ is str else self._key(member)
            if member_key is None:
                return None
            content.append(name if name.__class__ is str else _scalar_key(name))
            content.append(member_key)
        return tuple(content)

    def _members(self, value: list) -> tuple | None:
        content = ["[]", *map(self._key, value)]
        return None if None in content else tuple(content)


def containers(root: Any) -> list[Any]:
    """Every dict and list under `root` (itself included), parents first, in document order."""
    out = []
    stack = [root]
    while stack:
        value = stack.pop()
        out.append(value)
        members = value.values() if value.__class__ is dict else value
        stack.extend(reversed([m for m in members if m.__class__ is dict or m.__class__ is list]))
    return out


@dataclass
class BuiltNode:
    """An inline object node built once: what it became, and the nodes its build visited."""

    result: Any
    node: dict
    log: list[Any]
    """The builder's log of visited nodes (only ever appended to)."""
    start: int
    end: int
    _positions: list[int] | None = field(default=None, init=False)
    _mappable: bool = field(default=True, init=False)

    def visits_for(self, node: dict, keys: ContentKeys) -> list[Any] | None:
        """The nodes a build of `node` (equal in content) would visit; None when the two
        trees share subtrees inside, so that places do not map one to one."""
        if node is self.node:
            return self.log[self.start : self.end]
        if self._positions is None and self._mappable:
            order = keys.layout(self.node)
            self._mappable = order is not None
            if order is not None:
                index = {id(c): i for i, c in enumerate(order)}
                self._positions = [index[id(v)] for v in self.log[self.start : self.end]]
        if self._positions is None:
            return None
        other = keys.layout(node)
        return None if other is None else [other[i] for i in self._positions]
