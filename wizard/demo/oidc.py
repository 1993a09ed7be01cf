"""An OpenID provider shaped like SpectroCloud's: issuer `<origin>/v1/oidc/tenant/<tenant>`,
authorizationUrl = issuer + `/auth`, discovery, JWKS, and the authorization-code flow with PKCE.

What a real provider does, and the wizard relies on (RFC 6749, RFC 7636, OpenID Connect Core):

- the authorization endpoint checks the client and the redirect URI before anything else, and shows
  an error page (never a redirect) when either is wrong; later errors go back to the redirect URI.
  A client registered for kubelogin also accepts loopback redirects `http://localhost:<port>` (and
  127.0.0.1 / [::1]) at any port, as RFC 8252 §7.3 asks of native-app redirects;
- a valid request goes on to the provider's sign-in page; here that page signs in the one demo user
  (a link, followed by itself after a moment) and redirects back with a one-time code;
- the token endpoint authenticates the client first (RFC 6749 §5.2: `invalid_client`), and only then
  looks at the grant: an unknown, reused or expired code, another redirect URI or a PKCE verifier
  that does not match is `invalid_grant`. A good code is exchanged for an ID token signed with the
  key the JWKS publishes (ES256): iss, sub, aud, exp, iat, nonce, and email / name / groups as the
  scopes ask.

`verified_claims(token, audience)` is what an API server started with `--oidc-issuer-url` checks:
signature, issuer, audience, expiry.
"""

from __future__ import annotations

import base64
import hashlib
import html as html_text
import json
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus, urlencode, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from wizard.demo.servers import Handler, Request, Response, html

CODE_TTL = 60.0  # seconds a code (and a pending sign-in) stays valid
ID_TOKEN_TTL = 3600
MAX_PENDING = 64  # sign-ins started and never finished (probes) are dropped oldest first
LOOPBACK_REDIRECT_HOSTS = ("localhost", "127.0.0.1", "::1")
SIGN_IN_PATH = "/demo-sign-in"
APPROVE_PATH = "/demo-sign-in/approve"


# ------------------------------------------------------------------------------------------------
# JOSE, the little of it a provider needs (ES256 over P-256)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwk(key: ec.EllipticCurvePrivateKey, kid: str) -> dict[str, str]:
    """The public half of `key` as a JWK (what the JWKS lists)."""
    numbers = key.public_key().public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": _b64(numbers.x.to_bytes(32, "big")),
            "y": _b64(numbers.y.to_bytes(32, "big")), "use": "sig", "alg": "ES256", "kid": kid}


