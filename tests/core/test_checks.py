"""`check`: every check ID, its ok case and each failure it must recognise, with the right hint.

`node` and `yarn` are the stand-ins of tests/support/tools.py (the `tools` fixture: PATH holds nothing else), so the results do not
depend on this machine's tools.
"""

from __future__ import annotations

import json

import pytest

from tests.support.configs import CREATE_APP_CONFIG
from tests.support.plans import make_plan, write_plan
from tests.support.repos import BACKEND_ADDS, index_ts, make_repo
from tests.support.text import dedent
from wizard.core import checks, configset, facts
from wizard.core import repo as repo_mod
from wizard.core.hints import catalog
from wizard.core.results import CheckResult, checks_json, overall_ok

CONTRACT_IDS = {
    "backstage-version", "node-version", "yarn", "auth-backend-module", "auth-frontend-plugin", "kubernetes-plugin",
    "kubernetes-auth-module", "frontend-system", "auth-provider-config", "default-auth-providers-disabled",
    "clusters-oidc", "config-valid",
}


def run(root, tools: bool = False) -> dict[str, CheckResult]:
    info = repo_mod.inspect(root, run_tools=tools)
    results = checks.run_checks(info, configset.load(root, tolerant=True))
    assert [r.id for r in results] == list(checks.CHECK_IDS)
    return {r.id: r for r in results}


def configured(tmp_path, answers=None, **kw):
    """A complete repo whose config the wizard has already written."""
    root = make_repo(tmp_path, preset="complete", **kw)
    write_plan(root, make_plan(root, answers))
    return root


def assert_status(result: CheckResult, status: str, hint: str | None = None) -> None:
    assert result.status == status, (result.summary, result.detail)
    if status == "ok":
        assert result.hint is None
    else:
        assert result.hint == hint
        assert catalog().get(hint) is not None, f"hint {hint} is not in the catalog"


# ---------------------------------------------------------------------------------------------
# the whole set


def test_check_ids_cover_the_contract():
    assert CONTRACT_IDS | {"kubernetes-config"} <= set(checks.CHECK_IDS)


def test_a_fully_set_up_app_passes_every_check(tmp_path, tools, env_vars):
    tools.node("v22.3.0")
    tools.yarn("4.13.0")
    root = configured(tmp_path)
    results = run(root, tools=True)
    for cid in CONTRACT_IDS | {"kubernetes-config"}:
        assert_status(results[cid], "ok")
    for r in results.values():  # checks added later may only be ok, or skipped when they do not apply
        assert r.status in ("ok", "skip"), (r.id, r.summary)
    assert overall_ok(list(results.values()))
    assert results["node-version"].summary == "Node.js 22.3.0 (engines.node 22 || 24)"
    assert results["yarn"].summary == "Yarn 4.13.0 (Berry)"
    assert results["backstage-version"].summary == "Backstage 1.55.0 (needs >= 1.47.1)"


def test_a_fresh_create_app_fails_the_setup_checks(tmp_path, tools):
    tools.node("v22.3.0")
    tools.yarn("4.13.0")
    results = run(make_repo(tmp_path), tools=True)
    failing = {i for i, r in results.items() if r.status == "fail"}
    assert failing == {"auth-backend-module", "kubernetes-auth-module",
                       "default-auth-providers-disabled", "auth-provider-config", "kubernetes-config", "clusters-oidc"}
    # the default wiring of a new-frontend app is the in-app module: no TeraSky frontend package needed
    assert results["auth-frontend-plugin"].status == "skip"
    assert results["kubernetes-auth-module"].summary == "the in-app SpectroCloud module is not wired yet"
    assert_status(results["kubernetes-config"], "fail", "kubernetes-config-shape")
    assert_status(results["clusters-oidc"], "fail", "add-clusters")


def test_checks_json_shape(tmp_path):
    results = list(run(make_repo(tmp_path)).values())
    data = json.loads(json.dumps(checks_json(results)))
    assert data["ok"] is False
    for c in data["checks"]:
        assert set(c) >= {"id", "status", "summary", "detail", "hint"}
        assert c["status"] in ("ok", "warn", "fail", "skip")
        if c["hint"]:
            assert set(data["hints"][c["hint"]]) == {"title", "text"}
    assert "hint_vars" not in json.dumps(data)
    # placeholders are filled with this repo's exact commands
    assert "yarn workspace backend add @terasky/backstage-plugin-spectrocloud-auth-backend" in \
        data["hints"]["install-auth-backend"]["text"]


