"""configMapGenerator and secretGenerator as kustomize v5.5 runs them, and the content-hash name suffix.

Facts from kustomize (api/kv, api/internal/generators, api/resmap/reswrangler.go, api/resource):
- pairs come from `envs` (then the legacy `env`), then `literals`, then `files`; a key may appear once;
  keys and env names are not validated (kubectl's validator accepts everything);
- an env file is split into lines at "\\n" (a trailing "\\r" dropped, reading stops silently at a line of
  64 KiB or more), a UTF-8 BOM is dropped from the first line, leading white space is dropped, blank lines
  and lines starting with `#` are skipped, the key is everything before the first `=` (not trimmed), the
  value everything after it (not trimmed, not unquoted; "" when the line has no `=`);
- a literal `k=v` loses one pair of matching quotes around `v`;
- a file's key is its base name unless the source is `key=path`; a ConfigMap gets non-UTF-8 content under
  `binaryData`, base64; Secret values are base64 under `data` (always present, maybe empty), `type`
  defaults to Opaque; base64 text of 70 characters or more is cut into lines of 70, each ending in "\\n";
- per-generator options win over `generatorOptions` key by key; disableNameSuffixHash and immutable are
  true when either says so;
- each generator runs in order (all ConfigMaps, then all Secrets) against the resources accumulated so far;
  `merge` and `replace` find the one resource having the generated id among any of its ids (namespace ""
  and "default" equal); both keep its labels and annotations under the generated ones, its name and
  namespace; `merge` also keeps its `data` and `binaryData` entries under the generated ones; everything
  else comes from the generated document; the merged resource gets a hash suffix only when both the old
  resource and the generator want one.

The hash itself is computed once, by `apply_hash_suffixes`, after every transformer of every level (the
top kustomization's last step before name references are fixed): see hashing.py."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from openapi_tool.convert.kustomize.errors import BuildError, Unsupported
from openapi_tool.convert.kustomize.hashing import content_hash, scalar_text
from openapi_tool.convert.kustomize.resource import Generated, Origin, ResId, Resource

_ARG_FIELDS = frozenset({"name", "namespace", "behavior", "literals", "files", "envs", "env", "options"})
_OPTION_FIELDS = frozenset({"labels", "annotations", "disableNameSuffixHash", "immutable"})
_BEHAVIORS = ("create", "merge", "replace")
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
"""What Go's unicode.IsSpace accepts (env-file lines lose these on the left)."""
_MAX_LINE = 64 * 1024
"""bufio.Scanner's token limit: kustomize stops reading an env file at a longer line, without error."""
_BASE64_LINE = 70


@dataclass
class _Options:
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    disable_hash: bool = False
    immutable: bool = False


@dataclass
class _Args:
    """One configMapGenerator or secretGenerator entry, typed as kustomize unmarshals it."""

    kind: str
    name: str
    namespace: str
    behavior: str
    literals: list[str]
    files: list[str]
    envs: list[str]
    options: _Options
    secret_type: str = ""


def run_generators(resources: list[Resource], kustomization: dict, directory: Path, origin_path: str) -> None:
    """Run the kustomization's configMapGenerator then secretGenerator entries against `resources`.

    A new resource is appended with Origin("generated", origin_path, n), n counting the entries of both
    lists in order; merge and replace change the matching resource in place (its origin and previous ids
    stay) and set its `generated`."""
    global_options = _read_options(kustomization.get("generatorOptions"), "GeneratorOptions.generatorOptions")
    entries = [("ConfigMap", e) for e in _entries(kustomization, "configMapGenerator")]
    entries += [("Secret", e) for e in _entries(kustomization, "secretGenerator")]
    all_args = [_read_args(kind, entry, global_options) for kind, entry in entries]
    for index, args in enumerate(all_args):
        document = _make_document(args, directory)
        generated = Generated(_behavior_name(args.behavior), not args.options.disable_hash)
        _absorb(resources, Resource(document, Origin("generated", origin_path, index), generated=generated), args)


