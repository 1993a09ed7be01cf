"""Production: the deployments a repo holds (the backstage chart's values, an RHDH Backstage CR), what
they make Backstage load, the --config trap, and the plan that writes the SpectroCloud settings where
the deployment loads them (tests/fixtures/production, in the chart's and the operator's real shapes).

Every plan is judged three ways: byte for byte (only the lines the edit means change, in every file),
by Backstage's own config loader on the files the pod gets (tests/support/production.pod_files renders
the chart's template and the operator's mounts independently of the wizard), and by apply/undo
(idempotent; undo restores every byte and removes the manifests it created).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.support.oracle import load_config
from tests.support.production import CLUSTER, FIXTURES, pod_files, production_answers, production_repo
from tests.support.realapps import snapshot
from tests.support.text import assert_only_lines_changed, line_index
from wizard.core import answers as answers_mod
from wizard.core import configset, facts
from wizard.core import deployment as dep
from wizard.core import repo as repo_mod
from wizard.core.apply import apply_plan, undo_last
from wizard.core.deploy_plan import DeploymentPlan, make_plan
from wizard.core.embedded import Region, documents, lines_of, make_region
from wizard.core.plan import AnswerError, Plan
from wizard.core.yamldoc import parse
from wizard.errors import BadInput

ENV = {"SPECTROCLOUD_CLIENT_ID": "prod-client-id", "SPECTROCLOUD_CLIENT_SECRET": "prod-client-secret",
       "POSTGRES_HOST": "db", "POSTGRES_PASSWORD": "pw", "PROD_EU_TOKEN": "t"}


def plan_for(root: Path, deployment: dict[str, Any], **extra: Any) -> Plan:
    answers = answers_mod.validate(production_answers(deployment, **extra), "answers.yaml", base_dir=root)
    return make_plan(repo_mod.inspect(root, run_tools=False), configset.load(root), answers, skip_install=True)


def change(plan: Plan, rel: str) -> Any:
    found = [c for c in plan.changes if c.rel == rel]
    assert found, f"the plan does not change {rel}: {[c.rel for c in plan.changes]}"
    return found[0]


def served(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The clusters a backend with this merged config serves: the config locator's, by name."""
    methods = config.get("kubernetes", {}).get("clusterLocatorMethods") or []
    out: dict[str, dict[str, Any]] = {}
    for m in methods:
        if m.get("type") == "config":
            for c in m.get("clusters") or []:
                out[c["name"]] = c
    return out


def assert_pod_config(root: Path, values: str, env: str, tmp_path: Path, kind: str = "helm",
                      extension: bool = True) -> dict[str, Any]:
    """What the deployed backend loads (Backstage's loader on the files the pod gets) says what the plan meant."""
    files = pod_files(root, values, tmp_path / "pod", kind)
    config = load_config(root, files, ENV)
    provider = config["auth"]["providers"]["spectrocloud"][env]
    assert provider["clientId"] == "prod-client-id" and provider["clientSecret"] == "prod-client-secret"
    assert provider["authorizationUrl"] == "https://console.spectrocloud.com/v1/oidc/tenant/abc123/auth"
    assert config["auth"].get("environment", "development") == env
    cluster = served(config)[CLUSTER["name"]]
    assert (cluster["authProvider"], cluster["oidcTokenProvider"]) == ("oidc", "spectrocloud")
    assert config["kubernetes"]["serviceLocatorMethod"] == {"type": "multiTenant"}
    entries = config.get("app", {}).get("extensions") or []
    if extension:
        assert {facts.EXTENSION_ID: False} in entries
    return config


def apply_and_undo(root: Path, plan: Plan, deployment: dict[str, Any], before: dict[str, bytes], **extra: Any) -> None:
    result = apply_plan(plan)
    assert not result.rolled_back
    again = plan_for(root, deployment, **extra)
    assert again.empty, "second plan not empty:\n" + "".join(c.diff(masked=False) for c in again.changes)
    undo_last(root)
    assert snapshot(root) == before


# ------------------------------------------------------------------------------------------------
# finding deployments, and what they load


