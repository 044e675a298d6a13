"""What an object node says about its properties besides their types: which are required,
and which defaults count."""

from __future__ import annotations

from typing import Any

from openapi_tool.errors import InputError
from openapi_tool.sources.places import Place


def required_names(value: Any, place: Place) -> set[str]:
    """The names a `required` list holds (none when absent)."""
    if value is None:
        return set()
    if not isinstance(value, list):
        raise InputError(place.label, place.pointer, "`required` must be a list of names")
    return {str(v) for v in value}


def is_zero(value: Any) -> bool:
    """A default equal to its type's zero value (empty, 0, false, null)."""
    return value in ("", 0, False, None) or value == {} or value == []
