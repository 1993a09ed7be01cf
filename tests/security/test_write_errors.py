"""Write errors (a full disk, a read-only directory): exit 1 with one sentence, the repo as it was, no
empty or manifest-less backup left behind. On main a full disk gave exit 70, an empty backup file, a
backup folder without a manifest, and a 0-byte `.gitignore` that was never rewritten."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from tests.support.cli import assert_clear_error, cli_env, run, run_cli
from tests.support.configs import many_clusters_answers, many_clusters_config
from tests.support.files import snapshot, write_answers
from tests.support.repos import make_repo
from wizard.core import apply as apply_mod

PAD = "# " + "padding " * 12 + "\n"


def _fill(fs: Path, leave: int) -> Path:
    """Fill the file system, then give back `leave` bytes."""
    filler = fs / "filler"
    with open(filler, "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    os.truncate(filler, max(0, filler.stat().st_size - leave))
    return filler


def _state_is_clean(root: Path) -> None:
    """No backup set without its manifest, no empty file anywhere in the state directory."""
    state = root / ".spectro-wizard"
    for p in state.rglob("*") if state.exists() else []:
        if p.is_file():
            assert p.stat().st_size > 0 or p.name == "lock", f"empty file left: {p}"
    backups = state / "backups"
    for d in backups.iterdir() if backups.exists() else []:
        assert (d / "manifest.json").is_file(), f"a backup set without a manifest: {d}"


def test_a_disk_too_full_for_the_backups_changes_nothing(tmpfs: Path, tmp_path: Path) -> None:
    text = many_clusters_config(3) + PAD * (2 * 1024 * 1024 // len(PAD))  # ~2 MiB: not even its backup fits
    root = make_repo(tmpfs, "app", preset="many-clusters", app_config=text)
    answers = write_answers(tmp_path / "answers.yaml", many_clusters_answers(3))
    filler = _fill(tmpfs, 16 * 4096)
    before = snapshot(root)
    proc = run_cli(["apply", "--repo", str(root), "--answers", str(answers), "--yes", "--skip-install"],
                   env=cli_env(tmp_path), timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert_clear_error(proc.stderr, "no space left", "nothing was changed")
    after = snapshot(root)
    assert {k: v for k, v in after.items() if not k.startswith(".spectro-wizard/")} == before
    _state_is_clean(root)
    assert not any((root / ".spectro-wizard" / "backups").iterdir())
    filler.unlink()
    proc = run_cli(["apply", "--repo", str(root), "--answers", str(answers), "--yes", "--skip-install"],
                   env=cli_env(tmp_path), timeout=60)
    assert proc.returncode == 0, proc.stderr  # and it recovers once there is space
    assert (root / ".spectro-wizard" / ".gitignore").read_text(encoding="utf-8").strip().endswith("*")


def test_a_disk_full_from_the_start_leaves_no_empty_gitignore(tmpfs: Path, tmp_path: Path) -> None:
    root = make_repo(tmpfs, "app", preset="many-clusters", clusters=3)
    answers = write_answers(tmp_path / "answers.yaml", many_clusters_answers(3))
    (root / ".spectro-wizard").mkdir()  # a directory takes no data blocks; its files do
    filler = _fill(tmpfs, 0)
    proc = run_cli(["apply", "--repo", str(root), "--answers", str(answers), "--yes", "--skip-install"],
                   env=cli_env(tmp_path), timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    _state_is_clean(root)
    filler.unlink()
    assert run_cli(["apply", "--repo", str(root), "--answers", str(answers), "--yes", "--skip-install"],
                   env=cli_env(tmp_path), timeout=60).returncode == 0
    assert (root / ".spectro-wizard" / ".gitignore").stat().st_size > 0


@pytest.mark.parametrize("where", ["copy", "manifest"])
def test_a_failed_backup_write_removes_the_half_made_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str], where: str) -> None:
    """In-process, for machines where no tmpfs can be mounted: ENOSPC injected at the backup copy or
    at the manifest (mocked: the disk is what cannot be filled here)."""
    root = make_repo(tmp_path, "app", preset="many-clusters", clusters=3)
    answers = write_answers(tmp_path / "answers.yaml", many_clusters_answers(3))
    before = snapshot(root)
    if where == "copy":
        from wizard.core import safeio

        def create_private(path: Path, data: bytes) -> None:
            path.write_bytes(data[: len(data) // 2])  # half written, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        monkeypatch.setattr(safeio, "create_private", create_private)
    else:
        real = apply_mod.replace_state_file

        def replace_state_file(path: Path, data: bytes) -> None:
            if path.name == "manifest.json":
                raise OSError(errno.ENOSPC, "No space left on device")
            real(path, data)
        monkeypatch.setattr(apply_mod, "replace_state_file", replace_state_file)
    code, _out, err = run(capsys, "apply", "--repo", str(root), "--answers", str(answers), "--yes", "--skip-install")
    assert code == 1
    assert_clear_error(err, "no space left on the device", "nothing was changed")
    after = snapshot(root)
    assert {k: v for k, v in after.items() if not k.startswith(".spectro-wizard/")} == before
    assert list((root / ".spectro-wizard" / "backups").iterdir()) == []


def test_a_read_only_state_directory_is_exit_1_and_one_sentence(tmp_path: Path) -> None:
    from tests.support.cli import unprivileged_prefix  # skips when root cannot drop its capabilities

    unprivileged_prefix()
    root = make_repo(tmp_path, "app", preset="many-clusters", clusters=3)
    answers = write_answers(tmp_path / "answers.yaml", many_clusters_answers(3))
    state = root / ".spectro-wizard"
    state.mkdir()
    state.chmod(0o555)
    before = snapshot(root)
    try:
        proc = run_cli(["apply", "--repo", str(root), "--answers", str(answers), "--yes", "--skip-install"],
                       env=cli_env(tmp_path), unprivileged=True, timeout=60)
    finally:
        state.chmod(0o755)
    assert proc.returncode == 1, proc.stderr
    assert_clear_error(proc.stderr, "permission denied")
    assert snapshot(root) == before
