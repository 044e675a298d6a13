"""Command line: parse arguments, call the library, print. Nothing imports this module."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Sequence

from openapi_tool import __version__
from openapi_tool.errors import InputError, Interrupted, UsageError, from_os_error

TYPE_CHECKING = False  # pathlib, typing and threading are imported where used: `--help` does without them
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

PREFER_RULES = ("first", "last")
"""As `openapi_tool.sources.crd.PREFER_RULES`, which is not imported here: start-up stays short."""

GEN_EXAMPLES = """\
examples:
  openapi-tool gen --crd cert-manager.crds.yaml -o out/
      every version of every CRD in the file, as KCL packages under out/
  openapi-tool gen --crd crds/ -o out/
      every CRD in every .yaml/.yml/.json file below crds/
  kubectl get crd -o yaml | openapi-tool gen --crd - -o out/
      CRDs from standard input
  openapi-tool gen --spec swagger.json -o k8s/
      the Kubernetes API (swagger 2.0) as the module `k8s`: k8s.api.apps.v1.Deployment
  openapi-tool gen --spec v3/apis__apps__v1_openapi.json --spec v3/api__v1_openapi.json -o k8s/
      OpenAPI 3 group documents as the API server serves them; refs resolve across them
  openapi-tool gen --crd crds/ --k8s-module ../k8s -o out/
      CRD modules that import ObjectMeta from a generated k8s module instead of the bundled
      copy (by default out/vendor/k8s/, a module `k8s` of its own that a program's k8s replaces)
  openapi-tool gen --crd crds/ --include-unserved --module-version 2.1.0 -o out/
      also the CRD versions marked `served: false`; kcl.mod says version = "2.1.0"
  openapi-tool gen --crd gateway-api/ --exclude experimental -o gateway/
      a release folder whose standard/ and experimental/ define the same kinds differently:
      leave a channel out, or keep both and pick per kind with --prefer first|last
      (files of a directory are read sorted by path: last picks standard/ here)
  openapi-tool gen --from-cluster --context prod -o cluster/
      the live cluster's APIs and CRDs (kubeconfig, tokens, client certs, exec plugins as kubectl)
  openapi-tool gen --spec swagger.json -o k8s/ --check --report changes.md
      regeneration check for CI: exit 1 and a markdown report when k8s/ is out of date
  openapi-tool gen --spec swagger-1.32.json -o k8s/ --check --impact apps/kcl --impact apps/manifests --report impact.md
      before an upgrade: which of your KCL files and manifests break against the new API, and
      the API change behind each break (exit 2 when one does; 1 when only out of date)
  openapi-tool gen --spec swagger.json -o k8s/ --force
      regenerate even when generated files in k8s/ were edited by hand (the edits are lost;
      without --force the run stops and lists them)

Then, in out/: a main.k with `import cert_manager_io.v1 as certmanager` and
`certmanager.Certificate {...}`; `openapi-tool compile out/` checks it with the KCL compiler.
"""

REGEN_EXAMPLES = """\
examples:
  openapi-tool regen                       run every job of ./openapi-tool.yaml
  openapi-tool regen --check               exit 1 when any output is out of date (CI, cron)
  openapi-tool regen --report changes.md   also write what changed, breaking changes first
  openapi-tool regen --check --report r.md with `impact:` paths in a job: which of your KCL files and
                                           manifests the regeneration breaks, and why (exit 2)

A project file lists jobs; paths are relative to it:
  jobs:
    - output: k8s
      spec: [https://raw.githubusercontent.com/kubernetes/kubernetes/v1.35.0/api/openapi-spec/swagger.json]
    - output: crds
      crd: [crds/]
      k8s_module: k8s
      module_version: "2.1.0"        # optional, as --module-version
      include_unserved: false        # optional, as --include-unserved
    - output: cluster
      cluster: {context: prod, groups: [apps, cert-manager.io]}
    - output: gateway
      crd: [gateway-api/]
      exclude: [experimental]          # as gen --exclude; or prefer: first|last
      impact: [apps/, manifests/]      # regen --check: which of these files the new API breaks
"""

IR_EXAMPLES = """\
examples:
  openapi-tool ir --crd widgets.yaml            the intermediate model as JSON on stdout
  openapi-tool ir --spec swagger.json > ir.json
"""

COMPILE_EXAMPLES = """\
examples:
  openapi-tool compile out/       compile every package of a generated module with kcl-lib
  openapi-tool compile out/ --fmt also fail when `kcl fmt` would change a file
"""


CONVERT_EXAMPLES = """\
examples:
  openapi-tool convert deploy/ -o kcl/ --schemas k8s/
      every manifest below deploy/ as kcl/<same path>.k, typed with the module k8s/
      (made by `openapi-tool gen --spec swagger.json -o k8s/`); `kcl run kcl/web.k`
      prints web.yaml's documents again
  openapi-tool convert web.yaml certs.yaml -o kcl/ --schemas k8s/ --schemas crds/
      CRD kinds typed with a module made by `openapi-tool gen --crd ...` (with or without --k8s-module)
  kubectl get deploy -o yaml | openapi-tool convert - -o kcl/ --schemas k8s/
      standard input, written as kcl/stdin.k
  openapi-tool convert deploy/ -o kcl/ --schemas k8s/ --layout resource --verify
      one file per resource (kcl/web/web_deployment.k), then run each file with kcl-lib
      and compare with the manifests
  openapi-tool convert app/ -o kcl/ --schemas k8s/ --verify
      app/ holds kustomization.yaml files (a base and overlays): each kustomization
      directory D becomes kcl/D/kustomization.k, which renders what `kubectl kustomize app/D`
      renders; an overlay imports its bases and writes only what it changes. --verify
      compares each with `kubectl kustomize` (or `kustomize build`) when one is on PATH
  openapi-tool convert config/ -o kcl/ --schemas k8s/ --crds
      a kubebuilder config/ tree: the CRDs it renders are generated into kcl/_crds and
      type its custom resources (config/samples)
"""


class Reporter:
    """Warnings and progress on stderr: progress only on a terminal, nothing with --quiet."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.live = sys.stderr.isatty() and not quiet

    def warn(self, message: str) -> None:
        if not self.quiet:
            self._clear()
            print(f"warning: {message}", file=sys.stderr)

    def progress(self, done: int, total: int, what: str) -> None:
        if self.live and (done == total or done % 50 == 0):
            end = "\n" if done == total else ""
            print(f"\r{what} {done}/{total}", end=end, file=sys.stderr, flush=True)

    def _clear(self) -> None:
        if self.live:
            print("\r\033[K", end="", file=sys.stderr)


def _add_inputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--crd",
        action="append",
        default=[],
        metavar="PATH",
        help="CRD file, directory (recursive), URL, or - for stdin; repeatable",
    )
    parser.add_argument(
        "--spec",
        action="append",
        default=[],
        metavar="PATH",
        help="swagger 2.0, OpenAPI 3 or JSON Schema bundle: file, directory or URL; repeatable",
    )
    parser.add_argument(
        "--from-cluster",
        action="store_true",
        help="read the API server's /openapi/v3 documents and its CRDs (kubeconfig as kubectl uses it)",
    )
    parser.add_argument(
        "--kubeconfig",
        metavar="FILE",
        help="with --from-cluster: kubeconfig file (default: $KUBECONFIG or ~/.kube/config)",
    )
    parser.add_argument("--context", help="with --from-cluster: kubeconfig context (default: the current one)")
    parser.add_argument(
        "--group",
        action="append",
        default=[],
        metavar="GROUP",
        help="with --from-cluster: only this API group (core for the legacy group); repeatable",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="leave out files below a --crd/--spec directory whose path relative to it, or a folder "
        "on that path, matches GLOB (`*` also matches /): --exclude experimental; repeatable",
    )
    parser.add_argument(
        "--prefer",
        choices=PREFER_RULES,
        help="when a kind is defined with different schemas in several files (a release folder with "
        "two channels), use the first or the last definition in reading order (--crd paths in "
        "the order given, files of a directory sorted by path) instead of stopping; the summary "
        "and --report name the definition used",
    )
    parser.add_argument(
        "--validate",
        action="store_true",
        help="check inputs with openapi-spec-validator first (takes seconds on the full API)",
    )
    parser.add_argument(
        "--include-unserved",
        action="store_true",
        help="also generate CRD versions marked `served: false` (left out and listed by default, "
        "since the API server refuses their apiVersion)",
    )


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 and list what would change when the output is out of date",
    )
    parser.add_argument(
        "--report",
        metavar="FILE",
        help="write a markdown report: API changes since the last run (breaking first) and constraints kept as comments",
    )
    parser.add_argument("--report-json", metavar="FILE", help="the same report as JSON")
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace or remove generated files even when they were edited since the last run (the edits are lost)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no warnings or progress")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="openapi-tool",
        description="Turn Kubernetes OpenAPI specs and CRDs into typed KCL modules.",
        epilog="Run `openapi-tool COMMAND --help` for examples of each command.",
    )
    parser.add_argument("--version", action="version", version=f"openapi-tool {__version__}")
    parser.add_argument("--debug", action="store_true", help="show a traceback on errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    fmt = argparse.RawDescriptionHelpFormatter
    gen = commands.add_parser(
        "gen",
        help="generate a KCL module",
        epilog=GEN_EXAMPLES,
        formatter_class=fmt,
        description="Generate a KCL module from CRDs and/or OpenAPI specs.",
    )
    _add_inputs(gen)
    gen.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="DIR",
        help="output directory; created or updated in place (files it did not generate are kept)",
    )
    gen.add_argument("--name", help="module name in kcl.mod (default: `k8s` for specs, else the output directory name)")
    gen.add_argument("--templates", metavar="DIR", help="directory of Jinja2 templates overriding the bundled ones")
    gen.add_argument(
        "--k8s-module",
        metavar="DIR",
        help="a generated Kubernetes module to import ObjectMeta from (path dependency), instead of "
        "the bundled copy in vendor/k8s/",
    )
    gen.add_argument(
        "--module-version",
        metavar="VERSION",
        help="version in kcl.mod, such as 1.31.2 (default: a cluster's server version, else a real "
        "`info.version` of the specs, else 0.0.1)",
    )
    _add_run_options(gen)
    gen.add_argument(
        "--impact",
        action="append",
        default=[],
        metavar="PATH",
        help="with --check: a KCL module that depends on the output (kcl.mod path dependency) or a folder "
        "of YAML manifests: compile it against the current and the regenerated module and report which "
        "files the upgrade breaks and the API change behind each (exit 2); repeatable",
    )

    regen = commands.add_parser(
        "regen",
        help="regenerate every output of a project file",
        epilog=REGEN_EXAMPLES,
        formatter_class=fmt,
        description="Run every job of a project file (openapi-tool.yaml).",
    )
    regen.add_argument(
        "project",
        nargs="?",
        default="openapi-tool.yaml",
        metavar="FILE",
        help="project file (default: openapi-tool.yaml)",
    )
    _add_run_options(regen)

    ir = commands.add_parser(
        "ir",
        help="print the intermediate model as JSON",
        epilog=IR_EXAMPLES,
        formatter_class=fmt,
        description="Print the intermediate model (IR) of the inputs as JSON.",
    )
    _add_inputs(ir)
    ir.add_argument("-q", "--quiet", action="store_true", help="no warnings")

    check = commands.add_parser(
        "compile",
        help="compile a generated module with kcl-lib",
        epilog=COMPILE_EXAMPLES,
        formatter_class=fmt,
        description="Compile every package of a KCL module with kcl-lib.",
    )
    check.add_argument("module", metavar="DIR", help="module root (the directory with kcl.mod)")
    check.add_argument("--fmt", action="store_true", help="also require every file to be in `kcl fmt` form")

    convert = commands.add_parser(
        "convert",
        help="turn Kubernetes YAML into KCL using generated schemas",
        epilog=CONVERT_EXAMPLES,
        formatter_class=fmt,
        description="Convert Kubernetes manifests into KCL that uses the schema modules "
        "and renders back to the same documents.",
    )
    convert.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="manifest file or directory (recursive: .yaml, .yml, .json), or - for stdin; "
        "one directory holding kustomization.yaml files converts as a Kustomize tree",
    )
    convert.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="DIR",
        help="output module; created or updated in place (files it did not write are kept)",
    )
    convert.add_argument(
        "--schemas",
        action="append",
        default=[],
        metavar="MODULE_DIR",
        help="a module written by `openapi-tool gen` whose kinds type the documents; repeatable",
    )
    convert.add_argument(
        "--layout",
        choices=["file", "resource"],
        default="file",
        help="one .k per input file (default) or one per resource, under a directory per input file",
    )
    convert.add_argument("--name", help="module name in DIR/kcl.mod (default: the directory name)")
    convert.add_argument(
        "--verify",
        action="store_true",
        help="run every written file with kcl-lib and report the first difference from the input, "
        "reading the output as kcl-lib returns it and as `kcl run` prints it (with a final line break)",
    )
    convert.add_argument(
        "--force",
        action="store_true",
        help="replace or remove converted files even when they were edited since the last run (the edits are lost)",
    )
    convert.add_argument(
        "--crds",
        action="store_true",
        help="Kustomize trees: generate the schemas of the CRDs the tree renders into DIR/_crds (as "
        "`gen --crd` would, using the k8s module among --schemas) and type the tree's custom resources with them",
    )
    convert.add_argument("-q", "--quiet", action="store_true", help="no warnings or progress")
    return parser