def sign_es256(key: ec.EllipticCurvePrivateKey, kid: str, claims: Mapping[str, Any]) -> str:
    """A compact JWS (a JWT) of `claims`, signed ES256."""
    header = {"alg": "ES256", "typ": "JWT", "kid": kid}
    signing_input = f"{_b64(json.dumps(header, separators=(',', ':')).encode())}." \
                    f"{_b64(json.dumps(dict(claims), separators=(',', ':')).encode())}"
    r, s = decode_dss_signature(key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256())))
    return f"{signing_input}.{_b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def verify_es256(public_key: ec.EllipticCurvePublicKey, kid: str, token: str) -> dict[str, Any] | None:
    """The claims of a JWT signed ES256 by `public_key` under `kid`, or None (any defect)."""
    try:
        head, payload, signature = token.split(".")
        header = json.loads(_unb64(head))
        raw = _unb64(signature)
        if header.get("alg") != "ES256" or header.get("kid") != kid or len(raw) != 64:
            return None
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        public_key.verify(der, f"{head}.{payload}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
        claims = json.loads(_unb64(payload))
    except (ValueError, TypeError, AttributeError, InvalidSignature):
        return None
    return claims if isinstance(claims, dict) else None


# ------------------------------------------------------------------------------------------------
# what a provider knows: its clients and its (one) user


@dataclass(frozen=True)
class User:
    sub: str
    email: str
    name: str
    groups: tuple[str, ...] = ()


def is_loopback_redirect(uri: str) -> bool:
    """kubelogin's redirect shape: `http://localhost:<port>` (or 127.0.0.1 / [::1]) at the root."""
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return False
    return (parts.scheme == "http" and parts.hostname in LOOPBACK_REDIRECT_HOSTS and parts.path in ("", "/")
            and not parts.query and not parts.fragment and not parts.username)


@dataclass(frozen=True)
class Client:
    secret: str
    redirect_uris: frozenset[str]
    loopback: bool = False  # registered for kubelogin too: loopback redirects at any port (RFC 8252 §7.3)

    def accepts(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris or (self.loopback and is_loopback_redirect(redirect_uri))


@dataclass
class _SignIn:
    """An authorization request on its way through the sign-in page, then the code it became."""

    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    nonce: str | None
    code_challenge: str | None
    created: float = field(default_factory=time.monotonic)

    @property
    def expired(self) -> bool:
        return time.monotonic() - self.created > CODE_TTL


def discovery_document(issuer: str, signing_alg: str = "ES256") -> dict[str, Any]:
    """The provider's /.well-known/openid-configuration (SpectroCloud's endpoints under the issuer)."""
    return {
        "issuer": issuer, "authorization_endpoint": f"{issuer}/auth", "token_endpoint": f"{issuer}/token",
        "jwks_uri": f"{issuer}/jwks", "response_types_supported": ["code"], "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [signing_alg], "grant_types_supported": ["authorization_code"],
        "scopes_supported": ["openid", "profile", "email", "groups", "offline_access"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "email", "email_verified", "name", "groups"],
    }


def oauth_error(status: int, error: str, description: str, headers: dict[str, str] | None = None) -> Response:
    return Response(status, {"error": error, "error_description": description}, headers or {})


def error_page(error: str, description: str) -> Response:
    """The HTML error page a provider shows the browser (it must never redirect to an unverified URI)."""
    return html(400, "<!DOCTYPE html><html><head><title>Sign-in error</title></head><body><h1>oops! something "
                     f"went wrong</h1><pre>error: {error}\nerror_description: {description}</pre></body></html>")


def _pkce_s256(verifier: str) -> str:
    return _b64(hashlib.sha256(verifier.encode("ascii")).digest())


# ------------------------------------------------------------------------------------------------
# the provider


class Issuer:
    """A SpectroCloud-shaped OpenID provider; `origin` is set once its server is bound."""

    def __init__(self, tenant: str, clients: Mapping[str, Client], user: User) -> None:
        self.path = f"/v1/oidc/tenant/{tenant}"
        self.clients = dict(clients)
        self.user = user
        self.origin = ""
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._kid = "demo-" + secrets.token_hex(4)
        self._lock = threading.Lock()
        self._pending: dict[str, _SignIn] = {}  # request id -> a sign-in on the sign-in page
        self._codes: dict[str, _SignIn] = {}  # code -> the sign-in it finishes (one use)

    @property
    def issuer(self) -> str:
        return self.origin + self.path

    def handle(self, req: Request) -> Response:
        routes: dict[tuple[str, str], Handler] = {
            ("GET", "/.well-known/openid-configuration"): lambda r: Response(200, discovery_document(self.issuer)),
            ("GET", "/jwks"): lambda r: Response(200, {"keys": [jwk(self._key, self._kid)]}),
            ("GET", "/auth"): self._authorize,
            ("GET", SIGN_IN_PATH): self._sign_in_page,
            ("GET", APPROVE_PATH): self._approve,
            ("POST", "/token"): self._token,
        }
        rest = req.path[len(self.path):] if req.path.startswith(self.path + "/") else None
        route = routes.get((req.method, rest or ""))
        if route is None:
            return oauth_error(404, "invalid_request", "unrecognized route or not allowed method")
        return route(req)

    # -- the authorization endpoint and the sign-in page --------------------------------------
    def _authorize(self, req: Request) -> Response:
        q = req.query
        client = self.clients.get(q.get("client_id", ""))
        if client is None:
            return error_page("invalid_client", "client is invalid")
        redirect_uri = q.get("redirect_uri", "")
        if not client.accepts(redirect_uri):
            return error_page("invalid_redirect_uri", "redirect_uri did not match any of the client's registered redirect_uris")
        # From here on errors go back to the (registered) redirect URI, as OAuth 2.0 says.
        error = None
        if q.get("response_type") != "code":
            error = ("unsupported_response_type", "unsupported response_type requested")
        elif "openid" not in q.get("scope", "").split():
            error = ("invalid_scope", "openid scope must be requested")
        elif "code_challenge" in q and q.get("code_challenge_method") != "S256":
            error = ("invalid_request", "code_challenge_method must be S256")
        if error is not None:
            return self._back(redirect_uri, {"error": error[0], "error_description": error[1]}, q.get("state"))
        sign_in = _SignIn(q["client_id"], redirect_uri, q.get("scope", ""), q.get("state"), q.get("nonce"),
                          q.get("code_challenge"))
        request_id = secrets.token_urlsafe(16)
        with self._lock:
            self._forget_old()
            self._pending[request_id] = sign_in
        return Response(303, b"", {"Location": f"{self.issuer}{SIGN_IN_PATH}?{urlencode({'request': request_id})}"})

    def _forget_old(self) -> None:
        for store in (self._pending, self._codes):
            for key in [k for k, v in store.items() if v.expired]:
                del store[key]
            while len(store) >= MAX_PENDING:
                del store[next(iter(store))]

    def _sign_in_page(self, req: Request) -> Response:
        request_id = req.query.get("request", "")
        with self._lock:
            sign_in = self._pending.get(request_id)
        if sign_in is None or sign_in.expired:
            return error_page("invalid_request", "this sign-in expired or is unknown; start it again")
        approve = html_text.escape(f"{self.issuer}{APPROVE_PATH}?{urlencode({'request': request_id})}")
        user = html_text.escape(self.user.email)
        back = html_text.escape(urlsplit(sign_in.redirect_uri).netloc)
        return html(200, "<!DOCTYPE html><html><head><title>spectro-wizard demo sign-in</title>"
                         f'<meta http-equiv="refresh" content="2;url={approve}"></head><body>'
                         "<h1>spectro-wizard demo</h1><p>This is the demo's stand-in for the SpectroCloud sign-in "
                         "page. The request was accepted: client, redirect URI and scopes are right.</p>"
                         f'<p>Signing in as the demo user <b>{user}</b> and returning to {back}… '
                         f'<a id="approve" href="{approve}">continue</a></p></body></html>')

    def _approve(self, req: Request) -> Response:
        """The demo user signs in: back to the redirect URI with a one-time code."""
        with self._lock:
            sign_in = self._pending.pop(req.query.get("request", ""), None)
            if sign_in is None or sign_in.expired:
                return error_page("invalid_request", "this sign-in expired or is unknown; start it again")
            code = secrets.token_urlsafe(32)
            sign_in.created = time.monotonic()  # the code's own lifetime starts now
            self._codes[code] = sign_in
        return self._back(sign_in.redirect_uri, {"code": code}, sign_in.state)

    def _back(self, redirect_uri: str, params: dict[str, str], state: str | None) -> Response:
        params = {**params, **({"state": state} if state is not None else {})}
        sep = "&" if urlsplit(redirect_uri).query else "?"
        return Response(303, b"", {"Location": f"{redirect_uri}{sep}{urlencode(params)}"})

    # -- the token endpoint --------------------------------------------------------------------
    def _client_credentials(self, req: Request, form: Mapping[str, str]) -> tuple[str, str] | None:
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

    def _token(self, req: Request) -> Response:
        form = req.form()
        credentials = self._client_credentials(req, form)
        client = self.clients.get(credentials[0]) if credentials else None
        # RFC 6749 5.2: the client is authenticated first; only then is the grant looked at
        if credentials is None or client is None or not secrets.compare_digest(client.secret, credentials[1]):
            return oauth_error(401, "invalid_client", "client authentication failed",
                               {"WWW-Authenticate": 'Basic realm="demo"'})
        if form.get("grant_type") != "authorization_code":
            return oauth_error(400, "unsupported_grant_type", "unsupported grant_type requested")
        with self._lock:
            sign_in = self._codes.pop(form.get("code", ""), None)  # one use, whatever happens next
        invalid = oauth_error(400, "invalid_grant", "grant request is invalid")
        if sign_in is None or sign_in.expired or sign_in.client_id != credentials[0]:
            return invalid  # a probe's fake code lands here too
        if form.get("redirect_uri") != sign_in.redirect_uri:
            return invalid
        if sign_in.code_challenge is not None:
            verifier = form.get("code_verifier", "")
            if not verifier or not secrets.compare_digest(_pkce_s256(verifier), sign_in.code_challenge):
                return oauth_error(400, "invalid_grant", "PKCE verification failed")
        return Response(200, {"access_token": secrets.token_urlsafe(32), "token_type": "Bearer",
                              "expires_in": ID_TOKEN_TTL, "scope": sign_in.scope,
                              "id_token": self.id_token(sign_in.client_id, sign_in.scope, sign_in.nonce)},
                        {"Cache-Control": "no-store"})

    def id_token(self, audience: str, scope: str, nonce: str | None = None) -> str:
        """An ID token for the demo user, with the claims `scope` asks for."""
        now = int(time.time())
        scopes = set(scope.split())
        claims: dict[str, Any] = {"iss": self.issuer, "sub": self.user.sub, "aud": audience, "iat": now,
                                  "auth_time": now, "exp": now + ID_TOKEN_TTL}
        if nonce:
            claims["nonce"] = nonce
        if "email" in scopes:
            claims.update(email=self.user.email, email_verified=True)
        if "profile" in scopes:
            claims["name"] = self.user.name
        if "groups" in scopes:
            claims["groups"] = list(self.user.groups)
        return sign_es256(self._key, self._kid, claims)

    def verified_claims(self, token: str, audience: str) -> dict[str, Any] | None:
        """The token's claims when this provider signed it for `audience` and it has not expired."""
        claims = verify_es256(self._key.public_key(), self._kid, token)
        if claims is None or claims.get("iss") != self.issuer:
            return None
        aud = claims.get("aud")
        if audience not in (aud if isinstance(aud, list) else [aud]):
            return None
        exp = claims.get("exp")
        return claims if isinstance(exp, (int, float)) and exp > time.time() else None


__all__ = ["Client", "Issuer", "User", "discovery_document", "error_page", "is_loopback_redirect", "jwk",
           "oauth_error", "sign_es256", "verify_es256"]
