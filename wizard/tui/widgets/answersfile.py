"""Welcome's "Load an answers file" dialog: a path, checked by the session when it loads it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from wizard.tui.widgets.buttonkeys import ButtonKeys


class AnswersFileScreen(ButtonKeys, ModalScreen[str | None]):
    """The path of an answers file (the format of `spectro-wizard plan --answers`); Esc cancels."""

    BUTTON_KEYS = {"ok": "ctrl+n", "cancel": "escape"}
    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    AnswersFileScreen { align: center middle; }
    AnswersFileScreen > Vertical { width: 76; max-width: 98%; height: auto; border: thick $accent; background: $surface; padding: 0 1; }
    AnswersFileScreen Input { margin: 1 0; }
    AnswersFileScreen Horizontal { height: auto; }
    AnswersFileScreen Button { margin-right: 1; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("[b]Load an answers file[/b] — the format of `spectro-wizard plan --answers`")
            yield Input(placeholder="path, e.g. answers.yaml", id="answers-path", compact=True)
            with Horizontal():
                yield Button("Load", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#answers-path", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
        else:
            self.submit()

    def submit(self) -> None:
        raw = self.query_one("#answers-path", Input).value.strip()
        if not raw:
            self.notify("type the path of an answers file first", severity="error")
            return
        self.dismiss(raw)

    def action_cancel(self) -> None:
        self.dismiss(None)
