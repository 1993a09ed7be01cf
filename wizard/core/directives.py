"""Backstage's config directives, read as its loader (@backstage/config-loader) reads them.

- A mapping whose one key is `$include: PATH[#a.b]`, `$file: PATH` or `$env: VAR` is replaced by the
  included file's value (YAML or JSON, relative to the file holding the directive; `#a.b` picks a
  value inside it), by a file's text (a string), or by a variable's value (a string). Beside another
  key the loader refuses the whole config ("include key $include should not have adjacent keys"), and
  the directive's value must be a string (it may itself hold `${VAR}`).
- The loader transforms each file's values once, top down: the value an `$include` brings in is not
  transformed again at its own top (a file that is only `$include: other.yaml` loads, when it is
  itself included, as a mapping with the literal key `$include`), only below it.
- `${VAR}` and `${VAR:-default}` anywhere in a string value are substituted (envrefs.py).

This module only recognises directives in a parsed Document (yamldoc); following an `$include` to its
file is configset's (it reads files, inside the repo only).
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.core.yamldoc import Node, plain_scalar_value

DIRECTIVES = ("$include", "$file", "$env")


def might_hold_directives(text: str) -> bool:
    """Cheap, before any tree walk (a few substring searches: ~2 ms on a 1.4 MB config): a file whose
    text cannot spell a directive key has none. A key may be written quoted ("$include"), with `$`
    escaped in a double-quoted key ("\x24include", "\u0024..."), or split by an escaped line break."""
    if "$include" in text or "$file" in text or "$env" in text:
        return True
    return "\\" in text and ("\\x24" in text or "\\u0024" in text or "\\U00000024" in text or "\\\n" in text)


_WINDOW = 24  # longer than any directive key as written ("\U00000024include": 17 characters)


def edit_might_add_directives(text: str, edits: list[tuple[int, int, int]]) -> bool:
    """Whether text that held no directive may hold one after `edits` ((start, end, length of the new
    text) in the old text's offsets, as yamldoc.reparse takes them): only the new text and a few
    characters around each edit are searched, not the whole file again."""
    shift = 0
    for start, end, length in sorted(edits):
        at = start + shift
        if might_hold_directives(text[max(0, at - _WINDOW): at + length + _WINDOW]):
            return True
        shift += length - (end - start)
    return False


class DirectiveError(Exception):
    """A directive Backstage's loader refuses (a key beside it, a value that is not a string)."""

    def __init__(self, node: Node, message: str):
        self.node = node
        super().__init__(message)


@dataclass(frozen=True)
class Directive:
    key: str  # "$include" | "$file" | "$env"
    value: str  # its value, as written (unescaped)
    mapping: Node  # the mapping the loader replaces
    value_node: Node

    @property
    def line(self) -> int:
        """1-based line of the directive's key."""
        return self.mapping.pairs[0][0].line + 1

    @property
    def text(self) -> str:
        """`$include: ./k8s.yaml`, as a sentence quotes it."""
        return f"{self.key}: {self.value}"

    @property
    def include_path(self) -> str:
        """The file part of an `$include` value (before `#`)."""
        return self.value.split("#", 1)[0]

    @property
    def data_path(self) -> list[str]:
        """The `#a.b` part of an `$include` value, as keys ([] when none)."""
        _, sep, data = self.value.partition("#")
        return data.split(".") if sep and data else []


def _directive_key(node: Node) -> Node | None:
    """The key node of a directive in a mapping (the first one, as the loader takes it), else None."""
    for k, _ in node.pairs:
        if k.kind == "scalar" and k.value in DIRECTIVES:
            return k
    return None


def directive_at(node: Node | None) -> Directive | None:
    """The directive `node` is (a mapping the loader replaces), or None. Raises DirectiveError for
    a directive the loader refuses, with its message."""
    if node is None:
        return None
    node = node.resolved
    if node.kind != "map" or not node.pairs:
        return None
    key = _directive_key(node)
    if key is None:
        return None
    if len(node.pairs) != 1:
        others = [k.value for k, _ in node.pairs if k is not key and k.kind == "scalar"]
        raise DirectiveError(node, f"`{key.value}` has other keys beside it ({', '.join(others) or 'a complex key'}); "
                                   f"Backstage refuses the whole config (include key {key.value} should not have adjacent keys)")
    value = node.pairs[0][1].resolved
    if value.kind != "scalar" or value.is_null() or value.style == "" and value.tag is None and _not_a_string(value.value):
        raise DirectiveError(node, f"the value of `{key.value}` is not a string; Backstage refuses the whole config "
                                   f"({key.value} include value is not a string)")
    return Directive(key.value, value.value, node, value)


def _not_a_string(plain: str) -> bool:
    """A plain scalar the YAML 1.2 core schema reads as a number or a boolean."""
    return not isinstance(plain_scalar_value(plain), str)


def directive_problems(root: Node | None) -> list[tuple[Node, str]]:
    """Every directive of a document the loader would refuse, in document order: (node, why)."""
    out: list[tuple[Node, str]] = []
    if root is None:
        return out
    todo = [root]
    while todo:  # collections only, aliases not followed: a value node has one parent
        node = todo.pop()
        if node.kind == "map":
            if _directive_key(node) is not None:
                try:
                    directive_at(node)
                except DirectiveError as exc:
                    out.append((node, str(exc)))
            for _k, v in reversed(node.pairs):
                if v.kind in ("map", "seq"):
                    todo.append(v)
        elif node.kind == "seq":
            todo.extend(i for i in reversed(node.items) if i.kind in ("map", "seq"))
    return out


def describe(d: Directive) -> str:
    """What the loader puts in place of a `$file` or `$env` (for a sentence)."""
    if d.key == "$file":
        return f"the text of {d.value} (a string)"
    if d.key == "$env":
        return f"the value of the environment variable {d.value} (a string)"
    return f"the file {d.include_path}"
