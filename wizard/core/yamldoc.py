"""A YAML document as positions in its original text.

The patch engine never re-emits text it did not edit. To do that it needs, for every node of the
document, where the node starts and ends in the original string. ruamel.yaml's parser gives us the
event stream with marks (libyaml through ruamel.yaml.clib when available, its pure-Python parser
otherwise); from it we build a small tree of `Node`s carrying character offsets.

Values are read the way Backstage reads them: the `yaml` npm package, YAML 1.2 core schema (so
`yes`/`on` are strings, `<<` is an ordinary key) and duplicate keys are an error.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml import events as ev
from ruamel.yaml.error import MarkedYAMLError, YAMLError

try:  # libyaml: same events, ~30x faster on large configs
    from _ruamel_yaml import CParser as _CParser  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the platform
    _CParser = None

BOM = "\ufeff"


def mappings(node: Node | None) -> list[Node]:
    """The mapping items of a sequence (aliases resolved); [] when `node` is not a sequence."""
    if node is None or node.kind != "seq":
        return []
    return [it for it in (item.resolved for item in node.items) if it.kind == "map"]


class YamlSyntaxError(Exception):
    """The text is not YAML Backstage can load. `line`/`column` are 1-based (0 when unknown)."""

    def __init__(self, problem: str, line: int = 0, column: int = 0, context: str = "",
                 context_line: int = 0, context_column: int = 0):
        self.problem = problem
        self.line = line
        self.column = column
        # where the construct the parser was in starts ("while parsing a flow mapping" at 169:10):
        # for a bracket that is never closed that is the place to fix, not where the parser gave up
        self.context = context
        self.context_line = context_line
        self.context_column = context_column
        where = f"line {line}, column {column}: " if line else ""
        super().__init__(f"{where}{problem}")


# --------------------------------------------------------------------------------------------
# The tree


@dataclass(eq=False, slots=True)
class Node:
    kind: str  # "map" | "seq" | "scalar" | "alias"
    start: int
    end: int  # scalars and flow collections: exact; block collections: end of the last child
    line: int  # 0-based line of `start`
    col: int  # 0-based column of `start`
    flow: bool = False
    anchor: str | None = None
    tag: str | None = None
    value: str = ""  # scalar text after unescaping (scalar), alias name (alias)
    style: str = ""  # scalar style: "" plain, "'", '"', "|", ">"
    pairs: list[tuple[Node, Node]] = field(default_factory=list)
    items: list[Node] = field(default_factory=list)
    target: Node | None = None  # alias: the anchored node

    # ---- navigation -------------------------------------------------------------------------
    def get(self, key: str) -> Node | None:
        """The value node under `key` in a mapping (the last one if duplicated), else None."""
        if self.kind != "map":
            return None
        found = None
        for k, v in self.pairs:
            if k.kind == "scalar" and k.value == key:
                found = v
        return found

    def pair(self, key: str) -> tuple[Node, Node] | None:
        if self.kind != "map":
            return None
        found = None
        for k, v in self.pairs:
            if k.kind == "scalar" and k.value == key:
                found = (k, v)
        return found

    def keys(self) -> list[str]:
        return [k.value for k, _ in self.pairs if k.kind == "scalar"]

    @property
    def resolved(self) -> Node:
        """Follow an alias to the node it names."""
        node = self
        while node.kind == "alias" and node.target is not None:
            node = node.target
        return node

    def is_null(self) -> bool:
        return (self.kind == "scalar" and self.style == "" and self.tag in (None, "!!null", "tag:yaml.org,2002:null")
                and _is_null_plain(self.value))

    def is_empty_value(self) -> bool:
        """A null written as nothing at all (`key:` followed by a newline or comment)."""
        return self.kind == "scalar" and self.style == "" and self.value == "" and self.start == self.end

    def to_python(self) -> Any:
        return to_python(self)


def _is_null_plain(text: str) -> bool:
    return text in ("", "~", "null", "Null", "NULL")


_INT_RE = re.compile(r"^[-+]?[0-9]+$")
_OCT_RE = re.compile(r"^0o[0-7]+$")
_HEX_RE = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT_RE = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_INF_RE = re.compile(r"^[-+]?\.(inf|Inf|INF)$")
_NAN_RE = re.compile(r"^\.(nan|NaN|NAN)$")


# Every non-string a plain scalar can resolve to starts with one of these (null, ~, true, false,
# numbers, .inf, .nan) or is empty: any other text is a string, with no regex to try. Most keys and
# values of a config (names, URLs, base64) take this exit.
_NON_STR_FIRST = frozenset("~nNtTfF-+.0123456789")


def plain_scalar_value(text: str) -> Any:
    """YAML 1.2 core schema resolution of a plain scalar (what Backstage's loader returns)."""
    if text and text[0] not in _NON_STR_FIRST:
        return text
    if _is_null_plain(text):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if _INT_RE.match(text):
        return int(text)
    if _OCT_RE.match(text):
        return int(text[2:], 8)
    if _HEX_RE.match(text):
        return int(text[2:], 16)
    if _FLOAT_RE.match(text):
        return float(text)
    if _INF_RE.match(text):
        return float("-inf") if text.startswith("-") else float("inf")
    if _NAN_RE.match(text):
        return float("nan")
    return text


_STR_TAGS = {"!!str", "tag:yaml.org,2002:str"}


def scalar_python(node: Node) -> Any:
    if node.tag in _STR_TAGS or node.style != "":
        return node.value
    if node.tag and node.tag not in ("!", None):
        # Explicit tags other than !!str: resolve the text as if plain (good enough for configs).
        return plain_scalar_value(node.value)
    return plain_scalar_value(node.value)


def to_python(node: Node | None, _depth: int = 0) -> Any:
    if node is None:
        return None
    if _depth > 500:
        raise YamlSyntaxError("the document nests too deeply (or an alias refers to itself)")
    node = node.resolved
    if node.kind == "scalar":
        return scalar_python(node)
    if node.kind == "seq":
        return [to_python(i, _depth + 1) for i in node.items]
    if node.kind == "map":
        out: dict[Any, Any] = {}
        for k, v in node.pairs:
            out[_key_python(k, _depth + 1)] = to_python(v, _depth + 1)
        return out
    return None


def _key_python(k: Node, _depth: int = 0) -> Any:
    """A mapping key as to_python has it (a collection key becomes its repr: dict keys must hash)."""
    key = to_python(k, _depth)
    return repr(key) if isinstance(key, (list, dict)) else key


key_python = _key_python  # for readers that rebuild to_python's result (configset, following $include)


def top_level_python(root: Node, key: str) -> Any:
    """`to_python(root)` restricted to the top-level `key`: {key: value} (or {} when absent) for a
    mapping, as to_python would have it; what to_python gives for any other root."""
    node = root.resolved
    if node.kind != "map":
        return to_python(node)
    out: dict[Any, Any] = {}
    for k, v in node.pairs:
        if _key_python(k, 1) == key:
            out[key] = to_python(v, 1)
    return out


# --------------------------------------------------------------------------------------------
# Parsing


@dataclass
class Style:
    """How this file writes YAML, so that new text looks like its neighbours."""

    newline: str = "\n"
    indent: int = 2  # spaces per mapping level
    seq_indent: int = 2  # column of `-` relative to its parent key (0: `key:\n- item`)
    seq_offset: int = 2  # column of an item's content relative to its `-`
    flow_spaces: bool = True  # `{ a: b }` rather than `{a: b}`
    top_level_blank_lines: bool = False  # a blank line between top-level keys


@dataclass
class Document:
    text: str  # the whole original text, BOM included
    root: Node | None
    style: Style
    bom: int = 0  # 1 when the text starts with a byte-order mark
    doc_start_marker: bool = False
    doc_end: int | None = None  # offset of a `...` document end marker, if any
    line_starts: list[int] = field(default_factory=list)
    duplicates: list[tuple[str, int, int]] = field(default_factory=list)  # (key, line, col) 1-based
    first_definitions: list[tuple[int, int]] = field(default_factory=list)  # (line, col) of each duplicate's first key
    pure: bool = False  # read by ruamel's pure-Python parser (the YAML 1.2 fallback), not libyaml
    anchors: bool = False  # the document has anchors or aliases
    partial: bool = False  # built by `reparse`: some sections were carried over from the earlier parse
    borrowed: frozenset[int] = frozenset()  # top-level sections (root.pairs indices) shared with another Document
    # what `reparse` needs to re-read a document with anchors by sections: the anchored nodes and the
    # aliases in document order, whether an alias names a collection it sits in, and each top-level
    # section's size with its aliases expanded (the alias-bomb check, section by section)
    anchored: list[Node] = field(default_factory=list, repr=False)
    aliases: list[Node] = field(default_factory=list, repr=False)
    cyclic: bool = False
    section_sizes: list[int] | None = field(default=None, repr=False)
    # per top-level section: its duplicate keys and style counts (`reparse` re-counts only what it re-reads)
    section_facts: list[_Facts] | None = field(default=None, repr=False)

    def node_at(self, path: list[str]) -> Node | None:
        node = self.root
        for key in path:
            if node is None:
                return None
            node = node.resolved
            if node.kind != "map":
                return None
            node = node.get(key)
        return node.resolved if node is not None else None

    def value_at(self, path: list[str]) -> Any:
        return to_python(self.node_at(path))

    def line_of(self, offset: int) -> int:
        """0-based line number of a character offset."""
        lo, hi = 0, len(self.line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def line_start(self, offset: int) -> int:
        return self.line_starts[self.line_of(offset)]

    def line_end(self, offset: int) -> int:
        """Offset just after the newline ending the line that holds `offset` (or len(text))."""
        nl = self.text.find("\n", offset)
        return len(self.text) if nl < 0 else nl + 1


def _line_starts(text: str) -> list[int]:
    starts = [0]
    find = text.find
    i = find("\n")
    while i >= 0:
        starts.append(i + 1)
        i = find("\n", i + 1)
    return starts


def _events(text: str, pure: bool = False) -> Iterator[Any]:
    if _CParser is not None and not pure:
        # get_event alone (None after the stream's end), iterated in C: a third faster than
        # check_event + get_event in a generator, on tens of thousands of events
        return iter(_CParser(text).get_event, None)
    return iter(YAML(typ="safe", pure=True).parse(text))


def _syntax_error(exc: Exception, line_base: int = 0) -> YamlSyntaxError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).strip().splitlines()[0]
    context = getattr(exc, "context", None) or ""
    cmark = getattr(exc, "context_mark", None)
    if context and problem and context not in problem:
        problem = f"{problem} ({context})"
    line = (mark.line + line_base + 1) if mark is not None else 0
    col = (mark.column + 1) if mark is not None else 0
    cline = (cmark.line + line_base + 1) if cmark is not None else 0
    ccol = (cmark.column + 1) if cmark is not None else 0
    return YamlSyntaxError(str(problem), line, col, str(context), cline, ccol)


def parse(text: str) -> Document:
    """Parse `text` into a positioned tree. Raises YamlSyntaxError for anything Backstage rejects.

    libyaml (fast) reads YAML 1.1 and refuses a few things YAML 1.2 and Backstage's loader accept,
    such as `:` inside a flow plain scalar (`[page:catalog]`); ruamel.yaml's own parser (YAML 1.2)
    then gets the last word.
    """
    try:
        return _parse(text, pure=_CParser is None)
    except YamlSyntaxError as first:
        # only for what libyaml gets wrong (YAML 1.1 flow scalars); any other error stands
        flow_problem = "found unexpected ':'" in first.problem or "while parsing a flow" in first.problem
        if _CParser is None or not flow_problem:
            raise
        try:
            return _parse(text, pure=True)
        except YamlSyntaxError:
            raise first from None


def _parse(text: str, pure: bool) -> Document:
    bom = 1 if text.startswith(BOM) else 0
    if "\x00" in text:
        raise YamlSyntaxError("the file holds NUL bytes: it is binary, not YAML")
    tree = _build(text, bom, len(text), 0, pure)
    doc = Document(text=text, root=tree.root, style=Style(), bom=bom, doc_start_marker=tree.doc_start_marker,
                   doc_end=tree.doc_end, pure=pure, anchors=tree.anchors, anchored=tree.anchored,
                   aliases=tree.aliases, cyclic=tree.cyclic)
    return _finish(doc)


def _finish(doc: Document) -> Document:
    """The whole-document passes after the tree is built: line index, alias bombs, keys, style."""
    doc.line_starts = _line_starts(doc.text)
    if doc.anchors and doc.root is not None:
        doc.section_sizes = _refuse_alias_bombs(doc.root)
    root = doc.root
    if root is not None and _is_top_level_map(root):
        doc.section_facts = [_section_facts(doc, k, v) for k, v in root.pairs]
        _combine_facts(doc, doc.section_facts)
        return doc
    if root is not None:
        _check_keys(root, doc.duplicates, doc.first_definitions)
    doc.style = detect_style(doc)
    return doc


@dataclass
class _Tree:
    root: Node | None
    anchors: bool  # any anchor or alias
    doc_start_marker: bool
    doc_end: int | None
    anchored: list[Node] = field(default_factory=list)  # the nodes with an anchor, in document order
    aliases: list[Node] = field(default_factory=list)  # the alias nodes, in document order
    cyclic: bool = False  # an alias names a collection it sits inside (`&a [*a]`)


# event classes -> what _build does with them (a dict lookup instead of comparing class names)
_SCALAR, _MAP, _SEQ, _END, _ALIAS, _DOC_START, _DOC_END, _OTHER = range(8)
_EVENT_CODES: dict[type, int] = {
    ev.ScalarEvent: _SCALAR, ev.MappingStartEvent: _MAP, ev.SequenceStartEvent: _SEQ,
    ev.MappingEndEvent: _END, ev.SequenceEndEvent: _END, ev.AliasEvent: _ALIAS,
    ev.DocumentStartEvent: _DOC_START, ev.DocumentEndEvent: _DOC_END,
}
_NAMED_CODES = {cls.__name__: code for cls, code in _EVENT_CODES.items()}
_NO_PAIRS: tuple[()] = ()  # shared by every scalar and alias: only collections hold children


def _build(text: str, start: int, end: int, line_base: int, pure: bool,
           seed: dict[str, Node] | None = None) -> _Tree:
    """The Node tree of text[start:end], with offsets in `text` (marks + start) and lines + line_base.
    `seed`: the anchors defined before `start` (an alias in the text may name them).

    This loop runs once per event (tens of thousands on a big config), so it is written flat: no
    helper calls per event, one dict lookup to dispatch, Nodes built positionally.
    """
    root: Node | None = None
    stack: list[Node] = []  # open collections
    keys: list[Node | None] = []  # per open collection: a mapping's key still waiting for its value
    anchors: dict[str, Node] = dict(seed) if seed else {}
    anchored: list[Node] = []
    aliases: list[Node] = []
    cyclic = False
    documents = 0
    doc_start_marker = False
    doc_end: int | None = None
    codes = _EVENT_CODES
    try:
        for event in _events(text[start:end], pure):
            code = codes.get(type(event))
            if code is None:
                code = _NAMED_CODES.get(type(event).__name__, _OTHER)
            if code == _SCALAR or code == _ALIAS:  # noqa: SIM109 - once an event: two compares are faster than a tuple
                sm = event.start_mark
                if code == _SCALAR:
                    tag = event.ctag
                    node = Node("scalar", sm.index + start, event.end_mark.index + start, sm.line + line_base, sm.column,
                                False, event.anchor, _tag_text(tag), event.value, event.style or "",
                                _NO_PAIRS, _NO_PAIRS)  # type: ignore[arg-type]
                    if event.anchor:
                        anchors[event.anchor] = node
                        anchored.append(node)
                else:
                    target = anchors.get(event.anchor)
                    if target is None:
                        raise YamlSyntaxError(f"alias *{event.anchor} names no anchor defined before it",
                                              sm.line + line_base + 1, sm.column + 1)
                    node = Node("alias", sm.index + start, event.end_mark.index + start, sm.line + line_base, sm.column,
                                False, None, None, event.anchor, "", _NO_PAIRS, _NO_PAIRS, target)  # type: ignore[arg-type]
                    aliases.append(node)
                    if target.kind != "scalar" and any(n is target for n in stack):
                        cyclic = True
            elif code == _MAP or code == _SEQ:  # noqa: SIM109 - as above
                sm = event.start_mark
                tag = event.ctag
                at = sm.index + start
                node = Node("map" if code == _MAP else "seq", at, at, sm.line + line_base, sm.column,
                            bool(event.flow_style), event.anchor, _tag_text(tag), "", "", [], [])
                if event.anchor:
                    anchors[event.anchor] = node
                    anchored.append(node)
            elif code == _END:
                node = stack.pop()
                keys.pop()
                if node.flow:
                    node.end = event.end_mark.index + start
                else:
                    last = (node.pairs[-1][1] if node.pairs else None) if node.kind == "map" else (node.items[-1] if node.items else None)
                    node.end = last.end if last is not None else node.start
                continue
            elif code == _DOC_START:
                documents += 1
                if documents > 1:
                    sm = event.start_mark
                    raise YamlSyntaxError(
                        "the file holds more than one YAML document; Backstage reads a single document per config file",
                        sm.line + line_base + 1, sm.column + 1,
                    )
                doc_start_marker = bool(getattr(event, "explicit", False))
                continue
            elif code == _DOC_END:
                if getattr(event, "explicit", False):
                    doc_end = event.start_mark.index + start
                continue
            else:
                continue
            # attach the new node to its parent
            if not stack:
                root = node
            else:
                parent = stack[-1]
                if parent.kind == "seq":
                    parent.items.append(node)
                else:
                    key = keys[-1]
                    if key is None:
                        keys[-1] = node
                    else:
                        keys[-1] = None
                        if node.kind == "scalar" and node.start == node.end and node.value == "" and node.style == "" \
                                and not parent.flow:
                            # An empty value (`key:`): libyaml places it right after the colon, ruamel's
                            # pure parser at the next token (lines later). Pin it after the colon for both.
                            colon = text.find(":", key.end)
                            if colon >= 0:
                                node.start = node.end = colon + 1
                                node.line, node.col = key.line, key.col + (node.start - key.start)
                        parent.pairs.append((key, node))
            if code == _MAP or code == _SEQ:  # noqa: SIM109 - once an event: two compares are faster than a tuple
                stack.append(node)
                keys.append(None)
                if len(stack) > 400:
                    raise YamlSyntaxError("the document nests more than 400 levels deep", node.line + 1, node.col + 1)
    except YamlSyntaxError:
        raise
    except (MarkedYAMLError, YAMLError) as exc:
        raise _syntax_error(exc, line_base) from None
    except Exception as exc:  # noqa: BLE001 - libyaml reports some problems as plain exceptions
        raise _syntax_error(exc, line_base) from None
    return _Tree(root, bool(anchored) or bool(aliases), doc_start_marker, doc_end, anchored, aliases, cyclic)


# --------------------------------------------------------------------------------------------
# Re-reading an edited document


# Re-read the whole text when the sections to re-read are more than this share of it: a full parse
# is then about as fast, and leaves nothing carried over.
_WHOLE_SHARE = 0.5


def reparse(doc: Document, text: str, edits: list[tuple[int, int, int]], owned: bool = False) -> Document:
    """The Document of `text`, which is `doc.text` with `edits` applied: (start, end, length of the new
    text) in doc.text's offsets, not overlapping. Equal, node for node, to `parse(text)`.

    The plan edits a few top-level sections of a big file at a time (app.extensions, then auth...), and
    a full parse of 20,000 lines costs far more than the edit. So only the top-level sections an edit
    touches are parsed again; the others keep their nodes, moved to their new offsets and lines. The
    earlier Document stays as it was (moved sections are copies) unless `owned`: its holder drops it,
    so its own nodes are moved in place (not those it shares with another Document: `borrowed`). The
    result says `partial` when sections were carried over.

    Anchors and aliases: a section re-read starts with the anchors defined above it (an alias in it
    names a carried node, or one re-read before it); a carried section with an alias whose name a
    re-read section defines (before or after the edit) is re-read too; aliases into a carried section
    that moved point at its moved copy. The alias-bomb check adds up the sections' expanded sizes.

    Anything this cannot do exactly (a BOM, `---`, the YAML 1.2 fallback parser, an edit before the
    first key, a section that does not parse alone, an alias inside the collection it names, anchors
    new to a document that had none) gets a full parse, and so do edits whose sections are most of the
    text.
    """
    runs = _touched_sections(doc, edits)
    if runs is None:
        return parse(text)
    root = doc.root
    assert root is not None
    starts = [k.start for k, _ in root.pairs]
    ends = starts[1:] + [len(doc.text)]
    ordered = sorted(edits)
    edit_starts = [s for s, _, _ in ordered]
    shifts = [0]  # shifts[i]: how far the first i edits move the text after them
    for s, e, n in ordered:
        shifts.append(shifts[-1] + n - (e - s))

    def moved(offset: int, inclusive: bool) -> int:
        """Where old `offset` is in the new text (inserts at `offset` count as before it when inclusive)."""
        return offset + shifts[(bisect_right if inclusive else bisect_left)(edit_starts, offset)]

    linked = doc.anchors  # anchors or aliases: sections may point into each other
    no_nodes: list[Node] = []
    sec_anchored: list[list[Node]] = []
    sec_aliases: list[list[Node]] = []
    if linked:
        if doc.cyclic or doc.section_sizes is None or len(doc.section_sizes) != len(starts):
            return parse(text)
        sec_anchored = _by_section(doc.anchored, starts)
        sec_aliases = _by_section(doc.aliases, starts)
    line_starts = _line_starts(text)
    while True:
        regions = [(moved(starts[a], False), moved(ends[b], True)) for a, b in runs]
        if sum(e - s for s, e in regions) > _WHOLE_SHARE * len(text):
            return parse(text)
        trees: list[_Tree] = []
        scope: dict[str, Node] = {}  # the anchors defined above the next section to re-read
        below = 0  # sections before this one are in `scope`
        for (a, b), (s, e) in zip(runs, regions, strict=True):  # all of them before any node is moved: a failure leaves `doc` as it was
            if linked:
                for i in range(below, a):  # carried sections: their nodes as they are now (retargeted below)
                    scope.update((n.anchor, n) for n in sec_anchored[i])  # type: ignore[misc]
            try:
                tree = _build(text, s, e, bisect_right(line_starts, s) - 1, pure=False, seed=scope if linked else None)
            except YamlSyntaxError:
                return parse(text)  # the full parse says where and why (or manages with the fallback parser)
            if (tree.doc_start_marker or tree.doc_end is not None or not _is_top_level_map(tree.root, True)
                    or tree.cyclic or (tree.anchors and not linked)):
                return parse(text)
            if linked:
                scope.update((n.anchor, n) for n in tree.anchored)  # type: ignore[misc]
            below = b + 1
            trees.append(tree)
        if not linked:
            break
        more = _sections_naming(runs, trees, sec_anchored, sec_aliases)
        if not more:
            break
        runs = _with_sections(runs, more)

    pairs: list[tuple[Node, Node]] = []
    borrowed: list[bool] = []
    facts: list[_Facts] = []
    old_facts = doc.section_facts
    assert old_facts is not None  # a top-level map's
    anchored: list[Node] = []
    aliases: list[Node] = []
    sizes: list[int] = []
    remap: dict[int, Node] = {}  # id(an anchored node of `doc`) -> its moved copy

    def carry(i: int) -> None:
        """Section i, untouched, at its new place."""
        pair = root.pairs[i]
        offset = moved(starts[i], False) - starts[i]
        lines = bisect_right(line_starts, starts[i] + offset) - 1 - pair[0].line
        shared = not owned or i in doc.borrowed
        anc = sec_anchored[i] if linked else no_nodes
        als = sec_aliases[i] if linked else no_nodes
        retarget = bool(remap) and any(id(a.target) in remap for a in als)
        if not offset and not lines and not retarget:
            pairs.append(pair)  # nothing moved: the same nodes (no one changes a Node after parsing)
            borrowed.append(shared)
            anchored.extend(anc)
            aliases.extend(als)
        elif shared:
            if anc or als:
                copy = _LinkedCopy(offset, lines, remap)
                pairs.append((copy(pair[0]), copy(pair[1])))
                anchored.extend(copy.anchored)
                aliases.extend(copy.aliases)
            else:
                pairs.append((_moved(pair[0], offset, lines), _moved(pair[1], offset, lines)))
            borrowed.append(False)
        else:
            if offset or lines:
                _move_in_place(pair[0], offset, lines)
                _move_in_place(pair[1], offset, lines)
            for a in als:
                a.target = remap.get(id(a.target), a.target)
            pairs.append(pair)
            borrowed.append(False)
            anchored.extend(anc)
            aliases.extend(als)
        if linked:
            sizes.append(doc.section_sizes[i])  # type: ignore[index]
        facts.append(old_facts[i].moved(lines))

    first = 0
    size = _expanded_size() if linked else None
    for (a, b), tree in zip(runs, trees, strict=True):  # one tree a run
        for i in range(first, a):
            carry(i)
        if tree.root is not None:
            pairs.extend(tree.root.pairs)
            borrowed.extend([False] * len(tree.root.pairs))
            facts.extend(_section_facts_in(text, line_starts, k, v) for k, v in tree.root.pairs)
            if linked:
                for al in tree.aliases:  # those naming a carried anchor: its node as carried
                    al.target = remap.get(id(al.target), al.target)
                anchored.extend(tree.anchored)
                aliases.extend(tree.aliases)
                sizes.extend(size(k) + size(v) for k, v in tree.root.pairs)  # type: ignore[misc]
        first = b + 1
    for i in range(first, len(root.pairs)):
        carry(i)
    if not pairs:
        return parse(text)
    if linked and 1 + sum(sizes) > MAX_EXPANDED_NODES:
        return parse(text)  # which refuses it, naming the first alias
    key = pairs[0][0]
    new_root = Node("map", key.start, pairs[-1][1].end, key.line, key.col, pairs=pairs)
    new = Document(text=text, root=new_root, style=Style(), partial=True,
                   borrowed=frozenset(i for i, b in enumerate(borrowed) if b))
    if anchored or aliases:
        new.anchors, new.anchored, new.aliases, new.section_sizes = True, anchored, aliases, sizes
    new.line_starts = line_starts
    new.section_facts = facts
    _combine_facts(new, facts)
    return new


def _by_section(nodes: list[Node], starts: list[int]) -> list[list[Node]]:
    """`nodes` (in document order) split by the top-level section they are in."""
    out: list[list[Node]] = [[] for _ in starts]
    i = 0
    for n in nodes:
        while i + 1 < len(starts) and n.start >= starts[i + 1]:
            i += 1
        out[i].append(n)
    return out


def _sections_naming(runs: list[tuple[int, int]], trees: list[_Tree], sec_anchored: list[list[Node]],
                     sec_aliases: list[list[Node]]) -> set[int]:
    """The carried sections below a re-read one holding an alias whose name a re-read section defines,
    as it was or as it is now: that alias may name another node now, or a node re-read."""
    names = {n.anchor for a, b in runs for i in range(a, b + 1) for n in sec_anchored[i]}
    names |= {n.anchor for t in trees for n in t.anchored}
    if not names:
        return set()
    reread = {i for a, b in runs for i in range(a, b + 1)}
    first = runs[0][0]
    return {i for i in range(first + 1, len(sec_aliases))
            if i not in reread and any(al.value in names for al in sec_aliases[i])}


def _with_sections(runs: list[tuple[int, int]], more: set[int]) -> list[tuple[int, int]]:
    """`runs` with the sections `more` added (runs of consecutive sections merged)."""
    touched = sorted({i for a, b in runs for i in range(a, b + 1)} | more)
    out: list[tuple[int, int]] = []
    for i in touched:
        if out and out[-1][1] == i - 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


class _LinkedCopy:
    """Copies subtrees `offset` characters and `lines` lines further on, keeping their anchors and
    aliases linked: an anchored node's copy is recorded in `remap`, and an alias's copy names the copy
    of its anchor when it was made (else the node it named). Copies are made in document order."""

    def __init__(self, offset: int, lines: int, remap: dict[int, Node]):
        self.offset, self.lines, self.remap = offset, lines, remap
        self.anchored: list[Node] = []
        self.aliases: list[Node] = []

    def __call__(self, n: Node) -> Node:
        target = self.remap.get(id(n.target), n.target) if n.target is not None else None
        new = Node(n.kind, n.start + self.offset, n.end + self.offset, n.line + self.lines, n.col, n.flow, n.anchor,
                   n.tag, n.value, n.style, [] if n.pairs else n.pairs, [] if n.items else n.items, target)
        if n.anchor:
            self.remap[id(n)] = new
            self.anchored.append(new)
        if n.kind == "alias":
            self.aliases.append(new)
        if n.pairs:
            for k, v in n.pairs:
                ck = self(k)
                new.pairs.append((ck, self(v)))
        elif n.items:
            new.items.extend(self(i) for i in n.items)
        return new


def _is_top_level_map(root: Node | None, empty_ok: bool = False) -> bool:
    """A block mapping with plain keys at column 0, untagged: the shape whose sections parse alone."""
    if root is None:
        return empty_ok
    return (root.kind == "map" and not root.flow and root.tag is None and root.anchor is None and root.col == 0
            and all(k.kind == "scalar" and k.col == 0 for k, _ in root.pairs))


def _touched_sections(doc: Document, edits: list[tuple[int, int, int]]) -> list[tuple[int, int]] | None:
    """The runs of consecutive top-level sections (first, last index) the edits touch, or None when the
    document must be parsed whole. A section runs from its key's line to the next key's line (the
    comments between belong to the one above); an edit touching a boundary touches both sides."""
    root = doc.root
    if (doc.bom or doc.pure or doc.doc_start_marker or doc.doc_end is not None
            or not edits or not _is_top_level_map(root) or not root.pairs):  # type: ignore[union-attr]
        return None
    assert root is not None
    starts = [k.start for k, _ in root.pairs]
    last = len(starts) - 1
    touched = [False] * len(starts)
    for s, e, _ in edits:
        if s < starts[0]:
            return None  # before the first key: the comments and markers at the top
        lo = bisect_right(starts, s) - 1
        if starts[lo] == s and lo > 0:
            lo -= 1  # at the boundary: the section above is touched too
        hi = min(bisect_right(starts, e) - 1, last)
        for i in range(lo, hi + 1):
            touched[i] = True
    runs: list[tuple[int, int]] = []
    for i, t in enumerate(touched):
        if not t:
            continue
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _move_in_place(node: Node, offset: int, lines: int) -> None:
    """Move the subtree `node` `offset` characters and `lines` lines further on (no aliases in it)."""
    todo = [node]
    while todo:
        n = todo.pop()
        n.start += offset
        n.end += offset
        n.line += lines
        if n.pairs:
            for k, v in n.pairs:
                todo.append(k)
                todo.append(v)
        elif n.items:
            todo.extend(n.items)


def _moved(n: Node, offset: int, lines: int) -> Node:
    """A copy of the subtree `n`, `offset` characters and `lines` lines further on (no aliases in it)."""
    return Node(n.kind, n.start + offset, n.end + offset, n.line + lines, n.col, n.flow, n.anchor, n.tag, n.value,
                n.style,
                [(_moved(k, offset, lines), _moved(v, offset, lines)) for k, v in n.pairs] if n.pairs else n.pairs,
                [_moved(i, offset, lines) for i in n.items] if n.items else n.items)


MAX_EXPANDED_NODES = 1_000_000


def _expanded_size() -> Any:
    """size(node): how many nodes `node` stands for with its aliases expanded, capped just above
    MAX_EXPANDED_NODES (memoised per call of this function)."""
    sizes: dict[int, int] = {}

    def size(node: Node) -> int:
        node = node.resolved
        if node.kind == "scalar":
            return 1
        key = id(node)
        if key in sizes:
            return sizes[key]
        sizes[key] = 1  # cycle guard
        total = 1
        if node.kind == "map":
            for k, v in node.pairs:
                total += size(k) + size(v)
        elif node.kind == "seq":
            for item in node.items:
                total += size(item)
        sizes[key] = min(total, MAX_EXPANDED_NODES + 1)
        return sizes[key]

    return size


def _refuse_alias_bombs(root: Node) -> list[int] | None:
    """Refuse documents whose aliases expand to an absurd size ("billion laughs"): Backstage's
    loader refuses them too (maxAliasCount), and reading one would exhaust memory. Returns the size of
    each top-level section (key and value) of a mapping root: `reparse` adds them up again."""
    size = _expanded_size()
    if size(root) > MAX_EXPANDED_NODES:
        _alias_bomb(root)
    node = root.resolved
    # memoised now: one look per section (1 + their sum is the root's size when no alias is cyclic)
    return [size(k) + size(v) for k, v in node.pairs] if node.kind == "map" else None


def _alias_bomb(root: Node) -> None:
    first = next((n for n in walk(root) if n.kind == "alias"), root)
    raise YamlSyntaxError(
        f"aliases expand to more than {MAX_EXPANDED_NODES:,} values (an alias-expansion attack?), "
        f"e.g. *{first.value}; Backstage refuses such files too", first.line + 1, first.col + 1)


def _tag_text(tag: Any) -> str | None:
    """An event's tag as text (None when it has none)."""
    return (str(tag) or None) if tag is not None else None


_StyleCounts = tuple[Counter[int], Counter[int], Counter[int], Counter[bool]]  # indents, seq indents, seq offsets, flow spaces


@dataclass(slots=True)
class _Facts:
    """What one top-level section adds to its Document's duplicate keys and style counts."""

    dups: list[tuple[str, int, int]]
    firsts: list[tuple[int, int]]
    counts: _StyleCounts

    def moved(self, lines: int) -> _Facts:
        """The same section `lines` lines further on (its counts do not depend on where it is)."""
        if not lines or not self.dups:
            return self
        return _Facts([(k, ln + lines, c) for k, ln, c in self.dups], [(ln + lines, c) for ln, c in self.firsts],
                      self.counts)


def _section_facts(doc: Document, k: Node, v: Node) -> _Facts:
    return _section_facts_in(doc.text, doc.line_starts, k, v)


def _section_facts_in(text: str, line_starts: list[int], k: Node, v: Node) -> _Facts:
    """The facts of the top-level pair k: v of a block mapping (what _check_keys and detect_style find
    below the root for it, and the root's own count for it)."""
    dups: list[tuple[str, int, int]] = []
    firsts: list[tuple[int, int]] = []
    if v.kind == "map" or v.kind == "seq":
        _check_keys(v, dups, firsts)
    counts = _style_counts(text, line_starts, _collections(v))
    if v.kind == "map" and not v.flow and v.line > k.line:
        counts[0][v.col - k.col] += 1
    elif v.kind == "seq" and not v.flow and v.line > k.line:
        counts[1][v.col - k.col] += 1
    return _Facts(dups, firsts, counts)


def _combine_facts(doc: Document, facts: list[_Facts]) -> None:
    """doc.duplicates (in _check_keys's order: the root's keys, then the sections last to first) and
    doc.style from the sections' facts."""
    root = doc.root
    assert root is not None
    dups, firsts = doc.duplicates, doc.first_definitions
    dups.clear()
    firsts.clear()
    _key_dups(root, dups, firsts)
    for f in reversed(facts):
        dups.extend(f.dups)
        firsts.extend(f.firsts)
    total: _StyleCounts = (Counter(), Counter(), Counter(), Counter())
    for f in facts:
        for into, part in zip(total[:3], f.counts[:3], strict=True):  # the int-keyed counts; flow spaces count bools
            into.update(part)
        total[3].update(f.counts[3])
    doc.style = detect_style(doc, total)


def _key_dups(node: Node, dups: list[tuple[str, int, int]], firsts: list[tuple[int, int]]) -> None:
    """The duplicate keys of one mapping (not below it)."""
    counts: dict[Any, Node] = {}
    for k, _v in node.pairs:
        if k.kind == "scalar":
            text = k.value
            key = text if k.style or (text and text[0] not in _NON_STR_FIRST) else scalar_python(k)
            hashable = key if not isinstance(key, float) or key == key else "nan"
            if hashable in counts:
                dups.append((str(k.value), k.line + 1, k.col + 1))
                firsts.append((counts[hashable].line + 1, counts[hashable].col + 1))
            counts[hashable] = k


def _check_keys(root: Node, dups: list[tuple[str, int, int]], firsts: list[tuple[int, int]]) -> None:
    """Record duplicate keys (Backstage's loader refuses them) and non-scalar keys."""
    todo = [root]
    while todo:  # collections only: aliases are not followed, and a value node has one parent
        node = todo.pop()
        if node.kind == "map":
            counts: dict[Any, Node] = {}
            for k, v in node.pairs:
                if k.kind == "scalar":
                    text = k.value
                    # most keys are plain words: their value is their text (plain_scalar_value's first exit)
                    key = text if k.style or (text and text[0] not in _NON_STR_FIRST) else scalar_python(k)
                    hashable = key if not isinstance(key, float) or key == key else "nan"
                    if hashable in counts:
                        dups.append((str(k.value), k.line + 1, k.col + 1))
                        firsts.append((counts[hashable].line + 1, counts[hashable].col + 1))
                    counts[hashable] = k
                if v.kind == "map" or v.kind == "seq":
                    todo.append(v)
        elif node.kind == "seq":
            todo.extend(i for i in node.items if i.kind == "map" or i.kind == "seq")


def walk(node: Node | None) -> Iterator[Node]:
    """Every node below `node` (aliases are not followed)."""
    if node is None:
        return
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        if n.kind == "map":
            for k, v in reversed(n.pairs):
                todo.append(v)
                todo.append(k)
        elif n.kind == "seq":
            todo.extend(reversed(n.items))


def _collections(node: Node | None) -> Iterator[Node]:
    """The mappings and sequences among `node` and the nodes below it (what `walk` yields, without the
    scalars and aliases)."""
    todo = [node] if node is not None and (node.kind == "map" or node.kind == "seq") else []
    while todo:
        n = todo.pop()
        yield n
        if n.kind == "map":
            for k, v in n.pairs:
                if k.kind == "map" or k.kind == "seq":
                    todo.append(k)
                if v.kind == "map" or v.kind == "seq":
                    todo.append(v)
        else:
            todo.extend(i for i in n.items if i.kind == "map" or i.kind == "seq")


def _style_counts(text: str, line_starts: list[int], nodes: Iterable[Node]) -> _StyleCounts:
    """What the collections `nodes` say of the file's indentation, sequence offsets and flow spacing."""
    indents: Counter[int] = Counter()
    seq_indents: Counter[int] = Counter()
    seq_offsets: Counter[int] = Counter()
    flow_spaces: Counter[bool] = Counter()
    for node in nodes:
        if node.kind == "map" and not node.flow:
            for k, v in node.pairs:
                # values that are block collections tell us about indentation
                if v.kind == "map" and not v.flow and v.line > k.line:
                    indents[v.col - k.col] += 1
                elif v.kind == "seq" and not v.flow and v.line > k.line:
                    seq_indents[v.col - k.col] += 1
        elif node.kind == "seq" and not node.flow:
            for item in node.items:
                if item.kind == "map" and not item.flow and item.pairs:
                    seq_offsets[item.col - _dash_col_in(text, line_starts, item)] += 1
        elif node.flow and node.kind in ("map", "seq") and (node.pairs or node.items):
            inner = text[node.start + 1: node.start + 2]
            flow_spaces[inner == " "] += 1
    return indents, seq_indents, seq_offsets, flow_spaces


def detect_style(doc: Document, counts: _StyleCounts | None = None) -> Style:
    """How the file writes YAML; `counts`: _style_counts of every collection, when already known."""
    style = Style()
    text = doc.text
    nl = text.find("\n")
    if nl > 0 and text[nl - 1] == "\r":
        style.newline = "\r\n"
    if counts is None:
        counts = _style_counts(text, doc.line_starts, _collections(doc.root))
    indents, seq_indents, seq_offsets, flow_spaces = counts
    positive = {k: c for k, c in indents.items() if k > 0}
    if positive:
        style.indent = max(positive.items(), key=lambda kv: (kv[1], -kv[0]))[0]
    if seq_indents:
        style.seq_indent = max(seq_indents.items(), key=lambda kv: (kv[1], kv[0]))[0]
    else:
        style.seq_indent = style.indent
    offsets = {k: c for k, c in seq_offsets.items() if k >= 2}
    if offsets:
        style.seq_offset = max(offsets.items(), key=lambda kv: (kv[1], -kv[0]))[0]
    if flow_spaces:
        style.flow_spaces = flow_spaces[True] >= flow_spaces[False]
    root = doc.root
    if root is not None and root.kind == "map" and not root.flow and len(root.pairs) > 1:
        blank_before = 0
        for k, _ in root.pairs[1:]:
            ls = doc.line_starts
            prev = k.line - 1
            # walk back over comment lines to see whether a blank line separates the sections
            while prev >= 0:
                line = text[ls[prev]: ls[prev + 1] if prev + 1 < len(ls) else len(text)]
                if line.strip().startswith("#"):
                    prev -= 1
                    continue
                if line.strip() == "":
                    blank_before += 1
                break
        style.top_level_blank_lines = blank_before * 2 >= len(root.pairs) - 1
    return style


def _dash_col(doc: Document, item: Node) -> int:
    """Column of the `-` that introduces a block sequence item (searching back on its line)."""
    return _dash_col_in(doc.text, doc.line_starts, item)


def _dash_col_in(text: str, line_starts: list[int], item: Node) -> int:
    ls = line_starts[item.line]
    segment = text[ls: item.start]
    idx = segment.rfind("-")
    return idx if idx >= 0 else item.col


def dash_col(doc: Document, item: Node) -> int:
    return _dash_col(doc, item)
