"""Splicing new code into a TypeScript file at positions the parser found, in the file's own style.

The editors built on this (apis_ts, app_tsx; backend_index keeps its own line-based block) never print
code they did not add: every change is an `Insertion` (an offset into the original text and the text to
put there), so removing the insertions gives the original back byte for byte, and that is checked
after every edit.

What is added is written once, in one canonical style (single quotes, semicolons, two-space indent,
trailing commas, LF), and `restyle` turns it into the file's style (`style_of`): the quote character
most of its imports use, semicolons or not, its indent unit, trailing commas as its multi-line lists
use them, CRLF. Restyling goes through the parser too (a `;` is removed only where it ends a statement,
a quote is swapped only around a string literal), so the template stays readable TypeScript.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from wizard.core.tsparse import Doc, Node, declared_names, imports, items, parse

PRINT_WIDTH = 80  # prettier's default (and Backstage's): where a new import wraps onto several lines


@dataclass(frozen=True)
class Style:
    quote: str = "'"
    semi: bool = True
    indent: str = "  "
    newline: str = "\n"
    trailing_comma: bool = True


@dataclass(frozen=True)
class Insertion:
    offset: int  # where `text` goes, as an offset into the text before the edit
    text: str


@dataclass
class TsEdit:
    """The result of an edit: `after == before` when nothing changes or when the edit is `manual`."""

    before: str
    after: str
    added: list[str] = field(default_factory=list)  # what this edit adds, in words ('import OAuth2', ...)
    present: list[str] = field(default_factory=list)  # what was already there
    manual: str | None = None  # why the file cannot be edited safely, and the exact text to add by hand
    insertions: list[Insertion] = field(default_factory=list)  # offsets into `before`, in order
    by_hand: str = ""  # with `manual`: the code to add, laid out in the file's style, for a UI to show

    @property
    def changed(self) -> bool:
        return self.after != self.before


# ---- text positions -----------------------------------------------------------------------------

def newline_of(text: str) -> str:
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    return "\r\n" if crlf and crlf >= lf else "\n"


def line_start(text: str, pos: int) -> int:
    """The start of the line holding `pos` (after a byte-order mark on the first line: it stays first)."""
    start = text.rfind("\n", 0, pos) + 1
    return 1 if start == 0 and text.startswith("\ufeff") and pos > 0 else start


def line_end(text: str, pos: int) -> int:
    """The offset of the line break ending the line holding `pos` (`\\r` of a CRLF), or len(text)."""
    j = text.find("\n", pos)
    if j < 0:
        return len(text)
    return j - 1 if j > 0 and text[j - 1] == "\r" else j


def indent_at(text: str, pos: int) -> str:
    """The leading blanks of the line holding `pos`."""
    start = line_start(text, pos)
    m = re.match(r"[ \t]*", text[start:])
    return m.group(0) if m else ""


def first_on_line(text: str, pos: int) -> bool:
    return text[line_start(text, pos): pos].strip(" \t") == ""


def attached_start(doc: Doc, node: Node) -> int:
    """Where `node` starts, counting the comments right above it (no blank line between: its JSDoc)
    as part of it, so that code added in front of it does not come between it and its comment."""
    first = node
    prev = node.prev_sibling
    while prev is not None and prev.type == "comment" and prev.end_point[0] >= first.start_point[0] - 1:
        first = prev
        prev = prev.prev_sibling
    return doc.start(first)


def splice(text: str, insertions: list[Insertion]) -> str:
    out, last = [], 0
    for ins in sorted(insertions, key=lambda i: i.offset):  # stable: same offset keeps the given order
        out += [text[last: ins.offset], ins.text]
        last = ins.offset
    out.append(text[last:])
    return "".join(out)


def unsplice(after: str, insertions: list[Insertion]) -> str:
    """Remove the insertions from the text `splice` made of them."""
    out, pos, shift = [], 0, 0
    for ins in sorted(insertions, key=lambda i: i.offset):
        at = ins.offset + shift
        if after[at: at + len(ins.text)] != ins.text:
            return "\0not the spliced text\0"
        out.append(after[pos: at])
        pos = at + len(ins.text)
        shift += len(ins.text)
    out.append(after[pos:])
    return "".join(out)


def indent_block(block: str, base: str) -> str:
    """Prefix every non-empty line of `block` with `base`."""
    return "".join(base + line if line.strip() else line for line in block.splitlines(keepends=True))


# ---- style --------------------------------------------------------------------------------------

_SEMI_STATEMENTS = ("expression_statement", "lexical_declaration", "variable_declaration", "import_statement",
                    "return_statement", "type_alias_declaration", "throw_statement")
_LISTS = ("array", "object", "named_imports", "arguments", "formal_parameters", "object_pattern",
          "array_pattern", "export_clause", "type_arguments", "object_type")
_CLOSERS = (")", "]", "}", ">")


def _quote_votes(doc: Doc) -> Counter[str]:
    votes: Counter[str] = Counter()
    for imp in imports(doc):
        src = imp.node.child_by_field_name("source")
        if src is not None:
            votes[doc.slice(src)[0]] += 1
    for n in doc.walk():
        fn = n.child_by_field_name("function") if n.type == "call_expression" else None
        args = n.child_by_field_name("arguments") if fn is not None and fn.type == "import" else None
        if args is not None:
            arg = items(args)
            if arg and arg[0].type == "string":
                votes[doc.slice(arg[0])[0]] += 1
    return votes


def quote_of(doc: Doc) -> str:
    """The quote most module specifiers use (imports and `import()`), else most string literals outside
    JSX, else `'`."""
    votes = _quote_votes(doc)
    if not votes:
        for n in doc.walk():
            if n.type == "string" and (n.parent is None or not n.parent.type.startswith("jsx")):
                votes[doc.slice(n)[0]] += 1
    if votes['"'] > votes["'"]:
        return '"'
    return "'"


def _semi_votes(doc: Doc) -> Counter[bool]:
    votes: Counter[bool] = Counter()
    for n in doc.walk():
        if n.type in _SEMI_STATEMENTS or (n.type == "export_statement" and n.child_by_field_name("declaration") is None):
            last = n.children[-1] if n.children else None
            if last is not None and not last.is_missing:
                votes[last.type == ";" and last.end_byte > last.start_byte] += 1
    return votes


def _trailing_comma_votes(doc: Doc) -> Counter[bool]:
    votes: Counter[bool] = Counter()
    for n in doc.walk():
        if n.type not in _LISTS or not n.children or n.children[-1].type not in _CLOSERS:
            continue
        its = items(n)
        if not its:
            continue
        close = n.children[-1]
        if close.start_point[0] == its[-1].end_point[0]:
            continue  # a one-line list says nothing about trailing commas
        after = [c for c in n.children if c.start_byte >= its[-1].end_byte and c.type != "comment"]
        votes[bool(after) and after[0].type == ","] += 1
    return votes


def indent_unit_of(doc: Doc) -> str:
    """The most common step between a multi-line list's or block's line and its items' lines."""
    text = doc.text
    steps: Counter[str] = Counter()
    for n in doc.walk():
        if n.type not in _LISTS + ("statement_block", "class_body", "switch_body", "jsx_element"):
            continue
        outer = indent_at(text, doc.start(n))
        for c in items(n):
            pos = doc.start(c)
            if c.start_point[0] == n.start_point[0] or not first_on_line(text, pos):
                continue
            inner = indent_at(text, pos)
            if inner.startswith(outer) and len(inner) > len(outer):
                steps[inner[len(outer):]] += 1
            break
    if not steps:
        return "  "
    step = steps.most_common(1)[0][0]
    if "\t" in step:
        return "\t"
    return step


