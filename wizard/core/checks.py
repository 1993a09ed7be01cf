"""`spectro-wizard check`: prerequisites and static config checks, each with a hint when not ok.

The checks only read. They work on a repo whose configs are broken too (config-valid reports the
broken file; the config checks then look at the files that did parse).
"""

from __future__ import annotations

import json
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nodesemver
from packaging.version import InvalidVersion, Version

from wizard.core import facts, frontend, safeio
from wizard.core.answers import CALLBACK_PATH, Answers, default_callback_url
from wizard.core.clusters import AuthState, cluster_inventory
from wizard.core.configset import ConfigSet
from wizard.core.envrefs import env_var_of
from wizard.core.migration import inventory as migration_inventory
from wizard.core.migration import render_inventory
from wizard.core.packages import install_command
from wizard.core.plan import auth_environment, extension_disabled, extension_id
from wizard.core.repo import RepoInfo
from wizard.core.results import CheckResult
from wizard.core.yamldoc import Node
from wizard.errors import WizardError

CHECK_IDS = (
    "config-valid", "backstage-version", "node-version", "yarn", "workspaces", "frontend-system",
    "auth-backend-module", "auth-frontend-plugin", "kubernetes-plugin", "kubernetes-auth-module",
    "default-auth-providers-disabled", "auth-provider-config", "kubernetes-config", "clusters-oidc",
    "other-oidc-providers", "cluster-provider-module",
)
# where the repo deploys Backstage (a backstage chart values file, a Red Hat Developer Hub Backstage CR):
# these two follow the others, only when the repo holds one
DEPLOYMENT_CHECK_IDS = ("deployment", "deployment-config-args")




@dataclass
class Context:
    repo: RepoInfo
    configs: ConfigSet

    @property
    def merged(self) -> dict[str, Any]:
        if not hasattr(self, "_merged"):
            self._merged = self.configs.merged()
        return self._merged

    def eff(self, *path: str) -> Any:
        node: Any = self.merged
        for k in path:
            if not isinstance(node, dict) or k not in node:
                return None
            node = node[k]
        return node

    @property
    def fe(self) -> frontend.FrontendState:
        """The app's frontend as it is (one inspection per check run)."""
        if not hasattr(self, "_fe"):
            self._fe = frontend.inspect(self.repo, self.configs)
        return self._fe

    @property
    def wiring(self) -> str | None:
        """The wiring the app has, else the one `apply` would choose with no answer (check knows no answers)."""
        if self.fe.wired is not None:
            return self.fe.wired
        if not hasattr(self, "_default_wiring"):
            self._default_wiring = frontend.decide(self.fe, Answers()).kind
        return self._default_wiring

    def add_cmd(self, workspace: str, pkg: str) -> str:
        """The command that adds `pkg` to a workspace with this repo's package manager (the one
        `apply` runs for the module)."""
        ws = next((p for p in self.repo.workspaces if p.rel == workspace), None)
        if ws is None:
            return f"yarn workspace {Path(workspace).name} add {pkg}"
        return install_command(self.repo, pkg, ws).display


def _ok(id: str, summary: str, detail: str = "", **data: Any) -> CheckResult:
    return CheckResult(id, "ok", summary, detail, None, data)


def _res(id: str, status: str, summary: str, detail: str, hint: str, hint_vars: dict[str, str] | None = None, **data: Any) -> CheckResult:
    return CheckResult(id, status, summary, detail, hint, data, hint_vars or {})  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------
# repo checks


def check_config_valid(ctx: Context) -> CheckResult:
    names = [f.rel for f in ctx.configs.files]
    if ctx.configs.errors:
        first = str(ctx.configs.errors[0])
        # "app-config.yaml:12:3: ..." -> "app-config.yaml cannot be loaded", the rest below it; an
        # error that names no position (a --config name that does not exist) is its own summary
        where = re.match(r"([^\s:]+\.ya?ml)(?::\d+)*: ", first)
        summary = f"{where.group(1)} cannot be loaded" if where else first
        detail = "\n".join(str(e) for e in ctx.configs.errors if str(e) != summary)
        return _res("config-valid", "fail", summary, detail, "config-invalid", {"error": first})
    return _ok("config-valid", f"{len(names)} config file(s) parse without duplicate keys", "merge order: " + ", ".join(names), files=names)


def check_backstage_version(ctx: Context) -> CheckResult:
    v = ctx.repo.backstage_version
    note = ctx.repo.version_note
    if ctx.repo.frontend_system == "pre-1.0" or note.startswith(facts.PRE_1_0_PKG):
        return _res("backstage-version", "fail", "Backstage before 1.0: far older than " + facts.MIN_BACKSTAGE,
                    note or ctx.repo.frontend_evidence, "backstage-upgrade", {"version": v or "0.x"})
    if v is None and note.startswith("no backstage.json"):
        return _res("backstage-version", "warn", "Backstage version unknown (no backstage.json)", note,
                    "backstage-upgrade", {"version": "unknown"})
    if v is None:
        return _res("backstage-version", "fail", "Backstage version unknown",
                    ctx.repo.backstage_json_error or "backstage.json has no version", "backstage-upgrade", {"version": "unknown"})
    try:
        ok = nodesemver.gte(v, facts.MIN_BACKSTAGE, loose=True)
    except (ValueError, TypeError):
        ok = False
    if ok:
        return _ok("backstage-version", f"Backstage {v} (needs >= {facts.MIN_BACKSTAGE})", "from backstage.json", version=v)
    if note:  # backstage.json is stale: the packages the module needs are there
        return _res("backstage-version", "warn", f"backstage.json says {v}, but the packages are newer", note,
                    "backstage-upgrade", {"version": v}, version=v)
    return _res("backstage-version", "fail", f"Backstage {v} is older than {facts.MIN_BACKSTAGE}",
                f"backstage.json says {v}; the SpectroCloud Kubernetes auth module needs {facts.MIN_BACKSTAGE} or later",
                "backstage-upgrade", {"version": v}, version=v)


