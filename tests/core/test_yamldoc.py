"""yamldoc: the positioned YAML tree the patch engine splices against."""

from __future__ import annotations

import math

import pytest

from tests.support.configs import CREATE_APP_CONFIG
from tests.support.text import safe_load
from wizard.core.yamldoc import YamlSyntaxError, parse, plain_scalar_value, walk


def src(doc, node) -> str:
    return doc.text[node.start: node.end]


# ---------------------------------------------------------------------------------------------
# positions


def test_scalar_positions_slice_back_to_their_source_text():
    text = "app:\n  title: 'Quoted'\n  baseUrl: http://localhost:3000\n  n: \"dq\"  # c\n"
    doc = parse(text)
    app = doc.root.get("app")
    k, v = app.pair("title")
    assert (src(doc, k), src(doc, v)) == ("title", "'Quoted'")
    assert (k.line, k.col, v.line, v.col) == (1, 2, 1, 9)
    assert v.value == "Quoted" and v.style == "'"
    v = app.get("baseUrl")
    assert src(doc, v) == "http://localhost:3000" and v.style == ""
    v = app.get("n")
    assert src(doc, v) == '"dq"' and v.style == '"'


def test_flow_collections_end_exactly_and_block_collections_end_at_last_child():
    text = "a: [x, y]  # c\nb: { k: v }\nc:\n  d: 1\n  e: 2\n\n# trailing\n"
    doc = parse(text)
    assert src(doc, doc.root.get("a")) == "[x, y]"
    assert src(doc, doc.root.get("b")) == "{ k: v }"
    c = doc.root.get("c")
    assert src(doc, c) == "d: 1\n  e: 2"
    assert doc.root.get("a").flow and not c.flow


def test_offsets_are_character_offsets_with_non_ascii_text():
    text = "a: é€😀\nb: x\n# ünïcödé\nc:\n  ключ: значение\n"
    doc = parse(text)
    assert src(doc, doc.root.get("a")) == "é€😀"
    k, v = doc.root.pair("b")
    assert src(doc, k) == "b" and src(doc, v) == "x"
    k, v = doc.root.get("c").pair("ключ")
    assert src(doc, k) == "ключ" and src(doc, v) == "значение"
    assert (k.line, k.col) == (4, 2)


def test_bom_is_counted_in_offsets_but_not_in_columns():
    text = "\ufeffapp:\n  title: x\n"
    doc = parse(text)
    assert doc.bom == 1
    k, v = doc.root.pair("app")
    assert k.start == 1 and src(doc, k) == "app"
    assert (k.line, k.col) == (0, 0)
    assert src(doc, v.get("title")) == "x"
    assert doc.root.to_python() == {"app": {"title": "x"}}


def test_crlf_positions_lines_and_newline_style():
    text = "a: 1\r\nb:\r\n  c: [x, y]\r\n  d: 'q'\r\n"
    doc = parse(text)
    assert doc.style.newline == "\r\n"
    c = doc.root.get("b").get("c")
    assert src(doc, c) == "[x, y]" and (c.line, c.col) == (2, 5)
    d = doc.root.get("b").get("d")
    assert src(doc, d) == "'q'"
    assert doc.line_of(d.start) == 3
    assert doc.line_start(d.start) == text.index("  d:")
    assert text[doc.line_end(d.start) - 2: doc.line_end(d.start)] == "\r\n"
    assert doc.root.to_python() == {"a": 1, "b": {"c": ["x", "y"], "d": "q"}}


def test_line_helpers_at_end_of_file_without_newline():
    text = "a: 1\nb: 2"
    doc = parse(text)
    b = doc.root.get("b")
    assert doc.line_of(b.start) == 1
    assert doc.line_end(b.start) == len(text)
    assert doc.line_starts == [0, 5]


def test_empty_value_versus_explicit_null():
    doc = parse("a:\nb: ~ # note\nc: null\nd: ''\n")
    a, b, c, d = (doc.root.get(k) for k in "abcd")
    assert a.is_empty_value() and a.is_null() and a.start == a.end
    assert b.is_null() and not b.is_empty_value() and src(doc, b) == "~"
    assert c.is_null() and not c.is_empty_value()
    assert not d.is_null() and d.to_python() == ""


def test_keys_get_pair_and_node_at():
    doc = parse(CREATE_APP_CONFIG)
    assert doc.root.keys()[:3] == ["app", "organization", "backend"]
    assert doc.node_at(["backend", "listen", "port"]).to_python() == 7007
    assert doc.node_at(["backend", "listen", "nope"]) is None
    assert doc.node_at(["app", "title", "deeper"]) is None
    assert doc.value_at(["auth", "providers", "guest"]) == {}
    assert doc.node_at(["kubernetes"]).is_empty_value()
    assert doc.value_at(["backend", "csp", "connect-src"]) == ["'self'", "http:", "https:"]


