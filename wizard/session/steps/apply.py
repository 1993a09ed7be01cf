"""Step: install the packages and write the plan, all or nothing (backups first), and what happened.

The lines an apply reports are written here once: the CLI's `apply`, plain mode and the TUI's Apply
screen print the same words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wizard.errors import WizardError
from wizard.session.steps.base import StepController

if TYPE_CHECKING:
    from wizard.core.apply import ApplyResult
    from wizard.core.plan import Plan


@dataclass
class ApplyOutcome:
    ok: bool
    lines: list[str]  # what was done (or why nothing was), one line each
    error: str | None = None  # the one sentence of a failure
    undo_offered: bool = False  # a failure after which Undo makes sense
    cleanup: str = ""  # after a wave: what is left to revoke and delete (never run by the wizard)
    notes: list[str] = field(default_factory=list)


def outcome_lines(plan: Plan, result: ApplyResult, root_rel: Callable[[object], str], demo: bool = False) -> list[str]:
    """The lines of an apply that went through (the CLI prints these too)."""
    lines = [f"✔ added {', '.join(step.packages)} ({step.display})" for step in plan.installs]
    if not plan.installs:
        lines.append("  package install skipped" + (" (demo app)" if demo else ""))
    lines += [f"✔ wrote {rel}" for rel in result.written]
    if result.backup is not None:
        lines.append(f"  backups in {root_rel(result.backup)}/ — undo restores them")
    return lines


def rolled_back_lines(result: ApplyResult) -> list[str]:
    sync = f" (`{result.sync_command}` brings node_modules back in line)" if result.sync_command else ""
    return [f"✖ {result.install_error}", f"Nothing was changed: every file was put back as it was{sync}."]


class ApplyStep(StepController):
    name = "apply"
    heading = "Apply"
    help = """\
All or nothing: the wizard backs up every file it may change, adds the required packages with your
package manager (streaming its output), then wires the backend (index.ts) and the frontend (apis.ts or
App.tsx and the in-app module) and writes the config, each file replaced atomically. If the install
fails, or anything else does, every file is put back exactly as it was. After a successful apply,
**Undo** restores them all.
"""

    def run(self, on_output: Callable[[str], None] | None = None) -> ApplyOutcome:
        s = self.s
        plan = s.plan
        if plan is None:
            return ApplyOutcome(False, [], "nothing to apply: review the plan first")
        try:
            result = s.apply(plan, on_output=on_output)
        except WizardError as exc:
            return ApplyOutcome(False, [f"✖ {exc}"], str(exc), undo_offered=s.can_undo())
        if result.rolled_back:
            return ApplyOutcome(False, rolled_back_lines(result),
                                "the install failed; nothing was changed — fix the cause shown above, then apply again")
        lines = outcome_lines(plan, result, lambda p: p.relative_to(s.root).as_posix(), s.demo)  # type: ignore[attr-defined]
        cleanup = s.cleanup()
        return ApplyOutcome(True, lines, cleanup="" if cleanup is None or cleanup.empty else cleanup.render(),
                            notes=list(plan.notes))

    def undo(self) -> str:
        result = self.s.undo()
        return "↩ restored " + ", ".join(result.restored) + " — nothing of this apply remains"
