"""Where Backstage runs in production, read from the repo, and what it loads there.

Two shapes (facts from the projects themselves):

- the **backstage Helm chart** (backstage/charts, `charts/backstage`, 2.8.x): its values' `backstage:`
  section. The container runs `backstage.command` (default `node packages/backend`) with
  `backstage.args`, then `--config <installDir>/<filename>` for each `backstage.extraAppConfig` entry
  (a ConfigMap's key mounted as that file), then `--config <installDir>/app-config-from-configmap.yaml`
  when `backstage.appConfig` is not empty (the chart renders it into ConfigMap `<fullname>-app-config`).
  Secrets reach the pod as environment variables: `extraEnvVarsSecrets` (Secrets loaded with envFrom)
  or `extraEnvVars`. Values may also sit one level down in an umbrella chart (`backstage.backstage`).
- a **Red Hat Developer Hub** `Backstage` custom resource (rhdh.redhat.com): each
  `spec.application.appConfig.configMaps` entry (a ConfigMap, or one key of it) is mounted and given
  to the backend with `--config`, after RHDH's own defaults; `spec.application.extraEnvs.secrets`
  become environment variables.

The trap: Backstage loads ONLY the files named with `--config` when any is given (else its defaults,
app-config.yaml and app-config.local.yaml, and app-config.<BACKSTAGE_ENV>.yaml). So once the chart
passes its own `--config`, an app-config.production.yaml (or even app-config.yaml) baked into the image
is not read unless `backstage.args` names it.

Everything here only reads. Files are found by a bounded walk of the repo (no link followed out of it,
no node_modules or .git, regular files under a cap), each read once.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from wizard.core import safeio
from wizard.core.configset import ConfigFile, ConfigSet, Includes, _parse_config, _refuse_bad_directives, read_config
from wizard.core.embedded import EmbeddedError, Region, block_scalar_region, documents, mapping_region
from wizard.core.yamldoc import Document, Node, YamlSyntaxError, parse
from wizard.errors import BadInput

HELM = "helm"
RHDH = "rhdh"
DEFAULT_COMMAND = ("node", "packages/backend")
DEFAULT_INSTALL_DIR = "/app"
RHDH_MOUNT = "/opt/app-root/src"
CHART_APP_CONFIG_FILE = "app-config-from-configmap.yaml"
RHDH_API_PREFIX = "rhdh.redhat.com/"
# keys of the chart's `backstage:` section that tell a values file from anything else named backstage
CHART_KEYS = frozenset({"appConfig", "extraAppConfig", "extraEnvVarsSecrets", "extraEnvVars", "extraEnvVarsCM",
                        "args", "command", "image", "installDir", "containerPorts", "extraVolumes", "extraVolumeMounts"})
IMAGE_CONFIGS = ("app-config.yaml", "app-config.production.yaml")  # what create-app's Dockerfile CMD names

SCAN_SKIP = frozenset({".git", "node_modules", ".spectro-wizard", ".yarn", "dist", "dist-types", ".cache",
                       "coverage", ".venv", "__pycache__"})
SCAN_MAX_FILES = 5000
SCAN_MAX_DEPTH = 8


# ------------------------------------------------------------------------------------------------
# the repo's YAML files, read once


@dataclass
class YamlFile:
    rel: str
    path: Path  # real path, inside the repo
    text: str


class RepoYaml:
    """The YAML files of a repo (a bounded walk), read lazily and once each."""

    def __init__(self, repo: Path, texts: dict[str, str] | None = None):
        self.repo = Path(os.path.abspath(repo))
        self._paths: list[tuple[str, Path]] | None = None
        self._texts: dict[str, str | None] = dict(texts or {})  # rel -> text (None: unreadable)

    def paths(self) -> list[tuple[str, Path]]:
        if self._paths is None:
            self._paths = list(_walk(self.repo))
            known = {rel for rel, _ in self._paths}
            self._paths += [(rel, self.repo / rel) for rel in self._texts if rel not in known]  # files a plan creates
        return self._paths

    def text(self, rel: str) -> str | None:
        if rel not in self._texts:
            self._texts[rel] = safeio.try_read_repo_text(self.repo, self.repo / rel, safeio.SMALL_FILE_CAP)
        return self._texts[rel]

    def override(self, rel: str, text: str) -> None:
        """A file as a plan leaves it (a plan's view of the repo after its edits)."""
        self._texts[rel] = text
        if self._paths is not None and all(r != rel for r, _ in self._paths):
            self._paths.append((rel, self.repo / rel))

    def grep(self, pattern: re.Pattern[str]) -> list[YamlFile]:
        out: list[YamlFile] = []
        for rel, path in self.paths():
            text = self.text(rel)
            if text is not None and pattern.search(text):
                out.append(YamlFile(rel, path, text))
        return out


def _walk(repo: Path) -> Iterator[tuple[str, Path]]:
    count = 0
    base_depth = len(repo.parts)
    for dirpath, dirnames, filenames in os.walk(repo, followlinks=False):
        here = Path(dirpath)
        depth = len(here.parts) - base_depth
        dirnames[:] = sorted(d for d in dirnames if d not in SCAN_SKIP and not (here / d).is_symlink()
                             and depth < SCAN_MAX_DEPTH)
        for name in sorted(filenames):
            if not name.endswith((".yaml", ".yml")):
                continue
            path = here / name
            if path.is_symlink() and not safeio.inside(repo, path):
                continue
            count += 1
            if count > SCAN_MAX_FILES:
                return
            yield path.relative_to(repo).as_posix(), path


# ------------------------------------------------------------------------------------------------
# what a deployment makes Backstage load


@dataclass
class Source:
    """One app-config Backstage gets in production, in load order (later ones win)."""

    kind: str  # "image" (a repo file baked into the image) | "configmap" | "appConfig" | "unknown"
    label: str  # as the pod sees it (/app/app-config.yaml), or what it is
    rel: str | None = None  # the repo file holding it (the image file, the ConfigMap's manifest, the values)
    configmap: str | None = None
    key: str | None = None
    found: bool = True  # the repo holds it (a ConfigMap not in the repo is loaded but unseen)

    def describe(self) -> str:
        if self.kind == "image":
            return f"{self.rel} (in the image)"
        if self.kind == "appConfig":
            return f"backstage.appConfig of {self.rel}"
        if self.kind == "configmap":
            where = f", {self.rel}" if self.rel else ", not in the repo"
            return f"ConfigMap {self.configmap} key {self.key}{where}"
        if self.label and not self.label.startswith("/") and " " not in self.label:
            return f"{self.label} (named with --config, but the repo has no such file: the image will not either)"
        return self.label


@dataclass
class Virtual:
    """An app-config held inside another file: where, and its text."""

    host_rel: str
    label: str  # backstage.appConfig, ConfigMap NAME key KEY
    region: Region | None  # None: not written yet (the plan creates it)
    text: str
    pod_path: str  # where the pod mounts it


@dataclass
class Deployment:
    """A deployment target of the repo, read."""

    kind: str  # HELM | RHDH
    rel: str
    path: Path
    text: str
    name: str = ""  # RHDH: the CR's metadata.name
    namespace: str | None = None  # RHDH: the CR's metadata.namespace
    base: list[str] = field(default_factory=list)  # helm: the keys to the chart's settings (["backstage"])
    doc: Document | None = None  # helm: the values; RHDH: the CR's document
    region: Region | None = None  # RHDH: the CR's document in its (multi-document) file
    settings: Node | None = None  # helm: the backstage: mapping; RHDH: spec.application (may be None)
    problems: list[str] = field(default_factory=list)

    # ---- the chart's settings --------------------------------------------------------------
    def _get(self, *keys: str) -> Node | None:
        node = self.settings
        for k in keys:
            if node is None or node.kind != "map":
                return None
            node = node.get(k)
            node = node.resolved if node is not None else None
        return node

    def _value(self, *keys: str) -> Any:
        node = self._get(*keys)
        return node.to_python() if node is not None else None

    @property
    def install_dir(self) -> str:
        v = self._value("installDir") if self.kind == HELM else None
        return v.rstrip("/") if isinstance(v, str) and v.startswith("/") else DEFAULT_INSTALL_DIR

    @property
    def command(self) -> list[str]:
        v = self._value("command")
        if self.kind == HELM and self._get("command") is None:
            return list(DEFAULT_COMMAND)
        return [str(x) for x in v] if isinstance(v, list) else []

    @property
    def args(self) -> list[str]:
        v = self._value("args")
        return [str(x) for x in v] if isinstance(v, list) else []

    @property
    def extra_app_config(self) -> list[dict[str, str]]:
        v = self._value("extraAppConfig")
        out = []
        for item in v if isinstance(v, list) else []:
            if isinstance(item, dict) and isinstance(item.get("filename"), str) and isinstance(item.get("configMapRef"), str):
                out.append({"filename": item["filename"], "configMapRef": item["configMapRef"]})
        return out

    @property
    def app_config_node(self) -> tuple[Node | None, Node | None]:
        """(key, value) of backstage.appConfig."""
        if self.settings is None or self.settings.kind != "map":
            return None, None
        found = self.settings.pair("appConfig")
        return (found[0], found[1].resolved) if found else (None, None)

    @property
    def app_config_set(self) -> bool:
        """Whether the chart renders backstage.appConfig (Helm's `if` is false for {} and null)."""
        _, v = self.app_config_node
        return v is not None and ((v.kind == "map" and bool(v.pairs)) or (v.kind == "scalar" and not v.is_null()
                                                                         and bool(v.value)))

    @property
    def env_secrets(self) -> list[str]:
        """The Secrets whose keys become the pod's environment variables."""
        if self.kind == HELM:
            v = self._value("extraEnvVarsSecrets")
            return [str(x) for x in v] if isinstance(v, list) else []
        v = self._value("extraEnvs", "secrets")
        return [str(x["name"]) for x in v if isinstance(x, dict) and isinstance(x.get("name"), str)] \
            if isinstance(v, list) else []

    @property
    def env_vars(self) -> dict[str, Any]:
        """Variables set one by one (extraEnvVars / extraEnvs.envs): name -> value (or valueFrom)."""
        v = self._value("extraEnvVars") if self.kind == HELM else self._value("extraEnvs", "envs")
        out: dict[str, Any] = {}
        for item in v if isinstance(v, list) else []:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                out[item["name"]] = item.get("value", item.get("valueFrom"))
        return out

    @property
    def rhdh_config_maps(self) -> list[dict[str, str]]:
        v = self._value("appConfig", "configMaps")
        out = []
        for item in v if isinstance(v, list) else []:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                out.append({"name": item["name"], **({"key": str(item["key"])} if item.get("key") else {})})
        return out

    @property
    def rhdh_mount(self) -> str:
        v = self._value("appConfig", "mountPath")
        return v.rstrip("/") if isinstance(v, str) and v.startswith("/") else RHDH_MOUNT

    def where(self) -> str:
        if self.kind == HELM:
            base = ".".join(self.base)
            return f"Helm chart values {self.rel}" + (f" ({base})" if base != "backstage" else "")
        return f"Red Hat Developer Hub Backstage {self.name or '(unnamed)'} in {self.rel}"

    # ---- what Backstage loads ----------------------------------------------------------------
    def config_args(self) -> list[str]:
        """The `--config` values of the command and args (not the chart's own)."""
        out: list[str] = []
        words = self.command + self.args
        i = 0
        while i < len(words):
            w = words[i]
            if w == "--config" and i + 1 < len(words):
                out.append(words[i + 1])
                i += 2
                continue
            if w.startswith("--config="):
                out.append(w[len("--config="):])
            i += 1
        return out

    def image_rel(self, value: str, repo: Path) -> str | None:
        """The repo file a `--config` value names in the image, when the image holds the repo's files."""
        prefix = self.install_dir + "/"
        p = value[len(prefix):] if value.startswith(prefix) else value
        if p.startswith("/"):
            return None
        rel = os.path.normpath(p)
        if rel.startswith("..") or not (repo / rel).is_file():
            return None
        return PurePosixPath(rel).as_posix()

    def sources(self, repo: Path, yaml: RepoYaml | None = None, overlay: Overlay | None = None,
                keep_images: list[str] | None = None) -> list[Source]:
        """What the backend loads, in order (the plan's overlay included when given; `keep_images`: image
        files the plan names in backstage.args, first)."""
        if self.kind == RHDH:
            return self._rhdh_sources(yaml, overlay)
        out = self._helm_sources(repo, yaml, overlay)
        have = {s.rel for s in out if s.kind == "image"}
        front = [Source("image", name, name) for name in keep_images or [] if name not in have]
        return front + out

    def _helm_sources(self, repo: Path, yaml: RepoYaml | None, overlay: Overlay | None) -> list[Source]:
        out: list[Source] = []
        args = self.config_args()
        for value in args:
            rel = self.image_rel(value, repo)
            out.append(Source("image", value, rel) if rel else Source("unknown", value, found=False))
        extra = self.extra_app_config
        if overlay is not None and overlay.configmap and not any(e["configMapRef"] == overlay.configmap for e in extra):
            extra = extra + [{"filename": overlay.key or "", "configMapRef": overlay.configmap}]
        for e in extra:
            out.append(_configmap_source(f"{self.install_dir}/{e['filename']}", e["configMapRef"], e["filename"], yaml,
                                         overlay, self.rel))
        if self.app_config_set or (overlay is not None and overlay.kind == "appConfig"):
            out.append(Source("appConfig", f"{self.install_dir}/{CHART_APP_CONFIG_FILE}", self.rel))
        if not args and not extra and not any(s.kind == "appConfig" for s in out):
            # no --config at all: Backstage's own defaults, in its working directory (the image)
            names = ["app-config.yaml"]
            env = self.env_vars.get("BACKSTAGE_ENV")
            for part in (env.split(",") if isinstance(env, str) else []):
                names.append(f"app-config.{part.strip()}.yaml")
            for name in names:
                if (repo / name).is_file():
                    out.append(Source("image", name, name))
        return out

    def _rhdh_sources(self, yaml: RepoYaml | None, overlay: Overlay | None) -> list[Source]:
        out = [Source("unknown", "Red Hat Developer Hub's own default app-config", found=False)]
        entries = list(self.rhdh_config_maps)
        if overlay is not None and overlay.configmap and not any(
                e["name"] == overlay.configmap and e.get("key") in (None, overlay.key) for e in entries):
            entries.append({"name": overlay.configmap, "key": overlay.key or ""})
        for e in entries:
            keys = [e["key"]] if e.get("key") else _configmap_keys(e["name"], yaml, overlay)
            if not keys:
                out.append(Source("configmap", f"{self.rhdh_mount}/(every key of {e['name']})", None, e["name"], None,
                                  found=False))
            for key in keys:
                out.append(_configmap_source(f"{self.rhdh_mount}/{key}", e["name"], key, yaml, overlay, self.rel))
        return out


@dataclass
class Overlay:
    """Where the plan writes the production settings: backstage.appConfig, or a ConfigMap's key."""

    kind: str  # "appConfig" | "configmap"
    configmap: str | None = None
    key: str | None = None
    manifest: str | None = None  # the repo file holding the ConfigMap


def _configmap_source(label: str, name: str, key: str, yaml: RepoYaml | None, overlay: Overlay | None,
                      near: str) -> Source:
    if overlay is not None and overlay.configmap == name and overlay.key == key:
        return Source("configmap", label, overlay.manifest, name, key)
    found = find_configmap(yaml, name, near) if yaml is not None else None
    if found is None:
        return Source("configmap", label, None, name, key, found=False)
    return Source("configmap", label, found[0], name, key, found=key in found[1])


_CONFIGMAP_RE = re.compile(r"^kind:[ \t]*['\"]?ConfigMap['\"]?[ \t]*(#.*)?$", re.M)


def _parsed_documents(text: str, pattern: re.Pattern[str]) -> Iterator[tuple[int, Region, Document]]:
    """(index, region, parsed document) of each document of a manifest file that `pattern` (a cheap look
    for its kind) may concern; a file that does not split into documents, or a document that does not
    parse, is passed over: it is not one the wizard reads."""
    try:
        regions = documents(text)
    except EmbeddedError:
        return
    for i, r in enumerate(regions):
        if not pattern.search(r.text):
            continue
        try:
            doc = parse(r.text)
        except YamlSyntaxError:
            continue
        yield i, r, doc


def configmaps_in(text: str) -> list[tuple[int, Document, str, dict[str, Node]]]:
    """The ConfigMaps of a manifest's text: (document index, its Document, name, data key -> value node)."""
    out: list[tuple[int, Document, str, dict[str, Node]]] = []
    for i, _r, doc in _parsed_documents(text, _CONFIGMAP_RE):
        root = doc.root.resolved if doc.root is not None else None
        if root is None or root.kind != "map" or _scalar(root.get("kind")) != "ConfigMap":
            continue
        meta = root.get("metadata")
        name = _scalar(meta.resolved.get("name")) if meta is not None and meta.resolved.kind == "map" else None
        data = root.get("data")
        keys = {str(k.value): v for k, v in data.resolved.pairs} if data is not None and data.resolved.kind == "map" else {}
        if isinstance(name, str):
            out.append((i, doc, name, keys))
    return out


def find_configmap(yaml: RepoYaml | None, name: str, near: str) -> tuple[str, list[str]] | None:
    """The manifest file of ConfigMap `name` in the repo (the one nearest to `near` first) and its keys."""
    if yaml is None:
        return None
    hits = []
    for f in yaml.grep(_CONFIGMAP_RE):
        for _, _, n, keys in configmaps_in(f.text):
            if n == name:
                hits.append((f.rel, list(keys)))
    if not hits:
        return None
    here = str(PurePosixPath(near).parent)
    hits.sort(key=lambda h: (str(PurePosixPath(h[0]).parent) != here, h[0]))
    return hits[0]


def _configmap_keys(name: str, yaml: RepoYaml | None, overlay: Overlay | None) -> list[str]:
    if overlay is not None and overlay.configmap == name and overlay.key:
        return [overlay.key]
    found = find_configmap(yaml, name, "")
    return found[1] if found else []


def _scalar(node: Node | None) -> Any:
    return node.resolved.to_python() if node is not None and node.resolved.kind == "scalar" else None


# ------------------------------------------------------------------------------------------------
# finding deployments


_VALUES_RE = re.compile(r"^(backstage|  backstage|    backstage):[ \t]*(#.*)?\r?$", re.M)
_RHDH_RE = re.compile(r"^kind:[ \t]*['\"]?Backstage['\"]?[ \t]*(#.*)?\r?$", re.M)


def read_helm(rel: str, path: Path, text: str) -> Deployment | None:
    """A values file that configures the backstage chart (its `backstage:` section, or an umbrella
    chart's `backstage.backstage:`), else None."""
    try:
        doc = parse(text)
    except YamlSyntaxError:
        return None
    root = doc.root.resolved if doc.root is not None else None
    if root is None or root.kind != "map":
        return None
    node = root.get("backstage")
    node = node.resolved if node is not None else None
    if node is None or node.kind != "map":
        return None
    inner = node.get("backstage")
    if inner is not None and inner.resolved.kind == "map" and set(inner.resolved.keys()) & CHART_KEYS:
        return Deployment(HELM, rel, path, text, base=["backstage", "backstage"], doc=doc, settings=inner.resolved)
    if not set(node.keys()) & CHART_KEYS:
        return None
    return Deployment(HELM, rel, path, text, base=["backstage"], doc=doc, settings=node)


def read_rhdh(rel: str, path: Path, text: str) -> Deployment | None:
    """The first RHDH Backstage custom resource of a manifest file, else None."""
    for _i, r, doc in _parsed_documents(text, _RHDH_RE):
        root = doc.root.resolved if doc.root is not None else None
        if root is None or root.kind != "map" or _scalar(root.get("kind")) != "Backstage":
            continue
        api = _scalar(root.get("apiVersion"))
        if not isinstance(api, str) or not api.startswith(RHDH_API_PREFIX):
            continue
        meta = root.get("metadata")
        name = _scalar(meta.resolved.get("name")) if meta is not None and meta.resolved.kind == "map" else None
        ns = _scalar(meta.resolved.get("namespace")) if meta is not None and meta.resolved.kind == "map" else None
        spec = root.get("spec")
        app = spec.resolved.get("application") if spec is not None and spec.resolved.kind == "map" else None
        return Deployment(RHDH, rel, path, text, name=str(name or ""), namespace=ns if isinstance(ns, str) else None,
                          doc=doc, region=r, settings=app.resolved if app is not None else None)
    return None


def find(repo: Path, yaml: RepoYaml | None = None) -> list[Deployment]:
    """Every deployment target in the repo: chart values files and RHDH Backstage CRs."""
    yaml = yaml or RepoYaml(repo)
    out: list[Deployment] = []
    for f in yaml.grep(_VALUES_RE):
        d = read_helm(f.rel, f.path, f.text)
        if d is not None:
            out.append(d)
    for f in yaml.grep(_RHDH_RE):
        d = read_rhdh(f.rel, f.path, f.text)
        if d is not None:
            out.append(d)
    return out


def load(repo: Path, kind: str, rel: str, yaml: RepoYaml | None = None) -> Deployment:
    """The deployment the answers name (its file read inside the repo, capped); BadInput when the file
    is not what the answer says."""
    path = repo / rel
    text = yaml.text(rel) if yaml is not None else None
    if text is None:
        text = safeio.read_repo_text(repo, path, rel, safeio.SMALL_FILE_CAP)
    real = safeio.check_in_repo(repo, path, rel)
    if kind == HELM:
        try:
            parse(text)
        except YamlSyntaxError as exc:
            if "more than one YAML document" in exc.problem:
                raise BadInput(f"{rel} is not a values file of the backstage Helm chart: it holds several YAML documents "
                               "(a manifest? an RHDH Backstage resource is named with rhdh:)") from None
            from wizard.core.configset import yaml_error_sentence

            raise BadInput(yaml_error_sentence(rel, text, exc)) from None
        d = read_helm(rel, real, text)
        if d is None:
            raise BadInput(f"{rel} is not a values file of the backstage Helm chart (no `backstage:` section with the "
                           "chart's keys: appConfig, image, args, extraEnvVarsSecrets...)")
        return d
    try:
        documents(text)
    except EmbeddedError as exc:
        raise BadInput(f"{rel}: {exc}") from None
    d = read_rhdh(rel, real, text)
    if d is None:
        raise BadInput(f"{rel} holds no Red Hat Developer Hub Backstage resource (kind: Backstage, apiVersion "
                       f"{RHDH_API_PREFIX}...)")
    return d


# ------------------------------------------------------------------------------------------------
# the --config trap


def image_configs(repo: Path) -> list[str]:
    """The app-config files the image's own CMD loads: create-app's Dockerfile names app-config.yaml and
    app-config.production.yaml; a Dockerfile's exec-form CMD says so when the repo has one."""
    for rel in ("packages/backend/Dockerfile", "Dockerfile"):
        text = safeio.try_read_repo_text(repo, repo / rel, safeio.SMALL_FILE_CAP)
        if text is None:
            continue
        named = []
        for m in re.finditer(r"^\s*CMD\s*\[(.*)\]\s*$", text, re.M):
            words = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))
            named = [words[i + 1] for i, w in enumerate(words[:-1]) if w == "--config"]
        named = [n for n in named if not n.startswith("/") and (repo / n).is_file()]
        if named:
            return named
    return [n for n in IMAGE_CONFIGS if (repo / n).is_file()]


