"""`$include`, `$file` and `$env` at or above the keys the planner edits, and `${VAR}` /
`${VAR:-default}` kept (configset.Includes, directives.py, the planner's phases).

Each shape is either edited in the file that holds the edited key (an included file becomes one more
change of the plan) or refused with one sentence naming the file, line and directive and what to add
by hand; judged byte for byte, and by Backstage's own config loader (tests/support/oracle.py) where
the result is written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import run
from tests.support.oracle import load_config
from tests.support.plans import make_plan, write_plan
from tests.support.realapps import snapshot
from tests.support.repos import make_repo
from tests.support.text import assert_only_lines_changed, removed_lines
from wizard.core import configset, facts, migration
from wizard.core.clusters import cluster_inventory, config_clusters, effective_cluster_files
from wizard.core.directives import edit_might_add_directives, might_hold_directives
from wizard.core.envrefs import default_of, env_var_of, is_env_reference, references_in
from wizard.core.plan import PlanError
from wizard.errors import BadInput

APP = """\
app:
  title: Includes
  extensions:
    - nav-item:catalog

auth:
  providers:
    guest: {}

kubernetes:
  $include: ./k8s/kubernetes.yaml
"""

K8S = """\
# shared with the ops repo
serviceLocatorMethod:
  type: multiTenant
