"""One screen at a time: what a screen does besides moving the flow on."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, Static

from tests.support import pilot as h
from tests.support.secrets import has_jwt
from wizard.tui.widgets.modals import ConfirmScreen

SIZE = (100, 30)


def text_of(pilot, selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).content)


async def test_add_cluster_dialog_checks_its_fields(demo_app: Path) -> None:
    from wizard.tui.screens.clusters import AddClusterScreen

    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=SIZE) as pilot:
        h.give_answers(app, cluster=False)
        await h.jump_to(pilot, "clusters")
        await h.click(pilot, "#continue")  # no cluster yet: refused
        assert h.screen_name(pilot) == "clusters"
        assert any("add at least one cluster" in n.message for n in app._notifications)

        await h.click(pilot, "#add")
        assert isinstance(app.screen, AddClusterScreen)
        cases = [
            ("bad name!", "https://x:6443", False, "name:"),
            ("ok", "ftp://x", False, "url:"),
            ("ok", "https://x:6443", False, "CA file"),
        ]
        for name, url, _skip, message in cases:
            await h.set_input(pilot, "#name", name)
            await h.set_input(pilot, "#url", url)
            await h.activate(pilot, "#ok")
            assert isinstance(app.screen, AddClusterScreen)
            # the press reaches the dialog as a message: wait for the label it sets
            await h.wait_for(pilot, lambda message=message: message in text_of(pilot, "#add-error"), f"{message!r} under the fields")
        await h.set_input(pilot, "#ca", "/no/such/ca.pem")
        await h.click(pilot, "#skip")
        assert "anyone between Backstage and the cluster" in text_of(pilot, "#tls-warning")
        await h.activate(pilot, "#ok")
        await h.wait_for(pilot, lambda: "not both" in text_of(pilot, "#add-error"), "'not both' under the fields")
        await pilot.press("escape")  # cancel: nothing added
        await pilot.pause()
        assert h.screen_name(pilot) == "clusters" and not isinstance(app.screen, AddClusterScreen)
        assert app.session.answers.clusters == []
        assert h.table_rows(pilot, "#clusters") == []


async def test_tenant_test_button_reports_the_oidc_checks(demo_app: Path, closed_port: int) -> None:
    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=SIZE) as pilot:
        await h.jump_to(pilot, "tenant")
        await h.set_input(pilot, "#consoleUrl", h.CLOSED_URL)
        await h.set_input(pilot, "#tenant", "acme")
        assert text_of(pilot, "#auth-url") == f"authorizationUrl: {h.CLOSED_URL}/v1/oidc/tenant/acme/auth"
        await h.click(pilot, "#test")
        results = text_of(pilot, "#test-results")
        assert "✖ oidc-discovery" in results and "refused" in results
        assert not pilot.app.screen.query_one("#test", Button).disabled
        assert h.screen_name(pilot) == "tenant"  # Test does not move on


async def test_prerequisites_that_cannot_be_fixed_stop_continue(tmp_path: Path, stand_ins) -> None:
    """A Backstage too old for the modules: Continue says why and stays (missing packages and config
    problems do not stop it: Apply fixes those)."""
    from tests.support import repos

    root = repos.make_repo(tmp_path, installed=(), version="1.30.2")
    app = h.make_app(root, install=True)
    async with app.run_test(size=SIZE) as pilot:
        await h.welcome_continue(pilot)
        await h.settle(pilot)
        status = {r.id: r.status for r in pilot.app.screen.results}
        assert status["backstage-version"] == "fail" and status["kubernetes-auth-module"] == "fail"
        await h.click(pilot, "#continue")
        assert h.screen_name(pilot) == "prereqs"
        assert any("backstage-version: Backstage 1.30.2 is older than 1.47.1" in n.message for n in app._notifications)


async def test_a_legacy_app_continues_and_says_how_it_is_wired(tmp_path: Path, stand_ins) -> None:
    """A legacy app is set up through apis.ts: nothing stops it at the prerequisites, and the Review
    says which frontend system was found and what will be wired."""
    from tests.support import repos

    root = repos.make_repo(tmp_path, installed=(), legacy=True)
    app = h.make_app(root, install=True)
    async with app.run_test(size=SIZE) as pilot:
        await h.welcome_continue(pilot)
        await h.settle(pilot)
        status = {r.id: r.status for r in pilot.app.screen.results}
        assert status["frontend-system"] == "ok" and status["auth-frontend-plugin"] == "skip"
        await h.click(pilot, "#continue")
        assert h.screen_name(pilot) == "tenant"


async def test_review_offers_the_other_frontend_wiring_one_key_away(demo_app: Path) -> None:
    """New frontend system: the Review says how the frontend is wired and why; Ctrl+O switches to the other
    wiring (the answer is kept) and the plan follows."""
    app = h.make_app(demo_app)
    async with app.run_test(size=SIZE) as pilot:
        h.give_answers(app)
        await h.jump_to(pilot, "review")
        assert "in-app module" in text_of(pilot, "#plan-frontend")
        wiring = pilot.app.screen.query_one("#wiring", Button)
        assert wiring.display and str(wiring.label).startswith("Use the TeraSky packages")
        await pilot.press("ctrl+o")
        await h.settle(pilot)
        await h.wait_for(pilot, lambda: "TeraSky packages (answered)" in text_of(pilot, "#plan-frontend"),
                         "the plan for the TeraSky packages")
        assert app.session.answers.frontendWiring == "package"
        assert str(pilot.app.screen.query_one("#wiring", Button).label).startswith("Use the in-app module")


async def test_review_of_a_legacy_app_has_no_wiring_choice(tmp_path: Path, stand_ins) -> None:
    from tests.support import repos

    app = h.make_app(repos.make_repo(tmp_path, installed=(), legacy=True), install=True)
    async with app.run_test(size=SIZE) as pilot:
        h.give_answers(app)
        await h.jump_to(pilot, "review")
        await h.settle(pilot)
        await h.wait_for(pilot, lambda: "legacy frontend system" in text_of(pilot, "#plan-frontend"), "the legacy plan")
        assert not pilot.app.screen.query_one("#wiring", Button).display
        assert "apis.ts" in text_of(pilot, "#plan-frontend")


async def test_prerequisites_continue_past_what_apply_fixes(demo_app: Path) -> None:
    app = h.make_app(demo_app, install=True)
    async with app.run_test(size=SIZE) as pilot:
        await h.welcome_continue(pilot)
        await h.settle(pilot)
        status = {r.id: r.status for r in pilot.app.screen.results}
        assert status["kubernetes-auth-module"] == "fail"  # apply installs it
        await h.click(pilot, "#continue")
        assert h.screen_name(pilot) == "tenant"


async def test_ctrl_q_twice_asks_once(demo_app: Path) -> None:
    (demo_app / ".spectro-wizard").write_text("in the way\n")  # autosave fails: answers stay unsaved
    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=SIZE) as pilot:
        await h.jump_to(pilot, "tenant")
        await h.fill_tenant(pilot, "acme", console_url=None)
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert sum(isinstance(s, ConfirmScreen) for s in app.screen_stack) == 1


async def test_summary_after_a_failed_install_does_not_claim_changes(demo_app: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    closed_port: int) -> None:
    monkeypatch.setenv("FAKE_YARN_FAIL", "1")
    app = h.make_app(demo_app, install=True)
    async with app.run_test(size=SIZE) as pilot:
        h.give_answers(app)
        await h.jump_to(pilot, "review")
        await h.review_apply(pilot)
        assert "Nothing was changed" in text_of(pilot, "#apply-status")
        app.reached.update(["apply", "restart", "verify"])
        app.goto("summary")
        await h.settle(pilot)
        text = text_of(pilot, "#summary-text")
        assert "Changed:" not in text and "Nothing was changed: the install failed" in text


async def test_load_answers_file_from_welcome(demo_app: Path, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("tenant: from-file\nclusters:\n  - name: filed\n    url: https://127.0.0.1:6443\n    skipTLSVerify: true\n")
    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=SIZE) as pilot:
        from wizard.tui.widgets.answersfile import AnswersFileScreen

        assert not pilot.app.screen.query_one("#resume", Button).display  # nothing saved yet
        await pilot.press("ctrl+l")
        await h.settle(pilot)
        assert isinstance(app.screen, AnswersFileScreen)
        await h.set_input(pilot, "#answers-path", str(tmp_path / "missing.yaml"))
        await pilot.press("enter")
        await h.settle(pilot)
        assert h.screen_name(pilot) == "welcome"  # an unreadable file: an error, no step
        assert any(n.severity == "error" and "missing.yaml" in n.message for n in app._notifications)
        await pilot.press("ctrl+l")
        await h.settle(pilot)
        await h.set_input(pilot, "#answers-path", str(answers))
        await pilot.press("enter")
        await h.settle(pilot)
        assert h.screen_name(pilot) == "prereqs"
        assert app.session.answers.tenant == "from-file"
        await h.prereqs_continue(pilot)
        assert pilot.app.screen.query_one("#tenant").value == "from-file"


async def test_answers_saved_early_can_be_resumed(demo_app: Path) -> None:
    answers = demo_app / ".spectro-wizard" / "answers.yaml"
    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+s")  # on Welcome, nothing answered yet
        await pilot.pause()
    if not answers.is_file():
        return  # refusing to save an incomplete draft is fine too
    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=SIZE) as pilot:
        assert pilot.app.screen.query_one("#resume", Button).display
        await h.click(pilot, "#resume")
        assert h.screen_name(pilot) == "prereqs"


async def test_verify_path_checks_and_changes_nothing(legacy_app: Path, closed_port: int) -> None:
    before = (legacy_app / "app-config.yaml").read_bytes()
    app = h.make_app(legacy_app, install=False)
    async with app.run_test(size=SIZE) as pilot:
        await h.welcome_continue(pilot, "verify")
        steps = [s for s, _ in app.step_titles()]
        assert steps == ["welcome", "prereqs", "verify", "summary"]
        await h.prereqs_continue(pilot)
        assert h.screen_name(pilot) == "verify"
        await h.verify_against_closed_port(pilot)
        ids = {r.id: r.status for r in pilot.app.screen.results}
        assert ids["backend-reachable"] == "fail"
        assert ids["cluster:legacy-prod"] == "fail" and ids["cluster:legacy-dev"] == "fail"
        await h.click(pilot, "#continue")
        assert h.screen_name(pilot) == "summary"
        summary = text_of(pilot, "#summary-text")
        assert "Nothing was changed in this run (the Verify path changes nothing)." in summary
        # a verify-only run switched nothing: the summary does not claim the clusters now see each user
        assert "now see each user" not in summary and "Next steps" not in summary
    assert (legacy_app / "app-config.yaml").read_bytes() == before
    assert not (legacy_app / ".spectro-wizard" / "backups").exists()


async def test_verify_sign_in_runs_the_checks_that_need_my_token(demo_app: Path, oidc_provider_factory,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Verify's "Sign in to test my access": the session's kubelogin flow against the real provider, the
    system browser being tests/support/dev_browser.py ($BROWSER); the identity checks then run, the
    token never appears on screen."""
    import os
    import shutil
    import sys

    from tests.support.cli import PROJECT

    real_node = shutil.which("node", path=os.defpath + ":/usr/local/bin")
    assert real_node, "the OpenID provider needs the machine's node"
    wizard_path = os.environ["PATH"]
    monkeypatch.setenv("PATH", f"{Path(real_node).parent}:/usr/bin:/bin")
    provider = oidc_provider_factory(tenant="acme", redirect_uris=["http://localhost:8000", "http://localhost:18000"])
    monkeypatch.setenv("PATH", wizard_path)
    (demo_app / "app-config.local.yaml").write_text(
        "auth:\n  providers:\n    spectrocloud:\n      development:\n        clientId: ${SPECTROCLOUD_CLIENT_ID}\n"
        f"        clientSecret: ${{SPECTROCLOUD_CLIENT_SECRET}}\n        authorizationUrl: {provider.authorization_url}\n")
    monkeypatch.setenv("SPECTROCLOUD_CLIENT_ID", provider.client_id)
    monkeypatch.setenv("SPECTROCLOUD_CLIENT_SECRET", provider.client_secret)
    monkeypatch.setenv("BROWSER", f"{sys.executable} {PROJECT / 'tests' / 'support' / 'dev_browser.py'} %s")
    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=SIZE) as pilot:
        await h.jump_to(pilot, "verify", path="verify")
        await h.set_input(pilot, "#backend-url", h.CLOSED_URL)
        await h.click(pilot, "#login")
        await h.settle(pilot)
        assert app.session.login_result is not None and app.session.login_result.username == "alice@example.com"
        ids = {r.id: r.status for r in app.screen.results}
        assert ids["id-token"] == "ok"
        assert "not tested" not in text_of(pilot, "#verify-summary")
        assert not has_jwt(h.screen_text(pilot))


async def test_the_summary_is_read_with_the_keyboard(demo_app: Path) -> None:
    """Longer than a screen after an apply: the Summary opens with its text focused, and PageDown scrolls it."""
    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=(80, 24)) as pilot:
        h.give_answers(app)
        app.session.make_plan()
        app.session.apply()
        await h.jump_to(pilot, "summary")
        scroll = app.screen.query_one("#summary-scroll")
        assert app.focused is scroll
        assert scroll.max_scroll_y > 0
        await pilot.press("pagedown")
        await h.settle(pilot)
        assert scroll.scroll_y > 0
