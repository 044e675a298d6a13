"""Documentation of schemas and properties: a node's description, and the standard texts
of the fields every resource has."""

from __future__ import annotations

from typing import Any

STANDARD_DOCS = {
    "apiVersion": "APIVersion defines the versioned schema of this representation of an object.",
    "kind": "Kind is a string value representing the REST resource this object represents.",
    "metadata": "Standard object's metadata.",
}


def doc_of(node: dict[str, Any]) -> str:
    """The node's `description`, or "" when it has none (or not a string)."""
    doc = node.get("description")
    return doc if isinstance(doc, str) else ""
