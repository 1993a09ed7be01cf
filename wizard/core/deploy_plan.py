"""The production half of a plan: the config a deployed Backstage loads, written where it loads it.

`make_plan` (plan.py) calls `plan_deployment` when the answers name a deployment (`deployment:
helmValues` or `rhdh`). The production config set is what the deployment makes Backstage load, in
order (deployment.production_configs): the image's app-configs the chart names with `--config` (as
the plan's own edits leave them), the ConfigMaps the repo holds, and backstage.appConfig. The planner's
phases run over that set unchanged, with the production auth environment, so every edit follows the
same rules as for the app's own configs: a key already defined is edited where it is defined (arrays
in every file that defines them, since each replaces the other); what is defined nowhere goes to the
deployment's own app-config (the "overlay"): backstage.appConfig of the values file (the default), or
an app-config of its own in a ConfigMap (`configIn: configMap`; always for RHDH), its manifest
created when the repo has none, and named in `backstage.extraAppConfig` (RHDH:
`spec.application.appConfig.configMaps`).

An app-config held inside another file is edited through `embedded.Region`: the lines an edit does not
change are the host's own bytes. Then the host files get the entries that make the pod load the
overlay and get its secrets (`extraEnvVarsSecrets` / `extraEnvs.secrets`: the Secret's NAME, never a
value), and, for the --config trap, `backstage.args` naming the image's app-config files when
answered (and always when the overlay itself would start the trap: a chart that loaded the image's
defaults stops doing so once it passes its own --config). Every changed file is a FileChange (new
files `created=True`), so backups, undo and the all-or-nothing apply work as for the configs. Before
the plan is returned, the production config is read again from the final texts and checked.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from wizard.core import deployment as dep_mod
from wizard.core import edits, facts, frontend
from wizard.core import plan as plan_mod
from wizard.core.answers import Answers, DeploymentAnswer
from wizard.core.changes import FileChange
from wizard.core.clusters import config_clusters
from wizard.core.configset import ConfigFile, ConfigSet, Includes
from wizard.core.deployment import HELM, RHDH, Deployment, Overlay, RepoYaml, Source, Virtual
from wizard.core.edits import Splice
from wizard.core.embedded import Region, documents, indent_text
from wizard.core.envrefs import default_of, env_var_of
from wizard.core.mask import mask_text
from wizard.core.plan import AnswerError, Plan, PlanError, _State
from wizard.core.render import block_at
from wizard.core.repo import RepoInfo
from wizard.core.yamldoc import Document, Node, Style, YamlSyntaxError, parse
from wizard.errors import BadInput

OVERLAY_KEY = "app-config.spectrocloud.yaml"  # the overlay's file name in a ConfigMap (and in the pod)
MANIFEST_NAME = "spectrocloud-app-config.yaml"  # the ConfigMap manifest the wizard creates, beside the values
ENV_FILE = "spectrocloud.env"


@dataclass
class DeploymentPlan:
    """What the plan does for production, for front ends (`plan --json`: `deployment`)."""

    kind: str
    file: str
    where: str  # "Helm chart values deploy/values.yaml"
    config_in: str  # "appConfig" | "configMap"
    why: str  # the choice explained
    environment: str
    loads_before: list[str]
    loads_after: list[str]
    secret_name: str
    namespace: str
    env_vars: list[str]
    secret_steps: list[str]
    trap: str | None = None  # the --config trap as found (one sentence), None when there is none
    trap_fixed: bool = False  # the plan names the image's app-configs in backstage.args
    image_note: str = ""  # what still needs a new image (packages, index.ts, the frontend wiring)
    unseen: list[str] = field(default_factory=list)  # sources the deployment loads that the repo does not hold

    def lines(self) -> list[str]:
        out = [f"Deployment: {self.where} → {self.why}",
               f"  auth environment in production: {self.environment}",
               "  Backstage will load, in order: " + "; ".join(self.loads_after)]
        if self.trap:
            out.append(("  fixed (backstage.args names them now): " if self.trap_fixed else "  ! --config trap: ")
                       + self.trap + ("" if self.trap_fixed else
                                      " — to load them, name them in backstage.args (the wizard's Production step, or "
                                      "deployment.loadImageConfigs: true in the answers); the SpectroCloud settings of "
                                      "this plan are written where the deployment loads them either way"))
        for u in self.unseen:
            out.append(f"  ! loaded but not in the repo (the wizard cannot see what it sets): {u}")
        if self.image_note:
            out.append(f"  {self.image_note}")
        out.append(f"  Secret {self.secret_name} (namespace {self.namespace}) must hold {', '.join(self.env_vars)}:")
        out += [f"    {s}" for s in self.secret_steps]
        return out

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "file": self.file, "where": self.where, "configIn": self.config_in, "why": self.why,
                "environment": self.environment, "loadsBefore": self.loads_before, "loadsAfter": self.loads_after,
                "secretName": self.secret_name, "namespace": self.namespace, "envVars": self.env_vars,
                "secretSteps": self.secret_steps, "trap": self.trap, "trapFixed": self.trap_fixed,
                "imageNote": self.image_note, "unseen": self.unseen}


class _DeployState(_State):
    """The planner's state over the production config set: what is defined nowhere is written to the
    deployment's own app-config (the overlay), not to the first file."""

    def __init__(self, configs: ConfigSet, answers: Answers, wiring: frontend.Wiring | None, overlay_rel: str):
        super().__init__(configs, answers, wiring)
        self.overlay_rel = overlay_rel
        self.last_locators_only = False  # `defining` of clusterLocatorMethods: the one Backstage uses

    def defining(self, path: list[str]) -> list[Any]:
        locs = super().defining(path)
        if self.last_locators_only and path == ["kubernetes", "clusterLocatorMethods"]:
            return locs[-1:]
        return locs

    def create(self, batches: dict[str, list[Splice]], path: list[str], leaf: Any) -> ConfigFile:
        f = next(f for f in self.files if f.rel == self.overlay_rel)
        top = self.inc.top_loc(f)
        if top.opaque is not None:
            raise top.opaque
        plan_mod._add(batches, f, edits.create_path(f.doc, path, leaf))
        return f


