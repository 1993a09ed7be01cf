"""Step: the SpectroCloud tenant and the OIDC client (by environment-variable name, never values)."""

from __future__ import annotations

import os

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.validation import Function, ValidationResult
from textual.widgets import Button, Input, Label, Static

from wizard.core.answers import CALLBACK_PATH, DEFAULT_CONSOLE_URL, check_field
from wizard.tui.screens.base import WizardScreen

FIELDS = [
    # id, label — the rules themselves live in the core (check_field), shared with plain mode
    ("consoleUrl", "Console URL"),
    ("tenant", "Tenant"),
    ("environment", "Auth environment"),
    ("clientIdEnv", "Client ID variable"),
    ("clientSecretEnv", "Client secret variable"),
    ("callbackUrl", "Callback URL"),
]


def _rule(fid: str) -> Function:
    return Function(lambda v: check_field(fid, v) is None, check_field(fid, "") or "not valid")


class TenantScreen(WizardScreen):
    STEP = "tenant"
    TITLE = "SpectroCloud tenant and OIDC client"
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
  redirect URI of the OIDC client.

**Test** asks the provider, without a browser: discovery document, the token endpoint the module
derives, whether the client ID and secret are accepted, and whether the callback URL is registered.
"""

    def body(self) -> ComposeResult:
        with VerticalScroll(id="tenant-form"):
            for fid, label in FIELDS:
                with Horizontal(classes="field-row"):
                    yield Label(label, classes="field-label")
                    yield Input(id=fid, compact=True, validators=[_rule(fid)], validate_on=["changed", "blur"])
                    if fid.endswith("Env"):
                        yield Static("", id=f"{fid}-mark", classes="env-mark")
                yield Static("", id=f"{fid}-error", classes="error-text")
            yield Static("", id="auth-url", classes="muted")
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
        base = self.session.backend_base_url()
        values = {
            "consoleUrl": a.consoleUrl or DEFAULT_CONSOLE_URL,
            "tenant": a.tenant or "",
            "environment": a.environment or self.session.auth_environment(),
            "clientIdEnv": a.clientIdEnv,
            "clientSecretEnv": a.clientSecretEnv,
            "callbackUrl": a.callbackUrl or ((base or "http://localhost:7007").rstrip("/") + CALLBACK_PATH),
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

    def on_input_changed(self, event: Input.Changed) -> None:
        self.show_validation(event.input.id or "", event.validation_result)
        self.update_marks()

    def show_validation(self, fid: str, result: ValidationResult | None) -> None:
        if result is None or result.is_valid:
            self.set_error(fid, "")
        else:
            self.set_error(fid, f"{fid}: " + "; ".join(result.failure_descriptions))

    def set_error(self, fid: str, text: str) -> None:
        err = self.query_one(f"#{fid}-error", Static)
        err.update(text)
        err.display = bool(text)

    def collect(self) -> bool:
        """Copy the form into the answers; False (with the errors shown) when something is invalid."""
        ok = True
        for fid, _label in FIELDS:
            value = self.query_one(f"#{fid}", Input).value.strip()
            problem = check_field(fid, value)
            if problem:
                self.set_error(fid, f"{fid}: {problem}")
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
        base = self.session.backend_base_url()
        default_cb = (base or "http://localhost:7007").rstrip("/") + CALLBACK_PATH
        a.callbackUrl = None if cb == default_cb else cb
        a.authorizationUrl = None
        self.wizard.mark_dirty()
        return True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "continue":
            if self.collect():
                self.wizard.next()
        elif event.button.id == "test":
            if self.collect():
                self.query_one("#test-results", Static).update("Testing the OIDC provider…")
                self.query_one("#test", Button).disabled = True
                self.run_test()

    @work(exclusive=True, group="oidc-test")
    async def run_test(self) -> None:
        from wizard.remote.oidc import run_oidc_checks

        a = self.session.answers
        base = self.session.backend_base_url()
        try:
            results = await run_oidc_checks(
                a.authorization_url(), a.callback_url(base),
                os.environ.get(a.clientIdEnv), os.environ.get(a.clientSecretEnv),
                client_id_env=a.clientIdEnv, client_secret_env=a.clientSecretEnv, timeout=10.0,
            )
        except Exception as exc:  # noqa: BLE001 - shown as one sentence
            self.query_one("#test-results", Static).update(f"✖ the test could not run: {exc}")
            self.query_one("#test", Button).disabled = False
            return
        marks = {"ok": "✔", "warn": "!", "fail": "✖", "skip": "–"}
        lines = [f"{marks.get(r.status, '?')} {r.id}: {r.summary}" for r in results]
        self.query_one("#test-results", Static).update("\n".join(lines))
        self.query_one("#test", Button).disabled = False
