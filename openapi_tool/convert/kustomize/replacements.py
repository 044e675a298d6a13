"""Kustomize's `replacements`: copy one field of one resource into fields of others, as
kustomize v5.5's replacement filter does (api/filters/replacement)."""

from __future__ import annotations

import copy
import math
import re
from pathlib import Path
from typing import Any

import yaml

from openapi_tool.convert.kustomize.errors import BuildError
from openapi_tool.convert.kustomize.resource import ResId, Resource
from openapi_tool.convert.kustomize.selectors import matches_selector

DEFAULT_FIELD_PATH = "metadata.name"

_CREATED = object()
"""Stands for a scalar field that create made and that has no value (nor YAML tag) yet."""

_INT = re.compile(r"[-+]?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[1-9][0-9]*|0)")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?(Z|[+-]\d{2}:\d{2}))|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?))?"
)
_NULLS = ("", "~", "null", "Null", "NULL")
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}


_KEYS = (
    "source targets path group version kind name namespace fieldPath options delimiter index create encoding"
    " select reject fieldPaths annotationSelector labelSelector"
).split()


def canonical_keys(value: Any, names: list[str]) -> Any:
    """Config keys as kustomize reads them: Go's JSON decoding also takes a key that differs from
    a field's name only in case (`fieldpath` for `fieldPath`)."""
    if isinstance(value, list):
        return [canonical_keys(item, names) for item in value]
    if not isinstance(value, dict):
        return value
    lower = {name.lower(): name for name in names}
    result: dict = {}
    for key, item in value.items():
        name = key if key in names or not isinstance(key, str) else lower.get(key.lower(), key)
        if name not in result or name == key:
            result[name] = canonical_keys(item, names)
    return result


_ID = dict.fromkeys(("group", "version", "kind", "name", "namespace"))
_OPTIONS = dict.fromkeys(("delimiter", "index", "encoding", "create"))
_SELECTOR = {**_ID, "annotationSelector": None, "labelSelector": None}
_SCHEMA = {
    "path": None,
    "source": {**_ID, "fieldPath": None, "options": _OPTIONS},
    "targets": {"select": _SELECTOR, "reject": _SELECTOR, "fieldPaths": None, "options": _OPTIONS},
}
"""The fields of a kustomization's replacement entry (each with its fields, None for a value)."""


def check_fields(value: Any, schema: dict | None, where: str = "") -> None:
    """Refuse a field that the schema lacks, as kustomize's strict reading of a kustomization does
    (in lists, each item is checked)."""
    if isinstance(value, list):
        for item in value:
            check_fields(item, schema, where)
        return
    if schema is None or not isinstance(value, dict):
        return
    for key, item in value.items():
        if key not in schema:
            raise BuildError(f'invalid Kustomization: json: unknown field "{where}{key}"')
        check_fields(item, schema[key], f"{where}{key}.")


def apply_replacements(resources: list[Resource], entries: list[dict], directory: Path) -> None:
    """Run the kustomization's `replacements` entries, in order, on `resources`."""
    entries = canonical_keys(entries or [], _KEYS)
    check_fields(entries, _SCHEMA, "replacements.")
    for replacement in canonical_keys(load_replacements(entries, directory), _KEYS):
        source, targets = replacement.get("source"), replacement.get("targets")
        if not isinstance(source, dict) or targets is None:
            raise BuildError("replacements must specify a source and at least one target")
        value = source_value(resources, source)
        for target in targets:
            apply_target(resources, value, target)


