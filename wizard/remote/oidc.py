"""The OIDC checks of `spectro-wizard verify`: does SpectroCloud's OIDC provider accept what the
Backstage module will send it, proven without a browser?

The SpectroCloud auth backend module (`@terasky/backstage-plugin-spectrocloud-auth-backend`) does
very little with its config, and every shortcut it takes is something these checks must mirror:

- it redirects the browser to `authorizationUrl` with client_id, redirect_uri (= callbackUrl),
  response_type=code, scope, state and nonce;
- it derives its token endpoint with `authorizationUrl.replace('/auth', '/token')` (no discovery);
- it exchanges the code with the client ID and secret in the form body (client_secret_post);
- it decodes the ID token without verifying it, and reads `email` (else `sub`) and `groups`.
  The Kubernetes API server, on the other hand, verifies signature, issuer and audience: that is
  why `validate_id_token` checks them.

Each check is a small coroutine (or function) taking explicit inputs and returning a CheckResult;
`run_oidc_checks` runs discovery first, then the rest concurrently. No check ever puts the client
secret into a result, an exception or a log line.
"""

from __future__ import annotations

import asyncio
import base64
import html
import re
import secrets
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import (
    parse_qs,
    parse_qsl,
    quote_plus,
    urlencode,
    urlsplit,
    urlunsplit,
)

import httpx
from joserfc import jws, jwt
from joserfc.errors import (
    BadSignatureError,
    InvalidKeyIdError,
    JoseError,
    UnsupportedAlgorithmError,
)
from joserfc.jwk import KeySet

from wizard.core.clusterconfig import issuer_of
from wizard.core.fields import is_loopback_host
from wizard.core.hint_ids import Oidc as H
from wizard.core.mask import scrub_secrets
from wizard.core.results import CheckResult
from wizard.remote.http import BodyTooLarge, TLSOptions, async_client, describe_error, host_of, limit
from wizard.remote.limits import DEFAULT_TIMEOUT

# --- Check ids (the verify contract in README.md, "Commands") ---
DISCOVERY_CHECK = "oidc-discovery"
TOKEN_ENDPOINT_CHECK = "oidc-token-endpoint"
CLIENT_CHECK = "oidc-client"
REDIRECT_URI_CHECK = "oidc-redirect-uri"
SCOPES_CHECK = "oidc-scopes"
ID_TOKEN_CHECK = "id-token"

# --- Hint ids: entries of templates/hints/oidc.yaml (a test proves each has one) ---


DEFAULT_CLIENT_ID_ENV = "SPECTROCLOUD_CLIENT_ID"
DEFAULT_CLIENT_SECRET_ENV = "SPECTROCLOUD_CLIENT_SECRET"
# The module's default `scope`, and the scopes it requires whatever the config says.
DEFAULT_SCOPE = "openid profile email"
REQUIRED_SCOPES: tuple[str, ...] = ("openid", "profile", "email")

DISCOVERY_PATH = "/.well-known/openid-configuration"
# Fields OpenID Connect Discovery 1.0 makes REQUIRED that these checks rely on.
REQUIRED_DISCOVERY_FIELDS: tuple[str, ...] = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
# A code no provider can have issued: the token endpoint authenticates the client before it looks
# at the code, so `invalid_grant` proves the credentials without any user signing in.
PROBE_CODE = "spectro-wizard-probe-not-a-real-code"
# The module sends credentials in the form body; HTTP Basic is only tried to explain a rejection.
MODULE_AUTH_METHOD = "client_secret_post"
BASIC_AUTH_METHOD = "client_secret_basic"
# ID tokens a Kubernetes API server accepts are signed with an asymmetric key published in the
# JWKS; HS256 (shared secret) or `none` must never be accepted from an untrusted token.
ID_TOKEN_ALGORITHMS: tuple[str, ...] = (
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519",
)
SNIPPET_CHARS = 200


# ---------------------------------------------------------------------------------------------
# URLs, computed exactly as the module and OIDC compute them
# ---------------------------------------------------------------------------------------------


def derived_token_endpoint(authorization_url: str) -> str:
    """The token endpoint the backend module will POST the code to.

    The module does not read discovery: it computes `authorizationUrl.replace('/auth', '/token')`.
    JavaScript's `String.prototype.replace` with a string pattern replaces only the FIRST
    occurrence, anywhere in the URL. For SpectroCloud's `.../v1/oidc/tenant/<tenant>/auth` that is
    the final segment and gives `.../token`; but a URL with `/auth` earlier (a tenant named
    `authority`, or `.../v1/auth/org/<org>/oidc/authorize`) is rewritten in the wrong place, and one
    without `/auth` is not changed at all. `str.replace(..., 1)` is the same operation.
    """
    return authorization_url.replace("/auth", "/token", 1)


def expected_issuer(authorization_url: str) -> str:
    """SpectroCloud's issuer: the authorization URL without its final `/auth` (query dropped).

    For a URL that does not end with `/auth` the best guess is its parent path; the discovery check
    then says the URL does not have SpectroCloud's shape. (One rule with what `cluster-config` tells
    the API servers: wizard.core.clusterconfig.issuer_of.)
    """
    return issuer_of(authorization_url)


