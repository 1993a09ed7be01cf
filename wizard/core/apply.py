"""Writing a plan: lock, backups with a manifest, atomic replacement, the package install, and undo.

Every changed file is backed up (same permissions) under `.spectro-wizard/backups/<timestamp>/`
before anything is written; each file is replaced through a temp file in its own directory
(write, fsync, rename, fsync the directory), so a crash leaves either the old or the new bytes.
If writing one file fails, the files already written are put back before the error is reported.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from wizard import __version__
from wizard.core.plan import FileChange, InstallStep, Plan
from wizard.core.repo import tool_env
from wizard.errors import Refused, WizardError

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

STATE_DIR = ".spectro-wizard"
INSTALL_FAILED_HINT = "install-failed"
HINT_IDS = (INSTALL_FAILED_HINT,)
TMP_SUFFIX = ".spectro-wizard.tmp"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def state_dir(repo: Path) -> Path:
    return repo / STATE_DIR


def backups_dir(repo: Path) -> Path:
    return state_dir(repo) / "backups"


def ensure_state_dir(repo: Path) -> Path:
    """Create `.spectro-wizard/` with a .gitignore: backups may hold copies of configs with literal
    secrets, and none of it belongs in the app's repository."""
    d = state_dir(repo)
    d.mkdir(parents=True, exist_ok=True)
    ignore = d / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# spectro-wizard's state: backups and saved answers stay out of git\n*\n", encoding="utf-8")
    return d


# ------------------------------------------------------------------------------------------------
# lock


class RepoLock:
    """An exclusive flock on `.spectro-wizard/lock`. The kernel drops it when the process dies,
    so a lock left by a killed run is never stale: the file stays, the lock does not."""

    def __init__(self, repo: Path):
        self.path = state_dir(repo) / "lock"
        self.fd: int | None = None

    def __enter__(self) -> "RepoLock":
        try:
            ensure_state_dir(self.path.parent.parent)
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except PermissionError:
            raise Refused(f"cannot create {self.path} (permission denied); run as a user who can write the repo") from None
        except OSError as exc:
            raise Refused(f"cannot create {self.path}: {exc.strerror}") from None
        if fcntl is not None:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = ""
                try:
                    holder = os.pread(self.fd, 200, 0).decode("utf-8", "replace").strip()
                except OSError:
                    pass
                os.close(self.fd)
                self.fd = None
                who = f" ({holder})" if holder else ""
                raise Refused(f"another spectro-wizard is applying or undoing in this repo{who}; wait for it to finish") from None
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, f"pid {os.getpid()} since {datetime.now(timezone.utc).isoformat(timespec='seconds')}".encode(), 0)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            try:
                os.ftruncate(self.fd, 0)
            finally:
                os.close(self.fd)  # closing releases the flock
                self.fd = None


# ------------------------------------------------------------------------------------------------
# atomic write


