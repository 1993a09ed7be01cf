"""The patch engine (`make_plan`) on fixture configs: what it writes, where, and what it leaves alone."""

from __future__ import annotations

import base64
import json
import re

import pytest

from tests.support.configs import CA_FILE, CA_PEM, CREATE_APP_CONFIG, DEFAULT_ANSWERS
from tests.support.plans import assert_idempotent, load_answers, make_plan, write_plan
from tests.support.repos import COMPLETE, make_repo
from tests.support.text import added_lines, assert_only_lines_changed, dedent, line_index, removed_lines, safe_load
from wizard.core import configset, facts
from wizard.core import repo as repo_mod
from wizard.core.packages import remove_json_dependency
from wizard.core.plan import AnswerError
from wizard.core.plan import make_plan as engine_plan
from wizard.errors import BadInput

CA_DATA = base64.b64encode(CA_PEM).decode()


def after(plan, rel="app-config.yaml") -> str:
    return next(c.after for c in plan.changes if c.rel == rel)


def change(plan, rel="app-config.yaml"):
    return next(c for c in plan.changes if c.rel == rel)


# ---------------------------------------------------------------------------------------------
# the contract's example on the create-app config


SPECTRO_BLOCK = [
    "    spectrocloud:\n",
    "      development:\n",
    "        clientId: ${SPECTROCLOUD_CLIENT_ID}\n",
    "        clientSecret: ${SPECTROCLOUD_CLIENT_SECRET}\n",
    "        authorizationUrl: https://console.spectrocloud.com/v1/oidc/tenant/abc123/auth\n",
]
KUBE_BLOCK = [
    "  serviceLocatorMethod:\n",
    "    type: multiTenant\n",
    "  clusterLocatorMethods:\n",
    "    - type: config\n",
    "      clusters:\n",
    "        - name: my-cluster\n",
    "          url: https://my-cluster.example.com:6443\n",
    "          authProvider: oidc\n",
    "          oidcTokenProvider: spectrocloud\n",
    "          skipTLSVerify: true\n",
]


def test_contract_example_on_the_default_app(tmp_path):
    root = make_repo(tmp_path)
    plan = make_plan(root)
    assert [c.rel for c in plan.changes] == ["app-config.yaml"]
    before, text = CREATE_APP_CONFIG, after(plan)
    assert removed_lines(before, text) == []
    assert added_lines(before, text) == ["    - api:kubernetes/auth-providers: false\n"] + SPECTRO_BLOCK + KUBE_BLOCK
    out = text.splitlines(keepends=True)
    # each block sits right where the contract shows it
    i = line_index(text, "- page:catalog:")
    assert out[i:i + 4] == ["    - page:catalog:\n", "        config:\n", "          path: /\n",
                            "    - api:kubernetes/auth-providers: false\n"]
    i = line_index(text, "guest: {}")
    assert out[i + 1:i + 6] == SPECTRO_BLOCK
    assert "callbackUrl" not in text  # Backstage's own default per environment (<backend.baseUrl>/api/auth/...)
    i = line_index(text, "kubernetes:")
    assert out[i + 1].startswith("  # see https://backstage.io/docs/features/kubernetes")
    assert out[i + 2:i + 12] == KUBE_BLOCK
    data = safe_load(text)
    expected = safe_load(before)
    expected["app"]["extensions"].append({"api:kubernetes/auth-providers": False})
    expected["auth"]["providers"]["spectrocloud"] = {"development": {
        "clientId": "${SPECTROCLOUD_CLIENT_ID}", "clientSecret": "${SPECTROCLOUD_CLIENT_SECRET}",
        "authorizationUrl": "https://console.spectrocloud.com/v1/oidc/tenant/abc123/auth"}}
    expected["kubernetes"] = {"serviceLocatorMethod": {"type": "multiTenant"}, "clusterLocatorMethods": [
        {"type": "config", "clusters": [{"name": "my-cluster", "url": "https://my-cluster.example.com:6443",
                                         "authProvider": "oidc", "oidcTokenProvider": "spectrocloud", "skipTLSVerify": True}]}]}
    assert data == expected
    assert plan.env_vars == ["SPECTROCLOUD_CLIENT_ID", "SPECTROCLOUD_CLIENT_SECRET"]
    assert plan.install is None  # skip_install
    assert len(plan.actions) == 4 and all(a.startswith("app-config.yaml") for a in plan.actions)


def test_plan_writes_nothing_and_is_idempotent(tmp_path):
    root = make_repo(tmp_path)
    raw = (root / "app-config.yaml").read_bytes()
    make_plan(root)
    assert (root / "app-config.yaml").read_bytes() == raw
    assert_idempotent(root)


def test_install_step_is_planned_with_the_berry_command(tmp_path):
    root = make_repo(tmp_path)
    plan = make_plan(root, {**DEFAULT_ANSWERS, "frontendWiring": "package"}, skip_install=False)
    assert plan.install is not None
    # every required missing package, one command per workspace: the app's two, then the backend's module
    app_cmd = "yarn workspace app add " + facts.MODULE_PKG + " " + facts.AUTH_FRONTEND_PKG
    backend_cmd = "yarn workspace backend add " + facts.AUTH_BACKEND_PKG
    assert [s.packages for s in plan.installs] == [[facts.MODULE_PKG, facts.AUTH_FRONTEND_PKG], [facts.AUTH_BACKEND_PKG]]
    assert plan.install is plan.installs[0]
    assert plan.install.argv == ["yarn", "workspace", "app", "add", facts.MODULE_PKG, facts.AUTH_FRONTEND_PKG]
    assert plan.install.package == facts.MODULE_PKG + " " + facts.AUTH_FRONTEND_PKG
    assert plan.install.workspace == "packages/app" and plan.install.cwd == root
    backend = plan.installs[1]
    assert backend.argv == ["yarn", "workspace", "backend", "add", facts.AUTH_BACKEND_PKG]
    assert backend.workspace == "packages/backend" and backend.cwd == root
    assert plan.install.display == app_cmd and backend.display == backend_cmd
    assert plan.actions[-2].endswith(plan.install.display)
    assert plan.actions[-1].endswith(backend.display)
    # the backend module the plan installs is wired into index.ts
    assert [c.rel for c in plan.changes] == ["app-config.yaml", "packages/backend/src/index.ts"]
    assert change(plan, "packages/backend/src/index.ts").kind == "index.ts"
    assert f"backend.add(import('{facts.AUTH_BACKEND_PKG}'));" in after(plan, "packages/backend/src/index.ts")
    assert plan.to_json()["install"] == {
        "package": facts.MODULE_PKG + " " + facts.AUTH_FRONTEND_PKG, "workspace": "packages/app", "command": app_cmd,
        "steps": [{"packages": [facts.MODULE_PKG, facts.AUTH_FRONTEND_PKG], "workspace": "packages/app", "command": app_cmd},
                  {"packages": [facts.AUTH_BACKEND_PKG], "workspace": "packages/backend", "command": backend_cmd}],
        "packages": [{"package": facts.MODULE_PKG, "workspace": "packages/app", "command": app_cmd},
                     {"package": facts.AUTH_FRONTEND_PKG, "workspace": "packages/app", "command": app_cmd},
                     {"package": facts.AUTH_BACKEND_PKG, "workspace": "packages/backend", "command": backend_cmd}]}


