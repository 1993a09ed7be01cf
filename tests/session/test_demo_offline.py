"""The demo contacts nothing real (issue #19; the README: "nothing real is contacted"): a whole demo run
through the session — checks, the OIDC test, Palette at its default URL, a migration, the restart,
sign-in, verify with the ID token, the support report — opens sockets to loopback addresses only and
looks up no host name but localhost; a URL a user types in the demo that is not on this machine is
refused before any lookup.

Why the socket module is patched: the promise is about the machine's network, below every client
library the wizard and its stand-ins use (httpx, authlib, http.client, asyncio), so the test records
what reaches the socket layer — every connect and every name lookup — and lets each go through
unchanged. Nothing is mocked away: every request is really made and really answered.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support.demo_browser import browse
from tests.support.net import free_port
from wizard.core.answers import DEFAULT_API_TOKEN_ENV, ClusterAnswer
from wizard.errors import WizardError
from wizard.session import Session, VerifyOptions
from wizard.session.demo import demo_run

OUT_THERE = "https://api.spectrocloud.com"


def _local(host: Any) -> bool:
    if host in (None, "", b""):
        return True  # a passive lookup (bind): nothing leaves the machine
    host = host.decode() if isinstance(host, bytes) else str(host)
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False  # a name: its lookup would already ask a DNS server


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, Any]]]:
    """Every connect (its address) and name lookup (its host) in this process while the test runs."""
    seen: list[tuple[str, Any]] = []
    real_connect, real_connect_ex, real_getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> Any:
        seen.append(("connect", address))
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> Any:
        seen.append(("connect", address))
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(("lookup", host))
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield seen


def elsewhere(seen: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    out = []
    for kind, what in seen:
        host = what[0] if kind == "connect" and isinstance(what, tuple) else what if kind == "lookup" else None
        if not _local(host):
            out.append((kind, what))
    return out


def port_of(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None
    return port


def test_a_demo_run_contacts_nothing_but_its_stand_ins(network: list[tuple[str, Any]], tmp_path: Path) -> None:
    with demo_run(tmp_path) as (root, world):
        s = Session(root, demo=True, world=world, path="migrate")
        world.prefill(s.answers)
        s.load()  # runs the demo's stand-in node and yarn
        s.run_checks()
        # every default the front ends offer in the demo is a stand-in
        assert s.answers.authorization_url() == world.authorization_url
        assert s.default_console_url() == world.console_url and s.default_palette_url() == world.palette_url
        oidc = {r.id: r.status for r in asyncio.run(s.test_oidc(timeout=5))}
        assert oidc["oidc-discovery"] == "ok" and oidc["oidc-client"] == "ok", oidc
        key = os.environ[DEFAULT_API_TOKEN_ENV]  # the demo's Palette key, set by the demo
        found = asyncio.run(s.palette_clusters(s.default_palette_url(), key))
        assert [c.name for c in found] == world.service_account_clusters
        from_palette = asyncio.run(s.palette_cluster_answers(s.default_palette_url(), key, found))
        assert {c.name: c.caData for c in from_palette} == {n: world.cluster_ca_data(n) for n in world.service_account_clusters}
        # the migration wave, the demo's restart, sign-in, verify with the user's ID token, the report
        s.answers.migrate = world.service_account_clusters
        s.make_plan()
        s.apply()
        assert s.restart_backend()
        assert asyncio.run(s.wait_for_backend(5, VerifyOptions(timeout=5))).served
        signed = s.login(redirect_url=f"http://localhost:{free_port()}", timeout=20, open_browser=browse)
        results = {r.id: r for r in s.verify_sync(VerifyOptions(id_token=signed.id_token, timeout=5))}
        assert results["cluster:prod-eu:identity"].status == "ok" and results["backend-proxy:prod-eu"].status == "ok"
        s.report(tmp_path / "report.md", run_verify=True, verify_options=VerifyOptions(timeout=5))
        # what a user could type in the demo, out there, is refused before any lookup or connection
        with pytest.raises(WizardError, match="the demo contacts only its local stand-ins"):
            asyncio.run(s.palette_clusters(OUT_THERE, key))
        s.add_cluster(ClusterAnswer("typed", url="https://10.20.30.40:6443", skipTLSVerify=True))
        s.make_plan()
        s.apply()
        typed = {r.id: r for r in s.verify_sync(VerifyOptions(timeout=5))}["cluster:typed"]
        assert typed.status == "fail" and "not on this machine, so it was not contacted" in typed.detail, typed
        stand_ins = {port_of(u) for u in (world.console_url, world.backend_url, world.palette_url,
                                          *(world.cluster_url(n) for n in world.service_account_clusters))}
    reached = {what[1] for kind, what in network if kind == "connect" and isinstance(what, tuple)}
    assert stand_ins <= reached, "the recorder missed connections: it proves nothing"
    assert elsewhere(network) == [], "the demo reached out of this machine"
