"""Compare what kcl renders with the manifest: the first difference, and keys it added."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from openapi_tool.convert.tree import Path, format_path


@dataclass(frozen=True)
class Difference:
    path: Path
    kind: str
    """`added` (a key only in the output), `missing` (only in the input) or `changed`."""
    expected: Any = None
    actual: Any = None

    def __str__(self) -> str:
        where = format_path(self.path)
        if self.kind == "added":
            return f"{where}: added {_show(self.actual)}"
        if self.kind == "missing":
            return f"{where}: missing (the input has {_show(self.expected)})"
        return f"{where}: expected {_show(self.expected)}, got {_show(self.actual)}"


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def same(a: Any, b: Any) -> bool:
    """Equal, with the scalar types equal too (1 is not 1.0, "1" is not 1, True is not 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def differences(expected: Any, actual: Any, path: Path = ()) -> Iterator[Difference]:
    """Every difference, outermost first; mapping key order is not compared."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key, value in expected.items():
            if key not in actual:
                yield Difference(path + (key,), "missing", expected=value)
            else:
                yield from differences(value, actual[key], path + (key,))
        for key, value in actual.items():
            if key not in expected:
                yield Difference(path + (key,), "added", actual=value)
    elif isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for index, (a, b) in enumerate(zip(expected, actual)):
            yield from differences(a, b, path + (index,))
    elif not same(expected, actual):
        yield Difference(path, "changed", expected, actual)


def first_difference(expected: Any, actual: Any) -> Difference | None:
    return next(differences(expected, actual), None)
