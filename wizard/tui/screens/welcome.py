"""Step 1: what was found, what the wizard will do, and which path to take (the welcome controller)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Static

from wizard.errors import WizardError
from wizard.tui.screens.base import WizardScreen


class WelcomeScreen(WizardScreen):
    STEP = "welcome"
    BUTTON_KEYS = {"path-setup": "ctrl+n", "path-migrate": "ctrl+g", "path-verify": "ctrl+t", "resume": "ctrl+r", "load": "ctrl+l"}
    CSS_PATH = "welcome.tcss"
    # New setup is first and focused: Enter (or Ctrl+N) takes it; Tab reaches the others. Focused as the
    # screen is first shown (Textual's default would focus the scrolling body, then on_mount's focus()
    # would move it: two restyles, and a first paint without the focused button)
    AUTO_FOCUS = "#path-setup"

    def body(self) -> ComposeResult:
        # composed with their content (not filled in after mounting): each later update of an auto-
        # sized widget costs a layout pass before the first paint
        step = self.step
        with VerticalScroll(id="welcome-scroll"):
            yield Static(self.facts(), id="repo-facts")
            yield Static(step.will_do(), classes="muted", id="plan-text")
            # one button per path: choosing is going (no radio to set, then Continue to press)
            for key, text in step.paths.items():
                yield Button(text, variant="primary" if key == "setup" else "default", id=f"path-{key}", classes="path")
            with Horizontal(classes="buttons"):
                resume = Button("Resume saved answers", id="resume")
                resume.display = step.saved_answers_load()
                yield resume
                yield Button("Load an answers file…", id="load")

    def on_mount(self) -> None:
        self.query_one("#path-setup", Button).focus()  # AUTO_FOCUS did, unless the terminal has not the focus

    def refresh_facts(self) -> None:
        """Drawn again once what the first paint went without is read (the frontend system)."""
        self.query_one("#repo-facts", Static).update(self.facts())
        self.query_one("#plan-text", Static).update(self.step.will_do())

    def facts(self) -> str:
        f = self.step.facts()
        lines = [f"[b]Backstage app[/b]  {f.root}" + ("   [i](demo copy)[/i]" if f.demo else "")]
        if f.version:
            lines.append(f"  version {f.version} · frontend system: {f.frontend_system}")
        if f.config_files:
            lines.append(f"  config files (merge order): {f.config_files}")
        lines += [f"  [yellow]{line}[/yellow]" for line in f.demo_banner]
        if f.config_error:
            lines.append(f"  [red]{f.config_error}[/red]")
        return "\n".join(lines)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        bid = event.button.id or ""
        if bid.startswith("path-"):
            self.step.choose(bid.removeprefix("path-"))
            self.wizard.next()
        elif bid == "resume":
            try:
                self.step.resume()
            except WizardError as exc:
                self.error(str(exc))
                return
            self.notify("saved answers loaded")
            self.wizard.next()
        elif bid == "load":
            # the dialog (and Textual's Input) is imported when asked for, not before the first paint
            from wizard.tui.widgets.answersfile import AnswersFileScreen

            self.app.push_screen(AnswersFileScreen(), self.load_answers)

    def load_answers(self, raw: str | None) -> None:
        if not raw:
            return  # cancelled
        try:
            name = self.step.load(raw)
        except WizardError as exc:
            self.error(str(exc))
            return
        self.notify(f"answers loaded from {name}")
        self.wizard.next()
