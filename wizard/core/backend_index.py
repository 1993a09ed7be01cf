"""Adding `backend.add(import('PKG'));` lines to a Backstage backend's `packages/backend/src/index.ts`.

Pure text in, text out: nothing here reads or writes files. Like every other edit in this project the
change is non-destructive: outside the inserted lines not one byte moves (comments, blank lines, CRLF
line endings, a missing final newline, tabs). When the file cannot be edited safely the result says so
in one sentence (`IndexEdit.manual`) with the exact line(s) to add by hand, and `after == before`.

The file is read through tree-sitter (wizard.core.tsparse): the `createBackend()` binding, the
`NAME.add(import('...'))` calls and the one `NAME.start()` call are syntax nodes, so a commented-out
line or a string that merely looks like code never counts, and the block goes in front of the statement
that starts the backend wherever that statement is: at the top level, indented inside `main()` or an
IIFE, chained (`NAME.start().catch(...)`), awaited or voided, or the brace-less body of an `if`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wizard.core.tsparse import Doc, Node, arguments, calls, parse, string_value

BLOCK_COMMENT = "// SpectroCloud (added by spectro-wizard)"

_PKG_RE = re.compile(r"^(?:@[A-Za-z0-9._~-]+/)?[A-Za-z0-9._~-]+(?:/[A-Za-z0-9._~-]+)*$")
# where statements can be inserted: before a statement of one of these
_STATEMENT_LISTS = ("program", "statement_block", "switch_case", "switch_default")


def package_of(specifier: str) -> str:
    """`@scope/pkg/alpha` -> `@scope/pkg`; `pkg/sub` -> `pkg`."""
    parts = specifier.split("/")
    if specifier.startswith("@") and len(parts) >= 2:
        return "/".join(parts[:2])
    return parts[0]


@dataclass(frozen=True)
class Addition:
    package: str  # package_of(specifier)
    specifier: str  # as written, e.g. '@backstage/plugin-kubernetes-backend/alpha'
    line: int  # 1-based line of the `backend.add` token


@dataclass
class IndexEdit:
    before: str
    after: str  # == before when nothing changes or when the edit is manual
    added: list[str] = field(default_factory=list)  # packages this edit adds
    present: list[str] = field(default_factory=list)  # packages that were already added (uncommented)
    manual: str | None = None  # why the file cannot be edited safely, and the exact line(s) to add by hand
    inserted: str = ""  # the exact text spliced in (empty when nothing changes)
    offset: int = 0  # where `inserted` starts in `after` (and where it was spliced into `before`)

    @property
    def changed(self) -> bool:
        return self.after != self.before


# ---- reading ------------------------------------------------------------------------------------

def _doc(src: str) -> Doc:
    return parse(src, False)


def _bindings(doc: Doc) -> list[tuple[str, Node]]:
    """(name, call) of every `const|let|var NAME = createBackend(...)`, in file order."""
    out = []
    for call in calls(doc, "createBackend"):
        n = call
        while n.parent is not None and n.parent.type in ("parenthesized_expression", "as_expression",
                                                         "satisfies_expression", "non_null_expression"):
            n = n.parent
        decl = n.parent
        if decl is None or decl.type != "variable_declarator" or decl.child_by_field_name("value") != n:
            continue
        name = decl.child_by_field_name("name")
        if name is not None and name.type == "identifier":
            out.append((doc.slice(name), call))
    return out


def backend_var(src: str) -> str | None:
    """The name bound by `const|let|var NAME = createBackend(...)` (uncommented), e.g. 'backend'."""
    found = _bindings(_doc(src))
    return found[0][0] if found else None


def _additions(doc: Doc, var: str) -> list[Addition]:
    out: list[Addition] = []
    for call in calls(doc, f"{var}.add"):
        args = arguments(call)
        if len(args) != 1 or args[0].type != "call_expression":
            continue
        fn = args[0].child_by_field_name("function")
        inner = arguments(args[0])
        if fn is None or fn.type != "import" or len(inner) != 1:
            continue
        spec = string_value(doc, inner[0])
        if not spec or any(c in spec for c in "\\'\"`\r\n"):
            continue  # not a static specifier
        out.append(Addition(package_of(spec), spec, doc.line(call)))
    return out


def additions(src: str) -> list[Addition]:
    """Every uncommented `<var>.add(import('...'))` (var from `backend_var`, else 'backend')."""
    doc = _doc(src)
    found = _bindings(doc)
    return _additions(doc, found[0][0] if found else "backend")


# ---- editing ------------------------------------------------------------------------------------

def _newline(src: str) -> str:
    crlf = src.count("\r\n")
    lf = src.count("\n") - crlf
    return "\r\n" if crlf and crlf >= lf else "\n"


def _quote(doc: Doc) -> str:
    """The quote most `import('...')` specifiers use; else most static imports'; else `'`."""
    dynamic = {"'": 0, '"': 0, "`": 0}
    static = {"'": 0, '"': 0, "`": 0}
    for n in doc.walk():
        if n.type == "call_expression" and (fn := n.child_by_field_name("function")) is not None \
                and fn.type == "import":
            args = arguments(n)
            if args and string_value(doc, args[0]) is not None:
                dynamic[doc.slice(args[0])[0]] += 1
        elif n.type == "import_statement" and (src := n.child_by_field_name("source")) is not None:
            static[doc.slice(src)[0]] += 1
    counts = dynamic if any(dynamic.values()) else static
    best = max(counts.values())
    return next(q for q in ("'", '"', "`") if counts[q] == best)


