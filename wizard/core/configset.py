"""The app-config files of a Backstage app, read in Backstage's merge order.

Backstage merges config files in the order given (later files win): objects merge key by key,
while arrays and scalars from a later file replace the earlier value as a whole.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from wizard.core import safeio
from wizard.core.directives import (
    Directive,
    DirectiveError,
    directive_at,
    directive_problems,
    edit_might_add_directives,
    might_hold_directives,
)
from wizard.core.yamldoc import Document, Node, YamlSyntaxError, key_python, parse, reparse, to_python, top_level_python
from wizard.errors import BadInput

MAX_CONFIG_BYTES = 10 * 1024 * 1024  # real app-configs are far below this; a 50 MB "config" is a mistake
DEFAULT_FILES = ("app-config.yaml", "app-config.local.yaml", "app-config.production.yaml")


@dataclass
class ConfigFile:
    rel: str  # the name as the user knows it, relative to the repo
    path: Path  # the file itself (a symlink's target when the config is a link)
    raw: bytes
    text: str
    doc: Document
    # the path as Backstage names it (a link, not its target): an `$include` in the file is relative
    # to its directory; None: `path`
    logical: Path | None = None
    includes: Includes | None = field(default=None, repr=False, compare=False)  # how its `$include`s are followed
    _directives: bool | None = field(default=None, repr=False, compare=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def has_directives(self) -> bool:
        """Whether the text may hold `$include`/`$file`/`$env` (a substring search, once): a file
        without them is read with no directive handling at all."""
        if self._directives is None:
            self._directives = might_hold_directives(self.text)
        return self._directives

    def reparse(self, text: str, edits: list[tuple[int, int, int]] | None = None, owned: bool = False) -> ConfigFile:
        """This file with new text. With `edits` (how the text changed: yamldoc.reparse), only the
        sections they touch are parsed again; `owned`: this ConfigFile is dropped, its Document's own
        nodes may be reused."""
        doc = parse(text) if edits is None else reparse(self.doc, text, edits, owned)
        new = ConfigFile(self.rel, self.path, text.encode("utf-8"), text, doc, self.logical, self.includes)
        if edits is not None and self._directives is False:
            new._directives = edit_might_add_directives(text, edits)  # not the whole text searched again
        elif edits is None and text == self.text:
            new._directives = self._directives
        return new

    def python(self, only: str | None = None) -> Any:
        """The file's value as Backstage's loader reads it (`to_python`), with every `$include` it
        follows followed where the wizard can read the file (inside the repo); with `only`, just
        {only: value} of that top-level key. `$file`, `$env` and `${VAR}` stay as written."""
        root = self.doc.root
        if root is None:
            return None
        if self.includes is None or not self.has_directives:
            return root.to_python() if only is None else top_level_python(root, only)
        inc = self.includes
        node = root.resolved
        if only is None or node.kind != "map" or _directive_quiet(node) is not None:
            data = inc.python(self, root)
            if only is None or not isinstance(data, dict):
                return data
            return {only: data[only]} if only in data else {}
        out: dict[Any, Any] = {}
        for k, v in node.pairs:
            if key_python(k, 1) == only:
                out[only] = inc.python(self, v)
        return out


@dataclass
class ConfigSet:
    repo: Path
    files: list[ConfigFile]
    explicit: bool = False  # names came from --config
    errors: list[BadInput] = field(default_factory=list)  # files that could not be read (check only)

    def defining(self, path: list[str]) -> list[ConfigFile]:
        """Files that define `path` (with any value, null included), in merge order."""
        return [f for f in self.files if f.doc.node_at(path) is not None]

    def merged(self, only: str | None = None) -> dict[str, Any]:
        """The files merged as Backstage merges them. With `only`, just that top-level key: merging
        goes key by key, so `merged(only=k)[k] == merged()[k]`, without converting the rest of every
        file (on a config with thousands of clusters, most of the work)."""
        result: dict[str, Any] = {}
        for f in self.files:
            root = f.doc.root
            if root is None:
                continue
            data = f.python(only)
            if isinstance(data, dict):
                result = deep_merge(result, data)
        return result

    def effective(self, path: list[str]) -> Any:
        node: Any = self.merged(path[0] if path else None)
        for key in path:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node

    def file(self, rel: str) -> ConfigFile | None:
        return next((f for f in self.files if f.rel == rel), None)


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        elif v is None and k in out:
            # Backstage ignores a null in a later file: `kubernetes:` alone does not erase an
            # earlier definition.
            continue
        else:
            out[k] = v
    return out


def config_names(repo: Path, configs: list[str] | None) -> tuple[list[str], bool]:
    if configs:
        return list(configs), True
    names = [n for n in DEFAULT_FILES if (repo / n).exists() or (repo / n).is_symlink()]
    if "app-config.yaml" not in names:
        raise BadInput(f"no app-config.yaml in {repo}: run the wizard in a Backstage app, or name the files with --config")
    return names, False


def read_config(repo: Path, rel: str, includes: Includes | None = None) -> ConfigFile:
    """Read and parse one config file; any problem is a BadInput naming the file (and line).
    `includes`: the registry its `$include`s are followed with (shared by the files of one load)."""
    path = repo / rel
    display = rel
    if not path.exists():
        if path.is_symlink():
            raise BadInput(f"{display} is a symbolic link to {os.readlink(path)}, which does not exist; fix the link")
        raise BadInput(f"{display} does not exist in {repo}; check the --config names")
    real = safeio.check_in_repo(repo, path, display)  # no symlink followed out of the repo
    if real.is_dir():
        raise BadInput(f"{display} is a directory, not a config file")
    if not real.is_file():
        # a device (/dev/zero), a FIFO or a socket would be read forever or block
        raise BadInput(f"{display} is not a regular file ({real}); point it at a YAML file")
    size = real.stat().st_size
    if size > MAX_CONFIG_BYTES:
        raise BadInput(
            f"{display} is {size / 1048576:.1f} MiB; the wizard reads config files up to "
            f"{MAX_CONFIG_BYTES // 1048576} MiB — is this really an app-config?"
        )
    raw = safeio.read_regular(real, display, MAX_CONFIG_BYTES)
    text = decode(raw, display)
    doc = _parse_config(display, text)
    if doc.root is not None and not (doc.root.kind == "map" or doc.root.is_null()):
        raise BadInput(f"{display}:{doc.root.line + 1}:{doc.root.col + 1}: the top level must be a mapping of keys")
    f = ConfigFile(rel, real, raw, text, doc, Path(os.path.abspath(path)), includes or Includes(repo))
    _refuse_bad_directives(f)
    f.includes.add_top(f)  # type: ignore[union-attr]
    return f


def _parse_config(display: str, text: str) -> Document:
    """Parse a config's text: invalid YAML and duplicate keys (Backstage refuses both) are a BadInput."""
    try:
        doc = parse(text)
    except YamlSyntaxError as exc:
        raise BadInput(yaml_error_sentence(display, text, exc)) from None
    if doc.duplicates:
        key, line, col = doc.duplicates[0]
        first = doc.first_definitions[0] if doc.first_definitions else None
        also = f" (first defined at line {first[0]}, column {first[1]})" if first else ""
        raise BadInput(
            f"{display}:{line}:{col}: duplicate key '{key}'{also} — Backstage refuses config files with duplicate "
            "keys; merge the two entries and run again"
        )
    return doc


