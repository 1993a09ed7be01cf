"""SVG snapshots of every screen at 100x30 and 80x24 (pytest-textual-snapshot).

Deterministic: fake node/yarn with fixed versions, the app copied to a fixed path (the Welcome screen
shows it), a frozen backup timestamp, and every remote check aimed at a closed loopback port (the
OIDC provider through the console URL, the backend through the Verify screen's URL field, the
cluster through its URL), so verify always ends with the same refusals.

Regenerate with `pytest tests/tui --snapshot-update` and look at the SVGs before committing them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support import configs, repos
from tests.support import pilot as h
from wizard.session.steps import STEPS

SCREENS = [*STEPS, "help"]  # every step of the one list, and the first one's help


async def open_screen(pilot, target: str) -> None:
    """Bring the wizard to `target` with the answers the walks in test_flows.py produce.

    The walks themselves are tested there; here the steps before the target are taken directly
    (as the step indicator does) so that twenty snapshots stay fast. Each screen still runs its own
    workers: checks, plan, apply, verify.
    """
    app = pilot.app
    await h.settle(pilot)
    if target == "welcome":
        return
    if target == "help":
        await pilot.press("f1")
        await pilot.pause()
        return
    if target == "prereqs":
        await h.welcome_continue(pilot)
        return
    if target == "inventory":
        await h.jump_to(pilot, "inventory", path="migrate")
        return
    if target == "tenant":
        await h.jump_to(pilot, "tenant")
        return
    if target == "clusters":
        h.give_answers(app, cluster=False)
        await h.jump_to(pilot, "clusters")
        await h.add_cluster(pilot, "my-cluster", f"https://127.0.0.1:{h.CLOSED_PORT}")
        return
    h.give_answers(app)
    if target == "deployment":
        await h.jump_to(pilot, "deployment")  # the app holds a chart values file (test_screen copied it)
        return
    await h.jump_to(pilot, "review")
    if target == "review":
        return
    await h.review_apply(pilot)
    if target == "apply":
        return
    if target == "restart":
        await h.settle(pilot)
        await h.click(pilot, "#continue")
        return
    await h.apply_continue(pilot)
    await h.verify_against_closed_port(pilot)
    if target == "verify":
        return
    await h.click(pilot, "#continue")
    assert target == "summary"


@pytest.mark.parametrize("size", list(h.SIZES))
@pytest.mark.parametrize("screen", SCREENS)
def test_screen(screen: str, size: str, snapshot_app: Path, closed_port: int, snap_compare) -> None:
    if screen == "inventory":
        repos.set_kubernetes(snapshot_app, configs.LEGACY_KUBERNETES)
    if screen == "deployment":
        from tests.support.production import FIXTURES

        (snapshot_app / "deploy").mkdir()
        shutil.copyfile(FIXTURES / "helm" / "values-trap.yaml", snapshot_app / "deploy" / "values.yaml")
    app = h.make_app(snapshot_app)

    async def run_before(pilot) -> None:
        await open_screen(pilot, screen)
        expected = "welcome" if screen == "help" else screen
        assert h.screen_name(pilot) == expected
        await h.at_rest(pilot)

    assert snap_compare(app, terminal_size=h.SIZES[size], run_before=run_before)