def _innermost_statement(node: Node) -> Node:
    n = node
    while n.parent is not None and not (n.type.endswith("_statement") or n.type in ("lexical_declaration",
                                                                                     "variable_declaration")):
        n = n.parent
    return n


def _start_head(start: Node) -> Node | None:
    """The expression statement `start` begins, or None when it is inside a larger expression.

    Allowed around the call: `.catch(...)`/`.then(...)` chains, `await` and `void`: the statement still
    begins with the start call, so a block in front of the statement runs before it. Anything else
    (`const p = backend.start()`, `run(backend.start())`) is refused: the statement begins before the
    call, maybe on another line, and the plain rule "the line before start()" no longer holds."""
    n = start
    while n.parent is not None:
        p = n.parent
        if (p.type == "member_expression" and p.child_by_field_name("object") == n) or \
                (p.type == "call_expression" and p.child_by_field_name("function") == n) or \
                p.type in ("await_expression", "non_null_expression") or \
                (p.type == "unary_expression" and p.children[0].type == "void"):
            n = p
            continue
        return p if p.type == "expression_statement" else None
    return None


def _target(stmt: Node) -> Node | None:
    """The statement to insert before so that the block runs before `stmt`.

    Normally `stmt` itself. When `stmt` is the brace-less body of an `if`/`else`
    (`if (x)\\n  backend.start();`), a line inserted right above it would become the `if`'s body and
    `start()` would run unconditionally: the meaning of the file would change. The block goes in
    front of the whole `if` statement instead (the outermost one of an `else if` chain).
    That is correct: `backend.add(...)` only registers a feature, it starts nothing, so registering
    it before the condition is evaluated is the same on the branch that starts the backend and
    harmless on one that does not. Wrapping the body in braces instead would re-print code this
    editor did not write. A brace-less loop body (`while (x) backend.start();`) has no such reading:
    None (refused)."""
    n = stmt
    while n.parent is not None and n.parent.type in ("if_statement", "else_clause"):
        n = n.parent
    return n if n.parent is not None and n.parent.type in _STATEMENT_LISTS else None


