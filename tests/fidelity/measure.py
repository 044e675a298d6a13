"""Measuring one CRD file, and the whole corpus in a process pool: KCL verdicts against the oracles."""

from __future__ import annotations

import copy
import os
import random
import re
import shutil
import tempfile
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cel_oracle import (
    CelOracle,
    RuleSite,
    RuleSupport,
    rule_sites,
    rule_support,
    values_at,
)
from .instances import DELETE, Mutation, Synthesizer, constraint_paths, mutations
from .kcl_runner import GeneratedModule, KclRunner, generate, rewrite_rules
from .loading import Resource, crd_resources, load_documents, load_manifests
from .structural import (
    StructuralOracle,
    apiserver_normalize,
    object_meta_schema,
    schema_kind,
)


@dataclass
class Disagreement:
    project: str
    file: str
    resource: str
    category: str
    """manifest, synthesised, mutated or cel."""
    klass: str
    path: str
    pointer: str
    keyword: str
    kcl: bool
    oracle: bool
    kcl_message: str
    oracle_message: str
    instance: Any = None

    @property
    def kind(self) -> str:
        return "false accept" if self.kcl and not self.oracle else "false reject"


@dataclass
class Tally:
    total: int = 0
    agree: int = 0
    false_accepts: int = 0
    false_rejects: int = 0
    excluded: int = 0
    """Not compared (the generator reports the constraint as not checked, or the oracle
    cannot decide)."""

    def add(self, kcl: bool, oracle: bool) -> None:
        self.total += 1
        if kcl == oracle:
            self.agree += 1
        elif kcl:
            self.false_accepts += 1
        else:
            self.false_rejects += 1

    def merge(self, other: Tally) -> None:
        for name in ("total", "agree", "false_accepts", "false_rejects", "excluded"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def agreement(self) -> float:
        return 100.0 * self.agree / self.total if self.total else 100.0


@dataclass
class CelStats:
    total: int = 0
    translated: int = 0
    evaluable: int = 0
    """Rules the runtime can evaluate (no transition rule, no missing function)."""
    shimmed: int = 0
    compared: int = 0
    """Translated, evaluable rules evaluated on at least one instance."""
    seen_true: int = 0
    seen_false: int = 0
    missing_functions: Counter = field(default_factory=Counter)
    untranslated: list = field(default_factory=list)

    def merge(self, other: CelStats) -> None:
        for name in ("total", "translated", "evaluable", "shimmed", "compared", "seen_true", "seen_false"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.missing_functions.update(other.missing_functions)
        self.untranslated += other.untranslated


@dataclass
class FileResult:
    project: str
    file: str
    resources: int = 0
    tallies: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    """manifest, synthesised, mutated, cel."""
    by_class: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    cel: CelStats = field(default_factory=CelStats)
    disagreements: list[Disagreement] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    synth_invalid: int = 0
    """Synthesised instances the oracle rejected (dropped; a synthesiser limit, not a finding)."""
    kcl_runs: int = 0
    seconds: float = 0.0
    timings: Counter = field(default_factory=Counter)
    """Seconds spent generating modules and in the KCL compiler."""

    def __repr__(self) -> str:
        return f"FileResult({self.file!r}, {self.resources} resources)"


@dataclass(frozen=True)
class Budget:
    """How many instances per resource: mutated ones cost one compiler run each."""

    bases: int = 3
    targeted_bases: int = 4
    targets_per_base: int = 25
    """Extra bases, each made to reach this many constrained nodes (sampled)."""
    rich_depth: int = 5
    """How deep `rich` bases go (argo's Workflow embeds whole pod specs)."""
    mutations: int = 40
    cel_variants: int = 30
    schema_cost: int = 6000
    """Mutations are cut so that mutations x schemas-in-closure stays under this."""


TEST_BUDGET = Budget(mutations=30, cel_variants=24, targeted_bases=3, targets_per_base=20)
"""What tests/test_fidelity.py uses: the whole corpus in a few minutes on two cores (a
mutated instance that KCL rejects costs one compiler run)."""


def measure_file(
    path: Path,
    project: str,
    corpus: Path | None,
    manifests: dict | None,
    budget: Budget = Budget(),
    seed: int = 0,
    work: Path | None = None,
) -> FileResult:
    started = time.perf_counter()
    result = FileResult(project, str(path.relative_to(corpus)) if corpus and path.is_relative_to(corpus) else str(path))
    own_work = work is None
    work = Path(tempfile.mkdtemp(prefix="fidelity-")) if work is None else work
    try:
        _measure(path, result, corpus, manifests or {}, budget, seed, work)
    finally:
        if own_work:
            shutil.rmtree(work, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    return result


def _measure(
    path: Path, result: FileResult, corpus: Path | None, manifests: dict, budget: Budget, seed: int, work: Path
) -> None:
    docs = load_documents(path)
    resources = crd_resources(path)
    result.resources = len(resources)
    if not resources:
        return
    meta = object_meta_schema(corpus)
    supports = {}
    for resource in resources:
        for site in rule_sites(resource.schema):
            supports.setdefault(site.rule, rule_support(site.rule))
    evaluable = {rule for rule, s in supports.items() if s.evaluable}
    started = time.perf_counter()
    modules = {"structural": generate(rewrite_rules(docs, lambda r: False), work / "structural")}
    if supports:
        modules["cel"] = generate(rewrite_rules(docs, lambda r: r in evaluable), work / "cel")
        modules["full"] = generate(docs, work / "full") if evaluable != set(supports) else modules["cel"]
    else:
        modules["cel"] = modules["full"] = modules["structural"]
    result.timings["generate"] += time.perf_counter() - started
    for name, module in modules.items():
        if module.error:
            result.errors.append(f"generating the {name} module: {module.error}")
    if any(m.error for m in modules.values()):
        return
    untranslated_full = untranslated_rules(modules["full"].checks)
    untranslated_cel = untranslated_rules(modules["cel"].checks)
    not_checked = _not_checked(modules["structural"].checks)
    for resource in resources:
        _measure_resource(
            resource,
            result,
            modules,
            meta,
            manifests,
            budget,
            seed,
            work,
            supports,
            untranslated_full,
            untranslated_cel,
            not_checked,
        )


def untranslated_rules(checks: dict) -> set[tuple[str, str]]:
    """(pointer, rule) of every CEL rule the report lists as not checked."""
    out = set()
    for item in checks.get("not_checked", []):
        rule = str(item.get("rule", ""))
        if rule.startswith("rule "):
            out.add((str(item.get("where", "")).rpartition("#")[2], rule[5:]))
    return out


_CHECK_KEYWORDS = [
    (r"must be one of ", "enum"),
    (r"must be >=? ", "minimum"),
    (r"must be <=? ", "maximum"),
    (r"must be a multiple of ", "multipleOf"),
    (r"must be at most \d+ characters", "maxLength"),
    (r"must be at least \d+ characters", "minLength"),
    (r"must match ", "pattern"),
    (r"must have at most \d+ items", "maxItems"),
    (r"must have at least \d+ items", "minItems"),
    (r"must not contain duplicates", "uniqueItems"),
    (r"must not repeat the keys ", "x-kubernetes-list-map-keys"),
    (r"must have at most \d+ entries", "maxProperties"),
    (r"must have at least \d+ entries", "minProperties"),
]
"""The keyword of each check message of openapi_tool/kcl/checks.py (the report names a
constraint it could not check by that message, or by `keyword value`)."""


def _not_checked(checks: dict) -> set[tuple[str, str]]:
    """(pointer, keyword) of every schema constraint the report lists as not checked."""
    out = set()
    for item in checks.get("not_checked", []):
        rule = str(item.get("rule", ""))
        if not rule.startswith("rule "):
            keyword = next((k for pattern, k in _CHECK_KEYWORDS if re.match(pattern, rule)), rule.split(" ")[0])
            out.add((str(item.get("where", "")).rpartition("#")[2], keyword))
    return out


def is_untranslated(site: RuleSite, resource: Resource, untranslated: set[tuple[str, str]]) -> bool:
    full = resource.pointer + site.pointer
    return any(
        rule == site.rule and (full == where or full.startswith(where + "/") or where.endswith(site.pointer))
        for where, rule in untranslated
    )


def _expressed(mutation: Mutation, resource: Resource, not_checked: set[tuple[str, str]]) -> bool:
    full = resource.pointer + mutation.pointer
    for where, keyword in not_checked:
        if (
            full == where or where.startswith(full + "/") or full.startswith(where + "/")
        ) and keyword.lower() in mutation.keyword.lower():
            return False
    return True


def _rng(resource: Resource, seed: int, salt: str) -> random.Random:
    return random.Random(zlib.crc32(f"{seed}:{resource.name}:{salt}".encode()))


@dataclass
class ResourceRun:
    """What comparing one resource needs: the file's generated modules, manifests and rule
    support, the resource's oracle and rule sites, and the KCL runners made so far."""

    resource: Resource
    result: FileResult
    modules: dict[str, GeneratedModule]
    manifests: dict
    budget: Budget
    seed: int
    work: Path
    supports: dict[str, RuleSupport]
    untranslated_cel: set[tuple[str, str]]
    not_checked: set[tuple[str, str]]
    oracle: StructuralOracle
    sites: list[RuleSite]
    translated_sites: list[RuleSite]
    runners: dict[str, KclRunner] = field(default_factory=dict)
    """One per module name, made on first use."""


def _measure_resource(
    resource,
    result,
    modules,
    meta,
    manifests,
    budget,
    seed,
    work,
    supports,
    untranslated_full,
    untranslated_cel,
    not_checked,
) -> None:
    oracle = StructuralOracle(resource, meta)
    sites = rule_sites(resource.schema)
    result.cel.total += len(sites)
    translated_sites = []
    for site in sites:
        support = supports[site.rule]
        if is_untranslated(site, resource, untranslated_full):
            result.cel.untranslated.append((resource.name, site.label, site.rule[:120]))
        else:
            result.cel.translated += 1
        if support.evaluable:
            result.cel.evaluable += 1
            result.cel.shimmed += support.shimmed
            if not is_untranslated(site, resource, untranslated_cel):
                translated_sites.append(site)
        else:
            result.cel.missing_functions.update(support.missing)
    run = ResourceRun(
        resource,
        result,
        modules,
        manifests,
        budget,
        seed,
        work,
        supports,
        untranslated_cel,
        not_checked,
        oracle,
        sites,
        translated_sites,
    )
    try:
        _compare(run)
    finally:
        result.kcl_runs += sum(r.runs for r in run.runners.values())
        result.timings["kcl"] += sum(r.seconds for r in run.runners.values())


def _compare(run: ResourceRun) -> None:
    """Compare KCL's verdicts with the oracles' on the real manifests, synthesised and mutated
    instances (the structural module) and CEL variants (the cel module)."""
    resource, result, budget, seed, oracle = run.resource, run.result, run.budget, run.seed, run.oracle

    def runner(name: str) -> KclRunner | None:
        if name not in run.runners:
            import_path = run.modules[name].resources.get(resource.name)
            if import_path is None:
                result.errors.append(f"{resource.name}: not in the {name} module's lock")
                return None
            run.runners[name] = KclRunner(run.modules[name].root, import_path, run.work / f"run-{name}")
        return run.runners[name]

    cel_oracle = CelOracle(resource, run.translated_sites)

    def note(category, klass, path, pointer, keyword, kcl, oracle_ok, kcl_message, oracle_message, instance):
        result.disagreements.append(
            Disagreement(
                result.project,
                result.file,
                resource.name,
                category,
                klass,
                path,
                pointer,
                keyword,
                kcl,
                oracle_ok,
                kcl_message,
                oracle_message,
                instance,
            )
        )

    # (a) real manifests: the full module against jsonschema AND the CEL runtime
    real = run.manifests.get((resource.api_version, resource.kind), [])
    if real:
        full = runner("full")
        full_oracle = CelOracle(resource, [s for s in run.sites if run.supports[s.rule].evaluable])
        if full is not None:
            verdicts = full.verdicts([doc for _, doc in real])
            for (name, doc), verdict in zip(real, verdicts):
                errors = oracle.errors(doc)
                failed, unknown = full_oracle.failures(doc) if not errors else ([], [])
                oracle_ok = not errors and not failed
                tally = result.tallies["manifest"]
                if unknown:  # the runtime cannot evaluate a rule faithfully here: no verdict to compare
                    tally.excluded += 1
                    continue
                tally.add(verdict.accepted, oracle_ok)
                if verdict.accepted != oracle_ok:
                    why = "; ".join(errors) or "; ".join(f"rule {s.rule!r} {w}" for s, w in failed)
                    note(
                        "manifest",
                        "real manifest",
                        name,
                        "",
                        "",
                        verdict.accepted,
                        oracle_ok,
                        verdict.message,
                        why,
                        doc,
                    )

    # (b) synthesised valid instances, (c) mutated ones: the structural module against jsonschema
    structural = runner("structural")
    if structural is None:
        return
    synth_rng = _rng(resource, seed, "synth")
    targets = constraint_paths(resource.schema)
    synth_rng.shuffle(targets)
    groups = [
        targets[i * budget.targets_per_base : (i + 1) * budget.targets_per_base] for i in range(budget.targeted_bases)
    ]
    plans = [("min", ())] + [("rich", ())] * (budget.bases - 1) + [("min", tuple(g)) for g in groups if g]
    bases = []
    for mode, force in plans:
        for _attempt in range(3):
            candidate = Synthesizer(resource, synth_rng, max_depth=budget.rich_depth, force=force).instance(mode)
            if not oracle.errors(candidate):
                bases.append(candidate)
                break
            result.synth_invalid += 1
    candidates = []
    for index, base in enumerate(bases):
        candidates += mutations(base, resource, _rng(resource, seed, f"mutate{index}"))
    closure = max(1, _closure_size(structural))
    limit = max(8, min(budget.mutations, budget.schema_cost // closure))
    chosen = _spread(candidates, limit, _rng(resource, seed, "pick"))
    instances = bases + [m.instance for m in chosen]
    verdicts = structural.verdicts(instances)
    structurally_valid = []
    for index, (instance, verdict) in enumerate(zip(instances, verdicts)):
        errors = oracle.errors(instance)
        oracle_ok = not errors
        if index < len(bases):
            category, klass, path, pointer, keyword = "synthesised", "valid", "", "", ""
        else:
            m = chosen[index - len(bases)]
            category, klass, path, pointer, keyword = "mutated", m.klass, m.path, m.pointer, m.keyword
            if not _expressed(m, resource, run.not_checked):
                result.tallies[category].excluded += 1
                continue
            result.by_class[klass].add(verdict.accepted, oracle_ok)
        result.tallies[category].add(verdict.accepted, oracle_ok)
        if verdict.accepted != oracle_ok:
            note(
                category,
                klass,
                path,
                pointer,
                keyword,
                verdict.accepted,
                oracle_ok,
                verdict.message,
                "; ".join(errors),
                instance,
            )
        if verdict.accepted and oracle_ok:
            structurally_valid.append(instance)

    # CEL: the module with the evaluable rules, on structurally valid instances and variants
    if not run.translated_sites:
        return
    made = _cel_variants(
        resource,
        run.translated_sites,
        structurally_valid,
        oracle,
        cel_oracle,
        budget.cel_variants,
        _rng(resource, seed, "cel"),
    )
    variants = list(structurally_valid) + [doc for _, doc in real if not oracle.errors(doc)] + made
    cel_runner = runner("cel")
    if cel_runner is None:
        return
    structural_ok = structural.verdicts(variants)
    # the new variants are structurally valid for jsonschema: each is a synthesised instance
    # (real manifests were compared in (a), the others above)
    for variant, verdict in zip(made, structural_ok[len(variants) - len(made) :]):
        result.tallies["synthesised"].add(verdict.accepted, True)
        if not verdict.accepted:
            note("synthesised", "cel variant", "", "", "", False, True, verdict.message, "", variant)
    variants = [v for v, ok in zip(variants, structural_ok) if ok.accepted]
    verdicts = cel_runner.verdicts(variants)
    outcomes: dict[str, set[bool]] = defaultdict(set)
    for instance, verdict in zip(variants, verdicts):
        failed, unknown = cel_oracle.failures(instance)
        normalized = apiserver_normalize(instance, resource.schema)
        for site in run.translated_sites:
            if any(True for _ in values_at(normalized, site.steps, resource.schema)):
                outcomes[site.rule + site.pointer].add(not any(f[0] == site for f in failed))
        oracle_ok = not failed
        if unknown:  # the runtime cannot evaluate a rule faithfully here: no verdict to compare
            result.tallies["cel"].excluded += 1
            continue
        result.tallies["cel"].add(verdict.accepted, oracle_ok)
        if verdict.accepted != oracle_ok:
            why = "; ".join(f"{s.label}: {s.rule!r} -> {w}" for s, w in failed)
            note(
                "cel",
                "cel",
                "",
                failed[0][0].pointer if failed else "",
                "x-kubernetes-validations",
                verdict.accepted,
                oracle_ok,
                verdict.message,
                why or "all rules true",
                instance,
            )
    result.cel.compared += len(outcomes)
    result.cel.seen_true += sum(1 for o in outcomes.values() if True in o)
    result.cel.seen_false += sum(1 for o in outcomes.values() if False in o)


def _closure_size(runner: KclRunner) -> int:
    return len(list(runner.root.joinpath(*runner.package.split(".")).glob("*.k")))


def _spread(mutations_: list[Mutation], limit: int, rng: random.Random) -> list[Mutation]:
    """Up to `limit` mutations, round-robin over classes so that every class is present."""
    by_class: dict[str, list[Mutation]] = defaultdict(list)
    for m in mutations_:
        by_class[m.klass].append(m)
    for items in by_class.values():
        rng.shuffle(items)
    seen: set[tuple[str, str]] = set()
    out: list[Mutation] = []
    queues = [by_class[k] for k in sorted(by_class)]
    while len(out) < limit and any(queues):
        for queue in queues:
            while queue:
                m = queue.pop()
                if (m.klass, m.pointer) not in seen:
                    seen.add((m.klass, m.pointer))
                    out.append(m)
                    break
            if len(out) >= limit:
                break
    return out


def _cel_variants(resource, sites, bases, oracle, cel_oracle, limit, rng) -> list[dict]:
    """Structurally valid variants of the bases around the places of CEL rules: optional
    fields dropped or added, other enum and boolean values. Edits are listed cheaply, then
    at most 4 x `limit` are tried, preferring ones whose set of failed rules is new."""
    synth = Synthesizer(resource, rng, max_depth=4, optional_share=0.3)
    edits: list[tuple[int, tuple, str, Any]] = []
    for index, base in enumerate(bases):
        for site in sites:
            for path, node in _places(base, site.steps, resource.schema):
                target = _get(base, path)
                if not isinstance(target, dict) or schema_kind(node) != "object":
                    continue
                required = set(node.get("required") or [])
                for name, sub in (node.get("properties") or {}).items():
                    if name in target and name not in required:
                        edits.append((index, path, name, DELETE))
                    elif name not in target:
                        edits.append((index, path, name, sub))
                    if name in target and isinstance(sub, dict) and (sub.get("enum") or sub.get("type") == "boolean"):
                        for value in [
                            v for v in (sub.get("enum") or [True, False]) if v != target[name] and v is not None
                        ][:3]:
                            edits.append((index, path, name, ("value", value)))
    rng.shuffle(edits)
    chosen: list[dict] = []
    seen: set[frozenset] = set()
    for index, path, name, what in edits[: 4 * limit]:
        if len(chosen) >= limit:
            break
        if what is DELETE:

            def change(t, n=name):
                return {k: v for k, v in t.items() if k != n}
        elif isinstance(what, tuple):

            def change(t, n=name, v=what[1]):
                return {**t, n: v}
        else:

            def change(t, n=name, sub=what):
                return {**t, n: synth.value(sub, "min", 0)}

        instance = _with(bases[index], path, change)
        if oracle.errors(instance):
            continue
        failed, _ = cel_oracle.failures(instance)
        signature = frozenset((s.pointer, s.rule) for s, _ in failed)
        if signature in seen and len(chosen) >= limit // 2:
            continue
        seen.add(signature)
        chosen.append(instance)
    return chosen


def _places(instance: Any, steps: tuple[str, ...], node: dict, path: tuple = ()) -> Iterator[tuple[tuple, dict]]:
    if not steps:
        yield path, node
        return
    step, rest = steps[0], steps[1:]
    if step == "[]" and isinstance(instance, list):
        for index, item in enumerate(instance):
            yield from _places(item, rest, node.get("items") or {}, path + (index,))
    elif step == "{}" and isinstance(instance, dict):
        for key, item in instance.items():
            yield from _places(item, rest, node.get("additionalProperties") or {}, path + (key,))
    elif isinstance(instance, dict) and step in instance:
        yield from _places(instance[step], rest, (node.get("properties") or {}).get(step) or {}, path + (step,))


def _get(instance: Any, path: tuple) -> Any:
    for step in path:
        instance = instance[step]
    return instance


def _with(instance: dict, path: tuple, change: Callable[[Any], Any]) -> dict:
    out = copy.deepcopy(instance)
    if not path:
        return change(out)
    parent = _get(out, path[:-1])
    parent[path[-1]] = change(parent[path[-1]])
    return out


def crd_files(corpus: Path) -> list[tuple[str, Path]]:
    """(project, file) for every CRD file under corpus/crds."""
    root = corpus / "crds"
    return [
        (p.relative_to(root).parts[0], p)
        for p in sorted(root.rglob("*"))
        if p.suffix in (".yaml", ".yml", ".json") and p.is_file()
    ]


def _worker(args: tuple) -> FileResult:
    path, project, corpus, budget, seed = args
    return measure_file(path, project, corpus, _manifests_cached(corpus), budget, seed)


_MANIFESTS: dict[str, dict] = {}


def _manifests_cached(corpus: Path) -> dict:
    key = str(corpus)
    if key not in _MANIFESTS:
        _MANIFESTS[key] = load_manifests(corpus / "manifests")
    return _MANIFESTS[key]


def measure_corpus(
    corpus: Path,
    projects: Iterable[str] | None = None,
    budget: Budget = Budget(),
    seed: int = 0,
    workers: int | None = None,
    progress: Callable[[FileResult], None] | None = None,
    file_filter: Callable[[Path], bool] | None = None,
) -> list[FileResult]:
    """Every CRD file of the corpus (or of `projects`), in a process pool, biggest first."""
    from concurrent.futures import ProcessPoolExecutor

    wanted = set(projects) if projects else None
    files = [
        (proj, path)
        for proj, path in crd_files(corpus)
        if (wanted is None or proj in wanted) and (file_filter is None or file_filter(path))
    ]
    files.sort(key=lambda item: -item[1].stat().st_size)
    jobs = [(path, proj, corpus, budget, seed) for proj, path in files]
    workers = workers or min(2, os.cpu_count() or 1)
    results = []
    if workers <= 1:
        for job in jobs:
            results.append(_worker(job))
            if progress:
                progress(results[-1])
    else:
        import multiprocessing

        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            for item in pool.map(_worker, jobs, chunksize=1):
                results.append(item)
                if progress:
                    progress(item)
    return sorted(results, key=lambda r: (r.project, r.file))
