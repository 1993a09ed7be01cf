"""Fixtures of the remote checks' tests: the loopback doubles started per test, and unreachable
endpoints. Certificates (ca, rogue_ca, ca_pem, ca_b64) and `serve` come from tests/conftest.py.

Every server is bound and listening before its fixture returns (LoopbackServer binds in its
constructor), so no test waits with sleeps.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import trustme
from ruamel.yaml import YAML

from tests.support import net
from tests.support.doubles import (
    BackstageCluster,
    BackstageDouble,
    KubeDouble,
    PaletteDouble,
    Request,
    Response,
    Running,
    Serve,
)
from tests.support.results import HINTS_FILE
from wizard.remote.http import TLSOptions


@pytest.fixture
def kube(serve: Serve, ca: trustme.CA) -> Running:
    """A kube-apiserver double on HTTPS with a certificate for 127.0.0.1 and localhost."""
    double = KubeDouble()
    return Running(double, serve(double.handle, net.server_tls(ca, "127.0.0.1", "localhost")))


@pytest.fixture
def kube_untrusted(serve: Serve, rogue_ca: trustme.CA) -> Running:
    double = KubeDouble()
    return Running(double, serve(double.handle, net.server_tls(rogue_ca, "127.0.0.1", "localhost")))


@pytest.fixture
def kube_wrong_host(serve: Serve, ca: trustme.CA) -> Running:
    """Trusted CA, but the certificate names another host (hostname mismatch)."""
    double = KubeDouble()
    return Running(double, serve(double.handle, net.server_tls(ca, "other.example")))


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
    return Running(double, serve(double.handle, net.server_tls(ca, "127.0.0.1", "localhost")))


@pytest.fixture
def trust(ca_pem: str) -> TLSOptions:
    """TLS options that trust the test CA."""
    return TLSOptions(ca_data=ca_pem)


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
def refused_port() -> Iterator[int]:
    """A port that is bound but not listening: connecting is refused, and nothing can take it."""
    with net.refused_port() as port:
        yield port


@pytest.fixture
def refused_url(refused_port: int) -> str:
    """http:// on a port that is bound but not listening: connections are refused."""
    return f"http://127.0.0.1:{refused_port}"


@pytest.fixture
def palette_debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    """Every log record at DEBUG (test_palette: no secret reaches any)."""
    caplog.set_level(logging.DEBUG)  # httpx/httpcore log at DEBUG: prove nothing secret reaches them


@pytest.fixture(scope="module")
def entries() -> list[dict[str, Any]]:
    """The entries of templates/hints/remote.yaml."""
    data = YAML(typ="safe").load(HINTS_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data
