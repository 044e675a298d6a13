"""Read manifest files into document trees with their comments.

Values are read as the rest of the tool reads YAML (`openapi_tool.loader`, whose loader,
decoding, JSON reading and error messages this uses: YAML 1.1 scalars, dates kept as
strings), except that a duplicate key is a warning and the last
one wins, as when Kubernetes reads the file. `--verify` reads kcl's output the same way
to compare. Mapping keys become the strings Kubernetes sees
(`1:` is the key "1", `true:` the key "true", `2.5:` the key "2.5"). Aliases are expanded; merge keys (`<<`)
are applied, explicit keys winning.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from openapi_tool.convert.comments import Comment, Span, document_markers, find_comments
from openapi_tool.convert.tree import Entry, Mapping, Node, Scalar, Sequence, from_data, to_data
from openapi_tool.errors import InputError
from openapi_tool.loader import StrictLoader, decode, document_label, expand_paths, json_value, yaml_error

MERGE_TAG = "tag:yaml.org,2002:merge"
INT64 = range(-(2**63), 2**63)


class ConvertLoader(StrictLoader):  # type: ignore[misc, valid-type]
    """The tool's YAML reading; a lone `<<` that is not a merge key is the string "<<"."""


ConvertLoader.add_constructor(MERGE_TAG, lambda loader, node: loader.construct_scalar(node))


@dataclass
class ManifestDocument:
    """One document of a manifest file as a node tree, with the comments in its region."""

    index: int
    """0-based position in the file's stream."""
    root: Node | None
    """None for an empty document."""
    comments: list[Comment] = field(default_factory=list)


@dataclass
class SourceFile:
    path: str
    """The file as named on the command line (`<stdin>` for standard input)."""
    stem: str
    """Where its output goes, relative to the output directory, without `.k`."""
    documents: list[ManifestDocument]
    header: list[Comment] = field(default_factory=list)
    """Comments at the top of the file, apart from the first document by a blank line."""
    warnings: list[str] = field(default_factory=list)

    def label(self, document: ManifestDocument) -> str:
        return document_label(self.path, document.index, len(self.documents) > 1)


def read_inputs(paths: list[str]) -> list[SourceFile]:
    """Every YAML/JSON file named or found below the directories named, `-` for stdin."""
    out = []
    for argument in paths:
        base = Path(argument) if argument != "-" and os.path.isdir(argument) else None
        for path in expand_paths([argument]):
            if path == "-":
                out.append(parse_file("<stdin>", "stdin", sys.stdin.buffer.read()))
                continue
            stem = PurePosixPath(Path(path).relative_to(base).as_posix() if base else Path(path).name)
            try:
                raw = Path(path).read_bytes()
            except OSError as error:
                raise InputError(path, "", error.strerror or str(error)) from None
            out.append(parse_file(path, str(stem.with_suffix("")), raw))
    return out


def parse_file(name: str, stem: str, raw: bytes) -> SourceFile:
    text = decode(name, raw)
    as_json = json_value(name, text)
    if as_json is not None:
        return SourceFile(name, stem, [ManifestDocument(0, from_data(as_json[0]))])
    return _parse_yaml(name, stem, text)


def parse_values(text: str, name: str = "<kcl output>", final_break: bool = True) -> list[Any]:
    """The documents of a YAML stream as plain values, read as manifests are (kcl output).

    kcl-lib's result lacks the final line break that `kcl run` prints; `final_break` adds
    it (as `kcl run` does), else the text is read exactly as given."""
    if final_break and not text.endswith("\n"):
        text += "\n"
    return [
        to_data(d.root) if d.root is not None else None for d in _parse_yaml(name, "", text, comments=False).documents
    ]


def _parse_yaml(name: str, stem: str, text: str, comments: bool = True) -> SourceFile:
    loader = ConvertLoader(text)
    builder = _Builder(name, loader)
    roots: list[Node | None] = []
    starts: list[int] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            starts.append(node.start_mark.line)
            empty = (
                isinstance(node, yaml.ScalarNode)
                and node.tag == "tag:yaml.org,2002:null"
                and node.value in ("", "~", "null", "Null", "NULL")
            )
            roots.append(None if empty and loader.construct_object(node) is None else builder.build(node))
    except yaml.YAMLError as error:
        raise yaml_error(name, error) from None
    except RecursionError:
        raise InputError(name, "", "invalid YAML: nested too deeply") from None
    finally:
        loader.dispose()
    documents = [ManifestDocument(index, root) for index, root in enumerate(roots)]
    if not comments:
        return SourceFile(name, stem, documents, warnings=builder.warnings)
    found = find_comments(text, builder.spans)
    _assign_comments(documents, starts, found, document_markers(text))
    source = SourceFile(name, stem, documents, warnings=builder.warnings)
    if documents:
        source.header = _file_header(documents[0], text)
    return source


