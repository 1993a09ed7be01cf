"""TypeScript read through tree-sitter: the parse, node positions as `str` offsets, and the few queries
the TypeScript editors (backend_index, apis_ts, app_tsx) share.

Why a parser: the editors used to scan text with regexes over masks, which cannot tell the body of a
brace-less `if` from the statement after it, nor a comment inside a template literal from one outside.
tree-sitter gives every node's exact position, keeps comments as nodes of their own (so a commented-out
`backend.add(...)` is never code) and recovers from errors locally (so an edit can refuse when the place
it would touch is not understood, and go ahead when an unrelated corner of the file is).

Why lazily imported: `tree_sitter` and its grammars are compiled extensions that cost a few tens of
milliseconds to load. `spectro-wizard --version` and the TUI's first paint never parse TypeScript, so
nothing here imports them at module level: only `parse` does, the first time it runs.

Offsets: tree-sitter reports UTF-8 byte offsets; Python slices `str` by code point. A file with an `é`
or an emoji in a comment before the edit point would be spliced a few characters off if the two were
mixed, so every position leaving this module goes through `Doc.pos` (byte offset -> str offset).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tree_sitter import Language, Parser, Tree
    from tree_sitter import Node as Node  # re-exported: the editors annotate with it
else:
    Node = Any  # tree_sitter.Node, imported only lazily at run time (see the module docstring)

_LANGUAGES: dict[bool, Language] = {}


def _parser(tsx: bool) -> Parser:
    import tree_sitter  # lazily: see the module docstring
    import tree_sitter_typescript

    lang = _LANGUAGES.get(tsx)
    if lang is None:
        raw = tree_sitter_typescript.language_tsx() if tsx else tree_sitter_typescript.language_typescript()
        lang = _LANGUAGES[tsx] = tree_sitter.Language(raw)
    return tree_sitter.Parser(lang)


@dataclass(frozen=True, eq=False)
class Doc:
    """A parsed file: its text, its tree, and positions as offsets into `text`."""

    text: str
    tree: Tree
    tsx: bool
    # byte offset of the start of every code point, for files that are not pure ASCII (else None)
    _char_bytes: list[int] | None = field(default=None, repr=False)

    @property
    def root(self) -> Node:
        return self.tree.root_node

    def pos(self, byte: int) -> int:
        """The `str` offset of a UTF-8 byte offset reported by tree-sitter."""
        if self._char_bytes is None:
            return byte
        return bisect_right(self._char_bytes, byte) - 1 if byte < self._char_bytes[-1] else len(self.text)

    def start(self, node: Node) -> int:
        return self.pos(node.start_byte)

    def end(self, node: Node) -> int:
        return self.pos(node.end_byte)

    def slice(self, node: Node) -> str:
        return self.text[self.start(node): self.end(node)]

    def line(self, node: Node) -> int:
        """1-based line of the node's first character."""
        return node.start_point[0] + 1

    def walk(self, node: Node | None = None, comments: bool = False) -> Iterator[Node]:
        """Every node under `node` (default: the whole file) in document order, comments left out."""
        stack = [node if node is not None else self.root]
        while stack:
            n = stack.pop()
            if n.type == "comment" and not comments:
                continue
            yield n
            stack.extend(reversed(n.children))

    def of_type(self, *types: str, node: Node | None = None) -> list[Node]:
        return [n for n in self.walk(node) if n.type in types]

    def comments(self) -> list[Node]:
        return [n for n in self.walk(comments=True) if n.type == "comment"]

    def errors(self) -> list[Node]:
        """ERROR nodes and tokens the parser had to invent (MISSING): where it did not understand the file."""
        return [n for n in self.walk(comments=True) if n.type == "ERROR" or n.is_missing]

    def in_error(self, node: Node) -> bool:
        """Does `node`, or any node around it short of the whole file, hold a region the parser did not
        understand? (An error elsewhere at the top level leaves `node` alone: it is read the same.)"""
        n = node
        while n is not None and n.parent is not None:
            if n.type == "ERROR" or n.has_error:
                return True
            n = n.parent
        return False