clusterLocatorMethods:
  - type: config
    clusters:
      - name: legacy
        url: ${LEGACY_URL:-https://10.0.0.1:6443}
        authProvider: serviceAccount
        serviceAccountToken:
          $env: LEGACY_TOKEN
        skipTLSVerify: true
"""

NEW = {"name": "new", "url": "https://new.example.com:6443", "skipTLSVerify": True}
ANSWERS = {"tenant": "acme", "clusters": [NEW], "migrate": ["legacy"]}
ENV = {"SPECTROCLOUD_CLIENT_ID": "cid", "SPECTROCLOUD_CLIENT_SECRET": "csecret", "LEGACY_TOKEN": "sa-made-up",
       "TOKEN": "t-made-up", "GITHUB_TOKEN": "gh", "PALETTE_TOKEN": "p-made-up"}
EDITED = ("auth", "app", "kubernetes", "spectrocloud")
PROVIDER = {"clientId": "cid", "clientSecret": "csecret",
            "authorizationUrl": "https://console.spectrocloud.com/v1/oidc/tenant/acme/auth"}
NEW_LOADED = {"name": "new", "url": "https://new.example.com:6443", "authProvider": "oidc",
              "oidcTokenProvider": "spectrocloud", "skipTLSVerify": True}
NEW_TEXT = """\
      - name: new
        url: https://new.example.com:6443
        authProvider: oidc
        oidcTokenProvider: spectrocloud
        skipTLSVerify: true
"""
DISABLE = {facts.EXTENSION_ID: False}


def repo(tmp_path: Path, app: str = APP, files: dict[str, str] | None = None, **kw: Any) -> Path:
    return make_repo(tmp_path, app_config=app, extra_files=files, **kw)


def changes(plan) -> dict[str, str]:
    return {c.rel: c.after for c in plan.changes}


def loaded(root: Path, files: list[str] | None = None) -> dict[str, Any]:
    """The config as Backstage's own loader reads it (OracleError when it refuses the files)."""
    return load_config(root, files or ["app-config.yaml"], ENV)


def rest(config: dict[str, Any]) -> dict[str, Any]:
    """What the plan does not edit: it must load exactly as before."""
    return {k: v for k, v in config.items() if k not in EDITED}


def clusters_of(config: dict[str, Any]) -> list[dict[str, Any]]:
    methods = config["kubernetes"]["clusterLocatorMethods"]
    return [c for m in methods if m.get("type") == "config" for c in m["clusters"]]


def refused(plan) -> str:
    assert plan.refusals, "the plan was not refused"
    assert len(plan.refusals) == 1, plan.refusals
    return plan.refusals[0]


# ------------------------------------------------------------------------------------------------
# edited in the included file


def test_include_under_kubernetes_is_edited_in_the_included_file(tmp_path):
    root = repo(tmp_path, files={"k8s/kubernetes.yaml": K8S})
    before = loaded(root)
    plan = make_plan(root, ANSWERS)
    after = changes(plan)
    assert set(after) == {"app-config.yaml", "k8s/kubernetes.yaml"}
    assert plan.changes[1].path == root / "k8s/kubernetes.yaml"
    assert after["k8s/kubernetes.yaml"] == K8S.replace(
        "        authProvider: serviceAccount\n        serviceAccountToken:\n          $env: LEGACY_TOKEN\n",
        "        authProvider: oidc\n        oidcTokenProvider: spectrocloud\n") + NEW_TEXT
    # nothing is written beside the $include (Backstage would refuse the whole config)
    assert after["app-config.yaml"].endswith("\nkubernetes:\n  $include: ./k8s/kubernetes.yaml\n")
    assert removed_lines(APP, after["app-config.yaml"]) == []
    assert "k8s/kubernetes.yaml is included by app-config.yaml:11 (`$include`): the edit is made there" in plan.notes
    assert ("cluster legacy: serviceAccountToken ($env: LEGACY_TOKEN) removed; revoke the token once the switch is "
            "verified (variable LEGACY_TOKEN)") in plan.notes
    assert ("k8s/kubernetes.yaml:7: cluster legacy: authProvider: oidc + oidcTokenProvider: spectrocloud, drop serviceAccountToken"
            in plan.actions)

    write_plan(root, plan)
    config = loaded(root)
    assert config["auth"]["providers"]["spectrocloud"]["development"] == PROVIDER
    assert config["app"]["extensions"] == ["nav-item:catalog", DISABLE]
    assert config["kubernetes"]["serviceLocatorMethod"] == {"type": "multiTenant"}
    assert clusters_of(config) == [
        {"name": "legacy", "url": "https://10.0.0.1:6443", "authProvider": "oidc", "oidcTokenProvider": "spectrocloud",
         "skipTLSVerify": True},
        NEW_LOADED]
    assert rest(config) == rest(before) and before["auth"]["providers"]["guest"] == config["auth"]["providers"]["guest"]
    assert make_plan(root, ANSWERS).changes == []  # idempotent


def test_include_under_auth_providers(tmp_path):
    app = APP.replace("  providers:\n    guest: {}\n", "  providers:\n    $include: auth/providers.yaml\n")
    providers = "# every sign-in provider\nguest: {}\n"
    root = repo(tmp_path, app, {"auth/providers.yaml": providers, "k8s/kubernetes.yaml": K8S})
    before = loaded(root)
    plan = make_plan(root, {"tenant": "acme"})
    after = changes(plan)
    assert after["auth/providers.yaml"] == providers + (
        "spectrocloud:\n"
        "  development:\n"
        "    clientId: ${SPECTROCLOUD_CLIENT_ID}\n"
        "    clientSecret: ${SPECTROCLOUD_CLIENT_SECRET}\n"
        "    authorizationUrl: https://console.spectrocloud.com/v1/oidc/tenant/acme/auth\n")
    assert "  providers:\n    $include: auth/providers.yaml\n" in after["app-config.yaml"]
    assert_only_lines_changed(app, after["app-config.yaml"], [])
    write_plan(root, plan)
    config = loaded(root)
    assert config["auth"]["providers"] == {"guest": {}, "spectrocloud": {"development": PROVIDER}}
    assert rest(config) == rest(before) and config["kubernetes"] == before["kubernetes"]
    assert make_plan(root, {"tenant": "acme"}).changes == []


def test_include_of_a_cluster_locator_item_and_of_a_cluster_list_and_a_cluster(tmp_path):
    """`- $include` of the config locator, whose `clusters:` is an `$include` of a list, one of whose
    items is an `$include` of one cluster: each edit lands in the file that holds it."""
    app = APP.replace("kubernetes:\n  $include: ./k8s/kubernetes.yaml\n", (
        "kubernetes:\n"
        "  serviceLocatorMethod:\n"
        "    type: multiTenant\n"
        "  clusterLocatorMethods:\n"
        "    - type: catalog\n"
        "    - $include: k8s/locator.yaml\n"))
    locator = "type: config\nclusters:\n  $include: clusters.yaml\n"
    listed = "# the fleet\n- $include: legacy.yaml\n- name: other\n  url: https://other:6443\n  authProvider: google\n"
    legacy = "name: legacy\nurl: https://10.0.0.1:6443\nserviceAccountToken: ${TOKEN}\n"
    root = repo(tmp_path, app, {"k8s/locator.yaml": locator, "k8s/clusters.yaml": listed, "k8s/legacy.yaml": legacy})
    before = loaded(root)
    plan = make_plan(root, ANSWERS)
    after = changes(plan)
    assert set(after) == {"app-config.yaml", "k8s/clusters.yaml", "k8s/legacy.yaml"}
    assert after["k8s/clusters.yaml"] == listed + NEW_TEXT.replace("      ", "", 1).replace("\n        ", "\n  ")
    assert after["k8s/legacy.yaml"] == ("name: legacy\nurl: https://10.0.0.1:6443\nauthProvider: oidc\n"
                                        "oidcTokenProvider: spectrocloud\n")
    assert_only_lines_changed(app, after["app-config.yaml"], [])
    write_plan(root, plan)
    config = loaded(root)
    assert config["kubernetes"]["clusterLocatorMethods"][0] == {"type": "catalog"}
    assert clusters_of(config) == [
        {"name": "legacy", "url": "https://10.0.0.1:6443", "authProvider": "oidc", "oidcTokenProvider": "spectrocloud"},
        {"name": "other", "url": "https://other:6443", "authProvider": "google"},
        NEW_LOADED]
    assert rest(config) == rest(before)
    assert make_plan(root, ANSWERS).changes == []


def test_nested_includes_resolve_relative_to_the_including_file(tmp_path):
    """k8s/kubernetes.yaml includes `./clusters/list.yaml`: that is k8s/clusters/list.yaml (Backstage
    resolves each include from the directory of the file that holds it), not clusters/list.yaml."""
    k8s = ("serviceLocatorMethod:\n  type: multiTenant\nclusterLocatorMethods:\n  - type: config\n    clusters:\n"
           "      $include: ./clusters/list.yaml\n")
    listed = "- name: a\n  url: https://a:6443\n"
    decoy = "- name: decoy\n  url: https://decoy:6443\n"
    root = repo(tmp_path, files={"k8s/kubernetes.yaml": k8s, "k8s/clusters/list.yaml": listed, "clusters/list.yaml": decoy})
    plan = make_plan(root, {"tenant": "acme", "clusters": [NEW]})
    after = changes(plan)
    assert set(after) == {"app-config.yaml", "k8s/clusters/list.yaml"}
    assert after["k8s/clusters/list.yaml"] == listed + (
        "- name: new\n  url: https://new.example.com:6443\n  authProvider: oidc\n  oidcTokenProvider: spectrocloud\n"
        "  skipTLSVerify: true\n")
    write_plan(root, plan)
    assert (root / "clusters/list.yaml").read_text() == decoy
    assert clusters_of(loaded(root)) == [{"name": "a", "url": "https://a:6443"}, NEW_LOADED]


def test_an_include_picking_a_key_of_a_file_is_edited_there(tmp_path):
    app = APP.replace("$include: ./k8s/kubernetes.yaml", "$include: shared.yaml#kubernetes")
    shared = "kubernetes:\n  serviceLocatorMethod:\n    type: multiTenant\nother: 1\n"
    root = repo(tmp_path, app, {"shared.yaml": shared})
    plan = make_plan(root, {"tenant": "acme", "clusters": [NEW]})
    assert changes(plan)["shared.yaml"] == shared.replace("other: 1\n", (
        "  clusterLocatorMethods:\n    - type: config\n      clusters:\n" + NEW_TEXT.replace("      ", "        ")
        + "other: 1\n"))
    write_plan(root, plan)
    assert loaded(root)["kubernetes"] == {"serviceLocatorMethod": {"type": "multiTenant"},
                                          "clusterLocatorMethods": [{"type": "config", "clusters": [NEW_LOADED]}]}


def test_an_empty_included_file_is_filled(tmp_path):
    root = repo(tmp_path, files={"k8s/kubernetes.yaml": "# clusters come later\n"})
    plan = make_plan(root, {"tenant": "acme", "clusters": [NEW]})
    assert changes(plan)["k8s/kubernetes.yaml"] == (
        "# clusters come later\nserviceLocatorMethod:\n  type: multiTenant\nclusterLocatorMethods:\n  - type: config\n"
        "    clusters:\n" + NEW_TEXT)
    write_plan(root, plan)
    assert clusters_of(loaded(root)) == [NEW_LOADED]


def test_crlf_in_the_included_file_stays_crlf(tmp_path):
    root = repo(tmp_path, files={})
    (root / "k8s").mkdir()
    (root / "k8s/kubernetes.yaml").write_bytes(K8S.replace("\n", "\r\n").encode())
    plan = make_plan(root, ANSWERS)
    text = changes(plan)["k8s/kubernetes.yaml"]
    assert "\n" not in text.replace("\r\n", "")  # every line ends in CRLF, the new ones too
    assert text.replace("\r\n", "\n") == make_plan_lf(tmp_path / "lf")
    assert "\r" not in changes(plan)["app-config.yaml"]
    write_plan(root, plan)
    assert clusters_of(loaded(root))[1] == NEW_LOADED
    assert make_plan(root, ANSWERS).changes == []


def make_plan_lf(where: Path) -> str:
    return changes(make_plan(repo(where, files={"k8s/kubernetes.yaml": K8S}), ANSWERS))["k8s/kubernetes.yaml"]


def test_a_symlink_inside_the_repo_is_edited_at_its_target(tmp_path):
    root = repo(tmp_path, files={"shared/k8s.yaml": K8S})
    (root / "k8s").mkdir()
    os.symlink("../shared/k8s.yaml", root / "k8s/kubernetes.yaml")
    plan = make_plan(root, ANSWERS)
    change = next(c for c in plan.changes if c.rel == "k8s/kubernetes.yaml")
    assert change.path == (root / "shared/k8s.yaml").resolve()
    write_plan(root, plan)
    assert (root / "k8s/kubernetes.yaml").is_symlink()
    assert clusters_of(loaded(root))[1] == NEW_LOADED


def test_one_file_included_by_two_configs_at_the_same_place_is_edited_once(tmp_path):
    root = repo(tmp_path, files={"k8s/kubernetes.yaml": K8S}, production="kubernetes:\n  $include: ./k8s/kubernetes.yaml\n")
    plan = make_plan(root, {"tenant": "acme", "clusters": [NEW]})
    assert [c.rel for c in plan.changes] == ["app-config.yaml", "k8s/kubernetes.yaml"]
    assert changes(plan)["k8s/kubernetes.yaml"].count("name: new") == 1
    write_plan(root, plan)
    assert clusters_of(loaded(root, ["app-config.yaml", "app-config.production.yaml"]))[-1] == NEW_LOADED


def test_cluster_provider_environment_in_an_included_list(tmp_path):
    app = APP + "spectrocloud:\n  environments:\n    $include: palette.yaml\n"
    envs = ("- name: palette\n  url: https://api.spectrocloud.com\n  apiToken:\n    $env: PALETTE_TOKEN\n"
            "  clusterProvider:\n    authType: serviceAccount\n")
    root = repo(tmp_path, app, {"k8s/kubernetes.yaml": K8S, "palette.yaml": envs})
    answers = {"tenant": "acme", "clusterProvider": {"name": "palette", "url": "https://api.spectrocloud.com",
                                                     "apiTokenEnv": "PALETTE_TOKEN"}}
    plan = make_plan(root, answers)
    # `$env: PALETTE_TOKEN` is the ${PALETTE_TOKEN} the answers ask for: kept as written
    assert changes(plan)["palette.yaml"] == envs.replace(
        "    authType: serviceAccount\n", "    authType: oidc\n    oidcAuthProviderName: spectrocloud\n") + "  tenant: acme\n"
    write_plan(root, plan)
    assert loaded(root)["spectrocloud"]["environments"] == [{
        "name": "palette", "url": "https://api.spectrocloud.com", "apiToken": "p-made-up", "tenant": "acme",
        "clusterProvider": {"authType": "oidc", "oidcAuthProviderName": "spectrocloud"}}]
    assert make_plan(root, answers).changes == []


# ------------------------------------------------------------------------------------------------
# refused: one sentence, nothing written


OUTSIDE_WANT = ("add by hand to that file: kubernetes.serviceLocatorMethod (type: multiTenant); cluster(s) new under "
                "kubernetes.clusterLocatorMethods[type: config] with authProvider: oidc and oidcTokenProvider: "
                "spectrocloud, without serviceAccountToken")


def test_include_outside_the_repo_is_refused(tmp_path):
    (tmp_path / "ops").mkdir()
    (tmp_path / "ops/k8s.yaml").write_text(K8S)
    root = repo(tmp_path, APP.replace("./k8s/kubernetes.yaml", "../ops/k8s.yaml"))
    plan = make_plan(root, {"tenant": "acme", "clusters": [NEW]})
    assert refused(plan) == (
        f"app-config.yaml:11: kubernetes comes from `$include: ../ops/k8s.yaml`, which leads outside the repo "
        f"({tmp_path / 'ops/k8s.yaml'}); the wizard edits only files of the repo — {OUTSIDE_WANT}")
    assert [c.rel for c in plan.changes] == ["app-config.yaml"]  # shown, never written: apply stops
    assert (tmp_path / "ops/k8s.yaml").read_text() == K8S


def test_include_through_a_symlink_out_of_the_repo_is_refused(tmp_path):
    (tmp_path / "ops").mkdir()
    (tmp_path / "ops/k8s.yaml").write_text(K8S)
    root = repo(tmp_path)
    (root / "k8s").mkdir()
    os.symlink(tmp_path / "ops/k8s.yaml", root / "k8s/kubernetes.yaml")
    assert refused(make_plan(root, {"tenant": "acme", "clusters": [NEW]})) == (
        "app-config.yaml:11: kubernetes comes from `$include: ./k8s/kubernetes.yaml`, and k8s/kubernetes.yaml is a "
        f"symbolic link to {tmp_path / 'ops/k8s.yaml'}, outside the repo; the wizard never follows links out of the "
        f"repo — {OUTSIDE_WANT}")
    # readers do not follow it either: the inventory has no cluster from outside
    assert cluster_inventory(configset.load(root))["clusters"] == []


def test_the_refusal_names_the_line_on_disk_not_the_line_after_earlier_edits(tmp_path):
    """Phases 1 and 2 insert lines above kubernetes before phase 3 meets the directive."""
    root = repo(tmp_path, APP.replace("./k8s/kubernetes.yaml", "https://config.example.com/k8s.yaml"))
    sentence = refused(make_plan(root, {"tenant": "acme", "clusters": [NEW]}))
    assert sentence.startswith("app-config.yaml:11: kubernetes comes from `$include: https://config.example.com/k8s.yaml`, "
                               "a URL, not a file of the repo — add by hand where it is served: ")
    assert (root / "app-config.yaml").read_text().splitlines()[10] == "  $include: https://config.example.com/k8s.yaml"


@pytest.mark.parametrize("value, files, clause", [
    ("${CONF_DIR}/k8s.yaml", {}, "whose file name depends on an environment variable, so the wizard cannot tell which "
                                 "file Backstage reads — add by hand to that file: "),
    ("./k8s.json", {"k8s.json": "{}"}, "a JSON file, which the wizard does not edit (it keeps files byte for byte by "
                                        "editing YAML) — include a .yaml file instead, or add by hand to it: "),
    ("node_modules/@acme/k8s.yaml", {"node_modules/@acme/k8s.yaml": "{}\n"},
     "a file under node_modules/, which the wizard never edits — add by hand to it: "),
    ("shared.yaml#k8s", {"shared.yaml": "kubernetes: {}\n"}, "but shared.yaml has no k8s to edit — add it by hand, with: "),
])
def test_includes_the_wizard_does_not_edit_behind_are_refused(tmp_path, value, files, clause):
    root = repo(tmp_path, APP.replace("./k8s/kubernetes.yaml", value), files)
    assert refused(make_plan(root, {"tenant": "acme", "clusters": [NEW]})) == (
        f"app-config.yaml:11: kubernetes comes from `$include: {value}`, {clause}"
        + OUTSIDE_WANT.removeprefix("add by hand to that file: "))


@pytest.mark.parametrize("directive, what", [
    ("$env: K8S_CONFIG", "the value of the environment variable K8S_CONFIG (a string)"),
    ("$file: ./k8s.txt", "the text of ./k8s.txt (a string)"),
])
def test_file_and_env_where_a_mapping_must_be_edited_are_refused(tmp_path, directive, what):
    root = repo(tmp_path, APP.replace("$include: ./k8s/kubernetes.yaml", directive))
    assert refused(make_plan(root, {"tenant": "acme", "clusters": [NEW]})) == (
        f"app-config.yaml:11: kubernetes comes from `{directive}`, {what}, where the wizard needs a mapping to edit — "
        "replace it by hand with the settings, including: kubernetes.serviceLocatorMethod (type: multiTenant); "
        "cluster(s) new under kubernetes.clusterLocatorMethods[type: config] with authProvider: oidc and "
        "oidcTokenProvider: spectrocloud, without serviceAccountToken")


def test_env_holding_the_auth_section_is_refused(tmp_path):
    app = APP.replace("auth:\n  providers:\n    guest: {}\n", "auth:\n  $env: AUTH_JSON\n")
    root = repo(tmp_path, app, {"k8s/kubernetes.yaml": K8S})
    assert refused(make_plan(root, {"tenant": "acme"})) == (
        "app-config.yaml:7: auth comes from `$env: AUTH_JSON`, the value of the environment variable AUTH_JSON (a "
        "string), where the wizard needs a mapping to edit — replace it by hand with the settings, including: "
        "auth.providers.spectrocloud.development (clientId: ${SPECTROCLOUD_CLIENT_ID}, clientSecret: "
        "${SPECTROCLOUD_CLIENT_SECRET}, authorizationUrl: https://console.spectrocloud.com/v1/oidc/tenant/acme/auth)")


def test_a_cluster_list_from_env_is_refused(tmp_path):
    k8s = "serviceLocatorMethod:\n  type: multiTenant\nclusterLocatorMethods:\n  - type: config\n    clusters:\n      $env: CLUSTERS\n"
    root = repo(tmp_path, files={"k8s/kubernetes.yaml": k8s})
    assert refused(make_plan(root, {"tenant": "acme", "clusters": [NEW]})).startswith(
        "k8s/kubernetes.yaml:6: kubernetes.clusterLocatorMethods[0].clusters comes from `$env: CLUSTERS`, the value of "
        "the environment variable CLUSTERS (a string), where the wizard needs a mapping to edit — ")


def test_a_directive_at_the_top_of_an_included_file_is_refused(tmp_path):
    """Backstage does not follow an `$include` at the top of what another one brings in: it loads the
    key `$include` as it is."""
    root = repo(tmp_path, files={"k8s/kubernetes.yaml": "$include: more.yaml\n", "k8s/more.yaml": K8S})
    assert loaded(root)["kubernetes"] == {"$include": "more.yaml"}  # the loader's own reading
    assert refused(make_plan(root, {"tenant": "acme", "clusters": [NEW]})).startswith(
        "k8s/kubernetes.yaml:1: kubernetes comes from `$include: more.yaml`, at the top of what `$include: "
        "./k8s/kubernetes.yaml` brings in, where Backstage does not follow it (it loads `$include` as a plain key); ")


def test_a_file_included_at_two_places_is_not_edited(tmp_path):
    app = APP + "ops:\n  $include: ./k8s/kubernetes.yaml\n"
    root = repo(tmp_path, app, {"k8s/kubernetes.yaml": K8S})
    assert refused(make_plan(root, {"tenant": "acme", "clusters": [NEW]})) == (
        "k8s/kubernetes.yaml is included at kubernetes (app-config.yaml:11) and at ops (app-config.yaml:13): an edit "
        "of it changes every one of them, so the wizard leaves it alone — add by hand where it suits each of those "
        "places: cluster(s) new under kubernetes.clusterLocatorMethods[type: config] with authProvider: oidc and "
        "oidcTokenProvider: spectrocloud, without serviceAccountToken")


def test_an_extension_entry_from_an_include_that_must_change_is_refused(tmp_path):
    app = APP.replace("    - nav-item:catalog\n", "    - nav-item:catalog\n    - $include: ext.yaml\n")
    root = repo(tmp_path, app, {"ext.yaml": "plugin.kubernetes-auth-providers.service: false\n", "k8s/kubernetes.yaml": K8S})
    assert refused(make_plan(root, {"tenant": "acme"})).startswith(
        "app-config.yaml:5: app.extensions[1] comes from `$include: ext.yaml`, which holds the guide's app.extensions "
        "entry `plugin.kubernetes-auth-providers.service` that the wizard must change; ")


def test_without_clusters_in_the_answers_an_unreadable_kubernetes_is_left_alone(tmp_path):
    root = repo(tmp_path, APP.replace("./k8s/kubernetes.yaml", "/etc/backstage/k8s.yaml"))
    plan = make_plan(root, {"tenant": "acme"})
    assert plan.refusals == []
    assert [m for m in plan.manual if "comes from" in m] == [  # (beside the frontend's: installs are off here)
        "app-config.yaml:11: kubernetes comes from `$include: /etc/backstage/k8s.yaml`, which the wizard does not read "
        "through; it is left as it is (the Kubernetes backend needs kubernetes.serviceLocatorMethod and "
        "clusterLocatorMethods there)"]
    assert [c.rel for c in plan.changes] == ["app-config.yaml"]
    assert changes(plan)["app-config.yaml"].endswith("kubernetes:\n  $include: /etc/backstage/k8s.yaml\n")


# ------------------------------------------------------------------------------------------------
# configs Backstage would not load: exit 2 at once


def fifo_repo(tmp_path: Path) -> Path:
    root = repo(tmp_path)
    (root / "k8s").mkdir()
    os.mkfifo(root / "k8s/kubernetes.yaml")
    return root


@pytest.mark.parametrize("setup, message", [
    (lambda t: repo(t, files={"k8s/kubernetes.yaml": "x:\n  $include: ../k8s/kubernetes.yaml\n"}),
     "k8s/kubernetes.yaml:2: `$include: ../k8s/kubernetes.yaml` includes k8s/kubernetes.yaml again, which is already "
     "being included on the way here (an include cycle: Backstage's loader would follow it forever); break the cycle "
     "and run again"),
    (lambda t: repo(t, files={"k8s/kubernetes.yaml": "a:\n  $include: b.yaml\n", "k8s/b.yaml": "b:\n  - $include: kubernetes.yaml\n"}),
     "k8s/b.yaml:2: `$include: kubernetes.yaml` includes k8s/kubernetes.yaml again, which is already being included on "
     "the way here (an include cycle: Backstage's loader would follow it forever); break the cycle and run again"),
    (fifo_repo, "app-config.yaml:11: `$include: ./k8s/kubernetes.yaml` (k8s/kubernetes.yaml) is a FIFO (named pipe), "
                "not a regular file; name a regular file"),
    (lambda t: repo(t), "app-config.yaml:11: `$include: ./k8s/kubernetes.yaml` names k8s/kubernetes.yaml, which does "
                        "not exist, so Backstage would not start; fix the path (or create the file) and run again"),
    (lambda t: repo(t, files={"k8s/kubernetes.yaml": "a: [1,\n"}), "k8s/kubernetes.yaml:1:4: not valid YAML"),
    (lambda t: repo(t, APP.replace("  $include: ./k8s/kubernetes.yaml\n",
                                   "  $include: ./k8s/kubernetes.yaml\n  serviceLocatorMethod:\n    type: multiTenant\n")),
     "app-config.yaml:11:3: `$include` has other keys beside it (serviceLocatorMethod); Backstage refuses the whole "
     "config (include key $include should not have adjacent keys); fix it and run again"),
])
def test_includes_backstage_cannot_load_are_bad_input(tmp_path, setup, message):
    root = setup(tmp_path)
    with pytest.raises(BadInput) as info:
        make_plan(root, {"tenant": "acme", "clusters": [NEW]})
    assert str(info.value).startswith(message)


def test_a_broken_include_away_from_the_edited_keys_is_left_alone(tmp_path):
    """A file made at deploy time (ortelius/backstage includes credentials it does not commit)."""
    app = APP + "integrations:\n  $include: github-app-credentials.yaml\n"
    root = repo(tmp_path, app, {"k8s/kubernetes.yaml": K8S})
    assert make_plan(root, ANSWERS).refusals == []


# ------------------------------------------------------------------------------------------------
# the command line: plan shows what stops apply; apply refuses (exit 1), writes nothing


@pytest.fixture
def cli(stand_ins, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    return stand_ins


def test_plan_prints_the_refusal_and_apply_refuses_with_nothing_written(tmp_path, capsys, cli):
    root = repo(tmp_path, APP.replace("./k8s/kubernetes.yaml", "/etc/backstage/k8s.yaml"))
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"tenant": "acme", "clusters": [NEW]}))
    before = snapshot(root)
    code, out, err = run(capsys, "plan", "--repo", str(root), "--answers", str(answers), "--skip-install")
    assert code == 0, err
    sentence = ("app-config.yaml:11: kubernetes comes from `$include: /etc/backstage/k8s.yaml`, which leads outside the "
                f"repo (/etc/backstage/k8s.yaml); the wizard edits only files of the repo — {OUTSIDE_WANT}")
    assert f"Apply would stop before writing anything:\n  ✖ {sentence}\n" in out
    assert "apply would stop: part of the setup must be added by hand (below)" in out
    code, out, err = run(capsys, "plan", "--repo", str(root), "--answers", str(answers), "--skip-install", "--json")
    assert code == 0 and json.loads(out)["preflight"] == [sentence]
    code, out, err = run(capsys, "apply", "--repo", str(root), "--answers", str(answers), "--skip-install", "--yes")
    assert code == 1
    assert err == f"spectro-wizard: apply refused: {sentence} — nothing was written\n"
    assert snapshot(root) == before
    assert not (root / ".spectro-wizard").exists()


