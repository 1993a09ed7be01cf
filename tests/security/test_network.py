"""Servers' answers are not trusted: where a credential goes, how much of an answer is read, what one
failing check group does to the run, and what a --ca-file must be before anything is asked.

Every server here is on loopback and records what it receives: a hostile OpenID discovery document
whose token_endpoint points elsewhere must not receive the client secret (nothing is sent, and
oidc-client says why); an answer that never ends is read only up to its cap (the server sees the
connection closed long before it could send its whole body, and the process's memory stays small);
a group of checks that raises fails alone, without a traceback; a --ca-file that is not a PEM
certificate file is refused (exit 2, one sentence) before any server is contacted. Tests wait for
state (events, joins), never for time.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import threading
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import trustme

from tests.support.cli import PROJECT, PY, assert_clear_error, cli_env, run
from tests.support.configs import many_clusters_config
from tests.support.net import closed_port, free_port, server_tls
from tests.support.repos import make_repo
from tests.support.servers import EchoServer, Reply, Req, cluster_handler

MiB = 1024 * 1024
SECRET = "ClientSecretNeverSent-Zq81Lm27"
CLIENT_ID = "spectro-wizard-client"
TENANT_PATH = "/v1/oidc/tenant/acme"


def _json(status: int, body: object) -> Reply:
    return status, {"Content-Type": "application/json"}, json.dumps(body)


def _carries_secret(req: Req) -> bool:
    basic = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode().rstrip("=")
    return SECRET in req.body or SECRET in req.path or any(SECRET in v or basic in v for v in req.headers.values())


def _repo(tmp_path: Path, authorization_url: str, backend: str, name: str = "app") -> Path:
    text = many_clusters_config(0).replace(
        "    guest: {}\n",
        "    guest: {}\n    spectrocloud:\n      development:\n"
        f"        clientId: {CLIENT_ID}\n        clientSecret: ${{SPECTROCLOUD_CLIENT_SECRET}}\n"
        f"        authorizationUrl: {authorization_url}\n", 1)
    text = text.replace("  baseUrl: http://localhost:7007\n", f"  baseUrl: {backend}\n", 1)
    return make_repo(tmp_path, name, preset="many-clusters", app_config=text)


# ------------------------------------------------------------------------------------------------
# 1. the client secret goes only to the module's own token URL, when discovery agrees, over https


@pytest.fixture
def thief() -> Iterator[EchoServer]:
    """Where a hostile discovery document sends the token exchange: it would accept anything."""
    server = EchoServer(lambda s, r: _json(400, {"error": "invalid_grant"}))
    yield server
    server.close()


def _hostile_provider(token_endpoint: str) -> EchoServer:
    def handle(server: EchoServer, req: Req) -> Reply:
        issuer = server.origin + TENANT_PATH
        if urlsplit(req.path).path == TENANT_PATH + "/.well-known/openid-configuration":
            return _json(200, {"issuer": issuer, "authorization_endpoint": issuer + "/auth",
                               "token_endpoint": token_endpoint.replace("{origin}", server.origin),
                               "jwks_uri": issuer + "/jwks", "scopes_supported": ["openid", "profile", "email"]})
        if urlsplit(req.path).path == TENANT_PATH + "/auth":
            return 302, {"Location": issuer + "/login"}, ""
        return _json(400, {"error": "invalid_grant"})  # a token endpoint that would say "credentials fine"

    return EchoServer(handle)


@pytest.mark.parametrize("where", ["another origin, plain http", "the same origin, another path"])
def test_a_hostile_discovery_document_never_receives_the_client_secret(
        where: str, thief: EchoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    endpoint = f"{thief.origin}/steal" if where.startswith("another") else "{origin}/v1/oidc/tenant/other/token"
    provider = _hostile_provider(endpoint)
    try:
        root = _repo(tmp_path, f"{provider.origin}{TENANT_PATH}/auth", f"http://127.0.0.1:{closed_port()}")
        monkeypatch.setenv("SPECTROCLOUD_CLIENT_SECRET", SECRET)
        code, out, err = run(capsys, "verify", "--repo", str(root), "--json", "--timeout", "5")
        assert code == 1, err
        checks = {c["id"]: c for c in json.loads(out)["checks"]}
        client = checks["oidc-client"]
        assert client["status"] == "fail" and client["hint"] == "oidc-secret-not-sent", client
        assert "the secret was not sent" in client["summary"]
        # one sentence saying why (both URLs) and what to fix
        assert "token endpoint" in client["detail"] and f"{provider.origin}{TENANT_PATH}/token" in client["detail"]
        assert "Fix authorizationUrl" in client["detail"]
        assert thief.requests == [], "the hostile token endpoint was contacted"
        assert not any(_carries_secret(r) for r in provider.requests), "the secret was sent to the provider"
        assert SECRET not in out + err
    finally:
        provider.close()


def test_login_refuses_before_the_browser_opens_when_discovery_points_elsewhere(thief: EchoServer) -> None:
    """`login`: the code exchange would carry the secret to discovery's token_endpoint."""
    from wizard.remote.login import LoginError, login

    provider = _hostile_provider(f"{thief.origin}/steal")
    opened: list[str] = []
    redirect = f"http://127.0.0.1:{free_port()}"

    def browser(url: str) -> None:  # signs in at once: the provider sends the browser back with a code
        opened.append(url)
        state = parse_qs(urlsplit(url).query)["state"][0]
        httpx.get(f"{redirect}/?code=fake-code&state={state}", timeout=10)

    try:
        with pytest.raises(LoginError) as caught:
            login(f"{provider.origin}{TENANT_PATH}/auth", CLIENT_ID, SECRET, redirect_urls=(redirect,),
                  timeout=30, open_browser=browser)
        assert "not started" in str(caught.value) and "oidc-secret-not-sent" in str(caught.value)
        assert opened == [], "the sign-in was started"
        assert thief.requests == []
        assert not any(_carries_secret(r) for r in provider.requests)
    finally:
        provider.close()


