"""The command line (the contract is in README.md, "Commands"): every command drives the session.

Commands that do not draw the TUI never import Textual; heavy modules are imported inside the
command that needs them, so `--version` and `check` start fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from wizard import __version__
from wizard.errors import BadInput, Refused, WizardError

PROG = "spectro-wizard"


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors as one sentence and exit code 2 (the contract's bad input)."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{PROG}: {message}. Run '{self.prog} --help' for usage.\n")
        raise SystemExit(2)


def _common(p: argparse.ArgumentParser, top: bool = False) -> None:
    # On subcommands the defaults are SUPPRESSed, so `spectro-wizard --repo X check` keeps the X
    # given before the command instead of being overwritten by the subcommand's own default.
    default = None if top else argparse.SUPPRESS
    p.add_argument("--repo", metavar="DIR", default=default,
                   help="the Backstage app (default: nearest directory with backstage.json)")
    p.add_argument("--config", metavar="FILE", action="append", default=default,
                   help="app-config file(s) in merge order, relative to the repo (repeatable)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Set up the SpectroCloud Kubernetes auth module in a Backstage app, and prove it works.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--demo", action="store_true", help="run the wizard on a fresh copy of a bundled sample Backstage app")
    _common(parser, top=True)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    p = sub.add_parser("plain", help="the same flow as line-by-line prompts")
    _common(p)
    p.add_argument("--demo", action="store_true", help="on a fresh copy of the bundled sample app")

    p = sub.add_parser("check", help="prerequisites and static config checks")
    _common(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("plan", help="what apply would change: a unified diff per file; writes nothing")
    _common(p)
    p.add_argument("--answers", metavar="FILE", required=True, help="the answers file (YAML)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--skip-install", action="store_true", help="leave the package manager out of the plan")

    p = sub.add_parser("apply", help="write the plan (backups first), then add the module")
    _common(p)
    p.add_argument("--answers", metavar="FILE", required=True)
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--skip-install", action="store_true", help="do not run the package manager")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("undo", help="restore the files of the most recent apply")
    _common(p)
    p.add_argument("--yes", action="store_true")
    p.add_argument("--force", action="store_true", help="restore even if the files changed after the apply")

    p = sub.add_parser("verify", help="prove it works: OIDC provider, Backstage backend, each cluster")
    _common(p)
    p.add_argument("--answers", metavar="FILE", help="fills in what the config does not say")
    p.add_argument("--backend-url", metavar="URL", help="default: backend.baseUrl")
    p.add_argument("--token", metavar="TOKEN", help="a Backstage user token (default: $BACKSTAGE_TOKEN, else the dev-only guest token)")
    p.add_argument("--id-token", metavar="TOKEN", help="a user's SpectroCloud ID token: enables the identity, RBAC and proxy checks "
                   "(seen in shell history and ps: prefer --login, --id-token-file or $SPECTROCLOUD_ID_TOKEN)")
    p.add_argument("--id-token-file", metavar="FILE", help="read the ID token from FILE")
    _login_options(p, "--login", "sign in first (as kubelogin does) and run every check that needs your ID token")
    p.add_argument("--ca-file", metavar="PEM", help="trust this CA for the backend and the OIDC provider")
    p.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS", help="per request (default 10)")
    p.add_argument("--concurrency", type=int, default=32, metavar="N", help="checks at once against one server (default 32)")
    p.add_argument("--wait", type=float, metavar="SECONDS",
                   help="after a restart: first wait up to SECONDS until the backend serves the new config")
    _provider_options(p)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("login", help="sign in with the app-config's OIDC client (as kubelogin does) and show what clusters will see")
    _common(p)
    _login_options(p, None, None)
    p.add_argument("--answers", metavar="FILE", help="the answers (their deployment, with --deployment)")
    _provider_options(p)
    p.add_argument("--print-token", action="store_true", help="also print the ID token itself (it is a credential)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("hints", help="the troubleshooting catalog")
    p.add_argument("id", nargs="?", help="one hint")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("report", help="a support report: versions, checks, config sections and history, secrets masked")
    _common(p)
    p.add_argument("--output", metavar="FILE", required=True, help="where to write it (Markdown, or JSON with --json)")
    p.add_argument("--json", action="store_true", help="JSON instead of Markdown")
    p.add_argument("--verify", action="store_true", help="run verify too and include its results (network)")
    p.add_argument("--backend-url", metavar="URL", help="with --verify: default backend.baseUrl")
    p.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS", help="with --verify: per request (default 10)")

    p = sub.add_parser("rbac", help="RBAC bindings for SpectroCloud OIDC users and groups (Kubernetes YAML)")
    p.add_argument("--user", metavar="EMAIL", action="extend", nargs="+", default=[], help="a user's email (repeatable)")
    p.add_argument("--group", metavar="NAME", action="extend", nargs="+", default=[], help="a group from the ID token (repeatable)")
    role = p.add_mutually_exclusive_group()
    role.add_argument("--role", metavar="ROLE", default="view",
                      help="one of Kubernetes' user-facing ClusterRoles: view, edit, admin, cluster-admin (default view)")
    role.add_argument("--custom-role", metavar="NAME", help="a ClusterRole of your own instead (it must exist in each cluster)")
    p.add_argument("--namespace", metavar="NS", help="RoleBindings in this namespace instead of ClusterRoleBindings")
    p.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument("--username-prefix", metavar="PREFIX", default="",
                   help="the API server's --oidc-username-prefix / claimMappings.username.prefix (default \"\")")
    p.add_argument("--groups-prefix", metavar="PREFIX", default="",
                   help="the API server's --oidc-groups-prefix / claimMappings.groups.prefix (default \"\")")
    p.add_argument("--username-claim", metavar="CLAIM", default="email", help="the username claim (default email)")
    _common(p)
    _login_options(p, "--from-login", "sign in and bind the signed-in user and their groups, as the API server sees them")

    p = sub.add_parser("cluster-config", help="what each cluster's API server needs to trust the users' ID tokens "
                                              "(flags, AuthenticationConfiguration, Palette or EKS pack values)")
    _common(p)
    p.add_argument("--answers", metavar="FILE", help="fills in what the config does not say (and names the deployment)")
    p.add_argument("--format", choices=CLUSTER_FORMATS, default="flags",
                   help="flags (kube-apiserver), authentication-config (structured, several audiences), palette (the "
                        "Kubernetes pack's kubeadmconfig), eks (the EKS pack's oidcIdentityProvider); default flags")
    p.add_argument("--audience", metavar="AUD", action="append", default=[],
                   help="another client ID the API server must accept (repeatable; authentication-config lists them all)")
    p.add_argument("--username-prefix", metavar="PREFIX", default="",
                   help="prefix of usernames (the same as `spectro-wizard rbac --username-prefix`; default \"\")")
    p.add_argument("--groups-prefix", metavar="PREFIX", default="",
                   help="prefix of group names (the same as `spectro-wizard rbac --groups-prefix`; default \"\")")
    p.add_argument("--output", metavar="FILE", help="write the configuration to FILE instead of stdout")
    _provider_options(p)
    p.add_argument("--json", action="store_true")
    _login_options(p, "--from-login", "sign in and check the real ID token against the configuration (issuer, "
                                      "audience, who the API server will see)")
    return parser


CLUSTER_FORMATS = ("flags", "authentication-config", "palette", "eks")


def _provider_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--environment", metavar="ENV",
                   help="the auth environment (auth.providers.spectrocloud.ENV; default: what the config says)")
    p.add_argument("--deployment", action="store_true",
                   help="what the answers' deployment (chart values or RHDH CR) makes Backstage load, and its auth "
                        "environment, instead of the repo's own configs")


def _login_options(p: argparse.ArgumentParser, flag: str | None, help_text: str | None) -> None:
    if flag:
        p.add_argument(flag, action="store_true", dest="login", help=help_text)
    p.add_argument("--redirect-url", metavar="URL",
                   help="the loopback redirect to sign in on (default http://localhost:8000, else http://localhost:18000)")
    p.add_argument("--timeout" if flag is None else "--login-timeout", type=float, default=120.0, metavar="SECONDS",
                   dest="login_timeout", help="how long to wait for the browser sign-in (default 120)")
    p.add_argument("--no-browser", action="store_true", help="print the sign-in URL instead of opening a browser")


# ------------------------------------------------------------------------------------------------
# shared steps


def _repo_root(args: argparse.Namespace) -> Path:
    from wizard.core.repo import find_root

    if args.repo:
        return find_root(Path(args.repo), explicit=True)
    return find_root(Path.cwd())


def _session(args: argparse.Namespace, answers: bool = False):
    """The session every command drives (the same one the TUI and plain mode drive)."""
    from wizard.session import Session

    s = Session(_repo_root(args), args.config)
    if answers and getattr(args, "answers", None):
        s.load_answers(Path(args.answers))
    return s


def _plan(args: argparse.Namespace):
    """The plan, and what preflight found (blocking prerequisites, packages the registry cannot serve)."""
    s = _session(args, answers=True)
    s.load(run_tools=False, strict=True)
    plan = s.make_plan(skip_install=args.skip_install)
    return s, plan, ([] if plan.empty else s.preflight(plan))


def _refuse_preflight(problems: list[str], what: str) -> None:
    if problems:
        raise Refused(f"{what}: " + "; ".join(problems) + " — nothing was written")


def _confirm(question: str, yes: bool, what: str) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise Refused(f"{what} needs confirmation: run it on a terminal, or pass --yes")
    try:
        reply = input(f"{question} [y/N] ").strip().lower()
    except EOFError:
        reply = ""
    if reply not in ("y", "yes"):
        raise Refused(f"{what} cancelled; nothing was written")


def _checked_url(flag: str, value: str | None) -> None:
    from wizard.core.fields import problem

    if value is not None and (why := problem("backendUrl", value)):
        raise BadInput(f"{flag} {why}")


# ------------------------------------------------------------------------------------------------
# commands


def cmd_check(args: argparse.Namespace) -> int:
    from wizard.core.results import checks_json
    from wizard.output import Printer, print_checks

    s = _session(args)
    results = s.run_checks()
    info, configs = s.info, s.configs
    assert info is not None and configs is not None
    if args.json:
        extra = {"repo": str(s.root), "backstageVersion": info.backstage_version, "configFiles": [f.rel for f in configs.files]}
        print(json.dumps(checks_json(results, extra), indent=2))
    else:
        p = Printer()
        title = f"{PROG} check — {s.root}" + (f" (Backstage {info.backstage_version})" if info.backstage_version else "")
        print_checks(p, title, results)
    if configs.errors:
        for err in configs.errors:
            sys.stderr.write(f"{PROG}: {err}\n")
        return 2
    return 1 if any(r.status == "fail" for r in results) else 0


def _print_plan(plan: Any, p: Any) -> None:
    from wizard.session.texts import plan_text

    t = plan_text(plan)
    if plan.empty:
        p.line(t.title)
        for step in plan.manual:  # what waits for the user (installs off: the packages to add first)
            p.line(f"  ! {step}")
        return
    p.line(p.c("bold", t.title))
    if t.frontend:
        p.line(f"  {t.frontend}")
    for line in t.deployment:
        p.line(f"  {line}")
    for a in t.actions:
        p.line(f"  • {a}")
    for d in t.diffs:
        p.line("")
        p.diff(d)
    if t.notes:
        p.line("")
        p.line(p.c("bold", "Notes"))
        for n in t.notes:
            p.line(f"  ! {n}")
    if t.env_line:
        p.line("")
        p.line(t.env_line)


def cmd_plan(args: argparse.Namespace) -> int:
    from wizard.output import Printer

    _s, plan, problems = _plan(args)
    if args.json:
        out = plan.to_json()
        out["preflight"] = problems  # what would make apply refuse before writing anything
        print(json.dumps(out, indent=2))
    else:
        p = Printer()
        _print_plan(plan, p)
        if problems:
            p.line("")
            p.line(p.c("bold", "Apply would stop before writing anything:"))
            for problem in problems:
                p.line(f"  {p.mark('fail')} {problem}")
    if problems:
        sys.stderr.write(f"{PROG}: note: apply would refuse: " + "; ".join(problems) + "\n")
    return 0


def cmd_apply(args: argparse.Namespace) -> int:
    from wizard.output import Printer
    from wizard.session.texts import next_steps, nothing_to_change, production_lines

    p = Printer()
    s, plan, problems = _plan(args)
    if plan.empty:
        if args.json:
            print(json.dumps({"ok": True, "changed": [], "backup": None, "install": None, "manual": plan.manual}))
        else:
            p.line(nothing_to_change(plan))
            for step in plan.manual:
                p.line(f"  ! {step}")
        return 0
    if not args.yes and not sys.stdin.isatty():
        raise Refused("apply needs confirmation: run it on a terminal, or pass --yes (see the changes first with `spectro-wizard plan`)")
    if not args.yes:
        _print_plan(plan, p)
        p.line("")
    _refuse_preflight(problems, "apply refused")
    _confirm("Apply these changes?", args.yes, "apply")
    out = sys.stderr if args.json else sys.stdout
    result = s.apply(plan, on_output=lambda line: print(f"  │ {line}", file=out, flush=True))
    cleanup = _cleanup(s)
    rel_backup = result.backup.relative_to(plan.repo).as_posix() if result.backup else None
    if args.json:
        extra = {} if plan.deployment is None else {"deployment": plan.deployment.to_json()}
        print(json.dumps({
            "ok": result.install_ok is not False, "changed": result.written, "backup": rel_backup,
            "install": None if plan.install is None else {
                "command": plan.install.display, "ok": result.install_ok, "error": result.install_error,
                "hint": None if result.install_ok else "install-failed",
                "steps": [step.to_json() for step in plan.installs]},
            "rolledBack": result.rolled_back,
            "notes": plan.notes, "envVars": plan.env_vars,
            "cleanup": None if cleanup is None else cleanup.to_json(),
            **extra,
        }, indent=2))
    elif not result.rolled_back:
        for step in plan.installs:
            p.line(f"{p.mark('ok')} added {', '.join(step.packages)} ({step.display})")
        for rel in result.written:
            p.line(f"{p.mark('ok')} wrote {rel}")
        if rel_backup:
            p.line(f"  backups in {rel_backup}/ — `{PROG} undo` restores them")
        if plan.notes and args.yes:
            for n in plan.notes:
                p.line(f"  ! {n}")
        p.line("")
        p.line("Next:")
        for i, step in enumerate(next_steps(plan.env_vars, s.callback_url()), 1):
            p.line(f"  {i}. {step}")
        production = production_lines(plan, args.answers or "FILE")  # the commands name the answers file this apply read
        if production:
            p.line("")
            p.line("Production:")
            for line in production:
                p.line(line)
        if cleanup is not None:
            p.line("")
            p.line(cleanup.render())
    if result.install_ok is False:
        from wizard.core.hint_ids import INSTALL_FAILED_HINT

        sync = f"; `{result.sync_command}` brings node_modules back in line" if result.sync_command else ""
        sys.stderr.write(f"{PROG}: the install failed, so nothing was changed (every file was put back as it was{sync}): "
                         f"{result.install_error} (`{PROG} hints {INSTALL_FAILED_HINT}`)\n")
        return 1
    return 0


def _cleanup(s: Any) -> Any:
    """After a wave: what is left to revoke and delete. The apply succeeded; a problem listing it
    must not hide that."""
    try:
        return s.cleanup()
    except Exception as exc:  # noqa: BLE001
        sys.stderr.write(f"{PROG}: the config was written, but the clean-up list could not be computed "
                         f"({exc.__class__.__name__}: {exc}); `{PROG} check` shows the inventory\n")
        return None


def cmd_undo(args: argparse.Namespace) -> int:
    from wizard.core.apply import last_applied
    from wizard.output import Printer

    p = Printer()
    s = _session(args)
    bs = last_applied(s.root)
    if bs is None:
        raise Refused(f"nothing to undo: no apply is recorded in {s.root / '.spectro-wizard' / 'backups'}")
    files = [f["path"] for f in bs.manifest.get("files", [])]
    if not args.yes:
        p.line(f"The apply of {bs.created} changed: {', '.join(files)}")
    _confirm("Restore these files as they were before that apply?", args.yes, "undo")
    result = s.undo(force=args.force)
    for rel in result.restored:
        p.line(f"{p.mark('ok')} restored {rel}")
    p.line(f"  (from {result.backup.relative_to(s.root).as_posix()}, the apply of {result.created})")
    if result.sync_command:
        p.line(f"  package.json / lockfile restored: run `{result.sync_command}` to bring node_modules back in line")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from wizard.core.results import checks_json
    from wizard.output import Printer, print_checks
    from wizard.session import VerifyOptions

    s = _session(args, answers=True)
    _checked_url("--backend-url", args.backend_url)
    from wizard.core.cafile import load_ca_file

    ca_data = load_ca_file(args.ca_file) if args.ca_file else None  # refused (exit 2) before anything runs
    if args.timeout <= 0 or args.concurrency < 1:
        raise BadInput("--timeout must be positive and --concurrency at least 1")
    _checked_environment(args)
    id_token = _id_token(args)
    if args.login:
        if id_token:
            raise BadInput("--login signs in for the ID token: give it or --id-token/--id-token-file, not both")
        id_token = _sign_in(s, args).id_token
    opts = VerifyOptions(backend_url=args.backend_url, token=args.token, id_token=id_token,
                         ca_file=args.ca_file, ca_data=ca_data, timeout=args.timeout, concurrency=args.concurrency,
                         environment=args.environment, deployment=args.deployment)
    if args.wait is not None:
        if args.wait <= 0:
            raise BadInput("--wait must be a positive number of seconds")
        _wait_for_backend(s, opts, args.wait)
    results = s.verify_sync(opts)
    untested = s.verify_untested
    if args.json:
        print(json.dumps(checks_json(results, {"repo": str(s.root), "complete": not untested, "notTested": untested}), indent=2))
    else:
        p = Printer()
        print_checks(p, f"{PROG} verify — {s.root}", results, not_tested=untested)
    return 1 if any(r.status == "fail" for r in results) else 0


def _id_token(args: argparse.Namespace) -> str | None:
    """--id-token, else --id-token-file, else $SPECTROCLOUD_ID_TOKEN (the token is never printed)."""
    if args.id_token and args.id_token_file:
        raise BadInput("give --id-token or --id-token-file, not both")
    if args.id_token_file:
        from wizard.core import safeio

        token = safeio.read_text(args.id_token_file, f"--id-token-file {args.id_token_file}", safeio.ID_TOKEN_CAP).strip()
        if not token:
            raise BadInput(f"--id-token-file {args.id_token_file} is empty")
        return token
    return args.id_token or os.environ.get("SPECTROCLOUD_ID_TOKEN") or None


def _sign_in(s: Any, args: argparse.Namespace) -> Any:
    """The browser sign-in of `login`, `verify --login` and `rbac --from-login`: the URL on stderr for a
    headless session, the system browser ($BROWSER honoured) unless --no-browser."""
    import webbrowser

    from wizard.core.fields import problem

    if args.redirect_url and (why := problem("redirectUrl", args.redirect_url)):
        raise BadInput(f"--redirect-url {why}")
    if args.login_timeout <= 0:
        raise BadInput("the sign-in timeout must be a positive number of seconds")

    def show(url: str) -> None:
        sys.stderr.write(f"{PROG}: sign in in your browser; if none opens, open this URL:\n  {url}\n")
        sys.stderr.flush()

    opener = None if args.no_browser else (lambda url: webbrowser.open(url, new=2))
    return s.login(args.redirect_url, args.login_timeout, open_browser=opener, on_url=show,
                   deployment=getattr(args, "deployment", False), environment=getattr(args, "environment", None))


def _checked_environment(args: argparse.Namespace) -> None:
    from wizard.core.fields import problem

    if getattr(args, "environment", None) is not None and (why := problem("environment", args.environment)):
        raise BadInput(f"--environment {why}")


def _wait_for_backend(s: Any, opts: Any, seconds: float) -> None:
    """`verify --wait`: poll until the restarted backend serves the config on disk (progress on stderr)."""
    import asyncio

    from wizard.session.texts import still_waiting_for

    def progress(results: list[Any], elapsed: float) -> None:
        waiting = still_waiting_for(results)
        if waiting:
            sys.stderr.write(f"{PROG}: waiting for the backend ({elapsed:.0f} s): {waiting[0]}\n")

    outcome = asyncio.run(s.wait_for_backend(seconds, opts, on_round=progress))
    if outcome.served:
        sys.stderr.write(f"{PROG}: the backend serves the new config (after {outcome.elapsed:.0f} s)\n")
    else:
        sys.stderr.write(f"{PROG}: the backend did not serve the new config within {seconds:.0f} s; verifying anyway "
                         "(was it restarted? a deployed backend must be rebuilt and redeployed)\n")


def cmd_hints(args: argparse.Namespace) -> int:
    from wizard.core.hints import catalog
    from wizard.output import Printer

    cat = catalog()
    p = Printer()
    if args.id:
        h = cat.get(args.id)
        if h is None:
            found = cat.search(args.id)
            if not found:
                raise BadInput(f"no hint matches {args.id!r}; `{PROG} hints` lists them all")
            if args.json:
                print(json.dumps({hid: cat.get(hid).title for hid in found}, indent=2))  # type: ignore[union-attr]
                return 0
            width = max(len(i) for i in found)
            p.line(f"Hints about {args.id!r}:")
            for hid in found:
                p.line(f"  {hid.ljust(width)}  {cat.get(hid).title}")  # type: ignore[union-attr]
            p.line("")
            p.line(f"`{PROG} hints ID` shows one in full.")
            return 0
        if args.json:
            print(json.dumps({"id": h.id, "title": h.title, "symptoms": list(h.symptoms), "cause": h.cause,
                              "steps": list(h.steps), "links": list(h.links), "example": h.example}, indent=2))
            return 0
        from wizard.core.hints import fill

        p.line(p.c("bold", f"{h.title}  [{h.id}]"))
        if h.symptoms:
            p.line("")
            p.line("You may see:")
            for s in h.symptoms:
                p.line(f"  - {fill(s, h.example)}")
        p.line("")
        p.line(h.render(h.example))
        if h.example:
            p.line("")
            p.line(f"(Shown with example values: {', '.join(sorted(h.example))}. `{PROG} check` gives this hint with "
                   "your app's own.)")
        return 0
    if args.json:
        print(json.dumps({h: cat.get(h).title for h in cat.ids()}, indent=2))  # type: ignore[union-attr]
        return 0
    width = max(len(i) for i in cat.ids())
    for hid in cat.ids():
        p.line(f"  {hid.ljust(width)}  {cat.get(hid).title}")  # type: ignore[union-attr]
    p.line("")
    p.line(f"`{PROG} hints ID` shows one in full.")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from wizard.session import VerifyOptions

    s = _session(args)
    opts = None
    if args.verify:
        _checked_url("--backend-url", args.backend_url)
        if args.timeout <= 0:
            raise BadInput("--timeout must be positive")
        opts = VerifyOptions(backend_url=args.backend_url, timeout=args.timeout)
    elif args.backend_url:
        raise BadInput("--backend-url only applies with --verify")
    path = s.report(Path(args.output), json_format=args.json, run_verify=args.verify, verify_options=opts)
    kind = "JSON" if args.json else "Markdown"
    print(f"wrote {path} ({kind} support report; every secret masked — read it before you share it)")
    return 0


def cmd_login(args: argparse.Namespace) -> int:
    from wizard.core import rbac
    from wizard.output import Printer

    _checked_environment(args)
    s = _session(args, answers=True)
    r = _sign_in(s, args)
    groups = r.groups
    flags = [f"--oidc-issuer-url={r.issuer}", f"--oidc-client-id={r.client_id}", "--oidc-username-claim=email",
             "--oidc-groups-claim=groups"]
    rbac_cmd = rbac.command([r.username] if r.username and "@" in r.username else [], groups or ["<group>"])
    if args.json:
        out = {"ok": True, "claims": {k: r.claims.get(k) for k in ("sub", "email", "groups", "iss", "aud", "exp")},
               "expiresAt": r.expires_at, "username": r.username, "groups": groups, "redirectUri": r.redirect_uri,
               "apiServerFlags": flags, "rbacCommand": rbac_cmd, "warnings": r.warnings}
        if args.print_token:
            out["idToken"] = r.id_token
        print(json.dumps(out, indent=2))
        return 0
    p = Printer()
    p.line(f"{p.mark('ok')} signed in as {r.username} (ID token valid until {r.expires_at}; signature, issuer, audience and nonce checked)")
    p.line(f"  subject: {r.claims.get('sub')}")
    p.line(f"  email:   {r.claims.get('email') or '(none)'}")
    p.line(f"  groups:  {', '.join(groups) or '(none)'}")
    for w in r.warnings:
        p.line(f"  {p.mark('warn')} {w}")
    p.line("")
    p.line("What an API server configured for this client sees:")
    p.line(f"  user {r.claims.get('email') or r.claims.get('sub')}" + (f", groups {', '.join(groups)}" if groups else ""))
    p.line("  its flags (kube-apiserver, or the same in an AuthenticationConfiguration):")
    for f in flags:
        p.line(f"    {f}")
    p.line("")
    p.line(f"RBAC for this user: {rbac_cmd} && kubectl apply -f rbac.yaml")
    p.line(f"Prove the whole path: {PROG} verify --login")
    if args.print_token:
        p.line("")
        p.line(r.id_token)
    return 0


def cmd_rbac(args: argparse.Namespace) -> int:
    from wizard.core import rbac

    if args.login:
        r = _sign_in(_session(args), args)
        args.user = list(args.user) + ([r.username] if r.username and "@" in r.username else [])
        args.group = list(args.group) + r.groups
    role = args.custom_role or args.role
    text = rbac.render(args.user, args.group, role=role, namespace=args.namespace,
                       username_prefix=args.username_prefix, groups_prefix=args.groups_prefix,
                       username_claim=args.username_claim, custom_role=args.custom_role is not None)
    if args.role == "cluster-admin":
        sys.stderr.write(f"{PROG}: note: cluster-admin gives full control of the cluster to every subject named\n")
    if not args.output:
        sys.stdout.write(text)
        return 0
    rbac.write(Path(args.output), text)
    count = len(rbac.load_documents(text))
    kind = "RoleBinding" if args.namespace else "ClusterRoleBinding"
    print(f"wrote {args.output}: {count} {kind}(s) granting {role}; apply it to each cluster with an admin kubeconfig: "
          f"kubectl --context <cluster> apply -f {args.output}")
    return 0


def cmd_cluster_config(args: argparse.Namespace) -> int:
    """The API servers' side: the configuration to trust the users' tokens, and (with --from-login) the
    signed-in user's real token checked against it."""
    from wizard.output import Printer

    _checked_environment(args)
    s = _session(args, answers=True)
    login = _sign_in(s, args) if args.login else None
    result = s.cluster_config(args.format, args.audience, args.username_prefix, args.groups_prefix, login=login,
                              deployment=args.deployment, environment=args.environment)
    if args.output:
        from wizard.core.apply import write_output

        write_output(Path(args.output), result.text, "apiserver-oidc.yaml")
    if args.json:
        out = result.to_json()
        if args.output:
            out["output"] = args.output
        print(json.dumps(out, indent=2))
        return 1 if result.problems else 0
    if not args.output:
        sys.stdout.write(result.text)
    p = Printer(sys.stderr)
    if args.output:
        p.line(f"wrote {args.output} ({args.format}) for the API servers: {result.source}")
    else:
        p.line(f"# {args.format} for the API servers: {result.source}")
    for w in result.warnings:
        p.line(f"{PROG}: note: {w}")
    if login is not None:
        who = result.username or "(no username)"
        p.line(f"{PROG}: an API server with this configuration sees {who}"
               + (f", groups {', '.join(result.groups)}" if result.groups else ""))
        for problem in result.problems:
            p.line(f"{PROG}: {problem}")
    p.line(f"{PROG}: RBAC with the same prefixes: {result.rbac_command}")
    return 1 if result.problems else 0


