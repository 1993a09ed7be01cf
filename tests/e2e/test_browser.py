"""What the wizard writes, proven in a REAL browser (opt-in: SPECTRO_E2E=1; needs /usr/bin/chromium).

For each frontend wiring (a legacy app's apis.ts; a new-frontend app's in-app module, with package
discovery on and off), a copy of a real Backstage 1.55 app rendered from create-app 0.9.2's template
(tests/e2e/build_apps.sh) is configured by `spectro-wizard apply --yes`, its frontend is built
(`yarn workspace app build`), its real backend serves it, and Chromium does what a person does: Guest
sign-in -> the component's Kubernetes tab -> "Login Required" -> SpectroCloud "Log in" -> the test
provider's login and consent pages in the popup, as alice -> the tab lists the cluster's workload.
The Kubernetes API double (tests/support/doubles.py: WorkloadDouble) logs every request: each must
carry alice's real ID token. bob, whom the cluster's RBAC does not allow, gets the 403. Then
`spectro-wizard undo --yes` gives every file back byte for byte.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import trustme
from ruamel.yaml import YAML

from tests.e2e.test_real_backend import ADD_LINE, START_LINE, jwt_claims, run_wizard, write_answers
from tests.support.browser import (
    ENTITY,
    WIRING_ENV,
    Browser,
    Seen,
    apply_by_hand_wiring,
    build_apps,
    build_frontend,
    chromium,
    differences,
    snapshot,
    write_app_local_config,
    write_entity,
)
from tests.support.doubles import LoopbackServer, WorkloadDouble, workload_objects
from tests.support.e2e import AUTH_ENV, Cluster, IdTokenUsers, StartBackend, child_env, copy_app
from tests.support.net import server_tls
from tests.support.oidc import OIDCTestProvider

ALICE = "alice@example.com"
BOB = "bob@example.com"
WORKLOAD = "e2e-workload"  # the Deployment (and the prefix of its pod) the double serves for ENTITY
OKTA_CLUSTER = "okta-cluster"
# the texts the tab may end on; the first one to appear ends a browser run
PROBLEM = "There was a problem retrieving Kubernetes objects"
OUTCOMES = {
    "cluster": "1 pod",  # the cluster's accordion: "e2e-cluster / 1 pod / No pods with errors"
    "problem": PROBLEM,  # the warning accordion above the clusters, holding each request's error
    "no-provider": "no oidcProvider configured",
}
EXPAND = {  # then open the accordion: the Deployment shows, or the errors do
    "cluster": {"click": "e2e-cluster", "show": WORKLOAD},
    "problem": {"click": PROBLEM, "show": "status code: 403"},
}


@dataclass(frozen=True)
class Variant:
    id: str
    app: str  # the built app: "legacy" or "new"
    discovery: bool = True  # new frontend: app.packages: all
    okta: bool = False  # also check a cluster whose oidcTokenProvider is okta

    @property
    def answers_extra(self) -> str:
        return "frontendWiring: in-app\n" if self.app == "new" else ""


VARIANTS = [
    Variant("legacy", "legacy"),
    Variant("new-in-app", "new", okta=True),
    Variant("new-in-app-no-discovery", "new", discovery=False),
]


# ------------------------------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    return chromium()


@pytest.fixture(scope="session")
def built_apps(chromium_path: Path) -> dict[str, Path]:
    return build_apps()


@pytest.fixture(scope="session")
def workload_cluster(oidc: OIDCTestProvider) -> Iterator[Cluster]:
    """A kube-apiserver double over TLS that authenticates the provider's ID tokens of alice and bob,
    lets alice (only) list, and serves a Deployment, its ReplicaSet and Pod, a Service and PodMetrics
    labelled backstage.io/kubernetes-id: e2e-service."""
    ca = trustme.CA()
    users = IdTokenUsers(oidc, accepted={ALICE, BOB})
    double = WorkloadDouble(users=users, allowed_subjects={ALICE}, objects=workload_objects(ENTITY, WORKLOAD))  # type: ignore[arg-type]
    server = LoopbackServer(double.handle, server_tls(ca)).start()
    try:
        yield Cluster("e2e-cluster", server.url(), base64.b64encode(ca.cert_pem.bytes()).decode(), double, server, users)
    finally:
        server.stop()


@pytest.fixture
def browser(oidc: OIDCTestProvider, tmp_path: Path) -> Iterator[Browser]:
    b = Browser(child_env(oidc), tmp_path)
    try:
        yield b
    finally:
        b.close()


# ------------------------------------------------------------------------------------------------
# helpers


def wiring() -> str:
    value = os.environ.get(WIRING_ENV, "wizard")
    assert value in ("wizard", "hand"), f"{WIRING_ENV} is 'wizard' (default) or 'hand', not {value!r}"
    return value


def apply(repo: Path, answers: Path, variant: Variant, env: dict[str, str]) -> list[str]:
    """`spectro-wizard apply --repo COPY --answers A --yes` (or, with SPECTRO_E2E_WIRING=hand, the
    stopgap apply_by_hand_wiring); the files created outside apply's backups."""
    if wiring() == "hand":
        return apply_by_hand_wiring(repo, answers, variant.app, variant.discovery)
    done = run_wizard("apply", "--repo", str(repo), "--answers", str(answers), "--yes", env=env)
    assert done.returncode == 0, (
        f"`spectro-wizard apply --yes` exited {done.returncode} on the {variant.id} app\nstdout:\n{done.stdout}\n"
        f"stderr:\n{done.stderr}\n(SPECTRO_E2E_WIRING=hand runs the same proof with the frontend wired by "
        f"the wizard's editors directly)")
    return []


