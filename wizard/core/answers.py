"""The answers model: every answer the wizard asks for, validated, in one object.

The same model backs `plan/apply --answers FILE`, the TUI, the plain prompts and the answers saved
under `.spectro-wizard/answers.yaml`. It never holds a secret: secrets are always named by the
environment variable that carries them.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.core import fields
from wizard.errors import BadInput

if TYPE_CHECKING:  # the YAML reader (ruamel.yaml under it) is imported by load_file: Answers() needs none of it
    from wizard.core.yamldoc import Node

DEFAULT_CONSOLE_URL = "https://console.spectrocloud.com"
DEFAULT_PALETTE_URL = "https://api.spectrocloud.com"
DEFAULT_CLIENT_ID_ENV = "SPECTROCLOUD_CLIENT_ID"
DEFAULT_CLIENT_SECRET_ENV = "SPECTROCLOUD_CLIENT_SECRET"
DEFAULT_API_TOKEN_ENV = "SPECTROCLOUD_API_TOKEN"
CALLBACK_PATH = "/api/auth/spectrocloud/handler/frame"

_SECRET_KEYS = {"clientSecret", "clientId", "apiToken", "apiKey", "token", "serviceAccountToken", "password", "secret"}


def default_callback_url(backend_base_url: str | None) -> str:
    """Backstage's own default: `<backend.baseUrl>/api/auth/spectrocloud/handler/frame`."""
    return (backend_base_url or "http://localhost:7007").rstrip("/") + CALLBACK_PATH


def cluster_name(text: str, fallback: str = "cluster") -> str:
    """A kubeconfig context or Palette cluster name made into a valid app-config cluster name."""
    return re.sub(r"[^A-Za-z0-9._-]", "-", text).strip("-._") or fallback


@dataclass
class ClusterAnswer:
    name: str
    url: str | None = None
    skipTLSVerify: bool | None = None
    caData: str | None = None
    caFile: str | None = None

    def tls_fields(self) -> dict[str, Any]:
        if self.caData:
            return {"caData": self.caData}
        if self.caFile:
            return {"caFile": self.caFile}
        if self.skipTLSVerify is not None:
            return {"skipTLSVerify": self.skipTLSVerify}
        return {}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.url:
            out["url"] = self.url
        out.update(self.tls_fields())
        return out


@dataclass
class ClusterProviderAnswer:
    name: str
    url: str = DEFAULT_PALETTE_URL
    tenant: str | None = None
    apiTokenEnv: str = DEFAULT_API_TOKEN_ENV
    includeProjects: list[str] | None = None
    excludeProjects: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "url": self.url}
        if self.tenant:
            out["tenant"] = self.tenant
        out["apiTokenEnv"] = self.apiTokenEnv
        if self.includeProjects is not None:
            out["includeProjects"] = list(self.includeProjects)
        if self.excludeProjects is not None:
            out["excludeProjects"] = list(self.excludeProjects)
        return out


@dataclass
class PaletteAnswer:
    """Discover clusters from Palette at plan time: their server URL and CA (never credentials)."""

    url: str = DEFAULT_PALETTE_URL
    apiKeyEnv: str = DEFAULT_API_TOKEN_ENV
    includeProjects: list[str] | None = None
    excludeProjects: list[str] | None = None
    clusters: list[str] | str = "all"  # names to add, or "all" (after the project filters)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"url": self.url, "apiKeyEnv": self.apiKeyEnv}
        if self.includeProjects is not None:
            out["includeProjects"] = list(self.includeProjects)
        if self.excludeProjects is not None:
            out["excludeProjects"] = list(self.excludeProjects)
        out["clusters"] = self.clusters if isinstance(self.clusters, str) else list(self.clusters)
        return out


HELM = "helm"
RHDH = "rhdh"
CONFIG_IN = ("appConfig", "configMap")


