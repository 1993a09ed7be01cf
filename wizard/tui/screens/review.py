"""Step: the plan, per file, as a highlighted diff (secrets masked), how the frontend is wired, and what
stops Apply (the review controller computes it all)."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, LoadingIndicator, Static

from wizard.tui.screens.base import WizardScreen
from wizard.tui.widgets.diffview import DiffView


class ReviewScreen(WizardScreen):
    STEP = "review"
    BUTTON_KEYS = {"apply": "ctrl+n", "wiring": "ctrl+o", "back": "escape"}
    CSS_PATH = "review.tcss"

    def body(self) -> ComposeResult:
        yield LoadingIndicator(id="plan-loading")
        # the plan takes the keys (arrows, PageDown) and shows that it has the focus: Apply is a deliberate
        # key (Ctrl+N) or Tab then Enter, never the Enter a reader presses while scrolling
        with VerticalScroll(id="plan-scroll", can_focus=True):
            yield Static("", id="plan-frontend", markup=False)
            yield Static("", id="plan-deployment", markup=False)
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
        self.review = None
        self.query_one("#wiring").display = False

    def on_screen_resume(self) -> None:
        # resumed on the first visit too: one plan per visit (a second worker would race the first)
        self.compute()

    def compute(self) -> None:
        self.query_one("#plan-loading").display = True
        self.query_one("#apply", Button).disabled = True
        self.make()

    @work(thread=True, exclusive=True, group="plan")
    def make(self) -> None:
        review = self.step.compute()
        self.app.call_from_thread(self.show, review)

    def show(self, review) -> None:
        self.review = review
        self.query_one("#plan-loading").display = False
        err = self.query_one("#plan-error", Static)
        wiring = self.query_one("#wiring", Button)
        wiring.display = bool(review.other_wiring)
        if review.other_wiring:
            wiring.label = review.other_label()
        if review.error:
            err.update(review.error)
            self.query_one("#plan-summary", Static).update("")
            self.query_one("#plan-frontend", Static).update("")
            self.query_one("#plan-deployment", Static).update("")
            self.query_one("#plan-notes", Static).update("")
            self.query_one("#plan-diff", DiffView).show("")
            # shown once, where the diff would be (a toast on top would say it a second time)
            self.query_one("#back", Button).focus()
            self.label_buttons()
            return
        err.update("")
        t = review.text
        self.query_one("#plan-frontend", Static).update(t.frontend or "")
        deployment = self.query_one("#plan-deployment", Static)
        deployment.update("\n".join(t.deployment))
        deployment.display = bool(t.deployment)
        btn = self.query_one("#apply", Button)
        notes = [f"! {n}" for n in t.notes] + ([t.env_line] if t.env_line else [])
        # this visit's notes, never the last visit's (after an apply: what still waits, not what was done)
        self.query_one("#plan-notes", Static).update("\n".join(notes))
        if review.empty:
            self.query_one("#plan-summary", Static).update(review.summary + " Continue.")
            self.query_one("#plan-diff", DiffView).show("")
            btn.label, btn.disabled = "Continue", False
            self.label_buttons()
            btn.focus()
            return
        self.query_one("#plan-summary", Static).update("\n".join([review.summary] + [f"• {a}" for a in t.actions]))
        self.query_one("#plan-diff", DiffView).show("\n".join(t.diffs))
        btn.label = "Apply"
        self.label_buttons()
        if review.problems:
            # checked before anything is written: Apply would stop here, so it is not offered
            from wizard.session.steps.review import STOPS

            err.update(STOPS + "\n" + "\n".join(f"✖ {p}" for p in review.problems))
            btn.disabled = True
        else:
            btn.disabled = False
        self.query_one("#plan-scroll").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        review = self.review
        if event.button.id == "back":
            self.wizard.back()
        elif event.button.id == "wiring" and review is not None and review.other_wiring:
            self.step.choose_wiring(review.other_wiring)
            self.wizard.mark_dirty()
            self.compute()
        elif event.button.id == "apply" and review is not None and review.plan is not None:
            if review.empty:
                self.wizard.goto(self.step.after_empty())  # nothing to write (restart first if this run applied)
            else:
                self.step.accept(review)  # Apply writes exactly the plan shown here
                self.wizard.apply_requested = True
                self.wizard.next()
