"""edits: splice primitives. Every edit must parse, mean what was asked, and leave other lines alone."""

from __future__ import annotations

import re

import pytest

from tests.support.configs import CREATE_APP_CONFIG
from tests.support.text import assert_only_lines_changed, line_index, safe_load
from wizard.core import edits
from wizard.core.edits import EditError, Splice, apply_splices
from wizard.core.yamldoc import parse


def edit(text: str, fn, expected, changed=()) -> str:
    """Apply `fn(doc)`'s splices; check the result parses to `expected` and only `changed` lines moved."""
    doc = parse(text)
    splices = fn(doc)
    out = apply_splices(text, splices, doc.style.newline)
    new = parse(out)
    assert new.duplicates == []
    got = new.root.to_python() if new.root is not None else None
    assert got == expected
    assert safe_load(out) == expected
    assert_only_lines_changed(text, out, changed)
    return out


def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


# ---------------------------------------------------------------------------------------------
# apply_splices


def test_apply_splices_applies_back_to_front_and_converts_line_breaks():
    text = "a: 1\r\nb: 2\r\n"
    out = apply_splices(text, [Splice(6, 6, "x: 3\n"), Splice(3, 4, "9")], "\r\n")
    assert out == "a: 9\r\nx: 3\r\nb: 2\r\n"


def test_inserts_at_one_offset_keep_their_order():
    out = apply_splices("ab", [Splice(1, 1, "1"), Splice(1, 1, "2"), Splice(0, 1, "A")])
    assert out == "A12b"


def test_overlapping_splices_are_refused():
    with pytest.raises(EditError, match="overlapping"):
        apply_splices("abcdef", [Splice(0, 3, "x"), Splice(2, 4, "y")])


def test_splice_start_after_end_is_refused():
    with pytest.raises(ValueError):
        Splice(5, 2, "")


def test_no_splices_returns_the_same_text():
    text = "a: 1\n"
    assert apply_splices(text, []) is text


# ---------------------------------------------------------------------------------------------
# add_pairs / insert_pairs_after


def test_add_pairs_to_a_block_mapping_after_a_trailing_comment_and_before_the_next_section():
    text = "auth:\n  providers:\n    guest: {}  # dev only\n  # a comment of auth\nother: 1\n"
    out = edit(text,
               lambda d: edits.add_pairs(d, d.node_at(["auth", "providers"]), [("spectrocloud", {"development": {"clientId": "${ID}"}})]),
               {"auth": {"providers": {"guest": {}, "spectrocloud": {"development": {"clientId": "${ID}"}}}}, "other": 1})
    assert lines(out)[3:6] == ["    spectrocloud:\n", "      development:\n", "        clientId: ${ID}\n"]


def test_add_pairs_after_a_block_scalar_goes_before_its_trailing_blank_lines():
    text = "m:\n  note: |\n    line one\n    line two\n\n\nz: 1\n"
    out = edit(text, lambda d: edits.add_pairs(d, d.node_at(["m"]), [("k", "v")]),
               {"m": {"note": "line one\nline two\n", "k": "v"}, "z": 1})
    assert out == "m:\n  note: |\n    line one\n    line two\n  k: v\n\n\nz: 1\n"


def test_add_pairs_follows_the_quoting_of_the_neighbours():
    text = "c:\n  name: 'a'\n  url: 'https://a'\n"
    out = edit(text, lambda d: edits.add_pairs(d, d.node_at(["c"]), [("authProvider", "oidc"), ("skip", True)]),
               {"c": {"name": "a", "url": "https://a", "authProvider": "oidc", "skip": True}})
    assert "  authProvider: 'oidc'\n  skip: true\n" in out


def test_add_pairs_in_a_file_without_final_newline():
    text = "a:\n  b: 1"
    out = edit(text, lambda d: edits.add_pairs(d, d.node_at(["a"]), [("c", 2)]), {"a": {"b": 1, "c": 2}}, changed=[1])
    assert out == "a:\n  b: 1\n  c: 2\n"


