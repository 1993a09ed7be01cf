"""Fixtures of the core tests (built on tests/support; `tools` comes from tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.tools import Tools
from wizard.core import facts


@pytest.fixture
def env_vars(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SpectroCloud client credentials the config refers to are set."""
    monkeypatch.setenv("SPECTROCLOUD_CLIENT_ID", "id")
    monkeypatch.setenv("SPECTROCLOUD_CLIENT_SECRET", "secret")


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME is an empty tmp_path/home: no ~/.npmrc of this machine is read."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("NPM_CONFIG_USERCONFIG", raising=False)
    monkeypatch.delenv("npm_config_userconfig", raising=False)
    return home


@pytest.fixture
def registry_tools(tools: Tools, isolated_home: Path) -> Tools:
    """The stand-ins as registry clients (none written yet: the test installs yarn/npm/pnpm): the
    registry is https://registry.example/ and only the auth backend package (0.8.0) is on it."""
    return tools.set(registry="https://registry.example/", known={facts.AUTH_BACKEND_PKG: "0.8.0"}, only_known=True)
