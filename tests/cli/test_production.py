"""Production through the command line's entry point: `check` finds the deployment and the --config trap,
`plan`/`apply`/`undo` write the config the chart (or RHDH) loads, `verify --deployment` asks the deployed
backend in its own auth environment and names the Secret when the pod did not get it, and no secret
value reaches an output or a file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.doubles import BackstageDouble, LoopbackServer
from tests.support.net import CLOSED_URL
from tests.support.production import production_repo
from tests.support.realapps import snapshot

SECRET = "prod-client-secret-Zq81xT"
CLIENT_ID = "prod-client-id-4471"
AUTH_URL = f"{CLOSED_URL}/v1/oidc/tenant/abc123/auth"

ANSWERS = f"""\
consoleUrl: {CLOSED_URL}
tenant: abc123
installPackage: false
clusters:
  - name: prod-cluster
    url: https://prod.k8s.example.com:6443
    skipTLSVerify: true
deployment:
  helmValues: deploy/values.yaml
  namespace: platform
"""


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPECTROCLOUD_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SPECTROCLOUD_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("BACKSTAGE_TOKEN", raising=False)


def repo(tmp_path: Path, fixture: str = "helm/values.yaml", answers: str = ANSWERS) -> tuple[Path, Path]:
    root = production_repo(tmp_path, {fixture: "deploy/values.yaml"})
    path = tmp_path / "answers.yaml"
    path.write_text(answers)
    return root, path


def no_secret(*texts: str) -> None:
    for t in texts:
        assert SECRET not in t


def files_hold_no_secret(root: Path) -> None:
    for p in root.rglob("*"):
        if p.is_file():
            assert SECRET.encode() not in p.read_bytes(), p


def test_check_names_the_deployment_and_the_trap(tmp_path: Path, capsys: pytest.CaptureFixture[str], env: None) -> None:
    root, _ = repo(tmp_path, "helm/values-trap.yaml")
    code, out, err = run(capsys, "check", "--repo", str(root), "--json")
    data = json.loads(out)
    by_id = {c["id"]: c for c in data["checks"]}
    assert [c["id"] for c in data["checks"]][-2:] == ["deployment", "deployment-config-args"]
    assert by_id["deployment"]["status"] == "fail" and by_id["deployment"]["hint"] == "deployment-config"
    assert "no auth.providers.spectrocloud.development in what it loads" in by_id["deployment"]["summary"]
    trap = by_id["deployment-config-args"]
    assert trap["status"] == "warn" and trap["hint"] == "deployment-config-args"
    assert "app-config.yaml, app-config.production.yaml in the image are not loaded" in trap["summary"]
    assert 'args: ["--config", "app-config.yaml", "--config", "app-config.production.yaml"]' in \
        data["hints"]["deployment-config-args"]["text"]
    no_secret(out, err)


def test_check_without_a_deployment_lists_no_deployment_check(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                              env: None) -> None:
    root = production_repo(tmp_path, {})
    code, out, _ = run(capsys, "check", "--repo", str(root), "--json")
    assert not {"deployment", "deployment-config-args"} & {c["id"] for c in json.loads(out)["checks"]}


def test_plan_apply_undo_through_the_entry_point(tmp_path: Path, capsys: pytest.CaptureFixture[str], env: None) -> None:
    root, answers = repo(tmp_path)
    before = snapshot(root)
    code, out, err = run(capsys, "plan", "--repo", str(root), "--answers", str(answers), "--json")
    assert code == 0, err
    data = json.loads(out)
    d = data["deployment"]
    assert (d["kind"], d["file"], d["configIn"], d["environment"], d["secretName"], d["namespace"]) == (
        "helm", "deploy/values.yaml", "appConfig", "production", "backstage-spectrocloud", "platform")
    assert d["loadsAfter"] == ["app-config.yaml (in the image)", "app-config.production.yaml (in the image)",
                               "backstage.appConfig of deploy/values.yaml"]
    assert [c["file"] for c in data["changes"]] == ["app-config.yaml", "deploy/values.yaml"]
    code, out, err = run(capsys, "plan", "--repo", str(root), "--answers", str(answers))
    assert "  Deployment: Helm chart values deploy/values.yaml → the production settings go into backstage.appConfig" in out
    assert "kubectl create secret generic backstage-spectrocloud -n platform --from-env-file=spectrocloud.env" in out
    code, out, err = run(capsys, "apply", "--repo", str(root), "--answers", str(answers), "--yes")
    assert code == 0, err
    assert "✔ wrote deploy/values.yaml" in out or "wrote deploy/values.yaml" in out
    assert "Production:" in out and f"spectro-wizard cluster-config --deployment --answers {answers}" in out
    assert "spectro-wizard verify --deployment" in out
    no_secret(out, err)
    files_hold_no_secret(root)
    code, out, _ = run(capsys, "plan", "--repo", str(root), "--answers", str(answers))
    assert out.startswith("Nothing the wizard can write yet")  # installs off: the packages wait for the user
    code, out, _ = run(capsys, "check", "--repo", str(root), "--json")
    by_id = {c["id"]: c for c in json.loads(out)["checks"]}
    assert by_id["deployment"]["status"] == "ok", by_id["deployment"]
    assert "auth.providers.spectrocloud.production configured" in by_id["deployment"]["detail"]
    assert by_id["deployment-config-args"]["status"] == "ok"
    code, out, err = run(capsys, "undo", "--repo", str(root), "--yes")
    assert code == 0, err
    assert snapshot(root) == before


def test_an_apply_that_cannot_finish_leaves_the_repo_as_it_was(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                               env: None) -> None:
    """configIn: configMap creates a manifest; a values file made read-only refuses the whole apply."""
    root, answers = repo(tmp_path, "helm/values-trap.yaml", ANSWERS + "  configIn: configMap\n")
    before = snapshot(root)
    values = root / "deploy/values.yaml"
    values.chmod(0o444)
    try:
        from tests.support.cli import run_cli, unprivileged_prefix

        unprivileged_prefix()
        proc = run_cli(["apply", "--repo", str(root), "--answers", str(answers), "--yes"], unprivileged=True,
                       env={**os.environ, "NO_COLOR": "1"})
    finally:
        values.chmod(0o644)
    assert proc.returncode == 1 and "deploy/values.yaml is read-only" in proc.stderr
    assert snapshot(root) == before and not (root / "deploy/spectrocloud-app-config.yaml").exists()


def test_verify_deployment_asks_in_the_production_environment(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                              env: None) -> None:
    root, answers = repo(tmp_path)
    assert run(capsys, "apply", "--repo", str(root), "--answers", str(answers), "--yes")[0] == 0
    backend = BackstageDouble(auth_envs=("production",), authorization_url=AUTH_URL)
    server = LoopbackServer(backend.handle).start()
    try:
        args = ["verify", "--repo", str(root), "--answers", str(answers), "--backend-url", server.url(),
                "--timeout", "3", "--json"]
        code, out, err = run(capsys, *args, "--deployment")
        checks = {c["id"]: c for c in json.loads(out)["checks"]}
        assert checks["backend-auth-provider"]["status"] == "ok", checks["backend-auth-provider"]
        assert any(r.path == "/api/auth/spectrocloud/start" and r.query.get("env") == "production"
                   for r in server.requests)
        # the pod's own credentials: the backend exchanges a made-up code, the provider says invalid_grant
        assert checks["backend-client-secret"]["status"] == "ok", checks["backend-client-secret"]
        assert "invalid_grant" in checks["backend-client-secret"]["detail"]
        frames = [r for r in server.requests if r.path == "/api/auth/spectrocloud/handler/frame"]
        assert frames and frames[0].query["code"] == "spectro-wizard-probe-not-a-code"
        # the served cluster list is compared with the production config (the chart's appConfig included)
        assert "prod-cluster" in json.dumps(checks["backend-clusters"])
        # a pod with a wrong (or no) client secret: invalid_client at the token exchange, named with the Secret
        backend.client_secret_ok = False
        code, out, err = run(capsys, *args, "--deployment")
        probe = {c["id"]: c for c in json.loads(out)["checks"]}["backend-client-secret"]
        assert code == 1 and probe["status"] == "fail" and probe["hint"] == "deployment-secrets"
        assert "invalid_client" in probe["summary"] and "Secret backstage-spectrocloud in namespace platform" in probe["detail"]
        backend.client_secret_ok = True
        # without --deployment verify reads the repo's own config: development, which this backend does not serve
        code, out, err = run(capsys, *args)
        checks = {c["id"]: c for c in json.loads(out)["checks"]}
        assert "backend-client-secret" not in checks  # asked of a deployed backend only
        assert checks["backend-auth-provider"]["status"] == "fail"
        assert "'development' environment" in checks["backend-auth-provider"]["detail"]
        code, out, err = run(capsys, *args, "--environment", "production")
        assert {c["id"]: c for c in json.loads(out)["checks"]}["backend-auth-provider"]["status"] == "ok"
        # the pod without its Secret: the module skips the provider, and verify says which Secret and where
        backend.misconfigured = True
        code, out, err = run(capsys, *args, "--deployment")
        results = {c["id"]: c for c in json.loads(out)["checks"]}
        result = results["backend-auth-provider"]
        assert results["backend-client-secret"]["status"] == "skip"
        assert result["status"] == "fail" and result["hint"] == "deployment-secrets"
        assert ("create Secret backstage-spectrocloud in namespace platform with SPECTROCLOUD_CLIENT_ID and "
                "SPECTROCLOUD_CLIENT_SECRET") in result["detail"]
        assert "backstage.extraEnvVarsSecrets of deploy/values.yaml" in result["detail"]
        assert "invalid_client" in result["detail"]
        code, out, err = run(capsys, *args)  # no deployment named: the generic sentence
        result = {c["id"]: c for c in json.loads(out)["checks"]}["backend-auth-provider"]
        assert "backstage.extraEnvVarsSecrets" in result["detail"] and "RHDH" in result["detail"]
        no_secret(out, err)
    finally:
        server.stop()


def test_bad_environment_and_deployment_options_are_one_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                 env: None) -> None:
    root, answers = repo(tmp_path)
    code, _, err = run(capsys, "verify", "--repo", str(root), "--environment", "no spaces")
    assert code == 2 and "--environment" in err
    other = production_repo(tmp_path, {}, name="nodeploy")
    code, _, err = run(capsys, "verify", "--repo", str(other), "--deployment")
    assert code == 2 and "repo holds none" in err


def test_the_real_entry_point_prints_no_secret(tmp_path: Path, env: None) -> None:
    root, answers = repo(tmp_path, "helm/values-defaults.yaml", ANSWERS + "  configIn: configMap\n")
    for args in (["check"], ["plan", "--answers", str(answers)], ["apply", "--answers", str(answers), "--yes"],
                 ["cluster-config", "--answers", str(answers), "--deployment", "--format", "authentication-config"]):
        proc = subprocess.run([sys.executable, "-m", "wizard", *args, "--repo", str(root)], capture_output=True,
                              text=True, env={**os.environ, "NO_COLOR": "1"}, timeout=120, stdin=subprocess.DEVNULL, check=False)
        assert "Traceback" not in proc.stderr, proc.stderr
        no_secret(proc.stdout, proc.stderr)
    files_hold_no_secret(root)
    assert CLIENT_ID in proc.stdout  # the client ID is an identifier the API servers must name
