"""A kube-apiserver as the wizard (and Backstage's proxy) sees it, with metav1.Status errors:

- `GET /version` for anyone (system:public-info-viewer), unless anonymous access is off;
- `POST /apis/authentication.k8s.io/<version>/selfsubjectreviews`: who the bearer token is;
- `POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews`: whether RBAC lets them (the spec is echoed);
- `GET /api/v1/namespaces`: the list, or 403 Forbidden when no binding names the user or a group.

A bearer token is a user when `users` (static tokens: service accounts) knows it, or when the ID-token
authenticator accepts it (an API server started with `--oidc-issuer-url`, `--oidc-client-id`,
`--oidc-username-claim=email`, `--oidc-groups-claim=groups`: `oidc_authenticator`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from wizard.demo.servers import Request, Response

AUTHENTICATED = "system:authenticated"


def k8s_status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}


UNAUTHORIZED = Response(401, k8s_status(401, "Unauthorized", "Unauthorized"))
NOT_FOUND = Response(404, k8s_status(404, "NotFound", "the server could not find the requested resource"))


@dataclass
class KubeUser:
    username: str
    groups: list[str]


class TokenUsers(Protocol):
    """Bearer token -> its user: a dict, or anything with its `.get`."""

    def get(self, bearer: str, /) -> KubeUser | None: ...


def oidc_authenticator(claims_of: Callable[[str], Mapping[str, Any] | None], username_claim: str = "email",
                       groups_claim: str = "groups") -> Callable[[str], KubeUser | None]:
    """An API server's OIDC authenticator over `claims_of(token)` (the verified claims, or None):
    the username from `username_claim`, the groups from `groups_claim`, plus system:authenticated."""

    def authenticate(token: str) -> KubeUser | None:
        claims = claims_of(token) if token.count(".") == 2 else None
        name = claims.get(username_claim) if claims else None
        if not isinstance(name, str) or not name:
            return None
        groups = claims.get(groups_claim) if claims else None
        return KubeUser(name, [g for g in groups or [] if isinstance(g, str)] + [AUTHENTICATED])

    return authenticate


@dataclass
class ApiServer:
    """State of a stand-in kube-apiserver; `handle` is its LoopbackServer handler."""

    users: TokenUsers = field(default_factory=dict[str, KubeUser])  # bearer token -> KubeUser (anything with .get)
    id_tokens: Callable[[str], KubeUser | None] | None = None  # the OIDC authenticator, when the server has one
    bindings: dict[str, str] = field(default_factory=dict)  # subject (user or group) -> its ClusterRoleBinding to view
    git_version: str = "v1.30.2"
    anonymous_version: bool = True
    review_versions: tuple[str, ...] = ("v1",)
    namespaces: tuple[str, ...] = ("default", "kube-system", "shop")

    def authenticate(self, bearer: str | None) -> KubeUser | None:
        if not bearer:
            return None
        user = self.users.get(bearer)
        if user is None and self.id_tokens is not None:
            user = self.id_tokens(bearer)
        return user

    def binding(self, user: KubeUser) -> str | None:
        """The ClusterRoleBinding that lets `user` view (None: RBAC denies)."""
        return next((self.bindings[s] for s in (user.username, *user.groups) if s in self.bindings), None)

    def handle(self, req: Request) -> Response:
        if req.path == "/version" and req.method == "GET":
            return self._version(req)
        user = self.authenticate(req.bearer)
        prefix = "/apis/authentication.k8s.io/"
        if req.path.startswith(prefix) and req.path.endswith("/selfsubjectreviews") and req.method == "POST":
            version = req.path[len(prefix):].split("/")[0]
            if version not in self.review_versions:
                return NOT_FOUND
            return self._review(user, version)
        if req.path == "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews" and req.method == "POST":
            return self._access_review(user, req)
        if req.path == "/api/v1/namespaces" and req.method == "GET":
            return self._namespaces(user)
        return NOT_FOUND

    def _version(self, req: Request) -> Response:
        if not self.anonymous_version and self.authenticate(req.bearer) is None:
            return UNAUTHORIZED
        return Response(200, {"major": "1", "minor": "30", "gitVersion": self.git_version,
                              "gitCommit": "9a7f5c3", "platform": "linux/amd64"})

    def _review(self, user: KubeUser | None, version: str) -> Response:
        if user is None:
            return UNAUTHORIZED
        return Response(201, {"kind": "SelfSubjectReview", "apiVersion": f"authentication.k8s.io/{version}",
                              "metadata": {"creationTimestamp": None},
                              "status": {"userInfo": {"username": user.username, "groups": user.groups}}})

    def _access_review(self, user: KubeUser | None, req: Request) -> Response:
        if user is None:
            return UNAUTHORIZED
        body = req.json()
        binding = self.binding(user)
        status: dict[str, Any] = {"allowed": binding is not None}
        if binding is not None:
            status["reason"] = f'RBAC: allowed by ClusterRoleBinding "{binding}" of ClusterRole "view"'
        return Response(201, {"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1",
                              "metadata": {"creationTimestamp": None},
                              "spec": body.get("spec", {}) if isinstance(body, dict) else {}, "status": status})

    def _namespaces(self, user: KubeUser | None) -> Response:
        if user is None:
            return UNAUTHORIZED
        if self.binding(user) is None:
            return Response(403, k8s_status(403, "Forbidden", f'namespaces is forbidden: User "{user.username}" '
                                            'cannot list resource "namespaces" in API group "" at the cluster scope'))
        return Response(200, {"kind": "NamespaceList", "apiVersion": "v1", "metadata": {"resourceVersion": "42"},
                              "items": [{"metadata": {"name": n}} for n in self.namespaces]})


__all__ = ["AUTHENTICATED", "NOT_FOUND", "UNAUTHORIZED", "ApiServer", "KubeUser", "k8s_status", "oidc_authenticator"]
