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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from wizard.core import edits, facts, frontend, safeio
from wizard.core.answers import Answers, ClusterAnswer
from wizard.core.changes import FileChange
from wizard.core.clusters import Cluster, config_clusters, config_method_loc
from wizard.core.configset import ConfigFile, ConfigSet, IncludeError, Includes, Loc, Unfollowable
from wizard.core.directives import directive_problems
from wizard.core.edits import EditError, Splice
from wizard.core.envrefs import default_of, env_var_of, is_env_reference, shown
from wizard.core.envrefs import ref as _ref
from wizard.core.mask import mask_text
from wizard.core.migration import provider_resources
from wizard.core.packages import (
    InstallStep,
    add_commands,
    fix_wrong_package,
    index_change,
    install_steps,
    missing,
    not_wired,
    to_wire,
)
from wizard.core.repo import RepoInfo
from wizard.core.yamldoc import Node, YamlSyntaxError
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
    # what stops apply: a config directive (`$include`, `$file`, `$env`) the wizard cannot edit behind,
    # one sentence each naming the file, line and directive and what to add by hand (front ends show
    # them with the preflight problems: "Apply would stop before writing anything")
    refusals: list[str] = field(default_factory=list)
    # deploy_plan.DeploymentPlan: what the plan does for production (answers' deployment; deploy_plan.make_plan
    # extends this plan with it)
    deployment: Any = None

    @property
    def install(self) -> InstallStep | None:
        """The first install step (the contract's `install` object predates several steps)."""
        return self.installs[0] if self.installs else None

    @property
    def packages(self) -> list[str]:
        return [p for step in self.installs for p in step.packages]

    @property
    def empty(self) -> bool:
        return not self.changes and not self.installs and not self.refusals

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
        out = {
            "ok": True,
            "changes": [{"file": c.rel, "diff": c.diff()} for c in self.changes],
            "actions": self.actions,
            "notes": self.notes,
            "install": self.install_json(),
            "envVars": self.env_vars,
            "manual": self.manual,
            "frontend": self.frontend.to_json() if self.frontend is not None else None,
        }
        if self.deployment is not None:  # only with a deployment answer: the shape without one is unchanged
            out["deployment"] = self.deployment.to_json()
        return out


# ------------------------------------------------------------------------------------------------
# working state


_Placed = TypeVar("_Placed", Unfollowable, IncludeError)


