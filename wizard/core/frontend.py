"""The frontend half of the setup: which frontend system the app runs, how the wizard wires SpectroCloud
into it, and what that does to clusters on other OIDC providers.

Three wirings, each proven in a real browser (facts, sections 9, 10 and 14):

- `apis.ts` (legacy frontend system: `createApp` from @backstage/app-defaults): two API factories in
  packages/app/src/apis.ts — the `auth.spectrocloud` OAuth2 API and the Kubernetes auth providers with
  spectrocloud added to the plugin's five. Only published Backstage packages.
- `in-app` (new frontend system): a frontend module the wizard writes into the app
  (src/modules/spectrocloud/index.ts) with the same two APIs as ApiBlueprint extensions, added to
  `createApp({ features })` in App.tsx. Only published Backstage packages; keeps the other providers.
- `package` (new frontend system): the TeraSky Kubernetes auth module and auth frontend plugin from the
  registry. The module's factory offers spectrocloud ALONE (facts, section 11): a cluster on
  okta/google/microsoft/gitlab/onelogin stops loading, and one such cluster can empty the whole
  Kubernetes tab. The TeraSky frontend packages are not on the public npm registry.

The default (`frontendWiring` not answered) is `apis.ts` for a legacy app, and for a new-frontend app
`in-app` — it works on every registry that mirrors npm and keeps other providers — unless the app
already declares the TeraSky frontend packages and has no cluster on another OIDC provider.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard.core import facts, safeio
from wizard.core.answers import Answers
from wizard.core.clusters import AuthState, config_clusters, effective_cluster_files
from wizard.core.configset import ConfigSet
from wizard.core.repo import RepoInfo

PACKAGE, IN_APP, APIS_TS = "package", "in-app", "apis.ts"
WIRINGS = (PACKAGE, IN_APP)  # what an answers file may choose (a legacy app has one way: apis.ts)

MODULE_DIR = "src/modules/spectrocloud"
MODULE_FILE = f"{MODULE_DIR}/index.ts"


@dataclass(frozen=True)
class OtherOidc:
    """A cluster on `authProvider: oidc` with another token provider than spectrocloud."""

    cluster: str
    provider: str
    file: str
    line: int

    @property
    def known_to_plugin(self) -> bool:
        """One of the Kubernetes plugin's own five providers (a custom name needs the app's own factory)."""
        return self.provider in facts.PLUGIN_OIDC_PROVIDERS

    def label(self) -> str:
        return f"{self.cluster} ({self.provider}, {self.file}:{self.line})"


@dataclass
class FrontendState:
    """What the repo's frontend holds now (check reads it; the plan decides from it)."""

    system: str  # "new" | "legacy" | "pre-1.0" | "unknown"
    evidence: str
    app_rel: str | None
    app_tsx: Path | None
    apis_ts: Path | None
    module_path: Path | None  # where the in-app module lives (or would)
    discovery: str  # "all" | "include" | "off" (new frontend only; "n/a" for legacy)
    discovery_includes: list[str] = field(default_factory=list)
    features: list[str] | None = None  # the identifiers in createApp({ features: [...] }) (None: unreadable)
    wired: str | None = None  # the wiring found in the repo: PACKAGE | IN_APP | APIS_TS | None
    apis_providers: list[str] | None = None  # the oidcProviders of the app's own kubernetesAuthProviders factory
    own_provider_files: list[str] = field(default_factory=list)  # new frontend: app code registering that API itself
    other_oidc: list[OtherOidc] = field(default_factory=list)
    teraSky_declared: bool = False  # packages/app declares the TeraSky Kubernetes auth module (the package route)
    module_in_features: bool = False  # App.tsx imports the TeraSky module and lists it in createApp({ features })


def other_oidc_clusters(configs: ConfigSet) -> list[OtherOidc]:
    """Clusters Backstage serves (the effective clusterLocatorMethods) on another OIDC token provider."""
    files = effective_cluster_files(configs.files)
    out: list[OtherOidc] = []
    for c in config_clusters(files):
        if c.state == AuthState.OTHER_OIDC:
            out.append(OtherOidc(c.name, str(c.token_provider), c.file.rel, c.line))
    return out


