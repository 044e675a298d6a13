"""Enumerations narrowed by their other constraints, decided once before any check is written.

A literal type (an enum) holds finitely many values, so a length, pattern, bound,
multipleOf, const or value combinator on it is decided here for each value: a constraint
that every value satisfies needs no check, and a value that breaks one leaves the type
(with a warning). What cannot be decided here (CEL rules, a pattern Python cannot read)
stays a constraint, and its check is written to compile on the literal type.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from openapi_tool.kcl.types import runtime_kinds
from openapi_tool.kcl.values import literal
from openapi_tool.model import (
    Condition,
    Constraints,
    ListType,
    LiteralType,
    MapType,
    Model,
    Primitive,
    Property,
    Type,
    UnionType,
)

_STR, _NUMBER, _ALL = (
    frozenset({"str"}),
    frozenset({"int", "float"}),
    frozenset({"str", "int", "float", "bool", "list", "dict"}),
)


@dataclass(frozen=True)
class _Rule:
    """One constraint keyword as a test of a literal: True, False, or None (cannot tell)."""

    keyword: str
    kinds: frozenset[str]
    test: Callable[[Any], bool | None]
    cleared: Callable[[Constraints], Constraints]


@dataclass(frozen=True)
class Narrowed:
    type: Type
    constraints: Constraints
    dropped: tuple[tuple[Any, str], ...] = ()
    """(value, keyword it breaks) for each enum value that left the type."""


def narrow_model(model: Model, warn: Callable[[str], None]) -> Model:
    """The model with every enum narrowed by the constraints beside it (warning for each
    property whose enum lost values)."""
    schemas = []
    for schema in model.schemas:
        properties = tuple(_narrow_property(schema.name, prop, warn) for prop in schema.properties)
        changed = any(new is not old for new, old in zip(properties, schema.properties))
        schemas.append(replace(schema, properties=properties) if changed else schema)
    return replace(model, schemas=tuple(schemas))


def _narrow_property(owner: str, prop: Property, warn: Callable[[str], None]) -> Property:
    """The property with its enum narrowed; itself when nothing changed."""
    narrowed = narrow(prop.type, prop.constraints)
    if narrowed.dropped:
        warn(_warning(owner, prop, narrowed))
    if narrowed.type is prop.type and narrowed.constraints is prop.constraints:
        return prop
    return replace(prop, type=narrowed.type, constraints=narrowed.constraints)


def _warning(owner: str, prop: Property, narrowed: Narrowed) -> str:
    broken = "; ".join(f"{literal(value)} breaks {keyword}" for value, keyword in narrowed.dropped)
    if narrowed.constraints.enum == ():
        return f"{prop.source}: no enum value of {owner}.{prop.name} meets its other constraints ({broken}); it accepts no value"
    return f"{prop.source}: enum values of {owner}.{prop.name} that break its other constraints are left out of its type ({broken})"


def narrow(type_: Type, constraints: Constraints) -> Narrowed:
    """`type_` with the literals `constraints` rule out removed, and `constraints` without the
    keywords every remaining literal is known to satisfy; list items and map values too."""
    type_, dropped_inside = _narrow_inside(type_)
    literals = [m for m in _members(type_) if isinstance(m, LiteralType)]
    if not literals or constraints.is_empty():
        return Narrowed(type_, constraints, dropped_inside)
    other_kinds = frozenset().union(*(runtime_kinds(m) for m in _members(type_) if not isinstance(m, LiteralType)))
    values = list(dict.fromkeys((type(v), v) for m in literals for v in m.values))
    dropped: dict[tuple[type, Any], str] = {}
    for rule in _rules(constraints):
        verdicts = [_applies(rule, v) for _, v in values]
        for key, verdict in zip(values, verdicts):
            if verdict is False:
                dropped.setdefault(key, rule.keyword)
        if None not in verdicts and not other_kinds & rule.kinds:
            constraints = rule.cleared(constraints)
    if not dropped:
        return Narrowed(type_, constraints, dropped_inside)
    members = []
    for member in _members(type_):
        if isinstance(member, LiteralType):
            kept = tuple(v for v in member.values if (type(v), v) not in dropped)
            if kept:
                members.append(LiteralType(kept))
        else:
            members.append(member)
    lost = tuple((v, keyword) for (_, v), keyword in dropped.items())
    if not members:  # nothing is left: the base types, and a check that no value passes
        bases = tuple(dict.fromkeys(Primitive(next(iter(runtime_kinds(m)))) for m in literals))
        return Narrowed(
            bases[0] if len(bases) == 1 else UnionType(bases), replace(constraints, enum=()), dropped_inside + lost
        )
    return Narrowed(members[0] if len(members) == 1 else UnionType(tuple(members)), constraints, dropped_inside + lost)


def _applies(rule: _Rule, value: Any) -> bool | None:
    """The rule's verdict on one literal; a keyword for other kinds of value holds."""
    return rule.test(value) if runtime_kinds(LiteralType((value,))) & rule.kinds else True