# ---------------------------------------------------------------------------------------------
# backstage-version


@pytest.mark.parametrize("version, status", [("1.55.0", "ok"), ("1.47.1", "ok"), ("1.47.0", "fail"), ("1.30.2", "fail"),
                                             ("0.9.0", "warn"), ("2.0.0-next.1", "ok")])
def test_backstage_version(tmp_path, version, status):
    r = run(make_repo(tmp_path, version=version))["backstage-version"]
    assert_status(r, status, "backstage-upgrade")
    if status == "fail":
        assert r.summary == f"Backstage {version} is older than 1.47.1"
    if status == "warn":  # the test app's packages (frontend-defaults, backend-defaults) are far newer than 0.9
        assert r.summary == f"backstage.json says {version}, but the packages are newer"
        assert "backstage.json is stale" in r.detail


def test_backstage_version_missing(tmp_path):
    root = make_repo(tmp_path, version=None)
    r = run(root)["backstage-version"]
    assert_status(r, "fail", "backstage-upgrade")
    assert "no \"version\"" in r.detail
    (root / "backstage.json").write_text("{not json")
    r = run(root)["backstage-version"]
    assert r.status == "fail" and "invalid JSON" in r.detail


# ---------------------------------------------------------------------------------------------
# node-version


@pytest.mark.parametrize("version, engines, status, summary", [
    ("v22.3.0", "22 || 24", "ok", "Node.js 22.3.0 (engines.node 22 || 24)"),
    ("v24.1.0", "22 || 24", "ok", "Node.js 24.1.0 (engines.node 22 || 24)"),
    ("v20.1.0", "22 || 24", "warn", "Node.js 20.1.0 is outside the app's engines.node '22 || 24'"),
    ("v16.20.0", "22 || 24", "fail", "Node.js 16.20.0 is below 18"),
    ("v16.20.0", None, "fail", "Node.js 16.20.0 is below 18"),
    ("v20.1.0", None, "ok", "Node.js 20.1.0 (>= 18)"),
    ("v20.1.0", ">=18 <21", "ok", "Node.js 20.1.0 (engines.node >=18 <21)"),
    ("v22.3.0", "not a range!", "warn", "Node.js 22.3.0; engines.node 'not a range!' is not a valid range"),
])
def test_node_version(tmp_path, tools, version, engines, status, summary):
    tools.node(version)
    r = run(make_repo(tmp_path, engines=engines), tools=True)["node-version"]
    assert_status(r, status, "node-install")
    assert r.summary == summary
    if status != "ok":
        assert r.hint_vars["engines"] == (engines or ">=18")


def test_node_missing(tmp_path, tools):
    r = run(make_repo(tmp_path), tools=True)["node-version"]
    assert_status(r, "fail", "node-install")
    assert r.summary == "Node.js not found" and "node is not on PATH" in r.detail


def test_tools_not_run_are_skipped(tmp_path):
    results = run(make_repo(tmp_path), tools=False)
    assert results["node-version"].status == results["yarn"].status == "skip"


# ---------------------------------------------------------------------------------------------
# yarn


def test_yarn_berry_on_path(tmp_path, tools):
    tools.yarn("4.13.0")
    r = run(make_repo(tmp_path), tools=True)["yarn"]
    assert_status(r, "ok")
    assert r.data["argv"] == ["yarn"] and r.data["flavour"] == "berry"


def test_no_usable_yarn(tmp_path, tools):
    tools.node()
    r = run(make_repo(tmp_path), tools=True)["yarn"]
    assert_status(r, "fail", "yarn-missing")
    assert r.summary == "no usable Yarn"
    assert "yarn is not on PATH" in r.detail and "yarnPath .yarn/releases/yarn-4.13.0.cjs, which is missing" in r.detail
    assert r.hint_vars["wanted"] == "4.13.0"


def test_yarn_through_node_and_the_pinned_release(tmp_path, tools):
    tools.node()
    root = make_repo(tmp_path)
    tools.yarn_release(root)
    results = run(root, tools=True)
    assert_status(results["yarn"], "ok")
    assert results["yarn"].data["argv"] == ["node", ".yarn/releases/yarn-4.13.0.cjs"]
    # and the install commands in the hints use that runner
    assert results["auth-backend-module"].hint_vars["cmd"] == \
        "node .yarn/releases/yarn-4.13.0.cjs workspace backend add " + facts.AUTH_BACKEND_PKG


