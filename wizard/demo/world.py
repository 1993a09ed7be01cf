"""`--demo`'s world: local stand-ins for everything the wizard talks to, started and stopped by one object.

A demo whose Verify can only fail teaches nothing, so like Subiquity's dry run the demo brings its
own world: on 127.0.0.1, on ephemeral ports, each served by a loopback server in a daemon thread:

- an OIDC issuer shaped like SpectroCloud's (`<console>/v1/oidc/tenant/demo`, wizard/demo/oidc.py)
  whose client `spectro-wizard-demo` is registered for Backstage's callback and, as for kubelogin,
  loopback redirects: "Sign in to test my access" signs in the demo user alice@demo.example;
- a Backstage backend that serves its config as it was when it was last (re)started, exactly like
  the real one: `restart()` re-reads the app's files, so a Verify before "restarting" sees the old
  config, as it would after a real apply; its Kubernetes proxy forwards to the clusters;
- one HTTPS Kubernetes API server per demo cluster, with certificates generated at start (EC keys:
  a few milliseconds in all), answering like kube-apiserver: anonymous /version, the backend's
  service-account token, and the issuer's ID tokens (as with --oidc-issuer-url), with RBAC that lets
  the service account and the demo user's group view;
- a Palette API listing the same clusters (the Palette dialog's default in the demo).

The demo app (`make_demo_world_app`) starts with three clusters on service-account tokens to migrate,
and exactly one instructive failure: `edge-lab`'s API server certificate was reissued by a new CA
while app-config still holds the old one in caData, so Verify reports `cluster:edge-lab` with the
`cluster-tls` hint; `kubeconfig_text()` (and Palette) hold the CA that is right, as a real kubeconfig would.

Nothing here is secret: the client secret, the tokens and the Palette key are demo values, and
nothing is written to os.environ except by `demo_run` (which puts it back).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from wizard.core import facts
from wizard.core.answers import (
    DEFAULT_API_TOKEN_ENV,
    DEFAULT_CLIENT_ID_ENV,
    DEFAULT_CLIENT_SECRET_ENV,
    Answers,
    default_callback_url,
)
from wizard.demo.app import TOOLS_NOTE, make_demo_app, write_demo_tools
from wizard.demo.backstage import TEMPLATE_BACKEND_BASE_URL, Backend, start_backend
from wizard.demo.kube import AUTHENTICATED, ApiServer, KubeUser, oidc_authenticator
from wizard.demo.oidc import Client, Issuer, User
from wizard.demo.palette import PaletteApi, kubeconfig_text, palette_meta
from wizard.demo.servers import Handler, LoopbackServer, new_authority, stop_all
from wizard.verify.options import VerifyOptions

TENANT = "demo"
CLIENT_ID = "spectro-wizard-demo"
CLIENT_SECRET = "demo-client-secret-not-a-secret"  # a demo value: the stand-in issuer is the only one that takes it
PALETTE_API_KEY = "demo-palette-api-key-not-a-secret"
# the one user the stand-in issuer signs in; the clusters' RBAC lets its group view
DEMO_USER = User("demo-user-alice", "alice@demo.example", "Alice (demo user)", ("demo-developers",))
SERVICE_ACCOUNT = "system:serviceaccount:backstage-system:backstage-sa"
RBAC_BINDINGS = {SERVICE_ACCOUNT: "backstage-read-only-binding", "demo-developers": "demo-developers-view"}
# What a `yarn start` backend reads (app-config.production.yaml only with --config).
DEV_CONFIG_FILES = ("app-config.yaml", "app-config.local.yaml")
# The template's empty section, replaced text-only by the world's clusters.
KUBERNETES_PLACEHOLDER = (
    "kubernetes:\n"
    "  # see https://backstage.io/docs/features/kubernetes/configuration for kubernetes configuration options\n"
)
DEMO_LABEL = ("Demo: the OIDC provider, the Backstage backend and the clusters are local stand-ins on "
              "127.0.0.1 that spectro-wizard started for this run; nothing real is contacted.")


# ------------------------------------------------------------------------------------------------
# the demo's clusters


@dataclass(frozen=True)
class DemoCluster:
    """One demo cluster: what app-config says about it, and what its stand-in API server really is."""

    name: str
    token_env: str  # app-config's serviceAccountToken: ${token_env}
    token: str  # the demo value of that variable (the API server accepts it)
    rotated_ca: bool = False  # the instructive failure: the server's certificate is from another CA
    why: str = ""  # for the demo's own explanation


CLUSTERS: tuple[DemoCluster, ...] = (
    DemoCluster("prod-eu", "DEMO_PROD_EU_TOKEN", "demo-sa-token-prod-eu"),
    DemoCluster("staging", "DEMO_STAGING_TOKEN", "demo-sa-token-staging"),
    DemoCluster("edge-lab", "DEMO_EDGE_LAB_TOKEN", "demo-sa-token-edge-lab", rotated_ca=True,
                why="its API server certificate was reissued by a new CA; app-config's caData is still the old CA"),
)


# ------------------------------------------------------------------------------------------------
# the world


class DemoWorld:
    """The demo's stand-ins, bound when constructed, serving after `start()`, closed by `stop()`.

    One object per demo run (a context manager: `with DemoWorld() as world:`); stopped, it is done.
    """

    def __init__(self, config_names: list[str] | None = None) -> None:
        self.config_names = list(config_names or DEV_CONFIG_FILES)
        self.app_root: Path | None = None
        self.clusters = CLUSTERS
        self.user = DEMO_USER
        self._ca = new_authority("demo cluster CA")
        self._rotated_ca = new_authority("edge-lab CA (reissued)")
        good_tls, rotated_tls = self._ca.server_context(), self._rotated_ca.server_context()
        self._issuer = Issuer(TENANT, {}, DEMO_USER)
        self._backend = Backend()
        self._palette = PaletteApi(PALETTE_API_KEY, {"p-demo": "demo"})
        self._servers: list[LoopbackServer] = []
        self._stopped = False
        # the API servers trust the issuer's ID tokens for the demo client, as with --oidc-issuer-url
        id_tokens = oidc_authenticator(lambda token: self._issuer.verified_claims(token, CLIENT_ID))
        try:
            self._issuer.origin = self._bind("issuer", self._issuer.handle).url()
            self._backend_server = self._bind("backend", self._backend.handle)
            self._palette_server = self._bind("palette", self._palette.handle)
            self._cluster_servers = {
                c.name: self._bind(c.name, ApiServer(
                    users={c.token: KubeUser(SERVICE_ACCOUNT, ["system:serviceaccounts", AUTHENTICATED])},
                    id_tokens=id_tokens, bindings=dict(RBAC_BINDINGS)).handle,
                    rotated_tls if c.rotated_ca else good_tls)
                for c in self.clusters
            }
        except BaseException:
            self.stop()
            raise
        # the callback Backstage announces: from the template's baseUrl, or from the stand-in's own URL;
        # and kubelogin's loopback redirects (http://localhost:8000, :18000...) for "Sign in to test my access"
        self._issuer.clients[CLIENT_ID] = Client(CLIENT_SECRET, frozenset(
            {default_callback_url(TEMPLATE_BACKEND_BASE_URL), default_callback_url(self.backend_url)}), loopback=True)
        for c in self.clusters:
            uid = f"c-{c.name}"
            self._palette.clusters.append(palette_meta(uid, c.name, "project", "p-demo", "edge-native", "Running"))
            self._palette.kubeconfigs[uid] = kubeconfig_text(self.cluster_url(c.name), self.cluster_ca_data(c.name),
                                                             name=c.name, token=f"demo-admin-token-{c.name}")

    def _bind(self, name: str, handler: Handler, tls: Any = None) -> LoopbackServer:
        server = LoopbackServer(handler, tls, name=f"demo-{name}")
        self._servers.append(server)
        return server

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> Self:
        if self._stopped:
            raise RuntimeError("this demo world was stopped; start a new DemoWorld")
        for server in self._servers:
            server.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every port (a connect is refused afterwards). Idempotent."""
        self._stopped = True
        stop_all(self._servers)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    # -- the backend "process" ----------------------------------------------------------------
    def attach(self, root: Path) -> None:
        """The demo app the backend runs: it starts on the app as it is now."""
        self.app_root = root
        self.restart()

    def restart(self, root: Path | None = None) -> None:
        """Restart the stand-in backend: it re-reads the app's index.ts and config files and the
        environment (os.environ over `env()`), and serves that until the next restart."""
        root = root or self.app_root
        if root is None:
            raise RuntimeError("no demo app yet: make_demo_world_app(world) (or attach(root)) first")
        self.app_root = root
        self._backend.started = start_backend(root, self.config_names, {**self.env(), **os.environ})

    @property
    def backend_log(self) -> list[str]:
        """What the backend's log says about its last start that Verify only sees as a symptom."""
        st = self._backend.started
        if st is None:
            return []
        if st.startup_error:
            return [f"Backend failed to start up: {st.startup_error}"]
        if st.spectrocloud_problem:
            return [f"Skipping {facts.PROVIDER} auth provider, {st.spectrocloud_problem}"]
        return []

    @property
    def backend_startup_error(self) -> str | None:
        """Why the backend did not start (every route answers 503), or None."""
        st = self._backend.started
        return "not started: no demo app yet" if st is None else st.startup_error

    # -- what the demo app, the answers and verify need -----------------------------------------
    @property
    def console_url(self) -> str:
        return self._issuer.origin

    @property
    def tenant(self) -> str:
        return TENANT

    @property
    def issuer(self) -> str:
        return self._issuer.issuer

    @property
    def authorization_url(self) -> str:
        """What the wizard writes as authorizationUrl (= Answers(consoleUrl, tenant).authorization_url())."""
        return f"{self.issuer}/auth"

    @property
    def backend_url(self) -> str:
        """Where the stand-in backend listens (verify's backend_url; backend.baseUrl stays the template's)."""
        return self._backend_server.url()

    @property
    def palette_url(self) -> str:
        """The stand-in Palette API (the demo's default wherever the wizard asks for Palette's URL)."""
        return self._palette_server.url()

    @property
    def palette_api_key(self) -> str:
        return PALETTE_API_KEY

    @property
    def client_id(self) -> str:
        return CLIENT_ID

    @property
    def client_secret(self) -> str:
        return CLIENT_SECRET

    def cluster_url(self, name: str) -> str:
        return self._cluster_servers[name].url()

    def cluster_ca_data(self, name: str) -> str:
        """caData of the CA that really signed the cluster's server certificate (edge-lab's new one)."""
        rotated = next(c for c in self.clusters if c.name == name).rotated_ca
        return (self._rotated_ca if rotated else self._ca).ca_data

    @property
    def service_account_clusters(self) -> list[str]:
        """The clusters the demo app starts with on service-account tokens: the ones to migrate."""
        return [c.name for c in self.clusters]

    @property
    def instructive_failure(self) -> tuple[str, str]:
        """(check id, hint id) of the one failure the demo shows on purpose."""
        (bad,) = [c for c in self.clusters if c.rotated_ca]
        return f"cluster:{bad.name}", "cluster-tls"

    @staticmethod
    def env_names() -> list[str]:
        return [DEFAULT_CLIENT_ID_ENV, DEFAULT_CLIENT_SECRET_ENV, DEFAULT_API_TOKEN_ENV] + [c.token_env for c in CLUSTERS]

    def env(self, client_id_env: str = DEFAULT_CLIENT_ID_ENV,
            client_secret_env: str = DEFAULT_CLIENT_SECRET_ENV) -> dict[str, str]:
        """The variables the demo app's config (and the Palette dialog) reference, with their demo values
        (the session sets the ones not already set; nothing here touches os.environ)."""
        out = {client_id_env: CLIENT_ID, client_secret_env: CLIENT_SECRET, DEFAULT_API_TOKEN_ENV: PALETTE_API_KEY}
        out.update({c.token_env: c.token for c in self.clusters})
        return out

    def prefill(self, answers: Answers) -> Answers:
        """Point the answers at the stand-in console (tenant `demo`), unless the user already chose one."""
        if not answers.tenant and not answers.authorizationUrl:
            answers.consoleUrl, answers.tenant = self.console_url, self.tenant
        return answers

    def verify_options(self, **overrides: Any) -> VerifyOptions:
        """Verify against the stand-in backend (backend.baseUrl in the config is the template's)."""
        return VerifyOptions(backend_url=self.backend_url, **overrides)

    def kubernetes_block(self) -> str:
        """The demo app's `kubernetes:` section: the template's comment, then the clusters on service
        accounts, all with the demo CA as caData (which edge-lab's server no longer uses)."""
        lines = [KUBERNETES_PLACEHOLDER.rstrip("\n"),
                 "  serviceLocatorMethod:", "    type: multiTenant",
                 "  clusterLocatorMethods:", "    - type: config", "      clusters:"]
        for c in self.clusters:
            lines += [f"        - name: {c.name}", f"          url: {self.cluster_url(c.name)}",
                      f"          authProvider: {facts.SERVICE_ACCOUNT}",
                      f"          serviceAccountToken: ${{{c.token_env}}}", f"          caData: {self._ca.ca_data}"]
        return "\n".join(lines) + "\n"

    def kubeconfig_text(self) -> str:
        """A kubeconfig of the demo clusters with the CA each server really uses (edge-lab's new one),
        as `kubectl config view --raw` would show it; no users, no credentials."""
        entries, contexts = [], []
        for c in self.clusters:
            entries.append(f"- name: {c.name}\n  cluster:\n    server: {self.cluster_url(c.name)}\n"
                           f"    certificate-authority-data: {self.cluster_ca_data(c.name)}")
            contexts.append(f"- name: {c.name}\n  context:\n    cluster: {c.name}")
        return ("apiVersion: v1\nkind: Config\nclusters:\n" + "\n".join(entries) + "\ncontexts:\n"
                + "\n".join(contexts) + f"\ncurrent-context: {self.clusters[0].name}\n")

    def describe(self) -> list[str]:
        """Lines for the demo's banner: what is a stand-in, and where."""
        out = [DEMO_LABEL, f"OIDC provider (tenant {TENANT}): {self.issuer} (signs in {self.user.email}, "
                           f"groups {', '.join(self.user.groups)})",
               f"Backstage backend: {self.backend_url}", f"Palette API: {self.palette_url}"]
        out += [f"cluster {c.name}: {self.cluster_url(c.name)}" + (f" ({c.why})" if c.why else "") for c in self.clusters]
        return out


