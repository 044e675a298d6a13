"""Name collisions (openapi_tool/naming.py): casefold uniqueness, numbered suffixes, shortening."""

from __future__ import annotations

import hashlib

from openapi_tool.kcl.layout import place_schemas
from openapi_tool.model import Model, Schema
from openapi_tool.naming import claim, first_free, in_use, shorten, shorten_path


def test_a_claim_is_unique_whatever_the_case() -> None:
    taken: set[str] = set()
    assert [claim(n, taken) for n in ("Foo", "foo", "FOO", "foo2")] == ["Foo", "foo2", "FOO3", "foo22"]
    assert taken == {"foo", "foo2", "foo3", "foo22"}


def test_each_call_site_keeps_its_suffix_format() -> None:
    files = {"spec.k"}
    assert claim("Spec", files, end=".k") == "Spec2.k"  # kcl/layout: `Spec2.k`
    paths = {"web.k"}
    assert claim("web", paths, separator="_", end=".k") == "web_2.k"  # convert: `web_2.k`
    assert claim("web", paths, separator="_", end=".k") == "web_3.k"


def test_names_also_taken_are_never_claimed_nor_recorded() -> None:
    own: set[str] = set()
    package = {"corev1"}
    assert claim("CoreV1", own, also_taken=(package, frozenset({"corev12"}))) == "CoreV13"
    assert own == {"corev13"} and package == {"corev1"}
    assert in_use("STR", {"x"}, frozenset({"str"})) and not in_use("strs", {"str"})


def test_first_free_may_start_from_another_name() -> None:
    owners = {"schema": "a"}
    assert first_free("", lambda folded: owners.get(folded, "b") != "b", first="Schema") == "2"
    assert first_free("Spec", lambda folded: owners.get(folded, "a") != "a", first="Spec") == "Spec"


def test_long_names_keep_their_head_and_a_digest_of_the_whole() -> None:
    name = "x" * 150
    short = shorten(name, 100)
    assert short == "x" * 91 + "_" + hashlib.sha256(name.encode()).hexdigest()[:8] and len(short) == 100
    assert shorten("abc", 3) == "abc"


def test_deep_paths_keep_their_head_directories_and_a_digest_directory() -> None:
    parts = tuple(f"part{i:03}" for i in range(60))
    short = shorten_path(parts, 200)
    assert short[:-1] == parts[: len(short) - 1]
    assert short[-1] == "p" + hashlib.sha256("/".join(parts).encode()).hexdigest()[:8]
    assert len("/".join(short)) <= 200
    assert shorten_path(("a", "b"), 3) == ("a", "b")


def test_schemas_differing_in_case_get_distinct_names_and_files() -> None:
    model = Model(schemas=(Schema(key="a", package=("v1",), name="Foo"), Schema(key="b", package=("v1",), name="foo")))
    placed = place_schemas(model)
    assert (placed["a"].name, placed["a"].file) == ("Foo", "foo.k")
    assert (placed["b"].name, placed["b"].file) == ("Foo2", "foo2.k")
