"""The OIDC checks of `verify` against a REAL oidc-provider on loopback (tests/oidc_provider).

Tiny asyncio servers stand in only where a real provider cannot misbehave on purpose: a server that
never answers, one that answers HTML, and a token endpoint that accepts HTTP Basic only.
"""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey
from ruamel.yaml import YAML

from tests.support.oidc import OIDCTestProvider, fetch_jwks, obtain_id_token
from wizard.core import hint_ids
from wizard.core.results import STATUSES, CheckResult
from wizard.remote import oidc
from wizard.remote.http import TLSOptions, async_client

HINTS_FILE = Path(__file__).resolve().parents[2] / "templates" / "hints" / "oidc.yaml"
ALL_IDS = ["oidc-discovery", "oidc-token-endpoint", "oidc-client", "oidc-redirect-uri", "oidc-scopes"]


# ------------------------------------------------------------------------------------------------
# Assertions every test applies


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, Any]]:
    return {entry["id"]: entry for entry in YAML(typ="safe").load(HINTS_FILE.read_text())}


def checked(result: CheckResult, check_id: str, status: str, hint: str | None = None, *secrets: str) -> CheckResult:
    """One result: id, status, hint (required and in the catalog when not ok), no secret anywhere."""
    assert result.id == check_id
    assert result.status in STATUSES
    assert result.status == status, f"{result.status}: {result.summary} / {result.detail}"
    if status == "ok":
        assert result.hint is None
    else:
        assert result.hint in catalog(), f"hint {result.hint!r} has no entry in {HINTS_FILE.name}"
    if hint is not None:
        assert result.hint == hint, f"hint {result.hint!r}: {result.summary} / {result.detail}"
    assert result.summary and "\n" not in result.summary
    assert_no_secret([result], *secrets)
    return result


def assert_no_secret(results: list[CheckResult], *secrets: str) -> None:
    for result in results:
        text = repr(result) + str(result) + json.dumps(result.to_json())
        for secret in secrets:
            assert secret and secret not in text, f"{result.id} leaks a secret"


def by_id(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.id: r for r in results}


async def discovery_of(provider: OIDCTestProvider) -> oidc.Discovery:
    async with async_client(timeout=10) as http:
        result, discovery = await oidc.check_discovery(http, provider.authorization_url)
    checked(result, "oidc-discovery", "ok")
    assert discovery is not None
    return discovery


# ------------------------------------------------------------------------------------------------
# A tiny loopback HTTP server (asyncio, same event loop as the test)


@dataclass
class Request:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Answer:
    status: int = 200
    body: Any = None  # dict -> JSON, str -> as is
    content_type: str = "application/json"
    hang: bool = False  # accept the request, never answer (until the server closes)
    location: str | None = None


@dataclass
class Loopback:
    route: Callable[[Request, Loopback], Answer]
    port: int = 0
    requests: list[Request] = field(default_factory=list)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@asynccontextmanager
async def loopback(route: Callable[[Request, Loopback], Answer]) -> AsyncIterator[Loopback]:
    """Listening when it yields (port known), so nothing waits for it to come up."""
    state = Loopback(route)
    release = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            method, target, _ = head[0].split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            request = Request(method, target, headers, body)
            state.requests.append(request)
            answer = route(request, state)
            if answer.hang:
                await release.wait()
                return
            payload = (json.dumps(answer.body) if isinstance(answer.body, dict) else answer.body or "").encode()
            location = f"Location: {answer.location}\r\n" if answer.location else ""
            writer.write(
                f"HTTP/1.1 {answer.status} X\r\nContent-Type: {answer.content_type}\r\n{location}"
                f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode() + payload
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    state.port = server.sockets[0].getsockname()[1]
    try:
        yield state
    finally:
        release.set()
        server.close()
        await server.wait_closed()


def fake_discovery(state: Loopback, **overrides: Any) -> dict[str, Any]:
    issuer = f"{state.origin}/v1/oidc/tenant/fake"
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/auth",
        "token_endpoint": f"{issuer}/token",
        "jwks_uri": f"{issuer}/jwks",
        "scopes_supported": ["openid", "profile", "email"],
        **overrides,
    }