def test_a_cycle_is_exit_2_for_plan_and_apply(tmp_path, capsys, cli):
    root = repo(tmp_path, files={"k8s/kubernetes.yaml": "x:\n  $include: kubernetes.yaml\n"})
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"tenant": "acme"}))
    before = snapshot(root)
    for command in (["plan"], ["apply", "--yes"]):
        code, _out, err = run(capsys, *command, "--repo", str(root), "--answers", str(answers), "--skip-install")
        assert code == 2 and "an include cycle" in err and "k8s/kubernetes.yaml:2" in err, err
    assert snapshot(root) == before


def test_apply_backs_up_and_undo_restores_the_included_file(tmp_path, capsys, cli):
    root = repo(tmp_path, files={"k8s/kubernetes.yaml": K8S})
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(ANSWERS))
    before = snapshot(root)
    code, _out, err = run(capsys, "apply", "--repo", str(root), "--answers", str(answers), "--skip-install", "--yes")
    assert code == 0, err
    assert "name: new" in (root / "k8s/kubernetes.yaml").read_text()
    manifest = json.loads(next((root / ".spectro-wizard/backups").glob("*/manifest.json")).read_text())
    assert sorted(f["path"] for f in manifest["files"]) == ["app-config.yaml", "k8s/kubernetes.yaml"]
    code, out, err = run(capsys, "plan", "--repo", str(root), "--answers", str(answers), "--skip-install")
    assert code == 0 and out.startswith(("Nothing to change", "Nothing the wizard can write yet")), out + err
    code, _out, err = run(capsys, "undo", "--repo", str(root), "--yes")
    assert code == 0, err
    assert snapshot(root) == before


