"""wizard.remote.backstage against a loopback Backstage double that answers with captured bodies."""

from __future__ import annotations

import logging

import pytest

from tests.support.doubles import (
    CAPTURE_CLUSTERS_200,
    CAPTURE_CLUSTERS_401,
    DNS_FAIL_URL,
    GUEST_TOKEN,
    ID_TOKEN,
    ID_TOKEN_BOB,
    UNTRUSTED_ID_TOKEN,
    USER_TOKEN,
    BackstageCluster,
    BackstageDouble,
    Running,
    Serve,
)
from tests.support.results import assert_no_secret, checked
from wizard.core.mask import scrub_secrets
from wizard.remote import backstage as bs
from wizard.remote.http import async_client

AUTH_URL = "https://console.spectrocloud.com/v1/oidc/tenant/abc123/auth"
EXPECTED = [
    {"name": "my-cluster", "authProvider": "oidc", "oidcTokenProvider": "spectrocloud"},
    {"name": "legacy-prod", "authProvider": "serviceAccount"},
]


# ------------------------------------------------------------------------------------ the double


async def test_the_double_answers_with_the_captured_bodies(backstage: Running) -> None:
    """Guard: the fake backend's clusters route says byte for byte what the real one said."""
    async with async_client() as client:
        anonymous = await client.get(backstage.url + "/api/kubernetes/clusters")
        served = await client.get(backstage.url + "/api/kubernetes/clusters",
                                  headers={"Authorization": f"Bearer {USER_TOKEN}"})
    assert (anonymous.status_code, anonymous.json()) == (401, CAPTURE_CLUSTERS_401)
    assert (served.status_code, served.json()) == (200, CAPTURE_CLUSTERS_200)


# ------------------------------------------------------------------------------------ reachable


async def test_reachable_ok_on_the_401_of_a_running_backend(backstage: Running) -> None:
    async with async_client() as client:
        result = checked(await bs.check_backend_reachable(client, backstage.url), "backend-reachable", "ok")
    assert result.data["status"] == 401  # the captured "Missing credentials" answer still proves it is up


async def test_reachable_fails_when_the_backend_did_not_start(backstage: Running) -> None:
    backstage.double.started = False
    async with async_client() as client:
        result = checked(await bs.check_backend_reachable(client, backstage.url), status="fail",
                         hint="backend-not-started")
    assert "kubernetes.clusterLocatorMethods" in result.detail
    assert "kubernetes.serviceLocatorMethod.type" in result.detail
    assert "log" in result.detail


async def test_reachable_refused(refused_url: str) -> None:
    async with async_client() as client:
        result = checked(await bs.check_backend_reachable(client, refused_url), status="fail",
                         hint="backend-unreachable")
    assert "refused" in result.detail


async def test_reachable_dns_failure() -> None:
    async with async_client() as client:
        result = checked(await bs.check_backend_reachable(client, DNS_FAIL_URL), status="fail",
                         hint="backend-unreachable")
    assert "does not resolve" in result.detail


async def test_reachable_timeout(slow_url: str) -> None:
    async with async_client(timeout=0.3) as client:
        result = checked(await bs.check_backend_reachable(client, slow_url), status="fail",
                         hint="backend-unreachable")
    assert "did not answer in time" in result.detail


async def test_reachable_https_to_a_plain_http_backend(backstage: Running) -> None:
    url = backstage.url.replace("http://", "https://")
    async with async_client() as client:
        result = checked(await bs.check_backend_reachable(client, url), status="fail")
    assert "does not speak TLS" in result.detail


# ------------------------------------------------------------------------------- auth provider


async def test_auth_provider_redirects_to_the_authorization_url(backstage: Running) -> None:
    async with async_client() as client:
        result = checked(await bs.check_backend_auth_provider(client, backstage.url, "development", AUTH_URL),
                         "backend-auth-provider", "ok")
    assert result.data["location"] == AUTH_URL
    assert "state=" not in result.detail and "client_id" not in result.detail  # query never shown
    assert backstage.server.requests[-1].query == {"env": "development"}


async def test_auth_provider_redirect_elsewhere_warns_naming_both(backstage: Running) -> None:
    backstage.double.authorization_url = "https://console.spectrocloud.com/v1/oidc/tenant/old-tenant/auth"
    async with async_client() as client:
        result = checked(await bs.check_backend_auth_provider(client, backstage.url, "development", AUTH_URL),
                         status="warn", hint="backend-auth-redirect-mismatch")
    assert "old-tenant" in result.summary and "abc123" in result.summary
    assert "restarted" in result.detail


