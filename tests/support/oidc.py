"""The loopback OpenID provider of tests/oidc_provider, and a REAL ID token from it.

`running_provider()` starts `node tests/oidc_provider/provider.js` (oidc-provider 9 with a
SpectroCloud-shaped issuer) and stops it; `obtain_id_token()` signs a user in through the
provider's development login pages with plain HTTP, the way a browser would, and returns the ID
token of the code exchange. The tests import these (`from tests.support.oidc import ...`); the fixtures
in tests/conftest.py wrap them.
"""

from __future__ import annotations

import html
import json
import re
import secrets
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx

PROVIDER_DIR = Path(__file__).resolve().parents[1] / "oidc_provider"
PROVIDER_SCRIPT = PROVIDER_DIR / "provider.js"
INSTALL_COMMAND = "npm ci --prefix tests/oidc_provider"
DEFAULT_CALLBACK = "http://localhost:7007/api/auth/spectrocloud/handler/frame"
READY_TIMEOUT = 30.0
MAX_LOGIN_STEPS = 12


@dataclass(frozen=True)
class OIDCTestProvider:
    """A running provider: what a Backstage app-config would point at."""

    issuer: str
    port: int
    tenant: str
    client_id: str
    client_secret: str
    redirect_uri: str

    @property
    def authorization_url(self) -> str:
        return f"{self.issuer}/auth"

    @property
    def token_endpoint(self) -> str:
        return f"{self.issuer}/token"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def unavailable_reason() -> str | None:
    """Why the provider cannot run here (None when it can)."""
    if shutil.which("node") is None:
        return "`node` is not on PATH (the OIDC tests run a real oidc-provider under Node.js 20+)"
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        return f"tests/oidc_provider/node_modules is missing: run `{INSTALL_COMMAND}`"
    return None


def _read_ready_line(proc: subprocess.Popen[bytes], deadline: float) -> dict[str, Any] | None:
    """Block on the provider's single JSON line (no sleeping); None if it exits or times out.

    select() on a pipe works on POSIX systems only (Linux, macOS).
    """
    assert proc.stdout is not None
    remaining = deadline - time.monotonic()
    while remaining > 0:
        readable, _, _ = select.select([proc.stdout], [], [], remaining)
        if not readable:
            return None
        line = proc.stdout.readline()
        if not line:  # EOF: the process ended
            return None
        try:
            value = json.loads(line)
        except ValueError:
            pass
        else:
            if isinstance(value, dict) and "issuer" in value:
                return value
        remaining = deadline - time.monotonic()
    return None


@contextmanager
def running_provider(
    *,
    tenant: str = "test-tenant",
    client_id: str = "spectro-wizard-test",
    client_secret: str | None = None,
    redirect_uris: Sequence[str] = (DEFAULT_CALLBACK,),
    extra_config: dict[str, Any] | None = None,
) -> Iterator[OIDCTestProvider]:
    """Start provider.js, wait for its ready line, yield it, stop it.

    The secret is random by default so tests can prove it never leaks into check output.
    `extra_config` passes other provider.js keys (alias_tenants, clients, groups).
    """
    reason = unavailable_reason()
    if reason:
        raise RuntimeError(reason)
    secret = client_secret or "s3cr3t-" + secrets.token_urlsafe(18)
    config = {
        "tenant": tenant,
        "client_id": client_id,
        "client_secret": secret,
        "redirect_uris": list(redirect_uris),
        **(extra_config or {}),
    }
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            ["node", str(PROVIDER_SCRIPT), json.dumps(config)],
            cwd=PROVIDER_DIR,
            stdin=subprocess.PIPE,  # provider.js exits when this closes, even if we are killed
            stdout=subprocess.PIPE,
            bufsize=0,  # unbuffered: select() must see exactly what readline() has not consumed
            stderr=log,
        )
        try:
            ready = _read_ready_line(proc, time.monotonic() + READY_TIMEOUT)
            if ready is None:
                proc.kill()
                proc.wait()
                log.seek(0)
                output = log.read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"oidc-provider did not start (exit code {proc.returncode}):\n{output}")
            yield OIDCTestProvider(
                issuer=ready["issuer"],
                port=int(ready["port"]),
                tenant=tenant,
                client_id=client_id,
                client_secret=secret,
                redirect_uri=redirect_uris[0],
            )
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            for stream in (proc.stdin, proc.stdout):
                if stream:
                    stream.close()


