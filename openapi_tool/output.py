"""Write a generated tree atomically, touching only files the tool generated."""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import signal
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from openapi_tool.errors import InputError, Interrupted, describe, from_os_error
from openapi_tool.staging import (
    Staging,
    commit,
    move_in,
    plan_moves,
    remove_stale,
    roll_back,
    staging_directory,
    write_journal,
)

LOCK = "openapi-tool.lock"
"""JSON record of the last run: the files it generated (so a later run may replace or
remove them, and only them) and whatever else the caller records."""


@dataclass
class WriteResult:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def _checked(relative: str) -> None:
    if not _inside(relative):
        raise ValueError(f"refusing to write outside the output directory: {relative!r}")


def _inside(relative: str) -> bool:
    """A relative path below the output directory (thousands per run: string tests where
    PurePosixPath would parse each)."""
    parts = relative.split("/")
    return not (relative.startswith("/") or ".." in parts or all(p in ("", ".") for p in parts) or "\\" in relative)


def read_lock(target: Path) -> dict[str, Any]:
    """The lock of an earlier run in `target`, or {} when there is none. One run asks for it
    several times: the parsed lock is kept while the file is the same (a new lock is a new
    file, renamed into place). Callers must not modify it."""
    path = target / LOCK
    try:
        status = path.stat()
        key = (str(path.absolute()), status.st_ino, status.st_mtime_ns, status.st_size)
        if key not in _read_locks:
            data = json.loads(path.read_bytes())
            _read_locks.clear()
            _read_locks[key] = data if isinstance(data, dict) else {}
        return _read_locks[key]
    except (OSError, ValueError):
        return {}


_read_locks: dict[tuple[str, int, int, int], dict[str, Any]] = {}
"""The lock read last, by path and file identity (see `read_lock`)."""


