"""Differential fidelity harness: generated KCL schemas against independent oracles.

For one CRD file this module generates KCL modules with the tool, builds instances of every
resource version (the real manifests of that kind, instances synthesised from the CRD
schema, and mutations of them), and compares the verdict of the real KCL compiler
(`v: pkg.Kind = data` in a program) with two oracles:

- Structure (every OpenAPI constraint): the `jsonschema` library (Draft 4) on a schema
  converted from the CRD by `to_jsonschema`, after `apiserver_normalize` has done to the
  instance what the API server does before validating. The Kubernetes semantics this
  models, and the cases it does not, are listed in `to_jsonschema`'s docstring.
- CEL (`x-kubernetes-validations`): the `common-expression-language` runtime evaluates
  every rule with `self` bound to the value at the rule's place, typed the way the API
  server types it (`cel_value`). Rules that call functions the runtime lacks (the
  Kubernetes quantity/url/ip/cidr/format/regex/list libraries) are excluded and listed;
  the Kubernetes string functions KCL translates (`substring`, `split`, `lowerAscii`,
  `upperAscii`) are supplied as shims with cel-go's semantics, and counted apart.

So that each comparison isolates one question, three modules are generated per file from
rewritten copies of the CRDs: `structural` (every CEL rule removed: compared with
jsonschema), `cel` (only the rules the runtime can evaluate: compared with jsonschema AND
the CEL runtime on structurally valid instances), and `full` (the CRD as is: what users
get, checked on the real manifests).

KCL stops at the first failed check, so instances are batched into one program with a
`print` marker before each; the markers in `log_message` tell which instance failed, the
ones before it passed, and the batch resumes after it. Every program imports a trimmed
copy of the generated module that keeps only the schemas the resource's kind reaches
(compilation time grows with the package size, not with the instances).

Everything is deterministic: random choices come from `random.Random` seeded with the
resource's name and the caller's seed.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import random
import re
import shutil
import tempfile
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from openapi_tool.kcl_compile import external_packages, external_pkgs

try:  # the C loader is ten times faster on the multi-megabyte CRDs
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


# ==================================================================================
# Loading CRDs and manifests
# ==================================================================================


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """YAML as the API server reads it: an unquoted date stays a string."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


def load_documents(path: Path) -> list[Any]:
    with open(path, encoding="utf-8") as handle:
        return [d for d in yaml.load_all(handle, Loader=_Loader) if d is not None]


@dataclass(frozen=True)
class Resource:
    """One version of one CRD: the schema a generated `pkg.Kind` is compared with."""

    file: str
    group: str
    version: str
    kind: str
    schema: dict
    pointer: str
    """JSON pointer of the openAPIV3Schema inside its YAML document."""
    preserve_unknown: bool
    """v1beta1 `spec.preserveUnknownFields` (true unless set false): nothing is pruned."""
    status_subresource: bool

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"

    @property
    def name(self) -> str:
        return f"{self.api_version} {self.kind}"


def crd_resources(path: Path) -> list[Resource]:
    out = []
    for doc in load_documents(path):
        if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
            continue
        spec = doc.get("spec") or {}
        v1beta1 = str(doc.get("apiVersion", "")).endswith("v1beta1")
        preserve = v1beta1 and spec.get("preserveUnknownFields", True) is not False
        versions = spec.get("versions") or [{"name": spec.get("version")}]
        shared = (spec.get("validation") or {}).get("openAPIV3Schema")
        shared_status = "status" in (spec.get("subresources") or {})
        for index, version in enumerate(versions):
            schema = (version.get("schema") or {}).get("openAPIV3Schema")
            pointer = f"/spec/versions/{index}/schema/openAPIV3Schema"
            if schema is None:
                schema, pointer = shared, "/spec/validation/openAPIV3Schema"
            if not isinstance(schema, dict):  # no schema: the API server accepts any fields
                schema, pointer = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}, ""
            status = shared_status or "status" in (version.get("subresources") or {})
            out.append(Resource(str(path), spec["group"], str(version["name"]), spec["names"]["kind"], schema, pointer, preserve, status))
    return out


def load_manifests(root: Path) -> dict[tuple[str, str], list[tuple[str, dict]]]:
    """Every manifest under `root` by (apiVersion, kind), with its file."""
    found: dict[tuple[str, str], list[tuple[str, dict]]] = defaultdict(list)
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".yaml", ".yml", ".json") or not path.is_file():
            continue
        try:
            docs = load_documents(path)
        except yaml.YAMLError:
            continue
        for doc in docs:
            items = doc.get("items") if isinstance(doc, dict) and str(doc.get("kind", "")).endswith("List") else [doc]
            for item in items or []:
                if isinstance(item, dict) and isinstance(item.get("apiVersion"), str) and isinstance(item.get("kind"), str):
                    found[(item["apiVersion"], item["kind"])].append((str(path.relative_to(root)), item))
    return dict(found)


# ==================================================================================
# The structural oracle: a CRD schema as a jsonschema schema, with Kubernetes semantics
# ==================================================================================

_COPIED = (
    "pattern minimum maximum exclusiveMinimum exclusiveMaximum multipleOf minLength maxLength "
    "minItems maxItems uniqueItems minProperties maxProperties enum required "
    "x-kubernetes-list-type x-kubernetes-list-map-keys"
).split()


def object_meta_schema(corpus: Path | None) -> dict:
    """ObjectMeta (refs inlined, unknown fields rejected) from the newest swagger.json in the
    corpus; a bare object when there is none."""
    swaggers = (
        sorted(
            (corpus / "k8s-openapi").glob("*/swagger.json"), key=lambda p: [int(x) if x.isdigit() else 0 for x in p.parent.name.split(".")]
        )
        if corpus
        else []
    )
    if not swaggers:
        return {"type": "object"}
    definitions = json.loads(swaggers[-1].read_text(encoding="utf-8"))["definitions"]

    def inline(node: Any, depth: int = 0) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                target = definitions[node["$ref"].split("/")[-1]]
                return inline(target, depth + 1) if depth < 6 else {}
            out = {
                k: inline(v, depth)
                for k, v in node.items()
                if k not in ("description", "x-kubernetes-patch-strategy", "x-kubernetes-patch-merge-key")
            }
            if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out:
                out["additionalProperties"] = False
            if out.get("format") == "int32" or out.get("format") == "int64":
                out.pop("format")
            return out
        if isinstance(node, list):
            return [inline(v, depth) for v in node]
        return node

    meta = inline(definitions["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"])
    meta["properties"].pop("managedFields", None)  # a server-side field; any value would do
    return meta


def schema_kind(node: dict) -> str:
    """object, array, string, integer, number, boolean, int-or-string or any."""
    if node.get("x-kubernetes-int-or-string"):
        return "int-or-string"
    type_ = node.get("type")
    if isinstance(type_, str) and type_:
        return type_
    if node.get("properties") or node.get("x-kubernetes-embedded-resource"):
        return "object"
    if "items" in node:
        return "array"
    return "any"


def to_jsonschema(resource: Resource, meta: dict) -> dict:
    """The resource's schema as Draft 4 jsonschema with the API server's meanings.

    - An object with neither `additionalProperties` nor `x-kubernetes-preserve-unknown-fields`
      (`additionalProperties: false`): the API server prunes unknown fields, and strict field
      validation (`kubectl apply`'s default) rejects them. Except in v1beta1 CRDs with
      `preserveUnknownFields` (the default there), where nothing is pruned.
    - `x-kubernetes-preserve-unknown-fields`: unknown fields are accepted; a node with no
      type accepts any value.
    - `x-kubernetes-int-or-string`: an integer or a string (`anyOf` in the CRD keeps its
      value validations).
    - `nullable: true`: null is accepted (and skips every other validation). Null for a
      property that is not nullable is pruned (or defaulted) by `apiserver_normalize`
      before validation, as the API server does; a null list item is rejected.
    - `x-kubernetes-list-type: set` / `map`: items / map keys must be unique (a keyword
      added to the validator).
    - `x-kubernetes-embedded-resource`: apiVersion and kind (required) and an ObjectMeta.
    - The root: apiVersion and kind must name the resource; `metadata` is an ObjectMeta
      (from the corpus' swagger.json) that also carries the CRD's constraints on it.
    Not modelled: `format` (the API server checks a few formats; the generator keeps them
    as plain strings, and the harness never mutates them), `status` being dropped on
    create when the status subresource is on (the harness does not synthesise or mutate
    `status`), and Go RE2 versus Python `re` corner cases in `pattern`.
    """
    preserve_all = resource.preserve_unknown

    def convert(node: Any, junctor: bool = False) -> Any:
        """`junctor`: a node under allOf/anyOf/oneOf/not, which in a structural schema only
        adds value validations (no types, no pruning)."""
        if not isinstance(node, dict):
            return {}
        out: dict[str, Any] = {k: copy.deepcopy(node[k]) for k in _COPIED if k in node}
        if out.get("enum") is not None and node.get("nullable"):
            out["enum"] = [v for v in out["enum"] if v is not None]
        kind = schema_kind(node)
        if junctor:
            kind = node["type"] if isinstance(node.get("type"), str) else "any"
            if isinstance(node.get("properties"), dict):
                out["properties"] = {k: convert(v, True) for k, v in node["properties"].items()}
            if isinstance(node.get("items"), dict):
                out["items"] = convert(node["items"], True)
        if kind == "int-or-string":
            out["type"] = ["integer", "string"]
        elif kind != "any":
            out["type"] = kind
        for keyword in ("allOf", "anyOf", "oneOf"):
            if isinstance(node.get(keyword), list):
                out[keyword] = [convert(n, True) for n in node[keyword]]
        if isinstance(node.get("not"), dict):
            out["not"] = convert(node["not"], True)
        if junctor:
            return out
        if kind == "array" and isinstance(node.get("items"), dict):
            out["items"] = convert(node["items"])
        if kind == "object":
            props = {k: convert(v) for k, v in (node.get("properties") or {}).items()}
            if node.get("x-kubernetes-embedded-resource"):
                props.setdefault("apiVersion", {"type": "string"})
                props.setdefault("kind", {"type": "string"})
                props["metadata"] = _merge_meta(meta, node.get("properties", {}).get("metadata"), convert)
                out["required"] = sorted(set(out.get("required", [])) | {"apiVersion", "kind"})
            if props:
                out["properties"] = props
            extra = node.get("additionalProperties")
            if isinstance(extra, dict):
                out["additionalProperties"] = convert(extra)
            elif not (extra is True or node.get("x-kubernetes-preserve-unknown-fields") or preserve_all):
                out["additionalProperties"] = False
        if node.get("nullable"):
            return {"anyOf": [{"type": "null"}, out]}
        return out

    root = convert(resource.schema)
    root["type"] = "object"
    props = root.setdefault("properties", {})
    props["apiVersion"] = {"enum": [resource.api_version]}
    props["kind"] = {"enum": [resource.kind]}
    props["metadata"] = _merge_meta(meta, resource.schema.get("properties", {}).get("metadata"), convert)
    root["required"] = sorted(set(root.get("required", [])) | {"apiVersion", "kind"})
    return root


