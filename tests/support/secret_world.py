"""The secrets the quality tests plant (tests/quality/test_secrets.py), the encodings they would travel
in, and the world that holds them: a generated repo full of literal secrets, loopback servers that echo
the credentials they receive (tests/support/servers.py), and an environment with more secrets."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote_plus

import trustme

from tests.support.cli import PROJECT, PY, cli_env
from tests.support.configs import many_clusters_config
from tests.support.files import write_answers
from tests.support.net import server_tls
from tests.support.repos import make_repo
from tests.support.servers import EchoServer, backend_handler, cluster_handler, oidc_handler


def _jwt(payload: dict, sig: str) -> str:
    def b64(d: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(d, separators=(",", ":")).encode()).decode().rstrip("=")

    return f"{b64({'alg': 'RS256', 'kid': 'q-kid-1'})}.{b64(payload)}.{sig}"


CLIENT_ID = "spectro-client-id-literal"
SECRETS = {
    "client secret (config literal)": "Sc7Kq2Vt9Xw4Zr8Lp3Nb6Md1Fh5Gj0Qs",
    "service-account token": "k8s-sa-token-Qm93Rk2Xv8Lp4Zt7Wn1Yc6Bd",
    "service-account token (JWT)": _jwt({"iss": "kubernetes/serviceaccount", "sub": "system:serviceaccount:default:backstage"},
                                        "c2lnbmF0dXJlLW9mLXRoZS1zYS1qd3QtUXo4Vm0yTHA"),
    "kept service-account token (JWT)": _jwt({"iss": "kubernetes/serviceaccount", "sub": "system:serviceaccount:ops:legacy"},
                                             "a2VwdC10b2tlbi1zaWduYXR1cmUtWng5M0xtMjdRdjg"),
    "database password": "Pg-pa55w0rd-Zx81Qv37Lm",
    "session secret": "session-7hQ2vX9kLm4Pz8RtYc",
    "backend key": "bk-4Xm8Qz2Lp7Vr1Tn6Wc3Yd9Fs",
    "github token": "ghp_R3aLiStIcT0kEn1234567890abcdEFGH",
    "palette api token": "palette-api-Kx93Lm27Qv81Zt46Ws",
    "--token (Backstage JWT)": _jwt({"sub": "user:default/jane", "ent": ["user:default/jane"]}, "YmFja3N0YWdlLXRva2VuLXNpZ25hdHVyZS1ReDc"),
    "--id-token (SpectroCloud JWT)": _jwt({"iss": "https://console.spectrocloud.com/v1/oidc/tenant/abc123", "email": "jane@example.com"},
                                          "aWQtdG9rZW4tc2lnbmF0dXJlLUxtMjdRdjgxWnQ0Ng"),
    "client secret (environment)": "env-client-secret-Lq84Vz27MxWp",
    "BACKSTAGE_TOKEN (environment)": "env-backstage-token-Rt55Hn20Kq",
}
S = SECRETS


def basic_auth(secret: str) -> str:
    return base64.b64encode(f"{CLIENT_ID}:{secret}".encode()).decode().rstrip("=")


def forms(name: str, value: str, basic: bool = True) -> set[str]:
    """The secret and the encodings it would travel in (base64, HTTP Basic, URL-encoding, JWT parts)."""
    out = {value, quote_plus(value), base64.b64encode(value.encode()).decode().rstrip("=")}
    if "client secret" in name and basic:
        out.add(basic_auth(value))
    if value.count(".") == 2 and value.startswith("eyJ"):
        out.update(p for p in value.split(".")[1:] if len(p) >= 16)  # payload and signature (the header is generic)
    out.update({value[:14], value[-14:]})
    return {f for f in out if len(f) >= 12}


def assert_no_secrets(text: str, where: str, basic: bool = True) -> None:
    found = [name for name, value in SECRETS.items() if any(f in text for f in forms(name, value, basic))]
    assert not found, f"{where} shows {found}"


@dataclass
class World:
    root: Path
    answers: Path
    answers_data: dict
    ca_pem: Path
    backend: EchoServer
    cluster: EchoServer
    oidc: EchoServer
    tmpdir: Path
    env: dict[str, str]

    def cli(self, *args: str, root: Path | None = None) -> subprocess.CompletedProcess:
        argv = [PY, "-m", "wizard", *[a.replace("{repo}", str(root or self.root)) for a in args]]
        return subprocess.run(argv, cwd=PROJECT, env=self.env, capture_output=True, text=True, timeout=120, check=False)

    def fresh_copy(self, name: str) -> Path:
        dst = self.root.parent / name
        if dst.exists():
            shutil.rmtree(dst)
        shutil.copytree(self.root, dst, symlinks=True)
        return dst


def secret_config(cluster_url: str, ca_b64: str, oidc_origin: str, backend_origin: str) -> str:
    text = many_clusters_config(3, urls=[cluster_url] * 3, ca_data=ca_b64)

    def sub(old: str, new: str) -> None:
        nonlocal text
        assert old in text, old
        text = text.replace(old, new, 1)

    sub("  baseUrl: http://localhost:7007\n", f"  baseUrl: {backend_origin}\n  auth:\n    keys:\n      - secret: {S['backend key']}\n")
    sub("    client: better-sqlite3\n    connection: ':memory:'\n",
        f"    client: pg\n    connection:\n      host: db.internal\n      port: 5432\n      user: backstage\n"
        f"      password: {S['database password']}\n")
    sub("      token: ${GITHUB_TOKEN}\n", f"      token: {S['github token']}\n")
    sub("auth:\n  # see https://backstage.io/docs/auth/ to learn about auth providers\n",
        f"auth:\n  session:\n    secret: {S['session secret']}\n  # see https://backstage.io/docs/auth/ to learn about auth providers\n")
    sub("    guest: {}\n",
        "    guest: {}\n    spectrocloud:\n      development:\n"
        f"        clientId: {CLIENT_ID}\n"
        f"        clientSecret: {S['client secret (config literal)']}\n"
        f"        authorizationUrl: {oidc_origin}/v1/oidc/tenant/abc123/auth\n")
    sub("          serviceAccountToken: ${K8S_TOKEN_00000}\n", f"          serviceAccountToken: {S['service-account token']}\n")
    sub("          serviceAccountToken: ${K8S_TOKEN_00001}\n", f"          serviceAccountToken: '{S['service-account token (JWT)']}'\n")
    sub("\n# see https://backstage.io/docs/permissions",
        f"        # a cluster that stays on its service account\n        - name: legacy-kept\n          url: {cluster_url}\n"
        f"          authProvider: serviceAccount\n          serviceAccountToken: {S['kept service-account token (JWT)']}\n"
        f"          caData: {ca_b64}\n"
        "\nspectrocloud:\n  environments:\n    - name: palette\n      url: https://api.spectrocloud.com\n      tenant: abc123\n"
        f"      apiToken: {S['palette api token']}\n"
        "\n# see https://backstage.io/docs/permissions")
    return text


@contextmanager
def make_world(base: Path) -> Iterator[World]:
    """The world in `base`: the repo (app-config.yaml mode 0600), its answers, a CA file, the three
    echo servers (stopped at exit) and the environment, with the environment secrets."""
    ca = trustme.CA()
    ca_pem = base / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_pem))
    ca_b64 = base64.b64encode(ca.cert_pem.bytes()).decode()
    tls = server_tls(ca)
    backend = EchoServer(backend_handler)
    cluster = EchoServer(cluster_handler, tls)
    oidc = EchoServer(oidc_handler("/v1/oidc/tenant/abc123"), tls)
    try:
        root = make_repo(base, "app", preset="many-clusters",
                         app_config=secret_config(cluster.origin, ca_b64, oidc.origin, backend.origin))
        (root / "app-config.yaml").chmod(0o600)
        data = {
            "tenant": "abc123",
            "authorizationUrl": f"{oidc.origin}/v1/oidc/tenant/abc123/auth",
            "clusters": [{"name": "new-cluster", "url": cluster.origin, "caData": ca_b64}],
            "migrate": ["cluster-00000", "cluster-00001"],
            "clusterProvider": {"name": "palette", "url": "https://api.spectrocloud.com", "tenant": "abc123"},
            "installPackage": False,
        }
        answers = write_answers(base / "answers.yaml", data)
        tmpdir = base / "tmpdir"
        tmpdir.mkdir()
        env = cli_env(tmpdir, SPECTROCLOUD_CLIENT_ID=CLIENT_ID,
                      SPECTROCLOUD_CLIENT_SECRET=S["client secret (environment)"],
                      BACKSTAGE_TOKEN=S["BACKSTAGE_TOKEN (environment)"], COLUMNS="200")
        yield World(root, answers, data, ca_pem, backend, cluster, oidc, tmpdir, env)
    finally:
        for s in (backend, cluster, oidc):
            s.close()


@contextmanager
def untrusted_servers(ca_dir: Path) -> Iterator[tuple[EchoServer, EchoServer, Path]]:
    """An HTTPS OIDC provider and an HTTPS backend whose certificates come from a CA nobody trusts, and
    that CA's certificate in `ca_dir` (stopped at exit)."""
    ca = trustme.CA()
    tls = server_tls(ca)
    oidc = EchoServer(oidc_handler("/v1/oidc/tenant/abc123"), tls)
    backend = EchoServer(backend_handler, tls)
    pem = ca_dir / "private-ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    try:
        yield oidc, backend, pem
    finally:
        oidc.close()
        backend.close()