def test_no_install_step_when_the_module_is_there_or_not_wanted(tmp_path):
    root = make_repo(tmp_path, installed=COMPLETE)  # every required package declared (and wired)
    plan = make_plan(root, skip_install=False)
    assert plan.install is None and plan.installs == []
    assert [c.rel for c in plan.changes] == ["app-config.yaml"]  # index.ts already loads the backend module
    # the module alone is not enough: what is still missing is installed, the module is not added again
    root = make_repo(tmp_path, name="module-only", app_deps={facts.MODULE_PKG: "^1.0.0"})
    assert [s.packages for s in make_plan(root, skip_install=False).installs] == [[facts.AUTH_FRONTEND_PKG], [facts.AUTH_BACKEND_PKG]]
    root = make_repo(tmp_path, name="other")
    assert make_plan(root, {"tenant": "t", "installPackage": False}, skip_install=False).install is None


def test_plan_json_shape(tmp_path):
    root = make_repo(tmp_path)
    data = json.loads(json.dumps(make_plan(root).to_json()))
    assert data["ok"] is True
    assert [c["file"] for c in data["changes"]] == ["app-config.yaml"]
    assert data["changes"][0]["diff"].startswith("--- a/app-config.yaml\n+++ b/app-config.yaml\n")
    assert set(data) == {"ok", "changes", "actions", "notes", "install", "envVars", "manual", "frontend"}
    assert data["frontend"]["kind"] == "in-app" and "new frontend system" in data["frontend"]["why"]
    # installs are off here (skip_install): the in-app module is not written without the packages it imports
    assert data["manual"] and "does not declare and this run does not install" in data["manual"][0]


def test_already_configured_app_gives_an_empty_plan(tmp_path):
    root = make_repo(tmp_path)
    write_plan(root, make_plan(root))
    plan = make_plan(root)
    assert plan.empty and plan.changes == [] and plan.actions == []


# ---------------------------------------------------------------------------------------------
# the install guide, followed literally


GUIDE = dedent("""
    app:
      title: Scaffolded Backstage App
      packages: all
      extensions:
        - page:catalog:
            config:
              path: /
        # Disable the default Kubernetes auth providers
        - plugin.kubernetes-auth-providers.service:
            disabled: true

    auth:
      providers:
        guest: {}

    # Step 4 of the install guide
    kubernetes:
      clusters:
        # production cluster, self-signed
        - name: my-cluster
          url: https://my-cluster.example.com
          authProvider: 'oidc'
          oidcTokenProvider: 'spectrocloud'
          skipTLSVerify: true # For self-signed certs

    permission:
      enabled: true
""")

GUIDE_FIXED = dedent("""
    app:
      title: Scaffolded Backstage App
      packages: all
      extensions:
        - page:catalog:
            config:
              path: /
        # Disable the default Kubernetes auth providers
        - api:kubernetes/auth-providers: false

    auth:
      providers:
        guest: {}
        spectrocloud:
          development:
            clientId: ${SPECTROCLOUD_CLIENT_ID}
            clientSecret: ${SPECTROCLOUD_CLIENT_SECRET}
            authorizationUrl: https://console.spectrocloud.com/v1/oidc/tenant/abc123/auth

    # Step 4 of the install guide
    kubernetes:
      clusterLocatorMethods:
        - type: config
          clusters:
            # production cluster, self-signed
            - name: my-cluster
              url: https://my-cluster.example.com
              authProvider: 'oidc'
              oidcTokenProvider: 'spectrocloud'
              skipTLSVerify: true # For self-signed certs
      serviceLocatorMethod:
        type: multiTenant

    permission:
      enabled: true
""")


def test_guide_verbatim_config_is_repaired_in_place(tmp_path):
    root = make_repo(tmp_path, app_config=GUIDE)
    plan = make_plan(root, {"tenant": "abc123"})
    assert after(plan) == GUIDE_FIXED
    assert any("replace the guide's `plugin.kubernetes-auth-providers.service`" in a for a in plan.actions)
    assert any("move the guide's flat kubernetes.clusters" in a for a in plan.actions)
    assert_idempotent(root, {"tenant": "abc123"})


def test_guide_entry_next_to_the_correct_one_is_removed(tmp_path):
    cfg = dedent("""
        app:
          extensions:
            - api:kubernetes/auth-providers: false
            - plugin.kubernetes-auth-providers.service:
                disabled: true
            - page:catalog
    """)
    root = make_repo(tmp_path, app_config=cfg)
    text = after(make_plan(root, {"tenant": "t"}))
    assert safe_load(text)["app"]["extensions"] == [{"api:kubernetes/auth-providers": False}, "page:catalog"]
    assert_only_lines_changed(cfg, text, [3, 4])


