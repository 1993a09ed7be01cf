"""Text splices over a positioned YAML document.

Every edit is a `Splice`: replace text[start:end] with new text. The primitives below compute splices
from the tree of `yamldoc` and render only the new fragments (`render`), so the bytes around an
edit are never touched. A batch of splices computed against one parse must not overlap;
`apply_splices` checks that and applies them back to front.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from wizard.core import render
from wizard.core.directives import DIRECTIVES
from wizard.core.yamldoc import Document, Node, Style, dash_col


class EditError(Exception):
    """The document has a shape the requested edit cannot be made in (message names the place)."""


@dataclass(frozen=True)
class Splice:
    start: int
    end: int
    text: str  # "\n" line breaks; converted to the file's own when applied

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError("splice start after end")


def apply_splices(text: str, splices: list[Splice], newline: str = "\n") -> str:
    if not splices:
        return text
    # Stable sort: inserts at the same offset keep the order they were produced in.
    ordered = sorted(enumerate(splices), key=lambda p: (p[1].start, p[1].end > p[1].start, p[0]))
    out: list[str] = []
    pos = 0
    for _, sp in ordered:
        if sp.start < pos:
            raise EditError(f"internal: overlapping edits at offset {sp.start}")
        out.append(text[pos: sp.start])
        new = sp.text if newline == "\n" else sp.text.replace("\n", newline)
        out.append(new)
        pos = sp.end
    out.append(text[pos:])
    return "".join(out)


def splice_spans(splices: list[Splice], newline: str = "\n") -> list[tuple[int, int, int]]:
    """What `apply_splices` does to the offsets: (start, end, length of the new text) per splice, for
    `yamldoc.reparse`."""
    if newline == "\n":
        return [(sp.start, sp.end, len(sp.text)) for sp in splices]
    return [(sp.start, sp.end, len(sp.text) + sp.text.count("\n") * (len(newline) - 1)) for sp in splices]


# ----------------------------------------------------------------------------------------------
# positions


def after_line(doc: Document, node: Node) -> int:
    """Offset of the line after the one where `node`'s text ends.

    A trailing comment on that line stays on it. Block scalars end at the start of the next line
    (after any blank lines they swallowed): back up to just after their last text line.
    """
    text = doc.text
    end = node.end
    if end > 0 and text[end - 1] == "\n" and node.kind == "scalar" and node.style in ("|", ">"):
        pos = end
        while True:
            prev_start = doc.line_start(pos - 1)
            if prev_start <= node.start or text[prev_start: pos].strip() != "":
                return pos
            pos = prev_start
    return doc.line_end(end)


def colon_after(doc: Document, key: Node) -> int:
    """Offset just after the `:` that follows a mapping key."""
    idx = doc.text.find(":", key.end)
    if idx < 0:
        raise EditError(f"line {key.line + 1}: no ':' after key {key.value!r}")
    return idx + 1


def _ensure_line_start(doc: Document, pos: int, text: str) -> str:
    """Text inserted at `pos` must start on a fresh line (a file may end without a newline)."""
    if pos > 0 and doc.text[pos - 1] != "\n":
        return "\n" + text
    return text


def neighbour_quote(node: Node | None) -> str:
    """How the string values next to an insertion are quoted: "", "'" or '"'."""
    if node is None or node.kind != "map":
        return ""
    counts: Counter[str] = Counter()
    for _, v in node.pairs:
        if v.kind == "scalar" and v.style in ("", "'", '"'):
            if v.style == "" and not isinstance(v.to_python(), str):
                continue
            counts[v.style] += 1
    if not counts:
        return ""
    best = max(counts.items(), key=lambda kv: (kv[1], kv[0] == ""))
    return best[0] if best[1] > counts.get("", 0) or best[0] == "" else ""


# ----------------------------------------------------------------------------------------------
# mappings


def _refuse_beside_directive(mapping: Node) -> None:
    """Backstage refuses a key beside `$include`/`$file`/`$env` ("include key $include should not have
    adjacent keys"): the planner follows or refuses directives before it edits; this is the last guard."""
    for k, _ in mapping.pairs:
        if k.kind == "scalar" and k.value in DIRECTIVES:
            raise EditError(f"line {k.line + 1}: the mapping is a `{k.value}` directive; a key beside it would make "
                            "Backstage refuse the config")


def add_pairs(doc: Document, mapping: Node, pairs: list[tuple[str, Any]], quote: str | None = None) -> list[Splice]:
    """Append new keys at the end of an existing (non-empty block, or flow) mapping."""
    if not pairs:
        return []
    _refuse_beside_directive(mapping)
    if quote is None:
        quote = neighbour_quote(mapping)
    style = doc.style
    if mapping.flow:
        return _add_flow_pairs(doc, mapping, pairs, quote)
    if not mapping.pairs:
        raise EditError(f"line {mapping.line + 1}: cannot add to an empty block mapping")
    col = mapping.pairs[0][0].col
    pos = after_line(doc, mapping.pairs[-1][1])
    text = render.lines_for_pairs(pairs, col, style, quote)
    return [Splice(pos, pos, _ensure_line_start(doc, pos, text))]


def _add_flow_pairs(doc: Document, mapping: Node, pairs: list[tuple[str, Any]], quote: str) -> list[Splice]:
    style = doc.style
    rendered = ", ".join(f"{render.key_text(k, True)}: {render.flow(v, style, quote)}" for k, v in pairs)
    if mapping.pairs:
        pos = mapping.pairs[-1][1].end
        return [Splice(pos, pos, ", " + rendered)]
    # `{}`: write inside the braces
    close = doc.text.rfind("}", mapping.start, mapping.end)
    sp = " " if style.flow_spaces else ""
    return [Splice(mapping.start + 1, close, sp + rendered + sp)]


def insert_pairs_after(doc: Document, mapping: Node, after_key: str, pairs: list[tuple[str, Any]]) -> list[Splice]:
    """Insert new keys right after `after_key` (so related settings stay together)."""
    found = mapping.pair(after_key)
    if found is None or mapping.flow:
        return add_pairs(doc, mapping, pairs)
    _refuse_beside_directive(mapping)
    key, value = found
    quote = neighbour_quote(mapping)
    pos = after_line(doc, value)
    text = render.lines_for_pairs(pairs, key.col, doc.style, quote)
    return [Splice(pos, pos, _ensure_line_start(doc, pos, text))]


def fill_value(doc: Document, key: Node, value: Node, new: Any, quote: str = "") -> list[Splice]:
    """Give a key whose value is empty/null/`{}`/a scalar a new (collection) value in block style."""
    style = doc.style
    if not render.is_collection(new):
        return set_scalar(doc, value, new)
    col = key.col + (style.indent if isinstance(new, dict) else style.seq_indent)
    body = " " * col + render.block_at(new, col, style, quote) + "\n"
    splices: list[Splice] = []
    if value.is_empty_value():
        pos = _after_owned_comments(doc, key)
    else:
        # `key: ~  # note` -> `key:  # note` + the block on the following lines
        colon = colon_after(doc, key)
        splices.append(Splice(colon, value.end, ""))
        pos = doc.line_end(value.end)
    splices.append(Splice(pos, pos, _ensure_line_start(doc, pos, body)))
    return splices


def _after_owned_comments(doc: Document, key: Node) -> int:
    """After `key:` and the comment lines indented under it (create-app's `kubernetes:` has one)."""
    text = doc.text
    pos = doc.line_end(key.end)
    while pos < len(text):
        end = doc.line_end(pos)
        line = text[pos:end]
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if stripped.startswith("#") and indent > key.col:
            pos = end
            continue
        break
    return pos


def set_scalar(doc: Document, node: Node, value: Any) -> list[Splice]:
    """Replace a scalar (or flow collection) in place, keeping its quoting where possible."""
    if node.kind == "scalar" and node.style in ("|", ">"):
        # A block scalar's text runs to the start of the next line (blank lines included): replace
        # up to the end of its last text line, keeping that line break and any blank lines after.
        end = after_line(doc, node)
        end -= 2 if doc.text[end - 2: end] == "\r\n" else (1 if doc.text[end - 1: end] == "\n" else 0)
        return [Splice(node.start, end, render.scalar(value))]
    if node.kind == "scalar" and node.style in ("'", '"') and isinstance(value, str):
        text = render.single_quoted(value) if node.style == "'" else render.double_quoted(value)
    else:
        text = render.scalar(value, flow=_inside_flow(doc, node))
    if node.is_empty_value():
        return [Splice(node.start, node.end, " " + text)]
    return [Splice(node.start, node.end, text)]


def _inside_flow(doc: Document, node: Node) -> bool:
    # A scalar inside `{...}`/`[...]` must avoid flow indicators. Cheap test: is there an unclosed
    # `{` or `[` on the line before it? Good enough for the values the wizard writes.
    start = doc.line_start(node.start)
    segment = doc.text[start: node.start]
    return segment.count("{") > segment.count("}") or segment.count("[") > segment.count("]")


def replace_value(doc: Document, key: Node, value: Node, new: Any, quote: str = "") -> list[Splice]:
    """Give `key` a new value, whatever the old one was."""
    style = doc.style
    if not render.is_collection(new):
        if value.kind == "scalar" or value.flow or value.kind == "alias":
            return set_scalar(doc, value, new)
        colon = colon_after(doc, key)
        end = after_line(doc, value)
        return [Splice(colon, end, " " + render.block_at(new, 0, style, quote) + "\n")]
    if value.kind in ("map", "seq") and not value.flow and value.line > key.line:
        same_shape = (value.kind == "map") == isinstance(new, dict)
        col = value.col if same_shape else key.col + (style.indent if isinstance(new, dict) else style.seq_indent)
        if same_shape:
            return [Splice(value.start, value.end, render.block_at(new, col, style, quote))]
        start = doc.line_start(value.start)
        return [Splice(start, value.end, " " * col + render.block_at(new, col, style, quote))]
    return fill_value(doc, key, value, new, quote)


def delete_pair(doc: Document, mapping: Node, key_name: str) -> list[Splice]:
    found = mapping.pair(key_name)
    if found is None:
        return []
    key, value = found
    idx = next(i for i, (k, _) in enumerate(mapping.pairs) if k is key)
    if mapping.flow:
        if idx + 1 < len(mapping.pairs):
            return [Splice(key.start, mapping.pairs[idx + 1][0].start, "")]
        if idx > 0:
            return [Splice(mapping.pairs[idx - 1][1].end, value.end, "")]
        return [Splice(key.start, value.end, "")]
    if len(mapping.pairs) == 1:
        return [Splice(mapping.start, mapping.end, "{}")]
    line_start = doc.line_start(key.start)
    if doc.text[line_start: key.start].strip() != "":
        # first key of a `- key: v` item: pull the next key up onto the dash line
        if idx + 1 < len(mapping.pairs):
            return [Splice(key.start, mapping.pairs[idx + 1][0].start, "")]
        return [Splice(key.start, value.end, "{}")]
    return [Splice(line_start, after_line(doc, value), "")]


# ----------------------------------------------------------------------------------------------
# sequences


def append_items(doc: Document, seq: Node, items: list[Any], quote: str = "") -> list[Splice]:
    if not items:
        return []
    style = doc.style
    if seq.flow:
        rendered = ", ".join(render.flow(v, style, quote) for v in items)
        if seq.items:
            pos = seq.items[-1].end
            return [Splice(pos, pos, ", " + rendered)]
        close = doc.text.rfind("]", seq.start, seq.end)
        sp = " " if style.flow_spaces else ""
        return [Splice(seq.start + 1, close, sp + rendered + sp)]
    dcol = dash_col(doc, seq.items[0]) if seq.items else seq.col
    pos = after_line(doc, seq.items[-1])
    item_style = _item_style(doc, seq)
    text = render.lines_for_items(items, dcol, item_style, quote)
    return [Splice(pos, pos, _ensure_line_start(doc, pos, text))]


def _item_style(doc: Document, seq: Node) -> Style:
    """The file style, with the dash-to-content offset this sequence itself uses."""
    from dataclasses import replace

    for item in seq.items:
        if item.kind == "map" and not item.flow and item.pairs:
            return replace(doc.style, seq_offset=max(2, item.col - dash_col(doc, item)))
    return doc.style


def replace_item(doc: Document, seq: Node, index: int, new: Any, quote: str = "") -> list[Splice]:
    item = seq.items[index]
    if seq.flow:
        return [Splice(item.start, item.end, render.flow(new, doc.style, quote))]
    return [Splice(item.start, item.end, render.block_at(new, item.col, _item_style(doc, seq), quote))]


def delete_item(doc: Document, seq: Node, index: int) -> list[Splice]:
    item = seq.items[index]
    if seq.flow:
        if index + 1 < len(seq.items):
            return [Splice(item.start, seq.items[index + 1].start, "")]
        if index > 0:
            return [Splice(seq.items[index - 1].end, item.end, "")]
        return [Splice(item.start, item.end, "")]
    if len(seq.items) == 1:
        return [Splice(seq.start, seq.end, "[]")]
    start = doc.line_start(item.start)
    return [Splice(start, after_line(doc, item), "")]


# ----------------------------------------------------------------------------------------------
# paths


def create_path(doc: Document, path: list[str], leaf: Any) -> list[Splice]:
    """Make `path` exist with value `leaf`, creating the missing mappings on the way.

    The deepest existing mapping on the path receives one new key holding the rest of the path.
    """
    root = doc.root
    nested: Any = leaf
    if root is None or (root.kind == "scalar" and root.is_null()):
        for key in reversed(path):
            nested = {key: nested}
        body = render.block_at(nested, 0, doc.style) + "\n"
        pos = len(doc.text) if doc.doc_end is None else doc.doc_end
        if root is not None and not root.is_empty_value():
            return [Splice(root.start, root.end, body.rstrip("\n"))]
        return [Splice(pos, pos, _ensure_line_start(doc, pos, body))]
    root = root.resolved
    if root.kind != "map":
        raise EditError(f"line {root.line + 1}: the config is not a mapping of keys")
    node = root
    parent_key: Node | None = None
    depth = 0
    for depth, key in enumerate(path):
        found = node.pair(key)
        if found is None:
            break
        k, v = found
        if v.kind == "alias":
            raise EditError(
                f"line {v.line + 1}: '{'.'.join(path[: depth + 1])}' is an alias (*{v.value}); "
                "edit the anchored value by hand or replace the alias"
            )
        if v.kind != "map" or (v.flow and not v.pairs and depth + 1 < len(path)):
            if v.kind == "scalar" and v.is_null() or (v.kind == "map" and v.flow and not v.pairs):
                rest = leaf
                for kk in reversed(path[depth + 1:]):
                    rest = {kk: rest}
                return fill_value(doc, k, v, rest)
            if depth + 1 == len(path):
                return replace_value(doc, k, v, leaf)
            raise EditError(
                f"line {v.line + 1}: '{'.'.join(path[: depth + 1])}' is not a mapping; fix it by hand first"
            )
        parent_key = k
        node = v
    else:
        # the whole path exists: the last value is a mapping to merge into
        return []
    rest = leaf
    for key in reversed(path[depth + 1:]):
        rest = {key: rest}
    if node is root:
        return _add_top_level(doc, [(path[depth], rest)])
    del parent_key
    return add_pairs(doc, node, [(path[depth], rest)])


def _add_top_level(doc: Document, pairs: list[tuple[str, Any]]) -> list[Splice]:
    root = doc.root
    assert root is not None
    if root.flow:
        return add_pairs(doc, root, pairs)
    col = root.pairs[0][0].col if root.pairs else 0
    text = render.lines_for_pairs(pairs, col, doc.style)
    if doc.doc_end is not None:
        pos = doc.doc_end
    else:
        pos = len(doc.text)
    prefix = ""
    if pos > 0 and doc.text[pos - 1] != "\n":
        prefix = "\n"
    if doc.style.top_level_blank_lines and doc.text[:pos].strip():
        if not doc.text[:pos].endswith("\n\n"):
            prefix += "\n"
    return [Splice(pos, pos, prefix + text)]
