"""Upgrade impact: which of the user's own files break against a regenerated module, and why.

The new module is rendered into a temporary directory; every KCL entry file of a user's
module (its dependency on the output module redirected to the staged copy) and every YAML
manifest (typed with the module's resource schemas) is compiled against the current output
and against the staged one. A file that passes before and fails after breaks; each failure
is explained by the change-report entries its compiler message names.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from openapi_tool.errors import UsageError
from openapi_tool.markdown import table
from openapi_tool.regen.changes import Change

_MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_LOCATION = re.compile(r"-->\s*(?P<file>[^\n]*?):(?P<line>\d+)(?::\d+)?\s*$", re.M)


@dataclass
class Side:
    """A module to compile against: its root, its dependencies and its resource index."""

    root: Path
    name: str
    resources: dict[str, str]
    """"apps/v1 Deployment" -> "api.apps.v1.Deployment", as the lock records it."""
    packages: tuple[tuple[str, str], ...]
    """The module and its own dependencies (vendor/k8s, a --k8s-module), for `exec_program`."""
    scratch: Path
    """Where programs typing manifests are written."""
    strict: Side | None = None
    """The same module with its `@deprecated` decorators strict: a use of a deprecated field
    fails there, naming the field and the reason (None when nothing is deprecated)."""


@dataclass
class FileImpact:
    path: str
    breaks: bool = False
    already_failing: bool = False
    failures: list[dict[str, Any]] = field(default_factory=list)
    before: list[dict[str, Any]] = field(default_factory=list)
    documents: int | None = None
    """For a manifest file: how many of its documents have a schema in either module."""
    deprecated: list[dict[str, Any]] = field(default_factory=list)
    """Uses of fields the new module marks deprecated (the first one per file or document)."""

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"path": self.path, "breaks": self.breaks, "already_failing": self.already_failing}
        if self.documents is not None:
            data["documents_checked"] = self.documents
        if self.breaks:
            data["failures"] = self.failures
        if self.already_failing:
            data["failing_before"] = self.before
        if self.deprecated:
            data["deprecated"] = self.deprecated
        return data


def assess(
    paths: list[str],
    output: Path,
    new_files: Mapping[str, str],
    new_resources: dict[str, str],
    changes: list[Change],
    warn: Callable[[str], None],
) -> list[dict[str, Any]]:
    """The impact section: one entry per user file under `paths`, against `output` (current)
    and `new_files` (the module a regeneration would write)."""
    from openapi_tool.convert.catalog import module_name
    from openapi_tool.kcl_compile import external_packages
    from openapi_tool.output import read_lock

    if not (output / "kcl.mod").is_file():
        raise UsageError(f"--impact: {output} holds no generated module yet (run gen once without --check)")
    name = module_name(output)
    old_resources = read_lock(output).get("resources") or {}
    staged = Path(tempfile.mkdtemp(prefix="openapi-tool-impact-"))
    try:
        module = _write(new_files, staged / "module")
        root = output.resolve()
        packages = ((name, str(root)),) + tuple((n, p) for n, p in external_packages(root) if n != name)
        scratch = staged / "programs"  # beside the staged module, not in it
        scratch.mkdir()
        current = Side(root, name, old_resources, packages, scratch)
        upgraded = Side(module, name, new_resources, (), scratch)
        upgraded.packages = _redirect(packages, current, upgraded)
        upgraded.strict = _strict_side(new_files, staged / "strict", current, upgraded)
        results = [_assess_path(Path(p), current, upgraded, changes, warn) for p in paths]
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return [item.to_data() for group in results for item in group]


def _write(files: Mapping[str, str], root: Path) -> Path:
    """Write a module's files below `root`; its resolved path."""
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root.resolve()


_DEPRECATED = re.compile(r"^(\s*@deprecated\(.*)strict=False\)\s*$", re.M)
_DEPRECATED_USE = re.compile(r"(?P<attribute>\S+) was deprecated ?,? ?(?P<reason>.*)")


def _strict_side(files: Mapping[str, str], root: Path, current: Side, upgraded: Side) -> Side | None:
    """A copy of the new module whose deprecations are errors, or None when it has none."""
    if not any("@deprecated(" in text for text in files.values()):
        return None
    strict = _write({relative: _DEPRECATED.sub(r"\1strict=True)", text) for relative, text in files.items()}, root)
    side = Side(strict, upgraded.name, upgraded.resources, (), upgraded.scratch)
    side.packages = _redirect(current.packages, current, side)
    return side


