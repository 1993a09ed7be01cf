"""Step: the SpectroCloud tenant and the OIDC client (by environment-variable name, never values)."""

from __future__ import annotations

import os

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.validation import ValidationResult
from textual.widgets import Button, Input, Label, Static

from wizard.core.fields import FIELDS as SPECS
from wizard.tui.screens.base import WizardScreen
from wizard.tui.widgets.fieldinput import FieldValidator, field_problem

# the form's fields, in order; labels and rules come from the field specs (shared with plain mode
# and the answers-file loader)
FIELDS = [(fid, SPECS[fid].label) for fid in
          ("consoleUrl", "tenant", "environment", "clientIdEnv", "clientSecretEnv", "callbackUrl")]


GUIDE = "\n".join([
    "First time? What you need from SpectroCloud:",
    "• Tenant: your Palette tenant's ID, the part after /tenant/ in its OIDC URL. OIDC must be enabled "
    "for the tenant (your Palette admin or SpectroCloud support turns it on).",
    "• An OIDC client for Backstage (client ID and secret, from your Palette tenant admin): export them "
    "where Backstage runs, under the two variable names above. Test (Ctrl+T) checks them.",
    "• Register this redirect URI on that client (Backstage's callback URL; Copy puts it on the clipboard):",
])


class TenantScreen(WizardScreen):
    STEP = "tenant"
    TITLE = "SpectroCloud tenant and OIDC client"
    BUTTON_KEYS = {"continue": "ctrl+n", "test": "ctrl+t", "copy-callback": "ctrl+y"}
    CSS_PATH = "tenant.tcss"
    HELP = """\
Backstage signs users in with SpectroCloud's OIDC provider, and the Kubernetes module passes each
user's token to the clusters.

* **Tenant**: your SpectroCloud tenant; the authorization URL becomes
  `<console URL>/v1/oidc/tenant/<tenant>/auth`.
* **Auth environment**: the key under `auth.providers.spectrocloud` (Backstage's `auth.environment`,
  development by default).
* **Client ID / secret**: only the *names* of the environment variables are written to app-config,
  as `${NAME}`. Their values never appear on screen, in files, diffs or logs. The mark says whether
  each is set in this shell (Backstage needs them where it runs).
* **Callback URL**: `backend.baseUrl` + `/api/auth/spectrocloud/handler/frame`; register it as a
  redirect URI of the OIDC client (**Ctrl+Y** copies it). The wizard's own sign-in (Verify: "Sign in
  to test my access") uses kubelogin's `http://localhost:8000` (else `:18000`): register that too if
  you want to test your own access from here.

**Test** asks the provider, without a browser: discovery document, the token endpoint the module
derives, whether the client ID and secret are accepted, and whether the callback URL is registered.
"""

    def body(self) -> ComposeResult:
        with VerticalScroll(id="tenant-form"):
            for fid, label in FIELDS:
                with Horizontal(classes="field-row"):
                    yield Label(label, classes="field-label")
                    yield Input(id=fid, compact=True, validators=[FieldValidator(fid)], validate_on=["changed", "blur"])
                    if fid.endswith("Env"):
                        yield Static("", id=f"{fid}-mark", classes="env-mark")
                yield Static("", id=f"{fid}-error", classes="error-text")
            yield Static("", id="auth-url", classes="muted")
            yield Static(GUIDE, id="guide", markup=False)
            with Horizontal(id="callback-row"):
                yield Static("", id="redirect-uri", markup=False)
                yield Button("Copy", id="copy-callback", compact=True)
            yield Static("", id="test-results", markup=False)
        with Horizontal(classes="buttons"):
            yield Button("Continue", variant="primary", id="continue")
            yield Button("Test", id="test")

    def on_mount(self) -> None:
        for fid, _ in FIELDS:
            self.set_error(fid, "")
        self.fill()

    def on_screen_resume(self) -> None:
        self.fill()

    def fill(self) -> None:
        a = self.session.answers
        values = {
            "consoleUrl": a.consoleUrl or self.session.default_console_url(),
            "tenant": a.tenant or "",
            "environment": a.environment or self.session.auth_environment(),
            "clientIdEnv": a.clientIdEnv,
            "clientSecretEnv": a.clientSecretEnv,
            "callbackUrl": a.callbackUrl or self.session.default_callback_url(),
        }
        for fid, value in values.items():
            inp = self.query_one(f"#{fid}", Input)
            if not inp.value:
                inp.value = value
        self.update_marks()
        self.query_one("#tenant", Input).focus()

    def update_marks(self) -> None:
        for fid in ("clientIdEnv", "clientSecretEnv"):
            name = self.query_one(f"#{fid}", Input).value.strip()
            mark = self.query_one(f"#{fid}-mark", Static)
            if name and os.environ.get(name):
                mark.update("[green]✔ set[/green]")
            else:
                mark.update("[yellow]not set here[/yellow]")
        console = self.query_one("#consoleUrl", Input).value.strip().rstrip("/")
        tenant = self.query_one("#tenant", Input).value.strip()
        self.query_one("#auth-url", Static).update(f"authorizationUrl: {console}/v1/oidc/tenant/{tenant or '<tenant>'}/auth")
        self.query_one("#redirect-uri", Static).update(self.redirect_uri())

    def redirect_uri(self) -> str:
        return self.query_one("#callbackUrl", Input).value.strip() or self.session.default_callback_url()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.show_validation(event.input.id or "", event.validation_result)
        self.update_marks()
        if self.is_current and self.app.focused is event.input:
            self.wizard.dirty = True  # typed, not yet in the answers: Ctrl+Q asks before losing it

    def show_validation(self, fid: str, result: ValidationResult | None) -> None:
        if result is None or result.is_valid:
            self.set_error(fid, "")
        else:
            self.set_error(fid, "; ".join(result.failure_descriptions))

    def set_error(self, fid: str, text: str) -> None:
        err = self.query_one(f"#{fid}-error", Static)
        err.update(text)
        err.display = bool(text)

    def collect(self) -> bool:
        """Copy the form into the answers; False (with the errors shown) when something is invalid."""
        ok = True
        for fid, _label in FIELDS:
            value = self.query_one(f"#{fid}", Input).value.strip()
            problem = field_problem(fid, value)
            if problem:
                self.set_error(fid, problem)
                ok = False
        if not ok:
            self.error("some fields are not valid yet; see the messages under them")
            return False
        a = self.session.answers
        a.consoleUrl = self.query_one("#consoleUrl", Input).value.strip().rstrip("/")
        a.tenant = self.query_one("#tenant", Input).value.strip()
        env = self.query_one("#environment", Input).value.strip()
        # write an explicit environment only when it differs from what the config already implies
        a.environment = None if env == self.session.default_environment() else env
        a.clientIdEnv = self.query_one("#clientIdEnv", Input).value.strip()
        a.clientSecretEnv = self.query_one("#clientSecretEnv", Input).value.strip()
        cb = self.query_one("#callbackUrl", Input).value.strip()
        a.callbackUrl = None if cb == self.session.default_callback_url() else cb
        a.authorizationUrl = None
        self.wizard.mark_dirty()
        return True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "continue":
            if self.collect():
                self.wizard.next()
        elif event.button.id == "copy-callback":
            # OSC 52: the terminal puts it on the clipboard (tmux needs set-clipboard on); the URL
            # stays on screen in full for terminals that ignore it
            self.app.copy_to_clipboard(self.redirect_uri())
            self.notify(f"copied {self.redirect_uri()} (if your terminal ignores it, select the line)")
        elif event.button.id == "test":
            if self.collect():
                self.query_one("#test-results", Static).update("Testing the OIDC provider…")
                self.query_one("#test", Button).disabled = True
                self.run_test()

    @work(exclusive=True, group="oidc-test")
    async def run_test(self) -> None:
        try:
            results = await self.session.test_oidc()
        except Exception as exc:  # noqa: BLE001 - shown as one sentence
            self.query_one("#test-results", Static).update(f"✖ the test could not run: {exc}")
            self.query_one("#test", Button).disabled = False
            return
        marks = {"ok": "✔", "warn": "!", "fail": "✖", "skip": "–"}
        lines = [f"{marks.get(r.status, '?')} {r.id}: {r.summary}" for r in results]
        self.query_one("#test-results", Static).update("\n".join(lines))
        self.query_one("#test", Button).disabled = False
