"""`kustomize build` in Python: accumulate resources, components and generators level by level,
run the builtin transformers in kustomize's order, then the whole-tree passes and the final sort."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from openapi_tool.convert.kustomize import generators, namerefs, patches, replacements, transformers, variables
from openapi_tool.convert.kustomize.errors import BuildError, Unsupported
from openapi_tool.convert.kustomize.load import copy_value, is_remote, load_documents, load_kustomization, output_value
from openapi_tool.convert.kustomize.order import sort_resources
from openapi_tool.convert.kustomize.resource import Origin, ResId, Resource
from openapi_tool.loader import yaml_error

LOCAL_CONFIG = "config.kubernetes.io/local-config"
"""Resources annotated with this (unless "false") are left out of the output."""

BUILD_ANNOTATIONS = frozenset(
    [
        *(
            f"internal.config.kubernetes.io/{name}"
            for name in (
                "previousKinds previousNames prefixes suffixes previousNamespaces allowNameChange allowKindChange "
                "refBy generatorBehavior needsHashSuffix path index seqindent id annotations-migration-resource-id"
            ).split()
        ),
        "config.kubernetes.io/path",
        "config.kubernetes.io/index",
        "config.k8s.io/id",
        "config.kubernetes.io/origin",
        "alpha.config.kubernetes.io/transformations",
    ]
)
"""Annotations kustomize uses while building and removes from its output (resource.BuildAnnotations,
the origin and transformation annotations); an `annotations` mapping left empty is removed too."""


@dataclass
class _Accumulator:
    """Kustomize's ResAccumulator: the resources so far, the `configurations` files met, the vars."""

    resources: list[Resource] = field(default_factory=list)
    config: transformers.Configurations = field(default_factory=transformers.Configurations.empty)
    """The transformer configuration so far: the bases' merged in order, then this level's own
    (defaults and `configurations` files); a component continues its includer's."""
    vars: list[dict[str, Any]] = field(default_factory=list)

    def append(self, resource: Resource, source: str) -> None:
        """Add one resource; kustomize refuses a second resource with the same current id."""
        key = _id_key(resource.id)
        if any(_id_key(r.id) == key for r in self.resources):
            raise BuildError(
                f"accumulating resources from '{source}': may not add resource with an already registered id: "
                f"{_id_text(resource.id)}"
            )
        self.resources.append(resource)

    def copy(self) -> _Accumulator:
        """A copy to change: resources copied, vars bound to the copies."""
        copies = {id(r): _copied(r) for r in self.resources}
        rebound = [
            {**var, variables.TARGET: copies.get(id(var[variables.TARGET]), var[variables.TARGET])}
            if variables.TARGET in var and var[variables.TARGET] is not None
            else dict(var)
            for var in self.vars
        ]
        return _Accumulator([copies[id(r)] for r in self.resources], self.config, rebound)

    def merge_vars(self, incoming: list[dict[str, Any]]) -> None:
        names = {v.get("name") for v in self.vars}
        for var in incoming:
            if not isinstance(var, dict):
                raise BuildError("invalid Kustomization: vars entries must be mappings")
            if var.get("name") in names:
                raise BuildError(f"var '{var.get('name')}' already encountered")
            names.add(var.get("name"))
            self.vars.append(var)


@dataclass
class BuildCache:
    """Accumulations by kustomization directory, shared by the builds of one tree (every overlay
    of a base would accumulate it again)."""

    accumulated: dict[Path, _Accumulator] = field(default_factory=dict)


@dataclass
class _Target:
    """One kustomization being accumulated, with the tree root and the directories on the way."""

    directory: Path
    root: Path
    kustomization: dict[str, Any]
    stack: tuple[Path, ...]
    cache: BuildCache


def build(directory: Path, root: Path, cache: BuildCache | None = None) -> list[Resource]:
    """The resources `kubectl kustomize directory` prints, in its order (origins relative to `root`).
    Builds that share a `cache` accumulate each kustomization directory once."""
    directory, root = directory.resolve(), root.resolve()
    kustomization = load_kustomization(directory)
    if kustomization.get("buildMetadata"):
        raise Unsupported("buildMetadata")
    target = _Target(directory, root, kustomization, (directory,), cache if cache is not None else BuildCache())
    accumulator = _accumulated(target)
    resources = accumulator.resources
    for position, resource in enumerate(resources):
        resource.position = position
    generators.apply_hash_suffixes(resources)
    config = accumulator.config
    namerefs.fix_name_references(resources, config.name_reference)
    if accumulator.vars:
        variables.resolve_vars(resources, accumulator.vars, config.var_reference)
    kept = [r for r in resources if not _is_local(r)]
    for resource in kept:
        resource.data = output_value(resource.data)
        _remove_build_annotations(resource)
    return sort_resources(kept, kustomization.get("sortOptions"))


