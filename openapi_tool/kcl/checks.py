"""Schema constraints as KCL `check:` lines.

Every check is guarded so that an absent or null optional attribute never trips it, and
is written without builtins an attribute could shadow: lengths are tested by slicing
(`s[3::] == ""`, which counts characters), never with `len()`. Checks compile on every
declared type: a keyword on a type that may hold other kinds of value is guarded by
`typeof`, and a literal union is cast with `as` (KCL slices no `"a" | "b"`). A constraint
KCL cannot express safely is not emitted; it is returned as a `Skipped` item for the
report and kept as a comment in the check block.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openapi_tool.kcl.check_context import Checks, Context, PatternFilter, skip
from openapi_tool.kcl.combinators import Subject, combinator_conditions
from openapi_tool.kcl.names import member, reference, string_literal
from openapi_tool.kcl.types import literal_union_expressible, runtime_kinds
from openapi_tool.kcl.values import literal, number
from openapi_tool.model import (
    AnyType,
    Constraints,
    ListType,
    LiteralType,
    MapType,
    Primitive,
    Property,
    Ref,
    Schema,
    Type,
    UnionType,
)


def schema_checks(schema: Schema, schemas: Mapping[str, Schema], regex_alias: str, pattern_ok: PatternFilter) -> Checks:
    """Checks for the CEL rules of `schema` and every property constraint."""
    result = Checks()
    context = Context(frozenset(p.name for p in schema.properties), regex_alias, pattern_ok, schemas, value_conditions)
    if schema.constraints.validations:
        from openapi_tool.kcl.cel import SELF_OBJECT, Value

        whole = Value(SELF_OBJECT, Ref(schema.key), schema)
        for condition, message in _cel(whole, schema.constraints, context, f"{schema.source}", result):
            result.lines.append(f"{condition}, {string_literal(message)}")
            result.translated += 1
    if schema.constraints.combinators:
        for condition, message in combinator_conditions(
            schema.constraints.combinators, Subject(None, Ref(schema.key), schema), context, f"{schema.source}", result
        ):
            result.lines.append(f"{condition}, {string_literal(message)}")
            result.translated += 1
    for prop in schema.properties:
        _property_checks(prop, context, result)
    _property_count(schema, result)
    result.uses_regex = result.uses_regex or (context.translator is not None and context.translator.uses_regex)
    return result


def _property_count(schema: Schema, result: Checks) -> None:
    """minProperties/maxProperties on an object with named attributes: count those set."""
    c = schema.constraints
    if c.min_properties is None and c.max_properties is None:
        return
    refs = [reference(p.name) for p in schema.properties]
    if None in refs or schema.preserve_unknown or schema.additional is not None or not refs:
        for keyword, value in (("minProperties", c.min_properties), ("maxProperties", c.max_properties)):
            if value is not None:
                skip(
                    result,
                    f"{schema.source}",
                    f"{keyword} {value}",
                    "the object may hold keys a KCL check cannot count",
                )
        return
    present = f"[_a for _a in [{', '.join(refs)}] if _a not in [None, Undefined]]"  # type: ignore[arg-type]
    if c.max_properties is not None:
        result.lines.append(
            f"{present}[{c.max_properties}::] == [], {string_literal(f'at most {c.max_properties} of these may be set')}"
        )
        result.translated += 1
    if c.min_properties:
        result.lines.append(
            f"{present}[{c.min_properties - 1}::] != [], {string_literal(f'at least {c.min_properties} of these must be set')}"
        )
        result.translated += 1


def _cel(value: Any, constraints: Constraints, context: Context, where: str, result: Checks) -> list[tuple[str, str]]:
    """(condition, message) for each CEL rule that translates; the others are skipped."""
    from openapi_tool.kcl.cel import Untranslatable

    out = []
    for validation in constraints.validations:
        message = validation.message or f"failed rule: {validation.rule}"
        try:
            out.append((context.cel().translate(validation.rule, value), message))
        except Untranslatable as error:
            skip(result, where, f"rule {validation.rule}", str(error), cel=True)
    return out


def _property_checks(prop: Property, context: Context, result: Checks) -> None:
    where = f"{prop.source}"
    ref = reference(prop.name)
    conditions = value_conditions(ref or "_", prop.type, prop.constraints, 0, context, where, result)
    if not conditions:
        return
    if ref is None:
        for _, message in conditions:
            skip(result, where, message, "the attribute name cannot be referenced in a KCL check")
        return
    for condition, message in conditions:
        result.lines.append(
            f"{condition} if {ref} not in [None, Undefined], {string_literal(f'{prop.name}: {message}')}"
        )
        result.translated += 1


def value_conditions(
    expr: str,
    type_: Type,
    constraints: Constraints,
    depth: int,
    context: Context,
    where: str,
    result: Checks,
) -> list[tuple[str, str]]:
    """(condition, message) pairs for one value `expr` of `type_`, items and values included.

    Each keyword applies to the kinds of value JSON Schema gives it (lengths and patterns to
    strings, bounds to numbers, item counts to lists, ...). On a type that may hold other
    kinds too (`int | str`, `any`) the check is guarded by `typeof`, and on one the KCL type
    checker does not read as that kind (a literal union, a union) the value is cast with `as`,
    so that every check compiles on every declared type."""
    out: list[tuple[str, str]] = []
    kinds = runtime_kinds(type_)
    c = constraints
    numbers = kinds & _NUMBERS
    if numbers:
        kind = "float" if "float" in numbers else "int"
        view = expr if isinstance(type_, (Primitive, AnyType)) else f"({expr} as {kind})"
        out += _guarded(
            expr, kinds, _NUMBERS, _numeric(view, c, kind, context.names, where, result), context, where, result
        )
    if "str" in kinds:
        view = expr if isinstance(type_, (Primitive, AnyType)) else f"({expr} as str)"
        out += _guarded(expr, kinds, _STRINGS, _string(view, c, context, where, result), context, where, result)
    if "list" in kinds:
        out += _not_in_union(
            type_, _guarded(expr, kinds, _LISTS, _list(expr, c, context.names), context, where, result), where, result
        )
    if "dict" in kinds:
        out += _not_in_union(
            type_, _guarded(expr, kinds, _MAPS, _map_size(expr, c), context, where, result), where, result
        )
    out += _membership(expr, type_, kinds, c, where, result)
    if c.combinators:
        schema = context.schemas.get(type_.key) if isinstance(type_, Ref) else None
        out += combinator_conditions(c.combinators, Subject(expr, type_, schema), context, where, result)
    if c.validations:
        from openapi_tool.kcl.cel import Value

        out += _cel(Value(expr, type_), c, context, where, result)
    containers: list[tuple[str, str]] = []
    for alternative in members(type_):
        if isinstance(alternative, ListType) and not alternative.nullable_items:
            containers.append((f"None not in {expr}", "items must not be null"))
        if isinstance(alternative, ListType):
            item = f"_v{depth}"
            for condition, message in value_conditions(
                item, alternative.items, alternative.item_constraints, depth + 1, context, where, result
            ):
                containers.append((f"all {item} in {expr} {{{item} == None or {condition}}}", f"each item {message}"))
        if isinstance(alternative, MapType):
            key, value = f"_k{depth}", f"_v{depth}"
            for condition, message in value_conditions(
                value, alternative.values, alternative.value_constraints, depth + 1, context, where, result
            ):
                containers.append(
                    (f"all {key}, {value} in {expr} {{{value} == None or {condition}}}", f"each value {message}")
                )
    out += _not_in_union(type_, containers, where, result)
    return out


_STRINGS, _NUMBERS, _LISTS, _MAPS = (
    frozenset({"str"}),
    frozenset({"int", "float"}),
    frozenset({"list"}),
    frozenset({"dict"}),
)
_TYPEOF_TESTS = {_STRINGS: '!= "str"', _NUMBERS: 'not in ["int", "float"]', _LISTS: '!= "list"', _MAPS: '!= "dict"'}


def _guarded(
    expr: str,
    kinds: frozenset[str],
    applies_to: frozenset[str],
    conditions: list[tuple[str, str]],
    context: Context,
    where: str,
    result: Checks,
) -> list[tuple[str, str]]:
    """`conditions` on the values of kinds `applies_to`: as they are when the type holds no
    other kind, else behind a `typeof` test (other kinds pass, as in JSON Schema)."""
    if not conditions or kinds <= applies_to:
        return conditions
    if "typeof" in context.names:
        for _, message in conditions:
            skip(result, where, message, "an attribute hides the builtin typeof that tells the kinds of value apart")
        return []
    test = f"typeof({expr}) {_TYPEOF_TESTS[applies_to]}"
    return [(f"({test} or {condition})", message) for condition, message in conditions]


def _not_in_union(type_: Type, conditions: list[tuple[str, str]], where: str, result: Checks) -> list[tuple[str, str]]:
    """List and map conditions, except on a union: KCL neither iterates nor slices a value
    typed `[str] | int`, and `as` names no list or map type, so those stay comments."""
    if not isinstance(type_, UnionType):
        return conditions
    for _, message in conditions:
        skip(result, where, message, "a list or map inside a union with other kinds of value")
    return []


def _membership(
    expr: str, type_: Type, kinds: frozenset[str], c: Constraints, where: str, result: Checks
) -> list[tuple[str, str]]:
    """enum and const; and the values of a literal type that KCL cannot spell as one."""
    out = []
    if "schema" in kinds:
        return out
    literals = [m for m in members(type_) if isinstance(m, LiteralType)]
    spelled = all(literal_union_expressible(m) for m in literals)
    if literals and not spelled:
        if len(literals) == len(members(type_)):
            values = [v for m in literals for v in m.values]
            out.append((f"{expr} in {literal(values)}", f"must be one of {literal(values)}"))
        else:
            skip(result, where, "enum", "a union holds enum values KCL cannot spell as a type")
    if c.enum is not None and not _implied(type_, c.enum):
        values = [v for v in c.enum if v is not None]
        if values:
            out.append((f"{expr} in {literal(values)}", f"must be one of {literal(values)}"))
        else:
            out.append(("False", "no value is allowed: none of its enum values meets its other constraints"))
    if c.const is not None:
        out.append((f"{expr} == {literal(c.const)}", f"must be {literal(c.const)}"))
    return out


def members(type_: Type) -> tuple[Type, ...]:
    return type_.members if isinstance(type_, UnionType) else (type_,)


def _implied(type_: Type, enum: tuple[Any, ...]) -> bool:
    """Whether the type holds only values of the enum (a literal type made from it)."""
    return all(
        isinstance(m, LiteralType)
        and all(any(isinstance(v, bool) == isinstance(e, bool) and v == e for e in enum) for v in m.values)
        for m in members(type_)
    )


def _numeric(
    expr: str, c: Constraints, kind: str, names: frozenset[str], where: str, result: Checks
) -> list[tuple[str, str]]:
    out = []
    if c.minimum is not None:
        op = ">" if c.exclusive_minimum else ">="
        out.append((f"{expr} {op} {number(c.minimum)}", f"must be {op} {number(c.minimum)}"))
    if c.maximum is not None:
        op = "<" if c.exclusive_maximum else "<="
        out.append((f"{expr} {op} {number(c.maximum)}", f"must be {op} {number(c.maximum)}"))
    if c.multiple_of is not None and c.multiple_of > 0:
        message = f"must be a multiple of {number(c.multiple_of)}"
        if kind == "int" and float(c.multiple_of).is_integer():
            out.append((f"{expr} % {number(c.multiple_of)} == 0", message))
        elif {"round", "abs"} & names:
            skip(
                result, where, f"multipleOf {number(c.multiple_of)}", "an attribute hides the builtins the check needs"
            )
        else:
            out.append((_fractional_multiple(expr, c.multiple_of), message))
    return out


def _fractional_multiple(expr: str, factor: float) -> str:
    """multipleOf for fractions, computed as the API server does (kube-openapi: `data *
    (1 / factor)` for factors below 1), but with the quotient accepted within a relative
    1e-9 of the nearest whole number: float rounding never makes it reject a value the
    API server accepts."""
    quotient = f"{expr} * {number(1 / factor)}" if factor < 1 else f"{expr} / {number(factor)}"
    whole = "round(_q)"
    return f"all _q in [{quotient}] {{_q == {whole} or abs(_q - {whole}) < 1e-9 * (abs(_q) + abs({whole}))}}"


def _string(expr: str, c: Constraints, context: Context, where: str, result: Checks) -> list[tuple[str, str]]:
    out = []
    if c.max_length is not None:
        out.append((f'{expr}[{c.max_length}::] == ""', f"must be at most {c.max_length} characters long"))
    if c.min_length:
        out.append((f'{expr}[{c.min_length - 1}::] != ""', f"must be at least {c.min_length} characters long"))
    if c.pattern is not None:
        if context.pattern_ok(c.pattern):
            result.uses_regex = True
            out.append((f"{context.regex}.search({expr}, {string_literal(c.pattern)})", f"must match {c.pattern}"))
        else:
            skip(result, where, f"pattern {c.pattern}", "the KCL regex engine does not accept this pattern")
    return out


def _list(expr: str, c: Constraints, names: frozenset[str]) -> list[tuple[str, str]]:
    out = []
    if c.max_items is not None:
        out.append((f"{expr}[{c.max_items}::] == []", f"must have at most {c.max_items} items"))
    if c.min_items:
        out.append((f"{expr}[{c.min_items - 1}::] != []", f"must have at least {c.min_items} items"))
    unique = "isunique" not in names
    if unique and (c.unique_items or c.list_type == "set"):
        out.append((f"isunique({expr})", "must not contain duplicates"))
    if unique and c.list_type == "map" and c.list_map_keys:
        keys = ", ".join(member("_m", k) for k in c.list_map_keys)
        out.append((f"isunique([[{keys}] for _m in {expr}])", f"must not repeat the keys {', '.join(c.list_map_keys)}"))
    return out


def _map_size(expr: str, c: Constraints) -> list[tuple[str, str]]:
    out = []
    if c.max_properties == 0:
        out.append((f"[_p for _p in {expr}] == []", "must be empty: the schema declares no fields"))
    elif c.max_properties is not None:
        out.append(
            (f"[_p for _p in {expr}][{c.max_properties}::] == []", f"must have at most {c.max_properties} entries")
        )
    if c.min_properties:
        out.append(
            (f"[_p for _p in {expr}][{c.min_properties - 1}::] != []", f"must have at least {c.min_properties} entries")
        )
    return out
