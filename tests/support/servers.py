"""Indiscreet loopback servers (the secrets tests): bound and listening when constructed (no sleeps).

`EchoServer` answers with a handler function and records every request. The doubles here are
deliberately indiscreet: their error bodies echo the request's Authorization header, body and query
back, as some proxies and misconfigured servers do, so a tool that prints response bodies verbatim
would leak the secrets it sent.
"""

from __future__ import annotations

import json
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import urlsplit


@dataclass
class Req:
    method: str
    path: str
    headers: dict[str, str]
    body: str


Reply = tuple[int, dict, str]  # status, headers, body


@dataclass
class EchoServer:
    handler: Callable[["EchoServer", Req], Reply]
    tls: ssl.SSLContext | None = None
    requests: list[Req] = field(default_factory=list)

    def __post_init__(self) -> None:
        outer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _do(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n).decode("utf-8", "replace") if n else ""
                req = Req(self.command, self.path, {k: v for k, v in self.headers.items()}, body)
                outer.requests.append(req)
                status, headers, text = outer.handler(outer, req)
                data = text.encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _do

            def log_message(self, *a: object) -> None:
                pass

        class S(ThreadingHTTPServer):
            daemon_threads = True

            def get_request(self):  # type: ignore[override]
                sock, addr = super().get_request()
                if outer.tls is not None:
                    sock.settimeout(5)
                    try:
                        sock = outer.tls.wrap_socket(sock, server_side=True)
                    except (ssl.SSLError, OSError):
                        sock.close()
                        raise OSError("handshake failed")
                return sock, addr

            def handle_error(self, request, client_address) -> None:  # noqa: ANN001
                pass

        self.httpd = S(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _echo(req: Req) -> str:
    return f"auth={req.headers.get('Authorization', '')} body={req.body} path={req.path}"


def backend_handler(server: EchoServer, req: Req) -> Reply:
    """A Backstage backend that refuses every token and says which one it refused."""
    body = {"error": {"name": "AuthenticationError", "message": f"Illegal token: {_echo(req)}"},
            "request": {"method": req.method, "url": req.path}, "response": {"statusCode": 401}}
    return 401, {"Content-Type": "application/json"}, json.dumps(body)


def cluster_handler(server: EchoServer, req: Req) -> Reply:
    """A kube-apiserver: /version is public; every authenticated call fails, echoing the token."""
    if urlsplit(req.path).path.endswith("/version"):
        return 200, {"Content-Type": "application/json"}, json.dumps({"major": "1", "minor": "30", "gitVersion": "v1.30.2"})
    status = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Unauthorized", "code": 401,
              "message": f"Unauthorized: {_echo(req)}"}
    return 401, {"Content-Type": "application/json"}, json.dumps(status)


def oidc_handler(issuer_path: str) -> Callable[[EchoServer, Req], Reply]:
    """An OIDC provider with a valid discovery document whose token and authorization endpoints
    reject everything and echo the credentials they were sent."""

    def handle(server: EchoServer, req: Req) -> Reply:
        issuer = server.origin + issuer_path
        path = urlsplit(req.path).path
        if path == issuer_path + "/.well-known/openid-configuration":
            doc = {
                "issuer": issuer, "authorization_endpoint": issuer + "/auth", "token_endpoint": issuer + "/token",
                "jwks_uri": issuer + "/jwks", "userinfo_endpoint": issuer + "/userinfo",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"], "scopes_supported": ["openid", "email", "profile"],
                "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            }
            return 200, {"Content-Type": "application/json"}, json.dumps(doc)
        if path.endswith("/jwks"):
            return 200, {"Content-Type": "application/json"}, json.dumps({"keys": []})
        err = {"error": "invalid_client", "error_description": f"client authentication failed: {_echo(req)}"}
        return 401 if path.endswith("/token") else 400, {"Content-Type": "application/json"}, json.dumps(err)

    return handle
