"""Step 2: the checks of `spectro-wizard check`, what each means for this run, and whether to go on."""

from __future__ import annotations

from dataclasses import dataclass

from wizard.core.results import CheckResult
from wizard.session.steps.base import StepController

# how a check reads on this step: a failure the next steps set up is work to do, not a failure
OK, WARN, FAIL, SKIP, TO_DO = "ok", "warn", "fail", "skip", "to-do"
LEGEND = "✔ ready · → the wizard sets this up · ! worth a look · ✖ fix it yourself first"


@dataclass(frozen=True)
class CheckRow:
    result: CheckResult
    kind: str  # OK | WARN | FAIL | SKIP | TO_DO

    @property
    def id(self) -> str:
        return self.result.id


class PrereqsStep(StepController):
    name = "prereqs"
    heading = "Prerequisites"
    help = """\
The same checks as `spectro-wizard check`: Backstage >= 1.47.1, Node and Yarn, the app's workspaces and
frontend system, the SpectroCloud sign-in packages, Backstage's Kubernetes plugin, and what the config
already says.

The panel explains the selected check and what to do. Missing packages and config that Apply writes are
marked → (the next steps set them up, all or nothing). What the wizard cannot fix (✖: Backstage older
than 1.47.1, no Node.js, a config that does not parse, no package manager, Backstage's Kubernetes
plugin missing) stops you here, with the reason; on the Verify path nothing is fixed, so nothing stops.
"""

    def fixed_by_apply(self) -> frozenset[str]:
        from wizard.core.checks import FIXED_BY_APPLY

        # on the path that changes nothing, nothing is set up by the wizard
        return FIXED_BY_APPLY if self.s.path != "verify" else frozenset()

    def run(self) -> list[CheckRow]:
        return self.rows(self.s.run_checks())

    def rows(self, results: list[CheckResult]) -> list[CheckRow]:
        fixes = self.fixed_by_apply()
        return [CheckRow(r, TO_DO if r.status == "fail" and r.id in fixes else r.status) for r in results]

    def first_to_look_at(self, rows: list[CheckRow]) -> int:
        """The row the cursor starts on: what stops the user, else the first thing the wizard will do."""
        stopping = {r.id for r in self.stopping(rows)}
        for want in (lambda r: r.id in stopping, lambda r: r.kind == FAIL, lambda r: r.kind == TO_DO):
            found = next((i for i, r in enumerate(rows) if want(r)), None)
            if found is not None:
                return found
        return 0

    def stopping(self, rows: list[CheckRow]) -> list[CheckRow]:
        """What stops Continue: a failure the wizard cannot fix (a setup written past it would not work).
        The Verify path changes nothing and stops for nothing."""
        if self.s.path == "verify":
            return []
        return [r for r in rows if r.kind == FAIL]

    def submit(self, rows: list[CheckRow]) -> list[str]:
        """[] to go on; else one sentence per check that stops it."""
        stop = self.stopping(rows)
        if stop:
            return [f"{r.id}: {r.result.summary}" for r in stop]
        if self.s.path != "verify":
            self.s.prefill_from_config()
        return []

    def hint(self, result: CheckResult) -> str:
        """The selected check in full: what it found and what to do (in the steps' words)."""
        lines = [f"[{result.id}] {result.summary}"]
        if result.detail:
            lines += ["", result.detail]
        hint = self.s.hint_text(result, on_screen=True)
        if hint:
            lines += ["", hint]
        return "\n".join(lines)

    def counts(self, rows: list[CheckRow]) -> str:
        order = ((OK, "ok"), (SKIP, "skip"), (TO_DO, "to do"), (WARN, "warn"), (FAIL, "to fix yourself"))
        return " · ".join(f"{n} {label}" for kind, label in order if (n := sum(1 for r in rows if r.kind == kind)))
