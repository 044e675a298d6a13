"""One generation, end to end: inputs -> model -> rendered module -> lock; then write or check."""

from __future__ import annotations

import gc
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openapi_tool import __version__
from openapi_tool.errors import UsageError
from openapi_tool.kcl.names import identifier
from openapi_tool.kcl.options import Options

if TYPE_CHECKING:
    from openapi_tool.inputs import Inputs
    from openapi_tool.kcl.render import RenderedModule
    from openapi_tool.model import Model
    from openapi_tool.report import RunReport
    from openapi_tool.sources.crd import Pick
from openapi_tool.loader import expand_paths
from openapi_tool.output import WriteResult, digest, holds, previous_files, read_lock, write_tree
from openapi_tool.regen.changes import Change, compare
from openapi_tool.regen.project import Job
from openapi_tool.resources import data_dir
from openapi_tool.staging import remove_stale
from openapi_tool.versions import module_version

TEMPLATES = ("schema.k.j2", "kcl.mod.j2")


@dataclass
class Plan:
    """Everything a run would write, before anything is written."""

    model: Model
    module: RenderedModule
    lock: dict[str, Any]
    picks: list[Pick] = field(default_factory=list)
    """Kinds defined differently in several inputs, and the definition used."""
    counts: dict[str, int] | None = None
    """Summary counts over the whole output when the module holds only part of it (an
    incremental run): schemas, written, kept_as_comments, cel_rules, cel_kept."""
    intact: dict[str, str] | None = None
    """Files (path -> digest) the output directory was just found to hold with exactly this
    text (an incremental run checked them against the lock): writing need not read them again."""