def _assign_comments(
    documents: list[ManifestDocument], starts: list[int], comments: list[Comment], markers: list[int]
) -> None:
    """Each comment goes to the document whose region holds it; a region starts at its `---`."""
    if not documents or not comments:
        return
    count = len(documents)
    if len(markers) == count and markers[0] <= starts[0]:
        region = [0] + markers[1:]
    elif len(markers) == count - 1:
        region = [0] + markers
    else:
        region = [0]
        for index in range(1, count):
            before = [m for m in markers if m <= starts[index]]
            region.append(max(before[-1] if before else starts[index], region[-1]))
    position = 0
    for comment in comments:
        while position + 1 < len(region) and region[position + 1] <= comment.line:
            position += 1
        documents[position].comments.append(comment)


def _file_header(first: ManifestDocument, text: str) -> list[Comment]:
    """Comments before the first node that a blank line separates from it: a file header."""
    if first.root is None or first.root.line < 0:
        return []
    lines = text.split("\n")
    blanks = [n for n in range(first.root.line) if not lines[n].strip()]
    if not blanks:
        return []
    header = [c for c in first.comments if not c.inline and c.line < blanks[-1]]
    first.comments = [c for c in first.comments if c not in header]
    return header


class _Builder:
    """Node graph -> tree, resolving scalars with the loader; remembers scalar spans."""

    def __init__(self, name: str, loader: ConvertLoader) -> None:
        self.name = name
        self.loader = loader
        self.spans: list[Span] = []
        self.warnings: list[str] = []
        self.seen: set[int] = set()
        self.active: set[int] = set()

    def _error(self, node: yaml.Node, message: str) -> InputError:
        return InputError(self.name, f"{node.start_mark.line + 1}:{node.start_mark.column + 1}", message)

    def build(self, node: yaml.Node) -> Node:
        key = id(node)
        if key in self.active:
            raise self._error(node, "a recursive alias cannot be expanded")
        copy = key in self.seen
        self.seen.add(key)
        self.active.add(key)
        try:
            start, end = node.start_mark, node.end_mark
            if isinstance(node, yaml.ScalarNode):
                if not copy:
                    self.spans.append(Span(start.line, start.column, end.line, end.column, node.style in ("|", ">")))
                return Scalar(self._scalar(node), start.line, start.column, end.line, copy)
            if isinstance(node, yaml.SequenceNode):
                return Sequence([self.build(item) for item in node.value], start.line, start.column, end.line, copy)
            if isinstance(node, yaml.MappingNode):
                return Mapping(self._entries(node), start.line, start.column, end.line, copy)
            raise self._error(node, "unsupported YAML node")
        finally:
            self.active.discard(key)

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag == MERGE_TAG:
            return node.value
        try:
            value = self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as error:
            raise self._error(node, f"invalid YAML: {getattr(error, 'problem', None) or error}") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise self._error(node, f"{node.value!r}: KCL has no infinite or NaN numbers (nor has JSON)")
        if isinstance(value, int) and not isinstance(value, bool) and value not in INT64:
            raise self._error(node, f"{node.value!r}: outside the 64-bit integers KCL has")
        if value is not None and not isinstance(value, (str, int, float, bool)):
            raise self._error(node, f"unsupported YAML value {node.tag}")
        return value

    def _entries(self, node: yaml.MappingNode) -> list[Entry]:
        explicit: dict[str, Entry] = {}
        merged: list[Entry] = []
        order: list[Entry | str] = []
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                for entry in self._merge(value_node):
                    if entry.key not in {e.key for e in merged}:
                        merged.append(entry)
                        order.append(entry)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise self._error(key_node, "a mapping key must be a scalar")
            if id(key_node) not in self.seen:
                self.spans.append(
                    Span(
                        key_node.start_mark.line,
                        key_node.start_mark.column,
                        key_node.end_mark.line,
                        key_node.end_mark.column,
                    )
                )
            key = self._key(key_node)
            if key in explicit:
                earlier = explicit[key]
                self.warnings.append(
                    f"{self.name}:{key_node.start_mark.line + 1}:{key_node.start_mark.column + 1}: duplicate key {key!r} "
                    f"(also on line {earlier.line + 1}); the last one wins, as when Kubernetes reads it"
                )
                order.remove(earlier)
            entry = Entry(key, self.build(value_node), key_node.start_mark.line, key_node.start_mark.column)
            explicit[key] = entry
            order.append(entry)
        return [e for e in order if isinstance(e, Entry) and (e.key not in explicit or explicit[e.key] is e)]

    def _merge(self, node: yaml.Node) -> list[Entry]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        out: list[Entry] = []
        for source in sources:
            built = self.build(source)
            if not isinstance(built, Mapping):
                raise self._error(source, "a merge key `<<` takes a mapping or a list of mappings")
            out.extend(e for e in built.entries if e.key not in {o.key for o in out})
        return out

    def _key(self, node: yaml.ScalarNode) -> str:
        value = self._scalar(node)
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
        raise self._error(node, f"mapping key {node.value!r} is null; Kubernetes cannot read a null key")
