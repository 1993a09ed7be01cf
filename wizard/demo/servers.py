"""Loopback HTTP(S) servers and the certificates they serve: the plumbing under every stand-in (and
under the tests' doubles, tests/support/doubles.py and servers.py).

- `LoopbackServer`: a threaded http.server on 127.0.0.1, bound and listening when the constructor
  returns (so nothing ever waits for a server with sleeps); `start()` serves in a daemon thread,
  `stop()` closes the port. A handler is a function `Request -> Response`; a handler that raises
  answers 500, like a server with a bug, rather than hanging the client. On a TLS port the handshake
  runs in the connection's own thread, and a client that sends plain HTTP gets what Go's net/http
  (and so kube-apiserver) answers: `400 Client sent an HTTP request to an HTTPS server.`
- `Authority` (`new_authority`): a CA whose `server_context()` is a TLS server context with a
  certificate for 127.0.0.1 and localhost. EC P-256: a CA and a certificate take milliseconds.
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HOST = "127.0.0.1"
POLL_INTERVAL = 0.05  # how often an idle server looks for shutdown (bounds stop())
CONNECTION_TIMEOUT = 10.0  # an idle keep-alive connection ends after this
# What Go's net/http (and so kube-apiserver) answers to plain HTTP on its TLS port.
GO_PLAIN_HTTP_ANSWER = b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"


# ------------------------------------------------------------------------------------------------
# requests and responses


@dataclass
class Request:
    method: str
    target: str  # the request line's target: path and query
    headers: dict[str, str]  # names lower-cased
    body: bytes
    raw_headers: tuple[tuple[str, str], ...] = ()  # as sent, names in their own case

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.target).query, keep_blank_values=True).items()}

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True).items()}

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    @property
    def bearer(self) -> str | None:
        value = self.headers.get("authorization", "")
        return value[len("Bearer "):] if value.startswith("Bearer ") else None


@dataclass
class Response:
    status: int
    body: Any = b""  # dict/list: JSON; str: text; bytes: as is
    headers: dict[str, str] = field(default_factory=dict)  # a Content-Type here wins

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, (dict, list)):
            return json.dumps(self.body).encode(), "application/json; charset=utf-8"
        if isinstance(self.body, str):
            return self.body.encode(), "text/plain; charset=utf-8"
        return self.body, "application/octet-stream"


def html(status: int, text: str, headers: dict[str, str] | None = None) -> Response:
    """An HTML page (what a provider shows the browser)."""
    return Response(status, text, {"Content-Type": "text/html; charset=utf-8", **(headers or {})})


Handler = Callable[[Request], Response]


# ------------------------------------------------------------------------------------------------
# the server


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LoopbackServer

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = tuple(self.headers.items())
        req = Request(self.command, self.path, {k.lower(): v for k, v in raw},
                      self.rfile.read(length) if length else b"", raw)
        resp = self.server.respond(req)
        body, content_type = resp.encoded()
        self.send_response(resp.status)
        for name, value in {"Content-Type": content_type, **resp.headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    def log_message(self, format: str, *args: Any) -> None:  # a front end (or pytest) owns the terminal
        pass


class LoopbackServer(ThreadingHTTPServer):
    """Bound and listening on 127.0.0.1:<ephemeral> when constructed; `start()` serves in a daemon thread."""

    daemon_threads = True
    block_on_close = False  # stop() must not wait for a client's idle keep-alive connection

    def __init__(self, handler: Handler, tls: ssl.SSLContext | None = None, *, name: str = "stand-in") -> None:
        super().__init__((HOST, 0), _RequestHandler)
        self.handler = handler
        self.tls = tls
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": POLL_INTERVAL},
                                        name=f"spectro-wizard-{name}", daemon=True)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def url(self, host: str = HOST) -> str:
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    @property
    def serving(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> Self:
        if not self._thread.is_alive():
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the port (a connect is refused afterwards). Idempotent."""
        if self.serving:
            self.shutdown()
            self._thread.join(timeout=5)
        self.server_close()

    def respond(self, req: Request) -> Response:
        """The handler's answer; a handler that raises answers 500, like a server with a bug."""
        try:
            return self.handler(req)
        except Exception as exc:  # noqa: BLE001 - a stand-in bug must look like a server error, not a hung request
            return Response(500, {"error": {"name": "Error", "message": f"stand-in: {exc.__class__.__name__}"}})

    def finish_request(self, request: Any, client_address: Any) -> None:
        """In the connection's own thread: the TLS handshake (and its failure) happens here."""
        request.settimeout(CONNECTION_TIMEOUT)
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        first = request.recv(1, socket.MSG_PEEK)
        if first and first != b"\x16":  # not a TLS handshake record: plain HTTP on a TLS port
            request.sendall(GO_PLAIN_HTTP_ANSWER)
            return
        wrapped = self.tls.wrap_socket(request, server_side=True)  # a refused certificate ends here
        try:
            super().finish_request(wrapped, client_address)
        finally:
            wrapped.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that refuses the certificate or hangs up is not an error of ours


