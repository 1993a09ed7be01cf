"""`spectro-wizard plain`: the wizard's flow as line-by-line prompts (questionary).

No full-screen redraws: it works over a bare SSH terminal and with a screen reader. It walks the
session's step table (the same steps, in the same order, as the TUI) and asks the session for
every action. Ctrl+C at any prompt ends it with nothing written (exit 130).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any, Callable, TextIO

import questionary
from questionary import Choice

from wizard.core import fields
from wizard.core.answers import ClusterAnswer, ClusterProviderAnswer
from wizard.core.checks import FIXED_BY_APPLY
from wizard.core.kubeconfig import ca_file_to_data
from wizard.core.mask import mask_text
from wizard.errors import WizardError
from wizard.output import Printer, print_checks
from wizard.session import PATHS, Session, VerifyOptions
from wizard.session.texts import (
    NOTHING_TO_CHANGE, RESTART_WAIT_SECONDS, WIRING_CHOICES, next_steps, plan_text, restart_instruction, still_waiting_for,
)


class Cancelled(Exception):
    pass


class Prompts:
    """questionary with an injectable input/output (tests drive it through a pipe)."""

    def __init__(self, input: Any = None, output: Any = None):
        self.kw: dict[str, Any] = {}
        if input is not None:
            self.kw["input"] = input
        if output is not None:
            self.kw["output"] = output

    def _ask(self, question: Any) -> Any:
        try:
            answer = question.unsafe_ask()
        except (KeyboardInterrupt, EOFError):
            raise Cancelled() from None
        return answer

    @staticmethod
    def validator(field: str | None, optional: bool = False, base_dir: Path | None = None) -> Callable[[str], bool | str]:
        """questionary's check for a field: True, or the sentence the TUI and answers files give."""
        def validate(value: str) -> bool | str:
            if optional and not value.strip():
                return True
            problem = fields.problem(field, value, base_dir) if field else None
            return True if problem is None else f"{field}: {problem}"

        return validate

    def text(self, message: str, default: str = "", field: str | None = None, optional: bool = False,
             base_dir: Path | None = None) -> str:
        """A line of text, checked by the field's rule (the same sentence the TUI and answers files give)."""
        validate = self.validator(field, optional, base_dir)
        return str(self._ask(questionary.text(message, default=default, validate=validate, **self.kw))).strip()

    def confirm(self, message: str, default: bool = True) -> bool:
        return bool(self._ask(questionary.confirm(message, default=default, **self.kw)))

    def select(self, message: str, choices: list[Choice], default: Any = None) -> Any:
        return self._ask(questionary.select(message, choices=choices, default=default, **self.kw))

    def checkbox(self, message: str, choices: list[Choice]) -> list[Any]:
        return list(self._ask(questionary.checkbox(message, choices=choices, **self.kw)) or [])

    def secret(self, message: str) -> str:
        """Typed masked; the caller uses it and forgets it (never saved, never printed)."""
        return str(self._ask(questionary.password(message, **self.kw)) or "").strip()


def run_plain(root: Path, config_names: list[str] | None = None, demo: bool = False,
              input: Any = None, output: Any = None, out: TextIO | None = None, world: Any = None) -> int:
    stream = out or sys.stdout
    p = Printer(stream)
    ask = Prompts(input, output)
    session = Session(root, config_names, demo=demo, world=world)
    if world is not None:
        world.prefill(session.answers)
    try:
        return PlainFlow(session, ask, p).run()
    except Cancelled:
        p.line("")
        p.line("Cancelled: the config was not changed (answers so far are kept in .spectro-wizard/answers.yaml for next time).")
        return 130
    except WizardError as exc:
        p.line(f"spectro-wizard: {exc}")
        return exc.exit_code


class _Stop(Exception):
    """The flow ends here (an apply failed and was undone); `code` says how."""


