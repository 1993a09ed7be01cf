"""A small SpectroCloud Palette API client: list clusters, and read one cluster's API URL and CA.

It calls the same endpoints as the TeraSky cluster provider. The admin kubeconfig Palette hands out
holds admin credentials; only `clusters[0].cluster.server` and `certificate-authority-data` are taken
from it and the rest is dropped at once: never stored, returned, printed or logged. The API key is
sent as the `ApiKey` header and appears in no repr, error or log line either. Errors are raised
outside `except` blocks so no chained exception (whose request object carries the headers) survives.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import concurrent.futures
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from wizard.core.hint_ids import Palette as H
from wizard.remote.backstage import explain_error
from wizard.remote.http import BodyTooLarge, TLSOptions, async_client, limit
from wizard.remote.limits import DEFAULT_TIMEOUT, DOCUMENT_CAP, PALETTE_LIST_CAP

T = TypeVar("T")


class PaletteError(Exception):
    """One sentence for the user; `hint` names the troubleshooting entry."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class PaletteCluster:
    """A cluster as the Palette dashboard lists it (nothing secret)."""

    uid: str
    name: str
    project_uid: str | None = None
    project_name: str | None = None
    cloud_type: str | None = None
    state: str | None = None
    scope: str | None = None


@dataclass(frozen=True)
class ClusterEndpoint:
    """What app-config needs for one cluster: its API server URL and CA (base64 PEM, like caData)."""

    name: str
    uid: str
    server: str
    ca_data: str | None = field(default=None, repr=False)  # not secret, just long

    def to_cluster_config(self) -> dict[str, Any]:
        """An app-config / answers-file cluster entry (without the auth fields the patcher adds)."""
        entry: dict[str, Any] = {"name": self.name, "url": self.server}
        if self.ca_data:
            entry["caData"] = self.ca_data
        return entry


