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
import signal
import subprocess
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from wizard import __version__
from wizard.core.repo import tool_env
from wizard.errors import BadInput, Refused, WizardError

if TYPE_CHECKING:  # the plan's types: saving answers (this module's atomic write) needs no planner
    from wizard.core.changes import FileChange
    from wizard.core.packages import InstallStep
    from wizard.core.plan import Plan

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

STATE_DIR = ".spectro-wizard"
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


def write_output(path: Path, text: str, example: str, flag: str = "--output") -> Path:
    """A file the user named (`--output FILE`: RBAC manifests, the support report), atomically; every
    problem is one sentence naming the flag (exit 2, nothing written)."""
    if path.is_dir():
        raise BadInput(f"{flag} {path} is a directory; name a file, e.g. {path / example}")
    if not path.parent.is_dir():
        raise BadInput(f"{flag} {path}: the directory {path.parent} does not exist")
    try:
        atomic_write(path, text.encode("utf-8"), 0o644)
    except PermissionError:
        raise BadInput(f"{flag} {path}: permission denied") from None
    except OSError as exc:
        raise BadInput(f"{flag} {path}: {exc.strerror or exc}") from None
    return path


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
    rolled_back: bool = False  # something failed and every file was put back as it was
    sync_command: str | None = None  # what brings node_modules back in line after a rollback


class ApplyInterrupted(WizardError):
    """Ctrl+C or SIGTERM during an apply: every file was put back; exit 130 like any interruption."""

    exit_code = 130


class _InstallFailed(Exception):
    pass


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


def install_touched(plan: Plan) -> list[Path]:
    """What the package manager may rewrite: each workspace's package.json, the root one, the lockfiles."""
    out: list[Path] = []
    for step in plan.installs:
        out.append(step.cwd / step.workspace / "package.json")
    if plan.installs:
        root = plan.installs[0].cwd
        out += [root / "package.json", root / "yarn.lock", root / "package-lock.json", root / "pnpm-lock.yaml"]
    seen: set[Path] = set()
    return [p for p in out if not (p.resolve() in seen or seen.add(p.resolve()))]  # type: ignore[func-returns-value]


