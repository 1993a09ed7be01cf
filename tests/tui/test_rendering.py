"""NO_COLOR, and a config with thousands of clusters (row counts only: timing belongs to bench/)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from tests.support import configs, repos
from tests.support import pilot as h
from wizard.tui.widgets.rowlist import RowList

SIZE = (100, 30)


def colours(pilot) -> set[tuple[int, int, int]]:
    """Every foreground/background colour on the screen, as RGB."""
    found = set()
    for strip in pilot.app.screen._compositor.render_strips():
        for seg in strip:
            style = seg.style
            if style is None:
                continue
            for c in (style.color, style.bgcolor):
                if c is not None and not c.is_default:
                    t = c.get_truecolor()
                    found.add((t.red, t.green, t.blue))
    return found


def chromatic(rgb: set[tuple[int, int, int]]) -> set[tuple[int, int, int]]:
    return {c for c in rgb if len(set(c)) > 1}


async def _welcome_colours(root: Path) -> tuple[bool, set]:
    app = h.make_app(root, install=False)
    async with app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)  # the accent title, the primary button, the radio buttons...
        return app.no_color, colours(pilot)


async def test_no_color_is_honoured(demo_app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    no_color, seen = await _welcome_colours(demo_app)
    assert no_color is True
    assert seen, "nothing was rendered"
    assert chromatic(seen) == set(), f"colours rendered despite NO_COLOR: {sorted(chromatic(seen))[:5]}"


async def test_colours_without_no_color(demo_app: Path) -> None:
    """The counterpart: the same screen has colours when NO_COLOR is not set."""
    no_color, seen = await _welcome_colours(demo_app)
    assert no_color is False
    assert chromatic(seen)


async def test_two_thousand_clusters_load_and_filter(demo_app: Path) -> None:
    repos.set_kubernetes(demo_app, configs.many_clusters_block(2000))
    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=SIZE) as pilot:
        h.give_answers(app, cluster=False)
        await h.jump_to(pilot, "clusters")
        table = pilot.app.screen.query_one("#clusters", RowList)
        count = pilot.app.screen.query_one("#cluster-count", Static)
        # every row is listed (the list draws only the lines in view); the count says so
        assert table.row_count == 2000
        assert str(count.content) == "2000 of 2000 shown · 0 to migrate · 0 new"

        await h.set_input(pilot, "#filter", "cluster-19")  # cluster-1900 … cluster-1999
        assert table.row_count == 100
        assert table.get_row_at(0)[1] == "cluster-1900"
        assert str(count.content).startswith("100 of 2000 shown")

        await h.set_input(pilot, "#filter", "serviceaccount")  # the auth column, any case
        assert table.row_count == 1000 and str(count.content).startswith("1000 of 2000 shown")
        await h.set_input(pilot, "#filter", "k8s-1999.example")  # the url column
        assert table.row_count == 1
        await h.set_input(pilot, "#filter", "no-such-cluster")
        assert table.row_count == 0
        assert str(count.content).startswith("0 of 2000 shown")
        await h.set_input(pilot, "#filter", "")
        assert table.row_count == 2000

        # tick one service-account cluster in the full list: the count follows
        table.focus()
        table.move_cursor(row=1)  # cluster-0001 is on serviceAccount
        await pilot.press("space")
        await pilot.pause()
        assert str(count.content) == "2000 of 2000 shown · 1 to migrate · 0 new"
        assert table.cursor_row == 1 and table.get_row_at(1)[0] == "☑"
        # the last of the 2,000 rows is reached (End) and drawn
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_row == 1999 and "cluster-1999" in h.screen_text(pilot)