def discovery_url(issuer: str) -> str:
    """OpenID Connect Discovery: the issuer (no trailing slash) + /.well-known/openid-configuration."""
    return issuer.rstrip("/") + DISCOVERY_PATH


def _comparable_url(url: str) -> tuple[str, str, str, str]:
    """Scheme and host are case-insensitive and a default port is implicit; the path is exact."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:  # not a number: compare the text as written
        return scheme, parts.netloc.lower(), parts.path, parts.query
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        netloc = host
    else:
        netloc = f"{host}:{port}"
    return scheme, netloc, parts.path, parts.query


def same_url(a: str, b: str) -> bool:
    return _comparable_url(a) == _comparable_url(b)


def _authorization_url_problem(authorization_url: str) -> str | None:
    parts = urlsplit(authorization_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"authorizationUrl {authorization_url!r} is not an http(s) URL with a host"
    return None


# ---------------------------------------------------------------------------------------------
# Small helpers: secrets never leave, server text is shortened
# ---------------------------------------------------------------------------------------------


def _redact(text: str, secret: str | None) -> str:
    """Remove the secret, in every form a server could echo it back, from text we are about to show."""
    return scrub_secrets(text, [secret])


_HTML_NOISE = re.compile(r"<(style|script)\b.*?</\1>|<[^>]+>", re.IGNORECASE | re.DOTALL)


def _snippet(text: str, secret: str | None = None) -> str:
    """One short line of a server's answer; for an HTML page, its visible text (error pages put the
    OAuth error there, after kilobytes of <style>)."""
    # Redact before cutting: a secret cut in half would no longer be found.
    visible = html.unescape(_HTML_NOISE.sub(" ", _redact(text, secret)))
    one_line = _redact(" ".join(visible.split()), secret)
    if len(one_line) > SNIPPET_CHARS:
        one_line = one_line[:SNIPPET_CHARS] + "..."
    return one_line


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        value = response.json()
    except (ValueError, RecursionError):  # not JSON, or nested past what json can read
        return None
    return value if isinstance(value, dict) else None


def _unreachable(check_id: str, exc: BaseException, url: str, what: str, too_large: str = H.DISCOVERY_FAILED) -> CheckResult:
    """A request that failed; an answer over its cap fails with `too_large`'s hint (it was reached)."""
    return CheckResult(
        check_id,
        "fail",
        f"{what}: {describe_error(exc, url)}",
        detail=f"Request: {url}",
        hint=too_large if isinstance(exc, (BodyTooLarge, httpx.DecodingError)) else H.UNREACHABLE,
    )


def _skipped(check_id: str, because: CheckResult) -> CheckResult:
    """A dependent check that could not run: say which check stopped it, keep its hint."""
    return CheckResult(
        check_id,
        "skip",
        f"not checked: {because.id} did not succeed",
        detail=because.summary,
        hint=because.hint,
    )


def _missing_env(check_id: str, what: str, names: Sequence[str]) -> CheckResult:
    """A check that could not run because a variable the config references is not set here. Not a
    success: the client was never tested, and the real sign-in fails without it (invalid_client)."""
    listed = " and ".join(f"${n}" for n in names)
    return CheckResult(
        check_id,
        "fail",
        f"{what} not tested: {listed} {'is' if len(names) == 1 else 'are'} not set where verify runs",
        detail=(
            f"The app-config references {listed} (as ${{{names[0]}}}); export "
            f"{'it' if len(names) == 1 else 'them'} in the shell that runs `spectro-wizard verify`, with the "
            "values the Backstage backend gets. Without them this was never tested, and the sign-in fails with "
            "invalid_client where Backstage runs without them."
        ),
        hint=H.ENV_MISSING,
        data={"missing_env": list(names), "notTested": True},
    )


# ---------------------------------------------------------------------------------------------
# oidc-discovery
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Discovery:
    """The provider's discovery document, with typed access to the fields the checks use."""

    url: str
    document: Mapping[str, Any]

    def text(self, name: str) -> str | None:
        value = self.document.get(name)
        return value if isinstance(value, str) and value else None

    def strings(self, name: str) -> list[str] | None:
        """A list-of-strings field, or None when absent or malformed (absent means 'not advertised')."""
        value = self.document.get(name)
        if not isinstance(value, list):
            return None
        return [v for v in value if isinstance(v, str)]

    @property
    def issuer(self) -> str | None:
        return self.text("issuer")

    @property
    def authorization_endpoint(self) -> str | None:
        return self.text("authorization_endpoint")

    @property
    def token_endpoint(self) -> str | None:
        return self.text("token_endpoint")

    @property
    def jwks_uri(self) -> str | None:
        return self.text("jwks_uri")