@dataclass
class Trap:
    """Image app-configs a deployment will not load, and why."""

    missing: list[str]  # repo files the image's CMD would load and the deployment does not
    reason: str  # one sentence

    @property
    def sentence(self) -> str:
        return self.reason


def trap(d: Deployment, repo: Path, sources: list[Source] | None = None) -> Trap | None:
    if d.kind != HELM:
        return None
    sources = sources if sources is not None else d.sources(repo)
    loaded = {s.rel for s in sources if s.kind == "image"}
    missing = [n for n in image_configs(repo) if n not in loaded]
    if not missing:
        return None
    chart_configs = [s for s in sources if s.kind in ("configmap", "appConfig")]
    named = d.config_args()
    if chart_configs:
        why = ("the chart passes --config for " + ", ".join(s.describe() for s in chart_configs)
               + ", so Backstage loads only those and what backstage.args names"
               + (f" ({', '.join(named)})" if named else " (nothing)"))
    elif named:
        why = f"backstage.command/args name only {', '.join(named)}"
    else:
        why = ("backstage.command runs `" + " ".join(d.command) + "` without --config, so Backstage loads only its "
               "defaults (app-config.yaml and app-config.local.yaml)")
    return Trap(missing, f"{d.rel}: {why}: {', '.join(missing)} in the image {'is' if len(missing) == 1 else 'are'} "
                         "not read in production")


