"""Render a model as a KCL module: a `kcl.mod` and one file per schema."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import jinja2

from openapi_tool import __version__
from openapi_tool.kcl.check_context import Checks, Skipped, comment
from openapi_tool.kcl.checks import schema_checks
from openapi_tool.kcl.deprecations import field_decorator, schema_decorator
from openapi_tool.kcl.docs import attribute_doc, docstring
from openapi_tool.kcl.enums import narrow_model
from openapi_tool.kcl.layout import Placement, place_schemas
from openapi_tool.kcl.names import RESERVED_NAMES, attribute_name, declarable, identifier, string_literal
from openapi_tool.kcl.options import EXTERNAL_PACKAGE, VENDOR_DIR, Options, is_bundled
from openapi_tool.kcl.patterns import PatternChecker, all_patterns, schema_constraints
from openapi_tool.kcl.types import referenced_keys, type_expr
from openapi_tool.kcl.values import fits, literal
from openapi_tool.model import AnyType, LiteralType, Model, Primitive, Property, Schema
from openapi_tool.naming import claim
from openapi_tool.parallel import available as parallel_available
from openapi_tool.parallel import halfway, in_two
from openapi_tool.resources import bundled_meta_version, data_dir
from openapi_tool.versions import DEFAULT_MODULE_VERSION


@dataclass(frozen=True)
class RenderedModule:
    """The module's files by relative path, where each resource kind's schema is, and how
    many constraints became checks and which were kept as comments."""

    files: Mapping[str, str]
    resources: dict[str, str]
    """`"apps/v1 Deployment"` -> `"api.apps.v1.Deployment"` (package path and schema name)."""
    checks: int = 0
    skipped: tuple[Skipped, ...] = ()
    cel_rules: int = 0
    by_source: dict[str, SourceShare] = field(default_factory=dict)
    """Each source file's share of the module (what incremental regeneration keeps or replaces)."""


@dataclass
class SourceShare:
    """What the schemas defined in one source file contribute: the package directories and
    API versions (schema key prefixes) they live in, and their counts for the summary."""

    dirs: set[str] = field(default_factory=set)
    apis: set[str] = field(default_factory=set)
    schemas: int = 0
    written: int = 0
    kept: int = 0
    cel_rules: int = 0
    cel_kept: int = 0


@dataclass
class Attribute:
    name: str
    type: str
    optional: bool
    default: str | None
    decorator: str | None = None
    """`@deprecated(...)` when the spec marks the field deprecated."""


@dataclass
class SchemaView:
    name: str
    doc: str
    attributes: list[Attribute]
    index_signature: str | None
    checks: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    decorator: str | None = None
    """`@deprecated(...)` for a deprecated resource version."""


@dataclass
class FileView:
    package: str
    imports: list[tuple[str, str]]
    schema: SchemaView


def environment(templates: Path | None) -> jinja2.Environment:
    """Jinja2 environment: user templates first, the bundled ones for the rest."""
    loaders: list[jinja2.BaseLoader] = []
    if templates is not None:
        loaders.append(jinja2.FileSystemLoader(str(templates)))
    loaders.append(jinja2.FileSystemLoader(str(data_dir("templates"))))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


PARALLEL_WORK = 2_000
"""Below this much rendering work (see `_work`), one process renders every schema: a forked
child (about 10 ms to fork, pickle and unpickle) costs more than it saves. 2,000 is about
60 ms of rendering; the k8s swagger is 3,700 (105 ms, 80 ms on two cores)."""

CEL_WORK = 15
"""What translating one CEL rule costs, in properties rendered."""


@dataclass(frozen=True)
class _Context:
    """What rendering one schema needs besides the schema itself."""

    placements: dict[str, Placement]
    package_names: dict[tuple[str, ...], set[str]]
    schemas: dict[str, Schema]
    patterns: PatternChecker
    template: jinja2.Template
    k8s_module: str | None


@dataclass
class _Rendered:
    """The files and counts of a run of schemas, and the warnings held back to be given later."""

    files: dict[str, str] = field(default_factory=dict)
    resources: dict[str, str] = field(default_factory=dict)
    checks: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    cel_rules: int = 0
    by_source: dict[str, SourceShare] = field(default_factory=dict)
    vendored: bool = False
    warnings: list[str] = field(default_factory=list)