def _discovery(configs: ConfigSet) -> tuple[str, list[str]]:
    value = configs.effective(["app", "packages"])
    if value == "all":
        return "all", []
    if isinstance(value, dict):
        include = value.get("include")
        if isinstance(include, list):
            return "include", [str(i) for i in include]
        return "all", []  # only `exclude`: everything else is discovered
    return "off", []


def _text(repo: RepoInfo, path: Path | None) -> str | None:
    return safeio.try_read_repo_text(repo.root, path, safeio.SOURCE_CAP) if path is not None else None


_OWN_PROVIDERS_RE = re.compile(r"\bkubernetesAuthProvidersApiRef\b")


def _own_provider_files(repo: RepoInfo, skip: set[Path]) -> list[str]:
    """New-frontend app code that registers kubernetesAuthProvidersApiRef itself (an ApiBlueprint in the
    app): the wizard's module would replace it, and the disable entry would switch it off. A bounded
    look at the app's own sources only (not node_modules)."""
    app = repo.app
    if app is None or not (app.dir / "src").is_dir():
        return []
    found: list[str] = []
    seen = 0
    for path in sorted((app.dir / "src").rglob("*.ts*")):
        seen += 1
        if seen > 2000 or path in skip or "node_modules" in path.parts or path.suffix not in (".ts", ".tsx"):
            continue
        text = _text(repo, path)
        if text and _OWN_PROVIDERS_RE.search(text) and ("ApiBlueprint" in text or "createApiFactory" in text):
            found.append(path.relative_to(repo.root).as_posix())
    return found


def inspect(repo: RepoInfo, configs: ConfigSet) -> FrontendState:
    from wizard.core import apis_ts, app_tsx

    app = repo.app
    module_path = app.dir / MODULE_FILE if app is not None else None
    state = FrontendState(repo.frontend_system, repo.frontend_evidence, app.rel if app else None, repo.app_tsx,
                          repo.apis_ts, module_path, "n/a")
    state.other_oidc = other_oidc_clusters(configs)
    state.teraSky_declared = app is not None and app.has(facts.MODULE_PKG)
    if state.system == "legacy":
        src = _text(repo, repo.apis_ts)
        if src is not None:
            rel = repo.apis_ts.relative_to(repo.root).as_posix()  # type: ignore[union-attr]
            wiring = apis_ts.read_apis(src, rel)
            state.apis_providers = list(wiring.oidc_providers) if wiring.oidc_providers is not None else None
            if wiring.wired:
                state.wired = APIS_TS
        return state
    if state.system != "new":
        return state
    state.discovery, state.discovery_includes = _discovery(configs)
    tsx_src = _text(repo, repo.app_tsx)
    if tsx_src is not None:
        rel = repo.app_tsx.relative_to(repo.root).as_posix()  # type: ignore[union-attr]
        state.features = app_tsx.features(tsx_src, rel)
        state.module_in_features = bool(state.features) and facts.MODULE_PKG in tsx_src
    module_src = _text(repo, module_path) if module_path is not None and module_path.is_file() else None
    in_features = state.features is not None and app_tsx.SPECTROCLOUD_MODULE.name in state.features
    if module_src is not None and app_tsx.is_module_file(module_src) and in_features:
        state.wired = IN_APP
    elif state.teraSky_declared:
        state.wired = PACKAGE
    skip = {module_path} if module_path is not None else set()
    state.own_provider_files = _own_provider_files(repo, skip)
    return state


# ------------------------------------------------------------------------------------------------
# the decision