def _merge_meta(meta: dict, crd_meta: Any, convert: Callable) -> dict:
    merged = copy.deepcopy(meta)
    for name, sub in ((crd_meta or {}).get("properties") or {}).items():
        if name in merged.get("properties", {}):
            merged["properties"][name] = {"allOf": [merged["properties"][name], convert(sub)]}
    return merged


def _json_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _list_type(validator, value, instance, schema):  # jsonschema keyword
    from jsonschema import ValidationError

    if not isinstance(instance, list):
        return
    if value == "set":
        keys = [_json_key(i) for i in instance]
        if len(set(keys)) != len(keys):
            yield ValidationError("duplicate items in a list of type set")
    elif value == "map":
        names = schema.get("x-kubernetes-list-map-keys") or []
        keys = [_json_key([item.get(n) for n in names]) for item in instance if isinstance(item, dict)]
        if len(set(keys)) != len(keys):
            yield ValidationError(f"duplicate keys {names} in a list of type map")


_VALIDATOR_CLASS = None


def validator_class():
    global _VALIDATOR_CLASS
    if _VALIDATOR_CLASS is None:
        from jsonschema import Draft4Validator, validators

        _VALIDATOR_CLASS = validators.extend(Draft4Validator, {"x-kubernetes-list-type": _list_type})
    return _VALIDATOR_CLASS


def apiserver_normalize(instance: Any, node: dict) -> Any:
    """What the API server does before validation: a null that is not nullable is pruned,
    then absent properties with a default get it (recursively). Returns a new value."""
    value = copy.deepcopy(instance)
    _normalize(value, node)
    return value


def _normalize(value: Any, node: Any) -> None:
    if not isinstance(node, dict):
        return
    if isinstance(value, dict):
        props = node.get("properties") or {}
        extra = node.get("additionalProperties") if isinstance(node.get("additionalProperties"), dict) else None
        for key in list(value):
            sub = props.get(key, extra)
            if value[key] is None and isinstance(sub, dict) and not sub.get("nullable"):
                del value[key]
        for key, sub in props.items():
            if key not in value and isinstance(sub, dict) and "default" in sub:
                value[key] = copy.deepcopy(sub["default"])
        for key, item in value.items():
            sub = props.get(key, extra)
            if sub is not None:
                _normalize(item, sub)
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for item in value:
            _normalize(item, node["items"])


class StructuralOracle:
    """jsonschema verdicts for one resource."""

    def __init__(self, resource: Resource, meta: dict) -> None:
        self.resource = resource
        self.schema = to_jsonschema(resource, meta)
        self.validator = validator_class()(self.schema)

    def errors(self, instance: Any) -> list[str]:
        normalized = apiserver_normalize(instance, self.resource.schema)
        out = []
        for error in self.validator.iter_errors(normalized):
            where = "/".join(str(p) for p in error.absolute_path)
            out.append(f"/{where}: {error.message[:160]}")
            if len(out) >= 3:
                break
        return out


# ==================================================================================
# The CEL oracle
# ==================================================================================

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
            walk(sub, f"{pointer}/properties/{_escape(name)}", steps + (name,))
        if isinstance(node.get("items"), dict):
            walk(node["items"], f"{pointer}/items", steps + ("[]",))
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"], f"{pointer}/additionalProperties", steps + ("{}",))

    walk(schema, "", ())
    return out


def _escape(part: str) -> str:
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
    escaped = re.sub(r"__|[.\-/]", lambda m: {"__": "__underscores__", ".": "__dot__", "-": "__dash__", "/": "__slash__"}[m.group(0)], name)
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


# ==================================================================================
# Synthesising valid instances
# ==================================================================================

_FORMAT_EXAMPLES = {
    "date-time": "2024-01-02T03:04:05Z",
    "date": "2024-01-02",
    "byte": "aGVsbG8=",
    "duration": "1h30m",
    "uuid": "123e4567-e89b-12d3-a456-426614174000",
    "email": "user@example.com",
    "hostname": "example.com",
    "ipv4": "10.0.0.1",
    "ipv6": "fd00::1",
    "cidr": "10.0.0.0/16",
    "uri": "https://example.com/path",
    "url": "https://example.com/path",
    "mac": "02:42:ac:11:00:02",
}
_FILLERS = ["abc", "value", "example", "a1", "x"]
_CHAR_POOL = "abcxyz019-_.ABZ/:@ "


def regex_example(pattern: str, rng: random.Random) -> str | None:
    """A string `re.search` finds `pattern` in, built from the parsed regex; None on failure."""
    try:
        import re._parser as sre  # type: ignore[import-not-found]
    except ImportError:  # Python < 3.11
        import sre_parse as sre  # type: ignore[no-redef]
    try:
        parsed = sre.parse(pattern)
        compiled = re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return None
    from re._constants import (  # type: ignore[import-not-found]
        ANY,
        ASSERT,
        ASSERT_NOT,
        AT,
        BRANCH,
        CATEGORY,
        CATEGORY_DIGIT,
        CATEGORY_NOT_DIGIT,
        CATEGORY_NOT_SPACE,
        CATEGORY_NOT_WORD,
        CATEGORY_SPACE,
        CATEGORY_WORD,
        GROUPREF,
        IN,
        LITERAL,
        MAX_REPEAT,
        MAXREPEAT,
        MIN_REPEAT,
        NEGATE,
        NOT_LITERAL,
        RANGE,
        SUBPATTERN,
    )

    def in_set(char: str, items: list) -> bool:
        negate, hit = False, False
        for op, arg in items:
            if op is NEGATE:
                negate = True
            elif op is LITERAL:
                hit = hit or ord(char) == arg
            elif op is RANGE:
                hit = hit or arg[0] <= ord(char) <= arg[1]
            elif op is CATEGORY:
                hit = hit or {
                    CATEGORY_DIGIT: char.isdigit(),
                    CATEGORY_NOT_DIGIT: not char.isdigit(),
                    CATEGORY_SPACE: char.isspace(),
                    CATEGORY_NOT_SPACE: not char.isspace(),
                    CATEGORY_WORD: char.isalnum() or char == "_",
                    CATEGORY_NOT_WORD: not (char.isalnum() or char == "_"),
                }.get(arg, False)
        return hit != negate

    groups: dict[int, str] = {}

    def gen(items) -> str:
        out = []
        for op, arg in items:
            if op is LITERAL:
                out.append(chr(arg))
            elif op is NOT_LITERAL:
                out.append(next(c for c in _CHAR_POOL if ord(c) != arg))
            elif op is ANY:
                out.append(rng.choice("abc"))
            elif op is IN:
                pool = [c for c in _CHAR_POOL + "defgDEFG2345678" if in_set(c, arg)]
                out.append(rng.choice(pool) if pool else "a")
            elif op in (MAX_REPEAT, MIN_REPEAT):
                low, high, sub = arg
                high = low + 3 if high is MAXREPEAT or high > low + 3 else high
                count = rng.randint(low, max(low, min(high, low + 2)))
                out.extend(gen(sub) for _ in range(count))
            elif op is BRANCH:
                out.append(gen(rng.choice(arg[1])))
            elif op is SUBPATTERN:
                text = gen(arg[-1])
                if arg[0] is not None:
                    groups[arg[0]] = text
                out.append(text)
            elif op is GROUPREF:
                out.append(groups.get(arg, ""))
            elif op is CATEGORY:
                out.append({CATEGORY_DIGIT: "5", CATEGORY_SPACE: " ", CATEGORY_WORD: "w"}.get(arg, "a"))
            elif op in (AT, ASSERT, ASSERT_NOT):
                continue
            else:
                return "\x00"
        return "".join(out)

    for _ in range(12):
        try:
            text = gen(parsed)
        except (RecursionError, StopIteration, IndexError, ValueError):
            return None
        if compiled.search(text):
            return text
    return None


