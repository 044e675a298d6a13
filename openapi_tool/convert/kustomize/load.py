"""Find and read a kustomization file, normalise its legacy fields, refuse what we do not convert."""

from __future__ import annotations

import datetime
import decimal
import functools
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from openapi_tool.convert.kustomize.errors import BuildError, Unsupported
from openapi_tool.convert.kustomize.smp import BlankNulls
from openapi_tool.loader import yaml_error

FILE_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
"""Kustomize's recognised kustomization file names (a directory may hold only one)."""

KUSTOMIZATION_VERSION = "kustomize.config.k8s.io/v1beta1"
COMPONENT_VERSION = "kustomize.config.k8s.io/v1alpha1"

_STRINGS = "[]string"
FIELD_TYPES: dict[str, str] = {
    **dict.fromkeys(("apiVersion", "kind", "namePrefix", "nameSuffix", "namespace"), "string"),
    **dict.fromkeys(("commonLabels", "commonAnnotations", "openapi"), "map[string]string"),
    **dict.fromkeys(
        ("resources", "components", "crds", "bases", "configurations", "generators", "transformers", "validators"),
        _STRINGS,
    ),
    "buildMetadata": _STRINGS,
    "patchesStrategicMerge": "[]types.PatchStrategicMerge",
    "patches": "[]types.Patch",
    "patchesJson6902": "[]types.Patch",
    "images": "[]types.Image",
    "imageTags": "[]types.Image",
    "replicas": "[]types.Replica",
    "replacements": "[]types.ReplacementField",
    "vars": "[]types.Var",
    "labels": "[]types.Label",
    "configMapGenerator": "[]types.ConfigMapArgs",
    "secretGenerator": "[]types.SecretArgs",
    "helmCharts": "[]types.HelmChart",
    "helmChartInflationGenerator": "[]types.HelmChartArgs",
    "metadata": "types.ObjectMeta",
    "generatorOptions": "types.GeneratorOptions",
    "sortOptions": "types.SortOptions",
    "helmGlobals": "types.HelmGlobals",
}
"""The fields of kustomize's Kustomization type (api/types/kustomization.go) with their Go types;
other fields are refused, and a value of the wrong JSON type too, as kustomize's decoder does."""

UNSUPPORTED_FIELDS = (
    "openapi",
    "crds",
    "helmCharts",
    "helmChartInflationGenerator",
    "helmGlobals",
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

_NUMBER_TAG = "tag:openapi-tool,2026:kustomize-number"
_GO_INT = re.compile(r"([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?(Z|[-+]\d{2}:\d{2}))|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?))?"
)


class ResourceLoader(_Loader):  # type: ignore[misc, valid-type]
    """Reads resource YAML as kustomize does (kyaml, YAML 1.2 scalars), then as kustomize writes it:
    `yes`/`on` stay strings, `0755` is octal, `1_000` and `1e3` are numbers, timestamps become
    RFC 3339 strings, and numbers come out as Go's JSON writes them, read back by `yaml.safe_load`."""

    yaml_implicit_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}


ResourceLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
ResourceLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
ResourceLoader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])
ResourceLoader.add_implicit_resolver(_NUMBER_TAG, re.compile(r"^[-+.0-9]"), list("-+.0123456789"))
ResourceLoader.add_constructor(_NUMBER_TAG, lambda loader, node: go_scalar(loader.construct_scalar(node)))


def _construct_map(loader: ResourceLoader, node: yaml.MappingNode) -> Iterator[dict[Any, Any]]:
    """A mapping, a `BlankNulls` when some value is a null written as nothing (kyaml tells those
    apart; merge keys `<<` are expanded first, a later key wins)."""
    loader.flatten_mapping(node)
    if not any(_is_blank(value) for _, value in node.value):
        yield from loader.construct_yaml_map(node)
        return
    data = BlankNulls()
    yield data
    data.update(loader.construct_mapping(node))
    last = {loader.construct_object(key): value for key, value in node.value}
    data.blank = frozenset(key for key, value in last.items() if _is_blank(value))


