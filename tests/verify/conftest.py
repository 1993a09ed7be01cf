"""Fixtures of the verify tests: the real OpenID provider (`oidc_provider`, tests/conftest.py) plus the
loopback doubles of tests/support/doubles.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import trustme

from tests.support import configs, net, repos
from tests.support.doubles import BackstageCluster, BackstageDouble, KubeDouble, Serve


@pytest.fixture
def stack(tmp_path: Path, oidc_provider: Any, serve: Serve, ca: trustme.CA, ca_b64: str, ca_pem: str,
          monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A configured app, a kube-apiserver double (HTTPS), a Backstage backend double whose proxy reaches
    it, and the provider's client credentials in the environment."""
    kube = KubeDouble()
    kube_server = serve(kube.handle, net.server_tls(ca, "127.0.0.1", "localhost"))
    legacy_port = net.closed_port()
    backstage = BackstageDouble(
        authorization_url=oidc_provider.authorization_url,
        clusters=[BackstageCluster("my-cluster", kube_server.url(), ca_pem=ca_pem),
                  BackstageCluster("legacy-prod", f"https://127.0.0.1:{legacy_port}", auth_provider="serviceAccount")],
    )
    backstage_server = serve(backstage.handle)
    text = configs.verify_app_config(oidc_provider.authorization_url, oidc_provider.redirect_uri, kube_server.url(),
                                     ca_b64, legacy_port)
    repo = repos.make_repo(tmp_path, "app", app_config=text)
    monkeypatch.setenv("SPECTROCLOUD_CLIENT_ID", oidc_provider.client_id)
    monkeypatch.setenv("SPECTROCLOUD_CLIENT_SECRET", oidc_provider.client_secret)
    monkeypatch.delenv("BACKSTAGE_TOKEN", raising=False)
    return {"repo": repo, "kube": kube, "backstage": backstage, "backend_url": backstage_server.url(),
            "provider": oidc_provider}
