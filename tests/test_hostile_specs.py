"""Hostile OpenAPI documents and CRD group/version/kind names: the output compiles, accepts a
valid instance of every input schema and stays inside the output directory, or the input is
refused with one line naming the file and the place; no two outputs collide, in any case."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from openapi_tool.output import LOCK
from openapi_tool.sources.places import pointer_join

from .hostile import (
    assert_contained,
    assert_refused,
    case_twins,
    check_instances,
    crd,
    crd_instance,
    generate,
    names,
    texts,
)

FIXED = {"apiVersion", "kind", "metadata", "choice", "matched", "loose", "labels", "link"}
"""Properties every hostile definition has besides its hostile ones."""

BUNDLED_META = "vendor/k8s/"
"""Where CRD modules carry their copy of ObjectMeta (a module of its own)."""

definition_names = (
    names | st.lists(names, min_size=2, max_size=4).map(".".join) | names.map("io.k8s.api.{}.v1.Thing".format)
)
gvk_parts = st.tuples(names | st.just(""), names, names)


@contextmanager
def _crd_run(documents: list[dict]) -> Iterator[tuple[Path, Path, int, list[str]]]:
    """Generate from the CRDs `documents` (one JSON List) in a fresh directory: the source,
    the output directory, the exit code and the lines on standard error."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "crds.json"
        source.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": documents}), encoding="utf-8")
        out = Path(tmp) / "out"
        yield (source, out, *generate("--crd", [source], out))


def _outputs(sources: list[Path], out: Path) -> tuple[list[str], dict[str, str]]:
    """The generated `.k` files (not the bundled ObjectMeta), checked to be contained and
    distinct, and the lock's index of resource kinds to schemas."""
    files = [f for f in assert_contained(sources, out) if not f.startswith(BUNDLED_META)]
    return files, json.loads((out / LOCK).read_text(encoding="utf-8"))["resources"]


def _regex_literal(text: str) -> str:
    """A pattern that matches `text` (the meta characters escaped, the rest as is)."""
    return re.sub(r"([\\.^$|?*+()\[\]{}])", r"\\\1", text)


def _definition(
    props: list[str], description: str, enum: list[str], pattern: str, link: str | None, gvk: tuple[str, str, str]
) -> dict:
    """An object with GVK `gvk`: hostile string properties, an enum with a default, a pattern the
    description matches, a hostile pattern on an unset property, a map default, and a `$ref`."""
    node: dict[str, Any] = {
        "type": "object",
        "description": description,
        "required": [*props, "choice", "matched"] + (["link"] if link is not None else []),
        "properties": {name: {"type": "string", "description": description} for name in props}
        | {
            "choice": {"type": "string", "enum": enum, "default": enum[0], "description": description},
            "matched": {"type": "string", "pattern": _regex_literal(description)},
            "loose": {"type": "string", "pattern": pattern},
            "labels": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "default": {n: description for n in props},
            },
        },
        "x-kubernetes-group-version-kind": [dict(zip(("group", "version", "kind"), gvk))],
    }
    if link is not None:
        node["properties"]["link"] = {"$ref": link, "description": description}
    return node


def _api_version(group: str, version: str) -> str:
    return f"{group}/{version}" if group else version


def _spec_documents(style: str, definitions: dict[str, dict], split: int) -> list[dict]:
    """One swagger document, or OpenAPI 3 documents with the definitions split between two."""
    if style == "swagger":
        return [
            {"swagger": "2.0", "info": {"title": "hostile", "version": "1"}, "paths": {}, "definitions": definitions}
        ]
    items = list(definitions.items())
    parts = [dict(items[:split]), dict(items[split:])] if 0 < split < len(items) else [definitions]
    return [
        {"openapi": "3.0.0", "info": {"title": "hostile", "version": "1"}, "paths": {}, "components": {"schemas": p}}
        for p in parts
    ]