# ------------------------------------------------------------------------------------------------
# The URL arithmetic, the module's way


def test_derived_token_endpoint_replaces_first_auth_only() -> None:
    assert oidc.derived_token_endpoint("https://console.spectrocloud.com/v1/oidc/tenant/abc/auth") == (
        "https://console.spectrocloud.com/v1/oidc/tenant/abc/token"
    )
    # The module's own schema comment: '/auth' earlier in the path is the one replaced.
    assert oidc.derived_token_endpoint("https://x.example/v1/auth/org/acme/oidc/authorize") == (
        "https://x.example/v1/token/org/acme/oidc/authorize"
    )
    assert oidc.derived_token_endpoint("https://x.example/oauth2/authorize") == "https://x.example/oauth2/tokenorize"
    assert oidc.derived_token_endpoint("https://x.example/login") == "https://x.example/login"


def test_derived_token_endpoint_is_javascripts_replace(node_executable: str) -> None:
    urls = [
        "https://console.spectrocloud.com/v1/oidc/tenant/abc/auth",
        "http://127.0.0.1:1/v1/oidc/tenant/authority/auth",
        "https://x/v1/auth/org/o/oidc/authorize",
        "https://x/auth/auth/auth",
        "https://x/AUTH/auth?next=/auth",
        "https://x/no-match",
        "https://authhost/auth",
        "",
    ]
    script = "const u = JSON.parse(process.argv[1]); console.log(JSON.stringify(u.map(s => s.replace('/auth', '/token'))))"
    out = subprocess.run([node_executable, "-e", script, json.dumps(urls)], capture_output=True, text=True, check=True)
    assert [oidc.derived_token_endpoint(u) for u in urls] == json.loads(out.stdout)


def test_expected_issuer_strips_final_auth() -> None:
    assert oidc.expected_issuer("https://console.spectrocloud.com/v1/oidc/tenant/abc/auth") == (
        "https://console.spectrocloud.com/v1/oidc/tenant/abc"
    )
    assert oidc.expected_issuer("https://c.example/v1/oidc/tenant/abc/auth/?x=1") == "https://c.example/v1/oidc/tenant/abc"
    assert oidc.expected_issuer("https://c.example/realms/r/authorize") == "https://c.example/realms/r"
    assert oidc.discovery_url("https://c.example/t/") == "https://c.example/t/.well-known/openid-configuration"


# ------------------------------------------------------------------------------------------------
# Everything right, end to end


async def test_all_checks_ok_with_right_configuration(oidc_provider: OIDCTestProvider, oidc_id_token: str) -> None:
    results = await oidc.run_oidc_checks(
        oidc_provider.authorization_url,
        oidc_provider.redirect_uri,
        oidc_provider.client_id,
        oidc_provider.client_secret,
        id_token=oidc_id_token,
        tls=TLSOptions(),
        timeout=10,
    )
    assert [r.id for r in results] == [*ALL_IDS, "id-token"]
    for result in results:
        checked(result, result.id, "ok", None, oidc_provider.client_secret, oidc_id_token)
    found = by_id(results)
    assert found["oidc-discovery"].data["issuer"] == oidc_provider.issuer
    assert found["oidc-token-endpoint"].data["derived_token_endpoint"] == f"{oidc_provider.issuer}/token"
    assert found["oidc-client"].data["auth_method"] == "client_secret_post"
    assert found["id-token"].data["email"] == "alice@example.com"


async def test_client_credentials_accepted_means_invalid_grant(oidc_provider: OIDCTestProvider) -> None:
    discovery = await discovery_of(oidc_provider)
    async with async_client(timeout=10) as http:
        result = await oidc.check_client(
            http, discovery, authorization_url=oidc_provider.authorization_url, client_id=oidc_provider.client_id,
            client_secret=oidc_provider.client_secret, callback_url=oidc_provider.redirect_uri,
        )
    checked(result, "oidc-client", "ok", None, oidc_provider.client_secret)
    assert "invalid_grant" in result.detail
    assert result.data["token_endpoint"] == oidc_provider.token_endpoint


# ------------------------------------------------------------------------------------------------
# oidc-client failures


