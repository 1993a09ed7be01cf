"""Reading and writing local files without trusting what a repo carries.

The threat model (README, "What the wizard trusts"): the user, and the files the user asks the wizard
to edit, read as data. Not anything else a cloned repo may carry: its `.spectro-wizard/` (a planted
manifest, a `lock` or `.gitignore` symlink, the directory itself as a symlink), paths named inside
files, symbolic links pointing out of the repo. Every local read and every write of the wizard's own
state goes through here, so each rule lives in one place:

- an input is a regular file, opened without blocking (a FIFO would hang the wizard, a device would
  be read forever) and read up to a cap; anything else is one sentence naming it (exit 2);
- a file of the repo is read only when its real path is inside the repo (no symlink followed out);
- the wizard's state directory is a real directory (never a symlink, never a file), and what is
  created in it is created with O_EXCL | O_NOFOLLOW and mode 0600 at open, never widened afterwards.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from wizard.errors import BadInput, Refused

KIB = 1024
MIB = 1024 * KIB

STATE_DIR = ".spectro-wizard"  # the wizard's state directory in the repo: backups, saved answers, the lock

# Caps, each far above any real file of its kind and far below what would hurt (a read is one
# allocation of up to cap + 1 bytes).
CA_FILE_CAP = 1 * MIB  # a PEM bundle: the whole Mozilla store is ~220 KiB
ID_TOKEN_CAP = 64 * KIB  # a JWT: a few KiB even with hundreds of groups
ANSWERS_CAP = 1 * MIB  # an answers file: a thousand clusters fit in ~100 KiB
PACKAGE_JSON_CAP = 4 * MIB  # a root package.json with resolutions: tens of KiB
SOURCE_CAP = 2 * MIB  # index.ts, apis.ts, App.tsx: a few KiB
SMALL_FILE_CAP = 1 * MIB  # backstage.json, .yarnrc.yml, .npmrc, a kubeconfig, a manifest
LOCKFILE_CAP = 256 * MIB  # a lockfile: backed up whole before an install (big monorepos: ~10-30 MiB)

_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_O_NOCTTY = getattr(os, "O_NOCTTY", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words a user knows."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


def _size_words(n: int) -> str:
    return f"{n // MIB} MiB" if n >= MIB else f"{n // KIB} KiB"


def read_regular(path: Path | str, what: str, cap: int, *, nofollow: bool = False) -> bytes:
    """The bytes of a regular file, at most `cap`; everything else is one BadInput sentence that
    names `what` (e.g. "--ca-file ca.pem", "caFile certs/ca.pem") and what to do.

    The file is opened with O_NONBLOCK, so a FIFO cannot block the open, and checked with fstat on
    the open descriptor (no window between the check and the read); a device or a FIFO is refused
    before a byte is read. `nofollow` refuses a symbolic link (the wizard's own state files)."""
    flags = os.O_RDONLY | _O_NONBLOCK | _O_NOCTTY | _O_CLOEXEC | (_O_NOFOLLOW if nofollow else 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise BadInput(f"{what}: no such file") from None
    except PermissionError:
        raise BadInput(f"{what}: cannot be read (permission denied); run as a user who can read it") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise BadInput(f"{what} is a symbolic link; the wizard does not follow links there — remove it") from None
        if exc.errno == errno.ENXIO:  # a socket opened as a file
            raise BadInput(f"{what} is a socket, not a file; name a regular file") from None
        raise BadInput(f"{what}: cannot be read ({exc.strerror or exc})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise BadInput(f"{what} is {kind_of(st.st_mode)}, not a regular file; name a regular file")
        if st.st_size > cap:
            raise BadInput(f"{what} is larger than {_size_words(cap)} ({st.st_size} bytes); is it the right file?")
        # a regular file: clear O_NONBLOCK (it means nothing there) and read at most cap + 1 bytes, in
        # case the file grows between fstat and read
        chunks: list[bytes] = []
        left = cap + 1
        while left > 0:
            chunk = os.read(fd, min(left, MIB))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > cap:
            raise BadInput(f"{what} is larger than {_size_words(cap)}; is it the right file?")
        return data
    except IsADirectoryError:
        raise BadInput(f"{what} is a directory, not a regular file; name a regular file") from None
    except OSError as exc:
        raise BadInput(f"{what}: cannot be read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def read_text(path: Path | str, what: str, cap: int, *, nofollow: bool = False) -> str:
    """`read_regular`, decoded as UTF-8 (a BOM is kept: callers that must drop it, as Node does for
    package.json, do so themselves); invalid UTF-8 is one sentence naming the line."""
    raw = read_regular(path, what, cap, nofollow=nofollow)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BadInput(f"{what}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as UTF-8") from None


def inside(root: Path, path: Path) -> bool:
    """Whether `path`'s real location (every symlink resolved) is `root` or below it."""
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop
        return False
    return True


def check_in_repo(repo: Path, path: Path, display: str) -> Path:
    """The real path of a repo file, refusing a symlink that leads out of the repo (a cloned repo
    could point app-config.local.yaml at ~/.kube/config and have the wizard read or edit it)."""
    try:
        real = path.resolve()
    except (OSError, RuntimeError):
        raise BadInput(f"{display} is a symbolic link loop; fix the link") from None
    if not inside(repo, real):
        raise BadInput(
            f"{display} is a symbolic link to {real}, outside the repo; the wizard never follows links out of "
            "the repo — copy the file into the repo or name it directly"
        )
    return real


def read_repo_text(repo: Path, path: Path, display: str, cap: int) -> str:
    """A text file of the repo: inside it (symlinks resolved), regular, capped, UTF-8."""
    return read_text(check_in_repo(repo, path, display), display, cap)


# ------------------------------------------------------------------------------------------------
# the wizard's own state: `.spectro-wizard/` and what is created in it


def checked_dir(path: Path, display: str, create: bool, mode: int = 0o700) -> bool:
    """`path` is a real directory (not a symlink, not a file); created with `mode` when missing and
    `create`. Returns whether it exists. A symlink or a file there is one sentence: a cloned repo
    may carry either to send the wizard's backups or lock elsewhere."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        if not create:
            return False
        try:
            os.mkdir(path, mode)
        except FileExistsError:  # created meanwhile: look again
            return checked_dir(path, display, create=False)
        except PermissionError:
            raise Refused(f"cannot create {path} (permission denied); run as a user who can write the repo") from None
        except OSError as exc:  # a read-only file system, a full disk
            raise Refused(f"cannot create {path}: {exc.strerror or exc}; nothing was written") from None
        return True
    if stat.S_ISLNK(st.st_mode):
        raise BadInput(
            f"{display} is a symbolic link (to {os.readlink(path)}); the wizard keeps its state only in a real "
            f"directory of the repo — remove the link (a cloned repo may carry one) and run again"
        )
    if not stat.S_ISDIR(st.st_mode):
        raise BadInput(f"{display} is {kind_of(st.st_mode) if not stat.S_ISREG(st.st_mode) else 'a file'}, "
                       "not the wizard's state directory; move it away and run again")
    return True


def create_private(path: Path, data: bytes) -> None:
    """A new file holding `data`, created with O_EXCL | O_NOFOLLOW and mode 0600 at open; on a
    failed write (disk full) the partial file is removed and the error raised."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC, 0o600)
    try:
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        try:
            os.unlink(path)
        except OSError:
            pass
        raise
    os.close(fd)


def open_state_file(path: Path, display: str) -> int:
    """Open (create) a small state file for reading and writing: mode 0600 at creation, never
    through a symlink, and only a regular file with one link (a hard link planted by a repo would
    let the wizard truncate a file elsewhere). Returns the descriptor."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | _O_NOFOLLOW | _O_NONBLOCK | _O_CLOEXEC, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise BadInput(f"{display} is a symbolic link; remove it (the wizard does not follow links in its state "
                           "directory) and run again") from None
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise Refused(f"cannot create {path} (permission denied); run as a user who can write the repo") from None
        raise Refused(f"cannot open {path}: {exc.strerror or exc}; nothing was written") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
        os.close(fd)
        what = kind_of(st.st_mode) if not stat.S_ISREG(st.st_mode) else "a file with other hard links"
        raise BadInput(f"{display} is {what}; remove it and run again")
    return fd


def private_temp_dir(prefix: str) -> Path:
    """A new directory only this user can enter (0700), with an unpredictable name."""
    return Path(tempfile.mkdtemp(prefix=prefix))


def try_read_repo_text(repo: Path, path: Path, cap: int) -> str | None:
    """`read_repo_text` for readers that treat an unreadable file as absent (repo inspection: a
    finding, not an error): None instead of the sentence. Still bounded, still inside the repo."""
    try:
        return read_repo_text(repo, path, str(path), cap)
    except BadInput:
        return None
