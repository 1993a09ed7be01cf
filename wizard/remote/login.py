"""Sign in as kubelogin's `oidc-login setup` does, to prove the user's own access without copying tokens.

The authorization-code flow with PKCE (S256), state and nonce, done by authlib's OAuth2 client: the
browser goes to the provider's authorization endpoint and comes back to a loopback redirect
(kubelogin's defaults: http://localhost:8000, else http://localhost:18000 when 8000 is taken); the
code is exchanged with the client's secret (client_secret_post, as the Backstage module does), and
the ID token is validated as a Kubernetes API server would: signature against the provider's JWKS,
iss, aud, exp, and our nonce.

The token never leaves this module except in `LoginResult.id_token` (kept out of repr): callers
print claims, never the token, unless the user asks for it.
"""

from __future__ import annotations

import base64
import html
import http.server
import json
import secrets
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

import authlib.deprecate  # noqa: F401 - first: it installs an "always" filter for its own warnings
import httpx

from wizard.core.mask import scrub
from wizard.errors import WizardError
from wizard.remote.http import BASE_HEADERS, describe_error, limit, sync_transport
from wizard.remote.oidc import derived_token_endpoint, expected_issuer, secret_destination_problem, validate_id_token

with warnings.catch_warnings():  # authlib 1.9 announces a move of its httpx integration; it works as is
    warnings.simplefilter("ignore")
    from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
    from authlib.integrations.httpx_client import OAuth2Client

DEFAULT_REDIRECTS = ("http://localhost:8000", "http://localhost:18000")
DEFAULT_SCOPE = "openid profile email groups"
DONE_PAGE = ("<!doctype html><title>spectro-wizard</title><p>{message}</p>"
             "<p>You can close this window and go back to the terminal.</p>")


class LoginError(WizardError):
    """The sign-in could not be completed: one sentence says why and what to do (exit 1)."""


@dataclass
class LoginResult:
    id_token: str = field(repr=False)
    claims: dict[str, Any]
    issuer: str
    client_id: str
    redirect_uri: str
    warnings: list[str] = field(default_factory=list)

    @property
    def expires_at(self) -> str:
        exp = self.claims.get("exp")
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(exp)) if isinstance(exp, (int, float)) else "unknown"

    @property
    def username(self) -> str | None:
        v = self.claims.get("email") or self.claims.get("sub")
        return str(v) if v else None

    @property
    def groups(self) -> list[str]:
        g = self.claims.get("groups")
        return [str(x) for x in g] if isinstance(g, list) else []


# ------------------------------------------------------------------------------------------------
# the loopback redirect


class _Callback(http.server.BaseHTTPRequestHandler):
    server: _LoopbackServer

    def do_GET(self) -> None:  # http.server's name
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if parts.path not in ("", "/", self.server.path) or not ({"code", "error"} & set(query)):
            self.send_response(404)
            self.end_headers()
            return
        self.server.received = f"{self.server.base}{self.path}"
        ok = "code" in query
        message = "Signed in: spectro-wizard has what it needs." if ok else \
            f"The provider answered {html.escape(query.get('error', ['an error'])[0])}."
        body = DONE_PAGE.format(message=message).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.server.done.set()

    def log_message(self, format: str, *args: Any) -> None:  # the query holds the code: never log it
        return


class _LoopbackServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, redirect_uri: str):
        parts = urlsplit(redirect_uri)
        host = parts.hostname or "localhost"
        if host not in ("localhost", "127.0.0.1", "::1"):
            raise LoginError(f"--redirect-url {redirect_uri}: the redirect must be a loopback address "
                             "(http://localhost:PORT or http://127.0.0.1:PORT), where this machine can receive it")
        self.path = parts.path or "/"
        self.base = f"{parts.scheme}://{parts.netloc}"
        self.received: str | None = None
        self.done = threading.Event()
        bind = "127.0.0.1" if host == "localhost" else host
        super().__init__((bind, parts.port or 80), _Callback)