async def test_wrong_secret_is_invalid_client(oidc_provider: OIDCTestProvider) -> None:
    wrong = "wrong-secret-" + oidc_provider.client_secret[::-1]
    results = await oidc.run_oidc_checks(
        oidc_provider.authorization_url, oidc_provider.redirect_uri, oidc_provider.client_id, wrong,
        client_secret_env="MY_SECRET_VAR", timeout=10,
    )
    result = checked(by_id(results)["oidc-client"], "oidc-client", "fail", "oidc-invalid-client",
                     wrong, oidc_provider.client_secret)
    assert "invalid_client" in result.summary
    assert "$MY_SECRET_VAR" in result.summary
    # Both methods were tried (the provider advertises Basic), both refused.
    assert "client_secret_post" in result.detail and "client_secret_basic" in result.detail
    assert_no_secret(results, wrong, oidc_provider.client_secret)


async def test_wrong_client_id_is_invalid_client(oidc_provider: OIDCTestProvider) -> None:
    results = await oidc.run_oidc_checks(
        oidc_provider.authorization_url, oidc_provider.redirect_uri, "no-such-client", oidc_provider.client_secret,
        timeout=10,
    )
    found = by_id(results)
    result = checked(found["oidc-client"], "oidc-client", "fail", "oidc-invalid-client", oidc_provider.client_secret)
    assert "'no-such-client'" in result.detail
    # The sign-in request with an unknown client is refused too, with the same hint.
    redirect = checked(found["oidc-redirect-uri"], "oidc-redirect-uri", "warn", "oidc-invalid-client")
    assert "invalid_client" in redirect.summary
    assert_no_secret(results, oidc_provider.client_secret)


async def test_missing_env_values_fail_as_not_tested_and_name_the_variables(oidc_provider: OIDCTestProvider) -> None:
    """Never tested is not a success (the honest verdict): the checks that need the variables fail."""
    results = await oidc.run_oidc_checks(
        oidc_provider.authorization_url, oidc_provider.redirect_uri, None, None,
        client_id_env="SC_ID", client_secret_env="SC_SECRET", id_token="a.b.c", timeout=10,
    )
    found = by_id(results)
    client = checked(found["oidc-client"], "oidc-client", "fail", "oidc-env-missing")
    assert "$SC_ID" in client.summary and "$SC_SECRET" in client.summary and "not tested" in client.summary
    redirect = checked(found["oidc-redirect-uri"], "oidc-redirect-uri", "fail", "oidc-env-missing")
    assert "$SC_ID" in redirect.summary and "SC_SECRET" not in redirect.summary
    checked(found["id-token"], "id-token", "fail", "oidc-env-missing")
    checked(found["oidc-discovery"], "oidc-discovery", "ok")


async def test_missing_secret_only_fails_the_client_check_as_not_tested(oidc_provider: OIDCTestProvider) -> None:
    results = await oidc.run_oidc_checks(
        oidc_provider.authorization_url, oidc_provider.redirect_uri, oidc_provider.client_id, "", timeout=10,
    )
    found = by_id(results)
    client = checked(found["oidc-client"], "oidc-client", "fail", "oidc-env-missing")
    assert client.data["missing_env"] == ["SPECTROCLOUD_CLIENT_SECRET"] and "invalid_client" in client.detail
    checked(found["oidc-redirect-uri"], "oidc-redirect-uri", "ok")


async def test_basic_only_token_endpoint_fails_with_auth_method_hint() -> None:
    """The module sends client_secret_post; a provider that takes only Basic refuses the module."""
    secret = "basic-only-secret-Zq9"

    def route(request: Request, state: Loopback) -> Answer:
        if request.path.endswith("/.well-known/openid-configuration"):
            return Answer(body=fake_discovery(state, token_endpoint_auth_methods_supported=["client_secret_basic"]))
        expected = "Basic " + base64.b64encode(f"cid:{secret}".encode()).decode()
        if request.headers.get("authorization") == expected:
            return Answer(400, {"error": "invalid_grant"})
        return Answer(401, {"error": "invalid_client", "error_description": "client authentication failed"})

    async with loopback(route) as server:
        results = await oidc.run_oidc_checks(
            f"{server.origin}/v1/oidc/tenant/fake/auth", "http://localhost:7007/cb", "cid", secret, timeout=5,
        )
        result = checked(by_id(results)["oidc-client"], "oidc-client", "fail", "oidc-client-auth-method", secret)
        assert result.data["auth_method"] == "client_secret_basic"
        token_requests = [r for r in server.requests if r.path.endswith("/token")]
        # First as the module does it (secret in the body), then Basic (no secret in the body).
        assert token_requests[0].form()["client_secret"] == secret
        assert "client_secret" not in token_requests[1].form()
        assert "authorization" in token_requests[1].headers


