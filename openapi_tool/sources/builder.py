"""Turn JSON Schema nodes (OpenAPI v2/v3, CRD, JSON Schema) into IR types and schemas.

Every front end feeds its nodes through one `ModelBuilder`, which owns the Kubernetes
meanings (int-or-string, quantities, preserve-unknown-fields, embedded resources,
nullable), the lifting of inline objects into named schemas, and their naming. What one
node means is read by the modules beside it: `types` (type mapping), `constraints` and
`combinators` (validation keywords), `docs` and `properties`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from openapi_tool.errors import InputError
from openapi_tool.model import (
    EMPTY_CONSTRAINTS,
    AnyType,
    Constraints,
    GroupVersionKind,
    ListType,
    LiteralType,
    MapType,
    Model,
    Primitive,
    Property,
    Ref,
    Schema,
    Type,
)
from openapi_tool.naming import first_free
from openapi_tool.sources.constraints import constraints_of, declares_no_fields
from openapi_tool.sources.docs import STANDARD_DOCS, doc_of
from openapi_tool.sources.places import Place, RefResolver, camel
from openapi_tool.sources.properties import is_zero, required_names
from openapi_tool.sources.sharing import BuiltNode, ContentKeys
from openapi_tool.sources.types import (
    ANY_MAP,
    INT_OR_STRING,
    SCALARS,
    flatten_union,
    is_object_schema,
    is_typed,
    lifted,
    scalar_type,
    single_gvk,
    special_definition,
)

EXPANSION_LIMIT = 10
"""Visits per distinct schema node before the input counts as an alias bomb; a spec
without YAML aliases visits each node once."""


class ModelBuilder:
    """Accumulates schemas from any number of documents into one `Model`."""

    def __init__(self, object_meta: Type | None = None) -> None:
        self.schemas: dict[str, Schema] = {}
        self._names: dict[tuple[str, ...], dict[str, str]] = {}
        self._ref_types: dict[str, Type] = {}
        self._resolving: set[str] = set()
        self._path: set[int] = set()
        self.object_meta = object_meta or ANY_MAP
        self.resolve_ref: RefResolver | None = None
        self.preserve_all = False
        """A v1beta1 CRD without `preserveUnknownFields: false` keeps unknown fields everywhere."""
        self.list_types_enforced = True
        """The API server enforces x-kubernetes-list-type uniqueness for CRDs only (built-in
        types such as a Pod's env accept duplicates), so built-in specs turn this off."""
        self.structural = True
        """CRD schemas are structural: an object node that declares no fields keeps none (the API
        server prunes unknown keys and strict field validation rejects them). In built-in specs a
        bare `type: object` means any JSON object."""
        self._shapes: dict[str, dict[tuple, _Shapes]] = {}
        """Per resource (see `_root`), package and outline: the inline schemas built."""
        self._root = ""
        """Key of the resource being built: inline schemas are shared within one resource only,
        so every kind keeps the nested schema names its users expect."""
        self._visits = 0
        self._distinct: set[int] = set()
        self._visited: list[dict] = []
        """Every node `type_of` visited, in order: what a build of an equal node would visit."""
        self._content = ContentKeys()
        self._built: dict[tuple, BuiltNode] = {}
        self.zero_defaults_unset = False
        self._docs: dict[str, str] = {}
        """One object per distinct description: CRD files repeat the same ones."""

    # --- naming ----------------------------------------------------------------------

    def reserve(self, package: tuple[str, ...], name: str, key: str) -> str:
        """Claim `name` in `package` for `key`; a taken name gets a numeric suffix."""
        taken = self._names.setdefault(package, {})
        candidate = first_free(name, lambda folded: taken.get(folded, key) != key, first=name or "Schema")
        taken[candidate.casefold()] = key
        return candidate

    # --- entry points ----------------------------------------------------------------

    def add_object(
        self,
        node: Any,
        place: Place,
        key: str | None = None,
        gvk: GroupVersionKind | None = None,
        resource: bool = False,
    ) -> Ref:
        """Lift an object node into a named schema and return a reference to it.

        `resource` marks a resource root (a CRD version's schema): absent apiVersion,
        kind and metadata are added.
        """
        node = node if isinstance(node, dict) else {}
        if key is not None:
            if key in self.schemas:
                return Ref(key)
            name = self.reserve(place.package, place.name, key)
            self.schemas[key] = Schema(key=key, package=place.package, name=name)  # placeholder for cycles
            outer, self._root = self._root, (key if resource else self._root)
            try:
                self.schemas[key] = self._build_schema(node, replace(place, name=name), key, gvk, resource)
            finally:
                self._root = outer
                if resource:
                    self._forget(key)
            return Ref(key)
        memo = self._memo_key(node, place) if gvk is None and not resource else None
        built = self._built.get(memo) if memo is not None else None
        if built is not None and self._replay(built, node):
            return built.result
        start = len(self._visited)
        result = self._add_inline(node, place, gvk, resource)
        if memo is not None:
            self._built[memo] = BuiltNode(result, node, self._visited, start, len(self._visited))
        return result

    def _add_inline(self, node: dict, place: Place, gvk: GroupVersionKind | None, resource: bool) -> Ref:
        """Build an inline object node into a schema named after its place, or share the
        identical one built before in this resource."""
        name = self.reserve(place.package, place.name, f"{'/'.join(place.package)}:{place.name}#{len(self.schemas)}")
        key = f"{'/'.join(place.package)}:{name}"
        schema = self._build_schema(node, replace(place, name=name), key, gvk, resource)
        twin = self._twin(place.package, schema, key)
        if twin != key:  # an identical inline schema in this resource: share it, as real CRDs repeat them
            del self._names[place.package][name.casefold()]
            return Ref(twin)
        self.schemas[key] = schema
        return Ref(key)

    def _twin(self, package: tuple[str, ...], schema: Schema, key: str) -> str:
        """The key of the first inline schema of this resource and package with the shape of
        `schema` (`key` itself when it is the first). Shapes are compared only among schemas of
        one outline, and spelled out only when a second schema of that outline comes."""
        outline = (package, schema.doc, tuple([(p.name, p.doc) for p in schema.properties]))
        shapes = self._shapes.setdefault(self._root, {})
        found = shapes.get(outline)
        if found is None:
            shapes[outline] = _Shapes(schema, key)
            return key
        return found.twin(schema, key)

    def _forget(self, root: str) -> None:
        """Drop what only the finished resource `root` can reuse (it is built once): its inline
        shapes; and the memo of built nodes with the content keys that memo is keyed by (a node
        met again is keyed and built anew, to the same result). The all-CRDs run keeps one
        resource's worth instead of every resource's."""
        self._shapes.pop(root, None)
        self._content = ContentKeys()
        self._built = {}

    def _memo_key(self, node: dict, place: Place) -> tuple | None:
        """What decides the result of building an inline node, besides names and places that
        sharing discards: its content, the resource and package, and the builder's settings."""
        content = self._content.key(node)
        if content is None:
            return None
        settings = (self.preserve_all, self.list_types_enforced, self.structural, self.zero_defaults_unset)
        return (content, place.package, self._root, settings, self.object_meta)

    def _replay(self, built: BuiltNode, node: dict) -> bool:
        """Count the visits a build of `node` would make, as if built, and say whether it may be
        skipped: the alias-bomb check could not fire inside it, and its nodes map one to one."""
        visits = built.visits_for(node, self._content)
        if visits is None or self._visits + len(visits) > EXPANSION_LIMIT * len(self._distinct) + 10_000:
            return False
        self._visits += len(visits)
        self._distinct.update(map(id, visits))
        self._visited.extend(visits)
        return True

    def model(self) -> Model:
        return Model(tuple(self.schemas.values()))

    # --- schemas ---------------------------------------------------------------------

    def _build_schema(self, node: dict, place: Place, key: str, gvk: GroupVersionKind | None, resource: bool) -> Schema:
        props_node = node.get("properties") or {}
        if not isinstance(props_node, dict):
            raise InputError(place.label, place.pointer + "/properties", "`properties` must be a mapping")
        required = required_names(node.get("required"), place.at("required"))
        embedded = bool(node.get("x-kubernetes-embedded-resource"))
        properties = [
            self._property(
                str(name), sub, place.at("properties", name, name=place.name + camel(str(name))), str(name) in required
            )
            for name, sub in props_node.items()
        ]
        if gvk or resource or embedded:
            properties = self._resource_properties(properties, gvk, place, add_missing=resource or embedded)
        additional: Type | None = None
        extra = node.get("additionalProperties")
        if isinstance(extra, dict) and props_node:
            additional, _ = self.type_of(extra, place.at("additionalProperties", name=place.name + "Value"))
        preserve = bool(node.get("x-kubernetes-preserve-unknown-fields")) or extra is True or self.preserve_all
        return Schema(
            key=key,
            package=place.package,
            name=place.name,
            doc=self._doc(node),
            properties=tuple(properties),
            additional=additional,
            preserve_unknown=preserve,
            embedded_resource=embedded,
            gvk=gvk,
            constraints=self._constraints(node, place),
            source=place.source(),
        )

    def _resource_properties(
        self, properties: list[Property], gvk: GroupVersionKind | None, place: Place, add_missing: bool
    ) -> list[Property]:
        """Pin apiVersion/kind to the resource's GVK and type a bare metadata as ObjectMeta.

        Pinned ones stay optional, with the GVK as default: the specs declare them optional,
        and templates such as a StatefulSet's volumeClaimTemplates leave them out. With
        `add_missing` (CRD roots, embedded resources) absent ones are added too; an embedded
        resource must set both.
        """
        by_name = {p.name: p for p in properties}
        pinned: dict[str, Property] = {}
        for field, value in (("apiVersion", gvk and gvk.api_version), ("kind", gvk and gvk.kind)):
            old = by_name.get(field)
            doc = old.doc if old else ""
            source = old.source if old else place.source()
            if value:
                pinned[field] = Property(
                    field,
                    LiteralType((value,)),
                    default=value,
                    has_default=True,
                    doc=doc or STANDARD_DOCS[field],
                    source=source,
                )
            elif add_missing:  # an embedded resource: the API server requires both
                pinned[field] = (
                    replace(old, required=True, doc=doc or STANDARD_DOCS[field])
                    if old
                    else Property(field, Primitive("str"), required=True, doc=STANDARD_DOCS[field], source=source)
                )
        meta = by_name.get("metadata")
        if (meta is None and add_missing) or (meta is not None and meta.type in (ANY_MAP, AnyType())):
            pinned["metadata"] = Property(
                "metadata",
                self.object_meta,
                required=meta.required if meta else False,
                doc=(meta.doc if meta and meta.doc else STANDARD_DOCS["metadata"]),
                source=meta.source if meta else place.source(),
            )
        head = [
            pinned.pop(n) if n in pinned else by_name[n]
            for n in ("apiVersion", "kind", "metadata")
            if n in pinned or n in by_name
        ]
        rest = [p for p in properties if p.name not in ("apiVersion", "kind", "metadata")]
        return head + rest

    def _property(self, name: str, node: Any, place: Place, required: bool) -> Property:
        if not isinstance(node, dict):
            raise InputError(place.label, place.pointer, "a property schema must be a mapping")
        type_, nullable = self.type_of(node, place)
        has_default = "default" in node and not (self.zero_defaults_unset and is_zero(node["default"]))
        return Property(
            name=name,
            type=type_,
            required=required,
            nullable=nullable,
            default=node.get("default") if has_default else None,
            has_default=has_default,
            doc=self._doc(node),
            constraints=EMPTY_CONSTRAINTS if lifted(node, type_) else self._constraints(node, place),
            source=place.source(),
        )

    def _doc(self, node: dict) -> str:
        doc = doc_of(node)
        return self._docs.setdefault(doc, doc)

    def _constraints(self, node: dict, place: Place) -> Constraints:
        found = constraints_of(node, place)
        if found.list_type and not self.list_types_enforced:
            found = replace(found, list_type="", list_map_keys=())
        if self.structural and not self.preserve_all and found.max_properties is None and declares_no_fields(node):
            found = replace(found, max_properties=0)
        return found

    # --- types -----------------------------------------------------------------------

    def type_of(self, node: Any, place: Place) -> tuple[Type, bool]:
        """The IR type of a schema node, and whether it accepts null."""
        if not isinstance(node, dict):
            if node is True or node == {}:
                return AnyType(), True
            raise InputError(place.label, place.pointer, "a schema must be a mapping")
        marker = id(node)
        self._visits += 1
        self._distinct.add(marker)
        self._visited.append(node)
        if self._visits > EXPANSION_LIMIT * len(self._distinct) + 10_000:
            raise InputError(
                place.label, place.pointer, "the schema repeats shared subtrees (YAML aliases) too often to expand"
            )
        if marker in self._path:
            raise InputError(place.label, place.pointer, "the schema contains itself (a recursive YAML alias)")
        self._path.add(marker)
        try:
            return self._type_of(node, place)
        finally:
            self._path.discard(marker)

    def _type_of(self, node: dict, place: Place) -> tuple[Type, bool]:
        types = node.get("type")
        type_list = types if isinstance(types, list) else [types] if isinstance(types, str) else []
        nullable = bool(node.get("nullable")) or "null" in type_list
        type_list = [t for t in type_list if t != "null"]
        if node.get("x-kubernetes-int-or-string") or node.get("format") == "int-or-string":
            return INT_OR_STRING, nullable
        if "$ref" in node:
            return self.ref_type(node["$ref"], place.at("$ref")), nullable
        all_of = node.get("allOf")
        if not type_list and isinstance(all_of, list) and len(all_of) == 1 and not node.get("properties"):
            inner, inner_null = self.type_of(all_of[0], place.at("allOf", 0))
            return inner, nullable or inner_null
        if not type_list:
            alternatives = node.get("anyOf") or node.get("oneOf")
            if isinstance(alternatives, list) and alternatives and all(is_typed(a) for a in alternatives):
                return self._union(alternatives, place, "anyOf" if "anyOf" in node else "oneOf", nullable)
            if node.get("properties") or node.get("x-kubernetes-embedded-resource"):
                type_list = ["object"]
            elif "items" in node:
                type_list = ["array"]
            else:
                return AnyType(), nullable
        if len(type_list) > 1:
            members = [self._single_type(t, node, place) for t in type_list]
            return flatten_union(members), nullable
        return self._single_type(type_list[0], node, place), nullable

    def _union(self, alternatives: list, place: Place, keyword: str, nullable: bool) -> tuple[Type, bool]:
        members = []
        for index, alternative in enumerate(alternatives):
            member, member_null = self.type_of(alternative, place.at(keyword, index, name=f"{place.name}{index + 1}"))
            members.append(member)
            nullable = nullable or member_null
        return flatten_union(members), nullable

    def _single_type(self, type_name: Any, node: dict, place: Place) -> Type:
        if type_name in SCALARS:
            return scalar_type(type_name, node)
        if type_name == "array":
            items = node.get("items")
            if not isinstance(items, dict):
                return ListType(AnyType())
            item_type, item_nullable = self.type_of(items, place.at("items"))
            item_constraints = (
                EMPTY_CONSTRAINTS if lifted(items, item_type) else self._constraints(items, place.at("items"))
            )
            # built-in types decode a null item as the zero value; CRDs reject it unless nullable
            # or untyped (an item with no type has no type for null to fail, only an enum without null)
            untyped_null = isinstance(item_type, AnyType) and not _enum_without_null(items)
            nullable_items = item_nullable or not self.list_types_enforced or untyped_null
            return ListType(item_type, item_constraints, nullable_items=nullable_items)
        if type_name == "object":
            return self._object_type(node, place)
        raise InputError(place.label, place.pointer + "/type", f"unknown type {type_name!r}")

    def _object_type(self, node: dict, place: Place) -> Type:
        if node.get("properties") or node.get("x-kubernetes-embedded-resource"):
            return self.add_object(node, place)
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            value_type, _ = self.type_of(extra, place.at("additionalProperties", name=place.name + "Value"))
            value_constraints = (
                EMPTY_CONSTRAINTS
                if lifted(extra, value_type)
                else self._constraints(extra, place.at("additionalProperties"))
            )
            return MapType(value_type, value_constraints)
        return ANY_MAP

    def ref_type(self, ref: Any, place: Place) -> Type:
        if not isinstance(ref, str) or self.resolve_ref is None:
            raise InputError(place.label, place.pointer, f"unsupported $ref {ref!r}")
        key, node, def_place = self.resolve_ref(ref, place)
        if key in self._ref_types:
            return self._ref_types[key]
        if key in self._resolving:
            raise InputError(place.label, place.pointer, f"$ref cycle through {ref!r} with no object in between")
        special = special_definition(key)
        if special is not None:
            self._ref_types[key] = special
            return special
        if is_object_schema(node):
            result: Type = Ref(key)
            self._ref_types[key] = result
            self.add_object(node, def_place, key=key, gvk=single_gvk(node))
            return result
        self._resolving.add(key)
        try:
            result, _ = self.type_of(node, def_place)
        finally:
            self._resolving.discard(key)
        self._ref_types[key] = result
        return result


class _Shapes:
    """The inline schemas of one outline by shape (see `_shape`): the key of the first of each."""

    def __init__(self, schema: Schema, key: str) -> None:
        self._first: tuple[Schema, str] | None = (schema, key)
        self._keys: dict[str, str] = {}

    def twin(self, schema: Schema, key: str) -> str:
        if self._first is not None:
            first, first_key = self._first
            self._keys[_shape(first)] = first_key
            self._first = None
        return self._keys.setdefault(_shape(schema), key)


def _shape(schema: Schema) -> str:
    """Everything that makes a schema what it is, except its name and where it was written."""
    properties = tuple(
        (p.name, p.type, p.required, p.nullable, p.default, p.has_default, p.doc, p.constraints)
        for p in schema.properties
    )
    return repr(
        (
            schema.doc,
            properties,
            schema.additional,
            schema.preserve_unknown,
            schema.embedded_resource,
            schema.gvk,
            schema.constraints,
        )
    )


def _enum_without_null(node: dict) -> bool:
    """The node lists its values, and null is not one of them."""
    enum = node.get("enum")
    return isinstance(enum, list) and None not in enum
