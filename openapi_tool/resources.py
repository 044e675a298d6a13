"""Files shipped with the tool: templates and the specs it bundles."""

from __future__ import annotations

from pathlib import Path

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
