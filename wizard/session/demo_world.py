"""`--demo`'s world: local stand-ins for everything Verify talks to, started and stopped by one object.

A demo whose Verify can only fail teaches nothing, so like Subiquity's dry run the demo brings its
own world: on 127.0.0.1, on ephemeral ports, each served by a stdlib HTTP server in a daemon thread:

- an OIDC issuer shaped like SpectroCloud's (`<console>/v1/oidc/tenant/demo`, authorizationUrl =
  issuer + `/auth`): discovery, JWKS, a token endpoint that authenticates the client before it looks
  at the code, and an authorization endpoint that checks the client and its redirect URIs;
- a Backstage backend that serves its config as it was when it was last (re)started, exactly like
  the real one: `restart()` re-reads the app-config files, so a Verify before "restarting" sees the
  old config, as it would after a real apply;
- one HTTPS Kubernetes API server per demo cluster, with certificates generated at start (EC keys:
  a few milliseconds in all), answering like kube-apiserver (anonymous /version, 401 otherwise).

The demo app (`make_demo_world_app`) starts with three clusters on service-account tokens to migrate,
and exactly one instructive failure: `edge-lab`'s API server certificate was reissued by a new CA
while app-config still holds the old one in caData, so Verify reports `cluster:edge-lab` with the
`cluster-tls` hint; `kubeconfig_text()` holds the CA that is right, as a real kubeconfig would.

The wire formats follow the real servers (the captures in tests/support/doubles.py, Backstage's auth
router, oidc-provider). Nothing here is secret: the client secret and tokens are demo values, and
nothing is written to os.environ (the session applies `env()` itself).
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import socket
import ssl
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import IPv4Address
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from wizard.core import configset, facts
from wizard.core.answers import DEFAULT_CLIENT_ID_ENV, DEFAULT_CLIENT_SECRET_ENV, Answers, default_callback_url
from wizard.core.backend_index import additions
from wizard.core.clusters import config_clusters, effective_cluster_files, unique_by_name
from wizard.core.fields import SIGN_IN_RESOLVERS
from wizard.errors import BadInput
from wizard.session.demo import make_demo_app
from wizard.verify.options import VerifyOptions

HOST = "127.0.0.1"
TENANT = "demo"
CLIENT_ID = "spectro-wizard-demo"
CLIENT_SECRET = "demo-client-secret-not-a-secret"  # a demo value: the stand-in issuer is the only one that takes it
# The template's backend.baseUrl: the callback Backstage announces (and verify expects) is derived from it.
TEMPLATE_BACKEND_BASE_URL = "http://localhost:7007"
DEFAULT_SCOPE = "openid profile email"
# What a `yarn start` backend reads (app-config.production.yaml only with --config).
DEV_CONFIG_FILES = ("app-config.yaml", "app-config.local.yaml")
# The template's empty section, replaced text-only by the world's clusters.
KUBERNETES_PLACEHOLDER = (
    "kubernetes:\n"
    "  # see https://backstage.io/docs/features/kubernetes/configuration for kubernetes configuration options\n"
)
AUTH_MODULE = "@terasky/backstage-plugin-spectrocloud-auth-backend"
KUBERNETES_PLUGIN = "@backstage/plugin-kubernetes-backend"
GUEST_MODULE = "@backstage/plugin-auth-backend-module-guest-provider"
DEMO_LABEL = ("Demo: the OIDC provider, the Backstage backend and the clusters are local stand-ins on "
              "127.0.0.1 that spectro-wizard started for this run; nothing real is contacted.")
POLL_INTERVAL = 0.05  # how often an idle server looks for shutdown (bounds stop())
CONNECTION_TIMEOUT = 10.0  # an idle keep-alive connection ends after this


# ------------------------------------------------------------------------------------------------
# the demo's clusters


@dataclass(frozen=True)
class DemoCluster:
    """One demo cluster: what app-config says about it, and what its stand-in API server really is."""

    name: str
    token_env: str  # app-config's serviceAccountToken: ${token_env}
    token: str  # the demo value of that variable (the API server accepts it)
    rotated_ca: bool = False  # the instructive failure: the server's certificate is from another CA
    why: str = ""  # for the demo's own explanation


CLUSTERS: tuple[DemoCluster, ...] = (
    DemoCluster("prod-eu", "DEMO_PROD_EU_TOKEN", "demo-sa-token-prod-eu"),
    DemoCluster("staging", "DEMO_STAGING_TOKEN", "demo-sa-token-staging"),
    DemoCluster("edge-lab", "DEMO_EDGE_LAB_TOKEN", "demo-sa-token-edge-lab", rotated_ca=True,
                why="its API server certificate was reissued by a new CA; app-config's caData is still the old CA"),
)


# ------------------------------------------------------------------------------------------------
# certificates (EC P-256: generating all of them takes a few milliseconds)


@dataclass(frozen=True)
class _Authority:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @property
    def pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode("ascii")

    @property
    def ca_data(self) -> str:
        """caData as app-config and kubeconfigs hold it: base64 of the PEM text."""
        return base64.b64encode(self.pem.encode("ascii")).decode("ascii")


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _validity(builder: x509.CertificateBuilder) -> x509.CertificateBuilder:
    now = datetime.now(timezone.utc)
    # a little in the past: a client whose clock is a minute behind must not see "not yet valid"
    return builder.not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=7))


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign,
                         crl_sign=cert_sign, encipher_only=False, decipher_only=False)


def new_authority(common_name: str) -> _Authority:
    """A self-signed CA with the extensions OpenSSL's strict verification wants."""
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (_validity(x509.CertificateBuilder())
               .subject_name(_name(common_name)).issuer_name(_name(common_name))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(_key_usage(cert_sign=True), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    return _Authority(key, builder.sign(key, hashes.SHA256()))


def _server_context(ca: _Authority) -> ssl.SSLContext:
    """A server TLS context with a certificate from `ca` for 127.0.0.1 and localhost."""
    key = ec.generate_private_key(ec.SECP256R1())
    ca_ski = ca.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (_validity(x509.CertificateBuilder())
            .subject_name(_name("kube-apiserver")).issuer_name(ca.cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address(HOST)), x509.DNSName("localhost")]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(cert_sign=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
            .sign(ca.key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    # ssl loads a certificate chain from a file only; the private directory lives for one call
    with tempfile.TemporaryDirectory(prefix="spectro-wizard-demo-") as tmp:
        path = Path(tmp) / "server.pem"
        path.write_bytes(pem)
        ctx.load_cert_chain(path)
    return ctx


# ------------------------------------------------------------------------------------------------
# a small threaded HTTP(S) server


@dataclass
class _Request:
    method: str
    target: str
    headers: dict[str, str]  # names lower-cased
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.target).query, keep_blank_values=True).items()}

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True).items()}

    @property
    def bearer(self) -> str | None:
        value = self.headers.get("authorization", "")
        return value[len("Bearer "):] if value.startswith("Bearer ") else None


