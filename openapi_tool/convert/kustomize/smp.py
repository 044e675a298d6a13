"""Strategic merge as kustomize does it (kyaml's merge2 walk with lists growing at the front).

A list merges by keys only where the Kubernetes schema of the resource's apiVersion/kind says
`x-kubernetes-patch-strategy: merge` (keys from `x-kubernetes-list-map-keys`, else the merge key);
every other list, and every list of a kind without a schema (custom resources), is replaced.
A null the resource wrote as nothing (`key:`) is dropped where the walk meets it and the patch does
not set it; a written one (`null`, `~`) is kept (kyaml keeps only nulls with text).
The patch is consumed: pass a copy. Maps are merged in place."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources as package_files
from typing import Any

import yaml

from openapi_tool.convert.kustomize.errors import BuildError

ABSENT = object()
"""A field that a source does not have (a Go nil node)."""
CLEAR = object()
"""The visitor's answer that removes the field."""
KEEP_NULL = object()
"""A null of the resource written as text (`null`, `~`) that the patch does not touch: kept."""
BLANK = object()
"""A null of the resource written as nothing: a missing field to the walk."""

DIRECTIVE = "$patch"


class BlankNulls(dict[Any, Any]):
    """A mapping of a resource file with null values written as nothing (`key:`); `blank` names
    those keys. A strategic merge drops them, other changes keep them as nulls."""

    blank: frozenset[Any] = frozenset()


for _representer in (yaml.representer.SafeRepresenter, yaml.representer.Representer):
    _representer.add_representer(BlankNulls, yaml.representer.SafeRepresenter.represent_dict)


def _field(source: Any, name: Any) -> Any:
    """The value of a field of a walked map (ABSENT when missing, BLANK for a blank null)."""
    if not isinstance(source, dict) or name not in source:
        return ABSENT
    value = source[name]
    if value is None and isinstance(source, BlankNulls) and name in source.blank:
        return BLANK
    return value


@cache
def _index() -> dict[str, Any]:
    return json.loads(package_files.files(__package__).joinpath("smp_schema.json").read_text())


def is_cluster_scoped(api_version: str, kind: str) -> bool:
    """True when the built-in schema serves the kind only outside namespaces."""
    return f"{api_version}/{kind}" in _cluster_scoped()


@cache
def _cluster_scoped() -> frozenset[str]:
    return frozenset(_index()["cluster_scoped"])


@dataclass(frozen=True)
class Schema:
    """The part of an OpenAPI schema that the merge reads."""

    ref: str | None = None
    items: str | None = None
    strategy: str | None = None
    keys: tuple[str, ...] = ()

    def field(self, name: str) -> Schema | None:
        fields = _index()["definitions"].get(self.ref or "", {})
        entry = fields.get(name, fields.get("*", ABSENT))
        if entry is ABSENT:
            return None
        if not entry:
            return Schema()
        ref, items, strategy, keys = entry
        if ref:
            return Schema(ref=ref)
        return Schema(items=items, strategy=strategy, keys=tuple(keys or ()))

    def elements(self) -> Schema | None:
        return Schema(ref=self.items) if self.items else None

    def merges(self) -> bool:
        return "merge" in (self.strategy or "").split(",")


def schema_for(api_version: Any, kind: Any) -> Schema | None:
    """The schema of a resource type, None for kinds the built-in spec does not know."""
    if not isinstance(api_version, str) or not isinstance(kind, str) or not api_version or not kind:
        return None
    name = _index()["kinds"].get(f"{api_version}/{kind}")
    return Schema(ref=name) if name else None


def merge(patch: Any, dest: Any) -> Any:
    """The resource `dest` with `patch` merged in; None when the patch deletes it."""
    result = _walk([dest, patch], None)
    return None if result in (CLEAR, ABSENT, KEEP_NULL) else result


def _missing(value: Any) -> bool:
    return value is ABSENT or value is None or value is CLEAR or value is BLANK