def test_finds_chart_values_umbrella_values_and_rhdh_crs_and_nothing_else(tmp_path: Path) -> None:
    root = production_repo(tmp_path, {
        "helm/values.yaml": "deploy/values.yaml", "helm/values-umbrella.yaml": "charts/idp/values.yaml",
        "rhdh/backstage-cr.yaml": "openshift/backstage-cr.yaml", "secrets/sealedsecret.yaml": "deploy/sealed.yaml",
    }, extra_files={
        # a file with a `backstage:` key that is no chart's values, and one under node_modules
        "catalog/team.yaml": "backstage:\n  owners: [team-a]\n",
        "node_modules/chart/values.yaml": (FIXTURES / "helm/values.yaml").read_text(),
    })
    found = {t.rel: t for t in dep.find(root)}
    assert set(found) == {"deploy/values.yaml", "charts/idp/values.yaml", "openshift/backstage-cr.yaml"}
    assert found["deploy/values.yaml"].base == ["backstage"]
    assert found["charts/idp/values.yaml"].base == ["backstage", "backstage"]
    cr = found["openshift/backstage-cr.yaml"]
    assert cr.kind == dep.RHDH and cr.name == "developer-hub" and cr.env_secrets == ["developer-hub-secrets"]
    assert cr.rhdh_config_maps == [{"name": "developer-hub-app-config"}]


@pytest.mark.parametrize("fixture,extra,expected", [
    ("helm/values.yaml", {}, ["app-config.yaml (in the image)", "app-config.production.yaml (in the image)",
                              "backstage.appConfig of deploy/values.yaml"]),
    ("helm/values-defaults.yaml", {}, ["app-config.yaml (in the image)"]),
    ("helm/values-trap.yaml", {}, ["backstage.appConfig of deploy/values.yaml"]),
    ("helm/values-umbrella.yaml", {}, ["app-config.yaml (in the image)", "backstage.appConfig of deploy/values.yaml"]),
    ("helm/values-extra.yaml", {"helm/app-config-extra.yaml": "deploy/app-config-extra.yaml"},
     ["app-config.yaml (in the image)",
      "ConfigMap backstage-extra-config key app-config.extra.yaml, deploy/app-config-extra.yaml"]),
])
def test_sources_follow_the_charts_template(tmp_path: Path, fixture: str, extra: dict[str, str],
                                            expected: list[str]) -> None:
    root = production_repo(tmp_path, {fixture: "deploy/values.yaml", **extra})
    t = dep.load(root, dep.HELM, "deploy/values.yaml")
    sources = t.sources(root, dep.RepoYaml(root))
    assert [s.describe() for s in sources] == expected
    # the same files, in the same order, as the chart's template renders them (independent of the wizard)
    pod = pod_files(root, "deploy/values.yaml", tmp_path / "pod")
    assert [Path(p).name for p in pod] == [
        Path(s.rel).name if s.kind == "image" else (s.key if s.kind == "configmap" else "app-config-from-configmap.yaml")
        for s in sources]


@pytest.mark.parametrize("fixture,missing", [
    ("helm/values.yaml", None),
    ("helm/values-defaults.yaml", ["app-config.production.yaml"]),
    ("helm/values-trap.yaml", ["app-config.yaml", "app-config.production.yaml"]),
])
def test_the_config_trap(tmp_path: Path, fixture: str, missing: list[str] | None) -> None:
    root = production_repo(tmp_path, {fixture: "deploy/values.yaml"})
    trap = dep.trap(dep.load(root, dep.HELM, "deploy/values.yaml"), root)
    assert (trap.missing if trap else None) == missing
    if trap:
        assert "not read in production" in trap.sentence and "deploy/values.yaml" in trap.sentence


def test_the_dockerfiles_cmd_says_which_files_the_image_loads(tmp_path: Path) -> None:
    root = production_repo(tmp_path, {"helm/values-trap.yaml": "deploy/values.yaml"}, extra_files={
        "packages/backend/Dockerfile": 'FROM node:22\nWORKDIR /app\nCMD ["node", "packages/backend", "--config", '
                                       '"app-config.yaml"]\n'})
    assert dep.image_configs(root) == ["app-config.yaml"]
    assert dep.trap(dep.load(root, dep.HELM, "deploy/values.yaml"), root).missing == ["app-config.yaml"]