@pytest.mark.parametrize("authorization_url, token_endpoint, sent", [
    ("http://idp.example.com/v1/oidc/tenant/acme/auth", "http://idp.example.com/v1/oidc/tenant/acme/token", False),
    ("https://idp.example.com/v1/oidc/tenant/acme/auth", "https://idp.example.com/v1/oidc/tenant/acme/token/", False),
    ("https://idp.example.com/v1/oidc/tenant/acme/auth", "https://evil.example.com/v1/oidc/tenant/acme/token", False),
    ("https://idp.example.com/v1/oidc/tenant/acme/auth", "https://IDP.example.com:443/v1/oidc/tenant/acme/token", True),
    ("http://localhost:8080/v1/oidc/tenant/acme/auth", "http://localhost:8080/v1/oidc/tenant/acme/token", True),
], ids=["plain-http", "other-path", "other-host", "same-url-other-spelling", "loopback-http"])
async def test_the_secret_is_sent_only_to_the_modules_token_url_over_https(
        authorization_url: str, token_endpoint: str, sent: bool) -> None:
    """No network: a transport records what would leave. Plain http only on loopback hosts."""
    from wizard.remote import oidc

    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(400, json={"error": "invalid_grant"})

    discovery = oidc.Discovery(authorization_url.replace("/auth", "/.well-known/openid-configuration"),
                               {"token_endpoint": token_endpoint})
    async with httpx.AsyncClient(transport=httpx.MockTransport(record)) as http:
        result = await oidc.check_client(http, discovery, authorization_url=authorization_url, client_id=CLIENT_ID,
                                         client_secret=SECRET, callback_url="http://localhost:7007/cb")
    if sent:
        assert result.status == "ok" and [str(r.url) for r in seen] == [authorization_url.replace("/auth", "/token")]
    else:
        assert result.status == "fail" and result.hint == "oidc-secret-not-sent", result
        assert seen == []


# ------------------------------------------------------------------------------------------------
# 2. every answer is read only up to its cap