def bind_redirect(candidates: tuple[str, ...] | list[str]) -> tuple[_LoopbackServer, str]:
    """The first candidate redirect URI whose port is free (kubelogin: 8000, else 18000)."""
    last: OSError | None = None
    for uri in candidates:
        try:
            return _LoopbackServer(uri), uri
        except OSError as exc:
            last = exc
    raise LoginError(f"cannot listen for the sign-in on {', '.join(candidates)} ({last.strerror if last else 'in use'}); "
                     "free one of those ports or pass --redirect-url http://localhost:PORT (and register it with the client)")


# ------------------------------------------------------------------------------------------------
# the flow


def _discover(http: httpx.Client, authorization_url: str) -> dict[str, Any]:
    issuer = expected_issuer(authorization_url)
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    failure = None
    try:
        resp = http.get(url, extensions=limit("the discovery document"))
    except httpx.HTTPError as exc:
        failure = describe_error(exc, url)
    if failure is not None:  # raised outside `except`: no chained exception carries the request
        raise LoginError(f"cannot read the OIDC provider's discovery document at {url}: {failure}; "
                         "`spectro-wizard verify` says more")
    try:
        doc = resp.json()
    except (ValueError, RecursionError):  # not JSON, or nested past what json can read
        doc = None
    if resp.status_code != 200 or not isinstance(doc, dict) or "token_endpoint" not in doc or "jwks_uri" not in doc:
        raise LoginError(f"{url} answered {resp.status_code} without a discovery document; check the authorization URL "
                         f"{authorization_url} (`spectro-wizard verify` says more)")
    return doc