def _deprecated_use(path: str, line: int | None, error: str) -> dict[str, Any] | None:
    """The use of a deprecated field a strict run reports, or None when the error is another."""
    found = _DEPRECATED_USE.search(_message(error))
    if found is None:
        return None
    return {
        "file": path,
        "line": _location(error, path) or line,
        "attribute": found.group("attribute"),
        "reason": found.group("reason").strip(" ;"),
    }


def _assess_path(
    path: Path, current: Side, upgraded: Side, changes: list[Change], warn: Callable[[str], None]
) -> list[FileImpact]:
    if not path.exists():
        raise UsageError(f"--impact {path}: no such file or directory")
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p, path))
    files = [f for f in files if current.root not in f.resolve().parents]  # the generated module itself
    kcl_files = [f for f in files if f.suffix == ".k" and not f.name.endswith("_test.k")]
    manifests = [f for f in files if f.suffix in _MANIFEST_SUFFIXES]
    out: list[FileImpact] = []
    if kcl_files:
        root = _module_root(path.resolve() if path.is_dir() else path.resolve().parent)
        kcl_files = [f for f in kcl_files if _module_root(f.resolve().parent) == root]  # modules below are their own
        out += _assess_kcl(root, kcl_files, current, upgraded, changes)
    for manifest in manifests:
        out.append(_assess_manifest(manifest, current, upgraded, changes, warn))
    return out


def _hidden(path: Path, base: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(base).parts)


def _module_root(directory: Path) -> Path:
    """The nearest folder at or above `directory` holding a kcl.mod."""
    for candidate in (directory, *directory.parents):
        if (candidate / "kcl.mod").is_file():
            return candidate
    raise UsageError(f"--impact {directory}: no kcl.mod in this folder or above (give a KCL module)")


def _redirect(external: tuple[tuple[str, str], ...], current: Side, upgraded: Side) -> tuple[tuple[str, str], ...]:
    """The dependencies with every path inside the current output moved to the staged copy."""
    out = []
    for name, path in external:
        resolved = Path(path).resolve()
        if resolved == current.root or current.root in resolved.parents:
            resolved = upgraded.root / resolved.relative_to(current.root)
        out.append((name, str(resolved)))
    return tuple(out)


def _assess_kcl(
    root: Path, files: list[Path], current: Side, upgraded: Side, changes: list[Change]
) -> list[FileImpact]:
    from openapi_tool.convert.kclrun import Executor, Program
    from openapi_tool.kcl_compile import external_packages

    external = external_packages(root)
    if not any(Path(p).resolve() == current.root for _, p in external):
        raise UsageError(f"--impact {root}: its kcl.mod has no path dependency on {current.root}")
    redirected = _redirect(external, current, upgraded)
    before = [Program(str(root), (), external, (str(f.resolve()),)) for f in files]
    after = [Program(str(root), (), redirected, (str(f.resolve()),)) for f in files]
    with Executor() as executor:
        results = executor.run_all(before + after)
        strict = upgraded.strict
        passing = [f for i, f in enumerate(files) if not results[len(files) + i].error] if strict else []
        warnings = (
            executor.run_all(
                [Program(str(root), (), _redirect(external, current, strict), (str(f.resolve()),)) for f in passing]
            )
            if strict
            else []
        )
    uses = {f: _deprecated_use(str(f), None, r.error) for f, r in zip(passing, warnings)}
    out = []
    for index, file in enumerate(files):
        old_error, new_error = results[index].error, results[len(files) + index].error
        source = file.read_text(encoding="utf-8", errors="replace")
        out.append(_judge(str(file), old_error, new_error, source, current, upgraded, changes))
        use = uses.get(file)
        if use is not None:
            if use["line"] is None:  # the compiler points into the module: the first line setting the field
                setting = re.compile(rf"\b{re.escape(use['attribute'])}\s*[:={{]")  # a field, or a deprecated schema
                use["line"] = next((n for n, text in enumerate(source.splitlines(), 1) if setting.search(text)), None)
            out[-1].deprecated.append(use)
    return out


