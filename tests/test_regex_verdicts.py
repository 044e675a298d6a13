"""The shipped regex verdicts (openapi_tool/kcl/regex_verdicts.json) against kcl-lib's live answers.

If a test here fails after upgrading kcl-lib, rebuild the file with
`python -m openapi_tool.kcl.patterns ../shared/corpus specs` (until then the tool asks kcl-lib
at run time, as it did before the file existed).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from openapi_tool.kcl import patterns
from openapi_tool.kcl.patterns import VERDICTS, PatternChecker, kcl_verdicts

from .conftest import ROOT

SHIPPED = json.loads(VERDICTS.read_text(encoding="utf-8"))
REBUILD = (
    "kcl-lib changed: run `python -m openapi_tool.kcl.patterns ../shared/corpus specs` and commit regex_verdicts.json"
)


def test_shipped_verdicts_are_for_the_installed_kcl_lib():
    assert SHIPPED["kcl_lib"] == patterns.installed_kcl_lib(), REBUILD
    assert SHIPPED["kcl"] == patterns.kcl_version(), REBUILD
    assert patterns.shipped_verdicts() == SHIPPED["verdicts"]


def test_each_shipped_verdict_is_kcl_libs_answer_for_that_pattern_alone():
    live = {pattern: kcl_verdicts([pattern])[pattern] for pattern in SHIPPED["verdicts"]}
    assert live == SHIPPED["verdicts"], REBUILD


def test_shipped_verdicts_hold_both_answers():
    """Accepted and rejected patterns alike, so the test above compares both ways."""
    assert set(SHIPPED["verdicts"].values()) == {True, False}


def test_shipped_patterns_are_checked_without_kcl_lib():
    program = (
        "import sys, json\n"
        "from openapi_tool.kcl.patterns import VERDICTS, PatternChecker\n"
        "verdicts = json.loads(VERDICTS.read_text(encoding='utf-8'))['verdicts']\n"
        "checker = PatternChecker()\n"
        "checker.prime(verdicts)\n"
        "assert all(checker(p) == v for p, v in verdicts.items())\n"
        "print('kcl_lib' in sys.modules)\n"
    )
    run = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"


def test_a_pattern_not_shipped_is_asked_of_kcl_lib():
    checker = PatternChecker()
    assert "[z-a]" not in SHIPPED["verdicts"] and "(?<=x)y" not in SHIPPED["verdicts"]
    assert checker("[z-a]") is False  # a reversed class range
    assert checker("(?<=x)y") is True  # look-behind, which fancy-regex has


@pytest.fixture
def stale(monkeypatch):
    monkeypatch.setattr(patterns, "installed_kcl_lib", lambda: "0.0.0-another")
    patterns.shipped_verdicts.cache_clear()
    yield
    patterns.shipped_verdicts.cache_clear()


def test_verdicts_for_another_kcl_lib_are_not_used(stale, monkeypatch):
    asked: list[str] = []

    def live(found):
        found = list(found)
        asked.extend(found)
        return kcl_verdicts(found)

    monkeypatch.setattr(patterns, "kcl_verdicts", live)
    checker = PatternChecker()
    checker.prime(SHIPPED["verdicts"])
    assert asked == list(SHIPPED["verdicts"])
    assert all(checker(p) == v for p, v in SHIPPED["verdicts"].items())


@pytest.mark.corpus
def test_every_corpus_pattern_is_shipped(corpus):
    found = patterns.patterns_in([corpus, ROOT / "specs"])
    assert found <= set(SHIPPED["verdicts"]), sorted(found - set(SHIPPED["verdicts"]))