@dataclass
class Wiring:
    """How the plan wires the frontend, and why (one sentence a person reads in plan, TUI and plain)."""

    kind: str | None  # PACKAGE | IN_APP | APIS_TS; None: the app cannot be wired (see `refusal`)
    why: str
    app_packages: list[str] = field(default_factory=list)  # what packages/app must declare for it
    extension_entry: bool = False  # write `api:kubernetes/auth-providers: false` in app.extensions
    kubernetes_feature: bool = False  # discovery off: kubernetesPlugin joins createApp({ features }) too
    refusal: str | None = None  # why plan/apply refuse (exit 1), naming the clusters or files and the fix
    other_oidc_note: str | None = None  # what the setup does to clusters on other OIDC providers
    summary: str = ""  # the same in one short line (plan's title, the TUI's Review)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "summary": self.summary, "why": self.why, "packages": self.app_packages,
                "refusal": self.refusal, "otherOidc": self.other_oidc_note}


def _names(items: list[OtherOidc]) -> str:
    return ", ".join(o.label() for o in items)


def decide(state: FrontendState, answers: Answers) -> Wiring:
    """The wiring for these answers on this app (see the module docstring for the default)."""
    switching = set(answers.migrate) if isinstance(answers.migrate, list) else set()
    others = [o for o in state.other_oidc if o.cluster not in switching]
    if state.system == "legacy":
        if answers.frontendWiring not in (None, APIS_TS):
            return Wiring(None, "", refusal=(
                f"frontendWiring: {answers.frontendWiring} is for the new frontend system, and this app is on the legacy "
                f"one ({state.evidence}); the wizard wires a legacy app in packages/app/src/apis.ts — remove the answer"))
        w = Wiring(APIS_TS, f"legacy frontend system ({state.evidence}): the SpectroCloud auth API and the Kubernetes "
                            "auth providers are registered as two API factories in apis.ts, with published Backstage "
                            "packages only", [facts.K8S_REACT_PKG, facts.LEGACY_CORE_APP_PKG, facts.CORE_PLUGIN_API_PKG])
        w.summary = "legacy frontend system → two API factories in packages/app/src/apis.ts"
        w.other_oidc_note = kept_note(others, state.apis_providers)
        return w
    if state.system == "pre-1.0":
        return Wiring(None, "", refusal=(
            f"this app predates Backstage 1.0 ({state.evidence}); the SpectroCloud modules need Backstage "
            f"{facts.MIN_BACKSTAGE} or later — upgrade the app first"))
    if state.system != "new":
        return Wiring(None, "", refusal=(
            f"the wizard cannot tell which frontend system this app uses ({state.evidence}); it wires "
            "packages/app/src/App.tsx (new system) or apis.ts (legacy) — check that packages/app is the app"))
    kind = answers.frontendWiring
    # the in-app module goes into the createApp({ features }) call of App.tsx; a thin app calls createApp
    # in a workspace library (or somewhere the editor cannot read): only the TeraSky packages, discovered
    # through `app.packages: all`, reach it there
    editable = state.features is not None
    if kind is None:
        kind = PACKAGE if (state.teraSky_declared and not others) or not editable else IN_APP
        chosen = "chosen" if editable else f"chosen: App.tsx does not call createApp itself ({state.evidence})"
    else:
        chosen = "answered"
        if kind == IN_APP and not editable:
            return Wiring(None, "", refusal=(
                f"frontendWiring: in-app adds a module to createApp({{ features }}) in App.tsx, and App.tsx does not call "
                f"createApp in a way the wizard can edit ({state.evidence}); add the module there by hand "
                "(`spectro-wizard hints frontend-in-app`) or answer frontendWiring: package"))
    if state.own_provider_files:
        files = ", ".join(state.own_provider_files)
        return Wiring(None, "", refusal=(
            f"{files} registers kubernetesAuthProvidersApiRef itself (the app's own Kubernetes auth providers): "
            f"the SpectroCloud wiring would replace it; add `spectrocloud: <the SpectroCloud auth API>` to that "
            "factory's oidcProviders by hand (`spectro-wizard hints frontend-own-providers` shows the code)"))
    discovery_off = state.discovery != "all"
    if kind == IN_APP:
        feature = state.features is not None and "kubernetesPlugin" in state.features
        w = Wiring(IN_APP, (
            f"new frontend system ({state.evidence}), in-app module ({chosen}): the wizard writes "
            f"{(state.app_rel or 'packages/app')}/{MODULE_FILE} with the SpectroCloud auth API and the Kubernetes auth "
            "providers (the plugin's five kept) and adds it to createApp({ features }) in App.tsx; published Backstage "
            "packages only (the TeraSky frontend packages are not on the public npm registry)"),
            [facts.K8S_REACT_PKG, facts.LEGACY_CORE_APP_PKG, facts.FRONTEND_PLUGIN_API_PKG], extension_entry=True,
            kubernetes_feature=discovery_off and not feature and not _includes_kubernetes(state))
        w.summary = f"new frontend system → the in-app module ({chosen.split(':')[0]}), added to createApp({{ features }})"
        if w.kubernetes_feature:
            w.why += ("; package discovery is off (no `app.packages: all`), so the Kubernetes plugin "
                      "(@backstage/plugin-kubernetes/alpha) joins createApp({ features }) as well")
            w.summary += " with the Kubernetes plugin (package discovery is off)"
        w.other_oidc_note = kept_note(others, None)
        return w
    # the TeraSky packages
    w = Wiring(PACKAGE, (
        f"new frontend system ({state.evidence}), TeraSky packages ({chosen}): "
        f"{facts.MODULE_PKG} and {facts.AUTH_FRONTEND_PKG} in packages/app"),
        [facts.MODULE_PKG, facts.AUTH_FRONTEND_PKG], extension_entry=True,
        summary=f"new frontend system → the TeraSky packages ({chosen.split(':')[0]})")
    if others:
        return Wiring(None, "", refusal=(
            f"cluster(s) {_names(others)} use other OIDC providers, which the TeraSky Kubernetes auth module drops (it "
            "offers spectrocloud alone, and one such cluster can leave the whole Kubernetes tab empty): list them in "
            "`migrate` to switch them to SpectroCloud, or answer `frontendWiring: in-app` to keep them"))
    if discovery_off and not state.module_in_features:
        return Wiring(None, "", refusal=(
            "package discovery is off (no `app.packages: all`), so the TeraSky packages would be installed and never "
            "loaded: answer `frontendWiring: in-app` (the module goes into createApp({ features }) with the "
            "Kubernetes plugin), or set `app.packages: all`"))
    return w


