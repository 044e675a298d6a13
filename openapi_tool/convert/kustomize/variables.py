"""Stub until kz-repl lands: vars."""

from openapi_tool.convert.kustomize.errors import Unsupported
from openapi_tool.convert.kustomize.fieldspecs import FieldSpec
from openapi_tool.convert.kustomize.resource import Resource


def resolve_vars(resources: list[Resource], vars: list[dict], specs: list[FieldSpec]) -> None:
    raise Unsupported("vars")
