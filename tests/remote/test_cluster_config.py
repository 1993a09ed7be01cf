"""`spectro-wizard cluster-config`: what the clusters' API servers must say to trust the users' tokens,
tested the way a cluster would use it.

The command runs through its entry point (a subprocess). Its output is read back by an API-server double
that applies it as kube-apiserver does (tests/support/apiserver.py: the issuer's JWKS fetched from the
issuer, signature, iss, aud, exp, claim mappings and prefixes) to REAL ID tokens of the test OpenID
provider (tests/oidc_provider, two clients), and answers SelfSubjectReview over TLS like an API server.
Accepted for alice's token; refused (401) for a token of another client; the user and groups it derives
are exactly the subjects `spectro-wizard rbac` binds with the same prefixes; and `verify` with the same
token reaches the double and reports that identity.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
import trustme

from tests.support import net
from tests.support.apiserver import OidcAuthenticator, RulesError, read_rules
from tests.support.doubles import KubeDouble, LoopbackServer
from tests.support.oidc import DEFAULT_CALLBACK, OIDCTestProvider, obtain_id_token
from tests.support.secrets import has_jwt
from wizard.core import clusterconfig, rbac
from wizard.core.resources import templates_dir

PROJECT = Path(__file__).resolve().parents[2]
SECRET_A = "cluster-config-secret-A-7d1e"
SECRET_B = "cluster-config-secret-B-91c2"
OTHER_CLIENT = "kubectl-oidc-login"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redirect() -> str:
    return f"http://localhost:{_free_port()}"


@pytest.fixture(scope="module")
def provider(oidc_provider_factory, redirect: str) -> OIDCTestProvider:
    """Two clients: Backstage's (spectro-wizard-test) and another one (kubelogin's, say)."""
    return oidc_provider_factory(
        tenant="acme", client_id="spectro-wizard-test", client_secret=SECRET_A, redirect_uris=[DEFAULT_CALLBACK, redirect],
        extra_config={"clients": [
            {"client_id": "spectro-wizard-test", "client_secret": SECRET_A, "redirect_uris": [DEFAULT_CALLBACK, redirect]},
            {"client_id": OTHER_CLIENT, "client_secret": SECRET_B, "redirect_uris": [DEFAULT_CALLBACK]},
        ]})


@pytest.fixture(scope="module")
def alice(provider: OIDCTestProvider) -> str:
    """alice's real ID token from Backstage's client (aud spectro-wizard-test)."""
    return obtain_id_token(provider, user="alice", scope="openid profile email groups")


@pytest.fixture(scope="module")
def alice_other_client(provider: OIDCTestProvider) -> str:
    """alice's real ID token from the other client (aud kubectl-oidc-login)."""
    return obtain_id_token(replace(provider, client_id=OTHER_CLIENT, client_secret=SECRET_B), user="alice",
                           scope="openid profile email groups")


@pytest.fixture
def app(tmp_path: Path, provider: OIDCTestProvider) -> Path:
    root = tmp_path / "backstage-app"
    shutil.copytree(templates_dir() / "demo-app", root)
    (root / "app-config.local.yaml").write_text(
        "auth:\n  providers:\n    spectrocloud:\n      development:\n"
        "        clientId: ${SPECTROCLOUD_CLIENT_ID}\n        clientSecret: ${SPECTROCLOUD_CLIENT_SECRET}\n"
        f"        authorizationUrl: {provider.authorization_url}\n")
    return root


