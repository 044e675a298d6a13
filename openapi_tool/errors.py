"""Errors that carry the file and the place they are about."""

from __future__ import annotations


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


class Interrupted(Exception):
    """SIGINT or SIGTERM that arrived while outputs moved into place: raised once they are
    complete, naming them, so that the message can say what is on disk."""

    def __init__(self, signal_number: int, complete: list[str]) -> None:
        super().__init__(f"signal {signal_number}")
        self.signal_number = signal_number
        self.complete = complete
