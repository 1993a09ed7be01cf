"""One wizard run, UI-free: the controller every front end drives (the TUI, plain mode, the CLI).

Like Subiquity's controllers over its models: the session holds the declared state of a run
(answers, the plan, the apply result and the files' "before", verify results) and has one method
per action. Front ends fill answers and call actions; they never edit YAML, never call a remote
client and never run the verify runner themselves.

Answers are saved as the user goes (never secrets) to `.spectro-wizard/answers.yaml`, so an
interrupted run resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.core import answers as answers_mod

# checks, the registry, kubeconfig, migration and RBAC are imported where used: the TUI's first
# screen loads this module, and needs none of them; nor the config files' reader (ruamel.yaml under
# it) and the apply engine, imported by what reads the configs or writes
from wizard.core import repo
from wizard.core.answers import Answers, ClusterAnswer, cluster_name
from wizard.core.envrefs import env_var_of
from wizard.core.results import CheckResult
from wizard.core.safeio import STATE_DIR
from wizard.errors import BadInput, WizardError
from wizard.session.steps import PATHS, flow

# the runner (and httpx under it) is imported by the actions that verify
from wizard.verify.options import VerifyOptions, WaitOutcome

if TYPE_CHECKING:
    from wizard.core import kubeconfig, migration
    from wizard.core.answers import DeploymentAnswer
    from wizard.core.apply import ApplyResult, UndoResult
    from wizard.core.clusterconfig import ClusterAuth
    from wizard.core.configset import ConfigSet
    from wizard.core.deployment import TargetSummary
    from wizard.core.plan import Plan
    from wizard.remote.login import LoginResult
    from wizard.remote.palette import PaletteCluster

__all__ = ["ClusterConfig", "PATHS", "Session", "VerifyOptions", "WaitOutcome"]


@dataclass
class ClusterConfig:
    """`Session.cluster_config`: what the API servers need, and what a signed-in user's token says."""

    form: str  # flags | authentication-config | palette | eks
    text: str  # the flags (one a line) or the YAML, to paste or write to a file
    auth: ClusterAuth
    environment: str  # the auth environment whose provider was read
    source: str  # where the issuer and client ID came from (file names, the variable)
    warnings: list[str] = field(default_factory=list)  # the repave warning, an http issuer...
    problems: list[str] = field(default_factory=list)  # why the signed-in user's token would be refused
    username: str | None = None  # as the API server will see the signed-in user (prefix included)
    groups: list[str] = field(default_factory=list)
    rbac_command: str = ""  # `spectro-wizard rbac ...` with the same prefixes

    def to_json(self) -> dict[str, Any]:
        return {"ok": not self.problems, "format": self.form, "config": self.text, "issuer": self.auth.issuer,
                "audiences": list(self.auth.audiences), "usernamePrefix": self.auth.username_prefix,
                "groupsPrefix": self.auth.groups_prefix, "environment": self.environment, "warnings": self.warnings,
                "problems": self.problems, "username": self.username, "groups": self.groups,
                "rbacCommand": self.rbac_command}