@pytest.mark.parametrize("text, expected_line", [
    ("listen: { port: 7007 }\n", "listen: { port: 7007, host: 127.0.0.1 }\n"),
    ("listen: {port: 7007}  # c\n", "listen: {port: 7007, host: 127.0.0.1}  # c\n"),
    ("listen: {}\n", "listen: { host: 127.0.0.1 }\n"),
])
def test_add_pairs_to_flow_mappings(text, expected_line):
    doc_text = text + "other: x\n"
    out = edit(doc_text, lambda d: edits.add_pairs(d, d.node_at(["listen"]), [("host", "127.0.0.1")]),
               {"listen": ({"port": 7007} if "port" in text else {}) | {"host": "127.0.0.1"}, "other": "x"}, changed=[0])
    assert lines(out)[0] == expected_line


def test_add_pairs_to_flow_mapping_quotes_flow_indicators():
    out = edit("m: {a: 1}\n", lambda d: edits.add_pairs(d, d.node_at(["m"]), [("u", "https://x:1"), ("e", "${V}")]),
               {"m": {"a": 1, "u": "https://x:1", "e": "${V}"}}, changed=[0])
    assert out == "m: {a: 1, u: 'https://x:1', e: '${V}'}\n"


def test_add_pairs_refuses_an_empty_block_mapping():
    doc = parse("a: {}\n")
    node = doc.node_at(["a"])
    node.flow = False  # the shape cannot come from a parse; guard against it anyway
    with pytest.raises(EditError):
        edits.add_pairs(doc, node, [("k", 1)])


def test_insert_pairs_after_a_given_key():
    text = "c:\n  name: x\n  authProvider: oidc  # switched\n  skipTLSVerify: true\n"
    out = edit(text, lambda d: edits.insert_pairs_after(d, d.node_at(["c"]), "authProvider", [("oidcTokenProvider", "spectrocloud")]),
               {"c": {"name": "x", "authProvider": "oidc", "oidcTokenProvider": "spectrocloud", "skipTLSVerify": True}})
    assert lines(out)[3] == "  oidcTokenProvider: spectrocloud\n"
    assert list(safe_load(out)["c"]) == ["name", "authProvider", "oidcTokenProvider", "skipTLSVerify"]


def test_insert_pairs_after_a_missing_key_appends():
    out = edit("c:\n  a: 1\n", lambda d: edits.insert_pairs_after(d, d.node_at(["c"]), "nope", [("b", 2)]), {"c": {"a": 1, "b": 2}})
    assert out == "c:\n  a: 1\n  b: 2\n"


# ---------------------------------------------------------------------------------------------
# fill_value


def test_fill_empty_key_keeps_the_comment_it_owns():
    text = "kubernetes:\n  # see the docs\n  # more\n\n# about permission\npermission:\n  enabled: true\n"
    out = edit(text, lambda d: edits.fill_value(d, *d.root.pair("kubernetes"), {"serviceLocatorMethod": {"type": "multiTenant"}}),
               {"kubernetes": {"serviceLocatorMethod": {"type": "multiTenant"}}, "permission": {"enabled": True}})
    assert out == ("kubernetes:\n  # see the docs\n  # more\n  serviceLocatorMethod:\n    type: multiTenant\n\n"
                   "# about permission\npermission:\n  enabled: true\n")


def test_fill_null_with_a_trailing_comment_keeps_the_comment():
    text = "a: ~ # note\nb: 1\n"
    out = edit(text, lambda d: edits.fill_value(d, *d.root.pair("a"), {"x": [1, 2]}), {"a": {"x": [1, 2]}, "b": 1}, changed=[0])
    assert out == "a: # note\n  x:\n    - 1\n    - 2\nb: 1\n"


@pytest.mark.parametrize("text", ["a: {}\nb: 1\n", "a: {} # c\nb: 1\n", "a: null\nb: 1\n", "a:\nb: 1\n"])
def test_fill_empty_flow_map_or_null(text):
    out = edit(text, lambda d: edits.fill_value(d, *d.root.pair("a"), {"k": "v"}), {"a": {"k": "v"}, "b": 1}, changed=[0])
    assert lines(out)[1] == "  k: v\n"
    assert ("# c" in out) == ("# c" in text)


def test_fill_at_end_of_file_without_newline():
    out = edit("x: 1\nkubernetes:", lambda d: edits.fill_value(d, *d.root.pair("kubernetes"), ["a"]),
               {"x": 1, "kubernetes": ["a"]}, changed=[1])
    assert out == "x: 1\nkubernetes:\n  - a\n"