@dataclass
class _Response:
    status: int
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, (dict, list)):
            return json.dumps(self.body).encode(), "application/json; charset=utf-8"
        if isinstance(self.body, str):
            return self.body.encode(), "text/html; charset=utf-8"
        return self.body, "application/octet-stream"


_Handler = Callable[[_Request], _Response]
# What Go's net/http (and so kube-apiserver) answers to plain HTTP on its TLS port.
_GO_PLAIN_HTTP = b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        req = _Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                       self.rfile.read(length) if length else b"")
        try:
            resp = self.server.handler(req)
        except Exception as exc:  # a stand-in bug must look like a server error, not a hung request
            resp = _Response(500, {"error": {"name": "Error", "message": f"demo stand-in: {exc.__class__.__name__}"}})
        body, content_type = resp.encoded()
        self.send_response(resp.status)
        for name, value in {"Content-Type": content_type, **resp.headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _serve

    def log_message(self, format: str, *args: Any) -> None:  # a front end owns the terminal
        pass


class _Server(ThreadingHTTPServer):
    """Bound and listening on 127.0.0.1:<ephemeral> when constructed; `start()` serves in a daemon thread."""

    daemon_threads = True
    block_on_close = False  # stop() must not wait for a client's idle keep-alive connection

    def __init__(self, name: str, handler: _Handler, tls: ssl.SSLContext | None = None) -> None:
        super().__init__((HOST, 0), _RequestHandler)
        self.handler = handler
        self.tls = tls
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": POLL_INTERVAL},
                                        name=f"spectro-wizard-demo-{name}", daemon=True)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{HOST}:{self.port}"

    @property
    def serving(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> None:
        if not self._thread.is_alive():
            self._thread.start()

    def finish_request(self, request: Any, client_address: Any) -> None:
        """In the connection's own thread: the TLS handshake (and its failure) happens here."""
        request.settimeout(CONNECTION_TIMEOUT)
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        first = request.recv(1, socket.MSG_PEEK)
        if first and first != b"\x16":  # not a TLS handshake record: plain HTTP on a TLS port
            request.sendall(_GO_PLAIN_HTTP)
            return
        wrapped = self.tls.wrap_socket(request, server_side=True)  # a refused certificate ends here
        try:
            super().finish_request(wrapped, client_address)
        finally:
            wrapped.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that refuses the certificate (edge-lab) or hangs up is not an error of ours


# ------------------------------------------------------------------------------------------------
# the OIDC issuer


def _jwk(key: ec.EllipticCurvePrivateKey, kid: str) -> dict[str, str]:
    numbers = key.public_key().public_numbers()

    def b64(n: int) -> str:
        return base64.urlsafe_b64encode(n.to_bytes(32, "big")).rstrip(b"=").decode("ascii")

    return {"kty": "EC", "crv": "P-256", "x": b64(numbers.x), "y": b64(numbers.y), "use": "sig", "alg": "ES256", "kid": kid}


def _oauth_error(status: int, error: str, description: str, headers: dict[str, str] | None = None) -> _Response:
    return _Response(status, {"error": error, "error_description": description}, headers or {})


def _error_page(error: str, description: str) -> _Response:
    """The HTML error page a provider shows the browser (it must never redirect to an unverified URI)."""
    return _Response(400, f"<!DOCTYPE html><html><head><title>Sign-in error</title></head><body><h1>oops! something "
                          f"went wrong</h1><pre>error: {error}\nerror_description: {description}</pre></body></html>")


@dataclass(frozen=True)
class _Client:
    secret: str
    redirect_uris: frozenset[str]


class _Issuer:
    """A SpectroCloud-shaped OpenID provider: issuer `<origin>/v1/oidc/tenant/<tenant>`."""

    def __init__(self, tenant: str, clients: Mapping[str, _Client]) -> None:
        self.path = f"/v1/oidc/tenant/{tenant}"
        self.clients = dict(clients)
        self.origin = ""  # set once the server is bound
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._kid = "demo-" + secrets.token_hex(4)

    @property
    def issuer(self) -> str:
        return self.origin + self.path

    def discovery(self) -> dict[str, Any]:
        iss = self.issuer
        return {
            "issuer": iss, "authorization_endpoint": f"{iss}/auth", "token_endpoint": f"{iss}/token",
            "jwks_uri": f"{iss}/jwks", "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"], "grant_types_supported": ["authorization_code"],
            "scopes_supported": ["openid", "profile", "email", "groups", "offline_access"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "email", "email_verified", "name", "groups"],
        }

    def handle(self, req: _Request) -> _Response:
        routes: dict[tuple[str, str], _Handler] = {
            ("GET", "/.well-known/openid-configuration"): lambda r: _Response(200, self.discovery()),
            ("GET", "/jwks"): lambda r: _Response(200, {"keys": [_jwk(self._key, self._kid)]}),
            ("GET", "/auth"): self._authorize,
            ("POST", "/token"): self._token,
            ("GET", "/demo-sign-in"): self._sign_in_page,
        }
        rest = req.path[len(self.path):] if req.path.startswith(self.path + "/") else None
        route = routes.get((req.method, rest or ""))
        if route is None:
            return _Response(404, {"error": "invalid_request", "error_description": "unrecognized route or not allowed method"})
        return route(req)

    def _authorize(self, req: _Request) -> _Response:
        q = req.query
        client = self.clients.get(q.get("client_id", ""))
        if client is None:
            return _error_page("invalid_client", "client is invalid")
        redirect_uri = q.get("redirect_uri", "")
        if redirect_uri not in client.redirect_uris:
            return _error_page("invalid_redirect_uri", "redirect_uri did not match any of the client's registered redirect_uris")
        # From here on errors go back to the (registered) redirect URI, as OAuth 2.0 says.
        error = None
        if q.get("response_type") != "code":
            error = ("unsupported_response_type", "unsupported response_type requested")
        elif "openid" not in q.get("scope", "").split():
            error = ("invalid_scope", "openid scope must be requested")
        if error is not None:
            back = {"error": error[0], "error_description": error[1], **({"state": q["state"]} if "state" in q else {})}
            return _Response(303, b"", {"Location": f"{redirect_uri}?{urlencode(back)}"})
        return _Response(303, b"", {"Location": f"{self.issuer}/demo-sign-in?{urlencode({'state': q.get('state', '')})}"})

    def _sign_in_page(self, req: _Request) -> _Response:
        return _Response(200, "<!DOCTYPE html><html><head><title>spectro-wizard demo sign-in</title></head><body>"
                              "<h1>spectro-wizard demo</h1><p>This is the demo's stand-in for the SpectroCloud sign-in "
                              "page. The request was accepted: client, redirect URI and scopes are right.</p></body></html>")

    def _client_credentials(self, req: _Request, form: Mapping[str, str]) -> tuple[str, str] | None:
        basic = req.headers.get("authorization", "")
        if basic.startswith("Basic "):
            try:
                pair = base64.b64decode(basic[len("Basic "):], validate=True).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                return None
            client_id, _, secret = pair.partition(":")
            return unquote_plus(client_id), unquote_plus(secret)  # RFC 6749 2.3.1: each part form-encoded
        if "client_id" in form and "client_secret" in form:
            return form["client_id"], form["client_secret"]
        return None

    def _token(self, req: _Request) -> _Response:
        form = req.form()
        credentials = self._client_credentials(req, form)
        client = self.clients.get(credentials[0]) if credentials else None
        # RFC 6749 5.2: the client is authenticated first; only then is the grant looked at
        if credentials is None or client is None or not secrets.compare_digest(client.secret, credentials[1]):
            return _oauth_error(401, "invalid_client", "client authentication failed",
                                {"WWW-Authenticate": 'Basic realm="demo"'})
        if form.get("grant_type") != "authorization_code":
            return _oauth_error(400, "unsupported_grant_type", "unsupported grant_type requested")
        # the demo issues no codes: every code is unknown, which is what a probe with a fake one expects
        return _oauth_error(400, "invalid_grant", "grant request is invalid")