def stop_all(servers: list[LoopbackServer]) -> None:
    """Stop several servers at once: shutdown() waits up to one poll interval each, so ask them together."""
    stoppers = [threading.Thread(target=s.shutdown, daemon=True) for s in servers if s.serving]
    for t in stoppers:
        t.start()
    for t in stoppers:
        t.join()
    for server in servers:
        server.server_close()


# ------------------------------------------------------------------------------------------------
# certificates (EC P-256: generating a CA and a server certificate takes a few milliseconds)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _validity(builder: x509.CertificateBuilder) -> x509.CertificateBuilder:
    now = datetime.now(UTC)
    # a little in the past: a client whose clock is a minute behind must not see "not yet valid"
    return builder.not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=7))


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign,
                         crl_sign=cert_sign, encipher_only=False, decipher_only=False)


def _san(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ip_address(name))
    except ValueError:
        return x509.DNSName(name)


@dataclass(frozen=True)
class Authority:
    """A self-signed CA (with the extensions OpenSSL's strict verification wants)."""

    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @property
    def pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode("ascii")

    @property
    def ca_data(self) -> str:
        """caData as app-config and kubeconfigs hold it: base64 of the PEM text."""
        return base64.b64encode(self.pem.encode("ascii")).decode("ascii")

    def server_context(self, *names: str, common_name: str = "kube-apiserver") -> ssl.SSLContext:
        """A server TLS context with a certificate from this CA for `names` (default 127.0.0.1 and localhost)."""
        key = ec.generate_private_key(ec.SECP256R1())
        ca_ski = self.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        cert = (_validity(x509.CertificateBuilder())
                .subject_name(_name(common_name)).issuer_name(self.cert.subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .add_extension(x509.SubjectAlternativeName([_san(n) for n in names or (HOST, "localhost")]),
                               critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(_key_usage(cert_sign=False), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
                .sign(self.key, hashes.SHA256()))
        pem = cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        # ssl loads a certificate chain from a file only; the private directory lives for one call
        with tempfile.TemporaryDirectory(prefix="spectro-wizard-tls-") as tmp:
            path = Path(tmp) / "server.pem"
            path.write_bytes(pem)
            ctx.load_cert_chain(path)
        return ctx


def new_authority(common_name: str) -> Authority:
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (_validity(x509.CertificateBuilder())
               .subject_name(_name(common_name)).issuer_name(_name(common_name))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(_key_usage(cert_sign=True), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    return Authority(key, builder.sign(key, hashes.SHA256()))


__all__ = ["GO_PLAIN_HTTP_ANSWER", "HOST", "Authority", "Handler", "LoopbackServer", "Request", "Response", "html",
           "new_authority", "stop_all"]
