"""Kustomize's patch fields: `patches`, `patchesStrategicMerge` and `patchesJson6902`."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from openapi_tool.convert.kustomize.errors import BuildError, Unsupported
from openapi_tool.convert.kustomize.json6902 import apply_operations, parse_operations
from openapi_tool.convert.kustomize.resource import ResId, Resource
from openapi_tool.convert.kustomize.selectors import find_by_id, id_text, select
from openapi_tool.convert.kustomize.smp import merge
from openapi_tool.convert.kustomize.yaml_values import load_all


def apply_patches(resources: list[Resource], entries: list[dict], directory: Path) -> None:
    """The `patches` field: each entry a strategic merge or JSON 6902 patch, inline or from a file."""
    for entry in entries:
        text, source = _entry_text(entry, directory)
        patches, operations = _parse_patch(text, source)
        target = entry.get("target")
        if patches:
            options = entry.get("options") or {}
            allow_name, allow_kind = bool(options.get("allowNameChange")), bool(options.get("allowKindChange"))
            _apply_strategic(resources, patches, target, source, allow_name, allow_kind)
            continue
        if target is None:
            raise BuildError(f"must specify a target for JSON patch {source}")
        for resource in select(resources, target):
            resource.remember()
            _json_patch(resource, operations or [])


def apply_strategic_merge_patches(resources: list[Resource], entries: list, directory: Path) -> None:
    """The legacy `patchesStrategicMerge` field: inline YAML strings or file paths."""
    if not entries:
        return
    patches: list[dict[str, Any]] = []
    for entry in entries:
        inline = _documents(str(entry))
        patches.extend(inline if inline is not None else _file_documents(directory, str(entry)))
    if not patches:
        raise BuildError(f"patch appears to be empty; files={entries}")
    for patch in patches:
        target = find_by_id(resources, _patch_id(patch))
        _apply_in_place(resources, [target], patch)


def apply_json6902_patches(resources: list[Resource], entries: list[dict], directory: Path) -> None:
    """The legacy `patchesJson6902` field: {target, path | patch} with a JSON or YAML op list."""
    for entry in entries:
        target = entry.get("target") or {}
        if not target.get("name"):
            raise BuildError("must specify the target name")
        path, inline = entry.get("path"), entry.get("patch")
        if path and inline:
            raise BuildError("must specify a file path or jsonOp, not both")
        if not path and not inline:
            raise BuildError("empty file path and empty jsonOp")
        text = _read(directory, str(path)) if path else str(inline)
        operations = parse_operations(text)
        if operations is None:
            raise BuildError(f"decoding {text.strip()}: not a JSON patch")
        if not operations:
            raise BuildError(f"patch appears to be empty; file={path or ''}, JsonOp={text.strip()}")
        for resource in select(resources, target):
            _json_patch(resource, operations)


def _json_patch(resource: Resource, operations: list[dict[str, Any]]) -> None:
    """Apply JSON 6902 operations; kustomize then rewrites the annotations as a string map
    (an empty or null one disappears)."""
    data = _through_json(apply_operations(resource.data, operations))
    if not isinstance(data, dict):
        raise BuildError(f"JSON patch left {resource.kind} {resource.name} without an object")
    metadata = data.setdefault("metadata", {})
    if isinstance(metadata, dict) and "annotations" in metadata:
        annotations = metadata.pop("annotations")
        if isinstance(annotations, dict) and annotations:
            metadata["annotations"] = {_annotation_text(k): _annotation_text(v) for k, v in annotations.items()}
    resource.data = data


def _through_json(value: Any) -> Any:
    """A value as it comes back from kustomize's trip through JSON: keys are strings and whole
    floats are integers."""
    if isinstance(value, dict):
        return {k if isinstance(k, str) else _annotation_text(k): _through_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_through_json(v) for v in value]
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**53 else float(value)
    return value


def _annotation_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else "" if isinstance(value, (dict, list)) else str(value)


def _entry_text(entry: dict, directory: Path) -> tuple[str, str]:
    """The patch text of a `patches` entry and kustomize's name for its source."""
    inline = str(entry.get("patch") or "").strip()
    path = entry.get("path")
    if not inline and not path:
        raise BuildError(f"must specify one of patch and path in {entry}")
    if inline and path:
        raise BuildError(f"patch and path can't be set at the same time in {entry}")
    if inline:
        return inline, f'[patch: "{inline}"]'
    return _read(directory, str(path)), f'[path: "{path}"]'


def _read(directory: Path, path: str) -> str:
    if "://" in path:
        raise Unsupported("patches", f"remote patch file {path}")
    try:
        return (directory / path).read_text()
    except OSError as error:
        raise BuildError(f"failed to get the patch file from path({path}): {error.strerror}") from error


