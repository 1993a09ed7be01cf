"""Inputs checked by the session's field specs: the same rule and sentence as answers files and plain mode."""

from __future__ import annotations

from pathlib import Path

from textual.validation import ValidationResult, Validator

from wizard.core import fields


class FieldValidator(Validator):
    """Validates an Input with `wizard.core.fields.problem(key, value)`."""

    def __init__(self, key: str, base_dir: Path | None = None, optional: bool = False):
        super().__init__()
        self.key = key
        self.base_dir = base_dir
        self.optional = optional

    def validate(self, value: str) -> ValidationResult:
        if self.optional and not value.strip():
            return self.success()
        problem = fields.problem(self.key, value, self.base_dir)
        return self.success() if problem is None else self.failure(f"{self.key}: {problem}")


def field_problem(key: str, value: str, base_dir: Path | None = None) -> str | None:
    """The error line a form shows under a field (None when the value is good)."""
    problem = fields.problem(key, value, base_dir)
    return None if problem is None else f"{key}: {problem}"