def _refuse_bad_directives(f: ConfigFile) -> None:
    """A `$include`/`$file`/`$env` with a key beside it, or whose value is not a string: Backstage
    refuses the whole config, so the wizard does too (only files whose text may hold one are walked)."""
    if not f.has_directives:
        return
    problems = directive_problems(f.doc.root)
    if problems:
        node, why = problems[0]
        raise BadInput(f"{f.rel}:{node.line + 1}:{node.col + 1}: {why}; fix it and run again")


def _directive_quiet(node: Node) -> Directive | None:
    try:
        return directive_at(node)
    except DirectiveError:
        return None


def yaml_error_sentence(display: str, text: str, exc: YamlSyntaxError) -> str:
    """One sentence: where the broken construct STARTS (a bracket or quote never closed) and where
    the parser gave up, which can be many lines later (a comment, the next key)."""
    lines = text.splitlines()
    problem = exc.problem
    if exc.line and exc.line <= len(lines) and "\t" in lines[exc.line - 1][: exc.column]:
        problem += " — YAML indents with spaces, never tabs"
    # a bracket or quote that is never closed: the place to fix is where it opens (a later comment or
    # key is only where the parser noticed); for other errors the parser's own position is the right one
    unclosed = any(w in exc.context for w in ("flow mapping", "flow sequence", "quoted scalar"))
    if "flow node" in exc.context and (exc.context_line, exc.context_column) == (exc.line, exc.column):
        # at the end of the file libyaml only says "while parsing a flow node" where it stopped:
        # find the bracket that is still open ourselves
        opened = unclosed_bracket(lines[: exc.line])
        if opened is not None:
            exc.context_line, exc.context_column = opened
            exc.context = "while parsing a flow " + ("mapping" if lines[opened[0] - 1][opened[1] - 1] == "{" else "sequence")
            unclosed = True
    starts_earlier = unclosed and exc.context_line and (exc.context_line, exc.context_column) != (exc.line, exc.column)
    if starts_earlier:
        what = exc.context.removeprefix("while ").removeprefix("parsing ").removeprefix("scanning ")
        what = what.removeprefix("a ").removeprefix("an ")
        gave_up = re.sub(r" \(while [^)]*\)$", "", exc.problem)
        return (f"{display}:{exc.context_line}:{exc.context_column}: not valid YAML: the {what} that starts here is "
                f"not closed properly (the parser gave up at line {exc.line}, column {exc.column}: {gave_up}); "
                "fix the file and run again")
    where = f":{exc.line}:{exc.column}" if exc.line else ""
    return f"{display}{where}: not valid YAML: {problem}; fix the file and run again"


