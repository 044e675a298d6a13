"""KCL naming and escaping rules."""

from __future__ import annotations

import pytest

from openapi_tool.kcl.names import attribute_name, package_part, schema_name, snake_case, string_literal


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("replicas", "replicas"),
        ("type", "$type"),
        ("if", "$if"),
        ("import", "$import"),
        ("check", "$check"),
        ("a-b", '"a-b"'),
        ("a.b", '"a.b"'),
        ("1abc", '"1abc"'),
        ("", '""'),
        ("$ref", '"$ref"'),
        ('x"y', '"x\\"y"'),
    ],
)
def test_attribute_names(name: str, expected: str) -> None:
    assert attribute_name(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Deployment", "Deployment"),
        ("ListenerProtocol", "ListenerProtocolSchema"),
        ("FooMixin", "FooMixinSchema"),
        ("str", "Str"),
        ("None", "NoneSchema"),
        ("9lives", "S9lives"),
        ("foo-bar", "Foo_bar"),
        ("", "Schema"),
    ],
)
def test_schema_names(name: str, expected: str) -> None:
    assert schema_name(name) == expected


def test_package_parts_and_files() -> None:
    assert package_part("cert-manager.io") == "cert_manager_io"
    assert package_part("kube-aggregator") == "kube_aggregator"
    assert package_part("if") == "if_"
    assert snake_case("StatefulSetSpec") == "stateful_set_spec"
    assert snake_case("APIService") == "api_service"


def test_string_literals_escape_what_kcl_would_interpret() -> None:
    assert string_literal("${HOME}") == '"\\x24{HOME}"'
    assert string_literal("${") == '"\\x24{"'
    assert string_literal("$(VAR)") == '"$(VAR)"'
    assert string_literal('a"b\\c\nd\te') == '"a\\"b\\\\c\\nd\\te"'
    assert string_literal("\x01") == '"\\u0001"'


def test_no_generated_file_is_a_kcl_test_file() -> None:
    from openapi_tool.kcl.names import file_stem

    assert file_stem("HelmReleaseSpecTest") == "helm_release_spec_test_schema"
    assert file_stem("Testing") == "testing"
