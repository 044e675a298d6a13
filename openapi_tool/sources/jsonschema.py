"""Front end for JSON Schema bundles (`$defs` or `definitions`), as kubernetes-validate ships."""

from __future__ import annotations

from openapi_tool.loader import Document
from openapi_tool.sources.definitions import DefinitionSet


def is_jsonschema_bundle(document: Document) -> bool:
    data = document.data
    return isinstance(data, dict) and ("$defs" in data or "definitions" in data) and "swagger" not in data


def add_jsonschema_bundle(document: Document, definitions: DefinitionSet) -> None:
    definitions.add(document, "$defs" if "$defs" in document.data else "definitions")