@pytest.mark.parametrize("padding", [0, 185])  # 185: the secret straddles where the answer is cut
async def test_unexpected_token_error_warns_and_never_echoes_the_secret(padding: int) -> None:
    secret = "echoed-secret-Xy7+/="

    def route(request: Request, state: Loopback) -> Answer:
        if request.path.endswith("/.well-known/openid-configuration"):
            return Answer(body=fake_discovery(state))
        # A provider that echoes what it got: the secret must still not reach the result.
        posted = request.form().get("client_secret", "")
        description = f"{'x' * padding}client {posted} may not use this grant"
        return Answer(400, {"error": "unauthorized_client", "error_description": description})

    async with loopback(route) as server:
        results = await oidc.run_oidc_checks(
            f"{server.origin}/v1/oidc/tenant/fake/auth", "http://localhost:7007/cb", "cid", secret, timeout=5,
        )
    result = checked(by_id(results)["oidc-client"], "oidc-client", "warn", "oidc-client-unexpected-error", secret)
    assert "unauthorized_client" in result.summary
    assert "***" in result.summary
    assert_no_secret(results, secret, secret[:8])


# ------------------------------------------------------------------------------------------------
# oidc-redirect-uri


async def test_registered_redirect_uri_is_ok(oidc_provider: OIDCTestProvider) -> None:
    async with async_client(timeout=10) as http:
        result = await oidc.check_redirect_uri(
            http, oidc_provider.authorization_url, client_id=oidc_provider.client_id,
            callback_url=oidc_provider.redirect_uri,
        )
    checked(result, "oidc-redirect-uri", "ok")
    assert "/v1/oidc/tenant/test-tenant/interaction/" in result.detail


async def test_unregistered_redirect_uri_fails_naming_it(oidc_provider: OIDCTestProvider) -> None:
    callback = "https://backstage.example.com/api/auth/spectrocloud/handler/frame"
    results = await oidc.run_oidc_checks(
        oidc_provider.authorization_url, callback, oidc_provider.client_id, oidc_provider.client_secret, timeout=10,
    )
    result = checked(by_id(results)["oidc-redirect-uri"], "oidc-redirect-uri", "fail",
                     "oidc-redirect-uri-not-registered", oidc_provider.client_secret)
    assert callback in result.summary
    assert "invalid_redirect_uri" in result.detail


@pytest.mark.parametrize(
    ("location", "status", "hint", "words"),
    [
        # Some providers send the browser to their own error page with ?error=invalid_redirect_uri.
        ("/error?error=invalid_redirect_uri&error_description=nope", "fail", "oidc-redirect-uri-not-registered",
         "http://localhost:7007/cb"),
        # A registered callback, but the provider refuses the request itself.
        ("http://localhost:7007/cb?error=invalid_scope&state=x", "warn", "oidc-authorization-request-rejected",
         "invalid_scope"),
    ],
)
async def test_errors_in_a_redirects_query(location: str, status: str, hint: str, words: str) -> None:
    def route(request: Request, state: Loopback) -> Answer:
        return Answer(303, "", "text/plain", location=location)

    async with loopback(route) as server, async_client(timeout=5) as http:
        result = await oidc.check_redirect_uri(
            http, f"{server.origin}/t/auth", client_id="cid", callback_url="http://localhost:7007/cb",
        )
    checked(result, "oidc-redirect-uri", status, hint)
    assert words in result.summary


# ------------------------------------------------------------------------------------------------
# oidc-token-endpoint and oidc-discovery failures


