"""Validation fidelity (issue 4, "Measure"): the generated KCL schemas against independent
oracles over every CRD of ../shared/corpus/crds. The harness is tests/fidelity/ (its package
docstring says what is compared and how); bench/fidelity.py prints the same table with
more detail and a bigger sample.

Every verdict must agree: on real manifests, synthesised valid instances, mutated instances
(with jsonschema) and translated CEL rules (with the CEL runtime). A disagreement passes
only when expected_disagreements.yaml lists it with its evidence, and a listed one that no
longer happens fails too (the list is kept exact). The hand-written CEL cases
(tests/fixtures/cel/) must agree with KCL as well.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from . import fidelity

pytestmark = pytest.mark.corpus

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "cel"
EXPECTED = Path(__file__).with_name("expected_disagreements.yaml")
FIELDS = ("category", "file", "resource", "class", "path", "pointer", "kcl")
"""What names one disagreement in expected_disagreements.yaml (`pointer` and `path` may be
empty); each entry also needs `reason` and `evidence`."""

BUDGET = fidelity.TEST_BUDGET
"""Sized for a few minutes on two cores; bench/fidelity.py takes bigger samples."""


def _key(d: fidelity.Disagreement) -> tuple[str, ...]:
    return (d.category, d.file, d.resource, d.klass, d.path, d.pointer, "accepts" if d.kcl else "rejects")


def _expected() -> dict[tuple[str, ...], dict[str, Any]]:
    out: dict[tuple[str, ...], dict[str, Any]] = {}
    for entry in yaml.safe_load(EXPECTED.read_text(encoding="utf-8")) or []:
        missing = {"category", "file", "resource", "class", "kcl", "reason", "evidence"} - set(entry)
        assert not missing, f"{EXPECTED.name}: entry {entry} lacks {sorted(missing)}"
        key = tuple(str(entry.get(name, "")) for name in FIELDS)
        assert key not in out, f"{EXPECTED.name}: {key} listed twice"
        out[key] = entry
    return out


def _describe(d: fidelity.Disagreement) -> str:
    return (
        f"  {d.file} {d.resource} [{d.category}/{d.klass}] {d.path or ''} {d.pointer or ''} ({d.keyword or '-'}): "
        f"KCL {'accepts' if d.kcl else 'rejects'} ({d.kcl_message[:160]}); "
        f"oracle {'accepts' if d.oracle else 'rejects'} ({d.oracle_message[:160]})"
    )


def _unexpected(results: list[fidelity.FileResult], category: str) -> str:
    """Disagreements of this category not in expected_disagreements.yaml ("" when none)."""
    expected = _expected()
    found = [d for r in results for d in r.disagreements if d.category == category and _key(d) not in expected]
    if not found:
        return ""
    return f"{len(found)} disagreements not in {EXPECTED.name}:\n" + "\n".join(_describe(d) for d in found[:20])


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
    _show(
        request, "\n\n".join([fidelity.table(measured), fidelity.class_table(measured), fidelity.cel_summary(measured)])
    )
    return measured


def test_every_crd_file_generates(results: list[fidelity.FileResult]) -> None:
    errors = [f"{r.file}: {e}" for r in results for e in r.errors]
    assert len(results) > 100
    assert not errors, "\n".join(errors[:20])


def test_real_manifests_agree(results: list[fidelity.FileResult]) -> None:
    assert sum(r.tallies["manifest"].total for r in results) > 500
    problem = _unexpected(results, "manifest")
    assert not problem, problem


def test_synthesised_valid_instances_are_accepted(results: list[fidelity.FileResult]) -> None:
    assert sum(r.tallies["synthesised"].total for r in results) > 500
    problem = _unexpected(results, "synthesised")
    assert not problem, problem


def test_mutated_instances_agree_with_jsonschema(results: list[fidelity.FileResult]) -> None:
    assert sum(r.tallies["mutated"].total for r in results) > 2000
    problem = _unexpected(results, "mutated")
    assert not problem, problem


def test_translated_cel_rules_agree_with_the_cel_runtime(results: list[fidelity.FileResult]) -> None:
    assert sum(r.tallies["cel"].total for r in results) > 200
    problem = _unexpected(results, "cel")
    assert not problem, problem


def test_every_expected_disagreement_still_happens(results: list[fidelity.FileResult]) -> None:
    found = {_key(d) for r in results for d in r.disagreements}
    stale = [entry for key, entry in _expected().items() if key not in found]
    assert not stale, f"{len(stale)} entries of {EXPECTED.name} no longer happen (remove them):\n" + "\n".join(
        f"  {e}" for e in stale
    )


def test_hand_written_cel_cases(corpus: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    pytest.importorskip("cel", reason="the CEL oracle is the common-expression-language package (the `test` extra)")
    outcomes = []
    for fixture in sorted(FIXTURES.glob("*.yaml")):
        outcomes += fidelity.check_cel_fixture(corpus, fixture, tmp_path / fixture.stem)
    rules = {(o.resource, o.at, o.rule) for o in outcomes}
    projects = {o.resource.split()[0].split("/")[0] for o in outcomes}
    faults = [
        f"{o.resource} {o.at} {o.rule[:70]!r} {o.value!r}: {'; '.join(o.problems)}" for o in outcomes if o.problems
    ]
    translated = [o for o in outcomes if o.translated]
    wrong = [
        f"{o.resource} {o.at} {o.rule[:70]!r} value {o.value!r}: expected {'pass' if o.expected else 'fail'}, "
        f"KCL {'accepts' if o.kcl else 'rejects'} {o.kcl_message[:200]}"
        for o in translated
        if not o.agrees
    ]
    kept = [o for o in outcomes if not o.translated]
    rejected_by_comment = [
        f"{o.resource} {o.at} {o.value!r}: {o.kcl_message[:200]}" for o in kept if o.expected and not o.kcl
    ]
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
