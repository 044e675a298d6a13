"""The KCL file of one kustomization: the documents of its own resource files as instances,
and its output as a list whose items are what it takes from its bases, changed only where
the kustomization changes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openapi_tool.convert.emit import INDENT
from openapi_tool.convert.files import GUARD_NOTE, Block, block_lines
from openapi_tool.convert.kustomize.changes import changed, value_text
from openapi_tool.convert.kustomize.layout import Package

OUTPUT = "resources"
"""The variable that holds a kustomization's documents, in the order kustomize prints them."""


@dataclass
class Item:
    """One output document: a reference to where its value is written and that value
    (None when it is written here in full), and the value the kustomization renders."""

    ref: str | None
    base: Any
    value: Any


@dataclass
class Entry:
    package: Package
    header: list[str] = field(default_factory=list)
    schema_imports: dict[str, str] = field(default_factory=dict)
    """import path -> alias, for the instances in `blocks`."""
    package_imports: dict[str, str] = field(default_factory=dict)
    """import path -> alias, for the packages of bases, components and resource files."""
    blocks: list[Block] = field(default_factory=list)
    items: list[Item] | None = None
    """None when the kustomization is not converted: the file then only holds its documents."""
    guard: bool = False

    def text(self) -> str:
        out = list(self.header)
        if self.items is not None:
            out.append("import manifests")
        out.extend(f"import {path} as {alias}" for path, alias in sorted(self.schema_imports.items()))
        out.extend(f"import {path} as {alias}" for path, alias in sorted(self.package_imports.items()))
        out.extend(block_lines(self.blocks))
        if self.items is not None:
            out.append("")
            out.extend(self._output())
        return "\n".join(out).lstrip("\n") + "\n"

    def _output(self) -> list[str]:
        items = [self._item(item) for item in self.items or []]
        # typed `[any]`: an overlay merges changes into these items, and KCL refuses `|` on a
        # list item whose static type is a union of schemas
        if not items:
            lines = [f"{OUTPUT}: [any] = []"]
        else:
            lines = [f"{OUTPUT}: [any] = ["]
            lines.extend(INDENT + text for text in items)
            lines.append("]")
        lines.append("")
        if self.guard:
            lines.append(GUARD_NOTE)
        lines.append(f"manifests.yaml_stream({OUTPUT} + [None])" if self.guard else f"manifests.yaml_stream({OUTPUT})")
        return lines

    @staticmethod
    def _item(item: Item) -> str:
        if item.ref is None:
            return value_text(item.value, 1)
        return changed(item.ref, item.base, item.value, 1)