def _cluster(args: argparse.Namespace):
    if not args.from_cluster:
        if args.kubeconfig or args.context or args.group:
            raise UsageError("--kubeconfig, --context and --group go with --from-cluster")
        return None
    from openapi_tool.sources.cluster import ClusterSource

    return ClusterSource(args.kubeconfig, args.context, tuple(args.group))


def _validate(args: argparse.Namespace) -> None:
    if not args.crd and not args.spec and not args.from_cluster:
        raise UsageError("give at least one input: --crd PATH, --spec PATH or --from-cluster")
    if args.validate:
        from openapi_tool.validate import validate_inputs

        validate_inputs(args.crd, args.spec, tuple(args.exclude)).raise_any()


def run_gen(args: argparse.Namespace, reporter: Reporter) -> int:
    from pathlib import Path

    from openapi_tool.regen.project import Job

    _validate(args)
    if args.impact and not args.check:
        raise UsageError("--impact goes with --check (it tells what the regeneration would break before it is written)")
    job = Job(
        output=Path(args.output),
        crd=tuple(args.crd),
        spec=tuple(args.spec),
        cluster=_cluster(args),
        name=args.name,
        templates=Path(args.templates) if args.templates else None,
        k8s_module=Path(args.k8s_module) if args.k8s_module else None,
        module_version=args.module_version,
        include_unserved=args.include_unserved,
        exclude=tuple(args.exclude),
        prefer=args.prefer,
        impact=tuple(args.impact),
    )
    from openapi_tool.loader import reading_ahead
    from openapi_tool.output import LOCK

    # A first generation parses every input: a child starts on them at once. Into an earlier
    # output, the run may parse nothing (unchanged inputs) or only the changed files.
    ahead = [] if (job.output / LOCK).exists() else list(job.crd) or list(job.spec)
    with reading_ahead(ahead, job.exclude, _prepare_generation):
        return _run_jobs([job], args, reporter)


