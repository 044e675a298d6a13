"""Type mapping: the IR type a JSON Schema node's `type`, `enum`, `format` and alternatives
stand for, and the Kubernetes types whose spec shape understates what the API server accepts."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from openapi_tool.model import (
    AnyType,
    GroupVersionKind,
    LiteralType,
    MapType,
    Primitive,
    Ref,
    Type,
    UnionType,
)

INT_OR_STRING = UnionType((Primitive("int"), Primitive("str")))
QUANTITY = UnionType((Primitive("int"), Primitive("float"), Primitive("str")))
ANY_MAP = MapType(AnyType())

SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
"""JSON Schema scalar type names and the IR primitive each maps to."""


def scalar_type(type_name: str, node: dict) -> Type:
    """A scalar node's type: a literal type for an enum of values of that kind, else the primitive."""
    enum = node.get("enum")
    if isinstance(enum, list):
        values = tuple(v for v in enum if v is not None)
        if values and literal_kind(values) == SCALARS[type_name]:
            return LiteralType(tuple(dict.fromkeys(values)))
    fmt = node.get("format")
    return _primitive(SCALARS[type_name], fmt if isinstance(fmt, str) else "")


@cache
def _primitive(name: str, fmt: str) -> Primitive:
    """One object per primitive type: tens of thousands of properties share a few."""
    return Primitive(name, fmt)


def literal_kind(values: Iterable[Any]) -> str:
    """The one primitive kind of all `values`, "other" for non-scalars, "mixed" for several."""
    kinds = {
        "bool" if isinstance(v, bool) else "int" if isinstance(v, int) else "str" if isinstance(v, str) else "other"
        for v in values
    }
    return kinds.pop() if len(kinds) == 1 else "mixed"


def flatten_union(members: list[Type]) -> Type:
    """One type for alternatives: nested unions flattened, repeats dropped, any absorbing all."""
    flat: list[Type] = []
    for member in members:
        for item in member.members if isinstance(member, UnionType) else (member,):
            if item not in flat:
                flat.append(item)
    if any(isinstance(m, AnyType) for m in flat):
        return AnyType()
    return flat[0] if len(flat) == 1 else UnionType(tuple(flat))


def special_definition(key: str) -> Type | None:
    """Kubernetes types whose spec shape understates what the API server accepts."""
    if key.endswith("apimachinery.pkg.api.resource.Quantity"):
        return QUANTITY
    if key.endswith("apimachinery.pkg.util.intstr.IntOrString"):
        return INT_OR_STRING
    return None


def single_gvk(node: dict) -> GroupVersionKind | None:
    """The group, version and kind a definition names, when it names exactly one."""
    gvks = node.get("x-kubernetes-group-version-kind")
    if isinstance(gvks, list) and len(gvks) == 1 and isinstance(gvks[0], dict):
        g = gvks[0]
        if isinstance(g.get("kind"), str) and isinstance(g.get("version"), str):
            return GroupVersionKind(str(g.get("group") or ""), g["version"], g["kind"])
    return None


def is_typed(node: Any) -> bool:
    """An anyOf/oneOf alternative that states a type (and declares no fields of its own)."""
    return isinstance(node, dict) and ("type" in node or "$ref" in node) and not node.get("properties")


def is_object_schema(node: Any) -> bool:
    """A node that declares fields: it becomes a named schema."""
    return isinstance(node, dict) and bool(node.get("properties"))


def lifted(node: dict, type_: Type) -> bool:
    """A node that became a named schema: its constraints belong to that schema."""
    return isinstance(type_, Ref) and "$ref" not in node and "allOf" not in node