def test_yarn_classic_where_berry_is_pinned_is_a_warning(tmp_path, tools):
    tools.yarn("1.22.19")
    results = run(make_repo(tmp_path), tools=True)
    assert_status(results["yarn"], "warn", "yarn-missing")
    assert results["yarn"].summary == "Yarn 1.22.19 runs, but package.json pins yarn@4.13.0"


def test_yarn_classic_repo_gets_cwd_commands(tmp_path, tools):
    tools.yarn("1.22.19")
    results = run(make_repo(tmp_path, package_manager=None, yarnrc=None), tools=True)
    assert_status(results["yarn"], "ok")
    assert results["auth-backend-module"].hint_vars["cmd"] == "yarn --cwd packages/backend add " + facts.AUTH_BACKEND_PKG


def test_npm_repo(tmp_path, tools):
    results = run(make_repo(tmp_path, package_manager="npm@10.8.0", yarnrc=None), tools=True)
    assert_status(results["yarn"], "ok")
    assert results["yarn"].summary == "this repo uses npm, not Yarn"
    assert results["auth-backend-module"].hint_vars["cmd"] == f"npm install {facts.AUTH_BACKEND_PKG} --workspace packages/backend"


# ---------------------------------------------------------------------------------------------
# packages


def test_auth_backend_module_ok(tmp_path):
    assert_status(run(make_repo(tmp_path, preset="complete"))["auth-backend-module"], "ok")


def test_auth_backend_module_missing(tmp_path):
    r = run(make_repo(tmp_path))["auth-backend-module"]
    assert_status(r, "fail", "install-auth-backend")
    assert r.hint_vars["line"] == f"backend.add(import('{facts.AUTH_BACKEND_PKG}'));"
    assert r.hint_vars["index"] == "packages/backend/src/index.ts"


@pytest.mark.parametrize("extra", [
    "",
    f"// backend.add(import('{facts.AUTH_BACKEND_PKG}'));\n",
    f"/*\nbackend.add(import('{facts.AUTH_BACKEND_PKG}'));\n*/\n",
    f"/* backend.add(import('{facts.AUTH_BACKEND_PKG}')); */\n",
    f"const note = \"backend.add(import('x'))\"; // {facts.AUTH_BACKEND_PKG}\n",
])
def test_auth_backend_module_declared_but_not_added(tmp_path, extra):
    root = make_repo(tmp_path, preset="complete", index_ts_text=index_ts(BACKEND_ADDS, extra))
    r = run(root)["auth-backend-module"]
    assert_status(r, "fail", "install-auth-backend-wiring")
    assert r.summary == "SpectroCloud auth backend module is in package.json but not added to the backend"


@pytest.mark.parametrize("line", [
    f'backend.add(import("{facts.AUTH_BACKEND_PKG}"));',
    f"backend.add(\n  import('{facts.AUTH_BACKEND_PKG}'),\n);",
    f"backend.add(import('{facts.AUTH_BACKEND_PKG}/alpha')); // the module",
])
def test_auth_backend_module_added_in_other_spellings(tmp_path, line):
    root = make_repo(tmp_path, preset="complete", index_ts_text=index_ts(BACKEND_ADDS, line + "\n"))
    assert_status(run(root)["auth-backend-module"], "ok")


def test_auth_backend_module_added_but_not_a_dependency(tmp_path):
    root = make_repo(tmp_path, preset="complete", backend_deps={facts.AUTH_BACKEND_PKG: None})
    r = run(root)["auth-backend-module"]
    assert_status(r, "fail", "install-auth-backend")
    assert "not a dependency" in r.summary


def test_auth_frontend_plugin(tmp_path):
    assert_status(run(make_repo(tmp_path, preset="complete"))["auth-frontend-plugin"], "ok")
    r = run(make_repo(tmp_path, preset="complete", name="r2", app_deps={facts.AUTH_FRONTEND_PKG: None}))["auth-frontend-plugin"]
    assert_status(r, "fail", "install-auth-frontend")
    assert r.hint_vars["cmd"] == "yarn workspace app add " + facts.AUTH_FRONTEND_PKG