def _prepare_generation(files: list[str]) -> None:
    """Import the model building and rendering code, and the CEL parser when the inputs have
    CEL rules: done while a child parses large YAML inputs."""
    from pathlib import Path

    import openapi_tool.kcl.render  # noqa: F401
    import openapi_tool.sources.assemble  # noqa: F401

    if any(b"x-kubernetes-validations" in Path(file).read_bytes() for file in files):
        from openapi_tool.kcl.cel import load_parser

        load_parser()


def run_regen(args: argparse.Namespace, reporter: Reporter) -> int:
    from openapi_tool.regen.project import load_project

    return _run_jobs(load_project(args.project), args, reporter)


def _run_jobs(jobs: list, args: argparse.Namespace, reporter: Reporter) -> int:
    """Run every job; with --check, write nothing and exit 1 when any output is out of date."""
    from openapi_tool.generate import run_job
    from openapi_tool.report import pick_lines, summary_line, write_reports

    need_report = bool(args.report or args.report_json) or (args.check and any(job.impact for job in jobs))
    outcomes: list = []
    try:
        for job in jobs:
            outcomes.append(run_job(job, args.check, reporter.warn, reporter.progress, need_report, args.force))
    except (Interrupted, KeyboardInterrupt, Terminated) as stop:
        raise _interrupted(stop, [str(o.output) for o in outcomes if o.written is not None]) from stop
    write_reports([(str(o.output), o.report) for o in outcomes], args.report, args.report_json)
    stale = False
    for outcome in outcomes:
        if outcome.drift is not None:
            stale = stale or not outcome.drift.current
            _print_drift(outcome)
        elif not args.quiet:
            written = outcome.written
            print(
                f"{outcome.output}: {outcome.report.schemas} schemas, {len(written.written)} files written, "
                f"{len(written.unchanged)} unchanged, {len(written.removed)} removed; {summary_line(outcome.report)}",
                file=sys.stderr,
            )
            for line in pick_lines(outcome.report.picked):
                print(f"  {line}", file=sys.stderr)
    broken = False
    for outcome in outcomes:
        impact = outcome.report.impact
        if impact is not None:
            from openapi_tool.regen.impact import impact_lines

            broken = broken or any(entry["breaks"] for entry in impact)
            for line in impact_lines(list(impact)):
                print(f"  {line}", file=sys.stderr)
    return 2 if broken else 1 if stale else 0


