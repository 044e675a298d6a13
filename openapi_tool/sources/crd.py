"""Front end for CustomResourceDefinitions (apiextensions.k8s.io v1 and v1beta1)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import KW_ONLY, dataclass, replace
from typing import Any

from openapi_tool.errors import ErrorCollector, InputError
from openapi_tool.loader import Document
from openapi_tool.model import GroupVersionKind, Source, UnservedVersion, left_out
from openapi_tool.sources.builder import ModelBuilder
from openapi_tool.sources.places import Place

CRD_API_VERSIONS = ("apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1")
LIST_KINDS = ("List", "CustomResourceDefinitionList")
PERMISSIVE_ROOT = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}


@dataclass(frozen=True)
class CrdVersion:
    """One version of one CRD: what becomes one resource schema."""

    gvk: GroupVersionKind
    schema: Any
    place: Place
    _: KW_ONLY
    preserve_unknown: bool = False
    """apiextensions v1beta1 keeps unknown fields unless `spec.preserveUnknownFields: false`."""
    served: bool = True
    """False for `served: false`: the API server refuses this apiVersion."""
    entry: str = ""
    """JSON pointer of the version's entry in `spec.versions`."""
    deprecated: str | None = None
    """`deprecated: true`: its `deprecationWarning`, else a default message."""


def _get(data: Any, path: str, label: str, base: str, required: bool = True) -> Any:
    node = data
    for part in path.split("/"):
        node = node.get(part) if isinstance(node, dict) else None
    if required and (node is None or node == ""):
        raise InputError(label, f"{base}/{path}", f"CRD has no `{path.replace('/', '.')}`")
    return node


def crd_versions(document: Document, warn: Callable[[str], None]) -> Iterable[CrdVersion]:
    """The versions of the CRDs in a document (a CRD or a list of them); others are skipped."""
    for data, base in crd_items(document, warn):
        yield from _versions(data, document, base, warn)


def crd_items(document: Document, warn: Callable[[str], None]) -> Iterable[tuple[Any, str]]:
    """Each item of a document (itself, or the items of a List) and its JSON pointer."""
    data = document.data
    if data is None:
        warn(f"{document.label}: skipped an empty (or comment-only) document")
    elif isinstance(data, dict) and data.get("kind") in LIST_KINDS and isinstance(data.get("items"), list):
        for index, item in enumerate(data["items"]):
            yield item, f"/items/{index}"
    else:
        yield data, ""


def _versions(data: Any, document: Document, base: str, warn: Callable[[str], None]) -> Iterable[CrdVersion]:
    label = document.label
    if not isinstance(data, dict):
        raise InputError(label, base, "a document must be a mapping")
    kind, api_version = data.get("kind"), data.get("apiVersion")
    if kind != "CustomResourceDefinition":
        warn(f"{label}: skipped a document that is not a CustomResourceDefinition (kind {kind!r})")
        return
    if api_version not in CRD_API_VERSIONS:
        raise InputError(
            label,
            f"{base}/apiVersion",
            f"unsupported CRD apiVersion {api_version!r} (expected one of {', '.join(CRD_API_VERSIONS)})",
        )
    group = str(_get(data, "spec/group", label, base))
    kind_name = str(_get(data, "spec/names/kind", label, base))
    versions = _get(data, "spec/versions", label, base, required=False)
    shared_schema = _get(data, "spec/validation/openAPIV3Schema", label, base, required=False)
    if versions is None:
        versions = [{"name": _get(data, "spec/version", label, base)}]
    if not isinstance(versions, list) or not versions:
        raise InputError(label, f"{base}/spec/versions", "CRD `spec.versions` must be a non-empty list")
    number = document.index + 1 if document.in_stream else None
    for index, version in enumerate(versions):
        pointer = entry = f"{base}/spec/versions/{index}"
        if not isinstance(version, dict) or not version.get("name"):
            raise InputError(label, pointer, "a CRD version needs a `name`")
        schema = _get(version, "schema/openAPIV3Schema", label, pointer, required=False)
        if schema is not None:
            pointer += "/schema/openAPIV3Schema"
        elif shared_schema is not None:
            schema, pointer = shared_schema, f"{base}/spec/validation/openAPIV3Schema"
        else:
            warn(f"{label}: {kind_name} {version['name']} has no schema; it accepts any fields")
            schema = PERMISSIVE_ROOT
        if not isinstance(schema, dict):
            raise InputError(label, pointer, "openAPIV3Schema must be a mapping")
        gvk = GroupVersionKind(group, str(version["name"]), kind_name)
        preserve = (
            api_version.endswith("/v1beta1")
            and _get(data, "spec/preserveUnknownFields", label, base, required=False) is not False
        )
        place = Place(document.file, pointer, (group, gvk.version), kind_name, number)
        deprecated = None
        if version.get("deprecated") is True:
            deprecated = str(version.get("deprecationWarning") or f"{gvk.api_version} {kind_name} is deprecated")
        yield CrdVersion(
            gvk,
            schema,
            place,
            preserve_unknown=preserve,
            served=version.get("served") is not False,
            entry=entry,
            deprecated=deprecated,
        )