async def check_discovery(
    http: httpx.AsyncClient, authorization_url: str
) -> tuple[CheckResult, Discovery | None]:
    """GET <issuer>/.well-known/openid-configuration and compare its `issuer` with the expected one.

    Returns the document too when only the issuer differs: its endpoints are still the provider's,
    so the other checks can run; a cluster, however, will reject tokens whose `iss` it does not
    expect, which is why the mismatch itself fails.
    """
    problem = _authorization_url_problem(authorization_url)
    if problem:
        return CheckResult(DISCOVERY_CHECK, "fail", problem, hint=H.AUTHORIZATION_URL_INVALID), None

    issuer = expected_issuer(authorization_url)
    url = discovery_url(issuer)
    shape_note = ""
    if not urlsplit(authorization_url).path.rstrip("/").endswith("/auth"):
        shape_note = (
            f" Note: authorizationUrl {authorization_url} does not end with /auth, unlike SpectroCloud's "
            "https://console.spectrocloud.com/v1/oidc/tenant/<tenant>/auth; the issuer was guessed as its parent path."
        )
    try:
        response = await http.get(url, headers={"Accept": "application/json"}, extensions=limit("the discovery document"))
    except httpx.HTTPError as exc:
        return _unreachable(DISCOVERY_CHECK, exc, url, "discovery document not fetched"), None

    def failed(summary: str, detail: str, hint: str = H.DISCOVERY_FAILED) -> tuple[CheckResult, None]:
        return CheckResult(DISCOVERY_CHECK, "fail", summary, detail=detail + shape_note, hint=hint,
                           data={"discovery_url": url, "expected_issuer": issuer}), None

    if response.status_code != 200:
        return failed(
            f"no discovery document at {url}: HTTP {response.status_code}",
            f"Expected the OpenID configuration of issuer {issuer} (authorizationUrl without /auth). "
            f"A 404 usually means a wrong tenant ID or path. Answer: {_snippet(response.text) or '(empty)'}",
        )
    document = _json_object(response)
    if document is None:
        content_type = response.headers.get("content-type", "(none)")
        return failed(
            f"{url} answered 200 but not a JSON object (content-type {content_type})",
            f"An OpenID provider answers JSON here; this looks like another server (a proxy, a web app or a "
            f"login page). Answer begins: {_snippet(response.text) or '(empty)'}",
        )
    discovery = Discovery(url=url, document=document)
    missing = [name for name in REQUIRED_DISCOVERY_FIELDS if discovery.text(name) is None]
    if missing:
        return failed(
            f"discovery document at {url} lacks {', '.join(missing)}",
            "OpenID Connect Discovery requires issuer, authorization_endpoint, token_endpoint and jwks_uri.",
        )
    assert discovery.issuer is not None  # one of REQUIRED_DISCOVERY_FIELDS
    if discovery.issuer != issuer:
        trailing = " (they differ only by a trailing slash)" if discovery.issuer.rstrip("/") == issuer.rstrip("/") else ""
        result = CheckResult(
            DISCOVERY_CHECK,
            "fail",
            f"issuer mismatch: the provider says {discovery.issuer!r}, the authorizationUrl implies {issuer!r}{trailing}",
            detail=(
                f"{url} names issuer {discovery.issuer}, but authorizationUrl {authorization_url} without /auth is "
                f"{issuer}. ID tokens carry the provider's issuer in `iss`, and a cluster configured with the "
                "other one rejects them." + shape_note
            ),
            hint=H.ISSUER_MISMATCH,
            data={"discovery_url": url, "expected_issuer": issuer, "issuer": discovery.issuer},
        )
        return result, discovery
    return (
        CheckResult(
            DISCOVERY_CHECK,
            "ok",
            f"discovery document found; issuer {issuer}",
            detail=f"GET {url} answered 200 with issuer {discovery.issuer}.",
            data={"discovery_url": url, "issuer": issuer},
        ),
        discovery,
    )


# ---------------------------------------------------------------------------------------------
# oidc-token-endpoint
# ---------------------------------------------------------------------------------------------


def check_token_endpoint(authorization_url: str, discovery: Discovery) -> CheckResult:
    """The token URL the module derives must be the provider's; the authorization URL should be too."""
    derived = derived_token_endpoint(authorization_url)
    advertised = discovery.token_endpoint
    data = {"derived_token_endpoint": derived, "token_endpoint": advertised}
    if advertised is None:
        return CheckResult(TOKEN_ENDPOINT_CHECK, "fail", "the discovery document has no token_endpoint",
                           detail=f"Looked in {discovery.url}.", hint=H.DISCOVERY_FAILED, data=data)
    if not same_url(derived, advertised):
        index = authorization_url.find("/auth")
        where = (
            "authorizationUrl contains no '/auth', so nothing is replaced"
            if index < 0
            else f"the first '/auth' is at character {index} ({authorization_url[index:index + 12]!r}...), "
            "not the final path segment"
        )
        return CheckResult(
            TOKEN_ENDPOINT_CHECK,
            "fail",
            f"the backend would exchange codes at {derived}, but the provider's token endpoint is {advertised}",
            detail=(
                "The module computes authorizationUrl.replace('/auth', '/token'), which replaces only the first "
                f"'/auth': {where}. Sign-in would fail at the token exchange."
            ),
            hint=H.TOKEN_ENDPOINT_MISMATCH,
            data=data,
        )
    authorization_endpoint = discovery.authorization_endpoint
    if authorization_endpoint and not same_url(authorization_url.split("?", 1)[0], authorization_endpoint):
        return CheckResult(
            TOKEN_ENDPOINT_CHECK,
            "warn",
            f"token endpoint matches, but authorizationUrl differs from the provider's authorization_endpoint {authorization_endpoint}",
            detail=(
                f"authorizationUrl is {authorization_url}. Users are sent there to sign in; it may still work "
                "(an alias or proxy), but the provider itself advertises the other URL."
            ),
            hint=H.AUTHORIZATION_ENDPOINT_MISMATCH,
            data={**data, "authorization_endpoint": authorization_endpoint},
        )
    return CheckResult(
        TOKEN_ENDPOINT_CHECK,
        "ok",
        f"token endpoint derived by the module is the provider's: {advertised}",
        detail="authorizationUrl.replace('/auth', '/token') equals discovery's token_endpoint, and authorizationUrl "
        "equals its authorization_endpoint.",
        data=data,
    )


