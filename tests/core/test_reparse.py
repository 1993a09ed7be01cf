"""Re-reading an edited document by sections (yamldoc.reparse) and the plan built on it.

The plan commits each phase's splices and re-reads the file so the next phase sees what the last one
made. `reparse` parses again only the top-level sections the splices touch; it must give, node for
node, the Document `parse` gives for the new text, and the plan must come out byte for byte as it did
when every commit parsed the whole file (the old planner: `_WHOLE_SHARE = 0` forces that).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

from wizard.core import configset, yamldoc
from wizard.core.edits import Splice, apply_splices, splice_spans
from wizard.core.yamldoc import Document, YamlSyntaxError, parse, reparse
from wizard.errors import WizardError

from tests.core.test_plan_properties import PROPERTY_SETTINGS, app_configs, scenarios
from tests.support import configs
from tests.support.plans import make_plan
from tests.support.repos import make_repo

_FIELDS = ("kind", "start", "end", "line", "col", "flow", "anchor", "tag", "value", "style")


def shape(doc: Document) -> tuple[Any, ...]:
    """Everything a Document says, as plain data: every node's fields in document order (an alias by
    its target's offset), the style, the duplicate keys, the line index and the markers."""
    nodes: list[tuple[Any, ...]] = []
    todo = [doc.root] if doc.root is not None else []
    while todo:
        n = todo.pop()
        nodes.append(tuple(getattr(n, f) for f in _FIELDS) + (n.target.start if n.target is not None else None,))
        for k, v in reversed(n.pairs):
            todo += [v, k]
        todo += reversed(n.items)
    return (nodes, vars(doc.style), doc.duplicates, doc.first_definitions, doc.line_starts, doc.bom,
            doc.doc_start_marker, doc.doc_end)


def edited(text: str, splices: list[Splice]) -> tuple[Document, str, Document]:
    doc = parse(text)
    new = apply_splices(text, splices, doc.style.newline)
    return doc, new, reparse(doc, new, splice_spans(splices, doc.style.newline))


BIG = configs.many_clusters_config(40)


def at(text: str, needle: str) -> int:
    return text.index(needle)


# ---------------------------------------------------------------------------------------------
# reparse == parse


@pytest.mark.parametrize("where, after, insert", [
    ("  title: Scaffolded", False, "  subtitle: new\n"),  # in the first section
    ("  enabled: true", False, "  mode: strict\n"),  # in the last section
    ("auth:\n", False, "extra:\n  key: value\n"),  # a new top-level key, at a section boundary
    ("auth:\n", False, "# a comment\n"),  # a comment between sections
    ("enabled: true\n", True, "extra: 1\n"),  # a new top-level key at the end
    ("      clusters:\n", True, "        - name: more\n          url: https://more.example.com\n"),
])
def test_an_insert_anywhere_reads_as_a_full_parse_would(where: str, after: bool, insert: str):
    pos = at(BIG, where) + (len(where) if after else 0)
    _, new, got = edited(BIG, [Splice(pos, pos, insert)])
    assert shape(got) == shape(parse(new))


def test_edits_in_several_sections_and_a_deleted_section():
    start = at(BIG, "organization:")
    end = at(BIG, "backend:")
    title = at(BIG, "Scaffolded Backstage App")
    enabled = at(BIG, "enabled: true") + len("enabled: ")
    splices = [Splice(title, title + len("Scaffolded"), "Big"), Splice(start, end, ""),
               Splice(enabled, enabled + 4, "false")]
    _, new, got = edited(BIG, splices)
    assert "organization" not in new
    assert shape(got) == shape(parse(new))


def test_a_small_edit_carries_the_other_sections_over_and_a_big_one_parses_whole():
    pos = at(BIG, "  title:")
    _, _, got = edited(BIG, [Splice(pos, pos, "  subtitle: new\n")])
    assert got.partial
    # the clusters are most of the file: re-reading their section is a full parse
    pos = at(BIG, "        - name: cluster-00001")
    _, new, got = edited(BIG, [Splice(pos, pos, "        - name: more\n")])
    assert not got.partial and shape(got) == shape(parse(new))


def test_the_earlier_document_is_left_as_it_was():
    doc = parse(BIG)
    before = shape(doc)
    pos = at(BIG, "  title:")
    new = BIG[:pos] + "  subtitle: new\n" + BIG[pos:]
    got = reparse(doc, new, [(pos, pos, len("  subtitle: new\n"))])
    assert got.partial and shape(doc) == before


def test_an_owned_document_moves_its_own_nodes_and_copies_the_ones_it_borrowed():
    doc0 = parse(BIG)
    before = shape(doc0)
    auth = at(BIG, "auth:\n")
    text1 = BIG[:auth] + "extra: 1\n" + BIG[auth:]
    doc1 = reparse(doc0, text1, [(auth, auth, len("extra: 1\n"))])
    # the sections above the edit did not move: doc1 shares them with doc0
    assert doc1.partial and doc1.borrowed and doc1.root.pairs[0] is doc0.root.pairs[0]
    title = at(text1, "  title:")
    text2 = text1[:title] + "  subtitle: new\n" + text1[title:]
    doc2 = reparse(doc1, text2, [(title, title, len("  subtitle: new\n"))], owned=True)
    assert shape(doc2) == shape(parse(text2))
    assert shape(doc0) == before  # the sections doc1 borrowed were copied, not moved
    kube = [v for k, v in doc2.root.pairs if k.value == "kubernetes"][0]
    assert kube is [v for k, v in doc1.root.pairs if k.value == "kubernetes"][0]  # doc1's own: moved in place


