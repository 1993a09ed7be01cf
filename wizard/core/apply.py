"""Writing a plan: lock, backups with a manifest, atomic replacement, the package install, and undo.

Every changed file is backed up under `.spectro-wizard/backups/<timestamp>/` before anything is
written; each file is replaced through a temp file in its own directory (write, fsync, rename, fsync
the directory), so a crash leaves either the old or the new bytes. If writing one file fails, the
files already written are put back before the error is reported.

What the repo carries in `.spectro-wizard/` is not trusted (README, "What the wizard trusts"): a
cloned repo may hold a planted manifest, a symlinked lock or state directory. So the state directory
must be a real directory, everything created in it is created with O_EXCL | O_NOFOLLOW and mode 0600
(`wizard.core.safeio`), and a manifest is validated before undo acts on it: every path it names is
resolved and must stay inside the repo (and each backup inside its backup set), and each backup's
sha256 is checked before a byte is restored.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from wizard import __version__
from wizard.core import safeio
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

STATE_DIR = safeio.STATE_DIR
TMP_SUFFIX = ".spectro-wizard.tmp"
GITIGNORE_TEXT = "# spectro-wizard's state: backups and saved answers stay out of git\n*\n"
MANIFEST_CAP = safeio.MIB  # a manifest lists a handful of files: kilobytes


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def state_dir(repo: Path) -> Path:
    return repo / STATE_DIR


def backups_dir(repo: Path) -> Path:
    return state_dir(repo) / "backups"


def _display(repo: Path, path: Path) -> str:
    try:
        return path.relative_to(repo).as_posix()
    except ValueError:
        return str(path)


def ensure_state_dir(repo: Path) -> Path:
    """`.spectro-wizard/` as a real directory (0700 when created here), with a .gitignore: backups may
    hold copies of configs with literal secrets, and none of it belongs in the app's repository.

    A symlink or a file named `.spectro-wizard` is refused by name (a cloned repo may carry either).
    The .gitignore is written whole or not at all (temp file + rename): a full disk must not leave
    an empty one that is then never rewritten; a symlink there is replaced, never followed."""
    d = state_dir(repo)
    safeio.checked_dir(d, _display(repo, d), create=True)
    ignore = d / ".gitignore"
    try:
        st = os.lstat(ignore)
        keep = stat.S_ISREG(st.st_mode) and st.st_size > 0
    except FileNotFoundError:
        keep = False
    if not keep:
        try:
            replace_state_file(ignore, GITIGNORE_TEXT.encode("utf-8"))
        except OSError:
            pass  # the .gitignore only keeps git clean; the state itself is still private (0700)
    return d


def replace_state_file(path: Path, data: bytes) -> None:
    """Write a file of the wizard's state atomically, mode 0600 from the start (mkstemp opens with
    O_EXCL | O_NOFOLLOW, 0600); the rename replaces whatever is at `path`, a symlink included,
    without following it."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(path.parent)


# ------------------------------------------------------------------------------------------------
# lock


class RepoLock:
    """An exclusive flock on `.spectro-wizard/lock`. The kernel drops it when the process dies,
    so a lock left by a killed run is never stale: the file stays, the lock does not.

    The lock is opened without following a symlink and must be a regular file with one link: a
    repo could otherwise make the wizard truncate a file outside it."""

    def __init__(self, repo: Path):
        self.repo = repo
        self.path = state_dir(repo) / "lock"
        self.fd: int | None = None

    def __enter__(self) -> RepoLock:
        ensure_state_dir(self.repo)
        self.fd = safeio.open_state_file(self.path, _display(self.repo, self.path))
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
                who = f" ({holder})" if re.fullmatch(r"pid \d+ since [0-9T:+\-]+", holder) else ""
                raise Refused(f"another spectro-wizard is applying or undoing in this repo{who}; wait for it to finish") from None
        try:
            os.ftruncate(self.fd, 0)
            os.pwrite(self.fd, f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}".encode(), 0)
        except OSError:
            pass  # who holds the lock is a courtesy; the flock is the lock (a full disk must not stop here)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            try:
                os.ftruncate(self.fd, 0)
            except OSError:
                pass
            finally:
                os.close(self.fd)  # closing releases the flock
                self.fd = None