# ---------------------------------------------------------------------------------------------
# oidc-client
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenProbe:
    """What the token endpoint answered to a fake code (the error code is all that matters)."""

    method: str
    status_code: int
    error: str | None
    description: str  # already redacted and shortened


def _basic_authorization(client_id: str, client_secret: str) -> str:
    # RFC 6749 §2.3.1: each part is form-urlencoded before base64 (httpx's BasicAuth does not do that).
    pair = f"{quote_plus(client_id)}:{quote_plus(client_secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


async def _probe_token_endpoint(
    http: httpx.AsyncClient, token_endpoint: str, method: str, client_id: str, client_secret: str, callback_url: str
) -> TokenProbe:
    form = {"grant_type": "authorization_code", "code": PROBE_CODE, "redirect_uri": callback_url, "client_id": client_id}
    headers = {"Accept": "application/json"}
    if method == MODULE_AUTH_METHOD:
        form["client_secret"] = client_secret
    else:
        headers["Authorization"] = _basic_authorization(client_id, client_secret)
    # the credentials go to this URL and nowhere else: never where a redirect points
    response = await http.post(token_endpoint, data=form, headers=headers, follow_redirects=False,
                               extensions=limit("the token endpoint's answer"))
    body = _json_object(response)
    if body is None:
        return TokenProbe(method, response.status_code, None, _snippet(response.text, client_secret))
    error = body.get("error") if isinstance(body.get("error"), str) else None
    description = str(body.get("error_description") or "")
    return TokenProbe(method, response.status_code, error, _snippet(description, client_secret))


def _describe_probe(probe: TokenProbe) -> str:
    if probe.error:
        return f"HTTP {probe.status_code} {probe.error}" + (f" ({probe.description})" if probe.description else "")
    return f"HTTP {probe.status_code}, not an OAuth error" + (f": {probe.description}" if probe.description else "")


def secret_destination_problem(authorization_url: str, advertised: str | None) -> str | None:
    """Why the client secret must not be sent to the token endpoint (None: it may be).

    The secret goes only where the backend module itself sends it, `derived_token_endpoint`
    (authorizationUrl with its first /auth replaced by /token), and only when the provider's discovery
    document names that same URL: a discovery document is a server's answer, and one that points its
    token_endpoint elsewhere (another host, plain http) must not receive the secret. Plain http is
    refused except on loopback hosts, as everywhere tokens travel.
    """
    derived = derived_token_endpoint(authorization_url)
    if advertised is None:
        return "the discovery document names no token_endpoint"
    if not same_url(derived, advertised):
        return (f"the provider's discovery document names token endpoint {advertised}, but the backend module sends "
                f"the secret to {derived} (authorizationUrl with /auth replaced by /token); it is sent only where "
                "both agree")
    parts = urlsplit(derived)
    if parts.scheme != "https" and not (parts.scheme == "http" and is_loopback_host(parts.hostname)):
        return (f"the token endpoint {derived} is not https, and the secret would travel unencrypted "
                "(plain http is accepted only for localhost and 127.0.0.1)")
    return None