class _State:
    """The files as the phases leave them. Every path is walked through `Includes` (configset):
    a `$include` at or above an edited key leads the edit into the included file (one more file the
    plan changes); a directive the wizard cannot see through raises its Unfollowable, which refuses
    the phase with `want` (what the phase would have written) as the thing to add by hand."""

    def __init__(self, configs: ConfigSet, answers: Answers, wiring: frontend.Wiring | None = None):
        self.configs = configs
        self.answers = answers
        self.wiring = wiring
        first = next((f.includes for f in configs.files if f.includes is not None), None)
        self.inc: Includes = (first or Includes(configs.repo)).fork([])
        self.files: list[ConfigFile] = [replace(f, includes=self.inc) for f in configs.files]
        for f in self.files:
            self.inc.add_top(f)
        for f in self.files:
            self.inc.check(f)  # a broken `$include` anywhere: Backstage would not start (BadInput)
        self.actions: list[str] = []
        self.notes: list[str] = []
        self.manual: list[str] = []  # what the wizard left for the user to check or add by hand
        self.refusals: dict[tuple[str, str, str, str], tuple[Unfollowable, list[str]]] = {}  # what stops apply: per directive, the wants
        self.refused: set[str] = set()  # the names of the refused phases
        self.want = "the settings"  # what the running phase would write (the end of a refusal's sentence)
        self.expect: list[Callable[[list[ConfigFile]], str | None]] = []
        self.made: set[str] = set()  # files whose current Document a commit made: no one else holds it
        self.wanted_in: dict[str, list[str]] = {}  # file -> what the phases that edited it wrote there
        self.history: dict[str, list[list[tuple[int, int, int]]]] = {}  # file -> each commit's spans (reparse's form)

    # ---- where paths lead --------------------------------------------------------------------

    def at(self, f: ConfigFile, path: list[str]) -> Loc:
        """How far `path` goes in the top-level config `f`, `$include`s followed (`found` keys)."""
        return self.inc.locate(f, path)

    def child(self, loc: Loc, key: str) -> Loc | None:
        return self.inc.child(loc, key)

    def defining(self, path: list[str]) -> list[Loc]:
        """Where `path` is defined (null included), in merge order, `$include`s followed: one Loc per
        place (two configs including one file define it once)."""
        out: list[Loc] = []
        seen: set[tuple[Path, int]] = set()
        for f in self.files:
            loc = self.at(f, path)
            if loc.found < len(path):
                continue
            place = (loc.file.path, loc.node.start if loc.node is not None else -1)
            if place not in seen:
                seen.add(place)
                out.append(loc)
        return out

    def create(self, batches: dict[str, list[Splice]], path: list[str], leaf: Any) -> ConfigFile:
        """Write `path` (defined in no file) with the value `leaf` where most of its parents already
        are (in an included file when they are there), else in the first file; returns that file."""
        target: Loc | None = None
        depth = 0
        for depth in range(len(path) - 1, 0, -1):
            for f in self.files:
                loc = self.at(f, path[:depth])
                if loc.found == depth and loc.opaque is not None:
                    raise loc.opaque
                if loc.found == depth and (loc.node is None or _is_map_or_null(loc.node)):
                    target = loc
                    break
            if target is not None:
                break
        else:
            depth = 0
            target = self.inc.top_loc(self.files[0])
            if target.opaque is not None:
                raise target.opaque
        _add(batches, target.file, edits.create_path(target.file.doc, target.inner + path[depth:], leaf))
        return target.file

    def fill(self, loc: Loc, value: Any) -> list[Splice]:
        """Give the null value at `loc` (or an empty included file) `value`."""
        if loc.same_file:
            assert loc.key is not None and loc.node is not None
            return edits.fill_value(loc.file.doc, loc.key, loc.node, value)
        return edits.create_path(loc.file.doc, loc.inner, value)

    def item(self, loc: Loc, index: int) -> Loc:
        return self.inc.item(loc, index)

    def value(self, f: ConfigFile, node: Node | None) -> Any:
        """The value of a node written under a key of `f`, as Backstage reads it (`$include`s followed)."""
        return self.inc.python(f, node)

    def all_files(self) -> list[ConfigFile]:
        """The top-level configs and the files they include, as they are now."""
        return self.files + self.inc.included_files()

    # ---- applying a phase --------------------------------------------------------------------

    def commit(self, batches: dict[str, list[Splice]]) -> None:
        """Apply a phase's splices, so that the next phase sees the structure this one created. Only
        the top-level sections the splices touch are parsed again (yamldoc.reparse); `settle` reads
        each changed file whole once the phases are done."""
        for f in self.all_files():
            splices = batches.get(f.rel)
            if not splices:
                continue
            with _refused_if_unsafe(f):
                newline = f.doc.style.newline
                text = edits.apply_splices(f.text, splices, newline)
                spans = edits.splice_spans(splices, newline)
                new = f.reparse(text, spans, owned=f.rel in self.made)
            self.history.setdefault(f.rel, []).append(sorted(spans))
            self._replace(f, new)
            self.made.add(f.rel)
            self.wanted_in.setdefault(f.rel, [])
            if self.want not in self.wanted_in[f.rel]:
                self.wanted_in[f.rel].append(self.want)

    def settle(self) -> None:
        """Parse whole every file a commit left partly carried over: the check of the result (and the
        plan's final Documents) must come from reading the final text, as a loader will."""
        for f in self.all_files():
            if f.doc.partial:
                with _refused_if_unsafe(f):
                    new = f.reparse(f.text)
                self._replace(f, new)

    def on_disk(self, u: _Placed) -> _Placed:
        """`u` with its line as the file has it on disk: the phases before may have inserted lines above."""
        offset = u.offset
        for spans in reversed(self.history.get(u.rel, [])):
            shift = 0
            for start, end, length in spans:  # in the text before that commit; sorted
                if offset < start + shift:
                    break
                if offset < start + shift + length:  # inside new text (not a directive the user wrote)
                    offset = start + shift
                    break
                shift += length - (end - start)
            offset -= shift
        original = next((f for f in self.configs.files if f.rel == u.rel), None)
        if original is None:
            original = next((g for g in self.inc.originals.values() if g.rel == u.rel), None)
        if original is not None and u.rel in self.history:
            u.line = original.doc.line_of(offset) + 1
        return u

    def _replace(self, old: ConfigFile, new: ConfigFile) -> None:
        self.files = [new if f is old else f for f in self.files]
        self.inc.put(new)


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


def _same(have: Any, want: Any) -> bool:
    """A value already says what the plan wants: equal, or `$env: NAME` where `${NAME}` is wanted (the
    loader reads both from the variable, trimmed)."""
    if have == want:
        return True
    return isinstance(have, dict) and isinstance(want, str) and is_env_reference(want) and env_var_of(have) == env_var_of(want)


