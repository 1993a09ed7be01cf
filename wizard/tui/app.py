"""The Textual wizard: a thin front end over `wizard.session.Session`.

Screens never edit YAML and never call a remote client; they fill the session's answers and ask it
for checks, plans, apply, undo and verify. The steps and their order come from the session's table.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding

from wizard.session import STEPS, Session
from wizard.session.steps import next_step, previous_step
from wizard.tui.screens import lazy_screens


class WizardApp(App):
    # the Welcome screen's styles are read with the app's: a screen's own CSS file read when it is first
    # shown makes Textual parse every stylesheet again, before the first paint (the other screens' files
    # are read when the flow reaches them)
    CSS_PATH = ["app.tcss", "screens/welcome.tcss"]
    TITLE = "spectro-wizard"
    # the command palette only offers themes and screenshots here; its key and footer room go to the steps
    ENABLE_COMMAND_PALETTE = False
    # below 140 columns screens stack side-by-side panels (Prerequisites: the checks over their hint)
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (140, "-wide")]
    # below 30 rows forms drop the blank line between fields
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    BINDINGS = [
        Binding("ctrl+s", "save", "Save answers"),
        Binding("ctrl+q", "request_quit", "Quit", priority=True),
        Binding("ctrl+c", "request_quit", "Quit", show=False, priority=True),  # as Ctrl+Q: asks when unsaved
    ]

    def __init__(self, session: Session, start_world: bool = False):
        super().__init__()
        self.session = session
        self.reached: set[str] = set()
        self.current = "welcome"
        self.dirty = False
        self.apply_requested = False  # Review asked Apply to write the session's plan
        # what the first screen is drawn without, done right after it is: the demo's world started
        # (`start_world`), the config files and the TypeScript sources read (a session loaded with
        # defer_configs, defer_sources)
        self.start_world = start_world
        self.started = threading.Event()  # that work is done (or there was none)
        self.stop_world: Callable[[], None] | None = None  # stops the world started here

    # ---- flow ------------------------------------------------------------------------------
    @property
    def flow(self) -> tuple[str, ...]:
        return self.session.steps

    def step_titles(self) -> list[tuple[str, str]]:
        return [(s, STEPS[s].title) for s in self.flow]

    SCREENS = lazy_screens()  # built the first time the flow reaches them

    def breakpoint_classes(self) -> dict[str, bool]:
        """Each class of HORIZONTAL_BREAKPOINTS and VERTICAL_BREAKPOINTS, and whether a screen of the
        terminal's size has it (as Textual sets them when a screen is resized)."""
        classes: dict[str, bool] = {}
        for dimension, points in ((self.size.width, self.HORIZONTAL_BREAKPOINTS or []),
                                  (self.size.height, self.VERTICAL_BREAKPOINTS or [])):
            chosen = next((name for at, name in sorted(points, reverse=True) if dimension >= at), None)
            classes.update({name: name == chosen for _, name in points})
        return classes

    def on_mount(self) -> None:
        self.push_screen("welcome")
        info = self.session.info
        if self.start_world or not self.session.configs_read or (info is not None and not info.sources_read):
            self.call_after_refresh(self._after_first_paint)
        else:
            self.started.set()

    def _after_first_paint(self) -> None:
        self.run_worker(self._start, thread=True, group="startup", exit_on_error=False)

    def _start(self) -> None:
        try:
            if self.start_world:
                self.stop_world = self.session.start_demo_world()
            self.session.read_configs()
            if self.session.info is not None:
                self.session.info.read_sources()
        finally:
            self.started.set()

    def on_worker_state_changed(self, event: Any) -> None:
        if event.worker.group != "startup" or not event.worker.is_finished:
            return
        if event.worker.error is not None:
            self.notify(f"could not start: {event.worker.error}", severity="error")
        # the first screen's facts, now with what was read after it was drawn
        welcome = self.get_screen("welcome")
        refresh = getattr(welcome, "refresh_facts", None)
        if callable(refresh) and welcome.is_mounted:
            refresh()

    def goto(self, name: str) -> None:
        if name == self.current:
            return
        self.started.wait()  # a step after the first needs what is read (or started) after it is drawn
        if self.current in self.flow:
            self.reached.add(self.current)
        self.current = name
        self.switch_screen(name)

    def next(self) -> None:
        step = next_step(self.session.path, self.current)
        if step is not None:
            self.goto(step)

    def back(self) -> None:
        step = previous_step(self.session.path, self.current)
        if step is not None:
            self.goto(step)

    def mark_dirty(self) -> None:
        # answers are saved as you go once they are complete enough to replay; until then they
        # count as unsaved (Ctrl+Q asks)
        self.dirty = not self.session.autosave()

    # ---- global actions --------------------------------------------------------------------
    def action_save(self) -> None:
        problem = self.session.answers_problem()
        if problem is not None:
            # an incomplete file could not be resumed or replayed: say what is missing instead
            self.notify(f"not saved yet: {problem}", severity="warning")
            return
        try:
            path = self.session.save_answers()
        except Exception as exc:  # noqa: BLE001 - shown to the user, not raised
            self.notify(f"could not save the answers: {exc}", severity="error")
            return
        self.dirty = False
        rel = path.relative_to(self.session.root) if path.is_relative_to(self.session.root) else path
        self.notify(f"answers saved to {rel} (no secrets in it)")

    def action_request_quit(self) -> None:
        from wizard.tui.widgets.modals import ConfirmScreen  # a dialog: not needed before the first paint

        if isinstance(self.screen, ConfirmScreen):
            return  # the question is already on screen
        if not self.dirty:
            self.exit(0)
            return

        def done(yes: bool | None) -> None:
            if yes:
                self.exit(0)

        self.push_screen(ConfirmScreen("Your answers are not saved (Ctrl+S saves them). Quit anyway?", "Quit", "Stay"), done)


def run_tui(root: Path, config_names: list[str] | None = None, demo: bool = False, world: Any = None,
            start_world: bool = False) -> int:
    """`start_world` (--demo): `root` is a fresh demo copy whose world the app starts once the first
    screen is drawn, and stops on the way out."""
    session = Session(root, config_names, demo=demo, world=world)
    if world is not None:
        world.prefill(session.answers)
    # the Prerequisites step runs node/yarn, and the config files, index.ts and App.tsx are parsed after
    # the first paint: the first screen need not wait
    session.load(run_tools=False, defer_sources=True, defer_configs=True)
    app = WizardApp(session, start_world=start_world)
    try:
        result = app.run()
    finally:
        app.started.wait(60)  # a world still starting is stopped once it has
        if app.stop_world is not None:
            app.stop_world()
    return int(result or 0)
