"""Value-validation combinators (`oneOf`, `anyOf`, `allOf`, `not`) as KCL conditions.

Structural schemas use them for shapes such as "exactly one of `wasm` and `lua`, or
neither" and "when `type` is IPAddress, `value` must be an IP". Each branch becomes a
boolean over the value's attributes; a branch KCL cannot check faithfully (a `format`,
an attribute a check cannot name, a constraint the checks would skip) keeps the whole
combinator as a comment, never a weaker check.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from openapi_tool.kcl.check_context import Checks, Context, skip
from openapi_tool.kcl.names import member, reference, string_literal
from openapi_tool.kcl.values import literal
from openapi_tool.model import Combinator, Condition, Constraints, MapType, Ref, Schema, Type

_PRESENT = "not in [None, Undefined]"
_ABSENT = "in [None, Undefined]"


class Unsupported(Exception):
    """A branch has no faithful KCL form; the message says why."""


@dataclass(frozen=True)
class Subject:
    """What a condition talks about: an object whose attributes a check reaches through
    `attribute`, or a single value `expr` of `type`."""

    expr: str | None
    type: Type | None
    schema: Schema | None = None

    def attribute(self, name: str) -> tuple[str, Type | None]:
        if self.schema is not None:
            prop = next((p for p in self.schema.properties if p.name == name), None)
            if prop is None:
                if self.schema.preserve_unknown or self.schema.additional is not None:
                    raise Unsupported(f"`{name}` is not a declared attribute")
                return "", None  # a closed schema never holds it
            if self.expr is None:
                ref = reference(name)
                if ref is None:
                    raise Unsupported(f"the attribute `{name}` cannot be referenced in a KCL check")
                return ref, prop.type
            return member(self.expr, name), prop.type
        if isinstance(self.type, MapType) and self.expr is not None:
            return f"{self.expr}[{string_literal(name)}]", self.type.values
        raise Unsupported("attributes of a value that is not an object")


def combinator_conditions(
    combinators: tuple[Combinator, ...], subject: Subject, context: Context, where: str, result: Checks
) -> list[tuple[str, str]]:
    """(condition, message) per combinator that translates; the others are skipped."""
    out = []
    for combinator in combinators:
        try:
            out.append((_combinator(combinator, subject, context, where, result, 0), _message(combinator)))
        except Unsupported as error:
            skip(result, where, f"{combinator.keyword} {_texts(combinator)}", str(error))
    return out


def _combinator(
    combinator: Combinator, subject: Subject, context: Context, where: str, result: Checks, depth: int
) -> str:
    branches = [_condition(b, subject, context, where, result, depth + 1) for b in combinator.branches]
    if combinator.keyword == "not":
        return f"(not {branches[0]})"
    if combinator.keyword == "allOf":
        return "(" + " and ".join(branches) + ")"
    if combinator.keyword == "anyOf":
        return "(" + " or ".join(branches) + ")"
    item = f"_o{depth}"
    return f"([{item} for {item} in [{', '.join(branches)}] if {item}] == [True])"


def _condition(condition: Condition, subject: Subject, context: Context, where: str, result: Checks, depth: int) -> str:
    if condition.unsupported:
        raise Unsupported(condition.unsupported)
    parts = []
    for name in condition.required:
        expr, _ = subject.attribute(name)
        parts.append(f"({expr} {_PRESENT})" if expr else "False")
    for name, sub in condition.properties:
        expr, type_ = subject.attribute(name)
        if expr:
            parts.append(
                f"(({expr} {_ABSENT}) or {_condition(sub, _value(expr, type_, context), context, where, result, depth)})"
            )
    if condition.constraints is not None:
        parts += _constraints(condition.constraints, subject, context, where, result, depth)
    if len(parts) > 1:
        return "(" + " and ".join(parts) + ")"
    return parts[0] if parts else "True"


def _value(expr: str, type_: Type | None, context: Context) -> Subject:
    schema = context.schemas.get(type_.key) if isinstance(type_, Ref) else None
    return Subject(expr, type_, schema)


def _constraints(
    c: Constraints, subject: Subject, context: Context, where: str, result: Checks, depth: int
) -> list[str]:
    parts = [_combinator(k, subject, context, where, result, depth) for k in c.combinators]
    plain = replace(c, enum=None, const=None, combinators=())
    if plain.is_empty() and c.enum is None and c.const is None:
        return parts
    if subject.expr is None or subject.type is None or subject.schema is not None:
        raise Unsupported("a constraint on a whole object inside oneOf/anyOf/allOf/not")
    if c.enum is not None:
        parts.append(f"({subject.expr} in {literal(list(c.enum))})")
    if c.const is not None:
        parts.append(f"({subject.expr} == {literal(c.const)})")
    scratch = Checks()
    found = context.value_conditions(subject.expr, subject.type, plain, depth + 10, context, where, scratch)
    if scratch.skipped:
        raise Unsupported(scratch.skipped[0].reason)
    result.uses_regex = result.uses_regex or scratch.uses_regex
    # the null-item check comes from the list's type, not from this branch
    parts += [f"({condition})" for condition, _ in found if not condition.startswith("None not in ")]
    return parts


def _message(combinator: Combinator) -> str:
    what = {"oneOf": "exactly one of", "anyOf": "at least one of", "allOf": "all of", "not": "not"}[combinator.keyword]
    return f"must satisfy {what}: {_texts(combinator)}"


def _texts(combinator: Combinator) -> str:
    text = " | ".join(b.text for b in combinator.branches)
    return text if len(text) <= 300 else text[:297] + "..."