def _own(loc: Loc, what: str) -> None:
    """An edit of a list item itself (replace, delete) is made where the list is written: an item that
    an `$include` brings in is refused (the whole included file would have to change)."""
    if loc.included is not None:
        d = loc.included
        u = Unfollowable(loc.holder.rel if loc.holder else loc.file.rel, d,
                         f"which holds {what} that the wizard must change; it does not rewrite a whole included file — "
                         "change it there by hand (then run again), so that it says: {want}")
        u.what = loc.what
        raise u


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
    st.want = f"`- {facts.EXTENSION_ID}: false` to app.extensions"
    seqs: list[tuple[Loc, Node | None]] = []
    for loc in st.defining(["app", "extensions"]):
        node = loc.node
        if loc.opaque is not None:
            raise loc.opaque
        if node is None or node.is_null():
            seqs.append((loc, None))
            continue
        if node.kind != "seq":
            raise BadInput(
                f"{loc.file.rel}:{node.line + 1}:{node.col + 1}: app.extensions must be a list, as Backstage expects; "
                "fix it and run again"
            )
        seqs.append((loc, node))
    if not seqs:
        target = st.create(batches, ["app", "extensions"], [entry])
        st.actions.append(f"{target.rel}: add app.extensions with `{facts.EXTENSION_ID}: false` "
                          "(disables the default Kubernetes auth providers)")
        return batches
    for loc, seq in seqs:
        f = loc.file
        if seq is None:
            _add(batches, f, st.fill(loc, [entry]))
            st.actions.append(f"{f.rel}: app.extensions: add `{facts.EXTENSION_ID}: false`")
            continue
        items = [st.item(loc, i) for i in range(len(seq.items))]
        if any(it.opaque is not None and it.opaque.directive.key == "$include" for it in items):
            raise next(it.opaque for it in items if it.opaque is not None and it.opaque.directive.key == "$include")
        ids = [extension_id(it.node) if it.node is not None and it.opaque is None else None for it in items]
        correct = [i for i, eid in enumerate(ids) if eid == facts.EXTENSION_ID]
        guide = [i for i, eid in enumerate(ids) if eid == facts.GUIDE_EXTENSION_ID]
        splices: list[Splice] = []
        if correct:
            first = correct[0]
            if not extension_disabled(items[first].node):  # type: ignore[arg-type]
                _own(items[first], f"the app.extensions entry `{facts.EXTENSION_ID}` (enabled)")
                splices += edits.replace_item(f.doc, seq, first, entry)
                st.actions.append(f"{f.rel}:{seq.items[first].line + 1}: set `{facts.EXTENSION_ID}` to false (it was enabled)")
            for i in guide:
                _own(items[i], f"the guide's app.extensions entry `{facts.GUIDE_EXTENSION_ID}`")
                splices += edits.delete_item(f.doc, seq, i)
                st.actions.append(
                    f"{f.rel}:{seq.items[i].line + 1}: remove the guide's `{facts.GUIDE_EXTENSION_ID}` entry "
                    "(not an extension ID; Backstage rejects it)"
                )
        elif guide:
            for i in guide:
                _own(items[i], f"the guide's app.extensions entry `{facts.GUIDE_EXTENSION_ID}`")
            splices += edits.replace_item(f.doc, seq, guide[0], entry)
            st.actions.append(
                f"{f.rel}:{seq.items[guide[0]].line + 1}: replace the guide's `{facts.GUIDE_EXTENSION_ID}` "
                f"(INVALID_EXTENSION_CONFIG_KEY) with `{facts.EXTENSION_ID}: false`"
            )
            for i in guide[1:]:
                splices += edits.delete_item(f.doc, seq, i)
        else:
            splices += edits.append_items(f.doc, seq, [entry])
            st.actions.append(f"{f.rel}: app.extensions: add `{facts.EXTENSION_ID}: false` "
                              "(disables the default Kubernetes auth providers)")
        _add(batches, f, splices)
    return batches


# ------------------------------------------------------------------------------------------------
# phase 2: auth.providers.spectrocloud.<env>


