"""Names in the converted files: file paths, one variable per document, short import aliases."""

from __future__ import annotations

import re

from openapi_tool.kcl.names import RESERVED_NAMES, identifier, snake_case
from openapi_tool.naming import claim, in_use

_WORDS = re.compile(r"[^A-Za-z0-9]+")


def _unique(candidate: str, taken: set[str]) -> str:
    """`candidate`, or `candidate_2`, `candidate_3`, ...: neither taken nor a KCL word."""
    return claim(candidate, taken, also_taken=(RESERVED_NAMES,), separator="_")


def unique_path(path: str, taken: set[str]) -> str:
    """`path` (a directory or a `.k` file), or numbered `stem_2`, `stem_3`, ... when taken."""
    stem, suffix = (path[:-2], ".k") if path.endswith(".k") else (path, "")
    return claim(stem, taken, separator="_", end=suffix)


def document_name(name: str | None, kind: str | None, number: int, taken: set[str]) -> str:
    """`web` Deployment -> `web_deployment`; `nginx-service` Service -> `nginx_service`."""
    kind_part = snake_case(identifier(kind, "doc")) if kind else ""
    name_part = snake_case(identifier(name, "doc")).strip("_") if name else ""
    if name_part and kind_part and not (name_part == kind_part or name_part.endswith("_" + kind_part)):
        base = f"{name_part}_{kind_part}"
    else:
        base = name_part or kind_part or f"doc{number}"
    base = re.sub(r"_+", "_", base).strip("_") or f"doc{number}"
    if base[0].isdigit():
        base = (kind_part or "doc") + "_" + base
    if in_use(base, RESERVED_NAMES):
        base += "_doc"
    return _unique(base, taken)


def import_aliases(packages: dict[str, str], taken: set[str]) -> dict[str, str]:
    """An alias for each import path, from its apiVersion: `apps/v1` -> `apps`,
    `cert-manager.io/v1` -> `certmanager`, `v1` -> `core`; the version is added when two
    imports would share a name."""
    labels: dict[str, list[str]] = {}
    for path, api_version in packages.items():
        group, _, version = api_version.rpartition("/")
        words = [w.lower() for w in group.split(".")] if group else ["core"]
        first = _WORDS.sub("", words[0]) or "api"
        second = _WORDS.sub("", words[1]) if len(words) > 1 else ""
        version_part = _WORDS.sub("", version.lower())
        labels[path] = [first, first + version_part, first + second + version_part]
    aliases: dict[str, str] = {}
    for level in range(3):
        counts: dict[str, int] = {}
        for path in labels:
            if path not in aliases:
                counts[labels[path][level]] = counts.get(labels[path][level], 0) + 1
        for path in sorted(labels):
            candidate = labels[path][level]
            if (
                path not in aliases
                and counts[candidate] == 1
                and not in_use(candidate, taken, RESERVED_NAMES)
                and not candidate[0].isdigit()
            ):
                aliases[path] = candidate
                taken.add(candidate.casefold())
    for path in sorted(labels):
        if path not in aliases:
            aliases[path] = _unique(
                labels[path][1] if not labels[path][1][0].isdigit() else "p" + labels[path][1], taken
            )
    return aliases