def check_node(ctx: Context) -> CheckResult:
    run = ctx.repo.node
    engines = ctx.repo.engines_node
    if run is None:
        return CheckResult("node-version", "skip", "Node.js not checked", "tools were not run")
    if not run.ok or not run.version:
        return _res("node-version", "fail", "Node.js not found", run.error or "node --version failed", "node-install",
                    {"engines": engines or f">={facts.GUIDE_MIN_NODE}"})
    v = run.version
    try:
        below = nodesemver.lt(v, f"{facts.GUIDE_MIN_NODE}.0.0", loose=True)
    except (ValueError, TypeError):
        return _res("node-version", "warn", f"Node.js version {v!r} not understood", "node --version printed something unexpected",
                    "node-install", {"engines": engines or ""})
    if below:
        return _res("node-version", "fail", f"Node.js {v} is below {facts.GUIDE_MIN_NODE}",
                    "Backstage and the module need Node.js 18 or later", "node-install",
                    {"engines": engines or f">={facts.GUIDE_MIN_NODE}"}, version=v)
    if engines:
        valid = nodesemver.valid_range(engines, loose=True) is not None
        if not valid:
            return _res("node-version", "warn", f"Node.js {v}; engines.node {engines!r} is not a valid range",
                        "root package.json engines.node cannot be read as an npm semver range", "node-install",
                        {"engines": engines}, version=v)
        if not nodesemver.satisfies(v, engines, loose=True):
            return _res("node-version", "warn", f"Node.js {v} is outside the app's engines.node {engines!r}",
                        f"root package.json asks for node {engines}; create-app refuses other versions and Backstage "
                        "supports only the listed LTS lines. It may still run, but upgrade before reporting problems.",
                        "node-install", {"engines": engines}, version=v, engines=engines)
    return _ok("node-version", f"Node.js {v}" + (f" (engines.node {engines})" if engines else f" (>= {facts.GUIDE_MIN_NODE})"),
               "node --version", version=v, engines=engines)


def check_yarn(ctx: Context) -> CheckResult:
    y = ctx.repo.yarn
    if y is None:
        return CheckResult("yarn", "skip", "Yarn not checked", "tools were not run")
    if y.other_manager in ("npm", "pnpm"):
        return _ok("yarn", f"this repo uses {y.other_manager}, not Yarn", f"packageManager: {y.package_manager or 'from the lockfile'}")
    if not y.argv:
        pinned = y.package_manager.split("@", 1)[1].split("+")[0] if y.package_manager and "@" in y.package_manager else "stable"
        return _res("yarn", "fail", "no usable Yarn", y.problem or "yarn --version failed", "yarn-missing",
                    {"yarn_path": y.yarn_path or ".yarn/releases/yarn-<version>.cjs", "wanted": pinned})
    flavour = "Berry" if y.flavour == "berry" else "classic"
    how = shlex.join(y.argv)
    wanted = y.package_manager.split("@", 1)[1].split("+")[0] if y.package_manager and "@" in y.package_manager else None
    if wanted and y.version and _major(y.version) != _major(wanted):
        return _res("yarn", "warn", f"Yarn {y.version} runs, but package.json pins {y.package_manager}",
                    f"`{how} --version` says {y.version}", "yarn-missing",
                    {"yarn_path": y.yarn_path or "", "wanted": wanted}, version=y.version)
    return _ok("yarn", f"Yarn {y.version} ({flavour})", f"run as `{how}`", version=y.version, flavour=y.flavour, argv=y.argv)


def _major(version: str) -> int | None:
    try:
        return Version(version).major
    except InvalidVersion:
        return None


def check_workspaces(ctx: Context) -> CheckResult:
    """Which workspace is the app and which the backend, and every package.json Node can read."""
    r = ctx.repo
    if r.package_errors:
        return _res("workspaces", "fail", "a package.json Node would refuse", "; ".join(r.package_errors), "repo-layout")
    if r.app is None or r.backend is None:
        missing = [f"app: {r.app_evidence}"] if r.app is None else []
        missing += [f"backend: {r.backend_evidence}"] if r.backend is None else []
        return _res("workspaces", "fail", "the " + " and the ".join(m.split(":")[0] for m in missing) + " workspace not found",
                    "; ".join(missing), "repo-layout")
    return _ok("workspaces", f"app {r.app.rel}, backend {r.backend.rel}", f"app: {r.app_evidence}; backend: {r.backend_evidence}")


