"""wizard.remote.kube against an HTTPS kube-apiserver double with trustme certificates."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import pytest
import trustme
from ruamel.yaml import YAML

from tests.support.doubles import DNS_FAIL_URL, ID_TOKEN, ID_TOKEN_BOB, UNTRUSTED_ID_TOKEN, KubeDouble, Running, Serve
from tests.support.net import server_tls
from tests.support.results import assert_no_secret, checked
from wizard.core import rbac
from wizard.remote import kube as k
from wizard.remote.http import TLSOptions


def target(url: str, ca_pem: str | None = None, name: str = "my-cluster", verify: bool = True) -> k.ClusterTarget:
    return k.ClusterTarget(name, url, TLSOptions(verify=verify, ca_data=ca_pem))


# ------------------------------------------------------------------------------------ cluster_target


def test_cluster_target_from_ca_data(ca_b64: str, ca_pem: str) -> None:
    t = k.cluster_target({"name": "c", "url": "https://127.0.0.1:6443", "caData": ca_b64})
    assert t.tls == TLSOptions(verify=True, ca_file=None, ca_data=ca_pem)


def test_cluster_target_skip_tls_wins(ca_b64: str) -> None:
    t = k.cluster_target({"name": "c", "url": "https://x:6443", "caData": ca_b64, "skipTLSVerify": True})
    assert t.tls.verify is False and t.tls.ca_data is None


def test_cluster_target_relative_ca_file(tmp_path: Path, ca_pem: str) -> None:
    (tmp_path / "ca.pem").write_text(ca_pem)
    t = k.cluster_target({"name": "c", "url": "https://x:6443", "caFile": "ca.pem"}, base_dir=tmp_path)
    assert t.tls.ca_file == str(tmp_path / "ca.pem")


@pytest.mark.parametrize("entry, words", [
    ({"name": "c"}, "no http(s) url"),
    ({"name": "c", "url": "https://x", "caData": "%%% not base64"}, "not base64"),
    ({"name": "c", "url": "https://x", "caData": base64.b64encode(b"hello").decode()}, "PEM certificate"),
    ({"name": "c", "url": "https://x",
      "caData": base64.b64encode(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").decode()}, "cannot be loaded"),
])
def test_cluster_target_rejects_unusable_entries(entry: dict[str, object], words: str) -> None:
    with pytest.raises(ValueError, match="'c'") as info:
        k.cluster_target(entry)
    assert words in str(info.value)


# ------------------------------------------------------------------------------------ cluster:<name>


async def test_version_ok_with_ca_data(kube: Running, ca_b64: str) -> None:
    t = k.cluster_target({"name": "my-cluster", "url": kube.url, "caData": ca_b64})
    result = checked(await k.check_cluster_version(t), "cluster:my-cluster", "ok")
    assert result.data["gitVersion"] == "v1.30.2" and "v1.30.2" in result.summary
    assert "TLS verified" in result.detail


async def test_version_ok_with_ca_file(kube: Running, ca: trustme.CA, tmp_path: Path) -> None:
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    t = k.cluster_target({"name": "my-cluster", "url": kube.url.replace("127.0.0.1", "localhost"),
                          "caFile": str(ca_file)})
    checked(await k.check_cluster_version(t), status="ok")


async def test_version_without_anonymous_access_is_reachable(kube: Running, ca_pem: str) -> None:
    kube.double.anonymous_version = False
    result = checked(await k.check_cluster_version(target(kube.url, ca_pem)), status="ok")
    assert "version hidden" in result.summary and "401" in result.detail and "reachable" in result.detail


async def test_version_skip_tls_verify_accepts_any_certificate(kube_untrusted: Running) -> None:
    t = k.cluster_target({"name": "my-cluster", "url": kube_untrusted.url, "skipTLSVerify": True})
    result = checked(await k.check_cluster_version(t), status="ok")
    assert "NOT verified" in result.detail


async def test_version_untrusted_ca(kube_untrusted: Running, ca_pem: str) -> None:
    result = checked(await k.check_cluster_version(target(kube_untrusted.url, ca_pem)), status="fail",
                     hint="cluster-tls")
    assert "issuer (CA) is not trusted" in result.detail


async def test_version_system_store_does_not_trust_a_private_ca(kube: Running) -> None:
    checked(await k.check_cluster_version(target(kube.url)), status="fail", hint="cluster-tls")


async def test_version_hostname_mismatch(kube_wrong_host: Running, ca_pem: str) -> None:
    result = checked(await k.check_cluster_version(target(kube_wrong_host.url, ca_pem)), status="fail",
                     hint="cluster-tls")
    assert "does not name this host" in result.detail


async def test_version_plain_http_on_the_tls_port(kube: Running) -> None:
    result = checked(await k.check_cluster_version(target(kube.url.replace("https://", "http://"))),
                     status="fail", hint="cluster-tls")
    assert "https://" in result.detail and "Client sent an HTTP request to an HTTPS server" in result.detail


async def test_version_https_to_a_plain_http_port(serve: Serve, ca_pem: str) -> None:
    server = serve(KubeDouble().handle)  # no TLS
    result = checked(await k.check_cluster_version(target(server.url().replace("http://", "https://"), ca_pem)),
                     status="fail", hint="cluster-tls")
    assert "does not speak TLS" in result.detail


async def test_version_refused(refused_url: str) -> None:
    result = checked(await k.check_cluster_version(target(refused_url)), status="fail", hint="cluster-unreachable")
    assert "refused" in result.detail


async def test_version_dns_failure() -> None:
    result = checked(await k.check_cluster_version(target(DNS_FAIL_URL)), status="fail", hint="cluster-unreachable")
    assert "does not resolve" in result.detail


async def test_version_timeout(slow_url: str) -> None:
    result = checked(await k.check_cluster_version(target(slow_url), timeout=0.3), status="fail",
                     hint="cluster-unreachable")
    assert "did not answer in time" in result.detail


async def test_version_not_kubernetes(serve: Serve, ca: trustme.CA, ca_pem: str) -> None:
    from tests.support.doubles import Response
    server = serve(lambda req: Response(200, "<html>Palette console</html>"), server_tls(ca, "127.0.0.1"))
    checked(await k.check_cluster_version(target(server.url(), ca_pem)), status="fail", hint="cluster-not-kubernetes")


# ------------------------------------------------------------------------------ identity


async def test_identity_shows_username_and_groups(kube: Running, ca_pem: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    result = checked(await k.check_cluster_identity(target(kube.url, ca_pem), ID_TOKEN), "cluster:my-cluster:identity", "ok")
    assert result.data == {"username": "alice@example.com", "groups": ["platform-devs", "system:authenticated"]}
    assert "alice@example.com" in result.summary and "platform-devs" in result.summary
    sent = kube.server.requests[-1]
    assert sent.bearer == ID_TOKEN
    assert sent.json() == {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
    assert_no_secret(caplog.text)


async def test_identity_untrusted_issuer(kube: Running, ca_pem: str) -> None:
    result = checked(await k.check_cluster_identity(target(kube.url, ca_pem), UNTRUSTED_ID_TOKEN),
                     status="fail", hint="cluster-untrusted-issuer")
    for words in ("--oidc-issuer-url", "--oidc-client-id", "--oidc-username-claim", "--oidc-groups-claim"):
        assert words in result.detail
    yaml_part = result.detail[result.detail.index("apiVersion: apiserver"):result.detail.index("Palette-managed")]
    config = YAML(typ="safe").load(yaml_part)
    assert config["kind"] == "AuthenticationConfiguration"
    assert config["jwt"][0]["claimMappings"]["username"]["claim"] == "email"
    assert "audiences" in config["jwt"][0]["issuer"]


async def test_identity_steps_down_to_v1beta1(serve: Serve, ca: trustme.CA, ca_pem: str) -> None:
    double = KubeDouble(review_versions=("v1beta1",))
    server = serve(double.handle, server_tls(ca, "127.0.0.1"))
    result = checked(await k.check_cluster_identity(target(server.url(), ca_pem), ID_TOKEN), status="ok")
    assert result.data["username"] == "alice@example.com"
    assert [r.path.split("/")[3] for r in server.requests] == ["v1", "v1beta1"]


async def test_identity_api_missing_warns(serve: Serve, ca: trustme.CA, ca_pem: str) -> None:
    server = serve(KubeDouble(review_versions=()).handle, server_tls(ca, "127.0.0.1"))
    checked(await k.check_cluster_identity(target(server.url(), ca_pem), ID_TOKEN), status="warn",
            hint="cluster-review-unavailable")


async def test_identity_unreachable(refused_url: str) -> None:
    checked(await k.check_cluster_identity(target(refused_url), ID_TOKEN), status="fail", hint="cluster-unreachable")


# ---------------------------------------------------------------------------------- rbac


async def test_rbac_allowed(kube: Running, ca_pem: str) -> None:
    result = checked(await k.check_cluster_rbac(target(kube.url, ca_pem), ID_TOKEN), "cluster:my-cluster:rbac", "ok")
    assert "list pods" in result.summary
    body = kube.server.requests[-1].json()
    assert body["kind"] == "SelfSubjectAccessReview"
    assert body["spec"]["resourceAttributes"] == {"verb": "list", "resource": "pods"}


async def test_rbac_denied_gives_the_binding(kube: Running, ca_pem: str) -> None:
    result = checked(await k.check_cluster_rbac(target(kube.url, ca_pem), ID_TOKEN_BOB, user="oidc:bob@example.com",
                                                groups=["guests", "system:authenticated"]),
                     status="fail", hint="cluster-rbac-denied")
    assert "spectro-wizard rbac --user oidc:bob@example.com --group guests" in result.detail
    binding = YAML(typ="safe").load(result.data["binding"])
    assert binding["kind"] == "ClusterRoleBinding"
    assert {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "oidc:bob@example.com"} in binding["subjects"]
    assert all(s["name"] != "system:authenticated" for s in binding["subjects"])  # never bind everyone
    assert result.data["binding"] in result.detail


async def test_rbac_in_a_namespace(kube: Running, ca_pem: str) -> None:
    kube.double.allowed_subjects = set()
    result = checked(await k.check_cluster_rbac(target(kube.url, ca_pem), ID_TOKEN, namespace="team-a"),
                     status="fail", hint="cluster-rbac-denied")
    assert kube.server.requests[-1].json()["spec"]["resourceAttributes"]["namespace"] == "team-a"
    binding = YAML(typ="safe").load(result.data["binding"])
    assert binding["kind"] == "RoleBinding" and binding["metadata"]["namespace"] == "team-a"
    assert "--namespace team-a" in result.detail


async def test_rbac_untrusted_token(kube: Running, ca_pem: str) -> None:
    checked(await k.check_cluster_rbac(target(kube.url, ca_pem), UNTRUSTED_ID_TOKEN), status="fail",
            hint="cluster-untrusted-issuer")


async def test_rbac_timeout(slow_url: str) -> None:
    checked(await k.check_cluster_rbac(target(slow_url), ID_TOKEN, timeout=0.3), status="fail", hint="cluster-unreachable")


def test_binding_yaml_quotes_odd_names() -> None:
    text = rbac.identity_binding_yaml('we"ird: user', ["team #1", "- dash"], namespace="ns")
    doc = YAML(typ="safe").load(text)
    assert [s["name"] for s in doc["subjects"]] == ['we"ird: user', "team #1", "- dash"]
    assert doc["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"}


# ---------------------------------------------------------------------------- all checks


async def test_verify_cluster_all_ok(kube: Running, ca_b64: str) -> None:
    t = k.cluster_target({"name": "my-cluster", "url": kube.url, "caData": ca_b64})
    results = await k.verify_cluster(t, ID_TOKEN)
    assert [(r.id, r.status) for r in results] == [("cluster:my-cluster", "ok"), ("cluster:my-cluster:identity", "ok"),
                                                   ("cluster:my-cluster:rbac", "ok")]
    for result in results:
        checked(result)


async def test_verify_cluster_passes_the_identity_to_the_binding(kube: Running, ca_pem: str) -> None:
    results = await k.verify_cluster(target(kube.url, ca_pem), ID_TOKEN_BOB)
    rbac = checked(results[2], status="fail", hint="cluster-rbac-denied")
    assert "--user oidc:bob@example.com --group guests" in rbac.detail


async def test_verify_cluster_without_id_token_only_checks_reachability(kube: Running, ca_pem: str) -> None:
    results = await k.verify_cluster(target(kube.url, ca_pem))
    assert [r.id for r in results] == ["cluster:my-cluster"]


async def test_verify_cluster_unreachable_skips(refused_url: str) -> None:
    results = await k.verify_cluster(target(refused_url), ID_TOKEN)
    assert [r.status for r in results] == ["fail", "skip", "skip"]
    for result in results:
        checked(result)
