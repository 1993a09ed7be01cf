"""Migrate path: every cluster still on service accounts, and the wave to switch now (the inventory
controller's items, ticked in a table)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Static

from wizard.tui.screens.base import WizardScreen


class InventoryScreen(WizardScreen):
    STEP = "inventory"
    BUTTON_KEYS = {"continue": "ctrl+n"}
    CSS_PATH = "inventory.tcss"
    BINDINGS = WizardScreen.BINDINGS + [Binding("space", "toggle", "Tick/untick")]

    def body(self) -> ComposeResult:
        yield DataTable(id="inv-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="inv-summary", markup=False)
        with Horizontal(classes="buttons"):
            yield Button("Continue with this wave", variant="primary", id="continue")

    def on_mount(self) -> None:
        self.query_one("#inv-table", DataTable).add_columns("", "name", "kind", "token", "where")
        self.selected: set[str] = set()

    def on_screen_resume(self) -> None:
        self.items = self.step.items()
        self.selected = self.step.selected() & {i.key for i in self.items}
        # nothing to migrate: there is no wave to continue with, only Verify (which changes nothing)
        self.query_one("#continue", Button).label = "Continue with this wave" if self.items else "Go to Verify"
        self.label_buttons()
        self.render_table()

    def render_table(self) -> None:
        table = self.query_one("#inv-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        for i, item in enumerate(self.items):
            mark = "☑" if item.key in self.selected else "☐"
            table.add_row(mark, item.name, item.label, item.token, item.where, key=str(i))
        if table.row_count:
            table.move_cursor(row=min(max(cursor, 0), table.row_count - 1))
        self.query_one("#inv-summary", Static).update(self.step.summary(self.items, self.selected))

    def action_toggle(self) -> None:
        table = self.query_one("#inv-table", DataTable)
        if not self.items:
            return
        self.selected.symmetric_difference_update({self.items[table.cursor_row].key})
        self.render_table()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_toggle()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id != "continue":
            return
        if not self.items:
            self.wizard.goto(self.step.next_when_empty())
            return
        problems, notes = self.step.submit(self.items, self.selected)
        if problems:
            self.error("; ".join(problems))
            return
        for note in notes:
            self.notify(note, severity="warning")
        self.wizard.mark_dirty()
        self.wizard.next()
