"""Backstage's own config loader as the oracle: what a Backstage backend would load from an app's
app-config files (tests/config_oracle/load.mjs on @backstage/config-loader, pinned there).

    config = load_config(root, ["app-config.yaml", "app-config.production.yaml"], {"VAR": "value"})
    # the merged config, as a backend started with --config FILE... and that environment sees it

    load_config(root, files, env)   # raises OracleError(message) when the loader refuses the files
    load_many([(root, files, env), ...])   # one node process for several loads: [dict | OracleError]

Only the given environment is used (never the test process's), so tests pass made-up values. Without
`node` or without `npm ci --prefix tests/config_oracle` the tests that use it are skipped with the
reason. On CI (CI=true) that is a failure instead once the README's test command installs the oracle
(it names tests/config_oracle): from then on CI must run these tests, never skip them silently.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ORACLE_DIR = Path(__file__).resolve().parents[1] / "config_oracle"
SCRIPT = ORACLE_DIR / "load.mjs"
LOADER = ORACLE_DIR / "node_modules" / "@backstage" / "config-loader" / "package.json"
INSTALL = "npm ci --prefix tests/config_oracle --no-audit --no-fund"
TIMEOUT = 60.0
EXIT_LOAD_ERROR = 3  # load.mjs: the loader refused the config

# The machine's node, found when this module is imported: tests put stand-in tools first on PATH
# (tests/support/tools.py), and the oracle must never run one of those.
NODE = shutil.which("node")
_PATH = os.environ.get("PATH", "")


class OracleError(Exception):
    """The Backstage config loader refused the files; the message is the loader's own."""


def unavailable_reason() -> str | None:
    if NODE is None:
        return "`node` is not on PATH: the Backstage config loader oracle cannot run"
    if not LOADER.is_file():
        return f"the Backstage config loader is not installed: run `{INSTALL}`"
    return None


def ci_installs_oracle() -> bool:
    """Whether the README's test command (the one CI runs) installs the oracle's node_modules."""
    readme = ORACLE_DIR.parents[1] / "README.md"
    try:
        return "tests/config_oracle" in readme.read_text(encoding="utf-8")
    except OSError:
        return False


def require() -> None:
    """Skip when the oracle cannot run here (fail instead on CI, once CI installs it)."""
    reason = unavailable_reason()
    if reason is None:
        return
    if os.environ.get("CI") == "true" and ci_installs_oracle():
        pytest.fail(f"CI must run the config-oracle tests, but {reason}", pytrace=False)
    pytest.skip(reason)


def _node() -> str:
    require()
    assert NODE is not None
    return NODE


def load_config(repo: Path, files: list[str], env: dict[str, str]) -> dict[str, Any]:
    """The merged config of `files` (relative to `repo`, in merge order) with the environment `env`."""
    proc = subprocess.run(
        [_node(), str(SCRIPT), "--root", str(repo), *[a for f in files for a in ("--config", f)],
         "--env-json", json.dumps(env)],
        capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL, env=_node_env(), check=False,
    )
    if proc.returncode == EXIT_LOAD_ERROR:
        raise OracleError(proc.stderr.strip())
    if proc.returncode != 0:
        raise RuntimeError(f"the config oracle failed (exit {proc.returncode}): {proc.stderr.strip()}")
    return json.loads(proc.stdout)


def load_many(requests: list[tuple[Path, list[str], dict[str, str]]]) -> list[dict[str, Any] | OracleError]:
    """Several loads in one node process (`load.mjs --batch`): per request the config or an OracleError."""
    payload = [{"root": str(root), "files": list(files), "env": dict(env)} for root, files, env in requests]
    proc = subprocess.run([_node(), str(SCRIPT), "--batch"], input=json.dumps(payload), capture_output=True,
                          text=True, timeout=TIMEOUT, env=_node_env(), check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"the config oracle failed (exit {proc.returncode}): {proc.stderr.strip()}")
    return [r["config"] if r["ok"] else OracleError(r["error"]) for r in json.loads(proc.stdout)]


def _node_env() -> dict[str, str]:
    """node's own environment: the PATH of import time and HOME, nothing else of the test process (the
    loader reads only the env given in the request; this also keeps NODE_OPTIONS and the like out)."""
    env = {"PATH": _PATH}
    if "HOME" in os.environ:
        env["HOME"] = os.environ["HOME"]
    return env
