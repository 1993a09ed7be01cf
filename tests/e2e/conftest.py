"""Fixtures of the opt-in end-to-end suite (SPECTRO_E2E=1; every test here is skipped without it).

Per session: the built app (tests/e2e/build_backend.sh), the real OpenID provider whose client has the
backend's callback as redirect URI, and a Kubernetes API double over TLS trusting alice's ID tokens.
Per test: a fresh copy of the built app and the backends the test starts, stopped (their whole
process group) at teardown even when the test fails. The machinery is in tests/support/e2e.py.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from tests.support import e2e as harness
from tests.support.doubles import KubeDouble, LoopbackServer
from tests.support.e2e import (
    CLIENT_ID,
    CLUSTER_NAME,
    HERE,
    OPT_IN,
    SKIP_REASON,
    Backend,
    Cluster,
    IdTokenUsers,
    StartBackend,
    build_backend,
    callback_url,
    child_env,
    copy_app,
)
from tests.support.net import free_port, server_tls
from tests.support.oidc import (
    INSTALL_COMMAND,
    OIDCTestProvider,
    running_provider,
    unavailable_reason,
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get(OPT_IN) == "1":
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def built_app() -> Path:
    """The app built by build_backend.sh in the cache (never edited by a test)."""
    return build_backend()


@pytest.fixture
def app_copy(built_app: Path, tmp_path: Path) -> Path:
    """A fresh working copy of the built app: files copied, node_modules symlinked to the cache's."""
    copy = tmp_path / "app"
    copy_app(built_app, copy)
    return copy


@pytest.fixture(scope="session")
def backend_port() -> int:
    """The loopback port of the signing-in backend (the provider registers its callback URL)."""
    return free_port()


@pytest.fixture(scope="session")
def oidc(backend_port: int) -> Iterator[OIDCTestProvider]:
    """The real OpenID provider (tests/oidc_provider); its client's redirect URI is the backend's callback."""
    reason = unavailable_reason()
    if reason:
        pytest.fail(f"the real-backend suite needs the test OpenID provider, but {reason} ({INSTALL_COMMAND})",
                    pytrace=False)
    with running_provider(client_id=CLIENT_ID, redirect_uris=[callback_url(backend_port)]) as provider:
        yield provider


@pytest.fixture(scope="session")
def cluster(oidc: OIDCTestProvider) -> Iterator[Cluster]:
    """A kube-apiserver double on HTTPS (trustme CA, certificate for 127.0.0.1) that authenticates the
    provider's ID tokens for alice@example.com and whose RBAC lets her list namespaces."""
    ca = trustme.CA()
    users = IdTokenUsers(oidc, accepted={"alice@example.com"})
    double = KubeDouble(users=users, allowed_subjects={"alice@example.com"})  # type: ignore[arg-type]
    tls = server_tls(ca)
    server = LoopbackServer(double.handle, tls).start()
    try:
        yield Cluster(CLUSTER_NAME, server.url(), base64.b64encode(ca.cert_pem.bytes()).decode(), double, server, users)
    finally:
        server.stop()


@pytest.fixture
def start_backend(oidc: OIDCTestProvider, tmp_path: Path) -> Iterator[StartBackend]:
    """start(repo, port) -> a real backend, up and ready; all are stopped at teardown."""
    started: list[Backend] = []

    def start(repo: Path, port: int) -> Backend:
        return harness.start_backend(repo, port, child_env(oidc), tmp_path / f"backend-{len(started)}.log", started)

    try:
        yield start
    finally:
        for backend in started:
            backend.stop()