def check_frontend(ctx: Context) -> CheckResult:
    r, fe = ctx.repo, ctx.fe
    if r.frontend_system == "legacy":
        where = r.apis_ts.relative_to(r.root).as_posix() if r.apis_ts else "packages/app/src/apis.ts"
        done = ctx.fe.wired == frontend.APIS_TS
        return _ok("frontend-system", f"legacy frontend system: SpectroCloud {'is wired' if done else 'is wired by apply'} in {where}",
                   r.frontend_evidence)
    if r.frontend_system == "pre-1.0":
        return _res("frontend-system", "fail", "a Backstage app from before 1.0", r.frontend_evidence, "backstage-upgrade",
                    {"version": "0.x"})
    if r.frontend_system != "new":
        return _res("frontend-system", "warn", "frontend system not recognised", r.frontend_evidence, "frontend-discovery")
    wiring = ctx.wiring
    if wiring == frontend.IN_APP:
        how = "the in-app module joins createApp({ features }) in App.tsx"
        if fe.discovery != "all":
            how += " (package discovery is off: the Kubernetes plugin joins it too)"
        return _ok("frontend-system", f"new frontend system: {how}", r.frontend_evidence)
    packages = ctx.eff("app", "packages")
    if isinstance(packages, dict):
        inc, exc = packages.get("include"), packages.get("exclude")
        if isinstance(exc, list) and facts.MODULE_PKG in exc:
            return _res("frontend-system", "fail", "app.packages excludes the module", f"app.packages.exclude lists {facts.MODULE_PKG}",
                        "frontend-discovery")
        if isinstance(inc, list) and facts.MODULE_PKG not in inc:
            return _res("frontend-system", "warn", "app.packages.include does not list the module",
                        f"with an include list, only listed packages are discovered; add {facts.MODULE_PKG}", "frontend-discovery")
        return _ok("frontend-system", "new frontend system, package discovery on", r.frontend_evidence)
    if packages == "all":
        return _ok("frontend-system", "new frontend system, `app.packages: all` discovers the module", r.frontend_evidence)
    if fe.module_in_features:
        return _ok("frontend-system", "new frontend system, the module is listed in createApp({ features })", r.frontend_evidence)
    # a warning, not a failure: frontend-system blocks apply, and apply is what repairs it (in-app)
    return _res("frontend-system", "warn", "new frontend system, but package discovery is off",
                "app.packages is not `all`, so the TeraSky module is never loaded; the in-app wiring "
                "(frontendWiring: in-app) adds its module and the Kubernetes plugin to createApp({ features })",
                "frontend-discovery")


def _backend_module_result(ctx: Context, id: str, pkg: str, what: str, hint_missing: str) -> CheckResult:
    b = ctx.repo.backend
    if b is None:
        return _res(id, "fail", "no backend package found", "no workspace with backstage.role: backend", "repo-layout")
    index = ctx.repo.backend_index
    index_rel = index.relative_to(ctx.repo.root).as_posix() if index else f"{b.rel}/src/index.ts"
    add_line = f"backend.add(import('{pkg}'));"
    declared = b.has(pkg)
    added = pkg in ctx.repo.backend_added
    vars = {"cmd": ctx.add_cmd(b.rel, pkg), "index": index_rel, "line": add_line, "package": pkg}
    if declared and added:
        return _ok(id, f"{what} installed and added in {index_rel}", f"{b.rel}/package.json and {index_rel}")
    if declared:
        return _res(id, "fail", f"{what} is in package.json but not added to the backend",
                    f"{index_rel} has no (uncommented) `{add_line}`: the backend never loads it", hint_missing + "-wiring", vars)
    if added:
        return _res(id, "fail", f"{what} is added in {index_rel} but not a dependency",
                    f"{b.rel}/package.json does not list {pkg}: the backend will fail to start", hint_missing, vars)
    return _res(id, "fail", f"{what} missing", f"{b.rel}/package.json does not list {pkg}", hint_missing, vars)


def check_auth_backend(ctx: Context) -> CheckResult:
    return _backend_module_result(ctx, "auth-backend-module", facts.AUTH_BACKEND_PKG, "SpectroCloud auth backend module",
                                  "install-auth-backend")


def check_cluster_provider(ctx: Context) -> CheckResult:
    """Only when the config has spectrocloud.environments: the cluster provider must be installed."""
    envs = ctx.eff("spectrocloud", "environments")
    if not envs:
        return CheckResult("cluster-provider-module", "skip", "no SpectroCloud cluster provider configured",
                           "spectrocloud.environments is not set; clusters come from kubernetes.clusterLocatorMethods")
    return _backend_module_result(ctx, "cluster-provider-module", facts.CLUSTER_PROVIDER_PKG,
                                  "SpectroCloud cluster provider", "install-cluster-provider")


def _not_needed(id: str, why: str) -> CheckResult:
    return CheckResult(id, "skip", why, "", None, {})


def check_auth_frontend(ctx: Context) -> CheckResult:
    app = ctx.repo.app
    if app is None:
        return _res("auth-frontend-plugin", "fail", "no frontend package found", "no workspace with backstage.role: frontend",
                    "repo-layout")
    if ctx.wiring == frontend.APIS_TS:
        return _not_needed("auth-frontend-plugin", "not needed: the legacy wiring registers the SpectroCloud auth API in apis.ts")
    if ctx.wiring == frontend.IN_APP:
        return _not_needed("auth-frontend-plugin", "not needed: the in-app module registers the SpectroCloud auth API itself")
    if app.has(facts.AUTH_FRONTEND_PKG):
        return _ok("auth-frontend-plugin", "SpectroCloud auth frontend plugin installed", f"{app.rel}/package.json")
    return _res("auth-frontend-plugin", "fail", "SpectroCloud auth frontend plugin missing",
                f"{app.rel}/package.json does not list {facts.AUTH_FRONTEND_PKG}; the module depends on it for the sign-in",
                "install-auth-frontend", {"cmd": ctx.add_cmd(app.rel, facts.AUTH_FRONTEND_PKG)})