def test_apply_refuses_when_the_included_file_changed_after_the_plan(tmp_path):
    from wizard.core.apply import apply_plan
    from wizard.errors import Refused

    root = repo(tmp_path, files={"k8s/kubernetes.yaml": K8S})
    plan = make_plan(root, ANSWERS)
    (root / "k8s/kubernetes.yaml").write_text(K8S + "# edited meanwhile\n")
    with pytest.raises(Refused, match="k8s/kubernetes.yaml changed since it was read"):
        apply_plan(plan)
    assert (root / "app-config.yaml").read_text() == APP


# ------------------------------------------------------------------------------------------------
# ${VAR}, ${VAR:-default} and $env kept, and understood


def test_substitutions_and_env_are_kept_byte_for_byte(tmp_path):
    k8s = K8S + (
        "      - name: token-ref\n"
        "        url: ${TOKEN_URL}\n"
        "        serviceAccountToken: ${TOKEN}\n"
        "        caData: ${CA_DATA:-Y2E=}\n"
        "      - name: token-file\n"
        "        url: 'https://f:6443'\n"
        "        serviceAccountToken:\n"
        "          $file: ./token.txt\n")
    root = repo(tmp_path, files={"k8s/kubernetes.yaml": k8s})
    inv = {c["name"]: c for c in cluster_inventory(configset.load(root))["clusters"]}
    assert {n: (c["file"], c["line"], c["tokenEnv"], c["tokenFile"], c["literalToken"], c["url"]) for n, c in inv.items()} == {
        "legacy": ("k8s/kubernetes.yaml", 7, "LEGACY_TOKEN", None, False, "${LEGACY_URL:-https://10.0.0.1:6443}"),
        "token-ref": ("k8s/kubernetes.yaml", 13, "TOKEN", None, False, "${TOKEN_URL}"),
        "token-file": ("k8s/kubernetes.yaml", 17, None, "./token.txt", False, "https://f:6443"),
    }
    assert migration.inventory(configset.load(root))["tokenEnvVars"] == {
        "LEGACY_TOKEN": ["serviceAccountToken of cluster legacy (k8s/kubernetes.yaml)"],
        "TOKEN": ["serviceAccountToken of cluster token-ref (k8s/kubernetes.yaml)"]}
    # a cluster answered with the url its ${VAR:-default} gives keeps the reference; every other
    # substitution of the file is untouched
    answers = {"tenant": "acme", "clusters": [{"name": "legacy", "url": "https://10.0.0.1:6443"}], "migrate": ["token-file"]}
    plan = make_plan(root, answers)
    text = changes(plan)["k8s/kubernetes.yaml"]
    for kept in ("url: ${LEGACY_URL:-https://10.0.0.1:6443}\n", "url: ${TOKEN_URL}\n", "serviceAccountToken: ${TOKEN}\n",
                 "caData: ${CA_DATA:-Y2E=}\n", "url: 'https://f:6443'\n"):
        assert kept in text
    assert "$file" not in text and "$env" not in text
    assert ("cluster token-file: serviceAccountToken ($file: ./token.txt, in k8s/kubernetes.yaml) removed; revoke that "
            "token once the switch is verified, and delete the file") in plan.notes
    assert not any("url changes" in n for n in plan.notes)
    # a different url replaces the reference, and says so
    other = make_plan(root, {"tenant": "acme", "clusters": [{"name": "legacy", "url": "https://moved:6443"}]})
    assert ("k8s/kubernetes.yaml:8: cluster legacy: url changes from ${LEGACY_URL:-https://10.0.0.1:6443} to "
            "https://moved:6443") in other.notes
    assert "        url: https://moved:6443\n" in changes(other)["k8s/kubernetes.yaml"]


