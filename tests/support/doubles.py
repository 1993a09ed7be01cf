"""The tests' doubles of the servers the wizard talks to, built on the demo's stand-ins (wizard/demo):
the shipped loopback plumbing and wire formats, plus what only tests need (recorded requests, failure
switches, fake secrets that must never leak, the bodies captured from a real backend).

- `LoopbackServer`: wizard.demo.servers.LoopbackServer (bound and listening when constructed, so no
  test waits for a server with sleeps; Go's answer to plain HTTP on a TLS port), recording every request.
- `KubeDouble`: the demo's kube-apiserver (wizard.demo.kube.ApiServer) knowing alice and bob by their
  (fake) ID tokens, with RBAC letting `allowed_subjects` view.
- `BackstageDouble`: the routes of a Backstage 1.55 backend the wizard calls, scripted by switches
  (not started, no auth module, no guest...), with the bodies captured from a real backend (copied
  below); its Kubernetes proxy is the demo backend's (wizard.demo.backstage.proxy_request), which
  really forwards to a `KubeDouble` over TLS.
- `PaletteDouble`: the demo's Palette API (wizard.demo.palette.PaletteApi) with four clusters, a
  wrapped-list switch, forbidden kubeconfigs, and admin kubeconfigs carrying fake client credentials
  that must never leak.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wizard.demo import kube, palette, servers
from wizard.demo.backstage import ServedCluster, backstage_error, proxy_request
from wizard.demo.kube import UNAUTHORIZED, KubeUser, k8s_status
from wizard.demo.servers import Handler, Request, Response

# ------------------------------------------------------------------------------------------------
# Bodies captured from a real Backstage 1.55.0 backend (create-app 0.9.2), copied verbatim from the
# project's reference captures so the tests do not depend on them at run time.

CAPTURE_CLUSTERS_401 = {
    "error": {
        "name": "AuthenticationError",
        "message": "Missing credentials",
        "stack": "AuthenticationError: Missing credentials\n"
                 "    at DefaultHttpAuthService.credentials "
                 "(<app>/node_modules/@backstage/backend-defaults/src/entrypoints/httpAuth/httpAuthServiceFactory.ts:187:13)\n"
                 "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
    },
    "request": {"method": "GET", "url": "/clusters"},
    "response": {"statusCode": 401},
}
CAPTURE_CLUSTERS_200 = {
    "items": [
        {"name": "my-cluster", "authProvider": "oidc", "oidcTokenProvider": "spectrocloud"},
        {"name": "legacy-prod", "authProvider": "serviceAccount"},
    ]
}
CAPTURE_NOT_STARTED_503 = {
    "error": {
        "name": "ServiceUnavailableError",
        "message": "Service has not started up yet",
        "stack": "ServiceUnavailableError: Service has not started up yet\n"
                 "    at Timeout._onTimeout "
                 "(<app>/node_modules/@backstage/backend-defaults/src/entrypoints/httpRouter/http/createLifecycleMiddleware.ts:106:16)\n"
                 "    at listOnTimeout (node:internal/timers:581:17)\n"
                 "    at process.processTimers (node:internal/timers:519:7)",
    },
    "request": {"method": "GET", "url": "/clusters"},
    "response": {"statusCode": 503},
}
CAPTURE_AUTH_START_404 = {
    "error": {
        "name": "NotFoundError",
        "message": "Unknown auth provider 'spectrocloud'",
        "stack": "NotFoundError: Unknown auth provider 'spectrocloud'\n"
                 "    at <anonymous> (<app>/node_modules/@backstage/plugin-auth-backend/src/service/router.ts:175:11)\n"
                 "    at handleReturn (<app>/node_modules/express-promise-router/lib/express-promise-router.js:24:23)",
    },
    "request": {"method": "GET", "url": "/spectrocloud/start?env=development"},
    "response": {"statusCode": 404},
}
CAPTURE_GUEST_REFRESH_200 = {
    "profile": {},
    "backstageIdentity": {
        "token": "<replaced per test by the double's token>",
        "identity": {
            "type": "user",
            "userEntityRef": "user:development/guest",
            "ownershipEntityRefs": ["user:development/guest"],
        },
        "expiresInSeconds": 3599,
    },
}

# Distinctive fake secrets: every test greps results, reprs and logs for them.
GUEST_TOKEN = "eyJhbGciOiJFUzI1NiJ9.GUEST-BACKSTAGE-TOKEN-SECRET.c2ln"
USER_TOKEN = "eyJhbGciOiJFUzI1NiJ9.USER-BACKSTAGE-TOKEN-SECRET.c2ln"
ID_TOKEN = "eyJhbGciOiJSUzI1NiJ9.ALICE-ID-TOKEN-SECRET.c2lnbmF0dXJl"
ID_TOKEN_BOB = "eyJhbGciOiJSUzI1NiJ9.BOB-ID-TOKEN-SECRET.c2lnbmF0dXJl"
UNTRUSTED_ID_TOKEN = "eyJhbGciOiJSUzI1NiJ9.UNTRUSTED-ID-TOKEN-SECRET.c2ln"
PALETTE_API_KEY = "QMOI1ZVKVIoW6LM6-PALETTE-API-KEY-SECRET"
KUBECONFIG_TOKEN = "KUBECONFIG-ADMIN-TOKEN-SECRET-1234567890"
KUBECONFIG_CLIENT_KEY = base64.b64encode(
    b"-----BEGIN RSA PRIVATE KEY-----\nFAKE-CLIENT-KEY-SECRET\n-----END RSA PRIVATE KEY-----\n").decode()
KUBECONFIG_CLIENT_CERT = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nFAKE-CLIENT-CERT-SECRET\n-----END CERTIFICATE-----\n").decode()
ALL_SECRETS = (GUEST_TOKEN, USER_TOKEN, ID_TOKEN, ID_TOKEN_BOB, UNTRUSTED_ID_TOKEN, PALETTE_API_KEY,
               KUBECONFIG_TOKEN, KUBECONFIG_CLIENT_KEY, KUBECONFIG_CLIENT_CERT, "FAKE-CLIENT-KEY-SECRET",
               "FAKE-CLIENT-CERT-SECRET")


# ------------------------------------------------------------------------------------------------
# generic server


class LoopbackServer(servers.LoopbackServer):
    """The shipped loopback server, recording every request it answers in `requests`."""

    def __init__(self, handler: Handler, tls: Any = None) -> None:
        super().__init__(handler, tls, name="test-double")
        self.requests: list[Request] = []

    def respond(self, req: Request) -> Response:
        self.requests.append(req)
        return super().respond(req)


Serve = Callable[..., LoopbackServer]  # the `serve` fixture: serve(handler, tls=None) -> a started server


@dataclass
class Running:
    """A double and the server that serves it."""

    double: Any
    server: LoopbackServer

    @property
    def url(self) -> str:
        return self.server.url()


DNS_FAIL_URL = "https://no-such-host.spectro-wizard.invalid:6443"  # .invalid never resolves (RFC 6761)


# ------------------------------------------------------------------------------------------------
# Kubernetes API server double


@dataclass
class KubeDouble(kube.ApiServer):
    """A kube-apiserver that knows alice and bob by their ID tokens; `handle` is the LoopbackServer handler."""

    users: Any = field(default_factory=lambda: {
        ID_TOKEN: KubeUser("alice@example.com", ["platform-devs", "system:authenticated"]),
        ID_TOKEN_BOB: KubeUser("oidc:bob@example.com", ["guests", "system:authenticated"]),
    })
    namespaces: tuple[str, ...] = ("default", "kube-system", "team-a")
    allowed_subjects: set[str] = field(default_factory=lambda: {"alice@example.com"})
    # an API server's OIDC authentication (tests/support/apiserver.py): the user a real ID token maps to,
    # or None (401); when set, it decides instead of the fixed `users`
    authenticator: Callable[[str], KubeUser | None] | None = None

    def authenticate(self, bearer: str | None) -> KubeUser | None:
        if self.authenticator is not None:
            return self.authenticator(bearer) if bearer else None
        return super().authenticate(bearer)

    def user_of(self, token: str | None) -> KubeUser | None:
        return self.authenticate(token)

    def binding(self, user: KubeUser) -> str | None:
        return "spectrocloud-oidc-view" if {user.username, *user.groups} & self.allowed_subjects else None

    def _allowed(self, user: KubeUser) -> bool:
        return self.binding(user) is not None


# ------------------------------------------------------------------------------------------------
# Backstage backend double


@dataclass(frozen=True)
class BackstageCluster(ServedCluster):
    """A cluster the double serves; oidc/spectrocloud unless told otherwise."""

    auth_provider: str = "oidc"
    oidc_token_provider: str | None = "spectrocloud"


STATE = "6e6f6e63652d7374617465"  # the start route's state (hex, as the real module makes it)


def frame_page(message: dict[str, Any]) -> str:
    """The sign-in callback's page as a real Backstage 1.55 backend renders it (postMessageResponse)."""
    from urllib.parse import quote as _quote

    encoded = _quote(json.dumps(message, separators=(",", ":")), safe="")
    return ("<html><body><script>\n"
            f"    var authResponse = decodeURIComponent('{encoded}');\n"
            "    var origin = decodeURIComponent('http%3A%2F%2Flocalhost%3A3000');\n"
            "    var originInfo = {'type': 'config_info', 'targetOrigin': origin};\n"
            "    (window.opener || window.parent).postMessage(originInfo, '*');\n"
            "    (window.opener || window.parent).postMessage(JSON.parse(authResponse), origin);\n"
            "  </script></body></html>")