def kept_images(d: Deployment, repo: Path, before: list[Source], load_image_configs: bool) -> list[str]:
    """The image files a plan makes the chart name in backstage.args: those it loads now (a chart that
    loads the image's defaults stops doing so once it passes its own --config), and with
    `load_image_configs` every file the image's CMD names (the --config trap's fix); image order."""
    if d.kind != HELM:
        return []
    order = image_configs(repo)
    names = [s.rel for s in before if s.kind == "image" and s.rel] + (order if load_image_configs else [])
    names = list(dict.fromkeys(names))
    return sorted(names, key=lambda n: (order.index(n) if n in order else len(order), names.index(n)))


# ------------------------------------------------------------------------------------------------
# the config set a deployment loads


POD_DIR = Path("/pod")  # where an `$include` in a mounted app-config would be resolved: never in the repo


def virtual_config(repo: Path, v: Virtual, includes: Includes) -> ConfigFile:
    """An app-config held inside another file as a ConfigFile the planner edits (its `$include`s are
    files of the pod, which the wizard never follows)."""
    rel = f"{v.host_rel} ({v.label})"
    text = v.text
    doc = _parse_config(rel, text)
    if doc.root is not None and not (doc.root.kind == "map" or doc.root.is_null()):
        raise BadInput(f"{rel}:{doc.root.line + 1}: the top level must be a mapping of keys")
    f = ConfigFile(rel, repo / f"{v.host_rel}#{v.label}", text.encode("utf-8"), text, doc,
                   POD_DIR / PurePosixPath(v.pod_path).name, includes)
    _refuse_bad_directives(f)
    return f