class Flood:
    """A loopback HTTP server whose answer to every request is a body of `total` bytes, sent in
    chunks until the client closes the connection. It records the bytes it handed to the socket and
    whether the client went away first; its socket buffer is small, so what it sent is close to what
    the client read (plus the client's own receive buffer)."""

    def __init__(self, total: int = 96 * MiB, declare: int | None = None) -> None:
        self.total, self.declare = total, declare
        self.sent = 0
        self.client_closed = threading.Event()
        self.finished = threading.Event()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 32 * 1024)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        chunk = b"[" + b" " * (64 * 1024 - 1)
        try:
            head = b""
            while b"\r\n\r\n" not in head:
                data = conn.recv(4096)
                if not data:
                    return
                head += data
            length = f"Content-Length: {self.declare}\r\n" if self.declare else ""
            conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{length}Connection: close\r\n\r\n".encode())
            while self.sent < self.total:
                conn.sendall(chunk)
                self.sent += len(chunk)
        except OSError:  # EPIPE / ECONNRESET: the client closed the connection
            self.client_closed.set()
        finally:
            conn.close()
            self.finished.set()

    def close(self) -> None:
        self.sock.close()


SLACK = 16 * MiB  # the client's receive buffer (up to ~6 MiB autotuned on Linux) and ours


async def _discovery(origin: str) -> str:
    from wizard.remote.oidc import run_oidc_checks

    results = await run_oidc_checks(f"{origin}{TENANT_PATH}/auth", "http://localhost:7007/cb", CLIENT_ID, SECRET, timeout=10)
    return results[0].summary + " " + results[0].detail + " " + str(results[0].hint)


async def _version(origin: str) -> str:
    from wizard.remote.kube import ClusterTarget, verify_cluster

    (result,) = await verify_cluster(ClusterTarget("flooded", origin), timeout=10)
    return result.summary + " " + result.detail + " " + str(result.hint)


async def _backend(origin: str) -> str:
    from wizard.remote.backstage import verify_backend

    results = await verify_backend(origin, timeout=10)
    return results[0].summary + " " + results[0].detail + " " + str(results[0].hint)


@pytest.mark.parametrize("check, cap, what, hint", [
    (_discovery, 1, "the discovery document", "oidc-discovery-failed"),
    (_version, 1, "/version", "cluster-not-kubernetes"),
    (_backend, 16, "the clusters route's answer", "backend-unexpected-answer"),
], ids=["oidc-discovery", "cluster-version", "backend-clusters"])
async def test_an_endless_answer_is_read_only_up_to_its_cap(check, cap: int, what: str, hint: str) -> None:
    flood = Flood()
    tracemalloc.start()
    try:
        text = await check(flood.origin)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    try:
        assert f"answered more than {cap} MiB for {what}" in text, text
        assert hint in text, text
        assert flood.finished.wait(30), "the server is still sending"
        assert flood.client_closed.is_set(), f"the client read the whole {flood.total // MiB} MiB"
        assert flood.sent <= cap * MiB + SLACK, f"{flood.sent / MiB:.1f} MiB sent before the client closed"
        assert peak < cap * MiB * 3 + 8 * MiB, f"peak {peak / MiB:.1f} MiB held"
    finally:
        flood.close()


def test_a_declared_oversized_answer_is_refused_before_its_body(monkeypatch: pytest.MonkeyPatch) -> None:
    """Palette's cluster list (cap 64 MiB) declared as 1 GiB: refused on the headers alone."""
    from wizard.remote.palette import PaletteError, list_clusters_sync

    flood = Flood(total=2 * MiB, declare=1024 * MiB)
    try:
        with pytest.raises(PaletteError) as caught:
            list_clusters_sync(flood.origin, "palette-key-Qx81", timeout=10)
        assert "answered more than 64 MiB for the cluster list" in str(caught.value)
        assert caught.value.hint == "palette-unexpected-answer"
        assert flood.finished.wait(30) and flood.client_closed.is_set()
        assert "palette-key-Qx81" not in str(caught.value)
    finally:
        flood.close()