def load_replacements(entries: list[dict], directory: Path) -> list[dict]:
    """Inline entries as they are; `{path: file}` entries replaced by the file's replacement(s)."""
    result: list[dict] = []
    for entry in entries:
        path = entry.get("path")
        if not path:
            # The kustomization's own entries pass through Go structs that drop empty lists.
            result.append({k: v for k, v in entry.items() if not (k == "targets" and v == [])})
            continue
        if entry.get("source") is not None or entry.get("targets"):
            raise BuildError("cannot specify both path and inline replacement")
        file = (directory / str(path)).resolve()
        if not file.is_relative_to(directory.resolve()):
            raise BuildError(f"security; file '{file}' is not in or below '{directory}'")
        try:
            loaded = yaml.safe_load(file.read_text())
        except (OSError, yaml.YAMLError) as error:
            raise BuildError(f"replacements path {path}: {error}".replace("\n", " ")) from error
        if isinstance(loaded, list):
            result.extend(loaded)
        elif isinstance(loaded, dict):
            result.append(loaded)
        else:
            raise BuildError(f"unsupported replacement type encountered within replacement path: {path}")
    return result


# --- resource selection -------------------------------------------------------------------


def resource_ids(resource: Resource) -> list[ResId]:
    """The current id, then the previous ones (with the current group and version, as kustomize
    rebuilds them from its annotations)."""
    current = resource.id
    previous = [ResId(current.group, current.version, p.kind, p.name, p.namespace) for p in resource.previous]
    return [current, *previous]


def _effective_namespace(namespace: str) -> str:
    return namespace or "default"


def id_selected_by(rid: ResId, selector: dict) -> bool:
    """kustomize's ResId.IsSelectedBy: every non-empty field of the selector equals the id's
    (namespaces compared with "" meaning "default")."""
    name, namespace = str(selector.get("name") or ""), str(selector.get("namespace") or "")
    return (
        (not name or name == rid.name)
        and (not namespace or _effective_namespace(namespace) == _effective_namespace(rid.namespace))
        and all(
            not selector.get(key) or str(selector[key]) == getattr(rid, key) for key in ("group", "version", "kind")
        )
    )


def _id_empty(selector: dict) -> bool:
    return not any(selector.get(key) for key in ("group", "version", "kind", "name", "namespace"))


def select_source(resources: list[Resource], selector: dict) -> Resource:
    """The one resource that the source selector picks by any of its ids."""
    matches = [r for r in resources if any(id_selected_by(i, selector) for i in resource_ids(r))]
    if len(matches) > 1:
        raise BuildError(f"multiple matches for selector {describe(selector)}")
    if not matches:
        raise BuildError(f"nothing selected by {describe(selector)}")
    return matches[0]


def describe(selector: dict) -> str:
    """A one-line description of a selector for error messages."""
    parts = [f"{key}={selector[key]}" for key in ("group", "version", "kind", "name", "namespace") if selector.get(key)]
    return "[" + " ".join(parts) + "]"


def _matches_meta_selectors(resource: Resource, selector: dict) -> bool:
    metadata = resource.metadata
    return matches_selector(_text_map(metadata.get("annotations")), str(selector.get("annotationSelector") or "")) and (
        matches_selector(_text_map(metadata.get("labels")), str(selector.get("labelSelector") or ""))
    )


def _text_map(value: Any) -> dict[str, str]:
    """A label (or annotation) map with its values as YAML text."""
    return {str(k): "" if v is None else _text(v) for k, v in value.items()} if isinstance(value, dict) else {}


def is_target(resource: Resource, target: dict) -> bool:
    """Whether a target's select picks the resource and none of its rejects drops it."""
    select, rejects = target["select"], target.get("reject") or []
    if not _matches_meta_selectors(resource, select):
        return False
    for reject in rejects:
        if (reject.get("annotationSelector") or reject.get("labelSelector")) and _matches_meta_selectors(
            resource, reject
        ):
            return False
    ids = resource_ids(resource)
    if any(not _id_empty(reject) and any(id_selected_by(i, reject) for i in ids) for reject in rejects):
        return False
    return any(id_selected_by(i, select) for i in ids)


# --- scalars as YAML text -----------------------------------------------------------------