def test_fill_nested_key_uses_the_key_column():
    out = edit("x:\n  a: ~\n  b: 2\n", lambda d: edits.fill_value(d, *d.node_at(["x"]).pair("a"), {"k": "v"}),
               {"x": {"a": {"k": "v"}, "b": 2}}, changed=[1])
    assert out == "x:\n  a:\n    k: v\n  b: 2\n"


def test_fill_with_a_scalar_sets_it_in_place():
    out = edit("a:\nb: 2\n", lambda d: edits.fill_value(d, *d.root.pair("a"), "new"), {"a": "new", "b": 2}, changed=[0])
    assert out == "a: new\nb: 2\n"


# ---------------------------------------------------------------------------------------------
# set_scalar / replace_value


@pytest.mark.parametrize("text, value, expected", [
    ("a: 'old'  # c\n", "it's", "a: 'it''s'  # c\n"),
    ('a: "old"\n', 'say "hi"', 'a: "say \\"hi\\""\n'),
    ("a: old\n", "oidc", "a: oidc\n"),
    ("a: old\n", "true", "a: 'true'\n"),
    ("a: old\n", "a: b", "a: 'a: b'\n"),
    ("a: 'x'\n", False, "a: false\n"),
    ("a: 5\n", "${VAR}", "a: ${VAR}\n"),
    ("a: [old, x]\n", "a, b", "a: ['a, b', x]\n"),
    ("a: {k: old}\n", "x:y", "a: {k: 'x:y'}\n"),
])
def test_set_scalar_keeps_quote_style_and_quotes_when_needed(text, value, expected):
    def target(d):
        n = d.root.get("a")
        return n.items[0] if n.kind == "seq" else (n.get("k") if n.kind == "map" else n)
    doc = parse(text)
    out = apply_splices(text, edits.set_scalar(doc, target(doc), value))
    assert out == expected
    assert safe_load(out) == parse(out).root.to_python()


def test_set_scalar_on_an_empty_value_adds_the_space():
    out = edit("a:\nb: 1\n", lambda d: edits.set_scalar(d, d.root.get("a"), "x"), {"a": "x", "b": 1}, changed=[0])
    assert out == "a: x\nb: 1\n"


def test_replace_value_block_map_with_block_map():
    text = "m:\n  x:\n    old: 1\n    gone: 2\n  y: 3\n"
    out = edit(text, lambda d: edits.replace_value(d, *d.node_at(["m"]).pair("x"), {"new": 1}),
               {"m": {"x": {"new": 1}, "y": 3}}, changed=[2, 3])
    assert out == "m:\n  x:\n    new: 1\n  y: 3\n"


def test_replace_value_sequence_with_map_and_collection_with_scalar():
    text = "m:\n  x:\n    - 1\n    - 2\n  y: 3\n"
    edit(text, lambda d: edits.replace_value(d, *d.node_at(["m"]).pair("x"), {"k": "v"}), {"m": {"x": {"k": "v"}, "y": 3}}, changed=[2, 3])
    out = edit(text, lambda d: edits.replace_value(d, *d.node_at(["m"]).pair("x"), "flat"), {"m": {"x": "flat", "y": 3}}, changed=[1, 2, 3])
    assert out == "m:\n  x: flat\n  y: 3\n"


def test_replace_value_scalar_with_collection():
    out = edit("a: 1 # c\nb: 2\n", lambda d: edits.replace_value(d, *d.root.pair("a"), ["x"]), {"a": ["x"], "b": 2}, changed=[0])
    assert out == "a: # c\n  - x\nb: 2\n"


# ---------------------------------------------------------------------------------------------
# delete_pair


def test_delete_a_middle_pair_with_its_nested_block_and_keep_the_next_comment():
    text = "m:\n  a: 1\n  b:\n    - 1\n    - 2\n  # about c\n  c: 3\n"
    out = edit(text, lambda d: edits.delete_pair(d, d.node_at(["m"]), "b"), {"m": {"a": 1, "c": 3}}, changed=[2, 3, 4])
    assert out == "m:\n  a: 1\n  # about c\n  c: 3\n"