def _print_drift(outcome) -> None:
    drift = outcome.drift
    if drift.current:
        print(f"{outcome.output}: up to date", file=sys.stderr)
        return
    print(
        f"{outcome.output}: out of date: {len(drift.added)} files to add, {len(drift.changed)} to change, "
        f"{len(drift.removed)} to remove",
        file=sys.stderr,
    )
    for label, files in (("add", drift.added), ("change", drift.changed), ("remove", drift.removed)):
        for path in files[:20]:
            print(f"  {label} {path}", file=sys.stderr)
        if len(files) > 20:
            print(f"  ... and {len(files) - 20} more to {label}", file=sys.stderr)
    report = outcome.report
    if report.changes:
        print(f"  API changes: {len(report.changes)} ({report.breaking} breaking); see --report", file=sys.stderr)


def run_ir(args: argparse.Namespace, reporter: Reporter) -> int:
    from openapi_tool.inputs import read_sources
    from openapi_tool.report import pick_lines
    from openapi_tool.sources.assemble import build_model

    _validate(args)
    inputs = read_sources(args.crd, args.spec, _cluster(args), tuple(args.exclude))
    picks: list = []
    model = build_model(inputs.crds, inputs.specs, reporter.warn, args.include_unserved, args.prefer, picks)
    for line in pick_lines(picks):
        reporter.warn(line)
    print(model.to_json())
    return 0


