"""Checks against one Kubernetes API server, the way the Backstage backend will talk to it.

`cluster:<name>` proves the URL and TLS settings from app-config work from here; with the user's ID
token, `cluster:<name>:identity` shows who the API server thinks the user is (SelfSubjectReview) and
`cluster:<name>:rbac` whether RBAC lets that user list pods (SelfSubjectAccessReview). Those two
answer the questions behind almost every "the Kubernetes tab shows 401/403" report. The ID token is
sent to the cluster only, and never lands in a result.
"""

from __future__ import annotations

import base64
import binascii
import ssl
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from wizard.core import rbac
from wizard.core.hint_ids import Kube as H
from wizard.core.mask import scrub_secrets
from wizard.core.results import CheckResult
from wizard.remote.backstage import explain_error
from wizard.remote.http import BodyTooLarge, TLSOptions, async_client, limit
from wizard.remote.limits import DEFAULT_TIMEOUT

# Newest first: SelfSubjectReview is GA in 1.28, beta in 1.27, alpha before.
_REVIEW_VERSIONS = ("v1", "v1beta1", "v1alpha1")
# What Go's net/http (and so kube-apiserver) answers to plain HTTP on its TLS port.
_GO_PLAIN_HTTP = "client sent an http request to an https server"
_MAX_MESSAGE = 300


@dataclass(frozen=True)
class ClusterTarget:
    """One cluster as app-config describes it: name, API URL and how to trust its certificate."""

    name: str
    url: str
    tls: TLSOptions = field(default_factory=TLSOptions)


