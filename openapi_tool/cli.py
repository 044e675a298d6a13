"""Command line: parse arguments, call the library, print. Nothing imports this module."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

from openapi_tool import __version__
from openapi_tool.errors import InputError, UsageError

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
      CRD modules that import ObjectMeta from a generated k8s module instead of a bundled copy

Then, in out/: a main.k with `import cert_manager_io.v1 as certmanager` and
`certmanager.Certificate {...}`; `openapi-tool compile out/` checks it with the KCL compiler.
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
    parser.add_argument("--crd", action="append", default=[], metavar="PATH",
                        help="CRD file or directory (recursive), or - for stdin; repeatable")
    parser.add_argument("--spec", action="append", default=[], metavar="PATH",
                        help="swagger 2.0, OpenAPI 3 or JSON Schema bundle file or directory; repeatable")
    parser.add_argument("--validate", action="store_true",
                        help="check inputs with openapi-spec-validator first (takes seconds on the full API)")


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
    gen = commands.add_parser("gen", help="generate a KCL module", epilog=GEN_EXAMPLES, formatter_class=fmt,
                              description="Generate a KCL module from CRDs and/or OpenAPI specs.")
    _add_inputs(gen)
    gen.add_argument("-o", "--output", required=True, metavar="DIR",
                     help="output directory; created or updated in place (files it did not generate are kept)")
    gen.add_argument("--name", help="module name in kcl.mod (default: `k8s` for specs, else the output directory name)")
    gen.add_argument("--templates", metavar="DIR", help="directory of Jinja2 templates overriding the bundled ones")
    gen.add_argument("--k8s-module", metavar="DIR",
                     help="a generated Kubernetes module to import ObjectMeta from (path dependency), instead of a bundled copy")
    gen.add_argument("--report", metavar="FILE", help="write a markdown report: constraints kept as comments, and why")
    gen.add_argument("--report-json", metavar="FILE", help="the same report as JSON")
    gen.add_argument("-q", "--quiet", action="store_true", help="no warnings or progress")

    ir = commands.add_parser("ir", help="print the intermediate model as JSON", epilog=IR_EXAMPLES, formatter_class=fmt,
                             description="Print the intermediate model (IR) of the inputs as JSON.")
    _add_inputs(ir)
    ir.add_argument("-q", "--quiet", action="store_true", help="no warnings")

    check = commands.add_parser("compile", help="compile a generated module with kcl-lib", epilog=COMPILE_EXAMPLES,
                                formatter_class=fmt, description="Compile every package of a KCL module with kcl-lib.")
    check.add_argument("module", metavar="DIR", help="module root (the directory with kcl.mod)")
    check.add_argument("--fmt", action="store_true", help="also require every file to be in `kcl fmt` form")
    return parser


def _load(args: argparse.Namespace, reporter: Reporter):
    from openapi_tool.sources import build_model

    if not args.crd and not args.spec:
        raise UsageError("give at least one input: --crd PATH or --spec PATH")
    if args.validate:
        from openapi_tool.validate import validate_inputs

        findings = validate_inputs(args.crd, args.spec)
        for finding in findings[:-1]:
            print(f"error: {finding}", file=sys.stderr)
        if findings:
            raise findings[-1]
    return build_model(args.crd, args.spec, reporter.warn)


def _default_name(args: argparse.Namespace) -> str:
    from openapi_tool.kcl.names import identifier

    if args.name:
        return args.name
    if args.spec and not args.crd:
        return "k8s"
    return identifier(Path(args.output).resolve().name, "module")


def run_gen(args: argparse.Namespace, reporter: Reporter) -> int:
    from openapi_tool.kcl.render import Options, render_module
    from openapi_tool.output import write_tree
    from openapi_tool.report import report_data, summary_line, write_reports

    model = _load(args, reporter)
    output = Path(args.output)
    k8s_module = None
    if args.k8s_module:
        if not (Path(args.k8s_module) / "kcl.mod").is_file():
            raise UsageError(f"--k8s-module {args.k8s_module}: no kcl.mod there")
        k8s_module = Path(_relative(Path(args.k8s_module).resolve(), output.resolve())).as_posix()
    templates = Path(args.templates) if args.templates else None
    if templates is not None and not templates.is_dir():
        raise UsageError(f"--templates {args.templates}: not a directory")
    options = Options(module_name=_default_name(args), templates=templates, k8s_module=k8s_module)
    module = render_module(model, options, reporter.warn, reporter.progress)
    result = write_tree(output, module.files, {"tool": f"openapi-tool {__version__}", "resources": module.resources})
    data = report_data(module)
    write_reports(data, args.report, args.report_json)
    if not args.quiet:
        print(
            f"{output}: {len(model.schemas)} schemas, {len(result.written)} files written, "
            f"{len(result.unchanged)} unchanged, {len(result.removed)} removed; {summary_line(data)}",
            file=sys.stderr,
        )
    return 0


def _relative(path: Path, start: Path) -> str:
    import os

    return os.path.relpath(path, start)


def run_ir(args: argparse.Namespace, reporter: Reporter) -> int:
    print(_load(args, reporter).to_json())
    return 0


def run_compile(args: argparse.Namespace, reporter: Reporter) -> int:
    from openapi_tool.verify import compile_module, format_differences

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


COMMANDS: dict[str, Callable[[argparse.Namespace, Reporter], int]] = {
    "gen": run_gen,
    "ir": run_ir,
    "compile": run_compile,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))
    reporter = Reporter(getattr(args, "quiet", False))
    try:
        return COMMANDS[args.command](args, reporter)
    except UsageError as error:
        print(f"openapi-tool {args.command}: {error}", file=sys.stderr)
        return 2
    except InputError as error:
        if args.debug:
            raise
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; the output directory was left as it was", file=sys.stderr)
        return 130