async def test_json_nested_past_what_json_reads_is_not_json_not_a_crash() -> None:
    """Inside the cap, a body of 100,000 `[` makes json raise RecursionError (not a ValueError)."""
    from wizard.remote.oidc import run_oidc_checks

    server = EchoServer(lambda s, r: (200, {"Content-Type": "application/json"}, "[" * 100_000))
    try:
        results = await run_oidc_checks(f"{server.origin}{TENANT_PATH}/auth", "http://localhost:7007/cb", CLIENT_ID,
                                        SECRET, timeout=5)
    finally:
        server.close()
    assert results[0].id == "oidc-discovery" and results[0].status == "fail", results[0]
    assert "not a JSON object" in results[0].summary


# ------------------------------------------------------------------------------------------------
# 3. one group's unexpected error is that group's failure; the others complete

BOOM = """
import sys
import wizard.remote.kube as kube

real = kube.verify_cluster

async def verify_cluster(target, *args, **kwargs):
    if target.name == "cluster-00001":
        raise RuntimeError("a check blew up holding Bearer " + sys.argv[-1])
    return await real(target, *args, **kwargs)

kube.verify_cluster = verify_cluster
from wizard.cli import main
sys.exit(main(sys.argv[1:-1]))
"""


@pytest.mark.parametrize("extra", [[], ["--json"]], ids=["text", "json"])
def test_one_group_failing_does_not_stop_the_others_nor_print_a_traceback(tmp_path: Path, extra: list[str]) -> None:
    ca = trustme.CA()
    cluster = EchoServer(cluster_handler, server_tls(ca))
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJqYW5lIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
    try:
        text = many_clusters_config(3, urls=[cluster.origin] * 3, ca_data=base64.b64encode(ca.cert_pem.bytes()).decode())
        root = make_repo(tmp_path, "app", preset="many-clusters", app_config=text)
        argv = [PY, "-c", BOOM, "verify", "--repo", str(root), "--backend-url", f"http://127.0.0.1:{closed_port()}",
                "--token", token, "--timeout", "5", *extra, token]
        proc = subprocess.run(argv, cwd=PROJECT, env=cli_env(tmp_path), capture_output=True, text=True, timeout=120, check=False)
    finally:
        cluster.close()
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "Task exception was never retrieved" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stdout
    assert token not in proc.stdout + proc.stderr
    if extra:
        checks = {c["id"]: c for c in json.loads(proc.stdout)["checks"]}
        boom = checks["cluster:cluster-00001"]
        assert boom["status"] == "fail" and boom["hint"] == "verify-check-crashed", boom
        assert "stopped on an unexpected error (RuntimeError: a check blew up" in boom["summary"]
        assert "overall limit" not in boom["summary"]
        # the other groups ran to the end
        assert checks["cluster:cluster-00000"]["status"] == "ok" and checks["cluster:cluster-00002"]["status"] == "ok"
        assert checks["backend-reachable"]["status"] == "fail" and "refused" in checks["backend-reachable"]["detail"]
    else:
        assert "cluster:cluster-00001" in proc.stdout and "unexpected error" in proc.stdout
        assert "no answer within the overall limit" not in proc.stdout


# ------------------------------------------------------------------------------------------------
# 4. --ca-file: refused before anything runs


@pytest.fixture
def recorded(tmp_path: Path) -> Iterator[tuple[Path, EchoServer]]:
    """A repo whose backend, OIDC provider and cluster are one recording server."""
    server = EchoServer(lambda s, r: _json(404, {"error": {"message": "nothing here"}}))
    text = many_clusters_config(1, urls=[server.origin])
    root = make_repo(tmp_path, "app", preset="many-clusters", app_config=text.replace(
        "    guest: {}\n", "    guest: {}\n    spectrocloud:\n      development:\n"
        f"        clientId: {CLIENT_ID}\n        clientSecret: ${{SPECTROCLOUD_CLIENT_SECRET}}\n"
        f"        authorizationUrl: {server.origin}{TENANT_PATH}/auth\n", 1))
    yield root, server
    server.close()