# ------------------------------------------------------------------------------------------------
# the Kubernetes API servers


def _k8s_status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}


_UNAUTHORIZED = _Response(401, _k8s_status(401, "Unauthorized", "Unauthorized"))
_NOT_FOUND = _Response(404, _k8s_status(404, "NotFound", "the server could not find the requested resource"))


class _ApiServer:
    """kube-apiserver as a service-account client sees it: /version for anyone, the rest with a token."""

    GIT_VERSION = "v1.30.2"

    def __init__(self, tokens: Mapping[str, str]) -> None:
        self.tokens = dict(tokens)  # bearer token -> username

    def handle(self, req: _Request) -> _Response:
        if req.method == "GET" and req.path == "/version":  # system:public-info-viewer: anonymous
            return _Response(200, {"major": "1", "minor": "30", "gitVersion": self.GIT_VERSION,
                                   "gitCommit": "9a7f5c3", "platform": "linux/amd64"})
        user = self.tokens.get(req.bearer or "")
        if user is None:
            return _UNAUTHORIZED
        if req.method == "GET" and req.path == "/api/v1/namespaces":
            return _Response(200, {"kind": "NamespaceList", "apiVersion": "v1", "metadata": {"resourceVersion": "42"},
                                   "items": [{"metadata": {"name": n}} for n in ("default", "kube-system", "shop")]})
        if req.method == "POST" and req.path == "/apis/authentication.k8s.io/v1/selfsubjectreviews":
            return _Response(201, {"kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1",
                                   "metadata": {"creationTimestamp": None},
                                   "status": {"userInfo": {"username": user, "groups": [
                                       "system:serviceaccounts", "system:authenticated"]}}})
        if req.method == "POST" and req.path == "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews":
            return _Response(201, {"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1",
                                   "metadata": {"creationTimestamp": None},
                                   "status": {"allowed": True,
                                              "reason": 'RBAC: allowed by ClusterRoleBinding "backstage-read-only-binding"'}})
        return _NOT_FOUND


