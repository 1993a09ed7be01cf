"""wizard.remote.palette against an HTTPS Palette double whose admin kubeconfigs carry fake credentials.

The credentials (client certificate, client key, token) and the API key must not show up in any
returned object, repr, exception or log record.
"""

from __future__ import annotations

import gc
import pickle

import httpx
import pytest

from tests.support.doubles import DNS_FAIL_URL, KUBECONFIG_TOKEN, PALETTE_API_KEY, Running, Serve, kubeconfig_text
from tests.support.net import server_tls
from tests.support.results import assert_no_secret
from wizard.remote.http import TLSOptions
from wizard.remote.palette import (
    ClusterEndpoint,
    PaletteClient,
    PaletteCluster,
    PaletteError,
    cluster_endpoints_sync,
    list_clusters_sync,
)

pytestmark = pytest.mark.usefixtures("palette_debug_logs")  # httpx/httpcore log at DEBUG: prove nothing secret reaches them


def assert_clean_error(err: PaletteError, hint: str) -> None:
    assert err.hint == hint
    assert err.__cause__ is None and err.__context__ is None  # no chained request (which holds the key)
    assert_no_secret(str(err))
    assert_no_secret(repr(err))
    assert str(err).count(". ") == 0  # one sentence


# ----------------------------------------------------------------------------------- listing


async def test_list_clusters_with_project_names(palette: Running, trust: TLSOptions,
                                                caplog: pytest.LogCaptureFixture) -> None:
    async with PaletteClient(palette.url, PALETTE_API_KEY, tls=trust) as client:
        clusters = await client.list_clusters()
    assert clusters[0] == PaletteCluster("c-east", "prod-east", "p-prod", "production", "eks", "Running", "project")
    assert [(c.name, c.project_name) for c in clusters] == [("prod-east", "production"), ("prod-west", "production"),
                                                           ("dev-1", "development"), ("shared-tenant", None)]
    project_calls = [r.path for r in palette.server.requests if r.path.startswith("/v1/projects/")]
    assert project_calls == ["/v1/projects/p-prod", "/v1/projects/p-dev"]  # cached: one call per project
    assert all(r.headers["apikey"] == PALETTE_API_KEY for r in palette.server.requests)
    assert_no_secret(caplog.text)
    assert_no_secret(repr(clusters))


async def test_list_clusters_accepts_an_items_wrapper(palette: Running, trust: TLSOptions) -> None:
    palette.double.wrap_items = True
    async with PaletteClient(palette.url, PALETTE_API_KEY, tls=trust) as client:
        assert len(await client.list_clusters()) == 4


@pytest.mark.parametrize("include, exclude, tenant, names", [
    (["production"], [], False, ["prod-east", "prod-west", "shared-tenant"]),
    ([], ["production"], False, ["dev-1", "shared-tenant"]),
    (["p-dev"], [], True, ["dev-1"]),  # a project uid matches too
    ([], [], True, ["prod-east", "prod-west", "dev-1"]),
])
async def test_project_filters(palette: Running, trust: TLSOptions, include: list[str], exclude: list[str],
                               tenant: bool, names: list[str]) -> None:
    async with PaletteClient(palette.url, PALETTE_API_KEY, tls=trust) as client:
        clusters = await client.list_clusters(include, exclude, exclude_tenant_scoped=tenant)
    assert [c.name for c in clusters] == names


async def test_unknown_project_name_keeps_the_cluster(palette: Running, trust: TLSOptions) -> None:
    palette.double.projects = {}
    async with PaletteClient(palette.url, PALETTE_API_KEY, tls=trust) as client:
        clusters = await client.list_clusters(include_projects=["production"])
    assert [c.project_name for c in clusters] == [None, None, None, None]


# ---------------------------------------------------------------------------------- endpoints


