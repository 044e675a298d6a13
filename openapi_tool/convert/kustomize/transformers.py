"""Stub until kz-fields lands: the field-spec transformers and their configurations."""

from dataclasses import dataclass, field
from pathlib import Path

from openapi_tool.convert.kustomize.errors import Unsupported
from openapi_tool.convert.kustomize.fieldspecs import FieldSpec
from openapi_tool.convert.kustomize.resource import Resource


@dataclass
class Configurations:
    name_prefix: list[FieldSpec] = field(default_factory=list)
    name_suffix: list[FieldSpec] = field(default_factory=list)
    namespace: list[FieldSpec] = field(default_factory=list)
    common_labels: list[FieldSpec] = field(default_factory=list)
    template_labels: list[FieldSpec] = field(default_factory=list)
    common_annotations: list[FieldSpec] = field(default_factory=list)
    images: list[FieldSpec] = field(default_factory=list)
    replicas: list[FieldSpec] = field(default_factory=list)
    var_reference: list[FieldSpec] = field(default_factory=list)
    name_reference: list[dict] = field(default_factory=list)


def load_configurations(paths: list[Path]) -> Configurations:
    """Defaults plus the given `configurations` files (the stub knows no defaults)."""
    if paths:
        raise Unsupported("configurations")
    return Configurations()


def set_namespace(resources: list[Resource], namespace: str, config: Configurations) -> None:
    raise Unsupported("namespace")


def add_prefix_suffix(resources: list[Resource], prefix: str, suffix: str, config: Configurations) -> None:
    raise Unsupported("namePrefix/nameSuffix")


def add_labels(resources: list[Resource], labels: list[dict], common_labels: dict, config: Configurations) -> None:
    raise Unsupported("labels")


def add_annotations(resources: list[Resource], annotations: dict, config: Configurations) -> None:
    raise Unsupported("commonAnnotations")


def set_images(resources: list[Resource], images: list[dict], config: Configurations) -> None:
    raise Unsupported("images")


def set_replicas(resources: list[Resource], replicas: list[dict], config: Configurations) -> None:
    raise Unsupported("replicas")
