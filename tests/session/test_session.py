"""The session, with no UI: every path of the flow (setup, migrate, verify-only, resume) driven the way
the front ends drive it, on a copy of the bundled create-app app (`demo_app`) with deterministic tools (`stand_ins`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.support import configs, repos
from tests.support.net import CLOSED_URL as CLOSED
from wizard.core.answers import ClusterAnswer, ClusterProviderAnswer
from wizard.core.resources import templates_dir
from wizard.errors import BadInput
from wizard.session import FLOWS, STEPS, Session, VerifyOptions
from wizard.session.texts import plan_text

# every remote check aims at the closed loopback port (net.CLOSED_URL): they all fail the same way
pytestmark = pytest.mark.usefixtures("stand_ins")
FRONTEND_MODULE = "packages/app/src/modules/spectrocloud/index.ts"  # what the in-app wiring adds (the demo wires it)


def with_legacy_clusters(root: Path) -> None:
    repos.set_kubernetes(root, configs.MIXED_KUBERNETES)


def test_the_step_table_is_the_flow_of_every_front_end() -> None:
    assert FLOWS["setup"] == ("welcome", "prereqs", "tenant", "clusters", "deployment", "review", "apply", "restart",
                              "verify", "summary")
    assert FLOWS["migrate"][4] == "deployment"  # a wave can be deployed too
    assert FLOWS["migrate"][2] == "inventory" and "clusters" not in FLOWS["migrate"]
    assert FLOWS["verify"] == ("welcome", "prereqs", "verify", "summary")
    assert all(step in STEPS for flow in FLOWS.values() for step in flow)
    assert FLOWS["setup"].index("restart") == FLOWS["setup"].index("verify") - 1  # never verify before the restart


def test_setup_path(demo_app: Path) -> None:
    s = Session(demo_app, demo=True)
    s.load(run_tools=False)
    assert s.steps == FLOWS["setup"]
    checks = {r.id: r for r in s.run_checks()}
    assert checks["kubernetes-auth-module"].status == "fail"  # nothing installed yet
    s.answers.consoleUrl = CLOSED
    s.answers.tenant = "acme"
    s.add_cluster(ClusterAnswer("lab", "https://127.0.0.1:9", skipTLSVerify=True))
    s.add_cluster(ClusterAnswer("lab", "https://127.0.0.1:10", skipTLSVerify=True))  # replaces by name
    assert [c.url for c in s.answers.clusters] == ["https://127.0.0.1:10"]
    plan = s.make_plan()
    assert s.plan is plan and not plan.empty
    text = plan_text(plan)
    assert any("lab" in a for a in text.actions)
    # the demo wires the frontend as if its packages were there, and says what a real run would add
    assert any(n.startswith("a dry run installs nothing: on a real app, apply adds @backstage/plugin-kubernetes-react")
               for n in plan.notes), plan.notes
    assert not any("install step is off" in n for n in plan.notes)
    assert "+        - name: lab" in text.diffs[0] and "SPECTROCLOUD_CLIENT_SECRET" in text.env_line
    result = s.apply()
    # the demo wires the frontend as a dry run (the in-app module on the new frontend system)
    assert result.written == ["app-config.yaml", FRONTEND_MODULE, "packages/app/src/App.tsx"]
    assert s.applied is plan and s.apply_result is result
    assert s.before is not None and "spectrocloud" not in s.before.files[0].text  # the config as it was
    assert [c["name"] for c in s.clusters()] == ["lab"]
    assert s.cleanup() is None  # not a migration wave
    # a second plan with the same answers changes nothing (apply is idempotent)
    assert s.make_plan().empty
    results = asyncio.run(s.verify(VerifyOptions(backend_url=CLOSED, timeout=2)))
    assert s.verify_results is results
    assert {r.id for r in results} >= {"oidc-discovery", "backend-reachable", "cluster:lab"}
    undone = s.undo()
    assert undone.restored == ["app-config.yaml", FRONTEND_MODULE, "packages/app/src/App.tsx"] and s.applied is None
    for rel in ("app-config.yaml", "packages/app/src/App.tsx"):
        assert (demo_app / rel).read_text() == (templates_dir() / "demo-app" / rel).read_text()
    assert not (demo_app / FRONTEND_MODULE).exists()


def test_migrate_path_uses_one_answer_for_what_may_migrate(demo_app: Path) -> None:
    with_legacy_clusters(demo_app)
    s = Session(demo_app, demo=True, path="migrate")
    s.load(run_tools=False)
    states = {c["name"]: (c["state"], c["migratable"]) for c in s.clusters()}
    assert states == {"legacy-prod": ("serviceAccount", True), "half-done": ("oidc-no-token-provider", True),
                      "on-google": ("other", False)}
    inv = s.inventory()
    assert inv["serviceAccount"] == ["legacy-prod"] and inv["needsTokenProvider"] == ["half-done"]
    s.answers.consoleUrl, s.answers.tenant = CLOSED, "acme"
    s.answers.migrate = ["legacy-prod", "half-done"]
    s.make_plan()
    s.apply()
    after = {c["name"]: c["state"] for c in s.clusters()}
    assert after == {"legacy-prod": "oidc", "half-done": "oidc", "on-google": "other"}
    cleanup = s.cleanup()
    assert cleanup is not None and "LEGACY_TOKEN" in cleanup.render()
    s.answers.migrate = ["on-google"]
    with pytest.raises(BadInput, match="on-google"):
        s.make_plan()


def test_verify_only_path_changes_nothing(demo_app: Path) -> None:
    before = (demo_app / "app-config.yaml").read_bytes()
    s = Session(demo_app, path="verify")
    s.load(run_tools=False)
    assert s.steps == FLOWS["verify"]
    results = s.verify_sync(VerifyOptions(backend_url=CLOSED, timeout=2))
    assert any(r.status == "fail" for r in results)
    assert (demo_app / "app-config.yaml").read_bytes() == before
    assert not (demo_app / ".spectro-wizard" / "backups").exists()


def test_resume_from_the_saved_answers(demo_app: Path) -> None:
    s = Session(demo_app, demo=True)
    s.load(run_tools=False)
    assert not s.autosave()  # no tenant yet: not saved, and the reason is known
    assert "tenant" in (s.answers_problem() or "")
    s.answers.tenant = "acme"
    s.answers.clusterProvider = ClusterProviderAnswer("palette", tenant="acme")
    assert s.autosave()
    again = Session(demo_app, demo=True)
    again.load(run_tools=False)
    assert again.resume()
    assert again.answers.tenant == "acme" and again.answers.clusterProvider.name == "palette"
    assert again.answers.installPackage is False  # the demo never runs the package manager
    (demo_app / ".spectro-wizard" / "answers.yaml").write_text("tenant: [broken\n")
    assert not Session(demo_app).resume()  # a file that no longer loads is not offered


def test_prefill_from_a_config_the_wizard_wrote(demo_app: Path) -> None:
    s = Session(demo_app, demo=True)
    s.load(run_tools=False)
    s.answers.tenant, s.answers.clientSecretEnv = "acme", "MY_SECRET"
    s.make_plan()
    s.apply()
    fresh = Session(demo_app)
    fresh.load(run_tools=False)
    fresh.prefill_from_config()
    assert (fresh.answers.tenant, fresh.answers.clientSecretEnv) == ("acme", "MY_SECRET")


def test_a_load_that_defers_the_config_files_reads_them_on_first_use(demo_app: Path) -> None:
    """The TUI draws Welcome before the config files are parsed: whatever asks for them first reads them."""
    repos.set_kubernetes(demo_app, configs.MIXED_KUBERNETES)
    whole = Session(demo_app)
    whole.load(run_tools=False)
    s = Session(demo_app)
    s.load(run_tools=False, defer_configs=True)
    assert not s.configs_read and s.config_error is None
    assert s.clusters() == whole.clusters() and s.configs_read  # read when first used
    s.load(run_tools=False, defer_configs=True)
    s.read_configs()
    assert s.configs_read and s.configs is not None and [f.rel for f in s.configs.files] == [f.rel for f in whole.configs.files]
    (demo_app / "app-config.yaml").write_text("app: [broken\n")
    broken = Session(demo_app)
    broken.load(run_tools=False, defer_configs=True)
    assert broken.config_error is None  # not read yet
    broken.read_configs()
    assert broken.config_error is not None and "app-config.yaml" in broken.config_error


def test_kubeconfig_import_names_clusters_by_cluster_and_keeps_no_credentials(demo_app: Path, tmp_path: Path) -> None:
    kc = tmp_path / "kubeconfig"
    kc.write_text("""\
apiVersion: v1
kind: Config
current-context: admin@prod
clusters:
  - name: prod-eu
    cluster: {server: "https://prod.example.com:6443", insecure-skip-tls-verify: true}
contexts:
  - name: admin@prod
    context: {cluster: prod-eu, user: admin}
users:
  - name: admin
    user: {token: very-secret-token}
""")
    s = Session(demo_app)
    contexts = s.kubeconfig_contexts(str(kc))
    (ca,) = s.clusters_from_contexts(contexts)
    assert (ca.name, ca.url, ca.skipTLSVerify) == ("prod-eu", "https://prod.example.com:6443", True)
    assert "very-secret-token" not in repr(contexts) + repr(ca)
