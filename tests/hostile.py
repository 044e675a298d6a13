"""Hostile names and texts for property tests, and what every generation from them must satisfy.

Either the tool writes a module that compiles with kcl-lib and accepts a valid instance of
every input schema, or it refuses with a one-line error naming the file and the place and
writes nothing; in both cases nothing lands outside the output directory and no two
outputs collide, not even on a case-insensitive filesystem.
"""

from __future__ import annotations

import contextlib
import io
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import kcl_lib.api as kcl
from hypothesis import strategies as st

from openapi_tool.cli import main
from openapi_tool.kcl.names import KEYWORDS
from openapi_tool.kcl.values import literal
from openapi_tool.kcl_compile import external_packages, external_pkgs

TRICKY = [
    '"""',
    "\\",
    "${HOME}",
    "${",
    "$",
    "\n",
    "\t",
    "é",
    "中文",
    "\x01",
    "\u2028",
    '"',
    "'",
    "{",
    "}",
    "#",
    "../",
    "/",
]
texts = st.lists(st.sampled_from(TRICKY) | st.text(max_size=6), max_size=5).map("".join)

FOLD_ALIKES = {"s": "\u017f", "k": "\u212a"}
"""Letters with a non-ASCII twin that casefolds to them: long s, Kelvin sign."""

HOSTILE_NAMES = sorted(KEYWORDS) + [
    "len",
    "regex",
    "str",
    "int",
    "any",
    "typeof",
    "Protocol",
    "FooMixin",
    "a-b",
    "a.b",
    "1x",
    "",
    "_",
    "$ref",
    "${x}",
    "../",
    "../../etc/passwd",
    "/abs",
    "/",
    ".",
    "..",
    "~",
    "a/b",
    "C:\\tmp",
    "\\",
    '"""',
    "${",
    "\n",
    "é",
    "中文",
    "x" * 300,
    "ß",
    "ss",
    "\u212a",
    "K",
    "k",
    "Kind",
    "KIND",
    "kind_test",
    "template",
    "runtime",
    "collection",
    "kcl_plugin",
    "k8s",
    "models",
    "main",
]
"""Keywords, builtin and system module names, paths, quotes, unicode, case twins, a very long name."""

names = st.sampled_from(HOSTILE_NAMES) | st.text(min_size=1, max_size=12)


def spellings(word: str) -> st.SearchStrategy[str]:
    """`word` with each letter in either case or as a twin that casefolds to it (`ss` may be `ß`)."""
    letters = st.sampled_from([word, word.replace("ss", "ß")]).flatmap(
        lambda w: st.tuples(*(st.sampled_from(sorted({c.lower(), c.upper(), FOLD_ALIKES.get(c, c)})) for c in w))
    )
    return letters.map("".join)


def case_twins(words: Iterable[str], min_size: int = 2, max_size: int = 5) -> st.SearchStrategy[list[str]]:
    """Several distinct spellings of one word: names that differ only in case or casefold alike."""
    return st.sampled_from(list(words)).flatmap(
        lambda w: st.lists(spellings(w), min_size=min_size, max_size=max_size, unique=True)
    )


def crd(
    properties: dict,
    description: str,
    enum: list[str],
    group: str = "hostile.example",
    kind: str = "ThingProtocol",
    versions: Iterable[str] = ("v1",),
    plural: str = "things",
) -> dict:
    """A CRD whose `spec` has string properties `properties` and a required enum `choice`."""
    props = {name: {"type": "string", "description": description} for name in properties}
    props["choice"] = {"type": "string", "enum": enum, "default": enum[0]}
    schema = {
        "type": "object",
        "description": description,
        "properties": {"spec": {"type": "object", "required": ["choice"], "properties": props}},
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "names": {"kind": kind, "plural": plural},
            "scope": "Namespaced",
            "versions": [
                {"name": v, "served": True, "storage": i == 0, "schema": {"openAPIV3Schema": schema}}
                for i, v in enumerate(versions)
            ],
        },
    }


def crd_instance(properties: Iterable[str], description: str, choice: str) -> dict:
    """A valid `spec` for `crd(...)`: every declarable property set, `choice` one of the enum."""
    return {"spec": {name: description for name in properties if "${" not in name} | {"choice": choice}}


def generate(flag: str, sources: list[Path], out: Path) -> tuple[int, list[str]]:
    """Run `openapi-tool gen -q`; its exit code and the lines it wrote to standard error."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["gen", "-q", *(arg for source in sources for arg in (flag, str(source))), "-o", str(out)])
    return code, err.getvalue().splitlines()


def assert_refused(code: int, lines: list[str], sources: list[Path], out: Path, places: list[str]) -> None:
    """Exit 1, one line per problem naming one of the files and its place (a JSON pointer), in
    order, nothing written."""
    assert code == 1, lines
    assert len(lines) == len(places), (lines, places)
    for line, place in zip(lines, places):
        assert any(line.startswith(f"error: {source}:") for source in sources), line
        assert place in line, (line, place)
    assert _tree(out.parent) == {source.relative_to(out.parent).as_posix() for source in sources}


def assert_contained(sources: list[Path], out: Path) -> list[str]:
    """Everything written is inside `out`, and no two outputs are one path on a filesystem that
    ignores case or normalizes unicode; returns the generated `.k` files."""
    work = out.parent
    outside = _tree(work) - {s.relative_to(work).as_posix() for s in sources} - {"out"}
    assert {p for p in outside if not p.startswith("out/")} == set()
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    folded = [unicodedata.normalize("NFKC", p).casefold() for p in written]
    assert len(set(folded)) == len(folded), sorted(
        p for p in written if folded.count(unicodedata.normalize("NFKC", p).casefold()) > 1
    )
    return [p for p in written if p.endswith(".k")]


def _tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def check_instances(out: Path, instances: list[tuple[str, Any]]) -> None:
    """One program imports every generated package and types each value with its schema
    (`"pkg.path.Name"`); kcl-lib must accept them all. The vendored `k8s` module's packages
    are imported as `k8s...`, through the path dependency."""
    folders = {p.parent.relative_to(out).as_posix() for p in out.rglob("*.k")}
    packages = sorted({f.removeprefix("vendor/").replace("/", ".") for f in folders})
    aliases = {package: f"_p{index}" for index, package in enumerate(packages)}
    lines = [f"import {package} as {alias}" for package, alias in aliases.items()]
    for index, (schema, value) in enumerate(instances):
        package, name = schema.rsplit(".", 1)
        lines.append(f"i{index}: {aliases[package]}.{name} = {literal(value)}")
    main_k = out / "main.k"
    main_k.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        api = kcl.API()
        external = external_pkgs(external_packages(out))
        result = api.exec_program(
            kcl.ExecProgramArgs(k_filename_list=[str(main_k)], work_dir=str(out), external_pkgs=external)
        )
    finally:
        main_k.unlink()
    assert result.err_message == "", result.err_message
    for index in range(len(instances)):
        assert f"i{index}:" in result.yaml_result