# ------------------------------------------------------------------------------------------------
# the Backstage backend


def _backstage_error(status: int, name: str, message: str, url: str, method: str = "GET") -> _Response:
    """Backstage's error handler body (its stack shortened)."""
    return _Response(status, {"error": {"name": name, "message": message, "stack": f"{name}: {message}\n    at <demo>"},
                              "request": {"method": method, "url": url}, "response": {"statusCode": status}})


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
class _ServedCluster:
    name: str
    auth_provider: str
    oidc_token_provider: str | None

    def served(self) -> dict[str, Any]:
        """What /api/kubernetes/clusters lists (Backstage 1.55's shape)."""
        entry: dict[str, Any] = {"name": self.name, "authProvider": self.auth_provider}
        if self.auth_provider == facts.AUTH_PROVIDER_OIDC:
            entry["oidcTokenProvider"] = self.oidc_token_provider
        return entry


@dataclass(frozen=True)
class _Started:
    """What a backend process holds after start-up: its config as read then, never re-read."""

    startup_error: str | None = None  # every route answers 503 "not started"
    modules: frozenset[str] = frozenset()  # the packages index.ts adds
    base_url: str = TEMPLATE_BACKEND_BASE_URL
    providers: Mapping[str, Any] = field(default_factory=dict)  # auth.providers, env refs resolved
    spectrocloud_problem: str | None = None  # the "Skipping spectrocloud auth provider, ..." reason
    clusters: tuple[_ServedCluster, ...] = ()
    tokens: frozenset[str] = frozenset()  # the Backstage tokens this start issues and accepts


