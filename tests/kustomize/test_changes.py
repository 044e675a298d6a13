"""An overlay's change expressions: kcl-lib (the oracle) evaluates `changed(ref, old, new)`,
with `ref` bound to `old`, to exactly `new`, for random documents and random edits of them."""

from __future__ import annotations

import copy
from typing import Any

import kcl_lib.api as kcl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openapi_tool.convert.kustomize.changes import changed, value_text
from openapi_tool.convert.read import parse_values

KEYS = st.sampled_from(["name", "image", "app.kubernetes.io/name", "type", "ports", "x-y", "a", "spec"])
SCALARS = st.one_of(
    st.integers(-1000, 1000),
    st.text("abc: -\n", max_size=8),
    st.booleans(),
    st.none(),
    st.sampled_from([0.5, -2.25, 0.1, 2.0]),  # kcl prints floats to 15 digits (a known limit, see README)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, min_size=1, max_size=4)),
    max_leaves=12,
)
DOCUMENTS = st.dictionaries(KEYS, VALUES, min_size=1, max_size=5)


def _run(program: str) -> list[Any]:
    result = kcl.API().exec_program(kcl.ExecProgramArgs(k_filename_list=["main.k"], k_code_list=[program]))
    assert not result.err_message, program + "\n" + result.err_message
    return parse_values(result.yaml_result)


@st.composite
def edits(draw: st.DrawFn) -> tuple[dict, dict]:
    old = draw(DOCUMENTS)
    new = copy.deepcopy(old)
    for _ in range(draw(st.integers(1, 4))):
        path: list[Any] = []
        node: Any = new
        while isinstance(node, (dict, list)) and node and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(node) if isinstance(node, dict) else list(range(len(node)))))
            path.append(key)
            node = node[key]
        parent = new
        for key in path[:-1]:
            parent = parent[key]
        if path:
            parent[path[-1]] = draw(VALUES)
        else:
            new[draw(KEYS)] = draw(VALUES)
    return old, new


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits())
def test_changes_evaluate_to_the_new_document(pair: tuple[dict, dict]) -> None:
    old, new = pair
    program = f"import manifests\n_old = {value_text(old, 0)}\n_new = {changed('_old', old, new)}\n"
    program += "manifests.yaml_stream([_new, None])\n"  # None last: kcl-lib keeps a final line break
    assert _run(program) == [new, None]


def test_a_change_is_written_as_the_keys_it_sets() -> None:
    old = {
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"ports": [{"port": 80}, {"port": 443, "name": "https"}]},
    }
    new = copy.deepcopy(old)
    new["metadata"]["name"] = "dev-web"
    new["metadata"]["labels"]["app.kubernetes.io/part-of"] = "shop"
    new["spec"]["ports"][1]["port"] = 8443
    text = changed("base", old, new)
    assert 'metadata.name = "dev-web"' in text
    assert 'metadata.labels: {"app.kubernetes.io/part-of" = "shop"}' in text
    assert "spec.ports = [base.spec.ports[0], base.spec.ports[1] | {port = 8443}]" in text
    assert changed("base", old, copy.deepcopy(old)) == "base"
