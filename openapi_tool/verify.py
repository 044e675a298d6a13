"""Check a generated module with the real KCL compiler (kcl-lib), one package at a time."""

from __future__ import annotations

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


def external_packages(api: object, root: Path) -> list:
    """The path dependencies named in `root/kcl.mod`, resolved for `exec_program`."""
    import kcl_lib.api as kcl

    if "[dependencies]" not in (root / "kcl.mod").read_text(encoding="utf-8"):
        return []
    result = api.update_dependencies(kcl.UpdateDependenciesArgs(manifest_path=str(root)))  # type: ignore[attr-defined]
    return list(result.external_pkgs)


def compile_module(root: Path) -> list[PackageResult]:
    """Compile every package of the module at `root`; an empty error means it compiled."""
    import kcl_lib.api as kcl

    api = kcl.API()
    root = root.resolve()
    external = external_packages(api, root)
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
