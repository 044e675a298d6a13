"""Read YAML and JSON input files into documents, with file and place on every error.

The one YAML reading of the tool: `StrictLoader` (YAML 1.1 scalars, dates kept as text,
no duplicate keys; in `openapi_tool.strict_yaml`, imported on first use), `decode`,
`json_value` and `yaml_error` are what `convert.read` builds its node trees with too."""

from __future__ import annotations

import fnmatch
import gc
import hashlib
import json
import marshal
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openapi_tool.errors import InputError
from openapi_tool.parallel import Forked, halfway, in_two
from openapi_tool.parallel import available as parallel_available

YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json",)

if TYPE_CHECKING:
    import yaml


def __getattr__(name: str) -> Any:
    """`StrictLoader`, imported with PyYAML when first asked for (a JSON-only run never is)."""
    if name == "StrictLoader":
        from openapi_tool.strict_yaml import StrictLoader

        return StrictLoader
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Document:
    """One parsed document of an input file (YAML streams hold several)."""

    file: str
    index: int
    data: Any
    in_stream: bool = False
    """True when the file holds several documents, so messages name this one's number."""

    @property
    def label(self) -> str:
        return document_label(self.file, self.index, self.in_stream)


def document_label(file: str, index: int, in_stream: bool) -> str:
    """How messages name a document: the file, with the document's number in a stream of several."""
    return f"{file} (document {index + 1})" if in_stream else file


@contextmanager
def collector_paused() -> Iterator[None]:
    """Parsing (and building the model) makes millions of objects and no garbage cycles; the
    cyclic collector would walk them again and again (about half of the YAML time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def yaml_error(file: str, error: yaml.YAMLError) -> InputError:
    """PyYAML's error as a one-line input error at its line and column."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    place = f"{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    return InputError(file, place, f"invalid YAML: {problem}")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {key!r}")
            seen.add(key)
    return out


def decode(file: str, raw: bytes) -> str:
    """A file's bytes as text (UTF-8, a byte order mark dropped); bad bytes name their line."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InputError(file, str(line), f"invalid UTF-8 at byte {error.start}") from None


def parse_text(file: str, raw: bytes) -> list[Document]:
    """Parse one file's bytes as JSON (when it looks like JSON) or a YAML stream."""
    text = decode(file, raw)
    with collector_paused():
        return _parse_decoded(file, text)


def json_value(file: str, text: str) -> tuple[Any] | None:
    """The value of a JSON file, as a 1-tuple; None when the text is to be read as YAML
    (it is not named `.json` and does not parse as JSON, or does not start like JSON)."""
    if not (file.endswith(JSON_SUFFIXES) or text.lstrip().startswith(("{", "["))):
        return None
    try:
        return (json.loads(text, object_pairs_hook=_no_duplicate_keys),)
    except json.JSONDecodeError as error:
        if file.endswith(JSON_SUFFIXES):
            raise InputError(file, f"{error.lineno}:{error.colno}", f"invalid JSON: {error.msg}") from None
        return None
    except ValueError as error:
        raise InputError(file, "", f"invalid JSON: {error}") from None
    except RecursionError:
        raise InputError(file, "", "invalid JSON: nested too deeply") from None


def _parse_decoded(file: str, text: str) -> list[Document]:
    as_json = json_value(file, text)
    if as_json is not None:
        return [Document(file, 0, as_json[0])]
    import yaml  # here: JSON inputs do without PyYAML

    from openapi_tool.strict_yaml import StrictLoader

    try:
        documents = list(yaml.load_all(text, Loader=StrictLoader)) or [None]  # an empty file: one empty document
        return [Document(file, index, data, len(documents) > 1) for index, data in enumerate(documents)]
    except yaml.YAMLError as error:
        raise yaml_error(file, error) from None
    except RecursionError:
        raise InputError(file, "", "invalid YAML: nested too deeply") from None


def expand_paths(
    paths: list[str], suffixes: tuple[str, ...] = YAML_SUFFIXES + JSON_SUFFIXES, exclude: tuple[str, ...] = ()
) -> list[str]:
    """Files named directly, plus matching files found recursively in directories, sorted;
    a file below a directory is left out when its path relative to that directory, or one
    of the folders on that path, matches a glob of `exclude`."""
    out: list[str] = []
    for path in paths:
        if path == "-":
            out.append(path)
        elif os.path.isdir(path):
            found = [p for p in Path(path).rglob("*") if p.is_file() and p.name.endswith(suffixes)]
            out.extend(sorted(str(p) for p in found if not excluded(p.relative_to(path).as_posix(), exclude)))
        elif os.path.exists(path):
            out.append(path)
        else:
            raise InputError(path, "", "no such file or directory")
    return out


def excluded(relative: str, globs: tuple[str, ...]) -> bool:
    """Whether a relative path (`experimental/gateway.yaml`), or a folder on it
    (`experimental`), matches one of `globs` (`*` also matches `/`)."""
    parts = relative.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    return any(fnmatch.fnmatchcase(c, g.rstrip("/")) for g in globs for c in candidates)


def read_documents(
    paths: list[str], digests: dict[str, str] | None = None, exclude: tuple[str, ...] = ()
) -> Iterator[Document]:
    """Every document of every input path (`-` reads standard input), leaving out what
    `exclude` matches below directories (see `expand_paths`).

    With `digests`, records the SHA-256 of each file read, by its name.
    """
    return _documents(expand_paths(paths, exclude=exclude), digests)


PARALLEL_BYTES = 4_000_000
"""Below this many bytes of input files, one process parses them all: a second one costs more than it saves."""

AHEAD_BYTES = 200_000
"""From this many bytes of YAML on, `reading_ahead` has a child parse the files while the caller goes on
(below, the child's start and hand-over cost about what its parsing saves)."""