@pytest.mark.parametrize("entry", ["- api:kubernetes/auth-providers", "- api:kubernetes/auth-providers: true",
                                   "- api:kubernetes/auth-providers:\n        config: {}"])
def test_enabled_default_auth_providers_entry_is_switched_off(tmp_path, entry):
    cfg = f"app:\n  extensions:\n    - page:catalog\n    {entry}\n    - page:home\n"
    root = make_repo(tmp_path, app_config=cfg)
    text = after(make_plan(root, {"tenant": "t"}))
    assert safe_load(text)["app"]["extensions"] == ["page:catalog", {"api:kubernetes/auth-providers": False}, "page:home"]
    assert_idempotent(root, {"tenant": "t"})


def test_guide_entry_in_a_flow_sequence(tmp_path):
    cfg = "app:\n  extensions: [ 'page:catalog', { 'plugin.kubernetes-auth-providers.service': { disabled: true } } ]\n"
    root = make_repo(tmp_path, app_config=cfg)
    text = after(make_plan(root, {"tenant": "t"}))
    assert text.splitlines()[1] == "  extensions: [ 'page:catalog', { 'api:kubernetes/auth-providers': false } ]"
    assert_idempotent(root, {"tenant": "t"})


def test_flat_clusters_next_to_cluster_locator_methods_are_merged(tmp_path):
    cfg = dedent("""
        kubernetes:
          serviceLocatorMethod:
            type: multiTenant
          clusterLocatorMethods:
            - type: config
              clusters:
                - name: a
                  url: https://a
                  authProvider: oidc
                  oidcTokenProvider: spectrocloud
          clusters:
            - name: b
              url: https://b
              authProvider: oidc
              oidcTokenProvider: spectrocloud
    """)
    root = make_repo(tmp_path, app_config=cfg)
    data = safe_load(after(make_plan(root, {"tenant": "t"})))
    assert "clusters" not in data["kubernetes"]
    assert [c["name"] for c in data["kubernetes"]["clusterLocatorMethods"][0]["clusters"]] == ["a", "b"]
    assert_idempotent(root, {"tenant": "t"})


# ---------------------------------------------------------------------------------------------
# formatting the file already has


def test_crlf_file_stays_crlf(tmp_path):
    crlf = CREATE_APP_CONFIG.replace("\n", "\r\n")
    root = make_repo(tmp_path, app_config=crlf)
    text = after(make_plan(root))
    assert re.search(r"(?<!\r)\n", text) is None
    assert text.count("\r\n") == crlf.count("\r\n") + 16  # 1 extension + 5 provider lines (no callbackUrl) + 10 kubernetes
    lf_root = make_repo(tmp_path, name="lf")
    assert text.replace("\r\n", "\n") == after(make_plan(lf_root))
    assert_idempotent(root)


def test_crlf_guide_config_moves_clusters_with_crlf(tmp_path):
    root = make_repo(tmp_path, app_config=GUIDE.replace("\n", "\r\n"))
    text = after(make_plan(root, {"tenant": "abc123"}))
    assert text == GUIDE_FIXED.replace("\n", "\r\n")


def test_bom_is_kept(tmp_path):
    root = make_repo(tmp_path, app_config="\ufeff" + CREATE_APP_CONFIG)
    text = after(make_plan(root))
    assert text.startswith("\ufeffapp:\n")
    assert text[1:] == after(make_plan(make_repo(tmp_path, name="nobom")))


FOUR = dedent("""
    app:
        title: x
        extensions:
            - page:catalog:
                  config:
                      path: /
    auth:
        providers:
            guest: {}
    kubernetes:
        # configure me
""")


def test_four_space_indentation_is_used_for_new_text(tmp_path):
    root = make_repo(tmp_path, app_config=FOUR)
    text = after(make_plan(root))
    assert removed_lines(FOUR, text) == []
    new = added_lines(FOUR, text)
    assert new[0] == "        - api:kubernetes/auth-providers: false\n"
    assert new[1:4] == ["        spectrocloud:\n", "            development:\n", "                clientId: ${SPECTROCLOUD_CLIENT_ID}\n"]
    assert "    serviceLocatorMethod:\n" in new and "        type: multiTenant\n" in new
    for ln in new:
        indent = len(ln) - len(ln.lstrip(" "))
        assert indent % 2 == 0
    assert_idempotent(root)


NON_INDENTED = dedent("""
    app:
      extensions:
      - page:catalog:
          config:
            path: /
    kubernetes:
      serviceLocatorMethod:
        type: multiTenant
      clusterLocatorMethods:
      - type: config
        clusters:
        - name: old
          url: https://old.example.com
          authProvider: serviceAccount
          serviceAccountToken: ${OLD_TOKEN}
    catalog:
      locations:
      - type: file
        target: x.yaml
""")


def test_non_indented_sequences_get_non_indented_items(tmp_path):
    answers = {"tenant": "t", "clusters": [{"name": "new", "url": "https://n.example.com", "caFile": CA_FILE}]}
    root = make_repo(tmp_path, app_config=NON_INDENTED)
    text = after(make_plan(root, answers))
    assert removed_lines(NON_INDENTED, text) == []
    new = added_lines(NON_INDENTED, text)
    assert new[0] == "  - api:kubernetes/auth-providers: false\n"
    assert new[1:6] == ["    - name: new\n", "      url: https://n.example.com\n", "      authProvider: oidc\n",
                        "      oidcTokenProvider: spectrocloud\n", f"      caFile: {CA_FILE}\n"]
    assert_idempotent(root, answers)


ANCHORS = dedent("""
    ---
    # shared settings
    x-defaults: &defaults
      skipTLSVerify: true
    app:
      title: ${APP_TITLE}
      extensions:
        - page:catalog
    backend:
      baseUrl: https://backstage.example.com
      database:
        $include: ./database.yaml
      listen:
        port:
          $env: PORT
      reading: &reading
        allow:
          - host: example.com
    techdocs:
      reading: *reading
    kubernetes:
      serviceLocatorMethod: { type: multiTenant }
      clusterLocatorMethods:
        - type: config
          clusters:
            - &prod
              name: prod
              url: https://prod.example.com
              authProvider: oidc
              oidcTokenProvider: spectrocloud
              <<: *defaults
""")


