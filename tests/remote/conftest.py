"""Fixtures: certificates (trustme), loopback doubles started per test, and unreachable endpoints.

Every server is bound and listening before its fixture returns (LoopbackServer binds in its
constructor), so no test waits with sleeps.
"""

from __future__ import annotations

import base64
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import trustme

from tests.remote.doubles import (
    BackstageCluster,
    BackstageDouble,
    Handler,
    KubeDouble,
    LoopbackServer,
    PaletteDouble,
    Request,
    Response,
    server_tls_context,
)

Serve = Callable[..., LoopbackServer]


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    """The CA the clients are told to trust (caData / caFile / TLSOptions.ca_data)."""
    return trustme.CA()


@pytest.fixture(scope="session")
def rogue_ca() -> trustme.CA:
    """A CA nobody trusts: its server certificates must fail verification."""
    return trustme.CA()


@pytest.fixture(scope="session")
def ca_pem(ca: trustme.CA) -> str:
    return ca.cert_pem.bytes().decode()


@pytest.fixture(scope="session")
def ca_b64(ca_pem: str) -> str:
    """caData as app-config and kubeconfigs hold it: base64 of the PEM text."""
    return base64.b64encode(ca_pem.encode()).decode()


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Start LoopbackServers; all are stopped at teardown."""
    servers: list[LoopbackServer] = []

    def start(handler: Handler, tls: Any = None) -> LoopbackServer:
        server = LoopbackServer(handler, tls).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def tls_for(ca: trustme.CA, *names: str) -> Any:
    return server_tls_context(ca.issue_cert(*names).configure_cert)


@dataclass
class Running:
    double: Any
    server: LoopbackServer

    @property
    def url(self) -> str:
        return self.server.url()


@pytest.fixture
def kube(serve: Serve, ca: trustme.CA) -> Running:
    """A kube-apiserver double on HTTPS with a certificate for 127.0.0.1 and localhost."""
    double = KubeDouble()
    return Running(double, serve(double.handle, tls_for(ca, "127.0.0.1", "localhost")))


@pytest.fixture
def kube_untrusted(serve: Serve, rogue_ca: trustme.CA) -> Running:
    double = KubeDouble()
    return Running(double, serve(double.handle, tls_for(rogue_ca, "127.0.0.1", "localhost")))


@pytest.fixture
def kube_wrong_host(serve: Serve, ca: trustme.CA) -> Running:
    """Trusted CA, but the certificate names another host (hostname mismatch)."""
    double = KubeDouble()
    return Running(double, serve(double.handle, tls_for(ca, "other.example")))


@pytest.fixture
def backstage(serve: Serve, kube: Running, ca_pem: str) -> Running:
    """A Backstage backend double (plain HTTP, as in development) whose proxy reaches `kube`."""
    double = BackstageDouble(clusters=[
        BackstageCluster("my-cluster", kube.url, ca_pem=ca_pem),
        BackstageCluster("legacy-prod", "https://127.0.0.1:6444", auth_provider="serviceAccount"),
    ])
    return Running(double, serve(double.handle))


@pytest.fixture
def palette(serve: Serve, ca: trustme.CA, ca_b64: str) -> Running:
    double = PaletteDouble(ca_b64=ca_b64)
    return Running(double, serve(double.handle, tls_for(ca, "127.0.0.1", "localhost")))


@pytest.fixture
def slow_url(serve: Serve) -> Iterator[str]:
    """A server that accepts the request and then blocks until teardown releases it."""
    release = threading.Event()

    def hang(_: Request) -> Response:
        release.wait(timeout=30)
        return Response(200, {"late": True})

    server = serve(hang)
    yield server.url()
    release.set()  # before the serve fixture's teardown stops the server


@pytest.fixture
def refused_url() -> Iterator[str]:
    """A port that is bound but not listening: connections are refused, and nobody can take it meanwhile."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


DNS_FAIL_URL = "https://no-such-host.spectro-wizard.invalid:6443"  # .invalid never resolves (RFC 6761)
