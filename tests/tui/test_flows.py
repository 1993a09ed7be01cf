"""Whole wizard flows driven with the pilot, on fixture apps in tmp_path; asserts the files written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from textual.widgets import Button, DataTable, Input, Static

from tests.support import pilot as h
from wizard.core.facts import K8S_REACT_PKG, MODULE_PKG
from wizard.tui.widgets.diffview import DiffView
from wizard.tui.widgets.modals import HintScreen
from wizard.tui.widgets.rowlist import RowList

SIZE = (100, 30)


def load_yaml(path: Path):
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def config_clusters(cfg: dict) -> list[dict]:
    out = []
    for m in cfg["kubernetes"]["clusterLocatorMethods"]:
        if m.get("type") == "config":
            out += m.get("clusters") or []
    return out


def static_text(pilot, selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).content)


async def test_new_setup_writes_the_config_and_verifies(demo_app: Path, closed_port: int) -> None:
    before_extensions = load_yaml(demo_app / "app-config.yaml")["app"]["extensions"]
    app = h.make_app(demo_app)  # not a demo session: the (fake) package manager runs
    async with app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        assert "Backstage app" in static_text(pilot, "#repo-facts")
        await h.welcome_continue(pilot)
        assert h.screen_name(pilot) == "prereqs"
        checks = {row[1]: row[0] for row in h.table_rows(pilot, "#checks")}
        assert "node-version" in checks and "yarn" in checks and "kubernetes-auth-module" in checks
        await h.prereqs_continue(pilot)

        assert h.screen_name(pilot) == "tenant"
        await h.fill_tenant(pilot, "acme")
        assert h.screen_name(pilot) == "clusters"
        assert app.session.answers.tenant == "acme"

        await h.add_cluster(pilot, "my-cluster", f"https://127.0.0.1:{closed_port}", skip_tls=True)
        rows = h.table_rows(pilot, "#clusters")
        assert [r[1] for r in rows] == ["my-cluster"]
        assert "new" in rows[0][5] and rows[0][3] == "skip TLS!"
        assert "1 of 1 shown" in static_text(pilot, "#cluster-count")
        await h.clusters_continue(pilot)
        await h.deployment_continue(pilot)  # no deployment in this repo: "not deployed from this repo"

        assert h.screen_name(pilot) == "review"
        await h.settle(pilot)
        diff = str(pilot.app.screen.query_one("#plan-diff", DiffView).content)
        assert "+++ b/app-config.yaml" in diff
        assert "+    - api:kubernetes/auth-providers: false" in diff
        assert "authProvider: oidc" in diff
        # a new-frontend app: the in-app module (created) joins createApp({ features }) in App.tsx
        assert "3 file(s) change" in static_text(pilot, "#plan-summary")
        assert "in-app module" in static_text(pilot, "#plan-frontend")
        assert "+++ b/packages/app/src/modules/spectrocloud/index.ts" in diff
        assert not pilot.app.screen.query_one("#apply", Button).disabled
        # nothing is written before Apply
        assert not (demo_app / ".spectro-wizard" / "backups").exists()
        await h.review_apply(pilot)

        assert h.screen_name(pilot) == "apply"
        status = static_text(pilot, "#apply-status")
        assert "✔ wrote app-config.yaml" in status
        assert f"✔ added {K8S_REACT_PKG}" in status
        assert not pilot.app.screen.query_one("#undo").display
        await h.apply_continue(pilot)

        assert h.screen_name(pilot) == "verify"
        # it ran on arrival against backend.baseUrl; again at a closed port, in case something
        # listens on localhost:7007 on this machine
        await h.verify_against_closed_port(pilot)
        results = {r.id: r.status for r in app.screen.results}
        assert results["backend-reachable"] == "fail"  # the backend is not running
        assert results["cluster:my-cluster"] == "fail"
        assert "fail" in static_text(pilot, "#verify-summary")
        # a failure opens its hint (Enter on the row), Esc closes it
        table = pilot.app.screen.query_one("#verify-table", DataTable)
        ids = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        table.focus()
        table.move_cursor(row=ids.index("backend-reachable"))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HintScreen)
        assert "backend-reachable: fail" in h.screen_text(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert h.screen_name(pilot) == "verify" and not isinstance(app.screen, HintScreen)
        await h.click(pilot, "#continue")
        assert h.screen_name(pilot) == "summary"
        summary = static_text(pilot, "#summary-text")
        assert "Changed:" in summary and "backend-reachable" in summary

    cfg = load_yaml(demo_app / "app-config.yaml")
    assert {"api:kubernetes/auth-providers": False} in cfg["app"]["extensions"]
    assert cfg["app"]["extensions"][: len(before_extensions)] == before_extensions
    assert cfg["auth"]["providers"]["guest"] == {}
    prov = cfg["auth"]["providers"]["spectrocloud"]["development"]
    assert prov["clientId"] == "${SPECTROCLOUD_CLIENT_ID}"
    assert prov["clientSecret"] == "${SPECTROCLOUD_CLIENT_SECRET}"
    assert prov["authorizationUrl"] == f"{h.CLOSED_URL}/v1/oidc/tenant/acme/auth"
    assert cfg["kubernetes"]["serviceLocatorMethod"] == {"type": "multiTenant"}
    assert config_clusters(cfg) == [{
        "name": "my-cluster", "url": f"https://127.0.0.1:{closed_port}", "authProvider": "oidc",
        "oidcTokenProvider": "spectrocloud", "skipTLSVerify": True,
    }]
    deps = json.loads((demo_app / "packages/app/package.json").read_text())["dependencies"]
    assert K8S_REACT_PKG in deps and MODULE_PKG not in deps
    assert (demo_app / "packages/app/src/modules/spectrocloud/index.ts").is_file()
    # the comments of the original file are still there
    assert "# Default landing page configuration." in (demo_app / "app-config.yaml").read_text()


async def test_migration_switches_the_ticked_cluster(legacy_app: Path, closed_port: int) -> None:
    app = h.make_app(legacy_app, install=False)
    async with app.run_test(size=SIZE) as pilot:
        await h.welcome_continue(pilot, "migrate")
        await h.prereqs_continue(pilot)
        assert h.screen_name(pilot) == "inventory"
        rows = h.table_rows(pilot, "#inv-table")
        assert [r[1] for r in rows] == ["legacy-prod", "legacy-dev"]
        assert all(r[0] == "☐" for r in rows)
        assert rows[0][3] == "${LEGACY_TOKEN}"
        assert "2 on service accounts · 0 in this wave" in static_text(pilot, "#inv-summary")

        # Continue without a tick: refused
        await h.click(pilot, "#continue")
        assert h.screen_name(pilot) == "inventory"

        table = pilot.app.screen.query_one("#inv-table", DataTable)
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("space")
        assert [r[0] for r in h.table_rows(pilot, "#inv-table")] == ["☑", "☐"]
        assert "1 in this wave" in static_text(pilot, "#inv-summary")
        await h.click(pilot, "#continue")
        assert app.session.answers.migrate == ["legacy-prod"]

        assert h.screen_name(pilot) == "tenant"
        await h.fill_tenant(pilot, "acme")
        await h.deployment_continue(pilot)
        assert h.screen_name(pilot) == "review"
        await h.settle(pilot)
        diff = str(pilot.app.screen.query_one("#plan-diff", DiffView).content)
        assert "-          serviceAccountToken: ${LEGACY_TOKEN}" in diff
        notes = static_text(pilot, "#plan-notes")
        assert "serviceAccountToken (${LEGACY_TOKEN}) removed" in notes
        await h.review_apply(pilot)
        assert h.screen_name(pilot) == "apply"
        assert "package install skipped" in static_text(pilot, "#apply-status")
        # back on Review after the apply: nothing to write, and what was done is not said again as to do
        await pilot.press("escape")
        await h.settle(pilot)
        assert h.screen_name(pilot) == "review"
        assert static_text(pilot, "#plan-summary").startswith("Nothing")
        assert "removed" not in static_text(pilot, "#plan-notes")
        await h.click(pilot, "#apply")  # Continue: to the restart this apply needs, not past it
        assert h.screen_name(pilot) == "restart"

    cfg = load_yaml(legacy_app / "app-config.yaml")
    by_name = {c["name"]: c for c in config_clusters(cfg)}
    prod, dev = by_name["legacy-prod"], by_name["legacy-dev"]
    assert prod["authProvider"] == "oidc"
    assert prod["oidcTokenProvider"] == "spectrocloud"
    assert "serviceAccountToken" not in prod
    assert prod["url"] == f"https://127.0.0.1:{closed_port}" and prod["skipTLSVerify"] is True
    # the next wave is left alone
    assert dev["authProvider"] == "serviceAccount" and dev["serviceAccountToken"] == "${LEGACY_TOKEN}"
    assert "# the production cluster, still on a shared token" in (legacy_app / "app-config.yaml").read_text()


async def test_back_with_escape_and_the_step_indicator_keeps_answers(demo_app: Path) -> None:
    from wizard.tui.widgets.stepper import Stepper

    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=SIZE) as pilot:
        await h.welcome_continue(pilot)
        await h.prereqs_continue(pilot)
        await h.fill_tenant(pilot, "acme", console_url=None)
        await h.add_cluster(pilot, "my-cluster", "https://127.0.0.1:6443")
        assert h.screen_name(pilot) == "clusters"

        # the table has focus, not an Input: Esc goes back one step
        pilot.app.screen.query_one("#clusters", RowList).focus()
        await pilot.press("escape")
        await pilot.pause()
        assert h.screen_name(pilot) == "tenant"
        assert pilot.app.screen.query_one("#tenant", Input).value == "acme"
        await pilot.press("escape")
        await h.settle(pilot)
        assert h.screen_name(pilot) == "prereqs"

        # the step indicator: finished steps are clickable
        def step_at(name: str):
            stepper = pilot.app.screen.query_one(Stepper)
            mark = next(m for m in stepper.marks if m.step_name == name)
            return stepper, mark

        states = pilot.app.screen.query_one(Stepper).states()
        assert states["welcome"] == "done" and states["tenant"] == "done"
        assert states["clusters"] == "done" and states["review"] == "todo"
        stepper, mark = step_at("clusters")
        await h.click(pilot, stepper, offset=(mark.start, 0))
        assert h.screen_name(pilot) == "clusters"
        assert [r[1] for r in h.table_rows(pilot, "#clusters")] == ["my-cluster"]

        stepper, mark = step_at("review")
        await h.click(pilot, stepper, offset=(mark.start, 0))  # not reached yet: nothing happens
        assert h.screen_name(pilot) == "clusters"
        stepper, mark = step_at("tenant")
        await h.click(pilot, stepper, offset=(mark.start, 0))
        assert h.screen_name(pilot) == "tenant"
        assert pilot.app.screen.query_one("#tenant", Input).value == "acme"
        await h.click(pilot, "#continue")
        assert h.screen_name(pilot) == "clusters"
        assert [c.name for c in app.session.answers.clusters] == ["my-cluster"]
        assert app.session.answers.tenant == "acme"


async def test_tenant_with_a_space_is_refused_and_nothing_is_written(demo_app: Path) -> None:
    before = {p: p.read_bytes() for p in demo_app.glob("app-config*.yaml")}
    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=SIZE) as pilot:
        await h.jump_to(pilot, "tenant")
        await h.type_into(pilot, "#tenant", "my tenant")  # typed key by key
        error = pilot.app.screen.query_one("#tenant-error", Static)
        assert error.display
        assert "letters, digits" in str(error.content)
        assert "letters, digits" in h.screen_text(pilot)
        await h.click(pilot, "#continue")
        assert h.screen_name(pilot) == "tenant"
        assert error.display
        assert any("not valid" in n.message for n in app._notifications)
        assert app.session.answers.tenant is None
        assert app.dirty  # typed but not in the answers: Ctrl+Q asks before losing it (nothing is written)

        # fixing it clears the message
        await h.type_into(pilot, "#tenant", "my-tenant")
        assert not error.display
    assert {p: p.read_bytes() for p in demo_app.glob("app-config*.yaml")} == before
    assert not (demo_app / ".spectro-wizard").exists()


async def test_a_failed_install_changes_nothing(demo_app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """All or nothing: the installs run first; when one fails every file is put back, there is
    nothing to undo, and the screen says so with the package manager's own output."""
    monkeypatch.setenv("FAKE_YARN_FAIL", "1")
    before = {p: p.read_bytes() for p in [demo_app / "app-config.yaml", demo_app / "packages/app/package.json",
                                          demo_app / "packages/backend/package.json",
                                          demo_app / "packages/backend/src/index.ts"]}
    app = h.make_app(demo_app, install=True)
    assert not app.session.demo
    async with app.run_test(size=SIZE) as pilot:
        h.give_answers(app)  # what the Tenant and Clusters steps produce (walked in the first test)
        await h.jump_to(pilot, "review")
        await h.review_apply(pilot)
        assert h.screen_name(pilot) == "apply"
        status = static_text(pilot, "#apply-status")
        assert "✖" in status and "exited with code 1" in status  # the install failed...
        assert "Nothing was changed: every file was put back as it was" in status  # ...so nothing was written
        assert "wrote" not in status
        assert not pilot.app.screen.query_one("#undo", Button).display  # nothing to undo
        assert pilot.app.screen.query_one("#continue", Button).disabled
        log_text = "".join(line.text for line in pilot.app.screen.query_one("#apply-log").lines)
        assert "Package not found (fake registry)" in log_text  # the package manager's output is shown
    assert {p: p.read_bytes() for p in before} == before


