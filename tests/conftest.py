"""Fixtures every test package may use, built on tests/support (the helpers themselves live there).

- tools: the stand-in package manager and node (tests/support/tools.py), their bin directory the whole PATH.
- stand_ins: node v22.11.0 and Yarn 4.13.0 first on PATH, no SpectroCloud/Backstage secrets in the environment.
- demo_app: a copy of templates/demo-app; migration_repo: the migration app (repos preset "migration").
- ca, rogue_ca, ca_pem, ca_b64, serve: certificates (trustme) and loopback servers started per test.
- oidc_provider(_factory), oidc_id_token, node_executable: the real OpenID provider of tests/oidc_provider.
- doubles: a kube-apiserver double (HTTPS) and a Backstage backend double (HTTP), for verify after a wave.

Every server is bound and listening before its fixture returns, so no test waits with sleeps.

Tests marked `realapps_pending("<feature>")` (the real-app shapes the wizard does not handle yet,
tests/fixtures/realapps/shapes.yaml) are skipped with the reason "pending: <feature>";
SPECTRO_REALAPPS_PENDING=1 runs them (for the engineer integrating the feature).
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import trustme

from tests.support import net, repos
from tests.support.doubles import BackstageCluster, BackstageDouble, Handler, KubeDouble, LoopbackServer, Serve
from tests.support.oidc import OIDCTestProvider, obtain_id_token, running_provider, unavailable_reason
from tests.support.tools import Tools

# ------------------------------------------------------------------------------------------------
# pending real-app shapes

PENDING_ENV = "SPECTRO_REALAPPS_PENDING"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get(PENDING_ENV) == "1":
        return
    for item in items:
        marker = item.get_closest_marker("realapps_pending")
        if marker is None:
            continue
        feature = marker.args[0] if marker.args else marker.kwargs.get("feature")
        if not feature:
            raise pytest.UsageError(f"{item.nodeid}: realapps_pending needs the feature it waits for")
        item.add_marker(pytest.mark.skip(reason=f"pending: {feature}"))


# ------------------------------------------------------------------------------------------------
# tools and apps


@pytest.fixture
def tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tools:
    """The stand-ins' directory tmp_path/bin, and the whole PATH: only the tools a test writes there
    exist (tools.node(), tools.yarn(), ...), no real node/yarn of this machine leaks into a test."""
    t = Tools(tmp_path / "bin")
    monkeypatch.setenv("PATH", t.path)
    return t


@pytest.fixture
def stand_ins(tools: Tools, monkeypatch: pytest.MonkeyPatch) -> Tools:
    """node v22.11.0 and Yarn 4.13.0 first on PATH (then /usr/bin:/bin), and no SpectroCloud or
    Backstage credentials from the shell."""
    tools.node("v22.11.0")
    tools.yarn("4.13.0")
    monkeypatch.setenv("PATH", f"{tools.path}:/usr/bin:/bin")
    for var in ("SPECTROCLOUD_CLIENT_ID", "SPECTROCLOUD_CLIENT_SECRET", "BACKSTAGE_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    return tools


@pytest.fixture
def demo_app(tmp_path: Path) -> Path:
    """A copy of templates/demo-app (create-app 1.55, new frontend system, no clusters) at
    tmp_path/backstage-app."""
    return repos.make_repo(tmp_path, "backstage-app", preset="demo")


@pytest.fixture
def migration_repo(tmp_path: Path) -> Path:
    """The migration app (see repos.PRESETS["migration"]) at tmp_path/app."""
    return repos.make_repo(tmp_path, "app", preset="migration")


# ------------------------------------------------------------------------------------------------
# certificates and loopback servers


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    """The CA the clients are told to trust (caData / caFile / TLSOptions.ca_data)."""
    return trustme.CA()


@pytest.fixture(scope="session")
def rogue_ca() -> trustme.CA:
    """A CA nobody trusts: its server certificates must fail verification."""
    return trustme.CA()


@pytest.fixture(scope="session")
def ca_pem(ca: trustme.CA) -> str:
    return ca.cert_pem.bytes().decode()


@pytest.fixture(scope="session")
def ca_b64(ca_pem: str) -> str:
    """caData as app-config and kubeconfigs hold it: base64 of the PEM text."""
    return base64.b64encode(ca_pem.encode()).decode()


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Start LoopbackServers; all are stopped at teardown."""
    servers: list[LoopbackServer] = []

    def start(handler: Handler, tls: Any = None) -> LoopbackServer:
        server = LoopbackServer(handler, tls).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def doubles() -> Iterator[Any]:
    """A kube-apiserver double (HTTPS) and a Backstage backend double (HTTP) on loopback, for
    `verify` after each migration wave."""
    ca = trustme.CA()
    ca_pem = ca.cert_pem.bytes().decode()
    kube = KubeDouble()
    kube_server = LoopbackServer(kube.handle, net.server_tls(ca)).start()
    backstage = BackstageDouble(authorization_url=f"{net.CLOSED_URL}/v1/oidc/tenant/acme/auth")
    backstage_server = LoopbackServer(backstage.handle).start()

    class Doubles:
        kube_url = kube_server.url()
        backstage_url = backstage_server.url()

        @staticmethod
        def restart_backend(root: Path) -> None:
            """What a restarted backend serves: every configured cluster with its auth (one per name)."""
            from wizard.core import configset
            from wizard.core.clusters import config_clusters, effective_cluster_files

            seen: dict[str, BackstageCluster] = {}
            # like the real backend: the last file defining clusterLocatorMethods wins (no array merge)
            for ref in config_clusters(effective_cluster_files(configset.load(root).files)):
                url = ref.node.get("url").to_python() if ref.node.get("url") is not None else ""
                seen.setdefault(ref.name, BackstageCluster(ref.name, str(url), auth_provider=ref.auth or "serviceAccount",
                                                           oidc_token_provider=ref.token_provider, ca_pem=ca_pem))
            backstage.clusters = list(seen.values())

    yield Doubles
    kube_server.stop()
    backstage_server.stop()