def _assess_manifest(
    file: Path, current: Side, upgraded: Side, changes: list[Change], warn: Callable[[str], None]
) -> FileImpact:
    from openapi_tool.convert.kclrun import Executor

    known = current.resources.keys() | upgraded.resources.keys()
    documents = [d for d in _documents(file) if f"{d.data.get('apiVersion')} {d.data.get('kind')}" in known]
    with Executor(1) as executor:
        old_errors = _type_documents([d.data for d in documents], current, executor)
        new_errors = _type_documents([d.data for d in documents], upgraded, executor)
        passing = [d for d, e in zip(documents, new_errors) if not e]
        strict_errors = _type_documents([d.data for d in passing], upgraded.strict, executor) if upgraded.strict else []
    if not documents:
        warn(f"--impact {file}: no document of a kind either module has a schema for")
    impact = FileImpact(str(file), documents=len(documents))
    for document, error in zip(passing, strict_errors):
        use = _deprecated_use(str(file), document.line, error)
        if use is not None:
            use["line"] = document.keys.get(use["attribute"], document.line)
            impact.deprecated.append(use)
    impact.before = [_failure(str(file), d.line, e) for d, e in zip(documents, old_errors) if e]
    impact.already_failing = bool(impact.before)
    if not impact.already_failing and any(new_errors):
        impact.breaks = True
        source = file.read_text(encoding="utf-8", errors="replace")
        for document, error in zip(documents, new_errors):
            if error:
                failure = _explained(str(file), document.line, error, source, document.data, current, upgraded, changes)
                failure["line"] = _failing_line(document, failure["changes"])
                impact.failures.append(failure)
    return impact


@dataclass(frozen=True)
class _Document:
    line: int
    """The document's first line (1-based)."""
    data: dict[str, Any]
    keys: dict[str, int]
    """Each key of the document, at any depth, and the line of its first occurrence."""


def _key_lines(node: yaml.Node, out: dict[str, int]) -> dict[str, int]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                out.setdefault(key.value, key.start_mark.line + 1)
            _key_lines(value, out)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _key_lines(item, out)
    return out


def _documents(file: Path) -> list[_Document]:
    """Each mapping document of a manifest file (a `kind: List` stays one document)."""
    text = file.read_text(encoding="utf-8")
    loader = yaml.SafeLoader(text)
    out = []
    try:
        while loader.check_node():
            node = loader.get_node()
            data = loader.construct_document(node)
            if isinstance(data, dict):
                out.append(_Document(node.start_mark.line + 1, data, _key_lines(node, {})))
    except yaml.YAMLError as error:
        raise UsageError(f"--impact {file}: not YAML: {str(error).splitlines()[0]}") from None
    finally:
        loader.dispose()
    return out


def _failing_line(document: _Document, found: list[dict[str, Any]]) -> int:
    """The line of the first attribute a matched change names, else the document's first line."""
    for change in found:
        *qualified, last = change["where"].split(".")
        if qualified and qualified[-1][:1].isupper() and last in document.keys:
            return document.keys[last]
    return document.line


def _typed_program(documents: list[dict[str, Any]], side: Side) -> str | None:
    """A KCL program that types each document with its resource schema in `side`; None when
    one has no schema there."""
    imports, lines = {}, []
    for index, data in enumerate(documents):
        target = side.resources.get(f"{data.get('apiVersion')} {data.get('kind')}")
        if target is None:
            return None
        package, _, schema = target.rpartition(".")
        alias = imports.setdefault(package, f"_p{len(imports)}")
        literal = json.dumps(json.dumps(data, ensure_ascii=False), ensure_ascii=False).replace("${", "\\${")
        lines.append(f"_document{index}: {alias}.{schema} = _json.decode({literal})")
    head = ["import json as _json"] + [f"import {side.name}.{package} as {alias}" for package, alias in imports.items()]
    return "\n".join(head + [""] + lines) + "\n"


def _type_documents(documents: list[dict[str, Any]], side: Side, executor: Any) -> list[str]:
    """The compiler's error for each document typed with its schema in `side` ('' when it
    passes): all in one program first, then one by one when that fails."""
    from openapi_tool.convert.kclrun import Program

    def run(batch: list[dict[str, Any]]) -> str:
        program = _typed_program(batch, side)
        if program is None:
            key = f"{batch[0].get('apiVersion')} {batch[0].get('kind')}"
            return f"no schema for {key} in module {side.name}: the API does not serve this apiVersion and kind"
        return executor.run_all([Program(str(side.scratch), (("main.k", program),), side.packages)])[0].error

    if not documents or (len(documents) > 1 and not run(documents)):
        return [""] * len(documents)
    return [run([data]) for data in documents]


