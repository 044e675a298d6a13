"""The intermediate model (IR): what every front end produces and every back end reads.

Plain frozen dataclasses with no knowledge of KCL. Every element records where it came
from (file and JSON pointer) so that errors and reports can point at the source.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import KW_ONLY, dataclass
from typing import Any, Union


@dataclass(frozen=True, slots=True)
class Source:
    """Where an element was defined: a file and a JSON pointer inside it."""

    file: str
    pointer: str = ""
    document: int | None = None
    """1-based number of the document in a multi-document YAML stream."""

    @property
    def label(self) -> str:
        return f"{self.file} (document {self.document})" if self.document else self.file

    def __str__(self) -> str:
        return f"{self.label}#{self.pointer}" if self.pointer else self.label


# --- constraints -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Validation:
    """A CEL rule from `x-kubernetes-validations`."""

    rule: str
    message: str = ""
    message_expression: str = ""
    reason: str = ""
    field_path: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class Condition:
    """One branch of a value-validation combinator (structural schemas allow `oneOf`,
    `anyOf`, `allOf` and `not` to hold validations only): what must hold of one value.

    `properties` constrain named attributes where present; `unsupported` names a keyword
    the branch uses that no back end can check (then the whole combinator is kept as a
    comment); `text` is the branch as the source wrote it, for messages."""

    required: tuple[str, ...] = ()
    properties: tuple[tuple[str, Condition], ...] = ()
    constraints: Constraints | None = None
    unsupported: str = ""
    text: str = ""


@dataclass(frozen=True, slots=True)
class Combinator:
    """`oneOf` / `anyOf` / `allOf` / `not` over value validations."""

    keyword: str
    branches: tuple[Condition, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class Constraints:
    """Validation keywords of one schema node; unset ones are None or empty."""

    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    multiple_of: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_items: int | None = None
    max_items: int | None = None
    unique_items: bool = False
    min_properties: int | None = None
    max_properties: int | None = None
    enum: tuple[Any, ...] | None = None
    const: Any = None
    format: str = ""
    list_type: str = ""
    list_map_keys: tuple[str, ...] = ()
    validations: tuple[Validation, ...] = ()
    combinators: tuple[Combinator, ...] = ()

    def is_empty(self) -> bool:
        return self == EMPTY_CONSTRAINTS


EMPTY_CONSTRAINTS = Constraints()


# --- types -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Primitive:
    """A scalar: `str`, `int`, `float` (any number) or `bool`."""

    name: str
    format: str = ""


@dataclass(frozen=True, slots=True)
class AnyType:
    """Any JSON value."""


@dataclass(frozen=True, slots=True)
class ListType:
    """A list; `item_constraints` holds the validation keywords of its items."""

    items: Type
    item_constraints: Constraints = EMPTY_CONSTRAINTS
    _: KW_ONLY
    nullable_items: bool = False


@dataclass(frozen=True, slots=True)
class MapType:
    """An object with string keys whose values all have one type."""

    values: Type
    value_constraints: Constraints = EMPTY_CONSTRAINTS


@dataclass(frozen=True, slots=True)
class Ref:
    """A named schema, by its key in `Model.schemas`."""

    key: str


@dataclass(frozen=True, slots=True)
class UnionType:
    """A value of any one of several types (int-or-string, quantities, anyOf)."""

    members: tuple[Type, ...]


@dataclass(frozen=True, slots=True)
class LiteralType:
    """An enumeration: the value is one of these literals (all of one JSON type)."""

    values: tuple[Any, ...]


Type = Union[Primitive, AnyType, ListType, MapType, Ref, UnionType, LiteralType]  # noqa: UP007  (a runtime alias)


# --- schemas and packages ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Property:
    """One attribute of a schema."""

    name: str
    type: Type
    _: KW_ONLY
    required: bool = False
    nullable: bool = False
    default: Any = None
    has_default: bool = False
    doc: str = ""
    constraints: Constraints = EMPTY_CONSTRAINTS
    source: Source = Source("")


@dataclass(frozen=True, slots=True)
class GroupVersionKind:
    group: str
    version: str
    kind: str

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


@dataclass(frozen=True, slots=True)
class Schema:
    """A named object schema.

    `package` is the package path (for example ("api", "apps", "v1")) and `name` the
    schema's name as the source spells it; back ends map both to target names.
    """

    key: str
    package: tuple[str, ...]
    name: str
    _: KW_ONLY
    doc: str = ""
    properties: tuple[Property, ...] = ()
    additional: Type | None = None
    preserve_unknown: bool = False
    embedded_resource: bool = False
    gvk: GroupVersionKind | None = None
    constraints: Constraints = EMPTY_CONSTRAINTS
    source: Source = Source("")
    deprecated: str | None = None
    """Why the resource version is deprecated (a CRD version's `deprecationWarning`), if it is."""


@dataclass(frozen=True, slots=True)
class UnservedVersion:
    """A CRD version the API server does not serve (`served: false`)."""

    gvk: GroupVersionKind
    source: Source


@dataclass(frozen=True, slots=True)
class Model:
    """Everything generated from one run's inputs: schemas by key, in a stable order."""

    schemas: tuple[Schema, ...]
    unserved: tuple[UnservedVersion, ...] = ()
    """Every CRD version read with `served: false`, in reading order (`left_out` says which
    ones a run lists: another file may serve the same kind, or repeat it)."""
    version: str | None = None
    """The real version the input specs name (`info.version`), if any."""

    def by_key(self) -> dict[str, Schema]:
        return {s.key: s for s in self.schemas}

    def packages(self) -> dict[tuple[str, ...], list[Schema]]:
        out: dict[tuple[str, ...], list[Schema]] = {}
        for schema in self.schemas:
            out.setdefault(schema.package, []).append(schema)
        return dict(sorted(out.items()))

    def to_json(self) -> str:
        return json.dumps(to_data(self), indent=2, sort_keys=False, ensure_ascii=False)


def left_out(unserved: Iterable[UnservedVersion], served: set[tuple[str, str]]) -> list[UnservedVersion]:
    """The unserved versions a run leaves out and lists: the first of each apiVersion and
    kind in reading order, unless some file serves that (apiVersion, kind)."""
    found: dict[tuple[str, str], UnservedVersion] = {}
    for item in unserved:
        found.setdefault((item.gvk.api_version, item.gvk.kind), item)
    return [item for pair, item in found.items() if pair not in served]


def to_data(value: Any) -> Any:
    """Turn IR values into JSON-ready data, tagging each type node with its kind."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data: dict[str, Any] = {}
        if isinstance(value, (Primitive, AnyType, ListType, MapType, Ref, UnionType, LiteralType)):
            data["kind"] = type(value).__name__
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if f.default is not dataclasses.MISSING and item == f.default and f.name != "name":
                continue
            data[f.name] = to_data(item)
        return data
    if isinstance(value, (list, tuple)):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_data(v) for k, v in value.items()}
    return value


__all__ = [
    "AnyType",
    "Constraints",
    "EMPTY_CONSTRAINTS",
    "GroupVersionKind",
    "ListType",
    "LiteralType",
    "MapType",
    "Model",
    "Primitive",
    "Property",
    "Ref",
    "Schema",
    "Source",
    "Type",
    "UnionType",
    "Validation",
]