def _text(value: Any) -> str:
    """The scalar text kyaml compares list keys by."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _node_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "map"
    if isinstance(value, list):
        return "seq"
    return "scalar"


def _get_schema(sources: list[Any], schema: Schema | None) -> Schema | None:
    if schema is not None:
        return schema
    for source in sources:
        if isinstance(source, dict):
            found = schema_for(source.get("apiVersion"), source.get("kind"))
            if found is not None:
                return found
    return None


def _walk(sources: list[Any], schema: Schema | None) -> Any:
    schema = _get_schema(sources, schema)
    present = [s for s in sources if not _missing(s)]
    kind = _node_kind(present[0]) if present else "map"
    if any(_node_kind(s) != kind for s in present):
        raise BuildError(f"strategic merge patch: wrong node kind: expected {kind} in {present[-1]!r}")
    if kind == "map":
        return _walk_map(sources, schema)
    if kind == "seq":
        if schema is not None and schema.merges():
            return _walk_associative(sources, schema)
        return sources[1] if sources[1] is not ABSENT else sources[0]
    return sources[1] if sources[1] is not ABSENT else sources[0]


def _directive(patch: Any) -> str:
    """The `$patch` directive of a patch node (removed from it), "merge" by default."""
    if isinstance(patch, dict):
        if DIRECTIVE not in patch:
            return "merge"
        value = _text(patch[DIRECTIVE])
        _check_directive(value)
        del patch[DIRECTIVE]
        return value
    if isinstance(patch, list):
        holder = next((e for e in patch if isinstance(e, dict) and DIRECTIVE in e), None)
        if holder is None or len(holder) > 1:
            return "merge"
        value = _text(holder[DIRECTIVE])
        _check_directive(value)
        patch[:] = _set_element(patch, None, [DIRECTIVE], [value])
        return value
    return "merge"


def _check_directive(value: str) -> None:
    if value not in ("delete", "replace", "merge"):
        raise BuildError(f"unknown patch strategy '{value}'")


def _visit_map(dest: Any, origin: Any) -> Any:
    if _missing(dest):
        if isinstance(origin, (dict, list)) and _directive(origin) == "delete":
            return CLEAR
        if origin is ABSENT and dest is None:
            return KEEP_NULL
        return origin
    if origin is None:
        return CLEAR
    if origin is not ABSENT and not isinstance(origin, dict):
        raise BuildError(f"no implemented strategic merge patch strategy for {origin!r}")
    directive = _directive(origin) if origin is not ABSENT else "merge"
    if directive == "delete":
        return CLEAR
    if directive == "replace":
        return origin
    return dest


def _walk_map(sources: list[Any], schema: Schema | None) -> Any:
    dest = _visit_map(sources[0], sources[1])
    if not isinstance(dest, dict):
        return dest
    sources = [dest, sources[1]]
    names = sorted({key for source in sources if isinstance(source, dict) for key in source})
    for name in names:
        child = schema.field(name) if schema is not None else None
        value = _walk([_field(source, name) for source in sources], child)
        if value is KEEP_NULL:
            dest[name] = None
        elif _missing(value):
            dest.pop(name, None)
        else:
            dest[name] = value
    if isinstance(dest, BlankNulls):
        dest.blank = frozenset()
    return dest


def _walk_associative(sources: list[Any], schema: Schema) -> Any:
    dest, origin = sources
    if _missing(dest):
        dest = origin
    elif origin is None:
        return CLEAR
    elif origin is not ABSENT:
        directive = _directive(origin)
        if directive == "delete":
            return CLEAR
        if directive == "replace":
            dest = origin
    if _missing(dest):
        return CLEAR
    sources = [dest, origin]
    keys = list(schema.keys)
    rows = _element_values(sources, keys)
    if rows or keys:
        return _set_elements(sources, rows, keys, schema)
    return _set_elements(sources, _primitive_values(sources), [""], schema)


def _element_values(sources: list[Any], keys: list[str]) -> list[list[str]]:
    """Key values of the patch's items, then of the resource's (each distinct row once)."""
    rows: list[list[str]] = []
    for source in (sources[1], sources[0]):
        if not isinstance(source, list):
            continue
        for item in source:
            row = [_item_key_text(item, key) for key in keys]
            if row and row not in rows:
                rows.append(row)
    return rows


def _item_key_text(item: Any, key: str) -> str:
    if not isinstance(item, dict):
        return ""
    value = item.get(key)
    return "" if value in ({}, []) else _text(value)


def _primitive_values(sources: list[Any]) -> list[list[str]]:
    rows: list[list[str]] = []
    for source in (sources[1], sources[0]):
        if not isinstance(source, list):
            continue
        for item in source:
            if [_text(item)] not in rows:
                rows.append([_text(item)])
    return rows


def _valid_keys(rows: list[list[str]], values: list[str], keys: list[str]) -> tuple[list[str], list[str]]:
    """The keys some row has a value for (all keys when none has), with this row's values."""
    present = {keys[i] for row in rows for i, value in enumerate(row) if value != ""}
    if not present:
        return keys, values
    valid = [key for key in keys if key in present]
    return valid, [value for i, value in enumerate(values) if value != "" or keys[i] in present]


