"""Step 1: what was found, what the wizard will do, and which path to take."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Static

from wizard.session import PATHS
from wizard.errors import WizardError
from wizard.tui.screens.base import WizardScreen


WILL_DO = (
    "The wizard will: check the prerequisites · add the Kubernetes auth module and the SpectroCloud "
    "sign-in plugins (frontend and backend) with your package manager, and load the backend module · "
    "disable the default Kubernetes auth providers · configure the spectrocloud sign-in provider · switch "
    "clusters to authProvider: oidc + oidcTokenProvider: spectrocloud · after your restart, verify it all. "
    "You see every change before it is written; nothing is written if any part fails."
)


class WelcomeScreen(WizardScreen):
    STEP = "welcome"
    TITLE = "Welcome — SpectroCloud Kubernetes auth for Backstage"
    BUTTON_KEYS = {"path-setup": "ctrl+n", "path-migrate": "ctrl+g", "path-verify": "ctrl+t", "resume": "ctrl+r", "load": "ctrl+l"}
    CSS_PATH = "welcome.tcss"
    HELP = """\
This wizard sets up the **SpectroCloud Kubernetes auth module** so that each Backstage user reaches
Kubernetes clusters with their own SpectroCloud identity instead of a shared service account.

It checks the prerequisites, asks for your SpectroCloud tenant and OIDC client, lets you pick the
clusters, shows exactly what it will change in app-config (a diff), writes it with a backup, and
then verifies the result.

**Paths:** *New setup* walks every step. *Migrate* starts from the clusters that still use service
accounts and switches them in waves. *Verify* changes nothing: it checks and explains.

Press a path's button (or its key: Ctrl+N, Ctrl+G, Ctrl+T) to start it.
**Resume** loads the answers saved in `.spectro-wizard/answers.yaml` (saved as you go);
**Load** reads an answers file (the same format as `spectro-wizard plan --answers`).
"""

    def body(self) -> ComposeResult:
        # composed with their content (not filled in after mounting): each later update of an auto-
        # sized widget costs a layout pass before the first paint
        with VerticalScroll(id="welcome-scroll"):
            yield Static(self.facts(), id="repo-facts")
            yield Static(WILL_DO, classes="muted", id="plan-text")
            # one button per path: choosing is going (no radio to set, then Continue to press)
            for key, text in PATHS.items():
                yield Button(text, variant="primary" if key == "setup" else "default", id=f"path-{key}", classes="path")
            with Horizontal(classes="buttons"):
                resume = Button("Resume saved answers", id="resume")
                resume.display = self._saved_loads()
                yield resume
                yield Button("Load an answers file…", id="load")

    def on_mount(self) -> None:
        # New setup is first and focused: Enter (or Ctrl+N) takes it; Tab reaches the others
        self.query_one("#path-setup", Button).focus()

    def _saved_loads(self) -> bool:
        """Offer Resume only for a saved file that loads."""
        try:
            return self.session.saved_answers() is not None
        except WizardError:
            return False

    def facts(self) -> str:
        s = self.session
        info = s.info
        lines = [f"[b]Backstage app[/b]  {s.root}" + ("   [i](demo copy)[/i]" if s.demo else "")]
        if info is not None:
            # App.tsx is read (through the TypeScript parser) once this screen is drawn: "…" until then
            system = info.frontend_system if info.sources_read else "…"
            lines.append(f"  version {info.backstage_version or 'unknown'} · frontend system: {system}")
        if s.configs is not None:
            names = ", ".join(f.rel for f in s.configs.files) or "none readable"
            lines.append(f"  config files (merge order): {names}")
        lines += [f"  [yellow]{line}[/yellow]" for line in s.demo_banner()]
        if s.config_error:
            lines.append(f"  [red]{s.config_error}[/red]")
        return "\n".join(lines)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        bid = event.button.id or ""
        if bid.startswith("path-"):
            self.choose_path(bid.removeprefix("path-"))
            self.wizard.next()
        elif bid == "resume":
            try:
                saved = self.session.saved_answers()
            except WizardError as exc:
                self.error(str(exc))
                return
            if saved is not None:
                self.session.answers = saved
                self.notify("saved answers loaded")
                self.choose_path("setup")
                self.wizard.next()
        elif bid == "load":
            # the dialog (and Textual's Input) is imported when asked for, not before the first paint
            from wizard.tui.widgets.answersfile import AnswersFileScreen

            self.app.push_screen(AnswersFileScreen(), self.load_answers)

    def load_answers(self, raw: str | None) -> None:
        if not raw:
            return  # cancelled
        path = Path(raw).expanduser()
        if not path.is_absolute():
            path = Path.cwd() / path
        try:
            self.session.load_answers(path)
        except WizardError as exc:
            self.error(str(exc))
            return
        if self.session.demo:
            self.session.answers.installPackage = False
        self.notify(f"answers loaded from {path.name}")
        self.choose_path("setup")
        self.wizard.next()

    def choose_path(self, key: str) -> None:
        self.session.path = key
        self.session.prefill_from_config()
