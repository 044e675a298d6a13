"""Kustomize's content hash of a generated ConfigMap or Secret (api/hasher), the `-<10 chars>` name suffix.

Kustomize hashes a small JSON object, not the whole document:
ConfigMap `{"kind": "ConfigMap", "name": N, "data": D}` plus `"binaryData"` when the document has that map;
Secret `{"kind": "Secret", "type": T, "name": N, "data": D}` plus `"stringData"` when it has that map.
N is always "" (kustomize looks the name up with a path it cannot find, so names never change a hash);
a missing field is "". The object is written as Go's encoding/json writes it (sorted keys, no spaces,
`<`, `>`, `&`, U+2028 and U+2029 escaped, numbers as float64), then hashed with sha256; the first ten
hex digits, with 0 1 3 a e mapped to g h k m t, are the suffix."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from openapi_tool.convert.kustomize.errors import Unsupported

_LOOKALIKES = str.maketrans("013ae", "ghkmt")
"""Hex digits kustomize replaces so that a suffix holds no vowel-like or digit-like confusion."""

_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
"""Characters Go's encoding/json escapes and Python's json module writes as they are."""

_HASHED = {"ConfigMap": ("data", "binaryData"), "Secret": ("data", "stringData")}
"""Per kind: the field always hashed, and the map hashed only when the document has it."""


def content_hash(document: dict[str, Any]) -> str:
    """The 10-character suffix kustomize appends to the name of a generated ConfigMap or Secret."""
    kind = document.get("kind")
    if kind not in _HASHED:
        raise Unsupported("hash suffix", f"kustomize hashes kind {kind!r} by its YAML node, which we do not")
    always, optional = _HASHED[kind]
    encoded: dict[str, Any] = {"kind": kind, "name": "", always: _field_value(document.get(always))}
    if kind == "Secret":
        encoded["type"] = _field_value(document.get("type"))
    if isinstance(document.get(optional), dict):
        encoded[optional] = _field_value(document[optional])
    return suffix_of(go_json(encoded))


def suffix_of(text: str) -> str:
    """sha256 of `text` (UTF-8), first ten hex digits with kustomize's character mapping."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10].translate(_LOOKALIKES)


def go_json(value: Any) -> str:
    """`value` as Go's json.Marshal writes it once decoded into interface{} (numbers are float64)."""
    if isinstance(value, dict):
        items = sorted(((scalar_text(k), v) for k, v in value.items()), key=lambda item: item[0])
        return "{" + ",".join(f"{go_json(k)}:{go_json(v)}" for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(go_json(v) for v in value) + "]"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return _go_float(float(value))
    text = json.dumps(str(value), ensure_ascii=False)
    for char, escape in _GO_ESCAPES.items():
        text = text.replace(char, escape)
    return text


def _field_value(value: Any) -> Any:
    """What kustomize's getNodeValues holds for one field: a map, or a scalar's text, "" when absent."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        return None
    return scalar_text(value)


def scalar_text(value: Any) -> str:
    """The text of a YAML scalar as kustomize reads it back (booleans lower case, numbers as written)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def _go_float(number: float) -> str:
    """Go's encoding/json float64 text: plain notation in [1e-6, 1e21), else exponent without padding."""
    if number == 0:
        return "0"
    if 1e-6 <= abs(number) < 1e21:
        return format(Decimal(repr(number)).normalize(), "f")
    mantissa, _, exponent = repr(number).partition("e")
    sign = exponent[0]
    return f"{mantissa}e{sign}{exponent[1:].lstrip('0')}"
