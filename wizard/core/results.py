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
    secret value: summary and detail go through the masker when the result is made (they quote
    servers' answers and config values), and `to_json` masks the strings of `data` too. `data`
    carries structured extras (cluster names, versions) for front ends.
    """

    id: str
    status: Status
    summary: str
    detail: str = ""
    hint: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    # values for the placeholders of the hint's steps (e.g. the exact install command); not output
    hint_vars: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        from wizard.core.mask import mask_text  # its patterns compile on import: not before a first screen

        self.summary = mask_text(self.summary)
        self.detail = mask_text(self.detail)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("hint_vars", None)
        if not out["data"]:
            out.pop("data")
        else:
            out["data"] = _masked(out["data"])
        return out


def _masked(value: Any) -> Any:
    """Every string of `data` through the masker (server answers land there: names, locations)."""
    if isinstance(value, str):
        from wizard.core.mask import mask_text

        return mask_text(value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_masked(v) for v in value]
    return value


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
