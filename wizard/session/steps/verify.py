"""Step: the checks of `spectro-wizard verify`, running concurrently, and what each failure means."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wizard.core.results import CheckResult
from wizard.session.steps.base import StepController
from wizard.verify.options import VerifyOptions

NOT_RESTARTED = ("This run applied the config, and the backend was not restarted since: it still serves the old "
                 "config — restart it (the Restart step), then run the checks again.")


class VerifyStep(StepController):
    name = "verify"
    heading = "Verify"
    help = """\
Proves the setup end to end, without a browser:

* **OIDC**: the provider's discovery document, the token endpoint the module derives, whether your
  client ID and secret are accepted, whether the callback URL is registered.
* **Backend**: it answers; `/api/auth/spectrocloud/start` redirects to SpectroCloud; the clusters it serves
  use oidc/spectrocloud. (Restart the backend after Apply so it reads the new config.)
* **Clusters**: each API server answers over TLS. With a user's **ID token**, also who the cluster thinks
  you are, whether RBAC lets you list pods, and the Kubernetes tab's own path through the backend's proxy.
  **Sign in to test my access** gets that token the way kubelogin does (your browser, a loopback redirect
  on localhost:8000 or 18000 that must be registered with the client); the token stays in memory and is
  never shown or saved.

Select a failed check to see what to do; run everything again after a fix.
"""

    def pending_groups(self) -> list[str]:
        """What runs, before any result: one row per group."""
        return ["OIDC provider", "Backstage backend"] + [f"cluster {c['name']}" for c in self.s.clusters()]

    @staticmethod
    def group_of(result: CheckResult) -> str | None:
        if result.id.startswith(("oidc", "id-token")):
            return "OIDC provider"
        if result.id.startswith("backend"):
            return "Backstage backend"
        if result.id.startswith("cluster:"):
            return f"cluster {result.id.split(':')[1]}"
        return None

    def backend_placeholder(self) -> str:
        return "backend URL (demo: its stand-in)" if self.s.stand_ins else "backend URL (empty: backend.baseUrl)"

    def options(self, backend_url: str = "", id_token: str = "") -> VerifyOptions:
        signed_in = self.s.login_result.id_token if self.s.login_result is not None else None
        return VerifyOptions(backend_url=backend_url.strip() or None, id_token=id_token.strip() or signed_in)

    async def run(self, opts: VerifyOptions, on_result: Callable[[CheckResult], None] | None = None) -> list[CheckResult]:
        return await self.s.verify(opts, on_result=on_result)

    def summary(self, results: list[CheckResult]) -> str:
        counts = {st: sum(1 for r in results if r.status == st) for st in ("ok", "warn", "fail", "skip")}
        text = " · ".join(f"{n} {st}" for st, n in counts.items() if n)
        if counts["fail"]:
            text += "  — select a failure to see what to do"
        untested = self.s.verify_untested
        if untested:
            text += f"\nnot tested ({len(untested)}): they need your ID token — sign in, or paste one"
        return text

    def detail(self, result: CheckResult) -> str:
        return f"{result.id}: {result.summary}" + (f" — {result.detail}" if result.detail else "")

    def hint(self, result: CheckResult) -> str:
        """What a result means and what to do; after this run's apply without a restart, a backend that
        serves the old config is that, and not a wrong config."""
        from wizard.session.steps import controller
        from wizard.session.steps.prereqs import PrereqsStep

        prereqs = controller(self.s, "prereqs")
        assert isinstance(prereqs, PrereqsStep)
        text = prereqs.hint(result)
        if (result.status == "fail" and result.id.startswith("backend") and self.s.applied is not None
                and not self.s.restarted):
            text = NOT_RESTARTED + "\n\n" + text
        return text

    def sign_in(self, open_browser: Callable[[str], Any] | None, on_url: Callable[[str], None]) -> Any:
        """kubelogin's flow with the app-config's client (the token stays in memory)."""
        return self.s.login(open_browser=open_browser, on_url=on_url)