async def test_auth_earlier_in_the_path_gives_a_wrong_token_endpoint(
    oidc_provider_factory: Callable[..., OIDCTestProvider],
) -> None:
    """A tenant segment beginning with 'auth': the module rewrites '/authority' into '/tokenority'."""
    provider = oidc_provider_factory(tenant="authority")
    results = await oidc.run_oidc_checks(
        provider.authorization_url, provider.redirect_uri, provider.client_id, provider.client_secret, timeout=10,
    )
    found = by_id(results)
    checked(found["oidc-discovery"], "oidc-discovery", "ok")  # the issuer is still derived right
    result = checked(found["oidc-token-endpoint"], "oidc-token-endpoint", "fail", "oidc-token-endpoint-mismatch")
    assert result.data["derived_token_endpoint"].endswith("/v1/oidc/tenant/tokenority/auth")
    assert result.data["token_endpoint"] == f"{provider.issuer}/token"
    assert provider.issuer + "/token" in result.summary
    # The secret goes only where the module would send it AND discovery agrees: here they disagree,
    # so it is not sent anywhere (it was sent to discovery's endpoint before: a server's answer chose
    # where the secret went).
    client = checked(found["oidc-client"], "oidc-client", "fail", "oidc-secret-not-sent", provider.client_secret)
    assert "not sent" in client.summary and "tokenority" in client.detail


async def test_authorization_url_other_than_advertised_warns(oidc_provider: OIDCTestProvider) -> None:
    discovery = await discovery_of(oidc_provider)
    aliased = oidc.Discovery(discovery.url, {**discovery.document,
                                             "authorization_endpoint": "https://login.example.com/authorize"})
    result = oidc.check_token_endpoint(oidc_provider.authorization_url, aliased)
    checked(result, "oidc-token-endpoint", "warn", "oidc-authorization-endpoint-mismatch")
    assert "https://login.example.com/authorize" in result.summary


async def test_issuer_mismatch_names_both_values(oidc_provider_factory: Callable[..., OIDCTestProvider]) -> None:
    """Another path served by the same provider: its discovery document names the real issuer."""
    provider = oidc_provider_factory(tenant="acme", extra_config={"alias_tenants": ["acme-old"]})
    alias_auth = provider.authorization_url.replace("/tenant/acme/", "/tenant/acme-old/")
    results = await oidc.run_oidc_checks(
        alias_auth, provider.redirect_uri, provider.client_id, provider.client_secret, timeout=10,
    )
    found = by_id(results)
    result = checked(found["oidc-discovery"], "oidc-discovery", "fail", "oidc-issuer-mismatch", provider.client_secret)
    assert provider.issuer in result.summary
    assert alias_auth.removesuffix("/auth") in result.summary
    # The document is still the provider's: the other checks ran against it.
    checked(found["oidc-client"], "oidc-client", "ok", None, provider.client_secret)
    checked(found["oidc-redirect-uri"], "oidc-redirect-uri", "ok")


async def test_wrong_tenant_is_a_discovery_404_and_dependents_say_why(oidc_provider: OIDCTestProvider) -> None:
    wrong = oidc_provider.authorization_url.replace("/tenant/test-tenant/", "/tenant/no-such-tenant/")
    results = await oidc.run_oidc_checks(
        wrong, oidc_provider.redirect_uri, oidc_provider.client_id, oidc_provider.client_secret, timeout=10,
    )
    assert [r.id for r in results] == ALL_IDS
    result = checked(results[0], "oidc-discovery", "fail", "oidc-discovery-failed")
    assert "HTTP 404" in result.summary
    assert "/tenant/no-such-tenant/.well-known/openid-configuration" in result.summary
    for skipped in results[1:]:
        checked(skipped, skipped.id, "skip", "oidc-discovery-failed")
        assert "oidc-discovery" in skipped.summary
        assert skipped.detail == result.summary
    assert_no_secret(results, oidc_provider.client_secret)