def test_anchors_aliases_includes_and_env_references_are_untouched(tmp_path):
    answers = {"tenant": "t", "clusters": [{"name": "new", "url": "https://new.example.com", "caData": CA_DATA}]}
    root = make_repo(tmp_path, app_config=ANCHORS)
    text = after(make_plan(root, answers))
    assert text.startswith("---\n# shared settings\nx-defaults: &defaults\n")
    assert removed_lines(ANCHORS, text) == []
    data = safe_load(text)
    assert data["backend"]["database"] == {"$include": "./database.yaml"}
    assert data["backend"]["listen"] == {"port": {"$env": "PORT"}}
    assert data["techdocs"]["reading"] == data["backend"]["reading"]
    assert data["app"]["title"] == "${APP_TITLE}"
    clusters = data["kubernetes"]["clusterLocatorMethods"][0]["clusters"]
    assert clusters[1] == {"name": "new", "url": "https://new.example.com", "authProvider": "oidc",
                           "oidcTokenProvider": "spectrocloud", "caData": CA_DATA}
    # no callbackUrl is written: Backstage's default follows backend.baseUrl of each environment
    # (here https://backstage.example.com/api/auth/spectrocloud/handler/frame)
    assert data["auth"]["providers"]["spectrocloud"]["development"] == {
        "clientId": "${SPECTROCLOUD_CLIENT_ID}", "clientSecret": "${SPECTROCLOUD_CLIENT_SECRET}",
        "authorizationUrl": "https://console.spectrocloud.com/v1/oidc/tenant/t/auth"}
    assert data["backend"]["baseUrl"] == "https://backstage.example.com"
    assert_idempotent(root, answers)


def test_file_without_final_newline(tmp_path):
    cfg = "app:\n  title: x\nauth:\n  providers:\n    guest: {}"
    root = make_repo(tmp_path, app_config=cfg)
    text = after(make_plan(root))
    assert_only_lines_changed(cfg, text, [4])
    assert "    guest: {}\n    spectrocloud:\n" in text
    assert safe_load(text)["auth"]["providers"]["guest"] == {}
    assert_idempotent(root)


def test_document_end_marker_stays_last(tmp_path):
    root = make_repo(tmp_path, app_config="app:\n  title: x\n...\n")
    text = after(make_plan(root))
    assert text.endswith("\n...\n") and text.count("...") == 1
    assert_idempotent(root)


@pytest.mark.parametrize("cfg", ["", "# nothing yet\n", "app:\nauth:\nkubernetes:\n"])
def test_nearly_empty_configs(tmp_path, cfg):
    root = make_repo(tmp_path, app_config=cfg)
    data = safe_load(after(make_plan(root)))
    assert data["app"]["extensions"] == [{"api:kubernetes/auth-providers": False}]
    assert data["kubernetes"]["serviceLocatorMethod"] == {"type": "multiTenant"}
    assert_idempotent(root)


def test_flow_style_sections_get_flow_edits(tmp_path):
    cfg = "app: {title: x, extensions: ['page:catalog']}\nauth: {providers: {guest: {}}}\nkubernetes: {}\n"
    root = make_repo(tmp_path, app_config=cfg)
    text = after(make_plan(root))
    data = safe_load(text)
    assert data["app"] == {"title": "x", "extensions": ["page:catalog", {"api:kubernetes/auth-providers": False}]}
    assert set(data["auth"]["providers"]) == {"guest", "spectrocloud"}
    assert data["kubernetes"]["clusterLocatorMethods"][0]["clusters"][0]["name"] == "my-cluster"
    assert_idempotent(root)


# ---------------------------------------------------------------------------------------------
# clusters: add, update, migrate


CLUSTERS = dedent("""
    kubernetes:
      serviceLocatorMethod:
        type: 'multiTenant'
      clusterLocatorMethods:
        - type: 'config'
          clusters:
            # the old one
            - name: legacy-prod
              url: https://legacy-prod.example.com
              authProvider: 'serviceAccount'
              serviceAccountToken: ${LEGACY_PROD_TOKEN}
              skipTLSVerify: true
            - name: literal
              url: https://literal.example.com
              authProvider: serviceAccount
              serviceAccountToken: AbCdEf0123456789GhIjKlMnOpQrStUvWxYz
            - name: gke
              url: https://gke.example.com
              authProvider: google
            - name: eks
              url: https://eks.example.com
              authProvider: aws
""")


def clusters_of(text: str) -> dict[str, dict]:
    return {c["name"]: c for c in safe_load(text)["kubernetes"]["clusterLocatorMethods"][0]["clusters"]}


def test_migrate_named_clusters(tmp_path):
    answers = {"tenant": "t", "migrate": ["legacy-prod"]}
    root = make_repo(tmp_path, app_config=CLUSTERS)
    plan = make_plan(root, answers)
    text = after(plan)
    c = clusters_of(text)
    assert c["legacy-prod"] == {"name": "legacy-prod", "url": "https://legacy-prod.example.com", "authProvider": "oidc",
                                "oidcTokenProvider": "spectrocloud", "skipTLSVerify": True}
    assert c["literal"]["authProvider"] == "serviceAccount"
    lines = text.splitlines()
    i = line_index(text, "- name: legacy-prod")
    assert lines[i - 1] == "        # the old one"
    assert lines[i + 2] == "          authProvider: 'oidc'"  # quoting kept
    assert lines[i + 3].strip() in ("oidcTokenProvider: spectrocloud", "oidcTokenProvider: 'spectrocloud'")
    assert "serviceAccountToken: ${LEGACY_PROD_TOKEN}" not in text
    assert any("LEGACY_PROD_TOKEN" in n and "revoke" in n for n in plan.notes)
    # only the legacy-prod cluster's lines changed
    first, last = line_index(CLUSTERS, "authProvider: 'serviceAccount'"), line_index(CLUSTERS, "serviceAccountToken: ${LEGACY")
    assert_only_lines_changed(CLUSTERS, text, range(first, last + 1))
    assert_idempotent(root, answers)


