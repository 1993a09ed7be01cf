"""The restart step and `verify --wait` (wizard/verify/runner.py `wait_until_served`, through the session and
the CLI's entry point), and the honest verdict: against a Backstage backend double on loopback that first
serves the old config and then, once "restarted", the new one. The double's switch is made from the
wait's own per-round callback, so the test follows the state the wizard sees, never a clock."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import net, repos
from tests.support.cli import PROJECT, cli_env
from tests.support.doubles import BackstageCluster, BackstageDouble, LoopbackServer
from wizard.session import Session, VerifyOptions

AUTH_URL = f"{net.CLOSED_URL}/v1/oidc/tenant/acme/auth"
CONFIG = f"""\
auth:
  providers:
    spectrocloud:
      development:
        clientId: ${{SPECTROCLOUD_CLIENT_ID}}
        clientSecret: ${{SPECTROCLOUD_CLIENT_SECRET}}
        authorizationUrl: {AUTH_URL}
kubernetes:
  serviceLocatorMethod:
    type: multiTenant
  clusterLocatorMethods:
    - type: config
      clusters:
        - name: lab
          url: https://127.0.0.1:{net.CLOSED_PORT}
          authProvider: oidc
          oidcTokenProvider: spectrocloud
          skipTLSVerify: true
"""


@pytest.fixture
def backend():
    double = BackstageDouble(authorization_url=AUTH_URL, auth_module=False)  # the backend before the restart
    server = LoopbackServer(double.handle).start()
    yield double, server.url()
    server.stop()


@pytest.fixture
def app(tmp_path: Path) -> Path:
    return repos.make_repo(tmp_path, preset="complete", local=CONFIG)


def restarted(double: BackstageDouble) -> None:
    double.auth_module = True
    double.clusters = [BackstageCluster("lab", f"https://127.0.0.1:{net.CLOSED_PORT}")]


def test_the_wait_ends_once_the_restarted_backend_serves_the_new_config(app: Path, backend) -> None:
    double, url = backend
    rounds: list[list[str]] = []

    def on_round(results, elapsed: float) -> None:
        rounds.append([f"{r.id}:{r.status}" for r in results])
        if len(rounds) == 1:
            restarted(double)  # the user restarts the backend while the wizard waits

    s = Session(app)
    outcome = asyncio.run(s.wait_for_backend(60, VerifyOptions(backend_url=url), on_round=on_round))
    assert outcome.served and len(rounds) == 2
    assert "backend-auth-provider:fail" in rounds[0]  # the old backend: no spectrocloud provider
    assert rounds[1] == ["backend-reachable:ok", "backend-auth-provider:ok", "backend-clusters:ok"]


def test_the_wait_gives_up_at_its_timeout(app: Path, backend) -> None:
    double, url = backend
    s = Session(app)
    outcome = asyncio.run(s.wait_for_backend(0.5, VerifyOptions(backend_url=url)))
    assert not outcome.served and outcome.elapsed >= 0.5
    assert any(r.id == "backend-auth-provider" and r.status == "fail" for r in outcome.results)


def run(app: Path, tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wizard", "verify", "--repo", str(app), *args], capture_output=True,
                          text=True, env=cli_env(tmp_path, **env), cwd=PROJECT, timeout=120, check=False)


def test_verify_wait_through_the_cli(app: Path, backend, tmp_path: Path) -> None:
    double, url = backend
    restarted(double)
    proc = run(app, tmp_path, "--backend-url", url, "--wait", "30", "--timeout", "2", "--json",
               SPECTROCLOUD_CLIENT_ID="c", SPECTROCLOUD_CLIENT_SECRET="s")
    assert "the backend serves the new config" in proc.stderr
    checks = {c["id"]: c["status"] for c in json.loads(proc.stdout)["checks"]}
    assert checks["backend-auth-provider"] == "ok" and checks["backend-clusters"] == "ok"


def test_verify_wait_that_times_out_says_so_and_verifies_anyway(app: Path, tmp_path: Path) -> None:
    proc = run(app, tmp_path, "--backend-url", net.CLOSED_URL, "--wait", "1", "--timeout", "1")
    assert "the backend did not serve the new config within 1 s; verifying anyway" in proc.stderr
    assert proc.returncode == 1 and "backend-reachable" in proc.stdout


def test_the_verdict_is_honest_about_what_was_not_tested(tmp_path: Path, backend, oidc_provider) -> None:
    """At the real OpenID provider: a client secret not exported where verify runs means the client was
    never tested (exit 1, naming the variable); the checks that need a user's ID token are listed."""
    double, url = backend
    double.authorization_url = oidc_provider.authorization_url
    restarted(double)
    app = repos.make_repo(tmp_path, preset="complete", local=CONFIG.replace(AUTH_URL, oidc_provider.authorization_url))
    env = {"SPECTROCLOUD_CLIENT_ID": oidc_provider.client_id}  # the secret is not exported
    proc = run(app, tmp_path, "--backend-url", url, "--timeout", "5", "--json", **env)
    out = json.loads(proc.stdout)
    checks = {c["id"]: c for c in out["checks"]}
    assert proc.returncode == 1
    assert checks["oidc-discovery"]["status"] == "ok" and checks["backend-auth-provider"]["status"] == "ok"
    client = checks["oidc-client"]
    assert client["status"] == "fail" and "not tested" in client["summary"] and "$SPECTROCLOUD_CLIENT_SECRET" in client["summary"]
    assert out["complete"] is False
    assert out["notTested"] == ["id-token", "cluster:lab:identity", "cluster:lab:rbac", "backend-proxy:lab"]
    text = run(app, tmp_path, "--backend-url", url, "--timeout", "5", **env)
    assert "not tested (4, they need a user's ID token: --id-token): id-token, cluster:lab:identity" in text.stdout
    # with the token given, nothing is left untested (the exit code is the checks' own)
    ok = run(app, tmp_path, "--backend-url", url, "--timeout", "5", "--json", "--id-token", "a.b.c", **env)
    assert json.loads(ok.stdout)["complete"] is True