@dataclass
class Session:
    root: Path
    config_names: list[str] | None = None
    demo: bool = False
    # --demo's local stand-ins (wizard.demo.world.DemoWorld): the backend verify asks, the one the
    # Restart step restarts, the default console and Palette; None for a real app
    world: Any = None
    path: str = "setup"
    answers: Answers = field(default_factory=Answers)
    answers_source: str = "answers"  # where the answers came from, for error messages
    # what the repo is, read by load(); its config files are `configs` (a property: read on first use
    # when the load deferred them)
    info: repo.RepoInfo | None = None
    config_error: str | None = None  # the first problem of the config files, once they are read
    # the run so far
    last_checks: list[CheckResult] = field(default_factory=list)
    plan: Plan | None = None  # the plan Review showed; Apply writes exactly this one
    applied: Plan | None = None  # the plan of this run's apply
    apply_result: ApplyResult | None = None
    before: ConfigSet | None = None  # the configs as they were before this run's apply
    verify_results: list[CheckResult] | None = None
    verify_untested: list[str] = field(default_factory=list)  # needs a user's ID token; not asked for
    login_result: LoginResult | None = None  # the last sign-in (its token stays in memory, never saved)
    restarted: bool = False  # the backend served the config of this run's apply (or the user skipped the wait)
    controllers: dict[str, Any] = field(default_factory=dict)  # one step controller per step (steps.controller)
    _configs: ConfigSet | None = field(default=None, init=False, repr=False, compare=False)
    _configs_deferred: bool = field(default=False, init=False, repr=False, compare=False)
    _configs_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    # ---- loading --------------------------------------------------------------------------
    def load(self, run_tools: bool = True, strict: bool = False, defer_sources: bool = False,
             defer_configs: bool = False) -> None:
        """(Re)read the repo and its config files. A broken config is kept as `config_error`
        (strict: raised, as the CLI's commands want). `defer_sources`: index.ts and App.tsx (TypeScript,
        through the parser) are read when first needed (`info.read_sources()`), not now. `defer_configs`:
        the config files (YAML) are read when first needed (`configs`, or `read_configs()`), not now."""
        self.info = repo.inspect(self.root, run_tools=run_tools, sources=not defer_sources)
        with self._configs_lock:  # a worker may read them while a screen asks: one at a time
            if defer_configs:
                self._configs, self.config_error, self._configs_deferred = None, None, True
            else:
                self._read_configs(tolerant=not strict)
        if self.demo:
            # the demo app has no node_modules and no Yarn: never run the package manager there
            self.answers.installPackage = False

    def _read_configs(self, tolerant: bool) -> None:
        from wizard.core import configset

        configs = configset.load(self.root, self.config_names, tolerant=tolerant)
        self._configs, self.config_error = configs, str(configs.errors[0]) if configs.errors else None
        self._configs_deferred = False

    def read_configs(self) -> None:
        """Read the config files a `load(defer_configs=True)` left for later (once; a no-op otherwise)."""
        if not self._configs_deferred:
            return
        with self._configs_lock:
            if self._configs_deferred:
                self._read_configs(tolerant=True)

    @property
    def configs_read(self) -> bool:
        """Whether the config files are read (False between a load that deferred them and their first use)."""
        return not self._configs_deferred

    @property
    def configs(self) -> ConfigSet | None:
        """The app's config files as the last load read them (None before any load); read now when that
        load deferred them."""
        self.read_configs()
        return self._configs

    def load_answers(self, path: Path) -> Answers:
        """An answers file, validated by the same field rules as the forms and prompts."""
        self.answers = answers_mod.load_file(path, base_dir=self.root)
        self.answers_source = str(path)
        return self.answers

    @property
    def steps(self) -> tuple[str, ...]:
        return flow(self.path)

    @property
    def answers_path(self) -> Path:
        return self.root / STATE_DIR / "answers.yaml"

    def saved_answers(self) -> Answers | None:
        """The answers saved as you go in the repo's state directory. A cloned repo may carry them:
        they are validated as any answers file (and shown before they are used), never read
        through a symlink, and ignored when the state directory is not a real directory."""
        from wizard.core import safeio

        try:
            if not safeio.checked_dir(self.root / STATE_DIR, STATE_DIR, create=False):
                return None
        except BadInput:
            return None
        if not self.answers_path.exists() and not self.answers_path.is_symlink():
            return None
        return answers_mod.load_file(self.answers_path, base_dir=self.root, nofollow=True)

    def resume(self) -> bool:
        """Start from the saved answers; False when there are none (or they no longer load)."""
        try:
            saved = self.saved_answers()
        except BadInput:
            return False
        if saved is None:
            return False
        self.answers = saved
        if self.demo:
            self.answers.installPackage = False
        return True

    def answers_problem(self) -> str | None:
        """Why the answers could not be saved or replayed yet (None: they are complete)."""
        try:
            answers_mod.validate(self.answers.to_dict(), "answers", base_dir=self.root)
        except BadInput as exc:
            return str(exc)
        return None

    def save_answers(self, target: Path | None = None) -> Path:
        from wizard.core.apply import atomic_write, ensure_state_dir, replace_state_file

        data = answers_mod.dump(self.answers).encode("utf-8")
        if target is None:  # the state directory's own file: 0600 from the start, never through a link
            ensure_state_dir(self.root)
            replace_state_file(self.answers_path, data)
            return self.answers_path
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, data, 0o600)
        return target

    def autosave(self) -> bool:
        """Save as you go, when the draft is complete enough to be valid. True when saved."""
        if self.answers_problem() is not None:
            return False
        try:
            self.save_answers()
        except (OSError, WizardError):  # a full disk, or a state directory in the way (a file, a link)
            return False
        return True

    # ---- facts for the front ends -----------------------------------------------------------
    @property
    def stand_ins(self) -> bool:
        """The demo's own world runs (a backend to restart and verify against); False for a real app,
        and for a demo copy driven without one (tests, screenshots)."""
        return self.world is not None

    def backend_url_to_reach(self) -> str | None:
        """Where verify reaches the backend by default: backend.baseUrl, or the demo's stand-in."""
        return self.world.backend_url if self.world is not None else self.backend_base_url()

    def default_console_url(self) -> str:
        """The console URL to offer: the demo's stand-in issuer, else SpectroCloud's console."""
        return self.world.console_url if self.world is not None else answers_mod.DEFAULT_CONSOLE_URL

    def default_palette_url(self) -> str:
        """The Palette API URL to offer: the demo's stand-in, else SpectroCloud's API."""
        return self.world.palette_url if self.world is not None else answers_mod.DEFAULT_PALETTE_URL

    def _network(self) -> AbstractContextManager[None]:
        """Around every request the session makes: in the demo, to this machine only (its stand-ins),
        whatever URL was typed, so the demo contacts nothing real."""
        if self.world is None:
            return nullcontext()
        from wizard.remote.http import only_this_machine

        return only_this_machine("the demo contacts only its local stand-ins")

    def backend_base_url(self) -> str | None:
        if self.configs is None:
            return None
        v = self.configs.effective(["backend", "baseUrl"])
        return v if isinstance(v, str) else None

    def default_callback_url(self) -> str:
        return answers_mod.default_callback_url(self.backend_base_url())

    def callback_url(self) -> str:
        return self.answers.callback_url(self.backend_base_url())

    def auth_environment(self) -> str:
        if self.configs is None:
            return self.answers.environment or "development"
        from wizard.core.plan import auth_environment

        return auth_environment(self.configs, self.answers)

    def default_environment(self) -> str:
        """The auth environment the config implies (auth.environment, else development)."""
        if self.configs is None:
            return "development"
        from wizard.core.plan import auth_environment

        return auth_environment(self.configs, Answers())

    def existing_provider(self) -> dict[str, Any]:
        if self.configs is None:
            return {}
        v = self.configs.effective(["auth", "providers", "spectrocloud", self.auth_environment()])
        return v if isinstance(v, dict) else {}

    @staticmethod
    def env_is_set(name: str) -> bool:
        return bool(name) and bool(os.environ.get(name))

    def clusters(self) -> list[dict[str, Any]]:
        """Every cluster the config defines, with its auth state (the one model every screen reads)."""
        from wizard.core.clusters import cluster_inventory

        if self.configs is None:
            return []
        return cluster_inventory(self.configs)["clusters"]

    def inventory(self) -> dict[str, Any]:
        """The migration inventory: what is on service accounts, what is on OIDC, what stays."""
        from wizard.core import migration
        if self.configs is None:
            return {"clusters": [], "environments": []}
        return migration.inventory(self.configs)

    def prefill_from_config(self) -> None:
        """Start the answers from what the config already says (tenant from the authorization URL...)."""
        prov = self.existing_provider()
        url = prov.get("authorizationUrl")
        if isinstance(url, str) and not self.answers.tenant and not self.answers.authorizationUrl:
            marker = "/v1/oidc/tenant/"
            if marker in url and url.endswith("/auth"):
                self.answers.consoleUrl = url.split(marker)[0]
                self.answers.tenant = url.split(marker)[1][: -len("/auth")]
            else:
                self.answers.authorizationUrl = url
        for key, attr in (("clientId", "clientIdEnv"), ("clientSecret", "clientSecretEnv")):
            var = env_var_of(prov.get(key))
            if var is not None:
                setattr(self.answers, attr, var)

    # ---- cluster answers -------------------------------------------------------------------
    def add_cluster(self, ca: ClusterAnswer) -> bool:
        """Add (or replace by name) a cluster of this run; True when it replaced one."""
        replaced = any(c.name == ca.name for c in self.answers.clusters)
        self.answers.clusters = [c for c in self.answers.clusters if c.name != ca.name] + [ca]
        return replaced

    def remove_cluster(self, name: str) -> bool:
        before = len(self.answers.clusters)
        self.answers.clusters = [c for c in self.answers.clusters if c.name != name]
        return len(self.answers.clusters) != before

    def kubeconfig_contexts(self, path: str | None = None) -> list[kubeconfig.KubeContext]:
        """The contexts of a kubeconfig (default: $KUBECONFIG, else ~/.kube/config): server and CA only."""
        from wizard.core import kubeconfig
        paths = [Path(path).expanduser()] if path else None
        if paths and not paths[0].is_file():
            raise BadInput(f"{paths[0]}: no such kubeconfig file" if not paths[0].exists() else f"{paths[0]}: not a file")
        return kubeconfig.read_contexts(paths)

    @staticmethod
    def clusters_from_contexts(contexts: Sequence[kubeconfig.KubeContext]) -> list[ClusterAnswer]:
        out: list[ClusterAnswer] = []
        for i, c in enumerate(contexts):
            ca = ClusterAnswer(name=cluster_name(c.cluster or c.context, f"cluster-{i}"), url=c.server)
            if c.ca_data:
                ca.caData = c.ca_data
            elif c.ca_file:
                ca.caFile = c.ca_file
            elif c.insecure:
                ca.skipTLSVerify = True
            out.append(ca)
        return out

    async def palette_clusters(self, url: str, api_key: str, include: Sequence[str] = (),
                               exclude: Sequence[str] = ()) -> list[PaletteCluster]:
        """The clusters of a Palette tenant (names, projects, states); the key is used, never kept."""
        from wizard.remote.palette import PaletteClient, PaletteError

        try:
            with self._network():
                async with PaletteClient(url, api_key) as palette:
                    return await palette.list_clusters(list(include), list(exclude))
        except PaletteError as exc:
            raise WizardError(str(exc)) from None

    async def palette_cluster_answers(self, url: str, api_key: str, chosen: Sequence[Any]) -> list[ClusterAnswer]:
        """Server URL and CA of the chosen Palette clusters, as cluster answers (no credentials)."""
        from wizard.remote.palette import PaletteClient, PaletteError

        try:
            with self._network():
                async with PaletteClient(url, api_key) as palette:
                    endpoints = await palette.cluster_endpoints(list(chosen))
        except PaletteError as exc:
            raise WizardError(str(exc)) from None
        from wizard.remote.discovery import cluster_answers

        return cluster_answers(endpoints)

    # ---- actions ----------------------------------------------------------------------------
    def run_checks(self) -> list[CheckResult]:
        from wizard.core import checks
        self.load()
        assert self.info is not None and self.configs is not None
        self.last_checks = checks.run_checks(self.info, self.configs)
        return self.last_checks

    async def test_oidc(self, timeout: float = 10.0) -> list[CheckResult]:
        """Ask the OIDC provider, without a browser: discovery, token endpoint, client, redirect URI."""
        from wizard.remote.oidc import run_oidc_checks

        a = self.answers
        with self._network():
            return await run_oidc_checks(
                a.authorization_url(), self.callback_url(),
                os.environ.get(a.clientIdEnv), os.environ.get(a.clientSecretEnv),
                client_id_env=a.clientIdEnv, client_secret_env=a.clientSecretEnv, timeout=timeout,
            )

    def make_plan(self, skip_install: bool = False) -> Plan:
        from wizard.core.plan import AnswerError

        if self.info is None or self.configs is None:
            self.load(run_tools=False)
        assert self.info is not None and self.configs is not None
        if self.configs.errors:
            raise self.configs.errors[0]
        validated = answers_mod.validate(self.answers.to_dict(), self.answers_source, base_dir=self.root)
        if validated.palette is not None:
            from wizard.remote.discovery import with_discovered

            with self._network():
                validated = with_discovered(validated)
        skip = skip_install or self.demo
        if not skip and validated.installPackage and self.info.yarn is None:
            repo.detect_tools(self.info, node=False)  # only the install step needs to know how to run Yarn
        # the app's plan, and production's when a deployment is answered (its engine imported only then:
        # ~25 ms of every `plan` and `apply` that has none)
        if validated.deployment is not None:
            from wizard.core.deploy_plan import make_plan
        else:
            from wizard.core.plan import make_plan
        try:
            self.plan = make_plan(self.info, self.configs, validated, skip_install=skip, dry_run=self.demo)
        except AnswerError as exc:
            raise AnswerError(f"{self.answers_source}: {exc}") from None
        return self.plan

    def frontend_wiring(self) -> tuple[str | None, bool]:
        """(the wiring the plan would use now, whether the user may choose): a choice only on the new
        frontend system, where both the in-app module and the TeraSky packages can wire it."""
        from wizard.core import frontend

        if self.info is None or self.configs is None:
            self.load(run_tools=False)
        assert self.info is not None and self.configs is not None
        state = frontend.inspect(self.info, self.configs)
        return frontend.decide(state, self.answers).kind, state.system == "new"

    def choose_frontend_wiring(self, value: str | None) -> None:
        """Answer the wiring question ("in-app" or "package"; None: the wizard's default)."""
        from wizard.core.answers import FRONTEND_WIRINGS

        if value is not None and value not in FRONTEND_WIRINGS:
            raise ValueError(value)
        self.answers.frontendWiring = value

    def blockers(self) -> list[CheckResult]:
        """Failed prerequisites the wizard cannot fix (from the last checks; run them when none ran)."""
        from wizard.core import checks
        if not self.last_checks:
            # the repo and configs the plan was made from: only the tools are left to ask
            if self.info is None or self.configs is None:
                self.load()
            elif self.info.node is None:
                repo.detect_tools(self.info)
            assert self.info is not None and self.configs is not None
            self.last_checks = checks.run_checks(self.info, self.configs)
        return checks.blockers(self.last_checks)

    def preflight(self, the_plan: Plan | None = None) -> list[str]:
        """Everything that would make the apply fail or the setup unusable, checked before anything is
        written: the blocking prerequisites, the package manager, and each package to add resolvable
        through the repo's own package manager and registry. One sentence each; [] when all is well."""
        from wizard.core import registry

        the_plan = the_plan or self.plan
        assert the_plan is not None
        refusals = list(the_plan.refusals)  # what the planner could not edit safely (a `$include` out of the repo...)
        if self.demo:
            return refusals  # a dry run: nothing is installed, nothing real is at stake
        problems = refusals + [f"{r.id}: {r.summary} — {r.detail}".rstrip(" —") if r.detail else f"{r.id}: {r.summary}"
                               for r in self.blockers()]
        if not the_plan.installs:
            return problems
        assert self.info is not None
        if self.info.yarn is None:
            repo.detect_tools(self.info, node=False)
        # one sentence per cause: a missing package manager fails every package the same way
        same_cause: dict[tuple[str, str], list[str]] = {}
        for res in registry.resolve(self.info, the_plan.packages):
            if res.ok:
                continue
            text = res.problem or f"{res.package}: not resolvable through {res.registry}"
            head, sep, reason = text.partition(f"about {res.package}: ")
            if sep:
                same_cause.setdefault((head, reason), []).append(res.package)
            else:
                problems.append(text)
        for (head, reason), packages in same_cause.items():
            problems.append(f"{head}about {', '.join(packages)}: {reason}")
        from wizard.core.mask import mask_text

        return [mask_text(p) for p in problems]  # they quote the package manager's own words

    def apply(self, the_plan: Plan | None = None, on_output: Callable[[str], None] | None = None) -> ApplyResult:
        from wizard.core.apply import apply_plan
        from wizard.core.mask import mask_text

        the_plan = the_plan or self.plan
        assert the_plan is not None, "plan first"
        before = self.configs
        # the package manager's output is shown as it comes: through the masker (a registry URL with
        # a password, an _authToken, a token in an error)
        shown = None if on_output is None else (lambda line: on_output(mask_text(line)))
        result = apply_plan(the_plan, on_output=shown)
        if result.install_error:
            result.install_error = mask_text(result.install_error)
        self.applied, self.apply_result, self.before = the_plan, result, before
        self.restarted = False  # what this apply wrote is read by a backend started after it
        if result.rolled_back:
            self.before = None  # nothing changed: there is no wave to clean up after
        self.load(run_tools=False)
        return result

    def cleanup(self) -> migration.Cleanup | None:
        """After a migration wave: the variables safe to revoke and the kubectl commands to run."""
        from wizard.core import migration
        if self.applied is None or (not self.answers.migrate and self.answers.clusterProvider is None):
            return None
        if self.before is None or self.configs is None or self.before.errors or self.configs.errors:
            return None
        return migration.cleanup_after(self.before, self.configs)

    def can_undo(self) -> bool:
        from wizard.core.apply import last_applied

        return last_applied(self.root) is not None

    def undo(self, force: bool = False) -> UndoResult:
        from wizard.core.apply import undo_last

        result = undo_last(self.root, force=force)
        self.applied = self.apply_result = self.before = None
        self.load(run_tools=False)
        return result

    async def verify(self, opts: VerifyOptions | None = None,
                     on_result: Callable[[CheckResult], None] | None = None) -> list[CheckResult]:
        """Every remote check, against the config as it is on disk now."""
        from wizard.verify.runner import run_verify, untested_checks

        opts = self._with_world(opts or VerifyOptions())
        configs, answers = self.provider_configs(opts.deployment, opts.environment)
        if opts.deployment:
            d = answers.deployment
            if not opts.backend_url and d is not None and d.backendUrl:
                opts.backend_url = d.backendUrl
            if opts.deployment_hint is None:
                self_answers, self.answers = self.answers, answers
                try:
                    opts.deployment_hint = self.deployment_hint()
                finally:
                    self.answers = self_answers
        with self._network():
            self.verify_results = await run_verify(self.root, configs, answers, opts, on_result=on_result)
        self.verify_untested = untested_checks(configs, answers, opts)
        return self.verify_results

    def verify_sync(self, opts: VerifyOptions | None = None) -> list[CheckResult]:
        return asyncio.run(self.verify(opts))

    async def wait_for_backend(self, timeout: float, opts: VerifyOptions | None = None,
                               on_round: Callable[[list[CheckResult], float], None] | None = None) -> WaitOutcome:
        """The restart step: wait until the restarted backend serves the config on disk."""
        from wizard.verify.runner import wait_until_served

        self.load(run_tools=False, strict=True)
        assert self.configs is not None
        with self._network():
            return await wait_until_served(self.configs, self.answers, self._with_world(opts or VerifyOptions()),
                                           timeout, on_round=on_round)

    def hint_text(self, result: CheckResult, on_screen: bool = False) -> str:
        """A check's catalog hint with what this run already knows filled in (tenant, console, backend
        URL); `on_screen`: in the words of the wizard's screens instead of its commands."""
        from wizard.core import hints
        h = hints.catalog().get(result.hint) if result.hint else None
        if h is None:
            return ""
        a = self.answers
        text = f"What to do — {h.title}\n" + h.render(result.hint_vars)
        text = hints.with_known_values(text, a.consoleUrl, a.tenant or None, self.backend_url_to_reach())
        return hints.for_screen(text, can_apply=self.path != "verify") if on_screen else text

    def demo_banner(self) -> list[str]:
        """What the demo is, for its first screen: which parts are stand-ins ([] for a real app)."""
        if self.world is None:
            return []
        from wizard.session.demo import TOOLS_NOTE, demo_label

        return [demo_label(), TOOLS_NOTE + "."]

    def start_demo_world(self) -> Callable[[], None]:
        """`--demo` in the TUI: start the demo's world on this demo copy (made by make_demo_app, drawn
        on the first screen before the world exists), as `demo_run` does for a copy of its own: the
        stand-ins started, the clusters block written into the copy's app-config.yaml, the stand-in
        tools first on PATH and the demo's variables set, the backend restarted on it, the answers
        pointed at the stand-in console and the configs read again. Returns what stops it all and
        restores the environment."""
        from wizard.demo.app import write_demo_tools
        from wizard.demo.world import KUBERNETES_PLACEHOLDER, DemoWorld

        saved = {name: os.environ.get(name) for name in ("PATH", *DemoWorld.env_names())}

        def stop() -> None:
            if self.world is not None:
                self.world.stop()
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

        world = DemoWorld().start()
        try:
            config = self.root / "app-config.yaml"
            text = config.read_bytes().decode("utf-8")
            if text.count(KUBERNETES_PLACEHOLDER) != 1:
                raise RuntimeError("templates/demo-app/app-config.yaml changed shape: no single empty kubernetes: section")
            config.write_bytes(text.replace(KUBERNETES_PLACEHOLDER, world.kubernetes_block(), 1).encode("utf-8"))
            world.attach(self.root)
            bin_dir = write_demo_tools(self.root.parent / "bin")
            os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
            os.environ.update(world.env())
            world.restart(self.root)  # the backend starts with the demo's environment, as `yarn start` would
        except BaseException:
            world.stop()
            self.world = None
            stop()
            raise
        self.world = world
        world.prefill(self.answers)
        self.load(run_tools=False, defer_sources=self.info is not None and not self.info.sources_read)
        return stop

    def restart_backend(self) -> bool:
        """The demo's restart: its stand-in backend reads the config on disk again. A real backend is the
        user's to restart (False: nothing was done here)."""
        if self.world is None:
            return False
        self.world.restart(self.root)
        return True

    def _with_world(self, opts: VerifyOptions) -> VerifyOptions:
        if self.world is not None and not opts.backend_url:
            opts.backend_url = self.world.backend_url
        return opts

    def login(self, redirect_url: str | None = None, timeout: float = 120.0,
              open_browser: Callable[[str], Any] | None = None, on_url: Callable[[str], None] | None = None,
              deployment: bool = False, environment: str | None = None) -> LoginResult:
        """Sign the user in with the client the app-config names (kubelogin's flow); the result holds the
        ID token for verify's identity checks and the claims the API servers will see. `deployment` /
        `environment`: the provider a deployment uses (provider_configs)."""
        from wizard.remote.login import DEFAULT_REDIRECTS, DEFAULT_SCOPE, login
        from wizard.verify.runner import read_target

        configs, answers = self.provider_configs(deployment, environment)
        t = read_target(configs, answers)
        where = f"auth.providers.spectrocloud.{t.environment}"
        if not t.authorization_url:
            raise BadInput(f"no {where}.authorizationUrl in the config: run the wizard (or apply an answers file) first")
        if not t.client_id:
            name = t.client_id_env or self.answers.clientIdEnv
            raise BadInput(f"${name} (the client ID {where} references) is not set here: export it, and the client "
                           "secret's variable, in this shell first")
        if not t.client_secret:
            name = t.client_secret_env or self.answers.clientSecretEnv
            raise BadInput(f"${name} (the client secret {where} references) is not set here: export it first "
                           "(`read -rs VAR && export VAR` keeps it out of the shell history)")
        prov = configs.effective(["auth", "providers", "spectrocloud", t.environment])
        scope = prov.get("scope") if isinstance(prov, dict) else None
        with self._network():
            self.login_result = login(t.authorization_url, t.client_id, t.client_secret,
                                      redirect_urls=(redirect_url,) if redirect_url else DEFAULT_REDIRECTS,
                                      scope=scope if isinstance(scope, str) and scope.strip() else DEFAULT_SCOPE,
                                      timeout=timeout, open_browser=open_browser, on_url=on_url)
        return self.login_result

    def identity(self) -> tuple[str | None, list[str]]:
        """Who the clusters saw in the last verify with an ID token (user, groups without system:),
        else who signed in."""
        for r in self.verify_results or []:
            if r.id.endswith(":identity") and r.data.get("username"):
                return str(r.data["username"]), [str(g) for g in r.data.get("groups", []) if not str(g).startswith("system:")]
        if self.login_result is not None:
            return self.login_result.username, self.login_result.groups
        return None, []

    # ---- production -------------------------------------------------------------------------
    def deployment_targets(self) -> list[TargetSummary]:
        """The deployments the repo holds (backstage chart values files, RHDH Backstage CRs), each with
        what Backstage loads there, its auth environment and the --config trap: the deployment question's
        choices (`TargetSummary.answer()` is the answers-file form of choosing one)."""
        from wizard.core import deployment

        return deployment.summaries(self.root)

    def choose_deployment(self, answer: DeploymentAnswer | dict[str, Any] | None) -> None:
        """Answer the deployment question: a DeploymentAnswer, its answers-file mapping, or None (no
        deployment). Validated by the answers file's rules (paths inside the repo...): BadInput."""
        from wizard.core.answers import DeploymentAnswer

        if answer is None:
            self.answers.deployment = None
            return
        data = answer.to_dict() if isinstance(answer, DeploymentAnswer) else dict(answer)
        draft = {**self.answers.to_dict(), "deployment": data}
        if not draft.get("tenant") and not draft.get("authorizationUrl"):
            draft["tenant"] = "placeholder"  # the deployment's own rules only; the tenant is asked elsewhere
        self.answers.deployment = answers_mod.validate(draft, "deployment", base_dir=self.root).deployment

    def _deployment_answer(self) -> DeploymentAnswer:
        """The deployment of the answers, else the only one the repo holds."""
        from wizard.core.answers import DeploymentAnswer

        if self.answers.deployment is not None:
            return self.answers.deployment
        found = self.deployment_targets()
        if len(found) != 1:
            raise BadInput("name the deployment in the answers (deployment: {helmValues: FILE} or {rhdh: FILE}): the "
                           + ("repo holds none" if not found else "repo holds " + ", ".join(t.file for t in found)))
        d = DeploymentAnswer()
        setattr(d, "helmValues" if found[0].kind == "helm" else "rhdh", found[0].file)
        return d

    def provider_configs(self, deployment: bool = False, environment: str | None = None) -> tuple[ConfigSet, Answers]:
        """The configs and answers that say which provider a deployment (or this repo) uses: with
        `deployment`, what the answers' deployment (or the only one the repo holds) makes Backstage load,
        with its auth environment (`environment` overrides it; the deployment's answer is checked
        against its config); else the repo's configs."""
        from dataclasses import replace as _replace

        self.load(run_tools=False, strict=True)
        assert self.configs is not None
        answers = self.answers
        configs: ConfigSet = self.configs
        if deployment:
            from wizard.core import deployment as dep
            from wizard.core.deploy_plan import resolved_answer
            from wizard.core.plan import auth_environment

            d = self._deployment_answer()
            yaml = dep.RepoYaml(self.root)
            target = dep.load(self.root, d.kind, d.file, yaml)
            d = resolved_answer(d, target)
            configs, _, _ = dep.production_configs(self.root, target, yaml)
            if not configs.files:
                raise BadInput(f"{d.file}: the deployment loads no app-config the wizard can read")
            env = environment or d.environment or auth_environment(configs, Answers())
            answers = _replace(answers, environment=env, deployment=d)
        elif environment:
            answers = _replace(answers, environment=environment)
        return configs, answers

    def deployment_hint(self) -> str | None:
        """The sentence verify adds when a deployed backend skips its provider (404 misconfigured): the
        Secret to create and where the deployment names it."""
        d = self.answers.deployment
        if d is None:
            return None
        from wizard.core import deployment as dep
        from wizard.core.deploy_plan import resolved_answer

        try:
            target = dep.load(self.root, d.kind, d.file)
        except BadInput:
            return None
        d = resolved_answer(d, target)
        key = "backstage.extraEnvVarsSecrets" if target.kind == dep.HELM else "spec.application.extraEnvs.secrets"
        return (f"the pod did not get the client ID: create Secret {d.secret_name} in namespace {d.namespace} with "
                f"{self.answers.clientIdEnv} and {self.answers.clientSecretEnv} (`spectro-wizard plan` prints how, no "
                f"value on a command line), list it in {key} of {d.file}, and restart the pod")

    def cluster_config(self, form: str = "flags", audiences: Sequence[str] = (), username_prefix: str = "",
                       groups_prefix: str = "", login: Any = None, deployment: bool = False,
                       environment: str | None = None) -> ClusterConfig:
        """What each cluster's API server needs to trust the users' SpectroCloud ID tokens: the issuer (the
        authorization URL without /auth) and the client ID from the provider's config (its value read from
        the variable the config names, now, never stored), `audiences` more, the claim mappings with the
        prefixes `spectro-wizard rbac` uses. With `login` (a LoginResult) the signed-in user's real token is
        checked against it: the problems say why an API server would refuse it, and who it would see."""
        from wizard.core import clusterconfig, rbac
        from wizard.core.plan import auth_environment

        configs, answers = self.provider_configs(deployment, environment)
        env = auth_environment(configs, answers)
        where = f"auth.providers.spectrocloud.{env}"
        prov = configs.effective(["auth", "providers", "spectrocloud", env])
        prov = prov if isinstance(prov, dict) else {}
        auth_url = prov.get("authorizationUrl")
        if not isinstance(auth_url, str) or not auth_url:
            if answers.tenant or answers.authorizationUrl:
                auth_url = answers.authorization_url()
            else:
                raise BadInput(f"no {where}.authorizationUrl in the config (and no tenant in the answers): the issuer "
                               "is the authorization URL without /auth — run the wizard (or apply an answers file) first")
        files = ", ".join(f.rel for f in configs.files)
        if login is not None:
            client_id, source = login.client_id, f"{where} in {files}, as signed in"
        else:
            raw = prov.get("clientId")
            var = env_var_of(raw) or (None if raw else answers.clientIdEnv)
            if var is not None:
                client_id = os.environ.get(var, "").strip()
                if not client_id:
                    raise BadInput(f"${var} (the client ID {where} reads) is not set here: export it — it is the OIDC "
                                   "client's identifier, not a secret, and the API servers must name it")
                source = f"{where} in {files}, client ID from ${var}"
            else:
                client_id, source = str(raw), f"{where} in {files}"
        auth = clusterconfig.make(clusterconfig.issuer_of(auth_url), client_id, audiences,
                                  username_prefix=username_prefix, groups_prefix=groups_prefix)
        text = clusterconfig.render(form, auth)
        result = ClusterConfig(form, text, auth, env, source, warnings=list(auth.warnings))
        if form in ("palette", "eks"):
            result.warnings.append(clusterconfig.REPAVE_WARNING)
        users: list[str] = []
        groups: list[str] = []
        if login is not None:
            claims = dict(login.claims)
            result.problems = clusterconfig.token_problems(claims, auth)
            result.username, result.groups = clusterconfig.identity(claims, auth)
            if isinstance(claims.get("email"), str) and "@" in claims["email"]:
                users = [claims["email"]]
            groups = [g for g in claims.get("groups") or [] if isinstance(g, str)]
        result.rbac_command = rbac.command(users or ["<email>"], groups or ["<group>"],
                                           username_prefix=username_prefix, groups_prefix=groups_prefix)
        return result

    def report(self, output: Path, json_format: bool = False, run_verify: bool = False,
               verify_options: VerifyOptions | None = None) -> Path:
        from wizard.session.report import write_report

        with self._network():
            return write_report(self.root, self.config_names, output, json_format=json_format,
                                verify_results=None if run_verify else self.verify_results, run_verify=run_verify,
                                verify_options=verify_options)

    def rbac_manifests(self, users: list[str], groups: list[str]) -> Path:
        """Write the (Cluster)RoleBindings users need into .spectro-wizard/rbac.yaml (view role)."""
        from wizard.core import rbac
        from wizard.core.apply import ensure_state_dir, replace_state_file

        text = rbac.render(users, groups)
        path = ensure_state_dir(self.root) / "rbac.yaml"
        replace_state_file(path, text.encode("utf-8"))
        return path