def _is_blank(node: yaml.Node) -> bool:
    return node.tag == "tag:yaml.org,2002:null" and node.value == ""


ResourceLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)


def go_scalar(text: str) -> Any:
    """A plain scalar starting with a digit, sign or dot, as kustomize outputs it (read back by PyYAML)."""
    special = {".inf": math.inf, "+.inf": math.inf, "-.inf": -math.inf, ".nan": math.nan}
    if text.lower() in special:
        return special[text.lower()]
    stamp = _timestamp(text)
    if stamp is not None:
        return stamp
    plain = text.replace("_", "")
    match = _GO_INT.fullmatch(plain)
    if match:
        sign, body = match.groups()
        value = int(body, 8) if len(body) > 1 and body[0] == "0" and body[1].isdigit() else int(body, 0)
        value = -value if sign == "-" else value
        if -(2**63) <= value < 2**64:
            return value
    if _YAML_FLOAT.fullmatch(plain):
        value = float(plain)
        if not math.isinf(value):
            return json_number(value)
    return text


def json_number(value: float) -> Any:
    """A float after kustomize's JSON round trip, as its YAML output reads back with `yaml.safe_load`:
    Go's JSON text, an integer again when that text is one that fits 64 bits, else Go's `%g`."""
    text = _go_float(value, json=True)
    if "." not in text and "e" not in text and -(2**63) <= int(text) < 2**64:
        return int(text)
    return yaml.safe_load(_go_float(float(text), json=False))


def _go_float(value: float, json: bool) -> str:
    """Go's shortest float text: encoding/json's (`f` unless below 1e-6 or from 1e21, `e-7` not
    `e-07`) or strconv's `g` (`e` form when the exponent is below -4 or from 6)."""
    if value == 0:
        return "0"
    sign, digits, exponent = decimal.Decimal(repr(value)).normalize().as_tuple()
    mantissa = "".join(map(str, digits))
    power = len(mantissa) + int(exponent) - 1
    use_e = (abs(value) < 1e-6 or abs(value) >= 1e21) if json else (power < -4 or power >= 6)
    minus = "-" if sign else ""
    if not use_e:
        return minus + format(decimal.Decimal(f"{mantissa}e{int(exponent)}"), "f")
    width = 1 if json else 2
    fraction = f".{mantissa[1:]}" if len(mantissa) > 1 else ""
    return f"{minus}{mantissa[0]}{fraction}e{'-' if power < 0 else '+'}{abs(power):0{width}d}"


def _timestamp(text: str) -> str | None:
    """A YAML timestamp (as kyaml parses them) as Go's JSON writes it, None for anything else."""
    match = _TIMESTAMP.fullmatch(text)
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups()[:3])
    clock = match.groups()[3:7] if match.group(4) else match.groups()[8:11] + (None,) if match.group(9) else None
    try:
        date = datetime.date(year, month, day)
    except ValueError:
        return None
    if clock is None:
        return f"{date.isoformat()}T00:00:00Z"
    hour, minute, second = (int(g) for g in clock[:3])
    fraction = match.group(7) if match.group(4) else match.group(12)
    if hour > 23 or minute > 59 or second > 59:
        return None
    digits = (fraction or "")[1:10].rstrip("0")
    zone = match.group(8) if match.group(4) else "Z"
    zone = "Z" if zone in ("Z", "+00:00", "-00:00") else zone
    return f"{date.isoformat()}T{hour:02d}:{minute:02d}:{second:02d}{'.' + digits if digits else ''}{zone}"


