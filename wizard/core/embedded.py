"""YAML written inside another YAML file, edited with the same engine as the app-configs.

A deployment holds the app-config Backstage loads in production inside other files: a Helm chart's
`backstage.appConfig` (a mapping nested in the values file), a ConfigMap's `data.<file>` (a literal
block scalar whose text is the app-config) or one document of a multi-document manifest. Each is a
`Region` of its host's text: the lines it spans, with their common indentation removed, give a YAML
text the planner's phases edit as if it were a file of its own (same splices, same re-parse, same
self-check). `Region.replacement` maps the edited text back: every line the edit did not change is
the host's original line, byte for byte (a comment indented less than the block included); only new
or changed lines are written, indented as the block is. Outside the region nothing moves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from wizard.core.yamldoc import Document, Node


class EmbeddedError(Exception):
    """The text does not have the shape the wizard edits through (one sentence, naming the line)."""


def lines_of(text: str) -> list[str]:
    """The lines of `text`, each with its line break ("\\n" or "\\r\\n"); the last may have none.
    Only "\\n" ends a line (str.splitlines would also split at characters YAML keeps inside a line)."""
    out: list[str] = []
    start = 0
    while True:
        nl = text.find("\n", start)
        if nl < 0:
            if start < len(text):
                out.append(text[start:])
            return out
        out.append(text[start: nl + 1])
        start = nl + 1


def _leading_spaces(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


@dataclass
class Region:
    """text[start:end] of a host file, indented by `indent`: `text` is it with the indentation removed."""

    start: int  # at a line start of the host text
    end: int  # after the region's last line (its line break included), or the end of the host text
    indent: int
    lines: list[str]  # the host's own lines of the region
    text: str  # the embedded YAML, dedented
    first_line: int = 0  # 0-based line of the host where the region starts

    def replacement(self, new_text: str) -> str:
        """What host[start:end] becomes when the embedded text becomes `new_text`: the host's own line
        wherever the line is unchanged, new lines indented by `indent`."""
        if new_text == self.text:
            return "".join(self.lines)
        old, new = lines_of(self.text), lines_of(new_text)
        out: list[str] = []
        for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
            if tag == "equal":
                out.extend(self.lines[i1:i2])
            else:
                out.extend(indent_line(line, self.indent) for line in new[j1:j2])
        return "".join(out)


def indent_line(line: str, indent: int) -> str:
    """A line of the embedded text as the host writes it: blank lines stay empty."""
    if line in ("\n", "\r\n", ""):
        return line
    return " " * indent + line


def indent_text(text: str, indent: int) -> str:
    return "".join(indent_line(line, indent) for line in lines_of(text))


def make_region(host: str, start: int, end: int, indent: int, what: str, line_base: int = 0) -> Region:
    """The region host[start:end], dedented by `indent`. A line holding content indented less than that
    is not part of an indented block: EmbeddedError (a comment indented less is kept as it is)."""
    lines = lines_of(host[start:end])
    out: list[str] = []
    for i, line in enumerate(lines):
        body = line.rstrip("\r\n")
        spaces = _leading_spaces(body)
        cut = min(indent, spaces)
        if cut < indent and body.strip() and not body.lstrip(" ").startswith("#"):
            raise EmbeddedError(f"line {line_base + i + 1}: {what} is not indented as one block")
        out.append(line[cut:])
    return Region(start, end, indent, lines, "".join(out), line_base)


# ------------------------------------------------------------------------------------------------
# the shapes a deployment uses


def mapping_region(doc: Document, key: Node, value: Node, what: str) -> Region:
    """The block mapping `value` (of `key`) as a region: from its first key's line to the end of the
    line where it ends (a trailing comment there included)."""
    from wizard.core.edits import after_line

    if value.kind != "map" or value.flow or not value.pairs or value.line <= key.line:
        raise EmbeddedError(f"line {key.line + 1}: {what} is not a block mapping")
    first = value.pairs[0][0]
    start = doc.line_start(first.start)
    if doc.text[start: first.start].strip():
        raise EmbeddedError(f"line {first.line + 1}: {what} does not start on a line of its own")
    end = after_line(doc, value.pairs[-1][1])
    return make_region(doc.text, start, end, first.col, what, doc.line_of(start))


_BLOCK_HEADER = re.compile(r"^\|([1-9])?[+-]?([1-9])?[ \t]*(#.*)?$")


def block_scalar_region(doc: Document, key: Node, value: Node, what: str, default_indent: int) -> Region:
    """The text of a literal block scalar (`key: |`) as a region: the lines after its header, up to its
    last line of text. An empty one is an empty region where its first line would go."""
    from wizard.core.edits import after_line

    if value.kind != "scalar" or value.style != "|":
        raise EmbeddedError(f"line {key.line + 1}: {what} is not a literal block (`|`); the wizard edits an "
                            "app-config held in a ConfigMap as `key: |` followed by the YAML")
    header_end = doc.line_end(value.start)
    header = doc.text[value.start: header_end].rstrip("\r\n")
    m = _BLOCK_HEADER.match(header)
    if m is None:
        raise EmbeddedError(f"line {key.line + 1}: {what} has a block header the wizard does not read ({header!r})")
    digit = m.group(1) or m.group(2)
    end = max(header_end, after_line(doc, value)) if value.value else header_end
    body = doc.text[header_end:end]
    if not body.strip():
        return make_region(doc.text, header_end, header_end, default_indent, what, doc.line_of(header_end))
    if digit:
        indent = key.col + int(digit) if key.col >= 0 else int(digit)
    else:
        first = next(line for line in lines_of(body) if line.strip())
        indent = _leading_spaces(first)
    return make_region(doc.text, header_end, end, indent, what, doc.line_of(header_end))


_SEPARATOR = re.compile(r"^---(?:[ \t]+(?:#.*)?)?\r?$")
_END_MARKER = re.compile(r"^\.\.\.(?:[ \t]+(?:#.*)?)?\r?$")


def documents(text: str) -> list[Region]:
    """The documents of a (multi-document) YAML stream that hold anything but comments, each a region at
    indentation 0: the lines between `---` lines (a `...` line ends one too). A `---` followed by
    content on its own line is refused (EmbeddedError)."""
    regions: list[Region] = []
    start = pos = first_line = 0
    for n, line in enumerate(lines_of(text)):
        body = line.rstrip("\r\n")
        if _SEPARATOR.match(body) or _END_MARKER.match(body):
            regions.append(make_region(text, start, pos, 0, "a document", first_line))
            start, first_line = pos + len(line), n + 1
        elif body.startswith("---") and (len(body) == 3 or body[3] in " \t"):
            raise EmbeddedError(f"line {n + 1}: a document starts on its `---` line; the wizard reads manifests "
                                "with `---` on a line of its own")
        pos += len(line)
    regions.append(make_region(text, start, len(text), 0, "a document", first_line))
    return [r for r in regions if any(ln.strip() and not ln.lstrip().startswith("#") for ln in lines_of(r.text))]