def check_kubernetes_plugin(ctx: Context) -> CheckResult:
    app, b = ctx.repo.app, ctx.repo.backend
    missing = []
    if app is None or not app.has(facts.K8S_FRONTEND_PKG):
        missing.append(f"{facts.K8S_FRONTEND_PKG} in {app.rel if app else 'the app'}")
    if b is None or not b.has(facts.K8S_BACKEND_PKG):
        missing.append(f"{facts.K8S_BACKEND_PKG} in {b.rel if b else 'the backend'}")
    elif facts.K8S_BACKEND_PKG not in ctx.repo.backend_added:
        missing.append(f"backend.add(import('{facts.K8S_BACKEND_PKG}')) in the backend's src/index.ts")
    if not missing:
        return _ok("kubernetes-plugin", "Kubernetes plugin installed (frontend and backend)", "")
    cmds = []
    if app is not None and not app.has(facts.K8S_FRONTEND_PKG):
        cmds.append(ctx.add_cmd(app.rel, facts.K8S_FRONTEND_PKG))
    if b is not None and not b.has(facts.K8S_BACKEND_PKG):
        cmds.append(ctx.add_cmd(b.rel, facts.K8S_BACKEND_PKG))
    return _res("kubernetes-plugin", "fail", "Kubernetes plugin incomplete", "missing: " + "; ".join(missing),
                "install-kubernetes-plugin", {"cmd": " && ".join(cmds) or "(packages present)"})


def check_module(ctx: Context) -> CheckResult:
    app = ctx.repo.app
    if app is None:
        return _res("kubernetes-auth-module", "fail", "no frontend package found", "", "repo-layout")
    wrong = [p.rel for p in ctx.repo.workspaces if p.has(facts.GUIDE_WRONG_MODULE_PKG)]
    cmd = ctx.add_cmd(app.rel, facts.MODULE_PKG)
    if wrong:
        return _res("kubernetes-auth-module", "fail", "the guide's wrong package name is in package.json",
                    f"{', '.join(w + '/package.json' for w in wrong)} lists {facts.GUIDE_WRONG_MODULE_PKG}, which does not exist; "
                    f"the module is {facts.MODULE_PKG}", "wrong-package-name", {"cmd": cmd, "wrong": facts.GUIDE_WRONG_MODULE_PKG})
    fe, r = ctx.fe, ctx.repo
    if ctx.wiring == frontend.APIS_TS:
        where = r.apis_ts.relative_to(r.root).as_posix() if r.apis_ts else f"{app.rel}/src/apis.ts"
        if fe.wired == frontend.APIS_TS:
            return _ok("kubernetes-auth-module", f"{where} registers the SpectroCloud auth API and offers it to the Kubernetes plugin",
                       "the legacy wiring: two API factories (facts, section 10)")
        return _res("kubernetes-auth-module", "fail", f"{where} does not register the SpectroCloud auth API yet",
                    "a legacy app offers SpectroCloud to the Kubernetes plugin through two API factories in apis.ts",
                    "frontend-legacy")
    if ctx.wiring == frontend.IN_APP:
        module = f"{app.rel}/{frontend.MODULE_FILE}"
        if fe.wired == frontend.IN_APP:
            return _ok("kubernetes-auth-module", f"the in-app SpectroCloud module ({module}) is in createApp({{ features }})", "")
        return _res("kubernetes-auth-module", "fail", "the in-app SpectroCloud module is not wired yet",
                    f"{module} and its place in createApp({{ features }}) in App.tsx", "frontend-in-app")
    in_backend = [p.rel for p in ctx.repo.workspaces if p.has(facts.MODULE_PKG) and p is not app]
    if app.has(facts.MODULE_PKG):
        installed = (ctx.repo.root / "node_modules" / facts.MODULE_PKG).is_dir() or (app.dir / "node_modules" / facts.MODULE_PKG).is_dir()
        detail = f"{app.rel}/package.json" + ("" if installed else "; not yet in node_modules (run yarn install)")
        if in_backend:
            return _res("kubernetes-auth-module", "warn", "module installed, also listed in another workspace",
                        f"{', '.join(in_backend)} also lists it; it is a frontend module and belongs in {app.rel} only",
                        "install-module", {"cmd": cmd})
        return _ok("kubernetes-auth-module", "SpectroCloud Kubernetes auth module installed", detail, installed=installed)
    return _res("kubernetes-auth-module", "fail", "SpectroCloud Kubernetes auth module not installed",
                f"{app.rel}/package.json does not list {facts.MODULE_PKG}", "install-module", {"cmd": cmd})


# ------------------------------------------------------------------------------------------------
# config checks