def unclosed_bracket(lines: list[str]) -> tuple[int, int] | None:
    """(line, column), 1-based, of the innermost `{` or `[` that opens a flow collection and is never
    closed in `lines`; None when all are closed. Quoted strings and comments are skipped; outside a
    flow collection a bracket counts only where a value starts (after `key: `, `- ` or indentation),
    as in YAML, where `title: a{b` is a plain string."""
    stack: list[tuple[int, int, str]] = []
    for ln, line in enumerate(lines, 1):
        i, quote = 0, ""
        value_start = True  # at the start of a line (after indentation) a node may begin
        while i < len(line):
            ch = line[i]
            if quote:
                if ch == quote and not (quote == '"' and i and line[i - 1] == "\\"):
                    quote = ""
            elif ch in "'\"" and (value_start or stack):
                quote = ch
            elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
                break
            elif ch in "{[" and (value_start or stack):
                stack.append((ln, i + 1, "}" if ch == "{" else "]"))
            elif ch in "}]" and stack and stack[-1][2] == ch:
                stack.pop()
            if ch not in " \t":
                value_start = ch in ",{[" or (ch in ":-" and (i + 1 == len(line) or line[i + 1] in " \t"))
            i += 1
        # a quoted scalar may span lines; the bracket search does not need that precision
    return (stack[-1][0], stack[-1][1]) if stack else None


def decode(raw: bytes, display: str) -> str:
    if b"\x00" in raw[:8192]:
        raise BadInput(f"{display} holds binary data (NUL bytes), not YAML text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BadInput(
            f"{display}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8 and run again"
        ) from None


def load(repo: Path, configs: list[str] | None = None, tolerant: bool = False) -> ConfigSet:
    """Read the config files. With `tolerant`, unreadable files are collected in `errors`."""
    names, explicit = config_names(repo, configs)
    files: list[ConfigFile] = []
    errors: list[BadInput] = []
    includes = Includes(repo)
    for rel in names:
        try:
            files.append(read_config(repo, rel, includes))
        except BadInput as exc:
            if not tolerant:
                raise
            errors.append(exc)
    return ConfigSet(repo, files, explicit, errors)


