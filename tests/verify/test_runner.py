"""`spectro-wizard verify` through its entry point against real parts on loopback: a real OpenID
provider (npm oidc-provider), a Backstage backend double speaking the captured wire format whose
proxy really forwards to a Kubernetes API double over TLS (trustme certificates)."""

from __future__ import annotations

import json

from tests.support.doubles import KubeUser
from tests.support.oidc import obtain_id_token
from wizard.cli import main


def run_verify(capsys, *args: str) -> tuple[int, dict]:
    code = main(["verify", *args, "--json", "--timeout", "5"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def statuses(report: dict) -> dict[str, str]:
    return {c["id"]: c["status"] for c in report["checks"]}


def test_everything_right_is_reported_ok_and_the_legacy_cluster_as_it_is(stack, capsys):
    id_token = obtain_id_token(stack["provider"], user="alice")
    stack["kube"].users[id_token] = KubeUser("alice@example.com", ["developers", "system:authenticated"])
    code, report = run_verify(capsys, "--repo", str(stack["repo"]), "--backend-url", stack["backend_url"], "--id-token", id_token)
    st = statuses(report)
    for check in ("oidc-discovery", "oidc-token-endpoint", "oidc-client", "oidc-redirect-uri", "oidc-scopes", "id-token",
                  "backend-reachable", "backend-auth-provider", "cluster:my-cluster", "cluster:my-cluster:identity",
                  "cluster:my-cluster:rbac", "backend-proxy:my-cluster"):
        assert st[check] == "ok", (check, [c for c in report["checks"] if c["id"] == check])
    # legacy-prod stays on a service account on purpose: a warning, and its API server is not there
    assert st["backend-clusters"] == "warn"
    assert st["cluster:legacy-prod"] == "fail"
    assert code == 1 and report["ok"] is False
    identity = next(c for c in report["checks"] if c["id"] == "cluster:my-cluster:identity")
    assert identity["data"]["username"] == "alice@example.com"
    text = json.dumps(report)
    assert stack["provider"].client_secret not in text and id_token not in text


def test_each_failure_names_its_hint_and_the_hint_exists(stack, capsys, monkeypatch):
    from wizard.core.hints import catalog

    monkeypatch.setenv("SPECTROCLOUD_CLIENT_SECRET", "wrong-secret-value")
    stack["backstage"].auth_module = False  # the backend module is not installed
    code, report = run_verify(capsys, "--repo", str(stack["repo"]), "--backend-url", stack["backend_url"])
    st = {c["id"]: c for c in report["checks"]}
    assert st["oidc-client"]["status"] == "fail" and st["oidc-client"]["hint"] == "oidc-invalid-client"
    assert st["backend-auth-provider"]["status"] == "fail" and st["backend-auth-provider"]["hint"] == "backend-auth-module-missing"
    for c in report["checks"]:
        if c["status"] in ("warn", "fail"):
            assert c["hint"] and catalog().get(c["hint"]) is not None, c
            assert c["hint"] in report["hints"]
    assert "wrong-secret-value" not in json.dumps(report)
    assert code == 1


def test_unregistered_callback_and_unknown_cluster_in_the_backend(stack, capsys):
    cfg = stack["repo"] / "app-config.yaml"
    cfg.write_text(cfg.read_text().replace(stack["provider"].redirect_uri, "http://localhost:9999/not/registered"))
    stack["backstage"].clusters = stack["backstage"].clusters[1:]  # the backend does not serve my-cluster: stale
    code, report = run_verify(capsys, "--repo", str(stack["repo"]), "--backend-url", stack["backend_url"])
    st = {c["id"]: c for c in report["checks"]}
    assert st["oidc-redirect-uri"]["status"] == "fail"
    assert "localhost:9999/not/registered" in st["oidc-redirect-uri"]["summary"] + st["oidc-redirect-uri"]["detail"]
    assert st["backend-clusters"]["status"] == "fail"
    assert "my-cluster" in st["backend-clusters"]["summary"] + st["backend-clusters"]["detail"]
    assert code == 1


def test_backend_that_failed_to_start(stack, capsys):
    stack["backstage"].started = False
    _, report = run_verify(capsys, "--repo", str(stack["repo"]), "--backend-url", stack["backend_url"])
    st = {c["id"]: c for c in report["checks"]}
    assert st["backend-reachable"]["status"] == "fail" and st["backend-reachable"]["hint"] == "backend-not-started"
    assert st["backend-clusters"]["status"] == "skip"


def test_bad_verify_options_exit_2_with_one_sentence(stack, capsys):
    code = main(["verify", "--repo", str(stack["repo"]), "--backend-url", "ftp://x"])
    err = capsys.readouterr().err
    assert code == 2 and "--backend-url" in err and "Traceback" not in err and err.count("\n") == 1
    code = main(["verify", "--repo", str(stack["repo"]), "--ca-file", "/nonexistent/ca.pem"])
    assert code == 2 and "--ca-file" in capsys.readouterr().err
