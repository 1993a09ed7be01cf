"""The frontend half on every kind of app (wizard/core/frontend.py with the planner and apply):

- a legacy app (createApp from @backstage/app-defaults) is wired in packages/app/src/apis.ts, with no
  app.extensions entry and @backstage/plugin-kubernetes-react added to packages/app;
- a new-frontend app gets the in-app module by default (packages/app/src/modules/spectrocloud/index.ts,
  created, and added to createApp({ features }) in App.tsx), or the TeraSky packages when answered;
- clusters on other OIDC providers are kept (legacy, in-app) or make the TeraSky route refuse, naming them;
- the workspaces are found without backstage.role, and a half (no backend, no app) refuses everything.

Plans are made in-process; apply runs against the stand-in package manager (tests/support/tools.py),
which records its calls and adds dependencies as `yarn ... add` would.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.configs import DEFAULT_ANSWERS
from tests.support.files import snapshot
from tests.support.plans import make_plan
from tests.support.repos import make_repo
from tests.support.tools import Tools
from wizard.core import facts, frontend
from wizard.core.apply import apply_plan, undo_last
from wizard.core.plan import PlanError
from wizard.errors import BadInput

MODULE_REL = "packages/app/src/modules/spectrocloud/index.ts"
OKTA = """\
kubernetes:
  serviceLocatorMethod:
    type: multiTenant
  clusterLocatorMethods:
    - type: config
      clusters:
        - name: okta-cluster
          url: https://okta.example.com:6443
          authProvider: oidc
          oidcTokenProvider: okta
          skipTLSVerify: true
