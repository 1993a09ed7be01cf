"""Running the command line: in-process through `wizard.cli.main`, or as a real `python -m wizard`
process (for SIGKILL, other users, concurrent runs and what a user really sees); and the shape of its
error messages."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from wizard.cli import main

PROJECT = Path(__file__).resolve().parents[2]
PY = sys.executable


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """The CLI in-process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def run_process(*argv: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real entry point, as a user runs it (the test's environment plus NO_COLOR=1 and `env`)."""
    full_env = dict(os.environ)
    full_env["NO_COLOR"] = "1"
    full_env.update(env or {})
    return subprocess.run([PY, "-m", "wizard", *argv], capture_output=True, text=True, cwd=cwd,
                          env=full_env, timeout=120, stdin=subprocess.DEVNULL, check=False)


def cli_env(tmpdir: Path | None = None, **extra: str) -> dict[str, str]:
    """The environment for `run_cli`: no pytest variables, NO_COLOR=1, TMPDIR=`tmpdir`, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env["NO_COLOR"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if tmpdir is not None:
        env["TMPDIR"] = str(tmpdir)
    env.update(extra)
    return env


def run_cli(args: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
            unprivileged: bool = False, timeout: float = 120, stdin: Any = subprocess.DEVNULL) -> subprocess.CompletedProcess:
    """`python -m wizard ARGS`. With `unprivileged`, file modes apply even when the tests run as root."""
    argv = (unprivileged_prefix() if unprivileged else []) + [PY, "-m", "wizard", *args]
    return subprocess.run(argv, cwd=cwd or PROJECT, env=env or cli_env(), capture_output=True, text=True,
                          timeout=timeout, stdin=stdin, check=False)


def unprivileged_prefix() -> list[str]:
    """Root ignores file modes (CAP_DAC_OVERRIDE). As root, run the command as root without the
    capabilities that bypass permissions, so a 0444 file or a 0555 directory refuses writes exactly as
    it does for an ordinary user. (Switching to uid 65534 is not possible here: the interpreter lives
    under /root, which that user cannot traverse.)"""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot drop CAP_DAC_OVERRIDE to test file permissions")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search,-fowner,-linux_immutable", "--"]


SENTENCE = re.compile(r"^spectro-wizard: \S.*$")


def assert_clear_error(stderr: str, *needles: str, pattern: str | None = None) -> str:
    """One line on stderr, `spectro-wizard: ...`, no traceback, naming what it should."""
    text = stderr.strip()
    assert "Traceback" not in stderr, stderr
    assert "internal error" not in stderr, stderr
    lines = text.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{stderr}"
    assert SENTENCE.match(lines[0]), stderr
    for n in needles:
        assert n.lower() in text.lower(), f"{n!r} not in: {text}"
    if pattern is not None:
        assert re.search(pattern, text), f"{pattern!r} does not match: {text}"
    return text
