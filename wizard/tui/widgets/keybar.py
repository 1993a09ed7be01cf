"""The key bar at the bottom of every screen: the keys the screen offers now, on one line.

Textual's Footer builds a widget per key and rebuilds them whenever the focus moves; before the
first paint that was the largest single cost of the Welcome screen. This draws the same line as one
widget and redraws it when the screen's bindings change. A click on a key runs its action.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import events
from textual.content import Content
from textual.widget import Widget


@dataclass
class _Key:
    shown: str
    description: str
    action: str
    node: Any
    enabled: bool
    start: int = 0
    end: int = 0


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $panel; }
    """

    def on_mount(self) -> None:
        self.keys: list[_Key] = []
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: Any) -> None:
        self.refresh()

    def _collect(self) -> list[_Key]:
        seen: set[str] = set()
        out: list[_Key] = []
        for node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)  # several keys, one action: the first key says it
            out.append(_Key(self.app.get_key_display(binding), binding.description, binding.action, node, enabled))
        return out

    def render(self) -> Content:
        self.keys = self._collect()
        parts: list[tuple[str, str] | str] = []
        at = 0
        for k in self.keys:
            key, desc = f" {k.shown} ", f"{k.description} "
            k.start, k.end = at, at + len(key) + len(desc)
            at = k.end
            parts.append((key, "bold $accent" if k.enabled else "$text-disabled"))
            parts.append((desc, "$foreground" if k.enabled else "$text-disabled"))
        return Content.assemble(*parts)

    async def on_click(self, event: events.Click) -> None:
        hit = next((k for k in self.keys if k.start <= event.x < k.end and k.enabled), None)
        if hit is not None:
            await self.app.run_action(hit.action, hit.node)
