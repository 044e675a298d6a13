"""The YAML loader of every input: safe loading, YAML 1.1 scalars, dates kept as text, no
duplicate keys. Apart from `openapi_tool.loader` so that a run reading only JSON does
without importing PyYAML (about 15 ms)."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

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
