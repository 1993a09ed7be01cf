"""Step 2: the checks of `spectro-wizard check`, live, with the selected row's hint beside them (the
prerequisites controller says what each means and what stops Continue)."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, LoadingIndicator, Static

from wizard.tui.screens.base import WizardScreen

# how each kind of row is drawn (the controller says which kind a check is)
MARKS = {"ok": ("✔", "green"), "warn": ("!", "yellow"), "fail": ("✖", "red"), "skip": ("–", "grey50"), "to-do": ("→", "cyan")}


class PrereqsScreen(WizardScreen):
    STEP = "prereqs"
    BUTTON_KEYS = {"continue": "ctrl+n", "rerun": "ctrl+r"}
    CSS_PATH = "prereqs.tcss"
    BINDINGS = WizardScreen.BINDINGS + [
        Binding("r", "rerun", "Re-run"),
    ]

    def body(self) -> ComposeResult:
        from wizard.session.steps.prereqs import LEGEND

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
        self.rows: list = []
        self.action_rerun()

    @property
    def results(self) -> list:
        return [r.result for r in self.rows]

    def action_rerun(self) -> None:
        self.query_one("#checks-loading").display = True
        self.run_checks()

    @work(thread=True, exclusive=True, group="checks")
    def run_checks(self) -> None:
        rows = self.step.run()
        self.app.call_from_thread(self.show_rows, rows)

    def show_rows(self, rows: list) -> None:
        self.rows = rows
        self.query_one("#checks-loading").display = False
        table = self.query_one("#checks", DataTable)
        table.clear()
        for row in rows:
            mark, color = MARKS.get(row.kind, ("?", "white"))
            table.add_row(f"[{color}]{mark}[/{color}]", row.id, row.result.summary, key=row.id)
        first = self.step.first_to_look_at(rows)
        table.move_cursor(row=first)
        # once laid out, scroll the cursor's row into view (before layout the table has no height)
        self.call_after_refresh(table.move_cursor, row=first)
        if rows:
            self.show_hint(rows[first].result)
        table.focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value if event.row_key is not None else None
        found = next((r for r in self.rows if r.id == key), None)
        if found is not None:
            self.show_hint(found.result)

    def show_hint(self, result) -> None:
        self.query_one("#hint-text", Static).update(self.step.hint(result))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "continue":
            problems = self.step.submit(self.rows)
            if problems:
                # what the wizard cannot fix stops here: a setup written past it could not work
                self.error("Fix this first (the wizard cannot): " + "; ".join(problems))
                return
            self.wizard.next()
        elif event.button.id == "rerun":
            self.action_rerun()
