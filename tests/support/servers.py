"""Indiscreet loopback servers (the secrets tests), on the shipped loopback plumbing (wizard/demo/servers.py):
bound and listening when constructed (no sleeps).

`EchoServer` answers with a handler function `(server, Req) -> (status, headers, body text)` and records
every request as it came (header names in their own case, the body as text). The doubles here are
deliberately indiscreet: their error bodies echo the request's Authorization header, body and query
back, as some proxies and misconfigured servers do, so a tool that prints response bodies verbatim
would leak the secrets it sent.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from wizard.demo.kube import k8s_status
from wizard.demo.oidc import discovery_document
from wizard.demo.servers import LoopbackServer, Request, Response


@dataclass
class Req:
    method: str
    path: str  # path and query, as sent
    headers: dict[str, str]  # names as sent
    body: str


Reply = tuple[int, dict, str]  # status, headers, body


class EchoServer(LoopbackServer):
    """Started when constructed; every connection is closed after its one answer."""

    def __init__(self, handler: Callable[[EchoServer, Req], Reply], tls: ssl.SSLContext | None = None) -> None:
        self.echo = handler
        self.requests: list[Req] = []
        super().__init__(self._answer, tls, name="echo")
        self.start()

    def _answer(self, request: Request) -> Response:
        req = Req(request.method, request.target, dict(request.raw_headers), request.body.decode("utf-8", "replace"))
        self.requests.append(req)
        status, headers, text = self.echo(self, req)
        return Response(status, text.encode(), {**headers, "Connection": "close"})

    @property
    def origin(self) -> str:
        return self.url()

    def close(self) -> None:
        self.stop()


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
    status = k8s_status(401, "Unauthorized", f"Unauthorized: {_echo(req)}")
    return 401, {"Content-Type": "application/json"}, json.dumps(status)


def oidc_handler(issuer_path: str) -> Callable[[EchoServer, Req], Reply]:
    """An OIDC provider with a valid discovery document whose token and authorization endpoints
    reject everything and echo the credentials they were sent."""

    def handle(server: EchoServer, req: Req) -> Reply:
        issuer = server.origin + issuer_path
        path = urlsplit(req.path).path
        if path == issuer_path + "/.well-known/openid-configuration":
            doc = {**discovery_document(issuer, signing_alg="RS256"), "userinfo_endpoint": issuer + "/userinfo"}
            return 200, {"Content-Type": "application/json"}, json.dumps(doc)
        if path.endswith("/jwks"):
            return 200, {"Content-Type": "application/json"}, json.dumps({"keys": []})
        err = {"error": "invalid_client", "error_description": f"client authentication failed: {_echo(req)}"}
        return 401 if path.endswith("/token") else 400, {"Content-Type": "application/json"}, json.dumps(err)

    return handle