def run_compile(args: argparse.Namespace, reporter: Reporter) -> int:
    from pathlib import Path

    from openapi_tool.kcl_compile import compile_module, format_differences

    root = Path(args.module)
    if not (root / "kcl.mod").is_file():
        raise UsageError(f"{args.module}: no kcl.mod there (give the module root)")
    results = compile_module(root)
    failed = [r for r in results if r.error]
    for result in failed:
        first = result.error.splitlines()[0] if result.error else ""
        print(f"{root / result.package}: {first}", file=sys.stderr)
    print(f"compiled {len(results) - len(failed)}/{len(results)} packages", file=sys.stderr)
    unformatted = format_differences(root) if args.fmt else []
    for path in unformatted:
        print(f"{root / path}: not in kcl fmt form", file=sys.stderr)
    return 1 if failed or unformatted else 0


def run_convert(args: argparse.Namespace, reporter: Reporter) -> int:
    from pathlib import Path

    from openapi_tool.convert import ConvertOptions, convert, verify_conversion
    from openapi_tool.convert.kustomize.pipeline import is_kustomize_tree
    from openapi_tool.output import write_tree
    from openapi_tool.staging import remove_stale

    output = Path(args.output)
    remove_stale(output)  # a run killed while moving files in left them half-way: put them back first
    options = ConvertOptions(tuple(args.schemas), args.layout, args.name)
    if is_kustomize_tree(args.paths):
        if args.layout != "file":
            raise UsageError("--layout is for manifest files: a Kustomize tree is laid out as its folders")
        return _convert_tree(args, options, reporter)
    if args.crds:
        raise UsageError("--crds goes with one directory that holds kustomization.yaml files")
    conversion = convert(args.paths, output, options, reporter.warn, reporter.progress)
    record = {"tool": f"openapi-tool {__version__}", "command": "convert"}
    result = write_tree(output, conversion.files, record, args.force)
    if not args.quiet:
        _print_written(output, conversion.summary, result)
    if not args.verify:
        return 0
    failures = verify_conversion(output, conversion.expected, reporter.progress)
    for failure in failures:
        print(f"verify: {failure}", file=sys.stderr)
    total = len(conversion.expected)
    print(
        f"verified {total - len(failures)}/{total} files: kcl-lib and kcl run give back their manifests",
        file=sys.stderr,
    )
    return 1 if failures else 0


def _print_written(output: Path, summary: str, result: Any) -> None:
    print(
        f"{output}: {summary}; {len(result.written)} files written, "
        f"{len(result.unchanged)} unchanged, {len(result.removed)} removed",
        file=sys.stderr,
    )