@pytest.mark.parametrize("text", [
    "\ufeff" + BIG,  # a BOM
    "---\n" + BIG,  # a document start marker
    "x: &a 1\n" + BIG + "y: *a\n",  # anchors
    "# top\n" + BIG,  # (an edit before the first key, below)
])
def test_what_sections_cannot_say_exactly_gets_a_full_parse(text: str):
    pos = 0 if text.startswith("# top") else at(text, "  title:")
    doc, new, got = edited(text, [Splice(pos, pos, "# more\n" if pos == 0 else "  subtitle: new\n")])
    assert not got.partial and shape(got) == shape(parse(new))


def test_an_edit_that_breaks_the_yaml_raises_what_a_full_parse_raises():
    pos = at(BIG, "  title:")
    splice = Splice(pos, pos, "  broken: [unclosed\n")
    doc = parse(BIG)
    new = apply_splices(BIG, [splice])
    with pytest.raises(YamlSyntaxError) as full:
        parse(new)
    with pytest.raises(YamlSyntaxError) as got:
        reparse(doc, new, splice_spans([splice]))
    assert str(got.value) == str(full.value)


def test_a_duplicate_key_made_by_an_edit_is_found():
    pos = at(BIG, "  title:")
    _, new, got = edited(BIG, [Splice(pos, pos, "  baseUrl: http://elsewhere\n")])
    assert got.partial and got.duplicates == parse(new).duplicates != []


def test_crlf_splices_move_offsets_by_the_converted_length():
    text = BIG.replace("\n", "\r\n")
    pos = at(text, "  title:")
    doc, new, got = edited(text, [Splice(pos, pos, "  subtitle: new\n  other: x\n")])
    assert "\r\n  other: x\r\n" in new
    assert got.partial and shape(got) == shape(parse(new))


# ---------------------------------------------------------------------------------------------
# the plan: every commit's reparse is a full parse's Document; the output is the old planner's


@pytest.fixture
def checked_reparse(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Compare every reparse of a plan with a full parse of the same text (returns the partial flags)."""
    partial: list[bool] = []

    def checked(doc: Document, text: str, edits: list[tuple[int, int, int]], owned: bool = False) -> Document:
        got = reparse(doc, text, edits, owned)
        assert shape(got) == shape(parse(text))
        partial.append(got.partial)
        return got

    monkeypatch.setattr(configset, "reparse", checked)
    return partial


def plan_output(root: Path, answers: dict[str, Any]) -> tuple[Any, ...]:
    try:
        p = make_plan(root, answers)
    except WizardError as exc:  # the same refusal either way
        return ("error", type(exc).__name__, str(exc))
    return ([(c.rel, c.after) for c in p.changes], p.actions, p.notes, p.env_vars, [c.diff() for c in p.changes])


@PROPERTY_SETTINGS
@given(scenarios())
def test_plans_read_by_sections_equal_plans_read_whole(scenario):
    """Every reparse is checked against a full parse, and the plan against the old planner's."""
    text, answers = scenario
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
        root = make_repo(Path(tmp), app_config=text)

        def checked(doc: Document, new: str, edits: list[tuple[int, int, int]], owned: bool = False) -> Document:
            got = reparse(doc, new, edits, owned)
            assert shape(got) == shape(parse(new))
            return got

        mp.setattr(configset, "reparse", checked)
        mp.setattr(yamldoc, "_WHOLE_SHARE", 1.01)  # read by sections whenever it can, to test that path hard
        by_sections = plan_output(root, answers)
        mp.setattr(yamldoc, "_WHOLE_SHARE", 0)  # every commit parses the whole file: the old planner
        whole = plan_output(root, answers)
    assert by_sections == whole


@PROPERTY_SETTINGS
@given(app_configs())
def test_effective_of_one_key_is_the_full_merge_s(generated):
    text, _ = generated
    with tempfile.TemporaryDirectory() as tmp:
        root = make_repo(Path(tmp), app_config=text, local="auth:\n  environment: production\nextra: 1\n")
        cs = configset.load(root)
        merged = cs.merged()
        for key in ("app", "auth", "kubernetes", "backend", "extra", "missing"):
            assert cs.merged(only=key) == ({key: merged[key]} if key in merged else {})
        assert cs.effective(["auth", "environment"]) == "production"


# Digests of what the planner wrote (files, actions, notes) on the generated many-cluster configs,
# taken with the planner as it was before it re-read by sections (commit 26a3605).
OLD_PLANNER = {
    (3, "typical"): "df4d287d6fda5206", (3, "all"): "df4d287d6fda5206",
    (10, "typical"): "c11208f1632b4e64", (10, "all"): "c11208f1632b4e64",
    (300, "typical"): "56077077dc6d5de9", (300, "all"): "0a63189177dea2eb",
}


@pytest.mark.parametrize("n, scenario", sorted(OLD_PLANNER))
def test_many_cluster_plans_are_byte_identical_to_the_old_planner_s(tmp_path: Path, n: int, scenario: str,
                                                                     checked_reparse: list[bool]):
    root = make_repo(tmp_path, preset="many-clusters", clusters=n)
    p = make_plan(root, configs.many_clusters_answers(n, scenario))
    digest = hashlib.sha256(json.dumps([[[c.rel, c.after] for c in p.changes], p.actions, p.notes]).encode()).hexdigest()
    assert digest[:16] == OLD_PLANNER[(n, scenario)]
    if n >= 300:
        assert True in checked_reparse  # the section path was taken (and checked against a full parse)