# ------------------------------------------------------------------------------------------------
# `$include`: following a config into the files it includes


MAX_INCLUDE_DEPTH = 16  # includes of includes; real configs nest one or two
_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_NEVER_EDITED = (".git", ".spectro-wizard", "node_modules")  # apply never writes there (undo refuses them too)
_WANT = "{want}"


class IncludeError(BadInput):
    """An `$include` Backstage could not load either (no such file, not a regular file, a cycle...):
    exit 2, one sentence that starts with the file and line of the directive (kept apart, so that a
    plan can name the line as the file is on disk when earlier phases inserted lines above it)."""

    def __init__(self, rel: str, directive: Directive, rest: str):
        self.rel = rel
        self.offset = directive.mapping.pairs[0][0].start
        self.line = directive.line
        self.rest = rest
        super().__init__(self.sentence())

    def sentence(self) -> str:
        return f"{self.rel}:{self.line}: {self.rest}"

    def __str__(self) -> str:
        return self.sentence()


class IncludeCycle(IncludeError):
    """An `$include` that leads back to a file being included: Backstage's loader would never finish."""


class Unfollowable(Exception):
    """A directive at or above a value the wizard must read or edit, that it cannot see through or must
    not edit behind: a `$file` or `$env` (a string where a mapping is needed), or an `$include` of a
    file outside the repo, a URL, a name built from a variable, a JSON file... Readers leave such a
    value as written; the planner refuses with `sentence(want)`."""

    def __init__(self, rel: str, directive: Directive, clause: str):
        self.rel = rel  # the file holding the directive
        self.offset = directive.mapping.pairs[0][0].start  # where, in that file's text as it was when met
        self.line = directive.line  # 1-based; a plan maps it back to the file as it is on disk
        self.directive = directive
        self.clause = clause  # the rest of the sentence; "{want}" stands for what to add by hand
        self.what = ""  # the config path the directive stands for (set where it is met)
        super().__init__(self.sentence("the settings"))

    @property
    def where(self) -> str:
        return f"{self.rel}:{self.line}"

    @property
    def key(self) -> tuple[str, str, str, str]:
        """The same directive met by two phases is one refusal (their wants joined)."""
        return self.where, self.directive.text, self.clause, self.what

    def sentence(self, want: str) -> str:
        """One sentence: the file, line and directive, why, and what to add by hand."""
        what = f"{self.what} comes from" if self.what else "the value is"
        return f"{self.where}: {what} `{self.directive.text}`, {self.clause.replace(_WANT, want)}"


@dataclass
class Loc:
    """Where a config path leads in one top-level file, with Backstage's `$include`s followed: the
    file that holds the value (an included file when the path went through an `$include`) and the
    value's node there."""

    file: ConfigFile  # the file holding `node`
    inner: list[Any]  # the keys from `file`'s top (or from the value an `$include ...#a.b` picks) to `node`
    node: Node | None  # the value, aliases resolved (None: an included file that is empty)
    key: Node | None = None  # the value's key, in `holder` (None at a file's top)
    holder: ConfigFile | None = None  # the file of `key` and `raw` (`file`, unless the value was included)
    raw: Node | None = None  # the value as written under `key` (the `$include` mapping when it was followed)
    included: Directive | None = None  # the `$include` that brought `node` in
    opaque: Unfollowable | None = None  # set when `node` is a directive the wizard cannot see through
    chain: tuple[Path, ...] = ()  # the real paths of the files on the way (a cycle repeats one)
    what: str = ""  # the config path to here, for sentences ("kubernetes.clusterLocatorMethods[0]")
    found: int = 0  # locate(): how many keys of the path exist

    @property
    def same_file(self) -> bool:
        """The value is written under its key, in the same file (no `$include` in between)."""
        return self.included is None and self.key is not None

    @property
    def where(self) -> str:
        """`file:line` of the value (of its key when it is written there)."""
        if self.same_file and self.key is not None:
            return f"{self.file.rel}:{self.key.line + 1}"
        if self.node is not None:
            return f"{self.file.rel}:{self.node.line + 1}"
        return self.file.rel