def check_wired(repo: Path, variant: Variant) -> None:
    from wizard.core import apis_ts, app_tsx

    index = (repo / "packages/backend/src/index.ts").read_text(encoding="utf-8")
    assert ADD_LINE in index and index.index(ADD_LINE) < index.index(START_LINE), index
    if variant.app == "legacy":
        src = (repo / apis_ts.REL).read_text(encoding="utf-8")
        assert apis_ts.read_apis(src).wired, f"apply did not wire spectrocloud into {apis_ts.REL}:\n{src}"
        return
    app = (repo / app_tsx.REL).read_text(encoding="utf-8")
    assert app_tsx.has_feature(app, app_tsx.SPECTROCLOUD_MODULE), f"{app_tsx.REL} lacks the module:\n{app}"
    assert app_tsx.has_feature(app, app_tsx.KUBERNETES_PLUGIN) == (not variant.discovery), app
    module = repo / app_tsx.MODULE_REL
    assert module.is_file() and app_tsx.is_module_file(module.read_text(encoding="utf-8")), module


def tail(backend: Any, n: int = 15) -> str:
    """The backend log's last lines, each cut short (request lines carry whole user agents)."""
    return "\n".join(line[:300] for line in backend.tail(n).splitlines())


def cluster_requests(cluster: Cluster, since: int) -> list[Any]:
    """The requests the cluster received since `since` that list workloads (what the tab asks for)."""
    return [r for r in cluster.server.requests[since:]
            if r.method == "GET" and (r.path.startswith("/api/v1/") or r.path.startswith("/apis/"))]


def assert_tokens(requests: list[Any], email: str, cluster: Cluster) -> set[str]:
    """Every request carried `Authorization: Bearer <ID token>` of `email`, signed by the provider
    (validated again here as the cluster validates it); the set of tokens."""
    assert requests, "the cluster received no request from the Kubernetes tab"
    tokens = set()
    for r in requests:
        assert r.bearer, f"{r.method} {r.target} reached the cluster without a bearer token"
        claims = jwt_claims(r.bearer)
        assert claims.get("email") == email, f"{r.method} {r.target} carried a token of {claims.get('email')!r}"
        assert cluster.users.get(r.bearer) is not None, f"{r.method} {r.target}: the token does not validate"
        tokens.add(r.bearer)
    return tokens


def services_body(seen: Seen) -> dict[str, Any]:
    posts = [r for r in seen.requests if r["method"] == "POST" and f"/api/kubernetes/services/{ENTITY}" in r["url"]]
    assert posts, f"the tab never POSTed /api/kubernetes/services/{ENTITY}: {[r['url'] for r in seen.requests]}"
    return json.loads(posts[-1]["body"] or "{}")


def check_popup(seen: Seen) -> None:
    starts = seen.urls("/api/auth/spectrocloud/start")
    assert starts, f"the popup never opened /api/auth/spectrocloud/start: {seen.urls('/api/auth/')}"
    query = parse_qs(urlsplit(starts[0]).query)
    assert query.get("flow") == ["popup"] and query.get("env") == [AUTH_ENV], starts[0]


def add_okta_cluster(config: Path, cluster: Cluster) -> None:
    """The app's config gets a second cluster whose tokens come from Okta (written by the test)."""
    yaml = YAML()
    data = yaml.load(config.read_text(encoding="utf-8"))
    [method] = [m for m in data["kubernetes"]["clusterLocatorMethods"] if m["type"] == "config"]
    method["clusters"].append({"name": OKTA_CLUSTER, "url": cluster.url, "caData": cluster.ca_b64,
                               "authProvider": "oidc", "oidcTokenProvider": "okta", "skipMetricsLookup": True})
    with config.open("w", encoding="utf-8") as fh:
        yaml.dump(data, fh)