async def test_ctrl_s_saves_answers_without_secrets(demo_app: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPECTROCLOUD_CLIENT_ID", "client-id-value-1234")
    monkeypatch.setenv("SPECTROCLOUD_CLIENT_SECRET", "s3cr3t-client-secret-value")
    app = h.make_app(demo_app, install=False)
    answers = demo_app / ".spectro-wizard" / "answers.yaml"
    async with app.run_test(size=SIZE) as pilot:
        await h.jump_to(pilot, "tenant")
        assert "✔ set" in str(pilot.app.screen.query_one("#clientSecretEnv-mark", Static).content)
        await h.fill_tenant(pilot, "acme", console_url=None)
        await h.add_cluster(pilot, "my-cluster", "https://127.0.0.1:6443")
        answers.unlink(missing_ok=True)  # the autosave may have written it already
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert answers.is_file()
        assert any("answers saved to .spectro-wizard/answers.yaml" in n.message for n in app._notifications)
        assert not app.dirty
    text = answers.read_text()
    saved = YAML(typ="safe").load(text)
    assert saved["tenant"] == "acme"
    assert saved["clusters"][0]["name"] == "my-cluster"
    assert "client-id-value-1234" not in text and "s3cr3t-client-secret-value" not in text


async def test_ctrl_q_quits_at_once_when_nothing_is_unsaved(demo_app: Path) -> None:
    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_value == 0


async def test_answers_are_saved_as_you_go_and_ctrl_q_then_quits_at_once(demo_app: Path) -> None:
    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=SIZE) as pilot:
        await h.jump_to(pilot, "tenant")
        await h.fill_tenant(pilot, "acme", console_url=None)
        assert not app.dirty
        assert "tenant: acme" in (demo_app / ".spectro-wizard" / "answers.yaml").read_text()
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_value == 0