def test_delete_the_last_pair_with_a_trailing_comment():
    text = "c:\n  name: a\n  serviceAccountToken: ${T}  # old\nnext: 1\n"
    out = edit(text, lambda d: edits.delete_pair(d, d.node_at(["c"]), "serviceAccountToken"), {"c": {"name": "a"}, "next": 1}, changed=[2])
    assert out == "c:\n  name: a\nnext: 1\n"


def test_delete_the_only_pair_leaves_an_empty_map():
    edit("m:\n  a: 1\nz: 2\n", lambda d: edits.delete_pair(d, d.node_at(["m"]), "a"), {"m": {}, "z": 2}, changed=[1])


def test_delete_the_first_key_of_a_sequence_item_pulls_the_next_key_onto_the_dash_line():
    text = "l:\n  - name: a\n    url: u\n    x: 1\n  - name: b\n"
    out = edit(text, lambda d: edits.delete_pair(d, d.node_at(["l"]).items[0], "name"),
               {"l": [{"url": "u", "x": 1}, {"name": "b"}]}, changed=[1, 2])
    assert out == "l:\n  - url: u\n    x: 1\n  - name: b\n"


def test_delete_the_only_key_of_a_sequence_item():
    out = edit("l:\n  - name: a\n  - b\n", lambda d: edits.delete_pair(d, d.node_at(["l"]).items[0], "name"),
               {"l": [{}, "b"]}, changed=[1])
    assert out == "l:\n  - {}\n  - b\n"


@pytest.mark.parametrize("key, expected", [
    ("a", "m: {b: 2, c: 3}\n"),
    ("b", "m: {a: 1, c: 3}\n"),
    ("c", "m: {a: 1, b: 2}\n"),
])
def test_delete_from_a_flow_map(key, expected):
    want = {k: v for k, v in {"a": 1, "b": 2, "c": 3}.items() if k != key}
    out = edit("m: {a: 1, b: 2, c: 3}\nz: 0\n", lambda d: edits.delete_pair(d, d.node_at(["m"]), key), {"m": want, "z": 0}, changed=[0])
    assert lines(out)[0] == expected


def test_delete_the_only_key_of_a_flow_map():
    edit("m: { a: 1 }\n", lambda d: edits.delete_pair(d, d.node_at(["m"]), "a"), {"m": {}}, changed=[0])


def test_delete_a_missing_key_is_no_edit():
    assert edits.delete_pair(parse("m:\n  a: 1\n"), parse("m:\n  a: 1\n").node_at(["m"]), "nope") == []


# ---------------------------------------------------------------------------------------------
# sequences


def test_append_items_to_a_block_sequence_with_comments_after_it():
    text = "l:\n  - a\n  - b # c\n  # - commented: out\nz: 1\n"
    out = edit(text, lambda d: edits.append_items(d, d.node_at(["l"]), ["c", {"k": "v", "q": [1]}]),
               {"l": ["a", "b", "c", {"k": "v", "q": [1]}], "z": 1})
    assert lines(out)[3:7] == ["  - c\n", "  - k: v\n", "    q:\n", "      - 1\n"]


def test_append_items_to_a_non_indented_sequence():
    out = edit("l:\n- a\n- b\nz: 1\n", lambda d: edits.append_items(d, d.node_at(["l"]), [{"k": "v", "q": [1]}]),
               {"l": ["a", "b", {"k": "v", "q": [1]}], "z": 1})
    assert out == "l:\n- a\n- b\n- k: v\n  q:\n  - 1\nz: 1\n"


def test_append_items_uses_the_sequences_own_dash_offset():
    out = edit("l:\n  -   a: 1\n      b: 2\n", lambda d: edits.append_items(d, d.node_at(["l"]), [{"c": 3, "d": 4}]),
               {"l": [{"a": 1, "b": 2}, {"c": 3, "d": 4}]})
    assert out.endswith("  -   c: 3\n      d: 4\n")


@pytest.mark.parametrize("text, expected", [
    ("l: [a, b]\n", "l: [a, b, c, {k: v}]\n"),
    ("l: [ a ]\n", "l: [ a, c, { k: v } ]\n"),
    ("l: []\n", "l: [ c, { k: v } ]\n"),
])
def test_append_items_to_a_flow_sequence(text, expected):
    items = [v for v in ("a", "b") if v in text.split(":", 1)[1]]
    out = edit(text, lambda d: edits.append_items(d, d.node_at(["l"]), ["c", {"k": "v"}]), {"l": items + ["c", {"k": "v"}]}, changed=[0])
    assert out == expected


