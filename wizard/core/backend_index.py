"""Adding `backend.add(import('PKG'));` lines to a Backstage backend's `packages/backend/src/index.ts`.

Pure text in, text out: nothing here reads or writes files. Like every other edit in this project the
change is non-destructive: outside the inserted lines not one byte moves (comments, blank lines, CRLF
line endings, a missing final newline, tabs). When the file cannot be edited safely the result says so
in one sentence (`IndexEdit.manual`) with the exact line(s) to add by hand, and `after == before`.

The scanner below blanks comments (and, for structure, string contents) with spaces while keeping every
offset and every line break, so positions found in the masked text are positions in the real file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


BLOCK_COMMENT = "// SpectroCloud (added by spectro-wizard)"

_IDENT = r"[A-Za-z_$][\w$]*"
_NOT_AFTER = r"(?<![\w$.])"  # a token start: not the tail of a longer name nor a property access
_PKG_RE = re.compile(r"^(?:@[A-Za-z0-9._~-]+/)?[A-Za-z0-9._~-]+(?:/[A-Za-z0-9._~-]+)*$")
_BIND_RE = re.compile(
    rf"{_NOT_AFTER}(?:const|let|var)\s+({_IDENT})\s*(?::[^=;]+)?=\s*createBackend\s*\("
)
_CREATE_RE = re.compile(rf"{_NOT_AFTER}createBackend\s*\(")
_IMPORT_QUOTE_RE = re.compile(rf"{_NOT_AFTER}import\s*\(\s*(['\"`])")
_STATEMENT_PREFIX_RE = re.compile(r"^[ \t]*(?:(?:await|void)\s+)*$")
# a line ending with one of these continues onto the next one: inserting there would change meaning
_CONTINUES = set(",=+-*/%&|^!~?:<>(.[")
_REGEX_MAY_FOLLOW = set("(,=:[!&|?{};+-*%<>~^")


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


# ---- scanning -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Masks:
    """Three views of the source, each exactly as long as it, line breaks kept in place.

    no_comments: comments blanked, strings intact (to read specifiers)
    code:        comments and string/template/regex contents blanked, delimiters kept (to read structure)
    no_strings:  string contents blanked, comments intact (to tell "only inside a comment")
    """

    no_comments: str
    code: str
    no_strings: str


def _blank(ch: str) -> str:
    return ch if ch in "\r\n" else " "


def _masks(src: str) -> _Masks:
    n = len(src)
    no_comments = list(src)
    code = list(src)
    no_strings = list(src)
    last = ""  # last significant code character, to tell a regex literal from a division

    def blank(arr: list[str], i: int, j: int) -> None:
        for k in range(i, j):
            arr[k] = _blank(src[k])

    i = 0
    while i < n:
        c = src[i]
        if c in "'\"`":
            j = i + 1
            while j < n and src[j] != c:
                if src[j] == "\\":
                    j += 2
                    continue
                if c != "`" and src[j] == "\n":  # unterminated ' or " string: stop at the line end
                    break
                j += 1
            j = min(j, n)
            blank(code, i + 1, j)
            blank(no_strings, i + 1, j)
            last = c
            i = j + 1 if j < n and src[j] == c else j
        elif src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            blank(no_comments, i, j)
            blank(code, i, j)
            i = j
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            blank(no_comments, i, j)
            blank(code, i, j)
            i = j
        elif c == "/" and (last == "" or last in _REGEX_MAY_FOLLOW):
            j = i + 1
            in_class = False
            while j < n and src[j] != "\n":
                if src[j] == "\\":
                    j += 2
                    continue
                if src[j] == "[":
                    in_class = True
                elif src[j] == "]":
                    in_class = False
                elif src[j] == "/" and not in_class:
                    break
                j += 1
            if j < n and src[j] == "/":
                blank(code, i + 1, j)
                blank(no_strings, i + 1, j)
                last = "/"
                i = j + 1
            else:  # not a regex after all
                last = c
                i += 1
        else:
            if not c.isspace():
                last = c
            i += 1
    return _Masks("".join(no_comments), "".join(code), "".join(no_strings))


def _line_of(src: str, offset: int) -> int:
    return src.count("\n", 0, offset) + 1


def _line_start(src: str, offset: int) -> int:
    return src.rfind("\n", 0, offset) + 1


def _add_re(var: str) -> re.Pattern[str]:
    return re.compile(
        rf"{_NOT_AFTER}({re.escape(var)})\s*\.\s*add\s*\(\s*import\s*\(\s*(['\"`])([^'\"`\\\r\n]+)\2"
        r"\s*(?:,\s*)?\)\s*(?:,\s*)?\)"
    )


def _start_re(var: str) -> re.Pattern[str]:
    return re.compile(rf"{_NOT_AFTER}{re.escape(var)}\s*\.\s*start\s*\(")


def _bindings(m: _Masks) -> list[re.Match[str]]:
    return list(_BIND_RE.finditer(m.code))


# ---- public reading API ---------------------------------------------------------------------------

def backend_var(src: str) -> str | None:
    """The name bound by `const|let|var NAME = createBackend(...)` (uncommented), e.g. 'backend'."""
    found = _bindings(_masks(src))
    return found[0].group(1) if found else None


def _additions(src: str, m: _Masks, var: str) -> list[Addition]:
    out: list[Addition] = []
    for hit in _add_re(var).finditer(m.no_comments):
        if m.code[hit.start()] != src[hit.start()]:  # the token itself sits inside a string
            continue
        spec = hit.group(3)
        if hit.group(2) == "`" and "${" in spec:
            continue  # not a static specifier
        out.append(Addition(package_of(spec), spec, _line_of(src, hit.start())))
    return out


def additions(src: str) -> list[Addition]:
    """Every uncommented `<var>.add(import('...'))` (var from `backend_var`, else 'backend')."""
    m = _masks(src)
    found = _bindings(m)
    return _additions(src, m, found[0].group(1) if found else "backend")


# ---- editing ------------------------------------------------------------------------------------

def _newline(src: str) -> str:
    crlf = src.count("\r\n")
    lf = src.count("\n") - crlf
    return "\r\n" if crlf and crlf >= lf else "\n"


def _quote(src: str, m: _Masks) -> str:
    counts = {"'": 0, '"': 0, "`": 0}
    for hit in _IMPORT_QUOTE_RE.finditer(m.no_comments):
        if m.code[hit.start()] == src[hit.start()]:
            counts[hit.group(1)] += 1
    best = max(counts.values())
    return next(q for q in ("'", '"', "`") if counts[q] == best)


def _ends_with_semicolon(code: str, open_paren: int) -> bool:
    """Does the statement whose call opens at `open_paren` (e.g. `backend.start(`) end with `;`?"""
    depth = 0
    i, n = open_paren, len(code)
    while i < n:
        c = code[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth < 0:
                return False  # the enclosing block closes: no terminator
        elif c == ";" and depth == 0:
            return True
        elif c == "\n" and depth == 0:
            rest = code[i + 1:].lstrip()
            if not rest.startswith((".", ";", "?.")):
                return False  # the statement ends at this line break
            if rest.startswith(";"):
                return True
        i += 1
    return False


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


def add_modules(src: str, packages: list[str], rel: str = "packages/backend/src/index.ts") -> IndexEdit:
    """Add `NAME.add(import('PKG'));` for each package not already added, before `NAME.start()`."""
    for p in packages:
        if not _PKG_RE.match(p):
            raise ValueError(f"not a package name: {p!r}")

    m = _masks(src)
    binds = _bindings(m)
    var = binds[0].group(1) if binds else None
    present_pkgs = {a.package for a in _additions(src, m, var or "backend")}

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

    quote = _quote(src, m)
    name = var or "backend"

    def manual(why: str, where: str | None = None, term: str = ";") -> IndexEdit:
        lines = _sentence_lines(name, quote, term, to_add)
        target = where if where is not None else f"before `{name}.start(){term}`"
        return IndexEdit(src, src, [], present, f"{rel} {why}; add {lines} {target} by hand")

    if "\r" in src.replace("\r\n", ""):
        return manual("uses bare CR line endings, which this editor does not splice into")
    if var is None:
        if _CREATE_RE.search(m.code):
            return manual("calls createBackend() without binding it to a const, let or var")
        return manual("does not create its backend with createBackend()")
    if len(binds) > 1:
        shown = _lines_word([_line_of(src, b.start()) for b in binds])
        return manual(f"calls createBackend() more than once ({shown})", "before the right `start()` call")

    starts = [s for s in _start_re(var).finditer(m.code) if m.code[s.start()] == src[s.start()]]
    if not starts:
        commented = [
            s for s in _start_re(var).finditer(m.no_strings) if m.no_strings[s.start()] == src[s.start()]
        ]
        if commented:
            shown = _lines_word([_line_of(src, s.start()) for s in commented])
            return manual(
                f"has `{var}.start()` only inside a comment ({shown})",
                "before the line that starts the backend",
            )
        return manual(f"never calls `{var}.start()`", "before the line that starts the backend")
    if len(starts) > 1:
        shown = _lines_word([_line_of(src, s.start()) for s in starts])
        return manual(f"calls `{var}.start()` more than once ({shown})", "before the right one")

    start = starts[0]
    term = ";" if _ends_with_semicolon(m.code, start.end() - 1) else ""
    start_line = _line_of(src, start.start())
    here = f"before `{var}.start(){term}` (line {start_line})"
    if binds[0].start() > start.start():
        return manual(f"calls `{var}.start()` (line {start_line}) before creating the backend", here, term)

    pos = _line_start(src, start.start())
    if not _STATEMENT_PREFIX_RE.match(m.code[pos: start.start()]):
        return manual(f"has `{var}.start()` at line {start_line} after other code on the same line", here, term)
    head = m.code[:pos]
    if head.count("(") != head.count(")") or head.count("[") != head.count("]"):
        return manual(f"has `{var}.start()` at line {start_line} inside an unclosed bracket", here, term)
    last_code = head.rstrip()
    if last_code and last_code[-1] in _CONTINUES:
        return manual(
            f"has `{var}.start()` at line {start_line} continuing the expression on the line above", here, term
        )

    nl = _newline(src)
    line_end = src.find("\n", pos)
    indent = _indent(src[pos: len(src) if line_end < 0 else line_end])
    prev_start = _line_start(src, pos - 1) if pos > 0 else 0
    prev_line = src[prev_start:pos]
    blank_before = pos == 0 or prev_line.strip() == ""

    block = [] if blank_before else [nl]
    block.append(f"{indent}{BLOCK_COMMENT}{nl}")
    block += [f"{indent}{var}.add(import({quote}{p}{quote})){term}{nl}" for p in to_add]
    block.append(nl)
    inserted = "".join(block)
    after = src[:pos] + inserted + src[pos:]

    # self-check: the file now adds every package, and removing the inserted text gives the input back
    got = {a.package for a in additions(after)}
    ok = (
        all(package_of(p) in got for p in wanted)
        and after[:pos] + after[pos + len(inserted):] == src
        and len(additions(after)) == len(additions(src)) + len(to_add)
        and backend_var(after) == var
        and (nl == "\n" or "\n" not in inserted.replace("\r\n", ""))
    )
    if not ok:
        return manual("could not be edited safely by spectro-wizard", here, term)
    return IndexEdit(src, after, list(to_add), present, None, inserted, pos)