@pytest.mark.parametrize("kw, missing", [
    ({"app_deps": {facts.K8S_FRONTEND_PKG: None}}, "@backstage/plugin-kubernetes in packages/app"),
    ({"backend_deps": {facts.K8S_BACKEND_PKG: None}}, "@backstage/plugin-kubernetes-backend in packages/backend"),
    ({"backend_adds": [a for a in BACKEND_ADDS if a != facts.K8S_BACKEND_PKG]},
     "backend.add(import('@backstage/plugin-kubernetes-backend'))"),
])
def test_kubernetes_plugin_incomplete(tmp_path, kw, missing):
    r = run(make_repo(tmp_path, **kw))["kubernetes-plugin"]
    assert_status(r, "fail", "install-kubernetes-plugin")
    assert missing in r.detail


def test_kubernetes_plugin_ok(tmp_path):
    assert_status(run(make_repo(tmp_path))["kubernetes-plugin"], "ok")


def test_kubernetes_auth_module(tmp_path):
    # a fresh new-frontend app: the default wiring is the in-app module, not wired yet
    r = run(make_repo(tmp_path))["kubernetes-auth-module"]
    assert_status(r, "fail", "frontend-in-app")
    # the TeraSky route (the module declared): the package is what is checked
    r = run(make_repo(tmp_path, preset="complete", name="ok"))["kubernetes-auth-module"]
    assert_status(r, "ok")
    assert "not yet in node_modules" in r.detail


def test_kubernetes_auth_module_in_node_modules(tmp_path):
    root = make_repo(tmp_path, preset="complete")
    (root / "node_modules" / facts.MODULE_PKG).mkdir(parents=True)
    r = run(root)["kubernetes-auth-module"]
    assert_status(r, "ok")
    assert r.data["installed"] is True


def test_the_guides_wrong_package_name(tmp_path):
    root = make_repo(tmp_path, app_deps={facts.GUIDE_WRONG_MODULE_PKG: "^1.0.0"})
    r = run(root)["kubernetes-auth-module"]
    assert_status(r, "fail", "wrong-package-name")
    assert r.hint_vars["wrong"] == facts.GUIDE_WRONG_MODULE_PKG
    assert "packages/app/package.json lists @terasky/spectrocloud-kubernetes-auth-module" in r.detail


def test_module_also_listed_in_the_backend(tmp_path):
    root = make_repo(tmp_path, preset="complete", backend_deps={facts.MODULE_PKG: "^1.0.0"})
    r = run(root)["kubernetes-auth-module"]
    assert_status(r, "warn", "install-module")
    assert "packages/backend" in r.detail


# ---------------------------------------------------------------------------------------------
# frontend-system


def test_a_legacy_app_is_judged_by_its_own_wiring(tmp_path):
    """A legacy app is wired in apis.ts: the checks of the new system's wiring do not apply to it."""
    results = run(make_repo(tmp_path, preset="complete", legacy=True))
    r = results["frontend-system"]
    assert_status(r, "ok")
    assert "legacy frontend system" in r.summary
    assert "packages/app/src/App.tsx:2 imports createApp from @backstage/app-defaults" in r.detail
    assert results["auth-frontend-plugin"].status == "skip"
    assert results["default-auth-providers-disabled"].status == "skip"
    assert_status(results["kubernetes-auth-module"], "fail", "frontend-legacy")  # apis.ts not wired yet: apply does it


def test_legacy_detected_from_package_json_without_app_tsx(tmp_path):
    root = make_repo(tmp_path, preset="complete", legacy=True)
    (root / "packages/app/src/App.tsx").unlink()
    r = run(root)["frontend-system"]
    assert_status(r, "ok")
    assert "depends on @backstage/app-defaults" in r.detail


def test_new_frontend_with_discovery(tmp_path):
    r = run(make_repo(tmp_path, preset="complete"))["frontend-system"]
    assert_status(r, "ok")
    assert "app.packages: all" in r.summary


@pytest.mark.parametrize("packages, status", [
    ("", "warn"),  # the complete preset has the TeraSky packages: discovery off never loads them
    ("  packages:\n    include: ['@backstage/plugin-catalog']\n", "warn"),
    (f"  packages:\n    include: ['{facts.MODULE_PKG}']\n", "ok"),
    (f"  packages:\n    exclude: ['{facts.MODULE_PKG}']\n", "fail"),
])
def test_new_frontend_discovery_settings(tmp_path, packages, status):
    root = make_repo(tmp_path, preset="complete", app_config="app:\n  title: x\n" + packages)
    assert_status(run(root)["frontend-system"], status, "frontend-discovery")


