"""Planning helpers: answers, plans and what they would write, in-process (no CLI)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.configs import DEFAULT_ANSWERS
from wizard.core import answers as answers_mod
from wizard.core import configset
from wizard.core import plan as plan_mod
from wizard.core import repo as repo_mod


def load_answers(data: dict[str, Any] | None = None) -> answers_mod.Answers:
    return answers_mod.validate(DEFAULT_ANSWERS if data is None else data, "answers.yaml")


def make_plan(root: Path, answers: dict[str, Any] | None = None, configs: list[str] | None = None,
              skip_install: bool = True, run_tools: bool = False) -> plan_mod.Plan:
    info = repo_mod.inspect(root, run_tools=run_tools)
    cs = configset.load(root, configs)
    return plan_mod.make_plan(info, cs, load_answers(answers), skip_install=skip_install)


def planned_text(root: Path, answers: dict[str, Any] | None = None, rel: str = "app-config.yaml",
                 configs: list[str] | None = None) -> str:
    """The text `rel` would have after the plan (its current text when the plan leaves it)."""
    p = make_plan(root, answers, configs)
    for ch in p.changes:
        if ch.rel == rel:
            return ch.after
    return (root / rel).read_bytes().decode("utf-8")


def planned_after(root: Path, answers: dict[str, Any], rel: str = "app-config.yaml") -> str:
    """The text apply would write to `rel` (in-process plan); the plan must change it."""
    p = plan_mod.make_plan(repo_mod.inspect(root, run_tools=False), configset.load(root),
                           answers_mod.validate(answers), skip_install=True)
    for ch in p.changes:
        if ch.rel == rel:
            return ch.after
    raise AssertionError(f"the plan does not change {rel}")


def write_plan(root: Path, plan: plan_mod.Plan) -> None:
    """Write a plan's result directly (no backups): for idempotence checks on the written text."""
    for ch in plan.changes:
        with open(ch.path, "w", encoding="utf-8", newline="") as fh:
            fh.write(ch.after)


def assert_idempotent(root: Path, answers: dict[str, Any] | None = None, configs: list[str] | None = None) -> plan_mod.Plan:
    """Plan, write the result, plan again: the second plan must change nothing."""
    first = make_plan(root, answers, configs)
    write_plan(root, first)
    second = make_plan(root, answers, configs)
    assert second.changes == [], "second plan not empty:\n" + "".join(c.diff(masked=False) for c in second.changes)
    return first
