"""JSON 6902 patches as kustomize applies them (evanphx/json-patch v4 with its default options:
negative indexes allowed, no missing parents created, `replace` of an absent object key adds it)."""

from __future__ import annotations

import copy
import json
from typing import Any

import yaml

from openapi_tool.convert.kustomize.errors import BuildError
from openapi_tool.convert.kustomize.yaml_values import load_all


class JsonFloat(float):
    """A number of a JSON patch text with a fraction or exponent, as written (json-patch compares
    `test` values by their JSON text)."""

    text: str

    def __new__(cls, text: str) -> JsonFloat:
        number = super().__new__(cls, text)
        number.text = text
        return number


def parse_operations(text: str) -> list[dict[str, Any]] | None:
    """The operations of a JSON op list or of the first YAML document (a null document has none),
    None when the text is not a patch."""
    try:
        if text.startswith("["):
            value = json.loads(text, parse_float=JsonFloat)
        else:
            documents = load_all(text)
            value = documents[0] if documents else None
    except (ValueError, yaml.YAMLError):
        return None
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(op, dict) for op in value):
        return None
    return value


def apply_operations(document: Any, operations: list[dict[str, Any]]) -> Any:
    """A copy of `document` with the operations applied in order."""
    document = copy.deepcopy(document)
    for operation in operations:
        document = _apply(document, operation)
    return document


def _decode(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _parent(document: Any, path: Any) -> tuple[Any, str] | None:
    """The container holding the last token of `path`, and that token (json-patch's findObject)."""
    if not isinstance(path, str):
        return None
    tokens = path.split("/")
    if len(tokens) < 2:
        return None
    current = document
    for token in tokens[1:-1]:
        found, child = _get(current, _decode(token))
        if not found or not isinstance(child, (dict, list)):
            return None
        current = child
    return current, _decode(tokens[-1])


def _index(container: list[Any], key: str, size: int) -> int:
    try:
        index = int(key)
    except ValueError as error:
        raise BuildError(f"value was not a proper array index: '{key}'") from error
    if index < 0:
        if index < -size:
            raise BuildError(f"Unable to access invalid index: {index}")
        index += size
    return index


def _get(container: Any, key: str) -> tuple[bool, Any]:
    """(found, value); a missing object key is found as null, as in json-patch."""
    if isinstance(container, dict):
        return key in container, container.get(key)
    try:
        index = _index(container, key, len(container))
    except BuildError:
        return False, None
    if index >= len(container):
        return False, None
    return True, container[index]


def _add(container: Any, key: str, value: Any) -> None:
    if isinstance(container, dict):
        container[key] = value
        return
    if key == "-":
        container.append(value)
        return
    index = _index(container, key, len(container) + 1)
    if index > len(container):
        raise BuildError(f"Unable to access invalid index: {key}")
    container.insert(index, value)


def _remove(container: Any, key: str, path: str) -> Any:
    if isinstance(container, dict):
        if key not in container:
            raise BuildError(f"error in remove for path: '{path}': Unable to remove nonexistent key: {key}")
        return container.pop(key)
    index = _index(container, key, len(container))
    if index >= len(container):
        raise BuildError(f"error in remove for path: '{path}': Unable to access invalid index: {key}")
    return container.pop(index)


def _located(document: Any, operation: dict[str, Any], field: str) -> tuple[Any, str]:
    found = _parent(document, operation.get(field))
    if found is None:
        raise BuildError(f"{operation.get('op')} operation does not apply: doc is missing path: {operation.get(field)}")
    return found


def _apply(document: Any, operation: dict[str, Any]) -> Any:
    kind = operation.get("op")
    path = operation.get("path")
    if kind == "replace" and path == "":
        if not isinstance(operation.get("value"), (dict, list)):
            raise BuildError("replace operation value must be object or array")
        return copy.deepcopy(operation["value"])
    if kind in ("add", "replace", "remove", "test"):
        container, key = _located(document, operation, "path")
    if kind == "add":
        _add(container, key, copy.deepcopy(operation.get("value")))
    elif kind == "remove":
        _remove(container, key, str(path))
    elif kind == "replace":
        _replace(container, key, copy.deepcopy(operation.get("value")), str(path))
    elif kind == "test":
        _test(container, key, operation.get("value"), str(path))
    elif kind in ("move", "copy"):
        _move_or_copy(document, operation, kind)
    else:
        raise BuildError(f"Unexpected kind: {kind}")
    return document


def _replace(container: Any, key: str, value: Any, path: str) -> None:
    if isinstance(container, dict):
        container[key] = value
        return
    found, _ = _get(container, key)
    if not found:
        raise BuildError(f"replace operation does not apply: doc is missing key: {path}")
    container[_index(container, key, len(container))] = value


def _test(container: Any, key: str, value: Any, path: str) -> None:
    found, current = _get(container, key)
    if isinstance(container, list) and not found:
        raise BuildError(f"error in test for path: '{path}'")
    if not _equal(current, value):
        raise BuildError(f"testing value {path} failed")


def _move_or_copy(document: Any, operation: dict[str, Any], kind: str) -> None:
    source, source_key = _located(document, operation, "from")
    found, value = _get(source, source_key)
    if isinstance(source, list) and not found:
        raise BuildError(f"error in {kind} for path: '{source_key}'")
    if kind == "move":
        _remove(source, source_key, str(operation.get("from")))
    else:
        value = copy.deepcopy(value)
    target, target_key = _located(document, operation, "path")
    _add(target, target_key, value)


def _equal(current: Any, wanted: Any) -> bool:
    """json-patch's equality: objects by keys, arrays by items, other values by JSON text (the
    resource's numbers as Go writes them, a JSON patch's as written)."""
    if isinstance(current, dict) and isinstance(wanted, dict):
        return current.keys() == wanted.keys() and all(_equal(current[k], wanted[k]) for k in current)
    if isinstance(current, list) and isinstance(wanted, list):
        return len(current) == len(wanted) and all(_equal(a, b) for a, b in zip(current, wanted, strict=True))
    return _json_text(current) == _json_text(wanted)


def _json_text(value: Any) -> str:
    if isinstance(value, JsonFloat):
        return value.text
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