def style_of(doc: Doc) -> Style:
    semi = _semi_votes(doc)
    tc = _trailing_comma_votes(doc)
    return Style(
        quote=quote_of(doc),
        semi=semi[True] >= semi[False],
        indent=indent_unit_of(doc),
        newline=newline_of(doc.text),
        trailing_comma=tc[True] >= tc[False],
    )


def restyle(snippet: str, style: Style, tsx: bool = False) -> str:
    """Turn code written in the canonical style (single quotes, semicolons, two-space indent, trailing
    commas, LF) into `style`. Only what the parser says is a string delimiter, a statement's `;` or a
    list's trailing `,` is touched."""
    doc = parse(snippet, tsx)
    if doc.errors():
        raise ValueError("restyle: the snippet does not parse")
    edits: list[tuple[int, int, str]] = []
    for n in doc.walk():
        if n.type == "string" and style.quote != "'" and not (n.parent and n.parent.type.startswith("jsx")):
            body = doc.slice(n)[1:-1]
            if doc.slice(n)[0] == "'" and style.quote not in body and "\\" not in body:
                edits += [(doc.start(n), doc.start(n) + 1, style.quote), (doc.end(n) - 1, doc.end(n), style.quote)]
        elif n.type == ";" and not style.semi and n.parent is not None and n.parent.children[-1] == n \
                and n.parent.type not in ("for_statement", "for_in_statement"):
            edits.append((doc.start(n), doc.end(n), ""))
        elif n.type == "," and not style.trailing_comma and n.parent is not None:
            sibs = [c for c in n.parent.children if c.start_byte >= n.end_byte and c.type != "comment"]
            if sibs and sibs[0].type in _CLOSERS and sibs[0].start_point[0] > n.end_point[0]:
                edits.append((doc.start(n), doc.end(n), ""))
    out = snippet
    for start, end, new in sorted(edits, reverse=True):
        out = out[:start] + new + out[end:]
    if style.indent != "  ":
        lines = []
        for line in out.split("\n"):
            spaces = len(line) - len(line.lstrip(" "))
            lines.append(style.indent * (spaces // 2) + " " * (spaces % 2) + line[spaces:])
        out = "\n".join(lines)
    check = parse(out, tsx)
    if check.errors() or len(items(check.root)) != len(items(doc.root)):
        raise ValueError("restyle changed the meaning of the snippet")
    return out.replace("\n", style.newline) if style.newline != "\n" else out


# ---- lists --------------------------------------------------------------------------------------

def trailing_comma_after(container: Node, last: Node) -> Node | None:
    """The `,` right after a list's last item (comments skipped), if there is one."""
    after = [c for c in container.children if c.start_byte >= last.end_byte and c.type != "comment"]
    return after[0] if after and after[0].type == "," else None


def is_multiline(doc: Doc, container: Node) -> bool:
    """Does the list close on a line of its own (`]` first on its line, below the `[`)?"""
    close = container.children[-1]
    return close.start_point[0] > container.start_point[0] and first_on_line(doc.text, doc.start(close))


def append_items(doc: Doc, container: Node, new: list[str], style: Style, pad: str = " ",
                 lines: bool = False) -> list[Insertion]:
    """Insertions appending `new` (code in the file's style; may span lines, unindented) to a list
    (array, object, `{ }` of an import, arguments) after its last item, the way the list is laid out:

    - one item per line when the closing bracket is on a line of its own: indented like the first item,
      a `,` added after the old last item when it had none, a trailing `,` on ours as the list had one;
    - inline (`[a, b]` -> `[a, b, c]`) when the list is on one line, unless `lines` asks for one item
      per line anyway (a multi-line item inside a one-line list reads badly);
    - `pad` is the space inside an empty one-line list's brackets (`{ a }` but `[a]`).
    """
    text, nl = doc.text, style.newline
    its = items(container)
    last = its[-1] if its else None
    tc_node = trailing_comma_after(container, last) if last is not None else None
    open_, close = container.children[0], container.children[-1]
    close_pos = doc.start(close)
    out: list[Insertion] = []
    if is_multiline(doc, container) or (lines and last is None and doc.end(open_) == close_pos):
        if not is_multiline(doc, container):  # `[]`: open it up
            base = indent_at(text, close_pos)
            inner = base + style.indent
            body = "".join(indent_block(it, inner) + ("," if k < len(new) - 1 or style.trailing_comma else "") + nl
                           for k, it in enumerate(new))
            return [Insertion(doc.end(open_), nl + body + base)]
        tc = tc_node is not None if last is not None else style.trailing_comma
        if its and first_on_line(text, doc.start(its[0])):
            inner = indent_at(text, doc.start(its[0]))
        else:
            inner = indent_at(text, close_pos) + style.indent
        if last is not None and tc_node is None:
            out.append(Insertion(doc.end(last), ","))
        body = "".join(indent_block(it, inner) + ("," if k < len(new) - 1 or tc else "") + nl
                       for k, it in enumerate(new))
        out.append(Insertion(line_start(text, close_pos), body))
        return out
    if lines:
        base = indent_at(text, close_pos)
        inner = base + style.indent
        if last is not None and tc_node is None:
            out.append(Insertion(doc.end(last), ","))
        body = "".join(indent_block(it, inner) + ("," if k < len(new) - 1 or style.trailing_comma else "") + nl
                       for k, it in enumerate(new))
        out.append(Insertion(close_pos, nl + body + base))
        return out
    joined = ", ".join(new)
    if last is not None:
        if tc_node is not None:
            return [Insertion(doc.end(tc_node), " " + joined + ",")]
        return [Insertion(doc.end(last), ", " + joined)]
    if doc.end(open_) == close_pos:
        return [Insertion(close_pos, pad + joined + pad)]
    return [Insertion(doc.end(open_), pad + joined if pad else joined)]


# ---- imports ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Wanted:
    """A name the added code uses and where it is imported from when the file does not bind it yet."""

    name: str
    source: str
    type_only: bool = False
    default: bool = False


def uses_inline_type(doc: Doc) -> bool:
    """Does the file mark type imports inline (`import { type X }`)? Then added type names are too."""
    return any(n.type == "import_specifier" and any(c.type == "type" for c in n.children)
               for imp in imports(doc) if imp.named is not None for n in items(imp.named))


def import_text(names: list[str], source: str, style: Style, default: str | None = None) -> str:
    """`import { a, b } from 'source';` in the file's style, wrapped one name a line past PRINT_WIDTH."""
    q, semi = style.quote, ";" if style.semi else ""
    head = f"{default}, " if default and names else (default or "")
    one = f"import {head}{{ {', '.join(names)} }} from {q}{source}{q}{semi}" if names else \
        f"import {head} from {q}{source}{q}{semi}"
    if len(one) <= PRINT_WIDTH or not names:
        return one
    tc = "," if style.trailing_comma else ""
    body = f",{style.newline}".join(style.indent + n for n in names)
    return f"import {head}{{{style.newline}{body}{tc}{style.newline}}} from {q}{source}{q}{semi}"


def missing(doc: Doc, wanted: list[Wanted]) -> list[Wanted]:
    """The wanted names the file does not bind at its top level yet (each once)."""
    bound = declared_names(doc)
    out: list[Wanted] = []
    for w in wanted:
        if w.name not in bound and all(w.name != o.name for o in out):
            out.append(w)
    return out


def add_imports(doc: Doc, style: Style, wanted: list[Wanted]) -> tuple[list[Insertion], list[str]]:
    """Insertions importing every wanted name the file does not bind yet, and those names.

    A named import goes into an existing `import { ... } from 'SOURCE'` when there is one (eslint's
    import/no-duplicates, and how people write them); a type-only name goes into `import type { ... }`
    from that source when the file has one and does not write `type` inline; what is left becomes new
    declarations, one per source, after the file's last import."""
    todo = missing(doc, wanted)
    if not todo:
        return [], []
    inline_type = uses_inline_type(doc)
    decls = imports(doc)
    out: list[Insertion] = []
    new_decls: list[str] = []
    names_out: list[str] = []
    sources: list[str] = []
    for w in todo:
        if w.source not in sources:
            sources.append(w.source)
    for source in sources:
        group = [w for w in todo if w.source == source and not w.type_only]  # values first, then types
        group += [w for w in todo if w.source == source and w.type_only]
        names_out += [w.name for w in group]
        value_decl = next((d for d in decls if d.source == source and not d.type_only and d.named is not None), None)
        type_decl = next((d for d in decls if d.source == source and d.type_only and d.named is not None), None)
        defaults = [w for w in group if w.default]
        named = [w for w in group if not w.default]
        into_value: list[str] = []
        into_type: list[str] = []
        fresh: list[str] = []
        for w in named:
            if w.type_only and type_decl is not None and not inline_type:
                into_type.append(w.name)
            elif value_decl is not None:
                into_value.append(f"type {w.name}" if w.type_only and inline_type else w.name)
            else:
                fresh.append(f"type {w.name}" if w.type_only and inline_type else w.name)
        if into_value and value_decl is not None and value_decl.named is not None:
            out += append_items(doc, value_decl.named, into_value, style)
        if into_type and type_decl is not None and type_decl.named is not None:
            out += append_items(doc, type_decl.named, into_type, style)
        default = defaults[0].name if defaults else None
        plain_default = next((d for d in decls if d.source == source and not d.type_only and d.named is not None
                              and not any(n.imported == "default" for n in d.names)), None)
        if default and plain_default is not None and plain_default.named is not None and not fresh:
            out.append(Insertion(doc.start(plain_default.named), f"{default}, "))
            default = None
        if fresh or default:
            new_decls.append(import_text(fresh, source, style, default))
    if new_decls:
        out.append(_after_last_import(doc, style, new_decls))
    return out, names_out


def _after_last_import(doc: Doc, style: Style, decls: list[str]) -> Insertion:
    text, nl = doc.text, style.newline
    all_imports = imports(doc)
    if all_imports:
        end = doc.end(all_imports[-1].node)
        eol = line_end(text, end)
        if eol >= len(text):  # the last import ends the file, without a final newline: keep it missing
            return Insertion(len(text), "".join(nl + d for d in decls))
        return Insertion(text.index("\n", eol) + 1, "".join(d + nl for d in decls))
    first = next((n for n in items(doc.root)), None)
    if first is None:
        at = len(text)
        return Insertion(at, ("" if at == 0 or text.endswith("\n") else nl) + "".join(d + nl for d in decls))
    return Insertion(line_start(text, attached_start(doc, first)), "".join(d + nl for d in decls) + nl)