# ------------------------------------------------------------------------------------------------
# the real OpenID provider (tests/oidc_provider/provider.js) on loopback
#
# Without Node.js or without `npm ci` in tests/oidc_provider the tests using it are skipped, with the
# reason; on CI (CI=true) that is a failure instead, because CI must run them.


def _require(reason: str | None) -> None:
    """Skip with the reason, or fail on CI (CI=true), where these tests must run."""
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the OIDC tests, but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def node_executable() -> str:
    """The machine's `node`, for tests that compare with JavaScript itself."""
    path = shutil.which("node")
    _require(None if path else "`node` is not on PATH")
    assert path is not None
    return path


@pytest.fixture(scope="session")
def oidc_provider_factory() -> Iterator[Callable[..., OIDCTestProvider]]:
    """start(**running_provider kwargs) -> a provider that stays up until the session ends."""
    _require(unavailable_reason())
    with ExitStack() as stack:

        def start(**kwargs: Any) -> OIDCTestProvider:
            return stack.enter_context(running_provider(**kwargs))

        yield start


@pytest.fixture(scope="session")
def oidc_provider(oidc_provider_factory: Callable[..., OIDCTestProvider]) -> OIDCTestProvider:
    """The provider with SpectroCloud's issuer shape: .../v1/oidc/tenant/test-tenant.

    Fields: issuer, authorization_url, token_endpoint, client_id, client_secret, redirect_uri.
    """
    return oidc_provider_factory()


@pytest.fixture(scope="session")
def oidc_id_token(oidc_provider: OIDCTestProvider) -> str:
    """A real ID token of user alice (alice@example.com, groups developers and platform-team)."""
    return obtain_id_token(oidc_provider, user="alice")


# ------------------------------------------------------------------------------------------------
# a small real file system (disk full)


@pytest.fixture
def tmpfs() -> Iterator[Path]:
    """A fresh 8 MiB tmpfs (needs root and mount; skipped otherwise)."""
    d = Path(tempfile.mkdtemp(prefix="sw-tmpfs-"))
    if os.geteuid() != 0 or shutil.which("mount") is None:
        os.rmdir(d)
        pytest.skip("mounting a small tmpfs needs root; the in-process ENOSPC tests cover this case")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0755", "tmpfs", str(d)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        os.rmdir(d)
        pytest.skip(f"mount -t tmpfs not permitted here ({proc.stderr.strip()}); the in-process ENOSPC tests cover this case")
    try:
        yield d
    finally:
        subprocess.run(["umount", str(d)], capture_output=True, check=False)
        if os.path.ismount(d):
            subprocess.run(["umount", "-l", str(d)], capture_output=True, check=False)
        try:
            os.rmdir(d)
        except OSError:
            pass
