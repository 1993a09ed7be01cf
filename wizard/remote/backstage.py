"""Checks against a running Backstage backend: is it up, is the SpectroCloud auth module loaded,
which clusters does the Kubernetes plugin serve, and does the Kubernetes tab's own proxy path work.

Every check returns a CheckResult and never raises for network trouble: a support engineer reading
`verify` output needs one line per problem, not a traceback. The wire formats these functions read
are the ones a real Backstage 1.55 backend answers (see tests/remote/doubles.py for the captures).
Tokens pass through request headers only; they never reach a result, an exception or a log line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal
from urllib.parse import parse_qs, quote, unquote, urlsplit

import httpx

from wizard.core.hint_ids import Backstage as H
from wizard.core.mask import scrub_secrets
from wizard.core.results import CheckResult, Status
from wizard.remote.http import BodyTooLarge, TLSOptions, async_client, describe_error, limit
from wizard.remote.limits import CLUSTER_LIST_CAP, DEFAULT_TIMEOUT, NAMESPACE_LIST_CAP

OIDC_PROVIDER = "spectrocloud"
AUTH_MODULE_PACKAGE = "@terasky/backstage-plugin-spectrocloud-auth-backend"
CLUSTERS_PATH = "/api/kubernetes/clusters"
PROXY_PROBE_PATH = "/api/v1/namespaces"
_MAX_MESSAGE = 300  # server messages are quoted, never dumped: stacks and HTML pages are noise

TokenOrigin = Literal["given", "guest", "none"]

_NOT_STARTED_DETAIL = (
    "every route answers 503 'Service has not started up yet': the backend process is running but a "
    "plugin failed during startup. Read the backend's log (the terminal of `yarn start`, or the "
    "container log) for the first error; usual causes are "
    "`Missing required config value at 'kubernetes.clusterLocatorMethods'` (the guide's flat "
    "kubernetes.clusters list), `Missing required config value at 'kubernetes.serviceLocatorMethod.type'`, "
    "or an environment variable referenced as ${VAR} in app-config that is not set."
)


# --------------------------------------------------------------------------------------------
# small helpers


def _url(base: str, path: str) -> str:
    """Join without urljoin: a base like https://host/backstage must keep its path prefix."""
    return base.rstrip("/") + path


def explain_error(exc: BaseException, url: str) -> str:
    """The one-sentence reason `url` could not be reached (http.describe_error reads the whole chain)."""
    return describe_error(exc, url)


def _json(resp: httpx.Response) -> Any:
    try:
        return resp.json()
    except (ValueError, RecursionError):  # not JSON, or nested past what json can read
        return None