MISCONFIGURED_MESSAGE = ("Auth provider registered for 'spectrocloud' is misconfigured. This could mean the configs under "
                         "auth.providers.spectrocloud are missing or the environment variables used are not defined. "
                         "Check the auth backend plugin logs when the backend starts to see more details.")


@dataclass
class BackstageDouble:
    started: bool = True
    auth_module: bool = True
    misconfigured: bool = False  # the module skipped its provider (a pod without the client ID's Secret)
    client_secret_ok: bool = True  # what the provider says when the backend exchanges a code with its credentials
    auth_envs: tuple[str, ...] = ("development",)
    authorization_url: str = "https://console.spectrocloud.com/v1/oidc/tenant/abc123/auth"
    guest_enabled: bool = True
    tokens: set[str] = field(default_factory=lambda: {GUEST_TOKEN, USER_TOKEN})
    clusters: list[BackstageCluster] = field(default_factory=list)

    def handle(self, req: Request) -> Response:
        if not self.started:  # the lifecycle middleware answers every route like this
            return Response(503, CAPTURE_NOT_STARTED_503)
        if req.path == "/api/kubernetes/clusters":
            return self._clusters(req)
        if req.path == "/api/auth/spectrocloud/start":
            return self._auth_start(req)
        if req.path == "/api/auth/spectrocloud/handler/frame":
            return self._auth_frame(req)
        if req.path == "/api/auth/guest/refresh" and req.method == "POST":
            return self._guest(req)
        if req.path.startswith("/api/kubernetes/proxy/"):
            return self._proxy(req)
        return backstage_error(404, "NotFoundError", "Not Found", req.path)

    def _auth_error(self, req: Request, url: str) -> Response | None:
        if req.bearer is None:
            return Response(401, CAPTURE_CLUSTERS_401)
        if req.bearer not in self.tokens:
            # Not captured: a real backend words a bad token differently; only the 401 matters here.
            return backstage_error(401, "AuthenticationError", "Invalid token", url)
        return None

    def _clusters(self, req: Request) -> Response:
        return self._auth_error(req, "/clusters") or Response(200, {"items": [c.served() for c in self.clusters]})

    def _auth_start(self, req: Request) -> Response:
        if not self.auth_module:
            return Response(404, CAPTURE_AUTH_START_404)
        if self.misconfigured:  # the real module's words (wizard/demo/backstage.py has them too)
            return backstage_error(404, "NotFoundError", MISCONFIGURED_MESSAGE, "/spectrocloud/start")
        env = req.query.get("env", "")
        if env not in self.auth_envs:
            return backstage_error(404, "NotFoundError",
                                   f"No configuration available for the '{env}' environment of this provider.",
                                   "/spectrocloud/start")
        location = (f"{self.authorization_url}?response_type=code&client_id=backstage-client&redirect_uri="
                    "http%3A%2F%2Flocalhost%3A7007%2Fapi%2Fauth%2Fspectrocloud%2Fhandler%2Fframe"
                    f"&scope=openid%20profile%20email&state={STATE}")
        return Response(302, b"", {"Location": location, "Set-Cookie": "spectrocloud-nonce=abc; Path=/api/auth"})

    def _auth_frame(self, req: Request) -> Response:
        """The sign-in callback: the module exchanges the code at the provider with the backend's own client
        credentials and posts the result to the opener. A made-up code gives what the real backend's page
        said (captured from the e2e build with the right and a wrong client secret)."""
        if "spectrocloud-nonce=abc" not in req.headers.get("cookie", "") or req.query.get("state") != STATE:
            message = "Auth response is missing cookie nonce"
        elif self.client_secret_ok:
            message = 'Token exchange failed: 400 {"error":"invalid_grant","error_description":"grant request is invalid"}'
        else:
            message = ('Token exchange failed: 401 {"error":"invalid_client","error_description":'
                       '"client authentication failed"}')
        return Response(200, frame_page({"type": "authorization_response", "error": {"name": "Error", "message": message}}),
                        {"Content-Type": "text/html; charset=utf-8"})

    def _guest(self, req: Request) -> Response:
        if not self.guest_enabled:
            return backstage_error(404, "NotFoundError", "Unknown auth provider 'guest'", "/guest/refresh")
        if req.headers.get("x-requested-with") != "XMLHttpRequest":
            return backstage_error(401, "AuthenticationError", "Invalid X-Requested-With header", "/guest/refresh")
        body = json.loads(json.dumps(CAPTURE_GUEST_REFRESH_200))
        body["backstageIdentity"]["token"] = GUEST_TOKEN
        return Response(200, body)

    def _proxy(self, req: Request) -> Response:
        if (error := self._auth_error(req, req.path)) is not None:
            return error
        return proxy_request(req, self.clusters)


