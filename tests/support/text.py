"""Text helpers: what a YAML reader sees, and which lines an edit kept or changed."""

from __future__ import annotations

import difflib
import textwrap
from typing import Any

from ruamel.yaml import YAML


def safe_load(text: str) -> Any:
    """What a YAML 1.2 reader sees (ruamel safe loader, pure Python)."""
    return YAML(typ="safe", pure=True).load(text)


def removed_lines(before: str, after: str) -> list[int]:
    """0-based indexes of the lines of `before` that are not kept verbatim in `after`."""
    a = before.splitlines(keepends=True)
    b = after.splitlines(keepends=True)
    out: list[int] = []
    for tag, i1, i2, _j1, _j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            out.extend(range(i1, i2))
    return out


def added_lines(before: str, after: str) -> list[str]:
    a = before.splitlines(keepends=True)
    b = after.splitlines(keepends=True)
    out: list[str] = []
    for tag, _i1, _i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("replace", "insert"):
            out.extend(b[j1:j2])
    return out


def assert_only_lines_changed(before: str, after: str, allowed: set[int] | range | list[int]) -> None:
    """Every line of `before` whose index is not in `allowed` survives byte for byte, in order."""
    bad = [i for i in removed_lines(before, after) if i not in set(allowed)]
    lines = before.splitlines(keepends=True)
    assert not bad, "lines changed that should not have: " + repr([lines[i] for i in bad])


def line_index(text: str, needle: str, start: int = 0) -> int:
    """0-based index of the first line (from `start`) containing `needle`."""
    for i, ln in enumerate(text.splitlines()[start:], start):
        if needle in ln:
            return i
    raise AssertionError(f"{needle!r} not in text")


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")
