"""The words every front end shows for a plan and for what comes after an apply, written once.

Front ends only style them (colour in a terminal, widgets in the TUI): the CLI's `plan`, plain mode's
review and the TUI's Review screen say the same thing, and so do `apply`, plain mode and the Summary
about the next steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wizard.core.results import CheckResult

if TYPE_CHECKING:  # the Welcome screen reads these words before any plan exists: the planner is not imported for it
    from wizard.core.plan import Plan

NOTHING_TO_CHANGE = "Nothing to change: the config already matches the answers."


@dataclass
class PlanText:
    title: str
    actions: list[str]
    diffs: list[str]  # one masked unified diff per changed file
    notes: list[str]  # what the user must know (changed values, manual steps)
    env_line: str | None  # the variables to export where Backstage runs
    frontend: str | None = None  # which frontend system was found and how it is wired, and why
    deployment: list[str] = field(default_factory=list)  # production: where, what loads, the trap, the Secret


def frontend_line(plan: Plan) -> str | None:
    return f"Frontend: {plan.frontend.summary}" if plan.frontend is not None and plan.frontend.kind else None


# The frontend wiring question (new frontend system only), asked by the TUI's Review and plain mode's
# review with these words: value -> (label, why)
WIRING_CHOICES: dict[str, tuple[str, str]] = {
    "in-app": ("the in-app module (recommended)",
               "a module the wizard writes into the app (src/modules/spectrocloud), added to createApp({ features }); "
               "published Backstage packages only, and clusters on other OIDC providers (okta, google...) keep working"),
    "package": ("the TeraSky packages",
                "@terasky/backstage-plugin-spectrocloud-kubernetes-auth-module and -auth from your registry (not on the "
                "public npm registry); their module offers SpectroCloud alone, so clusters on other OIDC providers stop"),
}


WAITING_FOR_YOU = ("Nothing the wizard can write yet: the config already matches the answers, and the rest waits for "
                   "what is below (then run apply again).")


def nothing_to_change(plan: Plan) -> str:
    """What an empty plan says: done, or done as far as it can go until the user's part is done."""
    return WAITING_FOR_YOU if plan.manual else NOTHING_TO_CHANGE


def plan_text(plan: Plan) -> PlanText:
    deployment = plan.deployment.lines() if plan.deployment is not None else []
    if plan.empty:
        return PlanText(nothing_to_change(plan), [], [], list(plan.notes), None, frontend_line(plan), deployment)
    files = ", ".join(c.rel for c in plan.changes) or "no files"
    title = f"Plan for {plan.repo}: {len(plan.changes)} file(s) change ({files})"
    if plan.refusals:
        title += " — apply would stop: part of the setup must be added by hand (below)"
    env = None
    if plan.env_vars:
        env = "The config references these environment variables; export them where Backstage runs: " + ", ".join(plan.env_vars)
    return PlanText(title, list(plan.actions), [c.diff() for c in plan.changes], list(plan.notes), env,
                    frontend_line(plan), deployment)


def production_lines(plan: Plan, answers: str = "FILE") -> list[str]:
    """The production steps as printed under "Production:" (the CLI's apply, plain mode, the Summary):
    numbered, a step's commands indented under it; `answers` names the answers file the commands take."""
    out: list[str] = []
    n = 0
    for step in deployment_steps(plan, answers):
        if step.startswith("   "):
            out.append(f"     {step.strip()}")
            continue
        n += 1
        out.append(f"  {n}. {step}")
    return out


def deployment_steps(plan: Plan, answers: str = "FILE") -> list[str]:
    """After an apply with a deployment: what is left to do for production, in order."""
    import shlex

    answers = shlex.quote(answers)  # a printed command is pasted into a shell
    d = plan.deployment
    if d is None:
        return []
    steps = [f"Create the Secret {d.secret_name} in namespace {d.namespace} (values from your own environment, none on a "
             "command line):"] + [f"   {s}" for s in d.secret_steps]
    created = [c.rel for c in plan.changes if c.created and c.kind == "manifest"]
    if created:
        steps.append(f"Apply the new manifest(s) before the release: kubectl apply -n {d.namespace} -f "
                     + " -f ".join(created))
    steps.append(d.image_note[:1].upper() + d.image_note[1:] if d.image_note else "Redeploy.")
    steps.append("Tell the clusters' API servers to trust the tokens: `spectro-wizard cluster-config --deployment "
                 f"--answers {answers}` (flags, AuthenticationConfiguration, Palette or EKS pack values).")
    steps.append(f"Prove it against the deployed backend: `spectro-wizard verify --deployment --answers {answers} --backend-url "
                 "https://<your Backstage> --login`.")
    return steps


def will_do(frontend_system: str | None) -> str:
    """What the setup does to this app, in one paragraph (the Welcome screen's, and plain mode's); the
    frontend system None: not read yet."""
    if frontend_system is None:
        frontend = ("wire SpectroCloud into the app's frontend and add the SpectroCloud sign-in backend module "
                    "with your package manager, and load it")
    elif frontend_system == "legacy":
        frontend = ("register the SpectroCloud sign-in API and the Kubernetes auth providers in packages/app/src/apis.ts "
                    "(your legacy frontend's API factories) · add the SpectroCloud sign-in backend module with your "
                    "package manager, and load it")
    else:
        frontend = ("add SpectroCloud to the app's frontend (a module the wizard writes into the app, or the TeraSky "
                    "packages) and the SpectroCloud sign-in backend module with your package manager, and load it · "
                    "disable the default Kubernetes auth providers")
    return (f"The wizard will: check the prerequisites · {frontend} · configure the spectrocloud sign-in provider · "
            "switch clusters to authProvider: oidc + oidcTokenProvider: spectrocloud · after your restart, verify it "
            "all. You see every change before it is written; nothing is written if any part fails.")


RESTART_WAIT_SECONDS = 300.0  # how long the TUI's and plain mode's Restart step wait for the backend


def still_waiting_for(results: list[CheckResult]) -> list[str]:
    """A round of the restart wait: what the backend does not serve yet, one line per check."""
    return [f"{r.id}: {r.summary}" for r in results if r.status not in ("ok", "warn")]


def restart_instruction(demo: bool = False) -> str:
    """How this repo's backend picks up the new config."""
    if demo:
        return ("Restart Backstage so it reads the new config. In the demo the wizard restarts its stand-in backend "
                "itself when it waits (with a real app: stop `yarn start` and run it again).")
    return ("Restart Backstage so it reads the new config: stop `yarn start` and run it again from the repo root "
            "(a deployed backend must be rebuilt and redeployed).")


def next_steps(env_vars: list[str], callback_url: str, demo: bool = False) -> list[str]:
    """What is left for the user after an apply, in order."""
    return [
        f"Export {', '.join(env_vars)} where Backstage runs (never in app-config).",
        f"Register the callback URL with the SpectroCloud OIDC client: {callback_url}",
        restart_instruction(demo),
        "Run `spectro-wizard verify` (or the Verify step) to prove the setup.",
        "Sign in with SpectroCloud and open an entity's Kubernetes tab: resources load with your identity.",
    ]
