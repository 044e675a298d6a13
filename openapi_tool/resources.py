"""Files shipped with the tool: templates and the specs it bundles."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from openapi_tool.versions import DEFAULT_MODULE_VERSION, module_version

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """`templates` or `specs`: inside the installed package, else the source checkout."""
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"openapi-tool is missing its bundled {name!r} directory")


def bundled_meta_spec() -> Path:
    """Our own swagger of the apimachinery meta/v1 types that type `metadata` in CRDs."""
    return data_dir("specs") / "k8s" / "meta-v1.json"


@cache
def bundled_meta_version() -> str:
    """The Kubernetes version the bundled meta/v1 types come from (`v1.35.0` -> `1.35.0`):
    the version of the `k8s` module a CRD module carries under `vendor/k8s/`."""
    info = json.loads(bundled_meta_spec().read_text(encoding="utf-8")).get("info", {})
    return module_version(info.get("version")) or DEFAULT_MODULE_VERSION
