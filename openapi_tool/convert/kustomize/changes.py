"""KCL expressions for a value that an overlay changed: the value it came from, written
elsewhere and reached by a reference, merged with only what differs."""

from __future__ import annotations

from typing import Any

from openapi_tool.convert.compare import same
from openapi_tool.convert.emit import INDENT, emit_document
from openapi_tool.convert.tree import from_data
from openapi_tool.kcl.names import IDENTIFIER, KEYWORDS, attribute_name, member
from openapi_tool.kcl.values import float_literal, literal

ONE_LINE = 100
"""Longest change written on the line of its reference."""


def value_text(value: Any, indent: int) -> str:
    """A literal for `value` in `kcl fmt` form, starting on a line indented `indent` levels."""
    if not isinstance(value, (dict, list)) or not value:
        return literal(value, float_text=float_literal, multiline=True)
    lines = emit_document("_", from_data(value), {}, set())
    first = lines[0].render()[len("_ = ") :]
    rest = [INDENT * indent + line.render() for line in lines[1:]]
    return "\n".join([first, *rest])


def changed(ref: str, old: Any, new: Any, indent: int = 0) -> str:
    """An expression that evaluates to `new`, given that `ref` evaluates to `old`: `ref`
    itself, `ref | {changes}`, or a literal when keys were removed or the types differ."""
    if same(old, new):
        return ref
    if isinstance(old, dict) and isinstance(new, dict) and old and not _removed(old, new):
        return f"{ref} | {_config(list(_entries(ref, old, new, (), indent + 1)), indent)}"
    if isinstance(old, list) and isinstance(new, list):
        return _list(ref, old, new, indent)
    return value_text(new, indent)


def _removed(old: dict[str, Any], new: dict[str, Any]) -> bool:
    return any(key not in new for key in old)


def _entries(
    ref: str, old: dict[str, Any], new: dict[str, Any], path: tuple[str, ...], indent: int
) -> list[tuple[tuple[str, ...], str]]:
    """(key path, expression) of every key to set so that `old` becomes `new`."""
    out: list[tuple[tuple[str, ...], str]] = []
    for key, value in new.items():
        before = old.get(key, _ABSENT)
        if before is not _ABSENT and same(before, value):
            continue
        inner = member(ref, key)
        if isinstance(before, dict) and isinstance(value, dict) and before and not _removed(before, value):
            out.extend(_entries(inner, before, value, (*path, key), indent))
        elif isinstance(before, list) and isinstance(value, list):
            out.append(((*path, key), _list(inner, before, value, indent)))
        else:
            out.append(((*path, key), value_text(value, indent)))
    return out


_ABSENT = object()


def _plain(key: str) -> bool:
    return bool(IDENTIFIER.match(key)) and key not in KEYWORDS


def _entry(path: tuple[str, ...], expr: str) -> str:
    """`a.b.c = expr`, or nested configs from the first key that cannot be dotted."""
    plain = 0
    while plain < len(path) and _plain(path[plain]):
        plain += 1
    if plain == len(path):
        return ".".join(path) + " = " + expr
    head = ".".join(path[:plain])
    key = attribute_name(path[plain])
    rest = path[plain + 1 :]
    inner = f"{key}: {{{_entry(rest, expr)}}}" if rest else f"{key} = {expr}"
    return f"{head}: {{{inner}}}" if head else inner


def _config(entries: list[tuple[tuple[str, ...], str]], indent: int) -> str:
    texts = [_entry(path, expr) for path, expr in entries]
    one_line = "{" + ", ".join(texts) + "}"
    if len(one_line) <= ONE_LINE and "\n" not in one_line:
        return one_line
    pad = INDENT * (indent + 1)
    return "{\n" + "".join(f"{pad}{text}\n" for text in texts) + INDENT * indent + "}"


def _list(ref: str, old: list[Any], new: list[Any], indent: int) -> str:
    """A list literal whose items reuse the old ones they equal or merely change."""
    items: list[str] = []
    reused = False
    mergeable = all(isinstance(before, dict) for before in old)  # else kcl refuses `|` on a union type
    for index, item in enumerate(new):
        match = next((i for i, before in enumerate(old) if same(before, item)), None)
        if match is not None and isinstance(item, (dict, list)):
            items.append(f"{ref}[{match}]")
            reused = True
        elif mergeable and index < len(old) and _similar(old[index], item):
            items.append(changed(f"{ref}[{index}]", old[index], item, indent + 1))
            reused = True
        else:
            items.append(value_text(item, indent + 1))
    if not reused:
        return value_text(new, indent)
    one_line = "[" + ", ".join(items) + "]"
    if len(one_line) <= ONE_LINE and "\n" not in one_line:
        return one_line
    pad = INDENT * (indent + 1)
    return "[\n" + "".join(f"{pad}{item}\n" for item in items) + INDENT * indent + "]"


def _similar(old: Any, new: Any) -> bool:
    """Two mappings worth writing as a change of one into the other: the new one keeps every
    key, and shares a value or has the very same keys (a container whose image changed, an
    `envFrom` item whose ConfigMap was renamed)."""
    if not (isinstance(old, dict) and isinstance(new, dict)) or _removed(old, new) or not old:
        return False
    return old.keys() == new.keys() or any(key in new and same(value, new[key]) for key, value in old.items())
