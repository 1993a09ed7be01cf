"""Step: which clusters users reach with their SpectroCloud identity (the clusters controller's rows,
ticks, dialogs and rules, drawn).

The filter stays instant with thousands of clusters: the rows are drawn by a RowList (line API, each
row's line built once), so a keystroke only re-filters an in-memory list of row indices and repaints the
lines in view; the count line is repainted without a layout of the screen.
"""

from __future__ import annotations

import gc
import os

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Collapsible, Input, Label, SelectionList, Static

from wizard.core.answers import ClusterAnswer
from wizard.errors import WizardError
from wizard.session.steps.clusters import (
    KUBECONFIG,
    NEW,
    PALETTE,
    SKIP_TLS_WARNING,
    ClusterForm,
    ClusterRow,
    ClustersStep,
)
from wizard.tui.screens.base import WizardScreen
from wizard.tui.widgets.buttonkeys import ButtonKeys
from wizard.tui.widgets.modals import ConfirmScreen
from wizard.tui.widgets.rowlist import RowList


class ClustersScreen(WizardScreen):
    STEP = "clusters"
    BUTTON_KEYS = {"continue": "ctrl+n", "add": "ctrl+t", "import": "ctrl+o", "palette": "ctrl+p"}
    CSS_PATH = "clusters.tcss"
    BINDINGS = WizardScreen.BINDINGS + [
        Binding("space", "toggle", "Tick", show=True),
        Binding("e", "edit", "Edit"),
        Binding("delete", "remove", "Remove"),
        Binding("a", "add", "Add", show=False),
        Binding("slash", "filter", "Filter", show=False),
    ]

    def body(self) -> ComposeResult:
        yield Input(placeholder="filter clusters (name, url, auth)…", id="filter", compact=True)
        yield RowList(id="clusters")
        yield Static("", id="cluster-count", classes="muted")
        with Collapsible(title="SpectroCloud cluster provider (discovers clusters from Palette)", id="provider-box", collapsed=True):
            yield Checkbox("Use the cluster provider in OIDC mode", id="provider-on")
            with Horizontal(classes="provider-row"):
                yield Input(placeholder="environment name, e.g. palette", id="provider-name")
                yield Input(placeholder="Palette API URL", id="provider-url", value=self.session.default_palette_url())
            with Horizontal(classes="provider-row"):
                yield Input(placeholder="API key env var", id="provider-token-env", value="SPECTROCLOUD_API_TOKEN")
                yield Input(placeholder="include projects (comma separated, optional)", id="provider-projects")
        with Horizontal(classes="buttons"):
            yield Button("Continue", variant="primary", id="continue")
            yield Button("Add…", id="add")
            yield Button("Import kubeconfig…", id="import")
            yield Button("Palette…", id="palette")

    def on_mount(self) -> None:
        self.rows: list[ClusterRow] = []
        self.haystacks: list[str] = []  # one per row, for the filter
        self.load_rows()

    def on_screen_resume(self) -> None:
        self.load_rows()
        # the table, not the filter, takes the keys first: space ticks, a adds, / filters
        self.query_one("#clusters", RowList).focus()
        # Python's full collection walks the whole heap: with 2,000 clusters loaded it takes 70-90 ms
        # and lands in the middle of a keystroke. While this screen is up, what is alive now is
        # left out of it (frozen: nothing is copied); it goes back to the collector when the screen goes.
        gc.freeze()

    def on_screen_suspend(self) -> None:
        gc.unfreeze()

    def on_unmount(self) -> None:
        gc.unfreeze()

    # ---- the rows (the controller's) ------------------------------------------------------------
    def load_rows(self) -> None:
        self.set_rows(self.step.rows())
        values = self.step.provider_values()
        self.query_one("#provider-on", Checkbox).value = self.step.provider_on()
        for wid, key in (("#provider-name", "providerName"), ("#provider-url", "paletteUrl"),
                         ("#provider-token-env", "apiTokenEnv"), ("#provider-projects", "projects")):
            self.query_one(wid, Input).value = values[key]

    COLUMNS = ("", "cluster", "auth", "TLS", "url", "from")
    MAX_WIDTHS = (1, 32, 26, 12, 48, 28)  # a longer value is cut in its cell (the row's dialog shows it whole)

    def column_widths(self) -> tuple[int, ...]:
        """Columns as wide as their widest value over ALL rows (capped), fixed: measured when the rows
        change, not keystroke after keystroke of the filter."""
        cells = [r.cells() for r in self.rows]
        return tuple(min(cap, max([len(head)] + [len(c[i]) for c in cells]))
                     for i, (head, cap) in enumerate(zip(self.COLUMNS, self.MAX_WIDTHS, strict=True)))

    def set_rows(self, rows: list[ClusterRow]) -> None:
        """A new list of rows (loaded, added, removed): the list's lines are rebuilt, then filtered."""
        self.rows = rows
        # what the filter looks in: name, url and auth (a newline cannot be typed in the filter)
        self.haystacks = [f"{r.name}\n{r.url}\n{r.auth}".lower() for r in rows]
        table = self.query_one("#clusters", RowList)
        table.set_rows([r.cells() for r in rows])
        table.set_columns(self.COLUMNS, self.column_widths())
        self.render_rows()

    def render_rows(self) -> None:
        """List the rows the filter matches (all of them: the list draws only the lines in view)."""
        needle = self.query_one("#filter", Input).value.strip().lower()
        keys = [i for i, hay in enumerate(self.haystacks) if needle in hay] if needle else range(len(self.rows))
        self.query_one("#clusters", RowList).show(keys)
        self.update_count()

    def update_count(self) -> None:
        shown = self.query_one("#clusters", RowList).row_count
        # always one line (fixed height): repainted without a layout of the screen
        self.query_one("#cluster-count", Static).update(self.step.count_line(self.rows, shown), layout=False)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.render_rows()

    def action_back(self) -> None:
        # Esc in the filter leaves the filter, not the screen
        if self.focused is self.query_one("#filter", Input):
            self.query_one("#clusters", RowList).focus()
            return
        self.collect_provider(quiet=True)  # what was typed in the provider form is an answer too
        super().action_back()

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def current_row(self) -> ClusterRow | None:
        key = self.query_one("#clusters", RowList).cursor_key
        return None if key is None else self.rows[key]

    def action_toggle(self) -> None:
        table = self.query_one("#clusters", RowList)
        key = table.cursor_key
        if key is None:
            return
        row = self.rows[key]
        refused = self.step.toggle(row.name)  # an answer at once: it survives dialogs, Esc and coming back
        if refused:
            self.notify(refused, severity="warning")
            return
        row.selected = not row.selected
        # the filter does not look at the tick: only this row's line and the count change
        table.update_row(key, row.cells())
        self.update_count()
        self.wizard.mark_dirty()

    def on_row_list_row_selected(self, event: RowList.RowSelected) -> None:
        row = self.current_row()
        if row is not None and row.new:
            self.action_edit()
        else:
            self.action_toggle()

    def _editable(self) -> ClusterAnswer | None:
        row = self.current_row()
        if row is None:
            return None
        refused = self.step.editable(row.name)
        if refused:
            self.notify(refused, severity="warning")
            return None
        return self.step.cluster(row.name)

    def action_edit(self) -> None:
        ca = self._editable()
        if ca is not None:
            self.app.push_screen(AddClusterScreen(ca), lambda new: self._saved(new, ca.name))

    def action_remove(self) -> None:
        ca = self._editable()
        if ca is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.notify(self.step.remove(ca.name))
                self.set_rows(self.step.rows())
                self.wizard.mark_dirty()

        # a removal is asked, not done at a stray key press
        self.app.push_screen(ConfirmScreen(self.step.remove_question(ca.name), "Remove", "Keep"), answered)

    # ---- adding ----------------------------------------------------------------------------
    def _saved(self, answer: ClusterAnswer | None, editing: str | None = None, source: str = NEW) -> None:
        if answer is None:
            return
        said = self.step.save(answer, editing, source)
        if "replaces" in said:  # a new row shows itself; a replaced one is worth saying
            self.notify(said, severity="warning")
        self.set_rows(self.step.rows())
        self.wizard.mark_dirty()

    def action_add(self) -> None:
        self.app.push_screen(AddClusterScreen(), self._saved)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        bid = event.button.id
        if bid == "continue":
            if self.collect():
                self.wizard.next()
        elif bid == "add":
            self.action_add()
        elif bid == "import":
            self.app.push_screen(ImportScreen(), lambda found: self._added_all(found, KUBECONFIG))
        elif bid == "palette":
            self.app.push_screen(PaletteScreen(), lambda found: self._added_all(found, PALETTE))

    def _added_all(self, clusters: list[ClusterAnswer] | None, source: str) -> None:
        for line in self.step.add_all(clusters or [], source):
            self.notify(line)
        self.set_rows(self.step.rows())
        self.wizard.mark_dirty()

    def collect_provider(self, quiet: bool = False) -> bool:
        values = {"providerName": self.query_one("#provider-name", Input).value,
                  "paletteUrl": self.query_one("#provider-url", Input).value,
                  "apiTokenEnv": self.query_one("#provider-token-env", Input).value,
                  "projects": self.query_one("#provider-projects", Input).value}
        problem = self.step.set_provider(self.query_one("#provider-on", Checkbox).value, values)
        if problem and not quiet:
            self.error(problem)
        return problem is None

    def collect(self) -> bool:
        if not self.collect_provider():
            return False
        problems = self.step.submit()
        if problems:
            self.error("; ".join(problems))
            return False
        self.wizard.mark_dirty()
        return True


