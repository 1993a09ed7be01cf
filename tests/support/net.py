"""Loopback network helpers: ports nothing listens on, free ports, and TLS from a test CA (trustme).

Every address here is on 127.0.0.1.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # ssl and trustme are imported where used: bench/ imports configs (and so this module) in measured processes
    import ssl

    import trustme

# A fixed port nothing listens on (discard): where the TUI and session tests aim every remote check,
# so the results (and the snapshots that show them) are always the same refusals. `port_refuses`
# tells whether it really is closed on this machine.
CLOSED_PORT = 9
CLOSED_URL = f"http://127.0.0.1:{CLOSED_PORT}"


def port_refuses(port: int, host: str = "127.0.0.1") -> bool:
    """True when a TCP connection to host:port is refused (nothing listens there)."""
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) != 0


def free_port() -> int:
    """A loopback port that was free a moment ago (bound, then released): for a server started next."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released). Another process may take it later;
    where that matters use `refused_port()`, which holds it."""
    return free_port()


@contextmanager
def refused_port() -> Iterator[int]:
    """A port that is bound but not listening while the block runs: connecting is refused, and nobody
    can take it meanwhile."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def server_tls(ca: trustme.CA, *names: str) -> ssl.SSLContext:
    """A server-side TLS context with a certificate from `ca` for `names` (default 127.0.0.1 and localhost)."""
    import ssl

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*(names or ("127.0.0.1", "localhost"))).configure_cert(ctx)
    return ctx
