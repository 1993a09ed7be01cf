"""Fixtures: a real OpenID provider (tests/oidc_provider/provider.js) on loopback.

Without Node.js or without `npm ci` in tests/oidc_provider the OIDC tests are skipped, with the
reason; on CI (CI=true) that is a failure instead, because CI must run them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from tests.oidc.idtoken import OIDCTestProvider, obtain_id_token, running_provider, unavailable_reason


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