def test_migrate_all_leaves_google_and_aws_clusters_alone(tmp_path):
    answers = {"tenant": "t", "migrate": "all"}
    root = make_repo(tmp_path, app_config=CLUSTERS)
    plan = make_plan(root, answers)
    c = clusters_of(after(plan))
    assert c["legacy-prod"]["authProvider"] == c["literal"]["authProvider"] == "oidc"
    assert "serviceAccountToken" not in c["literal"] and c["literal"]["oidcTokenProvider"] == "spectrocloud"
    assert c["gke"] == {"name": "gke", "url": "https://gke.example.com", "authProvider": "google"}
    assert c["eks"] == {"name": "eks", "url": "https://eks.example.com", "authProvider": "aws"}
    gke = line_index(CLUSTERS, "- name: gke")
    assert_only_lines_changed(CLUSTERS, after(plan), range(0, gke))
    assert_idempotent(root, answers)


def test_literal_service_account_token_is_masked_in_the_diff(tmp_path):
    root = make_repo(tmp_path, app_config=CLUSTERS)
    plan = make_plan(root, {"tenant": "t", "migrate": ["literal"]})
    diff = change(plan).diff()
    assert "AbCdEf0123456789GhIjKlMnOpQrStUvWxYz" not in diff
    assert "-          serviceAccountToken: ****\n" in diff
    assert "AbCdEf0123456789GhIjKlMnOpQrStUvWxYz" in change(plan).diff(masked=False)
    assert not any("AbCdEf0123456789" in n for n in plan.notes + plan.actions)
    assert "AbCdEf0123456789" not in json.dumps(plan.to_json())


def test_migrate_an_unknown_cluster_names_it(tmp_path):
    root = make_repo(tmp_path, app_config=CLUSTERS)
    with pytest.raises(AnswerError, match="no cluster named 'nope'") as info:
        make_plan(root, {"tenant": "t", "migrate": ["legacy-prod", "nope"]})
    assert "legacy-prod" in str(info.value)  # lists what is configured
    assert isinstance(info.value, BadInput)


def test_migrate_a_google_cluster_is_refused(tmp_path):
    root = make_repo(tmp_path, app_config=CLUSTERS)
    with pytest.raises(AnswerError, match="'gke' uses authProvider google"):
        make_plan(root, {"tenant": "t", "migrate": ["gke"]})


def test_update_an_existing_cluster_by_name(tmp_path):
    answers = {"tenant": "t", "clusters": [{"name": "legacy-prod", "url": "https://new-url.example.com:6443", "caData": CA_DATA}]}
    root = make_repo(tmp_path, app_config=CLUSTERS)
    plan = make_plan(root, answers)
    c = clusters_of(after(plan))["legacy-prod"]
    assert c == {"name": "legacy-prod", "url": "https://new-url.example.com:6443", "authProvider": "oidc",
                 "oidcTokenProvider": "spectrocloud", "caData": CA_DATA}
    assert any("url changes from https://legacy-prod.example.com to https://new-url.example.com:6443" in n for n in plan.notes)
    assert_idempotent(root, answers)


def test_new_cluster_without_url_is_an_answer_error(tmp_path):
    root = make_repo(tmp_path)
    with pytest.raises(AnswerError, match="'nourl' is a new cluster: give its url"):
        make_plan(root, {"tenant": "t", "clusters": [{"name": "nourl"}]})


@pytest.mark.parametrize("tls, expected", [
    ({"skipTLSVerify": True}, {"skipTLSVerify": True}),
    ({"caFile": CA_FILE}, {"caFile": CA_FILE}),
    ({"caData": CA_DATA}, {"caData": CA_DATA}),
    ({}, {}),
])
def test_new_clusters_with_each_tls_option(tmp_path, tls, expected):
    answers = {"tenant": "t", "clusters": [{"name": "c1", "url": "https://c1.example.com", **tls},
                                           {"name": "c2", "url": "https://c2.example.com"}]}
    root = make_repo(tmp_path)
    c = clusters_of(after(make_plan(root, answers)))
    assert c["c1"] == {"name": "c1", "url": "https://c1.example.com", "authProvider": "oidc",
                       "oidcTokenProvider": "spectrocloud", **expected}
    assert list(c) == ["c1", "c2"]
    assert_idempotent(root, answers)


def test_new_clusters_into_each_existing_shape(tmp_path):
    shapes = [
        "kubernetes:\n  clusterLocatorMethods:\n    - type: catalog\n",
        "kubernetes:\n  clusterLocatorMethods: []\n",
        "kubernetes:\n  clusterLocatorMethods:\n    - type: config\n      clusters: []\n",
        "kubernetes:\n  clusterLocatorMethods:\n    - type: config\n      clusters:\n",
        "kubernetes:\n  clusterLocatorMethods:\n    - type: config\n",
        "kubernetes:\n  clusterLocatorMethods:\n",
    ]
    for i, cfg in enumerate(shapes):
        root = make_repo(tmp_path, app_config=cfg, name=f"shape{i}")
        text = after(make_plan(root))
        methods = safe_load(text)["kubernetes"]["clusterLocatorMethods"]
        config = [m for m in methods if m["type"] == "config"]
        assert len(config) == 1 and config[0]["clusters"][0]["name"] == "my-cluster", cfg
        assert_only_lines_changed(cfg, text, range(1, 5))
        assert_idempotent(root)


def test_oidc_cluster_without_token_provider_is_completed_by_migrate_all(tmp_path):
    cfg = ("kubernetes:\n  clusterLocatorMethods:\n    - type: config\n      clusters:\n"
           "        - name: half\n          url: https://h\n          authProvider: oidc\n")
    root = make_repo(tmp_path, app_config=cfg)
    c = clusters_of(after(make_plan(root, {"tenant": "t", "migrate": "all"})))
    assert c["half"]["oidcTokenProvider"] == "spectrocloud"