def auth_environment(st_or_configs: Any, answers: Answers) -> str:
    if answers.environment:
        return answers.environment
    configs = st_or_configs.configs if isinstance(st_or_configs, _State) else st_or_configs
    env = configs.effective(["auth", "environment"])
    if isinstance(env, str) and env and "${" not in env:
        return env
    # `${AUTH_ENVIRONMENT:-production}`: what Backstage reads where the variable is not set
    default = default_of(env)
    return default if default and "${" not in default else "development"


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
    st.want = f"{where} (" + ", ".join(f"{k}: {v}" for k, v in desired.items() if not isinstance(v, dict)) + ")"
    locs = st.defining(path)
    maps: list[Loc] = []
    for loc in locs:
        node = loc.node
        if loc.opaque is not None:
            raise loc.opaque
        if node is not None and node.kind == "map":
            maps.append(loc)
        elif node is not None and not node.is_null():
            raise BadInput(f"{loc.file.rel}:{node.line + 1}:{node.col + 1}: {where} must be a mapping; fix it and run again")
    if not maps:
        if locs:
            target = locs[0].file
            _add(batches, target, st.fill(locs[0], desired))
        else:
            target = st.create(batches, path, desired)
        st.actions.append(f"{target.rel}: add {where} (client ID and secret as ${{VAR}} references, the authorization URL)")
        return batches
    # complete / correct the existing definition(s)
    missing = dict(desired)
    for loc in maps:
        f, node = loc.file, loc.node
        assert node is not None
        splices: list[Splice] = []
        for key, want in desired.items():
            found = node.pair(key)
            if found is None:
                continue
            missing.pop(key, None)
            k, v = found
            have = st.value(f, v)
            if _same(have, want):
                continue
            if isinstance(have, dict):
                st.notes.append(
                    f"{f.rel}:{k.line + 1}: {where}.{key} was read with `{shown(have)}`; "
                    f"it now reads {json.dumps(want) if not isinstance(want, str) else want}"
                    + (f" — export {st.answers.clientSecretEnv} where Backstage runs" if key == "clientSecret" else
                       f" — export {st.answers.clientIdEnv} where Backstage runs" if key == "clientId" else "")
                )
            elif key == "clientSecret" and isinstance(have, str) and not is_env_reference(have):
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
                shown_have = "****" if key == "clientSecret" else json.dumps(have)
                st.notes.append(f"{f.rel}:{v.line + 1}: {where}.{key} changes from {shown_have} to {json.dumps(want)}")
            splices += edits.replace_value(f.doc, k, v, want, edits.neighbour_quote(node))
            st.actions.append(f"{f.rel}: set {where}.{key}")
        _add(batches, f, splices)
    if missing:
        loc = maps[0]
        assert loc.node is not None
        _add(batches, loc.file, edits.add_pairs(loc.file.doc, loc.node, list(missing.items())))
        st.actions.append(f"{loc.file.rel}: complete {where} with {', '.join(missing)}")
    return batches


# ------------------------------------------------------------------------------------------------
# phase 3: the shape Backstage's kubernetes backend reads


def _phase_kube_shape(st: _State) -> dict[str, list[Splice]]:
    batches: dict[str, list[Splice]] = {}
    needed = bool(st.answers.clusters or st.answers.migrate)
    st.want = "kubernetes.serviceLocatorMethod (type: multiTenant)"
    try:
        _kube_shape(st, batches, needed)
    except Unfollowable as u:
        if needed:
            raise
        # nothing in the answers needs kubernetes: what the wizard cannot read is left as it is
        st.on_disk(u)
        st.manual.append(f"{u.where}: kubernetes comes from `{u.directive.text}`, which the wizard does not read "
                         "through; it is left as it is (the Kubernetes backend needs kubernetes.serviceLocatorMethod "
                         "and clusterLocatorMethods there)")
        st.notes.append(st.manual[-1])
        return {}
    return batches


def _kube_shape(st: _State, batches: dict[str, list[Splice]], needs_kube: bool) -> None:
    for f in st.files:
        kube = st.at(f, ["kubernetes"])
        if kube.found < 1:
            continue
        if kube.opaque is not None:
            raise kube.opaque
        if kube.node is None or kube.node.kind != "map":
            continue
        flat = st.child(kube, "clusters")
        if flat is None:
            continue
        needs_kube = True
        assert flat.key is not None and flat.raw is not None
        methods = st.child(kube, "clusterLocatorMethods")
        kf = kube.file
        if methods is None:
            # the list's own text moves, `$include` and all
            _add(batches, kf, _move_flat_clusters(kf, kube.node, flat.key, flat.raw))
            st.actions.append(
                f"{kf.rel}:{flat.key.line + 1}: move the guide's flat kubernetes.clusters under "
                "kubernetes.clusterLocatorMethods[type: config] (Backstage does not read the flat form)"
            )
        else:
            _merge_flat_clusters(st, batches, kube, flat, methods)
    if needs_kube or st.defining(["kubernetes", "clusterLocatorMethods"]):
        if not st.defining(["kubernetes", "serviceLocatorMethod"]):
            target = st.create(batches, ["kubernetes", "serviceLocatorMethod"], dict(facts.DEFAULT_SERVICE_LOCATOR))
            st.actions.append(f"{target.rel}: add kubernetes.serviceLocatorMethod (type: multiTenant), required by the backend")


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