def render_module(
    model: Model,
    options: Options,
    warn: Callable[[str], None],
    progress: Callable[[int, int, str], None] = lambda done, total, what: None,
) -> RenderedModule:
    """Every file of the module, and the index of its resource schemas. A large model's later
    schemas render in a forked child meanwhile (see `parallel`)."""
    env = environment(options.templates)
    model = narrow_model(model, warn)
    placements = place_schemas(model)
    package_names: dict[tuple[str, ...], set[str]] = {}
    for placed in placements.values():
        package_names.setdefault(placed.package, set()).add(placed.name.casefold())
    patterns = PatternChecker()
    patterns.prime(all_patterns(model))
    context = _Context(
        placements, package_names, model.by_key(), patterns, env.get_template("schema.k.j2"), options.k8s_module
    )
    rules = [sum(len(c.validations) for c in schema_constraints(schema)) for schema in model.schemas]
    rendered = _render_all(list(zip(model.schemas, rules)), context, warn, progress)
    mod_template = env.get_template("kcl.mod.j2")
    files = rendered.files
    k8s_path = options.k8s_module or (f"{VENDOR_DIR}/{EXTERNAL_PACKAGE}" if rendered.vendored else None)
    if rendered.vendored:
        files[f"{VENDOR_DIR}/{EXTERNAL_PACKAGE}/kcl.mod"] = mod_template.render(
            name=string_literal(EXTERNAL_PACKAGE), version=string_literal(bundled_meta_version()), k8s_path=None
        )
    files["kcl.mod"] = mod_template.render(
        name=string_literal(options.module_name),
        version=string_literal(options.module_version or DEFAULT_MODULE_VERSION),
        k8s_path=string_literal(k8s_path) if k8s_path else None,
    )
    return RenderedModule(
        dict(sorted(files.items())),
        dict(sorted(rendered.resources.items())),
        rendered.checks,
        tuple(rendered.skipped),
        rendered.cel_rules,
        rendered.by_source,
    )


def _render_all(
    work: list[tuple[Schema, int]],
    context: _Context,
    warn: Callable[[str], None],
    progress: Callable[[int, int, str], None],
) -> _Rendered:
    """Every schema (with its number of CEL rules) rendered, in one process or in two: the
    parent renders the first share and gives its warnings at once, the child's come after."""
    total = len(work)
    split = _split_point(work)
    if split is None:
        return _render(work, context, warn, progress, total)
    _load_cel(work[:split], work[split:])
    mine, theirs = in_two(
        lambda: _render(work[:split], context, warn, progress, total),
        lambda: _render(work[split:], context, None, _no_progress, total),
        lambda: _render(work[split:], context, warn, _no_progress, total),
    )
    progress(total, total, "rendering schemas")
    for message in theirs.warnings:
        warn(message)
    return _merged(mine, theirs)


def _load_cel(first: list[tuple[Schema, int]], later: list[tuple[Schema, int]]) -> None:
    """Load the CEL translator (its modules and parser tables) before forking when both shares
    translate rules, so that it loads once instead of in each process."""
    if any(rules for _, rules in first) and any(rules for _, rules in later):
        from openapi_tool.kcl.cel import string_constants

        string_constants("self")


def _no_progress(done: int, total: int, what: str) -> None:
    """The later share's progress: the parent reports it done after the first share's."""


def _work(schema: Schema, rules: int) -> int:
    """Roughly how long rendering `schema` takes, in properties rendered."""
    return 1 + len(schema.properties) + CEL_WORK * rules


def _split_point(work: list[tuple[Schema, int]]) -> int | None:
    """Where the child's share of `work` starts (about half of the work), or None for one process."""
    if len(work) < 2 or not parallel_available():
        return None
    costs = [_work(schema, rules) for schema, rules in work]
    return halfway(costs) if sum(costs) >= PARALLEL_WORK else None


def _render(
    work: list[tuple[Schema, int]],
    context: _Context,
    warn: Callable[[str], None] | None,
    progress: Callable[[int, int, str], None],
    total: int,
) -> _Rendered:
    """`work`'s schemas rendered; with `warn` None, the warnings are held back in the result."""
    out = _Rendered()
    warn = warn or out.warnings.append
    for count, (schema, rules) in enumerate(work, 1):
        progress(count, total, "rendering schemas")
        placement = context.placements[schema.key]
        share = out.by_source.setdefault(schema.source.file, SourceShare())
        share.schemas += 1
        share.apis.add(schema.key.split(":", 1)[0])
        share.cel_rules += rules
        out.cel_rules += rules
        directory = placement.package
        if is_bundled(schema.key):
            if context.k8s_module:
                continue
            directory, out.vendored = (VENDOR_DIR, *placement.package), True
        share.dirs.add("/".join(directory))
        if schema.gvk is not None:
            out.resources[f"{schema.gvk.api_version} {schema.gvk.kind}"] = f"{placement.import_path}.{placement.name}"
        view, schema_checks_ = _file_view(
            schema,
            placement,
            context.placements,
            context.package_names[placement.package],
            context.schemas,
            context.patterns,
            warn,
        )
        out.checks += schema_checks_.translated
        out.skipped += schema_checks_.skipped
        share.written += schema_checks_.translated
        share.kept += len(schema_checks_.skipped)
        share.cel_kept += sum(1 for s in schema_checks_.skipped if s.cel)
        out.files["/".join(directory + (placement.file,))] = context.template.render(file=view, version=__version__)
    return out


