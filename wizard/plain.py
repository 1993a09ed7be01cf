"""`spectro-wizard plain`: the wizard's flow as line-by-line prompts (questionary).

No full-screen redraws: it works over a bare SSH terminal and with a screen reader. It drives the
same `Session` as the TUI. Ctrl+C at any prompt ends it with nothing written (exit 130).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any, TextIO

import questionary
from questionary import Choice

from wizard.core.answers import CALLBACK_PATH, ClusterAnswer, ClusterProviderAnswer, check_field
from wizard.core.kubeconfig import ca_file_to_data
from wizard.core.session import PATHS, Session
from wizard.errors import WizardError
from wizard.output import Printer, print_checks


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
        except KeyboardInterrupt:
            raise Cancelled() from None
        except EOFError:
            raise Cancelled() from None
        return answer

    def text(self, message: str, default: str = "", field: str | None = None, optional: bool = False) -> str:
        def validate(value: str) -> bool | str:
            if optional and not value.strip():
                return True
            problem = check_field(field, value.strip()) if field else None
            return True if problem is None else f"{field}: {problem}"

        return str(self._ask(questionary.text(message, default=default, validate=validate, **self.kw))).strip()

    def confirm(self, message: str, default: bool = True) -> bool:
        return bool(self._ask(questionary.confirm(message, default=default, **self.kw)))

    def select(self, message: str, choices: list[Choice], default: Any = None) -> Any:
        return self._ask(questionary.select(message, choices=choices, default=default, **self.kw))

    def checkbox(self, message: str, choices: list[Choice]) -> list[Any]:
        return list(self._ask(questionary.checkbox(message, choices=choices, **self.kw)) or [])


def run_plain(root: Path, config_names: list[str] | None = None, demo: bool = False,
              input: Any = None, output: Any = None, out: TextIO | None = None) -> int:
    stream = out or sys.stdout
    p = Printer(stream)
    ask = Prompts(input, output)
    session = Session(root, config_names, demo=demo)
    try:
        return _flow(session, ask, p)
    except Cancelled:
        p.line("")
        p.line("Cancelled: the config was not changed (answers so far are kept in .spectro-wizard/answers.yaml for next time).")
        return 130
    except WizardError as exc:
        p.line(f"spectro-wizard: {exc}")
        return exc.exit_code


def _flow(s: Session, ask: Prompts, p: Printer) -> int:
    s.load()
    info = s.info
    p.line(p.c("bold", "spectro-wizard — SpectroCloud Kubernetes auth for Backstage"))
    p.line(f"Backstage app: {s.root}" + (" (demo copy)" if s.demo else ""))
    if info is not None:
        p.line(f"  version {info.backstage_version or 'unknown'}, frontend system: {info.frontend_system}")
    if s.configs is not None:
        p.line("  config files (merge order): " + ", ".join(f.rel for f in s.configs.files))
    if s.config_error:
        p.line(f"  {s.config_error}")
    p.line("")

    if s.answers_path.is_file() and ask.confirm("Saved answers found. Resume from them?", True):
        saved = s.saved_answers()
        if saved is not None:
            s.answers = saved
            if s.demo:
                s.answers.installPackage = False
    s.path = ask.select("What do you want to do?", [Choice(text, value=key) for key, text in PATHS.items()], default=None)

    # prerequisites
    p.line("")
    results = s.run_checks()
    print_checks(p, "Prerequisites", results, show_hints=True)
    if not ask.confirm("Continue?", True):
        raise Cancelled()
    if s.path == "verify":
        return _verify(s, ask, p)
    s.prefill_from_config()
    if s.path == "migrate":
        _inventory(s, ask, p)
    _tenant(s, ask, p)
    if s.path == "setup":
        _clusters(s, ask, p)
    s.autosave()

    # review
    plan = s.make_plan()
    p.line("")
    if plan.empty:
        p.line("Nothing to change: the config already matches your answers.")
    else:
        p.line(p.c("bold", "These changes will be written (backups first):"))
        for a in plan.actions:
            p.line(f"  • {a}")
        for c in plan.changes:
            p.line("")
            p.diff(c.diff())
        for n in plan.notes:
            p.line(f"  ! {n}")
        p.line("")
        if not ask.confirm("Apply these changes?", False):
            raise Cancelled()
        result = s.apply(plan, on_output=lambda line: p.line(f"  │ {line}"))
        for rel in result.written:
            p.line(f"{p.mark('ok')} wrote {rel}")
        if result.backup is not None:
            p.line(f"  backups in {result.backup.relative_to(s.root)} — `spectro-wizard undo` restores them")
        if plan.install is not None and not result.install_ok:
            p.line(f"{p.mark('fail')} {result.install_error}")
            if ask.confirm("Undo the config changes of this apply?", False):
                undone = s.undo()
                p.line("restored " + ", ".join(undone.restored))
                return 1
        cleanup = s.cleanup()
        if cleanup is not None and not cleanup.empty:
            p.line("")
            for ln in cleanup.render().splitlines():
                p.line(ln)
        p.line("")
        p.line("Export " + ", ".join(plan.env_vars) + " where Backstage runs and restart it before verifying.")
    code = _verify(s, ask, p) if ask.confirm("Run the verification now?", True) else 0
    path = s.save_answers()
    p.line(f"Answers saved to {path.relative_to(s.root)} (no secrets). Replay them with `spectro-wizard apply --answers {path.relative_to(s.root)}`.")
    return code


def _inventory(s: Session, ask: Prompts, p: Printer) -> None:
    inv = s.inventory()
    sa = [c for c in inv["clusters"] if c["authProvider"] in (None, "serviceAccount")]
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
        s.answers.clusterProvider = ClusterProviderAnswer(name=str(env["name"]), url=str(env["url"] or "https://api.spectrocloud.com"),
                                                          tenant=env["tenant"], apiTokenEnv=env["apiTokenEnv"] or "SPECTROCLOUD_API_TOKEN")


def _tenant(s: Session, ask: Prompts, p: Printer) -> None:
    a = s.answers
    p.line("")
    p.line(p.c("bold", "SpectroCloud tenant and OIDC client") + " (secrets are named by environment variable, never typed here)")
    a.consoleUrl = ask.text("SpectroCloud console URL:", a.consoleUrl, "consoleUrl").rstrip("/")
    a.tenant = ask.text("Tenant:", a.tenant or "", "tenant")
    env = ask.text("Auth environment:", a.environment or s.default_environment(), "environment")
    a.environment = None if env == s.default_environment() else env
    for attr, label in (("clientIdEnv", "client ID"), ("clientSecretEnv", "client secret")):
        name = ask.text(f"Environment variable holding the {label}:", getattr(a, attr), attr)
        setattr(a, attr, name)
        p.line(f"  {name} is " + ("set in this shell" if os.environ.get(name) else "not set in this shell (Backstage needs it where it runs)"))
    base = s.backend_base_url()
    default_cb = (base or "http://localhost:7007").rstrip("/") + CALLBACK_PATH
    cb = ask.text("Callback URL (register it with the OIDC client):", a.callbackUrl or default_cb, "callbackUrl")
    a.callbackUrl = None if cb == default_cb else cb
    a.authorizationUrl = None
    s.autosave()


def _clusters(s: Session, ask: Prompts, p: Printer) -> None:
    a = s.answers
    inv = s.inventory()
    p.line("")
    p.line(p.c("bold", "Clusters"))
    for c in inv["clusters"]:
        p.line(f"  {c['name']}: {c['authProvider'] or '(no authProvider)'}{'/' + c['oidcTokenProvider'] if c['oidcTokenProvider'] else ''} ({c['file']}:{c['line']})")
    sa = [c for c in inv["clusters"] if c["authProvider"] in (None, "serviceAccount")]
    if sa:
        picked = ask.checkbox("Switch these service-account clusters to SpectroCloud OIDC now?",
                              [Choice(c["name"], value=c["name"]) for c in sa])
        a.migrate = picked or None
    while ask.confirm("Add a cluster?", not a.clusters and not inv["clusters"]):
        name = ask.text("Cluster name:", "", "name")
        url = ask.text("API server URL:", "", "url")
        ca = ClusterAnswer(name=name, url=url)
        how = ask.select("How should Backstage trust its certificate?", [
            Choice("with its CA certificate (a PEM file)", value="ca"),
            Choice("skip TLS verification (lab clusters only: tokens can be intercepted)", value="skip"),
        ])
        if how == "ca":
            while True:
                path = ask.text("CA certificate file:", "")
                try:
                    ca.caData = ca_file_to_data(path)
                    break
                except WizardError as exc:
                    p.line(f"  {exc}")
        else:
            ca.skipTLSVerify = True
        a.clusters = [c for c in a.clusters if c.name != name] + [ca]
        s.autosave()
    if ask.confirm("Use the SpectroCloud cluster provider (discovers clusters from Palette) in OIDC mode?", a.clusterProvider is not None):
        name = ask.text("Environment name:", a.clusterProvider.name if a.clusterProvider else "palette", "name")
        url = ask.text("Palette API URL:", a.clusterProvider.url if a.clusterProvider else "https://api.spectrocloud.com", "url")
        env = ask.text("Environment variable holding the Palette API key:",
                       a.clusterProvider.apiTokenEnv if a.clusterProvider else "SPECTROCLOUD_API_TOKEN", "apiTokenEnv")
        projects = ask.text("Projects to include (comma separated, empty for all):", "", optional=True)
        a.clusterProvider = ClusterProviderAnswer(name=name, url=url, tenant=a.tenant, apiTokenEnv=env,
                                                  includeProjects=[x.strip() for x in projects.split(",") if x.strip()] or None)
    else:
        a.clusterProvider = None


def _verify(s: Session, ask: Prompts, p: Printer) -> int:
    from wizard.verify.runner import VerifyOptions, run_verify

    backend = ask.text("Backend URL:", s.backend_base_url() or "http://localhost:7007", "url")
    s.load(run_tools=False)
    assert s.configs is not None
    results = asyncio.run(run_verify(s.root, s.configs, s.answers, VerifyOptions(backend_url=backend)))
    p.line("")
    print_checks(p, "Verify", results, show_hints=True)
    return 1 if any(r.status == "fail" for r in results) else 0

