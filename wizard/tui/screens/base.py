"""What every wizard screen shares: the step indicator, the footer, help (F1/?), back (Esc)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

from wizard.tui.widgets.buttonkeys import ButtonKeys
from wizard.tui.widgets.keybar import KeyBar
from wizard.tui.widgets.stepper import Stepper

if TYPE_CHECKING:
    from wizard.session import Session
    from wizard.tui.app import WizardApp


class WizardScreen(ButtonKeys, Screen):
    """A step of the wizard: it draws the step's controller (wizard.session.steps.<STEP>), which holds the
    step's words, fields, rules and outcomes. Subclasses set STEP and BUTTON_KEYS and implement `body()`."""

    STEP: ClassVar[str] = ""
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("f1,question_mark", "help", "Help"),
    ]

    @property
    def wizard(self) -> WizardApp:
        return self.app  # type: ignore[return-value]

    @property
    def session(self) -> Session:
        return self.wizard.session

    @property
    def step(self) -> Any:
        """This screen's step controller (one per session)."""
        from wizard.session.steps import controller

        return controller(self.session, self.STEP)

    @property
    def heading(self) -> str:
        return str(getattr(self.step, "heading", "") or self.step.title)

    def compose(self) -> ComposeResult:
        # the breakpoint classes (-narrow/-wide, -short/-tall) set before the widgets below are styled:
        # Textual sets them on the screen's first resize, which would style every widget again
        self.update_classes(self.wizard.breakpoint_classes(), update=False)
        yield Stepper(self.wizard.step_titles(), self.STEP, self.wizard.reached)
        # every screen of a demo says so, in the line it already has
        yield Static(self.heading + ("  · demo: local stand-ins" if self.session.stand_ins else ""), classes="screen-title")
        with Vertical(classes="screen-body"):
            yield from self.body()
        yield KeyBar()

    def body(self) -> ComposeResult:  # pragma: no cover - overridden
        yield from ()

    def on_screen_resume(self) -> None:
        # Textual calls this base handler as well as a subclass's own: no super() call needed there.
        self.query_one(Stepper).update_state(self.wizard.step_titles(), self.wizard.reached)

    def on_stepper_jump(self, message: Stepper.Jump) -> None:
        self.wizard.goto(message.name)

    def action_back(self) -> None:
        self.wizard.back()

    def action_help(self) -> None:
        from wizard.tui.widgets.modals import HelpScreen  # a dialog: imported when asked for, not before the first paint

        keys = ", ".join(f"{self.app.get_key_display(Binding(k, ''))} {bid.replace('-', ' ')}"
                         for bid, k in self.BUTTON_KEYS.items())
        own = f"**Keys on this screen:** {keys}\n\n" if keys else ""
        self.app.push_screen(HelpScreen(self.heading, self.step.help + "\n\n" + own + GLOBAL_KEYS))

    def error(self, message: str) -> None:
        """Core errors appear as the same one sentence as on the command line."""
        self.notify(message, severity="error", timeout=10)


GLOBAL_KEYS = """\
**Keys everywhere:** Tab / Shift+Tab move between fields · Enter activates · Esc goes back ·
F1 or ? shows this help · Ctrl+S saves your answers (never secrets) · Ctrl+Q quits ·
click a finished step at the top to jump back to it. The mouse works too.
"""
