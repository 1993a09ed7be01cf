"""Every button has a key, and the button says which.

A screen (or dialog) declares `BUTTON_KEYS = {"continue": "ctrl+n", ...}`: button id -> key. The
mixin turns that into priority bindings (so the key works even while an Input has the focus; the keys
are chosen among those Textual's Input leaves free) and, on mount, writes the key after each button's
label ("Continue ^n"), in the footer's own notation. Several buttons may share a key when only one
of them is usable at a time (Restart's "Wait" and "Continue"): the key presses the first one that is
shown and enabled.
"""

from __future__ import annotations

from collections import defaultdict
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Button

# Textual's Input binds ctrl+a/c/d/e/k/u/v/w/x (and ctrl+j/h/i/m are Enter/Backspace/Tab in a
# terminal): a priority binding on one of them would steal an editing key
FREE_CTRL_KEYS = frozenset({"ctrl+b", "ctrl+f", "ctrl+g", "ctrl+l", "ctrl+n", "ctrl+o", "ctrl+p",
                            "ctrl+r", "ctrl+t", "ctrl+y", "ctrl+z"})


def key_bindings(button_keys: dict[str, str]) -> list[Binding]:
    by_key: dict[str, list[str]] = defaultdict(list)
    for button_id, key in button_keys.items():
        by_key[key].append(button_id)
    return [Binding(key, f"press_button({','.join(ids)!r})", ids[0].replace("-", " ").capitalize(),
                    show=False, priority=key.startswith("ctrl+") or key.startswith("f"))
            for key, ids in by_key.items()]


class ButtonKeys:
    """Mixin for Screen/ModalScreen subclasses: keys for buttons, shown on the buttons."""

    BUTTON_KEYS: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs):
        # before Textual's own __init_subclass__, which merges the class's BINDINGS
        own = cls.__dict__.get("BUTTON_KEYS")
        if own:
            cls.BINDINGS = list(cls.__dict__.get("BINDINGS", [])) + key_bindings(own)
        super().__init_subclass__(**kwargs)

    def label_buttons(self) -> None:
        """Append each button's key to its label (idempotent: a relabelled button gets it again)."""
        for button in self.query(Button):  # type: ignore[attr-defined]
            key = self.BUTTON_KEYS.get(button.id or "")
            if key is None:
                continue
            shown = self.app.get_key_display(Binding(key, ""))  # type: ignore[attr-defined]
            plain = str(button.label)
            if plain.endswith(f" {shown}"):
                continue
            button.label = Text.assemble(plain, " ", (shown, "dim"))

    def on_mount(self) -> None:
        self.label_buttons()

    def action_press_button(self, ids: str) -> None:
        for button_id in ids.split(","):
            found = self.query(f"#{button_id}").results(Button)  # type: ignore[attr-defined]
            for button in found:
                if button.display and not button.disabled:
                    button.press()
                    return
