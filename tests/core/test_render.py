"""render: new YAML fragments in the file's own style, quoted only when they must be."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.support.text import safe_load
from wizard.core import render
from wizard.core.yamldoc import Style, parse


def reads_back(fragment: str) -> object:
    """The value of `k: <fragment>` as the wizard's parser and a YAML 1.2 loader read it."""
    text = f"k: {fragment}\n"
    ours = parse(text).root.to_python()["k"]
    theirs = safe_load(text)["k"]
    assert ours == theirs or (isinstance(ours, float) and math.isnan(ours) and math.isnan(theirs))
    return ours


def reads_back_in_flow(fragment: str) -> object:
    text = f"k: [{fragment}]\n"
    ours = parse(text).root.to_python()["k"][0]
    assert safe_load(text)["k"][0] == ours
    return ours


# ---------------------------------------------------------------------------------------------
# plain_ok


@pytest.mark.parametrize("text", [
    "my-cluster", "https://my-cluster.example.com:6443", "${SPECTROCLOUD_CLIENT_ID}", "api:kubernetes/auth-providers",
    "a:b", "a#b", "spectrocloud", "oidc", "tRUE", "multiTenant", "/path/to/ca.pem", "über", "a b", "x-",
])
def test_plain_ok_in_block_context(text):
    assert render.plain_ok(text)
    assert reads_back(text) == text


@pytest.mark.parametrize("text", [
    "", " lead", "trail ", "true", "False", "null", "~", "123", "-1", "0x1F", "0o7", "1.5", "1e3", ".inf", ".nan",
    "yes", "No", "on", "OFF", "y", "n", "1_000", "12:30", "2024-01-02", "010",
    "a: b", "key:", "#x", "a #b", "- item", "-x", "?x", ":x", "[a]", "{a}", "*alias", "&anchor", "!tag", "|", ">",
    "'q", '"q', "%p", "@x", "`x", "a\tb", "line\nbreak", "bell\x07", "nel\x85", "ls\u2028", "bom\ufeff", ",x",
])
def test_plain_not_ok(text):
    assert not render.plain_ok(text)


@pytest.mark.parametrize("text", ["${VAR}", "a:b", "a,b", "[x", "x]", "https://h:1"])
def test_flow_context_is_stricter(text):
    assert not render.plain_ok(text, flow=True)


def test_env_reference_is_plain_in_block_and_quoted_in_flow():
    assert render.scalar("${VAR}") == "${VAR}"
    assert render.scalar("${VAR}", flow=True) == "'${VAR}'"
    assert reads_back_in_flow("'${VAR}'") == "${VAR}"


# ---------------------------------------------------------------------------------------------
# scalar


@pytest.mark.parametrize("value, expected", [
    (None, "null"), (True, "true"), (False, "false"), (7, "7"), (1.5, "1.5"),
    ("true", "'true'"), ("123", "'123'"), ("", "''"), ("a: b", "'a: b'"), ("#x", "'#x'"),
    ("it's", "it's"), ("'q'", "'''q'''"), ("yes", "'yes'"), ("plain", "plain"),
    ("tab\there", '"tab\\there"'), ("nl\nx", '"nl\\nx"'), ("bell\x07", '"bell\\u0007"'),
])
def test_scalar_quotes_only_when_needed(value, expected):
    assert render.scalar(value) == expected
    assert reads_back(expected) == value


@pytest.mark.parametrize("value", ["plain", "true", "a 'b' c", 'say "hi"', "back\\slash", "x: y"])
@pytest.mark.parametrize("quote", ["'", '"'])
def test_scalar_follows_the_neighbours_quote_style(value, quote):
    out = render.scalar(value, quote)
    assert out[0] == quote and out[-1] == quote
    assert reads_back(out) == value


def test_non_string_values_ignore_the_quote_preference():
    assert render.scalar(True, "'") == "true"
    assert render.scalar(None, '"') == "null"
    assert render.scalar(3, "'") == "3"


def test_key_text():
    assert render.key_text("clientId") == "clientId"
    assert render.key_text("api:kubernetes/auth-providers") == "api:kubernetes/auth-providers"
    assert render.key_text("api:kubernetes/auth-providers", flow=True) == "'api:kubernetes/auth-providers'"
    assert render.key_text("n") == "'n'"  # a YAML 1.1 boolean
    assert render.key_text("a: b") == "'a: b'"


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None, database=None)
def test_any_string_round_trips_in_block_and_flow(text):
    assume(not yaml11_missed(text))  # see test_yaml_11_specials_are_quoted
    assert reads_back(render.scalar(text)) == text
    assert reads_back_in_flow(render.scalar(text, flow=True)) == text
    for quote in ("'", '"'):
        assert reads_back(render.scalar(text, quote)) == text


def yaml11_missed(text: str) -> bool:
    """Strings render leaves plain although YAML 1.1 readers take them for something else (fixed: render quotes them)."""
    return text in ("=", "<<") or ("_" in text and re.match(r"^[-+]?[0-9_]*\.?[0-9_]*([eE][-+]?[0-9]+)?$", text) is not None)


