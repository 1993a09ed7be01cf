"""Fixtures of the command-line tests (built on tests/support; `tools` comes from tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.tools import Tools

ANSWERS = (
    "# answers for the default app\n"
    "tenant: abc123\n"
    "clusters:\n"
    "  - name: my-cluster\n"
    "    url: https://my-cluster.example.com:6443\n"
    "    skipTLSVerify: true\n"
)


@pytest.fixture
def cli_tools(tools: Tools, monkeypatch: pytest.MonkeyPatch) -> Tools:
    """node v22.3.0 and Yarn 4.13.0, the only tools on PATH; NO_COLOR=1."""
    monkeypatch.setenv("NO_COLOR", "1")
    tools.node("v22.3.0")
    tools.yarn("4.13.0")
    return tools


@pytest.fixture
def answers_file(tmp_path: Path) -> Path:
    """Answers for the default app: tenant abc123, one cluster (skipTLSVerify)."""
    p = tmp_path / "answers.yaml"
    p.write_text(ANSWERS)
    return p
