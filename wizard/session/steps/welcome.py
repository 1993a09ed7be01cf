"""Step 1: what was found, what the wizard will do, and which path to take."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wizard.errors import BadInput, WizardError
from wizard.session.steps import PATHS
from wizard.session.steps.base import StepController
from wizard.session.texts import will_do


@dataclass(frozen=True)
class Facts:
    """What the Welcome step says of the app (each front end styles it)."""

    root: str
    demo: bool
    version: str
    frontend_system: str
    config_files: str
    demo_banner: list[str]
    config_error: str | None


class WelcomeStep(StepController):
    name = "welcome"
    heading = "Welcome — SpectroCloud Kubernetes auth for Backstage"
    help = """\
This wizard sets up the **SpectroCloud Kubernetes auth module** so that each Backstage user reaches
Kubernetes clusters with their own SpectroCloud identity instead of a shared service account.

It checks the prerequisites, asks for your SpectroCloud tenant and OIDC client, lets you pick the
clusters, shows exactly what it will change (a diff per file), writes it with a backup, and then
verifies the result.

**Paths:** *New setup* walks every step. *Migrate* starts from the clusters that still use service
accounts and switches them in waves. *Verify* changes nothing: it checks and explains.
**Resume** loads the answers saved in `.spectro-wizard/answers.yaml` (saved as you go);
**Load** reads an answers file (the same format as `spectro-wizard plan --answers`).
"""
    paths = PATHS

    def facts(self) -> Facts:
        s = self.s
        info = s.info
        names = ""
        if not s.configs_read:
            names = "…"  # the TUI draws this screen first and reads the config files after, as App.tsx
        elif s.configs is not None:
            names = ", ".join(f.rel for f in s.configs.files) or "none readable"
        return Facts(str(s.root), s.demo, (info.backstage_version or "unknown") if info else "",
                     self.frontend_system() or "…", names, s.demo_banner(), s.config_error)

    def frontend_system(self) -> str | None:
        """The app's frontend system, or None while App.tsx is not read yet (the TUI draws this screen
        first and parses the TypeScript sources after: "…" until then, never a parse before the paint)."""
        info = self.s.info
        if info is None:
            return "new"
        return info.frontend_system if info.sources_read else None

    def will_do(self) -> str:
        return will_do(self.frontend_system())

    def saved_answers_load(self) -> bool:
        """Whether saved answers exist and load (Resume is offered only then)."""
        try:
            return self.s.saved_answers() is not None
        except WizardError:
            return False

    def saved_answers_exist(self) -> bool:
        return self.s.answers_path.exists()

    def resume(self) -> None:
        """Start from the saved answers (one sentence when they no longer load)."""
        saved = self.s.saved_answers()
        if saved is None:
            raise BadInput("no saved answers to resume from")
        self.s.answers = saved
        if self.s.demo:
            self.s.answers.installPackage = False
        self.choose("setup")

    def start_fresh(self) -> str | None:
        """Not resuming: the saved answers are kept aside (answers.yaml.previous), never silently lost.
        Returns where they went (None when there were none)."""
        path = self.s.answers_path
        if not path.exists():
            return None
        aside = path.with_name("answers.previous.yaml")
        try:
            path.replace(aside)
        except OSError:
            return None
        return aside.relative_to(self.s.root).as_posix()

    def load(self, raw: str) -> str:
        """Load an answers file the user names; returns its name for the confirmation."""
        path = Path(raw).expanduser()
        if not path.is_absolute():
            path = Path.cwd() / path
        self.s.load_answers(path)
        if self.s.demo:
            self.s.answers.installPackage = False
        self.choose("setup")
        return path.name

    def choose(self, path: str) -> None:
        self.s.path = path
        self.s.prefill_from_config()