async def test_endpoint_takes_only_server_and_ca(palette: Running, trust: TLSOptions, ca_b64: str,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    async with PaletteClient(palette.url, PALETTE_API_KEY, tls=trust) as client:
        clusters = await client.list_clusters()
        endpoints = await client.cluster_endpoints([clusters[0], clusters[3]])
    east = endpoints[0]
    assert east == ClusterEndpoint("prod-east", "c-east", "https://c-east.k8s.example.com:6443", ca_b64)
    assert east.to_cluster_config() == {"name": "prod-east", "url": "https://c-east.k8s.example.com:6443",
                                        "caData": ca_b64}
    kubeconfig_calls = [r for r in palette.server.requests if r.path.endswith("/adminKubeconfig")]
    assert kubeconfig_calls[0].query == {"ProjectUid": "p-prod"}
    assert kubeconfig_calls[1].query == {}  # tenant-scoped: no project
    assert kubeconfig_calls[0].headers["accept"] == "*/*"  # asked for as text, like the TeraSky provider
    assert palette.server.requests[0].headers["accept"] == "application/json"
    # nothing but these four fields exists on the object, and none holds a credential
    assert set(vars(east)) == {"name", "uid", "server", "ca_data"}
    for leak_surface in (repr(endpoints), str(vars(east)), str(pickle.dumps(endpoints)), caplog.text):
        assert_no_secret(leak_surface)
    assert "ca_data" not in repr(east)


async def test_credentials_do_not_survive_the_call(palette: Running, trust: TLSOptions) -> None:
    """After cluster_endpoint returns, no parsed kubeconfig user entry and no response body is alive."""
    async with PaletteClient(palette.url, PALETTE_API_KEY, tls=trust) as client:
        endpoint = await client.cluster_endpoint(PaletteCluster("c-east", "prod-east", "p-prod", scope="project"))
        gc.collect()
        survivors = [o for o in gc.get_objects()
                     if (isinstance(o, dict) and ("client-key-data" in o or "users" in o and "clusters" in o))
                     or (isinstance(o, httpx.Response) and o.is_stream_consumed
                         and KUBECONFIG_TOKEN.encode() in o.content)]
        assert survivors == []
        assert_no_secret(repr(vars(client)).replace(PALETTE_API_KEY, ""))  # the key is held, nothing else
    assert endpoint.server == "https://c-east.k8s.example.com:6443"


def test_sync_wrappers(palette: Running, trust: TLSOptions, ca_b64: str) -> None:
    clusters = list_clusters_sync(palette.url, PALETTE_API_KEY, include_projects=["development"], tls=trust)
    assert [c.name for c in clusters] == ["dev-1", "shared-tenant"]
    endpoints = cluster_endpoints_sync(palette.url, PALETTE_API_KEY, clusters[:1], tls=trust)
    assert endpoints == [ClusterEndpoint("dev-1", "c-dev", "https://c-dev.k8s.example.com:6443", ca_b64)]


async def test_sync_wrapper_inside_a_running_loop(palette: Running, trust: TLSOptions) -> None:
    # Textual calls from a thread that runs a loop: the wrapper must not call asyncio.run on it.
    clusters = list_clusters_sync(palette.url, PALETTE_API_KEY, tls=trust)
    assert len(clusters) == 4


def test_repr_hides_the_api_key() -> None:
    client = PaletteClient("https://api.spectrocloud.com", PALETTE_API_KEY)
    assert repr(client) == "PaletteClient(base_url='https://api.spectrocloud.com', api_key='***')"


def test_missing_api_key() -> None:
    with pytest.raises(PaletteError) as info:
        PaletteClient("https://api.spectrocloud.com", "")
    assert info.value.hint == "palette-api-key"


# ------------------------------------------------------------------------------------- errors


async def test_bad_api_key(palette: Running, trust: TLSOptions, caplog: pytest.LogCaptureFixture) -> None:
    wrong = "WRONG-PALETTE-KEY-1234"
    with pytest.raises(PaletteError) as info:
        async with PaletteClient(palette.url, wrong, tls=trust) as client:
            await client.list_clusters()
    assert_clean_error(info.value, "palette-api-key")
    assert "401" in str(info.value) and wrong not in str(info.value)
    assert wrong not in caplog.text


async def test_kubeconfig_forbidden(palette: Running, trust: TLSOptions) -> None:
    palette.double.forbidden = {"c-east"}
    with pytest.raises(PaletteError) as info:
        async with PaletteClient(palette.url, PALETTE_API_KEY, tls=trust) as client:
            await client.cluster_endpoint(PaletteCluster("c-east", "prod-east", "p-prod", scope="project"))
    assert_clean_error(info.value, "palette-api-key")
    assert "403" in str(info.value)


@pytest.mark.parametrize("text, words", [
    (f"clusters: [\n  {{cluster: {{server: https://x:6443\nusers:\n- user: {{token: {KUBECONFIG_TOKEN}", "not valid YAML"),
    (f"clusters: []\nusers:\n- user:\n    token: {KUBECONFIG_TOKEN}\n", "no clusters[0].cluster.server"),
    (f"clusters:\n- cluster:\n    server: https://x:6443\n    certificate-authority-data: {KUBECONFIG_TOKEN}\n", "not base64 PEM"),
    ("just text", "no clusters[0].cluster.server"),
])
async def test_malformed_kubeconfig(palette: Running, trust: TLSOptions, text: str, words: str,
                                    caplog: pytest.LogCaptureFixture) -> None:
    palette.double.kubeconfigs["c-east"] = text
    with pytest.raises(PaletteError) as info:
        async with PaletteClient(palette.url, PALETTE_API_KEY, tls=trust) as client:
            await client.cluster_endpoint(PaletteCluster("c-east", "prod-east", "p-prod", scope="project"))
    assert_clean_error(info.value, "palette-unexpected-answer")
    assert words in str(info.value)
    assert_no_secret(caplog.text)
    # a traceback printed with locals (rich, Textual) must not show the kubeconfig either
    tb = info.value.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename != __file__:  # this test's own locals hold the text, of course
            assert_no_secret(repr(tb.tb_frame.f_locals).replace(PALETTE_API_KEY, ""))  # the client holds the key
        tb = tb.tb_next


async def test_kubeconfig_without_ca(palette: Running, trust: TLSOptions) -> None:
    palette.double.kubeconfigs["c-east"] = kubeconfig_text("https://east:6443", "").replace(
        "    certificate-authority-data: \n", "")
    async with PaletteClient(palette.url, PALETTE_API_KEY, tls=trust) as client:
        endpoint = await client.cluster_endpoint(PaletteCluster("c-east", "prod-east"))
    assert endpoint.ca_data is None and endpoint.to_cluster_config() == {"name": "prod-east", "url": "https://east:6443"}


async def test_cluster_list_not_a_list(serve: Serve, ca, trust: TLSOptions) -> None:
    from tests.support.doubles import Response
    server = serve(lambda req: Response(200, {"message": "hello"}), server_tls(ca, "127.0.0.1"))
    with pytest.raises(PaletteError) as info:
        async with PaletteClient(server.url(), PALETTE_API_KEY, tls=trust) as client:
            await client.list_clusters()
    assert_clean_error(info.value, "palette-unexpected-answer")


async def test_console_page_instead_of_api(serve: Serve, ca, trust: TLSOptions) -> None:
    from tests.support.doubles import Response
    server = serve(lambda req: Response(200, "<html>console</html>"), server_tls(ca, "127.0.0.1"))
    with pytest.raises(PaletteError) as info:
        async with PaletteClient(server.url(), PALETTE_API_KEY, tls=trust) as client:
            await client.list_clusters()
    assert_clean_error(info.value, "palette-unexpected-answer")
    assert "not JSON" in str(info.value)


@pytest.mark.parametrize("kind", ["refused", "dns", "timeout", "untrusted", "plain-http"])
async def test_unreachable(kind: str, refused_url: str, slow_url: str, palette: Running, kube_untrusted: Running,
                           trust: TLSOptions, caplog: pytest.LogCaptureFixture) -> None:
    url, words = {
        "refused": (refused_url, "refused"),
        "dns": (DNS_FAIL_URL, "does not resolve"),
        "timeout": (slow_url, "did not answer in time"),
        "untrusted": (kube_untrusted.url, "not trusted"),
        "plain-http": (palette.url.replace("https://", "http://"), "use https://"),
    }[kind]
    with pytest.raises(PaletteError) as info:
        async with PaletteClient(url, PALETTE_API_KEY, tls=trust, timeout=0.3) as client:
            await client.list_clusters()
    assert_clean_error(info.value, "palette-unreachable")
    assert words in str(info.value)
    assert_no_secret(caplog.text)
