"""Docstrings in the layout KCL's doc tools read, safe for any description text."""

from __future__ import annotations

import re

_INDENT = "    "


_QUOTE_RUN = re.compile(r'"(?=")|(?<=")"|"\Z')


def escape_doc(text: str) -> str:
    """Text for inside a `\"\"\"` string: no escape, quote run or `${` can end or alter it."""
    text = text.replace("\\", "\\\\").replace("${", "\\x24{").replace("\t", "\\t")
    if '""' in text or text.endswith('"'):  # what the pattern can match; rare in real text
        text = _QUOTE_RUN.sub(r'\\"', text)
    if text.replace("\n", "").isprintable():
        return text
    return "".join(c if c == "\n" or c.isprintable() else _code(c) for c in text)


def _code(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _lines(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    return [line.rstrip() for line in text.split("\n")] if text.strip() else []


def attribute_doc(name: str, type_expr: str, default: str | None, optional: bool, doc: str) -> list[str]:
    """The lines describing one attribute under `Attributes`."""
    head = f"{name} : {type_expr}, default is {default if default is not None else 'Undefined'}, {'optional' if optional else 'required'}"
    return [head] + [_INDENT + line if line else "" for line in _lines(doc)]


def docstring(summary: str, attributes: list[list[str]]) -> str:
    """The whole docstring, indented for a schema body, quotes included."""
    lines = _lines(summary)
    if attributes:
        if lines:
            lines.append("")
        lines += ["Attributes", "----------"]
        for attribute in attributes:
            lines += attribute
    body = escape_doc("\n".join(lines))
    indented = "\n".join(_INDENT + line if line else "" for line in body.split("\n"))
    return f'{_INDENT}"""\n{indented}\n{_INDENT}"""'
