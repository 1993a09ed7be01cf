"""Render new YAML fragments in the style of the file they are spliced into.

Only the text the wizard adds goes through here; nothing else of a config is ever re-emitted.
Fragments are produced with "\\n" line breaks; the splice step converts them to the file's own.
"""

from __future__ import annotations

import re
from typing import Any

from wizard.core.yamldoc import Style, plain_scalar_value

# Strings a YAML 1.1 reader (kubectl, older tools) would turn into something else: quote them too,
# so the file means the same to every reader.
_YAML11_SPECIAL = re.compile(
    r"^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|"
    r"[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?|"  # sexagesimal
    r"[-+]?(0b[01_]+|0[0-7_]+|[0-9][0-9_]*|0x[0-9a-fA-F_]+)|"  # 1.1 ints with underscores/octal
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?|"  # timestamps
    r"[-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)?|[-+]?\.[0-9_]+([eE][-+][0-9]+)?|"  # 1.1 floats (2.36_, ._9)
    r"=|<<)$"  # the 1.1 value and merge keys
)
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
_FLOW_CHARS = set(",[]{}")


def plain_ok(text: str, flow: bool = False) -> bool:
    """Whether `text` can be written as a plain scalar and still read back as that string."""
    if text == "" or text != text.strip():
        return False
    if plain_scalar_value(text) != text or _YAML11_SPECIAL.match(text):
        return False
    if text[0] in _INDICATORS:
        return False
    if ": " in text or " #" in text or text.endswith(":") or "\t" in text:
        return False
    if _needs_escape(text):
        return False
    if flow and (any(c in _FLOW_CHARS for c in text) or ":" in text or "?" in text):
        return False
    return True


def _needs_escape(text: str) -> bool:
    """Characters YAML does not allow raw in a document (C0/C1 controls, U+FFFE/U+FFFF, surrogates)."""
    for c in text:
        o = ord(c)
        if o < 32 or 0x7F <= o <= 0x9F or c in "\u2028\u2029\ufeff\ufffe\uffff" or 0xD800 <= o <= 0xDFFF:
            return True
    return False


def single_quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def double_quoted(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif _needs_escape(ch):
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def scalar(value: Any, quote: str = "", flow: bool = False) -> str:
    """One scalar. `quote` is the neighbours' preference for strings: "" (plain), "'" or '"'."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return ".nan" if value != value else (".inf" if value > 0 else "-.inf")
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if _needs_escape(text) or quote == '"':
        return double_quoted(text)
    if quote == "'":
        return single_quoted(text)
    if plain_ok(text, flow=flow):
        return text
    return single_quoted(text)


def key_text(key: str, flow: bool = False) -> str:
    return key if plain_ok(key, flow=flow) else single_quoted(key)


def flow(value: Any, style: Style, quote: str = "") -> str:
    """A value in flow style: `{ a: b, c: [d] }`."""
    sp = " " if style.flow_spaces else ""
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = ", ".join(f"{key_text(str(k), True)}: {flow(v, style, quote)}" for k, v in value.items())
        return "{" + sp + inner + sp + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[" + sp + ", ".join(flow(v, style, quote) for v in value) + sp + "]"
    return scalar(value, quote, flow=True)


def is_collection(value: Any) -> bool:
    return isinstance(value, (dict, list)) and bool(value)


def block_at(value: Any, col: int, style: Style, quote: str = "") -> str:
    """`value` as block YAML whose first line starts at column `col` (already positioned).

    Lines after the first are indented to `col`; the result has no trailing newline. Scalars and
    empty collections come back as a single token.
    """
    pad = " " * col
    if isinstance(value, dict) and value:
        lines = []
        for k, v in value.items():
            lines.append(key_value(str(k), v, col, style, quote))
        return ("\n" + pad).join(lines)
    if isinstance(value, list) and value:
        lines = []
        for item in value:
            lines.append(seq_item(item, col, style, quote))
        return ("\n" + pad).join(lines)
    return flow(value, style, quote) if isinstance(value, (dict, list)) else scalar(value, quote)


def key_value(key: str, value: Any, col: int, style: Style, quote: str = "") -> str:
    """`key: value` for a mapping whose keys sit at column `col` (first line not indented)."""
    k = key_text(key)
    if isinstance(value, dict) and value:
        inner_col = col + style.indent
        return f"{k}:\n{' ' * inner_col}{block_at(value, inner_col, style, quote)}"
    if isinstance(value, list) and value:
        dash_col = col + style.seq_indent
        return f"{k}:\n{' ' * dash_col}{block_at(value, dash_col, style, quote)}"
    return f"{k}: {block_at(value, col, style, quote)}"


def seq_item(value: Any, dash_col: int, style: Style, quote: str = "") -> str:
    """`- value` for a sequence whose dashes sit at column `dash_col` (first line not indented)."""
    content_col = dash_col + style.seq_offset
    gap = " " * (style.seq_offset - 1)
    return f"-{gap}{block_at(value, content_col, style, quote)}"


def lines_for_pairs(pairs: list[tuple[str, Any]], col: int, style: Style, quote: str = "") -> str:
    """Whole lines (indented, newline-terminated) for new mapping entries at column `col`."""
    return "".join(" " * col + key_value(k, v, col, style, quote) + "\n" for k, v in pairs)


def lines_for_items(items: list[Any], dash_col: int, style: Style, quote: str = "") -> str:
    """Whole lines (indented, newline-terminated) for new sequence items at column `dash_col`."""
    return "".join(" " * dash_col + seq_item(v, dash_col, style, quote) + "\n" for v in items)