# ------------------------------------------------------------------------------------------------
# entry point


def make_plan(repo: RepoInfo, configs: ConfigSet, answers: Answers, skip_install: bool = False,
              dry_run: bool = False) -> Plan:
    """The whole plan: plan.make_plan, then, when the answers name a deployment, its production half."""
    plan = plan_mod.make_plan(repo, configs, answers, skip_install=skip_install, dry_run=dry_run)
    if answers.deployment is not None:
        assert plan.frontend is not None
        plan_deployment(plan, repo, configs, answers, plan.frontend)
    return plan


def plan_deployment(plan: Plan, repo: RepoInfo, configs: ConfigSet, answers: Answers, wiring: frontend.Wiring) -> None:
    d = answers.deployment
    assert d is not None
    root = repo.root
    yaml = RepoYaml(root)
    for ch in plan.changes:  # the repo as the rest of this plan leaves it
        if ch.rel.endswith((".yaml", ".yml")):
            yaml.override(ch.rel, ch.after)
    target = dep_mod.load(root, d.kind, d.file, yaml)
    d = resolved_answer(d, target)
    before = target.sources(root, yaml)
    overlay, virtual, why = _overlay(root, target, d, yaml)
    includes = _seeded_includes(root, plan, configs)
    keep = dep_mod.kept_images(target, root, before, d.loadImageConfigs)
    prod, sources, virtuals = dep_mod.production_configs(root, target, yaml, overlay, virtual, includes, keep)
    env = _environment(prod, d, target)
    prod_answers = _production_answers(answers, env, prod)
    prod_wiring = wiring if target.kind == HELM else replace(wiring, extension_entry=False)
    overlay_rel = next(rel for rel, v in virtuals.items() if v is virtual)
    st = _DeployState(prod, prod_answers, prod_wiring, overlay_rel)
    plan_mod._run_phases(st)
    _served_clusters(st)
    # the config files and the files they include: merged into the plan's own changes
    originals = {f.rel: f.text for f in prod.files}
    for f in st.files:
        if f.rel in virtuals:
            continue
        if f.text != originals[f.rel]:
            _merge_change(plan, f.rel, f.path, f.text)
    for g in st.inc.included_files():
        first = st.inc.originals[g.path].text
        if g.text != first:
            _merge_change(plan, g.rel, g.path, g.text)
            st.notes.append(f"{g.rel} is included by {st.inc.reached[g.path]} (`$include`): the edit is made there")
    new_texts = {rel: f.text for rel, f in ((f.rel, f) for f in st.files) if rel in virtuals}
    hosts = _host_edits(root, target, d, yaml, overlay, virtuals, new_texts, st, keep)
    for rel, (path, before_text, after_text, created) in hosts.items():
        if after_text != before_text:
            _merge_change(plan, rel, path, after_text, created=created)
    # as plan.make_plan does: they quote config values, so they go through the masker once, here
    plan.refusals += [mask_text(u.sentence("; ".join(wants))) for u, wants in st.refusals.values()]
    plan.manual += [mask_text(_placed(m, virtuals)) for m in st.manual]
    plan.actions += [mask_text(_placed(a, virtuals)) for a in st.actions]
    plan.notes += [mask_text(_placed(n, virtuals)) for n in st.notes]
    wrote = new_texts.get(overlay_rel, virtual.text) != virtual.text
    if not wrote:
        why = ("nothing new goes into " + why.split(":", 1)[0].replace("the production settings go into ", "")
               + ": what the deployment loads already holds the settings, or gets them where it defines them")
    summary = _summary(root, target, d, before, overlay, why, env, plan, yaml, st)
    plan.deployment = summary
    _check_result(root, plan, d, env, prod_answers, prod_wiring, summary)