def _merge_flat_clusters(st: _State, batches: dict[str, list[Splice]], kube: Loc, flat: Loc, methods: Loc) -> None:
    """Both a flat list and clusterLocatorMethods: append the flat clusters to the config method."""
    assert flat.key is not None and kube.node is not None
    if flat.included is not None or flat.opaque is not None:
        d = flat.included or flat.opaque.directive  # type: ignore[union-attr]
        u = Unfollowable(kube.file.rel, d,
                         "beside kubernetes.clusterLocatorMethods; the wizard does not copy an included list (the file "
                         "would be left behind) — move those clusters under clusterLocatorMethods[type: config] by hand, "
                         "then run again (or add by hand: {want})")
        u.what = "the guide's flat kubernetes.clusters"
        raise u
    clusters = st.value(flat.file, flat.node) or []
    if methods.opaque is not None:
        raise methods.opaque
    config_item = config_method_loc(st.inc, methods)
    if config_item is None:
        if methods.node is None or methods.node.kind != "seq":
            line = methods.node.line + 1 if methods.node is not None else 1
            raise BadInput(f"{methods.file.rel}:{line}: kubernetes.clusterLocatorMethods must be a list")
        _add(batches, methods.file, edits.append_items(methods.file.doc, methods.node, [{"type": "config", "clusters": clusters}]))
    else:
        assert config_item.node is not None
        seq = st.child(config_item, "clusters")
        if seq is None:
            _add(batches, config_item.file, edits.add_pairs(config_item.file.doc, config_item.node, [("clusters", clusters)]))
        elif seq.opaque is not None:
            raise seq.opaque
        elif seq.node is not None and seq.node.kind == "seq":
            _add(batches, seq.file, edits.append_items(seq.file.doc, seq.node, clusters))
        else:
            _add(batches, seq.file, st.fill(seq, clusters))
    _add(batches, kube.file, edits.delete_pair(kube.file.doc, kube.node, "clusters"))
    st.actions.append(
        f"{kube.file.rel}:{flat.key.line + 1}: move the guide's flat kubernetes.clusters into clusterLocatorMethods[type: config]"
    )


# ------------------------------------------------------------------------------------------------
# phase 4: clusters (add, update, migrate)