def _check_spec(
    style: str,
    entries: list[tuple[str, tuple[str, str, str]]],
    props: list[str],
    description: str,
    enum: list[str],
    pattern: str,
    split: int = 1,
) -> None:
    """Generate from definitions named and kinded by `entries`, each linking to the one before."""
    props = [p for p in props if p not in FIXED]
    container = "/definitions" if style == "swagger" else "/components/schemas"
    definitions, instances = {}, []
    for index, (name, gvk) in enumerate(entries):
        link = "#" + pointer_join(container, entries[index - 1][0]) if index else None
        definitions[name] = _definition(props, description, enum, pattern, link, gvk)
        value = {p: description for p in props if "${" not in p} | {"choice": enum[-1], "matched": description}
        if _api_version(*gvk[:2]):
            value["apiVersion"] = _api_version(*gvk[:2])
        if gvk[2]:
            value["kind"] = gvk[2]
        if index:
            value["link"] = instances[-1][1]
        instances.append((gvk, value))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sources = []
        for number, document in enumerate(_spec_documents(style, definitions, split)):
            sources.append(work / f"spec{number}.json")
            sources[-1].write_text(json.dumps(document), encoding="utf-8")
        out = work / "out"
        code, lines = generate("--spec", sources, out)
        assert code == 0, lines
        files, resources = _outputs(sources, out)
        assert len(files) == len(entries)  # one schema per definition, none lost or merged
        assert sorted(resources) == sorted(f"{_api_version(g, v)} {k}" for _, (g, v, k) in entries)
        assert len(set(resources.values())) == len(entries)
        check_instances(out, [(resources[f"{_api_version(g, v)} {k}"], value) for (g, v, k), value in instances])


@settings(max_examples=100, deadline=None)
@given(
    style=st.sampled_from(["swagger", "openapi3"]),
    entries=st.lists(
        st.tuples(definition_names, gvk_parts),
        min_size=1,
        max_size=5,
        unique_by=(lambda e: e[0], lambda e: f"{_api_version(*e[1][:2])} {e[1][2]}"),
    ),
    props=st.lists(names, max_size=5, unique=True),
    description=texts,
    enum=st.lists(texts, min_size=1, max_size=4, unique=True),
    pattern=texts,
    split=st.integers(0, 4),
)
@example(  # package names KCL reserves for its system modules
    style="swagger",
    entries=[
        ("template.Foo", ("", "v1", "Foo")),
        ("runtime.Bar", ("", "v1", "Bar")),
        ("collection.v1.Baz", ("c", "v1", "Baz")),
    ],
    props=[],
    description="",
    enum=["a"],
    pattern="",
    split=0,
)
@example(  # a package path longer than any filesystem allows
    style="openapi3",
    entries=[("a." * 2500 + "Deep", ("", "v1", "Deep")), (("b" * 99 + ".") * 50 + "Wide", ("", "v1", "Wide"))],
    props=[],
    description="",
    enum=["a"],
    pattern="",
    split=1,
)
@example(  # packages that import each other (a.Z -> b.Y -> a.X): KCL rejects cyclic imports
    style="swagger",
    entries=[("a.X", ("", "v1", "X")), ("b.Y", ("", "v1", "Y")), ("a.Z", ("", "v1", "Z"))],
    props=[],
    description="",
    enum=["a\u0301", "\u1160"],
    pattern="",
    split=0,
)
def test_hostile_openapi_documents(
    style: str, entries: list, props: list[str], description: str, enum: list[str], pattern: str, split: int
) -> None:
    _check_spec(style, entries, props, description, enum, pattern, split)


