"""Textual pilot steps and app set-up shared by the TUI tests, the snapshot tests and test_one_validation.

Every remote endpoint the walks set is the closed loopback port (net.CLOSED_PORT), so the checks fail
the same way on every run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input

from tests.support.net import CLOSED_PORT, CLOSED_URL
from wizard.session import Session
from wizard.tui.app import WizardApp
from wizard.tui.widgets.rowlist import RowList

SNAPSHOT_ROOT = "/tmp/spectro-wizard-snapshot/backstage-app"
SIZES = {"100x30": (100, 30), "80x24": (80, 24)}


class _FrozenDatetime(datetime):
    @classmethod
    def now(cls, tz=None):  # the backup directory name and manifest time
        return datetime(2025, 1, 2, 3, 4, 5, 0, tzinfo=UTC)


def freeze_backup_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backups go to .spectro-wizard/backups/<timestamp>/; the Apply screen shows it."""
    import wizard.core.apply as apply_mod

    monkeypatch.setattr(apply_mod, "datetime", _FrozenDatetime)


def make_app(root: Path, demo: bool = False, install: bool | None = None) -> WizardApp:
    session = Session(root, demo=demo)
    session.load()
    if install is not None:
        session.answers.installPackage = install
    return WizardApp(session)


# ---- pilot steps ---------------------------------------------------------------------------

async def settle(pilot: Pilot) -> None:
    """Wait until no worker runs (a worker's callback can start another, hence the loop)."""
    app = pilot.app
    for _ in range(10):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            return
    raise AssertionError("workers keep starting: " + ", ".join(w.name for w in app.workers if w.is_running))


async def activate(pilot: Pilot, selector: str) -> None:
    """Focus a button and press Enter, as a keyboard user does, then wait until what it started is
    over. Unlike a mouse click it cannot land beside the button while the layout is still moving
    (an error line appearing above it shifts it on a busy machine)."""
    widget = pilot.app.screen.query_one(selector)
    widget.focus()
    # the focus moves on the next turn of the message loop (and a worker may still move it): wait
    # for it to be there before Enter, or the key goes to the widget that had it
    for _ in range(50):
        await pilot.pause()
        if pilot.app.focused is widget:
            break
        widget.focus()
    else:
        raise AssertionError(f"{selector} never took the focus (it is on {pilot.app.focused!r})")
    # a Button ignores Enter for 0.2 s after a press (its pressed look): a test pressing it again
    # sooner would press nothing on a fast machine, and sometimes on a slow one
    await wait_for(pilot, lambda: not widget.has_class("-active"), f"{selector} to look released")
    await pilot.press("enter")
    await settle(pilot)


async def click(pilot: Pilot, target, offset: tuple[int, int] = (0, 0)) -> None:
    """Click like a user, then wait until what the click started is over (its message bubbled up,
    the workers it started are done). A Button ignores clicks for 0.2 s after a press: wait for it
    to look released first, or a second click on it (Continue refused, then Continue) does nothing."""
    widget = pilot.app.screen.query_one(target) if isinstance(target, str) else target
    if isinstance(widget, Button):
        await wait_for(pilot, lambda: not widget.has_class("-active"), f"{target} to look released")
    await pilot.click(target, offset=offset)
    await settle(pilot)


async def wait_for(pilot: Pilot, condition, what: str, rounds: int = 200) -> None:
    """Let the app run until `condition()` holds (a message still in the queue, a label being set):
    the state the test asserts next, however busy the machine is. Fails naming `what`."""
    for _ in range(rounds):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"never happened: {what}")


async def at_rest(pilot: Pilot) -> None:
    """No button is still showing its 0.2 s pressed look (a snapshot must not catch it on a busy
    machine) and no worker runs."""
    await settle(pilot)
    await wait_for(pilot, lambda: not pilot.app.screen.query(".-active"), "the pressed buttons to look released")
    # a DataTable measures its columns for the rows just added when its message queue is next idle: a
    # snapshot taken before that (a busy machine) draws every column as wide as its header
    await wait_for(pilot, lambda: tables_measured(pilot.app), "the tables to measure their new rows")


def tables_measured(app) -> bool:
    from textual.widgets import DataTable

    # private state of Textual's DataTable (as of 8.2): rows added or cells updated and not yet measured
    return not any(
        getattr(t, "_require_update_dimensions", False) or getattr(t, "_updated_cells", None)
        for t in app.screen.query(DataTable)
    )


def screen_name(pilot: Pilot) -> str:
    return pilot.app.current  # type: ignore[attr-defined]


async def welcome_continue(pilot: Pilot, path: str = "setup") -> None:
    assert screen_name(pilot) == "welcome"
    await click(pilot, f"#path-{path}")
    assert screen_name(pilot) == "prereqs"


