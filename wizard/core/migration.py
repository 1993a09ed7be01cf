"""Moving clusters off shared service accounts, in waves (UI-free: the CLI, TUI and report use it).

- `inventory(configs)`: every cluster on service-account auth in any config file, every SpectroCloud
  cluster-provider environment in serviceAccount mode with the resources the provider created in its
  clusters, the environment variables that hold their tokens, and the clusters on other providers
  that stay as they are.
- `cleanup_after(before, after)`: what a wave left to clean up: the environment variables no config
  file references any more (their credentials can be revoked), literal tokens that were removed, and
  the `kubectl` commands that would delete what the cluster provider created for environments that
  switched from serviceAccount to oidc. The commands are shown for the operator; nothing runs them.

Mixed mode (some clusters on OIDC, some still on service accounts) is a normal state.

The cluster provider's resource names (TeraSky `@terasky/backstage-plugin-spectrocloud-cluster-provider`,
`SpectroCloudClusterSupplier.fromConfig`): `clusterProvider.rbac.namespace` (default
backstage-system, created when missing), `serviceAccountName` (backstage-sa), `secretName`
(backstage-sa-token, a kubernetes.io/service-account-token Secret), `clusterRoleName`
(backstage-read-only, get/list/watch on everything unless `clusterRoleRules`) and
`clusterRoleBindingName` (backstage-read-only-binding). It names the clusters it discovers
`<environment name>-<Palette cluster name>` when the environment has a name.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from wizard.core import facts
from wizard.core.clusters import ClusterInventory, cluster_inventory
from wizard.core.configset import ConfigSet
from wizard.core.envrefs import ENV_REF_ANYWHERE_RE

PROVIDER_RBAC_DEFAULTS: dict[str, str] = {
    "namespace": facts.PROVIDER_SA_NAMESPACE,
    "serviceAccountName": facts.PROVIDER_SA_NAME,
    "secretName": f"{facts.PROVIDER_SA_NAME}-token",
    "clusterRoleName": "backstage-read-only",
    "clusterRoleBindingName": "backstage-read-only-binding",
}

_K8S_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")


# ------------------------------------------------------------------------------------------------
# environment variable references


def _walk(value: Any, path: str, names: list[str]) -> Iterator[tuple[str, str, list[str]]]:
    """(path, string, names of the enclosing named entries) for every string in a parsed config."""
    if isinstance(value, dict):
        named = names + ([str(value["name"])] if isinstance(value.get("name"), str) else [])
        for k, v in value.items():
            if k == "$env" and isinstance(v, str):
                yield path, "${" + v.strip() + "}", named
                continue
            yield from _walk(v, f"{path}.{k}" if path else str(k), named)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            label = f"[{v['name']}]" if isinstance(v, dict) and isinstance(v.get("name"), str) else f"[{i}]"
            yield from _walk(v, path + label, names)
    elif isinstance(value, str):
        yield path, value, names


def env_references(configs: ConfigSet) -> dict[str, list[str]]:
    """Every environment variable any config file references (`${VAR}` or `${VAR:-default}` anywhere
    in a value, or `$env: VAR`), in the files they `$include` too, with where:
    `app-config.yaml: kubernetes.clusterLocatorMethods[0]...` (the config path the value is read at)."""
    out: dict[str, list[str]] = {}
    for f in configs.files:
        data = f.python()
        for path, text, _names in _walk(data, "", []):
            for m in ENV_REF_ANYWHERE_RE.finditer(text):
                out.setdefault(m.group(1), []).append(f"{f.rel}: {path}")
    return out


# ------------------------------------------------------------------------------------------------
# inventory


def provider_resources(rbac: Any) -> dict[str, str]:
    """The names the cluster provider uses in each cluster: its `rbac` config over the defaults."""
    out = dict(PROVIDER_RBAC_DEFAULTS)
    if isinstance(rbac, dict):
        for key in PROVIDER_RBAC_DEFAULTS:
            v = rbac.get(key)
            if isinstance(v, str) and v.strip():
                out[key] = v.strip()
    return out


def inventory(configs: ConfigSet, clusters_of: ClusterInventory | None = None) -> dict[str, Any]:
    """What is on service accounts, what is on OIDC, what stays as it is (JSON-ready; no secret).
    `clusters_of`: cluster_inventory(configs), when the caller has it already."""
    inv = cluster_inventory(configs) if clusters_of is None else clusters_of
    clusters = inv["clusters"]
    envs = []
    for e in inv["environments"]:
        e = dict(e)
        sa = e.get("authType") != "oidc"
        e["state"] = "serviceAccount" if sa else "oidc"
        e["resources"] = provider_resources(e.get("rbac")) if sa else None
        e["clusterNames"] = f"{e['name']}-<cluster>" if e.get("name") else "<cluster>"
        envs.append(e)
    token_vars: dict[str, list[str]] = {}
    for c in clusters:
        if c["state"] == "serviceAccount" and c.get("tokenEnv"):
            token_vars.setdefault(c["tokenEnv"], []).append(f"serviceAccountToken of cluster {c['name']} ({c['file']})")
    for e in envs:
        if e.get("apiTokenEnv"):
            token_vars.setdefault(e["apiTokenEnv"], []).append(
                f"Palette API token of environment {e['name']} ({e['file']}; still needed in oidc mode)")
    sa_clusters = [c for c in clusters if c["state"] == "serviceAccount"]
    return {
        "clusters": clusters,
        "environments": envs,
        "serviceAccount": [c["name"] for c in sa_clusters],
        "oidc": [c["name"] for c in clusters if c["state"] == "oidc"],
        "needsTokenProvider": [c["name"] for c in clusters if c["state"] == "oidc-no-token-provider"],
        "unchanged": [f"{c['name']} ({c['authProvider']})" for c in clusters if c["state"] in ("other", "oidc-other")],
        "serviceAccountEnvironments": [e["name"] for e in envs if e["state"] == "serviceAccount"],
        "oidcEnvironments": [e["name"] for e in envs if e["state"] == "oidc"],
        "literalTokens": [f"{c['name']} ({c['file']}:{c['line']})" for c in sa_clusters if c.get("literalToken")],
        "tokenEnvVars": token_vars,
        "mixed": bool((sa_clusters or any(e["state"] == "serviceAccount" for e in envs))
                      and (any(c["state"] == "oidc" for c in clusters) or any(e["state"] == "oidc" for e in envs))),
    }


def render_inventory(inv: dict[str, Any]) -> str:
    lines: list[str] = []
    sa = [c for c in inv["clusters"] if c["state"] == "serviceAccount"]
    if sa:
        lines.append("Clusters on service-account auth:")
        for c in sa:
            tok = (f"token in ${{{c['tokenEnv']}}}" if c.get("tokenEnv") else
                   "literal token in the file" if c.get("literalToken") else "no token")
            lines.append(f"  - {c['name']} ({c['file']}:{c['line']}; {tok})")
    ok = [c for c in inv["clusters"] if c["state"] == "oidc"]
    if ok:
        lines.append("Clusters on SpectroCloud OIDC: " + ", ".join(f"{c['name']} ({c['file']})" for c in ok))
    if inv["needsTokenProvider"]:
        lines.append("OIDC clusters without oidcTokenProvider (the backend rejects them): " + ", ".join(inv["needsTokenProvider"]))
    if inv["unchanged"]:
        lines.append("Other providers, left as they are: " + ", ".join(inv["unchanged"]))
    for e in inv["environments"]:
        if e["state"] == "serviceAccount":
            r = e["resources"]
            lines.append(
                f"Cluster provider environment {e['name']} ({e['file']}:{e['line']}) in serviceAccount mode: in each of its "
                f"clusters ({e['clusterNames']}) it created ServiceAccount {r['namespace']}/{r['serviceAccountName']}, "
                f"Secret {r['namespace']}/{r['secretName']}, ClusterRole {r['clusterRoleName']} and ClusterRoleBinding "
                f"{r['clusterRoleBindingName']}")
        else:
            lines.append(f"Cluster provider environment {e['name']} ({e['file']}:{e['line']}) in oidc mode")
    if inv["tokenEnvVars"]:
        lines.append("Environment variables holding their tokens:")
        for var, uses in sorted(inv["tokenEnvVars"].items()):
            lines.append(f"  - {var}: " + "; ".join(uses))
    if inv["mixed"]:
        lines.append("Mixed mode (some on OIDC, some on service accounts) works; migrate the rest in waves.")
    return "\n".join(lines) if lines else "No clusters and no cluster-provider environments are configured."


# ------------------------------------------------------------------------------------------------
# clean-up after a wave


@dataclass
class RevocableVar:
    name: str
    uses: list[str]  # where the config referenced it before the wave
    caution: str = ""


@dataclass
class EnvironmentCleanup:
    environment: str
    file: str
    resources: dict[str, str]
    commands: list[str]
    notes: list[str] = field(default_factory=list)


@dataclass
class Cleanup:
    revocable: list[RevocableVar] = field(default_factory=list)
    literal_tokens: list[str] = field(default_factory=list)
    environments: list[EnvironmentCleanup] = field(default_factory=list)
    find_service_accounts: list[str] = field(default_factory=list)  # kubectl auth whoami, per migrated cluster
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.revocable or self.literal_tokens or self.environments)

    @property
    def commands(self) -> list[str]:
        return [c for e in self.environments for c in e.commands]

    def to_json(self) -> dict[str, Any]:
        return {
            "revocableEnvVars": [{"name": v.name, "uses": v.uses, **({"caution": v.caution} if v.caution else {})}
                                 for v in self.revocable],
            "literalTokensRemoved": self.literal_tokens,
            "environments": [{"name": e.environment, "file": e.file, "resources": e.resources, "commands": e.commands,
                              "notes": e.notes} for e in self.environments],
            "findServiceAccounts": self.find_service_accounts,
            "kubectl": self.commands,
            "notes": self.notes,
        }

    def render(self) -> str:
        if self.empty:
            return "Clean-up: nothing to revoke or delete after this wave."
        lines = ["Clean-up after this wave — shown for you to run once `spectro-wizard verify` passes; the wizard runs none of it."]
        if self.revocable:
            lines.append("")
            lines.append("Environment variables no config file references any more (revoke the credentials they hold, then unset them "
                         "where Backstage runs):")
            width = max(len(v.name) for v in self.revocable)
            for v in self.revocable:
                lines.append(f"  {v.name.ljust(width)}  was: {'; '.join(v.uses)}")
                if v.caution:
                    lines.append(f"  {' ' * width}  ! {v.caution}")
        if self.literal_tokens:
            lines.append("")
            lines.append("Literal tokens removed from the config (revoke them; they may have been copied elsewhere):")
            lines += [f"  {t}" for t in self.literal_tokens]
        if self.find_service_accounts:
            lines.append("")
            lines.append("To find the service account behind a revoked cluster token (prints system:serviceaccount:<namespace>:<name>; "
                         "deleting that service account or its token Secret revokes the token):")
            lines += [f"  {c}" for c in self.find_service_accounts]
        for e in self.environments:
            lines.append("")
            r = e.resources
            lines.append(f"Cluster provider environment {e.environment} ({e.file}) switched from serviceAccount to oidc: "
                         f"in each of its clusters it created ServiceAccount {r['namespace']}/{r['serviceAccountName']}, its token "
                         f"Secret {r['namespace']}/{r['secretName']}, ClusterRole {r['clusterRoleName']} and ClusterRoleBinding "
                         f"{r['clusterRoleBindingName']}. For each cluster (replace <cluster> with its kubectl context):")
            lines += [f"  {c}" for c in e.commands]
            lines += [f"  # {n}" for n in e.notes]
        for n in self.notes:
            lines.append("")
            lines.append(f"! {n}")
        return "\n".join(lines)


def _q(name: str) -> str:
    return name if _K8S_NAME_RE.match(name) else shlex.quote(name)


def delete_commands(resources: dict[str, str], context: str = "<cluster>") -> list[str]:
    """The kubectl commands that delete what the provider created (binding first, namespace left)."""
    ns = _q(resources["namespace"])
    ctx = f"--context {context}"
    return [
        f"kubectl {ctx} delete clusterrolebinding {_q(resources['clusterRoleBindingName'])} --ignore-not-found",
        f"kubectl {ctx} delete clusterrole {_q(resources['clusterRoleName'])} --ignore-not-found",
        f"kubectl {ctx} --namespace {ns} delete secret {_q(resources['secretName'])} --ignore-not-found",
        f"kubectl {ctx} --namespace {ns} delete serviceaccount {_q(resources['serviceAccountName'])} --ignore-not-found",
    ]


def _env_key(e: dict[str, Any]) -> str:
    return str(e["name"]) if e.get("name") else f"{e.get('url')}|{e.get('tenant')}"


def cleanup_after(before: ConfigSet, after: ConfigSet) -> Cleanup:
    """What the change from `before` to `after` left to clean up (nothing here touches a cluster)."""
    out = Cleanup()
    refs_before = env_references(before)
    refs_after = env_references(after)
    inv_before = inventory(before)
    inv_after = inventory(after)
    api_token_vars = {e["apiTokenEnv"] for e in inv_before["environments"] if e.get("apiTokenEnv")}
    for var in sorted(set(refs_before) - set(refs_after)):
        caution = ""
        if var in api_token_vars:
            caution = ("this held a Palette API token, which the cluster provider still needs in oidc mode: revoke it only "
                       "if the token now read from another variable is a different one")
        out.revocable.append(RevocableVar(var, refs_before[var], caution))

    after_clusters: dict[tuple[str, str], dict[str, Any]] = {}
    for c in inv_after["clusters"]:
        after_clusters.setdefault((c["file"], c["name"]), c)
    for c in inv_before["clusters"]:
        if c["state"] != "serviceAccount":
            continue
        now = after_clusters.get((c["file"], c["name"]))
        moved = now is None or now["state"] != "serviceAccount" or (c.get("literalToken") and not now.get("literalToken"))
        if not moved:
            continue
        if c.get("literalToken"):
            out.literal_tokens.append(f"cluster {c['name']} ({c['file']}:{c['line']}): its literal serviceAccountToken")
        if c.get("tokenEnv") and c["tokenEnv"] not in refs_after:
            cmd = f"kubectl --context <{c['name']}> auth whoami --token \"${c['tokenEnv']}\""
            if cmd not in out.find_service_accounts:
                out.find_service_accounts.append(cmd)

    envs_after = {_env_key(e): e for e in inv_after["environments"]}
    still_sa = [e for e in inv_after["environments"] if e["state"] == "serviceAccount"]
    for e in inv_before["environments"]:
        if e["state"] != "serviceAccount":
            continue
        now = envs_after.get(_env_key(e))
        if now is not None and now["state"] == "serviceAccount":
            continue
        res = e["resources"]
        name = str(e.get("name") or e.get("url"))
        ec = EnvironmentCleanup(name, e["file"], res, [])
        sharing = [o for o in still_sa if o.get("url") == e.get("url") and o.get("tenant") == e.get("tenant")
                   and o["resources"] == res]
        if sharing:
            ec.notes.append(
                "not yet: environment " + ", ".join(str(o["name"]) for o in sharing) + " still uses serviceAccount mode on the "
                "same Palette tenant with the same resource names; deleting them would cut it off — switch it first")
        else:
            ec.commands = delete_commands(res)
            ec.notes.append(f"the provider also created namespace {res['namespace']} if it was missing; delete it "
                            f"(kubectl --context <cluster> delete namespace {_q(res['namespace'])}) only if nothing else lives there")
        if e.get("name"):
            ec.notes.append(f"Backstage listed these clusters as {e['name']}-<Palette cluster name>")
        out.environments.append(ec)
    if out.environments or out.revocable or out.literal_tokens:
        if inv_after["serviceAccount"] or inv_after["serviceAccountEnvironments"]:
            remaining = inv_after["serviceAccount"] + [str(n) for n in inv_after["serviceAccountEnvironments"]]
            out.notes.append("still on service accounts (mixed mode is fine): " + ", ".join(remaining))
    return out


__all__ = [
    "Cleanup", "EnvironmentCleanup", "PROVIDER_RBAC_DEFAULTS", "RevocableVar", "cleanup_after",
    "delete_commands", "env_references", "inventory", "provider_resources", "render_inventory",
]