def app_config_virtual(d: Deployment) -> Virtual | None:
    """backstage.appConfig of a values file as a Virtual (None: absent, null or {})."""
    assert d.doc is not None
    key, value = d.app_config_node
    pod = f"{d.install_dir}/{CHART_APP_CONFIG_FILE}"
    if key is None or value is None:
        return None
    if value.kind == "map" and not value.pairs:
        return None
    if value.kind == "scalar" and value.is_null():
        return None
    if value.kind == "scalar" and value.style == "|":
        raise BadInput(f"{d.rel}:{key.line + 1}: backstage.appConfig is a string; the chart expects a mapping "
                       "(`appConfig:` followed by the config's keys)")
    try:
        region = mapping_region(d.doc, key, value, "backstage.appConfig")
    except EmbeddedError as exc:
        raise BadInput(f"{d.rel}: {exc} (the wizard edits it as a block mapping under `appConfig:`)") from None
    return Virtual(d.rel, "backstage.appConfig", region, region.text, pod)


def configmap_virtual(rel: str, text: str, name: str, key: str, pod: str) -> Virtual | None:
    """The app-config under `data.<key>` of ConfigMap `name` in a manifest's text, as a Virtual (None: the
    manifest has no such ConfigMap or key)."""
    try:
        regions = documents(text)
    except EmbeddedError as exc:
        raise BadInput(f"{rel}: {exc}") from None
    for r in regions:
        for _, doc, n, keys in configmaps_in(r.text):
            if n != name or key not in keys:
                continue
            data_key = next(k for k, _ in doc.root.resolved.get("data").resolved.pairs if str(k.value) == key)  # type: ignore[union-attr]
            value = keys[key].resolved
            try:
                inner = block_scalar_region(doc, data_key, value, f"ConfigMap {name} key {key}",
                                            data_key.col + doc.style.indent)
            except EmbeddedError as exc:
                raise BadInput(f"{rel}: {exc}") from None
            region = Region(r.start + inner.start, r.start + inner.end, inner.indent, inner.lines, inner.text,
                            r.first_line + inner.first_line)
            return Virtual(rel, f"ConfigMap {name} key {key}", region, region.text, pod)
    return None


