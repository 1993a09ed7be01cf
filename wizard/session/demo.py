"""`--demo` as the session offers it to the front ends (which never import wizard.demo themselves):
a fresh copy of the bundled sample app (templates/demo-app), and the demo's world of local stand-ins
(wizard/demo/world.py), imported only when a demo runs."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.demo.app import TOOLS_NOTE, make_demo_app

if TYPE_CHECKING:
    from wizard.demo.world import DemoWorld


def demo_run(parent: Path | None = None) -> AbstractContextManager[tuple[Path, DemoWorld]]:
    """`with demo_run() as (root, world):` the world started, a fresh demo app on it, the stand-in
    tools on PATH and the demo's variables set; all stopped and restored on the way out."""
    from wizard.demo.world import demo_run as run

    return run(parent)


def demo_label() -> str:
    from wizard.demo.world import DEMO_LABEL

    return DEMO_LABEL


__all__ = ["TOOLS_NOTE", "demo_label", "demo_run", "make_demo_app"]
