"""Fixtures of the TUI tests: fixture Backstage apps and deterministic tools.

Tool detection must not depend on this machine: the stand-in `node` (v22.11.0) and `yarn` (4.13.0) of
tests/support/tools.py go first on PATH. The @terasky packages are not on this machine's registry (and
the tests must not touch the network); FAKE_YARN_FAIL=1 makes the stand-in's installs fail.
`demo_app` comes from tests/conftest.py.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import configs, net, pilot, repos
from tests.support.tools import FAIL_ENV, Tools

# environment variables that would change what the screens show or do
_ENV_TO_CLEAR = [
    "NO_COLOR", "FORCE_COLOR", "TEXTUAL", "TEXTUAL_THEME", "COLORTERM",
    "SPECTROCLOUD_CLIENT_ID", "SPECTROCLOUD_CLIENT_SECRET", "SPECTROCLOUD_API_TOKEN",
    "BACKSTAGE_TOKEN", "KUBECONFIG", "LEGACY_TOKEN", FAIL_ENV,
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
]


@pytest.fixture(scope="session")
def fake_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # steps=False: the install output the Apply snapshots show is the banner and "Done" lines only
    tools = Tools(tmp_path_factory.mktemp("fakebin"), steps=False)
    tools.node("v22.11.0")
    tools.yarn("4.13.0")
    return tools.bin_dir


@pytest.fixture(autouse=True)
def tui_env(monkeypatch: pytest.MonkeyPatch, fake_bin: Path) -> None:
    """Every TUI test: fake node/yarn first on PATH, no colour/secret/proxy variables from the shell."""
    for name in _ENV_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATH", f"{fake_bin}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("NO_PROXY", "*")


@pytest.fixture(scope="session")
def closed_port() -> int:
    """The loopback port the verify tests aim at must refuse connections (deterministic failures)."""
    if not net.port_refuses(net.CLOSED_PORT):
        pytest.skip(f"127.0.0.1:{net.CLOSED_PORT} accepts connections here; the verify tests need it closed")
    return net.CLOSED_PORT


@pytest.fixture
def legacy_app(tmp_path: Path) -> Path:
    """The demo app with two clusters on service-account tokens (the migration case)."""
    return repos.make_repo(tmp_path, "backstage-app", preset="demo", kubernetes=configs.LEGACY_KUBERNETES)


@pytest.fixture
def snapshot_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The demo app at a FIXED path (the Welcome screen shows it), recreated for each snapshot.

    The path is the machine's, not the run's: a second test run at the same time (another checkout)
    waits for the lock instead of deleting the app under this one's snapshot.
    """
    root = Path(pilot.SNAPSHOT_ROOT)
    with open(f"{root.parent}.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if root.parent.exists():
            shutil.rmtree(root.parent)
        repos.make_repo(root.parent, root.name, preset="demo")
        pilot.freeze_backup_clock(monkeypatch)
        yield root
