"""Assertions on check results (the remote checks): well formed, hint in the catalog, never a secret."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from ruamel.yaml import YAML

from tests.support.doubles import ALL_SECRETS
from wizard.core.results import STATUSES, CheckResult

HINTS_FILE = Path(__file__).resolve().parents[2] / "templates" / "hints" / "remote.yaml"


@lru_cache(maxsize=1)
def catalog_ids() -> frozenset[str]:
    return frozenset(entry["id"] for entry in YAML(typ="safe").load(HINTS_FILE.read_text()))


def assert_no_secret(text: str) -> None:
    for secret in ALL_SECRETS:
        assert secret not in text, f"a secret leaked: ...{secret[-12:]}"


def checked(result: CheckResult, check_id: str | None = None, status: str | None = None,
            hint: str | None = None) -> CheckResult:
    """Validate one result (id, status, hint in the catalog, no secrets) and return it for more asserts."""
    assert result.status in STATUSES
    if check_id is not None:
        assert result.id == check_id
    if status is not None:
        assert result.status == status, f"{result.status}: {result.summary} / {result.detail}"
    if hint is not None:
        assert result.hint == hint, f"hint {result.hint!r}: {result.detail}"
    if result.status in ("warn", "fail"):
        assert result.hint in catalog_ids(), f"hint {result.hint!r} has no catalog entry"
    assert result.summary and "\n" not in result.summary
    assert_no_secret(json.dumps(result.to_json()))
    assert_no_secret(repr(result))
    return result


def url_host(url: str) -> str:
    return re.sub(r"^\w+://", "", url)
