"""Find the comments of a YAML text, given where its scalars are.

A `#` starts a comment when it is at the start of a line or follows a blank, and is not
inside a scalar (quoted and block scalars may hold ` #`). The parser tells where every
scalar is; anything else on a line that starts with `#` is a comment.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Comment:
    line: int
    """0-based line in the file."""
    column: int
    text: str
    """The comment with its `#`, trailing blanks removed."""
    inline: bool
    """True when something other than blanks precedes it on its line."""


@dataclass(frozen=True)
class Span:
    """Where a scalar's text is: from (line, column) to (end_line, end_column), exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int
    block: bool = False
    """A `|` or `>` scalar: its header line may end in a comment; only the lines below are text."""


def find_comments(text: str, spans: list[Span]) -> list[Comment]:
    """Every comment in `text`, in order."""
    if "#" not in text:
        return []
    lines = text.split("\n")
    covered: dict[int, list[tuple[int, int]]] = {}
    for span in spans:
        first, last = span.line, span.end_line
        if span.block:
            first += 1
            if span.end_column == 0:
                last -= 1
            for number in range(first, last + 1):
                covered.setdefault(number, []).append((0, 1 << 30))
            continue
        for number in range(first, last + 1):
            start = span.column if number == span.line else 0
            end = span.end_column if number == span.end_line else 1 << 30
            covered.setdefault(number, []).append((start, end))
    found = []
    for number, line in enumerate(lines):
        if "#" not in line:
            continue
        ranges = covered.get(number, ())
        column = line.find("#")
        while column >= 0:
            starts_comment = column == 0 or line[column - 1] in " \t"
            if starts_comment and not any(start <= column < end for start, end in ranges):
                before = line[:column]
                found.append(Comment(number, column, line[column:].rstrip(), bool(before.strip())))
                break
            column = line.find("#", column + 1)
    return found


def document_markers(text: str) -> list[int]:
    """Lines holding a `---` document start marker."""
    if "---" not in text:
        return []
    return [
        n for n, line in enumerate(text.split("\n")) if line.startswith("---") and line[3:4] in ("", " ", "\t", "\r")
    ]
