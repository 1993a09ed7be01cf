"""A CA file the user names (`verify --ca-file`), read safely and proven to hold a certificate.

The file is the user's (trusted as data), but the path may name anything: a directory, a FIFO that
would block a read forever, a device that never ends, an empty or non-PEM file that `ssl` would only
refuse deep inside every request. `load_ca_file` refuses all of those with one sentence (BadInput,
exit 2) before anything runs, and returns the PEM text the clients then trust (as `cadata`, so the
file is read once).
"""

from __future__ import annotations

import os
import re
import ssl
import stat
from pathlib import Path

from wizard.errors import BadInput

# A CA bundle: the whole Mozilla bundle is ~220 KiB; a private CA file is a few KiB.
MAX_CA_FILE_BYTES = 1024 * 1024

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def load_ca_file(path: str | Path, what: str = "--ca-file") -> str:
    """The PEM text of a CA file holding at least one certificate `ssl` can load; BadInput otherwise."""
    name = f"{what} {path}"
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(Path(path).expanduser(), flags)  # O_NONBLOCK: opening a FIFO does not wait for a writer
    except FileNotFoundError:
        raise BadInput(f"{name}: no such file") from None
    except PermissionError:
        raise BadInput(f"{name}: cannot be read (permission denied)") from None
    except OSError as exc:
        raise BadInput(f"{name}: cannot be opened ({exc.strerror or exc.__class__.__name__})") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((k for test, k in _KINDS if test(mode)), "not a regular file")
            raise BadInput(f"{name} is {kind}, not a PEM file with the CA's certificate")
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_CA_FILE_BYTES:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except BlockingIOError:
        raise BadInput(f"{name}: cannot be read now (it is not a regular file)") from None
    except OSError as exc:
        raise BadInput(f"{name}: cannot be read ({exc.strerror or exc.__class__.__name__})") from None
    finally:
        os.close(fd)
    if size > MAX_CA_FILE_BYTES:
        raise BadInput(f"{name} is larger than 1 MiB; a CA file holds a few certificates in PEM form")
    raw = b"".join(chunks)
    if not raw.strip():
        raise BadInput(f"{name} is empty; it must hold the CA's certificate in PEM form (-----BEGIN CERTIFICATE-----)")
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise BadInput(f"{name} is not a PEM file (it holds binary data; a DER certificate must be converted: "
                       "openssl x509 -inform der -in FILE -out ca.pem)") from None
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise BadInput(f"{name} holds no PEM certificate (no -----BEGIN CERTIFICATE----- line)")
    try:
        context = ssl.create_default_context(cadata=text)
    except (ssl.SSLError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or re.sub(r"\s*\(_ssl\.c:\d+\)$", "", str(exc.args[-1] if exc.args else exc))
        raise BadInput(f"{name}: its certificate cannot be loaded ({reason}); give the CA's certificate in PEM form") from None
    if not context.cert_store_stats().get("x509", 0):
        raise BadInput(f"{name} holds no certificate that can be loaded; give the CA's certificate in PEM form")
    return text