def _text(value: Any) -> str:
    """The YAML text of a scalar value (kustomize works on the text of YAML nodes)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or value is _CREATED:
        return ""
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, (dict, list)):
        return ""
    return str(value)


def _float_text(value: float) -> str:
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    if math.isnan(value):
        return ".nan"
    return repr(value)


def resolve_plain(text: str) -> Any:
    """The value a plain YAML scalar with this text gets in kustomize's output (YAML 1.2 core
    resolution as go-yaml v3 does it, then JSON, which writes a whole float as an integer)."""
    value, tag = _resolve(text)
    return _json_number(value) if tag == "float" else value


def _json_number(value: float) -> int | float:
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _resolve(text: str) -> tuple[Any, str]:
    """The value and YAML tag (null, bool, timestamp, int, float, str) of a plain scalar."""
    if text in _NULLS:
        return None, "null"
    if text in _BOOLS:
        return _BOOLS[text], "bool"
    timestamp = _TIMESTAMP.fullmatch(text)
    if timestamp:
        return _rfc3339(timestamp), "timestamp"
    plain = text.replace("_", "")
    if _INT.fullmatch(plain):
        digits = plain.lstrip("+-")
        sign = -1 if plain.startswith("-") else 1
        if digits[:2] in ("0o", "0O") or (len(digits) > 1 and digits[0] == "0" and digits[1].isdigit()):
            return sign * int(digits.lstrip("0oO") or "0", 8), "int"
        return sign * int(digits, 0), "int"
    if _FLOAT.fullmatch(plain):
        return float(plain), "float"
    return text, "str"


def _rfc3339(match: re.Match) -> str:
    """A YAML timestamp as Go writes a time in JSON (RFC 3339, fraction trimmed, `Z` for UTC)."""
    year, month, day, hour, minute, second, fraction, zone, *spaced = match.groups()
    if spaced[0] is not None:
        hour, minute, second, fraction = spaced
    fraction = (fraction or "").rstrip("0").rstrip(".")
    if zone in (None, "Z", "+00:00", "-00:00"):
        zone = "Z"
    clock = f"{int(hour or 0):02d}:{int(minute or 0):02d}:{int(second or 0):02d}{fraction}"
    return f"{year}-{int(month):02d}-{int(day):02d}T{clock}{zone}"


def _tag_of(value: Any) -> str:
    """The YAML tag of a non-string scalar."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    return "float" if isinstance(value, float) else "null"


def _retagged(text: str, current: Any) -> Any:
    """The target scalar `current` given a new text but keeping its YAML type, as kustomize does;
    a text that its type cannot hold fails the build as in kustomize's output step."""
    if current is _CREATED:
        return resolve_plain(text)
    if isinstance(current, str):
        return text
    value, tag = _resolve(text)
    wanted = _tag_of(current)
    if tag == wanted or (wanted == "float" and tag == "int"):
        return _json_number(float(value)) if wanted == "float" else value
    raise BuildError(f"yaml: cannot decode !!{tag} `{text}` as a !!{wanted}")


# --- field paths --------------------------------------------------------------------------


def split_field_path(path: str) -> list[str]:
    """kustomize's SmarterPathSplitter: split on `.`, `\\.` escapes a dot, and a bracketed part
    stays whole (`[name=a.b]` keeps its brackets, `[a.b]` is the map key `a.b`)."""
    pieces = path.split(".")
    if len(pieces) > 1 and pieces[0] == "":
        pieces = pieces[1:]
    joined: list[str] = [pieces[0]]
    for piece in pieces[1:]:
        if joined[-1].endswith("\\"):
            joined[-1] = joined[-1][:-1] + "." + piece
        else:
            joined.append(piece)
    result: list[str] = []
    index = 0
    while index < len(joined):
        part = joined[index]
        if part.startswith("[") and not part.endswith("]"):
            bracketed = [part]
            while index < len(joined) - 1:
                index += 1
                bracketed.append(joined[index])
                if joined[index].endswith("]"):
                    break
            part = ".".join(bracketed)
            result.append(part if "=" in part else part.strip("[]"))
        else:
            result.append(part)
        index += 1
    return result