def _merged(first: _Rendered, later: _Rendered) -> _Rendered:
    """`first` followed by `later`, as one run over both their schemas would give."""
    by_source = first.by_source
    for source, theirs in later.by_source.items():
        mine = by_source.setdefault(source, SourceShare())
        mine.dirs |= theirs.dirs
        mine.apis |= theirs.apis
        mine.schemas += theirs.schemas
        mine.written += theirs.written
        mine.kept += theirs.kept
        mine.cel_rules += theirs.cel_rules
        mine.cel_kept += theirs.cel_kept
    return _Rendered(
        {**first.files, **later.files},
        {**first.resources, **later.resources},
        first.checks + later.checks,
        first.skipped + later.skipped,
        first.cel_rules + later.cel_rules,
        by_source,
        first.vendored or later.vendored,
    )


def _file_view(
    schema: Schema,
    placement: Placement,
    placements: dict[str, Placement],
    package_names: set[str],
    schemas: dict[str, Schema],
    patterns: PatternChecker,
    warn: Callable[[str], None],
) -> tuple[FileView, Checks]:
    schema = _single_literals_checked(schema)
    own_names = {p.name.casefold() for p in schema.properties}

    def new_alias(candidate: str) -> str:
        """`candidate` (`corev1` for api.core.v1), numbered if the file already uses the name."""
        return claim(candidate, own_names, also_taken=(package_names, RESERVED_NAMES))

    aliases: dict[tuple[str, ...], str] = {}
    types = [p.type for p in schema.properties] + ([schema.additional] if schema.additional is not None else [])
    for key in (k for t in types for k in referenced_keys(t)):
        target = placements[key].package
        if target != placement.package and target not in aliases:
            aliases[target] = new_alias(identifier("".join(target[-2:]), "pkg"))
    regex_alias = new_alias("_regex")
    checks = schema_checks(schema, schemas, regex_alias, patterns)
    imports = sorted((".".join(pkg), alias) for pkg, alias in aliases.items())
    if checks.uses_regex:
        imports.append(("regex", regex_alias))

    def ref_name(key: str) -> str:
        target = placements[key]
        if target.package == placement.package:
            return target.name
        return f"{aliases[target.package]}.{target.name}"

    attributes, docs = [], []
    undeclarable = [p.name for p in schema.properties if not declarable(p.name)]
    if undeclarable:
        warn(
            f"{schema.source}: KCL cannot declare attributes named {undeclarable!r}; {schema.name} accepts any extra keys instead"
        )
    for prop in (p for p in schema.properties if declarable(p.name)):
        kcl_type = type_expr(prop.type, ref_name)
        default = _default(prop, schemas, schema, warn)
        optional = not prop.required or prop.nullable
        attributes.append(Attribute(attribute_name(prop.name), kcl_type, optional, default, field_decorator(prop.doc)))
        docs.append(attribute_doc(prop.name, kcl_type, default, optional, prop.doc))
    view = FileView(
        package=placement.import_path,
        imports=imports,
        schema=SchemaView(
            name=placement.name,
            doc=docstring(schema.doc, docs),
            attributes=attributes,
            index_signature="any" if undeclarable else _index_signature(schema, ref_name),
            checks=checks.lines,
            comments=[comment(s) for s in checks.skipped],
            decorator=schema_decorator(schema.deprecated),
        ),
    )
    return view, checks


def _single_literals_checked(schema: Schema) -> Schema:
    """KCL fills an absent attribute typed by a single literal with that literal, so a
    required one could never be missing: type it by its base type and check the value.
    Pinned fields (apiVersion, kind) have that literal as default anyway and stay."""
    properties = []
    for prop in schema.properties:
        if isinstance(prop.type, LiteralType) and len(prop.type.values) == 1 and not prop.has_default:
            value = prop.type.values[0]
            prop = replace(
                prop,
                type=Primitive("bool" if isinstance(value, bool) else "int" if isinstance(value, int) else "str"),
                constraints=replace(prop.constraints, enum=prop.type.values),
            )
        properties.append(prop)
    if all(new is old for new, old in zip(properties, schema.properties)):
        return schema
    return replace(schema, properties=tuple(properties))


def _default(prop: Property, schemas: dict[str, Schema], owner: Schema, warn: Callable[[str], None]) -> str | None:
    if not prop.has_default:
        return None
    if prop.default is None or not fits(prop.default, prop.type, schemas):
        warn(f"{prop.source}: default {prop.default!r} does not fit the type of {owner.name}.{prop.name}; left out")
        return None
    return literal(prop.default, indent=4)


def _index_signature(schema: Schema, ref_name: Callable[[str], str]) -> str | None:
    if schema.preserve_unknown:
        return "any"
    if schema.additional is None:
        return None
    value_type = type_expr(schema.additional, ref_name)
    if all(type_expr(p.type, ref_name) == value_type for p in schema.properties):
        return value_type
    return type_expr(AnyType(), ref_name)