def production_configs(repo: Path, d: Deployment, yaml: RepoYaml, overlay: Overlay | None = None,
                       overlay_virtual: Virtual | None = None, includes: Includes | None = None,
                       keep_images: list[str] | None = None) -> tuple[ConfigSet, list[Source], dict[str, Virtual]]:
    """The app-configs the deployment loads, in order, as a ConfigSet (image files read as the repo has
    them, or as `yaml` overrides them; ConfigMaps of the repo and backstage.appConfig as virtual files),
    the sources, and the virtual files by their ConfigFile rel. A source the repo does not hold is left
    out (the sources say so)."""
    sources = d.sources(repo, yaml, overlay, keep_images)
    includes = includes or Includes(repo)
    files: list[ConfigFile] = []
    virtuals: dict[str, Virtual] = {}
    seen: set[str] = set()
    for s in sources:
        v: Virtual | None = None
        if s.kind == "image" and s.rel:
            if s.rel in seen:
                continue
            seen.add(s.rel)
            text = yaml.text(s.rel)
            if text is None:
                files.append(read_config(repo, s.rel, includes))
                continue
            f = read_config(repo, s.rel, includes) if text == _disk(repo, s.rel) else _from_text(repo, s.rel, text, includes)
            files.append(f)
            continue
        if s.kind == "appConfig":
            v = overlay_virtual if overlay is not None and overlay.kind == "appConfig" and overlay_virtual is not None \
                else app_config_virtual(d)
        elif s.kind == "configmap" and s.found and s.rel and s.configmap and s.key:
            if overlay is not None and overlay.configmap == s.configmap and overlay.key == s.key and overlay_virtual:
                v = overlay_virtual
            else:
                text = yaml.text(s.rel)
                v = configmap_virtual(s.rel, text, s.configmap, s.key, s.label) if text is not None else None
        if v is not None:
            f = virtual_config(repo, v, includes)
            includes.add_top(f)
            files.append(f)
            virtuals[f.rel] = v
    return ConfigSet(repo, files, True), sources, virtuals


