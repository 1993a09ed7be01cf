"""Step: restart the backend so it reads the new config, and wait until it serves it, before Verify.

A first result of "configured but not served" only means the running backend still has the old
config: this step says how to restart this repo's backend, then asks the backend again and again
until its spectrocloud provider and its clusters answer as configured (or the wait times out, or
the user skips it).
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Input, ProgressBar, RichLog, Static

from wizard.errors import WizardError
from wizard.session import VerifyOptions
from wizard.session.texts import RESTART_WAIT_SECONDS, restart_instruction, still_waiting_for
from wizard.tui.screens.base import WizardScreen
from wizard.tui.widgets.fieldinput import FieldValidator

class RestartScreen(WizardScreen):
    STEP = "restart"
    TITLE = "Restart the backend"
    BUTTON_KEYS = {"continue": "ctrl+n", "wait": "ctrl+n", "skip": "ctrl+g"}  # ^n: Continue once enabled, else Wait
    CSS_PATH = "restart.tcss"
    HELP = """\
Backstage reads app-config only when it starts: the backend that runs now still has the old config.

Restart it (stop `yarn start` with Ctrl+C and run it again from the repo root; a deployed backend
must be rebuilt and redeployed). Press **w** to wait: the wizard asks the backend every second until
`/api/auth/spectrocloud/start` redirects to SpectroCloud and `/api/kubernetes/clusters` serves the
clusters as configured, then Verify runs against the new config. **s** skips the wait.
"""
    BINDINGS = WizardScreen.BINDINGS + [Binding("w", "wait", "Wait"), Binding("s", "skip", "Skip")]

    def body(self) -> ComposeResult:
        yield Static("", id="restart-how", markup=False)
        yield Input(placeholder="backend URL (default backend.baseUrl)", id="restart-url",
                    validators=[FieldValidator("backendUrl", optional=True)])
        yield Static("", id="restart-status", markup=False)
        yield ProgressBar(id="restart-progress", total=None, show_eta=False)
        yield RichLog(id="restart-rounds", max_lines=200, wrap=True)
        with Horizontal(classes="buttons"):
            yield Button("Wait for the backend", variant="primary", id="wait")
            yield Button("Skip", id="skip")
            yield Button("Continue to Verify", id="continue", disabled=True)

    def on_mount(self) -> None:
        self.query_one("#restart-progress").display = False
        # the demo's backend is its own stand-in: no URL to ask for
        self.query_one("#restart-url", Input).display = not self.session.stand_ins

    def on_screen_resume(self) -> None:
        self.query_one("#restart-how", Static).update(restart_instruction(self.session.stand_ins))
        self.query_one("#wait", Button).focus()

    def action_wait(self) -> None:
        url = self.query_one("#restart-url", Input).value.strip()
        problem = self.query_one("#restart-url", Input).validate(url)
        if problem is not None and not problem.is_valid:
            self.error("; ".join(problem.failure_descriptions))
            return
        self.query_one("#restart-progress").display = True
        self.query_one("#restart-status", Static).update("waiting for the backend to serve the new config…")
        self.query_one("#wait", Button).disabled = True
        if self.session.restart_backend():
            self.query_one("#restart-rounds", RichLog).write("demo: the stand-in backend restarted and read the new config")
        self.wait_for_backend(url or None)

    def action_skip(self) -> None:
        self.workers.cancel_group(self, "restart")
        self.wizard.next()

    @work(exclusive=True, group="restart")
    async def wait_for_backend(self, url: str | None) -> None:
        log = self.query_one("#restart-rounds", RichLog)

        def round_done(results, elapsed: float) -> None:
            waiting = still_waiting_for(results)
            log.write(f"{elapsed:4.0f} s  " + ("; ".join(waiting) if waiting else "served"))

        try:
            outcome = await self.session.wait_for_backend(RESTART_WAIT_SECONDS, VerifyOptions(backend_url=url), on_round=round_done)
        except WizardError as exc:
            self.finish(False, str(exc))
            return
        if outcome.served:
            self.finish(True, f"✔ the backend serves the new config (after {outcome.elapsed:.0f} s)")
        else:
            self.finish(False, f"✖ the backend did not serve the new config within {RESTART_WAIT_SECONDS:.0f} s; "
                               "check its log, then wait again or skip to Verify, which says what is missing")

    def finish(self, served: bool, message: str) -> None:
        self.query_one("#restart-progress").display = False
        self.query_one("#restart-status", Static).update(message)
        self.query_one("#wait", Button).disabled = False
        cont = self.query_one("#continue", Button)
        cont.disabled = False
        if served:
            cont.variant = "primary"
            cont.focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "wait":
            self.action_wait()
        elif event.button.id in ("skip", "continue"):
            self.action_skip()