# ------------------------------------------------------------------------------------------------
# atomic write


def atomic_write(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace `path` with `data` atomically, keeping its permissions (and owner when allowed).

    The temp file is created 0600 (mkstemp) and given its final mode before the rename, so the new
    bytes are never readable by more people than the old ones were."""
    directory = path.parent
    st: os.stat_result | None
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            st = None
    except FileNotFoundError:
        st = None
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


def write_output(path: Path, text: str, example: str, flag: str = "--output", mode: int = 0o644) -> Path:
    """A file the user named (`--output FILE`: RBAC manifests, the support report), atomically; every
    problem is one sentence naming the flag (exit 2, nothing written).

    Only a regular file is replaced: a directory, a device (/dev/null, a terminal), a FIFO or a socket
    is refused by name, and a symlink is written through to its target only when that is a regular
    file. A new file gets `mode` (existing files keep theirs)."""
    try:
        st: os.stat_result | None = path.stat()
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise BadInput(f"{flag} {path}: {exc.strerror or exc}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise BadInput(f"{flag} {path} is a directory; name a file, e.g. {path / example}")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise BadInput(f"{flag} {path} is {safeio.kind_of(st.st_mode)}, not a regular file; name a file to write, e.g. {example}")
    target = path.resolve() if st is not None else path
    if not target.parent.is_dir():
        raise BadInput(f"{flag} {path}: the directory {target.parent} does not exist")
    try:
        atomic_write(target, text.encode("utf-8"), None if st is not None else mode)
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
    """A new backup set: `backups/` checked as a real directory, the set created with mkdir (which
    fails rather than reuse anything already there), both 0700."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    base = backups_dir(repo)
    safeio.checked_dir(base, _display(repo, base), create=True)
    n = 0
    while True:
        d = base / (stamp if n == 0 else f"{stamp}-{n}")
        try:
            os.mkdir(d, 0o700)
            return d
        except FileExistsError:
            n += 1


def _write_manifest(d: Path, manifest: dict[str, Any]) -> None:
    replace_state_file(d / "manifest.json", (json.dumps(manifest, indent=2) + "\n").encode("utf-8"))


def _existing_parent(path: Path) -> Path:
    d = path.parent
    while not d.exists() and d != d.parent:
        d = d.parent
    return d


def _preflight(changes: list[FileChange], repo: Path) -> None:
    for ch in changes:
        safeio.check_in_repo(repo, ch.path, ch.rel)
        if ch.created:  # a new file (the in-app module): it must still be absent, its directory writable
            if ch.path.exists() or ch.path.is_symlink():
                raise Refused(f"{ch.rel} appeared since the plan was made; the wizard never overwrites it — run plan again")
            parent = _existing_parent(ch.path)
            if not os.access(parent, os.W_OK) or not parent.stat().st_mode & 0o222:
                raise Refused(f"{_display(repo, parent)} is not writable, so {ch.rel} cannot be created; fix its permissions — "
                              "nothing was written")
            continue
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
            raise Refused(f"{ch.rel} is read-only; make it writable (chmod u+w {shlex.quote(ch.rel)}) or apply as its owner "
                          "— nothing was written")
        if not os.access(ch.path.parent, os.W_OK) or not ch.path.parent.stat().st_mode & 0o222:
            raise Refused(
                f"the directory of {ch.rel} is not writable, so it cannot be replaced atomically; "
                "fix its permissions — nothing was written"
            )


LOCKFILES = ("yarn.lock", "package-lock.json", "pnpm-lock.yaml")


def install_touched(plan: Plan) -> list[Path]:
    """What the package manager may rewrite: each workspace's package.json, the root one, the lockfiles."""
    out: list[Path] = []
    for step in plan.installs:
        out.append(step.cwd / step.workspace / "package.json")
    if plan.installs:
        root = plan.installs[0].cwd
        out += [root / "package.json"] + [root / name for name in LOCKFILES]
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
    return shlex.join(runner + ["install"])


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


def _write_error(exc: OSError) -> str:
    return "no space left on the device" if exc.errno == errno.ENOSPC else (
        "the file system is read-only" if exc.errno == errno.EROFS else (exc.strerror or str(exc)))


def apply_plan(
    plan: Plan,
    on_output: Callable[[str], None] | None = None,
    runner: Callable[[InstallStep, Callable[[str], None]], int] | None = None,
) -> ApplyResult:
    """Write a plan all or nothing: back up every file it may change (the plan's files and what the
    package manager rewrites), fix package.json, run the installs, then write index.ts and the configs.
    When anything fails (an install, a write, Ctrl+C, SIGTERM) every file is put back byte for byte
    and the manifest says so. When the backups cannot be written (a full disk), nothing is changed
    and no backup set is left behind."""
    repo = plan.repo
    with RepoLock(repo):
        result = ApplyResult(None)
        result.cleaned = clean_temp_files([c.path for c in plan.changes])
        if plan.empty:
            return result
        _preflight(plan.changes, repo)
        planned = {c.path.resolve(): c for c in plan.changes}
        targets: list[tuple[Path, FileChange | None]] = [(c.path, c) for c in plan.changes]
        targets += [(p, None) for p in install_touched(plan) if p.resolve() not in planned]
        for path, ch in targets:
            safeio.check_in_repo(repo, path, ch.rel if ch is not None else _display(repo, path))
        d, manifest = _back_up_all(repo, plan, targets)
        result.backup = d
        emit = on_output or (lambda line: None)
        written: list[FileChange] = []
        first = [c for c in plan.changes if c.kind == "package.json"]
        rest = [c for c in plan.changes if c.kind != "package.json"]
        try:
            with _sigterm_interrupts():
                for ch in first:
                    _write(repo, ch, manifest)
                    written.append(ch)
                for step in plan.installs:
                    _run_install(step, manifest, emit, runner)
                for ch in rest:
                    _write(repo, ch, manifest)
                    written.append(ch)
                _finish(repo, d, manifest)
        except BaseException as exc:  # every failure rolls back, then is reported
            _roll_back(repo, d, manifest)
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
                failed = next((c.rel for c in plan.changes if c not in written), "the backup manifest")
                raise Refused(f"could not write {failed}: {_write_error(exc)}; every file was left as it was") from None
            manifest["status"] = "failed"
            _write_manifest_quietly(d, manifest)
            raise
        result.written = [c.rel for c in written]
        result.install_ok = True if plan.installs else None
        return result


def _finish(repo: Path, d: Path, manifest: dict[str, Any]) -> None:
    """Record what the package manager rewrote (its new bytes; files it left alone are not part of
    the apply) and mark the set applied. A failure here (a full disk) rolls the apply back too."""
    kept = []
    for entry in manifest["files"]:
        now = _read(repo / entry["path"])
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


def _back_up_all(repo: Path, plan: Plan, targets: list[tuple[Path, FileChange | None]]) -> tuple[Path, dict[str, Any]]:
    """The backup set with its manifest, complete, or nothing at all: when a copy or the manifest
    cannot be written (a full disk, a read-only directory) the half-made set is removed and the apply
    refused before any file of the repo was touched."""
    d = _new_backup_dir(repo)
    manifest: dict[str, Any] = {
        "tool": f"spectro-wizard {__version__}",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "status": "applying",
        "actions": list(plan.actions),
        "files": [],
    }
    current = "the backup"
    try:
        os.mkdir(d / "files", 0o700)
        for i, (path, ch) in enumerate(targets):
            current = f"the backup of {ch.rel if ch is not None else _display(repo, path)}"
            entry = _back_up(d, i, repo, path, ch)
            if entry is not None:
                manifest["files"].append(entry)
        if plan.installs:
            manifest["install"] = {"steps": [], "sync": sync_command(plan)}
        current = "the backup manifest"
        _write_manifest(d, manifest)
    except BaseException as exc:
        shutil.rmtree(d, ignore_errors=True)  # our own new directory: no manifest-less set is left
        if isinstance(exc, OSError):
            raise Refused(f"could not write {current} in {_display(repo, d.parent)}: {_write_error(exc)}; "
                          "nothing was changed") from None
        raise
    return d, manifest


def _rel(repo: Path, path: Path) -> str:
    """A file's place in the repo as a manifest records it: its real path, relative to the repo's
    (undo recomputes the target from this alone, and checks it again)."""
    return path.resolve().relative_to(repo.resolve()).as_posix()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _back_up(d: Path, i: int, repo: Path, path: Path, ch: FileChange | None) -> dict[str, Any] | None:
    """Copy one file into the backup set (0600 at creation); a file the install may create is
    recorded as absent."""
    rel = _rel(repo, path)
    if ch is not None and ch.created:  # a file this apply creates: undo and rollback remove it again
        missing_dirs = []
        d = path.parent
        while not d.exists() and d != d.parent:
            missing_dirs.append(_rel(repo, d))
            d = d.parent
        return {"path": rel, "backup": None, "mode": 0o644, "sha256Before": None,
                "sha256After": sha256(ch.after.encode("utf-8")), "planned": True, "byInstall": False,
                "createdByApply": True, "createdDirs": missing_dirs}
    if ch is None and path.exists():
        data: bytes | None = safeio.read_regular(path, rel, safeio.LOCKFILE_CAP)
    else:
        data = _read(path)
    if data is None:
        if ch is not None:
            raise Refused(f"{ch.rel} disappeared since it was read; run plan again")
        # the package manager may create it (a first lockfile): undo and rollback remove it again
        return {"path": rel, "backup": None, "mode": 0o644, "sha256Before": None, "sha256After": None,
                "planned": False, "byInstall": False, "createdByApply": True}
    name = f"files/{i:02d}-{path.name}"
    mode = path.stat().st_mode & 0o777
    safeio.create_private(d / name, data)
    return {"path": rel, "backup": name, "mode": mode, "sha256Before": sha256(data),
            "sha256After": sha256(ch.after.encode("utf-8")) if ch is not None else None,
            "planned": ch is not None, "byInstall": False}


def _write(repo: Path, ch: FileChange, manifest: dict[str, Any]) -> None:
    entry = next(e for e in manifest["files"] if e["path"] == _rel(repo, ch.path))
    for rel in reversed(entry.get("createdDirs") or []):  # outermost first
        os.makedirs(repo / rel, 0o755, exist_ok=True)
    atomic_write(ch.path, ch.after.encode("utf-8"), entry["mode"])


def _remove_created(repo: Path, entry: dict[str, Any]) -> None:
    """A file the apply created goes again, and the directories it created for it when now empty."""
    try:
        (repo / entry["path"]).unlink()
    except FileNotFoundError:
        pass
    for rel in entry.get("createdDirs") or []:  # innermost first
        try:
            os.rmdir(repo / rel)
        except OSError:
            break  # not empty (the user put something there) or gone: leave it and its parents


def _restore(path: Path, data: bytes, mode: int) -> None:
    """Put a file's bytes back: atomically; when the disk is too full even for the temp file (a
    rollback after ENOSPC), rewrite it in place: truncating first frees its blocks."""
    try:
        atomic_write(path, data, mode)
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0))
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)