# ------------------------------------------------------------------------------------------------
# the plan, byte for byte, by Backstage's loader, applied and undone


def test_chart_values_get_the_production_provider_in_app_config(tmp_path: Path) -> None:
    root = production_repo(tmp_path, {"helm/values.yaml": "deploy/values.yaml"})
    before = snapshot(root)
    deployment = {"helmValues": "deploy/values.yaml"}
    plan = plan_for(root, deployment)
    values = change(plan, "deploy/values.yaml")
    # only insertions: every line of the values file is kept, in order (the comment indented less than
    # the block included)
    assert_only_lines_changed(values.before, values.after, [])
    assert "  # a note the team keeps at the block's own level, less indented than its keys\n" in values.after
    assert "            clientSecret: ${SPECTROCLOUD_CLIENT_SECRET}\n" in values.after
    assert "    - backstage-spectrocloud\n" in values.after  # extraEnvVarsSecrets
    assert "prod-client-secret" not in values.after
    d = plan.deployment
    assert isinstance(d, DeploymentPlan)
    assert (d.kind, d.config_in, d.environment, d.trap) == ("helm", "appConfig", "production", None)
    assert d.env_vars == ["SPECTROCLOUD_CLIENT_ID", "SPECTROCLOUD_CLIENT_SECRET"]
    assert any("--from-env-file=spectrocloud.env" in s for s in d.secret_steps)
    assert all("prod-client" not in s for s in d.secret_steps)
    assert any(a.startswith("deploy/values.yaml (backstage.appConfig): add auth.providers.spectrocloud.production")
               for a in plan.actions)
    for ch in plan.changes:
        with open(ch.path, "w", encoding="utf-8", newline="") as fh:
            fh.write(ch.after)
    assert_pod_config(root, "deploy/values.yaml", "production", tmp_path)
    for ch in plan.changes:
        ch.path.write_bytes(before[ch.rel])
    apply_and_undo(root, plan_for(root, deployment), deployment, before)


def test_chart_defaults_keep_loading_the_image_config(tmp_path: Path) -> None:
    """`appConfig: {}` and no args: the backend loads app-config.yaml from the image; the plan writes the
    setup there (the rest of the plan does) and nothing into appConfig, so no --config appears."""
    root = production_repo(tmp_path, {"helm/values-defaults.yaml": "deploy/values.yaml"})
    before = snapshot(root)
    deployment = {"helmValues": "deploy/values.yaml"}
    plan = plan_for(root, deployment)
    values = change(plan, "deploy/values.yaml")
    assert_only_lines_changed(values.before, values.after, [line_index(values.before, "extraEnvVarsSecrets: []")])
    assert "  extraEnvVarsSecrets: [backstage-spectrocloud]\n" in values.after
    assert "appConfig: {}" in values.after  # untouched: nothing was missing from what the chart loads
    assert plan.deployment.trap and "app-config.production.yaml" in plan.deployment.trap
    apply_plan(plan)
    assert_pod_config(root, "deploy/values.yaml", "development", tmp_path)
    assert plan_for(root, deployment).empty
    undo_last(root)
    assert snapshot(root) == before


def test_the_trap_fixed_when_answered(tmp_path: Path) -> None:
    root = production_repo(tmp_path, {"helm/values-trap.yaml": "deploy/values.yaml"})
    before = snapshot(root)
    deployment = {"helmValues": "deploy/values.yaml", "loadImageConfigs": True}
    plan = plan_for(root, deployment)
    values = change(plan, "deploy/values.yaml")
    changed = [line_index(values.before, "args: []"), line_index(values.before, "extraEnvVarsSecrets: []")]
    assert_only_lines_changed(values.before, values.after, changed)
    assert "  args: [ '--config', app-config.yaml, '--config', app-config.production.yaml ]\n" in values.after
    assert plan.deployment.trap_fixed and "backstage.args names them now" in "\n".join(plan.deployment.lines())
    # the image's files are loaded now, so the setup the rest of the plan writes there is enough
    assert "spectrocloud" not in values.after.split("appConfig:")[1]
    apply_plan(plan)
    assert_pod_config(root, "deploy/values.yaml", "development", tmp_path)
    assert plan_for(root, deployment).empty
    undo_last(root)
    assert snapshot(root) == before