async def test_connection_refused(refused_port: int) -> None:
    url = f"http://127.0.0.1:{refused_port}/v1/oidc/tenant/t/auth"
    results = await oidc.run_oidc_checks(url, "http://localhost:7007/cb", "cid", "sekret-refused", timeout=5)
    result = checked(results[0], "oidc-discovery", "fail", "oidc-unreachable", "sekret-refused")
    assert f"127.0.0.1:{refused_port}" in result.summary
    assert all(r.status == "skip" and r.hint == "oidc-unreachable" for r in results[1:])


async def test_connection_refused_is_worded_as_such(refused_port: int) -> None:
    url = f"http://127.0.0.1:{refused_port}/v1/oidc/tenant/t/auth"
    results = await oidc.run_oidc_checks(url, "http://localhost:7007/cb", "cid", "sekret-refused", timeout=5)
    assert "refused the connection" in results[0].summary


async def test_not_json_discovery_fails() -> None:
    def route(request: Request, state: Loopback) -> Answer:
        return Answer(200, "<!DOCTYPE html><html><body>Sign in to Example Portal</body></html>", "text/html")

    async with loopback(route) as server:
        results = await oidc.run_oidc_checks(
            f"{server.origin}/v1/oidc/tenant/t/auth", "http://localhost:7007/cb", "cid", "sekret-html", timeout=5,
        )
    result = checked(results[0], "oidc-discovery", "fail", "oidc-discovery-failed", "sekret-html")
    assert "not a JSON object" in result.summary and "text/html" in result.summary
    assert "Sign in to Example Portal" in result.detail


async def test_discovery_without_required_fields_fails() -> None:
    def route(request: Request, state: Loopback) -> Answer:
        document = fake_discovery(state)
        del document["token_endpoint"]
        return Answer(body=document)

    async with loopback(route) as server:
        results = await oidc.run_oidc_checks(
            f"{server.origin}/v1/oidc/tenant/fake/auth", "http://localhost:7007/cb", "cid", "s", timeout=5,
        )
    result = checked(results[0], "oidc-discovery", "fail", "oidc-discovery-failed")
    assert "token_endpoint" in result.summary


async def test_a_server_that_never_answers_times_out() -> None:
    def route(request: Request, state: Loopback) -> Answer:
        return Answer(hang=True)

    async with loopback(route) as server:
        results = await oidc.run_oidc_checks(
            f"{server.origin}/v1/oidc/tenant/t/auth", "http://localhost:7007/cb", "cid", "sekret-slow", timeout=0.5,
        )
        assert len(server.requests) == 1  # the request arrived; the answer never did
    result = checked(results[0], "oidc-discovery", "fail", "oidc-unreachable", "sekret-slow")
    assert "did not answer in time" in result.summary


async def test_whole_check_deadline_backs_up_httpx_timeouts() -> None:
    """check_timeout bounds a check even when the client's own timeout is long."""

    def route(request: Request, state: Loopback) -> Answer:
        if request.path.endswith("/.well-known/openid-configuration"):
            return Answer(body=fake_discovery(state))
        return Answer(hang=True)  # token and authorization endpoints stall

    async with loopback(route) as server, async_client(timeout=60) as http:
        results = await asyncio.wait_for(oidc.run_oidc_checks(
            f"{server.origin}/v1/oidc/tenant/fake/auth", "http://localhost:7007/cb", "cid", "sekret-stall",
            http=http, check_timeout=0.3,
        ), 30)
    found = by_id(results)
    checked(found["oidc-discovery"], "oidc-discovery", "ok")
    for check_id in ("oidc-client", "oidc-redirect-uri"):
        result = checked(found[check_id], check_id, "fail", "oidc-unreachable", "sekret-stall")
        assert "no complete answer within 0.3s" in result.summary


async def test_invalid_authorization_url_fails_without_a_request() -> None:
    results = await oidc.run_oidc_checks("console.spectrocloud.com/v1/oidc/tenant/t/auth", "http://l/cb", "c", "s")
    checked(results[0], "oidc-discovery", "fail", "oidc-authorization-url-invalid")


# ------------------------------------------------------------------------------------------------
# oidc-scopes


