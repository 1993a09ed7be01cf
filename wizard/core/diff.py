"""Unified diffs that stay fast on big configs with thousands of similar lines.

difflib's SequenceMatcher is quadratic when many lines repeat (3,000 clusters that all say
`authProvider: serviceAccount`): a `migrate: all` plan took 17 s to diff. Here the line matching is
patience diff (anchor on lines unique to both sides, recurse between anchors), falling back to
difflib only on small stretches with no unique line. The output format is difflib's.
"""

from __future__ import annotations

import difflib
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator, Sequence

Opcode = tuple[str, int, int, int, int]
_SMALL = 40_000  # a gap this size (lines a x lines b) is left to difflib


class _Matcher(difflib.SequenceMatcher[str]):
    """A SequenceMatcher whose opcodes come from patience diff (difflib groups them into hunks)."""

    def __init__(self, a: Sequence[str], b: Sequence[str]):
        super().__init__(None, a, b, autojunk=False)
        self._ops = _merge(list(_patience(a, 0, len(a), b, 0, len(b))))

    def get_opcodes(self) -> list[Opcode]:  # type: ignore[override]
        return self._ops


def _patience(a: Sequence[str], alo: int, ahi: int, b: Sequence[str], blo: int, bhi: int) -> Iterator[Opcode]:
    # common prefix and suffix
    start_a, start_b = alo, blo
    while alo < ahi and blo < bhi and a[alo] == b[blo]:
        alo += 1
        blo += 1
    if alo > start_a:
        yield ("equal", start_a, alo, start_b, blo)
    end_a, end_b = ahi, bhi
    while ahi > alo and bhi > blo and a[ahi - 1] == b[bhi - 1]:
        ahi -= 1
        bhi -= 1
    yield from _middle(a, alo, ahi, b, blo, bhi)
    if ahi < end_a:
        yield ("equal", ahi, end_a, bhi, end_b)


def _middle(a: Sequence[str], alo: int, ahi: int, b: Sequence[str], blo: int, bhi: int) -> Iterator[Opcode]:
    if alo == ahi and blo == bhi:
        return
    if alo == ahi:
        yield ("insert", alo, alo, blo, bhi)
        return
    if blo == bhi:
        yield ("delete", alo, ahi, blo, blo)
        return
    count_a = Counter(a[alo:ahi])
    count_b = Counter(b[blo:bhi])
    pos_b = {b[j]: j for j in range(blo, bhi) if count_b[b[j]] == 1}
    pairs = [(i, pos_b[a[i]]) for i in range(alo, ahi) if count_a[a[i]] == 1 and a[i] in pos_b]
    anchors = _longest_increasing(pairs)
    if not anchors:
        if (ahi - alo) * (bhi - blo) <= _SMALL:
            sm = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
            for tag, i1, i2, j1, j2 in sm.get_opcodes():
                yield (tag, alo + i1, alo + i2, blo + j1, blo + j2)
        else:
            yield ("replace", alo, ahi, blo, bhi)
        return
    ia, ib = alo, blo
    for i, j in anchors:
        yield from _patience(a, ia, i, b, ib, j)
        yield ("equal", i, i + 1, j, j + 1)
        ia, ib = i + 1, j + 1
    yield from _patience(a, ia, ahi, b, ib, bhi)


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of pairs increasing in both coordinates (pairs come sorted by the first)."""
    tails: list[int] = []  # smallest b-value ending an increasing run of each length
    tail_idx: list[int] = []
    prev: list[int] = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        pos = bisect_left(tails, j)
        if pos == len(tails):
            tails.append(j)
            tail_idx.append(k)
        else:
            tails[pos] = j
            tail_idx[pos] = k
        prev[k] = tail_idx[pos - 1] if pos > 0 else -1
    out: list[tuple[int, int]] = []
    k = tail_idx[-1] if tail_idx else -1
    while k >= 0:
        out.append(pairs[k])
        k = prev[k]
    return out[::-1]


def _merge(ops: list[Opcode]) -> list[Opcode]:
    out: list[Opcode] = []
    for op in ops:
        if op[1] == op[2] and op[3] == op[4]:
            continue
        tag = op[0]
        if out:
            ptag, i1, i2, j1, j2 = out[-1]
            if i2 == op[1] and j2 == op[3] and (ptag == tag or (ptag != "equal" and tag != "equal")):
                merged = tag if ptag == tag else "replace"
                out[-1] = (merged, i1, op[2], j1, op[4])
                continue
        out.append(op)
    # tags must match their spans (difflib's formatter relies on it)
    fixed = []
    for tag, i1, i2, j1, j2 in out:
        if tag != "equal":
            tag = "replace" if i1 < i2 and j1 < j2 else ("delete" if i1 < i2 else "insert")
        fixed.append((tag, i1, i2, j1, j2))
    return fixed


def _range(start: int, stop: int) -> str:
    """difflib's unified range format."""
    beginning = start + 1
    length = stop - start
    if length == 1:
        return f"{beginning}"
    if not length:
        beginning -= 1
    return f"{beginning},{length}"


def unified_diff(a: Sequence[str], b: Sequence[str], fromfile: str = "", tofile: str = "", n: int = 3) -> Iterator[str]:
    """Like difflib.unified_diff (lines with their line ends), computed with patience matching."""
    started = False
    for group in _Matcher(a, b).get_grouped_opcodes(n):
        if not started:
            started = True
            yield f"--- {fromfile}\n"
            yield f"+++ {tofile}\n"
        first, last = group[0], group[-1]
        yield f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n"
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for line in a[i1:i2]:
                    yield " " + line
                continue
            if tag in ("replace", "delete"):
                for line in a[i1:i2]:
                    yield "-" + line
            if tag in ("replace", "insert"):
                for line in b[j1:j2]:
                    yield "+" + line
