"""Regeneration is all or nothing: a failure at any step, SIGKILL, SIGINT or SIGTERM leaves
either the old tree or the complete new one (user files included); stale staging
directories go; edited generated files stop gen and convert alike; OSErrors are one line."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from openapi_tool.cli import main

from .conftest import FOO_CRD as FOO
from .conftest import ROOT


def _crd(group: str, kind: str, size_type: str = "integer") -> str:
    return (
        FOO.replace("foos.x.io", f"{kind.lower()}s.{group}")
        .replace("x.io", group)
        .replace("Foo, plural: foos", f"{kind}, plural: {kind.lower()}s")
        .replace("{type: integer}", f"{{type: {size_type}}}")
    )


def _state(root: Path) -> tuple[dict[str, bytes], set[str]]:
    """Every file's bytes and every directory: what "the same tree" means here."""
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    directories = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir()}
    return files, directories


def _mtimes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


class Trees:
    """An old output (with user files) and the arguments of a run that replaces some of its
    generated files, adds some in a new directory and removes others (and their directory)."""

    def __init__(self, tmp_path: Path) -> None:
        inputs = tmp_path / "inputs"
        inputs.mkdir()
        for name, text in {
            "foo.yaml": _crd("x.io", "Foo"),
            "foo2.yaml": _crd("x.io", "Foo", "string"),
            "baz.yaml": _crd("z.io", "Baz"),
            "bar.yaml": _crd("y.io", "Bar"),
        }.items():
            (inputs / name).write_text(text, encoding="utf-8")
        self.old_args = ["gen", "-q", "--crd", str(inputs / "foo.yaml"), "--crd", str(inputs / "baz.yaml")]
        self.new_args = ["gen", "-q", "--crd", str(inputs / "foo2.yaml"), "--crd", str(inputs / "bar.yaml")]
        self.master = tmp_path / "master" / "out"
        assert main([*self.old_args, "-o", str(self.master)]) == 0
        (self.master / "main.k").write_text("# the user's own file\n", encoding="utf-8")
        (self.master / "z_io" / "notes.txt").write_text("mine, beside generated files\n", encoding="utf-8")
        self.old, self.old_mtimes = _state(self.master), _mtimes(self.master)
        expected = self.copy(tmp_path / "expected")
        assert main([*self.new_args, "-o", str(expected)]) == 0
        self.new, self.new_mtimes = _state(expected), _mtimes(expected)
        self.unchanged = {f for f in self.new[0] if self.old[0].get(f) == self.new[0][f] and f != "openapi-tool.lock"}
        # the run below replaces, adds, removes and keeps files, and removes a directory
        assert (
            "x_io/v1/foo_spec.k" in self.old[0]
            and self.old[0]["x_io/v1/foo_spec.k"] != self.new[0]["x_io/v1/foo_spec.k"]
        )
        assert "y_io/v1/bar.k" in self.new[0] and "y_io" not in self.old[1]
        assert "z_io/v1/baz.k" not in self.new[0] and "z_io/v1" not in self.new[1]
        assert "main.k" in self.unchanged and "vendor/k8s/apimachinery/pkg/apis/meta/v1/object_meta.k" in self.unchanged

    def copy(self, parent: Path) -> Path:
        """The old output at `parent/out` (same name: the module name follows it), mtimes kept."""
        return Path(shutil.copytree(self.master, parent / "out"))

    def assert_old(self, out: Path) -> None:
        assert _state(out) == self.old
        assert _mtimes(out) == self.old_mtimes

    def assert_new(self, out: Path) -> None:
        assert _state(out) == self.new
        assert {f: t for f, t in _mtimes(out).items() if f in self.unchanged} == {
            f: self.old_mtimes[f] for f in self.unchanged
        }


@pytest.fixture
def trees(tmp_path: Path) -> Trees:
    return Trees(tmp_path)


FAULTY = ("replace", "rename", "unlink", "rmdir", "mkdir")
"""Every call that creates, moves or removes a path (os.makedirs, tempfile, shutil and
pathlib go through these)."""


