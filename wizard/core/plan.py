"""The config patch engine: answers -> the exact new text of each file, and why.

The plan runs in phases (extensions, auth provider, kubernetes shape, clusters, cluster provider).
Each phase computes non-overlapping splices against the current parse of every file, applies them
and re-parses, so a later phase sees the structure an earlier one created; the re-parse reads again
only the top-level sections the splices touched (yamldoc.reparse: the same Document a full parse
gives). Text outside the edited nodes is never re-emitted. Before a plan is returned, every changed
file is parsed whole from its final text and checked to say what the plan meant it to say; a
mismatch refuses the plan rather than writing it.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from wizard.core import edits, facts, frontend, safeio
from wizard.core.answers import Answers, ClusterAnswer
from wizard.core.changes import FileChange
from wizard.core.clusters import Cluster, config_clusters, config_method
from wizard.core.envrefs import env_var_of, is_env_reference, ref as _ref
from wizard.core.configset import ConfigFile, ConfigSet
from wizard.core.edits import EditError, Splice
from wizard.core.mask import mask_text
from wizard.core.migration import provider_resources
from wizard.core.packages import (
    InstallStep, add_commands, fix_wrong_package, index_change, install_steps, missing, to_wire,
)
from wizard.core.repo import RepoInfo
from wizard.core.yamldoc import Node, YamlSyntaxError, mappings
from wizard.errors import BadInput, WizardError


class AnswerError(BadInput):
    """The answers ask for something the config cannot give (an unknown cluster...): exit 2."""


class PlanError(WizardError):
    """The engine could not produce a safe edit (exit 1; nothing is written)."""

    exit_code = 1


@dataclass
class Plan:
    repo: Path
    changes: list[FileChange] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)  # what the plan does, one line each
    notes: list[str] = field(default_factory=list)  # what the user must know (changed values, env vars)
    installs: list[InstallStep] = field(default_factory=list)  # one add command per workspace, run first
    env_vars: list[str] = field(default_factory=list)  # variables the written config references
    manual: list[str] = field(default_factory=list)  # what the wizard cannot do safely: the line to add by hand
    frontend: frontend.Wiring | None = None  # how the frontend is wired, and why

    @property
    def install(self) -> InstallStep | None:
        """The first install step (the contract's `install` object predates several steps)."""
        return self.installs[0] if self.installs else None

    @property
    def packages(self) -> list[str]:
        return [p for step in self.installs for p in step.packages]

    @property
    def empty(self) -> bool:
        return not self.changes and not self.installs

    def install_json(self) -> dict[str, Any] | None:
        """`install` of `plan --json`: the first step's fields (as before), every step, and every package
        with the command that adds it."""
        if not self.installs:
            return None
        first = self.installs[0]
        return {
            "package": first.package, "workspace": first.workspace, "command": first.display,
            "steps": [s.to_json() for s in self.installs],
            "packages": [{"package": p, "workspace": s.workspace, "command": s.display} for s in self.installs for p in s.packages],
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": True,
            "changes": [{"file": c.rel, "diff": c.diff()} for c in self.changes],
            "actions": self.actions,
            "notes": self.notes,
            "install": self.install_json(),
            "envVars": self.env_vars,
            "manual": self.manual,
            "frontend": self.frontend.to_json() if self.frontend is not None else None,
        }


# ------------------------------------------------------------------------------------------------
# working state


class _State:
    def __init__(self, configs: ConfigSet, answers: Answers, wiring: frontend.Wiring | None = None):
        self.configs = configs
        self.answers = answers
        self.wiring = wiring
        self.files: list[ConfigFile] = list(configs.files)
        self.actions: list[str] = []
        self.notes: list[str] = []
        self.expect: list[Callable[[list[ConfigFile]], str | None]] = []
        self.made: set[str] = set()  # files whose current Document a commit made: no one else holds it

    def defining(self, path: list[str]) -> list[ConfigFile]:
        """Files that define `path` (null included), in merge order, as they are now."""
        return [f for f in self.files if f.doc.node_at(path) is not None]

    def first_with_prefix(self, path: list[str]) -> ConfigFile:
        """The file a new key at `path` goes to: where most of its parents already are, else the first."""
        for depth in range(len(path) - 1, 0, -1):
            files = [f for f in self.defining(path[:depth]) if _is_map_or_null(f.doc.node_at(path[:depth]))]
            if files:
                return files[0]
        return self.files[0]

    def commit(self, batches: dict[str, list[Splice]]) -> None:
        """Apply a phase's splices, so that the next phase sees the structure this one created. Only
        the top-level sections the splices touch are parsed again (yamldoc.reparse); `settle` reads
        each changed file whole once the phases are done."""
        for i, f in enumerate(self.files):
            splices = batches.get(f.rel)
            if not splices:
                continue
            with _refused_if_unsafe(f):
                newline = f.doc.style.newline
                text = edits.apply_splices(f.text, splices, newline)
                self.files[i] = f.reparse(text, edits.splice_spans(splices, newline), owned=f.rel in self.made)
                self.made.add(f.rel)

    def settle(self) -> None:
        """Parse whole every file a commit left partly carried over: the check of the result (and the
        plan's final Documents) must come from reading the final text, as a loader will."""
        for i, f in enumerate(self.files):
            if f.doc.partial:
                with _refused_if_unsafe(f):
                    self.files[i] = f.reparse(f.text)


@contextmanager
def _refused_if_unsafe(f: ConfigFile) -> Iterator[None]:
    """An edit that does not apply or does not parse is the engine's fault: refuse the plan."""
    try:
        yield
    except (EditError, YamlSyntaxError) as exc:
        raise PlanError(
            f"{f.rel}: the wizard could not edit this file safely ({exc}); nothing was written — "
            "please report this with the file (secrets removed)"
        ) from None


def _is_map_or_null(node: Node | None) -> bool:
    return node is not None and (node.kind == "map" or node.is_null())


def _add(batches: dict[str, list[Splice]], f: ConfigFile, splices: list[Splice]) -> None:
    if splices:
        batches.setdefault(f.rel, []).extend(splices)


# ------------------------------------------------------------------------------------------------
# phase 1: disable the default Kubernetes auth providers


def extension_id(item: Node) -> str | None:
    item = item.resolved
    if item.kind == "scalar":
        return item.value
    if item.kind == "map" and len(item.pairs) == 1 and item.pairs[0][0].kind == "scalar":
        return item.pairs[0][0].value
    return None


def extension_disabled(item: Node) -> bool:
    """Whether an `app.extensions` entry disables its extension (Backstage's own rules)."""
    item = item.resolved
    if item.kind != "map" or len(item.pairs) != 1:
        return False
    value = item.pairs[0][1].resolved
    v = value.to_python()
    if v is False or v == "false":
        return True
    if isinstance(v, dict) and set(v) <= {"attachTo", "disabled", "config"}:
        return v.get("disabled") in (True, "true")
    return False


def _phase_extensions(st: _State) -> dict[str, list[Splice]]:
    batches: dict[str, list[Splice]] = {}
    if st.wiring is not None and not st.wiring.extension_entry:
        return batches  # a legacy app: app.extensions means nothing to its frontend
    entry = {facts.EXTENSION_ID: False}
    files = [f for f in st.defining(["app", "extensions"])]
    seqs = []
    for f in files:
        node = f.doc.node_at(["app", "extensions"])
        if node is None or node.is_null():
            seqs.append((f, None))
            continue
        if node.kind != "seq":
            raise BadInput(
                f"{f.rel}:{node.line + 1}:{node.col + 1}: app.extensions must be a list, as Backstage expects; "
                "fix it and run again"
            )
        seqs.append((f, node))
    if not seqs:
        target = st.first_with_prefix(["app", "extensions"])
        _add(batches, target, edits.create_path(target.doc, ["app", "extensions"], [entry]))
        st.actions.append(f"{target.rel}: add app.extensions with `{facts.EXTENSION_ID}: false` (disables the default Kubernetes auth providers)")
        return batches
    for f, seq in seqs:
        if seq is None:
            k, v = f.doc.node_at(["app"]).pair("extensions")  # type: ignore[union-attr]
            _add(batches, f, edits.fill_value(f.doc, k, v, [entry]))
            st.actions.append(f"{f.rel}: app.extensions: add `{facts.EXTENSION_ID}: false`")
            continue
        correct = [i for i, it in enumerate(seq.items) if extension_id(it) == facts.EXTENSION_ID]
        guide = [i for i, it in enumerate(seq.items) if extension_id(it) == facts.GUIDE_EXTENSION_ID]
        splices: list[Splice] = []
        if correct:
            first = correct[0]
            if not extension_disabled(seq.items[first]):
                splices += edits.replace_item(f.doc, seq, first, entry)
                st.actions.append(f"{f.rel}:{seq.items[first].line + 1}: set `{facts.EXTENSION_ID}` to false (it was enabled)")
            for i in guide:
                splices += edits.delete_item(f.doc, seq, i)
                st.actions.append(
                    f"{f.rel}:{seq.items[i].line + 1}: remove the guide's `{facts.GUIDE_EXTENSION_ID}` entry "
                    "(not an extension ID; Backstage rejects it)"
                )
        elif guide:
            splices += edits.replace_item(f.doc, seq, guide[0], entry)
            st.actions.append(
                f"{f.rel}:{seq.items[guide[0]].line + 1}: replace the guide's `{facts.GUIDE_EXTENSION_ID}` "
                f"(INVALID_EXTENSION_CONFIG_KEY) with `{facts.EXTENSION_ID}: false`"
            )
            for i in guide[1:]:
                splices += edits.delete_item(f.doc, seq, i)
        else:
            splices += edits.append_items(f.doc, seq, [entry])
            st.actions.append(f"{f.rel}: app.extensions: add `{facts.EXTENSION_ID}: false` (disables the default Kubernetes auth providers)")
        _add(batches, f, splices)
    return batches


# ------------------------------------------------------------------------------------------------
# phase 2: auth.providers.spectrocloud.<env>


def auth_environment(st_or_configs: Any, answers: Answers) -> str:
    if answers.environment:
        return answers.environment
    configs = st_or_configs.configs if isinstance(st_or_configs, _State) else st_or_configs
    env = configs.effective(["auth", "environment"])
    return env if isinstance(env, str) and env and "${" not in env else "development"


def desired_provider(st: _State, env: str) -> dict[str, Any]:
    a = st.answers
    desired: dict[str, Any] = {
        "clientId": _ref(a.clientIdEnv),
        "clientSecret": _ref(a.clientSecretEnv),
        "authorizationUrl": a.authorization_url(),
    }
    # callbackUrl is Backstage's own optional key: without it each environment's backend uses its
    # own <backend.baseUrl>/api/auth/spectrocloud/handler/frame. A value computed here from the merged
    # files would pin one environment's URL (say production's baseUrl) for every other one.
    if a.callbackUrl:
        desired["callbackUrl"] = a.callbackUrl
    if a.scope:
        desired["scope"] = a.scope
    if a.signInResolvers:
        desired["signIn"] = {"resolvers": [{"resolver": r} for r in a.signInResolvers]}
    return desired


def _phase_auth(st: _State) -> dict[str, list[Splice]]:
    batches: dict[str, list[Splice]] = {}
    env = auth_environment(st, st.answers)
    path = ["auth", "providers", facts.PROVIDER, env]
    desired = desired_provider(st, env)
    st.env_used = env  # type: ignore[attr-defined]
    where = ".".join(path)
    files = [f for f in st.defining(path)]
    maps = []
    for f in files:
        node = f.doc.node_at(path)
        if node is not None and node.kind == "map":
            maps.append((f, node))
        elif node is not None and not node.is_null():
            raise BadInput(f"{f.rel}:{node.line + 1}:{node.col + 1}: {where} must be a mapping; fix it and run again")
    if not maps:
        null_files = [f for f in files if f.doc.node_at(path) is not None]
        target = null_files[0] if null_files else st.first_with_prefix(path)
        if null_files:
            parent = target.doc.node_at(path[:-1])
            k, v = parent.pair(env)  # type: ignore[union-attr]
            _add(batches, target, edits.fill_value(target.doc, k, v, desired))
        else:
            _add(batches, target, edits.create_path(target.doc, path, desired))
        st.actions.append(f"{target.rel}: add {where} (client ID and secret as ${{VAR}} references, the authorization URL)")
        return batches
    # complete / correct the existing definition(s)
    missing = dict(desired)
    for f, node in maps:
        splices: list[Splice] = []
        for key, want in desired.items():
            found = node.pair(key)
            if found is None:
                continue
            missing.pop(key, None)
            k, v = found
            have = v.to_python()
            if have == want:
                continue
            if key == "clientSecret" and isinstance(have, str) and not is_env_reference(have):
                st.notes.append(
                    f"{f.rel}:{v.line + 1}: {where}.clientSecret held a literal secret; it now reads "
                    f"{want} — export {st.answers.clientSecretEnv} where Backstage runs, and rotate the old secret"
                )
            elif key == "clientId" and isinstance(have, str) and not is_env_reference(have):
                st.notes.append(
                    f"{f.rel}:{v.line + 1}: {where}.clientId was a literal value; it now reads {want} — "
                    f"export {st.answers.clientIdEnv} with that value where Backstage runs (the backup keeps it)"
                )
            else:
                shown = "****" if key == "clientSecret" else json.dumps(have)
                st.notes.append(f"{f.rel}:{v.line + 1}: {where}.{key} changes from {shown} to {json.dumps(want)}")
            splices += edits.replace_value(f.doc, k, v, want, edits.neighbour_quote(node))
            st.actions.append(f"{f.rel}: set {where}.{key}")
        _add(batches, f, splices)
    if missing:
        f, node = maps[0]
        _add(batches, f, edits.add_pairs(f.doc, node, list(missing.items())))
        st.actions.append(f"{f.rel}: complete {where} with {', '.join(missing)}")
    return batches


# ------------------------------------------------------------------------------------------------
# phase 3: the shape Backstage's kubernetes backend reads


def _phase_kube_shape(st: _State) -> dict[str, list[Splice]]:
    batches: dict[str, list[Splice]] = {}
    needs_kube = bool(st.answers.clusters or st.answers.migrate)
    for f in st.files:
        kube = f.doc.node_at(["kubernetes"])
        if kube is None or kube.kind != "map":
            continue
        flat = kube.pair("clusters")
        if flat is None:
            continue
        needs_kube = True
        k, v = flat
        methods = kube.get("clusterLocatorMethods")
        if methods is None:
            _add(batches, f, _move_flat_clusters(f, kube, k, v))
            st.actions.append(
                f"{f.rel}:{k.line + 1}: move the guide's flat kubernetes.clusters under "
                "kubernetes.clusterLocatorMethods[type: config] (Backstage does not read the flat form)"
            )
        else:
            _add(batches, f, _merge_flat_clusters(st, f, kube, k, v, methods))
    if needs_kube or st.defining(["kubernetes", "clusterLocatorMethods"]):
        if not st.defining(["kubernetes", "serviceLocatorMethod"]):
            target = st.first_with_prefix(["kubernetes", "serviceLocatorMethod"])
            _add(batches, target, edits.create_path(target.doc, ["kubernetes", "serviceLocatorMethod"], dict(facts.DEFAULT_SERVICE_LOCATOR)))
            st.actions.append(f"{target.rel}: add kubernetes.serviceLocatorMethod (type: multiTenant), required by the backend")
    return batches


def _move_flat_clusters(f: ConfigFile, kube: Node, key: Node, value: Node) -> list[Splice]:
    """`clusters:` -> `clusterLocatorMethods: - type: config  clusters:`, keeping the list's own text."""
    doc = f.doc
    style = doc.style
    kcol = key.col
    dash = kcol + style.seq_indent
    inner = dash + style.seq_offset
    delta = inner - kcol
    start = doc.line_start(key.start)
    end = edits.after_line(doc, value)
    original = doc.text[key.start: end]
    lines = original.splitlines(keepends=True)
    moved = [lines[0]] + [(" " * delta + ln) if ln.strip() else ln for ln in lines[1:]]
    head = (
        " " * kcol + "clusterLocatorMethods:\n"
        + " " * dash + "-" + " " * (style.seq_offset - 1) + "type: config\n"
        + " " * inner
    )
    body = "".join(moved)
    if not body.endswith("\n"):
        body += "\n"
    # splice text is written with "\n" (apply_splices converts to the file's line ending), so the
    # moved original lines are brought to that form first
    if style.newline != "\n":
        body = body.replace(style.newline, "\n")
    return [Splice(start, end, head + body)]


def _merge_flat_clusters(st: _State, f: ConfigFile, kube: Node, key: Node, value: Node, methods: Node) -> list[Splice]:
    """Both a flat list and clusterLocatorMethods: append the flat clusters to the config method."""
    doc = f.doc
    clusters = value.to_python() or []
    splices: list[Splice] = []
    config_item = config_method(methods)
    if config_item is None:
        if methods.kind != "seq":
            raise BadInput(f"{f.rel}:{methods.line + 1}: kubernetes.clusterLocatorMethods must be a list")
        splices += edits.append_items(doc, methods, [{"type": "config", "clusters": clusters}])
    else:
        seq = config_item.get("clusters")
        if seq is not None and seq.kind == "seq":
            splices += edits.append_items(doc, seq, clusters)
        elif seq is not None:
            k, v = config_item.pair("clusters")  # type: ignore[misc]
            splices += edits.fill_value(doc, k, v, clusters)
        else:
            splices += edits.add_pairs(doc, config_item, [("clusters", clusters)])
    splices += edits.delete_pair(doc, kube, "clusters")
    st.actions.append(
        f"{f.rel}:{key.line + 1}: move the guide's flat kubernetes.clusters into clusterLocatorMethods[type: config]"
    )
    return splices


# ------------------------------------------------------------------------------------------------
# phase 4: clusters (add, update, migrate)


def _phase_clusters(st: _State) -> dict[str, list[Splice]]:
    batches: dict[str, list[Splice]] = {}
    a = st.answers
    existing = config_clusters(st.files)
    by_name: dict[str, list[Cluster]] = {}
    for c in existing:
        by_name.setdefault(c.name, []).append(c)
    updates: dict[int, tuple[Cluster, ClusterAnswer | None]] = {}

    targets: list[str] = []
    if a.migrate == "all":
        targets = sorted({c.name for c in existing if c.state.migratable})
    elif a.migrate:
        for name in a.migrate:
            refs = by_name.get(name)
            if not refs:
                known = ", ".join(sorted(by_name)) or "none"
                raise AnswerError(f"migrate: no cluster named {name!r} in kubernetes.clusterLocatorMethods (configured: {known})")
            other = [r for r in refs if r.state.refused_by_migrate]
            if other:
                raise AnswerError(
                    f"migrate: cluster {name!r} uses authProvider {other[0].auth} ({other[0].file.rel}:{other[0].node.line + 1}); "
                    "migrate switches service-account clusters only — list it under clusters: to move it to SpectroCloud OIDC"
                )
            targets.append(name)
    for name in targets:
        for ref in by_name.get(name, []):
            updates[id(ref.node)] = (ref, None)
            if ref.state.value == "oidc-other":
                st.notes.append(f"cluster {name}: oidcTokenProvider {ref.token_provider} -> {facts.PROVIDER} ({ref.file.rel}:"
                                f"{ref.line}): its users sign in with SpectroCloud now, and its API server must trust "
                                "SpectroCloud's issuer (`spectro-wizard login` shows the flags)")
    new_clusters: list[ClusterAnswer] = []
    for ca in a.clusters:
        refs = by_name.get(ca.name)
        if refs:
            for ref in refs:
                updates[id(ref.node)] = (ref, ca)
        else:
            if not ca.url:
                raise AnswerError(f"clusters: {ca.name!r} is a new cluster: give its url")
            new_clusters.append(ca)

    for ref, ca in updates.values():
        splices = _update_cluster(st, ref, ca)
        _add(batches, ref.file, splices)
    if new_clusters:
        _add_new_clusters(st, batches, new_clusters)
    return batches


def new_cluster_entry(ca: ClusterAnswer) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": ca.name, "url": ca.url}
    entry["authProvider"] = facts.AUTH_PROVIDER_OIDC
    entry["oidcTokenProvider"] = facts.PROVIDER
    entry.update(ca.tls_fields())
    return entry


def _add_new_clusters(st: _State, batches: dict[str, list[Splice]], clusters: list[ClusterAnswer]) -> None:
    entries = [new_cluster_entry(c) for c in clusters]
    names = ", ".join(c.name for c in clusters)
    files = [f for f in st.defining(["kubernetes", "clusterLocatorMethods"])]
    if not files:
        target = st.first_with_prefix(["kubernetes", "clusterLocatorMethods"])
        _add(batches, target, edits.create_path(
            target.doc, ["kubernetes", "clusterLocatorMethods"], [{"type": "config", "clusters": entries}]))
        st.actions.append(f"{target.rel}: add kubernetes.clusterLocatorMethods (type: config) with {names} on SpectroCloud OIDC")
        return
    if len(files) > 1:
        st.notes.append(
            "kubernetes.clusterLocatorMethods is defined in " + ", ".join(f.rel for f in files)
            + "; each replaces the other when loaded, so new clusters are added to each"
        )
    for f in files:
        methods = f.doc.node_at(["kubernetes", "clusterLocatorMethods"])
        assert methods is not None
        if methods.is_null():
            k, v = f.doc.node_at(["kubernetes"]).pair("clusterLocatorMethods")  # type: ignore[union-attr]
            _add(batches, f, edits.fill_value(f.doc, k, v, [{"type": "config", "clusters": entries}]))
        elif methods.kind != "seq":
            raise BadInput(f"{f.rel}:{methods.line + 1}:{methods.col + 1}: kubernetes.clusterLocatorMethods must be a list")
        else:
            config_item = config_method(methods)
            if config_item is None:
                _add(batches, f, edits.append_items(f.doc, methods, [{"type": "config", "clusters": entries}]))
            else:
                seq = config_item.get("clusters")
                if seq is None:
                    _add(batches, f, edits.add_pairs(f.doc, config_item, [("clusters", entries)]))
                elif seq.kind == "seq":
                    _add(batches, f, edits.append_items(f.doc, seq, entries, edits.neighbour_quote(seq.items[0] if seq.items else None)))
                else:
                    k, v = config_item.pair("clusters")  # type: ignore[misc]
                    _add(batches, f, edits.fill_value(f.doc, k, v, entries))
        st.actions.append(f"{f.rel}: add cluster(s) {names} to kubernetes.clusterLocatorMethods[type: config] on SpectroCloud OIDC")


def _update_cluster(st: _State, ref: Cluster, ca: ClusterAnswer | None) -> list[Splice]:
    doc, node = ref.file.doc, ref.node
    splices: list[Splice] = []
    what: list[str] = []
    quote = edits.neighbour_quote(node)
    if ca is not None and ca.url:
        found = node.pair("url")
        if found is None:
            splices += edits.add_pairs(doc, node, [("url", ca.url)])
            what.append("url")
        elif found[1].to_python() != ca.url:
            st.notes.append(f"{ref.file.rel}:{found[1].line + 1}: cluster {ref.name}: url changes from {found[1].to_python()} to {ca.url}")
            splices += edits.set_scalar(doc, found[1], ca.url)
            what.append("url")
    new_after_auth: list[tuple[str, Any]] = []
    auth = node.pair("authProvider")
    if auth is None:
        new_after_auth.append(("authProvider", facts.AUTH_PROVIDER_OIDC))
    elif auth[1].to_python() != facts.AUTH_PROVIDER_OIDC:
        splices += edits.set_scalar(doc, auth[1], facts.AUTH_PROVIDER_OIDC)
    tp = node.pair("oidcTokenProvider")
    if tp is None:
        new_after_auth.append(("oidcTokenProvider", facts.PROVIDER))
    elif tp[1].to_python() != facts.PROVIDER:
        splices += edits.set_scalar(doc, tp[1], facts.PROVIDER)
    if new_after_auth:
        if auth is not None:
            splices += edits.insert_pairs_after(doc, node, "authProvider", new_after_auth)
        elif node.pair("url") is not None:
            splices += edits.insert_pairs_after(doc, node, "url", new_after_auth)
        else:
            splices += edits.add_pairs(doc, node, new_after_auth, quote)
    if auth is None or auth[1].to_python() != facts.AUTH_PROVIDER_OIDC or tp is None or tp[1].to_python() != facts.PROVIDER:
        what.append("authProvider: oidc + oidcTokenProvider: spectrocloud")
    sat = node.pair("serviceAccountToken")
    if sat is not None:
        splices += edits.delete_pair(doc, node, "serviceAccountToken")
        value = sat[1].to_python()
        var = env_var_of(value)
        if var is not None:
            st.notes.append(f"cluster {ref.name}: serviceAccountToken ({value}) removed; revoke the token once the switch is verified (variable {var})")
        else:
            st.notes.append(f"cluster {ref.name}: a literal serviceAccountToken was removed from {ref.file.rel}; revoke that token once the switch is verified")
        what.append("drop serviceAccountToken")
    if ca is not None:
        tls = ca.tls_fields()
        for key in ("skipTLSVerify", "caData", "caFile"):
            found = node.pair(key)
            if key in tls:
                if found is None:
                    splices += edits.add_pairs(doc, node, [(key, tls[key])], quote)
                    what.append(key)
                elif found[1].to_python() != tls[key]:
                    splices += edits.set_scalar(doc, found[1], tls[key])
                    what.append(key)
            elif tls and found is not None:
                splices += edits.delete_pair(doc, node, key)
                what.append(f"drop {key}")
    if splices:
        st.actions.append(f"{ref.file.rel}:{node.line + 1}: cluster {ref.name}: " + ", ".join(what))
    return _merge_same_point_inserts(splices)


def _merge_same_point_inserts(splices: list[Splice]) -> list[Splice]:
    """Two inserts at one offset would be fine, but one insert reads better in a diff: join them."""
    out: list[Splice] = []
    for sp in splices:
        if out and sp.start == sp.end and out[-1].start == out[-1].end == sp.start:
            out[-1] = Splice(sp.start, sp.end, out[-1].text + (sp.text[1:] if sp.text.startswith("\n") and out[-1].text.endswith("\n") else sp.text))
        else:
            out.append(sp)
    return out


# ------------------------------------------------------------------------------------------------
# phase 5: SpectroCloud cluster provider in OIDC mode


def _phase_cluster_provider(st: _State) -> dict[str, list[Splice]]:
    batches: dict[str, list[Splice]] = {}
    p = st.answers.clusterProvider
    if p is None:
        return batches
    path = ["spectrocloud", "environments"]
    cp_settings: dict[str, Any] = {"authType": "oidc", "oidcAuthProviderName": facts.PROVIDER}
    if p.includeProjects is not None:
        cp_settings["includeProjects"] = p.includeProjects
    if p.excludeProjects is not None:
        cp_settings["excludeProjects"] = p.excludeProjects
    entry: dict[str, Any] = {"name": p.name, "url": p.url}
    if p.tenant:
        entry["tenant"] = p.tenant
    entry["apiToken"] = _ref(p.apiTokenEnv)
    entry["clusterProvider"] = cp_settings
    matched = False
    for f in st.defining(path):
        for it in mappings(f.doc.node_at(path)):
            name = it.get("name")
            if name is None or name.resolved.to_python() != p.name:
                continue
            matched = True
            _add(batches, f, _update_environment(st, f, it, entry, cp_settings))
    if matched:
        return batches
    files = [f for f in st.defining(path) if (f.doc.node_at(path) is not None and f.doc.node_at(path).kind == "seq")]
    if files:
        for f in files:
            seq = f.doc.node_at(path)
            _add(batches, f, edits.append_items(f.doc, seq, [entry]))  # type: ignore[arg-type]
            st.actions.append(f"{f.rel}: add spectrocloud.environments entry {p.name!r} in OIDC mode")
    else:
        target = st.first_with_prefix(path)
        _add(batches, target, edits.create_path(target.doc, path, [entry]))
        st.actions.append(f"{target.rel}: add spectrocloud.environments with {p.name!r} (cluster provider in OIDC mode)")
    return batches


def _update_environment(st: _State, f: ConfigFile, env: Node, entry: dict[str, Any], cp: dict[str, Any]) -> list[Splice]:
    doc = f.doc
    splices: list[Splice] = []
    what: list[str] = []
    missing: list[tuple[str, Any]] = []
    for key in ("url", "tenant", "apiToken"):
        if key not in entry:
            continue
        found = env.pair(key)
        if found is None:
            missing.append((key, entry[key]))
            what.append(key)
        elif found[1].to_python() != entry[key]:
            old = found[1].to_python()
            if key == "apiToken" and isinstance(old, str) and not is_env_reference(old):
                st.notes.append(f"{f.rel}:{found[1].line + 1}: a literal Palette API token was replaced by {entry[key]}; export it where Backstage runs and rotate the old one")
            elif key != "apiToken":
                st.notes.append(f"{f.rel}:{found[1].line + 1}: environment {entry['name']}: {key} changes from {old} to {entry[key]}")
            splices += edits.set_scalar(doc, found[1], entry[key])
            what.append(key)
    cpn = env.pair("clusterProvider")
    if cpn is None:
        missing.append(("clusterProvider", cp))
        what.append("clusterProvider (oidc)")
    else:
        k, v = cpn
        if v.kind == "map" and v.pairs:
            add: list[tuple[str, Any]] = []
            for key, want in cp.items():
                found = v.pair(key)
                if found is None:
                    add.append((key, want))
                elif found[1].to_python() != want:
                    splices += edits.replace_value(doc, found[0], found[1], want)
                else:
                    continue
                what.append(f"clusterProvider.{key}")
            splices += edits.add_pairs(doc, v, add)
            if v.get("authType") is not None and v.get("authType").to_python() == "serviceAccount":
                r = provider_resources(v.get("rbac").to_python() if v.get("rbac") is not None else None)
                st.notes.append(
                    f"environment {entry['name']}: switching from serviceAccount to oidc; the cluster provider no longer "
                    f"needs {r['namespace']}/{r['serviceAccountName']} and ClusterRole {r['clusterRoleName']} in each "
                    "cluster (apply prints the kubectl commands to delete them once verified)"
                )
        else:
            splices += edits.fill_value(doc, k, v, cp)
            what.append("clusterProvider (oidc)")
    if missing:
        splices += edits.add_pairs(doc, env, missing)
    if what:
        st.actions.append(f"{f.rel}:{env.line + 1}: spectrocloud environment {entry['name']}: " + ", ".join(what))
    return splices


# ------------------------------------------------------------------------------------------------
# entry point


PHASES = (_phase_extensions, _phase_auth, _phase_kube_shape, _phase_clusters, _phase_cluster_provider)


def _refuse_unwirable(repo: RepoInfo) -> None:
    """Both halves or none: without the app or the backend workspace a setup would be half done."""
    if repo.package_errors:
        raise BadInput(repo.package_errors[0] + "; fix it and run again")
    if repo.app is None:
        raise PlanError(f"no frontend workspace found ({repo.app_evidence}); the setup needs both the app and the "
                        "backend, so nothing was written — mark the app's package.json with "
                        "\"backstage\": {\"role\": \"frontend\"}")
    if repo.backend is None:
        raise PlanError(f"no backend workspace found ({repo.backend_evidence}); the setup needs both the app and the "
                        "backend, so nothing was written — mark the backend's package.json with "
                        "\"backstage\": {\"role\": \"backend\"}")


def make_plan(repo: RepoInfo, configs: ConfigSet, answers: Answers, skip_install: bool = False) -> Plan:
    _refuse_unwirable(repo)
    wiring = frontend.decide(frontend.inspect(repo, configs), answers)
    if wiring.refusal:
        raise PlanError(wiring.refusal + "; nothing was written")
    st = _State(configs, answers, wiring)
    for phase in PHASES:
        try:
            batches = phase(st)
        except EditError as exc:
            raise PlanError(f"cannot plan this edit: {exc}") from None
        st.commit(batches)
    st.settle()
    plan = Plan(repo.root)
    originals = {f.rel: f for f in configs.files}
    for f in st.files:
        before = originals[f.rel].text
        if f.text != before:
            plan.changes.append(FileChange(f.rel, originals[f.rel].path, before, f.text))
    plan.changes += fix_wrong_package(repo)
    if any(c.kind == "package.json" for c in plan.changes):
        st.actions.append(f"remove the guide's wrong package name {facts.GUIDE_WRONG_MODULE_PKG} from package.json (it does not exist on npm)")
    plan.frontend = wiring
    plan.installs = install_steps(repo, answers, skip_install, wiring.app_packages)
    wanted = to_wire(repo, answers, plan.installs)
    index, manual = index_change(repo, wanted)
    if index is not None:
        plan.changes.append(index)
        wired = [p for p in wanted if p not in repo.backend_added]
        st.actions.append(f"{index.rel}: load " + ", ".join(wired) + " with backend.add(import(...)) before backend.start()")
    if manual:
        plan.manual.append(manual)
        st.notes.append(manual)
    _wire_frontend(repo, wiring, plan, st)
    for step in plan.installs:
        st.actions.append(f"add {', '.join(step.packages)} to {step.workspace}: {step.display}")
    plan.actions = st.actions
    plan.notes = st.notes
    lacking = missing(repo, answers, wiring.app_packages)
    if lacking and not plan.installs:
        cmds = "; ".join(step.display for step in add_commands(repo, lacking))
        plan.notes.append("not installed (the install step is off): " + ", ".join(r.package for r in lacking)
                          + (f" — add them with: {cmds}" if cmds else ""))
    plan.env_vars = sorted({answers.clientIdEnv, answers.clientSecretEnv} | ({answers.clusterProvider.apiTokenEnv} if answers.clusterProvider else set()))
    if wiring.other_oidc_note:
        plan.notes.append(wiring.other_oidc_note)
    _verify(st, answers, plan)
    # every front end shows these as they are (plan, apply, the TUI, plain mode): they quote config
    # values (URLs, names), so they go through the masker once, here
    plan.actions = [mask_text(a) for a in plan.actions]
    plan.notes = [mask_text(n) for n in plan.notes]
    plan.manual = [mask_text(m) for m in plan.manual]
    return plan


def _wire_frontend(repo: RepoInfo, wiring: frontend.Wiring, plan: Plan, st: _State) -> None:
    """The TypeScript half of the frontend wiring: apis.ts (legacy) or the in-app module and App.tsx.
    Wired only when packages/app declares (or this plan installs) what the code imports: code importing a
    package that is not installed would break the app's build."""
    from wizard.core import apis_ts, app_tsx

    app = repo.app
    assert app is not None
    installing = {p for step in plan.installs if step.workspace == app.rel for p in step.packages}
    absent = [p for p in wiring.app_packages if not app.has(p) and p not in installing]

    def by_hand(why: str) -> None:
        plan.manual.append(why)
        st.notes.append(why)

    if wiring.kind == frontend.APIS_TS:
        path = repo.apis_ts or app.dir / "src" / "apis.ts"
        rel = path.relative_to(repo.root).as_posix()
        if absent:
            by_hand(f"{rel} is not wired yet: it imports {', '.join(absent)}, which {app.rel} does not declare and this "
                    "run does not install (installs are off); add them, then run apply again")
            return
        if repo.apis_ts is None:
            by_hand(f"{rel} not found: a legacy app registers its API factories there; create it with "
                    "`export const apis: AnyApiFactory[] = [];`, pass `apis` to createApp in App.tsx, and run apply again")
            return
        text = _source(repo, path, rel)
        edit = apis_ts.wire_spectrocloud(text, rel)
        if edit.manual:
            by_hand(edit.manual)
        elif edit.changed:
            plan.changes.append(FileChange(rel, path, text, edit.after, kind="apis.ts"))
            st.actions.append(f"{rel}: register the SpectroCloud auth API and the Kubernetes auth providers with spectrocloud "
                              f"({'; '.join(edit.added)})")
        return
    if wiring.kind != frontend.IN_APP:
        return
    tsx = repo.app_tsx
    if tsx is None:
        by_hand(f"{app.rel}/src/App.tsx not found: the in-app module is added to createApp({{ features }}) there")
        return
    tsx_rel = tsx.relative_to(repo.root).as_posix()
    if absent:
        by_hand(f"{tsx_rel} is not wired yet: the in-app module imports {', '.join(absent)}, which {app.rel} does not "
                "declare and this run does not install (installs are off); add them, then run apply again")
        return
    tsx_text = _source(repo, tsx, tsx_rel)
    feats = [app_tsx.SPECTROCLOUD_MODULE] + ([app_tsx.KUBERNETES_PLUGIN] if wiring.kubernetes_feature else [])
    edit = app_tsx.add_features(tsx_text, feats, tsx_rel)
    if edit.manual:
        by_hand(edit.manual)
        return
    module = app.dir / frontend.MODULE_FILE
    module_rel = module.relative_to(repo.root).as_posix()
    if module.exists() or module.is_symlink():
        existing = _source(repo, module, module_rel)
        if not app_tsx.is_module_file(existing):
            by_hand(f"{module_rel} exists and is not the wizard's SpectroCloud module; the wizard never overwrites it — "
                    "move it away, or make it export spectroCloudKubernetesModule (`spectro-wizard hints frontend-in-app`)")
            return
    else:
        plan.changes.append(FileChange(module_rel, module, "", app_tsx.module_file(tsx_text, tsx_rel), kind="module",
                                       created=True))
        st.actions.append(f"{module_rel}: create the SpectroCloud frontend module (the SpectroCloud auth API, the Kubernetes "
                          "auth providers with spectrocloud and the plugin's five)")
    if edit.changed:
        plan.changes.append(FileChange(tsx_rel, tsx, tsx_text, edit.after, kind="App.tsx"))
        st.actions.append(f"{tsx_rel}: add {', '.join(f.name for f in feats)} to createApp({{ features }})")


def _source(repo: RepoInfo, path: Path, rel: str) -> str:
    try:
        return safeio.read_repo_text(repo.root, path, rel, safeio.SOURCE_CAP)
    except BadInput as exc:
        raise BadInput(f"{exc}; the wizard reads it to wire the frontend") from None


def _verify(st: _State, answers: Answers, plan: Plan) -> None:
    """Re-read the result and check it says what the plan meant; refuse otherwise."""
    from wizard.core.configset import ConfigSet as _CS

    result = _CS(st.configs.repo, st.files, st.configs.explicit)
    problems: list[str] = []
    for f in st.files:
        if f.doc.duplicates:
            problems.append(f"{f.rel}: duplicate key {f.doc.duplicates[0][0]!r} after the edit")
    env = getattr(st, "env_used", "development")
    prov = result.effective(["auth", "providers", facts.PROVIDER, env]) or {}
    if not isinstance(prov, dict) or prov.get("clientSecret") != _ref(answers.clientSecretEnv):
        problems.append("auth provider not as planned")
    ext_ok = False
    for f in result.defining(["app", "extensions"]):
        seq = f.doc.node_at(["app", "extensions"])
        if seq is not None and seq.kind == "seq" and any(
            extension_id(i) == facts.EXTENSION_ID and extension_disabled(i) for i in seq.items
        ):
            ext_ok = True
    if not ext_ok and (st.wiring is None or st.wiring.extension_entry):
        problems.append("app.extensions entry not as planned")
    refs = config_clusters(st.files)
    wanted = {c.name for c in answers.clusters}
    if isinstance(answers.migrate, list):
        wanted |= set(answers.migrate)
    for r in refs:
        if r.name in wanted and (r.auth != facts.AUTH_PROVIDER_OIDC or r.token_provider != facts.PROVIDER):
            problems.append(f"cluster {r.name} not switched")
        if r.name in wanted and r.node.get("serviceAccountToken") is not None:
            problems.append(f"cluster {r.name} still has serviceAccountToken")
    missing = wanted - {r.name for r in refs}
    if missing:
        problems.append("clusters not written: " + ", ".join(sorted(missing)))
    if answers.migrate == "all" and any(r.state.migratable for r in refs):
        problems.append("some clusters were not migrated")
    if problems:
        raise PlanError(
            "the planned edit did not produce the expected config (" + "; ".join(problems)
            + "); nothing was written — please report this"
        )