def test_replace_item_block_and_flow():
    out = edit("l:\n  - a\n  - b:\n      x: 1\n  - c\n",
               lambda d: edits.replace_item(d, d.node_at(["l"]), 1, {"api:kubernetes/auth-providers": False}),
               {"l": ["a", {"api:kubernetes/auth-providers": False}, "c"]}, changed=[2, 3])
    assert out == "l:\n  - a\n  - api:kubernetes/auth-providers: false\n  - c\n"
    out = edit("l: [a, b, c]\n", lambda d: edits.replace_item(d, d.node_at(["l"]), 1, {"k": False}), {"l": ["a", {"k": False}, "c"]},
               changed=[0])
    assert out == "l: [a, {k: false}, c]\n"


@pytest.mark.parametrize("index, expected", [
    (0, "l:\n  - b\n  - c\nz: 1\n"),
    (1, "l:\n  - a:\n      deep: 1\n  - c\nz: 1\n"),
    (2, "l:\n  - a:\n      deep: 1\n  - b\nz: 1\n"),
])
def test_delete_item_from_a_block_sequence(index, expected):
    text = "l:\n  - a:\n      deep: 1\n  - b\n  - c\nz: 1\n"
    data = [{"a": {"deep": 1}}, "b", "c"]
    del data[index]
    assert edit(text, lambda d: edits.delete_item(d, d.node_at(["l"]), index), {"l": data, "z": 1},
                changed={0: [1, 2], 1: [3], 2: [4]}[index]) == expected


def test_delete_the_only_item_leaves_an_empty_list():
    edit("l:\n  - a\nz: 1\n", lambda d: edits.delete_item(d, d.node_at(["l"]), 0), {"l": [], "z": 1}, changed=[1])


@pytest.mark.parametrize("index, expected", [(0, "l: [b, c]\n"), (1, "l: [a, c]\n"), (2, "l: [a, b]\n")])
def test_delete_item_from_a_flow_sequence(index, expected):
    data = ["a", "b", "c"]
    del data[index]
    assert edit("l: [a, b, c]\n", lambda d: edits.delete_item(d, d.node_at(["l"]), index), {"l": data}, changed=[0]) == expected


# ---------------------------------------------------------------------------------------------
# create_path


@pytest.mark.parametrize("text", ["", "# only a comment\n", "~\n"])
def test_create_path_in_an_empty_document(text):
    out = edit(text, lambda d: edits.create_path(d, ["a", "b"], {"c": 1}), {"a": {"b": {"c": 1}}}, changed=[0] if text == "~\n" else [])
    assert out.endswith("a:\n  b:\n    c: 1\n")
    if text.startswith("#"):
        assert out.startswith(text)


def test_create_path_nested_in_an_existing_mapping():
    out = edit("a:\n  x: 1\nz: 2\n", lambda d: edits.create_path(d, ["a", "b", "c"], [1]), {"a": {"x": 1, "b": {"c": [1]}}, "z": 2})
    assert out == "a:\n  x: 1\n  b:\n    c:\n      - 1\nz: 2\n"


def test_create_path_at_top_level_follows_blank_line_separation():
    out = edit("a:\n  x: 1\n\nz:\n  y: 2\n", lambda d: edits.create_path(d, ["q"], {"k": "v"}),
               {"a": {"x": 1}, "z": {"y": 2}, "q": {"k": "v"}})
    assert out.endswith("  y: 2\n\nq:\n  k: v\n")


def test_create_path_before_a_document_end_marker_and_after_a_start_marker():
    out = edit("---\na: 1\n...\n", lambda d: edits.create_path(d, ["b"], 2), {"a": 1, "b": 2})
    assert out == "---\na: 1\nb: 2\n...\n"


@pytest.mark.parametrize("text", ["a:\n", "a: {}\n", "a: ~  # later\n"])
def test_create_path_through_a_null_or_empty_map(text):
    out = edit(text, lambda d: edits.create_path(d, ["a", "b", "c"], "v"), {"a": {"b": {"c": "v"}}}, changed=[0])
    assert "  b:\n    c: v\n" in out


