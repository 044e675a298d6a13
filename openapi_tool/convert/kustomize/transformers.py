"""Kustomize's field transformers as `kustomize build` runs them for a kustomization's `namespace`,
`namePrefix`/`nameSuffix`, `labels`/`commonLabels`, `commonAnnotations`, `images` and `replicas`,
with the field specs of `fieldspec_defaults` plus those of its `configurations` files."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from openapi_tool.convert.kustomize import fieldspec_defaults as defaults
from openapi_tool.convert.kustomize.errors import BuildError
from openapi_tool.convert.kustomize.fieldspecs import MISSING, FieldSpec
from openapi_tool.convert.kustomize.order import gvk_order
from openapi_tool.convert.kustomize.resource import ResId, Resource

Setter = Callable[[dict[str, Any], str], None]
"""Sets field `key` of a mapping (the field may be missing or null)."""

_CONFIG_KEYS = {
    "namePrefix": "name_prefix",
    "nameSuffix": "name_suffix",
    "namespace": "namespace",
    "commonLabels": "common_labels",
    "labels": "labels",
    "templateLabels": "template_labels",
    "commonAnnotations": "common_annotations",
    "images": "images",
    "replicas": "replicas",
    "varReference": "var_reference",
}
_SPEC_KEYS = {"path", "group", "version", "kind", "create"}
_SKIP_RENAME = (("", "CustomResourceDefinition"), ("apiregistration.k8s.io", "APIService"), ("", "Namespace"))
"""(group, kind) selectors of the kinds whose names get no prefix or suffix ("" matches any group)."""
_ROLE_BINDINGS = ("RoleBinding", "ClusterRoleBinding")
_METADATA_NAME = ("metadata", "name")
_METADATA_NAMESPACE = ("metadata", "namespace")
_METADATA_LABELS = FieldSpec(("metadata", "labels"), create=True)


def _sorted(specs: Iterable[FieldSpec]) -> list[FieldSpec]:
    """Kustomize's order of field specs: by kind rank, then by group, version and kind."""
    return sorted(specs, key=lambda spec: gvk_order(spec.group, spec.version, spec.kind))


@dataclass
class Configurations:
    """The field specs of each transformer, as kustomize holds them for a kustomization: its
    defaults merged with `configurations` files (and with those of the bases, see `merge`)."""

    name_prefix: list[FieldSpec] = field(default_factory=lambda: _sorted(defaults.NAME_PREFIX))
    name_suffix: list[FieldSpec] = field(default_factory=lambda: _sorted(defaults.NAME_SUFFIX))
    namespace: list[FieldSpec] = field(default_factory=lambda: _sorted(defaults.NAMESPACE))
    common_labels: list[FieldSpec] = field(default_factory=lambda: _sorted(defaults.COMMON_LABELS))
    template_labels: list[FieldSpec] = field(default_factory=lambda: _sorted(defaults.TEMPLATE_LABELS))
    common_annotations: list[FieldSpec] = field(default_factory=lambda: _sorted(defaults.COMMON_ANNOTATIONS))
    images: list[FieldSpec] = field(default_factory=lambda: _sorted(defaults.IMAGES))
    replicas: list[FieldSpec] = field(default_factory=lambda: _sorted(defaults.REPLICAS))
    var_reference: list[FieldSpec] = field(default_factory=lambda: _sorted(defaults.VAR_REFERENCE))
    name_reference: list[dict[str, Any]] = field(default_factory=list)
    """Raw nameReference entries of `configurations` files (the defaults are the namerefs module's)."""
    labels: list[FieldSpec] = field(default_factory=list)
    """Extra fields of every `labels` entry (the `labels` list of `configurations` files; none by default)."""

    @classmethod
    def empty(cls) -> Configurations:
        """No field specs at all: where kustomize starts each kustomization's accumulated configuration."""
        return cls(**{f.name: [] for f in fields(cls)})

    def merge(self, other: Configurations) -> Configurations:
        """Kustomize's merge of two configurations: `other`'s specs added one by one to this one's
        (see merge_specs), each list then sorted by kind."""
        merged = Configurations.empty()
        for name in _CONFIG_KEYS.values():
            setattr(merged, name, _sorted(merge_specs(getattr(self, name), getattr(other, name))))
        merged.name_reference = [*self.name_reference, *other.name_reference]
        return merged