class PaletteClient:
    """Async Palette API client. Use as `async with PaletteClient(url, key) as p: ...`."""

    def __init__(self, base_url: str, api_key: str, *, tls: TLSOptions | None = None,
                 timeout: float = DEFAULT_TIMEOUT, client: httpx.AsyncClient | None = None) -> None:
        if not api_key:
            raise PaletteError("no Palette API key was given (set the variable named by apiTokenEnv)", H.API_KEY)
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._client = client or async_client(tls, timeout=timeout)
        self._owns_client = client is None
        self._project_names: dict[str, str | None] = {}

    def __repr__(self) -> str:
        return f"PaletteClient(base_url={self.base_url!r}, api_key='***')"

    async def __aenter__(self) -> PaletteClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    # ---------------------------------------------------------------- transport

    async def _get(self, path: str, params: Mapping[str, str] | None = None, json: bool = True,
                   what: str = "its answer", cap: int = DOCUMENT_CAP) -> httpx.Response:
        """GET with the ApiKey header; every failure becomes a PaletteError without a chained cause.

        The key goes to the configured Palette URL only: redirects are never followed (a 3xx is an
        unexpected answer), so no other origin receives the header. The answer is read up to `cap`.
        The kubeconfig is asked for without `Accept: application/json`, as the TeraSky provider does.
        """
        url = self.base_url + path
        headers = {"ApiKey": self._api_key}
        if json:
            headers["Accept"] = "application/json"
        failure: str | None = None
        unreadable = False
        try:
            resp = await self._client.get(url, params=params, headers=headers, follow_redirects=False,
                                          extensions=limit(what, cap))
        except httpx.HTTPError as exc:
            failure = explain_error(exc, url)
            unreadable = isinstance(exc, (BodyTooLarge, httpx.DecodingError))
        if failure is not None and unreadable:  # reached, but its answer cannot be read
            raise PaletteError(f"Palette API at {self.base_url}: {failure}", H.UNEXPECTED)
        if failure is not None:  # raised here, outside `except`, so the request (and key) is not chained
            raise PaletteError(f"Palette API at {self.base_url} could not be reached: {failure}", H.UNREACHABLE)
        if resp.status_code == 400 and "http request to an https server" in resp.text.lower():
            raise PaletteError(f"{self.base_url} speaks HTTPS on that port: use https:// in the Palette API URL",
                               H.UNREACHABLE)
        if resp.status_code == 401:
            raise PaletteError("Palette refused the API key (401): check the key and that it is not expired or revoked",
                               H.API_KEY)
        return resp

    @staticmethod
    def _forbidden(path: str) -> PaletteError:
        return PaletteError(f"the Palette API key may not read {path} (403): give its user access to the project",
                            H.API_KEY)

    async def _get_json(self, path: str, what: str = "its answer", cap: int = DOCUMENT_CAP) -> Any:
        resp = await self._get(path, what=what, cap=cap)
        if resp.status_code == 403:
            raise self._forbidden(path)
        if resp.status_code != 200:
            raise PaletteError(f"Palette answered {resp.status_code} to GET {path}", H.UNEXPECTED)
        try:
            return resp.json()
        except (ValueError, RecursionError):  # not JSON, or nested past what json can read
            pass
        raise PaletteError(f"Palette answered GET {path} with something that is not JSON", H.UNEXPECTED)

    # ---------------------------------------------------------------- clusters

    async def list_clusters(self, include_projects: Sequence[str] = (), exclude_projects: Sequence[str] = (),
                            exclude_tenant_scoped: bool = False) -> list[PaletteCluster]:
        """All clusters the key can see, with project names, filtered as the TeraSky cluster provider does.

        Filters match a project's name (or uid) and apply to project-scoped clusters only; a cluster
        whose project name cannot be read is kept. Tenant-scoped clusters pass unless
        `exclude_tenant_scoped` (the provider's excludeTenantScopedClusters).
        """
        body = await self._get_json("/v1/dashboard/spectroclusters/meta", "the cluster list", PALETTE_LIST_CAP)
        items = body.get("items") if isinstance(body, dict) else body  # the provider reads a bare list
        if not isinstance(items, list):
            raise PaletteError("Palette's cluster list has an unexpected format (no list of clusters)", H.UNEXPECTED)
        clusters = [await self._with_project_name(_parse_meta(item)) for item in items]
        return [c for c in clusters if _selected(c, include_projects, exclude_projects, exclude_tenant_scoped)]

    async def _with_project_name(self, cluster: PaletteCluster) -> PaletteCluster:
        if not _project_scoped(cluster) or not cluster.project_uid:
            return cluster
        name = await self.project_name(cluster.project_uid)
        return PaletteCluster(cluster.uid, cluster.name, cluster.project_uid, name, cluster.cloud_type,
                              cluster.state, cluster.scope)

    async def project_name(self, uid: str) -> str | None:
        """A project's name, fetched once per uid (many clusters share a project)."""
        if uid not in self._project_names:
            resp = await self._get(f"/v1/projects/{quote(uid, safe='')}", what="a project")
            body = _json_or_none(resp) if resp.status_code == 200 else None
            meta = body.get("metadata") if isinstance(body, dict) else None
            name = meta.get("name") if isinstance(meta, dict) else None
            self._project_names[uid] = name if isinstance(name, str) else None
        return self._project_names[uid]

    # ---------------------------------------------------------------- endpoints

    async def cluster_endpoint(self, cluster: PaletteCluster) -> ClusterEndpoint:
        """Server URL and CA from the cluster's admin kubeconfig; the kubeconfig itself is discarded."""
        path = f"/v1/spectroclusters/{quote(cluster.uid, safe='')}/assets/adminKubeconfig"
        params = {"ProjectUid": cluster.project_uid} if _project_scoped(cluster) and cluster.project_uid else None
        resp = await self._get(path, params, json=False, what=f"the kubeconfig of cluster {cluster.name!r}")
        if resp.status_code == 403:
            raise self._forbidden(path)
        if resp.status_code != 200:
            raise PaletteError(f"Palette answered {resp.status_code} for the kubeconfig of cluster "
                               f"{cluster.name!r}", H.UNEXPECTED)
        text = resp.text
        await resp.aclose()
        del resp  # the response caches the body: drop it now
        try:
            server, ca_data = _server_and_ca(text, cluster.name)
        finally:
            del text  # not even a traceback's frame locals may keep the admin credentials
        return ClusterEndpoint(cluster.name, cluster.uid, server, ca_data)

    async def cluster_endpoints(self, clusters: Sequence[PaletteCluster]) -> list[ClusterEndpoint]:
        return [await self.cluster_endpoint(c) for c in clusters]


# ---------------------------------------------------------------- parsing (pure)


def _json_or_none(resp: httpx.Response) -> Any:
    try:
        return resp.json()
    except (ValueError, RecursionError):  # not JSON, or nested past what json can read
        return None


