"""Private by default: backups, the answers file and the lock are created with mode 0600 at open (never
created wider and chmod-ed afterwards: on main backups were created 0644 first); every command the
wizard prints for pasting is shell-quoted (on main a workspace named `app; touch X #` was printed as
a command that ran `touch X`)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.configs import many_clusters_answers
from tests.support.files import write_answers
from tests.support.repos import make_repo
from tests.support.tools import Tools
from wizard.session import Session


@pytest.fixture
def open_umask():
    """umask 000: a file created with the default 0666 would show it."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def chmods(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every path os.chmod is called on (a mode fixed after creation would show here)."""
    seen: list[str] = []
    real = os.chmod

    def spy(path, mode, *a, **k):
        seen.append(str(path))
        return real(path, mode, *a, **k)

    monkeypatch.setattr(os, "chmod", spy)
    return seen


def _mode(p: Path) -> int:
    return stat.S_IMODE(os.lstat(p).st_mode)


def test_backups_manifest_and_lock_are_0600_from_their_creation(tmp_path: Path, capsys, open_umask, chmods) -> None:
    root = make_repo(tmp_path, "app", preset="many-clusters", clusters=3)
    answers = write_answers(tmp_path / "answers.yaml", many_clusters_answers(3))
    code, _out, err = run(capsys, "apply", "--repo", str(root), "--answers", str(answers), "--yes", "--skip-install")
    assert code == 0, err
    state = root / ".spectro-wizard"
    assert _mode(state) == 0o700
    (bset,) = (state / "backups").iterdir()
    assert _mode(state / "backups") == 0o700 and _mode(bset) == 0o700 and _mode(bset / "files") == 0o700
    files = [p for p in bset.rglob("*") if p.is_file()]
    assert files and all(_mode(p) == 0o600 for p in files), {str(p): oct(_mode(p)) for p in files}
    assert _mode(state / "lock") == 0o600 and _mode(state / ".gitignore") == 0o600
    assert not [c for c in chmods if str(state) in c], f"modes fixed after creation: {chmods}"


def test_the_saved_answers_are_0600_from_their_creation(tmp_path: Path, open_umask, chmods) -> None:
    root = make_repo(tmp_path, "app")
    s = Session(root)
    s.answers.tenant = "abc"
    path = s.save_answers()
    assert _mode(path) == 0o600
    assert not [c for c in chmods if ".spectro-wizard" in c]
    elsewhere = s.save_answers(tmp_path / "mine.yaml")  # Ctrl+S to a file the user names
    assert _mode(elsewhere) == 0o600


HOSTILE_WORKSPACE = "app; touch PWNED #"


def test_printed_install_commands_are_shell_quoted(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """A workspace name is the repo's data: pasting the printed command must not run what it holds."""
    tools = Tools(tmp_path / "bin")
    tools.node("v22.11.0")
    tools.yarn("4.13.0")
    monkeypatch.setenv("PATH", f"{tools.path}:/usr/bin:/bin")
    root = make_repo(tmp_path, "app", preset="many-clusters", clusters=3)
    for ws in ("app", "backend"):
        pkg = root / "packages" / ws / "package.json"
        data = json.loads(pkg.read_text(encoding="utf-8"))
        data["name"] = HOSTILE_WORKSPACE
        pkg.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    answers = write_answers(tmp_path / "answers.yaml", {**many_clusters_answers(3), "installPackage": True})
    code, out, err = run(capsys, "plan", "--repo", str(root), "--answers", str(answers), "--json")
    assert code == 0, err
    steps = json.loads(out)["install"]["steps"]
    command = steps[0]["command"]
    assert "'app; touch PWNED #'" in command
    # what a user does with it: paste it into a shell (the stand-in yarn records its argv, runs nothing)
    subprocess.run(["sh", "-c", command], cwd=root, check=True, env={**os.environ, "PATH": f"{tools.path}:/usr/bin:/bin"})
    assert not (root / "PWNED").exists()
    (call,) = [c for c in tools.calls("yarn") if "add" in c["argv"]]
    assert HOSTILE_WORKSPACE in call["argv"], "the workspace name stayed one argument"
