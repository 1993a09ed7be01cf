"""The step indicator: where you are, and a click on a finished step to jump back.

One widget drawing one line (not a widget per step: every widget costs style work before the first
paint). Each step's cells are remembered, so a click maps back to its step.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.content import Content
from textual.message import Message
from textual.widget import Widget


@dataclass
class StepMark:
    index: int
    step_name: str
    title: str
    state: str  # "current" | "done" | "todo"
    start: int = 0  # its cells on the line, set when drawn
    end: int = 0

    @property
    def label(self) -> str:
        return f"{self.index + 1} {self.title}"


class Stepper(Widget):
    """One line: done steps can be clicked, the current one is highlighted, later ones dimmed. When
    the titles do not fit, the other steps show their numbers only."""

    DEFAULT_CSS = """
    Stepper { height: 1; background: $panel; }
    """

    class Jump(Message):
        def __init__(self, name: str):
            super().__init__()
            self.name = name

    def __init__(self, steps: list[tuple[str, str]], current: str, reached: set[str]):
        super().__init__()
        self.current = current
        self.marks: list[StepMark] = []
        self.update_state(steps, reached)

    def _state(self, name: str, reached: set[str]) -> str:
        return "current" if name == self.current else ("done" if name in reached else "todo")

    def update_state(self, steps: list[tuple[str, str]], reached: set[str]) -> None:
        self.marks = [StepMark(i, name, title, self._state(name, reached)) for i, (name, title) in enumerate(steps)]
        self.refresh()

    def states(self) -> dict[str, str]:
        return {m.step_name: m.state for m in self.marks}

    STYLES = {"current": "bold $text on $accent", "done": "$success", "todo": "$text-muted"}

    def render(self) -> Content:
        width = self.size.width
        # 1 cell before each step, the current one padded on both sides
        short = width > 0 and sum(len(m.label) + 2 for m in self.marks) > width
        parts: list[tuple[str, str] | str] = []
        at = 0
        for m in self.marks:
            shown = m.label if m.state == "current" or not short else str(m.index + 1)
            text = f" {shown} " if m.state == "current" else shown
            parts.append(" ")
            m.start, m.end = at + 1, at + 1 + len(text)
            at = m.end
            parts.append((text, self.STYLES[m.state]))
        return Content.assemble(*parts)

    def mark_at(self, x: int) -> StepMark | None:
        return next((m for m in self.marks if m.start <= x < m.end), None)

    def on_click(self, event: events.Click) -> None:
        mark = self.mark_at(event.x)
        if mark is not None and mark.state == "done":
            self.post_message(Stepper.Jump(mark.step_name))
