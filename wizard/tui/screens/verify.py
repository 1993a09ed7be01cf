"""Step: the checks of `spectro-wizard verify`, running concurrently with live status."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Input, Static

from wizard.core.results import CheckResult
from wizard.errors import WizardError
from wizard.session import VerifyOptions
from wizard.tui.screens.base import WizardScreen
from wizard.tui.screens.prereqs import MARKS, hint_body
from wizard.tui.widgets.modals import HintScreen


class VerifyScreen(WizardScreen):
    STEP = "verify"
    TITLE = "Verify"
    BUTTON_KEYS = {"continue": "ctrl+n", "run": "ctrl+r", "login": "ctrl+l"}
    CSS_PATH = "verify.tcss"
    HELP = """\
Proves the setup end to end, without a browser:

* **OIDC**: the provider's discovery document, the token endpoint the module derives, whether your
  client ID and secret are accepted, whether the callback URL is registered.
* **Backend**: it answers; `/api/auth/spectrocloud/start` redirects to SpectroCloud; the clusters it
  serves use oidc/spectrocloud. (Restart the backend after Apply so it reads the new config.)
* **Clusters**: each API server answers over TLS. With a user's **ID token**, also who the cluster
  thinks you are, whether RBAC lets you list pods, and the Kubernetes tab's own path through the
  backend's proxy. **Sign in to test my access** gets that token the way kubelogin does (your browser,
  a loopback redirect on localhost:8000 or 18000 that must be registered with the client); the token
  stays in memory and is never shown or saved.

Select a failed check and press Enter to see what to do. **r** runs everything again.
"""
    BINDINGS = WizardScreen.BINDINGS + [Binding("r", "run", "Re-run")]

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
        if self.session.stand_ins:
            self.query_one("#backend-url", Input).placeholder = "backend URL (demo: its stand-in)"
        table = self.query_one("#verify-table", DataTable)
        table.add_columns(" ", "check", "result")
        self.results: list[CheckResult] = []

    def on_screen_resume(self) -> None:
        self.action_run()

    def action_run(self) -> None:
        self.results = []
        self.pending = ["OIDC provider", "Backstage backend"] + [
            f"cluster {c['name']}" for c in self.session.clusters()]
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
        group = "OIDC provider" if result.id.startswith(("oidc", "id-token")) else (
            "Backstage backend" if result.id.startswith("backend") else f"cluster {result.id.split(':')[1]}" if result.id.startswith("cluster:") else None)
        if group in self.pending:
            self.pending.remove(group)
        self.render_table()

    @work(exclusive=True, group="verify")
    async def run_checks(self) -> None:
        signed_in = self.session.login_result.id_token if self.session.login_result is not None else None
        opts = VerifyOptions(
            backend_url=self.query_one("#backend-url", Input).value.strip() or None,
            id_token=self.query_one("#id-token", Input).value.strip() or signed_in,
        )
        try:
            results = await self.session.verify(opts, on_result=self.got)
        except WizardError as exc:
            self.error(str(exc))
            self.pending = []
            self.render_table()
            self.query_one("#run", Button).disabled = False
            return
        self.results = results
        self.pending = []
        self.render_table()
        counts = {s: sum(1 for r in results if r.status == s) for s in ("ok", "warn", "fail", "skip")}
        untested = self.session.verify_untested
        self.query_one("#verify-summary", Static).update(
            " · ".join(f"{n} {s}" for s, n in counts.items() if n) + ("  — select a failure and press Enter" if counts["fail"] else "")
            + (f"\nnot tested ({len(untested)}): they need your ID token — sign in, or paste one above" if untested else ""))
        self.query_one("#run", Button).disabled = False

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = (event.row_key.value if event.row_key is not None else "") or ""
        detail = self.query_one("#verify-detail", Static)
        if key.isdigit() and int(key) < len(self.results):
            r = self.results[int(key)]
            detail.update(f"{r.id}: {r.summary}" + (f" — {r.detail}" if r.detail else ""))
        else:
            detail.update("")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value or ""
        if not key.isdigit():
            return
        r = self.results[int(key)]
        self.app.push_screen(HintScreen(f"{r.id}: {r.status}", hint_body(self.session, r)))

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
            result = self.session.login(open_browser=lambda url: webbrowser.open(url, new=2), on_url=show)
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
