"""Stub until kz-repl lands: replacements."""

from pathlib import Path

from openapi_tool.convert.kustomize.errors import Unsupported
from openapi_tool.convert.kustomize.resource import Resource


def apply_replacements(resources: list[Resource], entries: list[dict], directory: Path) -> None:
    raise Unsupported("replacements")
