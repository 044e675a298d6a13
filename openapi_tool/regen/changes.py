"""What changed between two API surfaces, and whether it breaks existing configurations."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

_LOWER_BOUNDS = ("minimum", "min_length", "min_items", "min_properties")
_UPPER_BOUNDS = ("maximum", "max_length", "max_items", "max_properties")


@dataclass(frozen=True)
class Change:
    """One difference; `breaking` when configurations valid before may be rejected now."""

    breaking: bool
    kind: str
    where: str
    detail: str

    def to_data(self) -> dict[str, Any]:
        return asdict(self)


def compare(old: dict[str, Any], new: dict[str, Any], old_records_rules: bool = False) -> list[Change]:
    """Changes from the `old` surface to the `new` one, in a stable order.

    `old_records_rules` says the old lock recorded validation rules (`surface_rules`), so an
    old surface without any rules really had none."""
    changes: list[Change] = []
    old_resources = {v["resource"]: k for k, v in old.items() if "resource" in v}
    new_resources = {v["resource"]: k for k, v in new.items() if "resource" in v}
    for resource in sorted(old_resources.keys() - new_resources.keys()):
        changes.append(Change(True, "resource removed", resource, "the API no longer serves this kind at this version"))
    for resource in sorted(new_resources.keys() - old_resources.keys()):
        changes.append(Change(False, "resource added", resource, "new kind or version"))
    # a lock from before rules were recorded has none: adding them all is no change
    compare_rules = old_records_rules or _has_rules(old) or not _has_rules(new)
    for key in sorted(old.keys() & new.keys()):
        if old[key] != new[key]:  # equal entries have no changes; most are equal on a regeneration
            changes += _schema_changes(old[key], new[key], compare_rules)
    return changes


def _has_rules(surface: dict[str, Any]) -> bool:
    return any("rules" in item or any("rules" in p for p in item["properties"].values()) for item in surface.values())


def _rule_changes(where: str, old: list[str], new: list[str]) -> list[Change]:
    """A new validation rule may reject configurations valid before; a removed one cannot."""
    out = [Change(False, "rule removed", where, rule) for rule in old if rule not in new]
    return out + [Change(True, "rule added", where, rule) for rule in new if rule not in old]


def _schema_changes(old: dict[str, Any], new: dict[str, Any], compare_rules: bool) -> list[Change]:
    name = new["name"]
    out: list[Change] = _rule_changes(name, old.get("rules", []), new.get("rules", [])) if compare_rules else []
    old_props, new_props = old["properties"], new["properties"]
    for attr in sorted(old_props.keys() - new_props.keys()):
        out.append(
            Change(not new.get("open", False), "attribute removed", f"{name}.{attr}", f"was {old_props[attr]['type']}")
        )
    for attr in sorted(new_props.keys() - old_props.keys()):
        required = new_props[attr]["required"]
        out.append(
            Change(
                required,
                "attribute added",
                f"{name}.{attr}",
                f"{'required' if required else 'optional'} {new_props[attr]['type']}",
            )
        )
    for attr in sorted(old_props.keys() & new_props.keys()):
        out += _attribute_changes(f"{name}.{attr}", old_props[attr], new_props[attr])
        if compare_rules:
            out += _rule_changes(f"{name}.{attr}", old_props[attr].get("rules", []), new_props[attr].get("rules", []))
    return out


def _attribute_changes(where: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    out: list[Change] = []
    if old["type"] != new["type"]:
        widened = set(old["type"].split(" | ")) < set(new["type"].split(" | "))
        out.append(Change(not widened, "type changed", where, f"{old['type']} -> {new['type']}"))
    if old["required"] != new["required"]:
        out.append(
            Change(
                new["required"],
                "optional became required" if new["required"] else "required became optional",
                where,
                "",
            )
        )
    old_enum, new_enum = old.get("enum"), new.get("enum")
    if old_enum != new_enum:
        if new_enum is None:
            out.append(Change(False, "enum removed", where, "any value of the type is accepted"))
        elif old_enum is None or not set(map(repr, new_enum)) >= set(map(repr, old_enum)):
            removed = [v for v in (old_enum or []) if v not in new_enum]
            out.append(
                Change(
                    True,
                    "enum narrowed",
                    where,
                    f"no longer accepts {removed}" if removed else f"now one of {new_enum}",
                )
            )
        else:
            added = [v for v in new_enum if v not in old_enum]
            out.append(Change(False, "enum widened", where, f"also accepts {added}"))
    out += _bound_changes(where, old.get("bounds", {}), new.get("bounds", {}))
    return out


def _bound_changes(where: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    out: list[Change] = []
    for bound in sorted(old.keys() | new.keys()):
        before, after = old.get(bound), new.get(bound)
        if before == after:
            continue
        if bound == "pattern":
            tightened = after is not None
        elif before is None or after is None:
            tightened = after is not None
        elif bound in _LOWER_BOUNDS:
            tightened = after > before
        else:
            tightened = after < before
        kind = "constraint tightened" if tightened else "constraint loosened"
        out.append(Change(tightened, kind, where, f"{bound}: {before} -> {after}"))
    return out
