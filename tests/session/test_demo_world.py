"""The demo's world (wizard/demo/world.py): the wizard's real flow through the session, against
the stand-ins the demo starts, with no mocks.

The promise of `--demo`: nothing falsely red, service-account clusters to migrate, a backend that keeps
serving the old config until it is restarted, and exactly one instructive failure (edge-lab's caData
is a CA its API server no longer uses) with its hint; following the hint makes the demo all green.
Every server is bound before the world's constructor returns: no test waits with sleeps.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from tests.support.demo_browser import browse, sign_in_page
from tests.support.net import free_port
from wizard.core.answers import ClusterAnswer
from wizard.core.hints import catalog
from wizard.core.resources import templates_dir
from wizard.demo.world import KUBERNETES_PLACEHOLDER, DemoWorld, make_demo_world_app
from wizard.remote.login import LoginResult
from wizard.remote.oidc import run_oidc_checks, validate_id_token
from wizard.session import Session

OK = ("ok", "warn")


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[DemoWorld]:
    """A started world, and its demo values in the environment (what the demo session sets)."""
    monkeypatch.delenv("BACKSTAGE_TOKEN", raising=False)
    with DemoWorld() as w:
        for name, value in w.env().items():
            monkeypatch.setenv(name, value)
        yield w


def demo_session(world: DemoWorld, root: Path) -> Session:
    s = Session(root, demo=True, path="migrate")
    s.load(run_tools=False)
    world.prefill(s.answers)
    return s


@pytest.fixture
def migrated(world: DemoWorld, tmp_path: Path) -> Session:
    """The demo app with every service-account cluster migrated and applied; the backend not restarted."""
    s = demo_session(world, make_demo_world_app(world, tmp_path))
    s.answers.migrate = world.service_account_clusters
    s.make_plan()
    s.apply()
    return s


def by_id(results: list) -> dict:
    return {r.id: r for r in results}


def port_of(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None
    return port


# ------------------------------------------------------------------------------------------------
# the demo's flow


def test_the_demo_app_starts_with_service_account_clusters_to_migrate(world: DemoWorld, tmp_path: Path) -> None:
    s = demo_session(world, make_demo_world_app(world, tmp_path))
    inventory = s.inventory()
    assert inventory["serviceAccount"] == world.service_account_clusters == ["prod-eu", "staging", "edge-lab"]
    assert all(c["tokenEnv"] and c["tls"] == "CA" for c in inventory["clusters"])
    assert s.answers.authorization_url() == world.authorization_url
    assert world.backend_startup_error is None  # the backend runs the app as it was made


def test_after_the_restart_all_is_green_but_the_one_instructive_failure(world: DemoWorld, migrated: Session) -> None:
    world.restart()
    results = migrated.verify_sync(world.verify_options())
    checks = by_id(results)
    for check in ("oidc-discovery", "oidc-token-endpoint", "oidc-client", "oidc-redirect-uri", "oidc-scopes",
                  "backend-reachable", "backend-auth-provider", "backend-clusters"):
        assert checks[check].status == "ok", checks[check]
    assert checks["backend-clusters"].data["oidc"] == sorted(world.service_account_clusters)
    check_id, hint_id = world.instructive_failure
    failures = [r for r in results if r.status not in OK]
    assert [(r.id, r.status, r.hint) for r in failures] == [(check_id, "fail", hint_id)]
    assert "issuer (CA) is not trusted" in failures[0].detail
    assert catalog().get(hint_id) is not None and "caData" in catalog().get(hint_id).render()
    # the checks that need a user's ID token are listed as not tested, not shown as results
    assert "id-token" in migrated.verify_untested and not set(migrated.verify_untested) & set(checks)


def test_before_the_restart_the_backend_serves_the_old_config(world: DemoWorld, migrated: Session) -> None:
    opts = world.verify_options(timeout=5)
    checks = by_id(migrated.verify_sync(opts))
    assert checks["backend-reachable"].status == "ok"
    assert checks["backend-auth-provider"].status == "fail"  # no spectrocloud provider before the apply
    assert checks["backend-clusters"].status == "fail"
    assert checks["backend-clusters"].data["stale"] == sorted(world.service_account_clusters)
    outcome = asyncio.run(migrated.wait_for_backend(0, opts))
    assert not outcome.served
    world.restart()
    outcome = asyncio.run(migrated.wait_for_backend(5, opts))
    assert outcome.served, [(r.id, r.status, r.summary) for r in outcome.results]


def test_following_the_hint_makes_the_demo_all_green(world: DemoWorld, migrated: Session, tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(world.kubeconfig_text(), encoding="utf-8")
    (edge,) = [c for c in migrated.clusters_from_contexts(migrated.kubeconfig_contexts(str(kubeconfig)))
               if c.name == "edge-lab"]
    assert edge.caData == world.cluster_ca_data("edge-lab")
    migrated.add_cluster(ClusterAnswer("edge-lab", caData=edge.caData))
    migrated.make_plan()
    migrated.apply()
    world.restart()
    results = migrated.verify_sync(world.verify_options())
    assert [(r.id, r.status) for r in results if r.status not in OK] == []


def test_a_client_id_the_backend_cannot_resolve_makes_the_provider_misconfigured(world: DemoWorld, tmp_path: Path) -> None:
    s = demo_session(world, make_demo_world_app(world, tmp_path))
    s.answers.clientIdEnv = "DEMO_NOT_SET_ANYWHERE"
    s.make_plan()
    s.apply()
    world.restart()
    provider = by_id(s.verify_sync(world.verify_options()))["backend-auth-provider"]
    assert (provider.status, provider.hint) == ("fail", "backend-auth-provider-error")
    assert "misconfigured" in provider.summary
    skipped = ("Skipping spectrocloud auth provider, Missing required config value at "
               "'auth.providers.spectrocloud.development.clientId'")
    assert world.backend_log == [skipped]


# ------------------------------------------------------------------------------------------------
# each stand-in behaves like the real server


def test_the_backend_answers_like_backstage(world: DemoWorld, tmp_path: Path) -> None:
    with httpx.Client(base_url=world.backend_url, trust_env=False, timeout=5) as http:
        not_started = http.get("/api/kubernetes/clusters")
        assert not_started.status_code == 503 and "has not started" in not_started.text  # no app yet
        make_demo_world_app(world, tmp_path)
        start = http.get("/api/auth/spectrocloud/start", params={"env": "development"})
        assert start.status_code == 404
        assert start.json()["error"]["message"] == "No auth provider registered for 'spectrocloud'"
        assert http.get("/api/kubernetes/clusters").status_code == 401
        assert http.post("/api/auth/guest/refresh").status_code == 401  # Backstage's CSRF header is required
        guest = http.post("/api/auth/guest/refresh", headers={"X-Requested-With": "XMLHttpRequest"})
        token = guest.json()["backstageIdentity"]["token"]
        clusters = http.get("/api/kubernetes/clusters", headers={"Authorization": f"Bearer {token}"}).json()
        assert clusters["items"][0] == {"name": "prod-eu", "authProvider": "serviceAccount"}
        world.restart()  # a restart issues new signing keys: the old token is refused
        assert http.get("/api/kubernetes/clusters", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_the_issuer_refuses_what_a_real_provider_refuses(world: DemoWorld) -> None:
    wrong = asyncio.run(run_oidc_checks(world.authorization_url, "http://localhost:3000/not-registered",
                                        world.client_id, "not-the-secret", timeout=5))
    checks = by_id(wrong)
    assert checks["oidc-discovery"].status == "ok"
    assert (checks["oidc-client"].status, checks["oidc-client"].hint) == ("fail", "oidc-invalid-client")
    assert (checks["oidc-redirect-uri"].status, checks["oidc-redirect-uri"].hint) == ("fail", "oidc-redirect-uri-not-registered")


def test_the_api_servers_answer_like_kube_apiserver(world: DemoWorld) -> None:
    trust = ssl.create_default_context(cadata=base64.b64decode(world.cluster_ca_data("prod-eu")).decode())
    url = world.cluster_url("prod-eu")
    with httpx.Client(base_url=url, verify=trust, trust_env=False, timeout=5) as http:
        assert http.get("/version").json()["gitVersion"].startswith("v1.")  # anonymous, as on a real server
        refused = http.get("/api/v1/namespaces")
        assert refused.status_code == 401 and refused.json()["kind"] == "Status"
        token = world.env()["DEMO_PROD_EU_TOKEN"]
        assert http.get("/api/v1/namespaces", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    with httpx.Client(trust_env=False, timeout=5) as plain:  # http:// on the TLS port: Go's answer
        answer = plain.get(url.replace("https://", "http://") + "/version")
        assert answer.status_code == 400 and "HTTP request to an HTTPS server" in answer.text


# ------------------------------------------------------------------------------------------------
# the demo app and the lifecycle


def test_the_demo_app_is_the_template_plus_the_clusters_block(world: DemoWorld, tmp_path: Path) -> None:
    root = make_demo_world_app(world, tmp_path)
    template = templates_dir() / "demo-app"
    made = {p.relative_to(root) for p in root.rglob("*") if p.is_file()}
    assert made == {p.relative_to(template) for p in template.rglob("*") if p.is_file()}
    for rel in made - {Path("app-config.yaml")}:
        assert (root / rel).read_bytes() == (template / rel).read_bytes(), rel
    expected = (template / "app-config.yaml").read_text(encoding="utf-8").replace(
        KUBERNETES_PLACEHOLDER, world.kubernetes_block(), 1)
    assert (root / "app-config.yaml").read_bytes() == expected.encode("utf-8")
    assert world.kubernetes_block().startswith(KUBERNETES_PLACEHOLDER)  # the template's lines are kept


def test_stop_frees_every_port() -> None:
    world = DemoWorld().start()
    urls = [world.console_url, world.backend_url, *(world.cluster_url(n) for n in world.service_account_clusters)]
    world.stop()
    world.stop()  # idempotent
    for url in urls:
        with socket.socket() as s:
            s.settimeout(2)
            assert s.connect_ex(("127.0.0.1", port_of(url))) != 0, f"{url} still accepts connections"
    with pytest.raises(RuntimeError, match="stopped"):
        world.start()


# ------------------------------------------------------------------------------------------------
# "Sign in to test my access": the stand-in issuer signs in the demo user (issue #19)


def sign_in(session: Session) -> LoginResult:
    """Session.login as the Verify step does it, on a free loopback port (8000 and 18000, kubelogin's
    defaults, may be taken on a shared machine: any loopback port is accepted, as RFC 8252 asks)."""
    pages: list[str] = []
    result = session.login(redirect_url=f"http://localhost:{free_port()}", timeout=20,
                           open_browser=lambda url: pages.append(browse(url)))
    assert pages and "Signed in" in pages[0]
    return result


def test_the_demo_user_signs_in_through_the_session(world: DemoWorld, migrated: Session) -> None:
    result = sign_in(migrated)
    assert (result.username, result.groups, result.warnings) == ("alice@demo.example", ["demo-developers"], [])
    assert result.issuer == world.issuer and result.client_id == world.client_id
    assert result.id_token.count(".") == 2 and migrated.login_result is result
    # the token is one a cluster would accept: validated as kube-apiserver does (signature, iss, aud, exp)
    jwks = httpx.get(f"{world.issuer}/jwks", trust_env=False, timeout=5).json()
    check = validate_id_token(result.id_token, jwks, world.issuer, world.client_id)
    assert check.status == "ok" and check.data["email"] == "alice@demo.example", check


def test_signed_in_the_demo_shows_the_identity_path_and_writes_rbac(world: DemoWorld, migrated: Session,
                                                                      tmp_path: Path) -> None:
    world.restart()
    result = sign_in(migrated)
    checks = by_id(migrated.verify_sync(world.verify_options(id_token=result.id_token)))
    assert checks["id-token"].status == "ok"
    assert migrated.verify_untested == []
    for name in ("prod-eu", "staging"):
        identity = checks[f"cluster:{name}:identity"]
        assert identity.status == "ok" and identity.data["username"] == "alice@demo.example", identity
        assert "demo-developers" in identity.data["groups"]
        assert checks[f"cluster:{name}:rbac"].status == "ok"
        assert checks[f"backend-proxy:{name}"].status == "ok", checks[f"backend-proxy:{name}"]  # the Kubernetes tab's path
    # the one instructive failure, seen from here and from the backend's proxy (it holds the old CA too)
    failures = sorted((r.id, r.hint) for r in checks.values() if r.status == "fail")
    assert failures == [("backend-proxy:edge-lab", "cluster-tls"), ("cluster:edge-lab", "cluster-tls")]
    user, groups = migrated.identity()  # what the Summary's "Write RBAC" writes bindings for
    assert (user, groups) == ("alice@demo.example", ["demo-developers"])
    rbac = migrated.rbac_manifests([user], groups).read_text()
    assert "alice@demo.example" in rbac and "demo-developers" in rbac
    # following the hint makes everything green, the identity path included
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(world.kubeconfig_text(), encoding="utf-8")
    (edge,) = [c for c in migrated.clusters_from_contexts(migrated.kubeconfig_contexts(str(kubeconfig))) if c.name == "edge-lab"]
    migrated.add_cluster(ClusterAnswer("edge-lab", caData=edge.caData))
    migrated.make_plan()
    migrated.apply()
    world.restart()
    results = migrated.verify_sync(world.verify_options(id_token=result.id_token))
    assert [(r.id, r.status) for r in results if r.status not in OK] == []
    assert {"cluster:edge-lab:identity", "cluster:edge-lab:rbac", "backend-proxy:edge-lab"} <= set(by_id(results))


def test_the_issuer_accepts_kubelogins_loopback_redirects_for_the_demo_client(world: DemoWorld) -> None:
    def authorize(redirect_uri: str, **extra: str) -> httpx.Response:
        params = {"client_id": world.client_id, "redirect_uri": redirect_uri, "response_type": "code",
                  "scope": "openid profile email groups", "state": "s1", **extra}
        return httpx.get(world.authorization_url, params=params, trust_env=False, timeout=5)

    for uri in ("http://localhost:8000", "http://localhost:18000", "http://127.0.0.1:18000/", "http://[::1]:8000"):
        answer = authorize(uri, code_challenge="x" * 43, code_challenge_method="S256")
        assert answer.status_code == 303 and "/demo-sign-in?" in answer.headers["location"], (uri, answer.text)
    # what a provider registered for kubelogin still refuses: other paths, https, other hosts
    for uri in ("http://localhost:3000/not-registered", "https://localhost:8000", "http://evil.example:8000"):
        answer = authorize(uri)
        assert answer.status_code == 400 and "invalid_redirect_uri" in answer.text, uri
    plain = authorize("http://localhost:8000", code_challenge="x" * 43, code_challenge_method="plain")
    assert plain.status_code == 303 and "error=invalid_request" in plain.headers["location"]  # S256 only


def test_the_issuer_refuses_a_code_it_should_refuse(world: DemoWorld) -> None:
    """One use, the same redirect URI, and the PKCE verifier of the challenge (RFC 6749, RFC 7636)."""
    verifier = "v" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect = "http://localhost:8000"

    def code() -> str:
        with httpx.Client(trust_env=False, timeout=5) as http:
            start = http.get(world.authorization_url, params={
                "client_id": world.client_id, "redirect_uri": redirect, "response_type": "code", "scope": "openid email",
                "state": "s1", "nonce": "n1", "code_challenge": challenge, "code_challenge_method": "S256"})
            back = http.get(sign_in_page(http, start.headers["location"]))
        location = urlsplit(back.headers["location"])
        assert f"{location.scheme}://{location.netloc}" == redirect
        query = dict(parse_qsl(location.query))
        assert query["state"] == "s1"
        return query["code"]

    def exchange(the_code: str, **changes: str) -> httpx.Response:
        form = {"grant_type": "authorization_code", "code": the_code, "redirect_uri": redirect, "code_verifier": verifier,
                "client_id": world.client_id, "client_secret": world.client_secret, **changes}
        return httpx.post(f"{world.issuer}/token", data=form, trust_env=False, timeout=5)

    assert exchange(code(), code_verifier="w" * 64).json()["error"] == "invalid_grant"
    assert exchange(code(), redirect_uri="http://localhost:18000").json()["error"] == "invalid_grant"
    assert exchange(code(), client_secret="wrong").json()["error"] == "invalid_client"  # the client first
    good = code()
    tokens = exchange(good)
    assert tokens.status_code == 200 and tokens.json()["id_token"].count(".") == 2
    assert exchange(good).json()["error"] == "invalid_grant"  # a code is used once
