"""One module per wizard step (`wizard.tui.screens.<step>`, class `<Step>Screen`), each with its .tcss
beside it: the step list of wizard.session.steps says which exist.

The app asks for a screen by name and gets it built on first use (`lazy_screens`): before the first
paint only the Welcome screen's module is imported.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from wizard.session.steps import STEPS


def screen_class(name: str) -> type:
    return getattr(importlib.import_module(f"wizard.tui.screens.{name}"), f"{name.capitalize()}Screen")  # type: ignore[no-any-return]


def lazy_screens() -> dict[str, Callable[[], object]]:
    """For App.SCREENS: each screen is imported and built the first time the flow reaches it."""
    return {name: (lambda name=name: screen_class(name)()) for name in STEPS}
