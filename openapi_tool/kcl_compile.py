"""Compile a generated module with the real KCL compiler (kcl-lib), one package at a time,
and resolve a module's path dependencies for any kcl-lib run (`convert/verify.py`, by
contrast, checks that converted files render their manifests)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from openapi_tool.staging import is_staging


@dataclass(frozen=True)
class PackageResult:
    package: str
    error: str


def kcl_files(root: Path) -> list[Path]:
    """The `.k` files of the module at `root`, leaving out any an output's staging directory
    inside it holds (a run in progress, or one killed)."""
    return sorted(p for p in root.rglob("*.k") if not any(is_staging(d) for d in p.relative_to(root).parents))


def package_dirs(root: Path) -> list[Path]:
    """Every directory under `root` that holds `.k` files (KCL checks each one alone)."""
    return sorted({p.parent for p in kcl_files(root)})


def external_packages(root: Path) -> tuple[tuple[str, str], ...]:
    """(name, absolute path) of the dependencies in `root/kcl.mod`, resolved with theirs for
    `exec_program`; plain pairs, as kcl-lib's messages do not pickle for worker processes."""
    import kcl_lib.api as kcl

    if "[dependencies]" not in (root / "kcl.mod").read_text(encoding="utf-8"):
        return ()
    found = kcl.API().update_dependencies(kcl.UpdateDependenciesArgs(manifest_path=str(root))).external_pkgs
    return tuple((p.pkg_name, str(Path(p.pkg_path).resolve())) for p in found)


def external_pkgs(packages: Iterable[tuple[str, str]]) -> list:
    """`external_packages` as kcl-lib's `ExecProgramArgs.external_pkgs` takes them."""
    import kcl_lib.api as kcl

    return [kcl.ExternalPkg(pkg_name=name, pkg_path=path) for name, path in packages]


def compile_module(root: Path) -> list[PackageResult]:
    """Compile every package of the module at `root`; an empty error means it compiled."""
    import kcl_lib.api as kcl

    api = kcl.API()
    root = root.resolve()
    external = external_pkgs(external_packages(root))
    results = []
    for directory in package_dirs(root):
        files = sorted(str(p) for p in directory.glob("*.k") if not p.name.endswith("_test.k"))  # as `import` sees it
        args = kcl.ExecProgramArgs(k_filename_list=files, work_dir=str(root), external_pkgs=external)
        try:
            error = api.exec_program(args).err_message
        except Exception as exc:  # kcl-lib raises for syntax and type errors
            error = str(exc)
        results.append(PackageResult(str(directory.relative_to(root)), error.strip()))
    return results


def format_differences(root: Path) -> list[str]:
    """Files that `kcl fmt` would change."""
    import kcl_lib.api as kcl

    api = kcl.API()
    changed = []
    for path in kcl_files(root):
        text = path.read_text(encoding="utf-8")
        formatted = api.format_code(kcl.FormatCodeArgs(source=text)).formatted
        if isinstance(formatted, bytes):
            formatted = formatted.decode("utf-8")
        if formatted != text:
            changed.append(str(path.relative_to(root)))
    return changed