def _is_list_index(part: str) -> bool:
    return part.startswith("[") and part.endswith("]")


def _is_index_number(part: str) -> bool:
    return re.fullmatch(r"\+?[0-9]+", part) is not None


def _split_index(part: str) -> tuple[str, str]:
    name, sep, value = part[1:-1].partition("=")
    if not sep:
        raise BuildError("list path element must contain fieldName=fieldValue for element to match")
    return name, value


def _kind_name(value: Any) -> str:
    if isinstance(value, dict):
        return "MappingNode"
    if isinstance(value, list):
        return "SequenceNode"
    return "ScalarNode"


def _wrong_kind(expected: str, value: Any) -> BuildError:
    return BuildError(f"wrong node kind: expected {expected} but got {_kind_name(value)}")


def _elements(value: Any) -> list:
    """The items of a list node (none for null); kustomize refuses other nodes."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise _wrong_kind("SequenceNode", value)
    return value


def lookup(data: Any, parts: list[str]) -> Any:
    """kyaml's PathGetter (used for sources and vars): the value at `parts`, or None when missing."""
    node = data
    for part in (p.strip() for p in parts):
        if not part:
            continue
        node = _lookup_step(node, part)
        if node is None:
            return None
    return node


def _lookup_step(node: Any, part: str) -> Any:
    if re.fullmatch(r"[-+]?[0-9]+", part):
        index = int(part)
        if index < 0:
            raise BuildError(f"array index {index} cannot be negative")
        items = _elements(node)
        return items[index] if index < len(items) else None
    if part == "-":
        items = _elements(node)
        return items[-1] if items else None
    if part == "*":
        raise BuildError("wildcard is not supported in PathGetter")
    if _is_list_index(part):
        name, wanted = _split_index(part)
        for item in _elements(node):
            if not name and not isinstance(item, (dict, list)) and _text(item) == wanted:
                return item
            if name and isinstance(item, dict) and name in item and _text(item[name]) == wanted:
                return item
        return None
    if node is None:
        return None
    if not isinstance(node, dict):
        raise _wrong_kind("MappingNode", node)
    return node.get(part)


def _new_node(next_part: str, leaf: Any) -> Any:
    """What create puts at a missing path part, by what the next part needs."""
    if _is_list_index(next_part) or _is_index_number(next_part):
        return []
    if not next_part:
        return leaf if leaf is _CREATED else copy.deepcopy(leaf)
    return {}


Slot = tuple[Any, Any]
"""A field as (container, key or index)."""


def match_targets(parent: Any, key: Any, parts: list[str], leaf: Any) -> list[Slot]:
    """kyaml's PathMatcher: every field that `parts` reaches below `parent[key]`; missing parts
    are made when `leaf` is not None (it is what a missing last field starts as)."""
    if not parts:
        return [(parent, key)]
    node, part, rest = parent[key], parts[0], parts[1:]
    create = leaf is not None
    if _is_index_number(part):
        return _match_index(parent, key, int(part), rest, leaf)
    if _is_list_index(part):
        return _match_list_entry(parent, key, part, rest, leaf)
    if part == "*":
        items = _elements(node)
        return [slot for index in range(len(items)) for slot in match_targets(items, index, rest, leaf)]
    if node is None and create:
        node = parent[key] = {}
    if node is None:
        return []
    if not isinstance(node, dict):
        raise _wrong_kind("MappingNode", node)
    if part not in node:
        if not create:
            return []
        node[part] = _new_node(rest[0] if rest else "", leaf)
    return match_targets(node, part, rest, leaf)


def _match_index(parent: Any, key: Any, index: int, rest: list[str], leaf: Any) -> list[Slot]:
    items = _elements(parent[key])
    if len(items) == index and leaf is not None:
        if parent[key] is None:
            items = parent[key] = []
        items.append(_new_node(rest[0] if rest else "", leaf))
    if len(items) < index + 1:
        raise BuildError(f"index {index} specified but only {len(items)} elements found")
    return match_targets(items, index, rest, leaf)


