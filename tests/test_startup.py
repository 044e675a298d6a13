"""`gen` imports only what its inputs need: no PyYAML for a JSON spec, no Lark (the CEL
parser) for schemas without CEL rules. Run in a fresh interpreter, as a user's run is."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

PROBE = """\
import json, sys
from openapi_tool.cli import main
code = main(sys.argv[1:])
print(json.dumps([code, sorted({name.split(".")[0] for name in sys.modules})]))
"""


def _gen_imports(*args: str, output: Path) -> set[str]:
    """The top-level packages loaded by the end of `gen ARGS -o OUTPUT` (which must succeed)."""
    command = [sys.executable, "-c", PROBE, "gen", "-q", *args, "-o", str(output)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    code, packages = json.loads(done.stdout.splitlines()[-1])
    assert code == 0, done.stderr
    return set(packages)


def test_a_json_spec_is_generated_without_yaml_or_lark(tmp_path: Path) -> None:
    loaded = _gen_imports("--spec", str(ROOT / "specs" / "k8s" / "mini-swagger.json"), output=tmp_path / "k8s")
    assert "openapi_tool" in loaded and "jinja2" in loaded  # the probe saw the run
    assert not loaded & {"yaml", "_yaml", "lark"}


def test_a_yaml_crd_without_cel_rules_is_generated_without_lark(tmp_path: Path) -> None:
    loaded = _gen_imports("--crd", str(ROOT / "specs" / "crds" / "gadgets.v1beta1.yaml"), output=tmp_path / "out")
    assert "yaml" in loaded
    assert "lark" not in loaded