async def test_auth_provider_path_prefix_is_not_enough(backstage: Running) -> None:
    backstage.double.authorization_url = AUTH_URL + "orize"
    async with async_client() as client:
        checked(await bs.check_backend_auth_provider(client, backstage.url, "development", AUTH_URL),
                status="warn", hint="backend-auth-redirect-mismatch")


async def test_auth_provider_missing_module(backstage: Running) -> None:
    backstage.double.auth_module = False
    async with async_client() as client:
        result = checked(await bs.check_backend_auth_provider(client, backstage.url, "development", AUTH_URL),
                         status="fail", hint="backend-auth-module-missing")
    assert "Unknown auth provider 'spectrocloud'" in result.detail
    assert "backend.add(import('@terasky/backstage-plugin-spectrocloud-auth-backend'))" in result.detail
    assert "packages/backend/src/index.ts" in result.detail


async def test_auth_provider_unconfigured_environment(backstage: Running) -> None:
    async with async_client() as client:
        result = checked(await bs.check_backend_auth_provider(client, backstage.url, "production", AUTH_URL),
                         status="fail", hint="backend-auth-provider-error")
    assert "'production' environment" in result.detail


async def test_auth_provider_on_a_backend_that_did_not_start(backstage: Running) -> None:
    backstage.double.started = False
    async with async_client() as client:
        checked(await bs.check_backend_auth_provider(client, backstage.url), status="fail", hint="backend-not-started")


async def test_auth_provider_unreachable(refused_url: str) -> None:
    async with async_client() as client:
        checked(await bs.check_backend_auth_provider(client, refused_url), status="fail", hint="backend-unreachable")


# ---------------------------------------------------------------------------------- guest token


async def test_guest_token_is_read_from_backstage_identity(backstage: Running) -> None:
    async with async_client() as client:
        assert await bs.get_guest_token(client, backstage.url) == GUEST_TOKEN
    # the double refuses without the CSRF header, so getting a token proves it was sent
    assert backstage.server.requests[-1].headers["x-requested-with"] == "XMLHttpRequest"


async def test_guest_token_refused_gives_none(backstage: Running, refused_url: str) -> None:
    backstage.double.guest_enabled = False
    async with async_client() as client:
        assert await bs.get_guest_token(client, backstage.url) is None
        assert await bs.get_guest_token(client, refused_url) is None


# ------------------------------------------------------------------------------------- clusters


async def test_clusters_ok_when_served_as_configured(backstage: Running) -> None:
    backstage.double.clusters = backstage.double.clusters[:1]
    async with async_client() as client:
        result = checked(await bs.check_backend_clusters(client, backstage.url, USER_TOKEN, EXPECTED[:1]),
                         "backend-clusters", "ok")
    assert result.data["oidc"] == ["my-cluster"]
    assert backstage.server.requests[-1].bearer == USER_TOKEN


async def test_clusters_kept_on_service_account_on_purpose_warn(backstage: Running) -> None:
    async with async_client() as client:
        result = checked(await bs.check_backend_clusters(client, backstage.url, USER_TOKEN, EXPECTED),
                         status="warn", hint="backend-cluster-not-oidc")
    assert result.data["notOidc"] == ["legacy-prod"]
    assert "legacy-prod" in result.detail and "migrate" in result.detail
    # a wave is not a difference: the backend serves what the config says
    assert result.summary == "the backend serves the configured clusters (2 served, 1 on oidc/spectrocloud; 1 still on service accounts)"


async def test_clusters_configured_oidc_but_served_service_account_fail(backstage: Running) -> None:
    expected = [EXPECTED[0], {"name": "legacy-prod", "authProvider": "oidc", "oidcTokenProvider": "spectrocloud"}]
    async with async_client() as client:
        result = checked(await bs.check_backend_clusters(client, backstage.url, USER_TOKEN, expected),
                         status="fail", hint="backend-clusters-stale")
    assert result.data["stale"] == ["legacy-prod"]
    assert "legacy-prod (served as serviceAccount)" in result.detail
    assert "not restarted" in result.detail and "another config file" in result.detail


async def test_clusters_missing_and_unexpected(backstage: Running) -> None:
    expected = [EXPECTED[0], {"name": "new-cluster", "authProvider": "oidc", "oidcTokenProvider": "spectrocloud"}]
    async with async_client() as client:
        result = checked(await bs.check_backend_clusters(client, backstage.url, USER_TOKEN, expected),
                         status="fail", hint="backend-clusters-stale")
    assert result.data["missing"] == ["new-cluster"] and result.data["unexpected"] == ["legacy-prod"]
    assert "new-cluster" in result.detail and "legacy-prod" in result.detail


