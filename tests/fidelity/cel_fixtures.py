"""Hand-written CEL cases (tests/fixtures/cel/*.yaml) checked against the CEL runtime and jsonschema."""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .cel_oracle import CelOracle, rule_sites, rule_support
from .kcl_runner import GeneratedModule, KclRunner, generate
from .loading import ApiServerLoader, Resource, crd_resources, load_documents
from .measure import is_untranslated, untranslated_rules
from .structural import StructuralOracle, object_meta_schema, schema_kind


@dataclass
class FixtureOutcome:
    resource: str
    at: str
    rule: str
    expected: bool
    value: Any
    translated: bool = True
    evaluable: bool = True
    kcl: bool | None = None
    kcl_message: str = ""
    problems: list[str] = field(default_factory=list)
    """Faults of the fixture itself (rule not found, structurally invalid, ...)."""

    @property
    def agrees(self) -> bool:
        return self.kcl == self.expected


def schema_at(schema: dict, pointer: str) -> dict | None:
    """The schema node of the value at an instance JSON pointer."""
    node: Any = schema
    for raw in [p for p in pointer.split("/")[1:]]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict):
            return None
        if schema_kind(node) == "array" or (part.isdigit() and "items" in node):
            node = node.get("items")
        elif part in (node.get("properties") or {}):
            node = node["properties"][part]
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        else:
            return None
    return node if isinstance(node, dict) else None


def _set_at(instance: Any, pointer: str, value: Any) -> Any:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    if not parts:
        return copy.deepcopy(value)
    target = instance
    for part, following in zip(parts[:-1], parts[1:]):
        key: Any = int(part) if isinstance(target, list) else part
        if isinstance(target, list):
            while len(target) <= key:
                target.append([] if following.isdigit() else {})
        elif key not in target:
            target[key] = [] if following.isdigit() else {}
        target = target[key]
    last: Any = int(parts[-1]) if isinstance(target, list) else parts[-1]
    if isinstance(target, list):
        while len(target) <= last:
            target.append(None)
    target[last] = copy.deepcopy(value)
    return instance


def check_cel_fixture(corpus: Path | None, fixture: Path, work: Path) -> list[FixtureOutcome]:
    """Every case of the fixture, checked against the oracles and the generated KCL. Its
    CRD files are under corpus/crds, or beside the fixture when it says `crds: beside`."""
    data = yaml.load(fixture.read_text(encoding="utf-8"), Loader=ApiServerLoader)
    meta = object_meta_schema(corpus)
    if data.get("crds") == "beside":
        crd_root = fixture.parent
    elif corpus is not None:
        crd_root = corpus / "crds"
    else:
        raise ValueError(f"{fixture}: its CRDs are in the corpus, and there is none")
    modules: dict[str, GeneratedModule] = {}
    outcomes: list[FixtureOutcome] = []
    pending: dict[str, list[tuple[FixtureOutcome, dict]]] = defaultdict(list)
    resources: dict[str, tuple[Resource, dict]] = {}
    for name, spec in data["resources"].items():
        path = crd_root / spec["crd"]
        match = [r for r in crd_resources(path) if r.api_version == spec["apiVersion"] and r.kind == spec["kind"]]
        if not match:
            raise ValueError(f"fixture resource {name}: {spec['apiVersion']} {spec['kind']} is not in {spec['crd']}")
        base = {
            "apiVersion": spec["apiVersion"],
            "kind": spec["kind"],
            "metadata": {"name": "fixture", "namespace": "default"},
            **spec["base"],
        }
        resources[name] = (match[0], base)
        if spec["crd"] not in modules:
            modules[spec["crd"]] = generate(load_documents(path), work / f"module{len(modules)}")
    for case in data["cases"]:
        resource, base = resources[case["resource"]]
        spec = data["resources"][case["resource"]]
        module = modules[spec["crd"]]
        node = schema_at(resource.schema, case["at"])
        sites = [s for s in rule_sites(resource.schema) if s.node is node]
        chosen = [s for s in sites if case["rule"] in s.rule]
        structural = StructuralOracle(resource, meta)
        every_site = rule_sites(resource.schema)
        evaluable_sites = [s for s in every_site if rule_support(s.rule).evaluable]
        cel_oracle = CelOracle(resource, evaluable_sites)
        untranslated = untranslated_rules(module.checks)
        for expected, key in ((True, "pass"), (False, "fail")):
            for value in case.get(key) or []:
                outcome = FixtureOutcome(resource.name, case["at"], case["rule"], expected, value)
                outcomes.append(outcome)
                if len(chosen) != 1:
                    outcome.problems.append(f"the rule matches {len(chosen)} of the {len(sites)} rules at {case['at']}")
                    continue
                site = chosen[0]
                outcome.rule = site.rule
                outcome.translated = not is_untranslated(site, resource, untranslated)
                outcome.evaluable = rule_support(site.rule).evaluable
                instance = _set_at(copy.deepcopy(base), case["at"], value)
                errors = structural.errors(instance)
                if errors:
                    outcome.problems.append("structurally invalid: " + "; ".join(errors))
                failed, unknown = cel_oracle.failures(instance)
                others = sorted({s.rule[:80] for s, _ in failed if s != site})
                if others:
                    outcome.problems.append(f"the instance also breaks other rules: {others}")
                if outcome.evaluable and site not in unknown:
                    verdict = not any(s == site for s, _ in failed)
                    if verdict != expected:
                        why = [w for s, w in failed if s == site]
                        outcome.problems.append(
                            f"the CEL runtime says {'pass' if verdict else 'fail'} ({'; '.join(why)})"
                        )
                pending[spec["crd"] + "|" + resource.name].append((outcome, instance))
    for key, items in pending.items():
        crd, resource_name = key.split("|", 1)
        module = modules[crd]
        if module.error:
            for outcome, _ in items:
                outcome.problems.append("generation failed: " + module.error)
            continue
        runner = KclRunner(module.root, module.resources[resource_name], work / f"run-{len(outcomes)}-{abs(hash(key))}")
        for (outcome, _), verdict in zip(items, runner.verdicts([i for _, i in items])):
            outcome.kcl, outcome.kcl_message = verdict.accepted, verdict.message
    return outcomes