def _match_list_entry(parent: Any, key: Any, part: str, rest: list[str], leaf: Any) -> list[Slot]:
    name, pattern = _split_index(part)
    try:
        regex = re.compile(pattern)
    except re.error as error:
        raise BuildError(f"invalid regular expression {pattern!r} in {part}") from error
    items = _elements(parent[key])
    found: list[Slot] = []
    for index, item in enumerate(items):
        if name:
            if not isinstance(item, dict) or item.get(name) is None or not regex.search(_text(item[name]).strip()):
                continue
            found.extend(match_targets(items, index, rest, leaf))
        elif not isinstance(item, (dict, list)) and regex.search(_text(item).strip()):
            found.append((items, index))
    if found or leaf is None:
        return found
    if parent[key] is None:
        parent[key] = []
    parent[key].append({name: resolve_plain(pattern)} if name else resolve_plain(pattern))
    return _match_list_entry(parent, key, part, rest, leaf)


# --- source and targets -------------------------------------------------------------------


def source_value(resources: list[Resource], source: dict) -> Any:
    """The value the replacement copies: the source field, refined by its delimiter option."""
    resource = select_source(resources, source)
    field_path = str(source.get("fieldPath") or DEFAULT_FIELD_PATH)
    value = lookup(resource.data, split_field_path(field_path))
    if value is None or value == {} or value == []:
        raise BuildError(f"fieldPath `{field_path}` is missing for replacement source {describe(source)}")
    options = source.get("options") or {}
    delimiter = str(options.get("delimiter") or "")
    if not delimiter:
        return value
    if isinstance(value, (dict, list)):
        raise BuildError("delimiter option can only be used with scalar nodes")
    pieces = _text(value).split(delimiter)
    index = int(options.get("index") or 0)
    if not 0 <= index < len(pieces):
        raise BuildError(f"options.index {index} is out of bounds for value {_text(value)}")
    return _retagged(pieces[index], value)


def apply_target(resources: list[Resource], value: Any, target: dict) -> None:
    """Write `value` into every field that one target names."""
    if not target.get("select") and target.get("select") != {}:
        raise BuildError("target must specify resources to select")
    field_paths = target.get("fieldPaths") or [DEFAULT_FIELD_PATH]
    options = target.get("options") or {}
    for resource in resources:
        if is_target(resource, target):
            for field_path in field_paths:
                _write(resource, str(field_path), value, options)


def _write(resource: Resource, field_path: str, value: Any, options: dict) -> None:
    create = bool(options.get("create"))
    leaf = (value if isinstance(value, (dict, list)) else _CREATED) if create else None
    holder = [resource.data]
    try:
        slots = match_targets(holder, 0, split_field_path(field_path), leaf)
    except BuildError as error:
        raise BuildError(f"{_retrieval_error(field_path, create)}: {error}") from error
    if not slots:
        raise BuildError(_retrieval_error(field_path, create))
    for container, key in slots:
        container[key] = _new_value(container[key], value, options)
    resource.data = holder[0]


def _retrieval_error(field_path: str, create: bool) -> str:
    if create:
        return f'unable to find or create field "{field_path}" in replacement target'
    return f'unable to find field "{field_path}" in replacement target'


def _new_value(current: Any, value: Any, options: dict) -> Any:
    delimiter = str(options.get("delimiter") or "")
    if delimiter:
        if isinstance(current, (dict, list)):
            raise BuildError("delimiter option can only be used with scalar nodes")
        pieces = _text(current).split(delimiter)
        index = int(options.get("index") or 0)
        if index < 0:
            pieces.insert(0, _text(value))
        elif index >= len(pieces):
            pieces.append(_text(value))
        else:
            pieces[index] = _text(value)
        return _retagged(delimiter.join(pieces), current)
    if isinstance(current, (dict, list)):
        return copy.deepcopy(value)
    return _retagged(_text(value), current)
