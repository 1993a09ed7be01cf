"""One module per wizard step; each has its .tcss beside it.

The app asks for a screen by name and gets it built on first use (`lazy_screens`): before the first
paint only the Welcome screen's module is imported.
"""

from __future__ import annotations

import importlib
from typing import Callable

# step name -> (module in this package, class)
MODULES: dict[str, tuple[str, str]] = {
    "welcome": ("welcome", "WelcomeScreen"),
    "prereqs": ("prereqs", "PrereqsScreen"),
    "inventory": ("inventory", "InventoryScreen"),
    "tenant": ("tenant", "TenantScreen"),
    "clusters": ("clusters", "ClustersScreen"),
    "review": ("review", "ReviewScreen"),
    "apply": ("apply", "ApplyScreen"),
    "restart": ("restart", "RestartScreen"),
    "verify": ("verify", "VerifyScreen"),
    "summary": ("summary", "SummaryScreen"),
}


def screen_class(name: str) -> type:
    module, cls = MODULES[name]
    return getattr(importlib.import_module(f"wizard.tui.screens.{module}"), cls)


def lazy_screens() -> dict[str, Callable[[], object]]:
    """For App.SCREENS: each screen is imported and built the first time the flow reaches it."""
    return {name: (lambda name=name: screen_class(name)()) for name in MODULES}

