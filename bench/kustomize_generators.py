"""Dev check: our configMapGenerator/secretGenerator output against `kubectl kustomize` over the corpus.

    python bench/kustomize_generators.py                 # ../shared/corpus/kustomize, INDEX.tsv `ok` rows
    python bench/kustomize_generators.py -v              # one line per generated resource that differs

For each `ok` kustomization using a generator, resources and components are accumulated (local files and
directories only, no transformers but a rough namespace/prefix/suffix) and the generators of every level run; each generated ConfigMap or
Secret is then found in kubectl's output (same kind, name = prefix + ours + suffix [+ -hash]) and compared:
`data`, `binaryData`, `type`, `immutable`, our labels and annotations present there, and the hash suffix
(ours over our content). A difference is expected where a transformer of the tree (patch, replacement,
namespace, labels) changed the generated resource after the generator, since nothing here runs them.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from openapi_tool.convert.kustomize.errors import BuildError, Unsupported  # noqa: E402
from openapi_tool.convert.kustomize.generators import run_generators  # noqa: E402
from openapi_tool.convert.kustomize.hashing import content_hash  # noqa: E402
from openapi_tool.convert.kustomize.resource import Origin, Resource  # noqa: E402

NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
CLUSTER_KINDS = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}
COMPARED = ("data", "binaryData", "type", "immutable")


def _kustomization(directory: Path) -> dict[str, Any]:
    for name in NAMES:
        if (directory / name).is_file():
            return yaml.safe_load((directory / name).read_text()) or {}
    raise FileNotFoundError(directory)


def _accumulate(directory: Path, root: Path, resources: list[Resource]) -> None:
    """Resources, generators, then components, as kustomize orders them; no transformer runs."""
    k = _kustomization(directory)
    for entry in [*(k.get("resources") or []), *(k.get("bases") or [])]:
        path = (directory / entry).resolve()
        if "://" in entry or not path.exists():
            continue
        if path.is_dir():
            sub: list[Resource] = []
            _accumulate(path, root, sub)
            resources += sub
        else:
            docs = [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict)]
            resources += [Resource(d, Origin("file", str(path), i)) for i, d in enumerate(docs)]
    run_generators(resources, k, directory, str(directory.relative_to(root)))
    for entry in k.get("components") or []:
        path = (directory / entry).resolve()
        if path.is_dir():
            _accumulate(path, root, resources)
    _rename(resources, k)


def _rename(resources: list[Resource], k: dict[str, Any]) -> None:
    """A rough namespace/namePrefix/nameSuffix (every resource), so that overlays find renamed resources."""
    prefix, suffix, namespace = k.get("namePrefix") or "", k.get("nameSuffix") or "", k.get("namespace")
    for resource in resources:
        if not (prefix or suffix or namespace) or resource.kind in CLUSTER_KINDS:
            continue
        resource.remember()
        metadata = resource.data.setdefault("metadata", {})
        metadata["name"] = prefix + resource.name + suffix
        if namespace:
            metadata["namespace"] = namespace


def _rendered(directory: Path) -> list[dict[str, Any]]:
    out = subprocess.run(["kubectl", "kustomize", str(directory)], capture_output=True, text=True, check=True)
    return [d for d in yaml.safe_load_all(out.stdout) if isinstance(d, dict)]


def _candidates(resource: Resource, docs: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
    """kubectl documents that can be `resource`, with the hash suffix their name carries ("" if none)."""
    found = []
    hashed = resource.generated is not None and resource.generated.hash_suffix
    for doc in docs:
        name = doc.get("metadata", {}).get("name", "")
        if doc.get("kind") != resource.kind:
            continue
        base, _, suffix = name.rpartition("-") if hashed else (name, "", "")
        if resource.name in base:
            found.append((doc, suffix))
    return found


def _differences(resource: Resource, doc: dict[str, Any], suffix: str) -> list[str]:
    diffs = [f for f in COMPARED if resource.data.get(f) != doc.get(f)]
    for key in ("labels", "annotations"):
        theirs = doc["metadata"].get(key) or {}
        if any(theirs.get(k) != v for k, v in (resource.metadata.get(key) or {}).items()):
            diffs.append(key)
    if suffix and content_hash(resource.data) != suffix:
        diffs.append("hash")
    return diffs


def check(directory: Path, root: Path, verbose: bool, counts: Counter[str]) -> None:
    resources: list[Resource] = []
    try:
        _accumulate(directory, root, resources)
    except (BuildError, Unsupported) as error:
        counts["kustomizations failing here"] += 1
        print(f"{directory.relative_to(root)}: {error}")
        return
    except yaml.YAMLError:
        counts["kustomizations with a file PyYAML cannot read"] += 1
        return
    docs = _rendered(directory)
    for resource in (r for r in resources if r.generated is not None):
        counts["generated resources"] += 1
        candidates = _candidates(resource, docs)
        if not candidates:
            counts["not found in kubectl output"] += 1
            print(f"{directory.relative_to(root)}: {resource.kind} {resource.name} not found")
            continue
        diffs = min((_differences(resource, doc, suffix) for doc, suffix in candidates), key=len)
        counts["equal" if not diffs else "different"] += 1
        for diff in diffs:
            counts[f"different: {diff}"] += 1
        if diffs and verbose:
            print(f"{directory.relative_to(root)}: {resource.kind} {resource.name}: {', '.join(diffs)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=REPO.parent / "shared" / "corpus" / "kustomize")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--all", action="store_true", help="every ok row, not only those with a generator field")
    args = parser.parse_args()
    if shutil.which("kubectl") is None:
        sys.exit("kubectl is not installed")
    corpus = args.corpus.resolve()
    counts: Counter[str] = Counter()
    for line in (corpus / "INDEX.tsv").read_text().splitlines()[1:]:
        project, directory, status, _docs, features, *_ = line.split("\t")
        if status == "ok" and (args.all or "Generator" in features or "generatorOptions" in features):
            counts["kustomizations"] += 1
            check(corpus / project / directory, corpus, args.verbose, counts)
    for key, value in sorted(counts.items()):
        print(f"{value:5}  {key}")


if __name__ == "__main__":
    main()