def _text(mapping: Mapping[str, Any], key: str) -> str | None:
    value = mapping.get(key)
    return value if isinstance(value, str) and value else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _parse_meta(item: Any) -> PaletteCluster:
    """One entry of /v1/dashboard/spectroclusters/meta: {metadata, spec.cloudType, status.state}."""
    meta = item.get("metadata") if isinstance(item, dict) else None
    if not isinstance(meta, dict) or not _text(meta, "uid") or not _text(meta, "name"):
        raise PaletteError("Palette's cluster list has an entry without metadata.uid/name", H.UNEXPECTED)
    annotations = _mapping(meta.get("annotations"))
    spec = _mapping(item.get("spec"))
    status = _mapping(item.get("status"))
    return PaletteCluster(uid=meta["uid"], name=meta["name"], project_uid=_text(annotations, "projectUid"),
                          cloud_type=_text(spec, "cloudType"), state=_text(status, "state"),
                          scope=_text(annotations, "scope"))


def _project_scoped(cluster: PaletteCluster) -> bool:
    # Older meta answers carry a projectUid without a scope: treat those as project clusters too.
    return cluster.scope == "project" or (cluster.scope is None and cluster.project_uid is not None)


def _selected(cluster: PaletteCluster, include: Sequence[str], exclude: Sequence[str],
              exclude_tenant_scoped: bool) -> bool:
    if cluster.scope == "tenant":
        return not exclude_tenant_scoped
    if not _project_scoped(cluster) or not cluster.project_name:
        return True  # as the provider: no project name, no filtering
    keys = {cluster.project_name, cluster.project_uid}
    if exclude and keys & set(exclude):
        return False
    return not include or bool(keys & set(include))


def _server_and_ca(text: str, cluster_name: str) -> tuple[str, str | None]:
    """Take clusters[0].cluster.server and certificate-authority-data; nothing else leaves here.

    Parse errors are reported without the parser's message, which would quote the offending line
    (possibly a credential).
    """
    parsed = True
    try:
        doc = YAML(typ="safe", pure=True).load(text)
    except YAMLError:
        parsed = False
        doc = None
    del text
    if not parsed:
        raise PaletteError(f"the kubeconfig Palette returned for {cluster_name!r} is not valid YAML", H.UNEXPECTED)
    server, ca_data = _dig_cluster(doc)
    del doc  # drop users[] (client certificates, tokens) right away
    if server is None:
        raise PaletteError(f"the kubeconfig Palette returned for {cluster_name!r} has no clusters[0].cluster.server",
                           H.UNEXPECTED)
    if ca_data is not None and not _is_base64_pem(ca_data):
        ca_data = None  # not a CA, so possibly anything: keep it out of the traceback's locals
        raise PaletteError(f"the kubeconfig of {cluster_name!r} has a certificate-authority-data that is not "
                           "base64 PEM", H.UNEXPECTED)
    return server, ca_data


def _dig_cluster(doc: Any) -> tuple[str | None, str | None]:
    clusters = doc.get("clusters") if isinstance(doc, dict) else None
    first = clusters[0] if isinstance(clusters, list) and clusters else None
    cluster = first.get("cluster") if isinstance(first, dict) else None
    if not isinstance(cluster, dict):
        return None, None
    server = cluster.get("server")
    ca = cluster.get("certificate-authority-data")
    server = server if isinstance(server, str) and server.startswith(("https://", "http://")) else None
    return server, "".join(ca.split()) if isinstance(ca, str) and ca.strip() else None


def _is_base64_pem(value: str) -> bool:
    try:
        return b"BEGIN CERTIFICATE" in base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False


# ---------------------------------------------------------------- sync wrapper for UI code


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, also from a thread that already runs a loop (Textual): then in a fresh thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def list_clusters_sync(base_url: str, api_key: str, *, include_projects: Sequence[str] = (),
                       exclude_projects: Sequence[str] = (), exclude_tenant_scoped: bool = False,
                       tls: TLSOptions | None = None, timeout: float = DEFAULT_TIMEOUT) -> list[PaletteCluster]:
    """Blocking `PaletteClient.list_clusters` (raises PaletteError)."""
    async def go() -> list[PaletteCluster]:
        async with PaletteClient(base_url, api_key, tls=tls, timeout=timeout) as palette:
            return await palette.list_clusters(include_projects, exclude_projects, exclude_tenant_scoped)
    return _run(go())


def cluster_endpoints_sync(base_url: str, api_key: str, clusters: Sequence[PaletteCluster], *,
                           tls: TLSOptions | None = None, timeout: float = DEFAULT_TIMEOUT) -> list[ClusterEndpoint]:
    """Blocking `PaletteClient.cluster_endpoints` (raises PaletteError)."""
    async def go() -> list[ClusterEndpoint]:
        async with PaletteClient(base_url, api_key, tls=tls, timeout=timeout) as palette:
            return await palette.cluster_endpoints(clusters)
    return _run(go())
