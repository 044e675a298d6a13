"""`--validate`: check inputs with openapi-spec-validator, findings with file and JSON pointer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from openapi_tool.errors import ErrorCollector, InputError
from openapi_tool.loader import Document, read_documents
from openapi_tool.sources.assemble import spec_kind
from openapi_tool.sources.crd import crd_versions
from openapi_tool.sources.places import pointer_join

_WRAPPED = ("components", "schemas", "crd")


def _findings(document: dict, validator_name: str) -> Iterator[tuple[tuple[Any, ...], str]]:
    import openapi_spec_validator as osv

    validator = getattr(osv, validator_name)(document)
    try:
        for error in validator.iter_errors():
            error = _deepest(error)
            message = getattr(error, "message", str(error))
            yield tuple(getattr(error, "absolute_path", ())), message.splitlines()[0][:300]
    except Exception as error:  # the validator raises on refs it cannot resolve
        yield (), f"{type(error).__name__}: {str(error).splitlines()[0][:300] if str(error) else ''}"


def _deepest(error: Any) -> Any:
    """The most specific cause of an error about alternatives (a schema or a `$ref`)."""
    while getattr(error, "context", None):
        error = max(error.context, key=lambda e: len(e.absolute_path))
    return error


def _spec_findings(document: Document) -> Iterator[InputError]:
    kind = spec_kind(document)
    if kind == "jsonschema":
        return
    name = "OpenAPIV2SpecValidator" if kind == "swagger" else "OpenAPIV30SpecValidator"
    for path, message in _findings(document.data, name):
        yield InputError(document.file, pointer_join("", *path) or "/", message)


def _crd_findings(document: Document) -> Iterator[InputError]:
    """Each CRD version's schema, wrapped in a minimal OpenAPI 3.0 document."""
    for version in crd_versions(document, lambda message: None):
        wrapper = {
            "openapi": "3.0.0",
            "info": {"title": "crd", "version": "0"},
            "paths": {},
            "components": {"schemas": {"crd": version.schema}},
        }
        for path, message in _findings(wrapper, "OpenAPIV30SpecValidator"):
            relative = path[3:] if path[:3] == _WRAPPED else path
            yield InputError(version.place.label, pointer_join(version.place.pointer, *relative), message)


def validate_inputs(crd_paths: list[str], spec_paths: list[str], exclude: tuple[str, ...] = ()) -> ErrorCollector:
    """The findings over every input document, up to the collector's limit (the validator is
    slow, so reading stops there); empty when all are valid."""
    findings = ErrorCollector()
    for documents, check in (
        (read_documents(crd_paths, exclude=exclude), _crd_findings),
        (read_documents(spec_paths, exclude=exclude), _spec_findings),
    ):
        for document in documents:
            for finding in check(document):
                findings.add(finding)
            if findings.full:
                return findings
    return findings
