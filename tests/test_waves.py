"""Migration in waves, through the command line: plan -> apply -> verify per wave, clean-up, undo.

The fixture has service-account clusters in app-config.yaml (legacy-a, legacy-b) AND in
app-config.local.yaml (legacy-c, legacy-a again), legacy-b and legacy-c share one token variable, a
GKE cluster that stays as it is, and a cluster-provider environment `palette` in serviceAccount mode
whose `rbac` config renames the namespace and the service account.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import run, run_process
from tests.support.doubles import ID_TOKEN, USER_TOKEN
from tests.support.files import write_answers
from tests.support.repos import make_repo
from tests.support.text import safe_load

WAVE_1 = {"tenant": "acme", "migrate": ["legacy-a", "legacy-b"],
          "authorizationUrl": "http://127.0.0.1:9/v1/oidc/tenant/acme/auth"}
WAVE_2 = {"tenant": "acme", "migrate": ["legacy-c"],
          "authorizationUrl": "http://127.0.0.1:9/v1/oidc/tenant/acme/auth",
          "clusterProvider": {"name": "palette", "url": "https://api.spectrocloud.com", "tenant": "acme",
                              "apiTokenEnv": "PALETTE_API_TOKEN"}}


def clusters(root: Path, rel: str) -> dict[str, dict[str, Any]]:
    data = safe_load((root / rel).read_text(encoding="utf-8"))
    return {c["name"]: c for c in data["kubernetes"]["clusterLocatorMethods"][0]["clusters"]}


def environment(root: Path) -> dict[str, Any]:
    return safe_load((root / "app-config.yaml").read_text(encoding="utf-8"))["spectrocloud"]["environments"][0]


def check_json(capsys: pytest.CaptureFixture[str], root: Path) -> dict[str, Any]:
    code, out, _ = run(capsys, "check", "--repo", str(root), "--json")
    assert code in (0, 1)
    return {c["id"]: c for c in json.loads(out)["checks"]}


def verify_json(capsys: pytest.CaptureFixture[str], root: Path, doubles: Any) -> dict[str, Any]:
    doubles.restart_backend(root)
    code, out, err = run(capsys, "verify", "--repo", str(root), "--json", "--backend-url", doubles.backstage_url,
                         "--token", USER_TOKEN, "--id-token", ID_TOKEN, "--timeout", "5")
    assert code in (0, 1), err
    assert ID_TOKEN not in out and USER_TOKEN not in out
    return {c["id"]: c for c in json.loads(out)["checks"]}


def is_oidc(c: dict[str, Any]) -> bool:
    return c.get("authProvider") == "oidc" and c.get("oidcTokenProvider") == "spectrocloud" and "serviceAccountToken" not in c


def is_sa(c: dict[str, Any], token: str) -> bool:
    return c.get("authProvider", "serviceAccount") == "serviceAccount" and c.get("serviceAccountToken") == token


# ------------------------------------------------------------------------------------------------


def test_two_waves_with_verify_after_each_and_undo_of_the_last(tmp_path, capsys, doubles) -> None:
    root = make_repo(tmp_path, "app", preset="migration", kube_url=doubles.kube_url)
    w1 = write_answers(tmp_path / "wave1.yaml", WAVE_1)
    w2 = write_answers(tmp_path / "wave2.yaml", WAVE_2)
    local_before = (root / "app-config.local.yaml").read_text()

    # before: nothing on OIDC yet
    assert check_json(capsys, root)["clusters-oidc"]["status"] == "fail"

    # ---- wave 1: plan (writes nothing) -> apply -> verify
    code, out, _ = run(capsys, "plan", "--repo", str(root), "--answers", str(w1))
    assert code == 0
    assert "cluster legacy-a" in out and "cluster legacy-b" in out and "cluster legacy-c" not in out
    assert (root / "app-config.local.yaml").read_text() == local_before

    code, out, err = run(capsys, "apply", "--repo", str(root), "--answers", str(w1), "--yes", "--skip-install")
    assert code == 0, err
    main_cfg, local_cfg = clusters(root, "app-config.yaml"), clusters(root, "app-config.local.yaml")
    assert is_oidc(main_cfg["legacy-a"]) and is_oidc(main_cfg["legacy-b"]) and is_oidc(local_cfg["legacy-a"])
    assert is_sa(local_cfg["legacy-c"], "${SHARED_SA_TOKEN}")
    assert main_cfg["gke-prod"] == {"name": "gke-prod", "url": "https://gke.example.com", "authProvider": "google"}
    assert environment(root)["clusterProvider"]["authType"] == "serviceAccount"
    # the clean-up list: LEGACY_A_TOKEN is gone from every file; SHARED_SA_TOKEN is still read by legacy-c
    cleanup = out[out.index("Clean-up after this wave"):]
    assert "LEGACY_A_TOKEN" in cleanup and "SHARED_SA_TOKEN" not in cleanup.split("still on service accounts")[0]
    assert 'kubectl --context <legacy-a> auth whoami --token "$LEGACY_A_TOKEN"' in cleanup
    assert "delete clusterrolebinding" not in cleanup  # the environment did not switch
    assert "still on service accounts (mixed mode is fine): legacy-c, palette" in cleanup
    after_wave_1 = {n: (root / n).read_bytes() for n in ("app-config.yaml", "app-config.local.yaml")}

    # mixed mode is a normal state: warn, not fail
    checks = check_json(capsys, root)
    assert checks["clusters-oidc"]["status"] == "warn"
    assert "legacy-c" in checks["clusters-oidc"]["summary"] and "palette" in checks["clusters-oidc"]["summary"]
    # plan after apply: nothing left to do for this wave
    code, out, _ = run(capsys, "plan", "--repo", str(root), "--answers", str(w1))
    assert code == 0 and "the config already matches the answers" in out

    v = verify_json(capsys, root, doubles)
    # app-config.local.yaml's clusterLocatorMethods replaces app-config.yaml's (arrays are not merged):
    # verify checks what Backstage serves, so legacy-b (only in app-config.yaml) is not among them
    for name in ("legacy-a", "legacy-c"):
        assert v[f"cluster:{name}"]["status"] == "ok", v[f"cluster:{name}"]
    assert "cluster:legacy-b" not in v
    assert v["cluster:legacy-a:identity"]["status"] == "ok" and v["cluster:legacy-a:rbac"]["status"] == "ok"
    assert v["backend-proxy:legacy-a"]["status"] == "ok", v["backend-proxy:legacy-a"]
    served = v["backend-clusters"]["data"]
    assert served["stale"] == [] and served["missing"] == []
    assert sorted(served["oidc"]) == ["legacy-a"]
    assert sorted(served["notOidc"]) == ["legacy-c"]  # mixed mode: a warning, not a failure
    assert v["backend-clusters"]["status"] == "warn"

    # ---- wave 2: the last cluster and the provider environment
    code, out, err = run(capsys, "apply", "--repo", str(root), "--answers", str(w2), "--yes", "--skip-install")
    assert code == 0, err
    local_cfg = clusters(root, "app-config.local.yaml")
    assert all(is_oidc(c) for c in local_cfg.values())
    env = environment(root)
    assert env["clusterProvider"]["authType"] == "oidc" and env["apiToken"] == "${PALETTE_API_TOKEN}"
    assert env["clusterProvider"]["rbac"] == {"namespace": "backstage-ops", "serviceAccountName": "bs-reader"}
    cleanup = out[out.index("Clean-up after this wave"):]
    assert "SHARED_SA_TOKEN" in cleanup and "LEGACY_A_TOKEN" not in cleanup
    assert "PALETTE_API_TOKEN" not in cleanup.split("Cluster provider environment")[0]  # still needed in oidc mode
    for cmd in ("kubectl --context <cluster> delete clusterrolebinding backstage-read-only-binding --ignore-not-found",
                "kubectl --context <cluster> delete clusterrole backstage-read-only --ignore-not-found",
                "kubectl --context <cluster> --namespace backstage-ops delete secret backstage-sa-token --ignore-not-found",
                "kubectl --context <cluster> --namespace backstage-ops delete serviceaccount bs-reader --ignore-not-found"):
        assert cmd in cleanup
    assert "still on service accounts" not in cleanup
    checks = check_json(capsys, root)
    assert checks["clusters-oidc"]["status"] == "ok"

    v = verify_json(capsys, root, doubles)
    assert v["cluster:legacy-c"]["status"] == "ok" and v["cluster:legacy-c:identity"]["status"] == "ok"
    served = v["backend-clusters"]["data"]
    assert sorted(served["oidc"]) == ["legacy-a", "legacy-c"] and served["notOidc"] == []

    # ---- undo reverts the last wave only
    code, out, err = run(capsys, "undo", "--repo", str(root), "--yes")
    assert code == 0, err
    assert {n: (root / n).read_bytes() for n in after_wave_1} == after_wave_1
    assert check_json(capsys, root)["clusters-oidc"]["status"] == "warn"
    # ... and the wave can be applied again
    code, out, err = run(capsys, "apply", "--repo", str(root), "--answers", str(w2), "--yes", "--skip-install")
    assert code == 0, err
    assert environment(root)["clusterProvider"]["authType"] == "oidc"


def test_apply_json_carries_the_cleanup(tmp_path, capsys) -> None:
    root = make_repo(tmp_path, "app", preset="migration")
    w = write_answers(tmp_path / "w.yaml", {**WAVE_2, "migrate": "all"})
    code, out, err = run(capsys, "apply", "--repo", str(root), "--answers", str(w), "--yes", "--skip-install", "--json")
    assert code == 0, err
    cleanup = json.loads(out)["cleanup"]
    assert [v["name"] for v in cleanup["revocableEnvVars"]] == ["LEGACY_A_TOKEN", "SHARED_SA_TOKEN"]
    assert cleanup["environments"][0]["name"] == "palette"
    assert cleanup["environments"][0]["resources"] == {
        "namespace": "backstage-ops", "serviceAccountName": "bs-reader", "secretName": "backstage-sa-token",
        "clusterRoleName": "backstage-read-only", "clusterRoleBindingName": "backstage-read-only-binding"}
    assert len(cleanup["kubectl"]) == 4 and all(c.startswith("kubectl --context <cluster> ") for c in cleanup["kubectl"])


def test_no_cleanup_list_without_migration(tmp_path, capsys) -> None:
    root = make_repo(tmp_path, "app", preset="migration")
    w = write_answers(tmp_path / "w.yaml", {"tenant": "acme"})
    code, out, _ = run(capsys, "apply", "--repo", str(root), "--answers", str(w), "--yes", "--skip-install")
    assert code == 0 and "Clean-up" not in out


def test_a_wave_through_the_entry_point(tmp_path) -> None:
    root = make_repo(tmp_path, "app", preset="migration")
    w1 = write_answers(tmp_path / "wave1.yaml", WAVE_1)
    proc = run_process("apply", "--answers", str(w1), "--yes", "--skip-install", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "Clean-up after this wave" in proc.stdout and "LEGACY_A_TOKEN" in proc.stdout
    assert "Traceback" not in proc.stderr
    proc = run_process("check", "--json", cwd=root)
    checks = {c["id"]: c for c in json.loads(proc.stdout)["checks"]}
    assert checks["clusters-oidc"]["status"] == "warn"
    proc = run_process("undo", "--yes", cwd=root)
    assert proc.returncode == 0, proc.stderr
    proc = run_process("check", "--json", cwd=root)
    assert {c["id"]: c for c in json.loads(proc.stdout)["checks"]}["clusters-oidc"]["status"] == "fail"


def test_migrating_an_unknown_or_google_cluster_is_bad_input(tmp_path, capsys) -> None:
    root = make_repo(tmp_path, "app", preset="migration")
    before = (root / "app-config.yaml").read_bytes()
    for migrate in (["nope"], ["gke-prod"]):
        w = write_answers(tmp_path / "w.yaml", {"tenant": "acme", "migrate": migrate})
        code, out, err = run(capsys, "apply", "--repo", str(root), "--answers", str(w), "--yes", "--skip-install")
        assert code == 2 and "Traceback" not in err and err.count("\n") == 1
    assert (root / "app-config.yaml").read_bytes() == before
