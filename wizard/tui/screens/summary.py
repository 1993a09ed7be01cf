"""Step: what changed, what to do next, the RBAC users need, save the answers, export a report."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Static

from wizard.core import rbac
from wizard.session.texts import next_steps
from wizard.tui.screens.base import WizardScreen


class SummaryScreen(WizardScreen):
    STEP = "summary"
    TITLE = "Summary"
    BUTTON_KEYS = {"save": "ctrl+s", "rbac": "ctrl+b", "report": "ctrl+r", "quit": "ctrl+q"}
    CSS_PATH = "summary.tcss"
    HELP = """\
What the wizard changed, and what is left for you: export the environment variables where Backstage
runs, restart it, and give users RBAC in each cluster (they now act as themselves).

**Save answers** writes `.spectro-wizard/answers.yaml` (never secrets): `spectro-wizard apply --answers`
replays it in CI or on another environment. **Export report** writes a support report with every
secret masked.
"""

    def body(self) -> ComposeResult:
        with VerticalScroll(id="summary-scroll"):
            yield Static("", id="summary-text", markup=False)
        with Horizontal(classes="buttons"):
            yield Button("Save answers", id="save")
            yield Button("Write RBAC", id="rbac")
            yield Button("Export report", id="report")
            yield Button("Quit", variant="primary", id="quit")

    def on_screen_resume(self) -> None:
        self.query_one("#summary-text", Static).update(self.text())

    def text(self) -> str:
        s = self.session
        a = s.answers
        lines: list[str] = []
        plan, result = s.applied, s.apply_result
        if plan is not None and result is not None and result.rolled_back:
            lines += ["Nothing was changed: the install failed and every file was put back as it was.",
                      f"  ✖ {result.install_error}"]
        elif plan is not None and result is not None:
            lines.append("Changed:")
            lines += [f"  • {x}" for x in plan.actions]
            if result.backup is not None:
                lines.append(f"  backups: {result.backup.relative_to(s.root)} (spectro-wizard undo restores them)")
            lines += [f"  ! {n}" for n in plan.notes]
        else:
            lines.append("Nothing was applied in this run.")
        cleanup = s.cleanup()
        if cleanup is not None and not cleanup.empty:
            lines.append("")
            lines += cleanup.render().splitlines()
        lines.append("")
        lines.append("Next steps:")
        envs = [a.clientIdEnv, a.clientSecretEnv] + ([a.clusterProvider.apiTokenEnv] if a.clusterProvider else [])
        lines += [f"  {i}. {step}" for i, step in enumerate(next_steps(envs, s.callback_url(), s.stand_ins), 1)]
        verify = s.verify_results or []
        fails = [r for r in verify if r.status == "fail"]
        if verify:
            lines.append("")
            counts = {st: sum(1 for r in verify if r.status == st) for st in ("ok", "warn", "fail", "skip")}
            lines.append("Verify: " + ", ".join(f"{n} {st}" for st, n in counts.items() if n) +
                         ("" if not fails else " — failed: " + ", ".join(r.id for r in fails[:6])))
        user, groups = s.identity()
        lines.append("")
        lines.append("RBAC: clusters now see each user; give them roles, e.g.")
        lines.append("  " + rbac.command([user or "you@example.com"], groups or ["your-team"]) + " && kubectl apply -f rbac.yaml")
        return "\n".join(lines)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.wizard.action_save()
        elif event.button.id == "report":
            self.export_report()
        elif event.button.id == "rbac":
            user, groups = self.session.identity()
            if not user and not groups:
                self.error("no signed-in identity yet: run Verify with a user's ID token, or use "
                           "`spectro-wizard rbac --user EMAIL --group NAME`")
                return
            try:
                path = self.session.rbac_manifests([user] if user else [], groups)
            except Exception as exc:  # noqa: BLE001 - one sentence for the user
                self.error(str(exc))
                return
            self.notify(f"RBAC for {user or ', '.join(groups)} written to {path.relative_to(self.session.root)}: "
                        "kubectl apply -f it in each cluster")
        elif event.button.id == "quit":
            self.wizard.action_request_quit()

    def export_report(self) -> None:
        path = self.session.root / ".spectro-wizard" / "support-report.md"
        try:
            self.session.report(path)
        except Exception as exc:  # noqa: BLE001 - one sentence for the user
            self.error(f"could not write the report: {exc}")
            return
        self.notify(f"report written to {path.relative_to(self.session.root)} (secrets masked)")