def _parse_patch(text: str, source: str) -> tuple[list[dict[str, Any]] | None, list[dict[str, Any]] | None]:
    """(strategic merge patches, JSON 6902 operations) of a `patches` entry, as kustomize v5.5 reads
    them: a text that is both (a comment-only file) or neither is refused; an empty file is an
    empty JSON patch."""
    patches = _documents(text)
    operations = parse_operations(text) if text else None
    if patches is not None and operations is not None:
        raise BuildError(f"illegally qualifies as both an SM and JSON patch: {source}")
    if patches is None and operations is None:
        raise BuildError(f"unable to parse SM or JSON patch from {source}")
    return patches, operations


def _documents(text: str) -> list[dict[str, Any]] | None:
    """The resources of a strategic merge patch text (List kinds opened), None if it is not one:
    every document needs a kind and, unless a List, a metadata.name."""
    try:
        documents = [d for d in load_all(text) if d is not None and d != {}]
    except yaml.YAMLError:
        return None
    if not all(_valid_patch(d) for d in documents):
        return None
    result: list[dict[str, Any]] = []
    while documents:
        document = documents.pop(0)
        kind = document["kind"]
        if not kind.endswith("List") or "items" not in document:
            result.append(document)
        elif isinstance(document["items"], list):
            if not all(_valid_patch(item) for item in document["items"]):
                return None
            documents.extend(document["items"])
        elif document["items"] is not None:
            return None
    return result


def _valid_patch(document: Any) -> bool:
    if not isinstance(document, dict) or not isinstance(document.get("kind"), str) or not document["kind"]:
        return False
    metadata = document.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return document["kind"].endswith("List") or (isinstance(name, str) and name != "")


def _file_documents(directory: Path, path: str) -> list[dict[str, Any]]:
    documents = _documents(_read(directory, path))
    if documents is None:
        raise BuildError(f"{path}: not a strategic merge patch")
    return documents


def _patch_id(patch: dict[str, Any]) -> ResId:
    return Resource(patch).id


def _apply_strategic(
    resources: list[Resource],
    patches: list[dict[str, Any]],
    target: dict | None,
    source: str,
    allow_name: bool,
    allow_kind: bool,
) -> None:
    if target is not None:
        if len(patches) > 1:
            raise BuildError(
                "Multiple Strategic-Merge Patches in one `patches` entry is not allowed to set "
                f"`patches.target` field: {source}"
            )
        _apply_in_place(resources, select(resources, target), patches[0], allow_name, allow_kind)
        return
    for patch in patches:
        wanted = _patch_id(patch)
        try:
            resource = find_by_id(resources, wanted)
        except BuildError as error:
            raise BuildError(f'no resource matches strategic merge patch "{id_text(wanted)}": {error}') from error
        if not _apply_one(resource, copy.deepcopy(patch), allow_name, allow_kind):
            resources.remove(resource)


def _apply_in_place(
    resources: list[Resource],
    selected: list[Resource],
    patch: dict[str, Any],
    allow_name: bool = False,
    allow_kind: bool = False,
) -> None:
    """Patch the selected resources the way kustomize's resource map does (the patch takes the
    resource's apiVersion), dropping the ones the patch deletes."""
    for resource in [r for r in resources if any(r is s for s in selected)]:
        patch_copy = _with_string_maps(copy.deepcopy(patch))
        patch_copy["apiVersion"] = resource.api_version
        patch_copy["kind"] = patch.get("kind") if isinstance(patch.get("kind"), str) else ""
        if not _apply_one(resource, patch_copy, allow_name, allow_kind):
            resources.remove(resource)


def _with_string_maps(patch: dict[str, Any]) -> dict[str, Any]:
    """The patch with its labels and annotations rewritten as string maps (an empty or null one
    left out), as kustomize copies them before patching selected resources."""
    metadata = patch.get("metadata")
    if not isinstance(metadata, dict):
        metadata = patch["metadata"] = {}
    for field in ("labels", "annotations"):
        value = metadata.pop(field, None)
        if isinstance(value, dict) and value:
            metadata[field] = {_annotation_text(k): _annotation_text(v) for k, v in value.items()}
    return patch


def _apply_one(resource: Resource, patch: dict[str, Any], allow_name: bool, allow_kind: bool) -> bool:
    """Merge the patch into the resource; False when the patch deletes it."""
    name, namespace, kind = resource.name, resource.namespace, resource.kind
    if allow_name or allow_kind:
        resource.remember()
    result = merge(patch, resource.data)
    if not isinstance(result, dict) or not result:
        return False
    if not allow_kind:
        result["kind"] = kind
    metadata = result.setdefault("metadata", {}) if (not allow_name or namespace) else result.get("metadata")
    if not allow_name:
        metadata["name"] = name
    if namespace:
        metadata["namespace"] = namespace
    elif isinstance(metadata, dict):
        metadata.pop("namespace", None)
    resource.data = result
    return True