def test_walk_visits_every_node_in_document_order():
    doc = parse("a: [1, {b: 2}]\nc: d\n")
    scalars = [n.value for n in walk(doc.root) if n.kind == "scalar"]
    assert scalars == ["a", "1", "b", "2", "c", "d"]


def test_parse_agrees_with_a_yaml_12_loader_on_the_create_app_config():
    assert parse(CREATE_APP_CONFIG).root.to_python() == safe_load(CREATE_APP_CONFIG)


# ---------------------------------------------------------------------------------------------
# duplicate keys


def test_duplicate_keys_are_recorded_with_one_based_line_and_column():
    doc = parse("app:\n  title: x\n  baseUrl: y\n  title: z\n")
    assert doc.duplicates == [("title", 4, 3)]


def test_duplicate_top_level_key_and_duplicate_in_flow_map_and_sequence_item():
    doc = parse("a: 1\nb: {k: 1, k: 2}\nl:\n  - n: 1\n    n: 2\na: 3\n")
    found = sorted(doc.duplicates, key=lambda d: d[1])
    assert [(k, line) for k, line, _ in found] == [("k", 2), ("n", 5), ("a", 6)]


@pytest.mark.parametrize("text", ["true: 1\nTrue: 2\n", "null: 1\n~: 2\n", "1: a\n0x1: b\n"])
def test_keys_equal_after_yaml_12_resolution_are_duplicates(text):
    assert len(parse(text).duplicates) == 1


@pytest.mark.parametrize("text", ["1: a\n'1': b\n", "yes: a\ntrue: b\n", "a: 1\nA: 2\n"])
def test_keys_that_differ_after_resolution_are_not_duplicates(text):
    assert parse(text).duplicates == []


def test_merge_key_is_an_ordinary_key_in_yaml_12():
    doc = parse("base: &b {x: 1}\nuse:\n  <<: *b\n  y: 2\n")
    assert doc.root.to_python()["use"] == {"<<": {"x": 1}, "y": 2}
    assert parse("<<: 1\n<<: 2\n").duplicates == [("<<", 2, 1)]


# ---------------------------------------------------------------------------------------------
# YAML 1.2 core schema


@pytest.mark.parametrize("plain, expected", [
    ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"), ("y", "y"), ("N", "N"), ("Yes", "Yes"),
    ("true", True), ("True", True), ("TRUE", True), ("false", False), ("tRUE", "tRUE"),
    ("", None), ("~", None), ("null", None), ("Null", None), ("NULL", None), ("nULL", "nULL"),
    ("0", 0), ("-12", -12), ("+7", 7), ("017", 17), ("0o17", 15), ("0x1F", 31), ("0b11", "0b11"),
    ("1_000", "1_000"), ("1.5", 1.5), ("-.5", -0.5), ("1e3", 1000.0), (".inf", math.inf), ("-.Inf", -math.inf),
    ("12:30", "12:30"), ("2024-01-02", "2024-01-02"), ("${VAR}", "${VAR}"), ("0x", "0x"),
])
def test_plain_scalar_resolution_is_yaml_12_core(plain, expected):
    assert plain_scalar_value(plain) == expected
    if plain:
        doc = parse(f"k: {plain}\n")
        assert doc.root.to_python() == {"k": expected}


def test_nan_resolves_to_nan():
    assert math.isnan(plain_scalar_value(".nan"))


def test_quoted_and_tagged_scalars_stay_strings():
    doc = parse("a: '123'\nb: \"true\"\nc: !!str 12\nd: 'yes'\ne: |\n  7\n")
    assert doc.root.to_python() == {"a": "123", "b": "true", "c": "12", "d": "yes", "e": "7\n"}


def test_aliases_resolve_to_the_anchored_node():
    doc = parse("x: &anc\n  k: v\ny: *anc\nz: &s plain\nw: *s\n")
    y = doc.root.get("y")
    assert y.kind == "alias" and y.value == "anc" and y.resolved is doc.root.get("x")
    assert doc.root.to_python() == {"x": {"k": "v"}, "y": {"k": "v"}, "z": "plain", "w": "plain"}
    assert doc.node_at(["y", "k"]).value == "v"
    assert doc.root.get("x").anchor == "anc"


# ---------------------------------------------------------------------------------------------
# document markers and errors