def error_message(resp: httpx.Response) -> str:
    """The one-line message of a Backstage or Kubernetes error body (never the stack)."""
    body = _json(resp)
    message: Any = None
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):  # Backstage: {"error": {"name", "message", "stack"}, ...}
            message = err.get("message")
        elif body.get("kind") == "Status":  # Kubernetes metav1.Status passed through
            message = body.get("message")
        elif isinstance(body.get("message"), str):
            message = body["message"]
    if not isinstance(message, str) or not message:
        message = resp.text.strip().splitlines()[0] if resp.text.strip() else f"HTTP {resp.status_code}"
    text = " ".join(str(message).split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def is_not_started(resp: httpx.Response) -> bool:
    """The lifecycle middleware's answer while startup failed (or is still running)."""
    return resp.status_code == 503 and "has not started" in error_message(resp).lower()


def _without_query(url: str) -> str:
    """Redirect targets carry state, nonce and client_id: show only scheme://host/path."""
    parts = urlsplit(url)
    if not parts.scheme:
        return url.split("?", 1)[0]
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _same_endpoint(location: str, expected: str) -> bool:
    """Same scheme, host and path; a query in the configured URL must be kept as a prefix.

    A bare startswith would take `.../authorize` for `.../auth`.
    """
    if _without_query(location).rstrip("/") != _without_query(expected).rstrip("/"):
        return False
    return "?" not in expected or location.startswith(expected)


def _not_started_result(check_id: str) -> CheckResult:
    return CheckResult(
        check_id, "fail", "the backend is up but failed to start (503 Service has not started up yet)",
        _NOT_STARTED_DETAIL, H.NOT_STARTED,
    )


def _unreachable_result(check_id: str, exc: BaseException, url: str, secrets: Sequence[str | None] = ()) -> CheckResult:
    if isinstance(exc, (BodyTooLarge, httpx.DecodingError)):  # reached, but its answer cannot be read
        return CheckResult(check_id, "fail", "the backend's answer could not be read",
                           scrub_secrets(explain_error(exc, url), secrets) + f" (GET {url})", H.UNEXPECTED)
    return CheckResult(
        check_id, "fail", "the Backstage backend could not be reached",
        scrub_secrets(explain_error(exc, url), secrets) + f" (GET {url})", H.UNREACHABLE,
    )


# --------------------------------------------------------------------------------------------
# backend-reachable


async def check_backend_reachable(client: httpx.AsyncClient, base: str) -> CheckResult:
    """`backend-reachable`: any HTTP answer proves the process listens; only 503 'not started' fails.

    The clusters route is used (not the readiness probe) because its 503 body is known from a real
    backend and its 401/200 also tells us the Kubernetes plugin is mounted.
    """
    url = _url(base, CLUSTERS_PATH)
    try:
        resp = await client.get(url, extensions=limit("the clusters route's answer", CLUSTER_LIST_CAP))
    except httpx.HTTPError as exc:
        return _unreachable_result("backend-reachable", exc, url)
    if is_not_started(resp):
        return _not_started_result("backend-reachable")
    detail = f"GET {url} answered {resp.status_code}"
    if resp.status_code == 404:
        detail += " (the Kubernetes backend plugin does not seem to be installed; backend-clusters will say more)"
    elif resp.status_code >= 500:
        detail += f": {error_message(resp)}"
    return CheckResult("backend-reachable", "ok", f"backend answers at {base.rstrip('/')}", detail,
                       data={"status": resp.status_code})


# --------------------------------------------------------------------------------------------
# backend-auth-provider


DEPLOYED_SECRET_SENTENCE = (
    "On Kubernetes this means the pod did not get the client ID: the Secret holding it must exist in the "
    "backend's namespace and be listed in backstage.extraEnvVarsSecrets of the chart values (RHDH: "
    "spec.application.extraEnvs.secrets), and the pod restarted; a wrong or unset client secret shows later, as "
    "invalid_client at the token exchange when a user signs in.")


async def check_backend_auth_provider(
    client: httpx.AsyncClient, base: str, env: str = "development", authorization_url: str | None = None,
    deployment_hint: str | None = None,
) -> CheckResult:
    """`backend-auth-provider`: the start route redirects to the SpectroCloud authorization URL.

    Redirects are not followed (the client must be built with follow_redirects=False, the default
    of async_client): where the backend sends the browser is the thing being tested.
    """
    url = _url(base, f"/api/auth/{OIDC_PROVIDER}/start?env={quote(env)}")
    try:
        resp = await client.get(url, follow_redirects=False, extensions=limit("the sign-in start route's answer"))
    except httpx.HTTPError as exc:
        return _unreachable_result("backend-auth-provider", exc, url)
    if is_not_started(resp):
        return _not_started_result("backend-auth-provider")
    if resp.is_redirect:
        return _auth_redirect_result(resp.headers.get("location", ""), env, authorization_url)
    message = error_message(resp)
    if resp.status_code == 404 and "unknown auth provider" in message.lower():
        return CheckResult(
            "backend-auth-provider", "fail", f"the backend has no '{OIDC_PROVIDER}' auth provider",
            f"GET {url} answered 404 {message!r}: the backend module {AUTH_MODULE_PACKAGE} is not installed "
            f"or not added; add it to packages/backend (Yarn Berry: `yarn workspace backend add {AUTH_MODULE_PACKAGE}`, "
            f"Yarn 1: `yarn --cwd packages/backend add {AUTH_MODULE_PACKAGE}`) and add "
            f"`backend.add(import('{AUTH_MODULE_PACKAGE}'));` to packages/backend/src/index.ts, then restart the backend.",
            H.AUTH_MODULE_MISSING,
        )
    if resp.status_code == 404 and "misconfigured" in message.lower():
        deployed = (f" A deployed backend: {deployment_hint}; a wrong or unset client secret shows later, as "
                    "invalid_client at the token exchange when a user signs in.") if deployment_hint else \
            f" {DEPLOYED_SECRET_SENTENCE}"
        return CheckResult(
            "backend-auth-provider", "fail", f"the backend skips its '{OIDC_PROVIDER}' provider (misconfigured)",
            f"GET {url} answered 404 {message!r}: the module is loaded but skipped the provider; the backend log says "
            "why (\"Skipping spectrocloud auth provider, ...\"): clientId unset where the backend runs, or a sign-in "
            "resolver the module does not know (it knows emailMatchingUserEntityProfileEmail and "
            "emailLocalPartMatchingUserEntityName)." + deployed,
            H.DEPLOYMENT_SECRETS if deployment_hint else H.AUTH_PROVIDER_ERROR,
        )
    return CheckResult(
        "backend-auth-provider", "fail", f"the '{OIDC_PROVIDER}' sign-in does not start ({resp.status_code})",
        f"GET {url} answered {resp.status_code} {message!r}; a 404 naming the environment means "
        f"auth.providers.{OIDC_PROVIDER}.{env} is missing for the environment the backend runs in.",
        H.AUTH_PROVIDER_ERROR,
    )


def _auth_redirect_result(location: str, env: str, authorization_url: str | None) -> CheckResult:
    shown = _without_query(location)
    if authorization_url is None or _same_endpoint(location, authorization_url):
        return CheckResult(
            "backend-auth-provider", "ok", f"sign-in with '{OIDC_PROVIDER}' redirects to {shown}",
            f"GET /api/auth/{OIDC_PROVIDER}/start?env={env} redirects to {shown}",
            data={"location": shown},
        )
    return CheckResult(
        "backend-auth-provider", "warn",
        f"sign-in redirects to {shown}, not to the configured {_without_query(authorization_url)}",
        f"the running backend sends users to {shown} while the config says authorizationUrl "
        f"{_without_query(authorization_url)}: the backend was not restarted after the change, or another "
        "config file (app-config.local.yaml, app-config.production.yaml, --config) overrides it.",
        H.AUTH_REDIRECT_MISMATCH,
        data={"location": shown, "expected": _without_query(authorization_url)},
    )


# --------------------------------------------------------------------------------------------
# backend-client-secret (verify --deployment)

PROBE_CODE = "spectro-wizard-probe-not-a-code"
# the sign-in callback's page (Backstage's postMessageResponse): the result as URI-encoded JSON
_AUTH_RESPONSE_RE = re.compile(r"var authResponse = decodeURIComponent\('([^']*)'\)")


async def check_backend_client_secret(client: httpx.AsyncClient, base: str, env: str = "development",
                                      deployment_hint: str | None = None) -> CheckResult:
    """`backend-client-secret`: does the provider accept the RUNNING backend's client ID and secret (what a
    pod got from its Secret, not what this shell has)? The backend's own sign-in callback is asked to
    exchange a made-up code: the provider authenticates the client before it looks at the code, so the
    page says invalid_grant (credentials accepted, the code refused, as it must be) or invalid_client (the
    pod's client secret is wrong or unset). Nothing secret is sent; no user signs in."""
    cid = "backend-client-secret"
    start = _url(base, f"/api/auth/{OIDC_PROVIDER}/start?env={quote(env)}")
    try:
        resp = await client.get(start, follow_redirects=False, extensions=limit("the sign-in start route's answer"))
    except httpx.HTTPError as exc:
        return _unreachable_result(cid, exc, start)
    state = parse_qs(urlsplit(resp.headers.get("location", "")).query).get("state") if resp.is_redirect else None
    if not state:
        return CheckResult(cid, "skip", "skipped: the sign-in does not start (see backend-auth-provider)")
    frame = _url(base, f"/api/auth/{OIDC_PROVIDER}/handler/frame")
    try:
        page = await client.get(frame, params={"code": PROBE_CODE, "state": state[0]}, follow_redirects=False,
                                extensions=limit("the sign-in callback's page"))
    except httpx.HTTPError as exc:
        return _unreachable_result(cid, exc, frame)
    found = _AUTH_RESPONSE_RE.search(page.text)
    try:
        message = json.loads(unquote(found.group(1))) if found else None
    except (ValueError, RecursionError):
        message = None
    error = message.get("error") if isinstance(message, dict) else None
    text = str(error.get("message", "")) if isinstance(error, dict) else ""
    shown = " ".join(text.split())[:_MAX_MESSAGE]
    seen = f"the backend's callback ({frame}) exchanged a made-up code: {shown!r}"
    if "invalid_client" in text:
        where = (f" {deployment_hint}." if deployment_hint else
                 " Check the Secret the pod loads (backstage.extraEnvVarsSecrets; RHDH: spec.application.extraEnvs.secrets) "
                 "and restart the pod.")
        return CheckResult(cid, "fail", "the provider refuses the running backend's client credentials (invalid_client)",
                           f"{seen}: every sign-in fails at the callback the same way — the client secret (or ID) the "
                           f"backend runs with is wrong or unset.{where}", H.DEPLOYMENT_SECRETS)
    if "invalid_grant" in text:
        return CheckResult(cid, "ok", "the provider accepts the running backend's client credentials",
                           f"{seen}: the client authenticated and only the made-up code was refused (invalid_grant)")
    return CheckResult(cid, "skip", "skipped: the backend's callback did not say whether its credentials work",
                       f"GET {frame} answered {page.status_code}" + (f": {shown!r}" if shown else ""))


# --------------------------------------------------------------------------------------------
# token


async def get_guest_token(client: httpx.AsyncClient, base: str) -> str | None:
    """A dev-only Backstage user token from the guest provider, or None when it is refused.

    Only for development backends (create-app enables `auth.providers.guest`); production backends
    refuse it and the user passes --token instead. Transport errors also give None: the
    backend-reachable check already explains them.
    """
    url = _url(base, "/api/auth/guest/refresh")
    try:
        # Backstage's auth routes reject refresh calls without this header (CSRF protection).
        resp = await client.post(url, headers={"X-Requested-With": "XMLHttpRequest"}, follow_redirects=False,
                                 extensions=limit("the guest token"))
    except httpx.HTTPError:
        return None
    if resp.status_code != 200:
        return None
    body = _json(resp)
    identity = body.get("backstageIdentity") if isinstance(body, dict) else None
    token = identity.get("token") if isinstance(identity, dict) else None
    return token if isinstance(token, str) and token else None


def _token_fix(origin: TokenOrigin) -> str:
    if origin == "guest":
        return ("the dev-only guest token was refused; pass --token <a Backstage user token> or set "
                "BACKSTAGE_TOKEN")
    if origin == "given":
        return ("the token given with --token / BACKSTAGE_TOKEN was refused (expired, or from another "
                "backend); pass a fresh one")
    return ("no Backstage token: the guest provider refused one; pass --token <a Backstage user token> "
            "or set BACKSTAGE_TOKEN")


# --------------------------------------------------------------------------------------------
# backend-clusters


async def check_backend_clusters(
    client: httpx.AsyncClient,
    base: str,
    token: str | None,
    expected: Sequence[Mapping[str, Any]],
    token_origin: TokenOrigin = "given",
) -> CheckResult:
    """`backend-clusters`: what the running backend serves matches what the config says.

    `expected` holds {name, authProvider, oidcTokenProvider} per configured cluster. A difference
    almost always means the backend was not restarted or another config file wins the merge.
    """
    url = _url(base, CLUSTERS_PATH)
    if not token:
        return CheckResult("backend-clusters", "fail", "cannot list the backend's clusters without a token",
                           _token_fix("none") + ".", H.TOKEN_REFUSED)
    try:
        # the token goes to the backend URL only: never where a redirect points
        resp = await client.get(url, headers={"Authorization": f"Bearer {token}"}, follow_redirects=False,
                                extensions=limit("the list of clusters", CLUSTER_LIST_CAP))
    except httpx.HTTPError as exc:
        return _unreachable_result("backend-clusters", exc, url, [token])
    if is_not_started(resp):
        return _not_started_result("backend-clusters")
    if resp.status_code == 401:
        return CheckResult(
            "backend-clusters", "fail", "the backend refused the Backstage token (401)",
            f"GET {url} answered 401 {scrub_secrets(error_message(resp), [token])!r}: {_token_fix(token_origin)}.",
            H.TOKEN_REFUSED,
        )
    if resp.status_code == 404:
        return CheckResult(
            "backend-clusters", "fail", "the backend has no Kubernetes plugin (404)",
            f"GET {url} answered 404: add @backstage/plugin-kubernetes-backend to packages/backend "
            "(`backend.add(import('@backstage/plugin-kubernetes-backend'));`).",
            H.KUBERNETES_PLUGIN_MISSING,
        )
    body = _json(resp)
    items = body.get("items") if isinstance(body, dict) else None
    if resp.status_code != 200 or not isinstance(items, list):
        return CheckResult(
            "backend-clusters", "fail", f"unexpected answer from the clusters route ({resp.status_code})",
            f"GET {url} answered {resp.status_code} {scrub_secrets(error_message(resp), [token])!r}; expected "
            '{"items": [...]}.', H.UNEXPECTED,
        )
    served = [_served_entry(item) for item in items if isinstance(item, dict)]
    return compare_clusters(served, expected)


def _served_entry(item: Mapping[str, Any]) -> dict[str, str | None]:
    # Only the three fields that matter: the route carries nothing secret, but we keep the shape tight.
    return {
        "name": str(item.get("name", "")),
        "authProvider": item.get("authProvider"),
        "oidcTokenProvider": item.get("oidcTokenProvider"),
    }


def _is_spectro_oidc(entry: Mapping[str, Any]) -> bool:
    return entry.get("authProvider") == "oidc" and entry.get("oidcTokenProvider") == OIDC_PROVIDER


def _describe(entry: Mapping[str, Any]) -> str:
    provider = entry.get("authProvider") or "?"
    if provider == "oidc":
        return f"oidc/{entry.get('oidcTokenProvider') or '(no token provider)'}"
    return str(provider)


def compare_clusters(
    served: Sequence[Mapping[str, Any]], expected: Sequence[Mapping[str, Any]]
) -> CheckResult:
    """Pure comparison behind `backend-clusters` (no I/O), so front ends can reuse it."""
    served_by = {str(c.get("name")): c for c in served}
    expected_by = {str(c.get("name")): c for c in expected}
    def wants_spectro(c: Mapping[str, Any]) -> bool:
        return c.get("authProvider") == "oidc" and c.get("oidcTokenProvider") in (None, "spectrocloud")

    stale = sorted(n for n, c in expected_by.items()
                   if wants_spectro(c) and n in served_by and not _is_spectro_oidc(served_by[n]))
    missing = sorted(n for n in expected_by if n not in served_by)
    kept = sorted(n for n, c in expected_by.items()
                  if c.get("authProvider") in (None, "serviceAccount") and n in served_by
                  and not _is_spectro_oidc(served_by[n]))
    # google, aws, oidc with another token provider...: not ours to switch, reported as they are
    others = sorted(n for n, c in expected_by.items()
                    if n in served_by and not wants_spectro(c) and c.get("authProvider") not in (None, "serviceAccount"))
    unexpected = sorted(n for n in served_by if n not in expected_by)
    oidc = sorted(n for n, c in served_by.items() if _is_spectro_oidc(c))
    data = {"served": [dict(c) for c in served], "oidc": oidc, "stale": stale, "missing": missing,
            "notOidc": kept, "unexpected": unexpected}

    problems: list[tuple[Status, str, str]] = []  # (status, sentence, hint), worst first
    if stale:
        problems.append(("fail", "served without oidc/spectrocloud although the config says oidc: "
                         + ", ".join(f"{n} (served as {_describe(served_by[n])})" for n in stale)
                         + "; the backend was not restarted after the change, or another config file "
                         "overrides these clusters", H.CLUSTERS_STALE))
    if missing:
        problems.append(("fail", "configured but not served: " + ", ".join(missing)
                         + "; restart the backend, and check that no other config file replaces "
                         "kubernetes.clusterLocatorMethods", H.CLUSTERS_STALE))
    if kept:
        problems.append(("warn", "still on service-account auth (the config keeps them so): "
                         + ", ".join(f"{n} ({_describe(served_by[n])})" for n in kept)
                         + "; list them under `migrate:` to switch them to OIDC", H.CLUSTER_NOT_OIDC))
    if unexpected:
        problems.append(("warn", "served but not in the config read here: " + ", ".join(unexpected)
                         + " (another config file, or a cluster provider, adds them)", H.CLUSTERS_UNEXPECTED))

    counts = f"{len(served)} served, {len(oidc)} on oidc/spectrocloud"
    data["otherProviders"] = others
    if not problems:
        return CheckResult("backend-clusters", "ok", f"the backend serves the configured clusters ({counts})",
                           "served: " + (", ".join(f"{c.get('name')} ({_describe(c)})" for c in served) or "none"),
                           data=data)
    status: Status = "fail" if any(p[0] == "fail" for p in problems) else "warn"
    hint = next(p[2] for p in problems if p[0] == status)
    if stale or missing or unexpected:
        summary = f"the backend's clusters differ from the config ({counts})"
    else:  # a wave: what it serves is what the config says, some still on service accounts on purpose
        summary = f"the backend serves the configured clusters ({counts}; {len(kept)} still on service accounts)"
    return CheckResult("backend-clusters", status, summary, "; ".join(p[1] for p in problems) + ".", hint, data)


# --------------------------------------------------------------------------------------------
# backend-proxy:<name>


async def check_backend_proxy(
    client: httpx.AsyncClient,
    base: str,
    token: str | None,
    cluster: str,
    id_token: str,
    oidc_token_provider: str = OIDC_PROVIDER,
) -> CheckResult:
    """`backend-proxy:<name>`: the Kubernetes tab's own path, browser-free.

    The backend's proxy takes the user's ID token from `Backstage-Kubernetes-Authorization-oidc-<provider>`
    and forwards it to the cluster as a Bearer token, exactly as the frontend module makes it do.
    """
    check_id = f"backend-proxy:{cluster}"
    url = _url(base, "/api/kubernetes/proxy" + PROXY_PROBE_PATH)
    secrets = [token, id_token]
    headers = {
        "Backstage-Kubernetes-Cluster": cluster,
        f"Backstage-Kubernetes-Authorization-oidc-{oidc_token_provider}": id_token,
    }
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        resp = await client.get(url, headers=headers, follow_redirects=False,
                                extensions=limit("the namespace list", NAMESPACE_LIST_CAP))
    except httpx.HTTPError as exc:
        return _unreachable_result(check_id, exc, url, secrets)
    if is_not_started(resp):
        return _not_started_result(check_id)
    message = scrub_secrets(error_message(resp), secrets)
    if resp.status_code == 200:
        return _proxy_ok(check_id, cluster, resp)
    return _proxy_failure(check_id, cluster, resp, message, oidc_token_provider)


def _proxy_ok(check_id: str, cluster: str, resp: httpx.Response) -> CheckResult:
    body = _json(resp)
    items = body.get("items") if isinstance(body, dict) else None
    names = [i.get("metadata", {}).get("name") for i in items or [] if isinstance(i, dict)]
    count = f"{len(names)} namespaces" if items is not None else "an answer"
    return CheckResult(check_id, "ok", f"the backend's proxy reached {cluster} with your ID token ({count})",
                       f"GET /api/kubernetes/proxy{PROXY_PROBE_PATH} for cluster {cluster} answered 200",
                       data={"namespaces": [n for n in names if isinstance(n, str)]})


def _is_k8s_status(resp: httpx.Response) -> bool:
    body = _json(resp)
    return isinstance(body, dict) and body.get("kind") == "Status"


def _proxy_failure(
    check_id: str, cluster: str, resp: httpx.Response, message: str, provider: str
) -> CheckResult:
    code = resp.status_code
    seen = f"GET /api/kubernetes/proxy{PROXY_PROBE_PATH} answered {code} {message!r}"
    low = message.lower()
    if code == 401 and not _is_k8s_status(resp):
        return CheckResult(check_id, "fail", "the backend refused the Backstage token (401)",
                           f"{seen}: pass --token <a Backstage user token> or set BACKSTAGE_TOKEN.", H.TOKEN_REFUSED)
    if code == 401:
        return CheckResult(check_id, "fail", f"{cluster} rejected the ID token (401 from the cluster)",
                           f"{seen}: the API server does not trust the ID token's issuer or audience; configure "
                           "its OIDC flags or AuthenticationConfiguration (see cluster:<name>:identity).",
                           H.CLUSTER_UNTRUSTED_ISSUER)
    if code == 403 and _is_k8s_status(resp):
        return CheckResult(check_id, "fail", f"{cluster} authenticated you but RBAC denies listing namespaces (403)",
                           f"{seen}: create a (Cluster)RoleBinding for your user or group "
                           "(`spectro-wizard rbac --user <email> --group <group>` writes one).", H.CLUSTER_RBAC_DENIED)
    if code == 404 and "not found" in low and "cluster" in low:
        return CheckResult(check_id, "fail", f"the backend does not know a cluster named {cluster!r}",
                           f"{seen}: the name must match a cluster the backend serves (see backend-clusters); "
                           "restart the backend after editing app-config.", H.PROXY_CLUSTER_UNKNOWN)
    if "auth token not found" in low:
        return CheckResult(check_id, "fail", "the backend did not get the ID token for this cluster",
                           f"{seen}: the request carried Backstage-Kubernetes-Authorization-oidc-{provider}; "
                           f"if the message names another provider, the cluster's oidcTokenProvider is not {provider}; "
                           "otherwise a reverse proxy in front of the backend strips the header.", H.PROXY_NO_ID_TOKEN)
    if "request error" in low or "caused by" in low:
        tls = any(w in low for w in ("certificate", "self-signed", "self signed", "ssl", "tls"))
        return CheckResult(check_id, "fail", f"the backend could not reach {cluster}",
                           f"{seen}: the backend (not this machine) connects to the cluster URL; "
                           + ("set the cluster's caData/caFile (or skipTLSVerify) in app-config." if tls else
                              "check the cluster's url in app-config and DNS/firewall from the backend's host."),
                           H.CLUSTER_TLS if tls else H.PROXY_CLUSTER_UNREACHABLE)
    return CheckResult(check_id, "fail", f"the backend's proxy to {cluster} failed ({code})", seen + ".", H.PROXY_ERROR)


# --------------------------------------------------------------------------------------------
# all backend checks in order


def _skipped(check_id: str, why: str, hint: str | None) -> CheckResult:
    return CheckResult(check_id, "skip", f"skipped: {why}", hint=hint)


def _proxy_targets(expected: Sequence[Mapping[str, Any]], clusters: CheckResult) -> list[str]:
    """Clusters worth probing through the proxy: configured on oidc, else whatever is served on oidc."""
    names = [str(c.get("name")) for c in expected if c.get("authProvider") == "oidc"]
    return names or list(clusters.data.get("oidc", []))


async def verify_backend(
    base: str,
    *,
    env: str = "development",
    authorization_url: str | None = None,
    expected: Sequence[Mapping[str, Any]] = (),
    token: str | None = None,
    id_token: str | None = None,
    tls: TLSOptions | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    deployment_hint: str | None = None,
    probe_secret: bool = False,
) -> list[CheckResult]:
    """Run every backend check in order; later checks are skipped when the backend is not there.
    `deployment_hint`: what a deployed backend lacks when it skips the provider (the Secret, where it is named);
    `probe_secret`: also ask whether the provider accepts the running backend's own client credentials."""
    async with async_client(tls, timeout=timeout) as client:
        reach = await check_backend_reachable(client, base)
        results = [reach]
        later = ["backend-auth-provider"] + (["backend-client-secret"] if probe_secret else []) + ["backend-clusters"]
        if reach.status == "fail":
            return results + [_skipped(i, "the backend is not available", reach.hint) for i in later]
        results.append(await check_backend_auth_provider(client, base, env, authorization_url, deployment_hint))
        if probe_secret:
            if results[-1].status in ("ok", "warn"):
                results.append(await check_backend_client_secret(client, base, env, deployment_hint))
            else:
                results.append(_skipped("backend-client-secret", "the sign-in does not start", results[-1].hint))
        origin: TokenOrigin = "given" if token else "guest"
        token = token or await get_guest_token(client, base)
        clusters = await check_backend_clusters(client, base, token, expected, origin if token else "none")
        results.append(clusters)
        if id_token:
            for name in _proxy_targets(expected, clusters):
                results.append(await check_backend_proxy(client, base, token, name, id_token))
        return results