def _needs_terminal(plain: bool) -> None:
    """Without a terminal the TUI cannot draw (and would spin); plain mode cannot ask. Say what works."""
    if sys.stdin.isatty() and sys.stdout.isatty():
        return
    if plain:
        raise BadInput("plain mode asks questions and needs a terminal; without one, use the commands with an answers "
                       "file: spectro-wizard check, plan --answers FILE, apply --answers FILE --yes, verify")
    raise BadInput("the wizard needs a terminal; use `spectro-wizard plain` (line prompts) on a bare terminal, or the "
                   "commands without one: spectro-wizard check, plan --answers FILE, apply --answers FILE --yes, verify")


def cmd_tui(args: argparse.Namespace, plain: bool = False) -> int:
    _needs_terminal(plain)
    if args.demo and not plain:
        from wizard.session.demo import make_demo_app
        from wizard.tui.app import run_tui

        # the first screen is drawn on a fresh demo copy; the world (local stand-ins) is started on it
        # right after, and stopped on the way out
        root = make_demo_app()
        print(f"demo app: {root}", file=sys.stderr)
        return run_tui(root, args.config, demo=True, start_world=True)
    if args.demo:
        from wizard.session.demo import demo_run

        # a dry run with its own world: local stand-ins started here and stopped on the way out
        with demo_run() as (root, world):
            print(f"demo app: {root}", file=sys.stderr)
            return _run_front_end(root, args.config, plain, world)
    return _run_front_end(_repo_root(args), args.config, plain, None)


