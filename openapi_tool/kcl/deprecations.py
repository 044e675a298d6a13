"""Fields a spec marks deprecated, as KCL's `@deprecated` decorator.

Kubernetes marks them in the description (`Deprecated: use x instead.`); the decorator is
not strict, so configurations that still set them keep compiling, and tools (and the
upgrade-impact run) can find their uses by making it strict.
"""

from __future__ import annotations

import re

from openapi_tool.kcl.names import string_literal

_MARKERS = ("Deprecated:", "DEPRECATED:")
_REASON_LENGTH = 200


def field_decorator(doc: str) -> str | None:
    """`@deprecated(reason="...", strict=False)` for a description that starts with a
    deprecation marker, else None; the reason is the first sentence after the marker."""
    text = doc.strip()
    marker = next((m for m in _MARKERS if text.startswith(m)), None)
    if marker is None:
        return None
    reason = " ".join(text[len(marker) :].split())
    first = re.match(r"(.+?[.!?])(\s|$)", reason)
    reason = (first.group(1) if first else reason)[:_REASON_LENGTH] or "deprecated"
    return f"@deprecated(reason={string_literal(reason)}, strict=False)"


def schema_decorator(reason: str | None) -> str | None:
    """`@deprecated(reason="...", strict=False)` for a deprecated resource version, else None."""
    return None if reason is None else f"@deprecated(reason={string_literal(reason)}, strict=False)"