def test_env_directive_for_the_client_secret_counts_as_the_reference(tmp_path):
    app = APP.replace("    guest: {}\n", (
        "    guest: {}\n"
        "    spectrocloud:\n"
        "      development:\n"
        "        clientId: ${SPECTROCLOUD_CLIENT_ID}\n"
        "        clientSecret:\n"
        "          $env: SPECTROCLOUD_CLIENT_SECRET\n"
        "        authorizationUrl: https://console.spectrocloud.com/v1/oidc/tenant/acme/auth\n"))
    root = repo(tmp_path, app, {"k8s/kubernetes.yaml": K8S})
    plan = make_plan(root, {"tenant": "acme"})
    assert "clientSecret:\n          $env: SPECTROCLOUD_CLIENT_SECRET\n" in changes(plan)["app-config.yaml"]
    # a `$file` secret is replaced by the variable, and the note says where it was read
    filed = repo(tmp_path / "filed", app.replace("$env: SPECTROCLOUD_CLIENT_SECRET", "$file: ./secret.txt"),
                 {"k8s/kubernetes.yaml": K8S})
    plan = make_plan(filed, {"tenant": "acme"})
    assert "        clientSecret: ${SPECTROCLOUD_CLIENT_SECRET}\n        authorizationUrl" in changes(plan)["app-config.yaml"]
    # (the line, as in every note, is the key's in the text the phases before left: one extension line above)
    assert ("app-config.yaml:13: auth.providers.spectrocloud.development.clientSecret was read with `$file: ./secret.txt`; "
            "it now reads ${SPECTROCLOUD_CLIENT_SECRET} — export SPECTROCLOUD_CLIENT_SECRET where Backstage runs") in plan.notes
    write_plan(filed, plan)
    assert loaded(filed)["auth"]["providers"]["spectrocloud"]["development"] == PROVIDER


