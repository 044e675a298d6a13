"""The structural oracle: a CRD schema as a jsonschema (Draft 4) schema, with Kubernetes semantics."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .loading import Resource

_COPIED = (
    "pattern minimum maximum exclusiveMinimum exclusiveMaximum multipleOf minLength maxLength "
    "minItems maxItems uniqueItems minProperties maxProperties enum required "
    "x-kubernetes-list-type x-kubernetes-list-map-keys"
).split()


def object_meta_schema(corpus: Path | None) -> dict:
    """ObjectMeta (refs inlined, unknown fields rejected) from the newest swagger.json in the
    corpus; a bare object when there is none."""
    swaggers = (
        sorted(
            (corpus / "k8s-openapi").glob("*/swagger.json"),
            key=lambda p: [int(x) if x.isdigit() else 0 for x in p.parent.name.split(".")],
        )
        if corpus
        else []
    )
    if not swaggers:
        return {"type": "object"}
    definitions = json.loads(swaggers[-1].read_text(encoding="utf-8"))["definitions"]

    def inline(node: Any, depth: int = 0) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                target = definitions[node["$ref"].split("/")[-1]]
                return inline(target, depth + 1) if depth < 6 else {}
            out = {
                k: inline(v, depth)
                for k, v in node.items()
                if k not in ("description", "x-kubernetes-patch-strategy", "x-kubernetes-patch-merge-key")
            }
            if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out:
                out["additionalProperties"] = False
            if out.get("format") == "int32" or out.get("format") == "int64":
                out.pop("format")
            return out
        if isinstance(node, list):
            return [inline(v, depth) for v in node]
        return node

    meta = inline(definitions["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"])
    meta["properties"].pop("managedFields", None)  # a server-side field; any value would do
    return meta


def schema_kind(node: dict) -> str:
    """object, array, string, integer, number, boolean, int-or-string or any."""
    if node.get("x-kubernetes-int-or-string"):
        return "int-or-string"
    type_ = node.get("type")
    if isinstance(type_, str) and type_:
        return type_
    if node.get("properties") or node.get("x-kubernetes-embedded-resource"):
        return "object"
    if "items" in node:
        return "array"
    return "any"


def to_jsonschema(resource: Resource, meta: dict) -> dict:
    """The resource's schema as Draft 4 jsonschema with the API server's meanings.

    - An object with neither `additionalProperties` nor `x-kubernetes-preserve-unknown-fields`
      (`additionalProperties: false`): the API server prunes unknown fields, and strict field
      validation (`kubectl apply`'s default) rejects them. Except in v1beta1 CRDs with
      `preserveUnknownFields` (the default there), where nothing is pruned.
    - `x-kubernetes-preserve-unknown-fields`: unknown fields are accepted; a node with no
      type accepts any value.
    - `x-kubernetes-int-or-string`: an integer or a string (`anyOf` in the CRD keeps its
      value validations).
    - `nullable: true`: null is accepted (and skips every other validation). Null for a
      property that is not nullable is pruned (or defaulted) by `apiserver_normalize`
      before validation, as the API server does; a null list item is rejected.
    - `x-kubernetes-list-type: set` / `map`: items / map keys must be unique (a keyword
      added to the validator).
    - `x-kubernetes-embedded-resource`: apiVersion and kind (required) and an ObjectMeta.
    - The root: apiVersion and kind must name the resource; `metadata` is an ObjectMeta
      (from the corpus' swagger.json) that also carries the CRD's constraints on it.
    Not modelled: `format` (the API server checks a few formats; the generator keeps them
    as plain strings, and the harness never mutates them), `status` being dropped on
    create when the status subresource is on (the harness does not synthesise or mutate
    `status`), and Go RE2 versus Python `re` corner cases in `pattern`.
    """
    preserve_all = resource.preserve_unknown

    def convert(node: Any, junctor: bool = False) -> Any:
        """`junctor`: a node under allOf/anyOf/oneOf/not, which in a structural schema only
        adds value validations (no types, no pruning)."""
        if not isinstance(node, dict):
            return {}
        out: dict[str, Any] = {k: copy.deepcopy(node[k]) for k in _COPIED if k in node}
        if out.get("enum") is not None and node.get("nullable"):
            out["enum"] = [v for v in out["enum"] if v is not None]
        kind = schema_kind(node)
        if junctor:
            kind = node["type"] if isinstance(node.get("type"), str) else "any"
            if isinstance(node.get("properties"), dict):
                out["properties"] = {k: convert(v, True) for k, v in node["properties"].items()}
            if isinstance(node.get("items"), dict):
                out["items"] = convert(node["items"], True)
        if kind == "int-or-string":
            out["type"] = ["integer", "string"]
        elif kind != "any":
            out["type"] = kind
        for keyword in ("allOf", "anyOf", "oneOf"):
            if isinstance(node.get(keyword), list):
                out[keyword] = [convert(n, True) for n in node[keyword]]
        if isinstance(node.get("not"), dict):
            out["not"] = convert(node["not"], True)
        if junctor:
            return out
        if kind == "array" and isinstance(node.get("items"), dict):
            out["items"] = convert(node["items"])
        if kind == "object":
            props = {k: convert(v) for k, v in (node.get("properties") or {}).items()}
            if node.get("x-kubernetes-embedded-resource"):
                props.setdefault("apiVersion", {"type": "string"})
                props.setdefault("kind", {"type": "string"})
                props["metadata"] = _merge_meta(meta, node.get("properties", {}).get("metadata"), convert)
                out["required"] = sorted(set(out.get("required", [])) | {"apiVersion", "kind"})
            if props:
                out["properties"] = props
            extra = node.get("additionalProperties")
            if isinstance(extra, dict):
                out["additionalProperties"] = convert(extra)
            elif not (extra is True or node.get("x-kubernetes-preserve-unknown-fields") or preserve_all):
                out["additionalProperties"] = False
        if node.get("nullable"):
            return {"anyOf": [{"type": "null"}, out]}
        return out

    root = convert(resource.schema)
    root["type"] = "object"
    props = root.setdefault("properties", {})
    props["apiVersion"] = {"enum": [resource.api_version]}
    props["kind"] = {"enum": [resource.kind]}
    props["metadata"] = _merge_meta(meta, resource.schema.get("properties", {}).get("metadata"), convert)
    root["required"] = sorted(set(root.get("required", [])) | {"apiVersion", "kind"})
    return root


def _merge_meta(meta: dict, crd_meta: Any, convert: Callable) -> dict:
    merged = copy.deepcopy(meta)
    for name, sub in ((crd_meta or {}).get("properties") or {}).items():
        if name in merged.get("properties", {}):
            merged["properties"][name] = {"allOf": [merged["properties"][name], convert(sub)]}
    return merged


def json_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _list_type(validator, value, instance, schema):  # jsonschema keyword
    from jsonschema import ValidationError

    if not isinstance(instance, list):
        return
    if value == "set":
        keys = [json_key(i) for i in instance]
        if len(set(keys)) != len(keys):
            yield ValidationError("duplicate items in a list of type set")
    elif value == "map":
        names = schema.get("x-kubernetes-list-map-keys") or []
        keys = [json_key([item.get(n) for n in names]) for item in instance if isinstance(item, dict)]
        if len(set(keys)) != len(keys):
            yield ValidationError(f"duplicate keys {names} in a list of type map")


_VALIDATOR_CLASS = None


def validator_class():
    global _VALIDATOR_CLASS
    if _VALIDATOR_CLASS is None:
        from jsonschema import Draft4Validator, validators

        _VALIDATOR_CLASS = validators.extend(Draft4Validator, {"x-kubernetes-list-type": _list_type})
    return _VALIDATOR_CLASS


def apiserver_normalize(instance: Any, node: dict) -> Any:
    """What the API server does before validation: a null that is not nullable is pruned,
    then absent properties with a default get it (recursively). Returns a new value."""
    value = copy.deepcopy(instance)
    _normalize(value, node)
    return value


def _normalize(value: Any, node: Any) -> None:
    if not isinstance(node, dict):
        return
    if isinstance(value, dict):
        props = node.get("properties") or {}
        extra = node.get("additionalProperties") if isinstance(node.get("additionalProperties"), dict) else None
        for key in list(value):
            sub = props.get(key, extra)
            if value[key] is None and isinstance(sub, dict) and not sub.get("nullable"):
                del value[key]
        for key, sub in props.items():
            if key not in value and isinstance(sub, dict) and "default" in sub:
                value[key] = copy.deepcopy(sub["default"])
        for key, item in value.items():
            sub = props.get(key, extra)
            if sub is not None:
                _normalize(item, sub)
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for item in value:
            _normalize(item, node["items"])


class StructuralOracle:
    """jsonschema verdicts for one resource."""

    def __init__(self, resource: Resource, meta: dict) -> None:
        self.resource = resource
        self.schema = to_jsonschema(resource, meta)
        self.validator = validator_class()(self.schema)

    def errors(self, instance: Any) -> list[str]:
        normalized = apiserver_normalize(instance, self.resource.schema)
        out = []
        for error in self.validator.iter_errors(normalized):
            where = "/".join(str(p) for p in error.absolute_path)
            out.append(f"/{where}: {error.message[:160]}")
            if len(out) >= 3:
                break
        return out
