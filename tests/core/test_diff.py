"""wizard.core.diff: the same unified diff format as difflib, fast on thousands of similar lines."""

from __future__ import annotations

import difflib

from hypothesis import given, settings
from hypothesis import strategies as st

from wizard.core.diff import unified_diff


def apply_unified(a: list[str], diff: list[str]) -> list[str]:
    """Apply a unified diff to `a` (a tiny patch tool) to prove the hunks are right."""
    out: list[str] = []
    pos = 0
    i = 2
    while i < len(diff):
        header = diff[i]
        assert header.startswith("@@ ")
        old = header.split()[1][1:]
        start = int(old.split(",")[0])
        length = int(old.split(",")[1]) if "," in old else 1
        start = start - 1 if length else start
        out.extend(a[pos:start])
        pos = start
        i += 1
        while i < len(diff) and not diff[i].startswith("@@ "):
            line = diff[i]
            if line[0] == " ":
                assert a[pos] == line[1:]
                out.append(line[1:])
                pos += 1
            elif line[0] == "-":
                assert a[pos] == line[1:]
                pos += 1
            else:
                out.append(line[1:])
            i += 1
    out.extend(a[pos:])
    return out


lines = st.lists(st.sampled_from(["a\n", "b\n", "c\n", "  x: 1\n", "  y: 2\n", "- z\n", "# c\n", "\n"]), max_size=40)


@settings(max_examples=300, deadline=None)
@given(lines, lines)
def test_the_diff_turns_a_into_b(a: list[str], b: list[str]) -> None:
    diff = list(unified_diff(a, b, "a/f", "b/f"))
    if a == b:
        assert diff == []
        return
    assert diff[0] == "--- a/f\n" and diff[1] == "+++ b/f\n"
    assert apply_unified(a, diff) == b


def test_same_output_as_difflib_on_a_config_edit() -> None:
    a = [f"line {i}\n" for i in range(50)]
    b = a[:10] + ["new\n"] + a[10:30] + a[31:]
    assert list(unified_diff(a, b, "a/x", "b/x")) == list(difflib.unified_diff(a, b, "a/x", "b/x"))


def test_thousands_of_repeated_edits_are_diffed_correctly() -> None:
    a, b = [], []
    for i in range(3000):
        a += [f"        - name: c{i}\n", "          authProvider: serviceAccount\n", f"          serviceAccountToken: ${{T{i}}}\n"]
        b += [f"        - name: c{i}\n", "          authProvider: oidc\n", "          oidcTokenProvider: spectrocloud\n"]
    diff = list(unified_diff(a, b, "a/f", "b/f"))
    assert apply_unified(a, diff) == b
    assert sum(1 for d in diff if d.startswith("-")) - 1 == 6000  # minus the --- header
