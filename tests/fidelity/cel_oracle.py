"""The CEL oracle: the `common-expression-language` runtime on every rule, typed as the API server types it."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .loading import Resource
from .structural import apiserver_normalize, schema_kind

CEL_BUILTINS = frozenset(
    "size matches startsWith endsWith contains duration timestamp int uint double string bytes dyn type "
    "getSeconds getMilliseconds getMinutes getHours getDate getDayOfMonth getDayOfWeek getDayOfYear getFullYear getMonth".split()
)
"""Functions the runtime implements (macros such as has/all/exists_one are not functions)."""

CEL_SHIMS = frozenset("substring split lowerAscii upperAscii".split())
"""Kubernetes string-library functions supplied in Python, with cel-go's semantics."""


def _cel_error(message: str) -> Exception:
    return ValueError(message)


def _substring(text: str, start: int, end: int | None = None) -> str:
    if not isinstance(text, str):
        raise _cel_error("substring on a non-string")
    stop = len(text) if end is None else end
    if start < 0 or stop > len(text) or start > stop:
        raise _cel_error("substring index out of range")
    return text[start:stop]


def _split(text: str, sep: str, limit: int | None = None) -> list[str]:
    if limit is not None:
        if limit == 0:
            return []
        return text.split(sep, limit - 1) if sep else list(text)[: limit - 1] + ["".join(list(text)[limit - 1 :])]
    return text.split(sep) if sep else list(text)


def _ascii_case(text: str, upper: bool) -> str:
    return "".join((c.upper() if upper else c.lower()) if c.isascii() else c for c in text)


SHIM_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "substring": _substring,
    "split": _split,
    "lowerAscii": lambda s: _ascii_case(s, False),
    "upperAscii": lambda s: _ascii_case(s, True),
}


@dataclass(frozen=True)
class RuleSite:
    """A CEL rule and where it sits: the JSON pointer of its schema node (relative to the
    openAPIV3Schema) and the steps from the root to it (property names, `[]` for list
    items, `{}` for map values)."""

    pointer: str
    steps: tuple[str, ...]
    rule: str
    message: str
    node: dict = field(compare=False, hash=False, repr=False)

    @property
    def label(self) -> str:
        return "." + ".".join(self.steps) if self.steps else "<root>"


def rule_sites(schema: dict) -> list[RuleSite]:
    out: list[RuleSite] = []

    def walk(node: Any, pointer: str, steps: tuple[str, ...]) -> None:
        if not isinstance(node, dict):
            return
        for item in node.get("x-kubernetes-validations") or []:
            if isinstance(item, dict) and isinstance(item.get("rule"), str):
                out.append(RuleSite(pointer, steps, item["rule"], str(item.get("message") or ""), node))
        for name, sub in (node.get("properties") or {}).items():
            walk(sub, f"{pointer}/properties/{escape_pointer(name)}", steps + (name,))
        if isinstance(node.get("items"), dict):
            walk(node["items"], f"{pointer}/items", steps + ("[]",))
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"], f"{pointer}/additionalProperties", steps + ("{}",))

    walk(schema, "", ())
    return out