def _served_clusters(st: _DeployState) -> None:
    """An answered cluster that only an earlier file lists is not served: the last file that defines
    kubernetes.clusterLocatorMethods replaces the others (the image's app-config.yaml, where the rest of the
    plan adds it, is replaced by a ConfigMap that defines its own list). Such a cluster is added there."""
    from wizard.core.clusters import effective_cluster_files

    if "_phase_clusters" in st.refused or not st.answers.clusters:
        return
    served = {c.name for c in config_clusters(effective_cluster_files(st.files))}
    missing = [c for c in st.answers.clusters if c.name not in served and c.url]
    if not missing or not st.defining(["kubernetes", "clusterLocatorMethods"]):
        return
    batches: dict[str, list[Splice]] = {}
    st.last_locators_only = True
    try:
        plan_mod._add_new_clusters(st, batches, missing)
    finally:
        st.last_locators_only = False
    st.commit(batches)
    st.settle()


def _served_check(st: _State, answers: Answers) -> list[str]:
    """The answered clusters the deployment does not serve on SpectroCloud OIDC."""
    from wizard.core.clusters import effective_cluster_files

    served = {c.name: c for c in config_clusters(effective_cluster_files(st.files))}
    wanted = [c.name for c in answers.clusters] + (list(answers.migrate) if isinstance(answers.migrate, list) else [])
    return [n for n in wanted if n not in served or served[n].auth != facts.AUTH_PROVIDER_OIDC
            or served[n].token_provider != facts.PROVIDER]


# ------------------------------------------------------------------------------------------------
# where the production settings go


def _overlay(root: Path, t: Deployment, d: DeploymentAnswer, yaml: RepoYaml) -> tuple[Overlay, Virtual, str]:
    if d.config_in == "appConfig":
        v = dep_mod.app_config_virtual(t)
        if v is None:
            v = Virtual(t.rel, "backstage.appConfig", None, "", f"{t.install_dir}/{dep_mod.CHART_APP_CONFIG_FILE}")
        why = ("the production settings go into backstage.appConfig: what the config the deployment loads lacks is "
               "written there (the chart renders it into a ConfigMap and passes it last, so it wins), what it defines is "
               "edited where it is; only ${VAR} references are written, never a secret")
        return Overlay("appConfig"), v, why
    name = d.configMap or (f"{t.name}-spectrocloud-app-config" if t.kind == RHDH and t.name else d.configmap_name)
    manifest = d.manifest or _beside(t.rel, MANIFEST_NAME)
    key = OVERLAY_KEY
    pod = f"{t.install_dir if t.kind == HELM else t.rhdh_mount}/{key}"
    overlay = Overlay("configmap", name, key, manifest)
    text = yaml.text(manifest)
    v = dep_mod.configmap_virtual(manifest, text, name, key, pod) if text is not None else None
    if v is None:
        v = Virtual(manifest, f"ConfigMap {name} key {key}", None, "", pod)
    why = (f"the production settings go into {key} of ConfigMap {name} ({manifest}): what the config the deployment "
           "loads lacks is written there, "
           + ("listed in spec.application.appConfig.configMaps (the operator passes it after its defaults)"
              if t.kind == RHDH else "named in backstage.extraAppConfig (the chart mounts it and passes --config for it)")
           + ", what it defines is edited where it is; only ${VAR} references are written, never a secret")
    return overlay, v, why


def resolved_answer(d: DeploymentAnswer, t: Deployment) -> DeploymentAnswer:
    """The answer with the names it leaves to the wizard filled in: for RHDH the Secret is named after
    the Backstage resource and the namespace is the resource's own when it says one."""
    if t.kind != RHDH:
        return d
    return replace(d, secretName=d.secretName or (f"{t.name}-spectrocloud" if t.name else None),
                   namespace=t.namespace or d.namespace)


def _beside(rel: str, name: str) -> str:
    parent = PurePosixPath(rel).parent
    return name if str(parent) == "." else f"{parent}/{name}"


def _seeded_includes(root: Path, plan: Plan, configs: ConfigSet) -> Includes:
    """An `$include` registry that reads the included files the rest of the plan edits as it leaves them."""
    inc = Includes(root)
    for f in configs.files:
        if f.includes is None:
            continue
        for real, g in f.includes.originals.items():
            ch = next((c for c in plan.changes if c.path == real), None)
            if ch is None or real in inc.files:
                continue
            new = g.reparse(ch.after)
            new.includes = inc
            inc.files[real] = new
            inc.originals[real] = new
            inc.reached[real] = f.includes.reached.get(real, "")
    return inc


