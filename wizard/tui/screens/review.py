"""Step: the plan, per file, as a highlighted diff (secrets masked), and where the backups go."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, LoadingIndicator, Static

from wizard.core.plan import Plan
from wizard.errors import WizardError
from wizard.session.texts import WIRING_CHOICES, plan_text
from wizard.tui.screens.base import WizardScreen
from wizard.tui.widgets.diffview import DiffView


class ReviewScreen(WizardScreen):
    STEP = "review"
    TITLE = "Review the changes"
    BUTTON_KEYS = {"apply": "ctrl+n", "wiring": "ctrl+o", "back": "escape"}
    CSS_PATH = "review.tcss"
    HELP = """\
This is exactly what **Apply** will write: a unified diff per file. Lines starting with `+` are added,
`-` removed; everything else in your files stays byte for byte as it is (comments, quoting, blank
lines, line endings). Secret values already in a config are shown as `****`.

**Frontend** (new frontend system): the wizard wires SpectroCloud with an in-app module it writes into
the app (published Backstage packages only; clusters on other OIDC providers keep working), or with the
TeraSky packages from your registry. The other choice is one key away (Ctrl+O); the plan follows.

Before writing, each changed file is copied to `.spectro-wizard/backups/<timestamp>/`;
`spectro-wizard undo` (or Undo after a failure) puts them back exactly.
Go back (Esc) to change an answer; the plan is recomputed when you return.
"""

    def body(self) -> ComposeResult:
        yield LoadingIndicator(id="plan-loading")
        with VerticalScroll(id="plan-scroll"):
            yield Static("", id="plan-frontend", markup=False)
            yield Static("", id="plan-summary", markup=False)
            yield DiffView(id="plan-diff")
            yield Static("", id="plan-notes", markup=False)
        # what stops Apply stays in sight, under the plan, however long the plan is
        yield Static("", id="plan-error", classes="error-text", markup=False)
        with Horizontal(classes="buttons"):
            yield Button("Apply", variant="primary", id="apply", disabled=True)
            yield Button("Wiring", id="wiring")
            yield Button("Back", id="back")

    def on_mount(self) -> None:
        self.plan: Plan | None = None
        self.compute()

    def on_screen_resume(self) -> None:
        self.compute()

    def compute(self) -> None:
        self.query_one("#plan-loading").display = True
        self.query_one("#apply", Button).disabled = True
        self.make()

    @work(thread=True, exclusive=True, group="plan")
    def make(self) -> None:
        try:
            self.session.load(run_tools=False)
            wiring = self.session.frontend_wiring()
            self.app.call_from_thread(self.show_wiring, *wiring)
            plan = self.session.make_plan()
            problems = [] if plan.empty else self.session.preflight(plan)
            self.app.call_from_thread(self.show, plan, None, problems)
        except WizardError as exc:
            self.app.call_from_thread(self.show, None, str(exc), [])

    def show_wiring(self, current: str | None, choosable: bool) -> None:
        """The other wiring, one key away (new frontend system only)."""
        btn = self.query_one("#wiring", Button)
        btn.display = choosable and current in WIRING_CHOICES
        if btn.display:
            other = next(v for v in WIRING_CHOICES if v != current)
            self.other_wiring = other
            btn.label = f"Use {WIRING_CHOICES[other][0]}"
            self.label_buttons()

    def show(self, plan: Plan | None, error: str | None, problems: list[str]) -> None:
        self.plan = plan
        self.query_one("#plan-loading").display = False
        err = self.query_one("#plan-error", Static)
        summary = self.query_one("#plan-summary", Static)
        if error:
            err.update(error)
            summary.update("")
            self.query_one("#plan-diff", DiffView).show("")
            # shown once, where the diff would be (a toast on top would say it a second time)
            self.query_one("#back", Button).focus()
            return
        err.update("")
        assert plan is not None
        if plan.empty:
            summary.update("Nothing to change: the config already matches your answers. Continue to Verify.")
            self.query_one("#plan-diff", DiffView).show("")
            self.query_one("#apply", Button).label = "Continue"
            self.query_one("#apply", Button).disabled = False
            self.label_buttons()
            return
        t = plan_text(plan)
        self.query_one("#plan-frontend", Static).update(t.frontend or "")
        lines = [f"{len(plan.changes)} file(s) change; backups go to .spectro-wizard/backups/<timestamp>/"]
        lines += [f"• {a}" for a in t.actions]
        summary.update("\n".join(lines))
        self.query_one("#plan-diff", DiffView).show("\n".join(t.diffs))
        notes = [f"! {n}" for n in t.notes] + ([t.env_line] if t.env_line else [])
        self.query_one("#plan-notes", Static).update("\n".join(notes))
        btn = self.query_one("#apply", Button)
        btn.label = "Apply"
        self.label_buttons()
        if problems:
            # checked before anything is written: Apply would stop here, so it is not offered
            err.update("Apply would stop before writing anything:\n" + "\n".join(f"✖ {p}" for p in problems))
            btn.disabled = True
            return
        btn.disabled = False
        btn.focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "back":
            self.wizard.back()
        elif event.button.id == "wiring":
            self.session.choose_frontend_wiring(self.other_wiring)
            self.compute()
        elif event.button.id == "apply" and self.plan is not None:
            if self.plan.empty:
                self.wizard.goto("verify")  # nothing to write, nothing to restart for
            else:
                self.wizard.apply_requested = True
                self.wizard.next()