def previous_files(target: Path) -> list[str]:
    files = read_lock(target).get("files")
    return [f for f in files if isinstance(f, str)] if isinstance(files, (list, dict)) else []


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def holds(path: str | Path, expected: object) -> bool:
    """The file exists and its digest is `expected` (a generated file neither edited nor
    removed since the lock). Runs check thousands of small files: one read of the size
    `fstat` gives (a file that changes meanwhile fails the digest)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            data = os.read(descriptor, os.fstat(descriptor).st_size + 1)
        finally:
            os.close(descriptor)
    except OSError:
        return False
    return digest(data) == expected


def lock_text(lock: dict[str, Any]) -> str:
    """JSON with one line per entry of each top-level mapping: diffs stay readable, and the
    C encoder writes every line (an indented dump would use the slow one)."""
    lines = []
    for key in sorted(lock):
        value = lock[key]
        if isinstance(value, dict) and value:
            entries = ",\n".join(f"  {_compact(k)}: {_compact(v)}" for k, v in sorted(value.items()))
            lines.append(f" {_compact(key)}: {{\n{entries}\n }}")
        else:
            lines.append(f" {_compact(key)}: {_compact(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _compact(value: Any) -> str:
    return encode_basestring(value) if type(value) is str else _COMPACT.encode(value)


_COMPACT = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
"""One encoder for the thousands of lock entries (`json.dumps` with options makes one per
call); names and digests go straight to the C string encoder it would use."""


def write_tree(
    target: Path,
    files: Mapping[str, str],
    record: dict[str, Any] | None = None,
    force: bool = False,
    intact: dict[str, str] | None = None,
) -> WriteResult:
    """Make `target` hold `files` and a lock, all at once: either every new file and the
    new lock are in place, or `target` is exactly as it was (see `staging`).

    The lock lists the files with their digests and holds `record`. Files the tool did not
    generate are never replaced or removed; generated ones edited since the last run are
    replaced or removed only with `force`. Files in `intact` (path -> digest) are known to
    hold their text already: they are neither read nor hashed again.
    """
    for relative in files:
        _checked(relative)
    remove_stale(target)
    if target.exists() and not target.is_dir():
        raise InputError(str(target), "", "the output path exists and is not a directory")
    exists = target.is_dir()
    intact = intact if intact is not None and exists else {}
    encoded = {relative: files[relative].encode("utf-8") for relative in files if relative not in intact}
    unchanged = _unchanged(target, encoded) | set(intact) if exists else set()
    old = set(previous_files(target)) if exists else set()
    changed = sorted(set(encoded) - unchanged)
    stale = sorted(relative for relative in old - set(files) if _inside(relative))
    _refuse_unsafe(target, changed, old, stale, force)
    try:
        if not target.parent.is_dir():
            target.parent.mkdir(parents=True)
        with staging_directory(target) as stage:
            stage.new.mkdir()
            _write_all(stage.new, {relative: encoded[relative] for relative in changed})
            digests = {name: intact[name] if name in intact else digest(encoded[name]) for name in files}
            lock = {**(record or {}), "files": digests}
            (stage.new / LOCK).write_text(lock_text(lock), encoding="utf-8")
            with deferred_signals(target):
                if not exists:
                    os.rename(stage.new, target)
                    return WriteResult(written=sorted(files))
                removed = _move_in(stage, [*changed, LOCK], stale)
            return WriteResult(written=changed, unchanged=sorted(unchanged), removed=removed)
    except OSError as error:
        raise from_os_error(error, f"{target} was left as it was", target) from error


def _refuse_unsafe(target: Path, changed: list[str], old: set[str], stale: list[str], force: bool) -> None:
    """Stop before a file the tool did not generate would be replaced, or a generated one
    edited since (unless `force`)."""
    for relative in changed:
        path = target / relative
        if relative not in old and os.path.lexists(path):
            raise InputError(str(path), "", "exists and was not generated by openapi-tool; refusing to overwrite it")
        if path.is_dir() and not path.is_symlink():
            raise InputError(
                str(path), "", "is a directory where openapi-tool writes a generated file; refusing to replace it"
            )
    edited = [] if force else edited_files(target, [*changed, *stale])
    if edited:
        shown = ", ".join(edited[:10]) + (f" and {len(edited) - 10} more" if len(edited) > 10 else "")
        raise InputError(
            str(target),
            "",
            f"generated files edited since openapi-tool wrote them: {shown}; "
            "refusing to replace or remove them (--force does, losing the edits)",
        )


def edited_files(target: Path, relatives: list[str]) -> list[str]:
    """Those of `relatives` whose content differs from the digest the lock of `target` records."""
    recorded = read_lock(target).get("files")
    if not isinstance(recorded, dict):
        return []  # an old lock (a list of names) has no digests
    edited = []
    for relative in relatives:
        wrote, path = recorded.get(relative), target / relative
        if isinstance(wrote, str) and path.is_file() and not holds(path, wrote):
            edited.append(relative)
    return edited


def _move_in(stage: Staging, staged: list[str], stale: list[str]) -> list[str]:
    """Journal the moves, take them, and undo them all when one fails; the files removed."""
    journal = plan_moves(stage, staged, stale)
    write_journal(stage, journal)
    try:
        removed = move_in(stage, journal, staged)
        commit(stage)
    except BaseException as error:
        try:
            roll_back(stage, journal)
            commit(stage)
        except OSError as undo_error:
            raise InputError(
                str(stage.target),
                "",
                f"{describe(error)}; putting the previous files back failed too "
                f"({describe(undo_error)}); they are kept in {stage.root}, and the next run puts them back",
            ) from error
        raise
    return removed


def _unchanged(target: Path, encoded: dict[str, bytes]) -> set[str]:
    same = set()
    for relative, data in encoded.items():
        path = target / relative
        try:
            if path.stat().st_size == len(data) and path.read_bytes() == data:
                same.add(relative)
        except OSError:
            continue
    return same


PARALLEL_FILES = 300
"""From this many files on, a second thread creates about half of them meanwhile."""


def _write_all(root: Path, files: dict[str, bytes]) -> None:
    """Create the files in the new directory `root`. Creating a file is kernel work that a
    second thread does on the second core, in directories of its own (two threads creating
    files in one directory wait on each other in the kernel: more CPU, no less time). The
    first error is the one a single thread meets."""
    for directory in {(root / relative).parent for relative in files}:
        directory.mkdir(parents=True, exist_ok=True)
    items = list(files.items())
    half = _split_point(items)
    if half is None:
        _create(root, items)
        return
    errors: list[BaseException] = []
    later = threading.Thread(target=_create, args=(root, items[half:], errors))
    later.start()
    try:
        _create(root, items[:half])
    finally:
        later.join()
    if errors:
        raise errors[0]


def _split_point(items: list[tuple[str, bytes]]) -> int | None:
    """The cut nearest the middle of `items` with no directory on both sides, or None when
    there are too few files or no such cut leaves each side a quarter of them."""
    if len(items) < PARALLEL_FILES:
        return None
    last = {posixpath.dirname(relative): index for index, (relative, _) in enumerate(items)}
    best, reach = None, -1
    for index, (relative, _) in enumerate(items[:-1]):
        reach = max(reach, last[posixpath.dirname(relative)])
        if reach == index and (best is None or abs(index + 1 - len(items) / 2) < abs(best - len(items) / 2)):
            best = index + 1
    return best if best is not None and len(items) // 4 <= best <= len(items) - len(items) // 4 else None


def _create(root: Path, items: list[tuple[str, bytes]], errors: list[BaseException] | None = None) -> None:
    """Create each file (the fewest system calls: no Python file objects); with `errors`,
    an error ends up there instead of being raised."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    try:
        for relative, data in items:
            descriptor = os.open(os.path.join(root, relative), flags, 0o666)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(descriptor, view) :]
            finally:
                os.close(descriptor)
    except Exception as error:
        if errors is None:
            raise
        errors.append(error)


@contextmanager
def deferred_signals(output: Path) -> Iterator[None]:
    """Hold SIGINT and SIGTERM while `output` changes, then act on them: as themselves when
    the change failed (and was undone), else as `Interrupted` naming `output`, complete."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda number, frame: received.append(number)) for sig in _DEFERRED}
    try:
        yield
    except BaseException:
        _restore(previous, received)
        raise
    _restore(previous, [])
    if received:
        raise Interrupted(received[0], [str(output)])


def _restore(previous: dict[int, Any], received: list[int]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)
    if received:
        signal.raise_signal(received[0])


_DEFERRED = (signal.SIGINT, signal.SIGTERM)
