"""Small modal screens: help for the current screen, a yes/no question, a hint."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from wizard.tui.widgets.buttonkeys import ButtonKeys


class HelpScreen(ButtonKeys, ModalScreen[None]):
    BUTTON_KEYS = {"help-close": "escape"}
    BINDINGS = [Binding("escape,f1,question_mark,q", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: 90%; max-width: 100; height: 80%; border: thick $accent; background: $surface; padding: 0 1; }
    HelpScreen VerticalScroll { height: 1fr; }
    HelpScreen #help-close { dock: bottom; width: 100%; }
    """

    def __init__(self, title: str, text: str):
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        # Markdown (and markdown-it under it) only when help is opened: not before the first paint
        from textual.widgets import Markdown

        with Vertical():
            yield Static(f"[b]Help: {self.title_text}[/b]", markup=True)
            with VerticalScroll():
                yield Markdown(self.text)
            yield Button("Close", id="help-close")

    def on_button_pressed(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ButtonKeys, ModalScreen[bool]):
    BUTTON_KEYS = {"yes": "y", "no": "n"}
    BINDINGS = [Binding("escape,n", "no", "No"), Binding("y", "yes", "Yes")]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 70; max-width: 95%; height: auto; border: thick $warning; background: $surface; padding: 1 2; }
    ConfirmScreen Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    ConfirmScreen Button { margin-left: 2; }
    """

    def __init__(self, question: str, yes: str = "Yes", no: str = "No"):
        super().__init__()
        self.question = question
        self.yes_label = yes
        self.no_label = no

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question)
            with Horizontal():
                yield Button(self.no_label, id="no")
                yield Button(self.yes_label, id="yes", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)


class HintScreen(ButtonKeys, ModalScreen[None]):
    """A troubleshooting entry, opened from a failed check."""

    BUTTON_KEYS = {"hint-close": "escape"}
    BINDINGS = [Binding("escape,q", "dismiss", "Close")]
    DEFAULT_CSS = """
    HintScreen { align: center middle; }
    HintScreen > Vertical { width: 90%; max-width: 110; height: 85%; border: thick $error; background: $surface; padding: 0 1; }
    HintScreen VerticalScroll { height: 1fr; }
    HintScreen Button { dock: bottom; width: 100%; }
    """

    def __init__(self, title: str, body: str):
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"[b]{self.title_text}[/b]", markup=True)
            with VerticalScroll():
                yield Static(self.body, markup=False)
            yield Button("Close", id="hint-close")

    def on_button_pressed(self) -> None:
        self.dismiss(None)
