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
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterator

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

try:  # libyaml: same events, ~30x faster on large configs
    from _ruamel_yaml import CParser as _CParser  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the platform
    _CParser = None

BOM = "\ufeff"


def mappings(node: "Node | None") -> list["Node"]:
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


@dataclass(eq=False)
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
    pairs: list[tuple["Node", "Node"]] = field(default_factory=list)
    items: list["Node"] = field(default_factory=list)
    target: "Node | None" = None  # alias: the anchored node

    # ---- navigation -------------------------------------------------------------------------
    def get(self, key: str) -> "Node | None":
        """The value node under `key` in a mapping (the last one if duplicated), else None."""
        if self.kind != "map":
            return None
        found = None
        for k, v in self.pairs:
            if k.kind == "scalar" and k.value == key:
                found = v
        return found

    def pair(self, key: str) -> tuple["Node", "Node"] | None:
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
    def resolved(self) -> "Node":
        """Follow an alias to the node it names."""
        node = self
        while node.kind == "alias" and node.target is not None:
            node = node.target
        return node

    def is_null(self) -> bool:
        return self.kind == "scalar" and self.style == "" and self.tag in (None, "!!null", "tag:yaml.org,2002:null") and _is_null_plain(self.value)

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


def plain_scalar_value(text: str) -> Any:
    """YAML 1.2 core schema resolution of a plain scalar (what Backstage's loader returns)."""
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
            key = to_python(k, _depth + 1)
            if isinstance(key, (list, dict)):
                key = repr(key)
            out[key] = to_python(v, _depth + 1)
        return out
    return None


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
        parser = _CParser(text)
        while parser.check_event():
            yield parser.get_event()
        return
    yield from YAML(typ="safe", pure=True).parse(text)


def _syntax_error(exc: Exception) -> YamlSyntaxError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).strip().splitlines()[0]
    context = getattr(exc, "context", None) or ""
    cmark = getattr(exc, "context_mark", None)
    if context and problem and context not in problem:
        problem = f"{problem} ({context})"
    line = (mark.line + 1) if mark is not None else 0
    col = (mark.column + 1) if mark is not None else 0
    cline = (cmark.line + 1) if cmark is not None else 0
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
    body = text[bom:]
    if "\x00" in body:
        raise YamlSyntaxError("the file holds NUL bytes: it is binary, not YAML")
    root: Node | None = None
    stack: list[tuple[Node, list[Node]]] = []  # (collection, pending key for maps)
    anchors: dict[str, Node] = {}
    documents = 0
    doc_start_marker = False
    doc_end: int | None = None

    def attach(node: Node) -> None:
        nonlocal root
        if not stack:
            root = node
            return
        parent, pending = stack[-1]
        if parent.kind == "seq":
            parent.items.append(node)
        elif pending:
            key = pending.pop()
            if node.kind == "scalar" and node.value == "" and node.style == "" and node.start == node.end and not parent.flow:
                # An empty value (`key:`): libyaml places it right after the colon, ruamel's pure
                # parser at the next token (lines later). Pin it after the colon for both.
                colon = body.find(":", key.end - bom)
                if colon >= 0:
                    node.start = node.end = colon + 1 + bom
                    node.line, node.col = key.line, key.col + (node.start - key.start)
            parent.pairs.append((key, node))
        else:
            pending.append(node)

    try:
        for ev in _events(body, pure):
            cls = type(ev).__name__
            if cls == "ScalarEvent":
                sm, em = ev.start_mark, ev.end_mark
                node = Node(
                    "scalar", sm.index + bom, em.index + bom, sm.line, sm.column,
                    anchor=ev.anchor, tag=_tag(ev.tag), value=ev.value, style=ev.style or "",
                )
                if ev.anchor:
                    anchors[ev.anchor] = node
                attach(node)
            elif cls in ("MappingStartEvent", "SequenceStartEvent"):
                sm = ev.start_mark
                node = Node(
                    "map" if cls == "MappingStartEvent" else "seq",
                    sm.index + bom, sm.index + bom, sm.line, sm.column,
                    flow=bool(ev.flow_style), anchor=ev.anchor, tag=_tag(ev.tag),
                )
                if ev.anchor:
                    anchors[ev.anchor] = node
                attach(node)
                stack.append((node, []))
                if len(stack) > 400:
                    raise YamlSyntaxError("the document nests more than 400 levels deep", sm.line + 1, sm.column + 1)
            elif cls in ("MappingEndEvent", "SequenceEndEvent"):
                node, _ = stack.pop()
                if node.flow:
                    node.end = ev.end_mark.index + bom
                else:
                    last = node.pairs[-1][1] if node.kind == "map" and node.pairs else (node.items[-1] if node.items else None)
                    node.end = last.end if last is not None else node.start
            elif cls == "AliasEvent":
                sm, em = ev.start_mark, ev.end_mark
                target = anchors.get(ev.anchor)
                if target is None:
                    raise YamlSyntaxError(f"alias *{ev.anchor} names no anchor defined before it", sm.line + 1, sm.column + 1)
                attach(Node("alias", sm.index + bom, em.index + bom, sm.line, sm.column, value=ev.anchor, target=target))
            elif cls == "DocumentStartEvent":
                documents += 1
                if documents > 1:
                    sm = ev.start_mark
                    raise YamlSyntaxError(
                        "the file holds more than one YAML document; Backstage reads a single document per config file",
                        sm.line + 1, sm.column + 1,
                    )
                doc_start_marker = bool(getattr(ev, "explicit", False))
            elif cls == "DocumentEndEvent":
                if getattr(ev, "explicit", False):
                    doc_end = ev.start_mark.index + bom
    except YamlSyntaxError:
        raise
    except (MarkedYAMLError, YAMLError) as exc:
        raise _syntax_error(exc) from None
    except Exception as exc:  # libyaml reports some problems as plain exceptions
        raise _syntax_error(exc) from None

    doc = Document(text=text, root=root, style=Style(), bom=bom, doc_start_marker=doc_start_marker, doc_end=doc_end)
    doc.line_starts = _line_starts(text)
    if anchors and root is not None:
        _refuse_alias_bombs(root)
    if root is not None:
        _check_keys(root, doc)
    doc.style = detect_style(doc)
    return doc


