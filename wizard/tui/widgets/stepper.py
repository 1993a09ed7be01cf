"""The step indicator: where you are, and a click (or Alt+number) to jump back."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Static


class Step(Static):
    def __init__(self, index: int, name: str, title: str, state: str):
        super().__init__(f"{index + 1} {title}", classes=f"step {state}")
        self.index = index
        self.step_name = name
        self.state = state

    def on_click(self) -> None:
        if self.state == "done":
            self.post_message(Stepper.Jump(self.step_name))


class Stepper(Horizontal):
    """One line: done steps can be clicked, the current one is highlighted, later ones dimmed."""

    DEFAULT_CSS = """
    Stepper { height: 1; background: $panel; }
    Stepper .step { width: auto; padding: 0 1; color: $text-muted; }
    Stepper .step.current { background: $accent; color: $text; text-style: bold; }
    Stepper .step.done { color: $success; }
    Stepper .step.done:hover { text-style: underline; }
    """

    class Jump(Message):
        def __init__(self, name: str):
            super().__init__()
            self.name = name

    def __init__(self, steps: list[tuple[str, str]], current: str, reached: set[str]):
        super().__init__()
        self.steps = steps
        self.current = current
        self.reached = reached

    def compose(self) -> ComposeResult:
        for i, (name, title) in enumerate(self.steps):
            state = "current" if name == self.current else ("done" if name in self.reached else "todo")
            yield Step(i, name, title, state)