def _members(type_: Type) -> tuple[Type, ...]:
    return type_.members if isinstance(type_, UnionType) else (type_,)


def _narrow_inside(type_: Type) -> tuple[Type, tuple[tuple[Any, str], ...]]:
    """Narrow the items of lists and the values of maps, in the type and its union members."""
    if isinstance(type_, ListType):
        inner = narrow(type_.items, type_.item_constraints)
        if inner.type is type_.items and inner.constraints is type_.item_constraints:
            return type_, inner.dropped
        return replace(type_, items=inner.type, item_constraints=inner.constraints), inner.dropped
    if isinstance(type_, MapType):
        inner = narrow(type_.values, type_.value_constraints)
        if inner.type is type_.values and inner.constraints is type_.value_constraints:
            return type_, inner.dropped
        return replace(type_, values=inner.type, value_constraints=inner.constraints), inner.dropped
    if isinstance(type_, UnionType):
        parts = [_narrow_inside(m) for m in type_.members]
        return UnionType(tuple(t for t, _ in parts)), tuple(d for _, ds in parts for d in ds)
    return type_, ()


def _rules(c: Constraints) -> list[_Rule]:
    """A rule per keyword a literal can be tested against; CEL rules and formats have none."""
    rules = []
    if c.min_length is not None:
        n = c.min_length
        rules.append(_Rule(f"minLength {n}", _STR, lambda v: len(v) >= n, lambda k: replace(k, min_length=None)))
    if c.max_length is not None:
        m = c.max_length
        rules.append(_Rule(f"maxLength {m}", _STR, lambda v: len(v) <= m, lambda k: replace(k, max_length=None)))
    if c.pattern is not None:
        rules.append(_Rule(f"pattern {c.pattern}", _STR, _searcher(c.pattern), lambda k: replace(k, pattern=None)))
    if c.minimum is not None:
        low, strict = c.minimum, c.exclusive_minimum
        rules.append(
            _Rule(
                f"minimum {literal(low)}",
                _NUMBER,
                lambda v: v > low if strict else v >= low,
                lambda k: replace(k, minimum=None, exclusive_minimum=False),
            )
        )
    if c.maximum is not None:
        high, strict_max = c.maximum, c.exclusive_maximum
        rules.append(
            _Rule(
                f"maximum {literal(high)}",
                _NUMBER,
                lambda v: v < high if strict_max else v <= high,
                lambda k: replace(k, maximum=None, exclusive_maximum=False),
            )
        )
    if c.multiple_of is not None and c.multiple_of > 0:
        factor = Decimal(repr(c.multiple_of))
        rules.append(
            _Rule(
                f"multipleOf {literal(c.multiple_of)}",
                _NUMBER,
                lambda v: Decimal(repr(v)) % factor == 0,
                lambda k: replace(k, multiple_of=None),
            )
        )
    if c.enum is not None:
        allowed = c.enum
        rules.append(_Rule("enum", _ALL, lambda v: any(_same(v, a) for a in allowed), lambda k: replace(k, enum=None)))
    if c.const is not None:
        const = c.const
        rules.append(
            _Rule(f"const {literal(const)}", _ALL, lambda v: _same(v, const), lambda k: replace(k, const=None))
        )
    for combinator in c.combinators:
        rules.append(
            _Rule(
                combinator.keyword,
                _ALL,
                _combinator_test(combinator),
                lambda k, gone=combinator: replace(k, combinators=tuple(x for x in k.combinators if x is not gone)),
            )
        )
    return rules


def _searcher(pattern: str) -> Callable[[Any], bool | None]:
    """A pattern as Python reads it (JSON Schema's regex dialect is close); one Python cannot
    read decides nothing."""
    try:
        compiled = re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return lambda v: None
    return lambda v: compiled.search(v) is not None


def _same(value: Any, other: Any) -> bool:
    """JSON equality: true is not 1."""
    return isinstance(value, bool) == isinstance(other, bool) and value == other


def _combinator_test(combinator: Any) -> Callable[[Any], bool | None]:
    def test(value: Any) -> bool | None:
        verdicts = [_condition_holds(branch, value) for branch in combinator.branches]
        if None in verdicts:
            return None
        if combinator.keyword == "not":
            return not verdicts[0]
        if combinator.keyword == "allOf":
            return all(verdicts)
        if combinator.keyword == "anyOf":
            return any(verdicts)
        return verdicts.count(True) == 1

    return test


def _condition_holds(condition: Condition, value: Any) -> bool | None:
    """A branch on a scalar: `required` and `properties` concern objects only, so they hold."""
    if condition.unsupported:
        return None
    if condition.constraints is None:
        return True
    c = condition.constraints
    if c.validations or c.format:
        return None
    verdicts = [_applies(rule, value) for rule in _rules(c)]
    if None in verdicts:
        return None
    return all(verdicts)
