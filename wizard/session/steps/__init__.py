"""The flow of the wizard, once: which steps each path walks, in order, and the controller of each.

`STEPS` is the one list: the TUI draws the screen `wizard.tui.screens.<name>` for each step, plain mode
calls its method `<name>`, the screenshots and the snapshot tests walk it. A step's controller
(`wizard.session.steps.<name>`) holds everything the step knows — its fields and their rules, its
defaults, its wording, what it does with the answers — so the front ends only draw it. Adding a step is
one controller, one screen, one test and one line here.

Controllers are imported when a front end asks for one (`controller()`): the session imports this
table before the first paint and needs none of them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wizard.session.session import Session
    from wizard.session.steps.base import StepController


@dataclass(frozen=True)
class Step:
    name: str
    title: str  # short, for the step indicator
    purpose: str  # one line, for plain mode's headings and the help


STEPS: dict[str, Step] = {s.name: s for s in (
    Step("welcome", "Welcome", "what the wizard does, and which path you take"),
    Step("prereqs", "Prereqs", "what the app has and lacks: Backstage, Node, Yarn, packages, config"),
    Step("inventory", "Inventory", "the clusters and environments still on service accounts, and this wave"),
    Step("tenant", "Tenant", "the SpectroCloud tenant and the OIDC client (secrets by variable name)"),
    Step("clusters", "Clusters", "the clusters users reach with their own identity"),
    Step("deployment", "Production", "where Backstage runs on Kubernetes: its config and its Secret"),
    Step("review", "Review", "every change as a diff, before anything is written"),
    Step("apply", "Apply", "install the packages and write the files, all or nothing"),
    Step("restart", "Restart", "restart the backend so it reads the new config, and wait until it serves it"),
    Step("verify", "Verify", "prove it works: the OIDC provider, the backend, each cluster"),
    Step("summary", "Summary", "what changed, what is left to do, RBAC, the answers and a report"),
)}

PATHS: dict[str, str] = {
    "setup": "New setup: install, configure sign-in, switch the clusters",
    "migrate": "Migrate clusters from service accounts, in waves",
    "verify": "Verify and troubleshoot (changes nothing)",
}

FLOWS: dict[str, tuple[str, ...]] = {
    "setup": ("welcome", "prereqs", "tenant", "clusters", "deployment", "review", "apply", "restart", "verify", "summary"),
    "migrate": ("welcome", "prereqs", "inventory", "tenant", "deployment", "review", "apply", "restart", "verify", "summary"),
    "verify": ("welcome", "prereqs", "verify", "summary"),
}


def flow(path: str) -> tuple[str, ...]:
    return FLOWS.get(path, FLOWS["setup"])


def next_step(path: str, current: str) -> str | None:
    steps = flow(path)
    i = steps.index(current) if current in steps else 0
    return steps[i + 1] if i + 1 < len(steps) else None


def previous_step(path: str, current: str) -> str | None:
    steps = flow(path)
    if current in steps and steps.index(current) > 0:
        return steps[steps.index(current) - 1]
    return None


def controller_class(name: str) -> type[StepController]:
    """The controller of a step: `wizard.session.steps.<name>`, class `<Name>Step`."""
    module = importlib.import_module(f"wizard.session.steps.{name}")
    cls: Any = getattr(module, f"{name.capitalize()}Step")
    return cls  # type: ignore[no-any-return]


def controller(session: Session, name: str) -> StepController:
    """The controller of `name` for this session (one per session: front ends may ask again and again)."""
    made = session.controllers.get(name)
    if made is None:
        made = session.controllers[name] = controller_class(name)(session)
    return made