def test_the_trap_left_writes_everything_into_app_config(tmp_path: Path) -> None:
    root = production_repo(tmp_path, {"helm/values-trap.yaml": "deploy/values.yaml"})
    before = snapshot(root)
    deployment = {"helmValues": "deploy/values.yaml"}
    plan = plan_for(root, deployment)
    values = change(plan, "deploy/values.yaml")
    assert_only_lines_changed(values.before, values.after, [line_index(values.before, "extraEnvVarsSecrets: []")])
    assert "args: []" in values.after
    lines = "\n".join(plan.deployment.lines())
    assert "! --config trap" in lines and "loadImageConfigs: true" in lines
    apply_plan(plan)
    assert_pod_config(root, "deploy/values.yaml", "development", tmp_path)  # complete without the image's files
    assert plan_for(root, deployment).empty
    undo_last(root)
    assert snapshot(root) == before


def test_a_configmap_of_its_own_created_and_named_in_extra_app_config(tmp_path: Path) -> None:
    root = production_repo(tmp_path, {"helm/values-trap.yaml": "deploy/values.yaml"})
    before = snapshot(root)
    deployment = {"helmValues": "deploy/values.yaml", "configIn": "configMap", "namespace": "platform"}
    plan = plan_for(root, deployment)
    manifest = change(plan, "deploy/spectrocloud-app-config.yaml")
    assert manifest.created and manifest.before == ""
    assert manifest.after.startswith("# The app-config Backstage loads in production")
    assert "kubectl apply -n platform -f deploy/spectrocloud-app-config.yaml" in manifest.after
    docs = [d for d in documents(manifest.after)]
    assert len(docs) == 1
    values = change(plan, "deploy/values.yaml")
    assert_only_lines_changed(values.before, values.after, [line_index(values.before, "extraEnvVarsSecrets: []")])
    assert ("  extraAppConfig:\n    - filename: app-config.spectrocloud.yaml\n"
            "      configMapRef: backstage-spectrocloud-app-config\n") in values.after
    result = apply_plan(plan)
    assert "deploy/spectrocloud-app-config.yaml" in result.written
    assert_pod_config(root, "deploy/values.yaml", "development", tmp_path)
    assert plan_for(root, deployment).empty
    undo_last(root)
    assert snapshot(root) == before  # the manifest the apply created is gone again


def test_an_existing_configmap_is_edited_where_it_defines_the_provider(tmp_path: Path) -> None:
    root = production_repo(tmp_path, {"helm/values-extra.yaml": "deploy/values.yaml",
                                      "helm/app-config-extra.yaml": "deploy/app-config-extra.yaml"})
    before = snapshot(root)
    deployment = {"helmValues": "deploy/values.yaml"}
    plan = plan_for(root, deployment)
    assert "deploy/values.yaml" not in [c.rel for c in plan.changes]  # its Secret is listed already
    cm = change(plan, "deploy/app-config-extra.yaml")
    url_line = line_index(cm.before, "old-tenant/auth")
    assert_only_lines_changed(cm.before, cm.after, [url_line])
    assert "            # authorizationUrl: https://console.spectrocloud.com/v1/oidc/tenant/older/auth\n" in cm.after
    assert "            authorizationUrl: https://console.spectrocloud.com/v1/oidc/tenant/abc123/auth\n" in cm.after
    # the ConfigMap's cluster list replaces the image's: the answered cluster is added there
    assert "            - name: prod-cluster\n" in cm.after
    # the other documents of the manifest are untouched
    assert cm.after.endswith("kind: ConfigMap\nmetadata:\n  name: unrelated\ndata:\n  LOG_FORMAT: json\n")
    note = next(n for n in plan.notes if "old-tenant" in n)
    assert note.startswith(f"deploy/app-config-extra.yaml:{url_line + 1} (ConfigMap backstage-extra-config")
    apply_plan(plan)
    config = assert_pod_config(root, "deploy/values.yaml", "production", tmp_path)
    assert served(config)["prod-eu"]["authProvider"] == "serviceAccount"  # not migrated: left as it was
    assert plan_for(root, deployment).empty
    undo_last(root)
    assert snapshot(root) == before


