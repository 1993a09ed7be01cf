"""A CA file the user names (`verify --ca-file`), read safely and proven to hold a certificate.

The file is the user's (trusted as data), but the path may name anything: a directory, a FIFO that
would block a read forever, a device that never ends, an empty or non-PEM file that `ssl` would only
refuse deep inside every request. `load_ca_file` refuses all of those with one sentence (BadInput,
exit 2) before anything runs, and returns the PEM text the clients then trust (as `cadata`, so the
file is read once).
"""

from __future__ import annotations

import re
import ssl
from pathlib import Path

from wizard.core import safeio
from wizard.errors import BadInput


def load_ca_file(path: str | Path, what: str = "--ca-file") -> str:
    """The PEM text of a CA file holding at least one certificate `ssl` can load; BadInput otherwise."""
    name = f"{what} {path}"
    # a regular file only (a FIFO, a device, a directory is named at once), read up to the cap
    raw = safeio.read_regular(Path(path).expanduser(), name, safeio.CA_FILE_CAP)
    if not raw.strip():
        raise BadInput(f"{name} is empty; it must hold the CA's certificate in PEM form (a BEGIN CERTIFICATE block)")
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise BadInput(f"{name} is not a PEM file (it holds binary data; a DER certificate must be converted: "
                       "openssl x509 -inform der -in FILE -out ca.pem)") from None
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise BadInput(f"{name} holds no PEM certificate (no BEGIN CERTIFICATE line): give the CA's certificate in PEM form")
    try:
        context = ssl.create_default_context(cadata=text)
    except (ssl.SSLError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or re.sub(r"\s*\(_ssl\.c:\d+\)$", "", str(exc.args[-1] if exc.args else exc))
        raise BadInput(f"{name}: its certificate cannot be loaded ({reason}); give the CA's certificate in PEM form") from None
    if not context.cert_store_stats().get("x509", 0):
        raise BadInput(f"{name} holds no certificate that can be loaded; give the CA's certificate in PEM form")
    return text
