"""Find and read a kustomization file, normalise its legacy fields, refuse what we do not convert."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from openapi_tool.convert.kustomize.errors import BuildError, Unsupported

FILE_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
"""Kustomize's recognised kustomization file names (a directory may hold only one)."""

KUSTOMIZATION_VERSION = "kustomize.config.k8s.io/v1beta1"
COMPONENT_VERSION = "kustomize.config.k8s.io/v1alpha1"

KNOWN_FIELDS = frozenset(
    "apiVersion kind metadata openapi namePrefix nameSuffix namespace commonLabels labels commonAnnotations "
    "patchesStrategicMerge patchesJson6902 patches images imageTags replacements replicas vars sortOptions "
    "resources components crds bases configMapGenerator secretGenerator helmGlobals helmCharts "
    "helmChartInflationGenerator generatorOptions configurations generators transformers validators "
    "buildMetadata".split()
)
"""The fields of kustomize's Kustomization type (api/types/kustomization.go); others are refused."""

UNSUPPORTED_FIELDS = (
    "openapi",
    "crds",
    "helmGlobals",
    "helmCharts",
    "helmChartInflationGenerator",
    "generators",
    "transformers",
    "validators",
)
"""Fields we do not convert when they hold anything."""

_REMOTE = re.compile(
    r"^(https?://|ssh://|git::|git@|github\.com[/:]|gitlab\.com[/:]|bitbucket\.org[/:])|\?ref=|\?version="
)

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader


def find_kustomization(directory: Path) -> Path | None:
    """The kustomization file of `directory`, None when it has none (BuildError when several)."""
    found = [directory / name for name in FILE_NAMES if (directory / name).is_file()]
    if len(found) > 1:
        raise BuildError(f"Found multiple kustomization files under: {directory}")
    return found[0] if found else None


def is_remote(entry: str) -> bool:
    """Whether a resources/components entry names a remote target (URL, git repository)."""
    return bool(_REMOTE.search(entry))


def load_kustomization(directory: Path) -> dict[str, Any]:
    """The kustomization of `directory`, with legacy fields folded in as kustomize folds them."""
    path = find_kustomization(directory)
    if path is None:
        names = ", ".join(f"'{n}'" for n in FILE_NAMES)
        raise BuildError(f"unable to find one of {names} in directory '{directory}'")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.YAMLError as error:
        raise BuildError(f"invalid Kustomization: {' '.join(str(error).split())}") from None
    if data is None:
        raise BuildError("kustomization.yaml is empty")
    if not isinstance(data, dict):
        raise BuildError(f"invalid Kustomization: cannot unmarshal {type(data).__name__} into Kustomization")
    for key in data:
        if key not in KNOWN_FIELDS:
            raise BuildError(f'invalid Kustomization: json: unknown field "{key}"')
    return normalise(data, directory)


def normalise(data: dict[str, Any], directory: Path) -> dict[str, Any]:
    """Fold legacy fields (bases, imageTags, envSource) and check kind and apiVersion."""
    k = dict(data)
    if _is_empty(k):
        raise BuildError("kustomization.yaml is empty")
    kind = k.get("kind") or "Kustomization"
    if kind not in ("Kustomization", "Component"):
        raise BuildError(
            f"Failed to read kustomization file under {directory}: kind should be Kustomization or Component"
        )
    required = COMPONENT_VERSION if kind == "Component" else KUSTOMIZATION_VERSION
    if k.get("apiVersion") and k["apiVersion"] != required:
        raise BuildError(
            f"Failed to read kustomization file under {directory}: apiVersion for {kind} should be {required}"
        )
    k["kind"] = kind
    k["apiVersion"] = required
    k["resources"] = [*(k.get("resources") or []), *(k.pop("bases", None) or [])]
    k["images"] = [*(k.get("images") or []), *(k.pop("imageTags", None) or [])]
    for key in ("configMapGenerator", "secretGenerator"):
        k[key] = [_fold_env_source(g) for g in k.get(key) or []]
    for key in UNSUPPORTED_FIELDS:
        if k.get(key):
            raise Unsupported(key)
    for key in ("resources", "components"):
        for entry in k.get(key) or []:
            if not isinstance(entry, str):
                raise BuildError(f"invalid Kustomization: {key} entries must be strings")
    return k


def _is_empty(k: dict[str, Any]) -> bool:
    """Kustomize's CheckEmpty: nothing but kind and apiVersion holds a value (an empty list is a value)."""
    return all(v is None or v == "" or v is False for key, v in k.items() if key not in ("kind", "apiVersion"))


def _fold_env_source(generator: Any) -> Any:
    """A generator's legacy `envSource` becomes the last item of its `envSources`."""
    if not isinstance(generator, dict) or not generator.get("envSource"):
        return generator
    folded = {key: value for key, value in generator.items() if key != "envSource"}
    folded["envSources"] = [*(generator.get("envSources") or []), generator["envSource"]]
    return folded
