"""IR types to KCL type expressions."""

from __future__ import annotations

from collections.abc import Callable

from openapi_tool.kcl.values import literal
from openapi_tool.model import AnyType, ListType, LiteralType, MapType, Primitive, Ref, Type, UnionType


def type_expr(
    type_: Type, ref_name: Callable[[str], str], literal_text: Callable[[LiteralType], str] | None = None
) -> str:
    """`[str]`, `{str:int | str}`, `"TCP" | "UDP"`, `metav1.ObjectMeta`...

    `ref_name` names a referenced schema by its key; `literal_text` writes a literal type
    (default: the KCL literal union, or its base type where KCL cannot express it).
    """
    if isinstance(type_, Primitive):
        return type_.name
    if isinstance(type_, AnyType):
        return "any"
    if isinstance(type_, ListType):
        return f"[{type_expr(type_.items, ref_name, literal_text)}]"
    if isinstance(type_, MapType):
        return f"{{str:{type_expr(type_.values, ref_name, literal_text)}}}"
    if isinstance(type_, Ref):
        return ref_name(type_.key)
    if isinstance(type_, UnionType):
        return " | ".join(type_expr(m, ref_name, literal_text) for m in type_.members)
    if isinstance(type_, LiteralType):
        if literal_text is not None:
            return literal_text(type_)
        if literal_union_expressible(type_):
            return " | ".join(literal(v) for v in type_.values)
        return _BASE_NAMES[type(type_.values[0])]
    raise TypeError(f"not an IR type: {type_!r}")


_BASE_NAMES = {str: "str", int: "int", bool: "bool"}


def literal_union_expressible(type_: Type) -> bool:
    """Whether a literal type renders as a KCL literal union (else as its base type)."""
    return isinstance(type_, LiteralType) and all(_literal_type_safe(v) for v in type_.values)


def _literal_type_safe(value: object) -> bool:
    """KCL matches literal types textually: escapes (but `\\"`) and negative numbers fail, and
    so does non-ASCII text that the compiler prints escaped (combining marks, fillers)."""
    if isinstance(value, str):
        return value.isascii() and "\\" not in literal(value).replace('\\"', "")
    if isinstance(value, bool):
        return True
    return isinstance(value, int) and 0 <= value < 2**63


def referenced_keys(type_: Type) -> list[str]:
    """Keys of the schemas a type refers to, in order of appearance."""
    if isinstance(type_, Ref):
        return [type_.key]
    if isinstance(type_, ListType):
        return referenced_keys(type_.items)
    if isinstance(type_, MapType):
        return referenced_keys(type_.values)
    if isinstance(type_, UnionType):
        return [k for m in type_.members for k in referenced_keys(m)]
    return []


def value_kind(type_: Type | None) -> str:
    """What kind of value a type holds: str, int, float, bool, list, map, union, schema,
    or any (also for an unknown type, None)."""
    if type_ is None or isinstance(type_, AnyType):
        return "any"
    if isinstance(type_, Primitive):
        return type_.name
    if isinstance(type_, LiteralType):
        first = type_.values[0]
        return "bool" if isinstance(first, bool) else "int" if isinstance(first, int) else "str"
    if isinstance(type_, ListType):
        return "list"
    if isinstance(type_, MapType):
        return "map"
    if isinstance(type_, UnionType):
        return "union"
    return "schema"


ALL_KINDS = frozenset({"str", "int", "float", "bool", "list", "dict"})


def runtime_kinds(type_: Type) -> frozenset[str]:
    """What KCL's `typeof` may say of a value of this type: str, int, float, bool, list, dict,
    or schema (an instance of a named schema). A `float` attribute may hold an int."""
    if isinstance(type_, AnyType):
        return ALL_KINDS
    if isinstance(type_, Primitive):
        return frozenset({"int", "float"}) if type_.name == "float" else frozenset({type_.name})
    if isinstance(type_, LiteralType):
        return frozenset({value_kind(type_)})
    if isinstance(type_, ListType):
        return frozenset({"list"})
    if isinstance(type_, MapType):
        return frozenset({"dict"})
    if isinstance(type_, UnionType):
        return frozenset().union(*(runtime_kinds(m) for m in type_.members))
    return frozenset({"schema"})