async def test_scopes_ok_and_missing(oidc_provider: OIDCTestProvider) -> None:
    discovery = await discovery_of(oidc_provider)
    checked(oidc.check_scopes(discovery), "oidc-scopes", "ok")
    extra = oidc.check_scopes(discovery, scope="openid profile email offline_access")
    checked(extra, "oidc-scopes", "warn", "oidc-scopes-missing")
    assert extra.data["missing"] == ["offline_access"]
    without_email = oidc.Discovery(discovery.url, {**discovery.document, "scopes_supported": ["openid"]})
    missing = checked(oidc.check_scopes(without_email), "oidc-scopes", "warn", "oidc-scopes-missing")
    assert missing.data["missing"] == ["profile", "email"]


def test_scopes_skip_when_not_advertised() -> None:
    discovery = oidc.Discovery("https://x/.well-known/openid-configuration", {"issuer": "https://x"})
    checked(oidc.check_scopes(discovery), "oidc-scopes", "skip", "oidc-scopes-not-advertised")


# ------------------------------------------------------------------------------------------------
# id-token


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_real_id_token_is_valid(oidc_provider: OIDCTestProvider, oidc_id_token: str) -> None:
    result = oidc.validate_id_token(oidc_id_token, fetch_jwks(oidc_provider), oidc_provider.issuer, oidc_provider.client_id)
    checked(result, "id-token", "ok", None, oidc_id_token)
    assert result.data["sub"] == "alice"
    assert result.data["email"] == "alice@example.com"
    assert result.data["groups"] == ["developers", "platform-team"]
    assert result.data["alg"] == "RS256"


def test_expired_id_token(oidc_provider: OIDCTestProvider, oidc_id_token: str) -> None:
    jwks = fetch_jwks(oidc_provider)
    exp = _claims(oidc_id_token)["exp"]
    just_before = oidc.validate_id_token(oidc_id_token, jwks, oidc_provider.issuer, oidc_provider.client_id, now=exp - 1)
    checked(just_before, "id-token", "ok")
    at_exp = oidc.validate_id_token(oidc_id_token, jwks, oidc_provider.issuer, oidc_provider.client_id, now=exp)
    checked(at_exp, "id-token", "fail", "id-token-expired")  # RFC 7519: valid only BEFORE exp
    expired = oidc.validate_id_token(oidc_id_token, jwks, oidc_provider.issuer, oidc_provider.client_id, now=exp + 3600)
    checked(expired, "id-token", "fail", "id-token-expired", oidc_id_token)
    assert "expired at" in expired.summary
    assert expired.data["email"] == "alice@example.com"  # the signature held, so the claims are reported


def test_wrong_audience(oidc_provider: OIDCTestProvider, oidc_id_token: str) -> None:
    result = oidc.validate_id_token(oidc_id_token, fetch_jwks(oidc_provider), oidc_provider.issuer, "kubernetes")
    checked(result, "id-token", "fail", "id-token-invalid", oidc_id_token)
    assert repr(oidc_provider.client_id) in result.summary and "'kubernetes'" in result.summary


def test_wrong_issuer(oidc_provider: OIDCTestProvider, oidc_id_token: str) -> None:
    other = "https://console.spectrocloud.com/v1/oidc/tenant/abc"
    result = oidc.validate_id_token(oidc_id_token, fetch_jwks(oidc_provider), other, oidc_provider.client_id)
    checked(result, "id-token", "fail", "id-token-invalid", oidc_id_token)
    assert other in result.summary and oidc_provider.issuer in result.summary


def test_tampered_signature_and_payload(oidc_provider: OIDCTestProvider, oidc_id_token: str) -> None:
    jwks = fetch_jwks(oidc_provider)
    header, payload, signature = oidc_id_token.split(".")
    flipped = signature[:20] + ("A" if signature[20] != "A" else "B") + signature[21:]
    result = oidc.validate_id_token(f"{header}.{payload}.{flipped}", jwks, oidc_provider.issuer, oidc_provider.client_id)
    checked(result, "id-token", "fail", "id-token-invalid")
    assert "does not verify" in result.summary
    assert result.data == {}  # unverified claims are not reported

    claims = {**_claims(oidc_id_token), "groups": ["system:masters"]}
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    result = oidc.validate_id_token(f"{header}.{forged}.{signature}", jwks, oidc_provider.issuer, oidc_provider.client_id)
    checked(result, "id-token", "fail", "id-token-invalid")
    assert "system:masters" not in json.dumps(result.to_json())


