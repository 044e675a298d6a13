"""YAML reading keeps one string object per distinct text of a file."""

from __future__ import annotations

from openapi_tool.loader import parse_text


def test_equal_texts_of_a_file_are_one_object() -> None:
    first, second = parse_text("crds.yaml", b"a: {type: string}\n---\nb: {type: 'string'}\n")
    assert first.data["a"]["type"] is second.data["b"]["type"]
    assert next(iter(first.data["a"])) is next(iter(second.data["b"]))
