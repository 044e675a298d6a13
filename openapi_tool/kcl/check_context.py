"""What the check writers share: the checks of one schema being collected, the constraints
kept as comments, and the context every check of a schema needs.

`checks.py` writes the checks of values and `combinators.py` those of oneOf/anyOf/allOf/not
branches; both build on this module, and the combinators reach back to the value checks
through `Context.value_conditions` rather than by importing `checks.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from openapi_tool.model import Constraints, Schema, Type

if TYPE_CHECKING:  # the CEL translator (and its parser) load only for schemas with rules
    from openapi_tool.kcl.cel import Translator


@dataclass(frozen=True)
class Skipped:
    """A constraint that is kept as a comment instead of a check."""

    where: str
    rule: str
    reason: str
    cel: bool = False
    """A CEL rule (`x-kubernetes-validations`) that was not translated."""


@dataclass
class Checks:
    """Check lines of one schema, what was skipped (kept as comments), and whether `regex` is needed."""

    lines: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    uses_regex: bool = False
    translated: int = 0


PatternFilter = Callable[[str], bool]

ValueConditions = Callable[[str, Type, Constraints, int, "Context", str, Checks], "list[tuple[str, str]]"]
"""`checks.value_conditions`: (condition, message) pairs for one value of a type."""


@dataclass
class Context:
    """What every check of one schema needs: attribute names, the regex alias, the pattern
    filter, the writer of value conditions, and (made on first use) the CEL translator."""

    names: frozenset[str]
    regex: str
    pattern_ok: PatternFilter
    schemas: Mapping[str, Schema]
    value_conditions: ValueConditions
    translator: Translator | None = None

    def cel(self) -> Translator:
        if self.translator is None:
            from openapi_tool.kcl.cel import Translator

            self.translator = Translator(self.schemas, self.names, self.regex, self.pattern_ok)
        return self.translator


def skip(result: Checks, where: str, rule: str, reason: str, cel: bool = False) -> None:
    result.skipped.append(Skipped(where, rule, reason, cel))


def comment(skipped: Skipped) -> str:
    """A one-line KCL comment recording a constraint that is not checked, and why."""
    text = " ".join(f"not checked ({skipped.reason}): {skipped.rule}".split())
    return "# " + "".join(c if c.isprintable() else "?" for c in text)
