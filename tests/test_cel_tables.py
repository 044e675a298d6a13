"""The shipped CEL parser tables (openapi_tool/kcl/_cel_lalr.py) against cel-python's own parser.

If the stamp test fails after upgrading cel-python or Lark, regenerate the tables with
`python -m openapi_tool.kcl.cel_tables` (until then the tool builds the parser at run time).
"""

from __future__ import annotations

import pytest
from lark import Token, Tree

from openapi_tool.kcl import _cel_lalr, cel_tables

RULES = [
    "self.minReplicas <= self.maxReplicas",
    "has(self.spec) ? self.spec.size() > 0 : true",
    "self.all(x, x.name != '' && x.port in [80, 443])",
    "!(self.type == 'A') || has(self.a)",
    "self.exists_one(r, r.matches('^[a-z]+$')) == false",
    "size(self) <= 16 && self.map(k, self[k]).filter(v, v > 1u).size() == 0",
    "self.x / 2.5e3 - -1 % 3 >= double(self.y)",
    "{'a': b'\\x00', \"k\": [1, 2.0, null]}.a == b\"\\x00\"",
    "'''multi\nline''' + r'raw\\d' + \"\"\"x\"\"\"",
    "type(self) == google.protobuf.Any{value: true}.value",
    "self.?optional.orValue(1)",  # not CEL syntax cel-python knows: an error either way
    "self.a ==",
    "self..b",
    "'unterminated",
    "a ? b",
    "truex || falsey || true",
    "x\n  && y\n  && z.w(1,\n 2)",
]


def _shape(node):
    """A tree with every token's type, text and position and every subtree's span."""
    if isinstance(node, Token):
        return ("token", node.type, str(node), node.line, node.column, node.end_line, node.end_column)
    assert isinstance(node, Tree)
    meta = node.meta
    span = tuple(getattr(meta, k, None) for k in ("line", "column", "end_line", "end_column"))
    return (node.data, span, [_shape(child) for child in node.children])


def _outcome(parser, rule: str):
    try:
        return _shape(parser.parse(rule))
    except Exception as error:  # noqa: BLE001 - the error text is what cel.py reports
        return ("error", str(error))


@pytest.fixture(scope="module")
def celpy_parser():
    from celpy.celparser import CELParser

    saved, CELParser.CEL_PARSER = CELParser.CEL_PARSER, None
    yield CELParser()
    CELParser.CEL_PARSER = saved


def test_shipped_tables_are_for_the_installed_cel_python():
    assert _cel_lalr.STAMP == cel_tables.stamp(), (
        "cel-python or Lark changed: run `python -m openapi_tool.kcl.cel_tables` and commit _cel_lalr.py"
    )


def test_shipped_parser_is_used_when_the_stamp_matches():
    assert isinstance(cel_tables.cel_parser(), cel_tables._ShippedParser)


@pytest.mark.parametrize("rule", RULES)
def test_shipped_parser_parses_as_cel_python(rule, celpy_parser):
    shipped = cel_tables._ShippedParser(_cel_lalr.DATA, _cel_lalr.MEMO)
    assert _outcome(shipped, rule) == _outcome(celpy_parser, rule)


def test_stale_tables_fall_back_to_building_the_parser(monkeypatch, celpy_parser):
    from celpy.celparser import CELParser

    monkeypatch.setattr(_cel_lalr, "STAMP", "made for another cel-python")
    parser = cel_tables.cel_parser()
    assert isinstance(parser, CELParser)
    assert _outcome(parser, RULES[2]) == _outcome(celpy_parser, RULES[2])


def test_freshly_serialised_tables_parse_like_the_shipped_ones():
    """The generator itself: what `python -m openapi_tool.kcl.cel_tables` would write loads and agrees."""
    data, memo = cel_tables.serialised_tables()
    fresh = cel_tables._ShippedParser(data, memo)
    shipped = cel_tables._ShippedParser(_cel_lalr.DATA, _cel_lalr.MEMO)
    for rule in RULES:
        assert _outcome(fresh, rule) == _outcome(shipped, rule)