async def test_clusters_only_unexpected_warns(backstage: Running) -> None:
    async with async_client() as client:
        result = checked(await bs.check_backend_clusters(client, backstage.url, USER_TOKEN, EXPECTED[:1]),
                         status="warn", hint="backend-clusters-unexpected")
    assert "legacy-prod" in result.detail


@pytest.mark.parametrize("origin, words", [("guest", "guest token was refused"), ("given", "--token")])
async def test_clusters_401_names_the_fix(backstage: Running, origin: bs.TokenOrigin, words: str) -> None:
    async with async_client() as client:
        result = checked(await bs.check_backend_clusters(client, backstage.url, "not-a-valid-token", EXPECTED,
                                                         origin), status="fail", hint="backend-token-refused")
    assert words in result.detail
    assert "BACKSTAGE_TOKEN" in result.detail or origin == "given"
    assert "not-a-valid-token" not in result.detail


async def test_clusters_without_any_token(backstage: Running) -> None:
    async with async_client() as client:
        result = checked(await bs.check_backend_clusters(client, backstage.url, None, EXPECTED), status="fail",
                         hint="backend-token-refused")
    assert "--token" in result.detail and "BACKSTAGE_TOKEN" in result.detail


async def test_clusters_not_started_and_unreachable(backstage: Running, refused_url: str) -> None:
    backstage.double.started = False
    async with async_client() as client:
        checked(await bs.check_backend_clusters(client, backstage.url, USER_TOKEN, EXPECTED), status="fail",
                hint="backend-not-started")
        checked(await bs.check_backend_clusters(client, refused_url, USER_TOKEN, EXPECTED), status="fail",
                hint="backend-unreachable")


def test_compare_clusters_other_token_provider_is_not_spectrocloud() -> None:
    served = [{"name": "a", "authProvider": "oidc", "oidcTokenProvider": "okta"}]
    result = checked(bs.compare_clusters(served, [{"name": "a", "authProvider": "oidc", "oidcTokenProvider": "spectrocloud"}]),
                     status="fail", hint="backend-clusters-stale")
    assert "a (served as oidc/okta)" in result.detail


# ---------------------------------------------------------------------------------------- proxy


