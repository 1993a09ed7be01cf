"""The step indicator: where you are, and a click on a finished step to jump back."""

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
        self.title = title
        self.state = state
        self.short = False

    def set_state(self, state: str) -> None:
        self.remove_class(self.state)
        self.state = state
        self.add_class(state)
        self.show()

    def set_short(self, short: bool) -> None:
        self.short = short
        self.show()

    def show(self) -> None:
        # short: only the number, except for the step you are on (its name is what you need)
        self.update(f"{self.index + 1}" if self.short and self.state != "current" else f"{self.index + 1} {self.title}")

    def on_click(self) -> None:
        if self.state == "done":
            self.post_message(Stepper.Jump(self.step_name))


class Stepper(Horizontal):
    """One line: done steps can be clicked, the current one is highlighted, later ones dimmed."""

    DEFAULT_CSS = """
    Stepper { height: 1; background: $panel; }
    Stepper .step { width: auto; padding: 0 0 0 1; color: $text-muted; }
    Stepper .step.current { padding: 0 1; }
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

    def on_resize(self) -> None:
        self.fit()

    def fit(self) -> None:
        """All titles when they fit on the line; else numbers, with the current step's title."""
        steps = list(self.query(Step))
        full = sum(len(f"{s.index + 1} {s.title}") + 2 for s in steps)
        short = self.size.width > 0 and full > self.size.width
        for s in steps:
            s.set_short(short)

    def _state(self, name: str) -> str:
        return "current" if name == self.current else ("done" if name in self.reached else "todo")

    def compose(self) -> ComposeResult:
        for i, (name, title) in enumerate(self.steps):
            yield Step(i, name, title, self._state(name))

    def update_state(self, steps: list[tuple[str, str]], reached: set[str]) -> None:
        """Refresh in place; rebuild only when the path (and so the list of steps) changed."""
        self.reached = reached
        if steps != self.steps:
            self.steps = steps
            self.remove_children()
            self.mount_all([Step(i, n, t, self._state(n)) for i, (n, t) in enumerate(steps)])
            self.call_after_refresh(self.fit)
            return
        for step in self.query(Step):
            step.set_state(self._state(step.step_name))
