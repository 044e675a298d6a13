"""Assemble one model from all input documents, dispatching each document to its front end."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from openapi_tool.errors import ErrorCollector, InputError
from openapi_tool.loader import Document, collector_paused, read_documents
from openapi_tool.model import Model, Ref, UnservedVersion
from openapi_tool.resources import bundled_meta_spec
from openapi_tool.sources.builder import ModelBuilder
from openapi_tool.sources.crd import Pick, add_crds
from openapi_tool.sources.definitions import DefinitionSet
from openapi_tool.sources.jsonschema import add_jsonschema_bundle, is_jsonschema_bundle
from openapi_tool.sources.openapi3 import add_openapi3, is_openapi3
from openapi_tool.sources.swagger import add_swagger, is_swagger
from openapi_tool.versions import module_version

OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
BUNDLED_PACKAGE = "k8s"
"""CRD modules type `metadata` with ObjectMeta from this package root (bundled or a path dependency)."""


def spec_kind(document: Document) -> str:
    if is_swagger(document):
        return "swagger"
    if is_openapi3(document):
        return "openapi3"
    if is_jsonschema_bundle(document):
        return "jsonschema"
    raise InputError(document.file, "", "not a swagger 2.0, OpenAPI 3 or JSON Schema document")


def _add_spec(document: Document, definitions: DefinitionSet, builder: ModelBuilder) -> None:
    """Add a spec document's definitions with the front end its kind needs."""
    kind = spec_kind(document)
    if kind == "swagger":
        add_swagger(document, definitions)
    elif kind == "openapi3":
        builder.zero_defaults_unset = True
        add_openapi3(document, definitions)
    else:
        add_jsonschema_bundle(document, definitions)


def _spec_version(documents: list[Document], warn: Callable[[str], None]) -> str | None:
    """The real version the specs' `info.version` names (the Kubernetes ones say
    `unversioned`); None when none does or they disagree."""
    found: dict[str, str] = {}
    for document in documents:
        info: Any = document.data.get("info") if isinstance(document.data, dict) else None
        version = module_version(info.get("version")) if isinstance(info, dict) else None
        if version is not None:
            found.setdefault(version, document.label)
    if len(found) > 1:
        warn(
            f"the specs name different versions ({', '.join(f'{v} in {f}' for v, f in sorted(found.items()))}); "
            "the module keeps the default version (set one with --module-version)"
        )
        return None
    return next(iter(found), None)


@collector_paused()  # the model's objects are no garbage
def build_model(
    crd_documents: Iterable[Document] | None,
    spec_documents: Iterable[Document] | None,
    warn: Callable[[str], None],
    include_unserved: bool = False,
    prefer: str | None = None,
    picks: list[Pick] | None = None,
) -> Model:
    """One model of everything the CRD and spec documents define (None: no such input).

    CRD versions with `served: false` are left out (and listed) unless `include_unserved`.
    `prefer` picks one definition of a CRD kind defined differently in several files (see
    `add_crds`); the picks made are appended to `picks`.

    Every broken document, CRD version and definition is reported, not only the first: one
    `InputError`, or `InputErrors` holding them all."""
    builder = ModelBuilder()
    errors = ErrorCollector()
    unserved: list[UnservedVersion] = []
    version = None
    if crd_documents is not None:
        meta = DefinitionSet(package_prefix=(BUNDLED_PACKAGE,), key_prefix=BUNDLED_PACKAGE + ":")
        meta.add(next(read_documents([str(bundled_meta_spec())])), "definitions")
        meta.build(builder, errors, [OBJECT_META])
        builder.object_meta = Ref(BUNDLED_PACKAGE + ":" + OBJECT_META)
        crd_documents = list(crd_documents)
        added = add_crds(crd_documents, builder, warn, errors, include_unserved, prefer)
        unserved = added.unserved
        if picks is not None:
            picks.extend(added.picks)
        if not added.count and not errors:
            files = sorted({d.file for d in crd_documents}) or ["--crd"]
            problem = (
                "every CRD version is `served: false` (--include-unserved generates them)"
                if unserved
                else "no CustomResourceDefinition found"
            )
            raise InputError(", ".join(files[:3]) + (", ..." if len(files) > 3 else ""), "", problem)
    if spec_documents is not None:
        spec_documents = list(spec_documents)
        version = _spec_version(spec_documents, warn)
        definitions = DefinitionSet()
        unreadable = len(errors)
        for document in spec_documents:
            with errors.check():
                _add_spec(document, definitions, builder)
        if len(errors) == unreadable:  # else refs into the documents left out would fail too
            definitions.build(builder, errors)
    errors.raise_any()
    return replace(builder.model(), unserved=tuple(unserved), version=version)
