"""Front end for OpenAPI 3 documents as the API server serves them under /openapi/v3."""

from __future__ import annotations

from openapi_tool.loader import Document
from openapi_tool.sources.definitions import DefinitionSet


def is_openapi3(document: Document) -> bool:
    return isinstance(document.data, dict) and str(document.data.get("openapi", "")).startswith("3")


def add_openapi3(document: Document, definitions: DefinitionSet) -> None:
    """Add `components.schemas`; refs to schemas of other documents resolve by name."""
    definitions.add(document, "components/schemas")
