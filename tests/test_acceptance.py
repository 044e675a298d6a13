"""Every real manifest under ../shared/corpus/manifests whose apiVersion and kind have a
generated schema (Kubernetes 1.35, or a CRD project of ../shared/corpus/crds) is accepted
by KCL, except the reviewed list in expected_rejections.yaml of manifests that the real API
would reject too.

A rejection that is not in the list is a false rejection until shown otherwise: a generator
bug, not an entry to add. Add an entry only with evidence that the API server rejects the
document (the field is absent from the spec or CRD, the type or pattern differs, ...).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from .acceptance import Result, failing_paths, location, messages, reason, run_acceptance

EXPECTED = Path(__file__).with_name("expected_rejections.yaml")
Key = tuple[str, int, int | None]


def _order(key: Key) -> tuple[str, int, int]:
    return (key[0], key[1], -1 if key[2] is None else key[2])


def _expected() -> dict[Key, dict[str, Any]]:
    entries = yaml.safe_load(EXPECTED.read_text(encoding="utf-8")) or []
    out: dict[Key, dict[str, Any]] = {}
    for entry in entries:
        missing = {"file", "doc", "kcl", "reason", "evidence"} - set(entry)
        assert not missing, f"{EXPECTED.name}: entry {entry} lacks {sorted(missing)}"
        key = (entry["file"], int(entry["doc"]), entry.get("item"))
        assert key not in out, f"{EXPECTED.name}: {key} listed twice"
        out[key] = entry
    return out


def _label(key: Key) -> str:
    file, doc, item = key
    return f"{file} doc {doc}" + ("" if item is None else f" item {item}")


def _summary(result: Result, expected: dict[Key, dict[str, Any]], out_root: Path) -> str:
    docs = {d.key: d for d in result.manifests.docs}
    lines = ["", "== acceptance of corpus manifests by the generated KCL schemas"]
    per_project: dict[str, Counter] = {}
    for key, error in result.verdicts.items():
        counts = per_project.setdefault(docs[key].project, Counter())
        counts["total"] += 1
        counts["accepted"] += not error
    for doc in result.no_schema:
        per_project.setdefault(doc.project, Counter())["no schema"] += 1
    for project, counts in sorted(per_project.items()):
        lines.append(
            f"  {project:24} accepted {counts['accepted']:4}/{counts['total']:<4}  no schema {counts['no schema']}"
        )
    accepted = sum(1 for e in result.verdicts.values() if not e)
    lines.append(
        f"  {'overall':24} accepted {accepted:4}/{len(result.verdicts):<4}  no schema {len(result.no_schema)}"
        f"  ({result.runs} KCL programs)"
    )

    rejected = sorted((k for k, e in result.verdicts.items() if e), key=_order)
    if rejected:
        lines.append(f"-- rejected ({len(rejected)}; * = not in {EXPECTED.name})")
    for key in rejected:
        error = result.verdicts[key]
        paths = failing_paths(error, docs[key].data)
        ref = result.schemas[key]
        lines.append(f"  {' ' if key in expected else '*'} {_label(key)} [{ref.package}.{ref.name}]")
        lines.append(f"      {reason(error)}")
        lines.append(f"      at {location(error, out_root)}" + (f"; path {', '.join(paths)}" if paths else ""))

    kinds = Counter(f"{d.data['apiVersion']} {d.data['kind']}" for d in result.no_schema)
    if kinds:
        lines.append("-- no schema: " + ", ".join(f"{k} ({n})" for k, n in sorted(kinds.items())))
    for label, items in (
        ("not parsed", [f"{f}: {e}" for f, e in result.manifests.unparsed]),
        ("without apiVersion/kind", [d.label for d in result.manifests.untyped]),
        (
            "read again without the duplicate-key check (last key wins)",
            [f"{f}: {e}" for f, e in result.manifests.duplicate_keys],
        ),
        ("not representable in KCL", [f"{d.label}: {e}" for d, e in result.unrepresentable]),
    ):
        if items:
            lines.append(f"-- {label} ({len(items)}):")
            lines += [f"    {item}" for item in items]
    slow = sorted(((v, k) for k, v in result.timings.items()), reverse=True)[:6]
    lines.append("-- seconds: " + ", ".join(f"{k} {v:.1f}" for v, k in slow))
    return "\n".join(lines)


@pytest.mark.corpus
def test_corpus_manifests_are_accepted(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = _expected()
    result = run_acceptance(corpus, tmp_path)
    with capsys.disabled():
        print(_summary(result, expected, tmp_path))

    assert not result.problems, "\n".join(result.problems)
    assert len(result.verdicts) > 1000, "suspiciously few documents matched a schema"

    failures = []
    for key, error in sorted(result.verdicts.items(), key=lambda kv: _order(kv[0])):
        entry = expected.get(key)
        if error and entry is None:
            failures.append(f"rejected, not in {EXPECTED.name}: {_label(key)}: {reason(error)}")
        elif entry is not None and not error:
            failures.append(f"listed in {EXPECTED.name} but accepted now: {_label(key)}")
        elif entry is not None and entry["kcl"] not in " ".join(messages(error)):
            failures.append(
                f"rejected for another reason than listed: {_label(key)}: {reason(error)} (listed: {entry['kcl']})"
            )
    for key in sorted(set(expected) - set(result.verdicts), key=_order):
        failures.append(f"listed in {EXPECTED.name} but not checked (no such document or no schema): {_label(key)}")
    assert not failures, "\n".join(failures)
