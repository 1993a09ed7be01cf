"""A complete setup, or none (wizard/core/packages.py, plan.py and apply.py together, and the CLI through
its entry point): every required package installed with the repo's own package manager and wired into
index.ts, the registry asked before anything is written, and an apply that cannot finish (a failed
install, SIGTERM or Ctrl+C half-way, a write error) leaves every file as it was.

The package manager is the stand-in of tests/support/tools.py, which records its calls: the @terasky
packages are not all on this machine's registry and tests do not reach the network.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import repos
from tests.support.cli import PROJECT, cli_env
from tests.support.files import snapshot, write_answers
from tests.support.tools import Tools
from wizard.core import facts
from wizard.core.apply import apply_plan, undo_last
from wizard.errors import Refused
from wizard.session import Session

# what the default wiring of a new-frontend app (the in-app module) needs in packages/app
APP_PKGS = [facts.K8S_REACT_PKG, facts.LEGACY_CORE_APP_PKG]
MODULE_REL = "packages/app/src/modules/spectrocloud/index.ts"
WIRE_LINE = f"backend.add(import('{facts.AUTH_BACKEND_PKG}'));"
ANSWERS = {"tenant": "acme", "clusters": [{"name": "lab", "url": "https://127.0.0.1:6443", "skipTLSVerify": True}]}


def app_files(root: Path) -> dict:
    """Every file of the app outside the wizard's own state directory."""
    return {k: v for k, v in snapshot(root).items() if not k.startswith(".spectro-wizard/")}


@pytest.fixture
def app(tmp_path: Path, tools: Tools, monkeypatch: pytest.MonkeyPatch) -> Path:
    tools.node("v22.11.0")
    tools.yarn("4.13.0")
    monkeypatch.setenv("PATH", f"{tools.path}:/usr/bin:/bin")
    return repos.make_repo(tmp_path, installed=())


def session_plan(root: Path, tmp_path: Path, answers: dict | None = None):
    s = Session(root)
    s.load_answers(write_answers(tmp_path / "answers.yaml", answers or ANSWERS))
    s.load(run_tools=False, strict=True)
    return s, s.make_plan()


def test_apply_adds_every_required_package_and_wires_index_ts(app: Path, tmp_path: Path, tools: Tools) -> None:
    before = app_files(app)
    s, plan = session_plan(app, tmp_path)
    assert [(st.workspace, st.packages) for st in plan.installs] == [
        ("packages/app", APP_PKGS), ("packages/backend", [facts.AUTH_BACKEND_PKG])]
    index = next(c for c in plan.changes if c.kind == "index.ts")
    assert f"+{WIRE_LINE}" in index.diff()
    assert [c.rel for c in plan.changes if c.kind in ("module", "App.tsx")] == [MODULE_REL, "packages/app/src/App.tsx"]
    install = plan.to_json()["install"]
    assert [p["package"] for p in install["packages"]] == [*APP_PKGS, facts.AUTH_BACKEND_PKG]
    assert install["command"] == "yarn workspace app add " + " ".join(APP_PKGS)  # the contract's first command
    assert s.preflight(plan) == []
    queried = sorted(c["argv"][2] for c in tools.calls("yarn") if c["argv"][:2] == ["npm", "info"])
    assert queried == sorted([*APP_PKGS, facts.AUTH_BACKEND_PKG])  # the registry, through the repo's own Yarn

    result = s.apply(plan, on_output=lambda line: None)
    assert result.install_ok is True and not result.rolled_back
    adds = [c["argv"] for c in tools.calls("yarn") if "add" in c["argv"]]
    assert adds == [["workspace", "app", "add", *APP_PKGS], ["workspace", "backend", "add", facts.AUTH_BACKEND_PKG]]
    src = (app / "packages/backend/src/index.ts").read_text()
    assert src.count(WIRE_LINE) == 1 and src.index(WIRE_LINE) < src.index("backend.start();")
    app_pkg = json.loads((app / "packages/app/package.json").read_text())["dependencies"]
    assert all(p in app_pkg for p in APP_PKGS)
    # apply is idempotent: nothing left to install, wire or write
    again = Session(app)
    again.answers = s.answers
    again.load(run_tools=False, strict=True)
    assert again.make_plan().empty
    # undo restores every file it changed, byte for byte, and says to run the install command
    undone = undo_last(app)
    assert set(undone.restored) >= {"app-config.yaml", "packages/backend/src/index.ts", "packages/app/package.json",
                                    "packages/backend/package.json", "packages/app/src/App.tsx", MODULE_REL}
    assert undone.sync_command == "yarn install"
    assert app_files(app) == before


