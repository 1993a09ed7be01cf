"""The wizard end to end against a REAL Backstage 1.55 backend (opt-in: SPECTRO_E2E=1).

`spectro-wizard apply` configures a copy of the bundled demo app (built by build_backend.sh with the
real `@terasky/backstage-plugin-spectrocloud-auth-backend` 0.8.0 in node_modules); the test starts the
real backend from that copy, signs alice in THROUGH the backend against the real OpenID provider of
tests/oidc_provider, and feeds the ID token the backend hands out to `spectro-wizard verify`, which
checks the provider, the backend and a Kubernetes API double that trusts the provider's ID tokens.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

import httpx
from ruamel.yaml import YAML

from tests.support.e2e import (
    AUTH_ENV,
    Backend,
    Cluster,
    StartBackend,
    callback_url,
    child_env,
    wizard_executable,
    write_local_config,
)
from tests.support.net import free_port
from tests.support.oidc import MAX_LOGIN_STEPS, OIDCTestProvider, _submit_interaction

AUTH_MODULE = "@terasky/backstage-plugin-spectrocloud-auth-backend"
ADD_LINE = f"backend.add(import('{AUTH_MODULE}'));"
START_LINE = "backend.start();"
WIZARD_TIMEOUT = 120.0
HTTP_TIMEOUT = 20.0


# ------------------------------------------------------------------------------------------------
# the wizard, through its entry point


def run_wizard(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([wizard_executable(), *args], check=False, capture_output=True, text=True,
                          timeout=WIZARD_TIMEOUT, stdin=subprocess.DEVNULL, env=env)


def run_verify(repo: Path, backend_url: str, id_token: str, env: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """`spectro-wizard verify --json` with the user's ID token.

    The one place that hands the ID token to the CLI: today on the command line (`--id-token`), the
    only form the CLI supports; switch here when it reads the token from a file.
    """
    done = run_wizard("verify", "--repo", str(repo), "--backend-url", backend_url, "--id-token", id_token, "--json",
                      env=env)
    assert done.stdout.strip(), f"verify printed nothing (exit {done.returncode}); stderr: {done.stderr}"
    try:
        report = json.loads(done.stdout)
    except ValueError as exc:
        raise AssertionError(f"verify --json printed no JSON ({exc}): {done.stdout[:2000]}\n{done.stderr}") from exc
    return done.returncode, report


def write_answers(path: Path, provider: OIDCTestProvider, cluster: Cluster, extra: str = "") -> Path:
    path.write_text(f"""\
environment: {AUTH_ENV}
authorizationUrl: {provider.authorization_url}
clusters:
  - name: {cluster.name}
    url: {cluster.url}
    caData: {cluster.ca_b64}