_TARGET_KEYWORDS = frozenset(
    "pattern minLength maxLength minimum maximum multipleOf enum required minItems maxItems uniqueItems "
    "minProperties maxProperties x-kubernetes-list-type x-kubernetes-validations".split()
)


def constraint_paths(schema: dict, max_depth: int = 14) -> list[tuple[str, ...]]:
    """Step paths (as in `RuleSite.steps`) of every node that carries a constraint worth
    mutating or a CEL rule; `status` and the root's metadata are left out."""
    out: list[tuple[str, ...]] = []

    def walk(node: Any, steps: tuple[str, ...]) -> None:
        if not isinstance(node, dict) or len(steps) > max_depth:
            return
        if steps and _TARGET_KEYWORDS & node.keys():
            out.append(steps)
        for name, sub in (node.get("properties") or {}).items():
            if steps or name not in ("status", "metadata", "apiVersion", "kind"):
                walk(sub, steps + (name,))
        if isinstance(node.get("items"), dict):
            walk(node["items"], steps + ("[]",))
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"], steps + ("{}",))

    walk(schema, ())
    return out


def _fit_length(text: str, node: dict) -> str:
    low, high = node.get("minLength"), node.get("maxLength")
    if isinstance(low, int) and len(text) < low:
        text = text + "a" * (low - len(text))
    if isinstance(high, int) and len(text) > high:
        text = text[:high]
    return text


