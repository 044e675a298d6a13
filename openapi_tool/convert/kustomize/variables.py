"""Kustomize's legacy `vars`: each var takes the value of one field of one resource, and
`$(NAME)` in the var-reference fields is replaced by it (api/internal/accumulator, api/filters/refvar)."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from openapi_tool.convert.kustomize.errors import BuildError
from openapi_tool.convert.kustomize.fieldspecs import FieldSpec, walk
from openapi_tool.convert.kustomize.replacements import (
    DEFAULT_FIELD_PATH,
    canonical_keys,
    check_fields,
    lookup,
    resource_ids,
    split_field_path,
)
from openapi_tool.convert.kustomize.resource import ResId, Resource

__all__ = ["TARGET", "bind_vars", "expand", "resolve_vars"]

TARGET = "__resource__"
"""Key under which bind_vars leaves a var's resource."""

_KEYS = ["name", "objref", "fieldref", "fieldPath", "apiVersion", "group", "version", "kind", "namespace"]

_SCHEMA = {
    "name": None,
    "objref": dict.fromkeys(("apiVersion", "group", "version", "kind", "name", "namespace")),
    "fieldref": {"fieldPath": None},
    TARGET: None,
}
"""The fields of a var."""


def resolve_vars(resources: list[Resource], vars: list[dict], specs: list[FieldSpec]) -> None:
    """Give each var its value from the resource its objref names (the one bind_vars found, else
    one found now by any id the resource has had) and replace `$(NAME)` in the fields `specs`
    name, in every resource."""
    vars = canonical_keys(vars or [], _KEYS)
    check_fields(vars, _SCHEMA, "vars.")
    values = {var.get("name"): _var_value(resources, var) for var in _checked(vars)}
    if not values:
        return
    unique = list(dict.fromkeys(specs))
    for resource in resources:
        for spec in unique:
            if spec.applies_to(resource):
                walk(resource.data, spec.path, lambda current: _substitute(current, values))


def _checked(vars: list[dict]) -> list[dict]:
    seen: set[str] = set()
    for var in vars:
        name = str(var.get("name") or "")
        if name in seen:
            raise BuildError(f"var '{name}' already encountered")
        seen.add(name)
    return sorted(vars, key=lambda var: str(var.get("name") or ""))


def _objref_id(objref: dict) -> ResId:
    group, version = str(objref.get("group") or ""), str(objref.get("version") or "")
    api_version = str(objref.get("apiVersion") or "")
    if api_version:
        pieces = api_version.split("/")
        if len(pieces) == 2:
            group, version = pieces
        elif len(pieces) == 1:
            version = pieces[0]
    return ResId(
        group, version, str(objref.get("kind") or ""), str(objref.get("name") or ""), objref.get("namespace") or ""
    )


def _refers_to(wanted: ResId, rid: ResId) -> bool:
    """kustomize's GvknEquals, or Equals (namespaces "" and "default" alike) when the objref has a namespace."""
    if (wanted.group, wanted.version, wanted.kind, wanted.name) != (rid.group, rid.version, rid.kind, rid.name):
        return False
    return not wanted.namespace or (wanted.namespace or "default") == (rid.namespace or "default")


def bind_vars(resources: list[Resource], vars: list[dict]) -> list[dict]:
    """kustomize ties each var to its resource where the var is declared (after that kustomization's
    transformers, by any id the resource has had), not at the top: call this there and pass the
    result to resolve_vars at the top. Each var comes back with the resource (or None) under TARGET."""
    bound = []
    vars = canonical_keys(vars or [], _KEYS)
    check_fields(vars, _SCHEMA, "vars.")
    for var in vars:
        matched = _matches(resources, var)
        bound.append({**var, TARGET: matched[0] if matched else None})
    return bound


def _matches(resources: list[Resource], var: dict) -> list[Resource]:
    wanted = _objref_id(var.get("objref") or {})
    matched = [r for r in resources if any(_refers_to(wanted, rid) for rid in resource_ids(r))]
    if len(matched) > 1:
        raise BuildError(f"found {len(matched)} resId matches for var {var.get('name')} (unable to disambiguate)")
    return matched


