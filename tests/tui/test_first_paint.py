"""The first screen is drawn before what it does not need: the config files (YAML) and the TypeScript
sources (index.ts, App.tsx) are parsed, and `--demo`'s world is started, once Welcome is on screen;
Welcome's facts then say what was read, and a step after it waits for that work."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support import pilot as h
from tests.support.repos import make_repo
from wizard.core.repo import RepoInfo
from wizard.demo.world import DEMO_LABEL
from wizard.session import Session
from wizard.session.demo import make_demo_app
from wizard.tui.app import WizardApp
from wizard.tui.screens.welcome import WelcomeScreen

SIZE = (100, 30)


@pytest.fixture
def order(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What happened, in order: "painted" (Welcome's first refresh), "configs", "sources", "world"."""
    seen: list[str] = []
    mount, read, start = WelcomeScreen.on_mount, RepoInfo.read_sources, Session.start_demo_world
    read_configs = Session.read_configs

    def on_mount(self: WelcomeScreen) -> None:
        mount(self)
        self.call_after_refresh(seen.append, "painted")

    def read_sources(self: RepoInfo) -> None:
        if not self.sources_read:
            seen.append("sources")
        read(self)

    def read_deferred_configs(self: Session) -> None:
        if not self.configs_read:
            seen.append("configs")
        read_configs(self)

    def start_demo_world(self: Session):
        seen.append("world")
        return start(self)

    monkeypatch.setattr(WelcomeScreen, "on_mount", on_mount)
    monkeypatch.setattr(RepoInfo, "read_sources", read_sources)
    monkeypatch.setattr(Session, "start_demo_world", start_demo_world)
    monkeypatch.setattr(Session, "read_configs", read_deferred_configs)
    return seen


async def test_app_tsx_is_read_after_welcome_is_drawn(tmp_path: Path, order: list[str]) -> None:
    session = Session(make_repo(tmp_path))
    session.load(run_tools=False, defer_sources=True)
    assert session.info is not None and not session.info.sources_read
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        assert app.started.is_set()
        assert order == ["painted", "sources"]
        assert "frontend system: new" in h.screen_text(pilot)
        await h.welcome_continue(pilot)  # the next step reads the sources as they were read


async def test_the_config_files_are_read_after_welcome_is_drawn(tmp_path: Path, order: list[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """As the TUI loads a session: Welcome is drawn with "…" for the config files, then shows them."""
    shown: list[str] = []
    facts = WelcomeScreen.facts
    monkeypatch.setattr(WelcomeScreen, "facts", lambda self: shown.append(facts(self)) or shown[-1])
    session = Session(make_repo(tmp_path))
    session.load(run_tools=False, defer_sources=True, defer_configs=True)
    assert not session.configs_read
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await h.settle(pilot)
        assert app.started.is_set()
        assert order == ["painted", "configs", "sources"]
        assert "config files (merge order): …" in shown[0] and "frontend system: …" in shown[0]
        text = h.screen_text(pilot)
        assert "config files (merge order): app-config.yaml" in text and "frontend system: new" in text
        await h.welcome_continue(pilot)


async def test_a_session_loaded_whole_draws_its_facts_at_once(tmp_path: Path, order: list[str]) -> None:
    session = Session(make_repo(tmp_path))
    session.load(run_tools=False)
    app = WizardApp(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.started.is_set() and "frontend system: new" in h.screen_text(pilot)
    assert order == ["sources", "painted"]


async def test_the_demo_s_world_starts_after_welcome_is_drawn_and_stops_on_the_way_out(tmp_path: Path,
                                                                                      order: list[str]) -> None:
    root = make_demo_app(tmp_path)
    path_before = os.environ.get("PATH")
    session = Session(root, demo=True)
    session.load(run_tools=False, defer_sources=True)
    assert session.clusters() == []  # the copy has no clusters before its world
    app = WizardApp(session, start_world=True)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await h.settle(pilot)
            assert order == ["painted", "world", "sources"]
            world = session.world
            assert world is not None and session.stand_ins
            assert [c["name"] for c in session.clusters()] == world.service_account_clusters  # configs read again
            assert session.answers.tenant == world.tenant  # pointed at the stand-in console
            assert DEMO_LABEL[:30] in h.screen_text(pilot)  # the banner, once the world is there
            assert os.environ["PATH"].split(os.pathsep)[0] == str(root.parent / "bin")
            await h.welcome_continue(pilot, "migrate")
    finally:
        assert app.stop_world is not None
        app.stop_world()
    assert os.environ.get("PATH") == path_before
    with pytest.raises(OSError):
        import urllib.request

        urllib.request.urlopen(world.backend_url, timeout=2)  # stopped: the port is closed
