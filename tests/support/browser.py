"""Machinery of the opt-in browser tests (tests/e2e/test_browser.py): real Backstage apps rendered from
create-app 0.9.2's templates and installed from the registry (tests/e2e/build_apps.sh), their frontend
built after the wizard's edit, served by their real backend, and driven in Debian's Chromium by
tests/e2e/browser/drive.cjs (playwright-core, no browser download).

Also `apply_by_hand_wiring`: the STOPGAP path that wires the frontend with the wizard's TypeScript editors
directly, for as long as `spectro-wizard apply` does not wire legacy apps and `frontendWiring: in-app`
(SPECTRO_E2E_WIRING=hand selects it; see tests/e2e/README.md).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.e2e import HERE, cache_dir

BUILD_SCRIPT = HERE / "build_apps.sh"
DRIVER = HERE / "browser" / "drive.cjs"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_INSTALL = "apt-get install -y chromium"
BUILD_TIMEOUT = 2400.0  # first build: two full installs, ~5-8 minutes on 2 cores; later: a second
FRONTEND_BUILD_TIMEOUT = 600.0  # `yarn workspace app build`: ~15-60 s
DRIVE_TIMEOUT = 300.0  # one browser run (sign-in, tab, popup, outcome)
STOP_TIMEOUT = 10.0
WIRING_ENV = "SPECTRO_E2E_WIRING"  # "wizard" (default): spectro-wizard apply; "hand": apply_by_hand_wiring

ENTITY = "e2e-service"  # the catalog component; its backstage.io/kubernetes-id too


# ------------------------------------------------------------------------------------------------
# the built apps


def build_apps() -> dict[str, Path]:
    """Run build_apps.sh (idempotent) and return {"legacy": dir, "new": dir}; pytest.fail on failure."""
    for tool in ("node", "npm", "bash"):
        if shutil.which(tool) is None:
            pytest.fail(f"`{tool}` is not on PATH; the browser tests need it", pytrace=False)
    try:
        done = subprocess.run(["bash", str(BUILD_SCRIPT)], check=False, capture_output=True, text=True,
                              timeout=BUILD_TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{BUILD_SCRIPT.name} did not finish within {BUILD_TIMEOUT:.0f} s (logs: {cache_dir()}/logs)",
                    pytrace=False)
    if done.returncode != 0:
        pytest.fail(f"{BUILD_SCRIPT.name} failed (exit {done.returncode}): "
                    f"{done.stderr.strip() or done.stdout.strip()[-2000:]}", pytrace=False)
    apps = {name: cache_dir() / "apps" / name for name in ("legacy", "new")}
    for name, app in apps.items():
        if not (app / "node_modules" / "@backstage" / "plugin-kubernetes-react").is_dir():
            pytest.fail(f"{BUILD_SCRIPT.name} succeeded but the {name} app {app} is not installed:\n{done.stdout}",
                        pytrace=False)
    return apps


def playwright_dir() -> Path:
    return cache_dir() / "browser" / "node_modules" / "playwright-core"


def chromium() -> Path:
    """Debian's Chromium, or a one-sentence failure saying how to install it."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"the browser tests drive Debian's Chromium at {CHROMIUM}, which is missing: run "
                    f"`{CHROMIUM_INSTALL}` (as root)", pytrace=False)
    return CHROMIUM


def write_entity(path: Path) -> Path:
    """A catalog component whose Kubernetes tab shows (the legacy app's service page and the new
    frontend's entity page show the tab for an entity with this annotation), owned by the guest user,
    so the catalog's default "Owned" filter lists it."""
    path.write_text(f"""\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: {ENTITY}
  annotations:
    backstage.io/kubernetes-id: {ENTITY}
spec:
  type: service
  lifecycle: experimental
  owner: user:development/guest
""", encoding="utf-8")
    return path


