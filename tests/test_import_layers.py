"""Imports go one way, sources -> model -> kcl/convert/regen -> cli, and in no cycle.

Read from the source with `ast`, function-local imports included (a local import hides a
cycle from Python's import machinery, not from a reader); imports under `TYPE_CHECKING`
are left out, as they never run."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "openapi_tool"

KNOWN_CYCLES: list[set[str]] = []
"""Cycles known and accepted: none."""

LEAVES = ("openapi_tool.model", "openapi_tool.naming")
"""The IR and the name-collision primitives import nothing of ours."""

NOT_IMPORTED_BY = {
    "openapi_tool.sources": ("openapi_tool.kcl", "openapi_tool.convert", "openapi_tool.regen", "openapi_tool.generate"),
    "openapi_tool.kcl": ("openapi_tool.sources", "openapi_tool.convert", "openapi_tool.regen", "openapi_tool.generate"),
    "openapi_tool.convert": ("openapi_tool.sources", "openapi_tool.regen", "openapi_tool.generate"),
}
"""Per layer, the modules above it or beside it that it must not import."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Our modules `path` imports anywhere in its body, except under `if TYPE_CHECKING:`."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import):
                found.update(a.name for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                found.update(f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in child.names)
            visit(child)

    visit(ast.parse(path.read_text()))
    return {m for m in found if m in modules and m != name}


def _graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {_module_name(p) for p in paths}
    return {_module_name(p): _imports(p, modules) for p in paths}


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Groups of modules that reach each other (strongly connected, more than one module)."""
    reach = {m: _reachable(m, graph) for m in graph}
    groups = {frozenset({m} | {o for o in reach[m] if m in reach[o]}) for m in graph if m in reach[m]}
    return sorted((set(g) for g in groups), key=sorted)


def _reachable(start: str, graph: dict[str, set[str]]) -> set[str]:
    found: set[str] = set()
    todo = [start]
    while todo:
        for target in graph[todo.pop()] - found:
            found.add(target)
            todo.append(target)
    return found


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_no_module_imports_up_the_layers() -> None:
    graph = _graph()
    wrong = [f"{leaf} -> {t}" for leaf in LEAVES for t in sorted(graph.get(leaf, ()))]
    for module, targets in sorted(graph.items()):
        for layer, above in NOT_IMPORTED_BY.items():
            if _within(module, layer):
                wrong += [f"{module} -> {t}" for t in sorted(targets) if any(_within(t, a) for a in above)]
        if module != "openapi_tool.__main__":
            wrong += [f"{module} -> {t}" for t in sorted(targets) if _within(t, "openapi_tool.cli")]
    assert wrong == []


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == KNOWN_CYCLES