async def test_proxy_reaches_the_cluster_with_the_id_token(backstage: Running, kube: Running,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with async_client() as client:
        result = checked(await bs.check_backend_proxy(client, backstage.url, USER_TOKEN, "my-cluster", ID_TOKEN),
                         "backend-proxy:my-cluster", "ok")
    assert result.data["namespaces"] == ["default", "kube-system", "team-a"]
    sent = backstage.server.requests[-1]
    assert sent.bearer == USER_TOKEN
    assert sent.headers["backstage-kubernetes-cluster"] == "my-cluster"
    assert sent.headers["backstage-kubernetes-authorization-oidc-spectrocloud"] == ID_TOKEN
    assert kube.server.requests[-1].bearer == ID_TOKEN  # the backend forwarded the ID token, not ours
    assert_no_secret(caplog.text)


async def test_proxy_without_the_id_token_header(backstage: Running) -> None:
    # A wrong provider name puts the token under another header: the backend then finds none.
    async with async_client() as client:
        result = checked(await bs.check_backend_proxy(client, backstage.url, USER_TOKEN, "my-cluster", ID_TOKEN,
                                                      oidc_token_provider="okta"),
                         status="fail", hint="proxy-no-id-token")
    assert "Auth token not found under oidc.spectrocloud in request body" in result.detail


async def test_proxy_cluster_does_not_resolve(backstage: Running) -> None:
    backstage.double.clusters.append(BackstageCluster("far-away", "https://api.far-away.invalid:6443"))
    async with async_client() as client:
        result = checked(await bs.check_backend_proxy(client, backstage.url, USER_TOKEN, "far-away", ID_TOKEN),
                         status="fail", hint="proxy-cluster-unreachable")
    assert "getaddrinfo ENOTFOUND api.far-away.invalid" in result.detail
    assert "from the backend" in result.detail or "backend's host" in result.detail


async def test_proxy_cluster_with_untrusted_certificate(backstage: Running, kube_untrusted: Running) -> None:
    backstage.double.clusters.append(BackstageCluster("rogue", kube_untrusted.url))
    async with async_client() as client:
        result = checked(await bs.check_backend_proxy(client, backstage.url, USER_TOKEN, "rogue", ID_TOKEN),
                         status="fail", hint="cluster-tls")
    assert "caData" in result.detail


async def test_proxy_unknown_cluster(backstage: Running) -> None:
    async with async_client() as client:
        result = checked(await bs.check_backend_proxy(client, backstage.url, USER_TOKEN, "nope", ID_TOKEN),
                         status="fail", hint="proxy-cluster-unknown")
    assert "Cluster 'nope' not found" in result.detail


async def test_proxy_cluster_rejects_the_id_token(backstage: Running) -> None:
    async with async_client() as client:
        result = checked(await bs.check_backend_proxy(client, backstage.url, USER_TOKEN, "my-cluster",
                                                      UNTRUSTED_ID_TOKEN),
                         status="fail", hint="cluster-untrusted-issuer")
    assert "401" in result.summary


async def test_proxy_cluster_rbac_forbids(backstage: Running) -> None:
    async with async_client() as client:
        result = checked(await bs.check_backend_proxy(client, backstage.url, USER_TOKEN, "my-cluster", ID_TOKEN_BOB),
                         status="fail", hint="cluster-rbac-denied")
    assert 'User "oidc:bob@example.com" cannot list resource "namespaces"' in result.detail
    assert "spectro-wizard rbac" in result.detail


async def test_proxy_backstage_refuses_our_token(backstage: Running) -> None:
    async with async_client() as client:
        result = checked(await bs.check_backend_proxy(client, backstage.url, None, "my-cluster", ID_TOKEN),
                         status="fail", hint="backend-token-refused")
    assert "--token" in result.detail


async def test_proxy_not_started_and_timeout(backstage: Running, slow_url: str) -> None:
    backstage.double.started = False
    async with async_client(timeout=0.3) as client:
        checked(await bs.check_backend_proxy(client, backstage.url, USER_TOKEN, "my-cluster", ID_TOKEN),
                status="fail", hint="backend-not-started")
        result = checked(await bs.check_backend_proxy(client, slow_url, USER_TOKEN, "my-cluster", ID_TOKEN),
                         status="fail", hint="backend-unreachable")
    assert "did not answer in time" in result.detail


def test_scrub_removes_echoed_secrets() -> None:
    assert scrub_secrets(f"bad token {ID_TOKEN} here", [ID_TOKEN, None]) == "bad token **** here"


# ------------------------------------------------------------------------------------ all checks


async def test_verify_backend_with_the_guest_token(backstage: Running, kube: Running) -> None:
    results = await bs.verify_backend(backstage.url, authorization_url=AUTH_URL, expected=EXPECTED,
                                      id_token=ID_TOKEN)
    for result in results:
        checked(result)
    assert [r.id for r in results] == ["backend-reachable", "backend-auth-provider", "backend-clusters",
                                       "backend-proxy:my-cluster"]
    assert [r.status for r in results] == ["ok", "ok", "warn", "ok"]
    cluster_calls = [r for r in backstage.server.requests if r.path == "/api/kubernetes/clusters" and r.bearer]
    assert cluster_calls[-1].bearer == GUEST_TOKEN


async def test_verify_backend_guest_refused_reports_401_fix(backstage: Running) -> None:
    backstage.double.guest_enabled = False
    results = await bs.verify_backend(backstage.url, expected=EXPECTED)
    clusters = checked(results[2], "backend-clusters", "fail", "backend-token-refused")
    assert "--token" in clusters.detail


async def test_verify_backend_unreachable_skips_the_rest(refused_url: str) -> None:
    results = await bs.verify_backend(refused_url, expected=EXPECTED, id_token=ID_TOKEN)
    assert [(r.id, r.status) for r in results] == [("backend-reachable", "fail"), ("backend-auth-provider", "skip"),
                                                   ("backend-clusters", "skip")]
    for result in results:
        checked(result)


async def test_verify_backend_uses_the_given_token(serve: Serve) -> None:
    double = BackstageDouble(guest_enabled=False, clusters=[BackstageCluster("my-cluster", "https://127.0.0.1:1")])
    server = serve(double.handle)
    results = await bs.verify_backend(server.url(), expected=EXPECTED[:1], token=USER_TOKEN)
    checked(results[2], "backend-clusters", "ok")
    assert not any(r.path == "/api/auth/guest/refresh" for r in server.requests)