@lru_cache(maxsize=16)
def parse(text: str, tsx: bool = False) -> Doc:
    """Parse TypeScript (`tsx=True`: the TSX grammar, for .tsx files). Cached: the editors ask about the
    same text several times (the reader, the edit, the self-check)."""
    data = text.encode("utf-8", "surrogatepass")
    tree = _parser(tsx).parse(data)
    char_bytes = None
    if len(data) != len(text):
        char_bytes = []
        b = 0
        for ch in text:
            char_bytes.append(b)
            o = ord(ch)
            b += 1 if o < 0x80 else 2 if o < 0x800 else 3 if o < 0x10000 else 4
        char_bytes.append(b)
    return Doc(text, tree, tsx, char_bytes)


def is_tsx(rel: str) -> bool:
    """The TSX grammar for .tsx/.jsx files (JSX), the TypeScript one otherwise (`<T>x` casts)."""
    return rel.endswith((".tsx", ".jsx"))


# ---- small queries ------------------------------------------------------------------------------

def items(node: Node) -> list[Node]:
    """The named children of a list-like node (array, object, arguments, named_imports...), comments
    left out."""
    return [c for c in node.named_children if c.type != "comment"]


def unwrap(node: Node | None) -> Node | None:
    """The expression inside parentheses, `x as T`, `x satisfies T` and `x!`."""
    while node is not None and node.type in ("parenthesized_expression", "as_expression",
                                              "satisfies_expression", "non_null_expression"):
        inner = items(node)
        node = inner[0] if inner else None
    return node


def string_value(doc: Doc, node: Node | None) -> str | None:
    """The value of a string literal, or of a template literal without `${}`; None for anything else."""
    if node is None or node.type not in ("string", "template_string"):
        return None
    if any(c.type == "template_substitution" for c in node.children):
        return None
    return doc.slice(node)[1:-1]


def call_name(doc: Doc, call: Node) -> str | None:
    """`createApp` for `createApp(...)`, `backend.start` for `backend.start(...)` (plain identifiers
    only: `a.b.c(...)` or `f()(...)` give None)."""
    fn = call.child_by_field_name("function")
    if fn is None:
        return None
    if fn.type == "identifier":
        return doc.slice(fn)
    if fn.type == "member_expression":
        obj, prop = fn.child_by_field_name("object"), fn.child_by_field_name("property")
        if obj is not None and prop is not None and obj.type == "identifier" and fn.child(1).type == ".":
            return f"{doc.slice(obj)}.{doc.slice(prop)}"
    return None


def calls(doc: Doc, name: str, node: Node | None = None) -> list[Node]:
    """Every call `name(...)` (`name` as `call_name` spells it) in code, never in comments or strings."""
    return [n for n in doc.walk(node) if n.type == "call_expression" and call_name(doc, n) == name]


def arguments(call: Node) -> list[Node]:
    args = call.child_by_field_name("arguments")
    return items(args) if args is not None and args.type == "arguments" else []


def key_name(doc: Doc, key: Node) -> str | None:
    if key.type in ("property_identifier", "shorthand_property_identifier", "identifier",
                    "shorthand_property_identifier_pattern"):
        return doc.slice(key)
    if key.type == "string":
        return string_value(doc, key)
    return None  # computed or numeric keys are never the ones looked for


def properties(doc: Doc, obj: Node) -> dict[str, Node]:
    """An object literal's properties by key: `pair` nodes, shorthand `{ a }` nodes and methods."""
    out: dict[str, Node] = {}
    for p in items(obj):
        if p.type in ("pair", "method_definition"):
            k = p.child_by_field_name("key") or p.child_by_field_name("name")
            name = key_name(doc, k) if k is not None else None
        elif p.type == "shorthand_property_identifier":
            name = doc.slice(p)
        else:
            continue
        if name is not None and name not in out:
            out[name] = p
    return out


def has_spread(obj: Node) -> bool:
    return any(c.type == "spread_element" for c in items(obj))


def prop_value(doc: Doc, obj: Node, key: str) -> Node | None:
    """The value of `key` in an object literal: the pair's value, or the identifier of a shorthand `{ key }`."""
    p = properties(doc, obj).get(key)
    if p is None:
        return None
    return p if p.type == "shorthand_property_identifier" else p.child_by_field_name("value")


def statement_of(node: Node) -> Node:
    """The statement `node` is part of (itself when it is one)."""
    n = node
    while n.parent is not None and n.parent.type not in ("program", "statement_block", "switch_body",
                                                           "switch_case", "switch_default", "class_body"):
        n = n.parent
    return n