def test_umbrella_chart_values(tmp_path: Path) -> None:
    root = production_repo(tmp_path, {"helm/values-umbrella.yaml": "deploy/values.yaml"})
    before = snapshot(root)
    deployment = {"helmValues": "deploy/values.yaml"}
    plan = plan_for(root, deployment)
    values = change(plan, "deploy/values.yaml")
    assert_only_lines_changed(values.before, values.after, [])
    assert "        providers:\n          spectrocloud:\n            production:\n" in values.after
    assert "    extraEnvVarsSecrets:\n      - backstage-spectrocloud\n  ingress:" in values.after
    apply_plan(plan)
    assert_pod_config(root, "deploy/values.yaml", "production", tmp_path)
    assert plan_for(root, deployment).empty
    undo_last(root)
    assert snapshot(root) == before


def test_rhdh_gets_a_configmap_and_the_secret_in_its_cr(tmp_path: Path) -> None:
    root = production_repo(tmp_path, {"rhdh/backstage-cr.yaml": "deploy/backstage-cr.yaml"})
    before = snapshot(root)
    deployment = {"rhdh": "deploy/backstage-cr.yaml", "namespace": "rhdh"}
    plan = plan_for(root, deployment)
    cr = change(plan, "deploy/backstage-cr.yaml")
    assert_only_lines_changed(cr.before, cr.after, [])
    assert "        - name: developer-hub-app-config\n        - name: developer-hub-spectrocloud-app-config\n" in cr.after
    assert "        - name: developer-hub-secrets   # the backend auth key\n        - name: developer-hub-spectrocloud\n" \
        in cr.after
    manifest = change(plan, "deploy/spectrocloud-app-config.yaml")
    assert manifest.created and "app.extensions" not in manifest.after and "extensions:" not in manifest.after
    d = plan.deployment
    assert (d.secret_name, d.namespace, d.environment) == ("developer-hub-spectrocloud", "rhdh", "production")
    assert "dynamic plugins" in d.image_note
    apply_plan(plan)
    assert_pod_config(root, "deploy/backstage-cr.yaml", "production", tmp_path, kind="rhdh", extension=False)
    assert plan_for(root, deployment).empty
    undo_last(root)
    assert snapshot(root) == before


def test_crlf_values_stay_crlf_and_keep_every_byte(tmp_path: Path) -> None:
    root = production_repo(tmp_path, {"helm/values.yaml": "deploy/values.yaml"})
    path = root / "deploy/values.yaml"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    plan = plan_for(root, {"helmValues": "deploy/values.yaml"})
    values = change(plan, "deploy/values.yaml")
    assert "\n" not in values.after.replace("\r\n", "")
    assert_only_lines_changed(values.before, values.after, [])
    assert "        spectrocloud:\r\n          production:\r\n" in values.after


def test_secret_steps_follow_the_tools_the_repo_uses(tmp_path: Path) -> None:
    external = production_repo(tmp_path, {"helm/values.yaml": "deploy/values.yaml",
                                          "secrets/externalsecret.yaml": "deploy/postgres-externalsecret.yaml"},
                               name="external")
    steps = "\n".join(plan_for(external, {"helmValues": "deploy/values.yaml"}).deployment.secret_steps)
    assert "kind: ExternalSecret" in steps and "name: vault-backend" in steps and "kind: ClusterSecretStore" in steps
    assert "secretKey: SPECTROCLOUD_CLIENT_SECRET" in steps
    sealed = production_repo(tmp_path, {"helm/values.yaml": "deploy/values.yaml",
                                        "secrets/sealedsecret.yaml": "deploy/postgres-sealed.yaml"}, name="sealed")
    steps = "\n".join(plan_for(sealed, {"helmValues": "deploy/values.yaml"}).deployment.secret_steps)
    assert "| kubeseal --format yaml > deploy/backstage-spectrocloud-sealedsecret.yaml" in steps
    assert "kubectl apply -f -" not in steps


# ------------------------------------------------------------------------------------------------
# what the plan refuses