def _convert_tree(args: argparse.Namespace, options: Any, reporter: Reporter) -> int:
    from pathlib import Path

    from openapi_tool.convert.kustomize.build import BuildCache
    from openapi_tool.convert.kustomize.pipeline import convert_tree
    from openapi_tool.convert.kustomize.verify import verify_tree
    from openapi_tool.output import write_tree

    root, output = Path(args.paths[0]), Path(args.output)
    cache = BuildCache()  # --crds builds the tree first; the conversion reuses that
    if args.crds:
        options = _with_tree_crds(root, output, options, args, reporter, cache)
    conversion = convert_tree(root, output, options, reporter.warn, reporter.progress, cache)
    record = {"tool": f"openapi-tool {__version__}", "command": "convert", "kustomizations": conversion.kustomizations}
    result = write_tree(output, conversion.files, record, args.force)
    if not args.quiet:
        _print_written(output, conversion.summary, result)
    if not args.verify:
        return 0
    report = verify_tree(root, output, conversion.kustomizations, conversion.expected, reporter.progress)
    for line in report.lines:
        print(f"verify: {line}", file=sys.stderr)
    return 0 if report.ok else 1


CRDS_FOLDER = "_crds"
"""Where `convert --crds` generates the tree's CRDs (no mirrored folder starts with `_`, and the
folder must not be named as the module, which KCL would then find twice)."""


def _with_tree_crds(
    root: Path, output: Path, options: Any, args: argparse.Namespace, reporter: Reporter, cache: Any
) -> Any:
    """Generate the schemas of the CRDs the tree renders into OUTPUT/_crds (a `gen --crd` run) and
    add that module to the schemas the conversion types with."""
    import dataclasses
    import tempfile
    from pathlib import Path

    import yaml

    from openapi_tool.convert.kustomize.crds import rendered_crds
    from openapi_tool.generate import run_job
    from openapi_tool.kcl.names import identifier
    from openapi_tool.regen.project import Job

    crds = rendered_crds(root, cache)
    if not crds:
        reporter.warn(f"{root}: --crds: the tree renders no CustomResourceDefinition")
        return options
    k8s = next((Path(s) for s in args.schemas if (Path(s) / "apimachinery").is_dir()), None)
    name = identifier(args.name or output.resolve().name, "manifests") + "_crds"
    with tempfile.TemporaryDirectory(prefix="openapi-tool-crds-") as scratch:
        source = Path(scratch) / f"{root.resolve().name}-crds.yaml"
        source.write_text(yaml.safe_dump_all(crds, sort_keys=False), encoding="utf-8")
        job = Job(output=output / CRDS_FOLDER, crd=(str(source),), name=name, k8s_module=k8s)
        outcome = run_job(job, False, reporter.warn, reporter.progress, force=args.force)
    if not args.quiet:
        print(f"{outcome.output}: schemas of {len(crds)} CRDs the tree renders", file=sys.stderr)
    return dataclasses.replace(options, schemas=(*options.schemas, str(output / CRDS_FOLDER)))


COMMANDS: dict[str, Callable[[argparse.Namespace, Reporter], int]] = {
    "gen": run_gen,
    "regen": run_regen,
    "ir": run_ir,
    "compile": run_compile,
    "convert": run_convert,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    reporter = Reporter(getattr(args, "quiet", False))
    try:
        return COMMANDS[args.command](args, reporter)
    except UsageError as error:
        print(f"openapi-tool {args.command}: {error}", file=sys.stderr)
        return 2
    except InputError as error:
        if args.debug:
            raise
        for line in error.lines():
            print(f"error: {line}", file=sys.stderr)
        return 1
    except OSError as error:
        if args.debug:
            raise
        print(f"error: {from_os_error(error)}", file=sys.stderr)
        return 1
    except (Interrupted, KeyboardInterrupt, Terminated) as stop:
        interrupted = _interrupted(stop, [])
        what = "interrupted" if interrupted.signal_number == signal.SIGINT else "terminated"
        if interrupted.complete:
            print(
                f"{what}; complete and up to date: {', '.join(interrupted.complete)}; no other output was changed",
                file=sys.stderr,
            )
        else:
            print(f"{what}; no output was changed", file=sys.stderr)
        return 128 + interrupted.signal_number


def _interrupted(stop: BaseException, complete: list[str]) -> Interrupted:
    """`stop` (a signal) as `Interrupted`, adding the outputs completed before it."""
    if isinstance(stop, Interrupted):
        return Interrupted(stop.signal_number, [*complete, *stop.complete])
    return Interrupted(signal.SIGINT if isinstance(stop, KeyboardInterrupt) else signal.SIGTERM, complete)


class Terminated(Exception):
    """SIGTERM, raised where the program is so that temporary files are cleaned up."""


def _terminate(number: int, frame: object) -> None:
    raise Terminated()
