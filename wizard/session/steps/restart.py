"""Step: restart the backend so it reads the new config, and wait until it serves it, before Verify.

A first result of "configured but not served" only means the running backend still has the old config:
this step says how to restart this repo's backend, then asks the backend again and again until its
spectrocloud provider and its clusters answer as configured (or the wait times out, or the user skips).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from wizard.core.results import CheckResult
from wizard.errors import WizardError
from wizard.session.steps.base import StepController
from wizard.session.texts import RESTART_WAIT_SECONDS, restart_instruction, still_waiting_for
from wizard.verify.options import VerifyOptions


@dataclass(frozen=True)
class WaitProgress:
    """One round of the wait, as one line that replaces the previous one (not a line a second)."""

    url: str
    elapsed: float
    waiting: list[str]  # what the backend does not serve yet ([]: served)

    @property
    def line(self) -> str:
        if not self.waiting:
            return f"the backend serves the new config ({self.url}, {self.elapsed:.0f} s)"
        more = f" (+{len(self.waiting) - 1} more)" if len(self.waiting) > 1 else ""
        return f"asking {self.url} every second — {self.elapsed:.0f} s of {RESTART_WAIT_SECONDS:.0f}: {self.waiting[0]}{more}"


@dataclass(frozen=True)
class WaitResult:
    served: bool
    message: str


class RestartStep(StepController):
    name = "restart"
    heading = "Restart the backend"
    field_keys = ("backendUrl",)
    help = """\
Backstage reads app-config only when it starts: the backend that runs now still has the old config (and
a changed frontend — apis.ts, App.tsx, the in-app module — is built when it starts too).

Restart it (stop `yarn start` with Ctrl+C and run it again from the repo root; a deployed backend must be
rebuilt and redeployed). Then **Wait**: the wizard asks the backend every second until
`/api/auth/spectrocloud/start` redirects to SpectroCloud and `/api/kubernetes/clusters` serves the
clusters as configured, and Verify runs against the new config. **Skip** goes to Verify without waiting.
"""
    wait_seconds = RESTART_WAIT_SECONDS

    def instruction(self) -> str:
        return restart_instruction(self.s.stand_ins)

    def needs_url(self) -> bool:
        """The demo's backend is its own stand-in: no URL to ask for."""
        return not self.s.stand_ins

    def defaults(self) -> dict[str, str]:
        return {"backendUrl": self.s.backend_url_to_reach() or "http://localhost:7007"}

    def url(self, typed: str) -> str:
        return typed.strip() or self.defaults()["backendUrl"]

    def restart_stand_in(self) -> str | None:
        """The demo restarts its own backend; the line that says so (None for a real app)."""
        return "demo: the stand-in backend restarted and read the new config" if self.s.restart_backend() else None

    async def wait(self, typed_url: str, on_progress: Callable[[WaitProgress], None]) -> WaitResult:
        url = self.url(typed_url)
        if (problem := self.problem("backendUrl", url)) is not None:
            return WaitResult(False, problem)

        def round_done(results: list[CheckResult], elapsed: float) -> None:
            on_progress(WaitProgress(url, elapsed, still_waiting_for(results)))

        try:
            outcome = await self.s.wait_for_backend(RESTART_WAIT_SECONDS, VerifyOptions(backend_url=url), on_round=round_done)
        except WizardError as exc:
            return WaitResult(False, str(exc))
        if outcome.served:
            self.s.restarted = True
            return WaitResult(True, f"✔ the backend serves the new config ({url}, after {outcome.elapsed:.0f} s)")
        return WaitResult(False, f"✖ the backend did not serve the new config within {RESTART_WAIT_SECONDS:.0f} s ({url}); "
                                 "check its log, then wait again or skip to Verify, which says what is missing")

    def skip(self) -> None:
        """The user goes on without the wait (they restarted it themselves, or will)."""
        self.s.restarted = True