async def prereqs_continue(pilot: Pilot) -> None:
    assert screen_name(pilot) == "prereqs"
    await settle(pilot)
    await click(pilot, "#continue")


async def type_into(pilot: Pilot, selector: str, text: str) -> None:
    """Focus an Input, clear it and type `text` key by key (slow: use for what the test is about)."""
    inp = pilot.app.screen.query_one(selector, Input)
    inp.focus()
    inp.clear()
    await pilot.pause()
    await pilot.press(*[c if c != " " else "space" for c in text])
    await pilot.pause()


async def set_input(pilot: Pilot, selector: str, text: str) -> None:
    """Focus an Input and set its value at once (what a paste does): posts Input.Changed."""
    inp = pilot.app.screen.query_one(selector, Input)
    inp.focus()
    inp.value = text
    inp.cursor_position = len(text)
    await pilot.pause()


async def fill_tenant(pilot: Pilot, tenant: str = "acme", console_url: str | None = CLOSED_URL) -> None:
    """The Tenant screen; the console URL (so the OIDC checks) points at a closed local port."""
    assert screen_name(pilot) == "tenant"
    if console_url is not None:
        await set_input(pilot, "#consoleUrl", console_url)
    await set_input(pilot, "#tenant", tenant)
    await click(pilot, "#continue")


async def add_cluster(pilot: Pilot, name: str, url: str, skip_tls: bool = True) -> None:
    assert screen_name(pilot) == "clusters"
    await click(pilot, "#add")
    await set_input(pilot, "#name", name)
    await set_input(pilot, "#url", url)
    if skip_tls:
        await click(pilot, "#skip")
    await click(pilot, "#ok")


async def clusters_continue(pilot: Pilot) -> None:
    assert screen_name(pilot) == "clusters"
    await click(pilot, "#continue")


async def deployment_continue(pilot: Pilot) -> None:
    """The Production step on its default: the repo's one deployment, or "not deployed from this repo"."""
    assert screen_name(pilot) == "deployment"
    await click(pilot, "#continue")


async def review_apply(pilot: Pilot) -> None:
    assert screen_name(pilot) == "review"
    await settle(pilot)
    await click(pilot, "#apply")


async def apply_continue(pilot: Pilot) -> None:
    """Apply -> Restart -> (skip the wait) -> Verify: the walks test the restart step on its own."""
    assert screen_name(pilot) == "apply"
    await settle(pilot)
    await click(pilot, "#continue")
    assert screen_name(pilot) == "restart"
    await click(pilot, "#skip")
    assert screen_name(pilot) == "verify"


async def verify_against_closed_port(pilot: Pilot) -> None:
    """The Verify screen runs on arrival against backend.baseUrl; run it again at a closed port."""
    assert screen_name(pilot) == "verify"
    await settle(pilot)
    await set_input(pilot, "#backend-url", CLOSED_URL)
    await click(pilot, "#run")


def table_rows(pilot: Pilot, selector: str) -> list[list[str]]:
    """The rows of a DataTable, or of a RowList (the Clusters screen's list), which has the same
    `row_count` and `get_row_at`."""
    table = pilot.app.screen.query_one(selector)
    assert isinstance(table, (DataTable, RowList)), table
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def screen_text(pilot: Pilot) -> str:
    """What the top screen shows, as plain text lines (for assertions on what the user sees)."""
    return "\n".join(strip.text.rstrip() for strip in pilot.app.screen._compositor.render_strips())


async def jump_to(pilot: Pilot, step: str, path: str = "setup") -> None:
    """Open `step` directly, as if the earlier steps were done (what clicking the step indicator does
    once they are): for tests about one screen, where walking every step would only cost time."""
    app = pilot.app
    app.session.path = path  # type: ignore[attr-defined]
    app.session.prefill_from_config()  # type: ignore[attr-defined]
    flow = app.flow  # type: ignore[attr-defined]
    app.reached.update(flow[: flow.index(step)])  # type: ignore[attr-defined]
    app.goto(step)  # type: ignore[attr-defined]
    await settle(pilot)
    assert screen_name(pilot) == step


def give_answers(app: WizardApp, cluster: bool = True) -> None:
    """The answers the Tenant and Clusters screens produce in the walks (tenant acme, one cluster),
    with every remote endpoint on the closed loopback port."""
    from wizard.core.answers import ClusterAnswer

    a = app.session.answers
    a.consoleUrl = CLOSED_URL
    a.tenant = "acme"
    if cluster:
        a.clusters = [ClusterAnswer(name="my-cluster", url=f"https://127.0.0.1:{CLOSED_PORT}", skipTLSVerify=True)]
    app.dirty = True