def apply_hash_suffixes(resources: list[Resource]) -> None:
    """Append kustomize's content hash to the name of each generated resource that wants one."""
    for resource in resources:
        if resource.generated is None or not resource.generated.hash_suffix:
            continue
        suffix = content_hash(resource.data)
        resource.remember()
        resource.data["metadata"]["name"] = f"{resource.name}-{suffix}"


# Reading the generator entries


def _entries(kustomization: dict, key: str) -> list[dict]:
    value = kustomization.get(key) or []
    if not isinstance(value, list):
        raise BuildError(f"invalid Kustomization: json: cannot unmarshal {_json_type(value)} into field {key}")
    for entry in value:
        if not isinstance(entry, dict):
            raise BuildError(f"invalid Kustomization: json: cannot unmarshal {_json_type(entry)} into {key} entry")
    return value


def _read_args(kind: str, entry: dict, global_options: _Options) -> _Args:
    """The entry's fields, checked as kustomize's strict unmarshal checks them; global options merged in."""
    section = "configMapGenerator" if kind == "ConfigMap" else "secretGenerator"
    where = f"{kind}Args.{section}"
    allowed = _ARG_FIELDS | {"type"} if kind == "Secret" else _ARG_FIELDS
    for key in entry:
        if key not in allowed:
            raise BuildError(f'invalid Kustomization: json: unknown field "{key}"')
    envs = _string_list(entry.get("envs"), f"{where}.envs")
    env = _string(entry.get("env"), f"{where}.env")
    local = _read_options(entry.get("options"), f"GeneratorOptions.{section}.options")
    return _Args(
        kind=kind,
        name=_string(entry.get("name"), f"{where}.name"),
        namespace=_string(entry.get("namespace"), f"{where}.namespace"),
        behavior=_string(entry.get("behavior"), f"{where}.behavior"),
        literals=_string_list(entry.get("literals"), f"{where}.literals"),
        files=_string_list(entry.get("files"), f"{where}.files"),
        envs=[*envs, env] if env else envs,
        options=_merge_options(local, global_options),
        secret_type=_string(entry.get("type"), f"{where}.type"),
    )


def _read_options(value: Any, where: str) -> _Options:
    if value is None:
        return _Options()
    if not isinstance(value, dict):
        raise _type_error(value, where, "GeneratorOptions")
    for key in value:
        if key not in _OPTION_FIELDS:
            raise BuildError(f'invalid Kustomization: json: unknown field "{key}"')
    return _Options(
        labels=_string_map(value.get("labels"), f"{where}.labels"),
        annotations=_string_map(value.get("annotations"), f"{where}.annotations"),
        disable_hash=_bool(value.get("disableNameSuffixHash"), f"{where}.disableNameSuffixHash"),
        immutable=_bool(value.get("immutable"), f"{where}.immutable"),
    )


def _merge_options(local: _Options, global_options: _Options) -> _Options:
    """kustomize's MergeGlobalOptionsIntoLocal: local keys win; the two flags are or-ed."""
    return _Options(
        labels={**global_options.labels, **local.labels},
        annotations={**global_options.annotations, **local.annotations},
        disable_hash=local.disable_hash or global_options.disable_hash,
        immutable=local.immutable or global_options.immutable,
    )


def _string(value: Any, where: str) -> str:
    """A JSON string field: null leaves it empty, anything but a string is refused."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _type_error(value, where, "string")
    return value


def _string_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _type_error(value, where, "[]string")
    return [_string(item, where) for item in value]


def _string_map(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _type_error(value, where, "map[string]string")
    return {scalar_text(key): _string(item, where) for key, item in value.items()}


def _bool(value: Any, where: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _type_error(value, where, "bool")
    return value


def _type_error(value: Any, where: str, go_type: str) -> BuildError:
    return BuildError(
        f"invalid Kustomization: json: cannot unmarshal {_json_type(value)} into Go struct field {where} of type {go_type}"
    )


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string"


def _behavior_name(behavior: str) -> str:
    """kustomize's GenerationBehavior: anything unknown acts as create."""
    return behavior if behavior in _BEHAVIORS else "create"


# Making the document