def _run_front_end(root: Path, config_names: list[str] | None, plain: bool, world: Any) -> int:
    if plain:
        from wizard.plain import run_plain

        return run_plain(root, config_names, demo=world is not None, world=world)
    from wizard.tui.app import run_tui

    return run_tui(root, config_names, demo=world is not None, world=world)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "check": cmd_check,
    "plan": cmd_plan,
    "apply": cmd_apply,
    "undo": cmd_undo,
    "verify": cmd_verify,
    "hints": cmd_hints,
    "report": cmd_report,
    "rbac": cmd_rbac,
    "login": cmd_login,
    "cluster-config": cmd_cluster_config,
    "plain": lambda a: cmd_tui(a, plain=True),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        print(f"{PROG} {__version__}")
        return 0
    try:
        if args.command is None:
            return cmd_tui(args)
        return COMMANDS[args.command](args)
    except WizardError as exc:
        from wizard.core.mask import mask_shapes  # a sentence may quote a server's answer or a value

        message = mask_shapes(str(exc))
        if getattr(args, "json", False):  # scripts read stdout: the error is there too, as JSON
            print(json.dumps({"ok": False, "error": message}, indent=2))
        sys.stderr.write(f"{PROG}: {message}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write(f"\n{PROG}: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - a bug, not a user error: short message, details in a file
        from wizard.core.mask import mask_shapes

        where = _crash_log(traceback.format_exc())
        sys.stderr.write(f"{PROG}: internal error ({exc.__class__.__name__}: {mask_shapes(str(exc))}){where} — please report it\n")
        return 70


def _crash_log(text: str) -> str:
    """The traceback in a new private file (a 0700 directory with an unpredictable name, the file 0600):
    a predictable name in a shared /tmp could be planted as a symlink, and a traceback may quote config
    values. Masked like every other output. Returns where it went, as the end of a sentence."""
    import tempfile

    from wizard.core.mask import mask_text

    try:
        d = Path(tempfile.mkdtemp(prefix="spectro-wizard-crash-"))
        log = d / "traceback.log"
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(mask_text(text))
    except OSError:
        return ""
    return f"; details in {log}"


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