def output_value(value: Any) -> Any:
    """A value as it comes out of kustomize (read back by `yaml.safe_load`): floats and too large
    integers through the JSON round trip, dates as RFC 3339 strings; lists and mappings inside too."""
    if isinstance(value, dict):
        return {key: output_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [output_value(item) for item in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**64 else json_number(float(value))
    if isinstance(value, float):
        return value if math.isinf(value) or math.isnan(value) else json_number(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return _timestamp(value.isoformat().replace("+00:00", "Z")) or value.isoformat()
    return value


def load_documents(text: str) -> list[Any]:
    """Every document of a resource YAML stream, read as kustomize reads and writes values
    (a YAML alias becomes a copy of its anchor's value: changing one leaves the other)."""
    return [copy_value(document) for document in _parsed(text)]


@functools.lru_cache(maxsize=512)
def _parsed(text: str) -> tuple[Any, ...]:
    """The documents of a stream, read once per text (a base is read by every overlay that
    builds it); callers get copies."""
    return tuple(yaml.load_all(text, Loader=ResourceLoader))


def copy_value(value: Any) -> Any:
    """A copy of plain data that shares no mapping or list with it (a `BlankNulls` stays one)."""
    if isinstance(value, BlankNulls):
        copied = BlankNulls((key, copy_value(item)) for key, item in value.items())
        copied.blank = value.blank
        return copied
    if isinstance(value, dict):
        return {key: copy_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_value(item) for item in value]
    return value


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
        names = ", ".join(f"'{n}'" for n in FILE_NAMES[:-1]) + f" or '{FILE_NAMES[-1]}'"
        raise BuildError(f"unable to find one of {names} in directory '{directory}'")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.YAMLError as error:
        raise BuildError(f"invalid Kustomization: {yaml_error(str(path), error)}") from None
    if data is None:
        raise BuildError("kustomization.yaml is empty")
    if not isinstance(data, dict):
        raise BuildError(f"invalid Kustomization: cannot unmarshal {type(data).__name__} into Kustomization")
    return normalise(decode(data), directory)


def decode(data: dict[str, Any]) -> dict[str, Any]:
    """The kustomization's fields as Go's JSON decoder takes them: names matched exactly or else
    without regard to case, unknown names and values of the wrong type refused."""
    by_lower = {name.lower(): name for name in FIELD_TYPES}
    decoded: dict[str, Any] = {}
    for key, value in data.items():
        name = key if key in FIELD_TYPES else by_lower.get(str(key).lower())
        if name is None:
            raise BuildError(f'invalid Kustomization: json: unknown field "{key}"')
        _check_type(name, FIELD_TYPES[name], value)
        decoded[name] = value
    return decoded


def _check_type(field_name: str, go_type: str, value: Any) -> None:
    """BuildError with the decoder's message when `value` cannot be decoded into `go_type`."""
    if value is None:
        return
    found = json_type(value)
    if go_type.startswith("[]"):
        expected, item_type = "array", go_type[2:]
    elif go_type.startswith("map["):
        expected, item_type = "object", "string"
    else:
        expected, item_type = ("string" if go_type == "string" else "object"), ""
    if found != expected:
        raise BuildError(
            f"invalid Kustomization: json: cannot unmarshal {found} into Go struct field Kustomization.{field_name} "
            f"of type {go_type}"
        )
    items = value if expected == "array" else list(value.values()) if go_type.startswith("map[") else []
    for item in items:
        if item is not None and json_type(item) != (
            "string" if item_type in ("string", "types.PatchStrategicMerge") else "object"
        ):
            raise BuildError(
                f"invalid Kustomization: json: cannot unmarshal {json_type(item)} into Go struct field "
                f"Kustomization.{field_name} of type {item_type}"
            )


def json_type(value: Any) -> str:
    """The JSON type name Go's decoder reports for a YAML value."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string"


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
    return k


def _is_empty(k: dict[str, Any]) -> bool:
    """Kustomize's CheckEmpty: nothing but kind and apiVersion holds a value (an empty list is a value)."""
    folded = ("bases", "imageTags", "helmChartInflationGenerator")  # appended to nil: an empty list adds nothing
    return all(
        v is None or v == "" or v is False or (key in folded and v == [])
        for key, v in k.items()
        if key not in ("kind", "apiVersion")
    )


def _fold_env_source(generator: Any) -> Any:
    """A generator's legacy `envSource` becomes the last item of its `envSources`."""
    if not isinstance(generator, dict) or not generator.get("envSource"):
        return generator
    folded = {key: value for key, value in generator.items() if key != "envSource"}
    folded["envSources"] = [*(generator.get("envSources") or []), generator["envSource"]]
    return folded