@dataclass
class DeploymentAnswer:
    """Where Backstage runs in production: a Helm chart's values file or a Red Hat Developer Hub
    Backstage CR (paths relative to the repo), and how the wizard writes the config it loads there."""

    helmValues: str | None = None  # the backstage chart's values file
    rhdh: str | None = None  # the RHDH operator's Backstage custom resource
    release: str = "backstage"  # the Helm release (the commands the plan prints)
    namespace: str = "backstage"
    configIn: str | None = None  # "appConfig" (backstage.appConfig, the default) or "configMap" (a file of its own)
    configMap: str | None = None  # the ConfigMap's name (configMap route, RHDH)
    manifest: str | None = None  # the ConfigMap manifest's file (default: beside the values file or CR)
    secretName: str | None = None  # the Secret holding the client ID and secret (default: <release>-spectrocloud)
    environment: str | None = None  # the auth environment in production (default: what its config says)
    loadImageConfigs: bool = False  # name the image's app-config files in backstage.args (the --config trap)
    backendUrl: str | None = None  # the deployed backend, for verify --deployment

    @property
    def kind(self) -> str:
        return RHDH if self.rhdh else HELM

    @property
    def file(self) -> str:
        return self.rhdh or self.helmValues or ""

    @property
    def config_in(self) -> str:
        return "configMap" if self.kind == RHDH else (self.configIn or "appConfig")

    @property
    def secret_name(self) -> str:
        return self.secretName or f"{self.release}-spectrocloud"

    @property
    def configmap_name(self) -> str:
        return self.configMap or f"{self.release}-spectrocloud-app-config"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rhdh": self.rhdh} if self.rhdh else {"helmValues": self.helmValues}
        if self.release != "backstage":
            out["release"] = self.release
        if self.namespace != "backstage":
            out["namespace"] = self.namespace
        for key in ("configIn", "configMap", "manifest", "secretName", "environment", "backendUrl"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.loadImageConfigs:
            out["loadImageConfigs"] = True
        return out


@dataclass
class Answers:
    tenant: str | None = None
    environment: str | None = None
    consoleUrl: str = DEFAULT_CONSOLE_URL
    authorizationUrl: str | None = None
    callbackUrl: str | None = None
    clientIdEnv: str = DEFAULT_CLIENT_ID_ENV
    clientSecretEnv: str = DEFAULT_CLIENT_SECRET_ENV
    signInResolvers: list[str] | None = None
    scope: str | None = None  # the provider's `scope`; the module's default is openid profile email
    clusters: list[ClusterAnswer] = field(default_factory=list)
    migrate: list[str] | str | None = None  # names, or "all"
    clusterProvider: ClusterProviderAnswer | None = None
    palette: PaletteAnswer | None = None
    installPackage: bool = True
    # new frontend system: "in-app" (a module the wizard writes into the app) or "package" (the TeraSky
    # packages); None: the wizard's default (wizard.core.frontend). A legacy app is wired in apis.ts.
    frontendWiring: str | None = None
    deployment: DeploymentAnswer | None = None  # production: the chart's values or the RHDH CR

    def authorization_url(self) -> str:
        if self.authorizationUrl:
            return self.authorizationUrl
        return f"{self.consoleUrl.rstrip('/')}/v1/oidc/tenant/{self.tenant}/auth"

    def callback_url(self, backend_base_url: str | None) -> str:
        return self.callbackUrl or default_callback_url(backend_base_url)

    def to_dict(self) -> dict[str, Any]:
        """The answers-file form (only what differs from the defaults, plus the tenant)."""
        out: dict[str, Any] = {}
        if self.environment:
            out["environment"] = self.environment
        if self.consoleUrl != DEFAULT_CONSOLE_URL:
            out["consoleUrl"] = self.consoleUrl
        if self.tenant:
            out["tenant"] = self.tenant
        if self.authorizationUrl:
            out["authorizationUrl"] = self.authorizationUrl
        if self.callbackUrl:
            out["callbackUrl"] = self.callbackUrl
        if self.clientIdEnv != DEFAULT_CLIENT_ID_ENV:
            out["clientIdEnv"] = self.clientIdEnv
        if self.clientSecretEnv != DEFAULT_CLIENT_SECRET_ENV:
            out["clientSecretEnv"] = self.clientSecretEnv
        if self.signInResolvers:
            out["signInResolvers"] = list(self.signInResolvers)
        if self.scope:
            out["scope"] = self.scope
        if self.clusters:
            out["clusters"] = [c.to_dict() for c in self.clusters]
        if self.migrate:
            out["migrate"] = self.migrate if isinstance(self.migrate, str) else list(self.migrate)
        if self.clusterProvider:
            out["clusterProvider"] = self.clusterProvider.to_dict()
        if self.palette:
            out["palette"] = self.palette.to_dict()
        if not self.installPackage:
            out["installPackage"] = False
        if self.frontendWiring:
            out["frontendWiring"] = self.frontendWiring
        if self.deployment:
            out["deployment"] = self.deployment.to_dict()
        return out


# ----------------------------------------------------------------------------------------------
# validation


class _Ctx:
    """Names the answers file and the line of each key in error messages."""

    def __init__(self, source: str, root: Node | None, base_dir: Path | None = None):
        self.source = source
        self.root = root
        self.base_dir = base_dir  # where relative caFile paths are read from

    def fail(self, path: list[str | int], message: str) -> BadInput:
        key = _path_text(path)
        line = self._line(path)
        where = f"{self.source}:{line}" if line else self.source
        return BadInput(f"{where}: {key}: {message}")

    def _line(self, path: list[str | int]) -> int:
        node = self.root
        for p in path:
            if node is None:
                break
            node = node.resolved
            if isinstance(p, int):
                if node.kind != "seq" or p >= len(node.items):
                    break
                node = node.items[p]
            else:
                found = node.pair(p) if node.kind == "map" else None
                if found is None:
                    break
                node = found[0] if p == path[-1] else found[1]
        return (node.line + 1) if node is not None else 0


def _path_text(path: list[str | int]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out or "(top level)"


_TOP_KEYS = {
    "environment", "consoleUrl", "tenant", "authorizationUrl", "callbackUrl", "clientIdEnv",
    "clientSecretEnv", "signInResolvers", "scope", "clusters", "migrate", "clusterProvider", "palette", "installPackage",
    "frontendWiring", "deployment",
}
FRONTEND_WIRINGS = ("in-app", "package")
_CLUSTER_KEYS = {"name", "url", "skipTLSVerify", "caData", "caFile"}
_PROVIDER_KEYS = {"name", "url", "tenant", "apiTokenEnv", "includeProjects", "excludeProjects"}
_PALETTE_KEYS = {"url", "apiKeyEnv", "includeProjects", "excludeProjects", "clusters"}
_DEPLOYMENT_KEYS = {"helmValues", "rhdh", "release", "namespace", "configIn", "configMap", "manifest", "secretName",
                    "environment", "loadImageConfigs", "backendUrl"}


def _check_keys(ctx: _Ctx, data: dict[str, Any], allowed: set[str], path: list[str | int]) -> None:
    for key in data:
        if key not in allowed:
            if key in _SECRET_KEYS or "secret" in str(key).lower() or "token" in str(key).lower():
                raise ctx.fail(
                    path + [str(key)],
                    "secrets never go in an answers file; name the environment variable that holds it "
                    "(clientIdEnv, clientSecretEnv, clusterProvider.apiTokenEnv)",
                )
            known = ", ".join(sorted(allowed))
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            raise ctx.fail(path + [str(key)], f"unknown key ({hint}known keys: {known})")


def _str(ctx: _Ctx, value: Any, path: list[str | int], *, allow_none: bool = True) -> str | None:
    if value is None and allow_none:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ctx.fail(path, f"must be a non-empty string, not {_describe(value)}")
    return value.strip()


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)


def _field(ctx: _Ctx, key: str, value: Any, path: list[str | int], *, required: bool = False) -> str | None:
    """A string answer checked by its field spec (the rule the TUI and plain mode use too)."""
    text = _str(ctx, value, path, allow_none=not required)
    if text is None:
        return None
    problem = fields.problem(key, text, ctx.base_dir)
    if problem:
        raise ctx.fail(path, problem)
    return text


def _env(ctx: _Ctx, value: Any, path: list[str | int], default: str) -> str:
    return _field(ctx, "clientIdEnv", value, path) or default


def _bool(ctx: _Ctx, value: Any, path: list[str | int]) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise ctx.fail(path, f"must be true or false, not {_describe(value)}")
    return value


def _str_list(ctx: _Ctx, value: Any, path: list[str | int]) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ctx.fail(path, f"must be a list of names, not {_describe(value)}")
    return [_str(ctx, v, path + [i], allow_none=False) for i, v in enumerate(value)]  # type: ignore[misc]


def validate(data: Any, source: str = "answers", root: Node | None = None, base_dir: Path | None = None) -> Answers:
    """Build `Answers` from parsed YAML/JSON; every problem is a BadInput naming the key."""
    ctx = _Ctx(source, root, base_dir)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ctx.fail([], f"the answers must be a mapping of keys, not {_describe(data)}")
    _check_keys(ctx, data, _TOP_KEYS, [])
    a = Answers()
    for key in ("environment", "tenant", "authorizationUrl", "callbackUrl", "scope"):
        setattr(a, key, _field(ctx, key, data.get(key), [key]))
    a.consoleUrl = (_field(ctx, "consoleUrl", data.get("consoleUrl"), ["consoleUrl"]) or DEFAULT_CONSOLE_URL).rstrip("/")
    if not a.tenant and not a.authorizationUrl:
        raise ctx.fail(["tenant"], "missing: give your SpectroCloud tenant (or a full authorizationUrl)")
    a.clientIdEnv = _env(ctx, data.get("clientIdEnv"), ["clientIdEnv"], DEFAULT_CLIENT_ID_ENV)
    a.clientSecretEnv = _env(ctx, data.get("clientSecretEnv"), ["clientSecretEnv"], DEFAULT_CLIENT_SECRET_ENV)
    a.signInResolvers = _str_list(ctx, data.get("signInResolvers"), ["signInResolvers"])
    for i, resolver in enumerate(a.signInResolvers or []):
        if (why := fields.problem("signInResolver", resolver)) is not None:
            raise ctx.fail(["signInResolvers", i], why)
    a.clusters = _clusters(ctx, data.get("clusters"))
    a.migrate = _migrate(ctx, data.get("migrate"))
    a.clusterProvider = _provider(ctx, data.get("clusterProvider"), a.tenant)
    a.palette = _palette(ctx, data.get("palette"))
    install = _bool(ctx, data.get("installPackage"), ["installPackage"])
    a.installPackage = True if install is None else install
    wiring = data.get("frontendWiring")
    if wiring is not None and wiring not in FRONTEND_WIRINGS:
        raise ctx.fail(["frontendWiring"], f"must be in-app (a module the wizard writes into the app) or package (the "
                                           f"TeraSky frontend packages), not {_describe(wiring)}")
    a.frontendWiring = wiring
    a.deployment = _deployment(ctx, data.get("deployment"))
    return a


def _deployment(ctx: _Ctx, value: Any) -> DeploymentAnswer | None:
    if value is None:
        return None
    path: list[str | int] = ["deployment"]
    if not isinstance(value, dict):
        raise ctx.fail(path, f"must be a mapping (helmValues or rhdh: the file, release, namespace...), not {_describe(value)}")
    _check_keys(ctx, value, _DEPLOYMENT_KEYS, path)
    given = [k for k in ("helmValues", "rhdh") if value.get(k) is not None]
    if len(given) != 1:
        raise ctx.fail(path, "name exactly one of helmValues (the backstage chart's values file) and rhdh (the Red Hat "
                             "Developer Hub Backstage CR), relative to the repo"
                       + (f"; got {' and '.join(given)}" if given else ""))
    d = DeploymentAnswer()
    key = given[0]
    setattr(d, key, _repo_file(ctx, value[key], path + [key], must_exist=True))
    for name, field_key in (("release", "release"), ("namespace", "namespace")):
        setattr(d, name, _field(ctx, field_key, value.get(name), path + [name]) or getattr(d, name))
    for name in ("configMap", "secretName"):
        setattr(d, name, _field(ctx, "k8sName", value.get(name), path + [name]))
    config_in = value.get("configIn")
    if config_in is not None and config_in not in CONFIG_IN:
        raise ctx.fail(path + ["configIn"], "must be appConfig (backstage.appConfig in the values file) or configMap (an "
                                            f"app-config file of its own in a ConfigMap), not {_describe(config_in)}")
    if config_in == "appConfig" and d.rhdh:
        raise ctx.fail(path + ["configIn"], "the RHDH operator reads app-configs from ConfigMaps only (configMap)")
    d.configIn = config_in
    if value.get("manifest") is not None:
        d.manifest = _repo_file(ctx, value["manifest"], path + ["manifest"], must_exist=False)
    d.environment = _field(ctx, "environment", value.get("environment"), path + ["environment"])
    d.backendUrl = _field(ctx, "backendUrl", value.get("backendUrl"), path + ["backendUrl"])
    d.loadImageConfigs = bool(_bool(ctx, value.get("loadImageConfigs"), path + ["loadImageConfigs"]))
    if d.loadImageConfigs and d.rhdh:
        raise ctx.fail(path + ["loadImageConfigs"], "is for the Helm chart's backstage.args; RHDH runs its own image")
    return d


MANIFEST_MARK = "spectrocloud"  # a manifest the wizard creates is named so (undo removes only such YAML files)


def _repo_file(ctx: _Ctx, value: Any, path: list[str | int], *, must_exist: bool) -> str:
    """A file of the repo named in the answers: relative to the repo (an absolute path must be inside
    it), never through a link out of it; an existing one must be a regular file within the cap. A file
    the wizard would create (`must_exist` False) must be a .yaml/.yml file named with "spectrocloud"."""
    import os

    from wizard.core import safeio

    text = _str(ctx, value, path, allow_none=False)
    assert text is not None
    if "\x00" in text or "\\" in text:
        raise ctx.fail(path, f"{text!r} is not a file path")
    if ctx.base_dir is None:
        return text
    repo = Path(os.path.abspath(ctx.base_dir))
    given = Path(text).expanduser()
    full = Path(os.path.normpath(given if given.is_absolute() else repo / given))
    try:
        rel = full.relative_to(repo).as_posix()
    except ValueError:
        raise ctx.fail(path, f"{text} is outside the repo ({repo}); name a file of the repo") from None
    if rel == "." or any(part in (".git", "node_modules", ".spectro-wizard") for part in Path(rel).parts):
        raise ctx.fail(path, f"{text} is not a file the wizard edits")
    if full.exists() or full.is_symlink():
        try:
            real = safeio.check_in_repo(repo, full, text)
            safeio.read_regular(real, text, safeio.SMALL_FILE_CAP)
        except BadInput as exc:
            raise ctx.fail(path, str(exc)) from None
        if not rel.endswith((".yaml", ".yml")):
            raise ctx.fail(path, f"{text} is not a YAML file (.yaml or .yml)")
        return rel
    if must_exist:
        raise ctx.fail(path, f"{text}: no such file in the repo")
    if not rel.endswith((".yaml", ".yml")) or MANIFEST_MARK not in Path(rel).name:
        raise ctx.fail(path, f"{text}: a manifest the wizard creates must be a .yaml file with {MANIFEST_MARK!r} in its "
                             "name (so that undo knows it is the wizard's to remove)")
    parent = full.parent
    while not parent.exists() and parent != repo:
        parent = parent.parent
    if not safeio.inside(repo, parent):
        raise ctx.fail(path, f"{text}: its directory leads outside the repo (a symbolic link)")
    return rel


def _clusters(ctx: _Ctx, value: Any) -> list[ClusterAnswer]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ctx.fail(["clusters"], f"must be a list of clusters, not {_describe(value)}")
    out: list[ClusterAnswer] = []
    names: set[str] = set()
    for i, item in enumerate(value):
        path: list[str | int] = ["clusters", i]
        if not isinstance(item, dict):
            raise ctx.fail(path, f"must be a mapping with name and url, not {_describe(item)}")
        _check_keys(ctx, item, _CLUSTER_KEYS, path)
        name = _field(ctx, "name", item.get("name"), path + ["name"], required=True)
        assert name is not None
        if name in names:
            raise ctx.fail(path + ["name"], f"cluster {name!r} is listed twice")
        names.add(name)
        c = ClusterAnswer(name=name, url=_field(ctx, "url", item.get("url"), path + ["url"]))
        c.skipTLSVerify = _bool(ctx, item.get("skipTLSVerify"), path + ["skipTLSVerify"])
        chosen = [k for k in ("skipTLSVerify", "caData", "caFile") if item.get(k) not in (None, False)]
        if len(chosen) > 1:
            raise ctx.fail(path, f"give only one of skipTLSVerify, caData and caFile (got {', '.join(chosen)})")
        c.caData = _field(ctx, "caData", item.get("caData"), path + ["caData"])
        c.caFile = _field(ctx, "caFile", item.get("caFile"), path + ["caFile"])
        out.append(c)
    return out


def _migrate(ctx: _Ctx, value: Any) -> list[str] | str | None:
    if value is None:
        return None
    if value == "all":
        return "all"
    if isinstance(value, str):
        raise ctx.fail(["migrate"], f"must be a list of cluster names or the word all, not {value!r}")
    names = _str_list(ctx, value, ["migrate"])
    return names


def _provider(ctx: _Ctx, value: Any, tenant: str | None) -> ClusterProviderAnswer | None:
    if value is None:
        return None
    path: list[str | int] = ["clusterProvider"]
    if not isinstance(value, dict):
        raise ctx.fail(path, f"must be a mapping (name, url, tenant, apiTokenEnv), not {_describe(value)}")
    _check_keys(ctx, value, _PROVIDER_KEYS, path)
    name = _field(ctx, "providerName", value.get("name"), path + ["name"], required=True)
    assert name is not None
    p = ClusterProviderAnswer(name=name)
    p.url = _field(ctx, "paletteUrl", value.get("url"), path + ["url"]) or p.url
    p.tenant = _str(ctx, value.get("tenant"), path + ["tenant"]) or tenant
    p.apiTokenEnv = _env(ctx, value.get("apiTokenEnv"), path + ["apiTokenEnv"], DEFAULT_API_TOKEN_ENV)
    p.includeProjects = _str_list(ctx, value.get("includeProjects"), path + ["includeProjects"])
    p.excludeProjects = _str_list(ctx, value.get("excludeProjects"), path + ["excludeProjects"])
    return p


def _palette(ctx: _Ctx, value: Any) -> PaletteAnswer | None:
    if value is None:
        return None
    path: list[str | int] = ["palette"]
    if not isinstance(value, dict):
        raise ctx.fail(path, f"must be a mapping (url, apiKeyEnv, includeProjects, clusters), not {_describe(value)}")
    _check_keys(ctx, value, _PALETTE_KEYS, path)
    p = PaletteAnswer()
    p.url = _field(ctx, "paletteUrl", value.get("url"), path + ["url"]) or p.url
    p.apiKeyEnv = _env(ctx, value.get("apiKeyEnv"), path + ["apiKeyEnv"], DEFAULT_API_TOKEN_ENV)
    p.includeProjects = _str_list(ctx, value.get("includeProjects"), path + ["includeProjects"])
    p.excludeProjects = _str_list(ctx, value.get("excludeProjects"), path + ["excludeProjects"])
    clusters = value.get("clusters", "all")
    if clusters != "all":
        if isinstance(clusters, str):
            raise ctx.fail(path + ["clusters"], f"must be a list of cluster names or the word all, not {clusters!r}")
        clusters = _str_list(ctx, clusters, path + ["clusters"]) or []
    p.clusters = clusters
    return p


def load_file(path: Path, base_dir: Path | None = None, nofollow: bool = False) -> Answers:
    """Read and validate an answers file; relative caFile paths are read from `base_dir` (the repo).
    `nofollow`: the saved answers in the repo's state directory, never read through a symlink."""
    from wizard.core import safeio
    from wizard.core.yamldoc import YamlSyntaxError, parse

    display = str(path)
    if not path.exists() and not path.is_symlink():
        raise BadInput(f"{display}: answers file not found")
    text = safeio.read_text(path, display, safeio.ANSWERS_CAP, nofollow=nofollow)
    try:
        doc = parse(text)
    except YamlSyntaxError as exc:
        where = f":{exc.line}:{exc.column}" if exc.line else ""
        raise BadInput(f"{display}{where}: not valid YAML: {exc.problem}") from None
    if doc.duplicates:
        key, line, col = doc.duplicates[0]
        raise BadInput(f"{display}:{line}:{col}: duplicate key '{key}'")
    return validate(doc.root.to_python() if doc.root is not None else None, display, doc.root, base_dir)


def dump(answers: Answers) -> str:
    """Answers as YAML text (for --save and the resume file). Never contains a secret."""
    from wizard.core import render
    from wizard.core.yamldoc import Style

    data = answers.to_dict()
    header = "# spectro-wizard answers: no secrets here, only the names of the variables that hold them\n"
    if not data:
        return header + "{}\n"
    return header + render.block_at(data, 0, Style()) + "\n"