# ---------------------------------------------------------------------------------------------
# the auth provider


HALF = dedent("""
    app:
      extensions:
        - api:kubernetes/auth-providers: false
    auth:
      environment: production
      providers:
        spectrocloud:
          production:
            clientId: "my-client-id"   # from the console
            clientSecret: "s3cr3t-Literal-Value-abcdef"
            authorizationUrl: "https://console.spectrocloud.com/v1/oidc/tenant/OLD/auth"
            scope: openid profile email
""")


def test_half_configured_provider_is_completed_and_corrected(tmp_path):
    root = make_repo(tmp_path, app_config=HALF)
    plan = make_plan(root, {"tenant": "abc"})
    text = after(plan)
    prov = safe_load(text)["auth"]["providers"]["spectrocloud"]["production"]
    assert prov == {"clientId": "${SPECTROCLOUD_CLIENT_ID}", "clientSecret": "${SPECTROCLOUD_CLIENT_SECRET}",
                    "authorizationUrl": "https://console.spectrocloud.com/v1/oidc/tenant/abc/auth",
                    "scope": "openid profile email"}
    lines = text.splitlines()
    assert lines[line_index(text, "clientId:")] == '        clientId: "${SPECTROCLOUD_CLIENT_ID}"   # from the console'
    assert "callbackUrl" not in text  # not answered: Backstage's per-environment default applies
    # an answered callbackUrl completes the provider, quoted like its neighbours
    answered = after(make_plan(root, {"tenant": "abc", "callbackUrl": "http://localhost:7007/api/auth/spectrocloud/handler/frame"}))
    assert safe_load(answered)["auth"]["providers"]["spectrocloud"]["production"] == {
        **prov, "callbackUrl": "http://localhost:7007/api/auth/spectrocloud/handler/frame"}
    assert answered.splitlines()[line_index(answered, "callbackUrl:")] == \
        '        callbackUrl: "http://localhost:7007/api/auth/spectrocloud/handler/frame"'
    notes = "\n".join(plan.notes)
    assert "authorizationUrl changes from" in notes and "tenant/OLD/auth" in notes
    assert "clientSecret held a literal secret" in notes and "rotate" in notes
    assert "export SPECTROCLOUD_CLIENT_ID with that value" in notes and "my-client-id" not in notes
    # the literal secret never shows: not in the masked diff, the notes, the actions or the JSON
    secret = "s3cr3t-Literal-Value-abcdef"
    assert secret not in change(plan).diff()
    assert secret in change(plan).diff(masked=False)
    assert secret not in notes and secret not in "\n".join(plan.actions)
    assert secret not in json.dumps(plan.to_json())
    assert_idempotent(root, {"tenant": "abc"})


def test_answers_environment_and_custom_env_vars(tmp_path):
    answers = {"tenant": "t", "environment": "staging", "clientIdEnv": "SC_ID", "clientSecretEnv": "SC_SECRET",
               "callbackUrl": "https://bs.example.com/api/auth/spectrocloud/handler/frame",
               "signInResolvers": ["emailMatchingUserEntityProfileEmail"]}
    root = make_repo(tmp_path)
    plan = make_plan(root, answers)
    prov = safe_load(after(plan))["auth"]["providers"]["spectrocloud"]
    assert prov == {"staging": {
        "clientId": "${SC_ID}", "clientSecret": "${SC_SECRET}",
        "authorizationUrl": "https://console.spectrocloud.com/v1/oidc/tenant/t/auth",
        "callbackUrl": "https://bs.example.com/api/auth/spectrocloud/handler/frame",
        "signIn": {"resolvers": [{"resolver": "emailMatchingUserEntityProfileEmail"}]}}}
    assert plan.env_vars == ["SC_ID", "SC_SECRET"]
    assert_idempotent(root, answers)


def test_authorization_url_answer_wins_over_tenant(tmp_path):
    url = "https://sso.example.com/v1/oidc/tenant/x/auth"
    root = make_repo(tmp_path)
    prov = safe_load(after(make_plan(root, {"authorizationUrl": url})))["auth"]["providers"]["spectrocloud"]
    assert prov["development"]["authorizationUrl"] == url


def test_provider_that_is_not_a_mapping_is_bad_input(tmp_path):
    root = make_repo(tmp_path, app_config="auth:\n  providers:\n    spectrocloud:\n      development: yes\n")
    with pytest.raises(BadInput, match=r"app-config.yaml:4:20: auth.providers.spectrocloud.development must be a mapping"):
        make_plan(root)


def test_extensions_that_are_not_a_list_is_bad_input(tmp_path):
    root = make_repo(tmp_path, app_config="app:\n  extensions:\n    page:catalog: {}\n")
    with pytest.raises(BadInput, match=r"app-config.yaml:3:5: app.extensions must be a list"):
        make_plan(root)


# ---------------------------------------------------------------------------------------------
# several config files


LOCAL = dedent("""
    # local overrides, not committed
    auth:
      providers:
        spectrocloud:
          development:
            clientId: ${MY_ID}
    kubernetes:
      serviceLocatorMethod:
        type: multiTenant
      clusterLocatorMethods:
        - type: config
          clusters:
            - name: dev
              url: https://dev.example.com
              authProvider: serviceAccount
              serviceAccountToken: ${DEV_TOKEN}
""")


def test_keys_defined_in_the_local_file_are_edited_there_and_new_keys_go_to_the_first(tmp_path):
    answers = {"tenant": "t", "clientIdEnv": "MY_ID", "migrate": ["dev"]}
    root = make_repo(tmp_path, local=LOCAL)
    plan = make_plan(root, answers)
    assert sorted(c.rel for c in plan.changes) == ["app-config.local.yaml", "app-config.yaml"]
    main_text, local_text = after(plan, "app-config.yaml"), after(plan, "app-config.local.yaml")
    # the first file only gets what no file defines yet
    assert added_lines(CREATE_APP_CONFIG, main_text) == ["    - api:kubernetes/auth-providers: false\n"]
    local = safe_load(local_text)
    assert local["auth"]["providers"]["spectrocloud"]["development"] == {
        "clientId": "${MY_ID}", "clientSecret": "${SPECTROCLOUD_CLIENT_SECRET}",
        "authorizationUrl": "https://console.spectrocloud.com/v1/oidc/tenant/t/auth"}
    dev = local["kubernetes"]["clusterLocatorMethods"][0]["clusters"][0]
    assert dev == {"name": "dev", "url": "https://dev.example.com", "authProvider": "oidc", "oidcTokenProvider": "spectrocloud"}
    assert local_text.startswith("# local overrides, not committed\n")
    assert_idempotent(root, answers)


