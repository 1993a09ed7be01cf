"""A Backstage 1.55 backend as the wizard's checks see it, serving its config as of its last start.

`start_backend(root, ...)` reads the app the way a starting backend does (its index.ts, its config
files, its environment) into a `Started` snapshot; `Backend` serves that snapshot until the next
start, exactly like the real process: a Verify before a restart sees the old config.

Routes (bodies in Backstage's shapes, from the captures in tests/support/doubles.py, its auth router
and its error handler): readiness; `/api/auth/<provider>/start` (the redirect to the provider, with
the nonce cookie); the guest provider's `refresh` (a token per start); `/api/kubernetes/clusters`;
and the Kubernetes proxy `/api/kubernetes/proxy/...`, which forwards the request to the cluster the
`Backstage-Kubernetes-Cluster` header names, with the user's ID token from
`Backstage-Kubernetes-Authorization-oidc-<provider>` (an oidc cluster) or the service-account token
(a serviceAccount cluster) as Bearer, trusting the cluster's caData as the backend's config says.
`proxy_request`, `forward` and `backstage_error` serve the tests' Backstage double as well.
"""

from __future__ import annotations

import base64
import binascii
import http.client
import re
import secrets
import socket
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from wizard.core import configset, facts
from wizard.core.answers import default_callback_url
from wizard.core.backend_index import additions
from wizard.core.clusters import config_clusters, effective_cluster_files, unique_by_name
from wizard.core.fields import SIGN_IN_RESOLVERS
from wizard.demo.servers import Request, Response
from wizard.errors import BadInput

# The template's backend.baseUrl: the callback Backstage announces (and verify expects) is derived from it.
TEMPLATE_BACKEND_BASE_URL = "http://localhost:7007"
DEFAULT_SCOPE = "openid profile email"
AUTH_MODULE = "@terasky/backstage-plugin-spectrocloud-auth-backend"
KUBERNETES_PLUGIN = "@backstage/plugin-kubernetes-backend"
GUEST_MODULE = "@backstage/plugin-auth-backend-module-guest-provider"
PROXY_PREFIX = "/api/kubernetes/proxy"
PROXY_TIMEOUT = 5.0


def backstage_error(status: int, name: str, message: str, url: str, method: str = "GET") -> Response:
    """Backstage's error handler body (its stack shortened)."""
    return Response(status, {"error": {"name": name, "message": message, "stack": f"{name}: {message}\n    at <app>"},
                             "request": {"method": method, "url": url}, "response": {"statusCode": status}})


NOT_STARTED = {"error": {"name": "ServiceUnavailableError", "message": "Service has not started up yet",
                         "stack": "ServiceUnavailableError: Service has not started up yet\n    at <app>"},
               "request": {"method": "GET", "url": "/"}, "response": {"statusCode": 503}}


def guest_refresh_body(token: str) -> dict[str, Any]:
    """What `POST /api/auth/guest/refresh` answers (Backstage 1.55)."""
    return {"profile": {}, "backstageIdentity": {
        "token": token, "expiresInSeconds": 3599,
        "identity": {"type": "user", "userEntityRef": "user:development/guest",
                     "ownershipEntityRefs": ["user:development/guest"]}}}


# ------------------------------------------------------------------------------------------------
# the clusters the Kubernetes plugin serves, and its proxy


@dataclass(frozen=True)
class ServedCluster:
    """A cluster as the backend holds it: what /clusters lists, and how its proxy reaches it."""

    name: str
    url: str = ""
    auth_provider: str = facts.SERVICE_ACCOUNT
    oidc_token_provider: str | None = None
    ca_pem: str | None = None  # the backend's caData, decoded (skipTLSVerify is not honoured: nothing here turns TLS off)
    service_account_token: str | None = field(default=None, repr=False)

    def served(self) -> dict[str, Any]:
        """What /api/kubernetes/clusters lists (Backstage 1.55's shape)."""
        entry: dict[str, Any] = {"name": self.name, "authProvider": self.auth_provider}
        if self.auth_provider == facts.AUTH_PROVIDER_OIDC:
            entry["oidcTokenProvider"] = self.oidc_token_provider
        return entry


