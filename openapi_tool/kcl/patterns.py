"""Which `pattern` regexes the KCL regex engine accepts, asked of the compiler itself.

KCL reports a bad regex only when a check runs, so an unchecked pattern would reject every
value. Patterns are tried in one program per batch; the line of each failure names the
pattern, which is dropped before the batch is run again.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from openapi_tool.kcl.names import string_literal
from openapi_tool.model import Constraints, ListType, MapType, Model, Schema, Type

_FAILED_LINE = re.compile(r"main\.k:(\d+):")


class PatternChecker:
    """Remembers, per pattern, whether KCL's `regex.search` accepts it."""

    def __init__(self) -> None:
        self._known: dict[str, bool] = {}

    def __call__(self, pattern: str) -> bool:
        if pattern not in self._known:
            self.prime([pattern])
        return self._known[pattern]

    def prime(self, patterns: Iterable[str]) -> None:
        """Check every pattern not checked yet, in as few compiler runs as possible."""
        pending = list(dict.fromkeys(p for p in patterns if p not in self._known))
        if not pending:
            return
        import kcl_lib.api as kcl

        api = kcl.API()
        with tempfile.TemporaryDirectory(prefix="openapi-tool-patterns-") as work:
            main = Path(work) / "main.k"
            while pending:
                lines = ["import regex as _regex"]
                lines += [f'_p{i} = _regex.search("", {string_literal(p)})' for i, p in enumerate(pending)]
                main.write_text("\n".join(lines) + "\n", encoding="utf-8")
                error = _run(api, kcl, main)
                if not error:
                    self._known.update(dict.fromkeys(pending, True))
                    return
                failed = _FAILED_LINE.search(error)
                index = int(failed.group(1)) - 2 if failed else -1
                if not 0 <= index < len(pending):
                    self._known.update(dict.fromkeys(pending, False))
                    return
                self._known[pending.pop(index)] = False
                self._known.update(dict.fromkeys(pending[:index], True))
                pending = pending[index:]


def _run(api, kcl, main: Path) -> str:
    try:
        return api.exec_program(kcl.ExecProgramArgs(k_filename_list=[str(main)], work_dir=str(main.parent))).err_message
    except Exception as error:  # a pattern that breaks the string syntax itself
        return str(error)


def all_constraints(model: Model) -> list[Constraints]:
    """Every constraint set in the model: schemas, properties, list items and map values."""
    return [c for schema in model.schemas for c in schema_constraints(schema)]


def schema_constraints(schema: Schema) -> list[Constraints]:
    """Every constraint set of one schema: its own, its properties', their list items' and map values'."""
    found: list[Constraints] = [schema.constraints]

    def visit(constraints: Constraints, type_: Type) -> None:
        found.append(constraints)
        if isinstance(type_, ListType):
            visit(type_.item_constraints, type_.items)
        if isinstance(type_, MapType):
            visit(type_.value_constraints, type_.values)

    for prop in schema.properties:
        visit(prop.constraints, prop.type)
    return found


def all_patterns(model: Model) -> list[str]:
    """Every `pattern` in the model."""
    return [c.pattern for c in all_constraints(model) if c.pattern is not None]