def _environment(prod: ConfigSet, d: DeploymentAnswer, t: Deployment) -> str:
    """The auth environment the deployed backend uses: auth.environment of what it loads (a ${VAR:-x}
    means x; Backstage's default is development). An answer must agree with an environment the config
    sets; where none is set, an answer other than development cannot work and is refused."""
    raw = prod.effective(["auth", "environment"])
    configured = raw if isinstance(raw, str) and raw and "${" not in raw else default_of(raw)
    configured = configured if configured and "${" not in configured else None
    if d.environment:
        if configured and configured != d.environment:
            raise AnswerError(f"deployment.environment is {d.environment}, but what {t.rel} makes Backstage load sets "
                              f"auth.environment to {configured}: the provider must be written for {configured} — "
                              "change the answer (or auth.environment where it is set)")
        if not configured and d.environment != "development":
            raise AnswerError(f"deployment.environment is {d.environment}, but nothing {t.rel} makes Backstage load sets "
                              "auth.environment, so the backend uses development; set auth.environment: "
                              f"{d.environment} in the deployment's config first (it changes every provider's "
                              "environment), or drop the answer")
        return d.environment
    return configured or "development"


def _production_answers(answers: Answers, env: str, prod: ConfigSet) -> Answers:
    """The answers for the production set: its environment, and the migrations of clusters it defines."""
    migrate = answers.migrate
    if isinstance(migrate, list):
        names = {c.name for c in config_clusters(prod.files)}
        migrate = [m for m in migrate if m in names] or None
    return replace(answers, environment=env, migrate=migrate, deployment=None)


def _merge_change(plan: Plan, rel: str, path: Path, after: str, created: bool = False) -> None:
    """The file's change in the plan: the production edit continues the one the plan already has."""
    for ch in plan.changes:
        if ch.rel == rel:
            ch.after = after
            return
    if created:
        plan.changes.append(FileChange(rel, path, "", after, kind="manifest", created=True))
        return
    from wizard.core import safeio

    before = safeio.read_repo_text(plan.repo, path, rel, 10 * safeio.MIB)
    plan.changes.append(FileChange(rel, path, before, after, kind="deployment"))


def _placed(text: str, virtuals: dict[str, Virtual]) -> str:
    """A phase's sentence about an embedded app-config, with its lines as the host file has them."""
    for rel, v in virtuals.items():
        if rel not in text:
            continue
        if v.region is not None:
            base = v.region.first_line
            # re.sub calls the lambda at once, in this iteration: no late binding
            text = re.sub(re.escape(rel) + r":(\d+)", lambda m: f"{v.host_rel}:{int(m.group(1)) + base} ({v.label})", text)  # noqa: B023
        text = text.replace(rel, f"{v.host_rel} ({v.label})")
    return text


# ------------------------------------------------------------------------------------------------
# the host files: the edited app-configs put back, and the entries that make the pod load them


def _host_edits(root: Path, t: Deployment, d: DeploymentAnswer, yaml: RepoYaml, overlay: Overlay,
                virtuals: dict[str, Virtual], new_texts: dict[str, str], st: _State, keep: list[str]
                ) -> dict[str, tuple[Path, str, str, bool]]:
    """rel -> (path, text before, text after, created) for each host file the production plan touches."""
    out: dict[str, tuple[Path, str, str, bool]] = {}

    def current(rel: str) -> str:
        return out[rel][2] if rel in out else (yaml.text(rel) or "")

    def put(rel: str, text: str, created: bool = False) -> None:
        before = out[rel][1] if rel in out else ("" if created else (yaml.text(rel) or ""))
        was_created = out[rel][3] if rel in out else created
        out[rel] = (root / rel, before, text, was_created)

    # 1. every embedded app-config that exists, its edit mapped back (from the end of each host up)
    by_host: dict[str, list[tuple[Region, str]]] = {}
    overlay_text = ""
    for rel, v in virtuals.items():
        new = new_texts.get(rel, v.text)
        if v.region is None:
            overlay_text = new
            continue
        if new != v.text:
            by_host.setdefault(v.host_rel, []).append((v.region, new))
    for host, items in by_host.items():
        text = current(host)
        for region, new in sorted(items, key=lambda p: -p[0].start):
            text = text[: region.start] + region.replacement(new) + text[region.end:]
        put(host, text)
    overlay_v = next(v for v in virtuals.values() if v.region is None) if any(
        v.region is None for v in virtuals.values()) else None
    # 2. the overlay written for the first time
    wrote_overlay = overlay_v is None or bool(overlay_text.strip())
    if overlay_v is not None and overlay_text.strip():
        if overlay.kind == "appConfig":
            put(t.rel, _with_app_config(current(t.rel), t, overlay_text))
        else:
            assert overlay.manifest and overlay.configmap and overlay.key
            existing = yaml.text(overlay.manifest)
            if existing is None:
                put(overlay.manifest, _new_manifest(overlay, overlay_text, d, t), created=True)
            else:
                put(overlay.manifest, _with_configmap(existing, overlay, overlay_text, d, t))
    # 3. the deployment's own entries: load the overlay, get the secrets, name the image's configs
    if t.kind == HELM:
        put(t.rel, _helm_entries(root, t, d, current(t.rel), overlay, wrote_overlay, st, keep))
    else:
        put(t.rel, _rhdh_entries(t, d, current(t.rel), overlay, wrote_overlay, st))
    return {rel: v for rel, v in out.items() if v[2] != v[1] or v[3]}