def _probe_redirect(http: httpx.Client, auth_url: str, redirect_uri: str) -> None:
    """Ask the authorization endpoint first, without a browser: an unregistered redirect URI is
    refused there with 400 invalid_redirect_uri / redirect_uri_mismatch, which the browser would
    only show as an error page while this process waits for a callback that never comes."""
    try:
        resp = http.get(auth_url, extensions=limit("the sign-in request's answer"))
    except httpx.HTTPError:
        return  # the browser will show it; the timeout then says so
    text = resp.text[:4000]
    if resp.status_code == 400 and ("redirect_uri" in text or "invalid_redirect_uri" in text):
        raise LoginError(
            f"the provider refuses the redirect URI {redirect_uri} (invalid_redirect_uri / redirect_uri_mismatch): "
            f"register {redirect_uri} as a redirect URI of the OIDC client (kubelogin's defaults are "
            f"{' and '.join(DEFAULT_REDIRECTS)}), or pass --redirect-url with one that is registered")


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    # parsed JSON (untyped): the payload of an ID token validate_id_token has accepted, a JSON object
    return cast(dict[str, Any], json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def login(
    authorization_url: str,
    client_id: str,
    client_secret: str | None,
    *,
    redirect_urls: tuple[str, ...] | list[str] = DEFAULT_REDIRECTS,
    scope: str = DEFAULT_SCOPE,
    timeout: float = 120.0,
    open_browser: Callable[[str], Any] | None = None,
    on_url: Callable[[str], None] | None = None,
    http_timeout: float = 10.0,
) -> LoginResult:
    """Run the whole sign-in; raises LoginError with one sentence when it cannot finish."""
    server, redirect_uri = bind_redirect(redirect_urls)
    thread = threading.Thread(target=server.serve_forever, name="spectro-wizard-login", daemon=True)
    thread.start()
    # both clients read answers through the caps and never follow a redirect (the code exchange
    # carries the client secret: it goes to the token endpoint and nowhere else)
    http = httpx.Client(transport=sync_transport(), timeout=http_timeout, trust_env=False, follow_redirects=False,
                        headers=BASE_HEADERS)
    client = OAuth2Client(client_id, client_secret, scope=scope, redirect_uri=redirect_uri,
                          code_challenge_method="S256", token_endpoint_auth_method="client_secret_post",
                          timeout=http_timeout, trust_env=False, follow_redirects=False,
                          transport=sync_transport(), headers=BASE_HEADERS)
    try:
        meta = _discover(http, authorization_url)
        # the secret goes only where the backend module sends it, when discovery agrees, over https;
        # checked before the browser opens, so a refused sign-in costs the user nothing
        refused = secret_destination_problem(authorization_url, meta.get("token_endpoint")
                                             if isinstance(meta.get("token_endpoint"), str) else None)
        if refused is not None:
            raise LoginError(f"the sign-in was not started, because the client secret would not be safe at the token "
                             f"endpoint: {refused} (`spectro-wizard hints oidc-secret-not-sent`)")
        token_endpoint = derived_token_endpoint(authorization_url)
        verifier = secrets.token_urlsafe(48)
        nonce = secrets.token_urlsafe(16)
        url, state = client.create_authorization_url(authorization_url, code_verifier=verifier, nonce=nonce)
        _probe_redirect(http, url, redirect_uri)
        if on_url is not None:
            on_url(url)
        if open_browser is not None:
            open_browser(url)
        if not server.done.wait(timeout):
            raise LoginError(
                f"no sign-in arrived at {redirect_uri} within {timeout:.0f} s (the browser was closed or the login "
                "was not finished); run it again, with --timeout for more time")
        assert server.received is not None
        query = parse_qs(urlsplit(server.received).query)
        if "error" in query:
            why = query.get("error_description", query["error"])[0]
            raise LoginError(scrub(f"the provider refused the sign-in: {query['error'][0]} ({why})", [client_secret]))
        try:
            token = client.fetch_token(token_endpoint, authorization_response=server.received,
                                       state=state, code_verifier=verifier)
        except MismatchingStateError:
            raise LoginError("the sign-in came back with another state than it was sent with; "
                             "run it again (an old browser tab may have answered)") from None
        except OAuthError as exc:
            if exc.error == "invalid_client":
                raise LoginError("the provider refused the client credentials (invalid_client): check the client ID "
                                 "and secret variables the app-config names (a wrong or unset secret fails the same "
                                 "way in Backstage: Token exchange failed: 401)") from None
            raise LoginError(scrub(f"the code exchange failed: {exc.error} ({exc.description or 'no description'})",
                                   [client_secret])) from None
        except httpx.HTTPError as exc:
            raise LoginError(f"the token endpoint {token_endpoint} cannot be used: {describe_error(exc, token_endpoint)}") from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise LoginError("the provider's token response has no id_token: request the openid scope")
        try:
            jwks = http.get(meta["jwks_uri"], extensions=limit("the provider's keys (JWKS)")).json()
        except (httpx.HTTPError, ValueError, RecursionError) as exc:
            why = describe_error(exc, str(meta["jwks_uri"])) if isinstance(exc, httpx.HTTPError) else exc.__class__.__name__
            raise LoginError(f"the provider's signing keys ({meta['jwks_uri']}) cannot be read ({why})") from None
    finally:
        client.close()
        http.close()
        server.shutdown()
        server.server_close()
    issuer = str(meta.get("issuer") or expected_issuer(authorization_url))
    check = validate_id_token(id_token, jwks, issuer, client_id)
    if check.status == "fail":
        raise LoginError(f"the ID token does not validate: {check.summary}")
    claims = _claims(id_token)
    if claims.get("nonce") != nonce:
        raise LoginError("the ID token's nonce is not the one this sign-in sent; run it again")
    result = LoginResult(id_token, claims, issuer, client_id, redirect_uri)
    if not claims.get("email"):
        result.warnings.append("the token has no email claim: clusters that map users by email (--oidc-username-claim=email) "
                               "will not know this user; request the email scope")
    if not isinstance(claims.get("groups"), list) or not claims.get("groups"):
        result.warnings.append("the token has no groups claim: group RBAC bindings match nothing for this user; request "
                               "the groups scope (scope: openid profile email groups in the app-config's provider)")
    return result