PREFER_RULES = ("first", "last")


@dataclass(frozen=True)
class Pick:
    """A kind defined with different schemas in several files, and the definition used."""

    api_version: str
    kind: str
    rule: str
    used: str
    over: tuple[str, ...]

    def to_data(self) -> dict[str, Any]:
        return {
            "api_version": self.api_version,
            "kind": self.kind,
            "rule": self.rule,
            "used": self.used,
            "over": list(self.over),
        }


@dataclass
class AddedCrds:
    """What `add_crds` did: how many resource schemas, the versions left out as unserved,
    and the definitions picked among several."""

    count: int
    unserved: list[UnservedVersion]
    """Every version read with `served: false`, in reading order."""
    picks: list[Pick]


def add_crds(
    documents: Iterable[Document],
    builder: ModelBuilder,
    warn: Callable[[str], None],
    errors: ErrorCollector,
    include_unserved: bool = False,
    prefer: str | None = None,
) -> AddedCrds:
    """Add a resource schema for every served version of every CRD (every version with
    `include_unserved`).

    A kind defined with different schemas in two files is an error, unless `prefer` names
    the definition to use: the `first` or `last` in reading order (inputs in the order
    given, the files of a directory sorted by path). Errors go to `errors`, one per broken
    CRD or CRD version, so that the others are still checked."""
    seen: dict[GroupVersionKind, list[CrdVersion]] = {}
    unserved: list[UnservedVersion] = []
    for document in documents:
        for data, base in crd_items(document, warn):
            with errors.check():  # a broken CRD: the others are still read
                for version in _versions(data, document, base, warn):
                    if not version.served and not include_unserved:
                        source = Source(version.place.file, version.entry + "/served", version.place.document)
                        unserved.append(UnservedVersion(version.gvk, source))
                        continue
                    with errors.check():
                        _add_definition(seen.setdefault(version.gvk, []), version, prefer)
    picks = []
    chosen: dict[GroupVersionKind, CrdVersion] = {}
    for gvk, definitions in seen.items():
        chosen[gvk] = definitions[-1] if prefer == "last" else definitions[0]
        if len(definitions) > 1:
            others = tuple(d.place.label for d in definitions if d is not chosen[gvk])
            picks.append(Pick(gvk.api_version, gvk.kind, str(prefer), chosen[gvk].place.label, others))
    for version in chosen.values():  # kinds claim their names before any lifted schema does
        builder.reserve(version.place.package, version.place.name, _key(version.gvk))
    for version in chosen.values():
        builder.preserve_all = version.preserve_unknown
        try:
            with errors.check():
                builder.add_object(version.schema, version.place, key=_key(version.gvk), gvk=version.gvk, resource=True)
                if version.deprecated is not None:
                    key = _key(version.gvk)
                    builder.schemas[key] = replace(builder.schemas[key], deprecated=version.deprecated)
        finally:
            builder.preserve_all = False
    for item in left_out(unserved, {(gvk.api_version, gvk.kind) for gvk in seen}):
        warn(
            f"{item.source.label}: {item.gvk.api_version} {item.gvk.kind} is not served (served: false); "
            "left out (--include-unserved keeps it)"
        )
    return AddedCrds(len(chosen), unserved, picks)


def _add_definition(definitions: list[CrdVersion], version: CrdVersion, prefer: str | None) -> None:
    """Add one definition of a kind to the ones read before, unless it repeats one of them;
    a different one is an error unless `prefer` picks among them."""
    if any(d.place.label == version.place.label for d in definitions):
        raise InputError(
            version.place.label, version.place.pointer, f"{version.gvk.api_version} {version.gvk.kind} is listed twice"
        )
    if any((d.schema, d.preserve_unknown) == (version.schema, version.preserve_unknown) for d in definitions):
        return
    if definitions and prefer is None:
        raise InputError(
            version.place.label,
            version.place.pointer,
            f"{version.gvk.api_version} {version.gvk.kind} is also defined, with another schema, in "
            f"{definitions[0].place.label}; give only one of the two files, leave one out with "
            "--exclude GLOB, or pick one per kind with --prefer first|last",
        )
    definitions.append(version)


def _key(gvk: GroupVersionKind) -> str:
    return f"{gvk.api_version}:{gvk.kind}"