async def check_client(
    http: httpx.AsyncClient,
    discovery: Discovery,
    *,
    authorization_url: str,
    client_id: str | None,
    client_secret: str | None,
    callback_url: str,
    client_id_env: str = DEFAULT_CLIENT_ID_ENV,
    client_secret_env: str = DEFAULT_CLIENT_SECRET_ENV,
) -> CheckResult:
    """Prove the client ID and secret with a fake code: `invalid_grant` means they were accepted.

    RFC 6749 §5.2: the token endpoint authenticates the client first (`invalid_client` when that
    fails) and only then rejects the code (`invalid_grant`). The probe is sent the way the module
    sends it (client_secret_post); HTTP Basic is tried only to tell "wrong secret" apart from "right
    secret, method the provider refuses", when discovery says the provider supports it. Nothing is
    sent unless `secret_destination_problem` finds none: the module's own token URL, confirmed by
    discovery, over https.
    """
    missing = [name for name, value in ((client_id_env, client_id), (client_secret_env, client_secret)) if not value]
    if missing:
        return _missing_env(CLIENT_CHECK, "client credentials", missing)
    assert client_id and client_secret  # narrowed by the check above
    if discovery.token_endpoint is None:
        return CheckResult(CLIENT_CHECK, "fail", "the discovery document has no token_endpoint",
                           hint=H.DISCOVERY_FAILED)
    refused = secret_destination_problem(authorization_url, discovery.token_endpoint)
    if refused is not None:
        return CheckResult(
            CLIENT_CHECK, "fail", "client credentials not checked: the secret was not sent",
            detail=(f"Not sent: {refused}. Fix authorizationUrl so that it is the provider's https URL "
                    f"(SpectroCloud's form: https://<console>/v1/oidc/tenant/<tenant>/auth), and check that "
                    f"{discovery.url} is served by that provider."),
            hint=H.SECRET_NOT_SENT,
            data={"token_endpoint": discovery.token_endpoint, "derived_token_endpoint": derived_token_endpoint(authorization_url)},
        )
    token_endpoint = derived_token_endpoint(authorization_url)
    advertised = discovery.strings("token_endpoint_auth_methods_supported")
    data: dict[str, Any] = {"token_endpoint": token_endpoint, "client_id": client_id}
    try:
        probe = await _probe_token_endpoint(http, token_endpoint, MODULE_AUTH_METHOD, client_id, client_secret, callback_url)
        basic: TokenProbe | None = None
        # Absent means the OIDC default, client_secret_basic.
        if probe.error == "invalid_client" and (advertised is None or BASIC_AUTH_METHOD in advertised):
            basic = await _probe_token_endpoint(http, token_endpoint, BASIC_AUTH_METHOD, client_id, client_secret, callback_url)
    except httpx.HTTPError as exc:
        return _unreachable(CLIENT_CHECK, exc, token_endpoint, "client credentials not checked", H.CLIENT_UNEXPECTED)

    if probe.error == "invalid_grant":
        return CheckResult(
            CLIENT_CHECK,
            "ok",
            f"client {client_id!r} and its secret are accepted by the provider",
            detail=(
                f"POST {token_endpoint} with a fake code and the credentials in the form body (as the module "
                "sends them) answered invalid_grant: the client authenticated, only the fake code was refused."
            ),
            data={**data, "auth_method": MODULE_AUTH_METHOD},
        )
    if probe.error == "invalid_client":
        if basic is not None and basic.error == "invalid_grant":
            return CheckResult(
                CLIENT_CHECK,
                "fail",
                "the provider accepts these credentials only with HTTP Basic, but the module sends them in the form body",
                detail=(
                    f"client_secret_post: {_describe_probe(probe)}; client_secret_basic: {_describe_probe(basic)}. "
                    f"The provider advertises: {', '.join(advertised) if advertised else '(nothing; default client_secret_basic)'}."
                ),
                hint=H.CLIENT_AUTH_METHOD,
                data={**data, "auth_method": BASIC_AUTH_METHOD},
            )
        tried = f"client_secret_post: {_describe_probe(probe)}" + (
            f"; client_secret_basic: {_describe_probe(basic)}" if basic else ""
        )
        return CheckResult(
            CLIENT_CHECK,
            "fail",
            f"the provider rejected the client credentials (invalid_client): ${client_id_env} or ${client_secret_env} is wrong",
            detail=f"Client ID used: {client_id!r} (from ${client_id_env}); the secret comes from ${client_secret_env}. {tried}.",
            hint=H.INVALID_CLIENT,
            data=data,
        )
    if 200 <= probe.status_code < 300 and probe.error is None:
        summary = f"the token endpoint accepted a fake code (HTTP {probe.status_code}); cannot tell whether the credentials are right"
    else:
        summary = f"unexpected answer from the token endpoint: {_describe_probe(probe)}"
    return CheckResult(
        CLIENT_CHECK,
        "warn",
        summary,
        detail=(
            f"POST {token_endpoint} with a fake code should answer invalid_grant (credentials right) or "
            "invalid_client (credentials wrong)."
        ),
        hint=H.CLIENT_UNEXPECTED,
        data={**data, "status_code": probe.status_code, "error": probe.error},
    )


# ---------------------------------------------------------------------------------------------
# oidc-redirect-uri
# ---------------------------------------------------------------------------------------------


def authorization_request_url(authorization_url: str, client_id: str, callback_url: str, scope: str) -> str:
    """The URL the module's `start()` sends the browser to (`new URL(..)` + searchParams.set)."""
    parts = urlsplit(authorization_url)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    params.update(
        client_id=client_id,
        redirect_uri=callback_url,
        response_type="code",
        scope=scope,
        state=secrets.token_urlsafe(12),
        nonce=secrets.token_urlsafe(12),
    )
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(params), ""))


def _oauth_error_in(text: str) -> str | None:
    """The OAuth error code in a JSON body or an HTML error page, if any."""
    for code in ("invalid_redirect_uri", "invalid_client", "unauthorized_client", "invalid_scope",
                 "invalid_request", "unsupported_response_type", "access_denied", "server_error"):
        if code in text:
            return code
    return None


