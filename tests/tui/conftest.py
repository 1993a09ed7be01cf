"""Fixtures for the TUI tests: fixture Backstage apps built in tmp_path and deterministic tools.

Tool detection must not depend on this machine: fake `node` and `yarn` executables go first on
PATH. The @terasky packages are not on this machine's registry (and the tests must not touch the
network), hence a stand-in `yarn` that only knows `--version` and `workspace <ws> add <pkg>`.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
from pathlib import Path

import pytest

from tests.tui import helpers

FAKE_NODE = """#!/bin/sh
echo v22.11.0
"""

# `yarn workspace app add PKG`: appends PKG to packages/<ws>/package.json, or fails when
# FAKE_YARN_FAIL=1 is set (like a registry that does not have the package).
FAKE_YARN = """#!{python}
import json, os, sys
from pathlib import Path

args = sys.argv[1:]
if args in (["--version"], ["-v"]):
    print("4.13.0")
    sys.exit(0)
if len(args) >= 4 and args[0] == "workspace" and args[2] == "add":
    ws, pkgs = args[1], args[3:]
    print(f"➤ YN0000: · Yarn 4.13.0 (fake) adding {{' '.join(pkgs)}} to {{ws}}")
    if os.environ.get("FAKE_YARN_FAIL") == "1":
        print(f"➤ YN0035: │ {{pkgs[0]}}@npm:latest: Package not found (fake registry)")
        print("➤ YN0000: · Failed with errors in 0s 1ms")
        sys.exit(1)
    root = Path.cwd()
    for pj in sorted(root.glob("packages/*/package.json")) + sorted(root.glob("plugins/*/package.json")):
        data = json.loads(pj.read_text(encoding="utf-8"))
        if data.get("name") == ws:
            deps = data.setdefault("dependencies", {{}})
            for p in pkgs:
                deps[p] = "^1.0.0"
            pj.write_text(json.dumps(data, indent=2) + "\\n", encoding="utf-8")
            print("➤ YN0000: · Done in 0s 1ms")
            sys.exit(0)
    print(f"Usage Error: Workspace '{{ws}}' not found")
    sys.exit(1)
print("fake yarn: unsupported command: " + " ".join(args))
sys.exit(1)
"""

# environment variables that would change what the screens show or do
_ENV_TO_CLEAR = [
    "NO_COLOR", "FORCE_COLOR", "TEXTUAL", "TEXTUAL_THEME", "COLORTERM",
    "SPECTROCLOUD_CLIENT_ID", "SPECTROCLOUD_CLIENT_SECRET", "SPECTROCLOUD_API_TOKEN",
    "BACKSTAGE_TOKEN", "KUBECONFIG", "LEGACY_TOKEN", "FAKE_YARN_FAIL",
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
]


def write_fake_tools(bin_dir: Path) -> Path:
    bin_dir.mkdir(parents=True, exist_ok=True)
    (bin_dir / "node").write_text(FAKE_NODE)
    (bin_dir / "yarn").write_text(FAKE_YARN.format(python=sys.executable))
    for name in ("node", "yarn"):
        (bin_dir / name).chmod(0o755)
    return bin_dir


@pytest.fixture(scope="session")
def fake_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_fake_tools(tmp_path_factory.mktemp("fakebin"))


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
    with socket.socket() as s:
        s.settimeout(0.5)
        if s.connect_ex(("127.0.0.1", helpers.CLOSED_PORT)) == 0:
            pytest.skip(f"127.0.0.1:{helpers.CLOSED_PORT} accepts connections here; the verify tests need it closed")
    return helpers.CLOSED_PORT


@pytest.fixture
def demo_app(tmp_path: Path) -> Path:
    """A copy of templates/demo-app (create-app 1.55, new frontend system, no clusters)."""
    return helpers.copy_demo_app(tmp_path / "backstage-app")


@pytest.fixture
def legacy_app(tmp_path: Path) -> Path:
    """The demo app with two clusters on service-account tokens (the migration case)."""
    root = helpers.copy_demo_app(tmp_path / "backstage-app")
    helpers.set_kubernetes(root, helpers.LEGACY_KUBERNETES)
    return root


@pytest.fixture
def snapshot_app(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo app at a FIXED path (the Welcome screen shows it), recreated for each snapshot."""
    root = Path(helpers.SNAPSHOT_ROOT)
    if root.parent.exists():
        shutil.rmtree(root.parent)
    helpers.copy_demo_app(root)
    helpers.freeze_backup_clock(monkeypatch)
    return root