def validate_extension_entry(item: Node) -> str | None:
    """Why Backstage would reject this `app.extensions` entry, or None (rules of the facts, §2)."""
    item = item.resolved
    if item.kind == "scalar":
        v = item.to_python()
        if not isinstance(v, str) or not v:
            return "an entry must be an extension ID or a map with one key"
        if v != v.strip():
            return f"extension ID {v!r} has surrounding spaces"
        return None
    if item.kind != "map":
        return "an entry must be an extension ID or a map with one key"
    if len(item.pairs) != 1:
        return f"must have exactly one key (has {len(item.pairs)})"
    key = item.pairs[0][0].to_python()
    if not isinstance(key, str) or not key.strip():
        return "the extension ID is empty"
    if key != key.strip():
        return f"extension ID {key!r} has surrounding spaces"
    value = item.pairs[0][1].resolved.to_python()
    if value is None or isinstance(value, bool) or value in ("true", "false"):
        return None
    if isinstance(value, dict):
        unknown = set(value) - {"attachTo", "disabled", "config"}
        if unknown:
            return f"unknown parameter {sorted(unknown)[0]!r} (allowed: attachTo, disabled, config)"
        if "disabled" in value and value["disabled"] not in (True, False, "true", "false"):
            return "disabled must be true or false"
        if "config" in value and value["config"] is not None and not isinstance(value["config"], dict):
            return "config must be a map"
        if "attachTo" in value:
            at = value["attachTo"]
            if not isinstance(at, dict) or not at.get("id") or not at.get("input"):
                return "attachTo must be a map with non-empty id and input"
        return None
    return f"value must be true/false, null or a map, not {value!r}"


def check_extensions(ctx: Context) -> CheckResult:
    if ctx.wiring == frontend.APIS_TS:
        return _not_needed("default-auth-providers-disabled",
                           "not used by a legacy app: its apis.ts factory replaces the plugin's default providers")
    files = [f for f in ctx.configs.files if f.doc.node_at(["app", "extensions"]) is not None]
    problems: list[str] = []
    guide_at: list[str] = []
    correct_at: list[str] = []
    enabled_at: list[str] = []
    for f in files:
        seq = f.doc.node_at(["app", "extensions"])
        assert seq is not None
        if seq.is_null():
            continue
        if seq.kind != "seq":
            problems.append(f"{f.rel}:{seq.line + 1}: app.extensions must be a list")
            continue
        for it in seq.items:
            where = f"{f.rel}:{it.line + 1}"
            eid = extension_id(it)
            if eid == facts.GUIDE_EXTENSION_ID:
                guide_at.append(where)
                continue
            why = validate_extension_entry(it)
            if why:
                problems.append(f"{where}: {why}")
            if eid == facts.EXTENSION_ID:
                (correct_at if extension_disabled(it) else enabled_at).append(where)
    note = _installed_extension_name(ctx)
    if guide_at:
        return _res("default-auth-providers-disabled", "fail" if problems else "warn",
                    "the guide's extension ID is in app.extensions (a start-up warning; apply repairs it)",
                    f"{', '.join(guide_at)}: `{facts.GUIDE_EXTENSION_ID}` is the API ref's ID, not an extension: the frontend "
                    f"warns at start-up (INVALID_EXTENSION_CONFIG_KEY) and ignores it; the app and the Kubernetes tab still "
                    f"work. The extension is `{facts.EXTENSION_ID}`." + note
                    + ("\nOther entries Backstage rejects: " + "; ".join(problems) if problems else ""),
                    "guide-extension-id", {"where": ", ".join(guide_at)})
    if problems:
        return _res("default-auth-providers-disabled", "fail", "app.extensions has entries Backstage rejects",
                    "; ".join(problems), "invalid-extension-entry", {"where": problems[0]})
    if correct_at and not enabled_at:
        return _ok("default-auth-providers-disabled", f"`{facts.EXTENSION_ID}` is disabled", ", ".join(correct_at) + note)
    if enabled_at:
        return _res("default-auth-providers-disabled", "fail", f"`{facts.EXTENSION_ID}` is listed but enabled",
                    ", ".join(enabled_at) + ": set it to false", "disable-default-auth-providers", {})
    return _res("default-auth-providers-disabled", "fail", "the default Kubernetes auth providers are not disabled",
                f"no `- {facts.EXTENSION_ID}: false` in app.extensions: which auth-providers API wins would depend on load order" + note,
                "disable-default-auth-providers", {})


def _installed_extension_name(ctx: Context) -> str:
    """When the Kubernetes plugin is installed, read the extension's name from its own code."""
    candidates = [ctx.repo.root / "node_modules" / facts.K8S_FRONTEND_PKG / "dist" / "alpha" / "apis.esm.js"]
    if ctx.repo.app is not None:
        candidates.append(ctx.repo.app.dir / "node_modules" / facts.K8S_FRONTEND_PKG / "dist" / "alpha" / "apis.esm.js")
    for path in candidates:
        if not path.is_file():
            continue
        src = safeio.try_read_repo_text(ctx.repo.root, path, safeio.SOURCE_CAP)
        if src is None:
            continue
        names = re.findall(r"""name:\s*["']([\w-]*auth-providers[\w-]*)["']""", src)
        if names:
            if "auth-providers" in names:
                return f" (confirmed in {path.relative_to(ctx.repo.root).as_posix()}: name \"auth-providers\")"
            return f" (note: {path.relative_to(ctx.repo.root).as_posix()} names it {names[0]!r}: the ID may differ in this version)"
    return ""