def sync_command(plan: Plan) -> str | None:
    """`yarn install` (or npm's, pnpm's): brings node_modules in line with the package.json files."""
    if not plan.installs:
        return None
    argv = plan.installs[0].argv
    if argv[0] in ("npm", "pnpm"):
        return f"{argv[0]} install"
    runner = argv[:2] if argv[0] == "node" else argv[:1]
    return " ".join(runner + ["install"])


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (a CI job cancelled, `kill`) interrupts an apply as Ctrl+C does, so that it rolls back.
    Only the main thread can set handlers; elsewhere (the TUI's worker) the app handles quitting."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt()

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def apply_plan(
    plan: Plan,
    on_output: Callable[[str], None] | None = None,
    runner: Callable[[InstallStep, Callable[[str], None]], int] | None = None,
) -> ApplyResult:
    """Write a plan all or nothing: back up every file it may change (the plan's files and what the
    package manager rewrites), fix package.json, run the installs, then write index.ts and the configs.
    When anything fails (an install, a write, Ctrl+C, SIGTERM) every file is put back byte for byte
    and the manifest says so."""
    repo = plan.repo
    with RepoLock(repo):
        result = ApplyResult(None)
        result.cleaned = clean_temp_files([c.path for c in plan.changes])
        if plan.empty:
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
        planned = {c.path.resolve(): c for c in plan.changes}
        targets: list[tuple[Path, FileChange | None]] = [(c.path, c) for c in plan.changes]
        targets += [(p, None) for p in install_touched(plan) if p.resolve() not in planned]
        (d / "files").mkdir()
        for i, (path, ch) in enumerate(targets):
            entry = _back_up(d, i, repo, path, ch)
            if entry is not None:
                manifest["files"].append(entry)
        if plan.installs:
            manifest["install"] = {"steps": [], "sync": sync_command(plan)}
        _write_manifest(d, manifest)
        emit = on_output or (lambda line: None)
        written: list[FileChange] = []
        first = [c for c in plan.changes if c.kind == "package.json"]
        rest = [c for c in plan.changes if c.kind != "package.json"]
        try:
            with _sigterm_interrupts():
                for ch in first:
                    _write(ch, manifest)
                    written.append(ch)
                for step in plan.installs:
                    _run_install(step, manifest, emit, runner)
                for ch in rest:
                    _write(ch, manifest)
                    written.append(ch)
        except BaseException as exc:  # noqa: BLE001 - every failure rolls back, then is reported
            _roll_back(d, manifest)
            result.rolled_back = True
            result.sync_command = manifest.get("install", {}).get("sync") if plan.installs else None
            if isinstance(exc, _InstallFailed):
                manifest["status"] = "rolled-back"
                manifest["error"] = str(exc)
                _write_manifest_quietly(d, manifest)
                result.install_ok, result.install_error = False, str(exc)
                return result
            if isinstance(exc, KeyboardInterrupt):
                manifest["status"] = "interrupted"
                _write_manifest_quietly(d, manifest)
                raise ApplyInterrupted(
                    "interrupted: every file of this apply was put back as it was"
                    + (f" (node_modules may hold what the package manager fetched: `{result.sync_command}` brings it in line)"
                       if result.sync_command else "") + "; nothing to undo") from None
            if isinstance(exc, OSError):
                manifest["status"] = "failed"
                _write_manifest_quietly(d, manifest)
                failed = next((c.rel for c in plan.changes if c not in written), "a file")
                reason = "no space left on the device" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
                raise Refused(f"could not write {failed}: {reason}; every file was left as it was") from None
            manifest["status"] = "failed"
            _write_manifest_quietly(d, manifest)
            raise
        # what the package manager rewrote: record its new bytes; files it left alone are not part of the apply
        kept = []
        for entry in manifest["files"]:
            now = _read(Path(entry["realPath"]))
            if entry["planned"]:
                kept.append(entry)
                if now is not None and sha256(now) != entry["sha256After"]:
                    entry["sha256After"], entry["byInstall"] = sha256(now), True  # the install changed it too
                continue
            if now is None and entry.get("createdByApply"):
                continue
            if now is not None and sha256(now) != entry.get("sha256Before"):
                entry["sha256After"], entry["byInstall"] = sha256(now), True
                kept.append(entry)
        manifest["files"] = kept
        manifest["status"] = "applied"
        _write_manifest(d, manifest)
        result.written = [c.rel for c in written]
        result.install_ok = True if plan.installs else None
        return result


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _back_up(d: Path, i: int, repo: Path, path: Path, ch: FileChange | None) -> dict | None:
    """Copy one file into the backup set; a file the install may create is recorded as absent."""
    try:
        rel = ch.rel if ch is not None else path.resolve().relative_to(repo.resolve()).as_posix()
    except ValueError:
        rel = str(path)
    data = _read(path)
    if data is None:
        if ch is not None:
            raise Refused(f"{ch.rel} disappeared since it was read; run plan again")
        # the package manager may create it (a first lockfile): undo and rollback remove it again
        return {"path": rel, "realPath": str(path.resolve()), "backup": None, "mode": 0o644,
                "sha256Before": None, "sha256After": None, "planned": False, "byInstall": False, "createdByApply": True}
    name = f"files/{i:02d}-{path.name}"
    mode = path.stat().st_mode & 0o7777
    (d / name).write_bytes(data)
    os.chmod(d / name, mode)
    return {"path": rel, "realPath": str(path.resolve()), "backup": name, "mode": mode,
            "sha256Before": sha256(data),
            "sha256After": sha256(ch.after.encode("utf-8")) if ch is not None else None,
            "planned": ch is not None, "byInstall": False}


def _write(ch: FileChange, manifest: dict) -> None:
    entry = next(e for e in manifest["files"] if Path(e["realPath"]) == ch.path.resolve())
    atomic_write(ch.path, ch.after.encode("utf-8"), entry["mode"])


def _roll_back(d: Path, manifest: dict) -> None:
    """Every file back to its bytes before the apply (or removed, when the apply created it)."""
    for entry in manifest["files"]:
        path = Path(entry["realPath"])
        now = _read(path)
        if entry.get("createdByApply"):
            if now is not None:
                try:
                    path.unlink()
                except OSError:
                    pass
            continue
        if now is not None and sha256(now) == entry["sha256Before"]:
            continue
        atomic_write(path, (d / entry["backup"]).read_bytes(), int(entry["mode"]))


def _write_manifest_quietly(d: Path, manifest: dict) -> None:
    try:
        _write_manifest(d, manifest)
    except OSError:
        pass


def _run_install(
    step: InstallStep,
    manifest: dict,
    emit: Callable[[str], None],
    runner: Callable[[InstallStep, Callable[[str], None]], int] | None,
) -> None:
    """Run one package-manager command; a failure raises _InstallFailed with the sentence to show."""
    emit(f"$ {step.display}")
    try:
        code = (runner or run_streaming)(step, emit)
        error = None if code == 0 else (f"`{step.display}` exited with code {code}; fix the cause shown above and "
                                        f"run it by hand in {step.cwd}, or apply again")
    except FileNotFoundError:
        code = 127
        error = missing_tool_message(step)
    manifest["install"]["steps"].append({"command": step.display, "exitCode": code})
    manifest["install"]["exitCode"] = code
    manifest["install"]["command"] = step.display
    if error is not None:
        raise _InstallFailed(error)


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
    try:
        for line in proc.stdout:
            emit(line.rstrip("\n"))
        return proc.wait()
    finally:
        if proc.poll() is None:  # interrupted: the package manager must not go on writing behind the rollback
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


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
    sync_command: str | None = None  # node_modules must follow the restored package.json files: run this


def last_applied(repo: Path) -> BackupSet | None:
    """The most recent apply that may have written files: "applied", or "applying" when the run
    was killed after replacing a file but before it could record that (undo handles both)."""
    for bs in reversed(backup_sets(repo)):
        if bs.status == "applied" or (bs.status == "applying" and _wrote_something(bs)):
            return bs
    return None


def _wrote_something(bs: BackupSet) -> bool:
    """Whether an interrupted apply changed at least one of its files (else it is no undo point)."""
    for entry in bs.manifest.get("files", []):
        now = _read(Path(entry["realPath"]))
        if (sha256(now) if now is not None else None) != entry["sha256Before"]:
            return True
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
            now = _read(Path(entry["realPath"]))
            now_sha = sha256(now) if now is not None else None
            if now_sha == entry["sha256Before"]:
                untouched.add(entry["path"])  # as it was before the apply (a killed run never got to it)
            elif entry.get("sha256After") is not None and now_sha != entry["sha256After"] and not force:
                problems.append(entry["path"])
        if problems:
            raise Refused(
                f"{', '.join(problems)} changed after the apply of {bs.created}; undo would lose those edits — "
                "look at the backup in " + str(bs.dir) + " or run undo --force"
            )
        for entry in files:
            if entry.get("backup") and sha256((bs.dir / entry["backup"]).read_bytes()) != entry["sha256Before"]:
                raise Refused(f"the backup of {entry['path']} in {bs.dir} is damaged (checksum mismatch); nothing was restored")
        restored = []
        for entry in files:
            if entry["path"] in untouched:
                continue
            path = Path(entry["realPath"])
            if entry.get("backup") is None:  # the apply created it (a first lockfile): it goes again
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass
            else:
                atomic_write(path, (bs.dir / entry["backup"]).read_bytes(), int(entry["mode"]))
            restored.append(entry["path"])
        bs.manifest["status"] = "undone"
        bs.manifest["undone"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        _write_manifest(bs.dir, bs.manifest)
        sync = (bs.manifest.get("install") or {}).get("sync") or "yarn install"
        needs_sync = any(f.get("byInstall") and f["path"] not in untouched for f in files)
        return UndoResult(bs.dir, restored, bs.created, sync if needs_sync else None)


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