"""


def app_files(root: Path) -> dict:
    return {k: v for k, v in snapshot(root).items() if not k.startswith(".spectro-wizard/")}


def change(plan, rel):
    return next(c for c in plan.changes if c.rel == rel)


@pytest.fixture
def yarn(tools: Tools, monkeypatch: pytest.MonkeyPatch) -> Tools:
    tools.node("v22.11.0")
    tools.yarn("4.13.0")
    monkeypatch.setenv("PATH", f"{tools.path}:/usr/bin:/bin")
    return tools


# ------------------------------------------------------------------------------------------------
# new frontend system: the in-app module by default


def test_a_new_frontend_app_gets_the_in_app_module_by_default(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    plan = make_plan(root, skip_install=False)
    assert plan.frontend is not None and plan.frontend.kind == frontend.IN_APP
    assert "the TeraSky frontend packages are not on the public npm registry" in plan.frontend.why
    # only published Backstage packages: no TeraSky frontend package
    assert [s.packages for s in plan.installs] == [[facts.K8S_REACT_PKG, facts.LEGACY_CORE_APP_PKG], [facts.AUTH_BACKEND_PKG]]
    module = change(plan, MODULE_REL)
    assert module.created and module.kind == "module" and module.before == ""
    assert "export const spectroCloudKubernetesModule = createFrontendModule({" in module.after
    assert "name: 'auth-providers-with-spectrocloud'" in module.after  # never 'auth-providers' (facts §14)
    assert module.diff().startswith(f"--- /dev/null\n+++ b/{MODULE_REL}\n")
    tsx = change(plan, "packages/app/src/App.tsx")
    assert tsx.after == (
        "import { createApp } from '@backstage/frontend-defaults';\n"
        "import catalogPlugin from '@backstage/plugin-catalog/alpha';\n"
        "import { spectroCloudKubernetesModule } from './modules/spectrocloud';\n"
        "\n"
        "export default createApp({\n"
        "  features: [catalogPlugin, spectroCloudKubernetesModule],\n"
        "});\n")
    config = change(plan, "app-config.yaml").after
    assert "- api:kubernetes/auth-providers: false" in config  # the choice kept explicit (facts §14)


def test_the_added_backstage_package_is_pinned_to_what_the_lockfile_resolves(tmp_path: Path) -> None:
    lock = ('# yarn lockfile v1\n\n"@backstage/plugin-kubernetes-react@npm:^0.6.0":\n  version: 0.6.2\n'
            '  resolution: "@backstage/plugin-kubernetes-react@npm:0.6.2"\n')
    root = make_repo(tmp_path, yarn_lock=lock)
    plan = make_plan(root, skip_install=False)
    assert plan.installs[0].argv[-2:] == [f"{facts.K8S_REACT_PKG}@^0.6.2", facts.LEGACY_CORE_APP_PKG]
    assert plan.installs[0].packages == [facts.K8S_REACT_PKG, facts.LEGACY_CORE_APP_PKG]


def test_in_app_apply_is_complete_idempotent_and_undone_exactly(tmp_path: Path, yarn: Tools) -> None:
    root = make_repo(tmp_path, yarn_lock=None)
    before = app_files(root)
    plan = make_plan(root, skip_install=False, run_tools=True)
    result = apply_plan(plan)
    assert result.install_ok is True and not result.rolled_back
    assert (root / MODULE_REL).read_text(encoding="utf-8") == change(plan, MODULE_REL).after
    deps = json.loads((root / "packages/app/package.json").read_text())["dependencies"]
    assert facts.K8S_REACT_PKG in deps and facts.MODULE_PKG not in deps
    again = make_plan(root, skip_install=False, run_tools=True)
    assert again.empty, [c.rel for c in again.changes]
    undone = undo_last(root)
    assert MODULE_REL in undone.restored
    assert app_files(root) == before  # the module and the directories made for it are gone
    assert not (root / "packages/app/src/modules").exists()


def test_with_discovery_off_the_kubernetes_plugin_joins_the_features(tmp_path: Path) -> None:
    root = make_repo(tmp_path, app_config="app:\n  title: no discovery\n")
    plan = make_plan(root, skip_install=False)
    assert plan.frontend.kubernetes_feature and "package discovery is off" in plan.frontend.why
    tsx = change(plan, "packages/app/src/App.tsx").after
    assert "import kubernetesPlugin from '@backstage/plugin-kubernetes/alpha';" in tsx
    assert "features: [catalogPlugin, spectroCloudKubernetesModule, kubernetesPlugin]," in tsx


def test_the_terasky_packages_when_answered(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    plan = make_plan(root, {**DEFAULT_ANSWERS, "frontendWiring": "package"}, skip_install=False)
    assert plan.frontend.kind == frontend.PACKAGE
    assert plan.installs[0].packages == [facts.MODULE_PKG, facts.AUTH_FRONTEND_PKG]
    assert [c.rel for c in plan.changes] == ["app-config.yaml", "packages/backend/src/index.ts"]


def test_an_existing_module_file_that_is_not_the_wizards_is_never_overwritten(tmp_path: Path) -> None:
    root = make_repo(tmp_path, installed=(facts.AUTH_BACKEND_PKG,),
                     app_deps={facts.K8S_REACT_PKG: "^0.6.2", facts.LEGACY_CORE_APP_PKG: "^1.19.0"})
    (root / "packages/app/src/modules/spectrocloud").mkdir(parents=True)
    (root / MODULE_REL).write_text("export const mine = 1;\n", encoding="utf-8")
    plan = make_plan(root)
    assert MODULE_REL not in [c.rel for c in plan.changes]
    assert any("exists and is not the wizard's SpectroCloud module" in m for m in plan.manual)


# ------------------------------------------------------------------------------------------------
# legacy frontend system: apis.ts


def test_a_legacy_app_is_wired_in_apis_ts_without_an_extensions_entry(tmp_path: Path, yarn: Tools) -> None:
    root = make_repo(tmp_path, legacy=True, yarn_lock=None)
    before = app_files(root)
    plan = make_plan(root, skip_install=False, run_tools=True)
    assert plan.frontend.kind == frontend.APIS_TS
    assert [s.packages for s in plan.installs] == [[facts.K8S_REACT_PKG], [facts.AUTH_BACKEND_PKG]]
    apis = change(plan, "packages/app/src/apis.ts")
    assert apis.kind == "apis.ts"
    assert "oidcProviders:" in apis.after and "spectrocloud: spectroCloudAuthApi" in apis.after
    assert "okta: oktaAuthApi" in apis.after  # the plugin's five are kept
    assert "app:\n  extensions" not in change(plan, "app-config.yaml").after.replace("\r", "")
    assert "api:kubernetes/auth-providers" not in change(plan, "app-config.yaml").after
    assert apply_plan(plan).install_ok is True
    assert make_plan(root, skip_install=False, run_tools=True).empty
    undo_last(root)
    assert app_files(root) == before


def test_a_legacy_app_refuses_the_new_systems_wiring_answer(tmp_path: Path) -> None:
    root = make_repo(tmp_path, legacy=True)
    with pytest.raises(PlanError, match="frontendWiring: in-app is for the new frontend system"):
        make_plan(root, {**DEFAULT_ANSWERS, "frontendWiring": "in-app"})


def test_a_legacy_apis_ts_of_an_unusual_shape_is_left_with_the_lines_to_add(tmp_path: Path) -> None:
    root = make_repo(tmp_path, legacy=True, app_deps={facts.K8S_REACT_PKG: "^0.6.2"})
    (root / "packages/app/src/apis.ts").write_text("export { apis } from './shared/apis';\n", encoding="utf-8")
    plan = make_plan(root)
    assert "packages/app/src/apis.ts" not in [c.rel for c in plan.changes]
    (apis,) = [m for m in plan.manual if "apis.ts" in m]
    assert apis.startswith("packages/app/src/apis.ts")


# ------------------------------------------------------------------------------------------------
# clusters on other OIDC providers


def test_the_terasky_route_refuses_while_a_cluster_uses_another_oidc_provider(tmp_path: Path) -> None:
    root = make_repo(tmp_path, kubernetes=OKTA)
    with pytest.raises(PlanError) as exc:
        make_plan(root, {"tenant": "t", "frontendWiring": "package"})
    text = str(exc.value)
    assert "okta-cluster (okta, app-config.yaml:" in text
    assert "list them in `migrate`" in text and "frontendWiring: in-app" in text and "nothing was written" in text


def test_naming_the_cluster_in_migrate_switches_it(tmp_path: Path) -> None:
    root = make_repo(tmp_path, kubernetes=OKTA)
    plan = make_plan(root, {"tenant": "t", "frontendWiring": "package", "migrate": ["okta-cluster"]})
    assert "oidcTokenProvider: spectrocloud" in change(plan, "app-config.yaml").after
    assert any("oidcTokenProvider okta -> spectrocloud" in n for n in plan.notes)


def test_in_app_keeps_the_other_providers_and_says_so(tmp_path: Path) -> None:
    root = make_repo(tmp_path, kubernetes=OKTA)
    plan = make_plan(root, {"tenant": "t"})
    assert plan.frontend.kind == frontend.IN_APP
    note = next(n for n in plan.notes if n.startswith("clusters on other OIDC providers"))
    assert "kept working: okta-cluster (okta" in note
    assert "oidcTokenProvider: okta" in change(plan, "app-config.yaml").after  # untouched


def test_an_app_with_its_own_providers_factory_is_refused_with_the_fix(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    (root / "packages/app/src/apis.ts").write_text(
        "import { ApiBlueprint } from '@backstage/frontend-plugin-api';\n"
        "import { kubernetesAuthProvidersApiRef } from '@backstage/plugin-kubernetes-react';\n"
        "export const mine = ApiBlueprint.make({ name: 'auth-providers', "
        "params: d => d({ api: kubernetesAuthProvidersApiRef, deps: {}, factory: () => null as any }) });\n",
        encoding="utf-8")
    with pytest.raises(PlanError, match=r"packages/app/src/apis.ts registers kubernetesAuthProvidersApiRef itself"):
        make_plan(root)


# ------------------------------------------------------------------------------------------------
# the workspaces, package.json as Node reads it


def test_workspaces_are_found_without_backstage_role(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    for ws in ("app", "backend"):
        path = root / "packages" / ws / "package.json"
        data = json.loads(path.read_text())
        data.pop("backstage")
        path.write_text(json.dumps(data, indent=2) + "\n")
    plan = make_plan(root, skip_install=False)
    assert [s.workspace for s in plan.installs] == ["packages/app", "packages/backend"]


def test_no_backend_workspace_refuses_the_whole_setup(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    (root / "packages/backend/package.json").rename(root / "packages/backend/package.json.off")
    with pytest.raises(PlanError, match="no backend workspace found .*nothing was written"):
        make_plan(root)


@pytest.mark.parametrize("text, needle", [
    ('{\n  "name": "backend", // the backend\n  "version": "0.0.0"\n}\n', "packages/backend/package.json:2:22: invalid JSON"),
    ('{\n  "name": "backend",\n  "version": "0.0.0",\n}\n', "packages/backend/package.json:4:1: invalid JSON"),
])
def test_a_package_json_node_would_refuse_is_exit_2_naming_the_line(tmp_path: Path, text: str, needle: str) -> None:
    root = make_repo(tmp_path)
    (root / "packages/backend/package.json").write_text(text, encoding="utf-8")
    with pytest.raises(BadInput) as exc:
        make_plan(root)
    assert needle in str(exc.value) and ("comment" in str(exc.value) or "trailing comma" in str(exc.value))


def test_a_package_json_with_a_byte_order_mark_is_read_as_node_reads_it(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    path = root / "packages/backend/package.json"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    plan = make_plan(root, skip_install=False)
    assert [s.workspace for s in plan.installs][-1] == "packages/backend"


def test_an_app_without_backstage_json_is_found_by_repo_and_judged_by_its_packages(tmp_path: Path) -> None:
    """--repo names it: a Backstage monorepo (its root package.json uses @backstage/cli) without backstage.json
    is an app; its version is unknown, which warns (the registry check decides), it does not block."""
    from wizard.core import checks, configset
    from wizard.core import repo as repo_mod

    root = make_repo(tmp_path, version=None)
    (root / "backstage.json").unlink()
    data = json.loads((root / "package.json").read_text())
    data.setdefault("devDependencies", {})["@backstage/cli"] = "^0.36.6"
    (root / "package.json").write_text(json.dumps(data, indent=2) + "\n")
    assert repo_mod.find_root(root, explicit=True) == root.resolve()
    with pytest.raises(BadInput, match="looked for backstage.json"):
        repo_mod.find_root(root / "packages" / "app")  # without --repo: the nearest backstage.json, as before
    results = {r.id: r for r in checks.run_checks(repo_mod.inspect(root, run_tools=False), configset.load(root))}
    r = results["backstage-version"]
    assert r.status == "warn" and "@backstage/cli ^0.36.6" in r.detail
    assert make_plan(root).frontend.kind == frontend.IN_APP