def _judge(
    path: str, old_error: str, new_error: str, source: str, current: Side, upgraded: Side, changes: list[Change]
) -> FileImpact:
    impact = FileImpact(path)
    if old_error:
        impact.already_failing = True
        impact.before = [_failure(path, None, old_error)]
    elif new_error:
        impact.breaks = True
        impact.failures = [_explained(path, None, new_error, source, None, current, upgraded, changes)]
    return impact


def _failure(path: str, line: int | None, error: str) -> dict[str, Any]:
    found = _location(error, path)
    return {"file": path, "line": found if found is not None else line, "message": _message(error)}


def _explained(
    path: str,
    line: int | None,
    error: str,
    source: str,
    document: Any,
    current: Side,
    upgraded: Side,
    changes: list[Change],
) -> dict[str, Any]:
    failure = _failure(path, line, error)
    found = explain(error, source, document, current.resources, changes, [current.root, upgraded.root])
    failure["changes"] = [c.to_data() for c in found]
    return failure


def _plain(error: str) -> str:
    """The error without terminal colours."""
    return _ANSI.sub("", error)


def _location(error: str, path: str) -> int | None:
    """The line the compiler names in the user's file (its `--> file:line:col` markers)."""
    name = Path(path).resolve()
    for match in _LOCATION.finditer(_plain(error)):
        try:
            if Path(match.group("file").strip()).resolve() == name:
                return int(match.group("line"))
        except (OSError, ValueError):
            continue
    return None


def _message(error: str) -> str:
    """What the compiler says, without its source excerpts: each error's kind and the
    notes under the lines it points at ("TypeError: expected ..., got ...")."""
    out = []
    for line in _plain(error).splitlines():
        text = line.strip()
        if re.match(r"^(error\[\w+\]: )?\w+Error$", text):
            out.append(text.rpartition(" ")[2] + ":")
        elif text.startswith("|"):
            note = text[1:].strip().lstrip("^").strip()
            if note:
                out.append(note + ";")
        elif text and not text.startswith("-->") and not re.match(r"^\d+\s*\|", text):
            out.append(text + ";")  # a note continued on its own line ("For details:\n Schema ...")
    message = " ".join(out).rstrip(";:") or _plain(error).strip()
    return message[:500]


def _words(text: str) -> set[str]:
    return {w.lstrip("$") for w in re.findall(r"[A-Za-z_$][A-Za-z0-9_$]*", text)}


