"""Step: the SpectroCloud tenant and the OIDC client (by environment-variable name, never values): the
tenant controller's fields, drawn as a form."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.validation import ValidationResult
from textual.widgets import Button, Input, Label, Static

from wizard.tui.screens.base import WizardScreen
from wizard.tui.widgets.fieldinput import FieldValidator


class TenantScreen(WizardScreen):
    STEP = "tenant"
    BUTTON_KEYS = {"continue": "ctrl+n", "test": "ctrl+t", "copy-callback": "ctrl+y"}
    CSS_PATH = "tenant.tcss"

    def body(self) -> ComposeResult:
        step = self.step
        with VerticalScroll(id="tenant-form"):
            for f in step.fields():
                with Horizontal(classes="field-row"):
                    yield Label(f.label, classes="field-label")
                    yield Input(id=f.key, compact=True, validators=[FieldValidator(f.key)], validate_on=["changed", "blur"])
                    if f.key.endswith("Env"):
                        yield Static("", id=f"{f.key}-mark", classes="env-mark")
                yield Static("", id=f"{f.key}-error", classes="error-text")
            yield Static("", id="auth-url", classes="muted")
            yield Static("\n".join(step.guide), id="guide", markup=False)
            with Horizontal(id="callback-row"):
                yield Static("", id="redirect-uri", markup=False)
                yield Button("Copy", id="copy-callback", compact=True)
            yield Static("", id="test-results", markup=False)
        with Horizontal(classes="buttons"):
            yield Button("Continue", variant="primary", id="continue")
            yield Button("Test", id="test")

    def on_mount(self) -> None:
        for key in self.step.field_keys:
            self.set_error(key, "")
        self.fill()

    def on_screen_resume(self) -> None:
        self.fill()

    def values(self) -> dict[str, str]:
        return {key: self.query_one(f"#{key}", Input).value for key in self.step.field_keys}

    def fill(self) -> None:
        for key, value in self.step.defaults().items():
            inp = self.query_one(f"#{key}", Input)
            if not inp.value:
                inp.value = value
        self.update_marks()
        self.query_one("#tenant", Input).focus()

    def update_marks(self) -> None:
        values = self.values()
        for key, mark in self.step.env_marks(values).items():
            self.query_one(f"#{key}-mark", Static).update(f"[green]✔ {mark.text}[/green]" if mark.is_set
                                                           else f"[yellow]{mark.text}[/yellow]")
        self.query_one("#auth-url", Static).update(f"authorizationUrl: {self.step.authorization_url(values)}")
        self.query_one("#redirect-uri", Static).update(self.redirect_uri())

    def redirect_uri(self) -> str:
        return self.step.redirect_uri(self.values())

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
        """The form into the answers (the controller judges it); False with the errors under their fields."""
        problems = self.step.submit(self.values())
        for key, text in problems.items():
            self.set_error(key, text)
        if problems:
            self.error("some fields are not valid yet; see the messages under them")
            return False
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
                results = self.query_one("#test-results", Static)
                results.update("Testing the OIDC provider…")
                results.scroll_visible()  # at 80x24 the results are below the fold: bring them into view
                self.query_one("#test", Button).disabled = True
                self.run_test()

    @work(exclusive=True, group="oidc-test")
    async def run_test(self) -> None:
        from wizard.tui.screens.prereqs import MARKS

        box = self.query_one("#test-results", Static)
        try:
            results = await self.step.test()
        except Exception as exc:  # noqa: BLE001 - shown as one sentence
            box.update(f"✖ the test could not run: {exc}")
            self.query_one("#test", Button).disabled = False
            return
        box.update("\n".join(f"{MARKS.get(r.status, ('?', ''))[0]} {r.id}: {r.summary}" for r in results))
        self.call_after_refresh(box.scroll_visible)
        self.query_one("#test", Button).disabled = False
