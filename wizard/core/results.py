"""The result of one check, shared by `check`, `verify`, the TUI and the report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["ok", "warn", "fail", "skip"]
STATUSES: tuple[Status, ...] = ("ok", "warn", "fail", "skip")


@dataclass
class CheckResult:
    """One line of `check` or `verify` output.

    `hint` is the id of an entry of the troubleshooting catalog (templates/hints/*.yaml), set whenever
    the status is not ok. `detail` says what was looked at and what was found; it never holds a
    secret value. `data` carries structured extras (cluster names, versions) for front ends.
    """

    id: str
    status: Status
    summary: str
    detail: str = ""
    hint: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    # values for the placeholders of the hint's steps (e.g. the exact install command); not output
    hint_vars: dict[str, str] = field(default_factory=dict, repr=False)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("hint_vars", None)
        if not out["data"]:
            out.pop("data")
        return out


def overall_ok(results: list[CheckResult]) -> bool:
    """`ok` of the JSON output: false as soon as one check failed."""
    return not any(r.status == "fail" for r in results)


def checks_json(results: list[CheckResult], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    from wizard.core.hints import catalog

    cat = catalog()
    hints: dict[str, Any] = {}
    for r in results:
        if r.hint and r.hint not in hints:
            h = cat.get(r.hint)
            hints[r.hint] = {"title": h.title if h else r.hint, "text": h.render(r.hint_vars) if h else ""}
    out: dict[str, Any] = {"ok": not any(r.status == "fail" for r in results), "checks": [r.to_json() for r in results], "hints": hints}
    if extra:
        out.update(extra)
    return out
