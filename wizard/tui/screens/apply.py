"""Step: write the plan (backups first), add the module, and show what happened; undo on failure."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, ProgressBar, RichLog, Static

from wizard.errors import WizardError
from wizard.tui.screens.base import WizardScreen


class ApplyScreen(WizardScreen):
    STEP = "apply"
    TITLE = "Apply"
    CSS_PATH = "apply.tcss"
    HELP = """\
The wizard backs up each file, replaces it atomically (a crash leaves the old or the new file, never
half of one), then adds the module with your package manager and streams its output here.

If something fails, **Undo** restores every file of this apply exactly as it was.
"""

    def body(self) -> ComposeResult:
        yield Static("", id="apply-status", markup=False)
        yield ProgressBar(id="apply-progress", total=None, show_eta=False)
        yield RichLog(id="apply-log", wrap=True, max_lines=2000)
        with Horizontal(classes="buttons"):
            yield Button("Continue", variant="primary", id="continue", disabled=True)
            yield Button("Undo", variant="error", id="undo")

    def on_mount(self) -> None:
        self.query_one("#undo").display = False
        self.started = False

    def on_screen_resume(self) -> None:
        if self.wizard.apply_requested and self.session.plan is not None:
            self.wizard.apply_requested = False
            self.start(self.session.plan)

    def start(self, plan) -> None:
        self.query_one("#apply-log", RichLog).clear()
        self.query_one("#apply-status", Static).update("Writing…")
        self.query_one("#apply-progress").display = True
        self.query_one("#continue", Button).disabled = True
        self.query_one("#undo").display = False
        self.run_apply(plan)

    @work(thread=True, exclusive=True, group="apply")
    def run_apply(self, plan) -> None:
        log = self.query_one("#apply-log", RichLog)
        emit = lambda line: self.app.call_from_thread(log.write, line)  # noqa: E731
        try:
            result = self.session.apply(plan, on_output=emit)
        except WizardError as exc:
            self.app.call_from_thread(self.finished, None, str(exc), plan)
            return
        self.app.call_from_thread(self.finished, result, None, plan)

    def finished(self, result, error: str | None, plan) -> None:
        self.query_one("#apply-progress").display = False
        status = self.query_one("#apply-status", Static)
        log = self.query_one("#apply-log", RichLog)
        if error:
            status.update(f"✖ {error}")
            self.error(error)
            self.query_one("#undo").display = self.session.can_undo()
            return
        lines = [f"✔ wrote {rel}" for rel in result.written]
        if result.backup is not None:
            lines.append(f"  backups: {result.backup.relative_to(self.session.root)}")
        if plan.install is None:
            lines.append("  package install skipped" + (" (demo app)" if self.session.demo else ""))
        elif result.install_ok:
            lines.append(f"✔ added {plan.install.package}")
        else:
            lines.append(f"✖ {result.install_error}")
            log.write(f"✖ {result.install_error}")
            self.query_one("#undo").display = True
        status.update("\n".join(lines))
        self.wizard.dirty = False
        self.session.autosave()
        self.query_one("#continue", Button).disabled = False
        self.query_one("#continue", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "continue":
            self.wizard.next()
        elif event.button.id == "undo":
            try:
                result = self.session.undo()
            except WizardError as exc:
                self.error(str(exc))
                return
            self.query_one("#apply-status", Static).update("↩ restored " + ", ".join(result.restored) + " — nothing of this apply remains")
            self.query_one("#undo").display = False
            self.notify("undone")