def _line_start(src: str, offset: int) -> int:
    start = src.rfind("\n", 0, offset) + 1
    return 1 if start == 0 and src.startswith("\ufeff") and offset > 0 else start  # a BOM stays first


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _sentence_lines(var: str, quote: str, term: str, packages: list[str]) -> str:
    lines = [f"`{var}.add(import({quote}{p}{quote})){term}`" for p in packages]
    if len(lines) <= 2:
        return " and ".join(lines)
    return ", ".join(lines[:-1]) + " and " + lines[-1]


def _lines_word(lines: list[int]) -> str:
    if len(lines) == 1:
        return f"line {lines[0]}"
    return "lines " + ", ".join(str(x) for x in lines[:-1]) + f" and {lines[-1]}"


def _commented_starts(doc: Doc, var: str) -> list[int]:
    """Lines where `var.start(` appears inside a comment."""
    pattern = re.compile(rf"(?<![\w$.]){re.escape(var)}\s*\.\s*start\s*\(")
    out = []
    for c in doc.comments():
        body = doc.slice(c)
        for m in pattern.finditer(body):
            out.append(doc.line(c) + body.count("\n", 0, m.start()))
    return out


@dataclass(frozen=True)
class _Place:
    target: Node  # the statement the block goes in front of
    term: str  # ';' when the start statement ends with one


def _place(doc: Doc, var: str, start: Node) -> _Place | str:
    """Where the block goes for this `var.start()` call, or why it cannot go anywhere safe."""
    start_line = doc.line(start)
    inner = _innermost_statement(start)
    head = _start_head(start)
    if head is None:
        if doc.line(inner) == start_line:
            return f"has `{var}.start()` at line {start_line} after other code on the same line"
        return f"has `{var}.start()` at line {start_line} inside a statement that begins on line {doc.line(inner)}"
    target = _target(head)
    if target is None:
        return f"has `{var}.start()` at line {start_line} as the body of a statement without braces"
    pos = doc.start(target)
    if doc.text[_line_start(doc.text, pos): pos].strip(" \t"):
        return f"has `{var}.start()` at line {start_line} after other code on the same line"
    if doc.in_error(target):
        return f"could not be parsed around `{var}.start()` (line {start_line})"
    last = head.children[-1]
    return _Place(target, ";" if last.type == ";" and last.end_byte > last.start_byte else "")