def test_module_listed_in_app_tsx_features_counts_without_discovery(tmp_path):
    tsx = ("import { createApp } from '@backstage/frontend-defaults';\n"
           f"import spectro from '{facts.MODULE_PKG}';\nexport default createApp({{ features: [spectro] }});\n")
    root = make_repo(tmp_path, preset="complete", app_config="app:\n  title: x\n", app_tsx=tsx)
    assert_status(run(root)["frontend-system"], "ok")


# ---------------------------------------------------------------------------------------------
# default-auth-providers-disabled


def test_extension_disabled_ok(tmp_path):
    r = run(configured(tmp_path))["default-auth-providers-disabled"]
    assert_status(r, "ok")
    assert r.detail.startswith("app-config.yaml:")


def test_extension_missing(tmp_path):
    assert_status(run(make_repo(tmp_path))["default-auth-providers-disabled"], "fail", "disable-default-auth-providers")


GUIDE_EXT = dedent("""
    app:
      extensions:
        - page:catalog
        # Disable the default Kubernetes auth providers
        - plugin.kubernetes-auth-providers.service:
            disabled: true
""")


def test_the_guides_extension_id(tmp_path):
    r = run(make_repo(tmp_path, app_config=GUIDE_EXT))["default-auth-providers-disabled"]
    assert_status(r, "warn", "guide-extension-id")  # a start-up warning the app survives (facts, section 2)
    assert r.hint_vars["where"] == "app-config.yaml:5"
    assert "INVALID_EXTENSION_CONFIG_KEY" in r.detail and "api:kubernetes/auth-providers" in r.detail
    assert "still work" in r.detail and "conflict" not in r.detail.lower()


@pytest.mark.parametrize("entry, why", [
    ("- page:catalog:\n        config: {path: /}\n      page:home: true", "must have exactly one key (has 2)"),
    ("- page:catalog:\n        enabled: false", "unknown parameter 'enabled'"),
    ("- page:catalog:\n        disabled: maybe", "disabled must be true or false"),
    ("- page:catalog:\n        config: [1]", "config must be a map"),
    ("- page:catalog:\n        attachTo: {id: app/routes}", "attachTo must be a map with non-empty id and input"),
    ("- page:catalog: 3", "value must be true/false, null or a map"),
    ("- ' page:catalog'", "has surrounding spaces"),
    ("- [a, b]", "an entry must be an extension ID or a map with one key"),
    ("- 42", "an entry must be an extension ID"),
])
def test_extension_entries_backstage_would_reject(tmp_path, entry, why):
    cfg = f"app:\n  extensions:\n    - api:kubernetes/auth-providers: false\n    {entry}\n"
    r = run(make_repo(tmp_path, app_config=cfg))["default-auth-providers-disabled"]
    assert_status(r, "fail", "invalid-extension-entry")
    assert r.hint_vars["where"].startswith("app-config.yaml:4: ")
    assert why in r.detail


@pytest.mark.parametrize("entry", [
    "- page:catalog", "- page:catalog:", "- page:catalog: true", "- page:catalog: 'false'",
    "- page:catalog:\n        config:\n          path: /\n        disabled: 'false'",
    "- page:catalog:\n        attachTo: {id: app/routes, input: routes}",
])
def test_extension_entries_backstage_accepts(tmp_path, entry):
    cfg = f"app:\n  extensions:\n    - api:kubernetes/auth-providers: false\n    {entry}\n"
    assert_status(run(make_repo(tmp_path, app_config=cfg))["default-auth-providers-disabled"], "ok")


@pytest.mark.parametrize("entry", ["- api:kubernetes/auth-providers", "- api:kubernetes/auth-providers: true",
                                   "- api:kubernetes/auth-providers:\n        disabled: false"])
def test_extension_listed_but_enabled(tmp_path, entry):
    cfg = f"app:\n  extensions:\n    {entry}\n"
    r = run(make_repo(tmp_path, app_config=cfg))["default-auth-providers-disabled"]
    assert_status(r, "fail", "disable-default-auth-providers")
    assert "listed but enabled" in r.summary


def test_extension_name_confirmed_from_the_installed_plugin(tmp_path):
    root = configured(tmp_path)
    apis = root / "node_modules" / facts.K8S_FRONTEND_PKG / "dist" / "alpha" / "apis.esm.js"
    apis.parent.mkdir(parents=True)
    apis.write_text('const a = ApiBlueprint.make({ name: "auth-providers", params: {} });\n')
    r = run(root)["default-auth-providers-disabled"]
    assert_status(r, "ok")
    assert 'confirmed in node_modules/@backstage/plugin-kubernetes/dist/alpha/apis.esm.js: name "auth-providers"' in r.detail