def test_an_include_in_app_config_is_a_refusal_naming_the_line(tmp_path: Path) -> None:
    root = production_repo(tmp_path, {"helm/values-trap.yaml": "deploy/values.yaml"})
    path = root / "deploy/values.yaml"
    path.write_text(path.read_text().replace("    backend:\n", "    auth:\n      $include: ./auth.yaml\n    backend:\n"))
    plan = plan_for(root, {"helmValues": "deploy/values.yaml"})
    assert plan.refusals
    assert any("deploy/values.yaml (backstage.appConfig)" in r and "$include: ./auth.yaml" in r
               and "outside the repo" in r for r in plan.refusals)


def test_a_flow_style_or_string_app_config_is_bad_input(tmp_path: Path) -> None:
    root = production_repo(tmp_path, {"helm/values-trap.yaml": "deploy/values.yaml"})
    path = root / "deploy/values.yaml"
    text = path.read_text()
    path.write_text(text.split("  appConfig:")[0] + "  appConfig: {app: {title: x}}\n")
    with pytest.raises(BadInput, match="backstage.appConfig is not a block mapping"):
        plan_for(root, {"helmValues": "deploy/values.yaml"})
    path.write_text(text.split("  appConfig:")[0] + "  appConfig: |\n    app:\n      title: x\n")
    with pytest.raises(BadInput, match="backstage.appConfig is a string"):
        plan_for(root, {"helmValues": "deploy/values.yaml"})


def test_an_environment_the_deployment_does_not_use_is_refused(tmp_path: Path) -> None:
    root = production_repo(tmp_path, {"helm/values.yaml": "deploy/values.yaml"})
    with pytest.raises(AnswerError, match="sets auth.environment to production"):
        plan_for(root, {"helmValues": "deploy/values.yaml", "environment": "staging"})
    trap = production_repo(tmp_path, {"helm/values-trap.yaml": "deploy/values.yaml"}, name="trap")
    with pytest.raises(AnswerError, match="the backend uses development"):
        plan_for(trap, {"helmValues": "deploy/values.yaml", "environment": "production"})


def test_a_file_that_is_not_what_the_answer_says(tmp_path: Path) -> None:
    root = production_repo(tmp_path, {"rhdh/backstage-cr.yaml": "deploy/backstage-cr.yaml",
                                      "helm/values.yaml": "deploy/values.yaml"})
    with pytest.raises(BadInput, match="not a values file of the backstage Helm chart"):
        plan_for(root, {"helmValues": "deploy/backstage-cr.yaml"})
    with pytest.raises(BadInput, match="holds no Red Hat Developer Hub Backstage resource"):
        plan_for(root, {"rhdh": "deploy/values.yaml"})


# ------------------------------------------------------------------------------------------------
# the answers key


@pytest.mark.parametrize("deployment,message", [
    ({"helmValues": "deploy/values.yaml", "colour": "blue"}, "unknown key"),
    ({"helmValues": "deploy/values.yaml", "clientSecret": "x"}, "secrets never go in an answers file"),
    ({}, "name exactly one of helmValues"),
    ({"helmValues": "deploy/values.yaml", "rhdh": "deploy/values.yaml"}, "got helmValues and rhdh"),
    ({"helmValues": 3}, "must be a non-empty string"),
    ({"helmValues": "../outside.yaml"}, "is outside the repo"),
    ({"helmValues": "deploy/missing.yaml"}, "no such file in the repo"),
    ({"helmValues": "package.json"}, "is not a YAML file"),
    ({"helmValues": "deploy/values.yaml", "release": "Not_A_Name"}, "is not a Helm release name"),
    ({"helmValues": "deploy/values.yaml", "secretName": "UPPER"}, "is not a Kubernetes object name"),
    ({"helmValues": "deploy/values.yaml", "configIn": "somewhere"}, "must be appConfig"),
    ({"helmValues": "deploy/values.yaml", "loadImageConfigs": "yes"}, "must be true or false"),
    ({"helmValues": "deploy/values.yaml", "manifest": "deploy/config.yaml"}, "with 'spectrocloud' in its name"),
    ({"rhdh": "deploy/values.yaml", "configIn": "appConfig"}, "ConfigMaps only"),
    ({"rhdh": "deploy/values.yaml", "loadImageConfigs": True}, "RHDH runs its own image"),
    ({"helmValues": "deploy/values.yaml", "backendUrl": "ftp://x"}, r"is not an http\(s\) URL"),
])
def test_deployment_answers_are_validated(tmp_path: Path, deployment: dict[str, Any], message: str) -> None:
    root = production_repo(tmp_path, {"helm/values.yaml": "deploy/values.yaml"})
    (tmp_path / "outside.yaml").write_text("backstage: {}\n")
    with pytest.raises(BadInput, match=message) as info:
        answers_mod.validate(production_answers(deployment), "answers.yaml", base_dir=root)
    assert str(info.value).startswith("answers.yaml: deployment")


