"""KCL names: keywords, escaping of attribute names, safe schema names, package and file names.

Collisions between names (casefold uniqueness, numbered suffixes, shortening) are decided by
`openapi_tool.naming`; this module adds what KCL itself demands."""

from __future__ import annotations

import re

from openapi_tool import naming

KEYWORDS = frozenset(
    "True False None Undefined import and or in is not as if else elif for schema mixin "
    "protocol check assert all any map filter lambda rule type".split()
)
"""Words that must be written `$word` where KCL would read them as syntax."""

BUILTIN_NAMES = frozenset(
    "str int float bool any list dict len isunique multiplyof typeof option print abs all_true "
    "any_true bin hex oct ord sorted range max min sum pow round zip int float isnullish "
    "regex units manifests yaml json base64 math datetime net file crypto collection template runtime".split()
)
"""Names a generated schema, import alias or top-level package must not take (the last ones are
KCL's system modules: `import template` finds the system module, not a package of that name)."""

RESERVED_NAMES = frozenset(n.casefold() for n in KEYWORDS | BUILTIN_NAMES)
"""Keywords and builtin names casefolded: what no generated variable or import alias may take."""

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_NON_WORD = re.compile(r"[^A-Za-z0-9_]+")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def declarable(name: str) -> bool:
    """KCL cannot declare an attribute whose name holds `${`, in any spelling."""
    return "${" not in name


def attribute_name(name: str) -> str:
    """How an attribute is written in a schema or config: plain, `$keyword` or quoted."""
    if IDENTIFIER.match(name):
        return "$" + name if name in KEYWORDS else name
    return string_literal(name)


def reference(name: str) -> str | None:
    """How a check refers to an attribute; None for quoted names, which checks cannot reach."""
    if not IDENTIFIER.match(name):
        return None
    return "$" + name if name in KEYWORDS else name


def member(expr: str, name: str) -> str:
    """`expr.name`, `expr.$keyword`, or `expr["odd-name"]`."""
    if not IDENTIFIER.match(name):
        return f"{expr}[{string_literal(name)}]"
    return f"{expr}.${name}" if name in KEYWORDS else f"{expr}.{name}"


def identifier(text: str, fallback: str) -> str:
    """A plain identifier made from `text` (dashes, dots and other marks become `_`)."""
    ident = _NON_WORD.sub("_", text).strip("_") or fallback
    if ident[0].isdigit():
        ident = fallback[0] + ident
    return ident


MAX_NAME = 100
"""Longest schema or package name: file names stay far below filesystem limits (255 bytes)."""


def shorten(ident: str) -> str:
    """`ident`, or its head plus a digest of the whole when longer than `MAX_NAME`."""
    return naming.shorten(ident, MAX_NAME)


def schema_name(name: str) -> str:
    """A schema name that KCL treats as a plain schema (not a protocol or mixin) nor a builtin."""
    ident = shorten(identifier(name, "Schema"))
    ident = ident[0].upper() + ident[1:]
    if ident.endswith(("Protocol", "Mixin")) or ident in KEYWORDS or ident in BUILTIN_NAMES:
        ident += "Schema"
    return ident


def package_part(part: str) -> str:
    """One directory of a package path: `cert-manager.io` -> `cert_manager_io`."""
    ident = shorten(identifier(part, "p").lower() if part != part.lower() else identifier(part, "p"))
    return ident + "_" if ident in KEYWORDS or ident in BUILTIN_NAMES else ident


def snake_case(name: str) -> str:
    """`StatefulSetSpec` -> `stateful_set_spec` (file names, as the published k8s module)."""
    return _CAMEL_BOUNDARY.sub("_", name).lower()


def file_stem(name: str) -> str:
    """snake_case of the schema name; KCL treats `*_test.k` as test files and skips them."""
    stem = snake_case(name)
    return stem + "_schema" if stem.endswith("_test") else stem


_PLAIN_STRING = re.compile(r"[ !#%-\[\]-~]*\Z")
"""Printable ASCII without `"`, `\\` and `$`: written between quotes as it is."""


def string_literal(value: str) -> str:
    """A double-quoted KCL string that evaluates to exactly `value`."""
    if _PLAIN_STRING.match(value):
        return f'"{value}"'
    out = ['"']
    for index, char in enumerate(value):
        if char == "$":
            out.append("\\x24" if value[index + 1 : index + 2] == "{" else "$")
            continue
        out.append(_ESCAPES.get(char) or (char if char.isprintable() or char == " " else _escape_code(char)))
    out.append('"')
    return "".join(out)


def _escape_code(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}
