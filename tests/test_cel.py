"""CEL rules (`x-kubernetes-validations`) translated into KCL checks, on a CRD written here
(tests/fixtures/cel_rules): no corpus needed.

Every case says by hand whether its instance passes the rule; the CEL runtime
(`common-expression-language`) must give the same verdict, jsonschema must find the
instance structurally valid (so a `fail` fails through its rule alone), and the generated
KCL schema must agree. The harness is `check_cel_fixture` in tests/fidelity/; the corpus
CRDs get the same treatment in tests/test_fidelity.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from . import fidelity

CASES = Path(__file__).resolve().parent / "fixtures" / "cel_rules" / "cases.yaml"
UNTRANSLATED = {"self.id == oldSelf.id"}
"""Rules with no KCL form (a transition rule): kept as a comment, they reject nothing."""


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> list[fidelity.FixtureOutcome]:
    pytest.importorskip("cel", reason="the CEL oracle is the common-expression-language package (the `test` extra)")
    pytest.importorskip("jsonschema", reason="the structural oracle is the jsonschema package (the `test` extra)")
    return fidelity.check_cel_fixture(None, CASES, tmp_path_factory.mktemp("cel"))


def test_the_cases_agree_with_the_cel_runtime_and_jsonschema(outcomes: list[fidelity.FixtureOutcome]) -> None:
    faults = [f"{o.at} {o.rule!r} {o.value!r}: {'; '.join(o.problems)}" for o in outcomes if o.problems]
    assert not faults, "fixture faults:\n" + "\n".join(faults)
    unevaluable = sorted({o.rule for o in outcomes if o.translated and not o.evaluable})
    assert not unevaluable, f"translated rules the CEL runtime cannot evaluate (no oracle): {unevaluable}"


def test_every_rule_but_the_transition_rule_is_translated(outcomes: list[fidelity.FixtureOutcome]) -> None:
    assert {o.rule for o in outcomes if not o.translated} == UNTRANSLATED
    assert len({o.rule for o in outcomes}) >= 20


def test_each_translated_rule_is_seen_passing_and_failing(outcomes: list[fidelity.FixtureOutcome]) -> None:
    seen: dict[str, set[bool]] = {}
    for o in outcomes:
        if o.translated:
            seen.setdefault(o.rule, set()).add(o.expected)
    one_sided = sorted(rule for rule, verdicts in seen.items() if verdicts != {True, False})
    assert not one_sided, one_sided


def test_kcl_gives_every_verdict(outcomes: list[fidelity.FixtureOutcome]) -> None:
    wrong = [
        f"{o.at} {o.rule!r} value {o.value!r}: expected {'pass' if o.expected else 'fail'}, "
        f"KCL {'accepts' if o.kcl else 'rejects'} {o.kcl_message[:200]}"
        for o in outcomes
        if not o.agrees
    ]
    assert not wrong, f"{len(wrong)} of {len(outcomes)}:\n" + "\n".join(wrong)
