"""The Palette API routes the TeraSky cluster provider and the wizard's discovery call, in Palette's shapes:

- `GET /v1/dashboard/spectroclusters/meta`: the clusters (a bare list, as the provider reads it);
- `GET /v1/projects/<uid>`: a project's name;
- `GET /v1/spectroclusters/<uid>/assets/adminKubeconfig`: the cluster's admin kubeconfig (YAML text),
  which carries admin credentials (the wizard keeps the server and CA only).

Every route wants the `ApiKey` header; a wrong one answers 401 as Palette does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wizard.demo.servers import Request, Response


def palette_meta(uid: str, name: str, scope: str, project_uid: str | None, cloud: str, state: str) -> dict[str, Any]:
    """One cluster as the dashboard's meta list shows it."""
    annotations = {"scope": scope, **({"projectUid": project_uid} if project_uid else {})}
    return {"metadata": {"uid": uid, "name": name, "annotations": annotations},
            "spec": {"cloudType": cloud}, "status": {"state": state, "kubeMeta": {"hasKubeConfigClient": True}}}


def kubeconfig_text(server: str, ca_b64: str, *, name: str = "prod-east", token: str = "",
                    client_cert: str = "", client_key: str = "") -> str:
    """An admin kubeconfig as Palette hands it out: one cluster, one context, one admin user."""
    user = "".join(f"\n    {k}: {v}" for k, v in (("client-certificate-data", client_cert),
                                                    ("client-key-data", client_key), ("token", token)) if v)
    return f"""apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: {ca_b64}
    server: {server}
  name: {name}
contexts:
- context:
    cluster: {name}
    user: {name}-admin
  name: {name}-admin@{name}
current-context: {name}-admin@{name}
kind: Config
preferences: {{}}
users:
- name: {name}-admin
  user:{user or " {}"}
"""


@dataclass
class PaletteApi:
    """State of a stand-in Palette API; `handle` is its LoopbackServer handler."""

    api_key: str
    projects: dict[str, str] = field(default_factory=dict)  # uid -> name
    clusters: list[dict[str, Any]] = field(default_factory=list)  # palette_meta(...) entries
    kubeconfigs: dict[str, str] = field(default_factory=dict)  # cluster uid -> admin kubeconfig (YAML text)

    def cluster_list(self) -> Any:
        return self.clusters

    def admin_kubeconfig(self, uid: str) -> Response:
        text = self.kubeconfigs.get(uid)
        if text is None:
            return Response(404, {"code": "ResourceNotFound", "message": f"Cluster '{uid}' not found"})
        return Response(200, text.encode())

    def handle(self, req: Request) -> Response:
        if req.headers.get("apikey") != self.api_key:
            return Response(401, {"code": "Unauthorized", "message": "Invalid api key", "ref": "", "status": 401})
        if req.path == "/v1/dashboard/spectroclusters/meta":
            return Response(200, self.cluster_list())
        if req.path.startswith("/v1/projects/"):
            uid = req.path.rsplit("/", 1)[1]
            if uid not in self.projects:
                return Response(404, {"code": "ResourceNotFound", "message": f"Project '{uid}' not found"})
            return Response(200, {"metadata": {"uid": uid, "name": self.projects[uid]}, "spec": {}})
        if req.path.startswith("/v1/spectroclusters/") and req.path.endswith("/assets/adminKubeconfig"):
            return self.admin_kubeconfig(req.path.split("/")[3])
        return Response(404, {"code": "NotFound", "message": req.path})


__all__ = ["PaletteApi", "kubeconfig_text", "palette_meta"]
