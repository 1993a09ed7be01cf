"""Step: restart the backend so it reads the new config, and wait until it serves it, before Verify
(the restart controller says how, asks the backend, and words each round in one line)."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, ProgressBar, Static

from wizard.tui.screens.base import WizardScreen
from wizard.tui.widgets.fieldinput import FieldValidator


class RestartScreen(WizardScreen):
    STEP = "restart"
    # each key written on its button, and only one button with a key shown at a time: Ctrl+N waits, and
    # once the wait is over it continues (Wait is then hidden, Wait again has its own key)
    BUTTON_KEYS = {"wait": "ctrl+n", "continue": "ctrl+n", "again": "ctrl+r", "skip": "ctrl+g"}
    CSS_PATH = "restart.tcss"

    def body(self) -> ComposeResult:
        yield Static("", id="restart-how", markup=False)
        yield Input(placeholder="backend URL (default backend.baseUrl)", id="restart-url", compact=True,
                    validators=[FieldValidator("backendUrl", optional=True)])
        yield Static("", id="restart-status", markup=False)
        yield ProgressBar(id="restart-progress", total=None, show_eta=False)
        with Horizontal(classes="buttons"):
            yield Button("Wait for the backend", variant="primary", id="wait")
            yield Button("Continue to Verify", variant="primary", id="continue")
            yield Button("Wait again", id="again")
            yield Button("Skip", id="skip")

    def on_mount(self) -> None:
        self.query_one("#restart-progress").display = False
        self.show_buttons(waited=False)
        self.query_one("#restart-url", Input).display = self.step.needs_url()
        self.query_one("#restart-url", Input).placeholder = f"backend URL (default {self.step.defaults()['backendUrl']})"

    def on_screen_resume(self) -> None:
        self.query_one("#restart-how", Static).update(self.step.instruction())
        self.query_one("#wait", Button).focus()

    def action_wait(self) -> None:
        url = self.query_one("#restart-url", Input).value
        problem = self.step.problem("backendUrl", url, optional=True)
        if problem is not None:
            self.error(problem)
            return
        self.query_one("#restart-progress").display = True
        self.query_one("#wait", Button).disabled = True
        self.query_one("#again", Button).disabled = True
        restarted = self.step.restart_stand_in()
        self.query_one("#restart-status", Static).update(
            (restarted + "\n" if restarted else "") + f"asking {self.step.url(url)}…")
        self.wait_for_backend(url)

    def action_skip(self) -> None:
        self.workers.cancel_group(self, "restart")
        self.step.skip()
        self.wizard.next()

    @work(exclusive=True, group="restart")
    async def wait_for_backend(self, url: str) -> None:
        status = self.query_one("#restart-status", Static)
        # one line, replaced each round: what is asked, for how long, what is still missing
        result = await self.step.wait(url, on_progress=lambda progress: status.update(progress.line))
        self.finish(result.served, result.message)

    def show_buttons(self, waited: bool) -> None:
        self.query_one("#wait").display = not waited
        self.query_one("#continue").display = waited
        self.query_one("#again").display = waited

    def finish(self, served: bool, message: str) -> None:
        self.query_one("#restart-progress").display = False
        self.query_one("#restart-status", Static).update(message)
        self.query_one("#wait", Button).disabled = False
        self.query_one("#again", Button).disabled = False
        self.show_buttons(waited=True)
        self.query_one("#continue" if served else "#again", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id in ("wait", "again"):
            self.action_wait()
        elif event.button.id == "skip":
            self.action_skip()
        elif event.button.id == "continue":
            self.wizard.next()