_NOT_STARTED = {"error": {"name": "ServiceUnavailableError", "message": "Service has not started up yet",
                          "stack": "ServiceUnavailableError: Service has not started up yet\n    at <demo>"},
                "request": {"method": "GET", "url": "/"}, "response": {"statusCode": 503}}


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


def _served_clusters(configs: configset.ConfigSet, environ: Mapping[str, str]) -> tuple[_ServedCluster, ...]:
    out = []
    # arrays are not merged: the last file that defines clusterLocatorMethods is the one the backend uses
    for ref in unique_by_name(config_clusters(effective_cluster_files(configs.files))):
        entry = resolve_env(ref.node.to_python(), environ)
        entry = entry if isinstance(entry, dict) else {}
        out.append(_ServedCluster(ref.name, str(entry.get("authProvider") or facts.SERVICE_ACCOUNT),
                                  entry.get("oidcTokenProvider")))
    return tuple(out)


def _backend_modules(root: Path) -> frozenset[str]:
    for rel in ("packages/backend/src/index.ts", "packages/backend/src/index.js"):
        path = root / rel
        if path.is_file():
            return frozenset(a.package for a in additions(path.read_text(encoding="utf-8")))
    return frozenset()


def start_backend(root: Path, config_names: list[str], environ: Mapping[str, str]) -> _Started:
    """Read the app the way a starting backend does: its index.ts, its config files, its environment."""
    token = "eyJhbGciOiJFUzI1NiJ9.demo-guest." + secrets.token_urlsafe(16)  # signing keys are per start (in-memory DB)
    modules = _backend_modules(root)
    try:
        configs = configset.load(root, [n for n in config_names if (root / n).exists()] or None)
    except BadInput as exc:
        return _Started(startup_error=str(exc), modules=modules)
    merged = resolve_env(configs.merged(), environ)
    if KUBERNETES_PLUGIN in modules:
        for path, what in ((("kubernetes", "clusterLocatorMethods"), "kubernetes.clusterLocatorMethods"),
                           (("kubernetes", "serviceLocatorMethod", "type"), "kubernetes.serviceLocatorMethod.type")):
            if _dig(merged, *path) is None:
                return _Started(startup_error=f"Missing required config value at '{what}'", modules=modules)
    providers = _dig(merged, "auth", "providers")
    providers = providers if isinstance(providers, dict) else {}
    base = _dig(merged, "backend", "baseUrl")
    return _Started(None, modules, base if isinstance(base, str) else TEMPLATE_BACKEND_BASE_URL, providers,
                    _spectrocloud_problem(providers.get(facts.PROVIDER)), _served_clusters(configs, environ),
                    frozenset({token}))