def test_token_signed_by_another_key(oidc_provider: OIDCTestProvider, oidc_id_token: str) -> None:
    jwks = fetch_jwks(oidc_provider)
    claims = _claims(oidc_id_token)
    stranger = RSAKey.generate_key(2048)
    unknown_kid = jwt.encode({"alg": "RS256", "kid": "someone-else"}, claims, stranger)
    result = oidc.validate_id_token(unknown_kid, jwks, oidc_provider.issuer, oidc_provider.client_id)
    checked(result, "id-token", "fail", "id-token-invalid")
    assert "'someone-else'" in result.summary
    # Same kid as the provider's key, other key: the signature check is what catches it.
    stolen_kid = jwt.encode({"alg": "RS256", "kid": jwks["keys"][0]["kid"]}, claims, stranger)
    result = oidc.validate_id_token(stolen_kid, jwks, oidc_provider.issuer, oidc_provider.client_id)
    checked(result, "id-token", "fail", "id-token-invalid")
    assert "does not verify" in result.summary


def test_symmetric_and_malformed_tokens_are_refused(oidc_provider: OIDCTestProvider, oidc_id_token: str) -> None:
    jwks = fetch_jwks(oidc_provider)
    hs256 = jwt.encode({"alg": "HS256"}, _claims(oidc_id_token), OctKey.import_key("k" * 32))
    result = checked(oidc.validate_id_token(hs256, jwks, oidc_provider.issuer, oidc_provider.client_id),
                     "id-token", "fail", "id-token-invalid")
    assert "'HS256'" in result.summary
    not_jwt = "not-a-jwt-but-some-backstage-token"
    result = checked(oidc.validate_id_token(not_jwt, jwks, oidc_provider.issuer, oidc_provider.client_id),
                     "id-token", "fail", "id-token-invalid", not_jwt)
    assert "not a JWT" in result.summary


def test_id_token_without_email_warns(oidc_provider: OIDCTestProvider) -> None:
    token = obtain_id_token(oidc_provider, user="bob", scope="openid profile")
    result = oidc.validate_id_token(token, fetch_jwks(oidc_provider), oidc_provider.issuer, oidc_provider.client_id)
    checked(result, "id-token", "warn", "id-token-claims-missing", token)
    assert result.data["sub"] == "bob" and result.data["email"] is None


async def test_check_id_token_fetches_the_providers_keys(oidc_provider: OIDCTestProvider, oidc_id_token: str) -> None:
    discovery = await discovery_of(oidc_provider)
    async with async_client(timeout=10) as http:
        result = await oidc.check_id_token(http, discovery, oidc_id_token, expected_issuer=oidc_provider.issuer,
                                           client_id=oidc_provider.client_id)
    checked(result, "id-token", "ok", None, oidc_id_token)
    assert result.data["kid"] == fetch_jwks(oidc_provider)["keys"][0]["kid"]


# ------------------------------------------------------------------------------------------------
# The hint catalog


def test_every_hint_has_a_complete_catalog_entry() -> None:
    entries = catalog()
    assert set(hint_ids.OIDC) == set(entries), "code and catalog disagree"
    required = {"oidc-discovery-failed", "oidc-issuer-mismatch", "oidc-token-endpoint-mismatch", "oidc-invalid-client",
                "oidc-redirect-uri-not-registered", "oidc-scopes-missing", "oidc-env-missing", "oidc-unreachable",
                "id-token-invalid", "id-token-expired"}
    assert required <= set(entries)
    for hint_id, entry in entries.items():
        assert set(entry) == {"id", "title", "symptoms", "cause", "steps", "links"}, hint_id
        assert entry["title"] and "\n" not in entry["title"], hint_id
        assert entry["symptoms"] and all(isinstance(s, str) and s for s in entry["symptoms"]), hint_id
        assert isinstance(entry["cause"], str) and entry["cause"], hint_id
        assert entry["steps"] and all(isinstance(s, str) and s for s in entry["steps"]), hint_id
        assert all(link.startswith("https://") for link in entry["links"]), hint_id