class Includes:
    """The files a set of configs `$include`, read on first use, only inside the repo (the included
    path is named inside a file: it is not trusted), each read once and shared: two configs that
    include one file see (and the planner edits) one ConfigFile. Also knows the top-level configs by
    their real path, so a config that another one includes is one file, not two."""

    def __init__(self, repo: Path):
        self.repo = Path(os.path.abspath(repo))
        # readers (the TUI's screens) may read an included file while a plan forks the registry in a worker
        self._lock = threading.Lock()
        self.files: dict[Path, ConfigFile] = {}  # by real path, as they are now (a plan replaces them)
        self.originals: dict[Path, ConfigFile] = {}  # included files (not top-level ones) as first read
        self.reached: dict[Path, str] = {}  # included file -> where it was first included from ("app-config.yaml:52")
        # included file -> {(config path, `#` part): where} for every `$include` of it (check() fills it)
        self.sites: dict[Path, dict[tuple[str, str], str]] = {}
        self.top: set[Path] = set()  # the real paths of the top-level configs

    def add_top(self, f: ConfigFile) -> None:
        self.files[f.path] = f
        self.top.add(f.path)

    def fork(self, top: list[ConfigFile]) -> Includes:
        """A registry of its own for a plan, which replaces files as it edits them: what this one read
        so far, with `top` (the plan's copies of the top-level configs)."""
        other = Includes(self.repo)
        with self._lock:
            other.files = {p: replace(f, includes=other) for p, f in self.files.items()}
            other.originals = dict(self.originals)
            other.reached = dict(self.reached)
            other.sites = {p: dict(v) for p, v in self.sites.items()}
            other.top = set(self.top)
        for f in top:
            other.files[f.path] = f
        return other

    def put(self, f: ConfigFile) -> None:
        """A new version of a file (a plan's commit)."""
        self.files[f.path] = f

    def included_files(self) -> list[ConfigFile]:
        """The included files (not the top-level configs), as they are now, in the order first read."""
        return [self.files[p] for p in self.originals if p not in self.top]

    # ---- walking a path ---------------------------------------------------------------------

    def top_loc(self, f: ConfigFile, strict: bool = True) -> Loc:
        """A top-level config's root (Backstage's loader transforms it too: a config that is one
        `$include` is that file)."""
        root = f.doc.root
        loc = Loc(f, [], root.resolved if root is not None else None, None, f, root, chain=(f.path,))
        return self._deref(loc, strict) if root is not None and f.has_directives else loc

    def child(self, loc: Loc, key: str, strict: bool = True) -> Loc | None:
        """The value under `key` of the mapping at `loc`, its `$include` followed (None when absent or
        when `loc` is not a mapping). Going into a value the wizard cannot see through raises the
        directive's Unfollowable when `strict`, else gives None."""
        if not self._enter(loc, strict):
            return None
        node = loc.node
        if node is None or node.kind != "map":
            return None
        pair = node.pair(key)
        if pair is None:
            return None
        k, v = pair
        what = f"{loc.what}.{key}" if loc.what else key
        new = Loc(loc.file, loc.inner + [key], v.resolved, k, loc.file, v, None, None, loc.chain, what)
        return self._deref(new, strict) if loc.file.has_directives else new

    def locate(self, f: ConfigFile, path: list[str], strict: bool = True) -> Loc:
        """How far `path` goes in the top-level config `f`: the Loc of its longest existing prefix
        (`found` keys of it)."""
        loc = self.top_loc(f, strict)
        found = 0
        for key in path:
            nxt = self.child(loc, key, strict)
            if nxt is None:
                break
            loc, found = nxt, found + 1
        loc.found = found
        return loc

    def items(self, loc: Loc, strict: bool = True) -> list[Loc]:
        """The mapping items of the sequence at `loc`, each item's `$include` followed; an item that is
        an `$include` the wizard cannot follow raises its Unfollowable when `strict` (it may be the
        cluster or locator the caller looks for), else is left out, as items that are no mapping are."""
        if not self._enter(loc, strict):
            return []
        seq = loc.node
        if seq is None or seq.kind != "seq":
            return []
        out: list[Loc] = []
        for i in range(len(seq.items)):
            new = self.item(loc, i, strict)
            if new.opaque is not None:
                if strict and new.opaque.directive.key == "$include":
                    raise new.opaque
                continue
            if new.node is not None and new.node.kind == "map":
                out.append(new)
        return out

    def item(self, loc: Loc, index: int, strict: bool = True) -> Loc:
        """Item `index` of the sequence at `loc`, its `$include` followed (or marked opaque)."""
        assert loc.node is not None
        item = loc.node.items[index]
        it = item.resolved
        new = Loc(loc.file, loc.inner + [index], it, None, loc.file, item, None, None, loc.chain, f"{loc.what}[{index}]")
        if loc.file.has_directives and it.kind == "map":
            new = self._deref(new, strict, item=True)
        return new

    def _enter(self, loc: Loc, strict: bool) -> bool:
        if loc.opaque is None:
            return True
        if strict:
            raise loc.opaque
        return False

    def _deref(self, loc: Loc, strict: bool, item: bool = False) -> Loc:
        """`loc` with the directive its value is (if any) followed, or marked opaque."""
        node = loc.node
        if node is None or node.kind != "map" or not node.pairs:
            return loc
        try:
            d = directive_at(node)
        except DirectiveError as exc:
            raise BadInput(f"{loc.file.rel}:{node.line + 1}:{node.col + 1}: {exc}; fix it and run again") from None
        if d is None:
            return loc
        if d.key != "$include":
            u = Unfollowable(loc.file.rel, d, f"{_describe(d)}, where the wizard needs a {'list item' if item else 'mapping'} to "
                                       f"edit — replace it by hand with the settings, including: {_WANT}")
            return self._opaque(loc, u)
        try:
            g, value, inner = self._follow(loc.file, d, loc.chain)
        except Unfollowable as why:
            return self._opaque(loc, why)
        except BadInput:
            if strict:
                raise
            return self._opaque(loc, Unfollowable(loc.file.rel, d, "which cannot be read"))
        new = Loc(g, inner, value, loc.key, loc.holder, loc.raw, d, None, loc.chain + (g.path,), loc.what)
        inner_d = _directive_quiet(value) if value is not None and value.kind == "map" and g.has_directives else None
        if inner_d is not None:
            # the value an `$include` brings in is not transformed again at its top: Backstage loads it
            # as a mapping with the plain key `$include` (or `$file`, `$env`)
            u = Unfollowable(g.rel, inner_d,
                             f"at the top of what `{d.text}` brings in, where Backstage does not follow it (it "
                             f"loads `{inner_d.key}` as a plain key); the wizard cannot edit there — put the settings in "
                             f"that file itself by hand, including: {_WANT}")
            return self._opaque(new, u)
        return new

    @staticmethod
    def _opaque(loc: Loc, u: Unfollowable) -> Loc:
        u.what = loc.what
        return replace(loc, opaque=u)

    # ---- following one `$include` -----------------------------------------------------------

    def _follow(self, owner: ConfigFile, d: Directive, chain: tuple[Path, ...]) -> tuple[ConfigFile, Node | None, list[str]]:
        """The file an `$include` in `owner` names, and the value it includes there (`#a.b` followed).
        Unfollowable when the wizard must not read or edit it; BadInput when Backstage could not load
        it either (no such file, not a regular file, not YAML, a cycle)."""
        value = d.value
        if "${" in value:
            raise Unfollowable(owner.rel, d, "whose file name depends on an environment variable, so the wizard cannot tell "
                                         f"which file Backstage reads — add by hand to that file: {_WANT}")
        if _URL_RE.match(value):
            raise Unfollowable(owner.rel, d, f"a URL, not a file of the repo — add by hand where it is served: {_WANT}")
        name = d.include_path
        ext = os.path.splitext(name)[1]
        if ext == ".json":
            raise Unfollowable(owner.rel, d, "a JSON file, which the wizard does not edit (it keeps files byte for byte by "
                                         f"editing YAML) — include a .yaml file instead, or add by hand to it: {_WANT}")
        if ext not in (".yaml", ".yml"):
            raise IncludeError(owner.rel, d, f"`{d.text}`: Backstage includes only .yaml, .yml and .json files (no "
                               "configuration parser available for included file), so it would not start; fix the path "
                               "and run again")
        base = (owner.logical or owner.path).parent
        logical = Path(os.path.normpath(os.path.join(base, name)))
        if not _lexically_inside(self.repo, logical):
            raise Unfollowable(owner.rel, d, f"which leads outside the repo ({logical}); the wizard edits only files of the "
                                         f"repo — add by hand to that file: {_WANT}")
        rel = logical.relative_to(self.repo).as_posix()
        try:
            real = logical.resolve()
        except (OSError, RuntimeError):
            raise IncludeError(owner.rel, d, f"`{d.text}`: {rel} is a symbolic link loop; fix the link and run again") from None
        if not safeio.inside(self.repo, real):
            raise Unfollowable(owner.rel, d, f"and {rel} is a symbolic link to {real}, outside the repo; the wizard never "
                                         f"follows links out of the repo — add by hand to that file: {_WANT}")
        parts = PurePosixPath(real.relative_to(self.repo.resolve()).as_posix()).parts
        never = next((p for p in parts if p in _NEVER_EDITED), None)
        if never is not None:
            raise Unfollowable(owner.rel, d, f"a file under {never}/, which the wizard never edits — add by hand to it: {_WANT}")
        if real in chain:
            raise IncludeCycle(owner.rel, d, f"`{d.text}` includes {rel} again, which is already being included on the "
                               "way here (an include cycle: Backstage's loader would follow it forever); break the cycle "
                               "and run again")
        if len(chain) > MAX_INCLUDE_DEPTH:
            raise Unfollowable(owner.rel, d, f"and the includes nest more than {MAX_INCLUDE_DEPTH} deep — add by hand: {_WANT}")
        g = self.files.get(real)
        if g is None:
            g = self._read(logical, real, rel, owner, d)
        elif g.logical is not None and g.logical.parent != logical.parent and g.has_directives and real not in self.top:
            # its own includes are relative to the directory it is named from: two names, two readings
            raise Unfollowable(owner.rel, d, f"and {rel} is also included as {g.rel}, from another directory, so its own "
                                         f"includes would name different files — add by hand: {_WANT}")
        node = g.doc.root.resolved if g.doc.root is not None else None
        inner: list[str] = []
        for part in d.data_path:
            child = node.get(part) if node is not None and node.kind == "map" else None
            if child is None:
                raise Unfollowable(owner.rel, d, f"but {rel} has no {'.'.join(d.data_path)} to edit — add it by hand, with: {_WANT}")
            node = child.resolved
            inner.append(part)
        return g, node, inner

    def _read(self, logical: Path, real: Path, rel: str, owner: ConfigFile, d: Directive) -> ConfigFile:
        where = f"{owner.rel}:{d.line}"
        if not os.path.lexists(logical):
            raise IncludeError(owner.rel, d, f"`{d.text}` names {rel}, which does not exist, so Backstage would not "
                               "start; fix the path (or create the file) and run again")
        try:
            text = safeio.read_repo_text(self.repo, logical, f"`{d.text}` ({rel})", MAX_CONFIG_BYTES)
        except BadInput as exc:  # not a regular file, too big, not UTF-8
            raise IncludeError(owner.rel, d, str(exc)) from None
        doc = _parse_config(rel, text)
        g = ConfigFile(rel, real, text.encode("utf-8"), text, doc, logical, self)
        _refuse_bad_directives(g)
        with self._lock:
            if real in self.files:  # read meanwhile by another thread: one ConfigFile per file
                return self.files[real]
            self.files[real] = g
            self.originals[real] = g
            self.reached[real] = where
        return g

    def check(self, f: ConfigFile) -> None:
        """Follow every `$include` reachable from the top-level config `f`, as Backstage's loader
        does when it starts, and note where each file is included (`shared`). A cycle is an
        IncludeCycle (the loader would follow it forever: no config of that app loads). An include
        that cannot be read here (a file outside the repo, one made at deploy time...) is left alone:
        the planner refuses it only where it must edit behind it. Nothing is walked in a file whose
        text holds no directive."""
        if f.has_directives and f.doc.root is not None:
            self._check(f, f.doc.root, (f.path,), True, "")

    def _check(self, f: ConfigFile, top: Node, chain: tuple[Path, ...], deref: bool, at: str) -> None:
        todo: list[tuple[Node, str]] = [(top, at)]
        while todo:
            node, what = todo.pop()  # mappings and sequences only (aliases are not followed: their anchor is walked)
            if node.kind == "map":
                d = _directive_quiet(node) if deref or node is not top else None
                if d is not None and d.key == "$include":
                    try:
                        g, value, _ = self._follow(f, d, chain)
                    except IncludeCycle:
                        raise
                    except (Unfollowable, BadInput):
                        continue
                    sites = self.sites.setdefault(g.path, {})
                    sites.setdefault((what, ".".join(d.data_path)), f"{f.rel}:{d.line}")
                    if value is not None and g.has_directives:
                        self._check(g, value, chain + (g.path,), False, what)
                    continue
                todo.extend((v, f"{what}.{k.value}" if what else str(k.value))
                            for k, v in reversed(node.pairs) if v.kind in ("map", "seq"))
            elif node.kind == "seq":
                todo.extend((i, f"{what}[{n}]") for n, i in reversed(list(enumerate(node.items))) if i.kind in ("map", "seq"))

    def shared(self, real: Path) -> list[tuple[str, str]] | None:
        """When a file is included at more than one place of the config (two config paths, or two
        `#` parts of it): [(config path, where it is included)...]; an edit of that file would change
        every one of them. None when it is included once (or from one config path in several files)."""
        sites = self.sites.get(real, {})
        if len(sites) < 2 and real not in self.top:
            return None
        if real in self.top and not sites:
            return None
        out = [(what or "the top level", where) for (what, _), where in sites.items()]
        if real in self.top:
            out.append(("the top level", f"--config {self.files[real].rel}"))
        return out

    # ---- reading values ---------------------------------------------------------------------

    def python(self, f: ConfigFile, node: Node | None, deref: bool = True) -> Any:
        """`to_python(node)` (a node of `f`) with every `$include` Backstage follows followed, where the
        wizard can read the file; an `$include` it cannot follow stays as written. `deref`: the node
        itself may be an `$include` (not at the top of an included value)."""
        if node is None:
            return None
        if not f.has_directives:
            return to_python(node)
        return self._py(f, node, (f.path,), deref, 0)

    def _py(self, f: ConfigFile, node: Node, chain: tuple[Path, ...], deref: bool, depth: int) -> Any:
        if depth > 400:
            raise YamlSyntaxError("the config nests too deeply (or an alias refers to itself)")
        node = node.resolved
        if node.kind == "map":
            if deref:
                d = _directive_quiet(node)
                if d is not None and d.key == "$include":
                    try:
                        g, value, _ = self._follow(f, d, chain)
                    except (Unfollowable, BadInput):
                        return to_python(node)
                    if value is None:
                        return None
                    if not g.has_directives:
                        return to_python(value)
                    return self._py(g, value, chain + (g.path,), False, depth + 1)
            return {key_python(k, depth + 1): self._py(f, v, chain, True, depth + 1) for k, v in node.pairs}
        if node.kind == "seq":
            return [self._py(f, i, chain, True, depth + 1) for i in node.items]
        return to_python(node)


def _lexically_inside(root: Path, path: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def _describe(d: Directive) -> str:
    if d.key == "$file":
        return f"the text of {d.value} (a string)"
    return f"the value of the environment variable {d.value} (a string)"