def _settings_node(t: Deployment, doc: Document) -> Node:
    node = doc.root.resolved if doc.root is not None else None
    for key in t.base:
        node = child.resolved if node is not None and (child := node.get(key)) is not None else None
    if node is None or node.kind != "map":
        raise PlanError(f"{t.rel}: {'.'.join(t.base)} is not a mapping any more; nothing was written")
    return node


def _reparse(rel: str, text: str) -> Document:
    try:
        return parse(text)
    except YamlSyntaxError as exc:
        raise PlanError(f"{rel}: the wizard could not edit this file safely ({exc}); nothing was written — "
                        "please report this with the file (secrets removed)") from None


def _apply(rel: str, doc: Document, splices: list[Splice]) -> str:
    try:
        return edits.apply_splices(doc.text, splices, doc.style.newline)
    except edits.EditError as exc:
        raise PlanError(f"{rel}: the wizard could not edit this file safely ({exc}); nothing was written") from None


def _with_app_config(text: str, t: Deployment, body: str) -> str:
    """`appConfig:` with `body` as its block: replacing {} or null, or added to the chart's settings."""
    doc = _reparse(t.rel, text)
    settings = _settings_node(t, doc)
    found = settings.pair("appConfig")
    if settings.flow:
        raise PlanError(f"{t.rel}: {'.'.join(t.base)} is written in flow style ({{...}}); write it as a block mapping "
                        "or add backstage.appConfig by hand — nothing was written")
    if found is not None:
        key, value = found
        col = key.col + doc.style.indent
        block = indent_text(body if body.endswith("\n") else body + "\n", col)
        splices: list[Splice] = []
        if not value.is_empty_value():
            splices.append(Splice(edits.colon_after(doc, key), value.end, ""))
        pos = doc.line_end(value.end if not value.is_empty_value() else key.end)
        splices.append(Splice(pos, pos, ("" if doc.text[pos - 1: pos] == "\n" else "\n") + block))
        return _apply(t.rel, doc, splices)
    first = settings.pairs[0][0]
    col = first.col
    pos = edits.after_line(doc, settings.pairs[-1][1])
    block = " " * col + "appConfig:\n" + indent_text(body if body.endswith("\n") else body + "\n", col + doc.style.indent)
    return _apply(t.rel, doc, [Splice(pos, pos, ("" if pos == 0 or doc.text[pos - 1] == "\n" else "\n") + block)])


def _manifest_doc(overlay: Overlay, body: str, d: DeploymentAnswer, t: Deployment) -> str:
    meta: dict[str, Any] = {"name": overlay.configmap}
    if t.kind == HELM:
        meta["namespace"] = d.namespace
    meta["labels"] = {"app.kubernetes.io/managed-by": "spectro-wizard"}
    head = block_at({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}, 0, Style()) + "\n"
    return head + f"data:\n  {overlay.key}: |\n" + indent_text(body if body.endswith("\n") else body + "\n", 4)


def _new_manifest(overlay: Overlay, body: str, d: DeploymentAnswer, t: Deployment) -> str:
    how = (f"named in backstage.extraAppConfig of {t.rel}" if t.kind == HELM
           else f"listed in spec.application.appConfig.configMaps of {t.rel}")
    apply = f"kubectl apply -n {d.namespace} -f {overlay.manifest}"
    header = (
        "# The app-config Backstage loads in production for SpectroCloud sign-in and Kubernetes access,\n"
        f"# written by spectro-wizard: a ConfigMap {how}.\n"
        "# It holds ${VAR} references only; the values come from the Secret the pod loads (never put one here).\n"
        f"# Apply it before the release: {apply}\n"
    )
    return header + _manifest_doc(overlay, body, d, t)


def _with_configmap(text: str, overlay: Overlay, body: str, d: DeploymentAnswer, t: Deployment) -> str:
    """An existing manifest: the key added to its ConfigMap, or the ConfigMap appended as a document."""
    rel = overlay.manifest or ""
    try:
        regions = documents(text)
    except Exception as exc:  # noqa: BLE001 - EmbeddedError: one sentence
        raise BadInput(f"{rel}: {exc}") from None
    for r in regions:
        for _, doc, name, _keys in dep_mod.configmaps_in(r.text):
            if name != overlay.configmap:
                continue
            data = doc.root.resolved.get("data") if doc.root is not None else None
            if data is None or data.resolved.kind != "map" or data.resolved.flow or not data.resolved.pairs:
                raise PlanError(f"{rel}: ConfigMap {name} has no block `data:` mapping to add {overlay.key} to; add "
                                f"`{overlay.key}: |` with the production settings by hand — nothing was written")
            data = data.resolved
            col = data.pairs[0][0].col
            pos = edits.after_line(doc, data.pairs[-1][1])
            block = " " * col + f"{overlay.key}: |\n" + indent_text(body if body.endswith("\n") else body + "\n",
                                                                   col + doc.style.indent)
            new_doc = edits.apply_splices(doc.text, [Splice(pos, pos, ("" if doc.text[pos - 1:pos] == "\n" else "\n")
                                                            + block)], doc.style.newline)
            return text[: r.start] + r.replacement(new_doc) + text[r.end:]
    sep = "" if text.endswith("\n") or not text else "\n"
    return text + sep + "---\n" + _manifest_doc(overlay, body, d, t)


