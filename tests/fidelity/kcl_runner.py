"""Generated modules (the tool run in process) and the KCL runner that gives a verdict per instance."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openapi_tool.kcl_compile import external_packages, external_pkgs


def rewrite_rules(docs: list[Any], keep: Callable[[str], bool]) -> list[Any]:
    """A copy of the CRD documents keeping only the CEL rules `keep` accepts."""

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key == "x-kubernetes-validations" and isinstance(value, list):
                    kept = [v for v in value if isinstance(v, dict) and keep(str(v.get("rule", "")))]
                    if kept:
                        out[key] = kept
                else:
                    out[key] = walk(value)
            return out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return [walk(d) for d in docs]


@dataclass
class GeneratedModule:
    root: Path
    resources: dict[str, str]
    """"group/version Kind" -> "pkg.path.Schema" (from openapi-tool.lock)."""
    checks: dict
    """The report's `checks` section."""
    error: str = ""


def generate(docs: list[Any], out: Path) -> GeneratedModule:
    """Run `openapi-tool gen` (in process) on the documents; errors are returned, not raised."""
    import contextlib
    import io

    from openapi_tool.cli import main

    out.parent.mkdir(parents=True, exist_ok=True)
    source = out.parent / f"{out.name}.crd.json"
    listing = docs[0] if len(docs) == 1 else {"apiVersion": "v1", "kind": "List", "items": docs}
    source.write_text(json.dumps(listing), encoding="utf-8")
    report = out.parent / f"{out.name}.report.json"
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        try:
            status = main(
                ["gen", "-q", "--crd", str(source), "-o", str(out), "--report-json", str(report), "--include-unserved"]
            )
        except SystemExit as exit_:
            status = exit_.code or 1
        except Exception as error:  # a generator crash is a finding, not a harness failure
            status, stderr = 1, io.StringIO(f"{type(error).__name__}: {error}")
    if status != 0:
        return GeneratedModule(out, {}, {}, error=stderr.getvalue().strip()[-400:] or f"exit {status}")
    lock = json.loads((out / "openapi-tool.lock").read_text(encoding="utf-8"))
    data = json.loads(report.read_text(encoding="utf-8"))
    if "checks" not in data and data.get("outputs"):
        data = data["outputs"][0]
    return GeneratedModule(out, dict(lock.get("resources", {})), dict(data.get("checks", {})))


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_SCHEMA_DEF = re.compile(r"^schema\s+(\w+)", re.MULTILINE)
_STRINGS = re.compile(r'r?"""[\s\S]*?"""|r?"(?:[^"\\\n]|\\.)*"')
_WORDS = re.compile(r"\b[A-Za-z_]\w*\b")


def trimmed_module(module: Path, import_path: str, work: Path) -> Path:
    """A copy of `module` whose package of `import_path` keeps only the schemas the named
    schema reaches (files are copied unchanged; other packages are copied whole)."""
    package, _, name = import_path.rpartition(".")
    package_dir = module.joinpath(*package.split("."))
    by_name: dict[str, Path] = {}
    words: dict[str, set[str]] = {}
    for path in package_dir.glob("*.k"):
        text = path.read_text(encoding="utf-8")
        match = _SCHEMA_DEF.search(text)
        if match:
            by_name[match.group(1)] = path
            words[match.group(1)] = set(_WORDS.findall(_STRINGS.sub("", text)))
    keep, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current in keep or current not in by_name:
            continue
        keep.add(current)
        todo.extend(w for w in words[current] if w in by_name and w not in keep)
    target = work / "module"
    if target.exists():
        shutil.rmtree(target)
    kept = {by_name[k].name for k in keep}
    _link_tree(module, target, package_dir.resolve(), kept)
    return target


def _link_tree(source: Path, target: Path, package_dir: Path, kept: set[str]) -> None:
    """`target` mirrors `source` with symbolic links; in `package_dir` only the `kept` files."""
    target.mkdir(parents=True)
    for entry in source.iterdir():
        if entry.is_dir():
            if package_dir == entry.resolve() or package_dir.is_relative_to(entry.resolve()):
                _link_tree(entry, target / entry.name, package_dir, kept)
            else:
                os.symlink(entry.resolve(), target / entry.name)
        elif source.resolve() != package_dir or entry.name in kept:
            os.symlink(entry.resolve(), target / entry.name)


@dataclass
class Verdict:
    accepted: bool
    message: str = ""


class KclRunner:
    """Verdicts of `v: pkg.Kind = data` for many instances, a few compiler runs per batch."""

    def __init__(self, module: Path, import_path: str, work: Path) -> None:
        import kcl_lib.api as kcl

        self.kcl = kcl
        self.api = kcl.API()
        self.root = trimmed_module(module, import_path, work)
        self.external = external_pkgs(external_packages(self.root))  # the vendored k8s module
        package, _, self.schema = import_path.rpartition(".")
        self.package = package
        self.main = self.root / "_fidelity_main.k"
        self.runs = 0
        self.seconds = 0.0

    def verdicts(self, instances: list[Any], batch: int = 150) -> list[Verdict]:
        out: list[Verdict] = []
        for start in range(0, len(instances), batch):
            out += self._batch(instances[start : start + batch])
        return out

    def _batch(self, instances: list[Any]) -> list[Verdict]:
        results: list[Verdict | None] = [None] * len(instances)
        start = 0
        while start < len(instances):
            lines = ["import json as _fidelity_json", f"import {self.package} as _fidelity_pkg"]
            for index in range(start, len(instances)):
                lines.append(f'print("@@{index}")')
                lines.append(
                    f"v{index}: _fidelity_pkg.{self.schema} = _fidelity_json.decode({kcl_string(json.dumps(instances[index]))})"
                )
            self.main.write_text("\n".join(lines) + "\n", encoding="utf-8")
            self.runs += 1
            args = self.kcl.ExecProgramArgs(
                k_filename_list=[str(self.main)],
                work_dir=str(self.root),
                disable_yaml_result=True,
                external_pkgs=self.external,
            )
            started = time.perf_counter()
            try:
                result = self.api.exec_program(args)
                error, log = result.err_message, result.log_message
            except Exception as exc:  # a compile error: nothing of this batch ran
                self.seconds += time.perf_counter() - started
                message = _ANSI.sub("", str(exc)).strip()
                for index in range(start, len(instances)):
                    results[index] = Verdict(False, "COMPILE ERROR " + message[:600])
                break
            self.seconds += time.perf_counter() - started
            if not error:
                for index in range(start, len(instances)):
                    results[index] = Verdict(True)
                break
            markers = re.findall(r"@@(\d+)", log)
            failed = int(markers[-1]) if markers else start
            for index in range(start, failed):
                results[index] = Verdict(True)
            results[failed] = Verdict(False, _short(error))
            start = failed + 1
        return [r if r is not None else Verdict(False, "no verdict") for r in results]


def kcl_string(ascii_json: str) -> str:
    """A KCL string literal for ASCII text (json.dumps escapes everything else): `$` is
    written `\\x24` so that nothing is interpolated."""
    return '"' + ascii_json.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\x24") + '"'


def _short(error: str) -> str:
    """The messages of a KCL error and the file:line of the innermost failed check."""
    text = _ANSI.sub("", error)
    messages = [m.strip() for m in re.findall(r"^[ \t]*\|[ \t]*\^?[ \t]*(\S.*)$", text, re.MULTILINE)]
    places = re.findall(r"-->\s*(\S+)", text)
    where = f" [{Path(places[-1]).name}]" if places else ""
    return (" / ".join(dict.fromkeys(m for m in messages if m != "Instance check failed")) or text.strip())[
        :400
    ] + where