@dataclass
class Drift:
    """How an output directory differs from what a run would write."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def current(self) -> bool:
        return not (self.added or self.changed or self.removed)


def template_digest(templates: Path | None) -> str:
    """SHA-256 over the templates a run uses (user overrides first, as the renderer picks them)."""
    digest = hashlib.sha256()
    for name in TEMPLATES:
        override = templates / name if templates is not None else None
        path = override if override is not None and override.is_file() else data_dir("templates") / name
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _options_record(options: Options, include_unserved: bool) -> dict[str, Any]:
    """The options the lock records (the module version as given, not as found in the inputs)."""
    record: dict[str, Any] = {"module_name": options.module_name, "k8s_module": options.k8s_module}
    if options.module_version is not None:
        record["module_version"] = options.module_version
    if include_unserved:
        record["include_unserved"] = True
    return record


def _selection(job: Job) -> dict[str, Any] | None:
    """The input selection options that decide the output; None when none is given."""
    if not job.exclude and job.prefer is None:
        return None
    return {"exclude": list(job.exclude), "prefer": job.prefer}


def _fingerprint(job: Job, options: Options) -> dict[str, Any] | None:
    """What decides the output, known without parsing anything; None for sources that
    cannot be hashed cheaply (URLs, standard input, a cluster)."""
    paths = list(job.crd) + list(job.spec)
    if job.cluster is not None or any(p == "-" or p.startswith(("http://", "https://")) for p in paths):
        return None
    sources = {path: digest(Path(path).read_bytes()) for path in expand_paths(paths, exclude=job.exclude)}
    return {
        "tool": f"openapi-tool {__version__}",
        "sources": dict(sorted(sources.items())),
        "templates": template_digest(options.templates),
        "options": _options_record(options, job.include_unserved),
        "selection": _selection(job),
    }


def _untouched(fingerprint: dict[str, Any] | None, output: Path) -> dict[str, Any] | None:
    """The lock of `output` when it was made from exactly these sources and no generated
    file was changed or removed since; else None."""
    if fingerprint is None:
        return None
    lock = read_lock(output)
    files = lock.get("files")
    if any(lock.get(key) != value for key, value in fingerprint.items()) or not isinstance(files, dict):
        return None
    return (
        lock if all(holds(os.path.join(output, relative), expected) for relative, expected in files.items()) else None
    )


def plan(
    inputs: Inputs,
    options: Options,
    warn: Callable[[str], None],
    progress: Callable[[int, int, str], None] = lambda done, total, what: None,
    include_unserved: bool = False,
    prefer: str | None = None,
) -> Plan:
    """Build the model of `inputs` (whose documents it then drops) and render it; `prefer`
    picks one definition of a kind defined differently in several CRD files.

    The module's version is the one given, else the cluster's (`v1.31.2` -> `1.31.2`),
    else a real `info.version` of the specs, else the default.
    """
    from openapi_tool.kcl.render import render_module
    from openapi_tool.regen.surface import surface
    from openapi_tool.sources.assemble import build_model

    crds_only = inputs.specs is None and not inputs.server_version
    picks: list[Pick] = []
    model = build_model(inputs.crds, inputs.specs, warn, include_unserved, prefer, picks)
    inputs.crds = inputs.specs = None  # the documents are no longer needed: rendering reuses their memory
    found_version = options.module_version or module_version(inputs.server_version) or model.version
    gc.freeze()  # the model lives on: the collections rendering triggers need not walk it (10% on large runs)
    try:
        module = render_module(model, replace(options, module_version=found_version), warn, progress)
    finally:
        gc.unfreeze()
    lock: dict[str, Any] = {
        "tool": f"openapi-tool {__version__}",
        "sources": dict(sorted(inputs.digests.items())),
        "templates": template_digest(options.templates),
        "options": _options_record(options, include_unserved),
        "resources": module.resources,
        "surface": surface(model),
        "surface_rules": True,  # the surface records validation rules (locks before it did not)
    }
    if inputs.server_version:
        lock["server_version"] = inputs.server_version
    if crds_only and len(inputs.digests) > 1:
        from openapi_tool.regen.incremental import parts

        lock["parts"] = parts(model, module, inputs.digests)
    return Plan(model, module, lock, picks)


def drift(plan_: Plan, output: Path) -> Drift:
    """Which generated files a run would add, change or remove in `output`.

    The lock is not compared: source digests and paths may change while every generated
    file stays the same, and such an output is current.
    """
    result = Drift()
    wanted = dict(plan_.module.files)
    for relative, text in wanted.items():
        path = output / relative
        if not path.is_file():
            result.added.append(relative)
        elif path.read_bytes() != text.encode("utf-8"):
            result.changed.append(relative)
    result.removed = sorted(f for f in previous_files(output) if f not in wanted and (output / f).is_file())
    return result


def changes(plan_: Plan, output: Path) -> list[Change]:
    """The change report against the surface recorded by the previous run in `output`."""
    old = read_lock(output)
    old_surface = old.get("surface")
    if not isinstance(old_surface, dict):
        return []
    return compare(old_surface, plan_.lock["surface"], old.get("surface_rules") is True)


def apply(plan_: Plan, output: Path, force: bool = False) -> WriteResult:
    return write_tree(output, plan_.module.files, plan_.lock, force, plan_.intact)


@dataclass
class JobOutcome:
    """What running one job did (or, with `check`, would do)."""

    output: Path
    report: RunReport
    drift: Drift | None = None
    written: WriteResult | None = None


def options_for(job: Job) -> Options:
    """Render options of a job: module name and version, templates, and the k8s module as a relative path."""
    if job.templates is not None and not job.templates.is_dir():
        raise UsageError(f"templates {job.templates}: not a directory")
    version = None
    if job.module_version is not None:
        version = module_version(job.module_version)
        if version is None:
            raise UsageError(f"module version {job.module_version!r}: not a semantic version such as 1.31.2")
    k8s_module = None
    if job.k8s_module is not None:
        if not (job.k8s_module / "kcl.mod").is_file():
            raise UsageError(f"k8s module {job.k8s_module}: no kcl.mod there")
        k8s_module = Path(os.path.relpath(job.k8s_module.resolve(), job.output.resolve())).as_posix()
    name = job.name or (
        "k8s" if (job.spec or job.cluster) and not job.crd else identifier(job.output.resolve().name, "module")
    )
    return Options(module_name=name, templates=job.templates, k8s_module=k8s_module, module_version=version)


def run_job(
    job: Job,
    check: bool,
    warn: Callable[[str], None],
    progress: Callable[[int, int, str], None] = lambda done, total, what: None,
    need_report: bool = False,
    force: bool = False,
) -> JobOutcome:
    """Generate `job`; with `check`, only compare with what its output directory holds.

    When the sources, templates, options and generated files are exactly those the lock
    records, nothing is parsed or rendered (unless a full report is wanted). Generated
    files edited since the last run stop it, unless `force`.
    """
    options = options_for(job)
    if not check:
        remove_stale(job.output)  # a run killed while moving files in left them half-way: put them back first
    fingerprint = None if need_report else _fingerprint(job, options)
    lock = _untouched(fingerprint, job.output)
    from openapi_tool.report import RunReport, build_report

    if lock is not None:
        report = RunReport.from_summary(lock.get("summary", {}))
        if check:
            return JobOutcome(job.output, report, drift=Drift())
        return JobOutcome(job.output, report, written=WriteResult(unchanged=sorted(lock["files"])))

    plan_ = _incremental(job, fingerprint, options, warn, progress) or _in_halves(job, options, warn)
    if plan_ is None:
        from openapi_tool.inputs import read_sources

        inputs = read_sources(list(job.crd), list(job.spec), job.cluster, job.exclude)
        plan_ = plan(inputs, options, warn, progress, job.include_unserved, job.prefer)
    selection = _selection(job)
    if selection is not None:
        plan_.lock["selection"] = selection
    found = changes(plan_, job.output)
    report = build_report(plan_, found)
    if job.impact and check:  # before an upgrade lands: which of the user's files break
        from openapi_tool.regen.impact import assess

        impact = assess(list(job.impact), job.output, plan_.module.files, plan_.module.resources, found, warn)
        report = replace(report, impact=tuple(impact))
    plan_.lock["summary"] = report.summary()
    if check:
        return JobOutcome(job.output, report, drift=drift(plan_, job.output))
    return JobOutcome(job.output, report, written=apply(plan_, job.output, force))


def _in_halves(job: Job, options: Options, warn: Callable[[str], None]) -> Plan | None:
    """The plan of a run over many CRD files, made on two cores (see `halves`); None for one process."""
    if job.spec or job.cluster is not None or not job.crd:
        return None
    files = expand_paths(list(job.crd), exclude=job.exclude)
    if len(set(files)) != len(files):  # a file given twice is an error one process reports
        return None
    from openapi_tool.halves import plan_in_halves
    from openapi_tool.inputs import read_sources

    def make(paths: list[str], warn_here: Callable[[str], None]) -> Plan:
        return plan(
            read_sources(paths, []), options, warn_here, include_unserved=job.include_unserved, prefer=job.prefer
        )

    return plan_in_halves(files, make, warn)


def _incremental(
    job: Job,
    fingerprint: dict[str, Any] | None,
    options: Options,
    warn: Callable[[str], None],
    progress: Callable[[int, int, str], None],
) -> Plan | None:
    """The plan from the changed CRD files alone, when the output's lock allows it.

    Picks among kinds defined in several files (`--prefer`) and included unserved versions
    are not recorded per file, so such an output is regenerated in full."""
    if (
        fingerprint is None
        or job.spec
        or job.cluster is not None
        or not job.crd
        or job.prefer is not None
        or job.include_unserved
    ):
        return None
    summary = read_lock(job.output).get("summary")
    if not isinstance(summary, dict) or summary.get("picked"):
        return None
    from openapi_tool.regen.incremental import partial_plan

    paths = expand_paths(list(job.crd), exclude=job.exclude)
    if len(set(paths)) != len(paths):  # a file given twice is an error a full run reports
        return None
    ordered = {path: fingerprint["sources"][path] for path in paths}
    from openapi_tool.inputs import read_sources

    def render(paths: list[str]) -> Plan:
        return plan(read_sources(paths, []), options, warn, progress)

    return partial_plan(ordered, fingerprint, job.output, render)
