"""Hostile names and texts in a CRD still give KCL that compiles and accepts a valid instance."""

from __future__ import annotations

import json
from pathlib import Path

import kcl_lib.api as kcl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openapi_tool.cli import main
from openapi_tool.kcl.names import KEYWORDS
from openapi_tool.kcl.values import literal
from openapi_tool.verify import compile_module

TRICKY = ['"""', "\\", "${HOME}", "${", "$", "\n", "\t", "é", "中文", "\x01", "\u2028", '"', "'", "{", "}", "#", "../", "/"]
texts = st.lists(st.sampled_from(TRICKY) | st.text(max_size=6), max_size=5).map("".join)
names = (
    st.sampled_from(sorted(KEYWORDS) + ["len", "regex", "str", "int", "any", "typeof", "Protocol", "a-b", "a.b", "1x", "", "_", "$ref", "${x}"])
    | st.text(min_size=1, max_size=12)
)


def _crd(properties: dict, description: str, enum: list[str]) -> dict:
    props = {name: {"type": "string", "description": description} for name in properties}
    props["choice"] = {"type": "string", "enum": enum, "default": enum[0]}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "things.hostile.example"},
        "spec": {
            "group": "hostile.example",
            "names": {"kind": "ThingProtocol", "plural": "things"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "description": description,
                            "properties": {"spec": {"type": "object", "required": ["choice"], "properties": props}},
                        }
                    },
                }
            ],
        },
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    properties=st.dictionaries(names, st.just(None), min_size=1, max_size=6),
    description=texts,
    enum=st.lists(texts, min_size=1, max_size=4, unique=True),
)
def test_hostile_crd_compiles_and_accepts_a_valid_instance(tmp_path_factory, properties, description, enum) -> None:
    properties.pop("choice", None)
    work = tmp_path_factory.mktemp("hostile")
    source = work / "crd.json"
    source.write_text(json.dumps(_crd(properties, description, enum)), encoding="utf-8")
    out = work / "out"
    assert main(["gen", "-q", "--crd", str(source), "-o", str(out)]) == 0
    errors = [r.error for r in compile_module(out) if r.error]
    assert not errors, errors[0]
    instance = {"spec": {name: description for name in properties if "${" not in name} | {"choice": enum[-1]}}
    (out / "main.k").write_text(
        "import hostile_example.v1 as h\n\n"
        f"_data = {literal(instance)}\nthing: h.ThingProtocolSchema = _data\n",
        encoding="utf-8",
    )
    api = kcl.API()
    result = api.exec_program(kcl.ExecProgramArgs(k_filename_list=[str(out / "main.k")], work_dir=str(out)))
    assert result.err_message == ""
    assert "thing:" in result.yaml_result


def test_nothing_is_written_outside_the_output(tmp_path: Path) -> None:
    crd = _crd({"../../escape": None, "/abs": None}, "x", ["a"])
    crd["spec"]["group"] = "../../evil"
    crd["spec"]["names"]["kind"] = "../Kind"
    crd["spec"]["versions"][0]["name"] = "/etc"
    source = tmp_path / "crd.json"
    source.write_text(json.dumps(crd), encoding="utf-8")
    out = tmp_path / "nested" / "out"
    assert main(["gen", "-q", "--crd", str(source), "-o", str(out)]) == 0
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and out not in p.parents and p != source]
    assert outside == []
    assert not [r.error for r in compile_module(out) if r.error]