def test_auth_environment_from_a_default(tmp_path):
    app = APP.replace("auth:\n", "auth:\n  environment: ${AUTH_ENVIRONMENT:-staging}\n")
    root = repo(tmp_path, app, {"k8s/kubernetes.yaml": K8S})
    assert "    spectrocloud:\n      staging:\n" in changes(make_plan(root, {"tenant": "acme"}))["app-config.yaml"]


def test_envrefs_read_defaults_and_env_directives():
    assert env_var_of("${A}") == env_var_of("'${A}'") == env_var_of("${ A }") == "A"
    assert env_var_of("${A:-x}") == env_var_of({"$env": "A"}) == "A"
    assert env_var_of("x${A}") is None and env_var_of({"$env": "A", "x": 1}) is None and env_var_of({"$file": "A"}) is None
    assert default_of("${A:- https://x }") == "https://x" and default_of("${A}") is None and default_of(3) is None
    assert is_env_reference("${A}") and not is_env_reference("${A:-secret}")  # a default may be a literal secret: masked
    assert references_in("${A}/${B:-b}/$${C}") == ["A", "B"]


# ------------------------------------------------------------------------------------------------
# the reading side: check, inventory, migration, verify see clusters in included files


def test_readers_see_clusters_in_included_files(tmp_path):
    from wizard.verify.runner import read_target

    root = repo(tmp_path, files={"k8s/kubernetes.yaml": K8S})
    cs = configset.load(root)
    assert cs.effective(["kubernetes", "serviceLocatorMethod"]) == {"type": "multiTenant"}
    assert [f.rel for f in effective_cluster_files(cs.files)] == ["app-config.yaml"]
    assert [(c.name, c.file.rel, c.line) for c in config_clusters(cs.files)] == [("legacy", "k8s/kubernetes.yaml", 7)]
    target = read_target(cs)
    assert [(c["name"], c["_file"]) for c in target.clusters] == [("legacy", "k8s/kubernetes.yaml")]
    assert migration.env_references(cs)["LEGACY_TOKEN"] == [
        "app-config.yaml: kubernetes.clusterLocatorMethods[0].clusters[legacy].serviceAccountToken"]
    assert migration.env_references(cs)["LEGACY_URL"]  # `${VAR:-default}` is a reference too