@settings(max_examples=100, deadline=None)
@given(
    groups=st.lists(names, min_size=1, max_size=3),
    versions=st.lists(names | st.just(""), min_size=1, max_size=3),
    kinds=st.lists(names, min_size=1, max_size=3),
    plural=names,
    props=st.lists(names, max_size=3, unique=True),
    description=texts,
)
@example(
    groups=["Example.com", "example.com", "EXAMPLE.COM"],
    versions=["v1", "V1"],
    kinds=["Foo", "foo"],
    plural="",
    props=[],
    description="",
)
@example(
    groups=["k8s"],
    versions=["apimachinery", "v1"],
    kinds=["ObjectMeta"],
    plural="../",
    props=["metadata"],
    description="",
)
@example(  # a kind defined twice, named with line breaks: the error stays one line
    groups=["x\n"],
    versions=["v\x0b1", "v\x0b1"],
    kinds=["K\u2028ind"],
    plural="",
    props=[],
    description="",
)
@example(  # KCL's literal types do not match text it prints escaped (a combining mark)
    groups=["x"],
    versions=["v1"],
    kinds=["Cafe\u0301"],
    plural="",
    props=[],
    description="",
)
def test_hostile_crd_groups_versions_and_kinds(
    groups: list[str], versions: list[str], kinds: list[str], plural: str, props: list[str], description: str
) -> None:
    """CRD i has group groups[i] and kind kinds[i] (cycled), each with every version."""
    count = max(len(groups), len(kinds))
    crds = [(groups[i % len(groups)], kinds[i % len(kinds)]) for i in range(count)]
    props = [p for p in props if p != "choice"]
    documents = [
        crd(dict.fromkeys(props), description, ["a"], group=g, kind=k, versions=versions, plural=plural)
        for g, k in crds
    ]
    gvks = [(g, v, k) for g, k in crds for v in versions]
    with _crd_run(documents) as (source, out, code, lines):
        refusals = _crd_refusals(crds, versions)
        event("refused" if refusals else "generated")
        if refusals:
            assert_refused(code, lines, [source], out, refusals)
            return
        assert code == 0, lines
        files, resources = _outputs([source], out)
        assert len(files) == 2 * len(gvks)  # each kind and its spec
        assert sorted(resources) == sorted(f"{g}/{v} {k}" for g, v, k in gvks)
        assert len(set(resources.values())) == len(gvks)
        spec = crd_instance(props, description, "a")
        check_instances(
            out,
            [
                (resources[f"{g}/{v} {k}"], {"apiVersion": f"{g}/{v}", "kind": k, "metadata": {"name": "x"}} | spec)
                for g, v, k in gvks
            ],
        )


def _crd_refusals(crds: list[tuple[str, str]], versions: list[str]) -> list[str]:
    """The pointers the refusals must name, in the order the tool reads the CRDs: a CRD without
    group, kind or version name (the rest of that CRD is not read), or a version defined twice;
    empty when the input is valid."""
    seen, places = set(), []
    for index, (group, kind) in enumerate(crds):
        if not group:
            places.append(f"/items/{index}/spec/group")
            continue
        if not kind:
            places.append(f"/items/{index}/spec/names/kind")
            continue
        for number, version in enumerate(versions):
            if not version or (group, version, kind) in seen:
                places.append(f"/items/{index}/spec/versions/{number}")
                if not version:
                    break
            seen.add((group, version, kind))
    return places


WORDS = ["kind", "spec", "status", "strasse", "kiss", "import", "schema", "type", "k8s"]


@settings(max_examples=60, deadline=None)
@given(
    style=st.sampled_from(["swagger", "openapi3", "crd"]),
    packages=case_twins(WORDS, min_size=1, max_size=3),
    kinds=case_twins(WORDS),
    props=case_twins(WORDS, max_size=4),
)
@example(style="crd", packages=["ss", "ß"], kinds=["Kind", "\u212aind", "KIND"], props=["ss", "ß", "SS"])
@example(style="swagger", packages=["kiss", "KISS"], kinds=["Strasse", "straße", "STRASSE"], props=["k", "K", "\u212a"])
def test_names_that_differ_only_in_case_stay_apart(
    style: str, packages: list[str], kinds: list[str], props: list[str]
) -> None:
    """Every package x kind pair is its own schema: files, schema names and resources all distinct."""
    if style != "crd":
        entries = [(f"io.k8s.api.{p}.v1.{k}", (p, "v1", k)) for p in packages for k in kinds]
        _check_spec(style, entries, props, "", ["a"], "")
        return
    documents = [crd(dict.fromkeys(props), "", ["a"], group=f"{p}.example", kind=k) for p in packages for k in kinds]
    for document in documents:  # objects, so that each property lifts into a schema of its own
        spec = document["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
        spec.update(
            {p: {"type": "object", "description": p, "properties": {"value": {"type": "string"}}} for p in props}
        )
    with _crd_run(documents) as (source, out, code, lines):
        assert code == 0, lines
        files, resources = _outputs([source], out)
        assert len(files) == (2 + len(props)) * len(documents)
        assert len(set(resources.values())) == len(documents)
        spec = {"spec": {p: {"value": p} for p in props} | {"choice": "a"}}
        check_instances(out, [(resources[f"{p}.example/v1 {k}"], {"kind": k} | spec) for p in packages for k in kinds])