async def test_ctrl_q_with_unsaved_answers_asks_first(demo_app: Path) -> None:
    from wizard.tui.widgets.modals import ConfirmScreen

    # Answers are saved as you go; they stay unsaved only when that fails: here `.spectro-wizard`
    # is a file, so the state directory cannot be made.
    (demo_app / ".spectro-wizard").write_text("in the way\n")
    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=SIZE) as pilot:
        await h.jump_to(pilot, "tenant")
        assert not app.dirty
        await h.fill_tenant(pilot, "acme", console_url=None)
        assert app.dirty
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "not saved" in h.screen_text(pilot)
        await pilot.press("n")  # stay
        await pilot.pause()
        assert h.screen_name(pilot) == "clusters" and not isinstance(app.screen, ConfirmScreen)
        assert app.is_running
        await pilot.press("ctrl+q")
        await pilot.pause()
        await h.click(pilot, "#yes")
    assert app.return_value == 0


async def test_f1_and_question_mark_open_help(demo_app: Path) -> None:
    from wizard.tui.widgets.modals import HelpScreen

    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "Help: Welcome" in h.screen_text(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert h.screen_name(pilot) == "welcome" and not isinstance(app.screen, HelpScreen)

        await h.jump_to(pilot, "tenant")
        assert isinstance(app.focused, Input)  # F1 works from inside a text field
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = h.screen_text(pilot)
        assert "Help: SpectroCloud tenant and OIDC client" in text
        await h.click(pilot, "#help-close")
        assert h.screen_name(pilot) == "tenant" and not isinstance(app.screen, HelpScreen)
        assert app.session.answers.tenant is None  # '?' and F1 typed nothing into the answers


async def test_prerequisites_hint_follows_the_selected_check(demo_app: Path) -> None:
    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=SIZE) as pilot:
        await h.welcome_continue(pilot)
        await h.settle(pilot)
        screen = pilot.app.screen
        table = screen.query_one("#checks", DataTable)
        results = screen.results
        assert table.row_count == len(results) > 5
        first_fail = next(i for i, r in enumerate(results) if r.status == "fail")
        assert table.cursor_row == first_fail  # the first failure is selected
        hint = static_text(pilot, "#hint-text")
        assert hint.splitlines()[0] == f"[{results[first_fail].id}] {results[first_fail].summary}"
        assert "What to do" in hint

        assert app.focused is table
        await pilot.press("up")
        await pilot.pause()
        assert table.cursor_row == first_fail - 1
        assert results[first_fail - 1].summary in static_text(pilot, "#hint-text").splitlines()[0]
        await pilot.press(*["up"] * first_fail)
        await pilot.pause()
        assert table.cursor_row == 0
        assert results[0].summary in static_text(pilot, "#hint-text").splitlines()[0]