def test_create_path_through_a_flow_mapping():
    out = edit("a: {x: 1}\n", lambda d: edits.create_path(d, ["a", "b"], "v"), {"a": {"x": 1, "b": "v"}}, changed=[0])
    assert out == "a: {x: 1, b: v}\n"


def test_create_path_that_already_exists_is_no_edit():
    assert edits.create_path(parse("a:\n  b: {}\n"), ["a", "b"], {"k": 1}) == []


def test_create_path_through_an_alias_is_refused():
    with pytest.raises(EditError, match="alias"):
        edits.create_path(parse("base: &b {x: 1}\na: *b\n"), ["a", "y"], 1)


def test_create_path_through_a_scalar_is_refused():
    with pytest.raises(EditError, match="not a mapping"):
        edits.create_path(parse("a: 1\n"), ["a", "b"], "v")


def test_create_path_in_a_non_mapping_document_is_refused():
    with pytest.raises(EditError):
        edits.create_path(parse("- a\n"), ["a"], 1)


# ---------------------------------------------------------------------------------------------
# line endings, BOM, the create-app file


def test_crlf_file_gets_crlf_in_new_lines():
    text = "auth:\r\n  providers:\r\n    guest: {}\r\nz: 1\r\n"
    out = edit(text, lambda d: edits.add_pairs(d, d.node_at(["auth", "providers"]), [("spectrocloud", {"development": {"a": "b"}})]),
               {"auth": {"providers": {"guest": {}, "spectrocloud": {"development": {"a": "b"}}}}, "z": 1})
    assert re.search(r"(?<!\r)\n", out) is None
    assert "    spectrocloud:\r\n      development:\r\n        a: b\r\n" in out


def test_edit_after_a_bom_keeps_it():
    out = edit("\ufeffa:\n  b: 1\n", lambda d: edits.add_pairs(d, d.node_at(["a"]), [("c", 2)]), {"a": {"b": 1, "c": 2}})
    assert out == "\ufeffa:\n  b: 1\n  c: 2\n"


def test_non_ascii_before_the_edit_point():
    out = edit("a: é€😀\nm:\n  ключ: значение\n", lambda d: edits.add_pairs(d, d.node_at(["m"]), [("k", "ü")]),
               {"a": "é€😀", "m": {"ключ": "значение", "k": "ü"}})
    assert out.endswith("  ключ: значение\n  k: ü\n")


def test_fill_the_create_app_kubernetes_key():
    text = CREATE_APP_CONFIG
    doc = parse(text)
    k, v = doc.root.pair("kubernetes")
    out = apply_splices(text, edits.fill_value(doc, k, v, {"serviceLocatorMethod": {"type": "multiTenant"}}))
    expected = safe_load(text)
    expected["kubernetes"] = {"serviceLocatorMethod": {"type": "multiTenant"}}
    assert safe_load(out) == expected
    assert_only_lines_changed(text, out, [])
    i = line_index(out, "kubernetes:")
    assert lines(out)[i + 1].lstrip().startswith("# see https://backstage.io/docs/features/kubernetes")
    assert lines(out)[i + 2:i + 4] == ["  serviceLocatorMethod:\n", "    type: multiTenant\n"]


def test_neighbour_quote():
    doc = parse("a: {x: 'q', y: 'r', z: s}\nb: {x: \"q\", n: 1, t: true}\nc: {x: s}\nd: {n: 1}\n")
    assert edits.neighbour_quote(doc.node_at(["a"])) == "'"
    assert edits.neighbour_quote(doc.node_at(["b"])) == '"'
    assert edits.neighbour_quote(doc.node_at(["c"])) == ""
    assert edits.neighbour_quote(doc.node_at(["d"])) == ""
    assert edits.neighbour_quote(None) == ""


# was a bug found by this suite: the block scalar's line break was swallowed (`a: newb: 1`)
@pytest.mark.parametrize("text", ["a: |\n  old\nb: 1\n", "a: >-\n  old\n\nb: 1\n", "a: |\r\n  old\r\nb: 1\r\n"])
def test_set_scalar_replaces_a_block_scalar(text):
    edit(text, lambda d: edits.set_scalar(d, d.root.get("a"), "new"), {"a": "new", "b": 1}, changed=[0, 1, 2])