def test_a_failure_at_any_step_leaves_the_old_tree_or_the_new_one(
    trees: Trees, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outcomes = []
    for n in range(1, 500):
        out = trees.copy(tmp_path / f"run{n}")
        calls = [0]

        def failing(original, calls=calls, n=n):
            def call(*args, **kwargs):
                calls[0] += 1
                if calls[0] == n:
                    raise OSError(errno.EIO, "injected failure", str(args[0]))
                return original(*args, **kwargs)

            return call

        capsys.readouterr()
        with monkeypatch.context() as patch:
            for name in FAULTY:
                patch.setattr(os, name, failing(getattr(os, name)))
            code = main([*trees.new_args, "-o", str(out)])
        lines = capsys.readouterr().err.strip().splitlines()
        if code == 0:
            trees.assert_new(out)
        else:
            assert code == 1 and len(lines) == 1, (n, lines)
            assert lines[0].startswith("error: ") and "injected failure" in lines[0], lines
            assert lines[0].endswith(f"{out} was left as it was"), lines
            trees.assert_old(out)
        leftovers = [p.name for p in out.parent.iterdir() if p != out]
        if leftovers:  # only when removing the staging directory itself failed, after the run
            assert code == 0, (n, leftovers)
            for leftover in out.parent.glob(".out.openapi-tool-*"):
                if not (leftover / "owner").exists():  # emptied but for itself: removed once a minute old
                    assert not any(leftover.iterdir())
                    os.utime(leftover, (time.time() - 120, time.time() - 120))
            assert main([*trees.new_args, "-o", str(out)]) == 0
            assert [p.name for p in out.parent.iterdir()] == ["out"]
            trees.assert_new(out)
        outcomes.append(code)
        if calls[0] < n:  # the run took fewer steps than n: every step has failed once
            break
    failures = outcomes.count(1)
    assert failures > 10 and outcomes == [1] * failures + [0] * (len(outcomes) - failures), outcomes


KILL_AT = """
import os, signal, sys
from openapi_tool.cli import main
calls = 0
replace = os.replace
def killing(*args, **kwargs):
    global calls
    calls += 1
    if calls == {at}:
        os.kill(os.getpid(), signal.SIGKILL)
    return replace(*args, **kwargs)
os.replace = killing
sys.exit(main({argv!r}))
"""


def _python(script: str, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, **popen
    )


@pytest.mark.parametrize("at", [1, 4, 8])  # 8 moves in all: the last puts the new lock in
def test_a_run_killed_while_moving_files_is_undone_by_the_next_run(trees: Trees, tmp_path: Path, at: int) -> None:
    out = trees.copy(tmp_path / "work")
    killed = _python(KILL_AT.format(at=at, argv=[*trees.new_args, "-o", str(out)]), stderr=subprocess.PIPE)
    assert killed.wait(timeout=120) == -signal.SIGKILL, killed.stderr.read()
    [staging] = [p for p in out.parent.iterdir() if p != out]
    assert staging.name.startswith(".out.openapi-tool-") and (staging / "journal").is_file()
    assert _state(out) != trees.old  # half-way: some files moved
    # the next run puts the old files back first: with the old inputs nothing then needs writing
    assert main([*trees.old_args, "-o", str(out)]) == 0
    assert [p.name for p in out.parent.iterdir()] == ["out"]
    trees.assert_old(out)
    assert main([*trees.new_args, "-o", str(out)]) == 0
    trees.assert_new(out)


def test_stale_staging_directories_go_but_live_or_foreign_ones_stay(trees: Trees, tmp_path: Path) -> None:
    import fcntl

    out = trees.copy(tmp_path / "work")
    parent = out.parent

    def staging(name: str, owner: str | None, files: dict[str, str]) -> Path:
        root = parent / name
        (root / "new" / "x_io" / "v1").mkdir(parents=True)
        for relative, text in files.items():
            (root / relative).write_text(text, encoding="utf-8")
        if owner is not None:
            (root / "owner").write_text(owner, encoding="utf-8")
        return root

    mark = "openapi-tool staging directory of out; pid 1\n"
    stale = staging(".out.openapi-tool-abcd_123", mark, {"new/x_io/v1/foo_spec.k": "broken = \n"})
    live = staging(".out.openapi-tool-live0000", mark, {"new/x_io/v1/foo_spec.k": "broken = \n"})
    foreign = staging(".out.openapi-tool-mine0000", "my own notes\n", {})
    other_output = staging(".other.openapi-tool-abcdefgh", mark, {})
    starting = parent / ".out.openapi-tool-start000"  # a run between mkdtemp and naming its owner file
    (starting / "owner.new").parent.mkdir()
    (starting / "owner.new").write_text(mark, encoding="utf-8")
    died_starting = parent / ".out.openapi-tool-died0000"  # the same, a minute later
    (died_starting / "owner.new").parent.mkdir()
    (died_starting / "owner.new").write_text(mark, encoding="utf-8")
    os.utime(died_starting, (time.time() - 120, time.time() - 120))
    holder = os.open(live / "owner", os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)  # as the run that owns it does while it lives
    try:
        assert main([*trees.new_args, "-o", str(out)]) == 0
    finally:
        os.close(holder)
    assert not stale.exists() and not died_starting.exists()
    assert live.is_dir() and foreign.is_dir() and other_output.is_dir() and starting.is_dir()
    trees.assert_new(out)  # the stale directory's files never reached the output
    assert main([*trees.new_args, "-o", str(out)]) == 0  # the live one's owner has ended now
    assert not live.exists() and foreign.is_dir()


def test_compile_skips_staging_directories_inside_a_module(
    trees: Trees, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = trees.copy(tmp_path / "work")
    stale = out / "sub" / ".gen.openapi-tool-abcdefgh" / "new"
    stale.mkdir(parents=True)
    (stale / "broken.k").write_text("x = \n", encoding="utf-8")
    assert main(["compile", str(out)]) == 0


PAUSE_AT = """
import os, sys, time
from pathlib import Path
from openapi_tool import output
from openapi_tool.cli import main

go = Path({go!r})

def paused(original):
    def call(*args, **kwargs):
        if not go.exists():
            print("paused", file=sys.stderr, flush=True)
            while not go.exists():
                time.sleep(0.01)
        return original(*args, **kwargs)
    return call

if {point!r} == "staging":
    output._write_all = paused(output._write_all)
else:  # the first move into the output
    os.replace = paused(os.replace)
sys.exit(main({argv!r}))
"""


@pytest.mark.parametrize("point", ["staging", "moving"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_leaves_the_old_tree_or_the_new_one_and_says_which(
    trees: Trees, tmp_path: Path, sig: int, point: str
) -> None:
    out, go = trees.copy(tmp_path / "work"), tmp_path / "go"
    process = _python(
        PAUSE_AT.format(go=str(go), point=point, argv=[*trees.new_args, "-o", str(out)]),
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr.readline() == "paused\n"
    process.send_signal(sig)
    go.touch()
    _, err = process.communicate(timeout=120)
    what = "interrupted" if sig == signal.SIGINT else "terminated"
    assert process.returncode == 128 + sig, err
    assert [p.name for p in out.parent.iterdir()] == ["out"]
    if point == "staging":
        assert err == f"{what}; no output was changed\n"
        trees.assert_old(out)
    else:  # held until every file was in place
        assert err == f"{what}; complete and up to date: {out}; no other output was changed\n"
        trees.assert_new(out)


def _edit(path: Path) -> bytes:
    path.write_bytes(path.read_bytes() + b"# my change\n")
    return path.read_bytes()


def test_gen_stops_at_edited_generated_files_unless_forced(
    trees: Trees, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = trees.copy(tmp_path / "work")
    replaced, removed = out / "x_io" / "v1" / "foo_spec.k", out / "z_io" / "v1" / "baz.k"
    edits = {replaced: _edit(replaced), removed: _edit(removed)}
    before = _state(out)
    capsys.readouterr()
    assert main([*trees.new_args, "-o", str(out)]) == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"error: {out}: generated files edited since openapi-tool wrote them: ")
    assert "x_io/v1/foo_spec.k" in line and "z_io/v1/baz.k" in line and "--force" in line
    assert _state(out) == before and all(p.read_bytes() == text for p, text in edits.items())
    assert main([*trees.new_args, "-o", str(out), "--force"]) == 0
    assert _state(out) == trees.new


def test_convert_stops_at_edited_converted_files_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifests = tmp_path / "deploy"
    manifests.mkdir()
    (manifests / "a.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n", encoding="utf-8"
    )
    (manifests / "b.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["convert", "-q", str(manifests), "-o", str(out)]
    assert main(args) == 0
    edited = out / "a.k"
    text = _edit(edited)
    (manifests / "a.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: w}\n", encoding="utf-8"
    )
    capsys.readouterr()
    assert main(args) == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line == (
        f"error: {out}: generated files edited since openapi-tool wrote them: a.k; "
        "refusing to replace or remove them (--force does, losing the edits)"
    )
    assert edited.read_bytes() == text
    assert main([*args, "--force"]) == 0
    assert b"my change" not in edited.read_bytes() and b'"w"' in edited.read_bytes()


def test_a_directory_where_a_generated_file_goes_is_one_line_and_changes_nothing(
    trees: Trees, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = trees.copy(tmp_path / "work")
    (out / "x_io" / "v1" / "foo_spec.k").unlink()
    (out / "x_io" / "v1" / "foo_spec.k").mkdir()
    before = _state(out)
    capsys.readouterr()
    assert main([*trees.new_args, "-o", str(out)]) == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert (
        line
        == f"error: {out / 'x_io/v1/foo_spec.k'}: is a directory where openapi-tool writes a generated file; refusing to replace it"
    )
    assert _state(out) == before


@pytest.mark.parametrize("command", ["gen", "regen", "convert", "compile"])
def test_unexpected_os_errors_are_one_line_and_debug_shows_the_traceback(
    command: str, trees: Trees, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out, missing = trees.copy(tmp_path / "work"), tmp_path / "missing" / "r.md"
    if command == "gen":
        args, path, cause = (
            [*trees.new_args, "-o", str(out), "--report", str(missing)],
            missing,
            "No such file or directory",
        )
    elif command == "regen":
        project = tmp_path / "openapi-tool.yaml"
        project.write_text(f"jobs:\n  - output: {out}\n    crd: [{trees.new_args[3]}]\n", encoding="utf-8")
        args, path, cause = ["regen", str(project), "--report", str(missing)], missing, "No such file or directory"
    elif command == "convert":
        (tmp_path / "file.txt").write_text("", encoding="utf-8")
        manifest = tmp_path / "a.yaml"
        manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", encoding="utf-8")
        args, path = ["convert", "-q", str(manifest), "-o", str(tmp_path / "file.txt" / "kcl")], tmp_path / "file.txt"
        cause = f"File exists; {tmp_path / 'file.txt' / 'kcl'} was left as it was"
    else:  # a directory the compiler may not read: simulated, as the tests may run as root

        def unreadable(root: Path) -> None:
            raise PermissionError(errno.EACCES, "Permission denied", str(root / "x_io"))

        monkeypatch.setattr("openapi_tool.kcl_compile.compile_module", unreadable)
        args, path, cause = ["compile", str(out)], out / "x_io", "Permission denied"
    capsys.readouterr()
    assert main(args) == 1
    assert capsys.readouterr().err.strip().splitlines()[-1:] == [f"error: {path}: {cause}"]
    assert len(capsys.readouterr().err.strip().splitlines()) <= 1
    with pytest.raises(Exception) as raised:  # the traceback, down to the OSError
        main(["--debug", *args])
    assert isinstance(raised.value, OSError) or isinstance(raised.value.__cause__, OSError)
