"""What a verify run is asked to do, and what the restart wait found: plain data, importable
without the runner and its HTTP clients (the TUI's first screen needs these names, not httpx)."""

from __future__ import annotations

from dataclasses import dataclass, field

from wizard.core.results import CheckResult
from wizard.remote.limits import DEFAULT_TIMEOUT

DEFAULT_CONCURRENCY = 32  # checks at once against one server
DEFAULT_OVERALL = 300.0


@dataclass
class VerifyOptions:
    backend_url: str | None = None
    token: str | None = None  # Backstage user token; else BACKSTAGE_TOKEN; else the guest token
    id_token: str | None = None  # the user's SpectroCloud ID token (enables identity/RBAC/proxy checks)
    ca_file: str | None = None  # a private CA for the backend and the OIDC provider
    ca_data: str | None = field(default=None, repr=False)  # its PEM text, as wizard.core.cafile.load_ca_file read it
    timeout: float = DEFAULT_TIMEOUT
    concurrency: int = DEFAULT_CONCURRENCY
    overall_timeout: float = DEFAULT_OVERALL
    namespace: str | None = None
    environment: str | None = None  # the auth environment to verify (default: what the config says)
    deployment: bool = False  # verify what the answers' deployment makes Backstage load (its config and environment)
    deployment_hint: str | None = None  # what a deployed backend lacks when it skips its provider (the Secret)


@dataclass
class WaitOutcome:
    served: bool  # the backend answers with the new config: the provider redirects, the clusters are served
    results: list[CheckResult]  # the last round of backend checks
    elapsed: float