def _var_value(resources: list[Resource], var: dict) -> Any:
    name = var.get("name")
    target = _still_there(resources, var[TARGET]) if TARGET in var else next(iter(_matches(resources, var)), None)
    if target is None:
        raise BuildError(f"var '{name}' cannot be mapped to a field in the set of known resources")
    field_path = str((var.get("fieldref") or {}).get("fieldPath") or DEFAULT_FIELD_PATH)
    value = lookup(target.data, _slice_indexes(split_field_path(field_path)))
    if value is None and not _has_null(target.data, field_path):
        raise BuildError(f"field specified in var '{name}' not found in corresponding resource")
    return "null" if value is None else value


def _still_there(resources: list[Resource], bound: Resource | None) -> Resource | None:
    """The bound resource if the build still has it (the same object, else one with its id)."""
    if bound is None or any(r is bound for r in resources):
        return bound
    return next((r for r in resources if r.id == bound.id), None)


def _has_null(data: Any, field_path: str) -> bool:
    """Whether the field exists with a null value (kustomize then uses its text)."""
    parts = _slice_indexes(split_field_path(field_path))
    parent = lookup(data, parts[:-1]) if len(parts) > 1 else data
    return isinstance(parent, dict) and parts[-1] in parent


def _slice_indexes(parts: list[str]) -> list[str]:
    """`ports[0]` -> `ports`, `0` (kustomize's convertSliceIndex for var field paths)."""
    result: list[str] = []
    for part in parts:
        match = re.fullmatch(r"(.*)\[(\d+)\]", part)
        if match:
            result.extend(p for p in match.groups() if p)
        else:
            result.append(part)
    return result


def _substitute(current: Any, values: dict[str, Any]) -> Any:
    if isinstance(current, str):
        return expand(current, values)
    if isinstance(current, dict):
        for key, item in current.items():
            if not isinstance(key, str):
                raise BuildError(f"invalid map key: value='{key}'")
            if isinstance(item, str):
                current[key] = expand(item, values)
        return current
    if isinstance(current, list):
        if not all(isinstance(item, str) for item in current):
            raise BuildError("invalid value type expect a string")
        return [expand(item, values) for item in current]
    return current


def _primitive(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def _go_text(value: Any) -> str:
    """Go's %v of a var value (for a float: shortest digits, exponent form below 1e-4 and from 1e6)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value) and value != 0:
        sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
        text = "".join(map(str, digits))
        power = len(text) + int(exponent) - 1
        if power < -4 or power >= 6:
            mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
            return f"{'-' if sign else ''}{mantissa}e{'-' if power < 0 else '+'}{abs(power):02d}"
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, float):
        return {math.inf: "+Inf", -math.inf: "-Inf"}.get(value, "NaN" if math.isnan(value) else "0")
    return str(value)


def expand(text: str, values: dict[str, Any]) -> Any:
    """Replace `$(NAME)` in `text` by the var's value (`$$` is a literal `$`); a text that is one
    whole reference becomes the value itself, keeping its type. Unknown names stay as written."""
    out: list[str] = []
    checkpoint = cursor = 0
    while cursor < len(text):
        if text[cursor] == "$" and cursor + 1 < len(text):
            out.append(text[checkpoint:cursor])
            read, is_var, advance = _read_name(text[cursor + 1 :])
            if is_var:
                value = values.get(read)
                mapped = value if read in values and _primitive(value) else f"$({read})"
                if text == f"$({read})":
                    return mapped
                out.append(_go_text(mapped))
            else:
                out.append(read)
            cursor += advance
            checkpoint = cursor + 1
        cursor += 1
    return "".join(out) + text[checkpoint:]


def _read_name(rest: str) -> tuple[str, bool, int]:
    if rest[0] == "$":
        return "$", False, 1
    if rest[0] == "(":
        closer = rest.find(")", 1)
        if closer != -1:
            return rest[1:closer], True, closer + 1
        return "$(", False, 1
    return "$" + rest[0], False, 1