def test_deployment_files_are_read_as_untrusted_paths(tmp_path: Path) -> None:
    root = production_repo(tmp_path, {"helm/values.yaml": "deploy/values.yaml"})
    (tmp_path / "secret.yaml").write_text("backstage: {}\n")
    os.symlink(tmp_path / "secret.yaml", root / "deploy/link.yaml")
    os.mkfifo(root / "deploy/fifo.yaml")
    (root / "deploy/dir.yaml").mkdir()
    (root / "deploy/big.yaml").write_bytes(b"# x\n" * 300_000)
    for rel, message in (("deploy/link.yaml", "outside the repo"), ("deploy/fifo.yaml", "FIFO"),
                         ("deploy/dir.yaml", "directory"), ("deploy/big.yaml", "larger than 1 MiB")):
        with pytest.raises(BadInput, match=message):
            answers_mod.validate(production_answers({"helmValues": rel}), "answers.yaml", base_dir=root)


def test_deployment_answers_round_trip(tmp_path: Path) -> None:
    root = production_repo(tmp_path, {"helm/values.yaml": "deploy/values.yaml"})
    data = production_answers({"helmValues": "./deploy/../deploy/values.yaml", "release": "idp", "namespace": "idp",
                               "configIn": "configMap", "manifest": "deploy/spectrocloud-cm.yaml",
                               "environment": "production", "loadImageConfigs": True,
                               "backendUrl": "https://idp.example.com"})
    a = answers_mod.validate(data, "answers.yaml", base_dir=root)
    d = a.deployment
    assert d is not None and d.helmValues == "deploy/values.yaml" and d.secret_name == "idp-spectrocloud"
    again = answers_mod.validate(a.to_dict(), "saved", base_dir=root)
    assert again.deployment == d
    assert "deployment:" in answers_mod.dump(a)


# ------------------------------------------------------------------------------------------------
# embedded regions


def test_a_region_keeps_its_own_lines_and_indents_new_ones() -> None:
    host = "a:\n  m:\n    k: 1\n  # less indented\n    j: 2\n  n: 3\n"
    doc = parse(host)
    m_key, m_value = doc.root.pairs[0][1].pairs[0]
    from wizard.core.embedded import mapping_region

    region = mapping_region(doc, m_key, m_value, "a.m")
    assert region.text == "k: 1\n# less indented\nj: 2\n"
    new = region.text + "added:\n  deep: true\n"
    replaced = host[: region.start] + region.replacement(new) + host[region.end:]
    assert replaced == "a:\n  m:\n    k: 1\n  # less indented\n    j: 2\n    added:\n      deep: true\n  n: 3\n"
    assert region.replacement(region.text) == "".join(region.lines)


def test_a_line_less_indented_than_its_block_is_refused() -> None:
    from wizard.core.embedded import EmbeddedError

    with pytest.raises(EmbeddedError, match="line 2"):
        make_region("  a: 1\nb: 2\n", 0, 12, 2, "the block")


def test_documents_split_at_separator_lines_only() -> None:
    text = "# head\n---\na: 1\n--- # second\nb: |\n  ---\n...\n---\nc: 3\n"
    regions = documents(text)
    assert [r.text for r in regions] == ["a: 1\n", "b: |\n  ---\n", "c: 3\n"]
    assert all(isinstance(r, Region) for r in regions)
    assert lines_of("x\r\ny") == ["x\r\n", "y"]
    from wizard.core.embedded import EmbeddedError

    with pytest.raises(EmbeddedError, match="on its `---` line"):
        documents("a: 1\n--- b: 2\n")
