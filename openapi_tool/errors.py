"""Errors that carry the file and the place they are about."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

ERROR_LIMIT = 50
"""Input errors one run prints at most; the rest are counted."""


class InputError(Exception):
    """Bad input: reported as one line naming the file and the place."""

    def __init__(self, file: str, place: str, message: str) -> None:
        super().__init__(message)
        self.file = file
        self.place = place
        self.message = message

    def __str__(self) -> str:
        where = f"{self.file}:{self.place}" if self.place else self.file
        return f"{where}: {self.message}".translate(_ONE_LINE)

    def lines(self) -> list[str]:
        """What to print: one line per problem."""
        return [str(self)]


class InputErrors(InputError):
    """Several bad inputs found in one run, each an `InputError`; `omitted` more were found
    beyond the limit. Reads as the first one where a single error is expected."""

    def __init__(self, errors: Sequence[InputError], omitted: int = 0) -> None:
        super().__init__(errors[0].file, errors[0].place, errors[0].message)
        self.errors = tuple(errors)
        self.omitted = omitted

    def __str__(self) -> str:
        return f"{self.errors[0]} (and {len(self.errors) - 1 + self.omitted} more errors)"

    def lines(self) -> list[str]:
        more = [f"... and {self.omitted} more"] if self.omitted else []
        return [str(e) for e in self.errors] + more


class ErrorCollector:
    """The input errors of one run, kept as values so that every problem is reported at once:
    `check()` runs one step (a document, a CRD, a definition) and keeps its error instead of
    stopping; `raise_any()` then raises them all. The same problem reached twice counts once."""

    def __init__(self, limit: int = ERROR_LIMIT) -> None:
        self.limit = limit
        self._found: dict[str, InputError] = {}
        self._omitted = 0

    def __len__(self) -> int:
        return len(self._found) + self._omitted

    @property
    def full(self) -> bool:
        """As many errors as are printed: a caller may stop looking."""
        return len(self) >= self.limit

    def add(self, error: InputError) -> None:
        for one in error.errors if isinstance(error, InputErrors) else (error,):
            self._found.setdefault(str(one), one)
        self._omitted += error.omitted if isinstance(error, InputErrors) else 0

    @contextmanager
    def check(self) -> Iterator[None]:
        """Run the enclosed step; an `InputError` it raises is kept and the caller goes on."""
        try:
            yield
        except InputError as error:
            self.add(error)

    def raise_any(self) -> None:
        """Raise the errors found, if any: a single one as itself, several as `InputErrors`."""
        errors = sorted(self._found.values(), key=lambda e: _natural(e.file))
        if len(errors) == 1 and not self._omitted:
            raise errors[0]
        if errors:
            raise InputErrors(errors[: self.limit], len(self) - min(len(errors), self.limit))


_ONE_LINE = {ord(c): repr(c)[1:-1] for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}
"""Every character that breaks a line (as `str.splitlines` sees it), escaped: names from the
input (a kind with a newline) must not split the one-line error."""


class UsageError(Exception):
    """The command line itself is wrong (exit code 2)."""


def describe(error: BaseException) -> str:
    """An exception in one line; an `OSError` as the path(s) and the cause."""
    if not isinstance(error, OSError):
        return str(error) or type(error).__name__
    return str(from_os_error(error)) if error.filename is not None else error.strerror or str(error)


def from_os_error(error: OSError, consequence: str = "", fallback: object = "") -> InputError:
    """An unexpected `OSError` as a one-line error naming the path (`fallback` when the
    error names none) and the cause, with what it means for the output."""
    cause = error.strerror or str(error)
    if error.filename is None:
        file = str(fallback)
    elif error.filename2 is not None:
        file = f"{error.filename} -> {error.filename2}"
    else:
        file = str(error.filename)
    return InputError(file, "", f"{cause}; {consequence}" if consequence else cause)


def _natural(text: str) -> list:
    """A sort key that puts `(document 2)` before `(document 10)`."""
    return [(int(part), "") if part.isdigit() else (-1, part) for part in re.split(r"(\d+)", text)]


class Interrupted(Exception):
    """SIGINT or SIGTERM that arrived while outputs moved into place: raised once they are
    complete, naming them, so that the message can say what is on disk."""

    def __init__(self, signal_number: int, complete: list[str]) -> None:
        super().__init__(f"signal {signal_number}")
        self.signal_number = signal_number
        self.complete = complete
