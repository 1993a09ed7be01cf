"""What a first-time user meets on screen: keys for every button, the focused one plain to see, text
that fits at 80x24, guidance on the Tenant screen, clusters of this run that can be edited, renamed
and removed, a kubeconfig named by path, a Palette key typed (masked) when its variable is unset,
and a broken config reported once."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.binding import Binding
from textual.widgets import Button, Input, Static

from tests.support import pilot as h
from tests.support.doubles import PALETTE_API_KEY, PaletteDouble, kubeconfig_text
from wizard.tui.widgets.buttonkeys import FREE_CTRL_KEYS
from wizard.tui.widgets.modals import ConfirmScreen

WIDE, NARROW = (100, 30), (80, 24)
GLOBAL_KEYS = {"ctrl+q", "ctrl+s", "escape"}  # the app's own, and Esc (Back/Cancel)


def static_text(pilot, selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).content)


@pytest.mark.parametrize("step, path", [
    ("welcome", "setup"), ("prereqs", "setup"), ("tenant", "setup"), ("clusters", "setup"), ("review", "setup"),
    ("inventory", "migrate"), ("verify", "verify"), ("restart", "setup"), ("summary", "setup"),
])
async def test_every_button_has_a_key_and_says_which(demo_app: Path, step: str, path: str) -> None:
    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=WIDE) as pilot:
        h.give_answers(app)
        await h.jump_to(pilot, step, path=path)
        screen = app.screen
        buttons = list(screen.query(Button))
        assert buttons, step
        for button in buttons:
            key = screen.BUTTON_KEYS.get(button.id or "")
            assert key is not None, f"{step}: button {button.id} ({button.label}) has no key"
            assert str(button.label).endswith(" " + app.get_key_display(Binding(key, ""))), button.label
            # a ctrl key must not be one an Input needs for editing (the binding has priority)
            assert key in FREE_CTRL_KEYS | GLOBAL_KEYS or not key.startswith("ctrl+"), key


async def test_ctrl_n_continues_even_while_typing_in_a_field(demo_app: Path) -> None:
    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=WIDE) as pilot:
        await h.jump_to(pilot, "tenant")
        await h.type_into(pilot, "#tenant", "acme")
        assert isinstance(app.focused, Input)
        await pilot.press("ctrl+n")
        await h.settle(pilot)
        assert h.screen_name(pilot) == "clusters"
        assert app.session.answers.tenant == "acme"


async def test_the_focused_button_stands_out(demo_app: Path) -> None:
    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=NARROW) as pilot:
        await h.jump_to(pilot, "prereqs")
        cont, rerun = app.screen.query_one("#continue", Button), app.screen.query_one("#rerun", Button)
        rerun.focus()
        await pilot.pause()
        focused_bg, other_bg = rerun.styles.background, cont.styles.background
        assert focused_bg != other_bg
        cont.focus()
        await pilot.pause()
        # the primary button, focused, changes colour too: focus never hides behind a variant
        assert cont.styles.background == focused_bg
        assert rerun.styles.background != focused_bg


async def test_below_140_columns_titles_fit_and_the_checks_stack_over_their_hint(demo_app: Path) -> None:
    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=NARROW) as pilot:
        text = h.screen_text(pilot)
        for label in ("New setup: install, configure sign-in, switch the clusters ^n",
                      "Migrate clusters from service accounts, in waves ^g", "Verify and troubleshoot (changes nothing) ^t"):
            assert label in text
        first_line = text.splitlines()[0]
        assert "1 Welcome" in first_line and "9" in first_line  # the whole step line, numbers for the rest
        assert "Prereqs" not in first_line
        await h.jump_to(pilot, "prereqs")
        table, hint = app.screen.query_one("#checks"), app.screen.query_one("#hint-panel")
        assert hint.region.y > table.region.y and hint.region.x == table.region.x
        # the footer fits: its last entry is whole
        assert h.screen_text(pilot).splitlines()[-1].rstrip().endswith("Save answers")
    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await h.jump_to(pilot, "prereqs")
        table, hint = app.screen.query_one("#checks"), app.screen.query_one("#hint-panel")
        assert hint.region.x > table.region.x  # side by side where there is room for both
        assert "2 Prereqs" in h.screen_text(pilot).splitlines()[0]


async def test_tenant_screen_guides_and_copies_the_redirect_uri(demo_app: Path) -> None:
    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=NARROW) as pilot:
        await h.jump_to(pilot, "tenant")
        guide = static_text(pilot, "#guide")
        assert "Tenant:" in guide and "OIDC client" in guide and "redirect URI" in guide
        assert static_text(pilot, "#redirect-uri") == "http://localhost:7007/api/auth/spectrocloud/handler/frame"
        await h.set_input(pilot, "#callbackUrl", "https://backstage.example.com/api/auth/spectrocloud/handler/frame")
        assert static_text(pilot, "#redirect-uri") == "https://backstage.example.com/api/auth/spectrocloud/handler/frame"
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert app.clipboard == "https://backstage.example.com/api/auth/spectrocloud/handler/frame"


async def test_a_cluster_of_this_run_can_be_edited_renamed_and_removed(demo_app: Path) -> None:
    from wizard.tui.screens.clusters import AddClusterScreen

    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=WIDE) as pilot:
        h.give_answers(app, cluster=False)
        await h.jump_to(pilot, "clusters")
        await h.add_cluster(pilot, "lab", "https://127.0.0.1:6443")
        await h.add_cluster(pilot, "prod", "https://127.0.0.1:6444")
        rows = h.table_rows(pilot, "#clusters")
        assert [r[:2] for r in rows] == [["+", "lab"], ["+", "prod"]]  # +, not a tick box
        app.screen.query_one("#clusters").focus()
        await pilot.press("space")  # nothing to tick: it says what to do instead
        await pilot.pause()
        assert any("added in this run: edit it or remove it" in n.message for n in app._notifications)

        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, AddClusterScreen)
        assert app.screen.query_one("#name", Input).value == "lab"
        assert app.screen.query_one("#url", Input).value == "https://127.0.0.1:6443"
        await h.set_input(pilot, "#name", "prod")  # taken
        await h.activate(pilot, "#ok")
        await h.wait_for(pilot, lambda: "already a cluster" in static_text(pilot, "#add-error"), "the taken name refused")
        await h.set_input(pilot, "#name", "lab-eu")
        await h.set_input(pilot, "#url", "https://127.0.0.1:7443")
        await h.activate(pilot, "#ok")
        await h.wait_for(pilot, lambda: not isinstance(app.screen, AddClusterScreen), "the dialog closed")
        names = [(c.name, c.url, c.skipTLSVerify) for c in app.session.answers.clusters]
        assert sorted(names) == [("lab-eu", "https://127.0.0.1:7443", True), ("prod", "https://127.0.0.1:6444", True)]

        table = app.screen.query_one("#clusters")
        table.focus()
        table.move_cursor(row=[r[1] for r in h.table_rows(pilot, "#clusters")].index("prod"))
        await pilot.press("delete")  # asked first: a stray key press removes nothing
        await h.wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the removal asked")
        assert sorted(c.name for c in app.session.answers.clusters) == ["lab-eu", "prod"]
        await pilot.press("y")
        await h.wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen), "the question answered")
        assert [c.name for c in app.session.answers.clusters] == ["lab-eu"]
        assert [r[1] for r in h.table_rows(pilot, "#clusters")] == ["lab-eu"]


async def test_config_clusters_are_not_edited_in_place(legacy_app: Path) -> None:
    app = h.make_app(legacy_app, install=False)
    async with app.run_test(size=WIDE) as pilot:
        h.give_answers(app, cluster=False)
        await h.jump_to(pilot, "clusters")
        app.screen.query_one("#clusters").focus()
        await pilot.press("delete")
        await pilot.pause()
        assert any("the wizard edits it only by switching it" in n.message for n in app._notifications)


async def test_kubeconfig_import_reads_the_file_you_name(demo_app: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         ca_b64: str) -> None:
    from wizard.tui.screens.clusters import ImportScreen

    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no ~/.kube/config, no $KUBECONFIG
    kubeconfig = tmp_path / "team.kubeconfig"
    kubeconfig.write_text(kubeconfig_text("https://127.0.0.1:6443", ca_b64))
    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=WIDE) as pilot:
        h.give_answers(app, cluster=False)
        await h.jump_to(pilot, "clusters")
        await pilot.press("ctrl+o")
        await h.settle(pilot)
        assert isinstance(app.screen, ImportScreen)
        assert "no contexts in $KUBECONFIG or ~/.kube/config" in static_text(pilot, "#k-status")
        await h.set_input(pilot, "#k-path", str(tmp_path / "missing.kubeconfig"))
        await pilot.press("enter")
        await pilot.pause()
        assert "missing.kubeconfig: no such kubeconfig file" in static_text(pilot, "#k-status")
        await h.set_input(pilot, "#k-path", str(kubeconfig))
        await pilot.press("enter")
        await pilot.pause()
        assert "1 context(s)" in static_text(pilot, "#k-status")
        await pilot.press("space")  # the list has the focus: tick the first context
        await h.activate(pilot, "#ok")
        await h.wait_for(pilot, lambda: not isinstance(app.screen, ImportScreen), "the dialog closed")
        [added] = app.session.answers.clusters
        assert added.url == "https://127.0.0.1:6443" and added.caData
        assert h.table_rows(pilot, "#clusters")[0][-1] == "kubeconfig"


async def test_palette_key_typed_masked_when_its_variable_is_unset(demo_app: Path, serve, monkeypatch: pytest.MonkeyPatch) -> None:
    from wizard.tui.screens.clusters import PaletteScreen

    monkeypatch.delenv("SPECTROCLOUD_API_TOKEN", raising=False)
    double = PaletteDouble()
    server = serve(double.handle)  # plain HTTP on loopback, which the wizard accepts for tests and proxies
    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=WIDE) as pilot:
        h.give_answers(app, cluster=False)
        await h.jump_to(pilot, "clusters")
        await pilot.press("ctrl+p")
        await h.settle(pilot)
        assert isinstance(app.screen, PaletteScreen)
        key_field = app.screen.query_one("#p-key", Input)
        assert key_field.display and key_field.password
        await h.set_input(pilot, "#p-url", server.url())
        await pilot.press("ctrl+l")  # List clusters: its key works wherever the focus is
        await h.settle(pilot)
        assert "type the API key in the masked field" in static_text(pilot, "#palette-status")
        assert app.focused is key_field  # where to type it
        await h.set_input(pilot, "#p-key", PALETTE_API_KEY)
        await pilot.press("ctrl+l")
        await h.settle(pilot)
        assert static_text(pilot, "#palette-status") == "4 cluster(s)"
        assert PALETTE_API_KEY not in h.screen_text(pilot)  # masked
        await pilot.press("escape")
        await pilot.pause()
    assert PALETTE_API_KEY not in str(app.session.answers.to_dict())


async def test_review_shows_a_broken_config_once(demo_app: Path) -> None:
    cfg = demo_app / "app-config.yaml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + "broken:\n  guest: {\n# a comment\n", encoding="utf-8")
    app = h.make_app(demo_app, install=False)
    async with app.run_test(size=WIDE) as pilot:
        h.give_answers(app)
        await h.jump_to(pilot, "review")
        error = static_text(pilot, "#plan-error")
        assert "app-config.yaml:" in error and "the flow mapping that starts here" in error
        assert not [n for n in app._notifications if "app-config.yaml" in n.message]
        assert h.screen_text(pilot).count("the flow mapping that starts here") == 1
        assert app.screen.query_one("#apply", Button).disabled
