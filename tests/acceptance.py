"""Real manifests against the generated schemas, checked by the KCL compiler (kcl-lib).

Helper for tests/test_acceptance.py. The steps:

1. generate the Kubernetes 1.35 module (`k8s`) and one module per CRD project of
   ../shared/corpus/crds (`crd_<project>`, importing ObjectMeta from `k8s`);
2. index every generated resource schema by the `apiVersion: "g/v" = ...` and
   `kind: "K" = ...` lines of its file (the generated tree is the truth, not a guess at
   the naming rules);
3. read every manifest document (YAML streams, `kind: List` items) and pick its schema;
4. write KCL programs that declare many documents each (`_d3 = _json.decode("...")`, the
   document serialised by the `json` module, then `v3: alias.Kind = _d3`), run them with
   kcl-lib in a process pool, and on a failure find the document that failed (see
   `check_batch`) and run the rest again, until every document is accepted by a passing
   program or rejected on its own.

Generation and checks share one pool of worker processes (spawned: kcl-lib is native code).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import yaml

from openapi_tool.kcl.names import identifier
from openapi_tool.loader import StrictLoader

from .fidelity import kcl_string

K8S_SPEC = "k8s-openapi/1.35/swagger.json"
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")

PER_FILE = "per-file"
CRD_LAYOUT: dict[str, Any] = {
    # `gen` refuses a directory that defines one apiVersion+kind twice. Gateway API ships
    # two channels of the same CRDs; the manifests under gateway-api/experimental/ are
    # examples for the experimental channel, the rest for the standard one.
    "gateway-api": [
        ("crd_gateway_api", ("standard",), 1, ""),
        ("crd_gateway_api_experimental", ("experimental",), 2, "gateway-api/experimental/"),
    ],
    # crd.yaml and crd-status-subresource.yaml hold the same schema (they differ in
    # subresources only).
    "sample-controller": [("crd_sample_controller", ("crd-status-subresource.yaml",), None, "")],
    # only crd-validation.yaml has a schema; the other two are schemaless variants.
    "sample-controller-1.15-v1beta1": [("crd_sample_controller_1_15_v1beta1", ("crd-validation.yaml",), None, "")],
    # Runtime: the project inlines the whole Workflow spec in each of its 8 CRDs, which makes
    # ~9,800 schemas in one KCL package, and every program that imports that package takes
    # ~80 s in kcl-lib (its cost grows faster than linearly with the size of a package).
    # One module per CRD file holds the same schemas; its biggest package (~2,400 schemas)
    # takes ~5 s.
    "argo-workflows": PER_FILE,
}

BATCH_SIZE = 120
"""Documents per KCL program: exec cost is mostly the import of the schema packages."""


@dataclass(frozen=True)
class ModuleSpec:
    name: str
    """The KCL module name; also its directory under the output root."""
    project: str
    """The corpus/crds directory it comes from, or `k8s`."""
    flag: str
    sources: tuple[str, ...]
    """Inputs, relative to the corpus."""
    priority: int = 1
    """Where several modules define one apiVersion+kind, the lowest priority wins..."""
    preferred_under: str = ""
    """...unless the manifest lies under this prefix of manifests/ and this module defines it."""


def module_specs(corpus: Path) -> list[ModuleSpec]:
    specs = [ModuleSpec("k8s", "k8s", "--spec", (K8S_SPEC,), priority=0)]
    projects = sorted(p.name for p in (corpus / "crds").iterdir() if p.is_dir())
    for project in projects:
        # `velero-v1.4-v1beta1` is an older copy of `velero`: the unsuffixed project wins.
        older = any(project.startswith(other + "-") for other in projects if other != project)
        priority = 2 if older else 1
        base = f"crds/{project}"
        layout = CRD_LAYOUT.get(project)
        if layout is None:
            specs.append(ModuleSpec(f"crd_{identifier(project, 'project')}", project, "--crd", (base,), priority))
        elif layout == PER_FILE:
            for path in sorted((corpus / base).rglob("*")):
                if path.is_file() and path.suffix in MANIFEST_SUFFIXES:
                    stem = path.stem.split("_", 1)[-1]
                    name = f"crd_{identifier(project, 'project')}_{identifier(stem, 'file')}"
                    specs.append(ModuleSpec(name, project, "--crd", (path.relative_to(corpus).as_posix(),), priority))
        else:
            for name, parts, prio, preferred in layout:
                sources = tuple(f"{base}/{part}" for part in parts)
                specs.append(ModuleSpec(name, project, "--crd", sources, priority if prio is None else prio, preferred))
    return specs


def generate(spec: ModuleSpec, corpus: Path, out_root: Path) -> tuple[str, float, str]:
    """Run `gen` for one module (in a worker process); returns (name, seconds, error)."""
    import contextlib
    import io

    from openapi_tool.cli import main

    start = time.monotonic()
    argv = ["gen", "-q"]
    for source in spec.sources:
        argv += [spec.flag, str(corpus / source)]
    argv += ["--name", spec.name, "-o", str(out_root / spec.name)]
    if spec.flag == "--crd":
        argv += ["--k8s-module", str(out_root / "k8s")]
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        code = main(argv)
    error = "" if code == 0 else f"gen exited {code}: {stderr.getvalue().strip()}"
    return spec.name, time.monotonic() - start, error


# ---------------------------------------------------------------------------------------
# The generated tree: which schema is which resource

_SCHEMA = re.compile(r"^schema ([$\w]+)\s*[(:]", re.M)
_API_VERSION = re.compile(r'^    apiVersion\??: "([^"]+)" = ', re.M)
_KIND = re.compile(r'^    kind\??: "([^"]+)" = ', re.M)


@dataclass(frozen=True)
class SchemaRef:
    module: str
    package: str
    """Dotted import path, module name included: `k8s.api.apps.v1`."""
    name: str
    file: str


def schema_index(module_dir: Path, module: str) -> dict[tuple[str, str], SchemaRef]:
    """(apiVersion, kind) -> schema, read from the generated files that pin both."""
    index: dict[tuple[str, str], SchemaRef] = {}
    for path in sorted(module_dir.rglob("*.k")):
        text = path.read_text(encoding="utf-8")
        if 'kind: "' not in text and 'kind?: "' not in text:
            continue
        schema, api_version, kind = _SCHEMA.search(text), _API_VERSION.search(text), _KIND.search(text)
        if not (schema and api_version and kind):
            continue
        package = ".".join((module,) + path.parent.relative_to(module_dir).parts)
        ref = SchemaRef(module, package, schema.group(1), path.relative_to(module_dir).as_posix())
        key = (api_version.group(1), kind.group(1))
        if key in index:
            raise AssertionError(f"{module}: {key} pinned by {index[key].file} and {ref.file}")
        index[key] = ref
    return index


def resolve(
    specs: list[ModuleSpec], indexes: dict[str, dict[tuple[str, str], SchemaRef]]
) -> tuple[dict[tuple[str, str], list[tuple[ModuleSpec, SchemaRef]]], list[str]]:
    """Every (apiVersion, kind) with its candidate schemas, best first; and ambiguities."""
    candidates: dict[tuple[str, str], list[tuple[ModuleSpec, SchemaRef]]] = {}
    for spec in specs:
        for key, ref in indexes.get(spec.name, {}).items():
            candidates.setdefault(key, []).append((spec, ref))
    problems = []
    for key, found in candidates.items():
        found.sort(key=lambda c: c[0].priority)
        if len(found) > 1 and found[0][0].priority == found[1][0].priority:
            problems.append(f"{key} is defined by {found[0][0].name} and {found[1][0].name} with equal priority")
    return candidates, problems


def pick(candidates: list[tuple[ModuleSpec, SchemaRef]], file: str) -> SchemaRef:
    for spec, ref in candidates:
        if spec.preferred_under and file.startswith(spec.preferred_under):
            return ref
    return candidates[0][1]


# ---------------------------------------------------------------------------------------
# Manifests


class _LenientLoader(StrictLoader.__mro__[1]):  # type: ignore[misc]
    """StrictLoader without the duplicate-key check (the last key wins, as in PyYAML)."""


_LenientLoader.yaml_implicit_resolvers = dict(StrictLoader.yaml_implicit_resolvers)
_LenientLoader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


@dataclass(frozen=True)
class Doc:
    file: str
    """Relative to manifests/; its first part is the manifest project."""
    index: int
    """Position in the YAML stream, counting from 0."""
    item: int | None
    """Position in `items` of a `kind: List` document."""
    data: Any = field(compare=False, hash=False)

    @property
    def key(self) -> tuple[str, int, int | None]:
        return (self.file, self.index, self.item)

    @property
    def project(self) -> str:
        return self.file.split("/", 1)[0]

    @property
    def label(self) -> str:
        return f"{self.file} doc {self.index}" + ("" if self.item is None else f" item {self.item}")


@dataclass
class Manifests:
    docs: list[Doc] = field(default_factory=list)
    unparsed: list[tuple[str, str]] = field(default_factory=list)
    """(file, error) of files that do not parse."""
    duplicate_keys: list[tuple[str, str]] = field(default_factory=list)
    """(file, error) of files read again without the duplicate-key check."""
    untyped: list[Doc] = field(default_factory=list)
    """Documents without a string apiVersion and kind."""


def _load(text: str, path: Path, loader: type) -> list[Any]:
    if path.suffix == ".json":
        return [json.loads(text)]
    return list(yaml.load_all(text, Loader=loader))


def read_manifests(root: Path) -> Manifests:
    out = Manifests()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in MANIFEST_SUFFIXES):
        file = path.relative_to(root).as_posix()
        try:
            text = path.read_bytes().decode("utf-8-sig")
            try:
                documents = _load(text, path, StrictLoader)
            except yaml.constructor.ConstructorError as error:
                if "duplicate key" not in str(error):
                    raise
                out.duplicate_keys.append((file, _first_line(str(error.problem))))
                documents = _load(text, path, _LenientLoader)
        except (ValueError, yaml.YAMLError, RecursionError) as error:
            out.unparsed.append((file, _first_line(str(error))))
            continue
        for index, data in enumerate(documents):
            if data is None:
                continue
            if isinstance(data, dict) and data.get("kind") == "List" and isinstance(data.get("items"), list):
                items = [Doc(file, index, n, item) for n, item in enumerate(data["items"])]
            else:
                items = [Doc(file, index, None, data)]
            for doc in items:
                typed = isinstance(doc.data, dict) and all(
                    isinstance(doc.data.get(k), str) for k in ("apiVersion", "kind")
                )
                (out.docs if typed else out.untyped).append(doc)
    return out


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


# ---------------------------------------------------------------------------------------
# KCL programs

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


@dataclass(frozen=True)
class Entry:
    key: tuple[str, int, int | None]
    package: str
    schema: str
    literal: str
    """A KCL expression for the document (`json_literal`)."""


def json_literal(data: Any) -> str:
    """The document as KCL decodes it from JSON (`json.decode("...")` in the program):
    serialised by the `json` module, not by the generator's own literal writer. Raises
    ValueError for what JSON cannot hold (NaN, infinities)."""
    return f"_json.decode({kcl_string(json.dumps(data, allow_nan=False))})"


@dataclass(frozen=True)
class Verdict:
    key: tuple[str, int, int | None]
    error: str
    """"" when KCL accepted the document, else its error without colour codes."""


def program(entries: list[Entry]) -> str:
    """main.k declaring the entries in order, each preceded by `print("@<n>")`.

    Top-level statements run in order and a failure stops the program, so the last mark in
    the log names the document that failed.
    """
    aliases: dict[str, str] = {}
    for entry in entries:
        aliases.setdefault(entry.package, f"p{len(aliases)}")
    lines = ["import json as _json"] + [f"import {package} as {alias}" for package, alias in aliases.items()]
    lines.append("")
    for n, entry in enumerate(entries):
        lines.append(f'print("@{n}")')
        lines.append(f"_d{n} = {entry.literal}")
        lines.append(f"v{n}: {aliases[entry.package]}.{entry.schema} = _d{n}")
    return "\n".join(lines) + "\n"


def check_batch(work_dir: Path, modules: dict[str, str], entries: list[Entry]) -> tuple[list[Verdict], int, float]:
    """Run the entries as KCL programs in `work_dir` (in a worker process).

    One program declares them all, each after a `print` of its number. Top-level statements
    run in order and the first failure stops the program, so when it fails, the documents
    before the last number printed ran through (accepted), the one at that number is the
    one that failed (rejected, with this error: the documents do not interact), and the
    program runs again with the documents after it. A failure before any number (a syntax
    or type error, which raises) splits the group in halves instead, down to single
    documents. Returns every entry's verdict, the number of programs run and the seconds.
    """
    import kcl_lib.api as kcl

    started = time.monotonic()
    api = kcl.API()
    work_dir.mkdir(parents=True, exist_ok=True)
    deps = "\n".join(f"{name} = {{ path = {json.dumps(path)} }}" for name, path in sorted(modules.items()))
    (work_dir / "kcl.mod").write_text(f'[package]\nname = "acceptance"\nversion = "0.0.1"\n\n[dependencies]\n{deps}\n')
    external = api.update_dependencies(kcl.UpdateDependenciesArgs(manifest_path=str(work_dir))).external_pkgs
    main = work_dir / "main.k"
    runs = 0

    def run(group: list[Entry]) -> tuple[str, int | None]:
        """The error ("" on success) and the index of the last document started."""
        nonlocal runs
        runs += 1
        main.write_text(program(group), encoding="utf-8")
        args = kcl.ExecProgramArgs(k_filename_list=[str(main)], work_dir=str(work_dir), external_pkgs=external)
        log = ""
        try:
            result = api.exec_program(args)
            error, log = result.err_message, result.log_message
        except Exception as exc:  # syntax and type errors raise; evaluation errors do not
            error = str(exc) or repr(exc)
        marks = re.findall(r"^@(\d+)$", log or "", re.M)
        return strip_ansi(error).strip(), (int(marks[-1]) if marks else None)

    verdicts: list[Verdict] = []
    pending = [entries]
    while pending:
        group = pending.pop()
        error, last = run(group)
        if not error:
            verdicts.extend(Verdict(e.key, "") for e in group)
        elif len(group) == 1:
            verdicts.append(Verdict(group[0].key, error))
        elif last is not None and last < len(group):
            verdicts.extend(Verdict(e.key, "") for e in group[:last])
            verdicts.append(Verdict(group[last].key, error))
            if group[last + 1 :]:
                pending.append(group[last + 1 :])
        else:
            half = len(group) // 2
            pending += [group[half:], group[:half]]
    return verdicts, runs, time.monotonic() - started


# ---------------------------------------------------------------------------------------
# The whole run


@dataclass
class Result:
    specs: list[ModuleSpec]
    manifests: Manifests
    schemas: dict[tuple[str, int, int | None], SchemaRef] = field(default_factory=dict)
    """The schema each checked document was checked against."""
    verdicts: dict[tuple[str, int, int | None], str] = field(default_factory=dict)
    """Every checked document: "" if accepted, else the KCL error."""
    no_schema: list[Doc] = field(default_factory=list)
    unrepresentable: list[tuple[Doc, str]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    runs: int = 0
    problems: list[str] = field(default_factory=list)
    """Setup failures: a module that did not generate, an ambiguous apiVersion+kind."""


def run_acceptance(corpus: Path, out_root: Path, workers: int | None = None) -> Result:
    """Generate the modules under `out_root` and check every manifest document."""
    workers = workers or max(1, min(4, os.cpu_count() or 1))
    specs = module_specs(corpus)
    start = time.monotonic()
    result = Result(specs, read_manifests(corpus / "manifests"))
    timings = result.timings
    timings["read manifests"] = time.monotonic() - start
    checks: dict[Future, str] = {}

    def entries_for(docs: Iterable[Doc], candidates) -> dict[str, list[Entry]]:
        groups: dict[str, list[Entry]] = {}
        for doc in docs:
            ref = pick(candidates[(doc.data["apiVersion"], doc.data["kind"])], doc.file)
            try:
                text = json_literal(doc.data)
            except (ValueError, TypeError, RecursionError) as error:
                result.unrepresentable.append((doc, str(error)))
                continue
            result.schemas[doc.key] = ref
            groups.setdefault(ref.module, []).append(Entry(doc.key, ref.package, ref.name, text))
        return groups

    def submit(pool: ProcessPoolExecutor, groups: dict[str, list[Entry]]) -> None:
        for module, entries in sorted(groups.items(), key=lambda g: -len(g[1])):
            deps = {"k8s": str(out_root / "k8s"), module: str(out_root / module)}
            count = -(-len(entries) // BATCH_SIZE)
            for n in range(count):
                label = f"{module}_{n}"
                batch = entries[n::count]
                checks[pool.submit(check_batch, out_root / "_programs" / label, deps, batch)] = label

    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        start = time.monotonic()
        k8s = next(s for s in specs if s.name == "k8s")
        _, timings["gen k8s"], error = generate(k8s, corpus, out_root)
        if error:
            result.problems.append(f"k8s: {error}")
            return result
        # The CRD modules, biggest first so that the slow ones do not start last; meanwhile
        # the documents of Kubernetes kinds, which always go to `k8s` (it ranks first).
        crds = sorted((s for s in specs if s.flag == "--crd"), key=lambda s: -_input_size(corpus, s))
        gens = [pool.submit(generate, s, corpus, out_root) for s in crds]
        k8s_index = schema_index(out_root / "k8s", "k8s")
        k8s_candidates = {key: [(k8s, ref)] for key, ref in k8s_index.items()}
        k8s_docs = [d for d in result.manifests.docs if (d.data["apiVersion"], d.data["kind"]) in k8s_index]
        submit(pool, entries_for(k8s_docs, k8s_candidates))
        for future in gens:
            name, seconds, error = future.result()
            timings[f"gen {name}"] = seconds
            if error:
                result.problems.append(f"{name}: {error}")
        timings["gen (wall)"] = time.monotonic() - start

        indexes = {
            s.name: schema_index(out_root / s.name, s.name) for s in specs if (out_root / s.name / "kcl.mod").is_file()
        }
        candidates, ambiguous = resolve(specs, indexes)
        result.problems += ambiguous
        rest = []
        for doc in result.manifests.docs:
            key = (doc.data["apiVersion"], doc.data["kind"])
            if key in k8s_index:
                continue
            (rest if key in candidates else result.no_schema).append(doc)
        submit(pool, entries_for(rest, candidates))

        for job, label in checks.items():
            verdicts, count, seconds = job.result()
            result.runs += count
            timings[f"check {label} ({len(verdicts)} docs, {count} runs)"] = seconds
            result.verdicts.update((v.key, v.error) for v in verdicts)
        timings["total (wall)"] = time.monotonic() - start
    return result


def _input_size(corpus: Path, spec: ModuleSpec) -> int:
    total = 0
    for source in spec.sources:
        path = corpus / source
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        total += sum(p.stat().st_size for p in files)
    return total


# ---------------------------------------------------------------------------------------
# Reasons and places

_SOURCE_LINE = re.compile(r"^\s*\d+\s*\|")
_MESSAGE_LINE = re.compile(r"^\s*\|\s*\^?\s*(\S.*)$")
_LOCATION = re.compile(r"-->\s*(\S+?):(\d+)(?::\d+)?\s*$", re.M)


def messages(error: str) -> list[str]:
    """The messages of a KCL error, without the source excerpts around them."""
    out: list[str] = []
    after_message = False
    for line in error.splitlines():
        if not line.strip() or _SOURCE_LINE.match(line) or "-->" in line:
            after_message = False
            continue
        match = _MESSAGE_LINE.match(line)
        if match:
            out.append(match.group(1).strip())
            after_message = True
        elif line.lstrip().startswith("|"):
            after_message = False
        elif after_message and out:
            out[-1] += " " + line.strip()
        elif not re.match(r"^\s*(error\[\w+\]:\s*)?\w+Error\s*$", line):
            out.append(line.strip())
    return out


def reason(error: str, limit: int = 240) -> str:
    """The KCL message that says what is wrong (not the "Instance check failed" around it)."""
    found = [m for m in messages(error) if m != "Instance check failed"]
    text = found[-1] if found else (messages(error) or [_first_line(error)])[0]
    return text if len(text) <= limit else text[: limit - 3] + "..."


def location(error: str, root: Path) -> str:
    """The innermost place of the error, relative to `root` when it lies below."""
    places = _LOCATION.findall(error)
    if not places:
        return ""
    file, line = places[-1]
    try:
        file = Path(file).relative_to(root).as_posix()
    except ValueError:
        pass
    return f"{file}:{line}"


def _walk(value: Any, path: str = "") -> Iterable[tuple[str, Any]]:
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for n, v in enumerate(value):
            yield from _walk(v, f"{path}[{n}]")


def _camel_path(kind: str, path: str) -> str:
    parts = [p for p in re.split(r"\[\d+\]|\.", path) if p]
    return kind + "".join(p[:1].upper() + p[1:] for p in parts)


def _snake(camel: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", camel).lower()


def failing_paths(error: str, data: Any, limit: int = 3) -> list[str]:
    """Where in the document the error probably is: a best guess from the names it quotes.

    Unknown attribute and failed check: the places of that key, those under the schema the
    error points at first. Missing attribute or wrong type of a CRD schema: the places
    whose path spells the schema name (CRD schemas are named Kind + path).
    """
    text = " ".join(messages(error))
    kind = data.get("kind", "") if isinstance(data, dict) else ""
    places = _LOCATION.findall(error)
    stem = Path(places[-1][0]).stem if places else ""
    nodes = list(_walk(data))
    key = re.search(
        r"does not contain attribute ([\w$.\-/]+)|Cannot add member '([^']+)'|"
        r"Check failed on the condition: ([\w$.\-/]+):",
        text,
    )
    if key:
        name = next(g for g in key.groups() if g)
        found = [p for p, _ in nodes if p == name or p.endswith("." + name)]
        parent = lambda p: p.rsplit(".", 1)[0] if "." in p else ""  # noqa: E731
        found.sort(key=lambda p: _snake(_camel_path(kind, parent(p))) != stem)
        return found[:limit]
    required = re.search(r"attribute '([^']+)' of (\w+) is required", text)
    if required:
        missing, name = required.groups()
        return [
            f"{p}.{missing}" if p else missing
            for p, v in nodes
            if isinstance(v, dict) and v.get(missing) is None and name in (_camel_path(kind, p), _camel_path("", p))
        ][:limit]
    typed = re.search(r"expect (?:\w+\.)*(\w+), got", text)
    if typed:
        name = typed.group(1)
        return [p for p, _ in nodes if p and name in (_camel_path(kind, p), _camel_path("", p))][:limit]
    return []