# ---------------------------------------------------------------------------------------------
# auth-provider-config


def test_auth_provider_ok(tmp_path, env_vars):
    r = run(configured(tmp_path))["auth-provider-config"]
    assert_status(r, "ok")
    assert r.summary == "auth.providers.spectrocloud.development configured"


def test_auth_provider_missing(tmp_path):
    r = run(make_repo(tmp_path))["auth-provider-config"]
    assert_status(r, "fail", "configure-auth-provider")
    assert r.summary == "auth.providers.spectrocloud.development is not configured"


def test_auth_provider_for_another_environment(tmp_path):
    cfg = "auth:\n  providers:\n    spectrocloud:\n      production:\n        clientId: x\n"
    r = run(make_repo(tmp_path, app_config=cfg))["auth-provider-config"]
    assert_status(r, "fail", "configure-auth-provider")
    assert "it has production" in r.detail


def test_incomplete_auth_provider(tmp_path):
    cfg = ("auth:\n  environment: production\n  providers:\n    spectrocloud:\n      production:\n"
           "        clientId: ${X}\n        callbackUrl: ''\n")
    r = run(make_repo(tmp_path, app_config=cfg))["auth-provider-config"]
    assert_status(r, "fail", "configure-auth-provider")
    assert r.summary == "auth.providers.spectrocloud.production is incomplete"
    assert r.data["missing"] == ["clientSecret", "authorizationUrl", "callbackUrl"]


def provider_cfg(**values) -> str:
    prov = {"clientId": "${SPECTROCLOUD_CLIENT_ID}", "clientSecret": "${SPECTROCLOUD_CLIENT_SECRET}",
            "authorizationUrl": "https://console.spectrocloud.com/v1/oidc/tenant/t/auth",
            "callbackUrl": "http://localhost:7007/api/auth/spectrocloud/handler/frame"}
    prov.update(values)
    body = "".join(f"        {k}: '{v}'\n" for k, v in prov.items())
    return "backend:\n  baseUrl: http://localhost:7007\nauth:\n  providers:\n    spectrocloud:\n      development:\n" + body


@pytest.mark.parametrize("values, problem", [
    ({"clientSecret": "literal-secret-value"}, "clientSecret is a literal value in the config"),
    ({"clientId": "${NOT_SET_ANYWHERE_42}"}, "clientId reads ${NOT_SET_ANYWHERE_42}, which is not set"),
    ({"authorizationUrl": "https://x.example.com/v1/auth/org/acme/oidc/authorize"},
     "the module derives its token endpoint as https://x.example.com/v1/token/org/acme/oidc/authorize"),
    ({"callbackUrl": "http://localhost:3000/api/auth/spectrocloud/handler/frame"},
     "is not backend.baseUrl + /api/auth/spectrocloud/handler/frame"),
])
def test_auth_provider_suspicious_values(tmp_path, env_vars, values, problem):
    r = run(make_repo(tmp_path, app_config=provider_cfg(**values)))["auth-provider-config"]
    assert_status(r, "warn", "auth-provider-values")
    assert problem in r.detail
    assert "literal-secret-value" not in r.detail


def test_auth_provider_unset_env_vars_warn(tmp_path, monkeypatch):
    monkeypatch.delenv("SPECTROCLOUD_CLIENT_ID", raising=False)
    monkeypatch.delenv("SPECTROCLOUD_CLIENT_SECRET", raising=False)
    r = run(configured(tmp_path))["auth-provider-config"]
    assert_status(r, "warn", "auth-provider-values")
    assert "SPECTROCLOUD_CLIENT_SECRET" in r.detail


# was a bug found by this suite: check looked up the literal '${AUTH_ENV}' key right after apply
def test_check_agrees_with_the_plan_when_auth_environment_is_a_variable(tmp_path, env_vars):
    cfg = CREATE_APP_CONFIG.replace("\nauth:\n", "\nauth:\n  environment: ${AUTH_ENV}\n", 1)
    root = configured(tmp_path, app_config=cfg)
    assert run(root)["auth-provider-config"].status != "fail"


# ---------------------------------------------------------------------------------------------
# kubernetes-config


FLAT = dedent("""
    kubernetes:
      clusters:
        - name: my-cluster
          url: https://my-cluster.example.com
          authProvider: 'oidc'
          oidcTokenProvider: 'spectrocloud'
""")


