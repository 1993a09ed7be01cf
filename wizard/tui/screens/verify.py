"""Step: the checks of `spectro-wizard verify`, running concurrently with live status (the verify
controller runs them and says what each failure means)."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Input, Static

from wizard.core.results import CheckResult
from wizard.errors import WizardError
from wizard.tui.screens.base import WizardScreen
from wizard.tui.screens.prereqs import MARKS
from wizard.tui.widgets.modals import HintScreen


class VerifyScreen(WizardScreen):
    STEP = "verify"
    BUTTON_KEYS = {"continue": "ctrl+n", "run": "ctrl+r", "login": "ctrl+l"}
    CSS_PATH = "verify.tcss"

    def body(self) -> ComposeResult:
        with Horizontal(id="verify-opts"):
            yield Input(placeholder="backend URL (empty: backend.baseUrl)", id="backend-url", compact=True)
            yield Input(placeholder="ID token (optional, never stored)", id="id-token", password=True, compact=True)
        yield DataTable(id="verify-table", cursor_type="row", zebra_stripes=True)
        # the selected check in full: the table's result column is cut at narrow widths
        yield Static("", id="verify-detail", markup=False)
        yield Static("", id="verify-summary")
        with Horizontal(classes="buttons"):
            yield Button("Continue", variant="primary", id="continue")
            yield Button("Run checks", id="run")
            yield Button("Sign in to test my access", id="login")

    def on_mount(self) -> None:
        self.query_one("#backend-url", Input).placeholder = self.step.backend_placeholder()
        table = self.query_one("#verify-table", DataTable)
        table.add_columns(" ", "check", "result")
        self.results: list[CheckResult] = []

    def on_screen_resume(self) -> None:
        self.action_run()

    def action_run(self) -> None:
        self.results = []
        self.pending = self.step.pending_groups()
        self.render_table()
        self.query_one("#verify-summary", Static).update("running…")
        self.query_one("#run", Button).disabled = True
        self.run_checks()

    def render_table(self) -> None:
        table = self.query_one("#verify-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        for i, r in enumerate(self.results):
            mark, color = MARKS.get(r.status, ("?", "white"))
            table.add_row(f"[{color}]{mark}[/{color}]", r.id, r.summary, key=str(i))
        for p in self.pending:
            table.add_row("…", p, "running", key=f"pending-{p}")
        if table.row_count:
            table.move_cursor(row=min(max(cursor, 0), table.row_count - 1))

    def got(self, result: CheckResult) -> None:
        self.results.append(result)
        group = self.step.group_of(result)
        if group in self.pending:
            self.pending.remove(group)
        self.render_table()

    @work(exclusive=True, group="verify")
    async def run_checks(self) -> None:
        opts = self.step.options(self.query_one("#backend-url", Input).value, self.query_one("#id-token", Input).value)
        try:
            results = await self.step.run(opts, on_result=self.got)
        except WizardError as exc:
            self.error(str(exc))
            self.pending = []
            self.render_table()
            self.query_one("#run", Button).disabled = False
            return
        self.results = results
        self.pending = []
        self.render_table()
        self.query_one("#verify-summary", Static).update(self.step.summary(results))
        self.query_one("#run", Button).disabled = False

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = (event.row_key.value if event.row_key is not None else "") or ""
        detail = self.query_one("#verify-detail", Static)
        if key.isdigit() and int(key) < len(self.results):
            detail.update(self.step.detail(self.results[int(key)]))
        else:
            detail.update("")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value or ""
        if not key.isdigit():
            return
        r = self.results[int(key)]
        self.app.push_screen(HintScreen(f"{r.id}: {r.status}", self.step.hint(r)))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "continue":
            self.wizard.next()
        elif event.button.id == "run":
            self.action_run()
        elif event.button.id == "login":
            self.query_one("#login", Button).disabled = True
            self.query_one("#verify-summary", Static).update("signing in: finish the login in your browser…")
            self.sign_in()

    @work(thread=True, exclusive=True, group="login")
    def sign_in(self) -> None:
        """kubelogin's flow with the app-config's client (the session does it); the token stays in memory."""
        import webbrowser

        def show(url: str) -> None:
            self.app.call_from_thread(self.notify, f"if no browser opens, open: {url}", timeout=30)

        try:
            result = self.step.sign_in(lambda url: webbrowser.open(url, new=2), show)
        except WizardError as exc:
            self.app.call_from_thread(self.signed_in, None, str(exc))
            return
        self.app.call_from_thread(self.signed_in, result, None)

    def signed_in(self, result, error: str | None) -> None:
        self.query_one("#login", Button).disabled = False
        if error:
            self.error(error)
            self.query_one("#verify-summary", Static).update(f"✖ {error}")
            return
        self.notify(f"signed in as {result.username}: running every check with your identity")
        self.action_run()
