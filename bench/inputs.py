"""The inputs every tool gets: the shared corpus, or the small specs/ files for --tiny."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

SWAGGER = Path("k8s-openapi/1.35/swagger.json")
ARGO = Path("crds/argo-workflows/argoproj.io_workflows.yaml")


@dataclass
class Inputs:
    swagger: Path | None
    argo: Path | None
    crds: list[Path]  # CRD files with no apiVersion+kind defined by an earlier file
    manifests: Path | None
    skipped: list[str] = field(default_factory=list)  # why an input is absent, a line each
    duplicates: list[tuple[Path, Path]] = field(default_factory=list)  # (left out, first defined in)
    root: Path | None = None


def corpus_inputs(corpus: Path) -> Inputs:
    if not corpus.is_dir():
        return Inputs(None, None, [], None, [f"corpus {corpus} is absent: every corpus input is skipped"])
    inputs = Inputs(_file(corpus / SWAGGER), _file(corpus / ARGO), [], None, root=corpus)
    for name, path in (("k8s 1.35 swagger", corpus / SWAGGER), ("argo Workflow CRD", corpus / ARGO)):
        if not path.is_file():
            inputs.skipped.append(f"{name}: {path} is absent")
    if (corpus / "crds").is_dir():
        inputs.crds, inputs.duplicates = distinct_crds(corpus / "crds")
    else:
        inputs.skipped.append(f"all corpus CRDs: {corpus / 'crds'} is absent")
    if (corpus / "manifests").is_dir():
        inputs.manifests = corpus / "manifests"
    else:
        inputs.skipped.append(f"manifests: {corpus / 'manifests'} is absent")
    return inputs


def tiny_inputs(repo: Path) -> Inputs:
    """The fixtures in specs/: seconds for the whole bench, for the smoke test."""
    specs = repo / "specs"
    crds = sorted((specs / "crds").glob("*.yaml"))
    return Inputs(
        specs / "k8s" / "mini-swagger.json",
        specs / "crds" / "widgets.example.com.yaml",
        crds,
        None,
        ["manifests: none in --tiny mode"],
        root=specs,
    )


def distinct_crds(root: Path) -> tuple[list[Path], list[tuple[Path, Path]]]:
    """Every CRD file under root, in path order, leaving out a file that defines a group,
    version and kind an earlier file already defines (older copies kept beside newer ones,
    such as velero-v1.4-v1beta1 or gateway-api's standard channel beside experimental):
    `openapi-tool gen` rightly refuses two definitions of one kind."""
    seen: dict[tuple[str, str, str], Path] = {}
    kept: list[Path] = []
    duplicates: list[tuple[Path, Path]] = []
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml", ".json") and p.is_file()):
        keys = _crd_keys(path)
        earlier = next((seen[key] for key in keys if key in seen), None)
        if earlier:
            duplicates.append((path, earlier))
            continue
        kept.append(path)
        seen.update(dict.fromkeys(keys, path))
    return kept, duplicates


def concatenate(files: list[Path], target: Path) -> Path:
    """One multi-document YAML stream of all files (cdk8s import takes a single file)."""
    with target.open("w", encoding="utf-8") as out:
        for path in files:
            text = path.read_text(encoding="utf-8")
            out.write("---\n" + text + ("" if text.endswith("\n") else "\n"))
    return target


def megabytes(files: list[Path]) -> float:
    return sum(p.stat().st_size for p in files) / 1e6


def _crd_keys(path: Path) -> set[tuple[str, str, str]]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    keys: set[tuple[str, str, str]] = set()
    try:
        documents = list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=loader))
    except yaml.YAMLError:
        return keys  # the tools will report it
    for doc in documents:
        if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
            continue
        spec = doc.get("spec") or {}
        group, kind = spec.get("group", ""), (spec.get("names") or {}).get("kind", "")
        versions = [v.get("name", "") for v in spec.get("versions") or [] if isinstance(v, dict)]
        keys.update((group, version, kind) for version in versions or [spec.get("version", "")])
    return keys


def _file(path: Path) -> Path | None:
    return path if path.is_file() else None