def _includes_kubernetes(state: FrontendState) -> bool:
    return state.discovery == "include" and any(i.startswith(facts.K8S_FRONTEND_PKG) for i in state.discovery_includes)


def kept_note(others: list[OtherOidc], own: list[str] | None) -> str | None:
    """What a wiring that keeps the plugin's five providers does to the other-OIDC clusters."""
    if not others:
        return None
    # the app's own factory (legacy apis.ts) decides alone; otherwise the plugin's five are kept
    kept = [o for o in others if (o.provider in own if own is not None else o.known_to_plugin)]
    lost = [o for o in others if o not in kept]
    parts = []
    if kept:
        parts.append(f"kept working: {_names(kept)} (the wiring keeps the Kubernetes plugin's providers"
                     + (f": {', '.join(own)}" if own else f": {', '.join(facts.PLUGIN_OIDC_PROVIDERS)}") + ")")
    if lost:
        parts.append(f"not served by any provider the app registers: {_names(lost)} — the Kubernetes plugin knows "
                     f"{', '.join(facts.PLUGIN_OIDC_PROVIDERS)}; add theirs to the app's own factory, or switch them "
                     "to SpectroCloud with `migrate`")
    return "clusters on other OIDC providers: " + "; ".join(parts)


__all__ = ["APIS_TS", "IN_APP", "PACKAGE", "WIRINGS", "FrontendState", "OtherOidc", "Wiring", "decide", "inspect",
           "other_oidc_clusters"]
