"""Step: what changed, what is left to do, the RBAC users need, the answers and a support report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from wizard.session.steps.base import StepController
from wizard.session.texts import next_steps, production_lines

if TYPE_CHECKING:
    from wizard.core.plan import Plan


class SummaryStep(StepController):
    name = "summary"
    heading = "Summary"
    help = """\
What the wizard changed, and what is left for you: export the environment variables where Backstage runs,
restart it, and give users RBAC in each cluster (they now act as themselves).

**Save answers** writes `.spectro-wizard/answers.yaml` (never secrets): `spectro-wizard apply --answers`
replays it in CI or on another environment. **Export report** writes a support report with every secret
masked.
"""

    def lines(self) -> list[str]:
        s = self.s
        lines: list[str] = []
        plan, result = s.applied, s.apply_result
        verify_only = s.path == "verify"
        if plan is not None and result is not None and result.rolled_back:
            lines += ["Nothing was changed: the install failed and every file was put back as it was.",
                      f"  ✖ {result.install_error}"]
        elif plan is not None and result is not None:
            lines.append("Changed:")
            lines += [f"  • {x}" for x in plan.actions]
            if result.backup is not None:
                lines.append(f"  backups: {result.backup.relative_to(s.root)} (undo restores them)")
            lines += [f"  ! {n}" for n in plan.notes]
        else:
            lines.append("Nothing was changed in this run" + (" (the Verify path changes nothing)." if verify_only else "."))
        cleanup = s.cleanup()
        if cleanup is not None and not cleanup.empty:
            lines.append("")
            lines += cleanup.render().splitlines()
        todo = self.next_steps()
        if todo:
            lines.append("")
            lines.append("Next steps:")
            lines += [f"  {i}. {step}" for i, step in enumerate(todo, 1)]
        production = self.production()
        if production:
            lines.append("")
            lines.append("Production:")
            lines += production
        verify = s.verify_results or []
        if verify:
            fails = [r for r in verify if r.status == "fail"]
            counts = {st: sum(1 for r in verify if r.status == st) for st in ("ok", "warn", "fail", "skip")}
            lines.append("")
            lines.append("Verify: " + ", ".join(f"{n} {st}" for st, n in counts.items() if n) +
                         ("" if not fails else " — failed: " + ", ".join(r.id for r in fails[:6])))
        lines.append("")
        lines += self.rbac_lines(verify_only)
        return lines

    def _kept_plan(self) -> Plan | None:
        """The plan this run applied and kept (None: the Verify path, no apply, or one rolled back)."""
        s = self.s
        if s.path == "verify" or s.apply_result is not None and s.apply_result.rolled_back:
            return None
        return s.applied

    def next_steps(self) -> list[str]:
        """What is left, without what this run already did (a restart waited for, a verify that ran)."""
        s = self.s
        applied = self._kept_plan()
        if applied is None:
            return []
        envs = list(applied.env_vars)
        steps = next_steps(envs, s.callback_url(), s.stand_ins)
        done = []
        if s.restarted:
            done.append(2)
        if s.verify_results:
            done.append(3)
        return [step for i, step in enumerate(steps) if i not in done]

    def production(self) -> list[str]:
        """What is left for production after an apply that wrote a deployment (numbered lines)."""
        s, applied = self.s, self._kept_plan()
        if applied is None:
            return []
        # the Summary saves the answers to the state directory: the commands name that file
        return production_lines(applied, str(s.answers_path.relative_to(s.root)))

    def rbac_lines(self, verify_only: bool) -> list[str]:
        from wizard.core import rbac

        user, groups = self.s.identity()
        command = rbac.command([user or "you@example.com"], groups or ["your-team"]) + " && kubectl apply -f rbac.yaml"
        if verify_only:
            return ["RBAC: users on SpectroCloud OIDC clusters act as themselves and need roles, e.g.", "  " + command]
        return ["RBAC: the switched clusters now see each user; give them roles, e.g.", "  " + command]

    def write_rbac(self) -> Path:
        user, groups = self.s.identity()
        if not user and not groups:
            raise ValueError("no signed-in identity yet: run Verify with a user's ID token (or sign in), or use "
                             "`spectro-wizard rbac --user EMAIL --group NAME`")
        return self.s.rbac_manifests([user] if user else [], groups)

    def report_path(self) -> Path:
        return self.s.root / ".spectro-wizard" / "support-report.md"

    def write_report(self) -> Path:
        return self.s.report(self.report_path())