def _disk(repo: Path, rel: str) -> str | None:
    return safeio.try_read_repo_text(repo, repo / rel, 10 * safeio.MIB)


def _from_text(repo: Path, rel: str, text: str, includes: Includes) -> ConfigFile:
    """A top-level config as a plan leaves it (its text, not the disk's)."""
    real = safeio.check_in_repo(repo, repo / rel, rel)
    doc = _parse_config(rel, text)
    f = ConfigFile(rel, real, text.encode("utf-8"), text, doc, Path(os.path.abspath(repo / rel)), includes)
    includes.add_top(f)
    return f


# ------------------------------------------------------------------------------------------------
# how the repo handles secrets


@dataclass
class SecretTool:
    kind: str  # "ExternalSecret" | "SealedSecret"
    rel: str
    name: str | None
    store: dict[str, Any] | None = None  # an ExternalSecret's secretStoreRef


_SECRET_KINDS_RE = re.compile(r"^kind:[ \t]*['\"]?(ExternalSecret|SealedSecret)['\"]?[ \t]*(#.*)?\r?$", re.M)


def secret_tools(yaml: RepoYaml) -> list[SecretTool]:
    """ExternalSecret / SealedSecret resources the repo already uses (the way it gets secrets to pods)."""
    out: list[SecretTool] = []
    for f in yaml.grep(_SECRET_KINDS_RE):
        for _i, _r, doc in _parsed_documents(f.text, _SECRET_KINDS_RE):
            data = doc.root.to_python() if doc.root is not None else None
            if not isinstance(data, dict) or data.get("kind") not in ("ExternalSecret", "SealedSecret"):
                continue
            meta = found if isinstance(found := data.get("metadata"), dict) else {}
            spec = found if isinstance(found := data.get("spec"), dict) else {}
            store = found if isinstance(found := spec.get("secretStoreRef"), dict) else None
            out.append(SecretTool(str(data["kind"]), f.rel, meta.get("name"),
                                  {k: v for k, v in (store or {}).items() if k in ("name", "kind")} or None))
    return out


