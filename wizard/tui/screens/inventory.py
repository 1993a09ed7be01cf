"""Migrate path: every cluster still on service accounts, and the wave to switch now."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Static

from wizard.core.answers import ClusterProviderAnswer
from wizard.tui.screens.base import WizardScreen


class InventoryScreen(WizardScreen):
    STEP = "inventory"
    TITLE = "Inventory: clusters on service accounts"
    BUTTON_KEYS = {"continue": "ctrl+n"}
    CSS_PATH = "inventory.tcss"
    HELP = """\
Every cluster that still reaches Kubernetes with a shared service-account token, in any config file,
and every SpectroCloud cluster-provider environment in serviceAccount mode.

Tick (**Space**) the ones to switch in this **wave**, then review, apply and verify. Mixed mode is
normal: the others keep working as they are, and you can come back for the next wave.
After a verified wave, the summary lists the tokens you can revoke and the kubectl commands that
delete what the cluster provider created (the wizard never runs them).
"""
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
        self.session.load(run_tools=False)
        inv = self.session.inventory()
        self.items = []
        for c in inv["clusters"]:
            if c["migratable"]:
                token = f"${{{c['tokenEnv']}}}" if c["tokenEnv"] else ("literal (masked)" if c["literalToken"] else "-")
                self.items.append(("cluster", c["name"], "cluster (config)", token, f"{c['file']}:{c['line']}", c))
        for e in inv["environments"]:
            if e["authType"] != "oidc":
                token = f"${{{e['apiTokenEnv']}}}" if e["apiTokenEnv"] else "-"
                self.items.append(("env", str(e["name"]), "cluster provider", token, f"{e['file']}:{e['line']}", e))
        self.others = [c["name"] for c in inv["clusters"] if not c["migratable"]]
        self.render_table()

    def render_table(self) -> None:
        table = self.query_one("#inv-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        for i, (kind, name, label, token, where, _) in enumerate(self.items):
            mark = "☑" if f"{kind}:{name}" in self.selected else "☐"
            table.add_row(mark, name, label, token, where, key=str(i))
        if table.row_count:
            table.move_cursor(row=min(max(cursor, 0), table.row_count - 1))
        msg = f"{len(self.items)} on service accounts · {len(self.selected)} in this wave"
        if self.others:
            msg += " · unchanged: " + ", ".join(self.others[:8])
        if not self.items:
            msg = "Nothing uses service accounts: there is nothing to migrate." + (" Unchanged: " + ", ".join(self.others) if self.others else "")
        self.query_one("#inv-summary", Static).update(msg)

    def action_toggle(self) -> None:
        table = self.query_one("#inv-table", DataTable)
        if not self.items:
            return
        kind, name, *_ = self.items[table.cursor_row]
        key = f"{kind}:{name}"
        self.selected.symmetric_difference_update({key})
        self.render_table()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_toggle()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id != "continue":
            return
        if not self.selected:
            self.error("tick at least one cluster or environment for this wave (Space)")
            return
        a = self.session.answers
        a.migrate = [name for kind, name, *_ in self.items if kind == "cluster" and f"cluster:{name}" in self.selected] or None
        envs = [data for kind, name, _, _, _, data in self.items if kind == "env" and f"env:{name}" in self.selected]
        if envs:
            e = envs[0]
            a.clusterProvider = ClusterProviderAnswer(name=str(e["name"]), url=str(e["url"] or self.session.default_palette_url()),
                                                      tenant=e["tenant"], apiTokenEnv=e["apiTokenEnv"] or "SPECTROCLOUD_API_TOKEN")
            if len(envs) > 1:
                self.notify("one cluster-provider environment per wave: switching " + str(e["name"]) + " now", severity="warning")
        self.wizard.mark_dirty()
        self.wizard.next()