def check_auth_provider(ctx: Context) -> CheckResult:
    env = auth_environment(ctx.configs, Answers())  # the same rule as the plan (a ${VAR} -> development)
    provider = ctx.eff("auth", "providers", facts.PROVIDER)
    where = f"auth.providers.{facts.PROVIDER}.{env}"
    if not isinstance(provider, dict) or not isinstance(provider.get(env), dict):
        others = sorted(provider) if isinstance(provider, dict) else []
        extra = f" (it has {', '.join(others)}; auth.environment is {env})" if others else ""
        return _res("auth-provider-config", "fail", f"{where} is not configured", f"no {where} in the config files{extra}",
                    "configure-auth-provider", {"env": env}, environment=env)
    cfg = provider[env]
    missing = [k for k in ("clientId", "clientSecret", "authorizationUrl") if not cfg.get(k)]
    if "callbackUrl" in cfg and not cfg.get("callbackUrl"):
        missing.append("callbackUrl")  # present but empty: Backstage would use "" instead of its default
    if missing:
        return _res("auth-provider-config", "fail", f"{where} is incomplete", "missing: " + ", ".join(missing),
                    "configure-auth-provider", {"env": env}, environment=env, missing=missing)
    warnings: list[str] = []
    for key in ("clientId", "clientSecret"):
        v = cfg.get(key)
        var = env_var_of(v)
        if var is not None:
            if var not in os.environ:
                warnings.append(f"{key} reads ${{{var}}}, which is not set in this shell; where it is not set either, the "
                                "backend starts but logs 'Skipping spectrocloud auth provider' and sign-in answers 404"
                                if key == "clientId" else
                                f"{key} reads ${{{var}}}, which is not set in this shell; where it is not set either, "
                                "sign-in fails at the callback with 401 invalid_client")
        elif key == "clientSecret":
            warnings.append("clientSecret is a literal value in the config (shown masked); reference an environment variable instead")
    auth_url = str(cfg.get("authorizationUrl"))
    if "/auth" in auth_url and not auth_url.rstrip("/").endswith("/auth") or auth_url.count("/auth") > 1:
        token = auth_url.replace("/auth", "/token", 1)
        warnings.append(
            f"authorizationUrl has '/auth' before its end: the module derives its token endpoint as {token}, which is likely wrong"
        )
    base = ctx.eff("backend", "baseUrl")
    explicit = cfg.get("callbackUrl")
    cb = str(explicit) if explicit else default_callback_url(base if isinstance(base, str) else None) + " (Backstage's default)"
    if explicit and isinstance(base, str) and "${" not in base and cb != base.rstrip("/") + CALLBACK_PATH:
        warnings.append(f"callbackUrl {cb} is not backend.baseUrl + {CALLBACK_PATH} ({base.rstrip('/')}{CALLBACK_PATH})")
    if warnings:
        return _res("auth-provider-config", "warn", f"{where} configured, with problems", "\n".join(warnings),
                    "auth-provider-values", {"env": env}, environment=env)
    return _ok("auth-provider-config", f"{where} configured", f"authorizationUrl {auth_url}, callbackUrl {cb}", environment=env)


def check_kubernetes_config(ctx: Context) -> CheckResult:
    kube_backend = ctx.repo.backend is not None and facts.K8S_BACKEND_PKG in ctx.repo.backend_added
    flat = [f"{f.rel}:{f.doc.node_at(['kubernetes', 'clusters']).line + 1}" for f in ctx.configs.files  # type: ignore[union-attr]
            if f.doc.node_at(["kubernetes", "clusters"]) is not None]
    if flat:
        return _res("kubernetes-config", "fail", "the guide's flat kubernetes.clusters is not read by Backstage",
                    f"{', '.join(flat)}: Backstage reads clusters from kubernetes.clusterLocatorMethods[type: config].clusters; "
                    "with the flat form the backend fails: Missing required config value at 'kubernetes.clusterLocatorMethods'",
                    "guide-flat-clusters", {"where": flat[0]})
    kube = ctx.eff("kubernetes")
    slm = ctx.eff("kubernetes", "serviceLocatorMethod", "type")
    clm = ctx.eff("kubernetes", "clusterLocatorMethods")
    problems = []
    if kube_backend or isinstance(kube, dict):
        if not slm:
            problems.append("kubernetes.serviceLocatorMethod.type is missing (the backend fails: Missing required config value at "
                            "'kubernetes.serviceLocatorMethod.type')")
        if not clm:
            problems.append("kubernetes.clusterLocatorMethods is missing (the backend fails: Missing required config value at "
                            "'kubernetes.clusterLocatorMethods')")
        elif not isinstance(clm, list):
            problems.append("kubernetes.clusterLocatorMethods must be a list")
    if problems:
        return _res("kubernetes-config", "fail", "the kubernetes config is incomplete: the backend will not start",
                    "\n".join(problems), "kubernetes-config-shape", {})
    if not kube_backend and kube is None:
        return CheckResult("kubernetes-config", "skip", "no kubernetes config and no kubernetes backend", "")
    return _ok("kubernetes-config", "kubernetes.serviceLocatorMethod and clusterLocatorMethods present", f"serviceLocatorMethod: {slm}")


