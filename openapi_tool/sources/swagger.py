"""Front end for Kubernetes swagger 2.0 documents (`definitions`)."""

from __future__ import annotations

from openapi_tool.loader import Document
from openapi_tool.sources.definitions import DefinitionSet


def is_swagger(document: Document) -> bool:
    return isinstance(document.data, dict) and str(document.data.get("swagger", "")).startswith("2")


def add_swagger(document: Document, definitions: DefinitionSet) -> None:
    definitions.add(document, "definitions")