class _Backend:
    """The routes of a Backstage 1.55 backend that verify calls, over the config of its last start.

    No Kubernetes proxy: it forwards a user's ID token, and the demo has no user to sign in."""

    def __init__(self) -> None:
        self.started: _Started | None = None  # None: never started (no app yet)

    def handle(self, req: _Request) -> _Response:
        st = self.started  # one snapshot per request: a restart in between must not mix two configs
        if st is None or st.startup_error:
            return _Response(503, _NOT_STARTED)
        path = req.path
        if path == "/.backstage/health/v1/readiness":
            return _Response(200, {"status": "ok"})
        if path.startswith("/api/auth/"):
            return self._auth(st, req, path[len("/api/auth/"):])
        if path.startswith("/api/kubernetes/") and KUBERNETES_PLUGIN in st.modules:
            return self._kubernetes(st, req, path[len("/api/kubernetes"):])
        return _backstage_error(404, "NotFoundError", "Not Found", path, req.method)

    # -- auth ---------------------------------------------------------------------------------
    def _auth(self, st: _Started, req: _Request, rest: str) -> _Response:
        provider, _, action = rest.partition("/")
        registered = {facts.PROVIDER: AUTH_MODULE in st.modules, "guest": GUEST_MODULE in st.modules}
        if not registered.get(provider):
            return _backstage_error(404, "NotFoundError", f"Unknown auth provider '{provider}'", f"/{rest}", req.method)
        if provider not in st.providers:  # the module is added but auth.providers.<id> is not configured
            return _backstage_error(404, "NotFoundError", f"No auth provider registered for '{provider}'",
                                    f"/{rest}", req.method)
        if provider == "guest":
            return self._guest(st, req, action, rest)
        if st.spectrocloud_problem:
            return _backstage_error(404, "NotFoundError", (
                f"Auth provider registered for '{provider}' is misconfigured. This could mean the configs under "
                f"auth.providers.{provider} are missing or the environment variables used are not defined. "
                "Check the auth backend plugin logs when the backend starts to see more details."), f"/{rest}", req.method)
        if action == "start" and req.method == "GET":
            return self._start(st, req, rest)
        return _backstage_error(404, "NotFoundError", "Not Found", f"/{rest}", req.method)

    def _start(self, st: _Started, req: _Request, rest: str) -> _Response:
        env = req.query.get("env")
        if not env:
            return _backstage_error(400, "InputError", "No env provided in request query parameters", f"/{rest}")
        cfg = st.providers[facts.PROVIDER].get(env) if isinstance(st.providers[facts.PROVIDER], dict) else None
        if not isinstance(cfg, dict):
            return _backstage_error(404, "NotFoundError",
                                    f"No configuration available for the '{env}' environment of this provider.", f"/{rest}")
        nonce = secrets.token_hex(16)
        callback = cfg.get("callbackUrl") or default_callback_url(st.base_url)
        parts = urlsplit(cfg["authorizationUrl"])
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        params.update(client_id=cfg["clientId"], redirect_uri=callback, response_type="code",
                      scope=cfg.get("scope") or DEFAULT_SCOPE, state=secrets.token_hex(24), nonce=nonce)
        location = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(params), ""))
        cookie = f"{facts.PROVIDER}-nonce={nonce}; Path=/api/auth/{facts.PROVIDER}/handler; HttpOnly; SameSite=Lax"
        return _Response(302, b"", {"Location": location, "Set-Cookie": cookie})

    def _guest(self, st: _Started, req: _Request, action: str, rest: str) -> _Response:
        if action != "refresh":
            return _backstage_error(404, "NotFoundError", "Not Found", f"/{rest}", req.method)
        if req.headers.get("x-requested-with") != "XMLHttpRequest":  # Backstage's CSRF protection
            return _backstage_error(401, "AuthenticationError", "Invalid X-Requested-With header", f"/{rest}", req.method)
        (token,) = st.tokens
        return _Response(200, {"profile": {}, "backstageIdentity": {
            "token": token, "expiresInSeconds": 3599,
            "identity": {"type": "user", "userEntityRef": "user:development/guest",
                         "ownershipEntityRefs": ["user:development/guest"]}}})

    # -- kubernetes ---------------------------------------------------------------------------
    def _kubernetes(self, st: _Started, req: _Request, rest: str) -> _Response:
        if req.bearer is None:
            return _backstage_error(401, "AuthenticationError", "Missing credentials", rest, req.method)
        if req.bearer not in st.tokens:  # a token of another backend, or of this one before its restart
            return _backstage_error(401, "AuthenticationError", "Illegal token", rest, req.method)
        if rest == "/clusters" and req.method == "GET":
            return _Response(200, {"items": [c.served() for c in st.clusters]})
        return _backstage_error(404, "NotFoundError", "Not Found", rest, req.method)


# ------------------------------------------------------------------------------------------------
# the world