def _roll_back(repo: Path, d: Path, manifest: dict[str, Any]) -> None:
    """Every file back to its bytes before the apply (or removed, when the apply created it)."""
    for entry in manifest["files"]:
        path = repo / entry["path"]
        now = _read(path)
        if entry.get("createdByApply"):
            if now is not None:
                try:
                    _remove_created(repo, entry)
                except OSError:
                    pass
            continue
        if now is not None and sha256(now) == entry["sha256Before"]:
            continue
        _restore(path, (d / entry["backup"]).read_bytes(), int(entry["mode"]))


def _write_manifest_quietly(d: Path, manifest: dict[str, Any]) -> None:
    try:
        _write_manifest(d, manifest)
    except OSError:
        pass


def _run_install(
    step: InstallStep,
    manifest: dict[str, Any],
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
# backup sets: read back, validated


MANIFEST_STATUSES = {"applying", "applied", "undone", "rolled-back", "interrupted", "failed"}
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_BACKUP_NAME_RE = re.compile(r"^files/[0-9]{2,}-[^/\\\x00]+$")
# What an apply can have written, by name: the configs (YAML), package.json files and lockfiles,
# TypeScript sources (index.ts, apis.ts, App.tsx, the in-app module). An undo never writes anything
# else, whatever a manifest says (a planted one naming .git/hooks/... would run code).
_RESTORABLE_RE = re.compile(r"^(?:[^/]+\.ya?ml|package\.json|yarn\.lock|package-lock\.json|pnpm-lock\.yaml"
                            r"|[^/]+\.(?:ts|tsx|js|jsx|mjs|cjs))$")
_NEVER_UNDER = {".git", STATE_DIR, "node_modules"}
# a YAML file an apply creates (a deployment's ConfigMap manifest) is named with this (answers.MANIFEST_MARK)
CREATED_MANIFEST_MARK = "spectrocloud"


class ManifestError(BadInput):
    """A backup set whose manifest does not validate: undo touches nothing (exit 2)."""


@dataclass
class BackupSet:
    dir: Path
    manifest: dict[str, Any]
    problem: str | None = None  # why this set cannot be trusted (None: it validated)

    @property
    def created(self) -> str:
        return str(self.manifest.get("created", self.dir.name))

    @property
    def status(self) -> str:
        return str(self.manifest.get("status", "unknown"))

    def files(self) -> list[dict[str, Any]]:
        files = self.manifest.get("files")
        return files if isinstance(files, list) else []


def _entry_problem(repo: Path, d: Path, i: int, entry: Any) -> str | None:
    """Why one `files[i]` entry of a manifest cannot be trusted, or None."""
    where = f"files[{i}]"
    if not isinstance(entry, dict):
        return f"{where} is not an object"
    rel = entry.get("path")
    if not isinstance(rel, str) or not rel or "\x00" in rel or "\\" in rel:
        return f"{where}.path is missing or not a relative path"
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or any(part in _NEVER_UNDER for part in pure.parts):
        return f"{where}.path {rel!r} is not a file of the repo the wizard edits"
    if not _RESTORABLE_RE.match(pure.name):
        return f"{where}.path {rel!r} is not a file an apply writes"
    if not safeio.inside(repo, repo / rel):
        return f"{where}.path {rel!r} leads outside the repo (through a symbolic link)"
    for key in ("sha256Before", "sha256After"):
        value = entry.get(key)
        if value is not None and not (isinstance(value, str) and _SHA_RE.match(value)):
            return f"{where}.{key} is not a sha256"
    for key in ("planned", "byInstall", "createdByApply"):
        if key in entry and not isinstance(entry[key], bool):
            return f"{where}.{key} is not true or false"
    mode = entry.get("mode")
    if not isinstance(mode, int) or isinstance(mode, bool) or not 0 <= mode <= 0o7777:
        return f"{where}.mode is not a file mode"
    backup = entry.get("backup")
    if entry.get("createdByApply"):
        created_ok = (pure.name in LOCKFILES or pure.suffix in (".ts", ".tsx")
                      or (pure.suffix in (".yaml", ".yml") and CREATED_MANIFEST_MARK in pure.name
                          and not pure.name.startswith("app-config")))
        if backup is not None or not created_ok:
            return (f"{where}: only a lockfile, a TypeScript source or a manifest the wizard names with "
                    f"{CREATED_MANIFEST_MARK!r} can be recorded as created by the apply")
        dirs = entry.get("createdDirs", [])
        if not isinstance(dirs, list) or not all(
                isinstance(d, str) and (rel + "/").startswith(d.rstrip("/") + "/") and ".." not in PurePosixPath(d).parts
                and not PurePosixPath(d).is_absolute() and safeio.inside(repo, repo / d) for d in dirs):
            return f"{where}.createdDirs is not a list of the file's own parent directories"
        return None
    if not isinstance(backup, str) or not _BACKUP_NAME_RE.match(backup):
        return f"{where}.backup {backup!r} is not a file of this backup set"
    if not isinstance(entry.get("sha256Before"), str):
        return f"{where}.sha256Before is missing"
    copy = d / backup
    try:
        st = os.lstat(copy)
    except OSError:
        return f"{where}.backup {backup} is missing from the backup set"
    if not stat.S_ISREG(st.st_mode) or not safeio.inside(d, copy):
        return f"{where}.backup {backup} is not a regular file inside the backup set"
    return None


def _manifest_problem(repo: Path, d: Path, m: Any) -> str | None:
    if not isinstance(m, dict):
        return "it is not a JSON object"
    if m.get("status") not in MANIFEST_STATUSES:
        return f"its status {m.get('status')!r} is not one the wizard writes"
    if not isinstance(m.get("created", ""), str):
        return "created is not a date"
    actions = m.get("actions", [])
    if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
        return "actions is not a list of sentences"
    files = m.get("files")
    if not isinstance(files, list):
        return "files is not a list"
    for i, entry in enumerate(files):
        why = _entry_problem(repo, d, i, entry)
        if why:
            return why
    paths = [e["path"] for e in files]
    if len(set(paths)) != len(paths):
        return "it names a file twice"
    if m["status"] == "applied" and any(e.get("createdByApply") and e.get("sha256After") is None for e in files):
        return "a file recorded as created by the apply has no sha256After"
    install = m.get("install")
    if install is not None:
        if not isinstance(install, dict):
            return "install is not an object"
        sync = install.get("sync")
        if sync is not None and not _sync_command_ok(sync):
            return f"install.sync {sync!r} is not a package manager's install command"
    return None


def _sync_command_ok(sync: Any) -> bool:
    """The command undo tells the user to run: only `yarn|npm|pnpm install` or `node <yarnPath> install`,
    never anything a planted manifest wants printed as advice."""
    if not isinstance(sync, str):
        return False
    try:
        argv = shlex.split(sync)
    except ValueError:
        return False
    if argv in (["yarn", "install"], ["npm", "install"], ["pnpm", "install"]):
        return True
    return (len(argv) == 3 and argv[0] == "node" and argv[2] == "install"
            and re.fullmatch(r"[A-Za-z0-9._/@+\-]+\.c?js", argv[1]) is not None and ".." not in argv[1].split("/"))


def _load_set(repo: Path, d: Path) -> BackupSet | None:
    """One backup set, validated (None: not a backup set at all, e.g. an unrelated file)."""
    display = _display(repo, d / "manifest.json")
    try:
        st = os.lstat(d)
    except OSError:
        return None
    if stat.S_ISLNK(st.st_mode):
        return BackupSet(d, {}, f"{_display(repo, d)} is a symbolic link, not a backup set")
    if not stat.S_ISDIR(st.st_mode):
        return None
    try:
        os.lstat(d / "manifest.json")
    except FileNotFoundError:
        return None  # an empty directory (a run killed before its manifest): nothing to undo there
    except OSError as exc:
        return BackupSet(d, {}, f"{display} cannot be read ({exc.strerror})")
    try:
        raw = safeio.read_regular(d / "manifest.json", display, MANIFEST_CAP, nofollow=True)
        m = json.loads(raw.decode("utf-8"))
    except BadInput as exc:
        return BackupSet(d, {}, str(exc))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return BackupSet(d, {}, f"{display} is not valid JSON")
    why = _manifest_problem(repo, d, m)
    if why:
        return BackupSet(d, m if isinstance(m, dict) else {}, f"{display} does not validate: {why}")
    return BackupSet(d, m)


def backup_sets(repo: Path) -> list[BackupSet]:
    """Every backup set, oldest first, each validated (`problem` says why one cannot be trusted)."""
    base = backups_dir(repo)
    if not safeio.checked_dir(state_dir(repo), STATE_DIR, create=False):
        return []
    if not safeio.checked_dir(base, _display(repo, base), create=False):
        return []
    out = []
    for d in sorted(base.iterdir()):
        bs = _load_set(repo, d)
        if bs is not None:
            out.append(bs)
    return out


@dataclass
class UndoResult:
    backup: Path
    restored: list[str]
    created: str
    sync_command: str | None = None  # node_modules must follow the restored package.json files: run this


def _refuse_untrusted(bs: BackupSet) -> None:
    if bs.problem:
        raise ManifestError(f"{bs.problem}; it was not written by spectro-wizard as it is now — nothing was "
                            f"restored (remove {bs.dir.name} from {STATE_DIR}/backups to undo an earlier apply)")


def last_applied(repo: Path) -> BackupSet | None:
    """The most recent apply that may have written files: "applied", or "applying" when the run
    was killed after replacing a file but before it could record that (undo handles both). A set
    that does not validate, newer than that, stops the search (ManifestError, exit 2): undo cannot
    tell whether it is the apply to undo."""
    for bs in reversed(backup_sets(repo)):
        _refuse_untrusted(bs)
        if bs.status == "applied" or (bs.status == "applying" and _wrote_something(repo, bs)):
            return bs
    return None


def _wrote_something(repo: Path, bs: BackupSet) -> bool:
    """Whether an interrupted apply changed at least one of its files (else it is no undo point)."""
    for entry in bs.files():
        now = _read(repo / entry["path"])
        if (sha256(now) if now is not None else None) != entry["sha256Before"]:
            return True
    return False


def undo_last(repo: Path, force: bool = False) -> UndoResult:
    with RepoLock(repo):
        bs = last_applied(repo)
        if bs is None:
            raise Refused(f"nothing to undo: no apply is recorded under {backups_dir(repo)}")
        files = bs.files()
        problems = []
        untouched: set[str] = set()
        for entry in files:
            now = _read(repo / entry["path"])
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
        copies: dict[str, bytes] = {}
        for entry in files:  # every backup read (never through a link) and checked before a byte is restored
            if entry.get("backup") and entry["path"] not in untouched:
                data = safeio.read_regular(bs.dir / entry["backup"], f"the backup of {entry['path']}",
                                           safeio.LOCKFILE_CAP, nofollow=True)
                if sha256(data) != entry["sha256Before"]:
                    raise Refused(f"the backup of {entry['path']} in {bs.dir} is damaged (checksum mismatch); nothing was restored")
                copies[entry["path"]] = data
        restored = []
        for entry in files:
            if entry["path"] in untouched:
                continue
            path = repo / entry["path"]
            if entry.get("backup") is None:  # the apply created it (a first lockfile, the in-app module): it goes again
                _remove_created(repo, entry)
            else:
                # the apply never changes a mode, so the file's own mode now is its mode before; the
                # manifest's is used only for a file deleted since, and never with an execute bit
                atomic_write(path.resolve(), copies[entry["path"]], None if path.exists() else int(entry["mode"]) & 0o666)
            restored.append(entry["path"])
        bs.manifest["status"] = "undone"
        bs.manifest["undone"] = datetime.now(UTC).isoformat(timespec="seconds")
        _write_manifest(bs.dir, bs.manifest)
        sync = (bs.manifest.get("install") or {}).get("sync") or "yarn install"
        needs_sync = any(f.get("byInstall") and f["path"] not in untouched for f in files)
        return UndoResult(bs.dir, restored, bs.created, sync if needs_sync else None)


def iter_history(repo: Path) -> Iterator[dict[str, Any]]:
    """The apply/undo history, oldest first (for the support report); an untrusted set is listed
    with its problem and nothing else from it."""
    for bs in backup_sets(repo):
        if bs.problem:
            yield {"backup": bs.dir.name, "status": "invalid", "problem": bs.problem}
            continue
        yield {
            "backup": bs.dir.name,
            "created": bs.created,
            "status": bs.status,
            "undone": bs.manifest.get("undone"),
            "files": [f.get("path") for f in bs.files()],
            "actions": bs.manifest.get("actions", []),
            "install": bs.manifest.get("install"),
        }


__all__ = [
    "ApplyResult", "BackupSet", "ManifestError", "RepoLock", "UndoResult", "WizardError", "apply_plan",
    "atomic_write", "backup_sets", "clean_temp_files", "iter_history", "last_applied", "undo_last",
]
