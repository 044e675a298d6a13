"""Lay converted documents out as `.k` files: one per input file (its documents rendered
in order by `manifests.yaml_stream`) or one per resource."""

from __future__ import annotations

from dataclasses import dataclass, field

from openapi_tool.convert.comments import Comment
from openapi_tool.convert.emit import INDENT, Line
from openapi_tool.convert.ending import GUARD

STREAM_LIMIT = 100
GUARD_NOTE = "# None last: a null document, so that kcl-lib keeps the final line break of the last string"


@dataclass
class Block:
    """A document's lines (comments placed) and its variable; comment-only when name is None."""

    lines: list[Line]
    name: str | None = None


@dataclass
class KclFile:
    path: str
    header: list[Comment] = field(default_factory=list)
    imports: dict[str, str] = field(default_factory=dict)
    """import path -> alias."""
    blocks: list[Block] = field(default_factory=list)
    guard: bool = False
    """End the stream with `None` (see `openapi_tool.convert.ending`)."""

    def text(self) -> str:
        """The file in `kcl fmt` form (which keeps no blank line after a comment that
        stands alone: the comment then heads the next statement)."""
        out: list[str] = [c.text for c in self.header]
        out.append("import manifests")
        out.extend(f"import {path} as {alias}" for path, alias in sorted(self.imports.items()))
        out.extend(block_lines(self.blocks))
        previous = self.blocks[-1] if self.blocks else None
        names = [b.name for b in self.blocks if b.name is not None]
        if previous is None or previous.name is not None:
            out.append("")
        if self.guard:
            out.append(GUARD_NOTE)
            names.append(GUARD)
        one_line = "manifests.yaml_stream([" + ", ".join(names) + "])"
        if len(one_line) <= STREAM_LIMIT:
            out.append(one_line)
        else:
            out.append("manifests.yaml_stream([")
            out.extend(INDENT + name for name in names)
            out.append("])")
        return "\n".join(out) + "\n"


def block_lines(blocks: list[Block]) -> list[str]:
    """The lines of the blocks, a blank line before each block that follows a document (a
    comment-only block heads the document after it)."""
    out: list[str] = []
    previous: Block | None = None
    for block in blocks:
        if previous is None or previous.name is not None:
            out.append("")
        out.extend(line.render() for line in block.lines)
        previous = block
    return out
