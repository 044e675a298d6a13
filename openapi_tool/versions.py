"""Module versions: the `version` a generated `kcl.mod` carries."""

from __future__ import annotations

import re

DEFAULT_MODULE_VERSION = "0.0.1"
"""What a module says when nothing names a real version (CRD files, `unversioned` specs)."""

_SEMVER = re.compile(r"v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)")


def module_version(text: object) -> str | None:
    """The semantic version in `text` without a leading `v` (`v1.31.2` -> `1.31.2`, as
    kcl-lang publishes `k8s`), or None when it is not one (`unversioned`, `v1`, `1.0`)."""
    match = _SEMVER.fullmatch(text.strip()) if isinstance(text, str) else None
    return match.group(1) if match else None