def test_explicit_config_list_and_a_new_cluster_with_locators_in_two_files(tmp_path):
    extra = "kubernetes:\n  clusterLocatorMethods:\n    - type: config\n      clusters: []\n"
    root = make_repo(tmp_path, local=LOCAL, extra_files={"k8s.yaml": extra})
    answers = {"tenant": "t", "clientIdEnv": "MY_ID", "clusters": [{"name": "n", "url": "https://n"}]}
    plan = make_plan(root, answers, configs=["app-config.yaml", "app-config.local.yaml", "k8s.yaml"])
    assert {c.rel for c in plan.changes} == {"app-config.yaml", "app-config.local.yaml", "k8s.yaml"}
    assert any("each replaces the other" in n for n in plan.notes)
    for rel in ("app-config.local.yaml", "k8s.yaml"):
        names = [c["name"] for c in safe_load(after(plan, rel))["kubernetes"]["clusterLocatorMethods"][0]["clusters"]]
        assert names[-1] == "n"
    assert_idempotent(root, answers, configs=["app-config.yaml", "app-config.local.yaml", "k8s.yaml"])


def test_auth_environment_comes_from_the_merged_config(tmp_path):
    root = make_repo(tmp_path, local="auth:\n  environment: production\n")
    plan = make_plan(root, {"tenant": "t"})
    data = safe_load(after(plan))
    assert list(data["auth"]["providers"]["spectrocloud"]) == ["production"]


# ---------------------------------------------------------------------------------------------
# the cluster provider


PROVIDER_SA = dedent("""
    app:
      extensions:
        - api:kubernetes/auth-providers: false
    spectrocloud:
      environments:
        - name: palette
          url: https://api.spectrocloud.com
          tenant: my-tenant
          apiToken: ${SPECTROCLOUD_API_TOKEN}
          clusterProvider:
            authType: serviceAccount   # creates backstage-sa in each cluster
            includeProjects: [production]
""")


def test_cluster_provider_serviceaccount_environment_is_switched_to_oidc(tmp_path):
    answers = {"tenant": "my-tenant", "clusterProvider": {"name": "palette", "includeProjects": ["production"]}}
    root = make_repo(tmp_path, app_config=PROVIDER_SA)
    plan = make_plan(root, answers)
    text = after(plan)
    env = safe_load(text)["spectrocloud"]["environments"][0]
    assert env == {"name": "palette", "url": "https://api.spectrocloud.com", "tenant": "my-tenant",
                   "apiToken": "${SPECTROCLOUD_API_TOKEN}",
                   "clusterProvider": {"authType": "oidc", "includeProjects": ["production"], "oidcAuthProviderName": "spectrocloud"}}
    assert "authType: oidc   # creates backstage-sa in each cluster" in text
    assert any("switching from serviceAccount to oidc" in n and "backstage-sa" in n for n in plan.notes)
    assert "SPECTROCLOUD_API_TOKEN" in plan.env_vars
    assert_idempotent(root, answers)


def test_cluster_provider_is_added_when_absent(tmp_path):
    answers = {"tenant": "t", "clusterProvider": {"name": "palette", "url": "https://api.spectrocloud.com",
                                                  "tenant": "my-tenant", "excludeProjects": ["sandbox"]}}
    root = make_repo(tmp_path)
    plan = make_plan(root, answers)
    text = after(plan)
    assert safe_load(text)["spectrocloud"] == {"environments": [{
        "name": "palette", "url": "https://api.spectrocloud.com", "tenant": "my-tenant", "apiToken": "${SPECTROCLOUD_API_TOKEN}",
        "clusterProvider": {"authType": "oidc", "oidcAuthProviderName": "spectrocloud", "excludeProjects": ["sandbox"]}}]}
    assert text.endswith("  enabled: true\n\nspectrocloud:\n  environments:\n    - name: palette\n"
                         "      url: https://api.spectrocloud.com\n      tenant: my-tenant\n"
                         "      apiToken: ${SPECTROCLOUD_API_TOKEN}\n      clusterProvider:\n        authType: oidc\n"
                         "        oidcAuthProviderName: spectrocloud\n        excludeProjects:\n          - sandbox\n")
    assert_idempotent(root, answers)


def test_cluster_provider_added_next_to_another_environment(tmp_path):
    cfg = "spectrocloud:\n  environments:\n    - name: other\n      url: https://o\n      apiToken: ${O}\n"
    root = make_repo(tmp_path, app_config=cfg)
    answers = {"tenant": "t", "clusterProvider": {"name": "palette"}}
    envs = safe_load(after(make_plan(root, answers)))["spectrocloud"]["environments"]
    assert [e["name"] for e in envs] == ["other", "palette"]
    assert envs[0] == {"name": "other", "url": "https://o", "apiToken": "${O}"}
    assert_idempotent(root, answers)


# ---------------------------------------------------------------------------------------------
# package.json: the guide's wrong package name