def add_modules(src: str, packages: list[str], rel: str = "packages/backend/src/index.ts") -> IndexEdit:
    """Add `NAME.add(import('PKG'));` for each package not already added, before `NAME.start()`."""
    for p in packages:
        if not _PKG_RE.match(p):
            raise ValueError(f"not a package name: {p!r}")

    doc = _doc(src)
    binds = _bindings(doc)
    var = binds[0][0] if binds else None
    present_pkgs = {a.package for a in _additions(doc, var or "backend")}

    wanted: list[str] = []
    seen: set[str] = set()
    for p in packages:
        if package_of(p) not in seen:
            seen.add(package_of(p))
            wanted.append(p)
    present = [p for p in wanted if package_of(p) in present_pkgs]
    to_add = [p for p in wanted if package_of(p) not in present_pkgs]
    if not to_add:
        return IndexEdit(src, src, [], present)

    quote = _quote(doc)
    name = var or "backend"

    def manual(why: str, where: str | None = None, term: str = ";") -> IndexEdit:
        lines = _sentence_lines(name, quote, term, to_add)
        target = where if where is not None else f"before `{name}.start(){term}`"
        return IndexEdit(src, src, [], present, f"{rel} {why}; add {lines} {target} by hand")

    if "\r" in src.replace("\r\n", ""):
        return manual("uses bare CR line endings, which this editor does not splice into")
    creates = calls(doc, "createBackend")
    if var is None:
        if creates:
            return manual("calls createBackend() without binding it to a const, let or var")
        return manual("does not create its backend with createBackend()")
    if len(creates) > 1:
        shown = _lines_word([doc.line(c) for c in creates])
        return manual(f"calls createBackend() more than once ({shown})", "before the right `start()` call")

    starts = calls(doc, f"{var}.start")
    if not starts:
        errors = doc.errors()
        if errors:
            return manual(f"could not be parsed (line {doc.line(errors[0])})", "before the line that starts the backend")
        commented = _commented_starts(doc, var)
        if commented:
            return manual(
                f"has `{var}.start()` only inside a comment ({_lines_word(commented)})",
                "before the line that starts the backend",
            )
        return manual(f"never calls `{var}.start()`", "before the line that starts the backend")
    if len(starts) > 1:
        shown = _lines_word([doc.line(s) for s in starts])
        return manual(f"calls `{var}.start()` more than once ({shown})", "before the right one")

    start = starts[0]
    start_line = doc.line(start)
    inner = _innermost_statement(start)
    inner_last = inner.children[-1] if inner.children else None
    term = ";" if inner_last is not None and inner_last.type == ";" and inner_last.end_byte > inner_last.start_byte \
        else ""
    here = f"before `{var}.start(){term}` (line {start_line})"
    if binds[0][1].start_byte > start.start_byte:
        return manual(f"calls `{var}.start()` (line {start_line}) before creating the backend", here, term)
    place = _place(doc, var, start)
    if isinstance(place, str):
        return manual(place, here, term)

    nl = _newline(src)
    pos = _line_start(src, doc.start(place.target))
    line_end = src.find("\n", pos)
    indent = _indent(src[pos: len(src) if line_end < 0 else line_end])
    prev_start = _line_start(src, pos - 1) if pos > 0 else 0
    # one blank line between the code above and the block, none after the `{` (or `case x:`) that opens
    # the block the start statement is first in
    prev = place.target.prev_sibling
    first_in_block = prev is not None and prev.type in ("{", ":")
    blank_before = pos == 0 or src[prev_start:pos].strip() == "" or first_in_block

    block = [] if blank_before else [nl]
    block.append(f"{indent}{BLOCK_COMMENT}{nl}")
    block += [f"{indent}{var}.add(import({quote}{p}{quote})){place.term}{nl}" for p in to_add]
    block.append(nl)
    inserted = "".join(block)
    after = src[:pos] + inserted + src[pos:]

    if not _self_check(src, after, pos, inserted, var, wanted, to_add, doc, place):
        return manual("could not be edited safely by spectro-wizard", here, term)
    return IndexEdit(src, after, list(to_add), present, None, inserted, pos)


def _self_check(src: str, after: str, pos: int, inserted: str, var: str, wanted: list[str], to_add: list[str],
                doc: Doc, place: _Place) -> bool:
    """The edited file, parsed again, says what the edit meant: every package is added, removing the
    inserted text gives the input back, the parser understands no less of it than before, and the
    start call is still one statement, now right after the block."""
    if after[:pos] + after[pos + len(inserted):] != src:
        return False
    if "\n" in inserted.replace("\r\n", "") and "\r\n" in src:
        return False
    new = _doc(after)
    if len(new.errors()) > len(doc.errors()):
        return False
    binds = _bindings(new)
    if not binds or binds[0][0] != var:
        return False
    adds = _additions(new, var)
    if not all(package_of(p) in {a.package for a in adds} for p in wanted):
        return False
    if len(adds) != len(_additions(doc, var)) + len(to_add):
        return False
    starts = calls(new, f"{var}.start")
    if len(starts) != 1:
        return False
    moved = _place(new, var, starts[0])
    if isinstance(moved, str) or new.start(moved.target) != doc.start(place.target) + len(inserted):
        return False
    # each added call is a statement of its own, in the same statement list as the target
    added_calls = [c for c in calls(new, f"{var}.add") if pos <= new.start(c) < pos + len(inserted)]
    return len(added_calls) == len(to_add) and all(
        _innermost_statement(c).parent is not None and _innermost_statement(c).parent == moved.target.parent
        for c in added_calls
    )