def merge_specs(specs: list[FieldSpec], incoming: Iterable[FieldSpec]) -> list[FieldSpec]:
    """`specs` plus each incoming spec unless one already there has its path and a kind, group
    and version that the incoming one selects (empty selects anything); that one must agree on
    `create`. So a general spec that comes after a kind-specific one with its path is dropped."""
    result = list(specs)
    for spec in incoming:
        same = next(
            (
                s
                for s in result
                if s.path == spec.path
                and s.sequences == spec.sequences
                and _matches(spec, (s.group, s.version, s.kind))
            ),
            None,
        )
        if same is None:
            result.append(spec)
        elif same.create != spec.create:
            raise BuildError(f"failed to merge fieldSpec {'/'.join(spec.path)}: conflicting fieldspecs")
    return result


def make_configurations(paths: list[Path]) -> Configurations:
    """Kustomize's defaults merged with the given `configurations` files (merged in order first)."""
    files = Configurations.empty()
    for path in paths:
        files = files.merge(_read_configuration(path))
    return Configurations().merge(files)


def load_configurations(paths: list[Path], inherited: Iterable[Configurations] = ()) -> Configurations:
    """The configuration a kustomization's transformers use: starting from nothing, kustomize merges
    in the configuration of each kustomization among its resources (`inherited`, in order, each the
    result of this function for that directory), then make_configurations(paths).

    A component instead continues the configuration of the kustomization that includes it:
    `including.merge(base).merge(...)` with its own bases, then `.merge(make_configurations(paths))`
    (what its transformers use); the including kustomization continues with
    `Configurations.empty().merge(that)`."""
    result = Configurations.empty()
    for config in inherited:
        result = result.merge(config)
    return result.merge(make_configurations(paths))


