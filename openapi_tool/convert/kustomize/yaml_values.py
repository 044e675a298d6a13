"""YAML read the way kustomize's YAML library types plain scalars: timestamps stay strings and
only true/false (any case) are booleans, not yes/no/on/off."""

from __future__ import annotations

import re
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _Base
except ImportError:  # pragma: no cover - pure Python PyYAML
    from yaml import SafeLoader as _Base  # type: ignore[assignment]

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")


class KustomizeLoader(_Base):  # type: ignore[misc, valid-type]
    """A safe loader without YAML 1.1 timestamps and yes/no booleans."""


KustomizeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}
for _first, _resolvers in KustomizeLoader.yaml_implicit_resolvers.items():
    _resolvers[:] = [(t, _BOOL if t == "tag:yaml.org,2002:bool" else r) for t, r in _resolvers]


def load_all(text: str) -> list[Any]:
    """Every document of a YAML stream."""
    return list(yaml.load_all(text, Loader=KustomizeLoader))