class DemoWorld:
    """The demo's stand-ins, bound when constructed, serving after `start()`, closed by `stop()`.

    One object per demo run (a context manager: `with DemoWorld() as world:`); stopped, it is done.
    """

    def __init__(self, config_names: list[str] | None = None) -> None:
        self.config_names = list(config_names or DEV_CONFIG_FILES)
        self.app_root: Path | None = None
        self.clusters = CLUSTERS
        self._ca = new_authority("demo cluster CA")
        self._rotated_ca = new_authority("edge-lab CA (reissued)")
        good_tls, rotated_tls = _server_context(self._ca), _server_context(self._rotated_ca)
        self._issuer = _Issuer(TENANT, {})
        self._backend = _Backend()
        self._servers: list[_Server] = []
        self._stopped = False
        try:
            issuer_server = self._bind("issuer", self._issuer.handle)
            self._issuer.origin = issuer_server.url
            self._backend_server = self._bind("backend", self._backend.handle)
            self._cluster_servers = {
                c.name: self._bind(c.name, _ApiServer({c.token: "system:serviceaccount:backstage-system:backstage-sa"}).handle,
                                   rotated_tls if c.rotated_ca else good_tls)
                for c in self.clusters
            }
        except BaseException:
            self.stop()
            raise
        # the callback Backstage announces: from the template's baseUrl, or from the stand-in's own URL
        self._issuer.clients[CLIENT_ID] = _Client(CLIENT_SECRET, frozenset(
            {default_callback_url(TEMPLATE_BACKEND_BASE_URL), default_callback_url(self.backend_url)}))

    def _bind(self, name: str, handler: _Handler, tls: ssl.SSLContext | None = None) -> _Server:
        server = _Server(name, handler, tls)
        self._servers.append(server)
        return server

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> Self:
        if self._stopped:
            raise RuntimeError("this demo world was stopped; start a new DemoWorld")
        for server in self._servers:
            server.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every port (a connect is refused afterwards). Idempotent."""
        self._stopped = True
        serving = [s for s in self._servers if s.serving]
        # shutdown() waits up to one poll interval per server: ask them all at once
        stoppers = [threading.Thread(target=s.shutdown, daemon=True) for s in serving]
        for t in stoppers:
            t.start()
        for t in stoppers:
            t.join()
        for server in self._servers:
            server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    # -- the backend "process" ----------------------------------------------------------------
    def attach(self, root: Path) -> None:
        """The demo app the backend runs: it starts on the app as it is now."""
        self.app_root = root
        self.restart()

    def restart(self, root: Path | None = None) -> None:
        """Restart the stand-in backend: it re-reads the app's index.ts and config files and the
        environment (os.environ over `env()`), and serves that until the next restart."""
        root = root or self.app_root
        if root is None:
            raise RuntimeError("no demo app yet: make_demo_world_app(world) (or attach(root)) first")
        self.app_root = root
        self._backend.started = start_backend(root, self.config_names, {**self.env(), **os.environ})

    @property
    def backend_log(self) -> list[str]:
        """What the backend's log says about its last start that Verify only sees as a symptom."""
        st = self._backend.started
        if st is None:
            return []
        if st.startup_error:
            return [f"Backend failed to start up: {st.startup_error}"]
        if st.spectrocloud_problem:
            return [f"Skipping {facts.PROVIDER} auth provider, {st.spectrocloud_problem}"]
        return []

    @property
    def backend_startup_error(self) -> str | None:
        """Why the backend did not start (every route answers 503), or None."""
        st = self._backend.started
        return "not started: no demo app yet" if st is None else st.startup_error

    # -- what the demo app, the answers and verify need -----------------------------------------
    @property
    def console_url(self) -> str:
        return self._issuer.origin

    @property
    def tenant(self) -> str:
        return TENANT

    @property
    def issuer(self) -> str:
        return self._issuer.issuer

    @property
    def authorization_url(self) -> str:
        """What the wizard writes as authorizationUrl (= Answers(consoleUrl, tenant).authorization_url())."""
        return f"{self.issuer}/auth"

    @property
    def backend_url(self) -> str:
        """Where the stand-in backend listens (verify's backend_url; backend.baseUrl stays the template's)."""
        return self._backend_server.url

    @property
    def client_id(self) -> str:
        return CLIENT_ID

    @property
    def client_secret(self) -> str:
        return CLIENT_SECRET

    def cluster_url(self, name: str) -> str:
        return self._cluster_servers[name].url

    def cluster_ca_data(self, name: str) -> str:
        """caData of the CA that really signed the cluster's server certificate (edge-lab's new one)."""
        rotated = next(c for c in self.clusters if c.name == name).rotated_ca
        return (self._rotated_ca if rotated else self._ca).ca_data

    @property
    def service_account_clusters(self) -> list[str]:
        """The clusters the demo app starts with on service-account tokens: the ones to migrate."""
        return [c.name for c in self.clusters]

    @property
    def instructive_failure(self) -> tuple[str, str]:
        """(check id, hint id) of the one failure the demo shows on purpose."""
        (bad,) = [c for c in self.clusters if c.rotated_ca]
        return f"cluster:{bad.name}", "cluster-tls"

    @staticmethod
    def env_names() -> list[str]:
        return [DEFAULT_CLIENT_ID_ENV, DEFAULT_CLIENT_SECRET_ENV] + [c.token_env for c in CLUSTERS]

    def env(self, client_id_env: str = DEFAULT_CLIENT_ID_ENV,
            client_secret_env: str = DEFAULT_CLIENT_SECRET_ENV) -> dict[str, str]:
        """The variables the demo app's config references, with their demo values (the session sets
        the ones not already set; nothing here touches os.environ)."""
        out = {client_id_env: CLIENT_ID, client_secret_env: CLIENT_SECRET}
        out.update({c.token_env: c.token for c in self.clusters})
        return out

    def prefill(self, answers: Answers) -> Answers:
        """Point the answers at the stand-in console (tenant `demo`), unless the user already chose one."""
        if not answers.tenant and not answers.authorizationUrl:
            answers.consoleUrl, answers.tenant = self.console_url, self.tenant
        return answers

    def verify_options(self, **overrides: Any) -> VerifyOptions:
        """Verify against the stand-in backend (backend.baseUrl in the config is the template's)."""
        return VerifyOptions(backend_url=self.backend_url, **overrides)

    def kubernetes_block(self) -> str:
        """The demo app's `kubernetes:` section: the template's comment, then the clusters on service
        accounts, all with the demo CA as caData (which edge-lab's server no longer uses)."""
        lines = [KUBERNETES_PLACEHOLDER.rstrip("\n"),
                 "  serviceLocatorMethod:", "    type: multiTenant",
                 "  clusterLocatorMethods:", "    - type: config", "      clusters:"]
        for c in self.clusters:
            lines += [f"        - name: {c.name}", f"          url: {self.cluster_url(c.name)}",
                      f"          authProvider: {facts.SERVICE_ACCOUNT}",
                      f"          serviceAccountToken: ${{{c.token_env}}}", f"          caData: {self._ca.ca_data}"]
        return "\n".join(lines) + "\n"

    def kubeconfig_text(self) -> str:
        """A kubeconfig of the demo clusters with the CA each server really uses (edge-lab's new one),
        as `kubectl config view --raw` would show it; no users, no credentials."""
        entries, contexts = [], []
        for c in self.clusters:
            entries.append(f"- name: {c.name}\n  cluster:\n    server: {self.cluster_url(c.name)}\n"
                           f"    certificate-authority-data: {self.cluster_ca_data(c.name)}")
            contexts.append(f"- name: {c.name}\n  context:\n    cluster: {c.name}")
        return ("apiVersion: v1\nkind: Config\nclusters:\n" + "\n".join(entries) + "\ncontexts:\n"
                + "\n".join(contexts) + f"\ncurrent-context: {self.clusters[0].name}\n")

    def describe(self) -> list[str]:
        """Lines for the demo's banner: what is a stand-in, and where."""
        out = [DEMO_LABEL, f"OIDC provider (tenant {TENANT}): {self.issuer}", f"Backstage backend: {self.backend_url}"]
        out += [f"cluster {c.name}: {self.cluster_url(c.name)}" + (f" ({c.why})" if c.why else "") for c in self.clusters]
        return out


