"""Put a document's comments next to the KCL lines of the nodes they were next to.

An inline comment goes at the end of the last line made from a node on its source line;
a comment on a line of its own goes before the first line made from a later node, inside
any block it is indented into. An inline comment whose node is not written (apiVersion
and kind left to the schema) goes before the first line made from its line or a later one. `kcl fmt` keeps a comment after a list item on a line of
its own, so the same is done here; and it drops the blank line above a top-level
statement whose first line ends in a comment, so such a comment goes above it.
"""

from __future__ import annotations

from openapi_tool.convert.comments import Comment
from openapi_tool.convert.emit import Line


def place_comments(lines: list[Line], comments: list[Comment]) -> list[Line]:
    if not comments:
        return lines
    last_on: dict[int, int] = {}
    for index, line in enumerate(lines):
        if line.src >= 0:
            last_on[line.src] = index
    after: dict[int, list[Line]] = {}
    moved: set[int] = set()
    standalone = []
    for comment in comments:
        index = last_on.get(comment.line) if comment.inline else None
        if index is None or lines[index].indent == 0:
            standalone.append(comment)
            moved.add(id(comment))
        elif lines[index].item:
            after.setdefault(index, []).append(Line(lines[index].indent, comment.text))
        else:
            lines[index].text += " " + comment.text
    before: dict[int, list[Line]] = {}
    for comment in sorted(standalone, key=lambda c: (c.line, c.column)):
        if id(comment) in moved:
            target = next((i for i, line in enumerate(lines) if line.src >= comment.line), len(lines))
        else:
            target = next((i for i, line in enumerate(lines) if line.src > comment.line), len(lines))
        indent = lines[target].indent if target < len(lines) else 0
        while target > 0 and lines[target - 1].closes is not None and lines[target - 1].closes <= comment.column:
            target -= 1
            indent = lines[target].indent + 1
        before.setdefault(target, []).append(Line(indent, comment.text))
    out: list[Line] = []
    for index, line in enumerate(lines):
        out.extend(before.get(index, ()))
        out.append(line)
        out.extend(after.get(index, ()))
    out.extend(before.get(len(lines), ()))
    return out
