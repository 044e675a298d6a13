"""The README's KCL example runs against the module generated from the bundled spec."""

from __future__ import annotations

import re
from pathlib import Path

import kcl_lib.api as kcl

from openapi_tool.cli import main

from .conftest import ROOT


def test_readme_kcl_example_runs(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```kcl\n(.*?)```", readme, flags=re.S)
    assert blocks, "the README has no ```kcl example"
    out = tmp_path / "out"
    assert main(["gen", "-q", "--crd", str(ROOT / "specs/crds/widgets.example.com.yaml"), "-o", str(out)]) == 0
    (out / "main.k").write_text(blocks[0], encoding="utf-8")
    api = kcl.API()
    external = api.update_dependencies(
        kcl.UpdateDependenciesArgs(manifest_path=str(out))
    ).external_pkgs  # as `kcl run` does
    result = api.exec_program(
        kcl.ExecProgramArgs(k_filename_list=[str(out / "main.k")], work_dir=str(out), external_pkgs=external)
    )
    assert result.err_message == ""
    assert "kind: Widget" in result.yaml_result and "name: web" in result.yaml_result


def test_readme_opens_with_install_and_test_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first, second = re.findall(r"```sh\n(.*?)```", readme, flags=re.S)[:2]
    assert "pip install ." in first and "openapi-tool gen" in first
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert second.strip() in ci