def _append_unique(doc: Document, mapping: Node, key: str, item: Any, same: Any) -> list[Splice]:
    """`item` added to the list under `key` of `mapping` (created when absent or null) unless an item
    there is `same(item_value)`."""
    found = mapping.pair(key)
    if found is None:
        return edits.add_pairs(doc, mapping, [(key, [item])])
    k, v = found
    v = v.resolved
    if v.kind == "seq":
        if any(same(i.resolved.to_python()) for i in v.items):
            return []
        first = v.items[0].resolved if v.items else None
        return edits.append_items(doc, v, [item], edits.neighbour_quote(first) if first is not None else "")
    if v.kind == "scalar" and v.is_null():
        return edits.fill_value(doc, k, v, [item])
    raise PlanError(f"line {k.line + 1}: {key} is not a list; fix it and run again — nothing was written")


def _helm_entries(root: Path, t: Deployment, d: DeploymentAnswer, text: str, overlay: Overlay, wrote_overlay: bool,
                  st: _State, keep: list[str]) -> str:
    """extraAppConfig (the ConfigMap route), extraEnvVarsSecrets, and backstage.args naming the image files
    the production config set was planned with (`keep`: deployment.kept_images)."""
    doc = _reparse(t.rel, text)
    settings = _settings_node(t, doc)
    base = ".".join(t.base)
    splices: list[Splice] = []
    if overlay.kind == "configmap" and wrote_overlay:
        entry = {"filename": overlay.key, "configMapRef": overlay.configmap}
        s = _append_unique(doc, settings, "extraAppConfig", entry,
                           lambda x: isinstance(x, dict) and x.get("configMapRef") == overlay.configmap
                           and x.get("filename") == overlay.key)
        if s:
            st.actions.append(f"{t.rel}: {base}.extraAppConfig: add {overlay.key} from ConfigMap {overlay.configmap} "
                              "(the chart mounts it and passes --config for it)")
        splices += s
    needed = _secret_vars_missing(t, st)
    if needed:
        s = _append_unique(doc, settings, "extraEnvVarsSecrets", d.secret_name, lambda x: x == d.secret_name)
        if s:
            st.actions.append(f"{t.rel}: {base}.extraEnvVarsSecrets: add {d.secret_name} (the Secret that gives the pod "
                              f"{', '.join(needed)}; its values never go in a file)")
        splices += s
    after_t = dep_mod.read_helm(t.rel, t.path, text) or t
    loaded = {s.rel for s in after_t.sources(root, None, overlay if wrote_overlay else None) if s.kind == "image"}
    missing = [n for n in keep if n not in loaded]
    if missing:
        words = [w for n in missing for w in ("--config", n)]
        s = _extend_args(doc, settings, words)
        if s:
            before = {s.rel for s in t.sources(root) if s.kind == "image"}
            why = ("(the --config trap: answered with loadImageConfigs)" if any(n not in before for n in missing) else
                   "so Backstage keeps loading them now that the chart passes its own --config")
            st.actions.append(f"{t.rel}: {base}.args: add " + " ".join(words) + f" {why}")
        splices += s
    return _apply(t.rel, doc, splices) if splices else text


def _extend_args(doc: Document, settings: Node, words: list[str]) -> list[Splice]:
    found = settings.pair("args")
    if found is None:
        return edits.add_pairs(doc, settings, [("args", words)])
    k, v = found
    v = v.resolved
    if v.kind == "scalar" and v.is_null():
        return edits.fill_value(doc, k, v, words)
    if v.kind != "seq":
        raise PlanError(f"line {k.line + 1}: backstage.args is not a list; fix it and run again — nothing was written")
    have = [str(i.resolved.to_python()) for i in v.items]
    if have and "--config" in have:
        # the image's files come before any other --config (later files win): the list is rewritten in that order
        return edits.replace_value(doc, k, v, words + have)
    return edits.append_items(doc, v, words)