MAX_EXPANDED_NODES = 1_000_000


def _refuse_alias_bombs(root: Node) -> None:
    """Refuse documents whose aliases expand to an absurd size ("billion laughs"): Backstage's
    loader refuses them too (maxAliasCount), and reading one would exhaust memory."""
    sizes: dict[int, int] = {}

    def size(node: Node) -> int:
        node = node.resolved
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

    if size(root) > MAX_EXPANDED_NODES:
        first = next((n for n in walk(root) if n.kind == "alias"), root)
        raise YamlSyntaxError(
            f"aliases expand to more than {MAX_EXPANDED_NODES:,} values (an alias-expansion attack?), "
            f"e.g. *{first.value}; Backstage refuses such files too", first.line + 1, first.col + 1)


def _tag(tag: Any) -> str | None:
    if not tag:
        return None
    return str(tag)


def _check_keys(root: Node, doc: Document) -> None:
    """Record duplicate keys (Backstage's loader refuses them) and non-scalar keys."""
    todo = [root]
    seen: set[int] = set()
    while todo:
        node = todo.pop()
        if id(node) in seen or node.kind == "alias":
            continue
        seen.add(id(node))
        if node.kind == "map":
            counts: dict[Any, Node] = {}
            for k, v in node.pairs:
                if k.kind == "scalar":
                    key = scalar_python(k)
                    hashable = key if not isinstance(key, float) or key == key else "nan"
                    if hashable in counts:
                        doc.duplicates.append((str(k.value), k.line + 1, k.col + 1))
                        doc.first_definitions.append((counts[hashable].line + 1, counts[hashable].col + 1))
                    counts[hashable] = k
                todo.append(v)
        elif node.kind == "seq":
            todo.extend(node.items)


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


def detect_style(doc: Document) -> Style:
    style = Style()
    text = doc.text
    nl = text.find("\n")
    if nl > 0 and text[nl - 1] == "\r":
        style.newline = "\r\n"
    indents: Counter[int] = Counter()
    seq_indents: Counter[int] = Counter()
    seq_offsets: Counter[int] = Counter()
    flow_spaces: Counter[bool] = Counter()
    for node in walk(doc.root):
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
                    seq_offsets[item.col - _dash_col(doc, item)] += 1
        elif node.flow and node.kind in ("map", "seq") and (node.pairs or node.items):
            inner = text[node.start + 1: node.start + 2]
            flow_spaces[inner == " "] += 1
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
    ls = doc.line_starts[item.line]
    segment = doc.text[ls: item.start]
    idx = segment.rfind("-")
    return idx if idx >= 0 else item.col


def dash_col(doc: Document, item: Node) -> int:
    return _dash_col(doc, item)
