"""Outputs: `--output` replaces only a regular file, atomically; a device, a FIFO or a directory is
refused by name (on main, `report --output` and `rbac --output` replaced a character device and would
have replaced /dev/null when run as root). Crash logs go to a private place with an unpredictable
name: on main they were `$TMPDIR/spectro-wizard-crash-<pid>.log`, written through a planted symlink,
mode 0644."""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path

import pytest

from tests.security.conftest import PROMPT, Target
from tests.support.cli import assert_clear_error, run
from wizard import cli

COMMANDS = {
    "report": lambda t, out: ("report", "--repo", str(t.root), "--output", str(out)),
    "rbac": lambda t, out: ("rbac", "--user", "alice@example.com", "--group", "team", "--output", str(out)),
}


def _char_device(path: Path) -> None:
    """A character device node like /dev/null (1, 3), made in the test's own directory: the test
    must never risk the machine's real /dev/null."""
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs root (CAP_MKNOD); the FIFO and directory cases cover the rule")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_character_device_is_refused_not_replaced(target: Target, command: str) -> None:
    t = target
    dev = t.tmp / "null"
    _char_device(dev)
    proc = t.cli(*COMMANDS[command](t, dev))
    assert proc.returncode == 2, proc.stderr
    assert_clear_error(proc.stderr, str(dev), "character device")
    assert stat.S_ISCHR(os.lstat(dev).st_mode), "the device node was replaced"
    assert sorted(p.name for p in t.tmp.iterdir() if ".spectro-wizard.tmp" in p.name) == []


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_fifo_is_refused_without_blocking(target: Target, command: str) -> None:
    t = target
    fifo = t.tmp / "pipe"
    os.mkfifo(fifo)
    proc = t.cli(*COMMANDS[command](t, fifo))
    assert proc.returncode == 2, proc.stderr
    assert_clear_error(proc.stderr, str(fifo), "FIFO")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert proc.elapsed < PROMPT


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_directory_is_refused(target: Target, command: str) -> None:
    t = target
    proc = t.cli(*COMMANDS[command](t, t.victim))
    assert proc.returncode == 2, proc.stderr
    assert_clear_error(proc.stderr, str(t.victim), "directory")
    assert sorted(p.name for p in t.victim.iterdir()) == ["precious.txt"]


def test_a_regular_file_is_replaced_atomically_and_a_new_report_is_private(target: Target) -> None:
    t = target
    out = t.tmp / "report.md"
    proc = t.cli("report", "--repo", str(t.root), "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.read_text(encoding="utf-8").startswith("#")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # the report is for whom it is sent to, not the machine
    out.chmod(0o644)
    ino = out.stat().st_ino
    assert t.cli("report", "--repo", str(t.root), "--output", str(out)).returncode == 0
    assert out.stat().st_ino != ino, "not replaced by rename"
    assert stat.S_IMODE(out.stat().st_mode) == 0o644, "an existing file keeps its mode"


# ------------------------------------------------------------------------------------------------
# crash logs


def _crash(monkeypatch: pytest.MonkeyPatch, tmpdir: Path) -> None:
    """An internal error (a bug) in `hints`, with TMPDIR pointed at `tmpdir`."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmpdir))

    def boom(args: object) -> int:
        raise RuntimeError("a bug with a secret in it: Bearer abcdefghijklmnop1234567890")

    monkeypatch.setitem(cli.COMMANDS, "hints", boom)


def test_a_crash_log_is_private_unpredictable_and_never_follows_a_planted_link(
        target: Target, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    t = target
    shared = t.tmp / "shared-tmp"
    shared.mkdir()
    victim = t.victim / "precious.txt"
    before = t.victim_state()
    # the attacker plants the names main used (by pid: this very process's) and a few around it
    for pid in range(os.getpid() - 3, os.getpid() + 4):
        os.symlink(victim, shared / f"spectro-wizard-crash-{pid}.log")
    _crash(monkeypatch, shared)
    code, _out, err = run(capsys, "hints")
    assert code == 70
    assert t.victim_state() == before, "the crash log was written through a planted symlink"
    m = re.search(r"details in (\S+)", err)
    assert m, err
    log = Path(m.group(1))
    assert log.parent.parent == shared and str(os.getpid()) not in log.parent.name
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(log.stat().st_mode) == 0o600 and not log.is_symlink()
    text = log.read_text(encoding="utf-8")
    assert "RuntimeError" in text and "abcdefghijklmnop1234567890" not in text, "the traceback is masked too"
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_two_crashes_never_share_a_log(target: Target, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    t = target
    _crash(monkeypatch, t.tmp)
    logs = []
    for _ in range(2):
        _code, _out, err = run(capsys, "hints")
        logs.append(re.search(r"details in (\S+)", err).group(1))  # type: ignore[union-attr]
    assert logs[0] != logs[1]
