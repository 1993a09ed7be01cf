import pytest
from textual.widgets import DataTable
from tests.tui import helpers as h

async def test_explore(demo_app, closed_port):
    app = h.make_app(demo_app)
    async with app.run_test(size=(100, 30)) as pilot:
        await h.welcome_continue(pilot)
        await h.prereqs_continue(pilot)
        await h.fill_tenant(pilot)
        await h.add_cluster(pilot, "my-cluster", "https://127.0.0.1:9")
        t = app.screen.query_one(DataTable)
        print([ (c.label, c.width, c.content_width, c.auto_width) for c in t.columns.values()])
        await pilot.pause(0.5)
        print([ (c.label, c.width, c.content_width, c.auto_width) for c in t.columns.values()])
        print(h.screen_text(pilot))
        await pilot.press("escape")
        await pilot.pause()
        await h.clusters_continue(pilot)
        print(h.screen_text(pilot))
        await pilot.press("escape")
        await h.settle(pilot)
        print(h.screen_text(pilot))