def _make_document(args: _Args, directory: Path) -> dict[str, Any]:
    """The ConfigMap or Secret as kustomize's generator writes it, before any transformer."""
    if not args.name:
        raise BuildError("a configmap must have a name")
    values = _load_values(args, directory)
    metadata: dict[str, Any] = {"name": args.name}
    if args.namespace:
        metadata["namespace"] = args.namespace
    document: dict[str, Any] = {"apiVersion": "v1", "kind": args.kind, "metadata": metadata}
    if args.kind == "Secret":
        document["type"] = args.secret_type or "Opaque"
        document["data"] = {key: _base64(value) for key, value in values.items()}
    else:
        _fill_config_map(document, values)
    if args.options.labels:
        metadata["labels"] = dict(args.options.labels)
    if args.options.annotations:
        metadata["annotations"] = dict(args.options.annotations)
    if args.options.immutable:
        document["immutable"] = True
    return document


def _fill_config_map(document: dict[str, Any], values: dict[str, bytes]) -> None:
    """UTF-8 values go under `data`, the others base64 under `binaryData`; an empty map is left out."""
    for key, value in values.items():
        try:
            document.setdefault("data", {})[key] = value.decode("utf-8")
        except UnicodeDecodeError:
            document.setdefault("binaryData", {})[key] = _base64(value)


def _base64(value: bytes) -> str:
    """kustomize's encodeBase64: standard base64, cut into 70-character lines when it is that long."""
    text = base64.b64encode(value).decode("ascii")
    if len(text) < _BASE64_LINE:
        return text
    return "".join(text[i : i + _BASE64_LINE] + "\n" for i in range(0, len(text), _BASE64_LINE))


def _load_values(args: _Args, directory: Path) -> dict[str, bytes]:
    """The pairs of envs, literals and files, in that order, each key once."""
    pairs: list[tuple[str, bytes]] = []
    with _prefixed("env source files:", args.envs):
        for path in args.envs:
            pairs += _env_pairs(_read(directory, path))
    with _prefixed("literal sources", args.literals):
        pairs += [_literal_pair(source) for source in args.literals]
    with _prefixed("file sources:", args.files):
        pairs += [_file_pair(directory, source) for source in args.files]
    values: dict[str, bytes] = {}
    for key, value in pairs:
        if key in values:
            raise BuildError(f"configmap {args.name} illegally repeats the key `{key}`")
        values[key] = value
    return values


@contextmanager
def _prefixed(what: str, sources: list[str]) -> Iterator[None]:
    """Prefix a BuildError as kustomize prefixes its loading errors."""
    try:
        yield
    except BuildError as error:
        raise BuildError(f"loading KV pairs: {what} [{' '.join(sources)}]: {error}") from None


def _env_pairs(content: bytes) -> list[tuple[str, bytes]]:
    """key=value lines of an env file, read as kustomize's kv loader reads them."""
    lines = content.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    pairs = []
    for number, raw in enumerate(lines):
        if len(raw) >= _MAX_LINE:
            break
        line = raw.removesuffix(b"\r")
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            raise BuildError(f"line {number} has invalid utf8 bytes") from None
        if number == 0:
            text = text.removeprefix("\ufeff")
        text = text.lstrip(_GO_SPACE)
        if not text or text.startswith("#"):
            continue
        key, _, value = text.partition("=")
        pairs.append((key, value.encode("utf-8")))
    return pairs


def _literal_pair(source: str) -> tuple[str, bytes]:
    """`key=value`, the value without one pair of surrounding quotes."""
    key, equals, value = source.partition("=")
    if not key or not equals:
        raise BuildError(f"invalid literal source {source}, expected key=value")
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return key, value.encode("utf-8")


def _file_pair(directory: Path, source: str) -> tuple[str, bytes]:
    """`[key=]path`: the key (the path's base name by default) and the file's bytes."""
    count = source.count("=")
    if count == 0:
        return _go_base(source), _read(directory, source)
    key, _, path = source.partition("=")
    if count > 1:
        raise BuildError(f"source \"{source}\" key name or file path contains '='")
    if not key:
        raise BuildError(f'missing key name for file path "{path}" in source "{source}"')
    if not path:
        raise BuildError(f'missing file path for key name "{key}" in source "{source}"')
    return key, _read(directory, path)


