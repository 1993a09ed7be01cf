"""Step: the SpectroCloud tenant and the OIDC client (by environment-variable name, never values)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from wizard.core.results import CheckResult
from wizard.session.steps.base import StepController

GUIDE = [
    "First time? What you need from SpectroCloud:",
    "• Tenant: your Palette tenant's ID, the part after /tenant/ in its OIDC URL. OIDC must be enabled for the "
    "tenant (your Palette admin or SpectroCloud support turns it on).",
    "• An OIDC client for Backstage (client ID and secret, from your Palette tenant admin): export them where "
    "Backstage runs, under the two variable names above. Test checks them.",
    "• Register this redirect URI on that client (Backstage's callback URL):",
]
HEADING = "SpectroCloud tenant and OIDC client (secrets are named by environment variable, never typed here)"


@dataclass(frozen=True)
class EnvMark:
    """Whether a variable the config will reference is set where the wizard runs."""

    name: str
    is_set: bool

    @property
    def text(self) -> str:
        return "set here" if self.is_set else "not set here"

    @property
    def sentence(self) -> str:
        return f"{self.name} is " + ("set in this shell" if self.is_set else
                                     "not set in this shell (Backstage needs it where it runs)")


class TenantStep(StepController):
    name = "tenant"
    heading = "SpectroCloud tenant and OIDC client"
    field_keys = ("consoleUrl", "tenant", "environment", "clientIdEnv", "clientSecretEnv", "callbackUrl")
    help = """\
Backstage signs users in with SpectroCloud's OIDC provider, and the Kubernetes wiring passes each user's
token to the clusters.

* **Tenant**: your SpectroCloud tenant; the authorization URL becomes
  `<console URL>/v1/oidc/tenant/<tenant>/auth` (pasting that URL into Tenant works too).
* **Auth environment**: the key under `auth.providers.spectrocloud` (Backstage's `auth.environment`,
  development by default).
* **Client ID / secret**: only the *names* of the environment variables are written to app-config, as
  `${NAME}`. Their values never appear on screen, in files, diffs or logs. The mark says whether each is
  set in this shell (Backstage needs them where it runs).
* **Callback URL**: `backend.baseUrl` + `/api/auth/spectrocloud/handler/frame`; register it as a redirect
  URI of the OIDC client. The wizard's own sign-in (Verify: "Sign in to test my access") uses kubelogin's
  `http://localhost:8000` (else `:18000`): register that too to test your own access from here.

**Test** asks the provider, without a browser: discovery, the token endpoint the module derives, whether
the client ID and secret are accepted, and whether the callback URL is registered.
"""
    guide = GUIDE
    intro = HEADING  # plain mode's heading line

    def defaults(self) -> dict[str, str]:
        a, s = self.s.answers, self.s
        return {
            "consoleUrl": a.consoleUrl or self.s.default_console_url(),
            "tenant": a.tenant or "",
            "environment": a.environment or s.auth_environment(),
            "clientIdEnv": a.clientIdEnv,
            "clientSecretEnv": a.clientSecretEnv,
            "callbackUrl": a.callbackUrl or s.default_callback_url(),
        }

    @staticmethod
    def normalise(values: dict[str, str]) -> dict[str, str]:
        """Values as the answers keep them: trimmed, the console URL without its trailing slash, and a
        whole authorization URL pasted into Tenant taken apart (console URL + tenant)."""
        out = {k: (v or "").strip() for k, v in values.items()}
        if "consoleUrl" in out:
            out["consoleUrl"] = out["consoleUrl"].rstrip("/")
        tenant = out.get("tenant", "")
        marker = "/v1/oidc/tenant/"
        if marker in tenant:
            console, _, rest = tenant.partition(marker)
            out["tenant"] = rest.split("/", 1)[0]
            if console.startswith(("https://", "http://")):
                out["consoleUrl"] = console.rstrip("/")
        return out

    def env_marks(self, values: dict[str, str]) -> dict[str, EnvMark]:
        return {k: EnvMark(values.get(k, "").strip(), bool(values.get(k, "").strip()
                                                            and os.environ.get(values.get(k, "").strip())))
                for k in ("clientIdEnv", "clientSecretEnv")}

    def authorization_url(self, values: dict[str, str]) -> str:
        v = self.normalise(values)
        return f"{v.get('consoleUrl', '')}/v1/oidc/tenant/{v.get('tenant') or '<tenant>'}/auth"

    def redirect_uri(self, values: dict[str, str]) -> str:
        return values.get("callbackUrl", "").strip() or self.s.default_callback_url()

    def submit(self, values: dict[str, str]) -> dict[str, str]:
        """The form into the answers; {} when accepted, else each field's sentence by key."""
        v = self.normalise(values)
        problems = self.problems(v)
        if problems:
            return problems
        a, s = self.s.answers, self.s
        a.consoleUrl = v["consoleUrl"]
        a.tenant = v["tenant"]
        # an explicit environment or callback only when it differs from what the config already implies
        a.environment = None if v["environment"] == s.default_environment() else v["environment"]
        a.clientIdEnv = v["clientIdEnv"]
        a.clientSecretEnv = v["clientSecretEnv"]
        a.callbackUrl = None if v["callbackUrl"] == s.default_callback_url() else v["callbackUrl"]
        a.authorizationUrl = None
        s.autosave()
        return {}

    async def test(self) -> list[CheckResult]:
        """The provider, asked without a browser (the answers as submitted)."""
        return await self.s.test_oidc()