_Share = tuple[bytes | list[Document], dict[str, str]]
"""Documents and digests of files: marshal data from a child, or parsed here when it failed."""


@dataclass
class _Ahead:
    """Files a forked child parses, and what the parent does meanwhile."""

    files: list[str]
    child: Forked[_Share]
    meanwhile: Callable[[list[str]], None]


_ahead: _Ahead | None = None
"""The child `reading_ahead` started, until the `read_all` it is for takes it."""


@contextmanager
def reading_ahead(
    paths: list[str], exclude: tuple[str, ...] = (), meanwhile: Callable[[list[str]], None] = lambda files: None
) -> Iterator[None]:
    """Within the block, the first `read_all` of the same files takes the documents a child
    started parsing on entry, running `meanwhile(files)` (work to overlap with the child's)
    before waiting for them. Documents, digests and errors are those of one process. Small,
    JSON or standard input is left to `read_all`, and so is a set large enough to be split
    over two processes anyway (by `read_all`, or by `halves`, which a pending child would
    keep from forking). An unused child is stopped on leaving the block."""
    global _ahead  # one pending child per process: `read_all`'s callers need not pass it along
    ahead = _start_ahead(paths, exclude, meanwhile)
    _ahead = ahead
    try:
        yield
    finally:
        _ahead = None
        if ahead is not None:
            ahead.child.cancel()


def _start_ahead(paths: list[str], exclude: tuple[str, ...], meanwhile: Callable[[list[str]], None]) -> _Ahead | None:
    try:
        files = expand_paths(paths, exclude=exclude)
        yaml_bytes = sum(os.path.getsize(path) for path in files if not path.endswith(JSON_SUFFIXES))
    except (InputError, OSError):
        return None  # read_all reports it
    if not files or "-" in files or yaml_bytes < AHEAD_BYTES or _split_point(files) is not None:
        return None  # nothing to overlap, or two processes read the files anyway
    return _Ahead(files, Forked(lambda: _packed(files)), meanwhile) if parallel_available() and _idle_core() else None


def _idle_core() -> bool:
    """Whether a core is free now: fewer tasks run (this one included) than there are CPUs.
    Reading ahead saves time only when the child runs beside this process, not in its place
    (its gain is small; on a busy machine the hand-over would cost more)."""
    try:
        with open("/proc/loadavg", encoding="ascii") as stats:
            running = int(stats.read().split()[3].partition("/")[0])
    except (OSError, ValueError, IndexError):
        return False
    return running < (os.cpu_count() or 1)


def _take_ahead(files: list[str]) -> _Ahead | None:
    """The child started for exactly `files`; a child started for other files is stopped."""
    global _ahead
    ahead, _ahead = _ahead, None
    if ahead is not None and ahead.files != files:
        ahead.child.cancel()
        return None
    return ahead


def read_all(paths: list[str], digests: dict[str, str] | None = None, exclude: tuple[str, ...] = ()) -> list[Document]:
    """The documents of `read_documents`, in the same order and with the same errors; a
    large set of files is parsed on two cores (a forked child parses the later files), and
    files `reading_ahead` started parsing are taken from its child."""
    files = expand_paths(paths, exclude=exclude)
    ahead = _take_ahead(files)
    if ahead is not None:
        documents: list[Document] = []
        more, more_digests = _from_ahead(ahead)
    else:
        split = _split_point(files)
        if split is None:
            return list(_documents(files, digests))
        documents, (more, more_digests) = in_two(
            lambda: list(_documents(files[:split], digests)),
            lambda: _packed(files[split:]),
            lambda: _with_digests(files[split:]),
        )
    if digests is not None:
        digests.update(more_digests)
    return documents + _unpacked(more)


def _from_ahead(ahead: _Ahead) -> _Share:
    """The child's documents after `meanwhile`; parsed here when the child failed, raising
    its error as one process would."""
    try:
        ahead.meanwhile(ahead.files)
        theirs = ahead.child.result()
    except BaseException:
        ahead.child.cancel()
        raise
    return theirs if theirs is not None else _with_digests(ahead.files)


def _split_point(files: list[str]) -> int | None:
    """Where the child's share of `files` starts (about half of the bytes), or None for one process."""
    if len(files) < 2 or "-" in files or not parallel_available():
        return None
    try:
        sizes = [os.path.getsize(path) for path in files]
    except OSError:
        return None  # one process reports it
    return halfway(sizes) if sum(sizes) >= PARALLEL_BYTES else None


def _with_digests(files: list[str]) -> tuple[list[Document], dict[str, str]]:
    digests: dict[str, str] = {}
    return list(_documents(files, digests)), digests


def _packed(files: list[str]) -> _Share:
    """`_with_digests(files)` as a child hands it over: the documents as marshal data (written
    and read in half the time pickle takes; parsed YAML and JSON hold only types it keeps)."""
    documents, digests = _with_digests(files)
    return marshal.dumps([(d.file, d.index, d.data, d.in_stream) for d in documents]), digests


def _unpacked(documents: bytes | list[Document]) -> list[Document]:
    if isinstance(documents, list):
        return documents
    with collector_paused():
        return [Document(*fields) for fields in marshal.loads(documents)]


def _documents(files: list[str], digests: dict[str, str] | None) -> Iterator[Document]:
    for path in files:
        if path == "-":
            raw = sys.stdin.buffer.read()
            name = "<stdin>"
        else:
            try:
                raw = Path(path).read_bytes()
            except OSError as error:
                raise InputError(path, "", error.strerror or str(error)) from None
            name = path
        if digests is not None:
            digests[name] = hashlib.sha256(raw).hexdigest()
        yield from parse_text(name, raw)