def test_a_failed_install_leaves_no_file_changed(app: Path, tmp_path: Path, tools: Tools) -> None:
    before = app_files(app)
    s, plan = session_plan(app, tmp_path)
    tools.fail_installs()
    result = s.apply(plan, on_output=lambda line: None)
    assert result.rolled_back and result.install_ok is False
    assert "`yarn workspace app add" in (result.install_error or "") and "exited with code 1" in (result.install_error or "")
    assert app_files(app) == before
    manifest = json.loads((result.backup / "manifest.json").read_text())
    assert manifest["status"] == "rolled-back" and manifest["install"]["steps"][0]["exitCode"] == 1
    with pytest.raises(Refused):
        undo_last(app)  # nothing of it remains: no undo point


def test_a_failed_second_install_rolls_back_the_first(app: Path, tmp_path: Path, tools: Tools) -> None:
    before = app_files(app)
    s, plan = session_plan(app, tmp_path)
    seen: list[str] = []

    def runner(step, emit):  # the app's add succeeds for real (the stand-in), the backend's fails
        from wizard.core.apply import run_streaming

        seen.append(step.workspace)
        return run_streaming(step, emit) if step.workspace == "packages/app" else 1

    result = apply_plan(plan, runner=runner)
    assert seen == ["packages/app", "packages/backend"] and result.rolled_back
    assert app_files(app) == before  # the app's package.json and yarn.lock came back too