async def check_redirect_uri(
    http: httpx.AsyncClient,
    authorization_url: str,
    *,
    client_id: str | None,
    callback_url: str,
    scope: str = DEFAULT_SCOPE,
    client_id_env: str = DEFAULT_CLIENT_ID_ENV,
) -> CheckResult:
    """Start a sign-in like the module does and see whether the provider accepts the callback URL.

    The configured authorizationUrl is used (not discovery's endpoint) because that is where the
    browser really goes. A registered redirect URI gets a redirect to a login page; an unregistered
    one an error page (providers must never redirect to an unregistered URI).
    """
    if not client_id:
        return _missing_env(REDIRECT_URI_CHECK, "redirect URI", [client_id_env])
    url = authorization_request_url(authorization_url, client_id, callback_url, scope)
    data = {"callback_url": callback_url, "authorization_url": authorization_url}
    try:
        # never follow redirects: we judge the first answer
        response = await http.get(url, follow_redirects=False, extensions=limit("the sign-in request's answer"))
    except httpx.HTTPError as exc:
        return _unreachable(REDIRECT_URI_CHECK, exc, authorization_url, "redirect URI not checked",
                            H.AUTHORIZATION_REJECTED)

    location = response.headers.get("location", "")
    if response.is_redirect and location:
        target = urlsplit(str(response.url.join(location)))
        query = parse_qs(target.query)
        error: str | None = query["error"][0] if query.get("error") else None
        if error is None:
            return CheckResult(
                REDIRECT_URI_CHECK,
                "ok",
                f"the provider accepts callback URL {callback_url}",
                detail=f"GET authorizationUrl answered {response.status_code}, redirecting to {target.path} (its sign-in page).",
                data=data,
            )
        text = f"{error} {(query.get('error_description') or [''])[0]}"
    else:
        text = response.text
        error = _oauth_error_in(text)

    # oidc-provider and SpectroCloud name the error invalid_redirect_uri; other providers answer a
    # plain 400 page that only mentions the redirect_uri parameter (e.g. "Invalid parameter: redirect_uri").
    unregistered = error == "invalid_redirect_uri" or (
        response.status_code == 400 and error in (None, "invalid_request") and "redirect_uri" in text
    )
    if unregistered:
        return CheckResult(
            REDIRECT_URI_CHECK,
            "fail",
            f"callback URL {callback_url} is not registered for client {client_id!r}",
            detail=(
                f"GET authorizationUrl answered HTTP {response.status_code} ({_snippet(text)}). Register exactly "
                f"{callback_url} (scheme, host, port and path must match) as a redirect URI of the client."
            ),
            hint=H.REDIRECT_URI_NOT_REGISTERED,
            data=data,
        )
    hint = H.INVALID_CLIENT if error == "invalid_client" else H.AUTHORIZATION_REJECTED
    what = f"error {error}" if error else "no redirect to a sign-in page"
    return CheckResult(
        REDIRECT_URI_CHECK,
        "warn",
        f"unexpected answer to the sign-in request: HTTP {response.status_code}, {what}",
        detail=f"Expected a redirect (302/303) to the provider's sign-in page. Answer: {_snippet(text) or '(empty)'}",
        hint=hint,
        data={**data, "status_code": response.status_code, "error": error},
    )


# ---------------------------------------------------------------------------------------------
# oidc-scopes
# ---------------------------------------------------------------------------------------------


def check_scopes(discovery: Discovery, scope: str = DEFAULT_SCOPE) -> CheckResult:
    """The module requires openid, profile and email (plus whatever `scope` the config adds)."""
    wanted = list(dict.fromkeys([*REQUIRED_SCOPES, *scope.split()]))
    supported = discovery.strings("scopes_supported")
    if supported is None:
        return CheckResult(
            SCOPES_CHECK,
            "skip",
            "the provider does not advertise scopes_supported",
            detail=f"Scopes {' '.join(wanted)} could not be checked from {discovery.url}; a sign-in will show them.",
            hint=H.SCOPES_NOT_ADVERTISED,
        )
    missing = [s for s in wanted if s not in supported]
    if missing:
        return CheckResult(
            SCOPES_CHECK,
            "warn",
            f"the provider does not advertise scope(s): {', '.join(missing)}",
            detail=f"Needed: {' '.join(wanted)}. Advertised: {' '.join(supported) or '(none)'}.",
            hint=H.SCOPES_MISSING,
            data={"missing": missing, "supported": supported},
        )
    return CheckResult(SCOPES_CHECK, "ok", f"scopes {' '.join(wanted)} are supported", data={"required": wanted})


# ---------------------------------------------------------------------------------------------
# id-token
# ---------------------------------------------------------------------------------------------


def _epoch(now: float | datetime | None) -> int:
    if now is None:
        return int(datetime.now(UTC).timestamp())
    if isinstance(now, datetime):
        return int(now.timestamp())
    return int(now)


def _iso(seconds: Any) -> str:
    if isinstance(seconds, (int, float)) and not isinstance(seconds, bool):
        return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return repr(seconds)