def _phase_clusters(st: _State) -> dict[str, list[Splice]]:
    batches: dict[str, list[Splice]] = {}
    a = st.answers
    if not a.clusters and not a.migrate:
        return batches
    names = [c.name for c in a.clusters] + (list(a.migrate) if isinstance(a.migrate, list) else [])
    st.want = (f"cluster(s) {', '.join(names) or '(every service-account one)'} under kubernetes.clusterLocatorMethods"
               "[type: config] with authProvider: oidc and oidcTokenProvider: spectrocloud, without serviceAccountToken")
    existing = config_clusters(st.files, strict=True)
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

    for ref, answer in updates.values():
        splices = _update_cluster(st, ref, answer)
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
    locs = st.defining(["kubernetes", "clusterLocatorMethods"])
    if not locs:
        target = st.create(batches, ["kubernetes", "clusterLocatorMethods"], [{"type": "config", "clusters": entries}])
        st.actions.append(f"{target.rel}: add kubernetes.clusterLocatorMethods (type: config) with {names} on SpectroCloud OIDC")
        return
    if len(locs) > 1:
        st.notes.append(
            "kubernetes.clusterLocatorMethods is defined in " + ", ".join(loc.file.rel for loc in locs)
            + "; each replaces the other when loaded, so new clusters are added to each"
        )
    for loc in locs:
        methods = loc.node
        target = loc.file
        if loc.opaque is not None:
            raise loc.opaque
        if methods is None or methods.is_null():
            _add(batches, target, st.fill(loc, [{"type": "config", "clusters": entries}]))
        elif methods.kind != "seq":
            raise BadInput(f"{loc.file.rel}:{methods.line + 1}:{methods.col + 1}: kubernetes.clusterLocatorMethods must be a list")
        else:
            config_item = config_method_loc(st.inc, loc)
            if config_item is None:
                _add(batches, target, edits.append_items(target.doc, methods, [{"type": "config", "clusters": entries}]))
            else:
                assert config_item.node is not None
                seq = st.child(config_item, "clusters")
                if seq is None:
                    target = config_item.file
                    _add(batches, target, edits.add_pairs(target.doc, config_item.node, [("clusters", entries)]))
                elif seq.opaque is not None:
                    raise seq.opaque
                elif seq.node is not None and seq.node.kind == "seq":
                    target = seq.file
                    first = seq.node.items[0].resolved if seq.node.items else None
                    _add(batches, target, edits.append_items(target.doc, seq.node, entries, edits.neighbour_quote(first)))
                else:
                    target = seq.file
                    _add(batches, target, st.fill(seq, entries))
        st.actions.append(f"{target.rel}: add cluster(s) {names} to kubernetes.clusterLocatorMethods[type: config] on SpectroCloud OIDC")


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
        elif (have := st.value(ref.file, found[1])) != ca.url and default_of(have) != ca.url:
            # `${K8S_URL:-https://...}` whose default is the answer's url is kept: the variable may still override it
            st.notes.append(f"{ref.file.rel}:{found[1].line + 1}: cluster {ref.name}: url changes from {shown(have)} to {ca.url}")
            splices += edits.replace_value(doc, found[0], found[1], ca.url)
            what.append("url")
    new_after_auth: list[tuple[str, Any]] = []
    auth = node.pair("authProvider")
    if auth is None:
        new_after_auth.append(("authProvider", facts.AUTH_PROVIDER_OIDC))
    elif auth[1].to_python() != facts.AUTH_PROVIDER_OIDC:
        splices += edits.replace_value(doc, auth[0], auth[1], facts.AUTH_PROVIDER_OIDC)
    tp = node.pair("oidcTokenProvider")
    if tp is None:
        new_after_auth.append(("oidcTokenProvider", facts.PROVIDER))
    elif tp[1].to_python() != facts.PROVIDER:
        splices += edits.replace_value(doc, tp[0], tp[1], facts.PROVIDER)
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
            st.notes.append(f"cluster {ref.name}: serviceAccountToken ({shown(value)}) removed; revoke the token once the switch is "
                            f"verified (variable {var})")
        elif isinstance(value, dict) and isinstance(value.get("$file"), str):
            st.notes.append(f"cluster {ref.name}: serviceAccountToken ({shown(value)}, in {ref.file.rel}) removed; revoke that token "
                            "once the switch is verified, and delete the file")
        else:
            st.notes.append(f"cluster {ref.name}: a literal serviceAccountToken was removed from {ref.file.rel}; revoke that token "
                            "once the switch is verified")
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
                    splices += edits.replace_value(doc, found[0], found[1], tls[key])
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
            out[-1] = Splice(sp.start, sp.end,
                             out[-1].text + (sp.text[1:] if sp.text.startswith("\n") and out[-1].text.endswith("\n") else sp.text))
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
    st.want = (f"the spectrocloud.environments entry {p.name!r} (url, apiToken: {entry['apiToken']}, clusterProvider: "
               f"authType: oidc, oidcAuthProviderName: {facts.PROVIDER})")
    matched = False
    locs = st.defining(path)
    for loc in locs:
        if loc.opaque is not None:
            raise loc.opaque
        for it in st.inc.items(loc):
            assert it.node is not None
            name = it.node.get("name")
            if name is None or st.value(it.file, name) != p.name:
                continue
            matched = True
            _update_environment(st, batches, it, entry, cp_settings)
    if matched:
        return batches
    seqs = [loc for loc in locs if loc.node is not None and loc.node.kind == "seq"]
    if seqs:
        for loc in seqs:
            assert loc.node is not None
            _add(batches, loc.file, edits.append_items(loc.file.doc, loc.node, [entry]))
            st.actions.append(f"{loc.file.rel}: add spectrocloud.environments entry {p.name!r} in OIDC mode")
    else:
        nulls = [loc for loc in locs if loc.node is None or loc.node.is_null()]
        if nulls:
            target = nulls[0].file
            _add(batches, target, st.fill(nulls[0], [entry]))
        else:
            target = st.create(batches, path, [entry])
        st.actions.append(f"{target.rel}: add spectrocloud.environments with {p.name!r} (cluster provider in OIDC mode)")
    return batches


