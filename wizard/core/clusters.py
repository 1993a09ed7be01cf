"""The clusters a config defines, and the one answer to "which auth does this cluster use, may it migrate".

Every reader asks here: the plan (which clusters to switch), the checks, the migration inventory,
verify (which clusters Backstage serves), the TUI's cluster table, plain mode and the report. One
model (`Cluster`, with its place in the file) and one state type (`AuthState`), so the front ends
cannot disagree about what can be migrated.

Backstage reads clusters from `kubernetes.clusterLocatorMethods[type: config].clusters`. Arrays are
not merged across config files: the last file (in merge order) that defines
`clusterLocatorMethods` replaces the others (`effective_cluster_files`). Any level of that path (and
each locator or cluster of the lists) may come from another file through `$include`: a cluster is
where its mapping is written, in the included file when it is there (configset.Includes).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, TypedDict

from wizard.core import facts
from wizard.core.configset import ConfigFile, ConfigSet, Includes, Loc
from wizard.core.envrefs import env_var_of
from wizard.core.yamldoc import Node, mappings

CLUSTER_LOCATORS = ["kubernetes", "clusterLocatorMethods"]

class AuthState(str, Enum):  # noqa: UP042 - a StrEnum member would print as its value, not AuthState.X
    """How a cluster authenticates, as far as this wizard is concerned."""

    SERVICE_ACCOUNT = "serviceAccount"  # authProvider serviceAccount, or none (Backstage's default)
    SPECTROCLOUD = "oidc"  # authProvider oidc + oidcTokenProvider spectrocloud: done
    NO_TOKEN_PROVIDER = "oidc-no-token-provider"  # oidc without a token provider: the backend rejects it
    OTHER_OIDC = "oidc-other"  # oidc with another token provider (okta, ...): left alone
    OTHER = "other"  # google, aws, azure...: left alone

    @property
    def migratable(self) -> bool:
        """May `migrate:` switch it to SpectroCloud OIDC (and may a front end offer that)?"""
        return self in (AuthState.SERVICE_ACCOUNT, AuthState.NO_TOKEN_PROVIDER)

    @property
    def refused_by_migrate(self) -> bool:
        """Clusters on another auth provider (google, aws...): `migrate:` refuses them (list them under
        `clusters:` instead). A cluster on another OIDC token provider (okta...) is switched when named in
        `migrate` (never by `migrate: all`): the choice the TeraSky module's wiring asks for."""
        return self == AuthState.OTHER


def auth_state(auth: Any, token_provider: Any) -> AuthState:
    if auth in (None, facts.SERVICE_ACCOUNT):
        return AuthState.SERVICE_ACCOUNT
    if auth == facts.AUTH_PROVIDER_OIDC:
        if not token_provider:
            return AuthState.NO_TOKEN_PROVIDER
        return AuthState.SPECTROCLOUD if token_provider == facts.PROVIDER else AuthState.OTHER_OIDC
    return AuthState.OTHER


def auth_label(auth: Any, token_provider: Any) -> str:
    """The auth as a person reads it in a table: oidc/spectrocloud, serviceAccount, (none)..."""
    if auth == facts.AUTH_PROVIDER_OIDC:
        return f"oidc/{token_provider or '?'}"
    return str(auth) if auth else "(none)"


def tls_label(caData: Any = None, caFile: Any = None, skipTLSVerify: Any = None) -> str:
    """How Backstage trusts the API server: CA (data), CA file, skip TLS (!), or the system CAs."""
    if caData:
        return "CA"
    if caFile:
        return "CA file"
    if skipTLSVerify is True or skipTLSVerify == "true":
        return "skip TLS!"
    return "system CAs"


@dataclass
class Cluster:
    """One entry of `clusterLocatorMethods[type: config].clusters` in one file."""

    file: ConfigFile
    node: Node  # the cluster's mapping
    seq: Node  # the clusters list it is in
    name: str
    auth: str | None
    token_provider: str | None

    @property
    def state(self) -> AuthState:
        return auth_state(self.auth, self.token_provider)

    @property
    def line(self) -> int:
        return self.node.line + 1

    def value(self, key: str) -> Any:
        found = self.node.get(key)
        return found.to_python() if found is not None else None

    @property
    def url(self) -> str | None:
        v = self.value("url")
        return v if isinstance(v, str) else None

    @property
    def token_env(self) -> str | None:
        """The variable holding the service-account token: `${VAR}`, `${VAR:-default}` or `$env: VAR`."""
        return env_var_of(self.value("serviceAccountToken"))

    @property
    def token_file(self) -> str | None:
        """The file the token is read from with `$file: PATH` (relative to the config holding it)."""
        v = self.value("serviceAccountToken")
        path = v.get("$file") if isinstance(v, dict) and len(v) == 1 else None
        return path if isinstance(path, str) else None

    @property
    def literal_token(self) -> bool:
        return self.value("serviceAccountToken") is not None and self.token_env is None and self.token_file is None

    @property
    def tls(self) -> str:
        return tls_label(self.value("caData"), self.value("caFile"), self.value("skipTLSVerify"))

    def to_json(self) -> dict[str, Any]:
        """The inventory form (JSON-ready, never a secret: a literal token is only flagged)."""
        return {
            "name": self.name, "file": self.file.rel, "line": self.line, "authProvider": self.auth,
            "oidcTokenProvider": self.token_provider, "tokenEnv": self.token_env, "tokenFile": self.token_file,
            "literalToken": self.literal_token, "url": self.url, "state": self.state.value,
            "migratable": self.state.migratable, "tls": self.tls,
        }


