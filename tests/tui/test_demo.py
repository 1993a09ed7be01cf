"""`--demo` as a faithful dry run, through the pilot: the demo's own world (local stand-ins it starts
and stops), nothing falsely red, service-account clusters to migrate, a restart that the Restart step
does itself, and a Verify that is green but for one instructive failure with its hint."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from tests.support import pilot as h
from tests.support.demo_browser import browse
from tests.support.net import free_port
from wizard.session import Session
from wizard.session.demo import demo_run
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


async def test_demo_signs_in_its_user_and_writes_rbac_for_her(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Verify's "Sign in to test my access" in the demo (issue #19: it always failed): the stand-in
    provider signs in the demo user, Verify shows who the clusters see, and Summary's "Write RBAC"
    writes her bindings. The browser is an HTTP client (tests/support/demo_browser.py) and the
    loopback redirect a free port: kubelogin's 8000/18000 may be taken on a shared machine."""
    import webbrowser

    from wizard.remote import login as login_mod

    monkeypatch.setattr(login_mod, "DEFAULT_REDIRECTS", (f"http://localhost:{free_port()}",))
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, new=0: bool(opened.append(browse(url))))
    with demo_run(tmp_path) as (root, world):
        session = Session(root, demo=True, world=world, path="migrate")
        world.prefill(session.answers)
        session.load(run_tools=False)
        session.answers.migrate = list(world.service_account_clusters)
        session.make_plan()
        session.apply()
        assert session.restart_backend()
        app = WizardApp(session)
        async with app.run_test(size=SIZE) as pilot:
            await h.jump_to(pilot, "verify", path="migrate")
            assert "not tested" in h.screen_text(pilot)  # no ID token yet
            await h.activate(pilot, "#login")
            await h.wait_for(pilot, lambda: session.login_result is not None and session.verify_untested == [],
                             "the sign-in and the checks with the ID token")
            await h.settle(pilot)
            assert opened and "Signed in" in opened[0]
            shown = marks(pilot, "#verify-table")
            assert shown["cluster:prod-eu:identity"] == "[green]✔[/green]", shown
            results = {r.id: r for r in session.verify_results or []}
            assert results["cluster:prod-eu:identity"].data["username"] == "alice@demo.example"
            assert sorted(i for i, r in results.items() if r.status == "fail") == ["backend-proxy:edge-lab", "cluster:edge-lab"]
            await h.jump_to(pilot, "summary", path="migrate")
            summary = str(app.screen.query_one("#summary-text", Static).content)
            assert "spectro-wizard rbac --user alice@demo.example --group demo-developers" in summary
            await h.activate(pilot, "#rbac")
        rbac = (root / ".spectro-wizard" / "rbac.yaml").read_text(encoding="utf-8")
        assert "alice@demo.example" in rbac and "demo-developers" in rbac