def _go_base(path: str) -> str:
    """Go's path.Base."""
    if not path:
        return "."
    stripped = path.rstrip("/")
    return stripped.rpartition("/")[2] if stripped else "/"


def _read(directory: Path, path: str) -> bytes:
    """A file's bytes through kustomize's loader: no URLs here, and only files under the directory."""
    if urlparse(path).scheme in ("http", "https"):
        raise Unsupported("configMapGenerator/secretGenerator", f"remote file {path}")
    full = os.path.normpath(os.path.join(directory, path))
    try:
        real = Path(os.path.realpath(full, strict=True))
    except OSError as error:
        raise BuildError(f"evalsymlink failure on '{full}' : {error.strerror}") from None
    if real.is_dir():
        raise BuildError(f"'{full}' must resolve to a file")
    root = Path(os.path.realpath(directory))
    if not real.parent.is_relative_to(root):
        raise BuildError(f"security; file '{full}' is not in or below '{root}'")
    return real.read_bytes()


# Merging into the accumulated resources


def _absorb(resources: list[Resource], new: Resource, args: _Args) -> None:
    """kustomize's appendReplaceOrMerge of one generated resource."""
    matches = [r for r in resources if any(_same_id(old_id, new.id) for old_id in r.ids())]
    if len(matches) > 1:
        raise BuildError(f"found multiple objects {[str(m.id) for m in matches]} that could accept merge of {new.id}")
    if not matches:
        if args.behavior in ("merge", "replace"):
            raise BuildError(f"id {_show(new.id)} does not exist; cannot merge or replace")
        resources.append(new)
        return
    old = matches[0]
    if args.behavior not in ("merge", "replace"):
        raise BuildError(f"id {_show(new.id)} exists; behavior must be merge or replace")
    _keep_metadata(new.data, old.data)
    if args.behavior == "merge":
        for key in ("data", "binaryData"):
            _merge_text_map(new.data, old.data, key)
    old_hash = old.generated is not None and old.generated.hash_suffix
    old.data = new.data
    old.generated = Generated(args.behavior, old_hash and not args.options.disable_hash)


def _same_id(a: ResId, b: ResId) -> bool:
    """ResId.Equals for namespaced kinds: "" and "default" are the same namespace."""
    return (a.group, a.version, a.kind, a.name, a.namespace or "default") == (
        b.group,
        b.version,
        b.kind,
        b.name,
        b.namespace or "default",
    )


def _show(resid: ResId) -> str:
    return f"{resid.kind} {resid.namespace + '/' if resid.namespace else ''}{resid.name}"


def _keep_metadata(new: dict[str, Any], old: dict[str, Any]) -> None:
    """CopyMergeMetaDataFieldsFrom: old labels and annotations under the new ones, the old name and namespace."""
    metadata = new["metadata"]
    old_metadata = old.get("metadata") if isinstance(old.get("metadata"), dict) else {}
    for key in ("labels", "annotations"):
        merged = {**_text_map(old_metadata.get(key)), **metadata.get(key, {})}
        _set_or_drop(metadata, key, merged)
    metadata["name"] = old_metadata.get("name")
    _set_or_drop(metadata, "namespace", scalar_text(old_metadata.get("namespace")))


def _merge_text_map(new: dict[str, Any], old: dict[str, Any], key: str) -> None:
    """MergeDataMapFrom / MergeBinaryDataMapFrom: old entries (as text) under the new ones."""
    _set_or_drop(new, key, {**_text_map(old.get(key)), **_text_map(new.get(key))})


def _text_map(value: Any) -> dict[str, str]:
    """A map read back as map[string]string: scalars as their text, anything else ""."""
    if not isinstance(value, dict):
        return {}
    return {scalar_text(k): "" if isinstance(v, dict | list) else scalar_text(v) for k, v in value.items()}


def _set_or_drop(mapping: dict[str, Any], key: str, value: Any) -> None:
    if value:
        mapping[key] = value
    else:
        mapping.pop(key, None)
