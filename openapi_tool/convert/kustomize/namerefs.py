"""Stub until kz-nameref lands: name references follow renamed resources."""

from collections.abc import Sequence

from openapi_tool.convert.kustomize.errors import Unsupported
from openapi_tool.convert.kustomize.resource import Resource


def fix_name_references(resources: list[Resource], extra: Sequence[dict] = ()) -> None:
    """Nothing to fix while no resource was renamed."""
    if extra or any(r.previous and r.previous[0] != r.id for r in resources):
        raise Unsupported("nameReference")