def test_check_reads_kubernetes_through_the_include(tmp_path, stand_ins):
    from wizard.core import checks
    from wizard.core import repo as repo_mod

    root = repo(tmp_path, files={"k8s/kubernetes.yaml": K8S})
    results = {r.id: r for r in checks.run_checks(repo_mod.inspect(root, run_tools=False), configset.load(root, tolerant=True))}
    assert results["kubernetes-config"].status == "ok", results["kubernetes-config"]
    assert "legacy (k8s/kubernetes.yaml:7; token in ${LEGACY_TOKEN})" in results["clusters-oidc"].detail


# ------------------------------------------------------------------------------------------------
# the engine's own guards, and its cost


def test_the_last_guard_refuses_a_key_beside_a_directive(tmp_path, monkeypatch):
    """Were the planner to miss an `$include` (here: told not to follow any), the edit primitives
    refuse to write beside it and the plan is refused with nothing written."""
    root = repo(tmp_path, files={"k8s/kubernetes.yaml": K8S})
    monkeypatch.setattr(configset.Includes, "_deref", lambda self, loc, strict, item=False: loc)
    with pytest.raises(PlanError, match="the mapping is a `\\$include` directive; a key beside it would make Backstage refuse"):
        make_plan(root, {"tenant": "acme", "clusters": [NEW]})
    assert (root / "app-config.yaml").read_text() == APP