class Synthesizer:
    """Deterministic instances that satisfy the schema's structural constraints."""

    def __init__(
        self, resource: Resource, rng: random.Random, max_depth: int = 7, optional_share: float = 0.5, force: Iterable[tuple[str, ...]] = ()
    ) -> None:
        self.resource = resource
        self.rng = rng
        self.max_depth = max_depth
        self.optional_share = optional_share
        self.forced = {path[:n] for path in force for n in range(1, len(path) + 1)}
        """Prefixes of the step paths (as in `RuleSite.steps`) every instance must reach."""

    def instance(self, mode: str) -> dict:
        """`min`: required fields only; `rich`: about half the optional ones as well."""
        body = self.value(self.resource.schema, mode, 0, root=True, path=())
        body = body if isinstance(body, dict) else {}
        body.pop("status", None)
        body["apiVersion"] = self.resource.api_version
        body["kind"] = self.resource.kind
        body["metadata"] = self.metadata(self.resource.schema.get("properties", {}).get("metadata"))
        return body

    def metadata(self, node: Any) -> dict:
        name_node = ((node or {}).get("properties") or {}).get("name") or {}
        name = self.string(name_node) if name_node else "sample"
        return {"name": name if re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", name or "") else "sample", "namespace": "default"}

    def value(self, node: Any, mode: str, depth: int, root: bool = False, path: tuple[str, ...] | None = None) -> Any:
        if not isinstance(node, dict):
            return "value"
        forced = path is not None and any(p[: len(path)] == path and len(p) > len(path) for p in self.forced) if path else False
        if "default" in node and self.rng.random() < 0.3 and not root and not forced:
            return copy.deepcopy(node["default"])
        if node.get("enum"):
            choices = [v for v in node["enum"] if v is not None]
            if choices:
                return copy.deepcopy(self.rng.choice(choices))
        kind = schema_kind(node)
        if kind == "object":
            return self.object(node, mode, depth, root, path)
        if kind == "array":
            return self.array(node, mode, depth, path)
        if kind == "string":
            return self.string(node)
        if kind in ("integer", "number"):
            return self.number(node, kind)
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind == "int-or-string":
            if node.get("pattern") or self.rng.random() < 0.5:
                text = self.string(node)
                return text if text is not None else 1
            return self.number(node, "integer")
        return {"free": "form"} if node.get("x-kubernetes-preserve-unknown-fields") else "any"

    def object(self, node: dict, mode: str, depth: int, root: bool, path: tuple[str, ...] | None = None) -> dict:
        props = node.get("properties") or {}
        include, exclude = self._shape(node)
        out: dict[str, Any] = {}
        if node.get("x-kubernetes-embedded-resource"):
            out.update(apiVersion="v1", kind="ConfigMap", metadata={"name": "embedded"})
        for name, sub in props.items():
            if root and name in ("apiVersion", "kind", "metadata", "status"):
                continue
            if name in exclude or (node.get("x-kubernetes-embedded-resource") and name in ("apiVersion", "kind", "metadata")):
                continue
            sub_path = None if path is None else path + (name,)
            wanted = name in include or (sub_path is not None and sub_path in self.forced)
            wanted = wanted or (mode == "rich" and (root or (depth < self.max_depth and self.rng.random() < self.optional_share)))
            if wanted:
                out[name] = self.value(sub, mode, depth + 1, path=sub_path)
        low = node.get("minProperties")
        if isinstance(low, int) and len(out) < low:
            for name, sub in props.items():
                if len(out) >= low:
                    break
                if name not in out and name not in exclude:
                    out[name] = self.value(sub, "min", depth + 1)
        extra = node.get("additionalProperties")
        if isinstance(extra, dict) and not props:
            count = 1 if (mode == "rich" and depth < self.max_depth) or (path is not None and path + ("{}",) in self.forced) else 0
            count = max(count, low or 0)
            high = node.get("maxProperties")
            if isinstance(high, int):
                count = min(count, high)
            for index in range(count):
                out[f"key-{index + 1}"] = self.value(extra, mode, depth + 1, path=None if path is None else path + ("{}",))
        elif not props and node.get("x-kubernetes-preserve-unknown-fields") and mode == "rich":
            out.setdefault("free", "form")
        return out

    def _shape(self, node: dict) -> tuple[set[str], set[str]]:
        """Fields to include (required, and one alternative of oneOf/anyOf) and to leave out."""
        include = set(node.get("required") or [])
        exclude: set[str] = set()
        for sub in node.get("allOf") or []:
            if isinstance(sub, dict):
                more_in, more_out = self._shape(sub)
                include |= more_in
                exclude |= more_out
        for keyword in ("oneOf", "anyOf"):
            alternatives = [a for a in node.get(keyword) or [] if isinstance(a, dict)]
            if alternatives:
                chosen = self.rng.choice(alternatives)
                chosen_in, chosen_out = self._shape(chosen)
                include |= chosen_in
                exclude |= chosen_out
                if keyword == "oneOf":
                    for other in alternatives:
                        if other is not chosen:
                            exclude |= set(other.get("required") or []) - chosen_in
        negated = node.get("not")
        if isinstance(negated, dict):
            for alt in [negated] + [a for a in negated.get("anyOf") or [] if isinstance(a, dict)]:
                exclude |= set(alt.get("required") or [])
        return include - exclude, exclude

    def array(self, node: dict, mode: str, depth: int, path: tuple[str, ...] | None = None) -> list:
        items = node.get("items") if isinstance(node.get("items"), dict) else {}
        low = node.get("minItems") if isinstance(node.get("minItems"), int) else 0
        high = node.get("maxItems") if isinstance(node.get("maxItems"), int) else None
        count = low if mode == "min" or depth >= self.max_depth else max(low, self.rng.randint(1, 2))
        item_path = None if path is None else path + ("[]",)
        if item_path is not None and item_path in self.forced:
            count = max(count, 1)
        if high is not None:
            count = min(count, high)
        out: list[Any] = []
        distinct = node.get("uniqueItems") or node.get("x-kubernetes-list-type") in ("set", "map")
        keys = node.get("x-kubernetes-list-map-keys") or []
        for _ in range(count):
            for attempt in range(12):
                item = self.value(items, mode, depth + 1, path=item_path)
                if keys and isinstance(item, dict):
                    for key in keys:
                        if key not in item and key in (items.get("properties") or {}):
                            item[key] = self.value(items["properties"][key], "min", depth + 2)
                if not distinct or not self._clashes(item, out, keys):
                    out.append(item)
                    break
        return out

    @staticmethod
    def _clashes(item: Any, items: list, keys: list) -> bool:
        if keys and isinstance(item, dict):
            key = _json_key([item.get(k) for k in keys])
            return any(isinstance(i, dict) and _json_key([i.get(k) for k in keys]) == key for i in items)
        return any(_json_key(i) == _json_key(item) for i in items)

    def string(self, node: dict) -> str:
        fmt = node.get("format")
        candidates: list[str] = []
        if node.get("pattern"):
            for _ in range(4):
                found = regex_example(node["pattern"], self.rng)
                if found is not None:
                    candidates.append(found)
        if fmt in _FORMAT_EXAMPLES:
            candidates.append(_FORMAT_EXAMPLES[fmt])
        candidates += [f"{self.rng.choice(_FILLERS)}{self.rng.randint(1, 99)}", "abc", "a", "1", "10m", "example.com"]
        for text in candidates:
            text = _fit_length(text, node)
            if _string_ok(text, node):
                return text
        return _fit_length(candidates[0], node)

    def number(self, node: dict, kind: str) -> int | float:
        low, high = node.get("minimum"), node.get("maximum")
        ex_low, ex_high = node.get("exclusiveMinimum") is True, node.get("exclusiveMaximum") is True
        step = node.get("multipleOf")
        lo = (low if isinstance(low, (int, float)) else 0) + (1 if ex_low else 0)
        hi = (high if isinstance(high, (int, float)) else lo + 100) - (1 if ex_high else 0)
        hi = max(hi, lo)
        if kind == "integer" or isinstance(step, int):
            lo_i, hi_i = int(-(-lo // 1)), int(hi // 1)
            value = self.rng.randint(lo_i, max(lo_i, min(hi_i, lo_i + 50)))
            if isinstance(step, (int, float)) and step > 0:
                value = int(-(-value // step) * step)
                if value > hi:
                    value = int(-(-lo // step) * step)
            return value
        if isinstance(step, (int, float)) and step > 0:
            return float(-(-lo // step) * step)
        value = lo + (hi - lo) * self.rng.random()
        return round(value, 2) if lo <= round(value, 2) <= hi else lo


def _string_ok(text: str, node: dict) -> bool:
    if isinstance(node.get("minLength"), int) and len(text) < node["minLength"]:
        return False
    if isinstance(node.get("maxLength"), int) and len(text) > node["maxLength"]:
        return False
    if node.get("pattern"):
        try:
            if not re.search(node["pattern"], text):
                return False
        except re.error:
            return False
    return True


# ==================================================================================
# Mutations
# ==================================================================================


@dataclass
class Mutation:
    klass: str
    path: str
    """Where in the instance (a JSON pointer)."""
    pointer: str
    """The schema node whose constraint is broken (relative to the openAPIV3Schema)."""
    keyword: str
    base: dict = field(repr=False)
    steps: tuple = field(repr=False, default=())
    change: Callable[[Any], Any] = field(repr=False, default=lambda v: v)
    _instance: Any = field(default=None, repr=False)

    @property
    def instance(self) -> dict:
        """The mutated copy of the base (built on first use: bases can be large)."""
        if self._instance is None:
            instance = copy.deepcopy(self.base)
            parent = instance
            for step in self.steps[:-1]:
                parent = parent[step]
            result = self.change(copy.deepcopy(parent[self.steps[-1]]) if self.steps else instance)
            if not self.steps:
                instance = result
            elif result is _DELETE:
                del parent[self.steps[-1]]
            else:
                parent[self.steps[-1]] = result
            self._instance = instance
        return self._instance


_PATTERN_BREAKERS = ["", "-", "!!", "Has Space", "UPPER", "a..b", "_x_", "é", "123", "a" * 70, "x/y:z", "%"]


def mutations(base: dict, resource: Resource, rng: random.Random) -> list[Mutation]:
    """Every single-point mutation of `base` the schema suggests (see the module docs)."""
    out: list[Mutation] = []
    synth = Synthesizer(resource, rng, max_depth=3, optional_share=0.0)

    def add(klass: str, path: list, pointer: str, keyword: str, change: Callable[[Any], Any]) -> None:
        out.append(Mutation(klass, "/" + "/".join(_escape(str(p)) for p in path), pointer, keyword, base, tuple(path), change))

    def walk(value: Any, node: Any, path: list, pointer: str, root: bool = False) -> None:
        if not isinstance(node, dict) or value is None:
            return
        kind = schema_kind(node)
        if node.get("enum") and kind in ("string", "integer", "number"):
            wrong = (
                "fidelity-not-in-enum" if kind == "string" else (max([v for v in node["enum"] if isinstance(v, (int, float))] or [0]) + 7)
            )
            add("wrong-enum", path, pointer, "enum", lambda v: wrong)
        if kind == "object" and isinstance(value, dict):
            props = node.get("properties") or {}
            for name in node.get("required") or []:
                if (
                    name in value
                    and not (isinstance(props.get(name), dict) and "default" in props[name])
                    and not (root and name in ("apiVersion", "kind"))
                ):
                    add("drop-required", path + [name], pointer, "required", lambda v: _DELETE)
            extra = node.get("additionalProperties")
            if not (extra is True or isinstance(extra, dict) or node.get("x-kubernetes-preserve-unknown-fields")):
                add("extra-key", path, pointer, "additionalProperties", lambda v: {**v, "fidelityUnknownField": "x"})
            if isinstance(extra, dict) and not props:
                if isinstance(node.get("maxProperties"), int):
                    high = node["maxProperties"]
                    add(
                        "too-many-entries",
                        path,
                        pointer,
                        "maxProperties",
                        lambda v: {
                            **v,
                            **{
                                f"extra-{i}": copy.deepcopy(next(iter(v.values()))) if v else synth.value(extra, "min", 0)
                                for i in range(high + 1)
                            },
                        },
                    )
                if isinstance(node.get("minProperties"), int) and node["minProperties"] > 0:
                    add("too-few-entries", path, pointer, "minProperties", lambda v: {})
            if not root:
                add("wrong-type", path, pointer, "type", lambda v: "not-an-object")
            for name, item in value.items():
                if root and name in ("apiVersion", "kind", "metadata", "status"):
                    continue
                sub = props.get(name, extra if isinstance(extra, dict) else None)
                sub_pointer = f"{pointer}/properties/{_escape(name)}" if name in props else f"{pointer}/additionalProperties"
                walk(item, sub, path + [name], sub_pointer)
        elif kind == "array" and isinstance(value, list):
            items = node.get("items") if isinstance(node.get("items"), dict) else {}
            if isinstance(node.get("maxItems"), int):
                high = node["maxItems"]
                add(
                    "too-many-items",
                    path,
                    pointer,
                    "maxItems",
                    lambda v: v + [synth.value(items, "min", 0) for _ in range(high + 1 - len(v))] if len(v) <= high else v,
                )
            if isinstance(node.get("minItems"), int) and node["minItems"] > 0:
                add("too-few-items", path, pointer, "minItems", lambda v: v[: node["minItems"] - 1])
            if value and (node.get("uniqueItems") or node.get("x-kubernetes-list-type") in ("set", "map")):
                keyword = "x-kubernetes-list-map-keys" if node.get("x-kubernetes-list-type") == "map" else "uniqueItems"
                add("duplicate-item", path, pointer, keyword, lambda v: v + [copy.deepcopy(v[0])])
            if value and not items.get("nullable"):
                add("null-item", path + [0], f"{pointer}/items", "type", lambda v: None)
            add("wrong-type", path, pointer, "type", lambda v: "not-a-list")
            for index, item in enumerate(value[:2]):
                walk(item, items, path + [index], f"{pointer}/items")
        elif kind in ("string", "int-or-string") and isinstance(value, str):
            if node.get("pattern"):
                breakers = [b for b in _PATTERN_BREAKERS if not _re_search(node["pattern"], b)]
                fitting = [b for b in breakers if _length_ok(b, node)]
                if fitting or breakers:
                    chosen = rng.choice(fitting or breakers)
                    add("pattern-breaker", path, pointer, "pattern", lambda v: chosen)
            if isinstance(node.get("maxLength"), int):
                high = node["maxLength"]
                add(
                    "too-long",
                    path,
                    pointer,
                    "maxLength",
                    lambda v: (v or "a") + "a" * (high + 1 - len(v or "a")) if len(v or "a") <= high else v,
                )
                if 0 < high <= 300:
                    add("multibyte-at-max", path, pointer, "maxLength", lambda v: "é" * high)
            if isinstance(node.get("minLength"), int) and node["minLength"] > 0:
                add("too-short", path, pointer, "minLength", lambda v: v[: node["minLength"] - 1])
            if kind == "string":
                add("wrong-type", path, pointer, "type", lambda v: 12345)
        elif kind in ("integer", "number", "int-or-string") and isinstance(value, (int, float)) and not isinstance(value, bool):
            if isinstance(node.get("minimum"), (int, float)):
                low = node["minimum"]
                add("below-minimum", path, pointer, "minimum", lambda v: low if node.get("exclusiveMinimum") is True else low - 1)
            if isinstance(node.get("maximum"), (int, float)):
                high = node["maximum"]
                add("above-maximum", path, pointer, "maximum", lambda v: high if node.get("exclusiveMaximum") is True else high + 1)
            if isinstance(node.get("multipleOf"), (int, float)) and node["multipleOf"] > 0:
                step = node["multipleOf"]
                add("not-multiple", path, pointer, "multipleOf", lambda v: v + step / 2 if kind == "number" or step % 2 == 0 else v + 1)
            if kind == "integer":
                add("wrong-type", path, pointer, "type", lambda v: str(v))
                add("float-for-int", path, pointer, "type", lambda v: v + 0.5)
        elif kind == "boolean" and isinstance(value, bool):
            add("wrong-type", path, pointer, "type", lambda v: "true")

    walk(base, resource.schema, [], "", root=True)
    return out


_DELETE = object()


def _re_search(pattern: str, text: str) -> bool:
    try:
        return bool(re.search(pattern, text))
    except re.error:
        return True


def _length_ok(text: str, node: dict) -> bool:
    low, high = node.get("minLength"), node.get("maxLength")
    return not (isinstance(low, int) and len(text) < low) and not (isinstance(high, int) and len(text) > high)


# ==================================================================================
# Generated modules and the KCL runner
# ==================================================================================


def rewrite_rules(docs: list[Any], keep: Callable[[str], bool]) -> list[Any]:
    """A copy of the CRD documents keeping only the CEL rules `keep` accepts."""

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key == "x-kubernetes-validations" and isinstance(value, list):
                    kept = [v for v in value if isinstance(v, dict) and keep(str(v.get("rule", "")))]
                    if kept:
                        out[key] = kept
                else:
                    out[key] = walk(value)
            return out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return [walk(d) for d in docs]


@dataclass
class GeneratedModule:
    root: Path
    resources: dict[str, str]
    """"group/version Kind" -> "pkg.path.Schema" (from openapi-tool.lock)."""
    checks: dict
    """The report's `checks` section."""
    error: str = ""


def generate(docs: list[Any], out: Path) -> GeneratedModule:
    """Run `openapi-tool gen` (in process) on the documents; errors are returned, not raised."""
    import contextlib
    import io

    from openapi_tool.cli import main

    out.parent.mkdir(parents=True, exist_ok=True)
    source = out.parent / f"{out.name}.crd.json"
    listing = docs[0] if len(docs) == 1 else {"apiVersion": "v1", "kind": "List", "items": docs}
    source.write_text(json.dumps(listing), encoding="utf-8")
    report = out.parent / f"{out.name}.report.json"
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        try:
            status = main(["gen", "-q", "--crd", str(source), "-o", str(out), "--report-json", str(report), "--include-unserved"])
        except SystemExit as exit_:
            status = exit_.code or 1
        except Exception as error:  # a generator crash is a finding, not a harness failure
            status, stderr = 1, io.StringIO(f"{type(error).__name__}: {error}")
    if status != 0:
        return GeneratedModule(out, {}, {}, error=stderr.getvalue().strip()[-400:] or f"exit {status}")
    lock = json.loads((out / "openapi-tool.lock").read_text(encoding="utf-8"))
    data = json.loads(report.read_text(encoding="utf-8"))
    if "checks" not in data and data.get("outputs"):
        data = data["outputs"][0]
    return GeneratedModule(out, dict(lock.get("resources", {})), dict(data.get("checks", {})))


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_SCHEMA_DEF = re.compile(r"^schema\s+(\w+)", re.MULTILINE)
_STRINGS = re.compile(r'r?"""[\s\S]*?"""|r?"(?:[^"\\\n]|\\.)*"')
_WORDS = re.compile(r"\b[A-Za-z_]\w*\b")


def trimmed_module(module: Path, import_path: str, work: Path) -> Path:
    """A copy of `module` whose package of `import_path` keeps only the schemas the named
    schema reaches (files are copied unchanged; other packages are copied whole)."""
    package, _, name = import_path.rpartition(".")
    package_dir = module.joinpath(*package.split("."))
    by_name: dict[str, Path] = {}
    words: dict[str, set[str]] = {}
    for path in package_dir.glob("*.k"):
        text = path.read_text(encoding="utf-8")
        match = _SCHEMA_DEF.search(text)
        if match:
            by_name[match.group(1)] = path
            words[match.group(1)] = set(_WORDS.findall(_STRINGS.sub("", text)))
    keep, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current in keep or current not in by_name:
            continue
        keep.add(current)
        todo.extend(w for w in words[current] if w in by_name and w not in keep)
    target = work / "module"
    if target.exists():
        shutil.rmtree(target)
    kept = {by_name[k].name for k in keep}
    _link_tree(module, target, package_dir.resolve(), kept)
    return target


def _link_tree(source: Path, target: Path, package_dir: Path, kept: set[str]) -> None:
    """`target` mirrors `source` with symbolic links; in `package_dir` only the `kept` files."""
    target.mkdir(parents=True)
    for entry in source.iterdir():
        if entry.is_dir():
            if package_dir == entry.resolve() or package_dir.is_relative_to(entry.resolve()):
                _link_tree(entry, target / entry.name, package_dir, kept)
            else:
                os.symlink(entry.resolve(), target / entry.name)
        elif source.resolve() != package_dir or entry.name in kept:
            os.symlink(entry.resolve(), target / entry.name)


@dataclass
class Verdict:
    accepted: bool
    message: str = ""


class KclRunner:
    """Verdicts of `v: pkg.Kind = data` for many instances, a few compiler runs per batch."""

    def __init__(self, module: Path, import_path: str, work: Path) -> None:
        import kcl_lib.api as kcl

        self.kcl = kcl
        self.api = kcl.API()
        self.root = trimmed_module(module, import_path, work)
        self.external = external_pkgs(external_packages(self.root))  # the vendored k8s module
        package, _, self.schema = import_path.rpartition(".")
        self.package = package
        self.main = self.root / "_fidelity_main.k"
        self.runs = 0
        self.seconds = 0.0

    def verdicts(self, instances: list[Any], batch: int = 150) -> list[Verdict]:
        out: list[Verdict] = []
        for start in range(0, len(instances), batch):
            out += self._batch(instances[start : start + batch])
        return out

    def _batch(self, instances: list[Any]) -> list[Verdict]:
        results: list[Verdict | None] = [None] * len(instances)
        start = 0
        while start < len(instances):
            lines = ["import json as _fidelity_json", f"import {self.package} as _fidelity_pkg"]
            for index in range(start, len(instances)):
                lines.append(f'print("@@{index}")')
                lines.append(f"v{index}: _fidelity_pkg.{self.schema} = _fidelity_json.decode({kcl_string(json.dumps(instances[index]))})")
            self.main.write_text("\n".join(lines) + "\n", encoding="utf-8")
            self.runs += 1
            args = self.kcl.ExecProgramArgs(k_filename_list=[str(self.main)], work_dir=str(self.root), disable_yaml_result=True,
                                            external_pkgs=self.external)
            started = time.perf_counter()
            try:
                result = self.api.exec_program(args)
                error, log = result.err_message, result.log_message
            except Exception as exc:  # a compile error: nothing of this batch ran
                self.seconds += time.perf_counter() - started
                message = _ANSI.sub("", str(exc)).strip()
                for index in range(start, len(instances)):
                    results[index] = Verdict(False, "COMPILE ERROR " + message[:600])
                break
            self.seconds += time.perf_counter() - started
            if not error:
                for index in range(start, len(instances)):
                    results[index] = Verdict(True)
                break
            markers = re.findall(r"@@(\d+)", log)
            failed = int(markers[-1]) if markers else start
            for index in range(start, failed):
                results[index] = Verdict(True)
            results[failed] = Verdict(False, _short(error))
            start = failed + 1
        return [r if r is not None else Verdict(False, "no verdict") for r in results]


def kcl_string(ascii_json: str) -> str:
    """A KCL string literal for ASCII text (json.dumps escapes everything else): `$` is
    written `\\x24` so that nothing is interpolated."""
    return '"' + ascii_json.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\x24") + '"'


def _short(error: str) -> str:
    """The messages of a KCL error and the file:line of the innermost failed check."""
    text = _ANSI.sub("", error)
    messages = [m.strip() for m in re.findall(r"^[ \t]*\|[ \t]*\^?[ \t]*(\S.*)$", text, re.MULTILINE)]
    places = re.findall(r"-->\s*(\S+)", text)
    where = f" [{Path(places[-1]).name}]" if places else ""
    return (" / ".join(dict.fromkeys(m for m in messages if m != "Instance check failed")) or text.strip())[:400] + where


# ==================================================================================
# Measuring one CRD file
# ==================================================================================


@dataclass
class Disagreement:
    project: str
    file: str
    resource: str
    category: str
    """manifest, synthesised, mutated or cel."""
    klass: str
    path: str
    pointer: str
    keyword: str
    kcl: bool
    oracle: bool
    kcl_message: str
    oracle_message: str
    instance: Any = None

    @property
    def kind(self) -> str:
        return "false accept" if self.kcl and not self.oracle else "false reject"


@dataclass
class Tally:
    total: int = 0
    agree: int = 0
    false_accepts: int = 0
    false_rejects: int = 0
    excluded: int = 0
    """Not compared (the generator reports the constraint as not checked, or the oracle
    cannot decide)."""

    def add(self, kcl: bool, oracle: bool) -> None:
        self.total += 1
        if kcl == oracle:
            self.agree += 1
        elif kcl:
            self.false_accepts += 1
        else:
            self.false_rejects += 1

    def merge(self, other: Tally) -> None:
        for name in ("total", "agree", "false_accepts", "false_rejects", "excluded"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def agreement(self) -> float:
        return 100.0 * self.agree / self.total if self.total else 100.0


@dataclass
class CelStats:
    total: int = 0
    translated: int = 0
    evaluable: int = 0
    """Rules the runtime can evaluate (no transition rule, no missing function)."""
    shimmed: int = 0
    compared: int = 0
    """Translated, evaluable rules evaluated on at least one instance."""
    seen_true: int = 0
    seen_false: int = 0
    missing_functions: Counter = field(default_factory=Counter)
    untranslated: list = field(default_factory=list)

    def merge(self, other: CelStats) -> None:
        for name in ("total", "translated", "evaluable", "shimmed", "compared", "seen_true", "seen_false"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.missing_functions.update(other.missing_functions)
        self.untranslated += other.untranslated


@dataclass
class FileResult:
    project: str
    file: str
    resources: int = 0
    tallies: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    """manifest, synthesised, mutated, cel."""
    by_class: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    cel: CelStats = field(default_factory=CelStats)
    disagreements: list[Disagreement] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    synth_invalid: int = 0
    """Synthesised instances the oracle rejected (dropped; a synthesiser limit, not a finding)."""
    kcl_runs: int = 0
    seconds: float = 0.0
    timings: Counter = field(default_factory=Counter)
    """Seconds spent generating modules and in the KCL compiler."""

    def __repr__(self) -> str:
        return f"FileResult({self.file!r}, {self.resources} resources)"


@dataclass(frozen=True)
class Budget:
    """How many instances per resource: mutated ones cost one compiler run each."""

    bases: int = 3
    targeted_bases: int = 4
    targets_per_base: int = 25
    """Extra bases, each made to reach this many constrained nodes (sampled)."""
    rich_depth: int = 5
    """How deep `rich` bases go (argo's Workflow embeds whole pod specs)."""
    mutations: int = 40
    cel_variants: int = 30
    schema_cost: int = 6000
    """Mutations are cut so that mutations x schemas-in-closure stays under this."""


TEST_BUDGET = Budget(mutations=30, cel_variants=24, targeted_bases=3, targets_per_base=20)
"""What tests/test_fidelity.py uses: the whole corpus in a few minutes on two cores (a
mutated instance that KCL rejects costs one compiler run)."""


def measure_file(
    path: Path,
    project: str,
    corpus: Path | None,
    manifests: dict | None,
    budget: Budget = Budget(),
    seed: int = 0,
    work: Path | None = None,
) -> FileResult:
    started = time.perf_counter()
    result = FileResult(project, str(path.relative_to(corpus)) if corpus and path.is_relative_to(corpus) else str(path))
    own_work = work is None
    work = Path(tempfile.mkdtemp(prefix="fidelity-")) if work is None else work
    try:
        _measure(path, result, corpus, manifests or {}, budget, seed, work)
    finally:
        if own_work:
            shutil.rmtree(work, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    return result


def _measure(path: Path, result: FileResult, corpus: Path | None, manifests: dict, budget: Budget, seed: int, work: Path) -> None:
    docs = load_documents(path)
    resources = crd_resources(path)
    result.resources = len(resources)
    if not resources:
        return
    meta = object_meta_schema(corpus)
    supports = {}
    for resource in resources:
        for site in rule_sites(resource.schema):
            supports.setdefault(site.rule, rule_support(site.rule))
    evaluable = {rule for rule, s in supports.items() if s.evaluable}
    started = time.perf_counter()
    modules = {"structural": generate(rewrite_rules(docs, lambda r: False), work / "structural")}
    if supports:
        modules["cel"] = generate(rewrite_rules(docs, lambda r: r in evaluable), work / "cel")
        modules["full"] = generate(docs, work / "full") if evaluable != set(supports) else modules["cel"]
    else:
        modules["cel"] = modules["full"] = modules["structural"]
    result.timings["generate"] += time.perf_counter() - started
    for name, module in modules.items():
        if module.error:
            result.errors.append(f"generating the {name} module: {module.error}")
    if any(m.error for m in modules.values()):
        return
    untranslated_full = _untranslated(modules["full"].checks)
    untranslated_cel = _untranslated(modules["cel"].checks)
    not_checked = _not_checked(modules["structural"].checks)
    for resource in resources:
        _measure_resource(
            resource, result, modules, meta, manifests, budget, seed, work, supports, untranslated_full, untranslated_cel, not_checked
        )


def _untranslated(checks: dict) -> set[tuple[str, str]]:
    """(pointer, rule) of every CEL rule the report lists as not checked."""
    out = set()
    for item in checks.get("not_checked", []):
        rule = str(item.get("rule", ""))
        if rule.startswith("rule "):
            out.add((str(item.get("where", "")).rpartition("#")[2], rule[5:]))
    return out


_CHECK_KEYWORDS = [
    (r"must be one of ", "enum"),
    (r"must be >=? ", "minimum"),
    (r"must be <=? ", "maximum"),
    (r"must be a multiple of ", "multipleOf"),
    (r"must be at most \d+ characters", "maxLength"),
    (r"must be at least \d+ characters", "minLength"),
    (r"must match ", "pattern"),
    (r"must have at most \d+ items", "maxItems"),
    (r"must have at least \d+ items", "minItems"),
    (r"must not contain duplicates", "uniqueItems"),
    (r"must not repeat the keys ", "x-kubernetes-list-map-keys"),
    (r"must have at most \d+ entries", "maxProperties"),
    (r"must have at least \d+ entries", "minProperties"),
]
"""The keyword of each check message of openapi_tool/kcl/checks.py (the report names a
constraint it could not check by that message, or by `keyword value`)."""


def _not_checked(checks: dict) -> set[tuple[str, str]]:
    """(pointer, keyword) of every schema constraint the report lists as not checked."""
    out = set()
    for item in checks.get("not_checked", []):
        rule = str(item.get("rule", ""))
        if not rule.startswith("rule "):
            keyword = next((k for pattern, k in _CHECK_KEYWORDS if re.match(pattern, rule)), rule.split(" ")[0])
            out.add((str(item.get("where", "")).rpartition("#")[2], keyword))
    return out


def _is_untranslated(site: RuleSite, resource: Resource, untranslated: set[tuple[str, str]]) -> bool:
    full = resource.pointer + site.pointer
    return any(
        rule == site.rule and (full == where or full.startswith(where + "/") or where.endswith(site.pointer))
        for where, rule in untranslated
    )


def _expressed(mutation: Mutation, resource: Resource, not_checked: set[tuple[str, str]]) -> bool:
    full = resource.pointer + mutation.pointer
    for where, keyword in not_checked:
        if (full == where or where.startswith(full + "/") or full.startswith(where + "/")) and keyword.lower() in mutation.keyword.lower():
            return False
    return True


def _rng(resource: Resource, seed: int, salt: str) -> random.Random:
    return random.Random(zlib.crc32(f"{seed}:{resource.name}:{salt}".encode()))


def _measure_resource(
    resource, result, modules, meta, manifests, budget, seed, work, supports, untranslated_full, untranslated_cel, not_checked
) -> None:
    oracle = StructuralOracle(resource, meta)
    sites = rule_sites(resource.schema)
    result.cel.total += len(sites)
    translated_sites = []
    for site in sites:
        support = supports[site.rule]
        if _is_untranslated(site, resource, untranslated_full):
            result.cel.untranslated.append((resource.name, site.label, site.rule[:120]))
        else:
            result.cel.translated += 1
        if support.evaluable:
            result.cel.evaluable += 1
            result.cel.shimmed += support.shimmed
            if not _is_untranslated(site, resource, untranslated_cel):
                translated_sites.append(site)
        else:
            result.cel.missing_functions.update(support.missing)
    runners: dict[str, KclRunner] = {}
    try:
        _compare(
            resource,
            result,
            modules,
            meta,
            manifests,
            budget,
            seed,
            work,
            supports,
            untranslated_cel,
            not_checked,
            oracle,
            sites,
            translated_sites,
            runners,
        )
    finally:
        result.kcl_runs += sum(r.runs for r in runners.values())
        result.timings["kcl"] += sum(r.seconds for r in runners.values())


def _compare(
    resource,
    result,
    modules,
    meta,
    manifests,
    budget,
    seed,
    work,
    supports,
    untranslated_cel,
    not_checked,
    oracle,
    sites,
    translated_sites,
    runners,
) -> None:
    def runner(name: str) -> KclRunner | None:
        if name not in runners:
            import_path = modules[name].resources.get(resource.name)
            if import_path is None:
                result.errors.append(f"{resource.name}: not in the {name} module's lock")
                return None
            runners[name] = KclRunner(modules[name].root, import_path, work / f"run-{name}")
        return runners[name]

    cel_oracle = CelOracle(resource, translated_sites)

    def note(category, klass, path, pointer, keyword, kcl, oracle_ok, kcl_message, oracle_message, instance):
        result.disagreements.append(
            Disagreement(
                result.project,
                result.file,
                resource.name,
                category,
                klass,
                path,
                pointer,
                keyword,
                kcl,
                oracle_ok,
                kcl_message,
                oracle_message,
                instance,
            )
        )

    # (a) real manifests: the full module against jsonschema AND the CEL runtime
    real = manifests.get((resource.api_version, resource.kind), [])
    if real:
        full = runner("full")
        full_oracle = CelOracle(resource, [s for s in sites if supports[s.rule].evaluable])
        if full is not None:
            verdicts = full.verdicts([doc for _, doc in real])
            for (name, doc), verdict in zip(real, verdicts):
                errors = oracle.errors(doc)
                failed, unknown = full_oracle.failures(doc) if not errors else ([], [])
                oracle_ok = not errors and not failed
                tally = result.tallies["manifest"]
                if unknown:  # the runtime cannot evaluate a rule faithfully here: no verdict to compare
                    tally.excluded += 1
                    continue
                tally.add(verdict.accepted, oracle_ok)
                if verdict.accepted != oracle_ok:
                    why = "; ".join(errors) or "; ".join(f"rule {s.rule!r} {w}" for s, w in failed)
                    note("manifest", "real manifest", name, "", "", verdict.accepted, oracle_ok, verdict.message, why, doc)

    # (b) synthesised valid instances, (c) mutated ones: the structural module against jsonschema
    structural = runner("structural")
    if structural is None:
        return
    synth_rng = _rng(resource, seed, "synth")
    targets = constraint_paths(resource.schema)
    synth_rng.shuffle(targets)
    groups = [targets[i * budget.targets_per_base : (i + 1) * budget.targets_per_base] for i in range(budget.targeted_bases)]
    plans = [("min", ())] + [("rich", ())] * (budget.bases - 1) + [("min", tuple(g)) for g in groups if g]
    bases = []
    for mode, force in plans:
        for attempt in range(3):
            candidate = Synthesizer(resource, synth_rng, max_depth=budget.rich_depth, force=force).instance(mode)
            if not oracle.errors(candidate):
                bases.append(candidate)
                break
            result.synth_invalid += 1
    candidates = []
    for index, base in enumerate(bases):
        candidates += mutations(base, resource, _rng(resource, seed, f"mutate{index}"))
    closure = max(1, _closure_size(structural))
    limit = max(8, min(budget.mutations, budget.schema_cost // closure))
    chosen = _spread(candidates, limit, _rng(resource, seed, "pick"))
    instances = bases + [m.instance for m in chosen]
    verdicts = structural.verdicts(instances)
    structurally_valid = []
    for index, (instance, verdict) in enumerate(zip(instances, verdicts)):
        errors = oracle.errors(instance)
        oracle_ok = not errors
        if index < len(bases):
            category, klass, path, pointer, keyword = "synthesised", "valid", "", "", ""
        else:
            m = chosen[index - len(bases)]
            category, klass, path, pointer, keyword = "mutated", m.klass, m.path, m.pointer, m.keyword
            if not _expressed(m, resource, not_checked):
                result.tallies[category].excluded += 1
                continue
            result.by_class[klass].add(verdict.accepted, oracle_ok)
        result.tallies[category].add(verdict.accepted, oracle_ok)
        if verdict.accepted != oracle_ok:
            note(category, klass, path, pointer, keyword, verdict.accepted, oracle_ok, verdict.message, "; ".join(errors), instance)
        if verdict.accepted and oracle_ok:
            structurally_valid.append(instance)

    # CEL: the module with the evaluable rules, on structurally valid instances and variants
    if not translated_sites:
        return
    made = _cel_variants(resource, translated_sites, structurally_valid, oracle, cel_oracle, budget.cel_variants, _rng(resource, seed, "cel"))
    variants = list(structurally_valid) + [doc for _, doc in real if not oracle.errors(doc)] + made
    cel_runner = runner("cel")
    if cel_runner is None:
        return
    structural_ok = structural.verdicts(variants)
    # the new variants are structurally valid for jsonschema: each is a synthesised instance
    # (real manifests were compared in (a), the others above)
    for variant, verdict in zip(made, structural_ok[len(variants) - len(made) :]):
        result.tallies["synthesised"].add(verdict.accepted, True)
        if not verdict.accepted:
            note("synthesised", "cel variant", "", "", "", False, True, verdict.message, "", variant)
    variants = [v for v, ok in zip(variants, structural_ok) if ok.accepted]
    verdicts = cel_runner.verdicts(variants)
    outcomes: dict[str, set[bool]] = defaultdict(set)
    for instance, verdict in zip(variants, verdicts):
        failed, unknown = cel_oracle.failures(instance)
        normalized = apiserver_normalize(instance, resource.schema)
        for site in translated_sites:
            if any(True for _ in values_at(normalized, site.steps, resource.schema)):
                outcomes[site.rule + site.pointer].add(not any(f[0] == site for f in failed))
        oracle_ok = not failed
        if unknown:  # the runtime cannot evaluate a rule faithfully here: no verdict to compare
            result.tallies["cel"].excluded += 1
            continue
        result.tallies["cel"].add(verdict.accepted, oracle_ok)
        if verdict.accepted != oracle_ok:
            why = "; ".join(f"{s.label}: {s.rule!r} -> {w}" for s, w in failed)
            note(
                "cel",
                "cel",
                "",
                failed[0][0].pointer if failed else "",
                "x-kubernetes-validations",
                verdict.accepted,
                oracle_ok,
                verdict.message,
                why or "all rules true",
                instance,
            )
    result.cel.compared += len(outcomes)
    result.cel.seen_true += sum(1 for o in outcomes.values() if True in o)
    result.cel.seen_false += sum(1 for o in outcomes.values() if False in o)


def _closure_size(runner: KclRunner) -> int:
    return len(list(runner.root.joinpath(*runner.package.split(".")).glob("*.k")))


def _spread(mutations_: list[Mutation], limit: int, rng: random.Random) -> list[Mutation]:
    """Up to `limit` mutations, round-robin over classes so that every class is present."""
    by_class: dict[str, list[Mutation]] = defaultdict(list)
    for m in mutations_:
        by_class[m.klass].append(m)
    for items in by_class.values():
        rng.shuffle(items)
    seen: set[tuple[str, str]] = set()
    out: list[Mutation] = []
    queues = [by_class[k] for k in sorted(by_class)]
    while len(out) < limit and any(queues):
        for queue in queues:
            while queue:
                m = queue.pop()
                if (m.klass, m.pointer) not in seen:
                    seen.add((m.klass, m.pointer))
                    out.append(m)
                    break
            if len(out) >= limit:
                break
    return out


def _cel_variants(resource, sites, bases, oracle, cel_oracle, limit, rng) -> list[dict]:
    """Structurally valid variants of the bases around the places of CEL rules: optional
    fields dropped or added, other enum and boolean values. Edits are listed cheaply, then
    at most 4 x `limit` are tried, preferring ones whose set of failed rules is new."""
    synth = Synthesizer(resource, rng, max_depth=4, optional_share=0.3)
    edits: list[tuple[int, tuple, str, Any]] = []
    for index, base in enumerate(bases):
        for site in sites:
            for path, node in _places(base, site.steps, resource.schema):
                target = _get(base, path)
                if not isinstance(target, dict) or schema_kind(node) != "object":
                    continue
                required = set(node.get("required") or [])
                for name, sub in (node.get("properties") or {}).items():
                    if name in target and name not in required:
                        edits.append((index, path, name, _DELETE))
                    elif name not in target:
                        edits.append((index, path, name, sub))
                    if name in target and isinstance(sub, dict) and (sub.get("enum") or sub.get("type") == "boolean"):
                        for value in [v for v in (sub.get("enum") or [True, False]) if v != target[name] and v is not None][:3]:
                            edits.append((index, path, name, ("value", value)))
    rng.shuffle(edits)
    chosen: list[dict] = []
    seen: set[frozenset] = set()
    for index, path, name, what in edits[: 4 * limit]:
        if len(chosen) >= limit:
            break
        if what is _DELETE:
            change = lambda t, n=name: {k: v for k, v in t.items() if k != n}
        elif isinstance(what, tuple):
            change = lambda t, n=name, v=what[1]: {**t, n: v}
        else:
            change = lambda t, n=name, sub=what: {**t, n: synth.value(sub, "min", 0)}
        instance = _with(bases[index], path, change)
        if oracle.errors(instance):
            continue
        failed, _ = cel_oracle.failures(instance)
        signature = frozenset((s.pointer, s.rule) for s, _ in failed)
        if signature in seen and len(chosen) >= limit // 2:
            continue
        seen.add(signature)
        chosen.append(instance)
    return chosen


def _places(instance: Any, steps: tuple[str, ...], node: dict, path: tuple = ()) -> Iterator[tuple[tuple, dict]]:
    if not steps:
        yield path, node
        return
    step, rest = steps[0], steps[1:]
    if step == "[]" and isinstance(instance, list):
        for index, item in enumerate(instance):
            yield from _places(item, rest, node.get("items") or {}, path + (index,))
    elif step == "{}" and isinstance(instance, dict):
        for key, item in instance.items():
            yield from _places(item, rest, node.get("additionalProperties") or {}, path + (key,))
    elif isinstance(instance, dict) and step in instance:
        yield from _places(instance[step], rest, (node.get("properties") or {}).get(step) or {}, path + (step,))


def _get(instance: Any, path: tuple) -> Any:
    for step in path:
        instance = instance[step]
    return instance


def _with(instance: dict, path: tuple, change: Callable[[Any], Any]) -> dict:
    out = copy.deepcopy(instance)
    if not path:
        return change(out)
    parent = _get(out, path[:-1])
    parent[path[-1]] = change(parent[path[-1]])
    return out


# ==================================================================================
# The corpus
# ==================================================================================


def crd_files(corpus: Path) -> list[tuple[str, Path]]:
    """(project, file) for every CRD file under corpus/crds."""
    root = corpus / "crds"
    return [(p.relative_to(root).parts[0], p) for p in sorted(root.rglob("*")) if p.suffix in (".yaml", ".yml", ".json") and p.is_file()]


def _worker(args: tuple) -> FileResult:
    path, project, corpus, budget, seed = args
    return measure_file(path, project, corpus, _manifests_cached(corpus), budget, seed)


_MANIFESTS: dict[str, dict] = {}


def _manifests_cached(corpus: Path) -> dict:
    key = str(corpus)
    if key not in _MANIFESTS:
        _MANIFESTS[key] = load_manifests(corpus / "manifests")
    return _MANIFESTS[key]


def measure_corpus(
    corpus: Path,
    projects: Iterable[str] | None = None,
    budget: Budget = Budget(),
    seed: int = 0,
    workers: int | None = None,
    progress: Callable[[FileResult], None] | None = None,
    file_filter: Callable[[Path], bool] | None = None,
) -> list[FileResult]:
    """Every CRD file of the corpus (or of `projects`), in a process pool, biggest first."""
    from concurrent.futures import ProcessPoolExecutor

    wanted = set(projects) if projects else None
    files = [
        (proj, path)
        for proj, path in crd_files(corpus)
        if (wanted is None or proj in wanted) and (file_filter is None or file_filter(path))
    ]
    files.sort(key=lambda item: -item[1].stat().st_size)
    jobs = [(path, proj, corpus, budget, seed) for proj, path in files]
    workers = workers or min(2, os.cpu_count() or 1)
    results = []
    if workers <= 1:
        for job in jobs:
            results.append(_worker(job))
            if progress:
                progress(results[-1])
    else:
        import multiprocessing

        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            for item in pool.map(_worker, jobs, chunksize=1):
                results.append(item)
                if progress:
                    progress(item)
    return sorted(results, key=lambda r: (r.project, r.file))


@dataclass
class ProjectRow:
    project: str
    files: int = 0
    resources: int = 0
    tallies: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    cel: CelStats = field(default_factory=CelStats)
    errors: int = 0


def by_project(results: list[FileResult]) -> list[ProjectRow]:
    rows: dict[str, ProjectRow] = {}
    for r in results:
        row = rows.setdefault(r.project, ProjectRow(r.project))
        row.files += 1
        row.resources += r.resources
        for name, tally in r.tallies.items():
            row.tallies[name].merge(tally)
        row.cel.merge(r.cel)
        row.errors += len(r.errors)
    return [rows[k] for k in sorted(rows)]


def table(results: list[FileResult]) -> str:
    """Per project: agreement %, false accepts (FA) and false rejects (FR) per category."""
    rows = by_project(results)
    total = ProjectRow("TOTAL")
    for row in rows:
        total.files += row.files
        total.resources += row.resources
        for name, tally in row.tallies.items():
            total.tallies[name].merge(tally)
        total.cel.merge(row.cel)
        total.errors += row.errors
    head = (
        f"{'project':<31} {'res':>4} | {'manifests agree FA FR':>22} | {'mutated agree FA FR':>24} | {'synth':>7} | "
        f"{'CEL agree FA FR':>20} | {'CEL transl.':>11}"
    )
    lines = [head, "-" * len(head)]
    for row in rows + [total]:
        m, u, s, c = (row.tallies[k] for k in ("manifest", "mutated", "synthesised", "cel"))
        lines.append(
            f"{row.project:<31} {row.resources:>4} | {_cell(m, 5):>22} | {_cell(u, 6):>24} | {s.agreement:6.1f}% | "
            f"{_cell(c, 5):>20} | {row.cel.translated:>5}/{row.cel.total:<5}" + (f"  ({row.errors} errors)" if row.errors else "")
        )
    return "\n".join(lines)


def _cell(t: Tally, width: int) -> str:
    if not t.total:
        return "-"
    return f"{t.agreement:6.2f}% of {t.total:<{width}} {t.false_accepts:>3} {t.false_rejects:>3}"


def class_table(results: list[FileResult]) -> str:
    classes: dict[str, Tally] = defaultdict(Tally)
    for r in results:
        for name, tally in r.by_class.items():
            classes[name].merge(tally)
    lines = [f"{'mutation class':<20} {'n':>6} {'agree':>8} {'FA':>5} {'FR':>5}"]
    for name in sorted(classes):
        t = classes[name]
        lines.append(f"{name:<20} {t.total:>6} {t.agreement:7.2f}% {t.false_accepts:>5} {t.false_rejects:>5}")
    return "\n".join(lines)


def cel_summary(results: list[FileResult]) -> str:
    stats = CelStats()
    for r in results:
        stats.merge(r.cel)
    share = 100.0 * stats.translated / stats.total if stats.total else 100.0
    lines = [
        f"CEL rules translated {stats.translated}/{stats.total} ({share:.1f}%); evaluable by the runtime {stats.evaluable} "
        f"({stats.shimmed} through string shims); compared on instances {stats.compared} "
        f"(seen true {stats.seen_true}, seen false {stats.seen_false})",
    ]
    if stats.missing_functions:
        lines.append(
            "excluded (the runtime lacks): " + ", ".join(f"{name} x{count}" for name, count in stats.missing_functions.most_common())
        )
    return "\n".join(lines)


# ==================================================================================
# Hand-written CEL cases (tests/fixtures/cel/*.yaml)
# ==================================================================================


@dataclass
class FixtureOutcome:
    resource: str
    at: str
    rule: str
    expected: bool
    value: Any
    translated: bool = True
    evaluable: bool = True
    kcl: bool | None = None
    kcl_message: str = ""
    problems: list[str] = field(default_factory=list)
    """Faults of the fixture itself (rule not found, structurally invalid, ...)."""

    @property
    def agrees(self) -> bool:
        return self.kcl == self.expected


def schema_at(schema: dict, pointer: str) -> dict | None:
    """The schema node of the value at an instance JSON pointer."""
    node: Any = schema
    for raw in [p for p in pointer.split("/")[1:]]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict):
            return None
        if schema_kind(node) == "array" or (part.isdigit() and "items" in node):
            node = node.get("items")
        elif part in (node.get("properties") or {}):
            node = node["properties"][part]
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        else:
            return None
    return node if isinstance(node, dict) else None


def _set_at(instance: Any, pointer: str, value: Any) -> Any:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    if not parts:
        return copy.deepcopy(value)
    target = instance
    for part, following in zip(parts[:-1], parts[1:]):
        key: Any = int(part) if isinstance(target, list) else part
        if isinstance(target, list):
            while len(target) <= key:
                target.append([] if following.isdigit() else {})
        elif key not in target:
            target[key] = [] if following.isdigit() else {}
        target = target[key]
    last: Any = int(parts[-1]) if isinstance(target, list) else parts[-1]
    if isinstance(target, list):
        while len(target) <= last:
            target.append(None)
    target[last] = copy.deepcopy(value)
    return instance


def check_cel_fixture(corpus: Path | None, fixture: Path, work: Path) -> list[FixtureOutcome]:
    """Every case of the fixture, checked against the oracles and the generated KCL. Its
    CRD files are under corpus/crds, or beside the fixture when it says `crds: beside`."""
    data = yaml.load(fixture.read_text(encoding="utf-8"), Loader=_Loader)
    meta = object_meta_schema(corpus)
    if data.get("crds") == "beside":
        crd_root = fixture.parent
    elif corpus is not None:
        crd_root = corpus / "crds"
    else:
        raise ValueError(f"{fixture}: its CRDs are in the corpus, and there is none")
    modules: dict[str, GeneratedModule] = {}
    outcomes: list[FixtureOutcome] = []
    pending: dict[str, list[tuple[FixtureOutcome, dict]]] = defaultdict(list)
    resources: dict[str, tuple[Resource, dict]] = {}
    for name, spec in data["resources"].items():
        path = crd_root / spec["crd"]
        match = [r for r in crd_resources(path) if r.api_version == spec["apiVersion"] and r.kind == spec["kind"]]
        if not match:
            raise ValueError(f"fixture resource {name}: {spec['apiVersion']} {spec['kind']} is not in {spec['crd']}")
        base = {
            "apiVersion": spec["apiVersion"],
            "kind": spec["kind"],
            "metadata": {"name": "fixture", "namespace": "default"},
            **spec["base"],
        }
        resources[name] = (match[0], base)
        if spec["crd"] not in modules:
            modules[spec["crd"]] = generate(load_documents(path), work / f"module{len(modules)}")
    for case in data["cases"]:
        resource, base = resources[case["resource"]]
        spec = data["resources"][case["resource"]]
        module = modules[spec["crd"]]
        node = schema_at(resource.schema, case["at"])
        sites = [s for s in rule_sites(resource.schema) if s.node is node]
        chosen = [s for s in sites if case["rule"] in s.rule]
        structural = StructuralOracle(resource, meta)
        every_site = rule_sites(resource.schema)
        evaluable_sites = [s for s in every_site if rule_support(s.rule).evaluable]
        cel_oracle = CelOracle(resource, evaluable_sites)
        untranslated = _untranslated(module.checks)
        for expected, key in ((True, "pass"), (False, "fail")):
            for value in case.get(key) or []:
                outcome = FixtureOutcome(resource.name, case["at"], case["rule"], expected, value)
                outcomes.append(outcome)
                if len(chosen) != 1:
                    outcome.problems.append(f"the rule matches {len(chosen)} of the {len(sites)} rules at {case['at']}")
                    continue
                site = chosen[0]
                outcome.rule = site.rule
                outcome.translated = not _is_untranslated(site, resource, untranslated)
                outcome.evaluable = rule_support(site.rule).evaluable
                instance = _set_at(copy.deepcopy(base), case["at"], value)
                errors = structural.errors(instance)
                if errors:
                    outcome.problems.append("structurally invalid: " + "; ".join(errors))
                failed, unknown = cel_oracle.failures(instance)
                others = sorted({s.rule[:80] for s, _ in failed if s != site})
                if others:
                    outcome.problems.append(f"the instance also breaks other rules: {others}")
                if outcome.evaluable and site not in unknown:
                    verdict = not any(s == site for s, _ in failed)
                    if verdict != expected:
                        why = [w for s, w in failed if s == site]
                        outcome.problems.append(f"the CEL runtime says {'pass' if verdict else 'fail'} ({'; '.join(why)})")
                pending[spec["crd"] + "|" + resource.name].append((outcome, instance))
    for key, items in pending.items():
        crd, resource_name = key.split("|", 1)
        module = modules[crd]
        if module.error:
            for outcome, _ in items:
                outcome.problems.append("generation failed: " + module.error)
            continue
        runner = KclRunner(module.root, module.resources[resource_name], work / f"run-{len(outcomes)}-{abs(hash(key))}")
        for (outcome, _), verdict in zip(items, runner.verdicts([i for _, i in items])):
            outcome.kcl, outcome.kcl_message = verdict.accepted, verdict.message
    return outcomes
