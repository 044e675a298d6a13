"""CEL rules (`x-kubernetes-validations`) translated into KCL check expressions.

Rules are parsed with cel-python's real CEL grammar. The translation is typed: every
sub-expression carries the IR type it has, so that only expressions the KCL compiler
accepts are produced. Anything without a faithful KCL form (transition rules using
`oldSelf`, Kubernetes library functions, operands of union type) raises `Untranslatable`
and the rule is kept as a comment.

CEL raises an error where a rule reads an absent field, an absent map key or a list index
out of range, and `||`, `&&` and the `all`/`exists` macros absorb such errors when the
other side decides the result. Every sub-expression therefore also carries `defined`: a
KCL condition that holds where CEL would evaluate it without error; strict operations are
defined where all their operands are. A boolean built by the logical operators carries
instead two conditions that never raise, "CEL gives true" and "CEL gives false", which
follow CEL's commutative rules and stay linear in the size of the rule. The check is
"CEL gives true": a rule that errs fails, as it does in the API server.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from lark import Token, Tree
from lark.exceptions import LarkError

from openapi_tool.kcl.names import IDENTIFIER, KEYWORDS, string_literal
from openapi_tool.kcl.types import value_kind
from openapi_tool.kcl.values import number
from openapi_tool.model import AnyType, ListType, LiteralType, MapType, Primitive, Property, Ref, Schema, Type

_PARSER = None
SELF_OBJECT = "\x00self"
"""Stands for `self` when it is a whole object: its attributes are reached by bare name."""


class Untranslatable(Exception):
    """The rule has no faithful KCL form; the message says why."""


TRUE, FALSE = "True", "False"


@dataclass(frozen=True)
class Value:
    """A translated sub-expression: KCL text, its IR type (None when unknown), for `self`
    of an object rule the schema whose attributes are reached by bare name, the KCL
    condition under which CEL evaluates it without error, and whether it may be null."""

    expr: str
    type: Type | None = None
    schema: Schema | None = None
    defined: str = TRUE
    nullable: bool = False
    truth: tuple[str, str] | None = None
    """For logical results: (where CEL gives true, where CEL gives false); `expr` is the first."""


def _decided(true: str, false: str, defined: str | None = None) -> Value:
    """A boolean known by the two error-free conditions under which CEL gives true and false
    (`defined`, where known more simply, is their disjunction)."""
    return Value(true, Primitive("bool"), defined=defined or _or(true, false), truth=(true, false))


@dataclass
class Translator:
    """Translates the rules of one schema; `names` are its attribute names (they shadow builtins)."""

    schemas: Mapping[str, Schema]
    names: frozenset[str]
    regex_alias: str
    pattern_ok: Callable[[str], bool]
    uses_regex: bool = False
    _scopes: list[dict[str, Value]] = field(default_factory=list)

    def translate(self, rule: str, self_value: Value) -> str:
        tree = _parse(rule)
        self._scopes = [{"self": self_value}]
        try:
            result = self._visit(tree)
            check = _truth(result)[0]  # the check holds where CEL gives true
        finally:
            _CONJUNCTS.clear()
        if result.type is not None and value_kind(result.type) not in ("bool", "any"):
            raise Untranslatable("the rule does not evaluate to a boolean")
        if SELF_OBJECT in check:
            raise Untranslatable("the rule uses `self` as a whole object, which a KCL check cannot name")
        if len(check) > _MAX_CHECK:
            raise Untranslatable("the rule's KCL form would be too long to read")
        return check

    # --- grammar rules ---------------------------------------------------------------

    def _visit(self, node: Tree) -> Value:
        handler = getattr(self, "_rule_" + node.data, None)
        if handler is None:
            raise Untranslatable(f"CEL construct `{node.data}` is not supported")
        return handler(node)

    def _rule_expr(self, node: Tree) -> Value:
        condition, then, otherwise = (list(node.children) + [None, None])[:3]
        if then is None:
            return self._visit(condition)
        test, yes, no = self._visit(condition), self._visit(then), self._visit(otherwise)
        if value_kind(test.type) not in ("bool", "any"):
            raise Untranslatable("a ternary condition that is not a boolean")
        if yes.truth or no.truth:
            (test_true, test_false), (yes_true, yes_false), (no_true, no_false) = _truth(test), _truth(yes), _truth(no)
            return _decided(
                _or(_both(test_true, yes_true), _both(test_false, no_true)),
                _or(_both(test_true, yes_false), _both(test_false, no_false)),
            )
        branches = TRUE if yes.defined == no.defined == TRUE else f"({yes.defined} if {test.expr} else {no.defined})"
        return Value(
            f"({yes.expr} if {test.expr} else {no.expr})",
            _common_type(yes.type, no.type),
            defined=_both(test.defined, branches),
            nullable=yes.nullable or no.nullable,
        )

    def _children(self, node: Tree) -> list:
        return [c for c in node.children if c is not None]

    def _logical(self, node: Tree, kcl_op: str) -> Value:
        children = self._children(node)
        if len(children) == 1:
            return self._visit(children[0])
        left, right = self._visit(children[0]), self._visit(children[1])
        for side in (left, right):
            if value_kind(side.type) not in ("bool", "any"):
                raise Untranslatable(f"`{kcl_op}` on a non-boolean")
        if left.defined == right.defined == TRUE and not (left.truth or right.truth):
            return Value(f"({left.expr} {kcl_op} {right.expr})", Primitive("bool"))
        # CEL: `true || error` and `false && error` decide without the erring side.
        (left_true, left_false), (right_true, right_false) = _truth(left), _truth(right)
        if kcl_op == "or":
            return _decided(_or(left_true, right_true), _both(left_false, right_false))
        return _decided(_both(left_true, right_true), _or(left_false, right_false))

    def _rule_conditionalor(self, node: Tree) -> Value:
        return self._logical(node, "or")

    def _rule_conditionaland(self, node: Tree) -> Value:
        return self._logical(node, "and")

    def _rule_paren_expr(self, node: Tree) -> Value:
        return self._visit(node.children[0])

    def _rule_relation(self, node: Tree) -> Value:
        children = self._children(node)
        if len(children) == 1:
            return self._visit(children[0])
        op_node, right_node = children
        left = self._visit(op_node.children[0])
        right = self._visit(right_node)
        op = {
            "relation_lt": "<",
            "relation_le": "<=",
            "relation_gt": ">",
            "relation_ge": ">=",
            "relation_eq": "==",
            "relation_ne": "!=",
            "relation_in": "in",
        }[op_node.data]
        if op in ("<", "<=", ">", ">="):
            _comparable(left, right)
        if op == "in" and value_kind(right.type) not in ("list", "map", "any"):
            raise Untranslatable("`in` needs a list or a map")
        return Value(f"({left.expr} {op} {right.expr})", Primitive("bool"), defined=_both(left.defined, right.defined))

    def _rule_addition(self, node: Tree) -> Value:
        return self._arithmetic(node, {"addition_add": "+", "addition_sub": "-"})

    def _rule_multiplication(self, node: Tree) -> Value:
        return self._arithmetic(node, {"multiplication_mul": "*", "multiplication_div": "/", "multiplication_mod": "%"})

    def _arithmetic(self, node: Tree, ops: dict[str, str]) -> Value:
        children = self._children(node)
        if len(children) == 1:
            return self._visit(children[0])
        op_node, right_node = children
        left, right = _base(self._visit(op_node.children[0])), _base(self._visit(right_node))
        op = ops[op_node.data]
        kinds = {value_kind(left.type), value_kind(right.type)}
        defined = _both(left.defined, right.defined)
        if kinds == {"int"}:
            if op in ("/", "%"):  # CEL: division by zero is an error
                defined = _both(defined, f"({right.expr} != 0)")
                return Value(_truncated(op, left.expr, right.expr), Primitive("int"), defined=defined)
            return Value(f"({left.expr} {op} {right.expr})", Primitive("int"), defined=defined)
        if kinds <= {"int", "float"} and op != "%":
            if op == "/":
                raise Untranslatable("float division (CEL gives infinity for a zero divisor, KCL an error)")
            return Value(f"({left.expr} {op} {right.expr})", Primitive("float"), defined=defined)
        if op == "+" and len(kinds) == 1 and kinds <= {"str", "list"}:
            return Value(f"({left.expr} + {right.expr})", left.type, defined=defined)
        raise Untranslatable(f"`{op}` on operands of kinds {sorted(kinds)}")

    def _rule_unary(self, node: Tree) -> Value:
        children = self._children(node)
        if len(children) == 1:
            return self._visit(children[0])
        op, operand = children[0].data, self._visit(children[1])
        if op == "unary_not":
            if value_kind(operand.type) not in ("bool", "any"):
                raise Untranslatable("`!` on a non-boolean")
            if operand.truth:
                return _decided(operand.truth[1], operand.truth[0])
            return Value(f"(not {operand.expr})", Primitive("bool"), defined=operand.defined)
        if value_kind(operand.type) not in ("int", "float"):
            raise Untranslatable("`-` on a non-number")
        return Value(f"(-{operand.expr})", operand.type, defined=operand.defined)

    def _rule_member(self, node: Tree) -> Value:
        return self._visit(node.children[0])

    def _rule_primary(self, node: Tree) -> Value:
        return self._visit(node.children[0])

    def _rule_ident(self, node: Tree) -> Value:
        name = str(node.children[0])
        for scope in reversed(self._scopes):
            if name in scope:
                return scope[name]
        if name == "oldSelf":
            raise Untranslatable("a transition rule (oldSelf) compares with the stored object")
        raise Untranslatable(f"unknown identifier `{name}`")

    def _rule_literal(self, node: Tree) -> Value:
        token: Token = node.children[0]
        text = str(token)
        if token.type in ("INT_LIT",):
            return Value(str(int(text, 0)), Primitive("int"))
        if token.type == "FLOAT_LIT":
            return Value(number(float(text)), Primitive("float"))
        if token.type in ("STRING_LIT", "MLSTRING_LIT"):
            return Value(string_literal(_decode_string(text)), Primitive("str"))
        if token.type == "BOOL_LIT":
            return Value(TRUE if text == "true" else FALSE, Primitive("bool"))
        if token.type == "NULL_LIT":
            return Value("None", AnyType(), nullable=True)
        raise Untranslatable(f"{token.type} literals are not supported")

    def _rule_list_lit(self, node: Tree) -> Value:
        items = [self._visit(e) for e in _exprlist(node)]
        item_types = {repr(i.type) for i in items}
        item_type = items[0].type if len(item_types) == 1 and items else AnyType()
        defined = _both(*(i.defined for i in items))
        return Value("[" + ", ".join(i.expr for i in items) + "]", ListType(item_type or AnyType()), defined=defined)

    def _rule_map_lit(self, node: Tree) -> Value:
        inits = node.children[0].children if node.children and node.children[0] is not None else []
        pairs = [(self._visit(inits[i]), self._visit(inits[i + 1])) for i in range(0, len(inits), 2)]
        defined = _both(*(v.defined for pair in pairs for v in pair))
        return Value(
            "{" + ", ".join(f"{k.expr}: {v.expr}" for k, v in pairs) + "}", MapType(AnyType()), defined=defined
        )

    def _rule_member_dot(self, node: Tree) -> Value:
        target = self._visit(node.children[0])
        return self._field(target, str(node.children[1]))

    def _rule_member_index(self, node: Tree) -> Value:
        target = self._visit(node.children[0])
        index = self._visit(node.children[1])
        reached = _both(target.defined, _not_null(target), index.defined)
        if isinstance(target.type, ListType) and value_kind(index.type) == "int":
            self._builtin("len")
            in_range = f"(len({target.expr}) > {index.expr})"
            if not index.expr.isdigit():
                in_range = f"({index.expr} >= 0 and {in_range})"
            return Value(f"{target.expr}[{index.expr}]", target.type.items, defined=_both(reached, in_range))
        if isinstance(target.type, MapType) and value_kind(index.type) == "str":
            present = f"({index.expr} in {target.expr})"
            return Value(f"{target.expr}[{index.expr}]", target.type.values, defined=_both(reached, present))
        raise Untranslatable("indexing needs a list with an int or a map with a string")

    def _rule_ident_arg(self, node: Tree) -> Value:
        name = str(node.children[0])
        args = _exprlist(node, 1)
        if name == "has":
            return self._has(args)
        values = [self._visit(a) for a in args]
        if name == "size" and len(values) == 1:
            return self._size(values[0])
        if name in _CONVERSIONS and len(values) == 1:
            builtin, result = _CONVERSIONS[name]
            self._builtin(builtin)
            return Value(f"{builtin}({values[0].expr})", result, defined=values[0].defined)
        if name == "matches" and len(values) == 2:
            return self._matches(values[0], args[1])
        if name == "duration" and len(values) == 1 and value_kind(values[0].type) == "str":
            return self._duration(values[0], args[0])
        raise Untranslatable(f"function `{name}` has no KCL equivalent here")

    def _rule_member_dot_arg(self, node: Tree) -> Value:
        method = str(node.children[1])
        args = _exprlist(node, 2)
        if method in _MACROS:
            return self._macro(node.children[0], method, args)
        target = _base(self._visit(node.children[0]))
        if method == "size" and not args:
            return self._size(target)
        if method == "matches" and len(args) == 1:
            return self._matches(target, args[0])
        values = [self._visit(a) for a in args]
        defined = _both(target.defined, *(v.defined for v in values))
        if (
            method == "substring"
            and value_kind(target.type) == "str"
            and 1 <= len(values) <= 2
            and all(value_kind(v.type) == "int" for v in values)
        ):
            bounds = ":".join(v.expr for v in values)
            return Value(
                f"{target.expr}[{bounds}:{':' if len(values) == 1 else ''}]", Primitive("str"), defined=defined
            )  # kcl fmt form
        if (
            method == "split"
            and value_kind(target.type) == "str"
            and len(values) == 1
            and value_kind(values[0].type) == "str"
        ):
            return Value(f"{target.expr}.split({values[0].expr})", ListType(Primitive("str")), defined=defined)
        if method in _STRING_METHODS and value_kind(target.type) == "str":
            kcl_method, arity = _STRING_METHODS[method]
            if len(values) != arity or any(value_kind(v.type) != "str" for v in values):
                raise Untranslatable(f"`{method}` needs {arity} string argument(s)")
            if method == "contains":
                return Value(f"({values[0].expr} in {target.expr})", Primitive("bool"), defined=defined)
            result_type = Primitive("bool") if method in ("startsWith", "endsWith") else Primitive("str")
            return Value(
                f"{target.expr}.{kcl_method}({', '.join(v.expr for v in values)})", result_type, defined=defined
            )
        raise Untranslatable(f"method `{method}` has no KCL equivalent here")

    # --- pieces ----------------------------------------------------------------------

    def _field(self, target: Value, name: str) -> Value:
        name = unescape_field(name)
        if target.schema is not None:
            prop = next((p for p in target.schema.properties if p.name == name), None)
            if prop is None:
                raise Untranslatable(f"no field `{name}`")
            return _present(_attribute(name), prop, target.defined)
        type_ = target.type
        reached = _both(target.defined, _not_null(target))
        if isinstance(type_, Ref):
            schema = self.schemas.get(type_.key)
            prop = next((p for p in schema.properties if p.name == name), None) if schema else None
            if prop is None:
                raise Untranslatable(f"no field `{name}`")
            return _present(_select(target.expr, name), prop, reached)
        if isinstance(type_, MapType) or value_kind(type_) == "any":
            values = type_.values if isinstance(type_, MapType) else None
            key = string_literal(name)
            return Value(f"{target.expr}[{key}]", values, defined=_both(reached, f"({key} in {target.expr})"))
        raise Untranslatable(f"`.{name}` on a value that is not an object")

    def _has(self, args: list) -> Value:
        if len(args) != 1:
            raise Untranslatable("has() takes one field selection")
        member = _single_member(args[0])
        if member is None or member.data != "member_dot":
            raise Untranslatable("has() needs a field selection")
        target = self._visit(member.children[0])
        name = str(member.children[1])
        reached = _both(target.defined, _not_null(target))
        if target.schema is not None or isinstance(target.type, Ref):
            selected = self._field(target, name)
            absent = "[Undefined]" if selected.nullable else "[None, Undefined]"
            present, missing = f"({selected.expr} not in {absent})", f"({selected.expr} in {absent})"
        elif isinstance(target.type, MapType) or value_kind(target.type) == "any":
            present, missing = (
                f"({string_literal(name)} in {target.expr})",
                f"({string_literal(name)} not in {target.expr})",
            )
        else:
            raise Untranslatable("has() on a value that is not an object")
        return _decided(_both(reached, present), _both(reached, missing), defined=reached)

    def _size(self, value: Value) -> Value:
        self._builtin("len")
        kind = value_kind(value.type)
        if kind == "str":
            return Value(f"len([_ch for _ch in {value.expr}])", Primitive("int"), defined=value.defined)
        if kind in ("list", "map"):
            return Value(f"len({value.expr})", Primitive("int"), defined=value.defined)
        raise Untranslatable("size() of a value of unknown kind")

    def _matches(self, target: Value, pattern_node: Tree) -> Value:
        pattern = _string_constant(pattern_node)
        if pattern is None or value_kind(target.type) != "str":
            raise Untranslatable("matches() needs a string and a constant pattern")
        if not self.pattern_ok(pattern):
            raise Untranslatable("the KCL regex engine does not accept this pattern")
        self.uses_regex = True
        return Value(
            f"{self.regex_alias}.search({target.expr}, {string_literal(pattern)})",
            Primitive("bool"),
            defined=target.defined,
        )

    def _duration(self, value: Value, node: Tree) -> Value:
        """A Go duration string as float seconds: computed now for constants, else in KCL."""
        constant = _string_constant(node)
        if constant is not None:
            seconds = _duration_seconds(constant)
            if seconds is None:
                raise Untranslatable(f"{constant!r} is not a duration")
            return Value(number(seconds), _DURATION)
        for builtin in ("sum", "float"):
            self._builtin(builtin)
        self.uses_regex = True
        units = "{" + ", ".join(f"{string_literal(u)}: {number(f)}" for u, f in _DURATION_UNITS.items()) + "}"
        terms = f"[float(_d[0]) * {units}[_d[1]] for _d in {self.regex_alias}.findall({value.expr}, {string_literal(_DURATION_TERM)})]"
        return Value(f'((-1 if {value.expr}.startswith("-") else 1) * sum({terms}))', _DURATION, defined=value.defined)

    def _macro(self, target_node: Tree, method: str, args: list) -> Value:
        target = self._visit(target_node)
        kind = value_kind(target.type)
        if kind not in ("list", "map"):
            raise Untranslatable(f"{method}() on a value that is not a list or a map")
        if len(args) not in (2, 3) or _single_ident(args[0]) is None:
            raise Untranslatable(f"{method}() needs a variable and an expression")
        variable = _single_ident(args[0])
        item_type = target.type.items if isinstance(target.type, ListType) else Primitive("str")
        kcl_var = f"_{variable}{len(self._scopes)}"
        self._scopes.append({variable: Value(kcl_var, item_type)})
        try:
            bodies = [self._visit(a) for a in args[1:]]
        finally:
            self._scopes.pop()
        iterable = f"[*{target.expr}]" if target.expr.startswith("(") else target.expr  # quantifiers take no (...)
        loop = f"{kcl_var} in {iterable}"
        reached = _both(target.defined, _not_null(target))
        every = [f"(all {loop} {{{b.defined}}})" for b in bodies if b.defined != TRUE]
        if method in ("all", "exists"):
            body = bodies[0]
            if value_kind(body.type) not in ("bool", "any"):
                raise Untranslatable(f"{method}() with a non-boolean predicate")
            if not every and not body.truth:
                quantifier = "all" if method == "all" else "any"
                return Value(f"({quantifier} {loop} {{{body.expr}}})", Primitive("bool"), defined=reached)
            # CEL: one false item decides `all`, one true item decides `exists`, errors elsewhere notwithstanding.
            body_true, body_false = _truth(body)
            every_true, any_true = f"(all {loop} {{{body_true}}})", f"(any {loop} {{{body_true}}})"
            every_false, any_false = f"(all {loop} {{{body_false}}})", f"(any {loop} {{{body_false}}})"
            true, false = (every_true, any_false) if method == "all" else (any_true, every_false)
            if reached != TRUE:
                true, false = f"({reached} and {true})", f"({reached} and {false})"
            return _decided(true, false)
        defined = _both(reached, *every)
        if method == "exists_one":
            self._builtin("len")
            return Value(f"(len([{kcl_var} for {loop} if {bodies[0].expr}]) == 1)", Primitive("bool"), defined=defined)
        if method == "filter":
            return Value(f"[{kcl_var} for {loop} if {bodies[0].expr}]", ListType(item_type), defined=defined)
        if len(bodies) == 1:
            return Value(f"[{bodies[0].expr} for {loop}]", ListType(bodies[0].type or AnyType()), defined=defined)
        return Value(
            f"[{bodies[1].expr} for {loop} if {bodies[0].expr}]", ListType(bodies[1].type or AnyType()), defined=defined
        )

    def _builtin(self, name: str) -> None:
        if name in self.names:
            raise Untranslatable(f"an attribute named `{name}` hides the builtin the rule needs")


_MAX_CHECK = 16_000
"""Nested ternaries over logical operands double their condition; past this a rule is kept as a comment."""


_CONJUNCTS: dict[str, tuple[str, ...]] = {}
"""The parts of each conjunction `_both` made for the rule being translated, so that nested
ones flatten without repeats."""


def _both(*conditions: str) -> str:
    """The conjunction of `conditions`, in order (KCL's `and` short-circuits), flattened and
    without repeats: `a and (a and b)` is `a and b`."""
    parts: list[str] = []
    for condition in conditions:
        for part in _CONJUNCTS.get(condition, (condition,)):
            if part == FALSE:
                return FALSE
            if part != TRUE and part not in parts:
                parts.append(part)
    if not parts:
        return TRUE
    if len(parts) == 1:
        return parts[0]
    text = "(" + " and ".join(parts) + ")"
    _CONJUNCTS[text] = tuple(parts)
    return text


def _or(left: str, right: str) -> str:
    if TRUE in (left, right):
        return TRUE
    return right if left == FALSE else left if right == FALSE else f"({left} or {right})"


def _truth(value: Value) -> tuple[str, str]:
    """KCL conditions, never raising, true exactly where CEL evaluates `value` to true
    (first) and to false (second) without error."""
    if value.truth:
        return value.truth
    if value.expr in (TRUE, FALSE):
        return value.expr, FALSE if value.expr == TRUE else TRUE
    return _both(value.defined, value.expr), _both(value.defined, f"(not {value.expr})")


def _base(value: Value) -> Value:
    """A value of a literal type, cast to its base type: KCL slices and adds no literal union."""
    if not isinstance(value.type, LiteralType):
        return value
    kind = value_kind(value.type)
    return replace(value, expr=f"({value.expr} as {kind})", type=Primitive(kind))


def _not_null(value: Value) -> str:
    """Selecting into a value that may be null needs it not to be."""
    return f"({value.expr} != None)" if value.nullable else TRUE


def _present(expr: str, prop: Property, reached: str) -> Value:
    """A selected attribute: required ones are there whenever the object is valid; optional
    ones are absent when Undefined, and when null unless the schema makes null a value."""
    if prop.required:
        return Value(expr, prop.type, defined=reached, nullable=prop.nullable)
    absent = "[Undefined]" if prop.nullable else "[None, Undefined]"
    return Value(expr, prop.type, defined=_both(reached, f"({expr} not in {absent})"), nullable=prop.nullable)


_CONVERSIONS = {
    "int": ("int", Primitive("int")),
    "string": ("str", Primitive("str")),
    "double": ("float", Primitive("float")),
}
_STRING_METHODS = {
    "startsWith": ("startswith", 1),
    "endsWith": ("endswith", 1),
    "contains": ("", 1),
    "lowerAscii": ("lower", 0),
    "upperAscii": ("upper", 0),
}
_MACROS = ("all", "exists", "exists_one", "filter", "map")
_DURATION = Primitive("float", "duration")
_DURATION_UNITS = {"ns": 1e-09, "us": 1e-06, "µs": 1e-06, "ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION_TERM = "([0-9]*\\.?[0-9]+)(ns|us|µs|ms|s|m|h)"


def _duration_seconds(text: str) -> float | None:
    """Go's time.ParseDuration, in seconds; None when `text` is not a duration."""
    import re

    body = text.lstrip("+-")
    if body == "0":
        return 0.0
    terms = re.findall(_DURATION_TERM, body)
    if not body or "".join(n + u for n, u in terms) != body:
        return None
    seconds = sum(float(n) * _DURATION_UNITS[u] for n, u in terms)
    return -seconds if text.startswith("-") else seconds


def load_parser() -> Any:
    """The CEL parser, built on first use (or earlier, by a run with time to spare while its inputs are read)."""
    global _PARSER
    if _PARSER is None:
        from openapi_tool.kcl.cel_tables import cel_parser

        _PARSER = cel_parser()
    return _PARSER


@functools.lru_cache(maxsize=4096)
def _parse(rule: str) -> Tree:
    """The CEL syntax tree of a rule; real CRDs repeat rules, so parse each text once."""
    try:
        return load_parser().parse(rule)
    except (LarkError, Exception) as error:  # celpy wraps lark errors in its own type
        raise Untranslatable(
            f"the rule does not parse as CEL: {str(error).splitlines()[0] if str(error) else ''}"
        ) from None


def string_constants(rule: str) -> list[str]:
    """Every string literal of a rule, as `matches()` would take it as a pattern; none when it does not parse."""
    try:
        tree = _parse(rule)
    except Untranslatable:
        return []
    found = []
    for node in tree.iter_subtrees():
        if node.data == "literal" and node.children[0].type in ("STRING_LIT", "MLSTRING_LIT"):
            try:
                found.append(_decode_string(str(node.children[0])))
            except Untranslatable:
                continue
    return found


def _common_type(a: Type | None, b: Type | None) -> Type | None:
    """The type both branches of a ternary share, by kind; None when they differ."""
    if repr(a) == repr(b):
        return a
    kinds = {value_kind(a), value_kind(b)}
    if kinds == {"map"}:
        return MapType(AnyType())
    if kinds == {"list"}:
        return ListType(a.items if not isinstance(a.items, AnyType) else b.items)  # type: ignore[union-attr]
    if len(kinds) == 1 and kinds <= {"str", "int", "float", "bool"}:
        return Primitive(kinds.pop())
    if kinds == {"int", "float"}:
        return Primitive("float")
    return None


def _comparable(left: Value, right: Value) -> None:
    kinds = {value_kind(left.type), value_kind(right.type)}
    if kinds <= {"int", "float", "any"} or kinds <= {"str", "any"}:
        return
    raise Untranslatable(f"ordering between kinds {sorted(kinds)}")


def _attribute(name: str) -> str:
    if not IDENTIFIER.match(name):
        raise Untranslatable(f"the attribute `{name}` cannot be referenced in a KCL check")
    return "$" + name if name in KEYWORDS else name


def _select(expr: str, name: str) -> str:
    """`expr.name`, or `expr["name"]` where the name is not a plain identifier."""
    return f"{expr}.{name}" if IDENTIFIER.match(name) and name not in KEYWORDS else f"{expr}[{string_literal(name)}]"


_ESCAPED_WORDS = {"__dash__": "-", "__dot__": ".", "__slash__": "/", "__underscores__": "__"}


def unescape_field(name: str) -> str:
    """Kubernetes' CEL escaping of property names: `__namespace__`, `a__dash__b`, ..."""
    if name.startswith("__") and name.endswith("__") and name[2:-2] in _CEL_RESERVED:
        return name[2:-2]
    for escaped, plain in _ESCAPED_WORDS.items():
        name = name.replace(escaped, plain)
    return name


_CEL_RESERVED = frozenset(
    "true false null in as break const continue else for function if import let loop package namespace return var void while".split()
)


def _decode_string(text: str) -> str:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise Untranslatable("a string literal KCL cannot represent") from None
    if not isinstance(value, str):
        raise Untranslatable("a bytes literal")
    return value


def _exprlist(node: Tree, start: int = 0) -> list:
    rest = [c for c in node.children[start:] if isinstance(c, Tree)]
    for child in rest:
        if child.data == "exprlist":
            return list(child.children)
    return []


def _descend(node: Tree) -> Tree:
    """Skip the single-child wrapper rules between `expr` and the interesting node."""
    while isinstance(node, Tree) and node.data in _WRAPPERS and len([c for c in node.children if c is not None]) == 1:
        node = next(c for c in node.children if c is not None)
    return node


_WRAPPERS = {
    "expr",
    "conditionalor",
    "conditionaland",
    "relation",
    "addition",
    "multiplication",
    "unary",
    "member",
    "primary",
}


def _single_member(node: Tree) -> Tree | None:
    inner = _descend(node)
    return inner if isinstance(inner, Tree) and inner.data.startswith("member_") else None


def _single_ident(node: Tree) -> str | None:
    inner = _descend(node)
    return str(inner.children[0]) if isinstance(inner, Tree) and inner.data == "ident" else None


def _string_constant(node: Tree) -> str | None:
    inner = _descend(node)
    if isinstance(inner, Tree) and inner.data == "literal" and inner.children[0].type in ("STRING_LIT", "MLSTRING_LIT"):
        return _decode_string(str(inner.children[0]))
    return None


def _truncated(op: str, a: str, b: str) -> str:
    """CEL's integer `/` and `%` round toward zero (`-7 / 2 == -3`, `-7 % 2 == -1`); KCL's
    `//` and `%` round down, so the result is corrected when the signs differ and the
    division is not exact."""
    exact_or_same_sign = f"({a} % {b} == 0 or ({a} < 0) == ({b} < 0))"
    if op == "/":
        return f"({a} // {b} if {exact_or_same_sign} else {a} // {b} + 1)"
    return f"({a} % {b} if {exact_or_same_sign} else {a} % {b} - {b})"
