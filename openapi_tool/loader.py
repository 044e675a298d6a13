"""Read YAML and JSON input files into documents, with file and place on every error.

The one YAML reading of the tool: `StrictLoader` (YAML 1.1 scalars, dates kept as text,
no duplicate keys), `decode`, `json_value` and `yaml_error` are what `convert.read`
builds its node trees with too."""

from __future__ import annotations

import fnmatch
import gc
import hashlib
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from openapi_tool.errors import InputError
from openapi_tool.parallel import available as parallel_available
from openapi_tool.parallel import in_two

YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json",)


@dataclass(frozen=True)
class Document:
    """One parsed document of an input file (YAML streams hold several)."""

    file: str
    index: int
    data: Any
    in_stream: bool = False
    """True when the file holds several documents, so messages name this one's number."""

    @property
    def label(self) -> str:
        return document_label(self.file, self.index, self.in_stream)


def document_label(file: str, index: int, in_stream: bool) -> str:
    """How messages name a document: the file, with the document's number in a stream of several."""
    return f"{file} (document {index + 1})" if in_stream else file


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class StrictLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe YAML loading that rejects duplicate keys and keeps dates as strings.

    Two shortcuts, each giving what PyYAML's general code gives: a plain scalar's tag is
    looked up once per distinct text, and a document made only of the core types is built
    in one walk (see `_plain_document`, which also keeps one string object per distinct
    text); any other document takes PyYAML's way."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._plain_tags: dict[str, str] = {}
        self.strings: dict[str, str] = {}
        """One object per distinct text: CRD files repeat keys and whole descriptions thousands of times."""

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is ScalarNode and not self.yaml_path_resolvers:
            if not implicit[0]:
                return self.DEFAULT_SCALAR_TAG
            tag = self._plain_tags.get(value)
            if tag is None:
                tag = self._plain_tags[value] = super().resolve(kind, value, implicit)
            return tag
        return super().resolve(kind, value, implicit)

    def construct_document(self, node: Any) -> Any:
        if self.yaml_constructors is StrictLoader.yaml_constructors:  # not a subclass with its own
            try:
                return _plain_document(self, node)
            except (_NotPlain, RecursionError):
                pass
        return super().construct_document(node)


StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(None, None, "a mapping key must be a scalar", key_node.start_mark)
        if key in mapping:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


def _construct_value_tag(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    """YAML 1.1's bare `=` (the `value` type) is plain text in Kubernetes manifests."""
    return loader.construct_scalar(node)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
StrictLoader.add_constructor("tag:yaml.org,2002:value", _construct_value_tag)


class _NotPlain(Exception):
    """The document needs PyYAML's general construction (or its error message)."""


_MAP_TAG = yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG
_SEQ_TAG = yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG
_STR_TAG = yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG
_SCALAR_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("int", "float", "bool", "null", "value")}


