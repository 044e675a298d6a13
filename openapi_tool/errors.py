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
