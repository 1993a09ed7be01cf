"""Fixtures of the attacker's-side tests: a repo to attack, a victim directory OUTSIDE it whose every
byte must survive, and a runner for the real entry point with a deadline (a hang is a failure too).

Each module covers one class of defect (issue: "Nothing a repo, a config or a server holds can turn
the wizard against its user"); each test asserts that nothing outside the repo changed, nothing
leaked, and the exit was prompt and clean (exit code, one sentence, no traceback).
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.cli import cli_env, run_cli
from tests.support.configs import many_clusters_answers
from tests.support.files import snapshot, write_answers
from tests.support.repos import make_repo

PROMPT = 20.0  # seconds: every refusal here is immediate; this only catches a hang on a busy machine


@dataclass
class Target:
    root: Path  # the repo under attack
    answers: Path  # a valid answers file (outside the repo)
    victim: Path  # a directory outside the repo holding files an attacker wants overwritten
    tmp: Path

    def victim_state(self) -> dict:
        return snapshot(self.victim, ignore=())

    def cli(self, *args: str, timeout: float = PROMPT) -> subprocess.CompletedProcess:
        """The real entry point (`python -m wizard`), TMPDIR inside the test's directory; a run that
        does not end within `timeout` fails the test (subprocess.TimeoutExpired)."""
        start = time.monotonic()
        proc = run_cli(list(args), env=cli_env(self.tmp / "tmpdir"), timeout=timeout)
        proc.elapsed = time.monotonic() - start  # type: ignore[attr-defined]
        return proc


@pytest.fixture
def target(tmp_path: Path) -> Target:
    root = make_repo(tmp_path, "app", preset="many-clusters", clusters=3)
    answers = write_answers(tmp_path / "answers.yaml", many_clusters_answers(3))
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious.txt").write_text("the user's own file, outside the repo\n", encoding="utf-8")
    (victim / "precious.txt").chmod(0o640)
    (tmp_path / "tmpdir").mkdir()
    return Target(root, answers, victim, tmp_path)