def test_flat_clusters(tmp_path):
    r = run(make_repo(tmp_path, app_config=FLAT))["kubernetes-config"]
    assert_status(r, "fail", "guide-flat-clusters")
    assert r.hint_vars["where"] in ("app-config.yaml:2", "app-config.yaml:3")  # the key or its list
    assert "Missing required config value at 'kubernetes.clusterLocatorMethods'" in r.detail


def test_missing_service_locator_method(tmp_path):
    cfg = "kubernetes:\n  clusterLocatorMethods:\n    - type: config\n      clusters: []\n"
    r = run(make_repo(tmp_path, app_config=cfg))["kubernetes-config"]
    assert_status(r, "fail", "kubernetes-config-shape")
    assert "kubernetes.serviceLocatorMethod.type is missing" in r.detail
    assert "clusterLocatorMethods is missing" not in r.detail


def test_missing_cluster_locator_methods(tmp_path):
    cfg = "kubernetes:\n  serviceLocatorMethod:\n    type: multiTenant\n"
    r = run(make_repo(tmp_path, app_config=cfg))["kubernetes-config"]
    assert_status(r, "fail", "kubernetes-config-shape")
    assert "kubernetes.clusterLocatorMethods is missing" in r.detail


def test_kubernetes_config_ok_and_skip(tmp_path):
    assert_status(run(configured(tmp_path))["kubernetes-config"], "ok")
    root = make_repo(tmp_path, name="nok8s", app_config="app:\n  title: x\n",
                     backend_adds=[a for a in BACKEND_ADDS if a != facts.K8S_BACKEND_PKG])
    assert run(root)["kubernetes-config"].status == "skip"


def test_kubernetes_config_merged_across_files(tmp_path):
    root = make_repo(tmp_path, app_config="kubernetes:\n  serviceLocatorMethod:\n    type: multiTenant\n",
                     local="kubernetes:\n  clusterLocatorMethods:\n    - type: config\n      clusters: []\n")
    assert_status(run(root)["kubernetes-config"], "ok")


# ---------------------------------------------------------------------------------------------
# clusters-oidc


SA = dedent("""
    kubernetes:
      serviceLocatorMethod:
        type: multiTenant
      clusterLocatorMethods:
        - type: config
          clusters:
            - name: legacy-prod
              url: https://legacy-prod.example.com
              authProvider: serviceAccount
              serviceAccountToken: ${LEGACY_TOKEN}
            - name: legacy-dev
              url: https://legacy-dev.example.com
              authProvider: serviceAccount
              serviceAccountToken: literal-token-value
""")


def test_service_account_clusters_are_named(tmp_path):
    r = run(make_repo(tmp_path, app_config=SA))["clusters-oidc"]
    assert_status(r, "fail", "clusters-not-oidc")
    assert r.hint_vars["names"] == "legacy-prod, legacy-dev"
    assert "still on service accounts: legacy-prod (token in ${LEGACY_TOKEN}), legacy-dev (literal token)" in r.detail
    assert "literal-token-value" not in r.detail + r.summary


def test_mixed_mode_is_a_warning_naming_the_rest(tmp_path):
    root = make_repo(tmp_path, app_config=SA)
    write_plan(root, make_plan(root, {"tenant": "t", "migrate": ["legacy-prod"]}))
    r = run(root)["clusters-oidc"]
    assert_status(r, "warn", "clusters-not-oidc")
    assert r.summary == "1 on SpectroCloud OIDC, 1 still on service accounts: legacy-dev"
    assert r.data["oidc"] == ["legacy-prod"] and r.data["serviceAccount"] == ["legacy-dev"]


def test_all_clusters_migrated(tmp_path):
    root = make_repo(tmp_path, app_config=SA)
    write_plan(root, make_plan(root, {"tenant": "t", "migrate": "all"}))
    r = run(root)["clusters-oidc"]
    assert_status(r, "ok")
    assert r.summary == "2 cluster source(s) on SpectroCloud OIDC"


def test_oidc_cluster_without_token_provider(tmp_path):
    cfg = SA.replace("authProvider: serviceAccount\n          serviceAccountToken: ${LEGACY_TOKEN}", "authProvider: oidc")
    r = run(make_repo(tmp_path, app_config=cfg))["clusters-oidc"]
    assert_status(r, "fail", "cluster-token-provider")
    assert r.hint_vars["names"] == "legacy-prod"
    assert "Must specify a token provider for 'oidc' strategy" in r.detail


