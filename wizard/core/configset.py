"""The app-config files of a Backstage app, read in Backstage's merge order.

Backstage merges config files in the order given (later files win): objects merge key by key,
while arrays and scalars from a later file replace the earlier value as a whole.
"""

from __future__ import annotations

import re
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard.core import safeio
from wizard.core.yamldoc import Document, YamlSyntaxError, parse, reparse, top_level_python
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

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    def reparse(self, text: str, edits: list[tuple[int, int, int]] | None = None, owned: bool = False) -> "ConfigFile":
        """This file with new text. With `edits` (how the text changed: yamldoc.reparse), only the
        sections they touch are parsed again; `owned`: this ConfigFile is dropped, its Document's own
        nodes may be reused."""
        doc = parse(text) if edits is None else reparse(self.doc, text, edits, owned)
        return ConfigFile(self.rel, self.path, text.encode("utf-8"), text, doc)


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
            data = root.to_python() if only is None else top_level_python(root, only)
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


def read_config(repo: Path, rel: str) -> ConfigFile:
    """Read and parse one config file; any problem is a BadInput naming the file (and line)."""
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
    if doc.root is not None and not (doc.root.kind == "map" or doc.root.is_null()):
        raise BadInput(f"{display}:{doc.root.line + 1}:{doc.root.col + 1}: the top level must be a mapping of keys")
    return ConfigFile(rel, real, raw, text, doc)


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
    for rel in names:
        try:
            files.append(read_config(repo, rel))
        except BadInput as exc:
            if not tolerant:
                raise
            errors.append(exc)
    return ConfigSet(repo, files, explicit, errors)
