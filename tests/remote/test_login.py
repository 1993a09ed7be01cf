"""`spectro-wizard login`, `verify --login` and `rbac --from-login`, for real: the CLI through its entry
point (a subprocess), the real OpenID provider of tests/oidc_provider with the loopback redirects
registered on its client, and $BROWSER pointing at tests/support/dev_browser.py, which performs the
provider's development login as a person would in a browser. Nothing of the flow is mocked."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.support.oidc import DEFAULT_CALLBACK, OIDCTestProvider
from tests.support.secrets import has_jwt
from wizard.core.resources import templates_dir

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redirect() -> str:
    return f"http://localhost:{free_port()}"


@pytest.fixture(scope="module")
def provider(oidc_provider_factory, redirect: str) -> OIDCTestProvider:
    return oidc_provider_factory(tenant="acme", redirect_uris=[DEFAULT_CALLBACK, redirect])


@pytest.fixture
def app(tmp_path: Path, provider: OIDCTestProvider) -> Path:
    """A create-app app whose app-config points at the provider (as `apply` writes it)."""
    root = tmp_path / "backstage-app"
    shutil.copytree(templates_dir() / "demo-app", root)
    local = root / "app-config.local.yaml"
    local.write_text(
        "auth:\n  providers:\n    spectrocloud:\n      development:\n"
        "        clientId: ${SPECTROCLOUD_CLIENT_ID}\n        clientSecret: ${SPECTROCLOUD_CLIENT_SECRET}\n"
        f"        authorizationUrl: {provider.authorization_url}\n")
    return root


def run(app: Path, provider: OIDCTestProvider, *args: str, mode: str = "login", secret: str | None = None,
        timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPECTROCLOUD_", "BACKSTAGE_"))}
    env.update(SPECTROCLOUD_CLIENT_ID=provider.client_id,
               SPECTROCLOUD_CLIENT_SECRET=secret if secret is not None else provider.client_secret,
               BROWSER=f"{sys.executable} {PROJECT / 'tests' / 'support' / 'dev_browser.py'} %s", DEV_BROWSER_MODE=mode, NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "wizard", *args, "--repo", str(app)], capture_output=True, text=True,
                          env=env, cwd=PROJECT, timeout=timeout, check=False)


def assert_no_token(proc: subprocess.CompletedProcess[str]) -> None:
    # an ID token is a JWT: three base64url parts, the first two starting with eyJ
    assert not has_jwt(proc.stdout + proc.stderr)


def test_login_prints_alices_claims_and_never_the_token(app: Path, provider: OIDCTestProvider, redirect: str) -> None:
    proc = run(app, provider, "login", "--redirect-url", redirect, "--timeout", "30")
    assert proc.returncode == 0, proc.stderr
    assert "signed in as alice@example.com" in proc.stdout
    assert "groups:  developers, platform-team" in proc.stdout
    assert f"--oidc-issuer-url={provider.issuer}" in proc.stdout and f"--oidc-client-id={provider.client_id}" in proc.stdout
    assert "spectro-wizard rbac --user alice@example.com --group developers --group platform-team" in proc.stdout
    # the URL for a headless session, with PKCE (S256), state and nonce
    assert "code_challenge_method=S256" in proc.stderr and "state=" in proc.stderr and "nonce=" in proc.stderr
    assert_no_token(proc)
    assert provider.client_secret not in proc.stdout + proc.stderr


def test_login_json_and_print_token(app: Path, provider: OIDCTestProvider, redirect: str) -> None:
    proc = run(app, provider, "login", "--redirect-url", redirect, "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["ok"] is True and out["claims"]["email"] == "alice@example.com"
    assert out["claims"]["groups"] == ["developers", "platform-team"] and out["expiresAt"].endswith("Z")
    assert "idToken" not in out
    assert_no_token(proc)
    shown = run(app, provider, "login", "--redirect-url", redirect, "--json", "--print-token")
    token = json.loads(shown.stdout)["idToken"]
    assert token.count(".") == 2 and token.startswith("eyJ")  # only when asked for


def test_a_login_nobody_finishes_ends_at_its_timeout(app: Path, provider: OIDCTestProvider, redirect: str) -> None:
    proc = run(app, provider, "login", "--redirect-url", redirect, "--timeout", "2", mode="close")
    assert proc.returncode == 1
    (line,) = [ln for ln in proc.stderr.splitlines() if ln.startswith("spectro-wizard: no sign-in")]
    assert f"no sign-in arrived at {redirect} within 2 s" in line
    assert "Traceback" not in proc.stderr


def test_an_unregistered_redirect_uri_says_which_one_to_register(app: Path, provider: OIDCTestProvider) -> None:
    other = f"http://localhost:{free_port()}"
    proc = run(app, provider, "login", "--redirect-url", other, "--timeout", "5")
    assert proc.returncode == 1
    assert f"register {other} as a redirect URI of the OIDC client" in proc.stderr


def test_a_wrong_secret_is_named(app: Path, provider: OIDCTestProvider, redirect: str) -> None:
    proc = run(app, provider, "login", "--redirect-url", redirect, secret="not-the-secret")
    assert proc.returncode == 1
    assert "invalid_client" in proc.stderr and "not-the-secret" not in proc.stderr


def test_a_refused_consent_is_one_sentence(app: Path, provider: OIDCTestProvider, redirect: str) -> None:
    proc = run(app, provider, "login", "--redirect-url", redirect, mode="deny")
    assert proc.returncode == 1
    assert "the provider refused the sign-in: access_denied" in proc.stderr


def test_verify_login_runs_the_checks_that_need_the_token(app: Path, provider: OIDCTestProvider, redirect: str) -> None:
    proc = run(app, provider, "verify", "--login", "--redirect-url", redirect, "--backend-url", "http://127.0.0.1:9",
               "--timeout", "3", "--json")
    out = json.loads(proc.stdout)
    checks = {c["id"]: c for c in out["checks"]}
    assert checks["id-token"]["status"] == "ok" and "alice@example.com" in checks["id-token"]["summary"]
    assert checks["oidc-client"]["status"] == "ok"
    assert out["complete"] is True and out["notTested"] == []
    assert_no_token(proc)


def test_rbac_from_login_binds_the_signed_in_user_and_groups(app: Path, provider: OIDCTestProvider, redirect: str) -> None:
    proc = run(app, provider, "rbac", "--from-login", "--redirect-url", redirect)
    assert proc.returncode == 0, proc.stderr
    docs = [d for d in YAML(typ="safe").load_all(proc.stdout) if d]
    subjects = [(s["kind"], s["name"]) for d in docs for s in d["subjects"]]
    assert subjects == [("User", "alice@example.com"), ("Group", "developers"), ("Group", "platform-team")]
    assert all(d["roleRef"]["name"] == "view" for d in docs)
    assert_no_token(proc)


def test_login_needs_the_client_secret_exported(app: Path, provider: OIDCTestProvider, redirect: str) -> None:
    proc = run(app, provider, "login", "--redirect-url", redirect, secret="")
    assert proc.returncode == 2
    assert "$SPECTROCLOUD_CLIENT_SECRET" in proc.stderr and "is not set here" in proc.stderr


def test_verify_login_proves_the_users_own_access_to_a_cluster(tmp_path: Path, provider: OIDCTestProvider,
                                                                redirect: str) -> None:
    """The whole point: sign in, and the cluster (an API-server double that trusts the provider, as
    one with --oidc-issuer-url/--oidc-client-id would) sees alice with her groups."""
    import base64

    import trustme

    from tests.support import net
    from tests.support.doubles import KubeDouble, LoopbackServer
    from tests.support.e2e import IdTokenUsers

    ca = trustme.CA()
    users = IdTokenUsers(provider, {"alice@example.com"})
    kube = LoopbackServer(KubeDouble(users=users).handle, net.server_tls(ca)).start()  # type: ignore[arg-type]
    try:
        root = tmp_path / "backstage-app"
        shutil.copytree(templates_dir() / "demo-app", root)
        ca_data = base64.b64encode(ca.cert_pem.bytes()).decode()
        (root / "app-config.local.yaml").write_text(
            "auth:\n  providers:\n    spectrocloud:\n      development:\n"
            "        clientId: ${SPECTROCLOUD_CLIENT_ID}\n        clientSecret: ${SPECTROCLOUD_CLIENT_SECRET}\n"
            f"        authorizationUrl: {provider.authorization_url}\n"
            "kubernetes:\n  serviceLocatorMethod:\n    type: multiTenant\n  clusterLocatorMethods:\n    - type: config\n"
            f"      clusters:\n        - name: lab\n          url: {kube.url()}\n          authProvider: oidc\n"
            f"          oidcTokenProvider: spectrocloud\n          caData: {ca_data}\n")
        proc = run(root, provider, "verify", "--login", "--redirect-url", redirect, "--backend-url", "http://127.0.0.1:9",
                   "--timeout", "5", "--json")
    finally:
        kube.stop()
    checks = {c["id"]: c for c in json.loads(proc.stdout)["checks"]}
    assert checks["cluster:lab"]["status"] == "ok"
    identity = checks["cluster:lab:identity"]
    assert identity["status"] == "ok" and identity["data"]["username"] == "alice@example.com"
    assert "developers" in identity["data"]["groups"]
    assert users.seen and users.seen[0]["email"] == "alice@example.com"  # the login's own token reached the cluster
    assert_no_token(proc)
