"""Read YAML and JSON input files into documents, with file and place on every error."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

from openapi_tool.errors import InputError

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
        return f"{self.file} (document {self.index + 1})" if self.in_stream else self.file


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class StrictLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe YAML loading that rejects duplicate keys and keeps dates as strings."""


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
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a scalar", key_node.start_mark
            )
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


def _construct_value_tag(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    """YAML 1.1's bare `=` (the `value` type) is plain text in Kubernetes manifests."""
    return loader.construct_scalar(node)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
StrictLoader.add_constructor("tag:yaml.org,2002:value", _construct_value_tag)


def _yaml_error(file: str, error: yaml.YAMLError) -> InputError:
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


def _decode(file: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InputError(file, str(line), f"invalid UTF-8 at byte {error.start}") from None


def parse_text(file: str, raw: bytes) -> list[Document]:
    """Parse one file's bytes as JSON (when it looks like JSON) or a YAML stream."""
    text = _decode(file, raw)
    stripped = text.lstrip()
    if file.endswith(JSON_SUFFIXES) or stripped.startswith(("{", "[")):
        try:
            return [Document(file, 0, json.loads(text, object_pairs_hook=_no_duplicate_keys))]
        except json.JSONDecodeError as error:
            if file.endswith(JSON_SUFFIXES):
                raise InputError(file, f"{error.lineno}:{error.colno}", f"invalid JSON: {error.msg}") from None
        except ValueError as error:
            raise InputError(file, "", f"invalid JSON: {error}") from None
        except RecursionError:
            raise InputError(file, "", "invalid JSON: nested too deeply") from None
    try:
        documents = list(yaml.load_all(text, Loader=StrictLoader)) or [None]  # an empty file: one empty document
        return [Document(file, index, data, len(documents) > 1) for index, data in enumerate(documents)]
    except yaml.YAMLError as error:
        raise _yaml_error(file, error) from None
    except RecursionError:
        raise InputError(file, "", "invalid YAML: nested too deeply") from None


def expand_paths(paths: list[str], suffixes: tuple[str, ...] = YAML_SUFFIXES + JSON_SUFFIXES) -> list[str]:
    """Files named directly, plus matching files found recursively in directories, sorted."""
    out: list[str] = []
    for path in paths:
        if path == "-":
            out.append(path)
        elif os.path.isdir(path):
            found = [str(p) for p in Path(path).rglob("*") if p.is_file() and p.name.endswith(suffixes)]
            out.extend(sorted(found))
        elif os.path.exists(path):
            out.append(path)
        else:
            raise InputError(path, "", "no such file or directory")
    return out


def read_documents(paths: list[str], digests: dict[str, str] | None = None) -> Iterator[Document]:
    """Every document of every input path (`-` reads standard input).

    With `digests`, records the SHA-256 of each file read, by its name.
    """
    for path in expand_paths(paths):
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
