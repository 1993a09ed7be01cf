"""Fixtures of the session and report tests (built on tests/support; `demo_app`, `stand_ins` and
`migration_repo` come from tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import repos
from tests.support.secrets import CONFIG, ENV_SECRETS


@pytest.fixture
def secrets_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The migration app whose only config is tests/support/secrets.CONFIG (a literal secret in every
    position an app-config allows), with ENV_SECRETS in the environment."""
    for k, v in ENV_SECRETS.items():
        monkeypatch.setenv(k, v)
    return repos.make_repo(tmp_path, "app", preset="migration", app_config=CONFIG, local=None)
