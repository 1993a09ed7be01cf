"""Step: install the packages and write the plan, all or nothing (backups first), and what happened
(the apply controller runs it and words the outcome, the same words as the CLI's)."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, ProgressBar, RichLog, Static

from wizard.tui.screens.base import WizardScreen


class ApplyScreen(WizardScreen):
    STEP = "apply"
    BUTTON_KEYS = {"continue": "ctrl+n", "undo": "ctrl+z"}
    CSS_PATH = "apply.tcss"

    def body(self) -> ComposeResult:
        yield Static("", id="apply-status", markup=False)
        yield ProgressBar(id="apply-progress", total=None, show_eta=False)
        # the package manager's output: shown only when there is some (no empty box)
        yield RichLog(id="apply-log", wrap=True, max_lines=2000)
        with Horizontal(classes="buttons"):
            yield Button("Continue", variant="primary", id="continue", disabled=True)
            yield Button("Undo", variant="error", id="undo")

    def on_mount(self) -> None:
        self.query_one("#undo").display = False
        self.query_one("#apply-log").display = False

    def on_screen_resume(self) -> None:
        if self.wizard.apply_requested and self.session.plan is not None:
            self.wizard.apply_requested = False
            self.start()

    def start(self) -> None:
        log = self.query_one("#apply-log", RichLog)
        log.clear()
        log.display = False
        self.query_one("#apply-status", Static).update("Writing…")
        self.query_one("#apply-progress").display = True
        self.query_one("#continue", Button).disabled = True
        self.query_one("#undo").display = False
        self.run_apply()

    def emit(self, line: str) -> None:
        log = self.query_one("#apply-log", RichLog)
        log.display = True
        log.write(line)

    @work(thread=True, exclusive=True, group="apply")
    def run_apply(self) -> None:
        outcome = self.step.run(on_output=lambda line: self.app.call_from_thread(self.emit, line))
        self.app.call_from_thread(self.finished, outcome)

    def finished(self, outcome) -> None:
        self.query_one("#apply-progress").display = False
        status = self.query_one("#apply-status", Static)
        lines = list(outcome.lines)
        if outcome.cleanup:
            lines += ["", outcome.cleanup]
        status.update("\n".join(lines))
        if not outcome.ok:
            self.error(outcome.error or "the apply did not go through")
            self.query_one("#undo").display = outcome.undo_offered
            return
        self.wizard.dirty = False
        self.session.autosave()
        self.query_one("#continue", Button).disabled = False
        self.query_one("#continue", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "continue":
            self.wizard.next()
        elif event.button.id == "undo":
            from wizard.errors import WizardError

            try:
                done = self.step.undo()
            except WizardError as exc:
                self.error(str(exc))
                return
            self.query_one("#apply-status", Static).update(done)
            self.query_one("#undo").display = False
            self.notify("undone")
