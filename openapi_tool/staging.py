"""The staging directory beside an output, and the journal that moves it in all or nothing.

A run stages its new files in `.<output>.openapi-tool-XXXXXXXX/new`, beside the output
directory. Moving them in, each file it replaces or removes goes to `old/` first, and a
`journal` lists every step before the first one is taken: when any step fails, or the
process is killed (even with SIGKILL), the journal tells how to put the old files back.
The journal goes once the new lock is in place; that is the moment the new tree counts.

The owning process holds an exclusive lock on the directory's `owner` file for as long
as it lives. A later run removes (after rolling back) only staging directories whose
owner lock it can take, so it never disturbs a run still in progress.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from openapi_tool.errors import from_os_error

try:
    import fcntl
except ImportError:  # no advisory locks (Windows): stale staging directories are left alone
    fcntl = None  # type: ignore[assignment]

OWNER = "owner"
JOURNAL = "journal"
MARK = "openapi-tool staging directory"
OWNERLESS_GRACE_SECONDS = 60
"""A staging directory without its owner file, younger than this, may be a run starting up."""


def _prefix(target: Path) -> str:
    return f".{target.name}.openapi-tool-"


def is_staging(path: Path) -> bool:
    """Whether `path` is named as a staging directory of some output (tools walking
    directories skip those)."""
    return re.fullmatch(r"\..+\.openapi-tool-[a-z0-9_]{8}", path.name) is not None


@dataclass
class Journal:
    """The moves of one update, known before the first one: enough to undo any prefix of them."""

    replace: list[str]
    """Files of the output replaced by staged ones (the lock last, when it exists)."""
    create: list[str]
    """Staged files that are new to the output (the lock last, when it is new)."""
    remove: list[str]
    """Files of the output that go away."""
    directories: list[str]
    """Directories made for new files, parents first."""


@dataclass
class Staging:
    root: Path
    target: Path

    @property
    def new(self) -> Path:
        return self.root / "new"

    @property
    def old(self) -> Path:
        return self.root / "old"


@contextmanager
def staging_directory(target: Path) -> Iterator[Staging]:
    """A new staging directory beside `target`, owned (locked) by this process until the
    end of the block, then removed unless a failed rollback left the journal in it."""
    root = Path(tempfile.mkdtemp(prefix=_prefix(target), dir=target.parent))
    try:
        owner = _take_ownership(root, target)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    try:
        yield Staging(root, target)
    finally:
        if not (root / JOURNAL).exists():
            _discard(root)
        os.close(owner)


def _discard(root: Path) -> None:
    """Remove a staging directory, its owner file last (until then a later run can tell whose
    it is); what a failure leaves, a later run removes."""
    try:
        for entry in root.iterdir():
            if entry.name != OWNER:
                shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else os.unlink(entry)
        os.unlink(root / OWNER)
        os.rmdir(root)
    except OSError:
        pass


def _take_ownership(root: Path, target: Path) -> int:
    """Lock a new owner file before it appears under its name: a run sweeping stale
    directories finds it locked from the first moment it can see it."""
    pending = root / f"{OWNER}.new"
    descriptor = os.open(pending, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        os.write(descriptor, f"{MARK} of {target}; pid {os.getpid()}\n".encode())
        os.rename(pending, root / OWNER)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def remove_stale(target: Path) -> None:
    """Remove the staging directories of `target` left by runs that died, after putting
    back the old files of one killed while moving files in. A directory whose owner still
    runs stays."""
    if fcntl is None or not target.parent.is_dir():
        return
    for candidate in target.parent.iterdir():
        if (
            candidate.name.startswith(_prefix(target))
            and is_staging(candidate)
            and candidate.is_dir()
            and not candidate.is_symlink()
        ):
            _remove_if_abandoned(candidate, target)


def _remove_if_abandoned(root: Path, target: Path) -> None:
    try:
        descriptor = os.open(root / OWNER, os.O_RDWR)
    except FileNotFoundError:
        # killed before its owner file had its name (or after it went), or a run starting now
        pending = root / f"{OWNER}.new"
        if time.time() - root.stat().st_mtime > OWNERLESS_GRACE_SECONDS and {e.name for e in root.iterdir()} <= {
            pending.name
        }:
            pending.unlink(missing_ok=True)
            root.rmdir()
        return
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # its run is alive
        if not os.read(descriptor, 200).decode("utf-8", "replace").startswith(MARK):
            return  # not ours after all
        staging = Staging(root, target)
        journal = read_journal(staging)
        if journal is not None:
            try:
                roll_back(staging, journal)
                os.unlink(root / JOURNAL)
            except OSError as error:
                raise from_os_error(
                    error, f"could not put back the files of an interrupted run (kept in {root})", root
                ) from error
        _discard(root)
    finally:
        os.close(descriptor)


def plan_moves(staging: Staging, staged: list[str], remove: list[str]) -> Journal:
    """The journal for moving the `staged` files (relative paths, the lock last) into the
    output and removing `remove` from it."""
    target = staging.target
    replace = [r for r in staged if os.path.lexists(target / r)]
    create = [r for r in staged if not os.path.lexists(target / r)]
    directories: set[Path] = set()
    for relative in create:
        parent = (target / relative).parent
        while parent != target and not os.path.lexists(parent):
            directories.add(parent)
            parent = parent.parent
    ordered = sorted(directories, key=lambda d: len(d.parts))
    return Journal(replace, create, remove, [d.relative_to(target).as_posix() for d in ordered])


def write_journal(staging: Staging, journal: Journal) -> None:
    pending = staging.root / f"{JOURNAL}.new"
    pending.write_text(json.dumps(asdict(journal)), encoding="utf-8")
    os.rename(pending, staging.root / JOURNAL)


def read_journal(staging: Staging) -> Journal | None:
    try:
        data = json.loads((staging.root / JOURNAL).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return Journal(**data)


def move_in(staging: Staging, journal: Journal, staged: list[str]) -> list[str]:
    """Take every step of `journal`: new directories, each staged file (an existing one to
    `old/` first), the removals, and last the last staged file (the lock); the files
    removed are returned. The caller undoes a failure with `roll_back`."""
    target = staging.target
    for directory in journal.directories:
        os.mkdir(target / directory)
    *files, lock = staged
    existing = set(journal.replace)
    for relative in files:
        _put(staging, relative, relative in existing)
    removed = []
    for relative in journal.remove:
        path = target / relative
        if path.is_file():
            _move(path, staging.old / relative)
            removed.append(relative)
            _remove_empty_parents(path.parent, target)
    _put(staging, lock, lock in existing)
    return removed


def _put(staging: Staging, relative: str, replacing: bool) -> None:
    if replacing:
        _move(staging.target / relative, staging.old / relative)
    os.replace(staging.new / relative, staging.target / relative)


def commit(staging: Staging) -> None:
    """The new tree is complete: forget how to undo it."""
    os.unlink(staging.root / JOURNAL)


def roll_back(staging: Staging, journal: Journal) -> None:
    """Undo whatever prefix of `journal` was taken: put every file kept in `old/` back,
    take out the new files that were moved in, and remove the directories made for them."""
    target = staging.target
    for relative in reversed(journal.remove + journal.replace):
        if os.path.lexists(staging.old / relative):
            _move(staging.old / relative, target / relative)
    for relative in reversed(journal.create):
        if not os.path.lexists(staging.new / relative) and os.path.lexists(target / relative):
            os.unlink(target / relative)
    for directory in reversed(journal.directories):
        try:
            os.rmdir(target / directory)
        except FileNotFoundError:
            continue
        except OSError as error:
            if error.errno not in _NOT_EMPTY:
                raise
            # something else is in it now: leave it


def _move(source: Path, destination: Path) -> None:
    """Rename, making the destination's parent directories first."""
    if not destination.parent.is_dir():
        os.makedirs(destination.parent)
    os.replace(source, destination)


def _remove_empty_parents(directory: Path, root: Path) -> None:
    while directory != root and root in directory.parents:
        try:
            os.rmdir(directory)
        except OSError as error:
            if error.errno in _NOT_EMPTY:
                return
            raise
        directory = directory.parent


_NOT_EMPTY = (errno.ENOTEMPTY, errno.EEXIST)