# ------------------------------------------------------------------------------------------------
# the test


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.id for v in VARIANTS])
def test_kubernetes_tab_in_chromium_with_the_users_own_token(
    variant: Variant,
    chromium_path: Path,
    built_apps: dict[str, Path],
    oidc: OIDCTestProvider,
    workload_cluster: Cluster,
    backend_port: int,
    start_backend: StartBackend,
    browser: Browser,
    tmp_path: Path,
) -> None:
    times: dict[str, float] = {}
    env = child_env(oidc)

    # 1. a copy of the built app, the developer's local config, and (discovery off) no app.packages
    t0 = time.monotonic()
    repo = tmp_path / "app"
    copy_app(built_apps[variant.app], repo)
    write_app_local_config(repo, backend_port, write_entity(tmp_path / "entity.yaml"))
    if not variant.discovery:
        config = repo / "app-config.yaml"
        text = config.read_text(encoding="utf-8")
        assert "\n  packages: all\n" in text, "create-app's default template no longer says app.packages: all"
        config.write_text(text.replace("\n  packages: all\n", "\n"), encoding="utf-8")
    before = snapshot(repo)
    times["copy"] = time.monotonic() - t0

    # 2. the wizard
    answers = write_answers(tmp_path / "answers.yaml", oidc, workload_cluster, extra=variant.answers_extra)
    t0 = time.monotonic()
    created = apply(repo, answers, variant, env)
    times["apply"] = time.monotonic() - t0
    check_wired(repo, variant)

    # 3. the frontend as the wizard left it, served by the real backend
    times["frontend build"] = build_frontend(repo, env, tmp_path / "frontend-build.log")
    t0 = time.monotonic()
    backend = start_backend(repo, backend_port)
    times["backend start"] = time.monotonic() - t0

    # 4. alice: the tab lists the workload, and the cluster saw her own ID token
    mark = len(workload_cluster.server.requests)
    t0 = time.monotonic()
    seen = browser.drive(backend.url, f"{variant.id}-alice", "alice", OUTCOMES, expand=EXPAND)
    times["browser alice"] = time.monotonic() - t0
    assert seen.outcome == "cluster" and seen.shown == WORKLOAD, (
        f"alice's tab did not list {WORKLOAD} in e2e-cluster:\n{seen.describe()}\n{tail(backend)}")
    assert "SpectroCloud" in seen.dialog, seen.dialog
    check_popup(seen)
    tokens = assert_tokens(cluster_requests(workload_cluster, mark), ALICE, workload_cluster)
    sent = services_body(seen).get("auth", {}).get("oidc", {}).get("spectrocloud")
    assert sent in tokens, "the token the browser sent as auth.oidc.spectrocloud is not the one the cluster received"
    assert WORKLOAD in seen.text and PROBLEM not in seen.text, seen.describe()

    # 5. bob: the cluster's RBAC says no, and the tab says so
    mark = len(workload_cluster.server.requests)
    t0 = time.monotonic()
    seen_bob = browser.drive(backend.url, f"{variant.id}-bob", "bob", OUTCOMES, expand=EXPAND)
    times["browser bob"] = time.monotonic() - t0
    assert seen_bob.outcome == "problem" and seen_bob.shown == "status code: 403", (
        f"bob's tab did not show the cluster's 403:\n{seen_bob.describe()}")
    assert "Error fetching Kubernetes resource: '/api/v1/pods', error: UNKNOWN_ERROR, status code: 403" in seen_bob.text
    assert_tokens(cluster_requests(workload_cluster, mark), BOB, workload_cluster)
    backend.stop()

    # 6. (new frontend) a cluster on Okta asks for Okta instead of failing for want of a provider
    if variant.okta:
        config = repo / "app-config.yaml"
        applied = config.read_bytes()
        add_okta_cluster(config, workload_cluster)
        backend = start_backend(repo, backend_port)
        t0 = time.monotonic()
        seen_okta = browser.drive(backend.url, f"{variant.id}-okta", "alice",
                                  {"okta": "Okta", "no-provider": OUTCOMES["no-provider"]})
        times["browser okta"] = time.monotonic() - t0
        assert seen_okta.outcome == "okta", f"the okta cluster did not ask for Okta:\n{seen_okta.describe()}"
        assert "no oidcProvider configured for oidc.okta" not in seen_okta.text
        backend.stop()
        config.write_bytes(applied)

    # 7. undo gives every file back
    done = run_wizard("undo", "--repo", str(repo), "--yes", env=env)
    assert done.returncode == 0, f"undo exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    for rel in created:  # hand wiring only: files apply's backups do not know
        (repo / rel).unlink()
    after = snapshot(repo)
    assert not differences(before, after), f"undo left differences: {differences(before, after)}"
    print(f"{variant.id} ({wiring()} wiring): " + ", ".join(f"{k} {v:.1f} s" for k, v in times.items()))