def _accumulate(target: _Target, acc: _Accumulator) -> None:
    """Kustomize's accumulateTarget: resources, configurations, generators, components, transformers, vars."""
    k = target.kustomization
    for entry in k.get("resources") or []:
        _accumulate_resource(target, acc, entry)
    own = [_local_file(target, str(p), "configurations") for p in k.get("configurations") or []]
    acc.config = acc.config.merge(transformers.make_configurations(own))
    if k.get("configMapGenerator") or k.get("secretGenerator"):
        generators.run_generators(acc.resources, k, target.directory, _relative(target.directory, target.root))
    for entry in k.get("components") or []:
        _accumulate_component(target, acc, entry)
    _run_transformers(target, acc)
    acc.merge_vars(variables.bind_vars(acc.resources, list(k.get("vars") or [])))


def _run_transformers(target: _Target, acc: _Accumulator) -> None:
    """The builtin transformers in kustomize's order (configureBuiltinTransformers), each only when its
    field is set; resources left empty are dropped after each one, as kustomize's multiTransformer does."""
    k, directory, resources = target.kustomization, target.directory, acc.resources

    def configurations() -> transformers.Configurations:
        return acc.config

    steps: list[tuple[bool, Callable[[], None]]] = [
        (
            bool(k.get("patchesStrategicMerge")),
            lambda: patches.apply_strategic_merge_patches(resources, list(k["patchesStrategicMerge"]), directory),
        ),
        (bool(k.get("patches")), lambda: patches.apply_patches(resources, list(k["patches"]), directory)),
        (
            bool(k.get("namespace")),
            lambda: transformers.set_namespace(resources, str(k["namespace"]), configurations()),
        ),
        (
            bool(k.get("namePrefix") or k.get("nameSuffix")),
            lambda: transformers.add_prefix_suffix(
                resources, str(k.get("namePrefix") or ""), str(k.get("nameSuffix") or ""), configurations()
            ),
        ),
        (
            bool(k.get("labels") or k.get("commonLabels")),
            lambda: transformers.add_labels(
                resources, list(k.get("labels") or []), dict(k.get("commonLabels") or {}), configurations()
            ),
        ),
        (
            bool(k.get("commonAnnotations")),
            lambda: transformers.add_annotations(resources, dict(k["commonAnnotations"]), configurations()),
        ),
        (
            bool(k.get("patchesJson6902")),
            lambda: patches.apply_json6902_patches(resources, list(k["patchesJson6902"]), directory),
        ),
        (bool(k.get("replicas")), lambda: transformers.set_replicas(resources, list(k["replicas"]), configurations())),
        (bool(k.get("images")), lambda: transformers.set_images(resources, list(k["images"]), configurations())),
        (
            bool(k.get("replacements")),
            lambda: replacements.apply_replacements(resources, list(k["replacements"]), directory),
        ),
    ]
    for wanted, run in steps:
        if wanted:
            run()
            resources[:] = [r for r in resources if r.data]


def _accumulate_resource(target: _Target, acc: _Accumulator, entry: str) -> None:
    """One `resources` entry: a file of documents, or a directory built as a kustomization."""
    path = Path(os.path.normpath(target.directory / entry))
    if path.is_file():
        _accumulate_file(target, acc, entry, path)
    elif path.is_dir():
        if Path(entry).is_absolute():
            raise BuildError(f"new root '{entry}' cannot be absolute")
        child = _accumulated(_directory_target(target, path, component=False))
        origin_path = _relative(path, target.root)
        for index, resource in enumerate(child.resources):
            resource.origin = Origin("kustomization", origin_path, index)
            acc.append(resource, entry)
        acc.config = acc.config.merge(child.config)
        acc.merge_vars(child.vars)
    elif is_remote(entry):
        raise Unsupported("remote resources", entry)
    else:
        raise BuildError(f"accumulating resources: '{path}': no such file or directory")


def _accumulate_component(target: _Target, acc: _Accumulator, entry: str) -> None:
    """One `components` entry: a Component directory applied to the resources accumulated so far."""
    path = Path(os.path.normpath(target.directory / entry))
    if path.is_dir():
        _accumulate_directory(target, acc, path, component=True)
    elif is_remote(entry):
        raise Unsupported("remote components", entry)
    else:
        raise BuildError(f"accumulating components: '{path}' is not a directory")


def _copied(resource: Resource) -> Resource:
    generated = dataclasses.replace(resource.generated) if resource.generated is not None else None
    return dataclasses.replace(
        resource,
        data=copy_value(resource.data),
        previous=list(resource.previous),
        generated=generated,
        prefixes=list(resource.prefixes),
        suffixes=list(resource.suffixes),
    )


def _accumulate_directory(target: _Target, acc: _Accumulator, path: Path, component: bool) -> None:
    """Build the kustomization at `path` into `acc`."""
    _accumulate(_directory_target(target, path, component), acc)


def _directory_target(target: _Target, path: Path, component: bool) -> _Target:
    """The kustomization at `path` as a target below `target`, refusing a directory that is or
    contains one already on the way (kustomize's loader cycle check) and the wrong kind."""
    real = path.resolve()
    for visited in reversed(target.stack):
        if real == visited or real in visited.parents:
            raise BuildError(f"cycle detected: candidate root '{real}' contains visited root '{visited}'")
    kustomization = load_kustomization(real)
    kind = kustomization["kind"]
    if component and kind != "Component":
        raise BuildError(f"expected kind 'Component' for path '{real}' but got '{kind}'")
    if not component and kind == "Component":
        raise BuildError(f"expected kind != 'Component' for path '{real}'")
    return _Target(real, target.root, kustomization, (*target.stack, real), target.cache)