def _rhdh_entries(t: Deployment, d: DeploymentAnswer, text: str, overlay: Overlay, wrote_overlay: bool, st: _State) -> str:
    """spec.application.appConfig.configMaps and extraEnvs.secrets of the Backstage CR (in its document)."""
    t2 = dep_mod.read_rhdh(t.rel, t.path, text)
    if t2 is None or t2.region is None:
        raise PlanError(f"{t.rel}: the Backstage resource is no longer readable after the edit; nothing was written")
    region = t2.region
    doc = _reparse(t.rel, region.text)
    cr = t2.name or "(unnamed)"
    added: list[str] = []

    def step(doc: Document, path: list[str], item: dict[str, str], same: Any) -> Document:
        node = doc.node_at(path[:-1])
        if node is None or node.kind != "map":
            splices = edits.create_path(doc, path, [item])
        else:
            splices = _append_unique(doc, node, path[-1], item, same)
        if not splices:
            return doc
        added.append(".".join(path[1:]))
        return _reparse(t.rel, edits.apply_splices(doc.text, splices, doc.style.newline))

    if overlay.kind == "configmap" and wrote_overlay:
        # no `key`: the operator mounts every key of the ConfigMap, and the wizard's holds one
        item = {"name": overlay.configmap or ""}
        doc = step(doc, ["spec", "application", "appConfig", "configMaps"], item,
                   lambda x: isinstance(x, dict) and x.get("name") == overlay.configmap
                   and x.get("key") in (None, overlay.key))
        if added:
            st.actions.append(f"{t.rel}: Backstage {cr}: spec.application.appConfig.configMaps: add {overlay.configmap} "
                              "(the operator mounts it and passes it after RHDH's own app-config)")
    if _secret_vars_missing(t, st):
        n = len(added)
        doc = step(doc, ["spec", "application", "extraEnvs", "secrets"], {"name": d.secret_name},
                   lambda x: isinstance(x, dict) and x.get("name") == d.secret_name and not x.get("key"))
        if len(added) > n:
            st.actions.append(f"{t.rel}: Backstage {cr}: spec.application.extraEnvs.secrets: add {d.secret_name} (the "
                              "Secret that gives the pod the client ID and secret; its values never go in a file)")
    if doc.text == region.text:
        return text
    return text[: region.start] + region.replacement(doc.text) + text[region.end:]


def _needed_vars(st: _State) -> list[str]:
    """The variables the production config (as the phases leave it) reads the client ID and secret and
    a cluster provider's API token from."""
    return _config_vars(ConfigSet(st.configs.repo, st.files, True))


def _config_vars(prod: ConfigSet) -> list[str]:
    names: list[str] = []
    provider = prod.effective(["auth", "providers", facts.PROVIDER])
    if isinstance(provider, dict):
        for cfg in provider.values():
            if isinstance(cfg, dict):
                for key in ("clientId", "clientSecret"):
                    var = env_var_of(cfg.get(key))
                    if var:
                        names.append(var)
    envs = prod.effective(["spectrocloud", "environments"])
    for e in envs if isinstance(envs, list) else []:
        var = env_var_of(e.get("apiToken")) if isinstance(e, dict) else None
        if var:
            names.append(var)
    return list(dict.fromkeys(names))


def _secret_vars_missing(t: Deployment, st: _State) -> list[str]:
    """The variables the pod must get from the wizard's Secret: those the production config reads that
    extraEnvVars / extraEnvs.envs do not set one by one (a Secret of envFrom is opaque: any may hold them)."""
    return [v for v in _needed_vars(st) if v not in t.env_vars]


# ------------------------------------------------------------------------------------------------
# the summary, the Secret, the self-check


def _summary(root: Path, t: Deployment, d: DeploymentAnswer, before: list[Source], overlay: Overlay, why: str, env: str,
             plan: Plan, yaml: RepoYaml, st: _State) -> DeploymentPlan:
    after_yaml = RepoYaml(root)
    for ch in plan.changes:
        if ch.rel.endswith((".yaml", ".yml")):
            after_yaml.override(ch.rel, ch.after)
    t_after = dep_mod.load(root, t.kind, t.rel, after_yaml)
    after = t_after.sources(root, after_yaml)
    trap_before = dep_mod.trap(t, root, before)
    trap_after = dep_mod.trap(t_after, root, after)
    env_vars = _pod_env_vars(root, t_after, after_yaml)
    if t.kind == HELM:
        image = ("packages and packages/backend/src/index.ts (and the frontend wiring) are in the image: build and push a "
                 f"new image, set backstage.image.tag, then `helm upgrade {d.release} <chart> -n {d.namespace} -f {t.rel}` "
                 "(the app-backend serves the frontend's config at runtime, so app.extensions in a ConfigMap needs no new "
                 "image)")
    else:
        image = ("Red Hat Developer Hub runs its own image: this plan's packages, index.ts and frontend wiring do not "
                 "reach it; the TeraSky plugins are not packaged as RHDH dynamic plugins — export them as dynamic "
                 "plugins (`npx @red-hat-developer-hub/cli@latest plugin export`) and list them in the dynamic-plugins.yaml "
                 "ConfigMap")
    unseen = [s.describe() for s in after if not s.found]
    tools = dep_mod.secret_tools(after_yaml)
    return DeploymentPlan(
        t.kind, t.rel, t.where(), overlay.kind if overlay.kind == "appConfig" else "configMap", why, env,
        [s.describe() for s in before], [s.describe() for s in after], d.secret_name, d.namespace, env_vars,
        secret_steps(d.secret_name, d.namespace, env_vars, tools, t.rel),
        trap=found.sentence if (found := trap_before or trap_after) else None,
        trap_fixed=trap_after is None and trap_before is not None, image_note=image, unseen=unseen)


