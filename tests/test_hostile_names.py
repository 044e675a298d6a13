"""Hostile names and texts in a CRD still give KCL that compiles and accepts a valid instance."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from openapi_tool.cli import main
from openapi_tool.kcl_compile import compile_module

from .hostile import check_instances, crd, crd_instance, names, texts


@settings(max_examples=60, deadline=None)
@given(
    properties=st.dictionaries(names, st.just(None), min_size=1, max_size=6),
    description=texts,
    enum=st.lists(texts, min_size=1, max_size=4, unique=True),
)
def test_hostile_crd_compiles_and_accepts_a_valid_instance(tmp_path_factory, properties, description, enum) -> None:
    properties.pop("choice", None)
    work = tmp_path_factory.mktemp("hostile")
    source = work / "crd.json"
    source.write_text(json.dumps(crd(properties, description, enum)), encoding="utf-8")
    out = work / "out"
    assert main(["gen", "-q", "--crd", str(source), "-o", str(out)]) == 0
    check_instances(out, [("hostile_example.v1.ThingProtocolSchema", crd_instance(properties, description, enum[-1]))])


def test_nothing_is_written_outside_the_output(tmp_path: Path) -> None:
    document = crd({"../../escape": None, "/abs": None}, "x", ["a"])
    document["spec"]["group"] = "../../evil"
    document["spec"]["names"]["kind"] = "../Kind"
    document["spec"]["versions"][0]["name"] = "/etc"
    source = tmp_path / "crd.json"
    source.write_text(json.dumps(document), encoding="utf-8")
    out = tmp_path / "nested" / "out"
    assert main(["gen", "-q", "--crd", str(source), "-o", str(out)]) == 0
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and out not in p.parents and p != source]
    assert outside == []
    assert not [r.error for r in compile_module(out) if r.error]