def validate_id_token(
    token: str,
    jwks: Mapping[str, Any],
    expected_issuer: str,
    client_id: str,
    now: float | datetime | None = None,
    *,
    check_id: str = ID_TOKEN_CHECK,
) -> CheckResult:
    """Check an ID token the way a Kubernetes API server will: signature against the provider's
    JWKS, `iss`, `aud` (the client ID), `exp`/`nbf`.

    `data` reports the claims a cluster maps to a user (sub, email, groups) once the signature is
    proven; the token itself never appears in the result.
    """
    def invalid(summary: str, detail: str = "") -> CheckResult:
        return CheckResult(check_id, "fail", summary, detail=detail, hint=H.ID_TOKEN_INVALID)

    if token.count(".") != 2:
        return invalid("the ID token is not a JWT (expected three dot-separated parts)",
                       "Pass the id_token from the provider's token response, not the access or Backstage token.")
    try:
        header = jws.extract_compact(token.encode()).protected
    except (JoseError, ValueError) as exc:
        return invalid("the ID token could not be decoded", f"{exc.__class__.__name__}: {exc}")
    alg, kid = header.get("alg"), header.get("kid")
    if alg not in ID_TOKEN_ALGORITHMS:
        return invalid(f"the ID token is signed with {alg!r}, not an asymmetric algorithm a cluster accepts",
                       f"Accepted: {', '.join(ID_TOKEN_ALGORITHMS)}.")
    try:
        keys = KeySet.import_key_set(dict(jwks))  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        return invalid("the provider's JWKS could not be read", f"{exc.__class__.__name__}: {exc}")
    try:
        verified = jwt.decode(token, keys, algorithms=list(ID_TOKEN_ALGORITHMS))
    except InvalidKeyIdError:
        return invalid(f"the ID token was signed with key {kid!r}, which the provider's JWKS does not publish",
                       "A token from another provider, tenant or environment, or a rotated key.")
    except BadSignatureError:
        return invalid("the ID token's signature does not verify against the provider's JWKS",
                       f"Key {kid!r}, algorithm {alg}. The token was altered or signed by someone else.")
    except UnsupportedAlgorithmError as exc:
        return invalid("the ID token's algorithm is not accepted", str(exc))
    except (JoseError, ValueError) as exc:
        return invalid("the ID token could not be verified", f"{exc.__class__.__name__}: {exc}")

    claims = verified.claims
    groups = claims.get("groups")
    data: dict[str, Any] = {
        "sub": claims.get("sub"),
        "email": claims.get("email"),
        "groups": groups if isinstance(groups, list) else [],
        "iss": claims.get("iss"),
        "aud": claims.get("aud"),
        "exp": _iso(claims.get("exp")),
        "alg": alg,
        "kid": kid,
    }
    if claims.get("iss") != expected_issuer:
        return CheckResult(check_id, "fail",
                           f"ID token issuer {claims.get('iss')!r} is not the expected {expected_issuer!r}",
                           detail="The cluster's --oidc-issuer-url (or AuthenticationConfiguration issuer.url) must equal `iss` exactly.",
                           hint=H.ID_TOKEN_INVALID, data=data)
    audiences = claims.get("aud")
    audience_list = [audiences] if isinstance(audiences, str) else audiences if isinstance(audiences, list) else []
    if client_id not in audience_list:
        return CheckResult(check_id, "fail",
                           f"ID token audience {audiences!r} does not include client ID {client_id!r}",
                           detail="The token was issued to another client; a cluster whose --oidc-client-id is "
                           f"{client_id!r} rejects it.",
                           hint=H.ID_TOKEN_INVALID, data=data)
    moment = _epoch(now)
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        return CheckResult(check_id, "fail", "ID token has no numeric exp claim", hint=H.ID_TOKEN_INVALID, data=data)
    if exp <= moment:
        return CheckResult(check_id, "fail", f"ID token expired at {_iso(exp)} (now {_iso(moment)})",
                           detail="Sign in again in Backstage to get a fresh token.",
                           hint=H.ID_TOKEN_EXPIRED, data=data)
    nbf = claims.get("nbf")
    if isinstance(nbf, (int, float)) and nbf > moment:
        return CheckResult(check_id, "fail", f"ID token is not valid before {_iso(nbf)} (now {_iso(moment)})",
                           detail="Check this machine's clock and the provider's.", hint=H.ID_TOKEN_INVALID, data=data)

    who = f"{data['email'] or data['sub']}, groups: {', '.join(map(str, data['groups'])) or '(none)'}"
    if not data["email"]:
        return CheckResult(check_id, "warn", f"ID token valid but has no email claim ({who})",
                           detail="The module falls back to `sub` as the user's email; sign-in resolvers that match by "
                           "email will not find the user. Request the `email` scope.",
                           hint=H.ID_TOKEN_CLAIMS_MISSING, data=data)
    if not data["groups"]:
        # the module sends `scope` from the config, else `openid profile email`: providers that put
        # groups in the ID token only on a `groups` scope then give tokens without them (facts, section 8)
        return CheckResult(check_id, "warn", f"ID token valid but carries no groups claim ({who})",
                           detail="RoleBindings and ClusterRoleBindings for groups (spectro-wizard rbac --group) match "
                           "nothing for this user. Request the groups scope: set `scope: openid profile email groups` "
                           "in auth.providers.spectrocloud.<environment> (the `scope` answer), where the provider "
                           "supports it, and sign in again.",
                           hint=H.ID_TOKEN_CLAIMS_MISSING, data=data)
    return CheckResult(check_id, "ok", f"ID token valid until {data['exp']} for {who}",
                       detail=f"Signature ({alg}, key {kid!r}), issuer and audience verified against the provider's JWKS.",
                       data=data)