def _update_environment(st: _State, batches: dict[str, list[Splice]], it: Loc, entry: dict[str, Any], cp: dict[str, Any]) -> None:
    f, env = it.file, it.node
    assert env is not None
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
        elif not _same(old := st.value(f, found[1]), entry[key]):
            if key == "apiToken" and isinstance(old, str) and not is_env_reference(old):
                st.notes.append(f"{f.rel}:{found[1].line + 1}: a literal Palette API token was replaced by {entry[key]}; "
                                "export it where Backstage runs and rotate the old one")
            elif key != "apiToken":
                st.notes.append(f"{f.rel}:{found[1].line + 1}: environment {entry['name']}: {key} changes from {shown(old)} "
                                f"to {entry[key]}")
            splices += edits.replace_value(doc, found[0], found[1], entry[key])
            what.append(key)
    cpl = st.child(it, "clusterProvider")
    if cpl is None:
        missing.append(("clusterProvider", cp))
        what.append("clusterProvider (oidc)")
    else:
        if cpl.opaque is not None:
            raise cpl.opaque
        v, vf = cpl.node, cpl.file  # vf: an included file when clusterProvider is an `$include`
        if v is not None and v.kind == "map" and v.pairs:
            add: list[tuple[str, Any]] = []
            inner: list[Splice] = []
            for key, want in cp.items():
                found = v.pair(key)
                if found is None:
                    add.append((key, want))
                elif st.value(vf, found[1]) != want:
                    inner += edits.replace_value(vf.doc, found[0], found[1], want)
                else:
                    continue
                what.append(f"clusterProvider.{key}")
            inner += edits.add_pairs(vf.doc, v, add)
            _add(batches, vf, inner)
            auth_type = v.get("authType")
            if auth_type is not None and st.value(vf, auth_type) == "serviceAccount":
                rbac = v.get("rbac")
                r = provider_resources(st.value(vf, rbac) if rbac is not None else None)
                st.notes.append(
                    f"environment {entry['name']}: switching from serviceAccount to oidc; the cluster provider no longer "
                    f"needs {r['namespace']}/{r['serviceAccountName']} and ClusterRole {r['clusterRoleName']} in each "
                    "cluster (apply prints the kubectl commands to delete them once verified)"
                )
        else:
            _add(batches, vf, st.fill(cpl, cp))
            what.append("clusterProvider (oidc)")
    if missing:
        splices += edits.add_pairs(doc, env, missing)
    _add(batches, f, splices)
    if what:
        st.actions.append(f"{f.rel}:{env.line + 1}: spectrocloud environment {entry['name']}: " + ", ".join(what))


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


def _run_phases(st: _State) -> None:
    """Every phase, each committed before the next; a phase that meets a directive it cannot edit
    behind writes nothing and becomes a refusal (apply stops); then every changed file is read whole."""
    for phase in PHASES:
        kept = len(st.actions), len(st.notes), len(st.manual)
        try:
            batches = phase(st)
        except EditError as exc:
            raise PlanError(f"cannot plan this edit: {exc}") from None
        except IncludeError as exc:
            raise st.on_disk(exc) from None  # exit 2, naming the line as the file is on disk
        except Unfollowable as u:
            del st.actions[kept[0]:], st.notes[kept[1]:], st.manual[kept[2]:]
            st.on_disk(u)
            wants = st.refusals.setdefault(u.key, (u, []))[1]
            if st.want not in wants:
                wants.append(st.want)
            st.refused.add(phase.__name__)
            continue
        st.commit(batches)
    st.settle()


def _config_changes(st: _State, configs: ConfigSet, plan: Plan) -> None:
    """The plan's config changes (the top-level configs, then the files they include), its refusals
    and manual notes."""
    plan.refusals = [u.sentence("; ".join(wants)) for u, wants in st.refusals.values()]
    plan.manual = list(st.manual)
    originals = {f.rel: f for f in configs.files}
    for f in st.files:
        before = originals[f.rel].text
        if f.text != before:
            plan.changes.append(FileChange(f.rel, originals[f.rel].path, before, f.text))
    for g in st.inc.included_files():
        before = st.inc.originals[g.path].text
        if g.text != before:
            plan.changes.append(FileChange(g.rel, g.path, before, g.text))
            st.notes.append(f"{g.rel} is included by {st.inc.reached[g.path]} (`$include`): the edit is made there")
    for ch in plan.changes:
        places = st.inc.shared(ch.path)
        if places:
            # a file included at two places of the config: an edit for one would change the other too
            at = " and at ".join(f"{what} ({where})" for what, where in places)
            plan.refusals.append(
                f"{ch.rel} is included at {at}: an edit of it changes every one of them, so the wizard leaves it "
                f"alone — add by hand where it suits each of those places: {'; '.join(st.wanted_in.get(ch.rel, []))}")


