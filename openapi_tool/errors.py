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
        return f"{where}: {self.message}"


class UsageError(Exception):
    """The command line itself is wrong (exit code 2)."""