def atomic_write(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace `path` with `data` atomically, keeping its permissions (and owner when allowed)."""
    directory = path.parent
    st = path.stat() if path.exists() else None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TMP_SUFFIX, dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode if mode is not None else (st.st_mode & 0o7777 if st else 0o644))
        if st is not None:
            try:
                os.chown(tmp, st.st_uid, st.st_gid)
            except OSError:
                pass
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    try:
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def leftover_temp_files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for directory in {p.parent for p in paths}:
        try:
            for entry in directory.iterdir():
                if entry.name.endswith(TMP_SUFFIX) and entry.name.startswith("."):
                    found.append(entry)
        except OSError:
            continue
    return found


def clean_temp_files(paths: list[Path]) -> list[Path]:
    """Remove temp files a killed run left beside the configs (they are never the live file)."""
    removed = []
    for tmp in leftover_temp_files(paths):
        try:
            tmp.unlink()
            removed.append(tmp)
        except OSError:
            pass
    return removed


# ------------------------------------------------------------------------------------------------
# apply


@dataclass
class ApplyResult:
    backup: Path | None
    written: list[str] = field(default_factory=list)
    install_ok: bool | None = None  # None: nothing to install
    install_error: str | None = None
    cleaned: list[Path] = field(default_factory=list)


def _new_backup_dir(repo: Path) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    base = backups_dir(repo)
    base.mkdir(parents=True, exist_ok=True)
    d = base / stamp
    n = 1
    while d.exists():
        d = base / f"{stamp}-{n}"
        n += 1
    d.mkdir()
    return d


def _write_manifest(d: Path, manifest: dict) -> None:
    atomic_write(d / "manifest.json", (json.dumps(manifest, indent=2) + "\n").encode("utf-8"), 0o644)


def _preflight(changes: list[FileChange]) -> None:
    for ch in changes:
        try:
            current = ch.path.read_bytes()
        except FileNotFoundError:
            raise Refused(f"{ch.rel} disappeared since it was read; run plan again") from None
        except PermissionError:
            raise Refused(f"{ch.rel} cannot be read (permission denied)") from None
        if sha256(current) != sha256(ch.before.encode("utf-8")):
            raise Refused(f"{ch.rel} changed since it was read; nothing was written — run plan (or apply) again")
        # os.access says yes to root whatever the mode: a file with no write bit at all was made
        # read-only on purpose, so it is refused for root too
        if not os.access(ch.path, os.W_OK) or not ch.path.stat().st_mode & 0o222:
            raise Refused(f"{ch.rel} is read-only; make it writable (chmod u+w {ch.rel}) or apply as its owner — nothing was written")
        if not os.access(ch.path.parent, os.W_OK) or not ch.path.parent.stat().st_mode & 0o222:
            raise Refused(
                f"the directory of {ch.rel} is not writable, so it cannot be replaced atomically; "
                "fix its permissions — nothing was written"
            )


def apply_plan(
    plan: Plan,
    on_output: Callable[[str], None] | None = None,
    runner: Callable[[InstallStep, Callable[[str], None]], int] | None = None,
) -> ApplyResult:
    repo = plan.repo
    with RepoLock(repo):
        result = ApplyResult(None)
        result.cleaned = clean_temp_files([c.path for c in plan.changes])
        if not plan.changes and plan.install is None:
            return result
        _preflight(plan.changes)
        d = _new_backup_dir(repo)
        result.backup = d
        manifest: dict = {
            "tool": f"spectro-wizard {__version__}",
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "status": "applying",
            "actions": plan.actions,
            "files": [],
        }
        for i, ch in enumerate(plan.changes):
            st = ch.path.stat()
            backup_name = f"files/{i:02d}-{ch.path.name}"
            (d / "files").mkdir(exist_ok=True)
            shutil.copyfile(ch.path, d / backup_name)
            os.chmod(d / backup_name, st.st_mode & 0o7777)
            manifest["files"].append({
                "path": ch.rel,
                "realPath": str(ch.path),
                "backup": backup_name,
                "mode": st.st_mode & 0o7777,
                "sha256Before": sha256(ch.before.encode("utf-8")),
                "sha256After": sha256(ch.after.encode("utf-8")),
            })
        _write_manifest(d, manifest)
        written: list[FileChange] = []
        try:
            for ch, entry in zip(plan.changes, manifest["files"]):
                atomic_write(ch.path, ch.after.encode("utf-8"), entry["mode"])
                written.append(ch)
        except OSError as exc:
            for done in reversed(written):
                atomic_write(done.path, done.before.encode("utf-8"))
            failed = plan.changes[len(written)].rel
            reason = "no space left on the device" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
            manifest["status"] = "failed"
            try:
                _write_manifest(d, manifest)
            except OSError:
                pass
            raise Refused(f"could not write {failed}: {reason}; every file was left as it was") from None
        result.written = [c.rel for c in written]
        manifest["status"] = "applied"
        _write_manifest(d, manifest)
        if plan.install is not None:
            result.install_ok, result.install_error = _run_install(plan.install, d, manifest, on_output, runner)
            _write_manifest(d, manifest)
        return result


def _run_install(
    step: InstallStep,
    d: Path,
    manifest: dict,
    on_output: Callable[[str], None] | None,
    runner: Callable[[InstallStep, Callable[[str], None]], int] | None,
) -> tuple[bool, str | None]:
    """Run the package manager; back up what it rewrites so `undo` can put it back."""
    repo = step.cwd
    touched = [repo / step.workspace / "package.json", repo / "yarn.lock", repo / "package-lock.json", repo / "pnpm-lock.yaml"]
    before: dict[Path, bytes] = {}
    for p in touched:
        if p.is_file():
            before[p] = p.read_bytes()
    emit = on_output or (lambda line: None)
    emit(f"$ {step.display}")
    try:
        code = (runner or run_streaming)(step, emit)
        error = None if code == 0 else f"`{step.display}` exited with code {code}; fix the cause shown above and run it by hand in {repo}"
    except FileNotFoundError:
        code = 127
        error = missing_tool_message(step)
    manifest["install"] = {"command": step.display, "exitCode": code, "files": []}
    for p, data in before.items():
        try:
            now = p.read_bytes()
        except OSError:
            continue
        if now == data:
            continue
        recorded = next((f for f in manifest["files"] if Path(f["realPath"]) == p.resolve()), None)
        if recorded is not None:
            # the plan already changed this file (the guide's wrong package name): keep the backup
            # of the original bytes, and record what the file is now
            recorded["sha256After"] = sha256(now)
            recorded["byInstall"] = True
            manifest["install"]["files"].append(recorded["path"])
            continue
        # a file only the package manager changed (the app's package.json, the lockfile)
        name = f"files/install-{len(manifest['install']['files']):02d}-{p.name}"
        (d / "files").mkdir(exist_ok=True)
        (d / name).write_bytes(data)
        os.chmod(d / name, p.stat().st_mode & 0o7777)
        rel = p.relative_to(repo).as_posix()
        manifest["files"].append({
            "path": rel, "realPath": str(p.resolve()), "backup": name,
            "mode": p.stat().st_mode & 0o7777, "sha256Before": sha256(data), "sha256After": sha256(now),
            "byInstall": True,
        })
        manifest["install"]["files"].append(rel)
    return code == 0, error


def missing_tool_message(step: InstallStep) -> str:
    return (f"{step.argv[0]} is not installed or not on PATH; install it (for Yarn: `corepack enable`) "
            f"and run `{step.display}` in {step.cwd}")


def run_streaming(step: InstallStep, emit: Callable[[str], None]) -> int:
    exe = shutil.which(step.argv[0])
    if exe is None:
        raise FileNotFoundError(step.argv[0])
    proc = subprocess.Popen(
        [exe, *step.argv[1:]], cwd=step.cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, text=True, errors="replace", env=tool_env(), bufsize=1,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        emit(line.rstrip("\n"))
    return proc.wait()


# ------------------------------------------------------------------------------------------------
# undo


@dataclass
class BackupSet:
    dir: Path
    manifest: dict

    @property
    def created(self) -> str:
        return str(self.manifest.get("created", self.dir.name))

    @property
    def status(self) -> str:
        return str(self.manifest.get("status", "unknown"))


def backup_sets(repo: Path) -> list[BackupSet]:
    base = backups_dir(repo)
    if not base.is_dir():
        return []
    out = []
    for d in sorted(base.iterdir()):
        m = d / "manifest.json"
        if not m.is_file():
            continue
        try:
            out.append(BackupSet(d, json.loads(m.read_text(encoding="utf-8"))))
        except (OSError, json.JSONDecodeError):
            continue
    return out


@dataclass
class UndoResult:
    backup: Path
    restored: list[str]
    created: str


def last_applied(repo: Path) -> BackupSet | None:
    """The most recent apply that may have written files: "applied", or "applying" when the run
    was killed after replacing a file but before it could record that (undo handles both)."""
    for bs in reversed(backup_sets(repo)):
        if bs.status == "applied" or (bs.status == "applying" and _wrote_something(bs)):
            return bs
    return None


def _wrote_something(bs: BackupSet) -> bool:
    """Whether an interrupted apply replaced at least one of its files (else it is no undo point)."""
    for entry in bs.manifest.get("files", []):
        try:
            if sha256(Path(entry["realPath"]).read_bytes()) == entry["sha256After"]:
                return True
        except OSError:
            continue
    return False


def undo_last(repo: Path, force: bool = False) -> UndoResult:
    with RepoLock(repo):
        bs = last_applied(repo)
        if bs is None:
            raise Refused(f"nothing to undo: no apply is recorded under {backups_dir(repo)}")
        files = bs.manifest.get("files", [])
        problems = []
        untouched: set[str] = set()
        for entry in files:
            path = Path(entry["realPath"])
            try:
                now = sha256(path.read_bytes())
            except FileNotFoundError:
                now = None
            if now == entry["sha256Before"] and now != entry["sha256After"]:
                untouched.add(entry["path"])  # a killed run never got to this file
            elif now != entry["sha256After"] and not force:
                problems.append(entry["path"])
        if problems:
            raise Refused(
                f"{', '.join(problems)} changed after the apply of {bs.created}; undo would lose those edits — "
                "look at the backup in " + str(bs.dir) + " or run undo --force"
            )
        restored = []
        for entry in files:
            path = Path(entry["realPath"])
            data = (bs.dir / entry["backup"]).read_bytes()
            if sha256(data) != entry["sha256Before"]:
                raise Refused(f"the backup of {entry['path']} in {bs.dir} is damaged (checksum mismatch); nothing was restored")
        for entry in files:
            if entry["path"] in untouched:
                continue
            path = Path(entry["realPath"])
            data = (bs.dir / entry["backup"]).read_bytes()
            atomic_write(path, data, int(entry["mode"]))
            restored.append(entry["path"])
        bs.manifest["status"] = "undone"
        bs.manifest["undone"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        _write_manifest(bs.dir, bs.manifest)
        return UndoResult(bs.dir, restored, bs.created)


def iter_history(repo: Path) -> Iterator[dict]:
    """The apply/undo history, oldest first (for the support report)."""
    for bs in backup_sets(repo):
        yield {
            "backup": bs.dir.name,
            "created": bs.created,
            "status": bs.status,
            "undone": bs.manifest.get("undone"),
            "files": [f.get("path") for f in bs.manifest.get("files", [])],
            "actions": bs.manifest.get("actions", []),
            "install": bs.manifest.get("install"),
        }


__all__ = [
    "ApplyResult", "BackupSet", "RepoLock", "UndoResult", "WizardError", "apply_plan", "atomic_write",
    "backup_sets", "clean_temp_files", "iter_history", "last_applied", "undo_last",
]
