"""Which `pattern` regexes the KCL regex engine accepts, asked of the compiler itself.

KCL reports a bad regex only when a check runs, so an unchecked pattern would reject every
value. Patterns are tried in one program per batch; the line of each failure names the
pattern, which is dropped before the batch is run again.

Importing kcl-lib costs more than the rest of rendering a large CRD's checks, so the
verdicts for the patterns of the corpus and the bundled specs are shipped in
`regex_verdicts.json` beside this module, stamped with the kcl-lib version that gave them
(`python -m openapi_tool.kcl.patterns [PATH ...]` writes it). A pattern not in it, or any
pattern when the installed kcl-lib differs from the stamp, is asked of kcl-lib as before:
a stale file costs time, never a different output. Nothing is written at run time.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from openapi_tool.kcl.names import string_literal
from openapi_tool.model import Constraints, ListType, MapType, Model, Schema, Type

VERDICTS = Path(__file__).with_name("regex_verdicts.json")
_FAILED_LINE = re.compile(r"main\.k:(\d+):")


class PatternChecker:
    """Remembers, per pattern, whether KCL's `regex.search` accepts it."""

    def __init__(self) -> None:
        self._known: dict[str, bool] = dict(shipped_verdicts())

    def __call__(self, pattern: str) -> bool:
        if pattern not in self._known:
            self.prime([pattern])
        return self._known[pattern]

    def prime(self, patterns: Iterable[str]) -> None:
        """Check every pattern not known yet, in as few compiler runs as possible."""
        self._known.update(kcl_verdicts(p for p in patterns if p not in self._known))


def kcl_verdicts(patterns: Iterable[str]) -> dict[str, bool]:
    """Whether KCL's `regex.search` accepts each pattern, asked of kcl-lib."""
    pending = list(dict.fromkeys(patterns))
    if not pending:
        return {}
    import kcl_lib.api as kcl

    api = kcl.API()
    known: dict[str, bool] = {}
    with tempfile.TemporaryDirectory(prefix="openapi-tool-patterns-") as work:
        main = Path(work) / "main.k"
        while pending:
            lines = ["import regex as _regex"]
            lines += [f'_p{i} = _regex.search("", {string_literal(p)})' for i, p in enumerate(pending)]
            main.write_text("\n".join(lines) + "\n", encoding="utf-8")
            error = _run(api, kcl, main)
            if not error:
                known.update(dict.fromkeys(pending, True))
                return known
            failed = _FAILED_LINE.search(error)
            index = int(failed.group(1)) - 2 if failed else -1
            if not 0 <= index < len(pending):
                known.update(dict.fromkeys(pending, False))
                return known
            known[pending.pop(index)] = False
            known.update(dict.fromkeys(pending[:index], True))
            pending = pending[index:]
    return known


def _run(api, kcl, main: Path) -> str:
    try:
        return api.exec_program(kcl.ExecProgramArgs(k_filename_list=[str(main)], work_dir=str(main.parent))).err_message
    except Exception as error:  # a pattern that breaks the string syntax itself
        return str(error)


@cache
def shipped_verdicts() -> dict[str, bool]:
    """The shipped verdicts, or none when they were made with another kcl-lib than the installed one."""
    data, stamp = _shipped(), installed_kcl_lib()
    return data["verdicts"] if stamp and data.get("kcl_lib") == stamp else {}


def _shipped() -> dict[str, Any]:
    try:
        return json.loads(VERDICTS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def installed_kcl_lib() -> str:
    """The installed kcl-lib's version, from its wheel metadata folder; found without importing kcl_lib."""
    import importlib.util

    spec = importlib.util.find_spec("kcl_lib")
    if spec is None or not spec.submodule_search_locations:
        return ""
    site = Path(list(spec.submodule_search_locations)[0]).parent
    found = [n for n in os.listdir(site) if n.startswith("kcl_lib-") and n.endswith(".dist-info")]
    return found[0].removeprefix("kcl_lib-").removesuffix(".dist-info") if len(found) == 1 else ""


def all_constraints(model: Model) -> list[Constraints]:
    """Every constraint set in the model: schemas, properties, list items and map values."""
    return [c for schema in model.schemas for c in schema_constraints(schema)]


def schema_constraints(schema: Schema) -> list[Constraints]:
    """Every constraint set of one schema: its own, its properties', their list items' and map values'."""
    found: list[Constraints] = [schema.constraints]

    def visit(constraints: Constraints, type_: Type) -> None:
        found.append(constraints)
        if isinstance(type_, ListType):
            visit(type_.item_constraints, type_.items)
        if isinstance(type_, MapType):
            visit(type_.value_constraints, type_.values)

    for prop in schema.properties:
        visit(prop.constraints, prop.type)
    return found


def all_patterns(model: Model) -> list[str]:
    """Every `pattern` in the model."""
    return [c.pattern for c in all_constraints(model) if c.pattern is not None]


def kcl_version() -> str:
    """The KCL engine's version as kcl-lib reports it: release and checksum."""
    import kcl_lib.api as kcl

    version = kcl.API().get_version()
    return f"{version.version}-{version.checksum}"


def patterns_in(paths: Iterable[Path]) -> set[str]:
    """Every string under a `pattern` key, and every string literal of a CEL `rule` (what
    `matches()` may take), in the YAML and JSON files at or below the paths (a file that does
    not parse is passed over)."""
    from openapi_tool.loader import JSON_SUFFIXES, YAML_SUFFIXES, parse_text

    found: set[str] = set()
    for path in paths:
        for file in sorted([path] if path.is_file() else path.rglob("*")):
            if file.suffix in YAML_SUFFIXES + JSON_SUFFIXES and file.is_file():
                try:
                    documents = parse_text(str(file), file.read_bytes())
                except Exception:  # templates, fixtures of bad input
                    continue
                for document in documents:
                    _collect(document.data, found)
    return found


def _collect(value: Any, found: set[str]) -> None:
    from openapi_tool.kcl.cel import string_constants

    if isinstance(value, dict):
        if isinstance(value.get("pattern"), str):
            found.add(value["pattern"])
        if isinstance(value.get("rule"), str):
            found.update(string_constants(value["rule"]))
        for item in value.values():
            _collect(item, found)
    elif isinstance(value, list):
        for item in value:
            _collect(item, found)


def verdicts_text(patterns: Iterable[str]) -> str:
    """The verdicts file: kcl-lib's verdict on each pattern, stamped with kcl-lib's and KCL's versions."""
    stamp = installed_kcl_lib()
    if not stamp:
        raise SystemExit("cannot tell the installed kcl-lib's version from its metadata")
    verdicts = kcl_verdicts(sorted(patterns))
    data = {"kcl_lib": stamp, "kcl": kcl_version(), "verdicts": dict(sorted(verdicts.items()))}
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> None:
    """Ask kcl-lib again about every shipped pattern and every pattern in the files under argv."""
    patterns = set(_shipped().get("verdicts", {})) | patterns_in(Path(arg) for arg in argv)
    VERDICTS.write_text(verdicts_text(patterns), encoding="utf-8")
    print(f"wrote {len(patterns)} verdicts to {VERDICTS}")


if __name__ == "__main__":
    main(sys.argv[1:])