def check_clusters(ctx: Context) -> CheckResult:
    inv = cluster_inventory(ctx.configs)
    envs = inv["environments"]
    # a cluster defined in several files is one cluster (each file's list replaces the other's)
    seen: set[str] = set()
    clusters: list[dict[str, Any]] = []
    for c in inv["clusters"]:
        if c["name"] not in seen:
            seen.add(c["name"])
            clusters.append(c)
    by_state: dict[str, list[dict[str, Any]]] = {s.value: [] for s in AuthState}
    for c in clusters:
        by_state[c["state"]].append(c)
    on_oidc = [c["name"] for c in by_state[AuthState.SPECTROCLOUD.value]]
    sa = by_state[AuthState.SERVICE_ACCOUNT.value]
    no_tp = [c["name"] for c in by_state[AuthState.NO_TOKEN_PROVIDER.value]]
    other_oidc = [c["name"] for c in by_state[AuthState.OTHER_OIDC.value]]
    others = [f"{c['name']} ({c['authProvider']})" for c in by_state[AuthState.OTHER.value]]
    env_oidc = [e["name"] for e in envs if e["authType"] == "oidc"]
    env_sa = [e for e in envs if e["authType"] != "oidc"]
    data = {"oidc": on_oidc, "serviceAccount": [c["name"] for c in sa], "unchanged": others, "inventory": inv}
    lines = []
    if on_oidc:
        lines.append("on SpectroCloud OIDC: " + ", ".join(on_oidc))
    if env_oidc:
        lines.append("cluster provider in OIDC mode: " + ", ".join(str(n) for n in env_oidc))
    if sa:
        lines.append("still on service accounts: " + ", ".join(
            c["name"] + (f" (token in ${{{c['tokenEnv']}}})" if c["tokenEnv"] else " (literal token)" if c["literalToken"] else "")
            for c in sa))
    if env_sa:
        lines.append("cluster provider environments in serviceAccount mode: " + ", ".join(str(e["name"]) for e in env_sa))
    if others:
        lines.append("other providers, left as they are: " + ", ".join(others))
    if other_oidc:
        lines.append("OIDC with another token provider, left as they are: " + ", ".join(other_oidc))
    if sa or env_sa:
        # the migration inventory: token variables, what the cluster provider created in each cluster
        lines.append("Inventory:")
        lines.append(render_inventory(migration_inventory(ctx.configs, inv)))
    detail = "\n".join(lines)
    if no_tp:
        return _res("clusters-oidc", "fail", "oidc cluster(s) without oidcTokenProvider: " + ", ".join(no_tp),
                    detail + "\nthe backend rejects them: Must specify a token provider for 'oidc' strategy",
                    "cluster-token-provider", {"names": ", ".join(no_tp)}, **data)
    if not on_oidc and not env_oidc:
        if not sa and not env_sa:
            return _res("clusters-oidc", "fail", "no cluster uses SpectroCloud OIDC yet", detail or "no clusters configured",
                        "add-clusters", {}, **data)
        names = [c["name"] for c in sa] + [str(e["name"]) for e in env_sa]
        return _res("clusters-oidc", "fail", "no cluster uses SpectroCloud OIDC yet", detail,
                    "clusters-not-oidc", {"names": ", ".join(names)}, **data)
    if sa or env_sa:
        names = [c["name"] for c in sa] + [str(e["name"]) for e in env_sa]
        return _res("clusters-oidc", "warn",
                    f"{len(on_oidc) + len(env_oidc)} on SpectroCloud OIDC, {len(names)} still on service accounts: " + ", ".join(names),
                    detail + "\nmixed mode works; migrate the rest when ready (migrate: [names] in the answers)",
                    "clusters-not-oidc", {"names": ", ".join(names)}, **data)
    return _ok("clusters-oidc", f"{len(on_oidc) + len(env_oidc)} cluster source(s) on SpectroCloud OIDC", detail, **data)


# ------------------------------------------------------------------------------------------------


def check_other_oidc(ctx: Context) -> CheckResult:
    """Clusters on other OIDC token providers, and what the frontend wiring does to them (facts §11)."""
    others = ctx.fe.other_oidc
    if not others:
        return _ok("other-oidc-providers", "no cluster on another OIDC token provider", "")
    names = ", ".join(o.label() for o in others)
    if ctx.wiring == frontend.PACKAGE:
        status = "fail" if ctx.fe.wired == frontend.PACKAGE else "warn"
        return _res("other-oidc-providers", status,
                    f"{len(others)} cluster(s) on other OIDC providers, which the TeraSky module drops",
                    f"{names}: the TeraSky Kubernetes auth module offers spectrocloud alone, so these clusters stop "
                    "loading (one of them can empty the whole Kubernetes tab)", "other-oidc-providers", {"clusters": names})
    note = frontend.kept_note(others, ctx.fe.apis_providers) or names
    if "not served" in note:  # a custom provider name the app's providers do not know
        return _res("other-oidc-providers", "warn", f"{len(others)} cluster(s) on other OIDC providers", note,
                    "other-oidc-providers", {"clusters": names})
    return _ok("other-oidc-providers", f"{len(others)} cluster(s) on other OIDC providers, kept", note)


ALL_CHECKS = (
    check_config_valid, check_backstage_version, check_node, check_yarn, check_workspaces, check_frontend,
    check_auth_backend, check_auth_frontend, check_kubernetes_plugin, check_module,
    check_extensions, check_auth_provider, check_kubernetes_config, check_clusters, check_other_oidc,
    check_cluster_provider,
)


# Failures the wizard cannot repair: going on would write a setup that cannot work.
BLOCKING = ("backstage-version", "node-version", "workspaces", "frontend-system")


# Failures an apply repairs: the packages it adds and wires, the config it writes. Anything else that
# fails (no usable Yarn, a broken config file, Backstage's Kubernetes plugin missing) is the user's.
FIXED_BY_APPLY = frozenset({
    "auth-backend-module", "auth-frontend-plugin", "kubernetes-auth-module", "cluster-provider-module",
    "default-auth-providers-disabled", "auth-provider-config", "kubernetes-config", "clusters-oidc",
    "other-oidc-providers",  # the in-app wiring keeps them (Review offers it), or `migrate` switches them
    "deployment",  # the Production step picks the deployment and the plan writes what it loads
})