def config_method(methods: Node) -> Node | None:
    """The `- type: config` entry of kubernetes.clusterLocatorMethods, if there is one (as written in
    one file; `config_method_loc` follows `$include`s)."""
    if methods.kind != "seq":
        return None
    for item in methods.items:
        it = item.resolved
        t = it.get("type") if it.kind == "map" else None
        if t is not None and t.resolved.to_python() == "config":
            return it
    return None


def config_method_loc(inc: Includes, methods: Loc, strict: bool = True) -> Loc | None:
    """`config_method` through `$include`s: the first `- type: config` locator, wherever it is written."""
    for m in inc.items(methods, strict):
        t = inc.child(m, "type", strict)
        if t is not None and inc.python(t.file, t.node, deref=False) == "config":
            return m
    return None


def _cluster(f: ConfigFile, c: Node, seq: Node) -> Cluster:
    name = c.get("name")
    auth = c.get("authProvider")
    tp = c.get("oidcTokenProvider")
    return Cluster(
        f, c, seq, str(name.to_python()) if name is not None else "",
        auth.to_python() if auth is not None else None,
        tp.to_python() if tp is not None else None,
    )


def config_clusters(files: list[ConfigFile], strict: bool = False) -> list[Cluster]:
    """Every cluster of every `type: config` locator, in file order, `$include`s followed (each
    cluster in the file its mapping is written in). `strict` (the planner): a directive on the way
    that cannot be followed raises its configset.Unfollowable; readers skip what they cannot see."""
    out: list[Cluster] = []
    for f in files:
        inc = f.includes
        if inc is None or not f.has_directives:
            for m in mappings(f.doc.node_at(CLUSTER_LOCATORS)):
                t = m.get("type")
                seq = m.get("clusters")
                if t is None or t.resolved.to_python() != "config" or seq is None:
                    continue
                seq = seq.resolved
                out.extend(_cluster(f, c, seq) for c in mappings(seq))
            continue
        methods = inc.locate(f, CLUSTER_LOCATORS, strict)
        if methods.found < len(CLUSTER_LOCATORS):
            continue
        for method in inc.items(methods, strict):
            type_loc = inc.child(method, "type", strict)
            if type_loc is None or inc.python(type_loc.file, type_loc.node, deref=False) != "config":
                continue
            seq_loc = inc.child(method, "clusters", strict)
            if seq_loc is None or seq_loc.node is None:
                continue
            for c in inc.items(seq_loc, strict):
                assert c.node is not None
                out.append(_cluster(c.file, c.node, seq_loc.node))
    return out


def defines(f: ConfigFile, path: list[str]) -> bool:
    """Whether a top-level config defines `path` (null included), `$include`s followed as far as
    they can be."""
    if f.includes is None or not f.has_directives:
        return f.doc.node_at(path) is not None
    return f.includes.locate(f, path, strict=False).found == len(path)


def effective_cluster_files(files: list[ConfigFile]) -> list[ConfigFile]:
    """The file whose kubernetes.clusterLocatorMethods Backstage uses: arrays are not merged, the
    last file (in merge order) that defines it replaces the others."""
    defining = [f for f in files if defines(f, CLUSTER_LOCATORS)]
    return defining[-1:] if defining else []


def unique_by_name(clusters: list[Cluster]) -> list[Cluster]:
    """A cluster defined in several files is one cluster (each file's list replaces the other's)."""
    seen: set[str] = set()
    return [c for c in clusters if not (c.name in seen or seen.add(c.name))]  # type: ignore[func-returns-value]


def environments(configs: ConfigSet) -> list[dict[str, Any]]:
    """The SpectroCloud cluster-provider environments (`spectrocloud.environments[]`), JSON-ready."""
    envs = []
    for top in configs.files:
        inc = top.includes
        if inc is None or not top.has_directives:
            seq = top.doc.node_at(["spectrocloud", "environments"])
            items = [(top, it) for it in seq.items] if seq is not None and seq.kind == "seq" else []
        else:
            loc = inc.locate(top, ["spectrocloud", "environments"], strict=False)
            items = [(i.file, i.node) for i in inc.items(loc, strict=False) if i.node is not None] if loc.found == 2 else []
        for f, it in items:
            data = f.includes.python(f, it, deref=False) if f.includes is not None else it.resolved.to_python()
            if not isinstance(data, dict):
                continue
            cp = found if isinstance(found := data.get("clusterProvider"), dict) else {}
            rbac = found if isinstance(found := cp.get("rbac"), dict) else {}
            envs.append({
                "name": data.get("name"), "file": f.rel, "line": it.line + 1, "url": data.get("url"),
                "tenant": data.get("tenant"), "authType": cp.get("authType", "serviceAccount"),
                "oidcAuthProviderName": cp.get("oidcAuthProviderName", facts.PROVIDER),
                "apiTokenEnv": env_var_of(data.get("apiToken")),
                "rbac": rbac,
            })
    return envs


class ClusterInventory(TypedDict):
    """What `cluster_inventory` returns (JSON-ready)."""

    clusters: list[dict[str, Any]]  # Cluster.to_json() of each
    environments: list[dict[str, Any]]  # see `environments`


def cluster_inventory(configs: ConfigSet) -> ClusterInventory:
    """Every configured cluster with its auth state, and the cluster-provider environments."""
    return {"clusters": [c.to_json() for c in config_clusters(configs.files)], "environments": environments(configs)}
