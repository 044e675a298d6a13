"""Validation fidelity (issue 4, "Measure"): the generated KCL schemas against independent
oracles over every CRD of ../shared/corpus/crds. The harness is tests/fidelity.py (its
docstring says what is compared and how); bench/fidelity.py prints the same table with
more detail and a bigger sample.

Targets: no false rejects on real manifests (nor on synthesised valid instances); at
least 99.5% agreement with jsonschema on mutated instances for the constraints both sides
express; 100% verdict agreement with the CEL runtime on the translated rules; and the
hand-written CEL cases (tests/fixtures/cel/) agree with KCL.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from . import fidelity

pytestmark = pytest.mark.corpus

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "cel"

BUDGET = fidelity.TEST_BUDGET
"""Sized for a few minutes on two cores; bench/fidelity.py takes bigger samples."""


def _examples(results: list[fidelity.FileResult], test, limit: int = 12) -> str:
    found = [d for r in results for d in r.disagreements if test(d)]
    lines = [f"{len(found)} disagreements, for example:"]
    for d in found[:limit]:
        lines.append(
            f"  {d.file} {d.resource} [{d.klass}] {d.path or ''} ({d.keyword or '-'}): "
            f"KCL {'accepts' if d.kcl else 'rejects'} ({d.kcl_message[:160]}); "
            f"oracle {'accepts' if d.oracle else 'rejects'} ({d.oracle_message[:160]})"
        )
    return "\n".join(lines)


def _show(request: pytest.FixtureRequest, text: str) -> None:
    """Print past pytest's capture (the numbers are the point of this module)."""
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print("\n" + text)


@pytest.fixture(scope="module")
def results(corpus: Path, request: pytest.FixtureRequest) -> list[fidelity.FileResult]:
    pytest.importorskip("jsonschema", reason="the structural oracle is the jsonschema package (the `test` extra)")
    pytest.importorskip("cel", reason="the CEL oracle is the common-expression-language package (the `test` extra)")
    measured = fidelity.measure_corpus(corpus, budget=BUDGET, seed=0)
    _show(request, "\n\n".join([fidelity.table(measured), fidelity.class_table(measured), fidelity.cel_summary(measured)]))
    return measured


def test_every_crd_file_generates(results: list[fidelity.FileResult]) -> None:
    errors = [f"{r.file}: {e}" for r in results for e in r.errors]
    assert len(results) > 100
    assert not errors, "\n".join(errors[:20])


def test_no_false_rejects_on_real_manifests(results: list[fidelity.FileResult]) -> None:
    compared = sum(r.tallies["manifest"].total for r in results)
    rejects = sum(r.tallies["manifest"].false_rejects for r in results)
    assert compared > 500
    assert rejects == 0, _examples(results, lambda d: d.category == "manifest" and d.kind == "false reject")


def test_synthesised_valid_instances_are_accepted(results: list[fidelity.FileResult]) -> None:
    rejects = sum(r.tallies["synthesised"].false_rejects for r in results)
    assert rejects == 0, _examples(results, lambda d: d.category == "synthesised" and d.kind == "false reject")


def test_mutated_instances_agree_with_jsonschema(results: list[fidelity.FileResult]) -> None:
    total = fidelity.Tally()
    for r in results:
        total.merge(r.tallies["mutated"])
    assert total.total > 2000
    assert total.agreement >= 99.5, f"{total.agreement:.2f}% agreement on {total.total} mutated instances; " + _examples(
        results, lambda d: d.category == "mutated"
    )


def test_translated_cel_rules_agree_with_the_cel_runtime(results: list[fidelity.FileResult]) -> None:
    total = fidelity.Tally()
    for r in results:
        total.merge(r.tallies["cel"])
    assert total.total > 200
    assert total.agree == total.total, f"{total.agreement:.2f}% agreement on {total.total} instances; " + _examples(
        results, lambda d: d.category == "cel"
    )


def test_hand_written_cel_cases(corpus: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    pytest.importorskip("cel", reason="the CEL oracle is the common-expression-language package (the `test` extra)")
    outcomes = []
    for fixture in sorted(FIXTURES.glob("*.yaml")):
        outcomes += fidelity.check_cel_fixture(corpus, fixture, tmp_path / fixture.stem)
    rules = {(o.resource, o.at, o.rule) for o in outcomes}
    projects = {o.resource.split()[0].split("/")[0] for o in outcomes}
    faults = [f"{o.resource} {o.at} {o.rule[:70]!r} {o.value!r}: {'; '.join(o.problems)}" for o in outcomes if o.problems]
    translated = [o for o in outcomes if o.translated]
    wrong = [
        f"{o.resource} {o.at} {o.rule[:70]!r} value {o.value!r}: expected {'pass' if o.expected else 'fail'}, "
        f"KCL {'accepts' if o.kcl else 'rejects'} {o.kcl_message[:200]}"
        for o in translated
        if not o.agrees
    ]
    kept = [o for o in outcomes if not o.translated]
    rejected_by_comment = [f"{o.resource} {o.at} {o.value!r}: {o.kcl_message[:200]}" for o in kept if o.expected and not o.kcl]
    _show(
        request,
        f"hand-written CEL cases: {len(outcomes)} instances for {len(rules)} rules; translated rules "
        f"{len({(o.resource, o.at, o.rule) for o in translated})}, KCL agrees on {len(translated) - len(wrong)}/{len(translated)}; "
        f"untranslated (kept as comments) {len({(o.resource, o.at, o.rule) for o in kept})}",
    )
    assert len(rules) >= 40 and len(projects) >= 3
    assert not faults, "fixture faults:\n" + "\n".join(faults)
    assert not rejected_by_comment, "\n".join(rejected_by_comment)
    assert not wrong, "\n".join(wrong)