def _accumulated(target: _Target) -> _Accumulator:
    """The accumulation of a kustomization on its own (a resource directory, or the top): a
    copy of the one the cache holds, made once."""
    cached = target.cache.accumulated.get(target.directory)
    if cached is None:
        fresh = _Accumulator()
        _accumulate(target, fresh)
        cached = target.cache.accumulated[target.directory] = fresh.copy()
        return fresh
    return cached.copy()


def _accumulate_file(target: _Target, acc: _Accumulator, entry: str, path: Path) -> None:
    """The resources of one file, each with its origin: the document, and the item of a
    `*List` document it was (documents in order, then list items, as kustomize queues them)."""
    real = _local_file(target, entry, "resources")
    origin_path = _relative(path, target.root)
    for data, index, item in read_documents(real, entry):
        acc.append(Resource(data, Origin("file", origin_path, index, item)), entry)


def read_documents(path: Path, entry: str) -> list[tuple[dict[str, Any], int, int | None]]:
    """The resources of a YAML file as kustomize reads them, with the index of the document
    each comes from and its index in that document's `items` (None for a whole document; a
    list nested in a list gives -1): empty documents dropped, `*List` documents with `items`
    replaced by their items (queued after the file's other documents)."""
    try:
        documents = load_documents(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise BuildError(f"accumulating resources from '{entry}': {path}: invalid UTF-8: {error.reason}") from None
    except yaml.YAMLError as error:
        raise BuildError(f"accumulating resources from '{entry}': {yaml_error(str(path), error)}") from None
    queue: list[tuple[Any, int, int | None]] = [(d, i, None) for i, d in enumerate(documents)]
    result: list[tuple[dict[str, Any], int, int | None]] = []
    while queue:
        document, index, position = queue.pop(0)
        if document is None or document == {}:
            continue
        _validate(document, entry)
        kind = document["kind"]
        if not kind.endswith("List") or "items" not in document:
            result.append((document, index, position))
            continue
        items = document["items"]
        if items is None:
            continue
        if not isinstance(items, list):
            raise BuildError(f"expected array in {kind}/items, but found {type(items).__name__}")
        for number, item in enumerate(items):
            if item is None or item == {}:
                continue
            _validate(item, entry)
            queue.append((item, index, number if position is None else -1))
    return result


def _validate(document: Any, entry: str) -> None:
    """Kustomize's metadata check: a mapping with a kind, and a name unless it is a list."""
    if not isinstance(document, dict):
        raise BuildError(f"accumulating resources from '{entry}': a document is not a mapping")
    kind = document.get("kind")
    if not isinstance(kind, str) or not kind:
        raise BuildError(f"accumulating resources from '{entry}': missing kind in object")
    metadata = document.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if not kind.endswith("List") and not name:
        raise BuildError(f"accumulating resources from '{entry}': missing metadata.name in object")


def _local_file(target: _Target, entry: str, field_name: str) -> Path:
    """A file a kustomization reads: it must be in or below the kustomization's directory."""
    path = Path(os.path.normpath(target.directory / entry))
    if is_remote(entry) and not path.exists():
        raise Unsupported(f"remote {field_name}", entry)
    if not path.exists():
        raise BuildError(f"{field_name}: '{path}': no such file or directory")
    real = path.resolve()
    if real != target.directory and target.directory not in real.parents:
        raise BuildError(f"security; file '{real}' is not in or below '{target.directory}'")
    return real


def _remove_build_annotations(resource: Resource) -> None:
    metadata = resource.data.get("metadata")
    if not isinstance(metadata, dict) or "annotations" not in metadata:
        return
    annotations = metadata["annotations"]
    if isinstance(annotations, dict):
        annotations = {key: value for key, value in annotations.items() if key not in BUILD_ANNOTATIONS}
    if annotations:
        metadata["annotations"] = annotations
    else:
        del metadata["annotations"]


def _is_local(resource: Resource) -> bool:
    annotations = resource.metadata.get("annotations")
    if not isinstance(annotations, dict) or LOCAL_CONFIG not in annotations:
        return False
    return annotations[LOCAL_CONFIG] != "false"


def _id_key(rid: ResId) -> ResId:
    """The id as kustomize compares them: no namespace and `default` are the same namespace."""
    return ResId(rid.group, rid.version, rid.kind, rid.name, rid.namespace or "default")


def _id_text(rid: ResId) -> str:
    gvk = ".".join([rid.kind or "[noKind]", rid.version or "[noVer]", rid.group or "[noGrp]"])
    return f"{gvk}/{rid.name or '[noName]'}.{rid.namespace or '[noNs]'}"


def _relative(path: Path, root: Path) -> str:
    """`path` relative to `root`, `/`-separated ("." for the root itself)."""
    return Path(os.path.relpath(path, root)).as_posix()