def cluster_target(config: Mapping[str, Any], base_dir: Path | None = None) -> ClusterTarget:
    """Build a ClusterTarget from an app-config cluster entry (name, url, caData/caFile/skipTLSVerify).

    Raises ValueError with one sentence when the entry cannot be used (no url, caData not base64 PEM).
    `base_dir` resolves a relative caFile the way the backend would (its working directory).
    """
    name = str(config.get("name") or "")
    url = config.get("url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise ValueError(f"cluster {name!r} has no http(s) url in app-config")
    skip = config.get("skipTLSVerify") in (True, "true")
    ca_data = _decode_ca_data(name, config.get("caData")) if not skip else None
    ca_file = config.get("caFile") if not skip else None
    if isinstance(ca_file, str) and base_dir is not None and not Path(ca_file).is_absolute():
        ca_file = str(base_dir / ca_file)
    tls = TLSOptions(verify=not skip, ca_file=ca_file if isinstance(ca_file, str) else None, ca_data=ca_data)
    try:
        tls.ssl_context()  # fail here, with the cluster's name, rather than deep inside httpx
    except (ssl.SSLError, OSError) as exc:
        raise ValueError(f"cluster {name!r}: the CA in caData/caFile cannot be loaded ({exc.__class__.__name__})") from None
    return ClusterTarget(name, url, tls)


def _decode_ca_data(name: str, value: Any) -> str | None:
    """caData in app-config is base64 of the PEM text, as in a kubeconfig."""
    if value in (None, ""):
        return None
    try:
        pem = base64.b64decode(str(value), validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        raise ValueError(f"cluster {name!r}: caData is not base64-encoded PEM") from None
    if "BEGIN CERTIFICATE" not in pem:
        raise ValueError(f"cluster {name!r}: caData does not hold a PEM certificate")
    return pem


@asynccontextmanager
async def _client_for(target: ClusterTarget, client: httpx.AsyncClient | None, timeout: float) -> AsyncIterator[httpx.AsyncClient]:
    """Use the caller's client (tests, shared pools) or one built for this cluster's TLS settings."""
    if client is not None:
        yield client
        return
    async with async_client(target.tls, timeout=timeout) as own:
        yield own


def _url(target: ClusterTarget, path: str) -> str:
    return target.url.rstrip("/") + path


def _is_tls_problem(explanation: str) -> bool:
    # describe_error words every TLS failure with "TLS"; everything else is reachability.
    return "TLS" in explanation


def _transport_failure(check_id: str, target: ClusterTarget, exc: BaseException, url: str) -> CheckResult:
    explanation = explain_error(exc, url)
    if isinstance(exc, (BodyTooLarge, httpx.DecodingError)):  # reached, but its answer is not an API server's
        return CheckResult(check_id, "fail", f"{target.name}: the API server's answer could not be read",
                           explanation + f" ({url})", H.NOT_KUBERNETES)
    tls = _is_tls_problem(explanation)
    summary = f"{target.name}: TLS failed" if tls else f"{target.name}: API server not reachable"
    return CheckResult(check_id, "fail", summary, explanation + f" ({url})", H.TLS if tls else H.UNREACHABLE)


def _json(resp: httpx.Response) -> Any:
    try:
        return resp.json()
    except (ValueError, RecursionError):  # not JSON, or nested past what json can read
        return None


def _message(resp: httpx.Response) -> str:
    """A metav1.Status message or the first line of the body, shortened."""
    body = _json(resp)
    text = body.get("message") if isinstance(body, dict) and isinstance(body.get("message"), str) else resp.text
    text = " ".join(str(text).split()) or f"HTTP {resp.status_code}"
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


# --------------------------------------------------------------------------------------------
# cluster:<name>


async def check_cluster_version(
    target: ClusterTarget, *, client: httpx.AsyncClient | None = None, timeout: float = DEFAULT_TIMEOUT
) -> CheckResult:
    """`cluster:<name>`: GET /version over TLS with the cluster's own trust settings."""
    check_id = f"cluster:{target.name}"
    url = _url(target, "/version")
    try:
        async with _client_for(target, client, timeout) as c:
            resp = await c.get(url, extensions=limit("/version"))
    except httpx.HTTPError as exc:
        return _transport_failure(check_id, target, exc, url)
    return _version_result(check_id, target, resp, url)


def _version_result(check_id: str, target: ClusterTarget, resp: httpx.Response, url: str) -> CheckResult:
    body = _json(resp)
    tls_note = "TLS verified" if target.tls.verify else "TLS NOT verified (skipTLSVerify)"
    if resp.status_code == 200 and isinstance(body, dict) and isinstance(body.get("gitVersion"), str):
        version = body["gitVersion"]
        return CheckResult(check_id, "ok", f"{target.name}: Kubernetes {version} at {target.url}",
                           f"GET {url} answered 200; {tls_note}", data={"gitVersion": version})
    if resp.status_code in (401, 403):
        # Hardened clusters refuse anonymous /version: the server is there and TLS worked.
        return CheckResult(check_id, "ok", f"{target.name}: reachable at {target.url} (version hidden)",
                           f"GET {url} answered {resp.status_code}: anonymous access is disabled, which is fine; "
                           f"the server is reachable and {tls_note}", data={"status": resp.status_code})
    if resp.status_code == 400 and _GO_PLAIN_HTTP in resp.text.lower():
        return CheckResult(check_id, "fail", f"{target.name}: the URL uses http:// but the server speaks https",
                           f"GET {url} answered 400 {_message(resp)!r}: change the cluster's url to https://",
                           H.TLS)
    if resp.status_code == 404 or (resp.status_code == 200 and not isinstance(body, dict)):
        return CheckResult(check_id, "fail", f"{target.name}: {target.url} is not a Kubernetes API server",
                           f"GET {url} answered {resp.status_code} without a version; the url must be the API "
                           "server (as in a kubeconfig's clusters[].cluster.server), not a dashboard or ingress",
                           H.NOT_KUBERNETES)
    return CheckResult(check_id, "warn", f"{target.name}: reachable, but /version answered {resp.status_code}",
                       f"GET {url} answered {resp.status_code} {_message(resp)!r}", H.UNREACHABLE,
                       data={"status": resp.status_code})


# --------------------------------------------------------------------------------------------
# cluster:<name>:identity

_AUTHN_CONFIG_YAML = """\
apiVersion: apiserver.config.k8s.io/v1beta1
kind: AuthenticationConfiguration
jwt:
  - issuer:
      url: https://console.spectrocloud.com/v1/oidc/tenant/<tenant>   # the ID token's `iss`
      audiences:
        - <client id>                                                # the ID token's `aud`
    claimMappings:
      username:
        claim: email
        prefix: ""
      groups:
        claim: groups
        prefix: ""
"""

_UNTRUSTED_DETAIL = (
    "the API server answered 401 to the ID token: it does not trust the token's issuer or audience. "
    "Either start kube-apiserver with --oidc-issuer-url=<the token's iss> --oidc-client-id=<its aud> "
    "--oidc-username-claim=email --oidc-groups-claim=groups, or pass "
    "--authentication-config=<file> with:\n" + _AUTHN_CONFIG_YAML
    + "Palette-managed clusters get this from the cluster profile's OIDC settings."
)


async def check_cluster_identity(
    target: ClusterTarget, id_token: str, *, client: httpx.AsyncClient | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> CheckResult:
    """`cluster:<name>:identity`: who the API server says the ID token's holder is."""
    check_id = f"cluster:{target.name}:identity"
    try:
        async with _client_for(target, client, timeout) as c:
            resp, url = await _post_self_subject_review(c, target, id_token)
    except httpx.HTTPError as exc:
        return _transport_failure(check_id, target, exc, _url(target, "/apis/authentication.k8s.io"))
    if resp.status_code == 401:
        return CheckResult(check_id, "fail", f"{target.name}: the API server does not accept the ID token (401)",
                           _UNTRUSTED_DETAIL, H.UNTRUSTED_ISSUER)
    if resp.status_code == 403:
        return CheckResult(check_id, "warn", f"{target.name}: the ID token is accepted, but SelfSubjectReview is forbidden",
                           f"POST {url} answered 403 {scrub_secrets(_message(resp), [id_token])!r}: authentication works; "
                           "the identity cannot be shown", H.REVIEW_UNAVAILABLE)
    user = _user_info(resp)
    if user is None:
        return CheckResult(check_id, "warn", f"{target.name}: cannot show the identity ({resp.status_code})",
                           f"POST {url} answered {resp.status_code} {scrub_secrets(_message(resp), [id_token])!r}; "
                           "SelfSubjectReview needs Kubernetes 1.27+ (1.28 GA)", H.REVIEW_UNAVAILABLE)
    username, groups = user
    return CheckResult(check_id, "ok", f"{target.name}: authenticated as {username} (groups: {', '.join(groups) or 'none'})",
                       "RBAC subjects must use this exact username (with any prefix the API server adds)",
                       data={"username": username, "groups": groups})


async def _post_self_subject_review(
    client: httpx.AsyncClient, target: ClusterTarget, id_token: str
) -> tuple[httpx.Response, str]:
    """POST a SelfSubjectReview, stepping down API versions while the server answers 404."""
    resp: httpx.Response | None = None
    url = ""
    for version in _REVIEW_VERSIONS:
        url = _url(target, f"/apis/authentication.k8s.io/{version}/selfsubjectreviews")
        body = {"apiVersion": f"authentication.k8s.io/{version}", "kind": "SelfSubjectReview"}
        # the ID token goes to this cluster only: never where a redirect points
        resp = await client.post(url, json=body, headers={"Authorization": f"Bearer {id_token}"}, follow_redirects=False,
                                 extensions=limit("a SelfSubjectReview"))
        if resp.status_code != 404:
            break
    assert resp is not None
    return resp, url


def _user_info(resp: httpx.Response) -> tuple[str, list[str]] | None:
    if resp.status_code not in (200, 201):
        return None
    body = _json(resp)
    info = body.get("status", {}).get("userInfo") if isinstance(body, dict) else None
    if not isinstance(info, dict) or not isinstance(info.get("username"), str):
        return None
    groups = [g for g in info.get("groups") or [] if isinstance(g, str)]
    return info["username"], groups


# --------------------------------------------------------------------------------------------
# cluster:<name>:rbac


async def check_cluster_rbac(
    target: ClusterTarget, id_token: str, *, namespace: str | None = None, user: str | None = None,
    groups: Sequence[str] = (), verb: str = "list", resource: str = "pods",
    client: httpx.AsyncClient | None = None, timeout: float = DEFAULT_TIMEOUT,
) -> CheckResult:
    """`cluster:<name>:rbac`: may the ID token's user `list pods` (what the Kubernetes tab does)?

    `user`/`groups` (from the identity check) only shape the suggested binding.
    """
    check_id = f"cluster:{target.name}:rbac"
    url = _url(target, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
    attributes: dict[str, str] = {"verb": verb, "resource": resource}
    if namespace:
        attributes["namespace"] = namespace
    body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": attributes}}
    where = f"in namespace {namespace}" if namespace else "in all namespaces"
    try:
        async with _client_for(target, client, timeout) as c:
            resp = await c.post(url, json=body, headers={"Authorization": f"Bearer {id_token}"}, follow_redirects=False,
                                extensions=limit("a SelfSubjectAccessReview"))
    except httpx.HTTPError as exc:
        return _transport_failure(check_id, target, exc, url)
    if resp.status_code == 401:
        return CheckResult(check_id, "fail", f"{target.name}: the API server does not accept the ID token (401)",
                           _UNTRUSTED_DETAIL, H.UNTRUSTED_ISSUER)
    status = _json(resp).get("status") if isinstance(_json(resp), dict) else None
    if resp.status_code not in (200, 201) or not isinstance(status, dict):
        return CheckResult(check_id, "warn", f"{target.name}: cannot ask RBAC ({resp.status_code})",
                           f"POST {url} answered {resp.status_code} {scrub_secrets(_message(resp), [id_token])!r}",
                           H.REVIEW_UNAVAILABLE)
    if status.get("allowed") is True:
        return CheckResult(check_id, "ok", f"{target.name}: RBAC allows {verb} {resource} {where}",
                           f"SelfSubjectAccessReview: allowed ({status.get('reason') or 'no reason given'})",
                           data={"allowed": True})
    return _rbac_denied(check_id, target, status, verb, resource, where, user, groups, namespace)


def _rbac_denied(check_id: str, target: ClusterTarget, status: Mapping[str, Any], verb: str, resource: str,
                 where: str, user: str | None, groups: Sequence[str], namespace: str | None) -> CheckResult:
    bind_groups = [g for g in groups if not g.startswith("system:")]  # never suggest binding everyone
    binding = rbac.identity_binding_yaml(user or "<your email>", bind_groups, namespace)
    command = (rbac.command([user] if user else [], bind_groups, namespace=namespace, output=None)
               if user or bind_groups else "spectro-wizard rbac --user <email> --group <group>"
               + (f" --namespace {namespace}" if namespace else ""))
    reason = status.get("reason") or status.get("evaluationError") or "no RBAC rule grants it"
    detail = (f"SelfSubjectAccessReview: {verb} {resource} {where} is denied ({reason}). Bind a role to your "
              f"user or group: `{command} --output rbac.yaml` writes it, then `kubectl apply -f rbac.yaml`; "
              f"or apply this directly:\n{binding}")
    return CheckResult(check_id, "fail", f"{target.name}: RBAC denies {verb} {resource} {where}", detail,
                       H.RBAC_DENIED, data={"allowed": False, "binding": binding, "command": command})


# --------------------------------------------------------------------------------------------
# all checks for one cluster


async def verify_cluster(
    target: ClusterTarget, id_token: str | None = None, *, namespace: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[CheckResult]:
    """`cluster:<name>`, then (with an ID token) identity and RBAC, sharing one connection pool."""
    async with async_client(target.tls, timeout=timeout) as client:
        version = await check_cluster_version(target, client=client)
        results = [version]
        if not id_token:
            return results
        if version.status == "fail":
            why = "skipped: the API server is not reachable"
            return results + [CheckResult(f"cluster:{target.name}:{k}", "skip", why, hint=version.hint)
                              for k in ("identity", "rbac")]
        identity = await check_cluster_identity(target, id_token, client=client)
        user = identity.data.get("username")
        groups = identity.data.get("groups", [])
        rbac = await check_cluster_rbac(target, id_token, namespace=namespace, user=user, groups=groups,
                                        client=client)
        return results + [identity, rbac]
