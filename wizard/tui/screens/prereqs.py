"""Step 2: the checks of `spectro-wizard check`, live, with the selected row's hint beside them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, LoadingIndicator, Static

from wizard.core.checks import FIXED_BY_APPLY
from wizard.core.results import CheckResult
from wizard.tui.screens.base import WizardScreen

if TYPE_CHECKING:
    from wizard.session import Session

MARKS = {"ok": ("✔", "green"), "warn": ("!", "yellow"), "fail": ("✖", "red"), "skip": ("–", "grey50")}
# a failed check the next steps set up is not the user's problem: it is marked as work to do, not red
TO_DO = ("→", "cyan")
LEGEND = "✔ ready · → the wizard sets this up · ! worth a look · ✖ fix it yourself first"


def hint_body(session: "Session", result: CheckResult) -> str:
    lines = [f"[{result.id}] {result.summary}"]
    if result.detail:
        lines += ["", result.detail]
    # in the screens' words: their actions instead of CLI commands, the values already given filled in
    hint = session.hint_text(result, on_screen=True)
    if hint:
        lines += ["", hint]
    return "\n".join(lines)


class PrereqsScreen(WizardScreen):
    STEP = "prereqs"
    TITLE = "Prerequisites"
    BUTTON_KEYS = {"continue": "ctrl+n", "rerun": "ctrl+r"}
    CSS_PATH = "prereqs.tcss"
    HELP = """\
The same checks as `spectro-wizard check`: Backstage >= 1.47.1, Node and Yarn, the SpectroCloud sign-in
plugins, Backstage's Kubernetes plugin, the frontend system, and what the config already says.

Move through the list: the panel on the right explains the selected check and what to do.
**r** runs the checks again (after you fix something). Missing packages and config problems are
what the next steps fix: Apply installs every required package and wires the backend, all or
nothing. What the wizard cannot fix (a legacy frontend, Backstage older than 1.47.1, no Node.js)
stops you here, with the reason.
"""
    BINDINGS = WizardScreen.BINDINGS + [
        Binding("r", "rerun", "Re-run"),
    ]

    def body(self) -> ComposeResult:
        with Horizontal(id="prereq-main"):
            with Vertical(id="prereq-left"):
                yield LoadingIndicator(id="checks-loading")
                yield DataTable(id="checks", cursor_type="row", zebra_stripes=True)
                yield Static(LEGEND, id="checks-legend", classes="muted")
            with VerticalScroll(id="hint-panel", can_focus=False):
                yield Static("Select a check to see what it found and what to do.", id="hint-text", markup=False)
        with Horizontal(classes="buttons"):
            yield Button("Continue", variant="primary", id="continue")
            yield Button("Re-run checks", id="rerun")

    def on_mount(self) -> None:
        table = self.query_one("#checks", DataTable)
        table.add_columns(" ", "check", "result")
        self.results: list[CheckResult] = []
        self.action_rerun()

    def action_rerun(self) -> None:
        self.query_one("#checks-loading").display = True
        self.run_checks()

    @work(thread=True, exclusive=True, group="checks")
    def run_checks(self) -> None:
        results = self.session.run_checks()
        self.app.call_from_thread(self.show_results, results)

    def show_results(self, results: list[CheckResult]) -> None:
        self.results = results
        self.query_one("#checks-loading").display = False
        table = self.query_one("#checks", DataTable)
        table.clear()
        blocking = {r.id for r in self.session.blockers()}
        # what Apply repairs is work to do, not a failure; on the path that changes nothing, nothing is
        fixes = FIXED_BY_APPLY if self.session.path != "verify" else frozenset()
        for r in results:
            mark, color = TO_DO if r.status == "fail" and r.id in fixes else MARKS.get(r.status, ("?", "white"))
            table.add_row(f"[{color}]{mark}[/{color}]", r.id, r.summary, key=r.id)
        # the cursor starts on what needs the user: a blocker, else the first thing the wizard will do
        failing = next((i for i, r in enumerate(results) if r.id in blocking),
                       next((i for i, r in enumerate(results) if r.status == "fail" and r.id not in fixes),
                            next((i for i, r in enumerate(results) if r.status == "fail"), 0)))
        table.move_cursor(row=failing)
        # once laid out, scroll the cursor's row into view (before layout the table has no height)
        self.call_after_refresh(table.move_cursor, row=failing)
        if results:
            self.show_hint(results[failing])
        table.focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value if event.row_key is not None else None
        found = next((r for r in self.results if r.id == key), None)
        if found is not None:
            self.show_hint(found)

    def show_hint(self, result: CheckResult) -> None:
        self.query_one("#hint-text", Static).update(hint_body(self.session, result))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "continue":
            blocking = self.session.blockers()
            if blocking:
                # what the wizard cannot fix stops here: a setup written past it could not work
                self.error("Fix this first (the wizard cannot): " + "; ".join(f"{r.id}: {r.summary}" for r in blocking))
                return
            self.wizard.next()
        elif event.button.id == "rerun":
            self.action_rerun()