def test_other_providers_are_listed_and_left_alone(tmp_path):
    cfg = SA.replace("serviceAccount\n          serviceAccountToken: literal-token-value", "google")
    root = make_repo(tmp_path, app_config=cfg)
    write_plan(root, make_plan(root, {"tenant": "t", "migrate": "all"}))
    r = run(root)["clusters-oidc"]
    assert_status(r, "ok")
    assert "other providers, left as they are: legacy-dev (google)" in r.detail


def test_cluster_provider_environments(tmp_path):
    cfg = "spectrocloud:\n  environments:\n    - name: palette\n      url: https://api.spectrocloud.com\n      apiToken: ${T}\n"
    r = run(make_repo(tmp_path, app_config=cfg))["clusters-oidc"]
    assert_status(r, "fail", "clusters-not-oidc")
    assert "cluster provider environments in serviceAccount mode: palette" in r.detail
    root = make_repo(tmp_path, name="oidc", app_config=cfg)
    write_plan(root, make_plan(root, {"tenant": "t", "clusterProvider": {"name": "palette"}}))
    r = run(root)["clusters-oidc"]
    assert_status(r, "ok")
    assert "cluster provider in OIDC mode: palette" in r.detail


# ---------------------------------------------------------------------------------------------
# config-valid


@pytest.mark.parametrize("raw, where", [
    (b"app:\n  title: [x\n", "app-config.local.yaml:2:10: not valid YAML: the flow sequence that starts here is not closed properly "
                              "(the parser gave up at line 3, column 1"),
    (b"app:\n\ttitle: x\n", "app-config.local.yaml:2:1: not valid YAML"),
    # at the end of the file libyaml names no start: the open bracket is found by scanning
    (b"app:\n  title: a{b\n  guest: {\n# a comment\n", "app-config.local.yaml:3:10: not valid YAML: the flow mapping that starts here"),
    (b"app:\n  title: x\n  title: y\n", "app-config.local.yaml:3:3: duplicate key 'title'"),
    (b"app:\n  title: caf\xe9\n", "app-config.local.yaml:2: not UTF-8 text"),
])
def test_a_config_that_does_not_parse(tmp_path, raw, where):
    root = make_repo(tmp_path, local=raw)
    results = run(root)
    r = results["config-valid"]
    assert_status(r, "fail", "config-invalid")
    assert r.summary == "app-config.local.yaml cannot be loaded"
    assert r.detail.startswith(where)
    assert r.hint_vars["error"].startswith(where)
    # the other config checks still look at the files that parsed
    assert results["kubernetes-config"].status == "fail"
    assert results["default-auth-providers-disabled"].status == "fail"


def test_a_config_name_that_does_not_exist_is_one_sentence(tmp_path):
    root = make_repo(tmp_path)
    info = repo_mod.inspect(root, run_tools=False)
    configs = configset.load(root, ["app-config.local.yaml"], tolerant=True)
    r = {x.id: x for x in checks.run_checks(info, configs)}["config-valid"]
    assert_status(r, "fail", "config-invalid")
    assert r.summary == f"app-config.local.yaml does not exist in {root}; check the --config names"
    assert r.detail == ""  # not the same sentence twice


def test_config_valid_ok_lists_the_merge_order(tmp_path):
    root = make_repo(tmp_path, local="a: 1\n", production="b: 2\n")
    r = run(root)["config-valid"]
    assert_status(r, "ok")
    assert r.detail == "merge order: app-config.yaml, app-config.local.yaml, app-config.production.yaml"


# ---------------------------------------------------------------------------------------------
# cluster-provider-module (only when spectrocloud.environments is configured)


def test_cluster_provider_module(tmp_path):
    assert run(make_repo(tmp_path))["cluster-provider-module"].status == "skip"
    answers = {"tenant": "t", "clusterProvider": {"name": "palette"}}
    root = configured(tmp_path / "a", answers)
    r = run(root)["cluster-provider-module"]
    assert_status(r, "fail", "install-cluster-provider")
    assert r.hint_vars["cmd"] == "yarn workspace backend add " + facts.CLUSTER_PROVIDER_PKG
    root = configured(tmp_path / "b", answers, backend_deps={facts.CLUSTER_PROVIDER_PKG: "^1.0.0"},
                      backend_adds=BACKEND_ADDS + [facts.AUTH_BACKEND_PKG, facts.CLUSTER_PROVIDER_PKG])
    assert_status(run(root)["cluster-provider-module"], "ok")
