"""The schema modules given with `--schemas`: which schema each apiVersion and kind has.

A module is the output of `openapi-tool gen`: its `kcl.mod` names it and its
`openapi-tool.lock` holds the resource index ("apps/v1 Deployment" ->
"api.apps.v1.Deployment").
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from openapi_tool.errors import UsageError
from openapi_tool.kcl.names import string_literal
from openapi_tool.output import LOCK, read_lock

_NAME = re.compile(r"^\s*name\s*=\s*\"([^\"]+)\"", re.M)
_SECTION = re.compile(r"^\s*\[([^\]]+)\]", re.M)


@dataclass(frozen=True)
class Module:
    name: str
    """The name in its kcl.mod: the first part of every import from it."""
    root: Path


@dataclass(frozen=True)
class SchemaRef:
    """A resource schema: `k8s` + `api.apps.v1` + `Deployment`."""

    module: Module
    package: str
    name: str

    @property
    def import_path(self) -> str:
        return f"{self.module.name}.{self.package}"

    def __str__(self) -> str:
        return f"{self.import_path}.{self.name}"


class Catalog:
    """apiVersion and kind -> schema, over every module given."""

    def __init__(self, modules: list[Module], index: dict[tuple[str, str], SchemaRef]) -> None:
        self.modules = modules
        self.index = index

    def lookup(self, api_version: str, kind: str) -> SchemaRef | None:
        return self.index.get((api_version, kind))

    def kcl_mod(self, name: str, output: Path | None) -> str:
        """The output module's kcl.mod: a path dependency on every schema module, relative
        to `output` (absolute paths when None)."""
        lines = ["[package]", f"name = {string_literal(name)}", 'version = "0.0.1"', ""]
        if self.modules:
            lines.append("[dependencies]")
            for module in self.modules:
                target = module.root.resolve()
                relative = Path(os.path.relpath(target, output.resolve()) if output is not None else target).as_posix()
                lines.append(f"{module.name} = {{ path = {string_literal(relative)} }}")
            lines.append("")
        return "\n".join(lines)


def module_name(root: Path) -> str:
    """The package name in `root/kcl.mod`."""
    try:
        text = (root / "kcl.mod").read_text(encoding="utf-8")
    except OSError:
        raise UsageError(f"--schemas {root}: no kcl.mod there (give a module that `openapi-tool gen` wrote)") from None
    sections = [(m.start(), m.group(1).strip()) for m in _SECTION.finditer(text)]
    for match in _NAME.finditer(text):
        owner = [name for start, name in sections if start < match.start()]
        if owner and owner[-1] == "package":
            return match.group(1)
    raise UsageError(f"--schemas {root}: kcl.mod has no [package] name")


def load_catalog(roots: list[str], warn: Callable[[str], None]) -> Catalog:
    modules: list[Module] = []
    index: dict[tuple[str, str], SchemaRef] = {}
    for given in roots:
        root = Path(given)
        module = Module(module_name(root), root.resolve())
        clash = next((m for m in modules if m.name == module.name), None)
        if clash is not None:
            if clash.root == module.root:
                continue
            raise UsageError(f"--schemas {given}: another module named {module.name!r} is given ({clash.root})")
        resources = read_lock(root).get("resources")
        if not isinstance(resources, dict):
            raise UsageError(f"--schemas {given}: no resource index in {LOCK} (regenerate it with `openapi-tool gen`)")
        modules.append(module)
        for key, target in sorted(resources.items()):
            api_version, _, kind = str(key).partition(" ")
            package, _, name = str(target).rpartition(".")
            if not kind or not package:
                continue
            ref = SchemaRef(module, package, name)
            earlier = index.get((api_version, kind))
            if earlier is not None:
                warn(f"{api_version} {kind} is in {earlier.module.root} and {root}; using {earlier}")
                continue
            index[(api_version, kind)] = ref
    return Catalog(modules, index)