def test_a_config_without_directives_is_never_searched_for_them(tmp_path, monkeypatch):
    def boom(*args: Any) -> None:
        raise AssertionError("a directive was looked for in a config that cannot hold one")

    for name in ("directive_at", "directive_problems", "_directive_quiet"):
        monkeypatch.setattr(configset, name, boom)
    root = make_repo(tmp_path, preset="many-clusters", clusters=30)
    assert make_plan(root, {"tenant": "acme", "clusters": [NEW], "migrate": "all"}).changes


def test_the_directive_prescan():
    assert might_hold_directives("a:\n  $include: x.yaml\n") and might_hold_directives('"\\x24include": x')
    assert might_hold_directives('"$inc\\\nlude": x') and not might_hold_directives("a: ${X}\nb: $$notadirective\n")
    # "a: 1\nb: 2\n" with a line inserted at offset 5: only the new text (and a little around it) is searched
    assert not edit_might_add_directives("a: 1\nc: 3\nb: 2\n", [(5, 5, 5)])
    assert edit_might_add_directives("a: 1\nc:\n  $env: X\nb: 2\n", [(5, 5, 14)])
    assert not edit_might_add_directives("$env: X\n" + "x" * 100 + "\na: 1\n", [(110, 110, 5)])  # far from the edit
