"""`python -m wizard.tui.screenshots`: runs in its own process (it changes PATH and the environment)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    return subprocess.run([sys.executable, "-m", "wizard.tui.screenshots", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_writes_one_svg_per_screen_asked_for(tmp_path: Path, closed_port: int) -> None:
    out = tmp_path / "shots"
    proc = run("--out", str(out), "--only", "welcome,help", cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["help.svg", "welcome.svg"]
    welcome = (out / "welcome.svg").read_text()
    assert welcome.startswith("<svg") and "demo&#160;copy" in welcome
    assert "spectro-wizard-screenshots/backstage-app" in welcome  # the fixed path: deterministic
    assert "Help:&#160;SpectroCloud&#160;tenant" in (out / "help.svg").read_text()


def test_unknown_screen_is_bad_input(tmp_path: Path) -> None:
    proc = run("--out", str(tmp_path), "--only", "nope", cwd=tmp_path)
    assert proc.returncode == 2
    assert "unknown screen(s): nope" in proc.stderr
    assert list(tmp_path.iterdir()) == []