def make_plan(repo: RepoInfo, configs: ConfigSet, answers: Answers, skip_install: bool = False,
              dry_run: bool = False) -> Plan:
    """`dry_run` (the demo): nothing is installed, and the frontend is wired as if it were."""
    _refuse_unwirable(repo)
    wiring = frontend.decide(frontend.inspect(repo, configs), answers)
    if wiring.refusal:
        raise PlanError(wiring.refusal + "; nothing was written")
    st = _State(configs, answers, wiring)
    _run_phases(st)
    plan = Plan(repo.root)
    _config_changes(st, configs, plan)
    plan.changes += fix_wrong_package(repo)
    if any(c.kind == "package.json" for c in plan.changes):
        st.actions.append(f"remove the guide's wrong package name {facts.GUIDE_WRONG_MODULE_PKG} from package.json "
                          "(it does not exist on npm)")
    plan.frontend = wiring
    plan.installs = install_steps(repo, answers, skip_install, wiring.app_packages)
    wanted = to_wire(repo, answers, plan.installs, assume_installed=dry_run)
    index, manual = index_change(repo, wanted)
    unwired = not_wired(repo, answers, wanted)
    if unwired and repo.backend is not None:
        index_rel = (repo.backend_index.relative_to(repo.root).as_posix() if repo.backend_index is not None
                     else f"{repo.backend.rel}/src/index.ts")
        lines = " ".join(f"`backend.add(import('{p}'));`" for p in unwired)
        why = (f"{index_rel} is not wired yet: it should load {', '.join(unwired)}, which {repo.backend.rel} does not "
               f"declare and this run does not install (installs are off); add them, then run apply again (it adds "
               f"{lines} before backend.start())")
        plan.manual.append(why)
        st.notes.append(why)
    if index is not None:
        plan.changes.append(index)
        wired = [p for p in wanted if p not in repo.backend_added]
        st.actions.append(f"{index.rel}: load " + ", ".join(wired) + " with backend.add(import(...)) before backend.start()")
    if manual:
        plan.manual.append(manual)
        st.notes.append(manual)
    _wire_frontend(repo, wiring, plan, st, dry_run)
    for step in plan.installs:
        st.actions.append(f"add {', '.join(step.packages)} to {step.workspace}: {step.display}")
    plan.actions = st.actions
    plan.notes = st.notes
    lacking = missing(repo, answers, wiring.app_packages)
    if lacking and not plan.installs:
        cmds = "; ".join(step.display for step in add_commands(repo, lacking))
        if dry_run:  # the demo wires as if they were there: say what a real run adds, not what is "off"
            plan.notes.append("a dry run installs nothing: on a real app, apply adds " + ", ".join(r.package for r in lacking)
                              + (f" ({cmds})" if cmds else ""))
        else:
            plan.notes.append("not installed (the install step is off): " + ", ".join(r.package for r in lacking)
                              + (f" — add them with: {cmds}" if cmds else ""))
    plan.env_vars = sorted({answers.clientIdEnv, answers.clientSecretEnv}
                           | ({answers.clusterProvider.apiTokenEnv} if answers.clusterProvider else set()))
    if wiring.other_oidc_note:
        plan.notes.append(wiring.other_oidc_note)
    _verify(st, answers, plan)
    # every front end shows these as they are (plan, apply, the TUI, plain mode): they quote config
    # values (URLs, names), so they go through the masker once, here
    plan.actions = [mask_text(a) for a in plan.actions]
    plan.notes = [mask_text(n) for n in plan.notes]
    plan.manual = [mask_text(m) for m in plan.manual]
    return plan


def _wire_frontend(repo: RepoInfo, wiring: frontend.Wiring, plan: Plan, st: _State, dry_run: bool = False) -> None:
    """The TypeScript half of the frontend wiring: apis.ts (legacy) or the in-app module and App.tsx.
    Wired only when packages/app declares (or this plan installs) what the code imports: code importing a
    package that is not installed would break the app's build."""
    from wizard.core import apis_ts, app_tsx

    app = repo.app
    assert app is not None
    installing = {p for step in plan.installs if step.workspace == app.rel for p in step.packages}
    absent = [] if dry_run else [p for p in wiring.app_packages if not app.has(p) and p not in installing]

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
    """Re-read the result and check it says what the plan meant; refuse otherwise. What a refused
    phase would have written is not looked for (apply stops anyway); every file is still checked."""
    from wizard.core.configset import ConfigSet as _CS

    result = _CS(st.configs.repo, st.files, st.configs.explicit)
    problems: list[str] = []
    for f in st.all_files():
        if f.doc.duplicates:
            problems.append(f"{f.rel}: duplicate key {f.doc.duplicates[0][0]!r} after the edit")
        if f.has_directives:
            for node, why in directive_problems(f.doc.root):
                problems.append(f"{f.rel}:{node.line + 1}: {why}")
    env = getattr(st, "env_used", "development")
    if "_phase_auth" not in st.refused:
        prov = result.effective(["auth", "providers", facts.PROVIDER, env]) or {}
        if not isinstance(prov, dict) or not _same(prov.get("clientSecret"), _ref(answers.clientSecretEnv)):
            problems.append("auth provider not as planned")
    if "_phase_extensions" not in st.refused and (st.wiring is None or st.wiring.extension_entry):
        ext_ok = False
        for f in st.files:
            loc = st.inc.locate(f, ["app", "extensions"], strict=False)
            if loc.found == 2 and any(extension_id(i.node) == facts.EXTENSION_ID and extension_disabled(i.node)
                                      for i in st.inc.items(loc, strict=False) if i.node is not None):
                ext_ok = True
        if not ext_ok:
            problems.append("app.extensions entry not as planned")
    if not st.refused & {"_phase_kube_shape", "_phase_clusters"}:
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