class PlainFlow:
    """One method per step of the session's table; `run` walks the path the user chose."""

    def __init__(self, s: Session, ask: Prompts, p: Printer):
        self.s, self.ask, self.p = s, ask, p
        self.code = 0
        self.applied = False
        self.backend_url: str | None = None  # asked once: at the restart wait, else at verify

    def run(self) -> int:
        self.welcome()
        handlers: dict[str, Callable[[], None]] = {
            "prereqs": self.prereqs, "inventory": self.inventory, "tenant": self.tenant, "clusters": self.clusters,
            "review": self.review, "apply": lambda: None, "restart": self.restart, "verify": self.verify,
            "summary": self.summary,
        }
        try:
            for step in self.s.steps[1:]:
                handlers[step]()
        except _Stop:
            pass
        return self.code

    # ---- steps -------------------------------------------------------------------------------
    def welcome(self) -> None:
        s, p = self.s, self.p
        s.load(run_tools=False)
        info = s.info
        p.line(p.c("bold", "spectro-wizard — SpectroCloud Kubernetes auth for Backstage"))
        p.line(f"Backstage app: {s.root}" + (" (demo copy)" if s.demo else ""))
        for line in s.demo_banner():
            p.line(p.c("warn", line))
        if info is not None:
            p.line(f"  version {info.backstage_version or 'unknown'}, frontend system: {info.frontend_system}")
        if s.configs is not None:
            p.line("  config files (merge order): " + ", ".join(f.rel for f in s.configs.files))
        if s.config_error:
            p.line(f"  {s.config_error}")
        p.line("")
        if s.answers_path.is_file() and self.ask.confirm("Saved answers found. Resume from them?", True):
            s.resume()
        s.path = self.ask.select("What do you want to do?", [Choice(text, value=key) for key, text in PATHS.items()])

    def prereqs(self) -> None:
        self.p.line("")
        results = self.s.run_checks()
        print_checks(self.p, "Prerequisites", results, show_hints=True,
                     set_up=FIXED_BY_APPLY if self.s.path != "verify" else frozenset())
        blocking = self.s.blockers()
        if blocking:
            self.p.line(self.p.c("bold", "The wizard cannot fix these, and a setup written past them would not work:"))
            for r in blocking:
                self.p.line(f"  {self.p.mark('fail')} {r.id}: {r.summary}")
            if not self.ask.confirm("Continue anyway?", False):
                raise Cancelled()
        elif not self.ask.confirm("Continue?", True):
            raise Cancelled()
        if self.s.path != "verify":
            self.s.prefill_from_config()

    def inventory(self) -> None:
        s, ask, p = self.s, self.ask, self.p
        inv = s.inventory()
        sa = [c for c in inv["clusters"] if c["migratable"]]
        envs = [e for e in inv["environments"] if e["authType"] != "oidc"]
        if not sa and not envs:
            p.line("Nothing uses service accounts: there is nothing to migrate.")
            return
        choices = [Choice(f"{c['name']} ({c['file']}:{c['line']}" + (f", token ${{{c['tokenEnv']}}}" if c["tokenEnv"] else "") + ")",
                          value=("cluster", c["name"])) for c in sa]
        choices += [Choice(f"cluster provider environment {e['name']} ({e['file']}:{e['line']})", value=("env", e)) for e in envs]
        picked = ask.checkbox("Which ones switch to SpectroCloud OIDC in this wave? (space ticks, enter confirms)", choices)
        s.answers.migrate = [name for kind, name in picked if kind == "cluster"] or None
        env = next((e for kind, e in picked if kind == "env"), None)
        if env is not None:
            s.answers.clusterProvider = ClusterProviderAnswer(
                name=str(env["name"]), url=str(env["url"] or s.default_palette_url()),
                tenant=env["tenant"], apiTokenEnv=env["apiTokenEnv"] or "SPECTROCLOUD_API_TOKEN")

    def tenant(self) -> None:
        s, ask, p = self.s, self.ask, self.p
        a = s.answers
        p.line("")
        p.line(p.c("bold", "SpectroCloud tenant and OIDC client") + " (secrets are named by environment variable, never typed here)")
        a.consoleUrl = ask.text("SpectroCloud console URL:", a.consoleUrl or s.default_console_url(), "consoleUrl").rstrip("/")
        a.tenant = ask.text("Tenant:", a.tenant or "", "tenant")
        env = ask.text("Auth environment:", a.environment or s.default_environment(), "environment")
        a.environment = None if env == s.default_environment() else env
        for attr, label in (("clientIdEnv", "client ID"), ("clientSecretEnv", "client secret")):
            name = ask.text(f"Environment variable holding the {label}:", getattr(a, attr), attr)
            setattr(a, attr, name)
            p.line(f"  {name} is " + ("set in this shell" if os.environ.get(name) else "not set in this shell (Backstage needs it where it runs)"))
        default_cb = s.default_callback_url()
        cb = ask.text("Callback URL (register it with the OIDC client):", a.callbackUrl or default_cb, "callbackUrl")
        a.callbackUrl = None if cb == default_cb else cb
        a.authorizationUrl = None
        s.autosave()

    def clusters(self) -> None:
        s, ask, p = self.s, self.ask, self.p
        a = s.answers
        existing = s.clusters()
        p.line("")
        p.line(p.c("bold", "Clusters"))
        for c in existing:
            auth = c["authProvider"] or "(no authProvider)"
            p.line(f"  {c['name']}: {auth}{'/' + c['oidcTokenProvider'] if c['oidcTokenProvider'] else ''}, {c['tls']} ({c['file']}:{c['line']})")
        migratable = [c for c in existing if c["migratable"]]
        if migratable:
            picked = ask.checkbox("Switch these clusters to SpectroCloud OIDC now?",
                                  [Choice(c["name"], value=c["name"]) for c in migratable])
            a.migrate = picked or None
        while ask.confirm("Add a cluster by URL?", not a.clusters and not existing):
            self.add_cluster()
            s.autosave()
        if ask.confirm("Add clusters from a kubeconfig (server URL and CA only; credentials are not read)?", False):
            self.import_kubeconfig()
        if ask.confirm("Add clusters found in Palette (your tenant's clusters, with a Palette API key)?", False):
            self.discover_in_palette()
        if ask.confirm("Use the SpectroCloud cluster provider (discovers clusters from Palette) in OIDC mode?", a.clusterProvider is not None):
            cp = a.clusterProvider
            name = ask.text("Environment name:", cp.name if cp else "palette", "providerName")
            url = ask.text("Palette API URL:", cp.url if cp else s.default_palette_url(), "paletteUrl")
            env = ask.text("Environment variable holding the Palette API key:", cp.apiTokenEnv if cp else "SPECTROCLOUD_API_TOKEN", "apiTokenEnv")
            projects = ask.text("Projects to include (comma separated, empty for all):", "", optional=True)
            a.clusterProvider = ClusterProviderAnswer(name=name, url=url, tenant=a.tenant, apiTokenEnv=env,
                                                      includeProjects=[x.strip() for x in projects.split(",") if x.strip()] or None)
        else:
            a.clusterProvider = None

    def import_kubeconfig(self) -> None:
        s, ask, p = self.s, self.ask, self.p
        while True:
            path = ask.text("kubeconfig file (empty: $KUBECONFIG, else ~/.kube/config):", "", optional=True)
            try:
                contexts = s.kubeconfig_contexts(path or None)
            except WizardError as exc:
                p.line(f"  {p.mark('fail')} {exc}")
                contexts = []
            if contexts:
                break
            if not path:
                p.line(f"  {p.mark('warn')} no contexts in $KUBECONFIG or ~/.kube/config")
            if not ask.confirm("Try another kubeconfig file?", True):
                return
        picked = ask.checkbox("Which clusters? (space ticks, enter confirms)", [
            Choice(f"{c.cluster or c.context}  {mask_text(c.server)}" + ("  (current)" if c.current else ""), value=c) for c in contexts])
        self._add_all(s.clusters_from_contexts(picked))
        s.autosave()

    def discover_in_palette(self) -> None:
        s, ask, p = self.s, self.ask, self.p
        url = ask.text("Palette API URL:", s.default_palette_url(), "paletteUrl")
        env = ask.text("Environment variable holding the Palette API key:", "SPECTROCLOUD_API_TOKEN", "apiTokenEnv")
        key = os.environ.get(env) or ask.secret(f"{env} is not set here: type the API key (masked, used now, never saved):")
        if not key:
            p.line(f"  {p.mark('warn')} no API key: nothing listed")
            return
        try:
            found = asyncio.run(s.palette_clusters(url, key))
            if not found:
                p.line(f"  {p.mark('warn')} no clusters in this tenant")
                return
            chosen = ask.checkbox("Which clusters? (space ticks, enter confirms)", [
                Choice(f"{c.name}  [{c.project_name or 'tenant'}] {c.cloud_type or ''} {c.state or ''}".rstrip(), value=c) for c in found])
            added = asyncio.run(s.palette_cluster_answers(url, key, chosen)) if chosen else []
        except WizardError as exc:
            p.line(f"  {p.mark('fail')} {exc}")
            return
        self._add_all(added)

    def _add_all(self, clusters: list[ClusterAnswer]) -> None:
        for ca in clusters:
            replaced = self.s.add_cluster(ca)
            self.p.line(f"  {ca.name} " + ("replaces the cluster of that name added before" if replaced else "added") + f" ({ca.url})")
        self.s.autosave()

    def add_cluster(self) -> None:
        s, ask, p = self.s, self.ask, self.p
        name = ask.text("Cluster name:", "", "name")
        url = ask.text("API server URL:", "", "url")
        ca = ClusterAnswer(name=name, url=url)
        how = ask.select("How should Backstage trust its certificate?", [
            Choice("with its CA certificate (a PEM file)", value="ca"),
            Choice("skip TLS verification (lab clusters only: tokens can be intercepted)", value="skip"),
        ])
        if how == "ca":
            path = ask.text("CA certificate file:", "", "caFile", base_dir=s.root)
            ca.caData = ca_file_to_data(path, s.root)
        else:
            ca.skipTLSVerify = True
        s.add_cluster(ca)
        p.line(f"  {name} added")

    def frontend(self) -> None:
        """The wiring question, on the new frontend system only (a legacy app has one way: apis.ts)."""
        s, ask, p = self.s, self.ask, self.p
        current, choosable = s.frontend_wiring()
        if not choosable:
            return
        p.line("")
        choices = [Choice(f"{label}: {why}", value=value) for value, (label, why) in WIRING_CHOICES.items()]
        chosen = ask.select("How should the wizard wire SpectroCloud into the app's frontend?", choices,
                            default=next((c for c in choices if c.value == current), choices[0]))
        s.choose_frontend_wiring(chosen)

    def review(self) -> None:
        s, ask, p = self.s, self.ask, self.p
        self.frontend()
        s.autosave()
        plan = s.make_plan()
        t = plan_text(plan)
        p.line("")
        if plan.empty:
            p.line(NOTHING_TO_CHANGE)
            return
        if t.frontend:
            p.line(t.frontend)
        p.line(p.c("bold", "These changes will be written (backups first):"))
        for a in t.actions:
            p.line(f"  • {a}")
        for d in t.diffs:
            p.line("")
            p.diff(d)
        for n in t.notes:
            p.line(f"  ! {n}")
        p.line("")
        problems = s.preflight(plan)
        if problems:
            p.line(p.c("bold", "Apply would stop before writing anything:"))
            for problem in problems:
                p.line(f"  {p.mark('fail')} {problem}")
            self.code = 1
            raise _Stop()
        if not ask.confirm("Apply these changes?", False):
            raise Cancelled()
        self.apply(plan)

    def apply(self, plan: Any) -> None:
        s, p = self.s, self.p
        result = s.apply(plan, on_output=lambda line: p.line(f"  │ {line}"))
        if result.rolled_back:
            p.line(f"{p.mark('fail')} {result.install_error}")
            p.line("Nothing was changed: every file was put back as it was"
                   + (f" (`{result.sync_command}` brings node_modules back in line)." if result.sync_command else "."))
            self.code = 1
            raise _Stop()
        for step in plan.installs:
            p.line(f"{p.mark('ok')} added {', '.join(step.packages)} ({step.display})")
        for rel in result.written:
            p.line(f"{p.mark('ok')} wrote {rel}")
        if result.backup is not None:
            p.line(f"  backups in {result.backup.relative_to(s.root)} — `spectro-wizard undo` restores them")
        self.applied = True
        cleanup = s.cleanup()
        if cleanup is not None and not cleanup.empty:
            p.line("")
            for ln in cleanup.render().splitlines():
                p.line(ln)

    def restart(self) -> None:
        if not self.applied:
            return  # nothing was written: the running backend already serves this config
        p = self.p
        p.line("")
        p.line(restart_instruction(self.s.stand_ins))
        if self.s.restart_backend():
            p.line("demo: the stand-in backend restarted and read the new config")
            backend = self.s.backend_url_to_reach()
        elif not self.ask.confirm("Wait until the restarted backend serves the new config? (no skips the wait)", True):
            return
        else:
            backend = self.ask.text("Backend URL:", self.s.backend_url_to_reach() or "http://localhost:7007", "backendUrl")
        self.backend_url = backend

        def progress(results: list[Any], elapsed: float) -> None:
            waiting = still_waiting_for(results)
            p.line(f"  {elapsed:4.0f} s  " + (waiting[0] if waiting else "served"))

        p.line("Waiting (Ctrl+C skips the wait)…")
        try:
            outcome = asyncio.run(self.s.wait_for_backend(RESTART_WAIT_SECONDS, VerifyOptions(backend_url=backend), on_round=progress))
        except KeyboardInterrupt:
            p.line("  wait skipped")
            return
        p.line(f"{p.mark('ok')} the backend serves the new config" if outcome.served else
               f"{p.mark('warn')} the backend did not serve the new config within {RESTART_WAIT_SECONDS:.0f} s; Verify says what is missing")

    def verify(self) -> None:
        s, ask, p = self.s, self.ask, self.p
        if s.path != "verify" and not ask.confirm("Run the verification now?", True):
            return
        backend = self.backend_url or ask.text("Backend URL:", s.backend_url_to_reach() or "http://localhost:7007", "backendUrl")
        id_token = None
        if ask.confirm("Sign in to test my access (opens your browser, as kubelogin does)?", False):
            import webbrowser

            def show(url: str) -> None:
                p.line(f"  sign in in your browser; if none opens, open: {url}")

            try:
                signed = s.login(open_browser=lambda url: webbrowser.open(url, new=2), on_url=show)
                p.line(f"{p.mark('ok')} signed in as {signed.username}")
                id_token = signed.id_token
            except WizardError as exc:
                p.line(f"{p.mark('fail')} {exc}")
        results = asyncio.run(s.verify(VerifyOptions(backend_url=backend, id_token=id_token)))
        p.line("")
        print_checks(p, "Verify", results, show_hints=True, not_tested=s.verify_untested)
        self.code = 1 if any(r.status == "fail" for r in results) else 0

    def summary(self) -> None:
        s, p = self.s, self.p
        if s.path == "verify":
            return  # nothing was asked that could be replayed
        if self.applied and s.applied is not None:
            p.line("")
            p.line(p.c("bold", "Next steps"))
            for i, step in enumerate(next_steps(s.applied.env_vars, s.callback_url(), s.stand_ins), 1):
                p.line(f"  {i}. {step}")
        path = s.save_answers()
        rel = path.relative_to(s.root)
        p.line(f"Answers saved to {rel} (no secrets). Replay them with `spectro-wizard apply --answers {rel}`.")


