"""A unified diff, highlighted (additions green, deletions red), already masked by the core."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


def diff_text(diff: str) -> Text:
    out = Text()
    for line in diff.splitlines():
        if line.startswith(("+++", "---")):
            out.append(line + "\n", style="bold")
        elif line.startswith("+"):
            out.append(line + "\n", style="green")
        elif line.startswith("-"):
            out.append(line + "\n", style="red")
        elif line.startswith("@@"):
            out.append(line + "\n", style="cyan")
        else:
            out.append(line + "\n")
    return out


class DiffView(Static):
    DEFAULT_CSS = "DiffView { height: auto; }"

    def show(self, diff: str) -> None:
        self.update(diff_text(diff))
