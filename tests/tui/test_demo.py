"""`--demo` as a faithful dry run, through the pilot: the demo's own world (local stand-ins it starts
and stops), nothing falsely red, service-account clusters to migrate, a restart that the Restart step
does itself, and a Verify that is green but for one instructive failure with its hint."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from tests.support import pilot as h
from wizard.session import Session
from wizard.session.demo_world import demo_run
from wizard.tui.app import WizardApp
from wizard.tui.widgets.modals import HintScreen

SIZE = (100, 30)


def marks(pilot, selector: str) -> dict[str, str]:
    """check id -> its mark, as the table shows them."""
    return {row[1]: row[0] for row in h.table_rows(pilot, selector)}


async def test_demo_migrates_and_verifies_against_its_stand_ins(tmp_path: Path) -> None:
    with demo_run(tmp_path) as (root, world):
        session = Session(root, demo=True, world=world)
        world.prefill(session.answers)
        session.load(run_tools=False)
        app = WizardApp(session)
        async with app.run_test(size=SIZE) as pilot:
            await h.settle(pilot)
            assert "demo: local stand-ins" in h.screen_text(pilot)
            await h.welcome_continue(pilot, "migrate")
            await h.settle(pilot)
            shown = marks(pilot, "#checks")
            assert "[red]✖[/red]" not in shown.values(), shown  # nothing is the user's to fix in the demo
            assert "Yarn 4.13.0" in " ".join(r[2] for r in h.table_rows(pilot, "#checks"))
            await h.prereqs_continue(pilot)

            assert h.screen_name(pilot) == "inventory"
            table = app.screen.query_one("#inv-table", DataTable)
            assert [r[1] for r in h.table_rows(pilot, "#inv-table")] == list(world.service_account_clusters)
            table.focus()
            for _ in world.service_account_clusters:
                await pilot.press("space", "down")
            await pilot.press("ctrl+n")
            await h.settle(pilot)

            assert h.screen_name(pilot) == "tenant"
            assert app.screen.query_one("#tenant").value == "demo"
            await pilot.press("ctrl+n")  # the stand-in tenant, already filled in
            await h.settle(pilot)
            assert h.screen_name(pilot) == "deployment"
            await pilot.press("ctrl+n")  # the demo is not deployed: production left alone
            await h.settle(pilot)
            assert h.screen_name(pilot) == "review"
            await pilot.press("ctrl+n")
            await h.settle(pilot)
            assert h.screen_name(pilot) == "apply"
            await pilot.press("ctrl+n")
            await h.settle(pilot)

            assert h.screen_name(pilot) == "restart"
            await pilot.press("ctrl+n")  # wait: the demo restarts its stand-in backend first
            await h.settle(pilot)
            assert "the backend serves the new config" in h.screen_text(pilot)
            await pilot.press("ctrl+n")
            await h.settle(pilot)

            assert h.screen_name(pilot) == "verify"
            results = {r.id: r for r in session.verify_results or []}
            failed = sorted(i for i, r in results.items() if r.status == "fail")
            check, hint = world.instructive_failure
            assert failed == [check], failed
            assert results[check].hint == hint
            for cid in ("oidc-discovery", "oidc-client", "backend-reachable", "backend-auth-provider", "backend-clusters"):
                assert results[cid].status == "ok", (cid, results[cid].summary)
            # the hint opens from the failed row, in the screen's words with the demo's values
            vt = app.screen.query_one("#verify-table", DataTable)
            vt.focus()
            vt.move_cursor(row=[row[1] for row in h.table_rows(pilot, "#verify-table")].index(check))
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, HintScreen)
            body = h.screen_text(pilot)
            assert "`" not in body and "spectro-wizard verify" not in body
    # the world is stopped on the way out: its backend no longer answers
    import socket

    with socket.socket() as s:
        s.settimeout(2)
        assert s.connect_ex(("127.0.0.1", int(world.backend_url.rsplit(":", 1)[1]))) != 0
