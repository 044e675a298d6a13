"""One resource while a kustomization is built: its value, where it came from, and the ids it had."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ResId:
    """Kustomize's resource id: group, version, kind, name, namespace ("" when absent)."""

    group: str
    version: str
    kind: str
    name: str
    namespace: str = ""

    @property
    def gvk(self) -> tuple[str, str, str]:
        return (self.group, self.version, self.kind)


@dataclass(frozen=True)
class Origin:
    """Where a resource's value was first written, for the KCL writer.

    `kind` is "file" (document `index` of the YAML file `path`, relative to the tree root,
    `/`-separated), "kustomization" (item `index` of the output of the kustomization
    directory `path`), or "generated" (made by a generator of the kustomization at `path`)."""

    kind: str
    path: str
    index: int = 0
    item: int | None = None
    """For a file: the index in the `items` of the `*List` document it was taken from (None
    when it is the whole document, -1 inside a list nested in a list)."""


@dataclass
class Generated:
    """What a generator asked for its resource (None on resources read from files)."""

    behavior: str = "create"
    """create, merge or replace (configMapGenerator/secretGenerator `behavior`)."""
    hash_suffix: bool = True
    """False with `generatorOptions.disableNameSuffixHash` or `options.disableNameSuffixHash`."""


@dataclass
class Resource:
    data: dict[str, Any]
    """The document as plain JSON-like values (dict, list, str, int, float, bool, None)."""
    origin: Origin | None = None
    previous: list[ResId] = field(default_factory=list)
    """Ids the resource had before renames (prefix/suffix, namespace, hash), oldest first;
    the name reference transformer finds references by these."""
    generated: Generated | None = None
    position: int = -1
    """Where `build` accumulated it, before ordering: what `Origin.index` of a resource taken
    from another kustomization counts (that kustomization prints them sorted)."""
    prefixes: list[str] = field(default_factory=list)
    """Non-empty namePrefix values added to the name, innermost kustomization first; the name
    reference transformer prefers referrals renamed like the referrer."""
    suffixes: list[str] = field(default_factory=list)
    """Non-empty nameSuffix values added to the name, innermost kustomization first."""

    @property
    def api_version(self) -> str:
        value = self.data.get("apiVersion")
        return value if isinstance(value, str) else ""

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def version(self) -> str:
        return self.api_version.rpartition("/")[2]

    @property
    def kind(self) -> str:
        value = self.data.get("kind")
        return value if isinstance(value, str) else ""

    @property
    def metadata(self) -> dict[str, Any]:
        value = self.data.get("metadata")
        return value if isinstance(value, dict) else {}

    @property
    def name(self) -> str:
        value = self.metadata.get("name")
        return value if isinstance(value, str) else ""

    @property
    def namespace(self) -> str:
        value = self.metadata.get("namespace")
        return value if isinstance(value, str) else ""

    @property
    def id(self) -> ResId:
        return ResId(self.group, self.version, self.kind, self.name, self.namespace)

    def remember(self) -> None:
        """Record the current id before a transformer changes name or namespace."""
        current = self.id
        if not self.previous or self.previous[-1] != current:
            self.previous.append(current)

    def ids(self) -> list[ResId]:
        """Every id the resource has had, the current one last."""
        return [*self.previous, self.id]