@pytest.mark.parametrize("value", ["=", "<<", "2.36_", "._9"])
def test_yaml_11_specials_are_quoted(value):
    assert reads_back(render.scalar(value)) == value


# The next three were bugs found by this suite (fixed since): '?' in flow scalars, C1 controls and
# U+FFFE/U+FFFF written raw, and inf/nan written as strings.
@pytest.mark.parametrize("value", ["0?", "/certs/ca?.pem"])
def test_question_mark_in_flow_scalars_reads_back(value):
    assert reads_back_in_flow(render.scalar(value, flow=True)) == value


@pytest.mark.parametrize("value", ["https://h.example.com/\x80", "a\x9fb", "x\ufffe"])
def test_non_printable_characters_are_escaped(value):
    assert reads_back(render.scalar(value)) == value


@pytest.mark.parametrize("value", [math.inf, -math.inf])
def test_special_floats_round_trip(value):
    assert reads_back(render.scalar(value)) == value
    assert math.isnan(reads_back(render.scalar(math.nan)))


# ---------------------------------------------------------------------------------------------
# flow and block fragments


def test_flow_rendering_with_and_without_spaces():
    value = {"type": "config", "clusters": [{"name": "c", "url": "https://c:6443"}], "empty": {}, "none": []}
    spaced = render.flow(value, Style(flow_spaces=True))
    tight = render.flow(value, Style(flow_spaces=False))
    assert spaced == "{ type: config, clusters: [ { name: c, url: 'https://c:6443' } ], empty: {}, none: [] }"
    assert tight == "{type: config, clusters: [{name: c, url: 'https://c:6443'}], empty: {}, none: []}"
    assert reads_back(spaced) == value and reads_back(tight) == value


def test_flow_keys_with_colons_are_quoted():
    out = render.flow({"api:kubernetes/auth-providers": False}, Style())
    assert out == "{ 'api:kubernetes/auth-providers': false }"
    assert reads_back(out) == {"api:kubernetes/auth-providers": False}


CLUSTER = {"type": "config", "clusters": [{"name": "my-cluster", "url": "https://my-cluster.example.com:6443",
                                           "authProvider": "oidc", "skipTLSVerify": True}]}


def test_block_at_two_spaces():
    out = render.key_value("clusterLocatorMethods", [CLUSTER], 2, Style())
    assert out == (
        "clusterLocatorMethods:\n"
        "    - type: config\n"
        "      clusters:\n"
        "        - name: my-cluster\n"
        "          url: https://my-cluster.example.com:6443\n"
        "          authProvider: oidc\n"
        "          skipTLSVerify: true"
    )
    assert safe_load("k:\n  " + out + "\n") == {"k": {"clusterLocatorMethods": [CLUSTER]}}


def test_block_at_four_spaces_and_non_indented_sequences():
    style = Style(indent=4, seq_indent=0, seq_offset=2)
    out = render.lines_for_pairs([("kubernetes", {"serviceLocatorMethod": {"type": "multiTenant"},
                                                  "clusterLocatorMethods": [CLUSTER]})], 0, style)
    assert out == (
        "kubernetes:\n"
        "    serviceLocatorMethod:\n"
        "        type: multiTenant\n"
        "    clusterLocatorMethods:\n"
        "    - type: config\n"
        "      clusters:\n"
        "      - name: my-cluster\n"
        "        url: https://my-cluster.example.com:6443\n"
        "        authProvider: oidc\n"
        "        skipTLSVerify: true\n"
    )
    assert parse(out).root.to_python() == {"kubernetes": {"serviceLocatorMethod": {"type": "multiTenant"},
                                                          "clusterLocatorMethods": [CLUSTER]}}


def test_sequence_items_with_a_wider_offset():
    out = render.lines_for_items([{"a": 1, "b": [2]}, "x"], 2, Style(seq_offset=4))
    assert out == "  -   a: 1\n      b:\n        -   2\n  -   x\n"
    assert safe_load("l:\n" + out) == {"l": [{"a": 1, "b": [2]}, "x"]}


def test_empty_collections_and_scalars_are_single_tokens():
    assert render.block_at({}, 4, Style()) == "{}"
    assert render.block_at([], 4, Style()) == "[]"
    assert render.key_value("guest", {}, 0, Style()) == "guest: {}"
    assert render.key_value("x", "true", 0, Style()) == "x: 'true'"
    assert render.seq_item({"api:kubernetes/auth-providers": False}, 4, Style()) == "- api:kubernetes/auth-providers: false"


def test_block_values_follow_the_quote_preference():
    out = render.lines_for_pairs([("a", "x"), ("b", True), ("c", ["y"])], 0, Style(), quote="'")
    assert out == "a: 'x'\nb: true\nc:\n  - 'y'\n"