async def fetch_jwks(http: httpx.AsyncClient, discovery: Discovery) -> Mapping[str, Any]:
    """The provider's signing keys. Raises httpx.HTTPError (transport) or ValueError (bad answer)."""
    if discovery.jwks_uri is None:
        raise ValueError(f"{discovery.url} has no jwks_uri")
    response = await http.get(discovery.jwks_uri, headers={"Accept": "application/json"},
                              extensions=limit("the provider's keys (JWKS)"))
    document = _json_object(response)
    if response.status_code != 200 or document is None or not isinstance(document.get("keys"), list):
        raise ValueError(f"{discovery.jwks_uri} answered HTTP {response.status_code} without a JWKS: {_snippet(response.text)}")
    return document


async def check_id_token(
    http: httpx.AsyncClient,
    discovery: Discovery,
    token: str,
    *,
    expected_issuer: str,
    client_id: str,
    now: float | datetime | None = None,
) -> CheckResult:
    """Fetch the provider's JWKS, then validate_id_token()."""
    try:
        jwks = await fetch_jwks(http, discovery)
    except httpx.HTTPError as exc:
        return _unreachable(ID_TOKEN_CHECK, exc, discovery.jwks_uri or discovery.url, "provider keys (JWKS) not fetched")
    except ValueError as exc:
        return CheckResult(ID_TOKEN_CHECK, "fail", "the provider's keys (JWKS) could not be read", detail=str(exc),
                           hint=H.DISCOVERY_FAILED)
    return validate_id_token(token, jwks, expected_issuer, client_id, now)


# ---------------------------------------------------------------------------------------------
# Orchestration
# ---------------------------------------------------------------------------------------------


def _timed_out(check_id: str, seconds: float, url: str) -> CheckResult:
    return CheckResult(check_id, "fail", f"no complete answer within {seconds:g}s from {host_of(url)}",
                       detail=f"Request: {url}", hint=H.UNREACHABLE)


async def _bounded(check_id: str, check: Awaitable[CheckResult], seconds: float, url: str) -> CheckResult:
    """A backstop over httpx's own timeouts: a server that trickles bytes must not hang verify."""
    try:
        return await asyncio.wait_for(check, seconds)
    except TimeoutError:
        return _timed_out(check_id, seconds, url)


async def run_oidc_checks(
    authorization_url: str,
    callback_url: str,
    client_id: str | None,
    client_secret: str | None,
    *,
    client_id_env: str = DEFAULT_CLIENT_ID_ENV,
    client_secret_env: str = DEFAULT_CLIENT_SECRET_ENV,
    scope: str = DEFAULT_SCOPE,
    id_token: str | None = None,
    http: httpx.AsyncClient | None = None,
    tls: TLSOptions | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    check_timeout: float | None = None,
) -> list[CheckResult]:
    """All OIDC checks, in a stable order: discovery, token endpoint, client, redirect URI, scopes,
    and id-token when `id_token` is given.

    Discovery runs first because the others need its endpoints; they then run concurrently. Pass
    `http` to reuse a client, else one is built from `tls`/`timeout` (and closed here).
    `check_timeout` bounds each check as a whole (default: 3 x timeout, a check makes at most two
    requests in a row).
    """
    bound = check_timeout if check_timeout is not None else 3 * timeout
    if http is None:
        async with async_client(tls, timeout) as own:
            return await run_oidc_checks(
                authorization_url, callback_url, client_id, client_secret,
                client_id_env=client_id_env, client_secret_env=client_secret_env, scope=scope,
                id_token=id_token, http=own, check_timeout=bound,
            )

    issuer = expected_issuer(authorization_url)
    try:
        discovery_result, discovery = await asyncio.wait_for(check_discovery(http, authorization_url), bound)
    except TimeoutError:
        discovery_result, discovery = _timed_out(DISCOVERY_CHECK, bound, discovery_url(issuer)), None
    dependent_ids = [TOKEN_ENDPOINT_CHECK, CLIENT_CHECK, REDIRECT_URI_CHECK, SCOPES_CHECK]
    if id_token is not None:
        dependent_ids.append(ID_TOKEN_CHECK)
    if discovery is None:
        return [discovery_result, *(_skipped(check_id, discovery_result) for check_id in dependent_ids)]

    async def id_token_check(token: str) -> CheckResult:
        if not client_id:  # the audience to check is the client ID
            return _missing_env(ID_TOKEN_CHECK, "ID token audience", [client_id_env])
        return await check_id_token(http, discovery, token, expected_issuer=issuer, client_id=client_id)

    network_checks: list[Awaitable[CheckResult]] = [
        _bounded(CLIENT_CHECK, check_client(
            http, discovery, authorization_url=authorization_url, client_id=client_id, client_secret=client_secret,
            callback_url=callback_url, client_id_env=client_id_env, client_secret_env=client_secret_env,
        ), bound, derived_token_endpoint(authorization_url)),
        _bounded(REDIRECT_URI_CHECK, check_redirect_uri(
            http, authorization_url, client_id=client_id, callback_url=callback_url, scope=scope,
            client_id_env=client_id_env,
        ), bound, authorization_url),
    ]
    if id_token is not None:
        network_checks.append(_bounded(ID_TOKEN_CHECK, id_token_check(id_token), bound, discovery.jwks_uri or discovery.url))
    client_result, redirect_result, *id_token_result = await asyncio.gather(*network_checks)
    return [
        discovery_result,
        check_token_endpoint(authorization_url, discovery),
        client_result,
        redirect_result,
        check_scopes(discovery, scope),
        *id_token_result,
    ]
