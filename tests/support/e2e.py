"""Machinery of the opt-in end-to-end suite: a REAL Backstage 1.55 backend with the real SpectroCloud
auth backend module, a real OpenID provider (tests/support/oidc.py) and a Kubernetes API server double over
TLS (tests/support/doubles.py) that trusts the provider's ID tokens, everything on loopback.

The backend is built once into a cache by tests/e2e/build_backend.sh (minutes the first time, a second
afterwards); every test works on its own copy of the built app (files copied, node_modules symlinked),
so the wizard's edits never reach the cache. Fixtures are in tests/e2e/conftest.py.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.doubles import KubeDouble, KubeUser, LoopbackServer
from tests.support.oidc import OIDCTestProvider, fetch_jwks

PROJECT = Path(__file__).resolve().parents[2]
HERE = PROJECT / "tests" / "e2e"  # the suite's directory: its build script and app template
BUILD_SCRIPT = HERE / "build_backend.sh"
BUILD_TIMEOUT = 1800.0  # the first build: ~3-10 minutes on 2 cores (download, install, compile); later: a second
STARTUP_TIMEOUT = 240.0  # a start transpiles the backend's plugins: ~20-60 s on 2 cores
STOP_TIMEOUT = 15.0
CLIENT_ID = "backstage-e2e"
AUTH_ENV = "development"
CLUSTER_NAME = "e2e-cluster"
OPT_IN = "SPECTRO_E2E"
SKIP_REASON = (f"opt-in suite: set {OPT_IN}=1 to run it against a real Backstage backend that "
               "tests/e2e/build_backend.sh builds from the registry (minutes and ~2 GB of disk the first time; "
               "see tests/e2e/README.md)")
READY_LINE = "Plugin initialization complete"
FAILED_LINE = "Backend startup failed"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def cache_dir() -> Path:
    return Path(os.environ.get("SPECTRO_E2E_CACHE") or Path.home() / ".cache" / "spectro-wizard-e2e")


def callback_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/api/auth/spectrocloud/handler/frame"


# ------------------------------------------------------------------------------------------------
# the built app and its working copies


def build_backend() -> Path:
    """Run build_backend.sh (idempotent) and return the built app in the cache; pytest.fail on failure."""
    for tool in ("node", "npm", "bash"):
        if shutil.which(tool) is None:
            pytest.fail(f"`{tool}` is not on PATH; the real-backend suite needs it", pytrace=False)
    try:
        done = subprocess.run(["bash", str(BUILD_SCRIPT)], check=False, cwd=PROJECT, capture_output=True, text=True,
                              timeout=BUILD_TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{BUILD_SCRIPT.name} did not finish within {BUILD_TIMEOUT:.0f} s (logs: {cache_dir()}/logs)",
                    pytrace=False)
    if done.returncode != 0:
        pytest.fail(f"{BUILD_SCRIPT.name} failed (exit {done.returncode}): "
                    f"{done.stderr.strip() or done.stdout.strip()[-2000:]}", pytrace=False)
    app = cache_dir() / "app"
    if not (app / "node_modules" / "@backstage" / "plugin-kubernetes-backend").is_dir():
        pytest.fail(f"{BUILD_SCRIPT.name} succeeded but {app} has no backend dependencies:\n{done.stdout}", pytrace=False)
    return app


def copy_app(src: Path, dst: Path) -> None:
    """Copy the app's files; every node_modules directory becomes a symlink to the cache's."""
    dst.mkdir(parents=True)
    for entry in src.iterdir():
        target = dst / entry.name
        if entry.name == "node_modules":
            target.symlink_to(entry.resolve(), target_is_directory=True)
        elif entry.is_dir() and not entry.is_symlink():
            copy_app(entry, target)
        else:
            shutil.copy2(entry, target, follow_symlinks=False)


def write_local_config(repo: Path, port: int, extra: str = "") -> Path:
    """app-config.local.yaml: the backend on a loopback port (what a developer's local file would say)."""
    path = repo / "app-config.local.yaml"
    path.write_text(f"""\
backend:
  baseUrl: http://127.0.0.1:{port}
  listen:
    host: 127.0.0.1
    port: {port}
{extra}""", encoding="utf-8")
    return path


def wizard_executable() -> str:
    """The `spectro-wizard` console script of the interpreter running the tests (the project's venv)."""
    candidate = Path(sys.executable).parent / "spectro-wizard"
    if candidate.is_file():
        return str(candidate)
    found = shutil.which("spectro-wizard")
    if found is None:
        pytest.fail("the `spectro-wizard` entry point is not installed (pip install -e .)", pytrace=False)
    return found


def child_env(provider: OIDCTestProvider) -> dict[str, str]:
    """The environment of the backend and of the wizard: the client's ID and secret, nothing proxied."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPECTROCLOUD_", "BACKSTAGE_"))}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        env.pop(name, None)
    env.update(SPECTROCLOUD_CLIENT_ID=provider.client_id, SPECTROCLOUD_CLIENT_SECRET=provider.client_secret,
               NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost", FORCE_COLOR="0", NO_COLOR="1")
    return env


# ------------------------------------------------------------------------------------------------
# the cluster: a kube-apiserver double that authenticates the provider's ID tokens


class IdTokenUsers:
    """A KubeDouble's `users` as an API server with OIDC flags sees them: a bearer token is a user
    when it is an RS256 ID token signed by the provider's keys for the right issuer and audience (the
    client ID) and not expired; the username is its `email` claim, the groups its `groups` claim."""

    def __init__(self, provider: OIDCTestProvider, accepted: set[str]) -> None:
        self.provider = provider
        self.accepted = accepted  # the emails this cluster knows
        self.seen: list[dict[str, Any]] = []  # claims of the tokens it accepted
        self._keys: Any = None
        self._lock = threading.Lock()

    def _keyset(self) -> Any:
        from joserfc.jwk import KeySet

        with self._lock:
            if self._keys is None:
                self._keys = KeySet.import_key_set(fetch_jwks(self.provider))  # type: ignore[arg-type]
            return self._keys

    def get(self, token: str, default: Any = None) -> KubeUser | None:
        from joserfc import jwt
        from joserfc.errors import JoseError

        if not isinstance(token, str) or token.count(".") != 2:
            return default
        try:
            decoded = jwt.decode(token, self._keyset(), algorithms=["RS256"])
            jwt.JWTClaimsRegistry(iss={"essential": True, "value": self.provider.issuer},
                                  aud={"essential": True, "value": self.provider.client_id},
                                  exp={"essential": True}).validate(decoded.claims)
        except (JoseError, ValueError):
            return default
        email = decoded.claims.get("email")
        if email not in self.accepted:
            return default
        with self._lock:
            self.seen.append(dict(decoded.claims))
        groups = [g for g in decoded.claims.get("groups") or [] if isinstance(g, str)]
        return KubeUser(email, [*groups, "system:authenticated"])

    def __contains__(self, token: object) -> bool:
        return isinstance(token, str) and self.get(token) is not None


@dataclass
class Cluster:
    name: str
    url: str
    ca_b64: str  # caData: base64 of the CA's PEM
    double: KubeDouble
    server: LoopbackServer
    users: IdTokenUsers


# ------------------------------------------------------------------------------------------------
# the real backend


@dataclass
class Backend:
    """A real backend started with `yarn start` in packages/backend, in its own process group (setsid)."""

    repo: Path
    port: int
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    lines: list[str] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _eof: bool = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> str:
        with self._changed:
            return "".join(self.lines)

    def tail(self, n: int = 40) -> str:
        with self._changed:
            return "".join(self.lines[-n:])

    def start(self) -> Backend:
        yarn = next((self.repo / ".yarn" / "releases").glob("yarn-*.cjs"))
        self.proc = subprocess.Popen(
            ["node", str(yarn), "start"], cwd=self.repo / "packages" / "backend", env=self.env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True,  # setsid: its own process group, stopped as a whole
        )
        threading.Thread(target=self._pump, name=f"backend-log-{self.port}", daemon=True).start()
        return self

    def _pump(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        with self.log_path.open("w", encoding="utf-8") as log:
            for raw in iter(self.proc.stdout.readline, b""):
                line = _ANSI.sub("", raw.decode(errors="replace"))
                log.write(line)
                log.flush()
                with self._changed:
                    self.lines.append(line)
                    self._changed.notify_all()
        with self._changed:
            self._eof = True
            self._changed.notify_all()

    def _fail(self, why: str) -> None:
        pytest.fail(f"{why}; backend log ({self.log_path}) tail:\n{self.tail()}", pytrace=False)

    def wait_for_line(self, text: str, timeout: float) -> None:
        """Wait (woken by each new log line) until `text` is in the log; fail at the deadline or on exit."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while text not in "".join(self.lines):
                if self._eof:
                    self._fail(f"the backend exited before logging {text!r}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._fail(f"the backend did not log {text!r} within {timeout:.0f} s")
                self._changed.wait(remaining)

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Until READY_LINE is logged and the readiness route answers 200; fail on FAILED_LINE, exit or deadline."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                text = "".join(self.lines)
                if FAILED_LINE in text:
                    self._fail(f"the backend reported '{FAILED_LINE}'")
                if READY_LINE in text:
                    break
                if self._eof:
                    self._fail(f"the backend exited during startup (exit code {self.proc.wait() if self.proc else '?'})")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._fail(f"the backend did not start within {timeout:.0f} s")
                self._changed.wait(remaining)
        # READY_LINE is logged before startup's final verdict: the readiness route says when it is
        # really up (200) or failed for good (503, and FAILED_LINE follows in the log).
        with httpx.Client(timeout=5.0, trust_env=False) as http:
            while True:
                if FAILED_LINE in self.log:
                    self._fail(f"the backend reported '{FAILED_LINE}'")
                if self.proc is not None and self.proc.poll() is not None:
                    self._fail(f"the backend exited (code {self.proc.returncode})")
                try:
                    if http.get(f"{self.url}/.backstage/health/v1/readiness").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._fail(f"the backend was not ready within {timeout:.0f} s")
                with self._changed:  # the next log line, or a re-probe in a moment, whichever comes first
                    self._changed.wait(min(remaining, 0.5))

    def _group_alive(self, pgid: int) -> bool:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def stop(self) -> None:
        """SIGTERM to the whole process group, SIGKILL after STOP_TIMEOUT; returns once it is gone."""
        if self.proc is None:
            return
        pgid = self.proc.pid  # start_new_session: the group id is the leader's pid
        for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, 5.0)):
            if not self._group_alive(pgid):
                break
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while self._group_alive(pgid) and time.monotonic() < deadline:
                try:
                    self.proc.wait(timeout=0.2)  # reaps the leader
                except subprocess.TimeoutExpired:
                    continue
                time.sleep(0.1)  # the leader is gone; poll the rest of the group until the deadline
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        if self.proc.stdout:
            self.proc.stdout.close()


def start_backend(repo: Path, port: int, env: dict[str, str], log_path: Path,
                  started: list[Backend] | None = None) -> Backend:
    backend = Backend(repo, port, env, log_path)
    if started is not None:
        started.append(backend)  # registered before it runs: teardown stops it whatever happens next
    backend.start()
    backend.wait_ready()
    return backend


StartBackend = Callable[[Path, int], Backend]