# ------------------------------------------------------------------------------------------------
# for front ends: the deployments found, and the question to ask


@dataclass
class TargetSummary:
    """A deployment the repo holds, as the deployment question shows it."""

    kind: str  # HELM | RHDH
    file: str
    where: str  # "Helm chart values deploy/values.yaml"
    loads: list[str]  # what Backstage loads there, in order
    environment: str  # the auth environment there (auth.environment, else development)
    trap: str | None  # the --config trap, one sentence (None: none)
    configured: bool  # auth.providers.spectrocloud.<environment> is in what it loads
    problem: str | None = None  # why it could not be read (a broken ConfigMap...)

    def answer(self) -> dict[str, Any]:
        """The answers-file form of choosing it (`deployment:`)."""
        return {"helmValues": self.file} if self.kind == HELM else {"rhdh": self.file}


def summaries(repo: Path) -> list[TargetSummary]:
    from wizard.core.answers import Answers
    from wizard.core.plan import auth_environment

    yaml = RepoYaml(repo)
    out: list[TargetSummary] = []
    for t in find(repo, yaml):
        try:
            prod, sources, _ = production_configs(repo, t, yaml)
        except BadInput as exc:
            out.append(TargetSummary(t.kind, t.rel, t.where(), [], "development", None, False, str(exc)))
            continue
        env = auth_environment(prod, Answers())
        tr = trap(t, repo, sources)
        configured = isinstance(prod.effective(["auth", "providers", "spectrocloud", env]), dict)
        out.append(TargetSummary(t.kind, t.rel, t.where(), [s.describe() for s in sources], env,
                                 tr.sentence if tr else None, configured))
    return out