def make_demo_world_app(world: DemoWorld, parent: Path | None = None) -> Path:
    """A fresh copy of templates/demo-app whose empty `kubernetes:` section holds the world's clusters
    (text-only: every other byte is the template's), with the stand-in backend started on it."""
    root = make_demo_app(parent)
    config = root / "app-config.yaml"
    text = config.read_bytes().decode("utf-8")
    if text.count(KUBERNETES_PLACEHOLDER) != 1:
        raise RuntimeError("templates/demo-app/app-config.yaml changed shape: no single empty kubernetes: section")
    config.write_bytes(text.replace(KUBERNETES_PLACEHOLDER, world.kubernetes_block(), 1).encode("utf-8"))
    world.attach(root)
    return root


@contextmanager
def demo_run(parent: Path | None = None) -> Iterator[tuple[Path, DemoWorld]]:
    """`--demo`: the world started, a fresh demo app on it, the stand-in tools first on PATH and the
    demo's variables set in this process — unconditionally: a user's real client ID would only be
    refused by the stand-in issuer (falsely red). Everything is stopped and restored on the way out."""
    saved = {name: os.environ.get(name) for name in ("PATH", *DemoWorld.env_names())}
    world = DemoWorld().start()
    try:
        root = make_demo_world_app(world, parent)
        bin_dir = write_demo_tools(root.parent / "bin")
        os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
        os.environ.update(world.env())
        world.restart(root)  # the backend starts with the demo's environment, as `yarn start` would
        yield root, world
    finally:
        world.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


__all__ = ["CLUSTERS", "DEMO_LABEL", "DEMO_USER", "KUBERNETES_PLACEHOLDER", "TOOLS_NOTE", "DemoCluster", "DemoWorld",
           "demo_run", "make_demo_world_app"]