def _read_configuration(path: Path) -> Configurations:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise BuildError(f"configurations file {path}: {str(error).splitlines()[0]}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BuildError(f"configurations file {path}: not a mapping")
    config = Configurations.empty()
    for key, value in data.items():
        if key == "nameReference":
            config.name_reference = _entries(path, key, value)
        elif key in _CONFIG_KEYS:
            specs = [_parse_spec(path, entry) for entry in _entries(path, key, value)]
            setattr(config, _CONFIG_KEYS[key], _sorted(specs))
        else:
            raise BuildError(f'configurations file {path}: unknown field "{key}"')
    return config


def _entries(path: Path, key: str, value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
        raise BuildError(f"configurations file {path}: {key} is not a list of field specs")
    return value


def _parse_spec(path: Path, raw: dict[str, Any]) -> FieldSpec:
    unknown = set(raw) - _SPEC_KEYS
    if unknown:
        raise BuildError(f'configurations file {path}: unknown field "{sorted(unknown)[0]}"')
    return FieldSpec.parse(raw)


# --- the field spec walk, as kustomize's fieldspec filter does it ---------------------------------


def _gvk(resource: Resource) -> tuple[str, str, str]:
    """Group, version and kind as kustomize parses apiVersion (at its first slash)."""
    group, slash, version = resource.api_version.partition("/")
    return (group, version, resource.kind) if slash else ("", group, resource.kind)


def _matches(spec: FieldSpec, gvk: tuple[str, str, str]) -> bool:
    """Whether the spec's group, version and kind (each empty for any) select `gvk`."""
    group, version, kind = gvk
    return (
        (not spec.group or spec.group == group)
        and (not spec.version or spec.version == version)
        and (not spec.kind or spec.kind == kind)
    )


def _apply_spec(resource: Resource, spec: FieldSpec, setter: Setter, creates: bool = True) -> None:
    """Call `setter` on each field that `spec` names in `resource` (when its kind matches); fields
    are created on the way when the spec says `create` and `creates` (lists marked `[]` never are)."""
    if spec.path and _matches(spec, _gvk(resource)):
        _walk(resource.data, spec, 0, setter, creates and spec.create)


def _walk(node: Any, spec: FieldSpec, depth: int, setter: Setter, create: bool) -> None:
    """Follow `spec.path` from field `depth` on below `node` (through every item of a list)."""
    if node is None:
        return
    if isinstance(node, list):
        for item in node:
            _walk(item, spec, depth, setter, create)
        return
    name = spec.path[depth]
    if not isinstance(node, dict):
        raise BuildError(f"considering field '{'/'.join(spec.path)}': expected sequence or mapping node at {name}")
    is_list = depth in spec.sequences
    last = depth == len(spec.path) - 1
    child = node.get(name, MISSING)
    if create and not is_list:
        if not last and (child is MISSING or child is None):
            child = node[name] = {}
    elif child is MISSING:
        return
    elif child is None and is_list:
        child = node[name] = []
    if last:
        setter(node, name)
    else:
        _walk(child, spec, depth + 1, setter, create)


def _scalar_text(value: Any) -> str:
    """A scalar's text as YAML writes it (what kustomize reads as the node's value)."""
    if value is None or value is MISSING:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _set_scalar(value: Any) -> Setter:
    def setter(mapping: dict[str, Any], key: str) -> None:
        mapping[key] = value

    return setter


# --- namespace -------------------------------------------------------------------------------------


def set_namespace(resources: list[Resource], namespace: str, config: Configurations) -> None:
    """Kustomize's NamespaceTransformer: metadata.namespace of every namespaced resource, the
    namespace specs of `config`, and the subjects named "default" of (Cluster)RoleBindings."""
    if not namespace:
        return
    ids = Counter(_effective_id(resource.id) for resource in resources)
    for resource in resources:
        if not resource.data:
            continue
        resource.remember()
        ids[_effective_id(resource.id)] -= 1
        _namespace_one(resource, namespace, config.namespace)
        current = _effective_id(resource.id)
        ids[current] += 1
        if ids[current] != 1:
            raise BuildError(f"namespace transformation produces ID conflict: {resource.id}")


def _namespace_one(resource: Resource, namespace: str, specs: list[FieldSpec]) -> None:
    setter = _set_scalar(namespace)
    specs = [
        s for s in specs if s.path != _METADATA_NAMESPACE and (resource.api_version == "v1" or s.path != _METADATA_NAME)
    ]
    if not defaults.is_cluster_scoped(resource.api_version, resource.kind):
        _apply_spec(resource, FieldSpec(_METADATA_NAMESPACE, create=True), setter)
    if resource.kind in _ROLE_BINDINGS:
        specs = [
            s
            for s in specs
            if not (s.kind in _ROLE_BINDINGS and s.path == ("subjects", "namespace") and not s.sequences)
        ]
        _namespace_default_subjects(resource, setter)
    for spec in specs:
        _apply_spec(resource, spec, setter)


def _namespace_default_subjects(resource: Resource, setter: Setter) -> None:
    subjects = resource.data.get("subjects")
    if not isinstance(subjects, list):
        return
    for subject in subjects:
        if isinstance(subject, dict) and subject.get("name") == "default":
            setter(subject, "namespace")


def _effective_id(rid: ResId) -> ResId:
    """The id with kustomize's effective namespace (cluster-scoped: none; empty: "default")."""
    api_version = f"{rid.group}/{rid.version}" if rid.group else rid.version
    if defaults.is_cluster_scoped(api_version, rid.kind):
        namespace = "~cluster"
    else:
        namespace = rid.namespace or "default"
    return ResId(rid.group, rid.version, rid.kind, rid.name, namespace)


# --- name prefix and suffix ------------------------------------------------------------------------


def add_prefix_suffix(resources: list[Resource], prefix: str, suffix: str, config: Configurations) -> None:
    """Kustomize's PrefixTransformer then SuffixTransformer (each only when non-empty): every
    prefix/suffix spec of `config`, except on CRDs, APIServices and Namespaces."""
    if prefix:
        _rename(resources, config.name_prefix, lambda text: prefix + text, lambda r: r.prefixes.append(prefix))
    if suffix:
        _rename(resources, config.name_suffix, lambda text: text + suffix, lambda r: r.suffixes.append(suffix))


def _rename(
    resources: list[Resource],
    specs: list[FieldSpec],
    change: Callable[[str], str],
    record: Callable[[Resource], None],
) -> None:
    """Apply `change` to every spec'd field; a resource whose own name changes remembers its
    id and `record`s the affix (the name reference transformer weighs both)."""

    def setter(mapping: dict[str, Any], key: str) -> None:
        mapping[key] = change(_scalar_text(mapping.get(key)))

    for resource in resources:
        gvk = _gvk(resource)
        if any((not group or group == gvk[0]) and kind == gvk[2] for group, kind in _SKIP_RENAME):
            continue
        for spec in specs:
            if not _matches(spec, gvk):
                continue
            if spec.path == _METADATA_NAME:
                resource.remember()
                record(resource)
            _apply_spec(resource, spec, setter)


# --- labels and annotations ------------------------------------------------------------------------


def add_labels(
    resources: list[Resource], labels: list[dict[str, Any]], common_labels: dict[str, Any], config: Configurations
) -> None:
    """Kustomize's LabelTransformer for each `labels` entry (pairs, includeSelectors,
    includeTemplates, fields), then for `commonLabels` (selectors included)."""
    for entry in labels:
        if not isinstance(entry, dict):
            raise BuildError("labels: each entry must be a mapping")
        specs = merge_specs([FieldSpec.parse(raw) for raw in entry.get("fields") or []], config.labels)
        if entry.get("includeSelectors"):
            specs = merge_specs(specs, config.common_labels)
        else:
            if entry.get("includeTemplates"):
                specs = merge_specs(specs, config.template_labels)
            specs = merge_specs(specs, [_METADATA_LABELS])
        _add_pairs(resources, _string_map("labels", entry.get("pairs")), specs)
    _add_pairs(resources, _string_map("commonLabels", common_labels), config.common_labels)


def add_annotations(resources: list[Resource], annotations: dict[str, Any], config: Configurations) -> None:
    """Kustomize's AnnotationsTransformer for `commonAnnotations`."""
    _add_pairs(resources, _string_map("commonAnnotations", annotations), config.common_annotations)


def _string_map(field_name: str, pairs: Any) -> dict[str, str]:
    """The pairs as kustomize reads a map of strings (null values are empty; other non-strings fail)."""
    if pairs is None:
        return {}
    if not isinstance(pairs, dict):
        raise BuildError(f"invalid Kustomization: {field_name} must be a map of strings")
    result: dict[str, str] = {}
    for key, value in pairs.items():
        if not isinstance(key, str) or not (value is None or isinstance(value, str)):
            raise BuildError(f"invalid Kustomization: {field_name}: {key!r}: {value!r} is not a string")
        result[key] = value or ""
    return result


def _add_pairs(resources: list[Resource], pairs: dict[str, str], specs: list[FieldSpec]) -> None:
    for resource in resources:
        for key in sorted(pairs):
            setter = _set_entry(key, pairs[key])
            for spec in specs:
                _apply_spec(resource, spec, setter)


def _set_entry(entry: str, value: str) -> Setter:
    def setter(mapping: dict[str, Any], key: str) -> None:
        current = mapping.get(key)
        if current is None:
            current = mapping[key] = {}
        if not isinstance(current, dict):
            raise BuildError(f"field {key} is not a mapping: cannot set {entry}")
        current[entry] = value

    return setter


# --- images ----------------------------------------------------------------------------------------

_IMAGE_KEYS = ("name", "newName", "newTag", "digest", "tagSuffix")


def set_images(resources: list[Resource], images: list[dict[str, Any]], config: Configurations) -> None:
    """Kustomize's ImageTagTransformer for each `images` entry: first every `containers` and
    `initContainers` list anywhere in a resource, then the image specs of `config` (CRDs left alone)."""
    for entry in images:
        image = _image_entry(entry)
        setter = _set_image(image)
        targets = [r for r in resources if r.kind != "CustomResourceDefinition"]
        for resource in targets:
            _each_container_image(resource.data, setter)
        for resource in targets:
            for spec in config.images:
                _apply_spec(resource, spec, setter, creates=False)


def _image_entry(entry: Any) -> dict[str, str]:
    if not isinstance(entry, dict):
        raise BuildError("images: each entry must be a mapping")
    result: dict[str, str] = {}
    for key in _IMAGE_KEYS:
        value = entry.get(key)
        if value is not None and not isinstance(value, str):
            raise BuildError(f"invalid Kustomization: images: {key} {value!r} is not a string")
        result[key] = value or ""
    return result


def _each_container_image(node: Any, setter: Setter) -> None:
    """Every `image` of the items of a `containers` or `initContainers` list, at any depth."""
    if isinstance(node, list):
        for item in node:
            _each_container_image(item, setter)
    elif isinstance(node, dict):
        for key, value in node.items():
            _each_container_image(value, setter)
            if key in ("containers", "initContainers") and isinstance(value, list):
                for container in value:
                    if isinstance(container, dict) and container.get("image") is not None:
                        setter(container, "image")


def _set_image(image: dict[str, str]) -> Setter:
    def setter(mapping: dict[str, Any], key: str) -> None:
        value = mapping.get(key)
        if isinstance(value, dict | list):
            raise BuildError(f"image field {key} is not a scalar")
        new = updated_image(_scalar_text(value), image)
        if new is not None:
            mapping[key] = new

    return setter


def updated_image(value: str, image: dict[str, str]) -> str | None:
    """The image reference `value` after an `images` entry (None when its name does not match)."""
    if not image_matches(value, image["name"]):
        return None
    name, tag, digest = split_image(value)
    name = image["newName"] or name
    if image["newTag"] and image["digest"]:
        tag, digest = image["newTag"], image["digest"]
    elif image["newTag"]:
        tag, digest = image["newTag"], ""
    elif image["digest"]:
        tag, digest = "", image["digest"]
    elif image["tagSuffix"]:
        tag, digest = tag + image["tagSuffix"], ""
    return name + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")


def image_matches(value: str, name: str) -> bool:
    """Kustomize's match: `name` (a regular expression, as kustomize uses it) then an optional
    tag and an optional sha256 digest."""
    try:
        pattern = re.compile(f"^{name}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?\\Z")
    except re.error:
        raise BuildError(f"images: name {name!r} is not a valid pattern") from None
    return pattern.match(value) is not None


def split_image(value: str) -> tuple[str, str, str]:
    """Name, tag and digest of an image reference (a registry's port is part of the name)."""
    slash = value.find("/")
    offset = slash if slash > 0 else 0
    rest = value[offset:]
    at, colon = rest.find("@"), rest.find(":")
    if at < 0 and colon < 0:
        return value, "", ""
    if at >= 0 and (colon < 0 or at < colon):
        return value[: offset + at], "", value[offset + at + 1 :]
    if at >= 0:
        return value[: offset + colon], value[offset + colon + 1 : offset + at], value[offset + at + 1 :]
    return value[: offset + colon], value[offset + colon + 1 :], ""


# --- replicas --------------------------------------------------------------------------------------


def set_replicas(resources: list[Resource], replicas: list[dict[str, Any]], config: Configurations) -> None:
    """Kustomize's ReplicaCountTransformer for each `replicas` entry: the replica specs of `config`
    on the resources that have (or had) the entry's name; an entry that matches none fails."""
    for entry in replicas:
        name, count = _replica_entry(entry)
        found = False
        for spec in config.replicas:
            matching = [r for r in resources if any(_id_selected(rid, name, spec) for rid in r.ids())]
            found = found or bool(matching)
            for resource in matching:
                _apply_spec(resource, spec, _set_scalar(count))
        if not found:
            kinds = " ".join(_spec_gvk(spec) for spec in config.replicas)
            raise BuildError(f"resource with name {name} does not match a config with the following GVK [{kinds}]")


def _replica_entry(entry: Any) -> tuple[str, int]:
    if not isinstance(entry, dict):
        raise BuildError("replicas: each entry must be a mapping")
    name, count = entry.get("name"), entry.get("count", 0)
    if not (name is None or isinstance(name, str)) or isinstance(count, bool) or not isinstance(count, int | None):
        raise BuildError(f"invalid Kustomization: replicas: {entry!r}")
    return name or "", count or 0


def _id_selected(rid: ResId, name: str, spec: FieldSpec) -> bool:
    return rid.name == name and _matches(spec, (rid.group, rid.version, rid.kind))


def _spec_gvk(spec: FieldSpec) -> str:
    """A spec's kind as kustomize prints a Gvk (`Kind.version.group`)."""
    return f"{spec.kind or '[noKind]'}.{spec.version or '[noVer]'}.{spec.group or '[noGrp]'}"