def forward(cluster: ServedCluster, path: str, bearer: str | None) -> Response:
    """What the real backend does: the same GET to the cluster with `bearer`, trusting its caData;
    a failure is worded as Node words it, inside Backstage's 500."""
    parts = urlsplit(cluster.url)
    host, port = parts.hostname or "", parts.port
    headers = {"Accept": "application/json", **({"Authorization": f"Bearer {bearer}"} if bearer else {})}
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        ctx = ssl.create_default_context(cadata=cluster.ca_pem) if cluster.ca_pem else ssl.create_default_context()
        conn = http.client.HTTPSConnection(host, port or 443, context=ctx, timeout=PROXY_TIMEOUT)
    else:
        conn = http.client.HTTPConnection(host, port or 80, timeout=PROXY_TIMEOUT)
    try:
        conn.request("GET", path, headers=headers)
        answer = conn.getresponse()
        return Response(answer.status, answer.read(), {"Content-Type": answer.getheader("Content-Type", "")})
    except socket.gaierror:
        cause = f"getaddrinfo ENOTFOUND {host}"
    except ConnectionRefusedError:
        cause = f"connect ECONNREFUSED {host}:{port}"
    except ssl.SSLCertVerificationError:
        cause = "self-signed certificate in certificate chain"  # Node's wording for an untrusted CA
    except (OSError, http.client.HTTPException) as exc:
        cause = f"{exc.__class__.__name__} {exc}".strip()
    finally:
        conn.close()
    return backstage_error(500, "Error", f"Cluster '{cluster.name}' request error; caused by Error: {cause}", path)


def proxy_request(req: Request, clusters: Sequence[ServedCluster]) -> Response:
    """`/api/kubernetes/proxy/<path>` once the caller is authenticated: to the cluster its
    Backstage-Kubernetes-Cluster header names, with the credential that cluster's auth provider uses."""
    name = req.headers.get("backstage-kubernetes-cluster", "")
    cluster = next((c for c in clusters if c.name == name), None)
    if cluster is None:
        return backstage_error(404, "NotFoundError", f"Cluster '{name}' not found", req.path, req.method)
    if cluster.auth_provider == facts.AUTH_PROVIDER_OIDC:
        provider = cluster.oidc_token_provider
        bearer = req.headers.get(f"backstage-kubernetes-authorization-oidc-{provider}")
        if not bearer:
            return backstage_error(500, "Error", f"Auth token not found under oidc.{provider} in request body",
                                   req.path, req.method)
    else:
        bearer = cluster.service_account_token
    return forward(cluster, req.path[len(PROXY_PREFIX):], bearer)


# ------------------------------------------------------------------------------------------------
# a start: the app read the way a starting backend reads it


_ENV_REF = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")


def resolve_env(value: Any, environ: Mapping[str, str]) -> Any:
    """Backstage's substitution: `${VAR}` (anywhere in a string) and `$env: VAR`; a value that names an
    unset variable is left out, as if it were not configured."""
    if isinstance(value, dict):
        if set(value) == {"$env"}:
            return environ.get(str(value["$env"]).strip())
        return {k: r for k, v in value.items() if (r := resolve_env(v, environ)) is not None}
    if isinstance(value, list):
        return [r for v in value if (r := resolve_env(v, environ)) is not None]
    if isinstance(value, str):
        names = _ENV_REF.findall(value)
        if any(n not in environ for n in names):
            return None
        return _ENV_REF.sub(lambda m: environ[m.group(1)], value)
    return value