def toplevel(doc: Doc) -> list[Node]:
    return items(doc.root)


# ---- imports ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportName:
    imported: str  # the exported name ('default' for a default import, '*' for a namespace import)
    local: str  # the name it is bound to in this file
    type_only: bool  # `import type {...}` or `import { type X }`


@dataclass(frozen=True)
class ImportDecl:
    node: Node
    source: str  # the module specifier, e.g. '@backstage/core-plugin-api'
    type_only: bool  # `import type ...`
    names: tuple[ImportName, ...]
    named: Node | None  # the `{ ... }` node, when there is one (where names can be added)


def imports(doc: Doc) -> list[ImportDecl]:
    """The file's top-level import declarations (side-effect imports `import 'x'` included, with no names)."""
    out: list[ImportDecl] = []
    for st in toplevel(doc):
        if st.type != "import_statement":
            continue
        src = st.child_by_field_name("source")
        source = string_value(doc, src)
        if source is None:
            continue
        type_only = any(c.type == "type" for c in st.children)
        names: list[ImportName] = []
        named = None
        clause = next((c for c in st.children if c.type == "import_clause"), None)
        for part in items(clause) if clause is not None else []:
            if part.type == "identifier":
                names.append(ImportName("default", doc.slice(part), type_only))
            elif part.type == "namespace_import":
                ident = next((c for c in part.children if c.type == "identifier"), None)
                if ident is not None:
                    names.append(ImportName("*", doc.slice(ident), type_only))
            elif part.type == "named_imports":
                named = part
                for spec in items(part):
                    if spec.type != "import_specifier":
                        continue
                    name = spec.child_by_field_name("name")
                    alias = spec.child_by_field_name("alias")
                    spec_type = any(c.type == "type" for c in spec.children)
                    if name is None:
                        continue
                    imported = string_value(doc, name) if name.type == "string" else doc.slice(name)
                    names.append(ImportName(imported or "", doc.slice(alias or name), type_only or spec_type))
        out.append(ImportDecl(st, source, type_only, tuple(names), named))
    return out


def declared_names(doc: Doc) -> dict[str, Node]:
    """Names bound at the top level of the file: imports, const/let/var (plain identifiers), functions,
    classes, enums, types and interfaces. The value is the node that binds the name."""
    out: dict[str, Node] = {}
    for imp in imports(doc):
        for n in imp.names:
            out.setdefault(n.local, imp.node)
    for st in toplevel(doc):
        decl = st
        if st.type == "export_statement":
            decl = st.child_by_field_name("declaration") or st
        if decl.type in ("lexical_declaration", "variable_declaration"):
            for d in items(decl):
                name = d.child_by_field_name("name") if d.type == "variable_declarator" else None
                if name is not None and name.type == "identifier":
                    out.setdefault(doc.slice(name), d)
        elif decl.type in ("function_declaration", "generator_function_declaration", "class_declaration",
                           "abstract_class_declaration", "enum_declaration", "type_alias_declaration",
                           "interface_declaration"):
            name = decl.child_by_field_name("name")
            if name is not None:
                out.setdefault(doc.slice(name), decl)
    return out


def toplevel_const(doc: Doc, name: str) -> tuple[Node, Node] | None:
    """(`statement`, `variable_declarator`) of a top-level `const|let|var name = ...` (exported or not)."""
    for st in toplevel(doc):
        decl = st.child_by_field_name("declaration") if st.type == "export_statement" else st
        if decl is None or decl.type not in ("lexical_declaration", "variable_declaration"):
            continue
        for d in items(decl):
            n = d.child_by_field_name("name") if d.type == "variable_declarator" else None
            if n is not None and n.type == "identifier" and doc.slice(n) == name:
                return st, d
    return None


def head_identifier(node: Node) -> Node | None:
    """The identifier an expression starts from through member accesses and calls: `k8s` for
    `k8s.withOverrides({...})`, `x` for `x`."""
    n: Node | None = node
    while n is not None:
        if n.type == "identifier":
            return n
        if n.type == "call_expression":
            n = n.child_by_field_name("function")
        elif n.type == "member_expression":
            n = n.child_by_field_name("object")
        else:
            return None
    return None