# ------------------------------------------------------------------------------------------------
# Palette API double


def kubeconfig_text(server: str, ca_b64: str) -> str:
    """An admin kubeconfig as Palette hands it out, with (fake) admin credentials."""
    return palette.kubeconfig_text(server, ca_b64, client_cert=KUBECONFIG_CLIENT_CERT,
                                   client_key=KUBECONFIG_CLIENT_KEY, token=KUBECONFIG_TOKEN)


palette_meta = palette.palette_meta


@dataclass
class PaletteDouble(palette.PaletteApi):
    api_key: str = PALETTE_API_KEY
    projects: dict[str, str] = field(default_factory=lambda: {"p-prod": "production", "p-dev": "development"})
    clusters: list[dict[str, Any]] = field(default_factory=lambda: [
        palette_meta("c-east", "prod-east", "project", "p-prod", "eks", "Running"),
        palette_meta("c-west", "prod-west", "project", "p-prod", "aks", "Running"),
        palette_meta("c-dev", "dev-1", "project", "p-dev", "edge-native", "Provisioning"),
        palette_meta("c-shared", "shared-tenant", "tenant", None, "vsphere", "Running"),
    ])
    ca_b64: str = ""
    wrap_items: bool = False  # answer {"items": [...]} instead of the bare list the provider reads
    forbidden: set[str] = field(default_factory=set)  # cluster uids whose kubeconfig answers 403

    def cluster_list(self) -> Any:
        return {"items": self.clusters} if self.wrap_items else self.clusters

    def admin_kubeconfig(self, uid: str) -> Response:
        if uid in self.forbidden:
            return Response(403, {"code": "Forbidden", "message": "Operation not allowed"})
        text = self.kubeconfigs.get(uid)
        if text is None:
            text = kubeconfig_text(f"https://{uid}.k8s.example.com:6443", self.ca_b64)
        return Response(200, text.encode())