def make_demo_world_app(world: DemoWorld, parent: Path | None = None) -> Path:
    """A fresh copy of templates/demo-app whose empty `kubernetes:` section holds the world's clusters
    (text-only: every other byte is the template's), with the stand-in backend started on it."""
    root = make_demo_app(parent)
    config = root / "app-config.yaml"
    text = config.read_bytes().decode("utf-8")
    if text.count(KUBERNETES_PLACEHOLDER) != 1:
        raise RuntimeError("templates/demo-app/app-config.yaml changed shape: no single empty kubernetes: section")
    config.write_bytes(text.replace(KUBERNETES_PLACEHOLDER, world.kubernetes_block(), 1).encode("utf-8"))
    world.attach(root)
    return root


# The demo's Node.js and Yarn: the app pins Yarn 4.13.0 through a release file the template does not
# ship, and a dry run installs nothing, so the Prerequisites step would show this machine's lack of a
# pinned Yarn as a failure of the demo. Stand-ins answer the version questions the checks ask; any
# other command says what it is and fails, so nothing can pass for a real install.
_STAND_IN = """#!/bin/sh
# spectro-wizard --demo stand-in for {tool}: answers the version question only
case "$1" in --version|-v) echo {version}; exit 0;; esac
echo "{tool} (spectro-wizard demo stand-in): the demo installs nothing: $*" >&2
exit 1
"""
DEMO_TOOLS = {"node": "v22.11.0", "yarn": "4.13.0"}
TOOLS_NOTE = "Node.js and Yarn are demo stand-ins here (a dry run installs nothing)"


def write_demo_tools(bin_dir: Path) -> Path:
    bin_dir.mkdir(parents=True, exist_ok=True)
    for tool, version in DEMO_TOOLS.items():
        path = bin_dir / tool
        path.write_text(_STAND_IN.format(tool=tool, version=version), encoding="utf-8")
        path.chmod(0o755)
    return bin_dir


@contextmanager
def demo_run(parent: Path | None = None) -> Iterator[tuple[Path, DemoWorld]]:
    """`--demo`: the world started, a fresh demo app on it, the stand-in tools first on PATH and the
    demo's variables set in this process — unconditionally: a user's real client ID would only be
    refused by the stand-in issuer (falsely red). Everything is stopped and restored on the way out."""
    saved = {name: os.environ.get(name) for name in ("PATH", *DemoWorld.env_names())}
    world = DemoWorld().start()
    try:
        root = make_demo_world_app(world, parent)
        bin_dir = write_demo_tools(root.parent / "bin")
        os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
        os.environ.update(world.env())
        world.restart(root)  # the backend starts with the demo's environment, as `yarn start` would
        yield root, world
    finally:
        world.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


__all__ = ["CLUSTERS", "DEMO_LABEL", "DemoCluster", "DemoWorld", "demo_run", "make_demo_world_app", "TOOLS_NOTE"]
