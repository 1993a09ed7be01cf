"""Step: the plan, per file, as a diff (secrets masked), how the frontend is wired, and what stops Apply."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wizard.errors import WizardError
from wizard.session.steps.base import StepController
from wizard.session.texts import WIRING_CHOICES, PlanText, nothing_to_change, plan_text

if TYPE_CHECKING:
    from wizard.core.plan import Plan

STOPS = "Apply would stop before writing anything:"


@dataclass
class Review:
    """What the Review step shows, computed once per visit."""

    plan: Plan | None
    text: PlanText | None
    error: str | None = None  # the plan could not be made (one sentence)
    problems: list[str] = field(default_factory=list)  # what would stop Apply before writing
    wiring: str | None = None  # the frontend wiring of this plan
    other_wiring: str | None = None  # the choice one key away (new frontend system only)

    @property
    def empty(self) -> bool:
        return self.plan is not None and self.plan.empty

    @property
    def can_apply(self) -> bool:
        return self.plan is not None and not self.plan.empty and not self.problems

    @property
    def summary(self) -> str:
        if self.plan is None or self.text is None:
            return ""
        if self.plan.empty:
            return nothing_to_change(self.plan)
        return f"{len(self.plan.changes)} file(s) change; backups go to .spectro-wizard/backups/<timestamp>/"

    def other_label(self) -> str:
        return f"Use {WIRING_CHOICES[self.other_wiring][0]}" if self.other_wiring else ""


class ReviewStep(StepController):
    name = "review"
    heading = "Review the changes"
    help = """\
This is exactly what **Apply** will write: a unified diff per file. Lines starting with `+` are added,
`-` removed; everything else in your files stays byte for byte as it is (comments, quoting, blank lines,
line endings). Secret values already in a config are shown as `****`.

**Frontend** (new frontend system): the wizard wires SpectroCloud with an in-app module it writes into
the app (published Backstage packages only; clusters on other OIDC providers keep working), or with the
TeraSky packages from your registry. The other choice is one key away; the plan follows.

Before writing, each changed file is copied to `.spectro-wizard/backups/<timestamp>/`; undo puts them
back exactly. Go back to change an answer; the plan is recomputed when you return.
"""
    choices = WIRING_CHOICES

    def compute(self) -> Review:
        s = self.s
        try:
            s.load(run_tools=False)
            current, choosable = s.frontend_wiring()
            plan = s.make_plan()
            problems = [] if plan.empty else s.preflight(plan)
        except WizardError as exc:
            return Review(None, None, str(exc))
        other = next((v for v in WIRING_CHOICES if v != current), None) if choosable and current in WIRING_CHOICES else None
        return Review(plan, plan_text(plan), None, problems, current, other)

    def accept(self, review: Review) -> None:
        """The plan the user saw is the one Apply writes (not one computed after)."""
        self.s.plan = review.plan

    def choose_wiring(self, value: str | None) -> None:
        self.s.choose_frontend_wiring(value)

    def after_empty(self) -> str:
        """Nothing to change: where to go. After this run's apply the backend must still be restarted
        before Verify means anything; otherwise Verify is next (there is nothing to restart for)."""
        return "restart" if self.s.applied is not None and not self.s.restarted else "verify"