# ------------------------------------------------------------------------------------------------
# Kubernetes API server double with workloads, for the Kubernetes tab of a real Backstage app


def _labelled(obj: dict[str, Any], selector: str | None) -> bool:
    """`key=value[,key=value]` label selectors (what the Kubernetes backend sends), nothing more."""
    if not selector:
        return True
    labels = obj.get("metadata", {}).get("labels", {})
    for term in selector.split(","):
        key, _, value = term.partition("=")
        if labels.get(key.strip()) != value.strip():
            return False
    return True


def workload_objects(kubernetes_id: str, name: str = "e2e-workload", namespace: str = "team-a") -> dict[str, list[dict[str, Any]]]:
    """One Deployment, its ReplicaSet, its Pod (Running, ready) and a Service, labelled
    `backstage.io/kubernetes-id: <kubernetes_id>`, keyed by (group/version, resource)."""
    labels = {"backstage.io/kubernetes-id": kubernetes_id, "app": name}
    created = "2026-12-01T10:00:00Z"

    def meta(obj_name: str, uid: str, owner: tuple[str, str, str] | None = None) -> dict[str, Any]:
        m: dict[str, Any] = {"name": obj_name, "namespace": namespace, "uid": uid, "labels": dict(labels),
                             "creationTimestamp": created, "resourceVersion": "1"}
        if owner:
            m["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": owner[0], "name": owner[1], "uid": owner[2],
                                     "controller": True}]
        return m

    container = {"name": "web", "image": "nginx:1.27",
                 "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "200m", "memory": "128Mi"}}}
    rs_name = f"{name}-7d9f8c6b5"
    pod_name = f"{rs_name}-x2x4q"
    template = {"metadata": {"labels": dict(labels)}, "spec": {"containers": [container]}}
    return {
        "apps/v1/deployments": [{
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(name, "uid-deploy"),
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}}, "template": template},
            "status": {"replicas": 1, "readyReplicas": 1, "availableReplicas": 1, "updatedReplicas": 1,
                       "conditions": [{"type": "Available", "status": "True"}]}}],
        "apps/v1/replicasets": [{
            "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": meta(rs_name, "uid-rs", ("Deployment", name, "uid-deploy")),
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}}, "template": template},
            "status": {"replicas": 1, "readyReplicas": 1, "availableReplicas": 1}}],
        "v1/pods": [{
            "apiVersion": "v1", "kind": "Pod", "metadata": meta(pod_name, "uid-pod", ("ReplicaSet", rs_name, "uid-rs")),
            "spec": {"containers": [container], "nodeName": "node-1"},
            "status": {"phase": "Running", "podIP": "10.0.0.12", "startTime": created,
                       "conditions": [{"type": t, "status": "True"} for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")],
                       "containerStatuses": [{"name": "web", "ready": True, "started": True, "restartCount": 0,
                                              "image": "nginx:1.27", "imageID": "docker.io/library/nginx@sha256:0",
                                              "state": {"running": {"startedAt": created}}}]}}],
        "v1/services": [{
            "apiVersion": "v1", "kind": "Service", "metadata": meta(name, "uid-svc"),
            "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.42", "selector": {"app": name},
                     "ports": [{"port": 80, "targetPort": 80, "protocol": "TCP"}]}}],
        "metrics.k8s.io/v1beta1/pods": [{
            "apiVersion": "metrics.k8s.io/v1beta1", "kind": "PodMetrics",
            "metadata": {"name": pod_name, "namespace": namespace, "labels": dict(labels), "creationTimestamp": created},
            "timestamp": created, "window": "30s", "containers": [{"name": "web", "usage": {"cpu": "5m", "memory": "20Mi"}}]}],
    }


