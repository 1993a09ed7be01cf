"""Step: install the packages and write the plan, all or nothing (backups first), and show what happened."""

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
    BUTTON_KEYS = {"continue": "ctrl+n", "undo": "ctrl+z"}
    CSS_PATH = "apply.tcss"
    HELP = """\
All or nothing: the wizard backs up every file it may change, adds the required packages with your
package manager (streaming its output here), then wires the backend (index.ts) and writes the
config, each file replaced atomically. If the install fails, or anything else does, every file is
put back exactly as it was. After a successful apply, **Undo** restores them all.
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
        if result.rolled_back:
            # all or nothing: the install failed, every file is as it was, there is nothing to undo
            sync = f" (node_modules: `{result.sync_command}` brings it back in line)" if result.sync_command else ""
            message = f"✖ {result.install_error}\nNothing was changed: every file was put back as it was{sync}."
            status.update(message)
            log.write(message)
            self.error("the install failed; nothing was changed — fix the cause shown in the log, then Back and Apply again")
            return
        lines = [f"✔ added {', '.join(step.packages)} ({step.display})" for step in plan.installs]
        if not plan.installs:
            lines.append("  package install skipped" + (" (demo app)" if self.session.demo else ""))
        lines += [f"✔ wrote {rel}" for rel in result.written]
        if result.backup is not None:
            lines.append(f"  backups: {result.backup.relative_to(self.session.root)}")
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