_ATTRIBUTE = re.compile(r"^\s*\$?([A-Za-z_][A-Za-z0-9_]*|\"[^\"]+\")\??\s*:")
_SCHEMA = re.compile(r"^schema\s+([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class _Place:
    """A line of a generated module that the compiler's error points at."""

    schema: str
    attribute: str
    """The attribute declared on the line; '' for other lines."""
    in_check: bool
    """The line is in the schema's check block."""
    words: frozenset[str]


def _module_places(error: str, roots: list[Path]) -> list[_Place]:
    places = []
    for match in _LOCATION.finditer(error):
        file = Path(match.group("file").strip())
        if not any(root == file or root in file.parents for root in roots):
            continue
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        number = int(match.group("line")) - 1
        if not 0 <= number < len(lines):
            continue
        schema, in_check = "", False
        for line in reversed(lines[: number + 1]):
            if line.strip() == "check:":
                in_check = True
            found = _SCHEMA.match(line)
            if found:
                schema = found.group(1)
                break
        declared = _ATTRIBUTE.match(lines[number])
        attribute = declared.group(1).strip('"') if declared and not in_check else ""
        places.append(_Place(schema, attribute, in_check, frozenset(_words(lines[number]))))
    return places


def _removed_values(change: Change) -> list[Any]:
    prefix = "no longer accepts "
    if not change.detail.startswith(prefix):
        return []
    try:
        values = ast.literal_eval(change.detail[len(prefix) :])
    except (ValueError, SyntaxError):
        return []
    return list(values) if isinstance(values, list) else []


def _uses_value(attribute: str, values: list[Any], source: str, document: Any) -> bool:
    """Whether the user's file sets `attribute` to one of `values` (a manifest's data or KCL text)."""
    if document is not None:
        stack = [document]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if node.get(attribute, object()) in values:
                    return True
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
        return False
    return any(re.search(rf"\b{re.escape(attribute)}\s*[:=]\s*{re.escape(json.dumps(v))}", source) for v in values)


def explain(
    error: str,
    source: str,
    document: Any,
    old_resources: dict[str, str],
    changes: list[Change],
    module_roots: list[Path],
) -> list[Change]:
    """The breaking changes that explain the compiler's `error` on the user's file:
    - resource removed: the error names its apiVersion and kind (a manifest) or its package,
      and the file names the kind (KCL);
    - a change to an attribute (removed, now required, type, constraint, new rule): the error
      names both the schema and the attribute, or points at the attribute's declaration;
    - a new rule of a schema: the error points into that schema's check block;
    - enum narrowed: the file sets the attribute to a value no longer accepted."""
    error = _plain(error)
    words = _words(_message(error))
    places = _module_places(error, module_roots)
    found: list[Change] = []
    for change in (c for c in changes if c.breaking):
        if change.kind == "resource removed":
            package = old_resources.get(change.where, "").rpartition(".")[0]
            kind = change.where.partition(" ")[2]
            if change.where in error or (package and package in error and kind in _words(source)):
                found.append(change)
            continue
        *qualified, last = change.where.split(".")
        owner = qualified[-1] if qualified else ""
        if not owner[:1].isupper():  # `where` is a schema: a rule of the schema itself
            if change.kind == "rule added" and any(p.in_check and p.schema == last for p in places):
                found.append(change)
            continue
        if change.kind == "rule added":
            if any(p.in_check and p.schema == owner and last in p.words for p in places):
                found.append(change)
        elif (owner in words and last in words) or any((p.schema, p.attribute) == (owner, last) for p in places):
            found.append(change)
        elif change.kind == "enum narrowed" and _uses_value(last, _removed_values(change), source, document):
            found.append(change)
    return found


def _reasons(failure: dict[str, Any]) -> str:
    found = failure.get("changes") or []
    if not found:
        return "no change of the report names what the compiler rejects"
    return "; ".join(f"{c['kind']} `{c['where']}`" + (f" ({c['detail']})" if c["detail"] else "") for c in found)


def _where(failure: dict[str, Any]) -> str:
    return f"{failure['file']}:{failure['line']}" if failure.get("line") else failure["file"]


def impact_lines(entries: list[dict[str, Any]]) -> list[str]:
    """Short lines for the terminal: each break with its reason, then the count of files already failing."""
    lines = []
    for entry in entries:
        for failure in entry.get("failures", []):
            lines.append(f"breaks: {_where(failure)}: {failure['message'][:200]} <- {_reasons(failure)}")
    for entry in entries:
        for use in entry.get("deprecated", []):
            lines.append(f"warning: {_where(use)} uses {use['attribute']}, deprecated: {use['reason']}")
    failing = sum(1 for e in entries if e["already_failing"])
    lines.append(
        f"impact: {sum(1 for e in entries if e['breaks'])} of {len(entries)} files break with this upgrade"
        + (f"; {failing} failed already against the current module" if failing else "")
    )
    return lines


def impact_markdown(entries: list[dict[str, Any]]) -> list[str]:
    """The report's impact section: the files the upgrade breaks, why, and those failing already."""

    broken = [e for e in entries if e["breaks"]]
    lines = ["### Impact on your files", ""]
    lines.append(
        f"{len(broken)} of {len(entries)} files break with this upgrade"
        + (":" if broken else "; none of them passes now and fails after it.")
    )
    lines.append("")
    if broken:
        rows = [[f"`{_where(f)}`", f["message"], _reasons(f)] for e in broken for f in e["failures"]]
        lines += table(["file", "compiler says", "API change"], rows)
    uses = [use for e in entries for use in e.get("deprecated", [])]
    if uses:
        lines += ["Uses of fields the new API marks deprecated (they still work):", ""]
        lines += table(
            ["file", "field", "reason"], [[f"`{_where(u)}`", f"`{u['attribute']}`", u["reason"]] for u in uses]
        )
    failing = [e for e in entries if e["already_failing"]]
    if failing:
        lines += ["Already failing against the current module (not caused by this upgrade):", ""]
        rows = [[f"`{_where(f)}`", f["message"]] for e in failing for f in e["failing_before"]]
        lines += table(["file", "compiler says"], rows)
    return lines