def _merge_rows(rows: list[list[str]]) -> None:
    """Rows that agree where both have a value become one row (kyaml's multi-key matching)."""
    for i in range(len(rows)):
        first = rows[i]
        for j in range(len(rows)):
            matched, merged = _match(first, rows[j])
            if matched:
                rows[i] = merged
                rows[j] = merged


def _match(first: list[str], second: list[str]) -> tuple[bool, list[str]]:
    if len(first) != len(second):
        return False, []
    common = False
    merged: list[str] = []
    for a, b in zip(first, second, strict=True):
        if a == b:
            common = True
            merged.append(a)
        elif a and b:
            return False, []
        else:
            merged.append(a or b)
    return common, merged


def _set_elements(sources: list[Any], rows: list[list[str]], keys: list[str], schema: Schema) -> Any:
    dest = sources[0]
    added: list[Any] = []
    item_schema = schema.elements()
    if len(keys) > 1:
        _merge_rows(rows)
    valid_keys: list[str] = keys
    for values in rows:
        if not values:
            continue
        valid_keys, valid_values = _valid_keys(rows, values, keys)
        item_keys, item_values = _valid_keys([valid_values], valid_values, valid_keys)
        items = [_find_element(source, item_keys, item_values) for source in sources]
        value = _walk(items, item_schema)
        if _missing(value) or value is KEEP_NULL or value == {}:
            dest = _set_element(dest, None, valid_keys, valid_values)
            continue
        if isinstance(value, dict):
            for key, text in zip(valid_keys, valid_values, strict=False):
                if key not in value and text:
                    value[key] = text
        added = _set_element(added, value, valid_keys, valid_values)
    if rows:
        dest = _append_list(added, dest, valid_keys)
    return CLEAR if _missing(dest) else dest


def _find_element(source: Any, keys: list[str], values: list[str]) -> Any:
    """The first item of a list matching the key values (kyaml's MatchElementList)."""
    if not isinstance(source, list) or len(keys) != len(values):
        return ABSENT
    if not keys or not keys[0]:
        wanted = values[0] if values else ""
        return next((item for item in source if _text(item) == wanted), ABSENT)
    for item in source:
        if isinstance(item, dict) and all(_field_matches(item, k, v) for k, v in zip(keys, values, strict=True)):
            return item
    return ABSENT


def _field_matches(item: Any, key: str, value: str) -> bool:
    """kyaml's FieldMatcher: an empty value only asks that the field exists."""
    if _missing(item):
        return False
    if not key:
        if isinstance(item, (dict, list)):
            raise BuildError(f"strategic merge patch: expected a scalar list item, got {item!r}")
        return _text(item) == value
    if not isinstance(item, dict):
        raise BuildError(f"strategic merge patch: expected a map list item, got {item!r}")
    if key not in item:
        return False
    return not value or (not isinstance(item[key], (dict, list)) and _text(item[key]) == value)


def _set_element(items: Any, element: Any, keys: list[str], values: list[str]) -> list[Any]:
    """kyaml's ElementSetter: replace the items matching the key values by `element` (drop them
    when it is None), append it when none matched; null and empty-map items are dropped."""
    keys = keys or [""]
    mapping_setter = bool(keys[0]) and bool(values) and bool(values[0])
    result: list[Any] = []
    found_any = False
    for item in items if isinstance(items, list) else []:
        if item is None or item == {}:
            continue
        if not isinstance(item, dict) and mapping_setter:
            result.append(item)
            continue
        found = _element_found(item, keys, values)
        if not found:
            if values:
                result.append(item)
            continue
        found_any = True
        if element is not None:
            result.append(element)
    if element is not None and not found_any:
        result.append(element)
    return result


def _element_found(item: Any, keys: list[str], values: list[str]) -> bool:
    matched = False
    for j, key in enumerate(keys):
        if j < len(values):
            matched = _field_matches(item, key, values[j])
        if not matched:
            return False
    return matched


def _append_list(target: list[Any], source: Any, keys: list[str]) -> list[Any]:
    """Put the resource's items (merged in place) after the patch's new ones."""
    for item in source if isinstance(source, list) else []:
        if not keys or not keys[0]:
            target = _set_element(target, item, [""], [_text(item)])
            continue
        values: list[str] = []
        for key in keys:
            if not isinstance(item, dict) or key not in item:
                target.append(item)
                continue
            values.append(_text(item[key]))
        if len(keys) > 1:
            target = _set_element(target, None, keys, values)
        target = _set_element(target, item, keys, values)
    return target