def write_app_local_config(repo: Path, port: int, entity_file: Path, extra: str = "") -> Path:
    """app-config.local.yaml of a copy: the backend (and the app it serves) on a loopback port, the test's
    catalog entity, and `app.packageName` naming the copy's own packages/app, whose dist/ the app-backend
    serves (by name it would resolve `app` through the cache's node_modules, i.e. the cache's app)."""
    url = f"http://127.0.0.1:{port}"
    path = repo / "app-config.local.yaml"
    path.write_text(f"""\
app:
  baseUrl: {url}
  packageName: {repo / 'packages' / 'app'}
backend:
  baseUrl: {url}
  listen:
    host: 127.0.0.1
    port: {port}
  cors:
    origin: {url}
catalog:
  locations:
    - type: file
      target: {entity_file}
{extra}""", encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------------
# processes in their own group, stopped as a whole


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_group(proc: subprocess.Popen[Any], timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM to the process group of `proc` (started with start_new_session), SIGKILL after `timeout`."""
    pgid = proc.pid
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        if not _group_alive(pgid):
            break
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while _group_alive(pgid) and time.monotonic() < deadline:
            try:
                proc.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                continue
            time.sleep(0.1)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def _pids_with_argument(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def kill_browser_left_behind(user_data_dir: Path) -> list[int]:
    """Chromium processes still running with this run's own --user-data-dir (playwright starts the
    browser in a process group of its own, so a driver killed hard may leave it): SIGKILL, by pid."""
    pids = _pids_with_argument(f"--user-data-dir={user_data_dir}")
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return pids


def run_logged(cmd: list[str], cwd: Path, env: dict[str, str], log: Path, timeout: float, what: str) -> float:
    """Run a command in its own process group, output to `log`; the seconds it took. One-sentence
    pytest.fail (with the log's tail) when it fails or overruns; the group is stopped either way."""
    start = time.monotonic()
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        finally:
            stop_group(proc)
    if code != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        why = f"did not finish within {timeout:.0f} s" if code is None else f"exited {code}"
        pytest.fail(f"{what} {why} (log: {log}):\n{tail}", pytrace=False)
    return time.monotonic() - start


def build_frontend(repo: Path, env: dict[str, str], log: Path) -> float:
    """`yarn workspace app build` in the copy (rspack; packages/app/dist): the frontend as the wizard left it."""
    yarn = next((repo / ".yarn" / "releases").glob("yarn-*.cjs"))
    seconds = run_logged(["node", str(yarn), "workspace", "app", "build"], repo, env, log, FRONTEND_BUILD_TIMEOUT,
                         "`yarn workspace app build`")
    if not (repo / "packages" / "app" / "dist" / "index.html").is_file():
        pytest.fail(f"`yarn workspace app build` wrote no packages/app/dist/index.html (log: {log})", pytrace=False)
    return seconds


# ------------------------------------------------------------------------------------------------
# the browser


@dataclass
class Seen:
    """What drive.cjs reports: the steps, the screenshots, the "Login Required" dialog's text, the popup's
    URLs, the outcome (the name of the first expected text that appeared), the page's text at the end, and
    the browser's requests to /api/kubernetes/ (method, url, body)."""

    raw: dict[str, Any]
    log: Path

    @property
    def outcome(self) -> str | None:
        return self.raw.get("outcome")

    @property
    def shown(self) -> str | None:
        """The text that showed after the outcome's accordion was opened (drive's `expand`)."""
        return self.raw.get("shown")

    @property
    def text(self) -> str:
        return self.raw.get("text", "")

    @property
    def dialog(self) -> str:
        return self.raw.get("dialog", "")

    @property
    def screenshots(self) -> list[str]:
        return self.raw.get("screenshots", [])

    def urls(self, part: str) -> list[str]:
        """The URLs the browser (any of its pages: the popup too) requested that contain `part`."""
        return [r["url"] for r in self.requests if part in r["url"]]

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self.raw.get("requests", [])

    def describe(self) -> str:
        return (f"steps: {self.raw.get('steps')}\nerror: {self.raw.get('error')}\nurl: {self.raw.get('url')}\n"
                f"screenshots: {self.screenshots}\nconsole errors: {self.raw.get('console', [])[:5]}\n"
                f"page text: {self.text[:1500]}\ndriver log: {self.log}")


@dataclass
class Browser:
    """Runs drive.cjs with a fresh --user-data-dir per run; every browser it started is gone afterwards."""

    env: dict[str, str]
    out_dir: Path
    runs: list[Path] = field(default_factory=list)

    def drive(self, base_url: str, prefix: str, user: str, outcomes: dict[str, str],
              login: str | None = "SpectroCloud", expand: dict[str, dict[str, str]] | None = None) -> Seen:
        profile = Path(tempfile.mkdtemp(prefix=f"chromium-{prefix}-", dir=self.out_dir))
        self.runs.append(profile)
        cfg = {"playwright": str(playwright_dir()), "chromium": str(chromium()), "userDataDir": str(profile),
               "baseUrl": base_url, "entity": ENTITY, "user": user, "screenshots": str(self.out_dir / "screenshots"),
               "prefix": prefix, "login": login, "outcomes": outcomes, "expand": expand or {},
               "timeoutMs": int(DRIVE_TIMEOUT * 1000 * 0.3)}
        log = self.out_dir / f"drive-{prefix}.log"
        with log.open("wb") as err:
            proc = subprocess.Popen(["node", str(DRIVER), json.dumps(cfg)], cwd=DRIVER.parent, env=self.env,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, start_new_session=True)
            try:
                out, _ = proc.communicate(timeout=DRIVE_TIMEOUT)
            except subprocess.TimeoutExpired:
                stop_group(proc)
                out = b""
            finally:
                stop_group(proc)
                kill_browser_left_behind(profile)
        lines = [line for line in out.decode(errors="replace").splitlines() if line.startswith("{")]
        if not lines:
            pytest.fail(f"the browser driver printed nothing (exit {proc.returncode}); its log {log}:\n"
                        f"{log.read_text(errors='replace')[-3000:]}", pytrace=False)
        seen = Seen(json.loads(lines[-1]), log)
        for shot in seen.screenshots:
            print(f"screenshot: {shot}")
        return seen

    def close(self) -> None:
        for profile in self.runs:
            kill_browser_left_behind(profile)


# ------------------------------------------------------------------------------------------------
# the files apply and undo touch


SKIPPED_DIRS = {"node_modules", "dist", "dist-types", ".spectro-wizard", ".git"}
SKIPPED_FILES = {".yarn/install-state.gz"}  # Yarn rewrites it when it runs in a copy (the build does)


def snapshot(repo: Path) -> dict[str, bytes]:
    """Every regular file of a copy, by relative path, but for dependencies, build output and the
    wizard's own state: what undo must give back byte for byte (and no file more)."""
    files: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(repo):
        dirnames[:] = [d for d in dirnames if d not in SKIPPED_DIRS and not os.path.islink(os.path.join(dirpath, d))]
        for name in filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(repo).as_posix()
            if path.is_symlink() or not path.is_file() or rel in SKIPPED_FILES:
                continue
            files[rel] = path.read_bytes()
    return files


def differences(before: dict[str, bytes], after: dict[str, bytes]) -> list[str]:
    out = [f"missing: {p}" for p in sorted(before.keys() - after.keys())]
    out += [f"new: {p}" for p in sorted(after.keys() - before.keys())]
    out += [f"changed: {p}" for p in sorted(before.keys() & after.keys()) if before[p] != after[p]]
    return out


# ------------------------------------------------------------------------------------------------
# STOPGAP: the frontend wired by the wizard's editors, not by `spectro-wizard apply`


def apply_by_hand_wiring(repo: Path, answers: Path, frontend: str, discovery: bool) -> list[str]:
    """What `spectro-wizard apply --answers A --yes` is to do for a legacy app (apis.ts) and for
    `frontendWiring: in-app` (App.tsx + the module file), done with the wizard's own engine until the
    CLI does it: the backend half (app-config, index.ts) is planned by the wizard exactly as apply plans
    it, the frontend edit comes from wizard.core.apis_ts.wire_spectrocloud / wizard.core.app_tsx
    (add_features, module_file), and existing files are written through apply_plan, so
    `spectro-wizard undo` restores them. What differs from apply: no preflight (which refuses legacy
    apps today), `frontendWiring` is dropped from the answers (unknown to today's validator), and the
    new module file is written directly. Returns the relative paths of files it created (undo does not
    know them)."""
    from ruamel.yaml import YAML

    from wizard.core import apis_ts, app_tsx
    from wizard.core.changes import FileChange
    from wizard.session import Session

    yaml = YAML(typ="safe")
    data = yaml.load(answers.read_text(encoding="utf-8"))
    data.pop("frontendWiring", None)
    stripped = answers.with_name(answers.stem + "-hand.yaml")
    with stripped.open("w", encoding="utf-8") as fh:
        YAML().dump(data, fh)

    s = Session(repo)
    s.load_answers(stripped)
    s.load(run_tools=False, strict=True)
    plan = s.make_plan(skip_install=True)
    planned = {c.rel for c in plan.changes}  # a wizard that wires frontends plans these itself
    created: list[str] = []
    if frontend == "legacy":
        path = repo / apis_ts.REL
        before = path.read_text(encoding="utf-8")
        edit = apis_ts.wire_spectrocloud(before)
        assert edit.manual is None, edit.manual
        if apis_ts.REL not in planned:
            plan.changes.append(FileChange(apis_ts.REL, path, before, edit.after))
    else:
        path = repo / app_tsx.REL
        before = path.read_text(encoding="utf-8")
        feats = [app_tsx.SPECTROCLOUD_MODULE] + ([] if discovery else [app_tsx.KUBERNETES_PLUGIN])
        edit = app_tsx.add_features(before, feats)
        assert edit.manual is None, edit.manual
        if app_tsx.REL not in planned:
            plan.changes.append(FileChange(app_tsx.REL, path, before, edit.after))
        if app_tsx.MODULE_REL not in planned:
            module = repo / app_tsx.MODULE_REL
            module.parent.mkdir(parents=True, exist_ok=True)
            module.write_text(app_tsx.module_file(before), encoding="utf-8")
            created += [app_tsx.MODULE_REL]
    result = s.apply(plan)
    assert not result.rolled_back, result
    return created


__all__ = [
    "BUILD_SCRIPT", "CHROMIUM_INSTALL", "DRIVER", "ENTITY", "WIRING_ENV", "Browser", "Seen", "apply_by_hand_wiring",
    "build_apps", "build_frontend", "chromium", "differences", "kill_browser_left_behind", "playwright_dir",
    "run_logged", "snapshot", "stop_group", "write_app_local_config", "write_entity",
]