def test_document_markers_are_recorded():
    doc = parse("---\na: 1\n...\n")
    assert doc.doc_start_marker is True
    assert doc.doc_end == doc.text.index("...")
    doc = parse("a: 1\n")
    assert doc.doc_start_marker is False and doc.doc_end is None


@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n"])
def test_empty_documents_have_no_root(text):
    assert parse(text).root is None


@pytest.mark.parametrize("text, line, column", [
    ("a: 1\n---\nb: 2\n", 2, 1),
    ("a:\n\tb: 1\n", 2, 1),
    ("a: [1, 2\nb: 3\n", 2, 2),
    ("a: *missing\n", 1, 4),
    ("a:\n  b: c: d\n", 2, 7),
])
def test_syntax_errors_carry_one_based_line_and_column(text, line, column):
    with pytest.raises(YamlSyntaxError) as info:
        parse(text)
    assert (info.value.line, info.value.column) == (line, column)
    assert str(info.value).startswith(f"line {line}, column {column}: ")


def test_nul_bytes_and_absurd_nesting_are_refused():
    with pytest.raises(YamlSyntaxError, match="NUL"):
        parse("a: 1\n\x00")
    with pytest.raises(YamlSyntaxError, match="400 levels"):
        parse("a: " + "[" * 500 + "]" * 500 + "\n")


def test_non_ascii_error_column_counts_characters():
    with pytest.raises(YamlSyntaxError) as info:
        parse("äää: ööö: x\n")
    assert (info.value.line, info.value.column) == (1, 9)


def test_flow_plain_scalars_with_colons_are_valid_yaml_12():
    # was a bug (found by this suite): libyaml (YAML 1.1) refused these; Backstage's loader accepts them
    doc = parse("app:\n  extensions: [page:catalog]\nurls: [http://a.example.com]\n")
    assert doc.root.to_python() == {"app": {"extensions": ["page:catalog"]}, "urls": ["http://a.example.com"]}
    assert safe_load(doc.text) == doc.root.to_python()


# ---------------------------------------------------------------------------------------------
# style detection


def test_style_of_the_create_app_config():
    st = parse(CREATE_APP_CONFIG).style
    assert (st.newline, st.indent, st.seq_indent, st.seq_offset) == ("\n", 2, 2, 2)
    assert st.flow_spaces is False  # more `[a, b]` than `{ port: 7007 }` in that file
    assert st.top_level_blank_lines is True


def test_four_space_indentation_is_detected():
    st = parse("a:\n    b:\n        c: 1\n    l:\n        - x: 1\n          y: 2\n").style
    assert st.indent == 4 and st.seq_indent == 4 and st.seq_offset == 2


def test_non_indented_sequences_are_detected():
    st = parse("a:\n  l:\n  - x: 1\n    y: 2\n  m:\n  - z\n").style
    assert st.indent == 2 and st.seq_indent == 0


def test_sequence_offset_is_detected():
    st = parse("l:\n  -   a: 1\n      b: 2\n  -   c: 3\n").style
    assert st.seq_offset == 4


@pytest.mark.parametrize("text, spaces", [
    ("a: { x: 1 }\nb: [ 1, 2 ]\n", True),
    ("a: {x: 1}\nb: [1, 2]\n", False),
])
def test_flow_spacing_is_detected(text, spaces):
    assert parse(text).style.flow_spaces is spaces


def test_blank_lines_between_top_level_sections_are_detected():
    assert parse("a: 1\n\nb: 2\n\n# c\nc: 3\n").style.top_level_blank_lines is True
    assert parse("a: 1\nb: 2\nc: 3\n").style.top_level_blank_lines is False


def test_crlf_detected_from_the_first_line_break():
    assert parse("a: 1\r\nb: 2\r\n").style.newline == "\r\n"
    assert parse("a: 1\nb: 2\n").style.newline == "\n"


def _shape(doc):
    return [(n.kind, n.start, n.end, n.line, n.col, n.style, n.flow) for n in walk(doc.root)]


# was a bug found by this suite: with the YAML 1.2 fallback an empty value sat at the next token, lines later
@pytest.mark.parametrize("text", [
    "auth:\n  providers:\n    guest:\ncatalog:\n  x: 1\nx-extra: [page:catalog]\n",
    "kubernetes:\n  # see the docs\n\npermission:\n  enabled: true\nx-extra: [page:catalog]\n",
])
def test_the_yaml_12_fallback_positions_nodes_like_libyaml(text):
    # `page-catalog` has the same length: libyaml reads that text, and every position must agree
    assert _shape(parse(text)) == _shape(parse(text.replace("page:catalog", "page-catalog")))