def _plain_document(loader: StrictLoader, root: Any) -> Any:
    """The document of `root` when it holds only core-schema scalars, mappings with distinct
    scalar keys, sequences and aliases without cycles: what PyYAML's construction gives
    (an alias is the same object), built without its per-node bookkeeping. Anything else
    (merge keys, other tags, a duplicate key, a recursive alias) raises _NotPlain."""
    constructors = loader.yaml_constructors
    strings = loader.strings
    built: dict[int, Any] = {}  # collection nodes by id: aliases share one object
    open_nodes: set[int] = set()

    def build(node: Any) -> Any:
        cls = node.__class__
        if cls is ScalarNode:
            if node.tag == _STR_TAG:
                text = node.value
                return strings.setdefault(text, text)
            if node.tag not in _SCALAR_TAGS:
                raise _NotPlain
            return constructors[node.tag](loader, node)
        key = id(node)
        if key in built:
            return built[key]
        if key in open_nodes:
            raise _NotPlain
        open_nodes.add(key)
        if cls is MappingNode and node.tag == _MAP_TAG:
            out: Any = {}
            for key_node, value_node in node.value:
                if key_node.__class__ is not ScalarNode:
                    raise _NotPlain
                name = build(key_node)
                if name in out:
                    raise _NotPlain
                out[name] = build(value_node)
        elif cls is SequenceNode and node.tag == _SEQ_TAG:
            out = [build(item) for item in node.value]
        else:
            raise _NotPlain
        open_nodes.discard(key)
        built[key] = out
        return out

    return build(root)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Parsing (and building the model) makes millions of objects and no garbage cycles; the
    cyclic collector would walk them again and again (about half of the YAML time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def yaml_error(file: str, error: yaml.YAMLError) -> InputError:
    """PyYAML's error as a one-line input error at its line and column."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    place = f"{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    return InputError(file, place, f"invalid YAML: {problem}")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {key!r}")
            seen.add(key)
    return out


def decode(file: str, raw: bytes) -> str:
    """A file's bytes as text (UTF-8, a byte order mark dropped); bad bytes name their line."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InputError(file, str(line), f"invalid UTF-8 at byte {error.start}") from None


def parse_text(file: str, raw: bytes) -> list[Document]:
    """Parse one file's bytes as JSON (when it looks like JSON) or a YAML stream."""
    text = decode(file, raw)
    with collector_paused():
        return _parse_decoded(file, text)


def json_value(file: str, text: str) -> tuple[Any] | None:
    """The value of a JSON file, as a 1-tuple; None when the text is to be read as YAML
    (it is not named `.json` and does not parse as JSON, or does not start like JSON)."""
    if not (file.endswith(JSON_SUFFIXES) or text.lstrip().startswith(("{", "["))):
        return None
    try:
        return (json.loads(text, object_pairs_hook=_no_duplicate_keys),)
    except json.JSONDecodeError as error:
        if file.endswith(JSON_SUFFIXES):
            raise InputError(file, f"{error.lineno}:{error.colno}", f"invalid JSON: {error.msg}") from None
        return None
    except ValueError as error:
        raise InputError(file, "", f"invalid JSON: {error}") from None
    except RecursionError:
        raise InputError(file, "", "invalid JSON: nested too deeply") from None


def _parse_decoded(file: str, text: str) -> list[Document]:
    as_json = json_value(file, text)
    if as_json is not None:
        return [Document(file, 0, as_json[0])]
    try:
        documents = list(yaml.load_all(text, Loader=StrictLoader)) or [None]  # an empty file: one empty document
        return [Document(file, index, data, len(documents) > 1) for index, data in enumerate(documents)]
    except yaml.YAMLError as error:
        raise yaml_error(file, error) from None
    except RecursionError:
        raise InputError(file, "", "invalid YAML: nested too deeply") from None


def expand_paths(
    paths: list[str], suffixes: tuple[str, ...] = YAML_SUFFIXES + JSON_SUFFIXES, exclude: tuple[str, ...] = ()
) -> list[str]:
    """Files named directly, plus matching files found recursively in directories, sorted;
    a file below a directory is left out when its path relative to that directory, or one
    of the folders on that path, matches a glob of `exclude`."""
    out: list[str] = []
    for path in paths:
        if path == "-":
            out.append(path)
        elif os.path.isdir(path):
            found = [p for p in Path(path).rglob("*") if p.is_file() and p.name.endswith(suffixes)]
            out.extend(sorted(str(p) for p in found if not excluded(p.relative_to(path).as_posix(), exclude)))
        elif os.path.exists(path):
            out.append(path)
        else:
            raise InputError(path, "", "no such file or directory")
    return out


def excluded(relative: str, globs: tuple[str, ...]) -> bool:
    """Whether a relative path (`experimental/gateway.yaml`), or a folder on it
    (`experimental`), matches one of `globs` (`*` also matches `/`)."""
    parts = relative.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    return any(fnmatch.fnmatchcase(c, g.rstrip("/")) for g in globs for c in candidates)


def read_documents(
    paths: list[str], digests: dict[str, str] | None = None, exclude: tuple[str, ...] = ()
) -> Iterator[Document]:
    """Every document of every input path (`-` reads standard input), leaving out what
    `exclude` matches below directories (see `expand_paths`).

    With `digests`, records the SHA-256 of each file read, by its name.
    """
    return _documents(expand_paths(paths, exclude=exclude), digests)


PARALLEL_BYTES = 4_000_000
"""Below this many bytes of input files, one process parses them all: a second one costs more than it saves."""


def read_all(paths: list[str], digests: dict[str, str] | None = None, exclude: tuple[str, ...] = ()) -> list[Document]:
    """The documents of `read_documents`, in the same order and with the same errors; a
    large set of files is parsed on two cores (a forked child parses the later files)."""
    files = expand_paths(paths, exclude=exclude)
    split = _split_point(files)
    if split is None:
        return list(_documents(files, digests))
    documents, (more, more_digests) = in_two(
        lambda: list(_documents(files[:split], digests)),
        lambda: _with_digests(files[split:]),
    )
    if digests is not None:
        digests.update(more_digests)
    return documents + more


def _split_point(files: list[str]) -> int | None:
    """Where the child's share of `files` starts (about half of the bytes), or None for one process."""
    if len(files) < 2 or "-" in files or not parallel_available():
        return None
    try:
        sizes = [os.path.getsize(path) for path in files]
    except OSError:
        return None  # one process reports it
    total = sum(sizes)
    if total < PARALLEL_BYTES:
        return None
    done = 0
    for index, size in enumerate(sizes):
        if done + size / 2 >= total / 2:
            return min(max(index, 1), len(files) - 1)
        done += size
    return len(files) - 1


def _with_digests(files: list[str]) -> tuple[list[Document], dict[str, str]]:
    digests: dict[str, str] = {}
    return list(_documents(files, digests)), digests


def _documents(files: list[str], digests: dict[str, str] | None) -> Iterator[Document]:
    for path in files:
        if path == "-":
            raw = sys.stdin.buffer.read()
            name = "<stdin>"
        else:
            try:
                raw = Path(path).read_bytes()
            except OSError as error:
                raise InputError(path, "", error.strerror or str(error)) from None
            name = path
        if digests is not None:
            digests[name] = hashlib.sha256(raw).hexdigest()
        yield from parse_text(name, raw)