class AddClusterScreen(ButtonKeys, ModalScreen[ClusterAnswer | None]):
    BUTTON_KEYS = {"ok": "ctrl+n", "cancel": "escape"}
    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    AddClusterScreen { align: center middle; }
    AddClusterScreen > Vertical { width: 76; max-width: 98%; height: auto; border: thick $accent; background: $surface; padding: 0 1; }
    AddClusterScreen .dialog-row { height: 1; margin-top: 1; }
    AddClusterScreen .dialog-label { width: 12; }
    AddClusterScreen .dialog-row Input { width: 1fr; }
    AddClusterScreen #add-error { color: $error; height: auto; }
    AddClusterScreen #tls-warning { color: $warning; height: auto; }
    AddClusterScreen Horizontal { height: auto; }
    """

    def __init__(self, editing: ClusterAnswer | None = None):
        super().__init__()
        self.editing = editing

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("[b]Edit the cluster[/b]" if self.editing else "[b]Add a cluster[/b]")
            # label + one-line input per field: the label stays when the placeholder is typed over
            for fid, label, hint in (("name", "Name", "e.g. prod-eu-1"),
                                     ("url", "API server", "https://prod-eu-1.example.com:6443"),
                                     ("ca", "CA file", "PEM file, e.g. ~/certs/prod-eu-1-ca.pem")):
                with Horizontal(classes="dialog-row"):
                    yield Label(label, classes="dialog-label")
                    yield Input(placeholder=hint, id=fid, compact=True)
            yield Checkbox("Skip TLS verification instead (lab clusters only)", id="skip")
            yield Static("", id="tls-warning")
            yield Static("", id="add-error")
            with Horizontal():
                yield Button("Save" if self.editing else "Add", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        ca = self.editing
        if ca is not None:
            self.query_one("#name", Input).value = ca.name
            self.query_one("#url", Input).value = ca.url or ""
            # a CA read from a file is kept as caData: leaving the field empty keeps it
            self.query_one("#ca", Input).placeholder = ("CA: kept as it is (type a PEM file to replace it)"
                                                        if ca.caData else self.query_one("#ca", Input).placeholder)
            self.query_one("#ca", Input).value = ca.caFile or ""
            self.query_one("#skip", Checkbox).value = bool(ca.skipTLSVerify)
        self.query_one("#name", Input).focus()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self.query_one("#tls-warning", Static).update(SKIP_TLS_WARNING if event.value else "")

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
            return
        from wizard.session.steps import controller

        form = ClusterForm(self.query_one("#name", Input).value, self.query_one("#url", Input).value,
                           self.query_one("#ca", Input).value, self.query_one("#skip", Checkbox).value)
        answer, problem = controller(self.app.session, "clusters").check_form(  # type: ignore[attr-defined]
            form, self.editing.name if self.editing else None)
        if problem is not None:
            self.query_one("#add-error", Static).update(problem)
            return
        self.dismiss(answer)


class PickerScreen(ButtonKeys, ModalScreen[list[ClusterAnswer] | None]):
    """A dialog that picks clusters to add (from a kubeconfig, from Palette): Esc or Cancel picks none."""

    BUTTON_KEYS = {"ok": "ctrl+n", "cancel": "escape", "list": "ctrl+l"}

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    PickerScreen { align: center middle; }
    PickerScreen > Vertical { width: 90; max-width: 98%; height: 80%; border: thick $accent; background: $surface; padding: 0 1; }
    PickerScreen SelectionList { height: 1fr; }
    PickerScreen Horizontal { height: auto; }
    """

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
        else:
            self.pressed(event.button.id or "")

    def pressed(self, button_id: str) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class ImportScreen(PickerScreen):
    """Pick contexts of a kubeconfig: the file is $KUBECONFIG or ~/.kube/config unless you name one."""

    DEFAULT_CSS = """
    ImportScreen #k-row { height: auto; }
    ImportScreen #k-path { width: 1fr; }
    ImportScreen #k-status { height: auto; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.contexts: list = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("[b]Import from kubeconfig[/b] — server URL and CA only; credentials are not read")
            with Horizontal(id="k-row"):
                yield Input(placeholder="kubeconfig file (empty: $KUBECONFIG, else ~/.kube/config)", id="k-path", compact=True)
                yield Button("Read", id="list")
            yield Static("", id="k-status")
            yield SelectionList[int](id="contexts")
            with Horizontal():
                yield Button("Import selected", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.read()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.read()

    def read(self) -> None:
        raw = self.query_one("#k-path", Input).value.strip()
        status = self.query_one("#k-status", Static)
        lst = self.query_one("#contexts", SelectionList)
        lst.clear_options()
        self.contexts = []
        try:
            self.contexts = self.app.session.kubeconfig_contexts(raw or None)
        except WizardError as exc:
            status.update(f"[red]{exc}[/red] — type the path of a kubeconfig above and press Enter")
            return
        if not self.contexts:
            where = raw or "$KUBECONFIG or ~/.kube/config"
            status.update(f"[yellow]no contexts in {where}[/yellow] — type the path of a kubeconfig above and press Enter")
            return
        for i, c in enumerate(self.contexts):
            lst.add_option((ClustersStep.context_label(c), i))
        status.update(f"{len(self.contexts)} context(s): Space ticks, then Import selected")
        lst.highlighted = 0
        lst.focus()

    def pressed(self, button_id: str) -> None:
        if button_id == "list":
            self.read()
            return
        chosen = self.query_one("#contexts", SelectionList).selected
        if not chosen:
            self.query_one("#k-status", Static).update("[yellow]tick at least one context (Space), or Cancel[/yellow]")
            return
        self.dismiss(self.app.session.clusters_from_contexts([self.contexts[i] for i in chosen]))


class PaletteScreen(PickerScreen):
    DEFAULT_CSS = """
    PaletteScreen > Vertical { width: 96; height: 85%; }
    PaletteScreen Horizontal Input { width: 1fr; }
    PaletteScreen #palette-status { height: auto; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("[b]Discover clusters from Palette[/b] — the API key is read from an environment variable")
            with Horizontal():
                yield Input(value=self.app.session.default_palette_url(), id="p-url")
                yield Input(value="SPECTROCLOUD_API_TOKEN", id="p-env")
            # typed only when the variable is unset; masked, used for this dialog's requests, never saved
            yield Input(placeholder="API key (when the variable above is not set here; masked, never saved)",
                        password=True, id="p-key")
            with Horizontal():
                yield Input(placeholder="include projects (comma separated)", id="p-include")
                yield Input(placeholder="exclude projects", id="p-exclude")
            yield Static("", id="palette-status")
            yield SelectionList[int](id="p-list")
            with Horizontal():
                yield Button("List clusters", id="list")
                yield Button("Add selected", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def pressed(self, button_id: str) -> None:
        if button_id == "list":
            self.list_clusters()
        elif button_id == "ok":
            self.add_selected()

    def on_mount(self) -> None:
        self.show_key_field()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "p-env":
            self.show_key_field()

    def show_key_field(self) -> None:
        env = self.query_one("#p-env", Input).value.strip()
        self.query_one("#p-key", Input).display = not os.environ.get(env)

    def _key(self) -> str | None:
        env = self.query_one("#p-env", Input).value.strip()
        key = os.environ.get(env) or self.query_one("#p-key", Input).value.strip()
        if not key:
            self.query_one("#palette-status", Static).update(
                f"[red]{env} is not set in this shell: type the API key in the masked field, or export {env} and reopen[/red]")
            self.query_one("#p-key", Input).focus()
            return None
        return key

    @work(exclusive=True, group="palette")
    async def list_clusters(self) -> None:
        key = self._key()
        if key is None:
            return
        status = self.query_one("#palette-status", Static)
        status.update("listing…")
        split = lambda v: [p.strip() for p in v.split(",") if p.strip()]  # noqa: E731
        try:
            self.found = await self.app.session.palette_clusters(
                self.query_one("#p-url", Input).value.strip(), key,
                split(self.query_one("#p-include", Input).value), split(self.query_one("#p-exclude", Input).value))
        except WizardError as exc:
            status.update(f"[red]{exc}[/red]")
            return
        lst = self.query_one("#p-list", SelectionList)
        lst.clear_options()
        for i, c in enumerate(self.found):
            lst.add_option((ClustersStep.palette_label(c), i))
        status.update(f"{len(self.found)} cluster(s)")

    @work(exclusive=True, group="palette")
    async def add_selected(self) -> None:
        key = self._key()
        chosen = [self.found[i] for i in self.query_one("#p-list", SelectionList).selected] if hasattr(self, "found") else []
        if key is None or not chosen:
            return
        try:
            out = await self.app.session.palette_cluster_answers(self.query_one("#p-url", Input).value.strip(), key, chosen)
        except WizardError as exc:
            self.query_one("#palette-status", Static).update(f"[red]{exc}[/red]")
            return
        self.dismiss(out)