def escape_pointer(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def values_at(instance: Any, steps: tuple[str, ...], node: dict) -> Iterator[tuple[Any, dict]]:
    """Every value at `steps` in the instance, with its schema node (null values skipped)."""
    if not steps:
        if instance is not None:
            yield instance, node
        return
    step, rest = steps[0], steps[1:]
    if step == "[]":
        if isinstance(instance, list):
            for item in instance:
                yield from values_at(item, rest, node["items"])
    elif step == "{}":
        if isinstance(instance, dict):
            for item in instance.values():
                yield from values_at(item, rest, node["additionalProperties"])
    elif isinstance(instance, dict) and step in instance:
        yield from values_at(instance[step], rest, node["properties"][step])


def cel_value(value: Any, node: Any) -> Any:
    """A JSON value typed as the API server types it for CEL (apiserver/pkg/cel/common)."""
    import base64
    import datetime

    if not isinstance(node, dict):
        return value
    if value is None:
        return None
    kind = schema_kind(node)
    if kind == "number" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind == "string" and isinstance(value, str):
        fmt = node.get("format")
        try:
            if fmt == "duration":
                seconds = _go_duration(value)
                return datetime.timedelta(seconds=seconds) if seconds is not None else value
            if fmt == "date-time":
                return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            if fmt == "date":
                return datetime.datetime.fromisoformat(value + "T00:00:00+00:00")
            if fmt == "byte":
                return base64.b64decode(value)
        except ValueError:
            return value
        return value
    if kind == "object" and isinstance(value, dict):
        props = node.get("properties") or {}
        extra = node.get("additionalProperties") if isinstance(node.get("additionalProperties"), dict) else None
        out = {}
        for key, item in value.items():
            sub = props.get(key, extra)
            if sub is None and item is None:
                continue
            name = cel_field_name(key) if key in props else key
            if name is not None:
                out[name] = cel_value(item, sub)
        return out
    if kind == "array" and isinstance(value, list):
        return [cel_value(v, node.get("items")) for v in value]
    return value


_CEL_RESERVED = frozenset(
    "true false null in as break const continue else for function if import let loop package namespace return var void while".split()
)


@functools.cache
def cel_field_name(name: str) -> str | None:
    """How a property is named inside CEL (apiserver/pkg/cel escaping): reserved words become
    `__word__`; `__`, `.`, `-`, `/` become `__underscores__`, `__dot__`, `__dash__`,
    `__slash__`; None when the name cannot be reached from CEL."""
    if not name or name[0].isdigit():
        return None
    if name in _CEL_RESERVED:
        return f"__{name}__"
    escaped = re.sub(
        r"__|[.\-/]",
        lambda m: {"__": "__underscores__", ".": "__dot__", "-": "__dash__", "/": "__slash__"}[m.group(0)],
        name,
    )
    return escaped if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", escaped) else None


_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def _go_duration(text: str) -> float | None:
    body = text.lstrip("+-")
    if body == "0":
        return 0.0
    terms = re.findall(r"([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)", body)
    if not body or "".join(n + u for n, u in terms) != body:
        return None
    seconds = sum(float(n) * _DURATION_UNITS[u] for n, u in terms)
    return -seconds if text.startswith("-") else seconds


@dataclass
class RuleSupport:
    evaluable: bool
    shimmed: bool
    missing: tuple[str, ...]
    """Functions the runtime lacks (empty when evaluable)."""
    transition: bool


def rule_support(rule: str) -> RuleSupport:
    import cel

    if re.search(r"\boldSelf\b", rule):
        return RuleSupport(False, False, ("oldSelf (transition rule)",), True)
    try:
        functions = cel.compile(rule).functions()
    except Exception as error:  # a rule the runtime cannot parse
        return RuleSupport(False, False, (f"unparsable: {str(error).splitlines()[0][:60]}",), False)
    named = {f for f in functions if f[:1].isalpha()}
    missing = tuple(sorted(named - CEL_BUILTINS - CEL_SHIMS))
    return RuleSupport(not missing, bool(named & CEL_SHIMS), missing, False)


class CelOracle:
    """Evaluates the evaluable rules of a resource on instances (after normalisation)."""

    def __init__(self, resource: Resource, sites: Iterable[RuleSite]) -> None:
        import cel

        self.resource = resource
        self.sites = list(sites)
        self._programs = {s.rule: cel.compile(s.rule) for s in self.sites}
        self._cel = cel

    def failures(self, instance: Any) -> tuple[list[tuple[RuleSite, str]], list[RuleSite]]:
        """(failed rules with why, rules whose verdict the runtime cannot give faithfully)."""
        normalized = apiserver_normalize(instance, self.resource.schema)
        failed, unknown = [], []
        converted: dict[int, Any] = {}
        for site in self.sites:
            for value, node in values_at(normalized, site.steps, self.resource.schema):
                if "size" in site.rule and _has_non_ascii(value):
                    unknown.append(site)  # the runtime counts size(string) in bytes, CEL in code points
                    continue
                if id(value) not in converted:
                    converted[id(value)] = cel_value(value, node)
                context = self._cel.Context(variables={"self": converted[id(value)]}, functions=SHIM_FUNCTIONS)
                try:
                    result = self._programs[site.rule].execute(context)
                except Exception as error:  # an evaluation error rejects the object
                    failed.append((site, f"error: {str(error).splitlines()[0][:100]}"))
                    continue
                if result is not True:
                    failed.append((site, "false" if result is False else f"non-boolean {result!r}"))
        return failed, unknown


def _has_non_ascii(value: Any) -> bool:
    if isinstance(value, str):
        return not value.isascii()
    if isinstance(value, dict):
        return any(_has_non_ascii(k) or _has_non_ascii(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_non_ascii(v) for v in value)
    return False