@pytest.mark.parametrize("position", ["middle", "last"])
def test_wrong_package_name_is_removed_from_package_json(tmp_path, position):
    deps = {facts.GUIDE_WRONG_MODULE_PKG: "^1.0.0"}
    root = make_repo(tmp_path, app_deps=deps)
    pkg = root / "packages/app/package.json"
    data = json.loads(pkg.read_text())
    if position == "middle":
        items = list(data["dependencies"].items())
        items.insert(2, items.pop())
        data["dependencies"] = dict(items)
        pkg.write_text(json.dumps(data, indent=2) + "\n")
    before = pkg.read_text()
    plan = make_plan(root)
    ch = change(plan, "packages/app/package.json")
    assert ch.kind == "package.json" and ch.before == before
    new = json.loads(ch.after)
    expected = json.loads(before)
    del expected["dependencies"][facts.GUIDE_WRONG_MODULE_PKG]
    assert new == expected
    wrong = line_index(before, facts.GUIDE_WRONG_MODULE_PKG)
    assert_only_lines_changed(before, ch.after, [wrong] if position == "middle" else [wrong - 1, wrong])
    assert any("wrong package name" in a for a in plan.actions)
    write_plan(root, plan)
    assert make_plan(root).changes == []


def test_remove_json_dependency_keeps_crlf_and_compact_json():
    name = facts.GUIDE_WRONG_MODULE_PKG
    crlf = '{\r\n  "dependencies": {\r\n    "' + name + '": "^1.0.0",\r\n    "b": "2"\r\n  }\r\n}\r\n'
    assert remove_json_dependency(crlf, name) == '{\r\n  "dependencies": {\r\n    "b": "2"\r\n  }\r\n}\r\n'
    compact = '{"dependencies":{"a":"1","' + name + '":"^1.0.0"}}'
    assert remove_json_dependency(compact, name) == '{"dependencies":{"a":"1"}}'
    assert remove_json_dependency('{"dependencies":{}}', name) == '{"dependencies":{}}'


# was a bug found by this suite: nothing was removed when the name was listed in two sections
def test_remove_json_dependency_from_two_sections():
    name = facts.GUIDE_WRONG_MODULE_PKG
    text = ('{\n  "dependencies": {\n    "' + name + '": "^1.0.0",\n    "a": "1"\n  },\n'
            '  "devDependencies": {\n    "' + name + '": "^1.0.0"\n  }\n}\n')
    new = remove_json_dependency(text, name)
    assert name not in new
    assert json.loads(new) == {"dependencies": {"a": "1"}, "devDependencies": {}}


# ---------------------------------------------------------------------------------------------
# the engine refuses rather than writing something it did not mean


def test_unexpected_shapes_are_refused_not_written(tmp_path):
    root = make_repo(tmp_path, app_config="kubernetes:\n  clusterLocatorMethods: oops\n")
    with pytest.raises(BadInput, match="clusterLocatorMethods must be a list"):
        make_plan(root)


def test_the_engine_entry_point_takes_repo_configs_and_answers(tmp_path):
    root = make_repo(tmp_path)
    plan = engine_plan(repo_mod.inspect(root, run_tools=False), configset.load(root), load_answers(), skip_install=True)
    assert plan.repo == root and len(plan.changes) == 1


def test_extensions_in_two_files_get_the_entry_in_each(tmp_path):
    # Backstage replaces arrays from a later file as a whole: both lists must hold the entry
    root = make_repo(tmp_path, app_config="app:\n  extensions:\n    - page:catalog\n",
                     local="app:\n  extensions:\n    - page:home\n")
    plan = make_plan(root)
    assert safe_load(after(plan, "app-config.local.yaml"))["app"]["extensions"] == ["page:home", {"api:kubernetes/auth-providers": False}]
    assert safe_load(after(plan))["app"]["extensions"] == ["page:catalog", {"api:kubernetes/auth-providers": False}]
    assert_idempotent(root)


@pytest.mark.parametrize("cfg, key", [
    ("x-k: &k8s\n  serviceLocatorMethod:\n    type: multiTenant\nkubernetes: *k8s\n", "kubernetes"),
    ("x-a: &auth\n  providers:\n    guest: {}\nauth: *auth\n", "auth"),
])
def test_an_alias_on_the_path_refuses_the_plan_with_a_clear_message(tmp_path, cfg, key):
    from wizard.core.plan import PlanError

    root = make_repo(tmp_path, app_config=cfg)
    with pytest.raises(PlanError, match=rf"line 4: '{key}' is an alias \(\*\w+\); edit the anchored value by hand") as info:
        make_plan(root)
    assert info.value.exit_code == 1


# was a bug found by this suite: set_scalar swallowed a block scalar's line break, so the plan was refused
@pytest.mark.parametrize("cfg, answers", [
    ("kubernetes:\n  serviceLocatorMethod:\n    type: multiTenant\n  clusterLocatorMethods:\n    - type: config\n"
     "      clusters:\n        - name: c1\n          url: https://c1\n          caData: |\n            " + CA_DATA + "\n"
     "          authProvider: oidc\n          oidcTokenProvider: spectrocloud\n",
     {"tenant": "t", "clusters": [{"name": "c1", "caData": base64.b64encode(CA_PEM + b"\n").decode()}]}),
    ("auth:\n  providers:\n    spectrocloud:\n      development:\n        clientSecret: >-\n          literal-secret\n"
     "        clientId: ${SPECTROCLOUD_CLIENT_ID}\n", {"tenant": "t"}),
])
def test_values_written_as_block_scalars_can_be_replaced(tmp_path, cfg, answers):
    root = make_repo(tmp_path, app_config=cfg)
    assert_idempotent(root, answers)


# was a bug found by this suite: edits next to an empty value landed lines too late (PlanError)
@pytest.mark.parametrize("cfg", [
    "auth:\n  providers:\n    guest:\ncatalog:\n  rules:\n    - allow: [Component, API]\nx-extra: [page:catalog]\n",
    "app:\n  extensions:\n    - page:catalog:\nbackend:\n  methods: [http://a]\n",
])
def test_configs_read_by_the_yaml_12_fallback_plan_like_any_other(tmp_path, cfg):
    twin = cfg.replace("page:catalog]", "page-catalog]").replace("http://a", "http-//a")
    expected = after(make_plan(make_repo(tmp_path, app_config=twin, name="twin"), {"tenant": "t"}))
    root = make_repo(tmp_path, app_config=cfg)
    text = after(make_plan(root, {"tenant": "t"}))
    assert text == expected.replace("page-catalog]", "page:catalog]").replace("http-//a", "http://a")