@dataclass
class WorkloadDouble(KubeDouble):
    """A KubeDouble that also lists workloads as the Kubernetes backend asks for them
    (`GET /api/v1/pods?labelSelector=...`, `/apis/<group>/<version>[/namespaces/<ns>]/<resource>`,
    PodMetrics from metrics.k8s.io): `objects` (see workload_objects) for an authenticated user its
    RBAC allows, an empty list of any other resource, 401 without a user, and for a user it does not
    allow the 403 Status an API server answers (`pods is forbidden: User "..." cannot list ...`)."""

    objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def handle(self, req: Request) -> Response:
        listed = self._list_target(req)
        if listed is None or req.method != "GET":
            return super().handle(req)
        group_version, namespace, resource = listed
        user = self.users.get(req.bearer or "")
        if user is None:
            return UNAUTHORIZED
        group = group_version.rsplit("/", 1)[0] if "/" in group_version else ""
        if not self._allowed(user):
            scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
            return Response(403, k8s_status(403, "Forbidden", f'{resource} is forbidden: User "{user.username}" cannot '
                                            f'list resource "{resource}" in API group "{group}" {scope}'))
        items = [o for o in self.objects.get(f"{group_version}/{resource}", [])
                 if (namespace is None or o["metadata"].get("namespace") == namespace)
                 and _labelled(o, req.query.get("labelSelector"))]
        kind = "PodMetrics" if group == "metrics.k8s.io" else resource[:-1].capitalize()
        return Response(200, {"kind": f"{kind}List", "apiVersion": group_version,
                              "metadata": {"resourceVersion": "42"}, "items": items})

    @staticmethod
    def _list_target(req: Request) -> tuple[str, str | None, str] | None:
        """(group/version, namespace or None, resource) of a list request; None for anything else."""
        parts = [p for p in req.path.split("/") if p]
        if parts[:2] == ["api", "v1"]:
            rest, group_version = parts[2:], "v1"
        elif parts[:1] == ["apis"] and len(parts) >= 4:
            rest, group_version = parts[3:], f"{parts[1]}/{parts[2]}"
        else:
            return None
        if len(rest) == 1 and not (group_version == "v1" and rest[0] == "namespaces"):
            return group_version, None, rest[0]
        if len(rest) == 3 and rest[0] == "namespaces":
            return group_version, rest[1], rest[2]
        return None