def _dig(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


@dataclass(frozen=True)
class Started:
    """What a backend process holds after start-up: its config as read then, never re-read."""

    startup_error: str | None = None  # every route answers 503 "not started"
    modules: frozenset[str] = frozenset()  # the packages index.ts adds
    base_url: str = TEMPLATE_BACKEND_BASE_URL
    providers: Mapping[str, Any] = field(default_factory=dict)  # auth.providers, env refs resolved
    spectrocloud_problem: str | None = None  # the "Skipping spectrocloud auth provider, ..." reason
    clusters: tuple[ServedCluster, ...] = ()
    tokens: frozenset[str] = frozenset()  # the Backstage tokens this start issues and accepts


def _spectrocloud_problem(provider: Any) -> str | None:
    """Why the module would skip the provider at start-up (it reads every environment then)."""
    if not isinstance(provider, dict):
        return None
    for env, cfg in provider.items():
        cfg = cfg if isinstance(cfg, dict) else {}
        for key in ("clientId", "authorizationUrl"):
            if not isinstance(cfg.get(key), str) or not cfg[key]:
                return f"Missing required config value at 'auth.providers.{facts.PROVIDER}.{env}.{key}'"
        for r in _dig(cfg, "signIn", "resolvers") or []:
            name = r.get("resolver") if isinstance(r, dict) else None
            if name not in SIGN_IN_RESOLVERS:
                return f"unknown sign-in resolver {name!r}"
    return None


def _ca_pem(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return base64.b64decode(value, validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        return None


def _served_clusters(configs: configset.ConfigSet, environ: Mapping[str, str]) -> tuple[ServedCluster, ...]:
    out = []
    # arrays are not merged: the last file that defines clusterLocatorMethods is the one the backend uses
    for ref in unique_by_name(config_clusters(effective_cluster_files(configs.files))):
        entry = resolve_env(ref.node.to_python(), environ)
        entry = entry if isinstance(entry, dict) else {}
        token = entry.get("serviceAccountToken")
        out.append(ServedCluster(ref.name, str(entry.get("url") or ""),
                                 str(entry.get("authProvider") or facts.SERVICE_ACCOUNT), entry.get("oidcTokenProvider"),
                                 _ca_pem(entry.get("caData")), token if isinstance(token, str) else None))
    return tuple(out)


def _backend_modules(root: Path) -> frozenset[str]:
    for rel in ("packages/backend/src/index.ts", "packages/backend/src/index.js"):
        path = root / rel
        if path.is_file():
            return frozenset(a.package for a in additions(path.read_text(encoding="utf-8")))
    return frozenset()


def start_backend(root: Path, config_names: list[str], environ: Mapping[str, str]) -> Started:
    """Read the app the way a starting backend does: its index.ts, its config files, its environment."""
    token = "eyJhbGciOiJFUzI1NiJ9.demo-guest." + secrets.token_urlsafe(16)  # signing keys are per start (in-memory DB)
    modules = _backend_modules(root)
    try:
        configs = configset.load(root, [n for n in config_names if (root / n).exists()] or None)
    except BadInput as exc:
        return Started(startup_error=str(exc), modules=modules)
    merged = resolve_env(configs.merged(), environ)
    if KUBERNETES_PLUGIN in modules:
        for path, what in ((("kubernetes", "clusterLocatorMethods"), "kubernetes.clusterLocatorMethods"),
                           (("kubernetes", "serviceLocatorMethod", "type"), "kubernetes.serviceLocatorMethod.type")):
            if _dig(merged, *path) is None:
                return Started(startup_error=f"Missing required config value at '{what}'", modules=modules)
    providers = _dig(merged, "auth", "providers")
    providers = providers if isinstance(providers, dict) else {}
    base = _dig(merged, "backend", "baseUrl")
    return Started(None, modules, base if isinstance(base, str) else TEMPLATE_BACKEND_BASE_URL, providers,
                   _spectrocloud_problem(providers.get(facts.PROVIDER)), _served_clusters(configs, environ),
                   frozenset({token}))


# ------------------------------------------------------------------------------------------------
# the backend


class Backend:
    """The routes of a Backstage 1.55 backend that verify calls, over the config of its last start."""

    def __init__(self) -> None:
        self.started: Started | None = None  # None: never started (no app yet)

    def handle(self, req: Request) -> Response:
        st = self.started  # one snapshot per request: a restart in between must not mix two configs
        if st is None or st.startup_error:
            return Response(503, NOT_STARTED)
        path = req.path
        if path == "/.backstage/health/v1/readiness":
            return Response(200, {"status": "ok"})
        if path.startswith("/api/auth/"):
            return self._auth(st, req, path[len("/api/auth/"):])
        if path.startswith("/api/kubernetes/") and KUBERNETES_PLUGIN in st.modules:
            return self._kubernetes(st, req, path[len("/api/kubernetes"):])
        return backstage_error(404, "NotFoundError", "Not Found", path, req.method)

    # -- auth ---------------------------------------------------------------------------------
    def _auth(self, st: Started, req: Request, rest: str) -> Response:
        provider, _, action = rest.partition("/")
        registered = {facts.PROVIDER: AUTH_MODULE in st.modules, "guest": GUEST_MODULE in st.modules}
        if not registered.get(provider):
            return backstage_error(404, "NotFoundError", f"Unknown auth provider '{provider}'", f"/{rest}", req.method)
        if provider not in st.providers:  # the module is added but auth.providers.<id> is not configured
            return backstage_error(404, "NotFoundError", f"No auth provider registered for '{provider}'",
                                   f"/{rest}", req.method)
        if provider == "guest":
            return self._guest(st, req, action, rest)
        if st.spectrocloud_problem:
            return backstage_error(404, "NotFoundError", (
                f"Auth provider registered for '{provider}' is misconfigured. This could mean the configs under "
                f"auth.providers.{provider} are missing or the environment variables used are not defined. "
                "Check the auth backend plugin logs when the backend starts to see more details."), f"/{rest}", req.method)
        if action == "start" and req.method == "GET":
            return self._start(st, req, rest)
        return backstage_error(404, "NotFoundError", "Not Found", f"/{rest}", req.method)

    def _start(self, st: Started, req: Request, rest: str) -> Response:
        env = req.query.get("env")
        if not env:
            return backstage_error(400, "InputError", "No env provided in request query parameters", f"/{rest}")
        cfg = st.providers[facts.PROVIDER].get(env) if isinstance(st.providers[facts.PROVIDER], dict) else None
        if not isinstance(cfg, dict):
            return backstage_error(404, "NotFoundError",
                                   f"No configuration available for the '{env}' environment of this provider.", f"/{rest}")
        nonce = secrets.token_hex(16)
        callback = cfg.get("callbackUrl") or default_callback_url(st.base_url)
        parts = urlsplit(cfg["authorizationUrl"])
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        params.update(client_id=cfg["clientId"], redirect_uri=callback, response_type="code",
                      scope=cfg.get("scope") or DEFAULT_SCOPE, state=secrets.token_hex(24), nonce=nonce)
        location = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(params), ""))
        cookie = f"{facts.PROVIDER}-nonce={nonce}; Path=/api/auth/{facts.PROVIDER}/handler; HttpOnly; SameSite=Lax"
        return Response(302, b"", {"Location": location, "Set-Cookie": cookie})

    def _guest(self, st: Started, req: Request, action: str, rest: str) -> Response:
        if action != "refresh":
            return backstage_error(404, "NotFoundError", "Not Found", f"/{rest}", req.method)
        if req.headers.get("x-requested-with") != "XMLHttpRequest":  # Backstage's CSRF protection
            return backstage_error(401, "AuthenticationError", "Invalid X-Requested-With header", f"/{rest}", req.method)
        (token,) = st.tokens
        return Response(200, guest_refresh_body(token))

    # -- kubernetes ---------------------------------------------------------------------------
    def _kubernetes(self, st: Started, req: Request, rest: str) -> Response:
        if req.bearer is None:
            return backstage_error(401, "AuthenticationError", "Missing credentials", rest, req.method)
        if req.bearer not in st.tokens:  # a token of another backend, or of this one before its restart
            return backstage_error(401, "AuthenticationError", "Illegal token", rest, req.method)
        if rest == "/clusters" and req.method == "GET":
            return Response(200, {"items": [c.served() for c in st.clusters]})
        if rest.startswith("/proxy/") and req.method == "GET":
            return proxy_request(req, st.clusters)
        return backstage_error(404, "NotFoundError", "Not Found", rest, req.method)


__all__ = ["AUTH_MODULE", "GUEST_MODULE", "KUBERNETES_PLUGIN", "NOT_STARTED", "TEMPLATE_BACKEND_BASE_URL", "Backend",
           "ServedCluster", "Started", "backstage_error", "forward", "guest_refresh_body", "proxy_request",
           "resolve_env", "start_backend"]
