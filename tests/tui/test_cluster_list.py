"""The RowList widget (the Clusters screen's list) and the Clusters screen's keys on it.

The widget's own tests run it in a one-widget app (fast); the screen's run the wizard on a config with
40 clusters (odd ones on service accounts). Each step waits for the app to have handled the keys
(pilot.pause), never for a length of time.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import Input, Static

from tests.support import configs, repos
from tests.support import pilot as h
from wizard.tui.widgets.rowlist import RowList

SIZE = (100, 30)
ROWS = 100


class ListApp(App[None]):
    """A RowList of ROWS rows ("r<i>", "name-<i>") filling a 40x12 screen: 11 rows under the header."""

    def __init__(self) -> None:
        super().__init__()
        self.selected: list[int] = []

    def compose(self) -> ComposeResult:
        yield RowList(id="list")

    def on_mount(self) -> None:
        table = self.query_one(RowList)
        table.set_rows([(f"r{i}", f"name-{i:03d}") for i in range(ROWS)])
        table.set_columns(("", "name"), (4, 10))
        table.show(range(ROWS))
        table.focus()

    def on_row_list_row_selected(self, event: RowList.RowSelected) -> None:
        self.selected.append(event.key)


def lines(app: App) -> list[str]:
    return [strip.text.rstrip() for strip in app.screen._compositor.render_strips()]


def cursor_line(app: App) -> str:
    """The text of the screen line the cursor is drawn on (the header is line 0)."""
    table = app.query_one(RowList)
    return lines(app)[table.cursor_row - round(table.scroll_y) + 1]


async def test_keys_move_the_cursor_and_keep_it_in_view() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(RowList)
        assert lines(app)[0].split() == ["name"] and "name-000" in lines(app)[1]
        await pilot.press("up")  # already on the first row
        assert table.cursor_row == 0
        await pilot.press("down", "down", "down")
        assert table.cursor_row == 3 and "name-003" in cursor_line(app)
        await pilot.press("pagedown")  # a page is the 11 rows under the header
        await pilot.pause()
        assert table.cursor_row == 14 and round(table.scroll_y) == 4 and "name-014" in cursor_line(app)
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_row == ROWS - 1 and "name-099" in lines(app)[-1]
        await pilot.press("down")  # already on the last row
        assert table.cursor_row == ROWS - 1
        await pilot.press("pageup")
        await pilot.pause()
        assert table.cursor_row == ROWS - 12 and "name-088" in cursor_line(app)
        await pilot.press("home")
        await pilot.pause()
        assert table.cursor_row == 0 and round(table.scroll_y) == 0 and "name-000" in lines(app)[1]
        assert lines(app)[0].split() == ["name"]  # the header stayed


async def test_showing_other_rows_keeps_the_cursor_on_its_row_when_it_can() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(RowList)
        table.move_cursor(row=50)
        await pilot.pause()
        assert table.cursor_key == 50
        table.show(range(0, ROWS, 2))  # row 50 is still listed, at position 25
        await pilot.pause()
        assert (table.row_count, table.cursor_row, table.cursor_key) == (50, 25, 50)
        assert "name-050" in cursor_line(app)
        assert table.get_row_at(1) == ["r2", "name-002"]
        table.show(range(1, ROWS, 2))  # row 50 is gone: the cursor goes to the first row
        await pilot.pause()
        assert (table.cursor_row, table.cursor_key, round(table.scroll_y)) == (0, 1, 0)
        table.show([])  # nothing matches: no cursor, Enter selects nothing
        await pilot.pause()
        assert table.row_count == 0 and table.cursor_key is None
        assert [line for line in lines(app)[1:] if line.strip()] == []
        await pilot.press("enter", "down", "end")
        assert app.selected == [] and table.cursor_row == 0
        table.show(range(ROWS))
        await pilot.pause()
        assert table.cursor_key == 0 and "name-000" in cursor_line(app)


async def test_the_virtual_size_and_scrollbar_follow_the_rows_shown() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(RowList)
        assert table.virtual_size.height == ROWS + 1 and table.show_vertical_scrollbar
        table.show([3])
        await pilot.pause()
        assert table.virtual_size.height == 2 and not table.show_vertical_scrollbar
        table.show(range(ROWS))
        await pilot.press("end")
        await pilot.pause()
        assert table.show_vertical_scrollbar and round(table.scroll_y) == table.max_scroll_y


async def test_enter_and_a_click_on_the_cursor_row_select_it() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(RowList)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.selected == [1]
        await pilot.click(table, offset=(2, 4))  # the 4th line under the header: moves the cursor only
        await pilot.pause()
        assert table.cursor_row == 3 and app.selected == [1]
        await pilot.click(table, offset=(2, 4))  # again, on the cursor's row: selects it
        await pilot.pause()
        assert app.selected == [1, 3]
        await pilot.click(table, offset=(2, 0))  # the header: nothing
        await pilot.pause()
        assert table.cursor_row == 3 and app.selected == [1, 3]
        # the key is the row's index in all the rows, whatever is shown
        table.show(range(10, ROWS))
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.selected == [1, 3, 11]


async def test_an_updated_row_is_drawn_again() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(RowList)
        table.update_row(2, ("r2", "renamed"))
        await pilot.pause()
        assert "renamed" in lines(app)[3] and table.get_row_at(2) == ["r2", "renamed"]
        table.update_row(50, ("r50", "far-away"))  # not in view: drawn when it comes into view
        await pilot.press("end")
        await pilot.pause()
        assert not any("far-away" in line for line in lines(app))
        table.move_cursor(row=50)
        await pilot.pause()
        assert "far-away" in cursor_line(app)


async def test_a_long_cell_is_cut_and_the_columns_keep_their_widths() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(RowList)
        table.update_row(0, ("☑", "a-name-longer-than-ten"))
        await pilot.pause()
        header, first = lines(app)[0], lines(app)[1]
        assert first.startswith(" ☑     a-name-lon ") and "a-name-long" not in first  # 1 + 4 + 1, 1 + 10
        assert header.index("name") == first.index("a-name")


# ---- the Clusters screen ---------------------------------------------------------------------

async def clusters_screen(pilot, app) -> RowList:
    h.give_answers(app, cluster=False)
    await h.jump_to(pilot, "clusters")
    table = app.screen.query_one("#clusters", RowList)
    table.focus()
    await pilot.pause()
    return table


def count_text(pilot) -> str:
    return str(pilot.app.screen.query_one("#cluster-count", Static).content)


async def test_space_and_enter_tick_a_config_cluster_and_the_cursor_stays(demo_app: Path) -> None:
    repos.set_kubernetes(demo_app, configs.many_clusters_block(40))
    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=SIZE) as pilot:
        table = await clusters_screen(pilot, app)
        assert count_text(pilot) == "40 of 40 shown · 0 to migrate · 0 new"
        assert [r[0] for r in h.table_rows(pilot, "#clusters")[:4]] == [" ", "☐", " ", "☐"]
        await pilot.press("down", "down", "down", "space")  # cluster-0003: a service account
        await pilot.pause()
        assert table.cursor_row == 3 and table.get_row_at(3)[0] == "☑"
        assert count_text(pilot) == "40 of 40 shown · 1 to migrate · 0 new"
        await pilot.press("up", "up", "enter")  # Enter on a config row ticks it too
        await pilot.pause()
        assert table.cursor_row == 1 and table.get_row_at(1)[0] == "☑"
        await pilot.press("enter")  # and unticks it
        await pilot.pause()
        assert table.get_row_at(1)[0] == "☐" and "1 to migrate" in count_text(pilot)
        await pilot.press("up", "space")  # cluster-0000 is on OIDC already: nothing to tick
        await pilot.pause()
        assert table.get_row_at(0)[0] == " " and "1 to migrate" in count_text(pilot)
        assert any("nothing to switch" in n.message for n in app._notifications)
        assert [r.name for r in app.screen.rows if r.selected] == ["cluster-0003"]


async def test_a_tick_in_a_filtered_list_goes_to_the_row_shown(demo_app: Path) -> None:
    repos.set_kubernetes(demo_app, configs.many_clusters_block(40))
    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=SIZE) as pilot:
        table = await clusters_screen(pilot, app)
        await pilot.press("slash")  # / goes to the filter
        await pilot.pause()
        assert app.focused is app.screen.query_one("#filter", Input)
        await pilot.press("2", "7")  # cluster-0027 (and no url or auth has 27 elsewhere)
        await pilot.pause()
        assert [r[1] for r in h.table_rows(pilot, "#clusters")] == ["cluster-0027"]
        assert count_text(pilot) == "1 of 40 shown · 0 to migrate · 0 new"
        await pilot.press("escape")  # Esc in the filter goes to the list, not back a step
        await pilot.pause()
        assert h.screen_name(pilot) == "clusters" and app.focused is table
        await pilot.press("space")
        await pilot.pause()
        assert table.get_row_at(0)[0] == "☑" and "1 to migrate" in count_text(pilot)
        assert [r.name for r in app.screen.rows if r.selected] == ["cluster-0027"]
        # the filter emptied: every row again, the cursor still on cluster-0027, ticked
        await h.set_input(pilot, "#filter", "")
        assert table.row_count == 40 and table.cursor_row == 27 and table.get_row_at(27)[:2] == ["☑", "cluster-0027"]


async def test_two_clicks_on_a_row_tick_it(demo_app: Path) -> None:
    repos.set_kubernetes(demo_app, configs.many_clusters_block(40))
    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=SIZE) as pilot:
        table = await clusters_screen(pilot, app)
        await h.click(pilot, table, offset=(5, 6))  # the 6th row: cluster-0005, moves the cursor
        assert table.cursor_row == 5 and table.get_row_at(5)[0] == "☐"
        await h.click(pilot, table, offset=(5, 6))  # on the cursor's row: ticks it, as Enter does
        assert table.get_row_at(5)[0] == "☑" and "1 to migrate" in count_text(pilot)


async def test_enter_on_a_cluster_of_this_run_edits_it(demo_app: Path) -> None:
    from wizard.tui.screens.clusters import AddClusterScreen

    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=SIZE) as pilot:
        await clusters_screen(pilot, app)
        await h.add_cluster(pilot, "lab", "https://127.0.0.1:6443")
        app.screen.query_one("#clusters", RowList).focus()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AddClusterScreen)
        assert app.screen.query_one("#name", Input).value == "lab"


async def test_the_heap_goes_back_to_the_collector_when_the_screen_goes(demo_app: Path) -> None:
    """The screen keeps what is alive out of Python's full collections while it is up (gc.freeze),
    and gives it back when a dialog covers it and when the app ends."""
    import gc

    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=SIZE) as pilot:
        await clusters_screen(pilot, app)
        assert gc.get_freeze_count() > 0
        await h.click(pilot, "#add")
        assert gc.get_freeze_count() == 0  # the dialog is up
        await pilot.press("escape")
        await pilot.pause()
        assert h.screen_name(pilot) == "clusters" and gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