installPackage: false
{extra}""", encoding="utf-8")
    return path


def load_yaml(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


@dataclass
class Applied:
    repo: Path
    result: subprocess.CompletedProcess[str]
    index_before: str
    index_after: str


# The files `yarn start` (the development backend) loads: Backstage reads app-config.yaml and
# app-config.local.yaml, never app-config.production.yaml (only with --config, as the Dockerfile does).
DEV_CONFIG_FILES: tuple[str, ...] = ()


def apply_wizard(repo: Path, provider: OIDCTestProvider, cluster: Cluster, port: int, tmp_path: Path,
                 config_files: tuple[str, ...] = DEV_CONFIG_FILES) -> Applied:
    """The developer's local file (backend on a loopback port), then `spectro-wizard apply --yes`
    (with `--config` for each of `config_files`; none: the wizard's default set of files)."""
    write_local_config(repo, port)
    answers = write_answers(tmp_path / "answers.yaml", provider, cluster)
    index = repo / "packages" / "backend" / "src" / "index.ts"
    before = index.read_text(encoding="utf-8")
    configs = [arg for name in config_files for arg in ("--config", name)]
    done = run_wizard("apply", "--repo", str(repo), *configs, "--answers", str(answers), "--yes",
                      env=child_env(provider))
    assert done.returncode == 0, f"apply exited {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    return Applied(repo, done, before, index.read_text(encoding="utf-8"))


def check_index_wired(applied: Applied) -> None:
    before, after = applied.index_before, applied.index_after
    assert ADD_LINE not in before, "the built app must start without the SpectroCloud line (build_backend.sh)"
    assert ADD_LINE in after, (
        f"`spectro-wizard apply` did not add `{ADD_LINE}` to packages/backend/src/index.ts; the backend never "
        f"loads the SpectroCloud auth module without it.\napply's output:\n{applied.result.stdout}")
    assert after.index(ADD_LINE) < after.index(START_LINE), f"{ADD_LINE} must come before {START_LINE}:\n{after}"


# ------------------------------------------------------------------------------------------------
# a sign-in through the backend, as the browser's popup does it


_WEB_MESSAGE = re.compile(r"decodeURIComponent\('([^']*)'\)")


@dataclass
class SignIn:
    start: httpx.Response
    callback: httpx.Response
    message: dict[str, Any]  # what the callback page posts to the opener
    refresh: dict[str, Any]  # POST /refresh's JSON

    @property
    def id_token(self) -> str:
        return self.refresh["providerInfo"]["idToken"]


def sign_in_through_backend(backend: Backend, provider: OIDCTestProvider, user: str = "alice") -> SignIn:
    """start -> the provider's login and consent pages -> handler/frame -> refresh, with one cookie jar."""
    callback = callback_url(backend.port)
    with httpx.Client(follow_redirects=False, timeout=HTTP_TIMEOUT, trust_env=False) as http:
        start = http.get(f"{backend.url}/api/auth/spectrocloud/start", params={"env": AUTH_ENV})
        assert start.status_code == 302, f"start answered {start.status_code}: {start.text[:500]}"
        response = start
        for _ in range(MAX_LOGIN_STEPS):
            if response.is_redirect:
                target = urljoin(str(response.url), response.headers["location"])
                response = http.get(target)
                if target.startswith(callback):
                    break
            elif response.status_code == 200 and str(response.url).startswith(provider.issuer):
                response = _submit_interaction(http, response, user)
            else:
                raise AssertionError(f"unexpected HTTP {response.status_code} at {response.url}: {response.text[:500]}")
        else:
            raise AssertionError(f"the sign-in did not come back to {callback} in {MAX_LOGIN_STEPS} steps")
        frame = response
        assert frame.status_code == 200, f"handler/frame answered {frame.status_code}: {frame.text[:500]}\n{backend.tail()}"
        encoded = _WEB_MESSAGE.findall(frame.text)
        assert encoded, f"handler/frame's page carries no result: {frame.text[:500]}"
        message = json.loads(unquote(encoded[0]))
        assert message.get("type") == "authorization_response", message
        assert "error" not in message, f"the sign-in failed in the backend: {message['error']}\n{backend.tail()}"
        refresh = http.post(f"{backend.url}/api/auth/spectrocloud/refresh", params={"env": AUTH_ENV},
                            headers={"X-Requested-With": "XMLHttpRequest"})
        assert refresh.status_code == 200, f"refresh answered {refresh.status_code}: {refresh.text[:500]}"
        return SignIn(start, frame, message, refresh.json())


def jwt_claims(token: str) -> dict[str, Any]:
    import base64

    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def statuses(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in report["checks"]}


# ------------------------------------------------------------------------------------------------
# the tests


def test_apply_then_sign_in_through_the_real_backend_and_verify(
    app_copy: Path,
    oidc: OIDCTestProvider,
    cluster: Cluster,
    backend_port: int,
    start_backend: StartBackend,
    tmp_path: Path,
) -> None:
    # 1. the wizard configures the copy
    applied = apply_wizard(app_copy, oidc, cluster, backend_port, tmp_path)
    config = load_yaml(app_copy / "app-config.yaml")
    provider_cfg = config["auth"]["providers"]["spectrocloud"][AUTH_ENV]
    assert provider_cfg["authorizationUrl"] == oidc.authorization_url
    assert provider_cfg["clientId"] == "${SPECTROCLOUD_CLIENT_ID}"
    assert provider_cfg["clientSecret"] == "${SPECTROCLOUD_CLIENT_SECRET}"
    assert provider_cfg.get("callbackUrl", callback_url(backend_port)) == callback_url(backend_port)
    assert config["auth"]["providers"]["guest"] == {}
    assert config["kubernetes"]["serviceLocatorMethod"]["type"] == "multiTenant"
    [method] = [m for m in config["kubernetes"]["clusterLocatorMethods"] if m["type"] == "config"]
    [entry] = [c for c in method["clusters"] if c["name"] == cluster.name]
    assert entry["url"] == cluster.url and entry["caData"] == cluster.ca_b64
    assert entry["authProvider"] == "oidc" and entry["oidcTokenProvider"] == "spectrocloud"
    assert {"api:kubernetes/auth-providers": False} in config["app"]["extensions"]
    check_index_wired(applied)

    # 2. the real backend starts on the wizard's config
    backend = start_backend(app_copy, backend_port)
    assert "Skipping spectrocloud auth provider" not in backend.log, backend.tail()

    # 3. the start route redirects to the provider (facts section 8)
    with httpx.Client(follow_redirects=False, timeout=HTTP_TIMEOUT, trust_env=False) as http:
        start = http.get(f"{backend.url}/api/auth/spectrocloud/start", params={"env": AUTH_ENV})
    assert start.status_code == 302, f"{start.status_code} {start.text[:500]}\n{backend.tail()}"
    location = start.headers["location"]
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == oidc.authorization_url
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["client_id"] == oidc.client_id
    assert query["redirect_uri"] == callback_url(backend_port)
    assert query["response_type"] == "code"
    assert set(query["scope"].split()) >= {"openid", "profile", "email"}
    assert query["state"] and query["nonce"]
    nonce_cookie = "; ".join(start.headers.get_list("set-cookie"))
    assert "spectrocloud-nonce=" in nonce_cookie and "path=/api/auth/spectrocloud/handler" in nonce_cookie.lower()

    # 4. a real sign-in through the backend
    signed_in = sign_in_through_backend(backend, oidc, user="alice")
    id_token = signed_in.id_token
    assert signed_in.message["response"]["providerInfo"]["idToken"] == id_token
    claims = jwt_claims(id_token)
    assert claims["iss"] == oidc.issuer and claims["aud"] == oidc.client_id
    assert claims["email"] == "alice@example.com"
    assert signed_in.refresh["profile"]["email"] == "alice@example.com"

    # 5. verify with that ID token
    env = child_env(oidc)
    code, report = run_verify(app_copy, backend.url, id_token, env)
    checks = statuses(report)
    name = cluster.name
    required = ["oidc-discovery", "oidc-client", "backend-reachable", "backend-auth-provider", "backend-clusters",
                f"cluster:{name}", "id-token", f"cluster:{name}:identity", f"backend-proxy:{name}"]
    summary = {c["id"]: f"{c['status']}: {c['summary']}" for c in report["checks"]}
    print("verify:", json.dumps(summary, indent=1))  # shown with -s, and with the failure report
    not_ok = {i: checks.get(i) for i in required if checks.get(i, {}).get("status") != "ok"}
    assert not not_ok, f"verify checks not ok: {json.dumps(not_ok, indent=1)}\nall: {json.dumps(summary, indent=1)}"
    assert checks[f"cluster:{name}:identity"]["data"]["username"] == "alice@example.com"
    # the cluster really saw alice's ID token: once from verify itself, once through the backend's proxy
    assert any(c.get("email") == "alice@example.com" for c in cluster.users.seen)
    proxied = [r for r in cluster.server.requests if r.path == "/api/v1/namespaces" and r.bearer == id_token]
    assert proxied, "the backend's proxy never reached the cluster with the ID token"
    text = json.dumps(report)
    assert id_token not in text and oidc.client_secret not in text
    assert code == (0 if report["ok"] else 1), (code, summary)


def test_unknown_sign_in_resolver_makes_the_provider_misconfigured(
    app_copy: Path,
    oidc: OIDCTestProvider,
    cluster: Cluster,
    start_backend: StartBackend,
    tmp_path: Path,
) -> None:
    port = free_port()
    check_index_wired(apply_wizard(app_copy, oidc, cluster, port, tmp_path))
    # written into the copy's config by the test itself, not by the wizard
    write_local_config(app_copy, port, extra=f"""\
auth:
  providers:
    spectrocloud:
      {AUTH_ENV}:
        signIn:
          resolvers:
            - resolver: noSuchResolverName
""")
    backend = start_backend(app_copy, port)
    with httpx.Client(follow_redirects=False, timeout=HTTP_TIMEOUT, trust_env=False) as http:
        start = http.get(f"{backend.url}/api/auth/spectrocloud/start", params={"env": AUTH_ENV})
    assert start.status_code == 404, f"{start.status_code} {start.text[:500]}"
    message = start.json()["error"]["message"]
    assert "misconfigured" in message, message
    assert "Skipping spectrocloud auth provider" in backend.log, backend.tail()


def test_apply_with_the_default_config_files_derives_the_callback_of_the_dev_backend(
    app_copy: Path, oidc: OIDCTestProvider, cluster: Cluster, tmp_path: Path
) -> None:
    """`spectro-wizard apply --repo COPY --answers A --yes`, no --config: the demo app has
    app-config.production.yaml (baseUrl http://localhost:7007) and the developer's app-config.local.yaml
    moves the backend to 127.0.0.1:<port>. The development backend loads app-config.yaml +
    app-config.local.yaml only, so the callback it must announce is http://127.0.0.1:<port>/...: a
    callbackUrl derived from the production file's baseUrl sends every sign-in to the wrong place."""
    port = free_port()
    apply_wizard(app_copy, oidc, cluster, port, tmp_path, config_files=())
    config = load_yaml(app_copy / "app-config.yaml")
    provider_cfg = config["auth"]["providers"]["spectrocloud"][AUTH_ENV]
    written = provider_cfg.get("callbackUrl")
    assert written in (None, callback_url(port)), (
        f"apply wrote callbackUrl {written!r} into app-config.yaml, but the development backend "
        f"(app-config.yaml + app-config.local.yaml, baseUrl http://127.0.0.1:{port}) calls back at "
        f"{callback_url(port)}")


def test_verify_deployment_tells_whether_the_running_backend_has_its_client_secret(
    app_copy: Path,
    oidc: OIDCTestProvider,
    cluster: Cluster,
    start_backend: StartBackend,
    tmp_path: Path,
) -> None:
    """`verify --deployment` asks the RUNNING backend's sign-in callback to exchange a made-up code: the real
    module answers invalid_grant when the provider accepts its client credentials and invalid_client when the
    secret it runs with is wrong (a pod whose Secret is missing or stale), while this shell's secret is right."""
    from tests.support import e2e as harness

    port = free_port()
    apply_wizard(app_copy, oidc, cluster, port, tmp_path)
    # the chart values that would run this backend: its args name the files it is started with
    (app_copy / "deploy").mkdir()
    (app_copy / "deploy" / "values.yaml").write_text(
        "# the backstage chart's values\nbackstage:\n  args: [\"--config\", \"app-config.yaml\", \"--config\", "
        "\"app-config.local.yaml\"]\n", encoding="utf-8")
    answers = tmp_path / "production.yaml"
    answers.write_text(f"authorizationUrl: {oidc.authorization_url}\ndeployment:\n  helmValues: deploy/values.yaml\n",
                       encoding="utf-8")
    env = child_env(oidc)

    def verify(backend: Backend) -> dict[str, dict[str, Any]]:
        done = run_wizard("verify", "--repo", str(app_copy), "--answers", str(answers), "--deployment",
                          "--backend-url", backend.url, "--json", env=env)
        return statuses(json.loads(done.stdout))

    backend = start_backend(app_copy, port)
    checks = verify(backend)
    assert checks["backend-client-secret"]["status"] == "ok", checks["backend-client-secret"]
    assert "invalid_grant" in checks["backend-client-secret"]["detail"]
    backend.stop()
    wrong = dict(env, SPECTROCLOUD_CLIENT_SECRET="not-the-client-secret")
    started: list[Backend] = []
    try:
        bad = harness.start_backend(app_copy, port, wrong, tmp_path / "backend-wrong-secret.log", started)
        checks = verify(bad)
    finally:
        for b in started:
            b.stop()
    probe = checks["backend-client-secret"]
    assert probe["status"] == "fail" and "invalid_client" in probe["summary"], probe
    assert checks["oidc-client"]["status"] == "ok"  # this shell's secret is right: only the pod's is wrong
    assert "not-the-client-secret" not in json.dumps(checks) and oidc.client_secret not in json.dumps(checks)