_FORM_ACTION = re.compile(r'<form[^>]*\baction="([^"]+)"', re.IGNORECASE)
_PROMPT = re.compile(r'name="prompt"\s+value="([^"]+)"', re.IGNORECASE)


def _submit_interaction(http: httpx.Client, page: httpx.Response, user: str) -> httpx.Response:
    """Fill in the dev login form (any user name, any password) or confirm the consent form."""
    action, prompt = _FORM_ACTION.search(page.text), _PROMPT.search(page.text)
    if not action or not prompt:
        raise RuntimeError(f"no interaction form at {page.url}: {page.text[:300]}")
    form = {"prompt": prompt.group(1)}
    if form["prompt"] == "login":
        form.update(login=user, password="any-password")
    return http.post(urljoin(str(page.url), html.unescape(action.group(1))), data=form)


def obtain_tokens(
    provider: OIDCTestProvider,
    *,
    user: str = "alice",
    scope: str = "openid profile email",
    timeout: float = 10.0,
) -> dict[str, Any]:
    """Sign `user` in through the dev pages and exchange the code: the token endpoint's JSON answer.

    The steps a browser takes: GET /auth (303 to the login page), POST the login form (303 back to
    /auth), 303 to the consent page, POST it, 303 to the redirect URI with ?code=, then the code
    exchange with client_secret_post, as the Backstage module does it.
    """
    params = {
        "client_id": provider.client_id,
        "redirect_uri": provider.redirect_uri,
        "response_type": "code",
        "scope": scope,
        "state": secrets.token_urlsafe(8),
        "nonce": secrets.token_urlsafe(8),
    }
    with httpx.Client(follow_redirects=False, timeout=timeout, trust_env=False) as http:
        response = http.get(f"{provider.authorization_url}?{urlencode(params)}")
        for _ in range(MAX_LOGIN_STEPS):
            if response.is_redirect:
                target = urljoin(str(response.url), response.headers["location"])
                if target.startswith(provider.redirect_uri):
                    query = parse_qs(urlsplit(target).query)
                    if "code" not in query:
                        raise RuntimeError(f"the provider redirected back without a code: {query}")
                    break
                response = http.get(target)
            elif response.status_code == 200:
                response = _submit_interaction(http, response, user)
            else:
                raise RuntimeError(f"unexpected HTTP {response.status_code} at {response.url}: {response.text[:300]}")
        else:
            raise RuntimeError(f"no code after {MAX_LOGIN_STEPS} steps")
        exchange = http.post(
            provider.token_endpoint,
            data={
                "grant_type": "authorization_code",
                "code": query["code"][0],
                "redirect_uri": provider.redirect_uri,
                "client_id": provider.client_id,
                "client_secret": provider.client_secret,
            },
        )
        exchange.raise_for_status()
        return exchange.json()


def obtain_id_token(provider: OIDCTestProvider, *, user: str = "alice", scope: str = "openid profile email") -> str:
    """A real, signed ID token for `user` (email <user>@example.com, groups from the provider config)."""
    return obtain_tokens(provider, user=user, scope=scope)["id_token"]


def fetch_jwks(provider: OIDCTestProvider) -> dict[str, Any]:
    with httpx.Client(timeout=10.0, trust_env=False) as http:
        response = http.get(f"{provider.issuer}/jwks")
        response.raise_for_status()
        return response.json()


__all__ = [
    "DEFAULT_CALLBACK",
    "INSTALL_COMMAND",
    "OIDCTestProvider",
    "fetch_jwks",
    "obtain_id_token",
    "obtain_tokens",
    "running_provider",
    "unavailable_reason",
]

