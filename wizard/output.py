"""Text output for the command line: check tables, diffs, notes. Honours NO_COLOR and non-TTYs."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from wizard.core.hints import catalog
from wizard.core.results import CheckResult

_COLORS = {"ok": "32", "warn": "33", "fail": "31", "skip": "90", "bold": "1", "dim": "2", "add": "32", "del": "31", "hunk": "36"}


def use_color(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty() and os.environ.get("TERM") != "dumb"


def unicode_ok(stream: TextIO) -> bool:
    enc = (getattr(stream, "encoding", None) or "").lower()
    return "utf" in enc


class Printer:
    def __init__(self, stream: TextIO | None = None, wrap: bool = False):
        self.stream = stream or sys.stdout
        self.color = use_color(self.stream)
        self.uni = unicode_ok(self.stream)
        # plain mode on a terminal: long sentences wrap between words, under their own indent, instead of
        # the terminal cutting words in two (the CLI's output stays one line per item, for scripts)
        self.wrap = wrap and hasattr(self.stream, "isatty") and self.stream.isatty()

    def c(self, code: str, text: str) -> str:
        if not self.color:
            return text
        return f"\x1b[{_COLORS.get(code, code)}m{text}\x1b[0m"

    def mark(self, status: str) -> str:
        marks = {"ok": "✔", "warn": "!", "fail": "✖", "skip": "–"} if self.uni else {"ok": "ok", "warn": "!!", "fail": "XX", "skip": "--"}
        return self.c(status, marks.get(status, "?"))

    def line(self, text: str = "") -> None:
        if self.wrap and "\x1b" not in text and "\n" not in text:
            import shutil
            import textwrap

            width = shutil.get_terminal_size().columns - 1
            if len(text) > width > 20:
                indent = " " * (len(text) - len(text.lstrip(" ")))
                hang = indent + ("  " if text.lstrip().startswith(("• ", "! ", "- ", "✔ ", "✖ ")) else "")
                text = textwrap.fill(text, width, subsequent_indent=hang, break_long_words=False,
                                     break_on_hyphens=False)
        print(text, file=self.stream)

    def raw(self, text: str) -> None:
        """A line as it is (diffs: a wrapped line would read as another line of the file)."""
        print(text, file=self.stream)

    def diff(self, text: str) -> None:
        for ln in text.splitlines():
            if ln.startswith(("+++", "---")):
                self.raw(self.c("bold", ln))
            elif ln.startswith("+"):
                self.raw(self.c("add", ln))
            elif ln.startswith("-"):
                self.raw(self.c("del", ln))
            elif ln.startswith("@@"):
                self.raw(self.c("hunk", ln))
            else:
                self.raw(ln)


def print_checks(p: Printer, title: str, results: list[CheckResult], show_hints: bool = True,
                 not_tested: list[str] | None = None, set_up: frozenset[str] = frozenset()) -> None:
    """`set_up`: checks the next steps of this run repair; failing, they are work to do (→), not
    failures, and their hints (written for someone doing it by hand) are not printed."""
    p.line(p.c("bold", title))
    width = max((len(r.id) for r in results), default=10)
    to_do = [r for r in results if r.status == "fail" and r.id in set_up]
    for r in results:
        if r in to_do:
            p.line(f"  {p.c('hunk', '->' if not p.uni else '→')} {r.id.ljust(width)}  {r.summary}")
            continue
        p.line(f"  {p.mark(r.status)} {r.id.ljust(width)}  {r.summary}")
        if r.status in ("warn", "fail") and r.detail:
            for ln in r.detail.splitlines():
                p.line("      " + p.c("dim", ln))
    counts = {s: sum(1 for r in results if r.status == s and r not in to_do) for s in ("ok", "warn", "fail", "skip")}
    counts["to do"] = len(to_do)
    p.line("")
    p.line(" · ".join(f"{n} {s}" for s, n in counts.items() if n) or "no checks")
    if to_do:
        p.line(f"{'→' if p.uni else '->'} the next steps set these up: " + ", ".join(r.id for r in to_do))
    if not_tested:
        p.line(f"not tested ({len(not_tested)}, they need a user's ID token: --id-token): " + ", ".join(not_tested))
    if show_hints:
        fired = [r for r in results if r.hint and r.status in ("warn", "fail") and r not in to_do]
        if fired:
            p.line("")
            p.line(p.c("bold", "What to do"))
            seen: set[str] = set()
            cat = catalog()
            for r in fired:
                if r.hint in seen:
                    continue
                seen.add(r.hint)  # type: ignore[arg-type]
                h = cat.get(r.hint or "")
                if h is None:
                    p.line(f"  [{r.hint}] (no catalog entry)")
                    continue
                p.line(f"  {p.c('bold', h.title)}  [{h.id}]")
                for ln in h.render(r.hint_vars).splitlines():
                    p.line("    " + ln if ln else "")
                p.line("")