def _ca_file(kind: str, tmp: Path) -> str:
    path = tmp / f"ca-{kind}"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "blank":
        path.write_bytes(b"\n  \n")
    elif kind == "text":
        path.write_text("this is not a certificate\n")
    elif kind == "bad-pem":
        path.write_text("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n")
    elif kind == "binary":
        path.write_bytes(bytes(range(256)))
    elif kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        return "/dev/zero"
    return str(path)


CA_FILE_WORDS = {"empty": "is empty", "blank": "is empty", "text": "holds no PEM certificate",
                 "bad-pem": "certificate cannot be loaded", "binary": "is not a PEM file", "directory": "is a directory",
                 "fifo": "is a FIFO", "device": "is a character device"}


@pytest.mark.parametrize("kind", list(CA_FILE_WORDS))
def test_a_ca_file_that_is_not_a_pem_certificate_file_is_refused_before_anything_runs(
        kind: str, recorded: tuple[Path, EchoServer], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, server = recorded
    ca_file = _ca_file(kind, tmp_path)
    argv = ["verify", "--repo", str(root), "--ca-file", ca_file, "--backend-url", server.origin, "--timeout", "5"]
    if kind in ("fifo", "device"):  # as a process, with a deadline: reading these must not block or run forever
        proc = subprocess.run([PY, "-m", "wizard", *argv], cwd=PROJECT, env=cli_env(tmp_path), capture_output=True,
                              text=True, timeout=60, stdin=subprocess.DEVNULL, check=False)
        code, out, err = proc.returncode, proc.stdout, proc.stderr
    else:
        code, out, err = run(capsys, *argv)
    assert code == 2, out + err
    assert_clear_error(err, "--ca-file", CA_FILE_WORDS[kind])
    assert "(masked)" not in err  # the sentence names what a PEM holds without looking like one to the masker
    assert out == ""
    assert server.requests == [], "a server was contacted"


def test_a_pem_ca_file_is_accepted(recorded: tuple[Path, EchoServer], tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   ca_pem: str) -> None:
    """The guard is not a wall: a real PEM CA file lets verify run (and ask the servers)."""
    root, server = recorded
    pem = tmp_path / "ca.pem"
    pem.write_text(ca_pem)
    code, out, err = run(capsys, "verify", "--repo", str(root), "--ca-file", str(pem), "--backend-url", server.origin,
                         "--timeout", "5")
    assert code == 1 and "Traceback" not in err, err
    assert server.requests


# ------------------------------------------------------------------------------------------------
# 5. a credential header never follows a redirect (a guard: the clients never followed them)


@pytest.fixture
def elsewhere() -> Iterator[EchoServer]:
    server = EchoServer(lambda s, r: _json(200, {"items": []}))
    yield server
    server.close()


def test_no_credential_follows_a_redirect_to_another_origin(elsewhere: EchoServer) -> None:
    import asyncio

    from wizard.remote.backstage import check_backend_clusters
    from wizard.remote.http import async_client
    from wizard.remote.kube import ClusterTarget, check_cluster_identity
    from wizard.remote.palette import PaletteError, list_clusters_sync

    redirector = EchoServer(lambda s, r: (307, {"Location": f"{elsewhere.origin}{r.path}"}, ""))
    try:
        with pytest.raises(PaletteError):
            list_clusters_sync(redirector.origin, "palette-key-Qx81", timeout=5)

        async def both() -> None:
            async with async_client(timeout=5) as client:
                await check_backend_clusters(client, redirector.origin, "backstage-token-Zq81", [])
            await check_cluster_identity(ClusterTarget("c", redirector.origin), "id.token.Zq81", timeout=5)

        asyncio.run(both())
        assert len(redirector.requests) == 3
        assert elsewhere.requests == [], "a credential followed a redirect"
    finally:
        redirector.close()
