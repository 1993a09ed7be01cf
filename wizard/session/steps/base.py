"""What every step controller shares: its step's words, its fields (the core's field specs) and the one
way a value is judged.

A front end draws a controller: the fields it declares (label, placeholder, rule from
`wizard.core.fields`), the defaults it computes, the views it returns (typed rows and outcomes), and the
sentences its `submit` returns when it refuses. The front end decides nothing: an empty step, a bad
value, what a tick means, what comes next — the controller says.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from wizard.core import fields

if TYPE_CHECKING:
    from wizard.session.session import Session


@dataclass(frozen=True)
class Field:
    """A field as a front end draws it: the core's spec (label, placeholder, rule) and its value now."""

    key: str
    label: str
    placeholder: str
    value: str
    optional: bool = False


class StepController:
    name: ClassVar[str] = ""
    heading: ClassVar[str] = ""  # the step's title in full (the step line shows its short title)
    help: ClassVar[str] = ""  # what the step does, for F1 (Markdown); a front end may add its own keys
    field_keys: ClassVar[tuple[str, ...]] = ()

    def __init__(self, session: Session):
        self.s = session

    @property
    def title(self) -> str:
        from wizard.session.steps import STEPS

        return STEPS[self.name].title

    @property
    def purpose(self) -> str:
        from wizard.session.steps import STEPS

        return STEPS[self.name].purpose

    # ---- fields -------------------------------------------------------------------------------
    def defaults(self) -> dict[str, str]:
        """The value each field starts with (the answers so far, else what the config implies)."""
        return {}

    def fields(self) -> list[Field]:
        values = self.defaults()
        out = []
        for key in self.field_keys:
            spec = fields.FIELDS[key]
            out.append(Field(key, spec.label, spec.placeholder or spec.default or "", values.get(key, "")))
        return out

    @property
    def base_dir(self) -> Path:
        return self.s.root

    def problem(self, key: str, value: str, optional: bool = False) -> str | None:
        """The one verdict on a value (the answers file, the TUI and plain mode give the same sentence)."""
        if optional and not value.strip():
            return None
        why = fields.problem(key, value, self.base_dir)
        return None if why is None else f"{key}: {why}"

    def problems(self, values: dict[str, str]) -> dict[str, str]:
        """Every field's problem, by key (empty when all are good)."""
        return {k: p for k in self.field_keys if (p := self.problem(k, values.get(k, ""))) is not None}