def test_a_write_error_after_the_installs_rolls_everything_back(app: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import wizard.core.apply as apply_mod

    before = app_files(app)
    s, plan = session_plan(app, tmp_path)
    real = apply_mod.atomic_write

    def failing(path: Path, data: bytes, mode=None) -> None:
        if path.name == "app-config.yaml" and b"spectrocloud" in data:
            raise OSError(28, "No space left on device")
        real(path, data, mode)

    monkeypatch.setattr(apply_mod, "atomic_write", failing)
    with pytest.raises(Refused, match="could not write .*no space left on the device; every file was left as it was"):
        s.apply(plan, on_output=lambda line: None)
    assert app_files(app) == before


def test_a_package_the_registry_cannot_serve_is_caught_before_anything_is_written(app: Path, tmp_path: Path,
                                                                                  tools: Tools) -> None:
    tools.unknown(facts.AUTH_FRONTEND_PKG)  # as on the public registry: the TeraSky frontend packages are not there
    before = snapshot(app)
    answers = write_answers(tmp_path / "answers.yaml", {**ANSWERS, "frontendWiring": "package"})
    env = cli_env(tmp_path, PATH=f"{tools.path}:/usr/bin:/bin")
    proc = subprocess.run([sys.executable, "-m", "wizard", "apply", "--repo", str(app), "--answers", str(answers), "--yes"],
                          capture_output=True, text=True, env=env, cwd=PROJECT, timeout=120, check=False)
    assert proc.returncode == 1, proc.stderr
    (line,) = [ln for ln in proc.stderr.splitlines() if ln.startswith("spectro-wizard:")]
    assert facts.AUTH_FRONTEND_PKG in line and "http://127.0.0.1:4873" in line and "nothing was written" in line
    assert snapshot(app) == before
    assert not any("add" in c["argv"] for c in tools.calls("yarn"))
    planned = subprocess.run([sys.executable, "-m", "wizard", "plan", "--repo", str(app), "--answers", str(answers), "--json"],
                             capture_output=True, text=True, env=env, cwd=PROJECT, timeout=120, check=False)
    out = json.loads(planned.stdout)
    assert planned.returncode == 0 and any(facts.AUTH_FRONTEND_PKG in p for p in out["preflight"])


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_an_interrupted_install_leaves_no_file_changed(app: Path, tmp_path: Path, tools: Tools, sig: int) -> None:
    before = app_files(app)
    holding = tmp_path / "install-running"
    tools.set(hold_installs=str(holding))
    answers = write_answers(tmp_path / "answers.yaml", ANSWERS)
    env = cli_env(tmp_path, PATH=f"{tools.path}:/usr/bin:/bin")
    proc = subprocess.Popen([sys.executable, "-m", "wizard", "apply", "--repo", str(app), "--answers", str(answers), "--yes"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=PROJECT,
                            start_new_session=True)
    try:
        # wait for the state, not for time: the stand-in has written package.json, then says so
        # (its output is streamed by the wizard line by line)
        for line in proc.stdout:  # type: ignore[union-attr]
            if "holding (stand-in" in line:
                break
        assert holding.exists(), proc.stderr.read() if proc.stderr else ""
        assert app_files(app) != before  # half-way: the install had changed package.json
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted: every file of this apply was put back as it was" in err
    assert app_files(app) == before
    (backup,) = (app / ".spectro-wizard" / "backups").iterdir()
    assert json.loads((backup / "manifest.json").read_text())["status"] == "interrupted"


def test_a_backend_without_create_backend_is_reported_not_edited(tmp_path: Path, tools: Tools, monkeypatch) -> None:
    tools.node("v22.11.0")
    tools.yarn("4.13.0")
    monkeypatch.setenv("PATH", f"{tools.path}:/usr/bin:/bin")
    legacy_index = "import { main } from './legacy';\n\nmain().catch(err => process.exit(1));\n"
    root = repos.make_repo(tmp_path, installed=(), index_ts_text=legacy_index)
    s, plan = session_plan(root, tmp_path)
    assert not any(c.kind == "index.ts" for c in plan.changes)
    (manual,) = plan.manual
    assert "createBackend" in manual and WIRE_LINE in manual
    assert manual in plan.notes


def test_without_the_install_step_nothing_is_wired_that_is_not_installed(app: Path, tmp_path: Path) -> None:
    s, plan = session_plan(app, tmp_path, {**ANSWERS, "installPackage": False})
    assert plan.installs == [] and not any(c.kind == "index.ts" for c in plan.changes)
    assert any(n.startswith("not installed (the install step is off)") and "yarn workspace backend add" in n for n in plan.notes)


def test_the_cluster_provider_is_installed_and_wired_when_answered(app: Path, tmp_path: Path) -> None:
    s, plan = session_plan(app, tmp_path, {**ANSWERS, "clusterProvider": {"name": "palette"}})
    backend = next(st for st in plan.installs if st.workspace == "packages/backend")
    assert backend.packages == [facts.AUTH_BACKEND_PKG, facts.CLUSTER_PROVIDER_PKG]
    index = next(c for c in plan.changes if c.kind == "index.ts")
    assert f"backend.add(import('{facts.CLUSTER_PROVIDER_PKG}'));" in index.after


def test_blocking_prerequisites_stop_apply(tmp_path: Path, tools: Tools, monkeypatch: pytest.MonkeyPatch) -> None:
    tools.node("v22.11.0")
    tools.yarn("4.13.0")
    monkeypatch.setenv("PATH", f"{tools.path}:/usr/bin:/bin")
    root = repos.make_repo(tmp_path, installed=(), version="1.30.0")
    s, plan = session_plan(root, tmp_path)
    problems = s.preflight(plan)
    assert any(p.startswith("backstage-version: Backstage 1.30.0 is older than 1.47.1") for p in problems)


def test_no_package_manager_is_one_sentence_for_every_package(tmp_path: Path, tools: Tools,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    tools.node("v22.11.0")  # Node, but no Yarn anywhere on PATH
    monkeypatch.setenv("PATH", f"{tools.path}:/nonexistent")
    root = repos.make_repo(tmp_path, installed=())
    s, plan = session_plan(root, tmp_path)
    assert len(plan.packages) >= 2
    [problem] = [p for p in s.preflight(plan) if "yarn is not installed" in p]
    assert all(pkg in problem for pkg in plan.packages)  # named once each, in the one sentence
    assert problem.count("yarn is not installed") == 1


def test_the_default_setup_needs_nothing_the_public_registry_lacks(app: Path, tmp_path: Path, tools: Tools) -> None:
    """The TeraSky frontend packages answer 404 on the public npm registry (facts §1): the default wiring of
    a new-frontend app (the in-app module) needs none of them, so apply goes through where it used to stop."""
    tools.unknown(facts.MODULE_PKG)
    tools.unknown(facts.AUTH_FRONTEND_PKG)
    answers = write_answers(tmp_path / "answers.yaml", ANSWERS)
    env = cli_env(tmp_path, PATH=f"{tools.path}:/usr/bin:/bin")
    proc = subprocess.run([sys.executable, "-m", "wizard", "apply", "--repo", str(app), "--answers", str(answers), "--yes"],
                          capture_output=True, text=True, env=env, cwd=PROJECT, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert (app / MODULE_REL).is_file()
    queried = {c["argv"][2] for c in tools.calls("yarn") if c["argv"][:2] == ["npm", "info"]}
    assert not queried & {facts.MODULE_PKG, facts.AUTH_FRONTEND_PKG}
