"""Instances of a resource: valid ones synthesised from the CRD schema, and mutations of them."""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .cel_oracle import escape_pointer
from .loading import Resource
from .structural import json_key, schema_kind

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
        self,
        resource: Resource,
        rng: random.Random,
        max_depth: int = 7,
        optional_share: float = 0.5,
        force: Iterable[tuple[str, ...]] = (),
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
        return {
            "name": name if re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", name or "") else "sample",
            "namespace": "default",
        }

    def value(self, node: Any, mode: str, depth: int, root: bool = False, path: tuple[str, ...] | None = None) -> Any:
        if not isinstance(node, dict):
            return "value"
        forced = (
            path is not None and any(p[: len(path)] == path and len(p) > len(path) for p in self.forced)
            if path
            else False
        )
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
            if name in exclude or (
                node.get("x-kubernetes-embedded-resource") and name in ("apiVersion", "kind", "metadata")
            ):
                continue
            sub_path = None if path is None else path + (name,)
            wanted = name in include or (sub_path is not None and sub_path in self.forced)
            wanted = wanted or (
                mode == "rich" and (root or (depth < self.max_depth and self.rng.random() < self.optional_share))
            )
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
            count = (
                1
                if (mode == "rich" and depth < self.max_depth) or (path is not None and path + ("{}",) in self.forced)
                else 0
            )
            count = max(count, low or 0)
            high = node.get("maxProperties")
            if isinstance(high, int):
                count = min(count, high)
            for index in range(count):
                out[f"key-{index + 1}"] = self.value(
                    extra, mode, depth + 1, path=None if path is None else path + ("{}",)
                )
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
            for _attempt in range(12):
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
            key = json_key([item.get(k) for k in keys])
            return any(isinstance(i, dict) and json_key([i.get(k) for k in keys]) == key for i in items)
        return any(json_key(i) == json_key(item) for i in items)

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
            elif result is DELETE:
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
        out.append(
            Mutation(
                klass, "/" + "/".join(escape_pointer(str(p)) for p in path), pointer, keyword, base, tuple(path), change
            )
        )

    def walk(value: Any, node: Any, path: list, pointer: str, root: bool = False) -> None:
        if not isinstance(node, dict) or value is None:
            return
        kind = schema_kind(node)
        if node.get("enum") and kind in ("string", "integer", "number"):
            wrong = (
                "fidelity-not-in-enum"
                if kind == "string"
                else (max([v for v in node["enum"] if isinstance(v, (int, float))] or [0]) + 7)
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
                    add("drop-required", path + [name], pointer, "required", lambda v: DELETE)
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
                                f"extra-{i}": copy.deepcopy(next(iter(v.values())))
                                if v
                                else synth.value(extra, "min", 0)
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
                sub_pointer = (
                    f"{pointer}/properties/{escape_pointer(name)}"
                    if name in props
                    else f"{pointer}/additionalProperties"
                )
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
                    lambda v: (
                        v + [synth.value(items, "min", 0) for _ in range(high + 1 - len(v))] if len(v) <= high else v
                    ),
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
        elif (
            kind in ("integer", "number", "int-or-string")
            and isinstance(value, (int, float))
            and not isinstance(value, bool)
        ):
            if isinstance(node.get("minimum"), (int, float)):
                low = node["minimum"]
                add(
                    "below-minimum",
                    path,
                    pointer,
                    "minimum",
                    lambda v: low if node.get("exclusiveMinimum") is True else low - 1,
                )
            if isinstance(node.get("maximum"), (int, float)):
                high = node["maximum"]
                add(
                    "above-maximum",
                    path,
                    pointer,
                    "maximum",
                    lambda v: high if node.get("exclusiveMaximum") is True else high + 1,
                )
            if isinstance(node.get("multipleOf"), (int, float)) and node["multipleOf"] > 0:
                step = node["multipleOf"]
                add(
                    "not-multiple",
                    path,
                    pointer,
                    "multipleOf",
                    lambda v: v + step / 2 if kind == "number" or step % 2 == 0 else v + 1,
                )
            if kind == "integer":
                add("wrong-type", path, pointer, "type", lambda v: str(v))
                add("float-for-int", path, pointer, "type", lambda v: v + 0.5)
        elif kind == "boolean" and isinstance(value, bool):
            add("wrong-type", path, pointer, "type", lambda v: "true")

    walk(base, resource.schema, [], "", root=True)
    return out


DELETE = object()


def _re_search(pattern: str, text: str) -> bool:
    try:
        return bool(re.search(pattern, text))
    except re.error:
        return True


def _length_ok(text: str, node: dict) -> bool:
    low, high = node.get("minLength"), node.get("maxLength")
    return not (isinstance(low, int) and len(text) < low) and not (isinstance(high, int) and len(text) > high)
