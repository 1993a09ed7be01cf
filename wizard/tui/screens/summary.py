"""Step: what changed, what to do next, the RBAC users need, save the answers, export a report (the
summary controller's lines and actions)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Static

from wizard.tui.screens.base import WizardScreen


class SummaryScreen(WizardScreen):
    STEP = "summary"
    BUTTON_KEYS = {"save": "ctrl+s", "rbac": "ctrl+b", "report": "ctrl+r", "quit": "ctrl+q"}
    CSS_PATH = "summary.tcss"

    def body(self) -> ComposeResult:
        # focusable, and focused on arrival: the summary is longer than a screen, and arrows and PageDown
        # must read it (each button has its own key)
        with VerticalScroll(id="summary-scroll", can_focus=True):
            yield Static("", id="summary-text", markup=False)
        with Horizontal(classes="buttons"):
            yield Button("Save answers", id="save")
            yield Button("Write RBAC", id="rbac")
            yield Button("Export report", id="report")
            yield Button("Quit", variant="primary", id="quit")

    def on_screen_resume(self) -> None:
        self.query_one("#summary-text", Static).update("\n".join(self.step.lines()))
        self.query_one("#summary-scroll").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.wizard.action_save()
        elif event.button.id == "report":
            try:
                path = self.step.write_report()
            except Exception as exc:  # noqa: BLE001 - one sentence for the user
                self.error(f"could not write the report: {exc}")
                return
            self.notify(f"report written to {path.relative_to(self.session.root)} (secrets masked)")
        elif event.button.id == "rbac":
            try:
                path = self.step.write_rbac()
            except Exception as exc:  # noqa: BLE001 - one sentence for the user
                self.error(str(exc))
                return
            self.notify(f"RBAC written to {path.relative_to(self.session.root)}: kubectl apply -f it in each cluster")
        elif event.button.id == "quit":
            self.wizard.action_request_quit()