def _pod_env_vars(root: Path, t: Deployment, yaml: RepoYaml) -> list[str]:
    """The variables the production config reads its secrets (and client ID) from."""
    prod, _, _ = dep_mod.production_configs(root, t, yaml)
    return _config_vars(prod)


def secret_steps(name: str, namespace: str, env_vars: list[str], tools: list[dep_mod.SecretTool], near: str) -> list[str]:
    """How to make the Secret from the user's own environment: no value on a command line, none in a file
    of the repo (the env file is private and removed again)."""
    if not env_vars:
        return []
    q = shlex.quote
    pattern = q("^(" + "|".join(env_vars) + ")=")
    steps = [
        f"export {' and '.join(env_vars)} in this shell (`read -rs NAME && export NAME` keeps a value out of the history)",
        f"(umask 077 && env | grep -E {pattern} > {ENV_FILE})   # a private file of NAME=value lines, names only on the "
        "command line",
    ]
    sealed = next((x for x in tools if x.kind == "SealedSecret"), None)
    external = next((x for x in tools if x.kind == "ExternalSecret"), None)
    if sealed is not None:
        out = _beside(near, f"{name}-sealedsecret.yaml")
        steps.append(f"kubectl create secret generic {q(name)} -n {q(namespace)} --from-env-file={ENV_FILE} --dry-run=client "
                     f"-o yaml | kubeseal --format yaml > {q(out)}   # the repo uses SealedSecrets ({sealed.rel}): "
                     "commit the sealed file")
    else:
        steps.append(f"kubectl create secret generic {q(name)} -n {q(namespace)} --from-env-file={ENV_FILE} "
                     "--dry-run=client -o yaml | kubectl apply -f -")
    steps.append(f"rm -f {ENV_FILE}")
    if external is not None:
        store = external.store or {"name": "<your SecretStore>", "kind": "SecretStore"}
        manifest = {
            "apiVersion": "external-secrets.io/v1beta1", "kind": "ExternalSecret",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"secretStoreRef": store, "target": {"name": name},
                     "data": [{"secretKey": v, "remoteRef": {"key": f"<where your store keeps {v}>"}} for v in env_vars]},
        }
        steps.append(f"or, as the repo does with ExternalSecrets ({external.rel}), instead of the steps above:")
        steps += ["  " + line for line in block_at(manifest, 0, Style()).splitlines()]
    return steps


def _check_result(root: Path, plan: Plan, d: DeploymentAnswer, env: str, prod_answers: Answers,
                  wiring: frontend.Wiring, summary: DeploymentPlan) -> None:
    """Read the production config again from the final texts: it must say what the plan meant."""
    yaml = RepoYaml(root)
    for ch in plan.changes:
        if ch.rel.endswith((".yaml", ".yml")):
            yaml.override(ch.rel, ch.after)
            try:
                for r in documents(ch.after):
                    parse(r.text)
            except Exception as exc:  # noqa: BLE001 - a bug of the engine: refuse the plan
                raise PlanError(f"{ch.rel}: the edit does not read back as YAML ({exc}); nothing was written — please "
                                "report this") from None
    t = dep_mod.load(root, d.kind, d.file, yaml)
    prod, sources, _ = dep_mod.production_configs(root, t, yaml)
    if not prod.files:
        raise PlanError(f"{d.file}: after the edit the deployment loads no app-config the wizard can read; nothing was "
                        "written — please report this")
    st = _DeployState(prod, prod_answers, wiring, prod.files[-1].rel)
    st.settle()
    st.env_used = env  # type: ignore[attr-defined]
    if plan.refusals:
        st.refused |= {"_phase_auth", "_phase_extensions", "_phase_kube_shape", "_phase_clusters"}
    plan_mod._verify(st, prod_answers, plan)
    unserved = [] if plan.refusals else _served_check(st, prod_answers)
    if unserved:
        raise PlanError(f"the planned edit did not produce the expected production config (not served on SpectroCloud "
                        f"OIDC: {', '.join(unserved)}); nothing was written — please report this")
    if summary.config_in == "configMap" and not any(s.kind == "configmap" and s.configmap for s in sources) and \
            not plan.refusals and _overlay_written(plan, d):
        raise PlanError(f"{d.file}: after the edit the deployment does not load the wizard's ConfigMap; nothing was "
                        "written — please report this")


def _overlay_written(plan: Plan, d: DeploymentAnswer) -> bool:
    return any(ch.kind == "manifest" or (d.manifest and ch.rel == d.manifest) for ch in plan.changes)


__all__ = ["DeploymentPlan", "make_plan", "plan_deployment", "resolved_answer", "secret_steps"]