# ------------------------------------------------------------------------------------------------
# production: the deployments the repo holds


def deployment_checks(ctx: Context) -> list[CheckResult]:
    """`deployment` and `deployment-config-args`, when the repo holds a chart values file or an RHDH CR."""
    from wizard.core import deployment as dep

    yaml = dep.RepoYaml(ctx.repo.root)
    found = dep.find(ctx.repo.root, yaml)
    if not found:
        return []
    return [check_deployment(ctx, found, yaml), check_config_args(ctx, found)]


def check_deployment(ctx: Context, found: list[Any], yaml: Any) -> CheckResult:
    from wizard.core import deployment as dep

    root = ctx.repo.root
    lines: list[str] = []
    worst = "ok"
    hint: str | None = None
    vars_: dict[str, str] = {}
    summaries: list[str] = []
    rank = {"ok": 0, "warn": 1, "fail": 2}
    for t in found:
        try:
            prod, sources, _ = dep.production_configs(root, t, yaml)
        except WizardError as exc:
            lines.append(f"{t.where()}: {exc}")
            worst, hint = "fail", "deployment-config"
            continue
        env = auth_environment(prod, Answers())
        provider = prod.effective(["auth", "providers", facts.PROVIDER, env])
        lines.append(f"{t.where()}: Backstage loads, in order: " + "; ".join(s.describe() for s in sources))
        lines.append(f"  auth environment there: {env}")
        unseen = [s.describe() for s in sources if not s.found]
        if unseen:
            lines.append("  loaded but not in the repo (not checked): " + "; ".join(unseen))
        if not isinstance(provider, dict):
            status, why = "fail", f"no auth.providers.{facts.PROVIDER}.{env} in what it loads"
            h = "deployment-config"
        else:
            needed = [v for v in (env_var_of(provider.get("clientId")), env_var_of(provider.get("clientSecret"))) if v]
            given = t.env_vars
            missing = [v for v in needed if v not in given]
            secrets = t.env_secrets
            key = "backstage.extraEnvVarsSecrets" if t.kind == dep.HELM else "spec.application.extraEnvs.secrets"
            if missing and not secrets:
                status, h = "warn", "deployment-secrets"
                why = (f"auth.providers.{facts.PROVIDER}.{env} reads {', '.join('${' + v + '}' for v in missing)}, but the "
                       f"pod gets no Secret ({key} is empty), so the backend skips the provider (404 misconfigured)")
                vars_ = {"secret_key": key, "file": t.rel, "vars": ", ".join(missing)}
            else:
                status, h = "ok", None
                why = (f"auth.providers.{facts.PROVIDER}.{env} configured; "
                       + (f"its variables come from Secret(s) {', '.join(secrets)} (not looked into)" if missing
                          else "its variables are set in the pod spec"))
        lines.append(f"  {why}")
        summaries.append(f"{t.rel}: {why}" if status != "ok" else f"{t.rel}: configured")
        if rank[status] > rank[worst]:
            worst, hint = status, h
    summary = ("deployment: " + "; ".join(summaries)) if len(summaries) == 1 else \
        f"{len(found)} deployments: " + "; ".join(summaries)
    data = {"targets": [{"kind": t.kind, "file": t.rel} for t in found]}
    if worst == "ok":
        return _ok("deployment", summary, "\n".join(lines), **data)
    return _res("deployment", worst, summary, "\n".join(lines), hint or "deployment-config",
                vars_ or {"file": found[0].rel}, **data)


def check_config_args(ctx: Context, found: list[Any]) -> CheckResult:
    from wizard.core import deployment as dep

    root = ctx.repo.root
    helm = [t for t in found if t.kind == dep.HELM]
    if not helm:
        return CheckResult("deployment-config-args", "skip", "Red Hat Developer Hub runs its own image",
                           "the --config trap is the backstage chart's: RHDH loads its ConfigMaps after its own defaults")
    traps = [(t, dep.trap(t, root)) for t in helm]
    bad = [(t, tr) for t, tr in traps if tr is not None]
    if not bad:
        loaded = {s.rel for t in helm for s in t.sources(root) if s.kind == "image"}
        return _ok("deployment-config-args", "the chart loads the image's app-configs: " + ", ".join(sorted(loaded)),
                   "; ".join(f"{t.rel}: --config " + ", ".join(t.config_args() or ["(Backstage's defaults)"]) for t in helm))
    t, tr = bad[0]
    assert tr is not None
    words = ", ".join(json.dumps(w) for n in tr.missing for w in ("--config", n))
    return _res("deployment-config-args", "warn",
                f"{t.rel}: {', '.join(tr.missing)} in the image {'is' if len(tr.missing) == 1 else 'are'} not loaded in "
                "production (the --config trap)",
                "\n".join(x.sentence for _, x in bad), "deployment-config-args",
                {"file": t.rel, "args": words, "missing": ", ".join(tr.missing)})


def blockers(results: list[CheckResult]) -> list[CheckResult]:
    """The failed prerequisites that stop the flow (a legacy frontend, Backstage too old, no Node)."""
    return [r for r in results if r.id in BLOCKING and r.status == "fail"]


def run_checks(repo: RepoInfo, configs: ConfigSet) -> list[CheckResult]:
    ctx = Context(repo, configs)
    return [fn(ctx) for fn in ALL_CHECKS] + deployment_checks(ctx)


__all__ = ["CHECK_IDS", "DEPLOYMENT_CHECK_IDS", "run_checks", "validate_extension_entry"]