def wizard(app: Path, provider: OIDCTestProvider, *args: str, client_id: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPECTROCLOUD_", "BACKSTAGE_"))}
    env.update(SPECTROCLOUD_CLIENT_ID=provider.client_id if client_id is None else client_id, SPECTROCLOUD_CLIENT_SECRET=SECRET_A,
               NO_COLOR="1", BROWSER=f"{sys.executable} {PROJECT / 'tests' / 'support' / 'dev_browser.py'} %s")
    proc = subprocess.run([sys.executable, "-m", "wizard", *args, "--repo", str(app)], capture_output=True, text=True,
                          env=env, cwd=PROJECT, timeout=90, stdin=subprocess.DEVNULL, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    # nothing secret in what it says: not the client secret, not a token
    for text in (proc.stdout, proc.stderr):
        assert SECRET_A not in text and SECRET_B not in text and not has_jwt(text)
    return proc


class ApiServer:
    """An API-server double configured with `cluster-config`'s output, on TLS."""

    def __init__(self, form: str, text: str, allowed: set[str] = frozenset()):
        self.rules = read_rules(form, text)
        self.auth = OidcAuthenticator(self.rules)
        self.ca = trustme.CA()
        self.double = KubeDouble(authenticator=self.auth, allowed_subjects=set(allowed))
        self.server = LoopbackServer(self.double.handle, net.server_tls(self.ca, "127.0.0.1")).start()

    def review(self, token: str) -> httpx.Response:
        with httpx.Client(verify=self._ssl(), trust_env=False, timeout=10) as http:
            return http.post(f"{self.server.url()}/apis/authentication.k8s.io/v1/selfsubjectreviews",
                             headers={"Authorization": f"Bearer {token}"},
                             json={"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})

    def _ssl(self):
        import ssl

        ctx = ssl.create_default_context()
        self.ca.configure_trust(ctx)
        return ctx

    def stop(self) -> None:
        self.server.stop()


@pytest.fixture
def servers() -> Iterator[list[ApiServer]]:
    started: list[ApiServer] = []
    yield started
    for s in started:
        s.stop()


def start(servers: list[ApiServer], form: str, text: str, allowed: set[str] = frozenset()) -> ApiServer:
    s = ApiServer(form, text, allowed)
    servers.append(s)
    return s


def subjects_of(rbac_yaml: str) -> set[tuple[str, str]]:
    return {(s["kind"], s["name"]) for d in rbac.load_documents(rbac_yaml) for s in d["subjects"]}


# ------------------------------------------------------------------------------------------------


def test_the_authentication_config_admits_alice_as_rbac_binds_her(app: Path, provider: OIDCTestProvider, alice: str,
                                                                  servers: list[ApiServer]) -> None:
    proc = wizard(app, provider, "cluster-config", "--format", "authentication-config",
                  "--username-prefix", "oidc:", "--groups-prefix", "oidc:")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[3:6] == ["apiVersion: apiserver.config.k8s.io/v1beta1",
                                             "kind: AuthenticationConfiguration", "jwt:"]
    assert f'url: "{provider.issuer}"' in proc.stdout and '- "spectro-wizard-test"' in proc.stdout
    assert "audienceMatchPolicy" not in proc.stdout  # one audience
    assert "client ID from $SPECTROCLOUD_CLIENT_ID" in proc.stderr
    assert "spectro-wizard rbac --user '<email>' --group '<group>' --username-prefix oidc: --groups-prefix oidc:" in proc.stderr
    # the subjects rbac writes for alice with the same prefixes...
    bindings = wizard(app, provider, "rbac", "--user", "alice@example.com", "--group", "developers",
                      "--group", "platform-team", "--username-prefix", "oidc:", "--groups-prefix", "oidc:")
    assert bindings.returncode == 0, bindings.stderr
    subjects = subjects_of(bindings.stdout)
    # ...are who an API server with this configuration sees, for her real token
    api = start(servers, "authentication-config", proc.stdout)
    answer = api.review(alice)
    assert answer.status_code == 201, api.auth.refusals
    user = answer.json()["status"]["userInfo"]
    assert user["username"] == "oidc:alice@example.com"
    assert subjects == {("User", user["username"])} | {("Group", g) for g in user["groups"] if g != "system:authenticated"}


def test_a_token_for_another_client_is_refused_until_its_audience_is_listed(
        app: Path, provider: OIDCTestProvider, alice: str, alice_other_client: str, servers: list[ApiServer]) -> None:
    one = wizard(app, provider, "cluster-config", "--format", "authentication-config")
    api = start(servers, "authentication-config", one.stdout)
    refused = api.review(alice_other_client)
    assert refused.status_code == 401 and refused.json()["reason"] == "Unauthorized"
    assert api.auth.refusals == [f"aud ['{OTHER_CLIENT}'] not in ['spectro-wizard-test']"]
    both = wizard(app, provider, "cluster-config", "--format", "authentication-config", "--audience", OTHER_CLIENT)
    assert both.returncode == 0
    assert f'- "spectro-wizard-test"\n        - "{OTHER_CLIENT}"\n      audienceMatchPolicy: MatchAny' in both.stdout
    api2 = start(servers, "authentication-config", both.stdout)
    for token in (alice, alice_other_client):
        assert api2.review(token).json()["status"]["userInfo"]["username"] == "alice@example.com"
    # a token whose signature does not verify is refused as well (the double checks the JWKS)
    head, body, sig = alice.split(".")
    forged = ".".join([head, body, sig[:-4] + ("AAAA" if not sig.endswith("AAAA") else "BBBB")])
    assert api2.review(forged).status_code == 401
    # flags (and the packs) take one client ID: several audiences are one sentence, exit 2
    flags = wizard(app, provider, "cluster-config", "--format", "flags", "--audience", OTHER_CLIENT)
    assert flags.returncode == 2 and "takes ONE client ID" in flags.stderr and "authentication-config" in flags.stderr


@pytest.mark.parametrize("form", ["flags", "palette", "eks"])
def test_every_form_is_read_back_by_the_api_server_and_admits_alice(app: Path, provider: OIDCTestProvider, alice: str,
                                                                    servers: list[ApiServer], form: str) -> None:
    proc = wizard(app, provider, "cluster-config", "--format", form, "--groups-prefix", "sc:")
    assert proc.returncode == 0, proc.stderr
    if form == "flags":
        assert proc.stdout.splitlines() == [f"--oidc-issuer-url={provider.issuer}", "--oidc-client-id=spectro-wizard-test",
                                            "--oidc-username-claim=email", "--oidc-groups-claim=groups",
                                            "--oidc-groups-prefix=sc:"]
    else:
        assert "repaves" in proc.stderr  # changing a cluster profile's OIDC settings replaces the nodes
    api = start(servers, form, proc.stdout)
    user = api.review(alice).json()["status"]["userInfo"]
    assert user["username"] == "alice@example.com"
    assert sorted(user["groups"]) == ["sc:developers", "sc:platform-team", "system:authenticated"]
    # the wrong client's token is refused by every form
    assert api.review(obtain_id_token(replace(provider, client_id=OTHER_CLIENT, client_secret=SECRET_B))).status_code == 401


def test_the_api_server_double_refuses_what_kube_apiserver_refuses() -> None:
    auth = clusterconfig.make("https://issuer.example.com/v1/oidc/tenant/x", "a", ["b"])
    text = clusterconfig.authentication_config(auth)
    with pytest.raises(RulesError, match="MatchAny"):
        read_rules("authentication-config", text.replace("      audienceMatchPolicy: MatchAny\n", ""))
    with pytest.raises(RulesError, match="prefix is required"):
        read_rules("authentication-config", text.replace('        prefix: ""\n', "", 1))


def test_verify_with_the_real_token_sees_the_identity_the_config_maps(tmp_path: Path, app: Path,
                                                                      provider: OIDCTestProvider, alice: str,
                                                                      alice_other_client: str,
                                                                      servers: list[ApiServer]) -> None:
    config = wizard(app, provider, "cluster-config", "--format", "authentication-config", "--username-prefix", "oidc:")
    api = start(servers, "authentication-config", config.stdout, allowed={"oidc:alice@example.com"})
    ca = base64.b64encode(api.ca.cert_pem.bytes()).decode()
    with (app / "app-config.local.yaml").open("a") as fh:
        fh.write("kubernetes:\n  serviceLocatorMethod:\n    type: multiTenant\n  clusterLocatorMethods:\n"
                 f"    - type: config\n      clusters:\n        - name: lab\n          url: {api.server.url()}\n"
                 "          authProvider: oidc\n          oidcTokenProvider: spectrocloud\n"
                 f"          caData: {ca}\n")
    token_file = tmp_path / "token"
    token_file.write_text(alice)
    proc = wizard(app, provider, "verify", "--id-token-file", str(token_file), "--backend-url", "http://127.0.0.1:9",
                  "--timeout", "5", "--json")
    checks = {c["id"]: c for c in json.loads(proc.stdout)["checks"]}
    identity = checks["cluster:lab:identity"]
    assert identity["status"] == "ok" and identity["data"]["username"] == "oidc:alice@example.com"
    assert checks["cluster:lab:rbac"]["status"] == "ok"
    token_file.write_text(alice_other_client)
    proc = wizard(app, provider, "verify", "--id-token-file", str(token_file), "--backend-url", "http://127.0.0.1:9",
                  "--timeout", "5", "--json")
    checks = {c["id"]: c for c in json.loads(proc.stdout)["checks"]}
    assert checks["cluster:lab:identity"]["status"] == "fail"  # 401: this cluster does not trust that audience


def test_from_login_checks_the_real_token_against_the_configuration(app: Path, provider: OIDCTestProvider,
                                                                    redirect: str, tmp_path: Path) -> None:
    out = tmp_path / "authn.yaml"
    proc = wizard(app, provider, "cluster-config", "--from-login", "--redirect-url", redirect, "--format",
                  "authentication-config", "--username-prefix", "oidc:", "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert out.read_text().startswith("# kube-apiserver structured authentication")
    assert "sees oidc:alice@example.com, groups developers, platform-team" in proc.stderr
    assert ("spectro-wizard rbac --user alice@example.com --group developers --group platform-team "
            "--username-prefix oidc: --output rbac.yaml") in proc.stderr
    js = wizard(app, provider, "cluster-config", "--from-login", "--redirect-url", redirect, "--json")
    data = json.loads(js.stdout)
    assert data["ok"] is True and data["problems"] == [] and data["username"] == "alice@example.com"
    assert data["config"].startswith(f"--oidc-issuer-url={provider.issuer}\n")


def test_the_audience_check_is_one_sentence(provider: OIDCTestProvider, alice_other_client: str) -> None:
    def jwt_claims(token: str) -> dict:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))

    auth = clusterconfig.make(provider.issuer, "spectro-wizard-test")
    problems = clusterconfig.token_problems(jwt_claims(alice_other_client), auth)
    assert problems == [f"the token's audience (aud) is '{OTHER_CLIENT}', which this configuration does not trust (it "
                        "trusts spectro-wizard-test): the API server would answer 401 — use the same client for "
                        f"Backstage and the clusters, or add --audience {OTHER_CLIENT} (--format authentication-config "
                        "lists several)"]
    assert clusterconfig.token_problems(jwt_claims(alice_other_client),
                                        clusterconfig.make(provider.issuer, "spectro-wizard-test", [OTHER_CLIENT])) == []


def test_the_client_id_is_read_at_run_time_and_must_be_set(app: Path, provider: OIDCTestProvider) -> None:
    proc = wizard(app, provider, "cluster-config", client_id="")
    assert proc.returncode == 2
    assert "$SPECTROCLOUD_CLIENT_ID (the client ID auth.providers.spectrocloud.development reads) is not set here" in proc.stderr
    bad = wizard(app, provider, "cluster-config", "--format", "yaml")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
    assert not list(app.rglob("*client*"))  # nothing stored


def test_verify_deployment_login_signs_in_with_the_client_production_uses(tmp_path: Path, provider: OIDCTestProvider,
                                                                          redirect: str) -> None:
    """The repo's own config points development at a closed port; the chart's appConfig gives production
    the real provider. `verify --deployment --login` must sign in with production's and check that token."""
    from tests.support.net import CLOSED_URL

    root = tmp_path / "backstage-app"
    shutil.copytree(templates_dir() / "demo-app", root)
    (root / "app-config.local.yaml").write_text(
        "auth:\n  providers:\n    spectrocloud:\n      development:\n"
        "        clientId: ${SPECTROCLOUD_CLIENT_ID}\n        clientSecret: ${SPECTROCLOUD_CLIENT_SECRET}\n"
        f"        authorizationUrl: {CLOSED_URL}/v1/oidc/tenant/closed/auth\n")
    (root / "deploy").mkdir()
    (root / "deploy/values.yaml").write_text(
        "# the backstage chart's values\nbackstage:\n  args: [\"--config\", \"app-config.yaml\"]\n  appConfig:\n"
        "    auth:\n      environment: production\n      providers:\n        spectrocloud:\n          production:\n"
        "            clientId: ${SPECTROCLOUD_CLIENT_ID}\n            clientSecret: ${SPECTROCLOUD_CLIENT_SECRET}\n"
        f"            authorizationUrl: {provider.authorization_url}\n")
    answers = tmp_path / "answers.yaml"
    answers.write_text(f"authorizationUrl: {provider.authorization_url}\ndeployment:\n  helmValues: deploy/values.yaml\n")
    proc = wizard(root, provider, "verify", "--deployment", "--answers", str(answers), "--login", "--redirect-url",
                  redirect, "--backend-url", "http://127.0.0.1:9", "--timeout", "5", "--json")
    checks = {c["id"]: c for c in json.loads(proc.stdout)["checks"]}
    assert checks["id-token"]["status"] == "ok", checks["id-token"]
    assert checks["oidc-discovery"]["status"] == "ok"  # production's provider, not the closed development one
    config = wizard(root, provider, "cluster-config", "--deployment", "--answers", str(answers))
    assert config.stdout.startswith(f"--oidc-issuer-url={provider.issuer}\n")
    assert "auth.providers.spectrocloud.production in app-config.yaml, deploy/values.yaml (backstage.appConfig)" in config.stderr
