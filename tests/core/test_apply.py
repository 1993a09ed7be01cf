"""apply/undo: backups with a manifest, modes, the lock, refusals, atomic writes, and the install step.

The @terasky packages are not on this machine's npm registry (and the tests must not depend on a
network anyway), so the install step runs against the stand-in `yarn` of tests/support/tools.py (the `tools`
fixture: its directory is the whole PATH): it records its argv, prints a few lines, and adds the
dependency to packages/app/package.json the way the real `yarn ... add` would.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.configs import CREATE_APP_CONFIG
from tests.support.plans import make_plan
from tests.support.repos import make_repo
from wizard.core import apply as apply_mod
from wizard.core import facts
from wizard.core.apply import (
    RepoLock,
    apply_plan,
    backup_sets,
    backups_dir,
    iter_history,
    last_applied,
    undo_last,
)
from wizard.errors import Refused


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the repo outside .spectro-wizard, as bytes."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and ".spectro-wizard" not in p.relative_to(root).parts:
            out[p.relative_to(root).as_posix()] = p.read_bytes()
    return out


# ---------------------------------------------------------------------------------------------
# apply and undo


def test_apply_writes_backs_up_and_records_a_manifest(tmp_path):
    root = make_repo(tmp_path)
    before = (root / "app-config.yaml").read_bytes()
    plan = make_plan(root)
    result = apply_plan(plan)
    assert result.written == ["app-config.yaml"]
    assert (root / "app-config.yaml").read_text(encoding="utf-8") == plan.changes[0].after
    assert result.backup is not None and result.backup.parent == backups_dir(root)
    manifest = json.loads((result.backup / "manifest.json").read_text())
    assert manifest["status"] == "applied"
    assert manifest["tool"].startswith("spectro-wizard ")
    assert manifest["actions"] == plan.actions
    (entry,) = manifest["files"]
    # the manifest names the file by its place in the repo only: undo recomputes (and checks) the target
    assert entry["path"] == "app-config.yaml" and "realPath" not in entry
    assert (result.backup / entry["backup"]).read_bytes() == before
    assert entry["sha256Before"] == apply_mod.sha256(before)
    assert entry["sha256After"] == apply_mod.sha256((root / "app-config.yaml").read_bytes())
    assert result.install_ok is None
    assert [bs.dir for bs in backup_sets(root)] == [result.backup]
    assert last_applied(root).dir == result.backup


def test_file_mode_is_kept_by_apply_backup_and_undo(tmp_path):
    root = make_repo(tmp_path)
    cfg = root / "app-config.yaml"
    cfg.chmod(0o640)
    result = apply_plan(make_plan(root))
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o640
    manifest = json.loads((result.backup / "manifest.json").read_text())
    assert manifest["files"][0]["mode"] == 0o640
    # the copy itself is private from its creation (it may hold literal secrets)
    assert stat.S_IMODE((result.backup / manifest["files"][0]["backup"]).stat().st_mode) == 0o600
    undo_last(root)
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o640


def test_undo_restores_exact_bytes_and_marks_the_set_undone(tmp_path):
    cfg = "\ufeff" + CREATE_APP_CONFIG.replace("\n", "\r\n")  # BOM + CRLF: any normalisation would show
    root = make_repo(tmp_path, app_config=cfg, local="auth:\n  environment: development\n")
    before = snapshot(root)
    result = apply_plan(make_plan(root))
    assert snapshot(root) != before
    undone = undo_last(root)
    assert undone.restored == ["app-config.yaml"] and undone.backup == result.backup
    assert snapshot(root) == before
    manifest = json.loads((result.backup / "manifest.json").read_text())
    assert manifest["status"] == "undone" and manifest["undone"]
    assert last_applied(root) is None
    with pytest.raises(Refused, match="nothing to undo"):
        undo_last(root)
    history = list(iter_history(root))
    assert [h["status"] for h in history] == ["undone"] and history[0]["files"] == ["app-config.yaml"]


def test_undo_refuses_when_the_file_changed_after_apply_and_force_restores(tmp_path):
    root = make_repo(tmp_path)
    original = (root / "app-config.yaml").read_bytes()
    apply_plan(make_plan(root))
    edited = (root / "app-config.yaml").read_bytes() + b"# edited by hand after the apply\n"
    (root / "app-config.yaml").write_bytes(edited)
    with pytest.raises(Refused, match=r"app-config.yaml changed after the apply .*undo --force"):
        undo_last(root)
    assert (root / "app-config.yaml").read_bytes() == edited
    assert last_applied(root) is not None
    undo_last(root, force=True)
    assert (root / "app-config.yaml").read_bytes() == original


def test_undo_refuses_a_damaged_backup(tmp_path):
    root = make_repo(tmp_path)
    result = apply_plan(make_plan(root))
    applied = (root / "app-config.yaml").read_bytes()
    manifest = json.loads((result.backup / "manifest.json").read_text())
    (result.backup / manifest["files"][0]["backup"]).write_bytes(b"garbage")
    with pytest.raises(Refused, match="damaged"):
        undo_last(root)
    assert (root / "app-config.yaml").read_bytes() == applied


def test_undo_takes_the_most_recent_applied_set(tmp_path):
    root = make_repo(tmp_path)
    original = (root / "app-config.yaml").read_bytes()
    first = apply_plan(make_plan(root, {"tenant": "one"}))
    middle = (root / "app-config.yaml").read_bytes()
    second = apply_plan(make_plan(root, {"tenant": "two"}))
    assert first.backup != second.backup
    assert undo_last(root).backup == second.backup
    assert (root / "app-config.yaml").read_bytes() == middle
    assert undo_last(root).backup == first.backup
    assert (root / "app-config.yaml").read_bytes() == original


def test_an_empty_plan_writes_nothing_and_makes_no_backup(tmp_path):
    root = make_repo(tmp_path)
    apply_plan(make_plan(root))
    sets = backup_sets(root)
    plan = make_plan(root)
    assert plan.empty
    before = snapshot(root)
    result = apply_plan(plan)
    assert result.backup is None and result.written == []
    assert snapshot(root) == before and backup_sets(root) == sets


# ---------------------------------------------------------------------------------------------
# refusals: nothing is written


def test_apply_refuses_when_a_file_changed_since_it_was_read(tmp_path):
    root = make_repo(tmp_path, local="auth:\n  providers:\n    spectrocloud:\n      development:\n        clientId: ${X}\n")
    plan = make_plan(root, {"tenant": "t", "clientIdEnv": "X"})
    assert len(plan.changes) == 2
    (root / "app-config.local.yaml").write_text("# changed meanwhile\n")
    before = snapshot(root)
    with pytest.raises(Refused, match="app-config.local.yaml changed since it was read; nothing was written"):
        apply_plan(plan)
    assert snapshot(root) == before
    assert backup_sets(root) == []


def test_apply_refuses_when_a_file_disappeared(tmp_path):
    root = make_repo(tmp_path)
    plan = make_plan(root)
    (root / "app-config.yaml").unlink()
    with pytest.raises(Refused, match="disappeared"):
        apply_plan(plan)
    assert not (root / "app-config.yaml").exists()


def _access_as_a_normal_user(path, mode, *args, **kwargs):
    """os.access as the file's (non-root) owner would see it: the permission bits count."""
    st = os.stat(path)
    if mode & os.W_OK and not st.st_mode & stat.S_IWUSR:
        return False
    return True


def test_read_only_config_is_refused_and_nothing_written(tmp_path, monkeypatch):
    if os.geteuid() == 0:  # root passes every access check: see how a normal user fares
        monkeypatch.setattr(os, "access", _access_as_a_normal_user)
    root = make_repo(tmp_path)
    (root / "app-config.yaml").chmod(0o444)
    before = snapshot(root)
    with pytest.raises(Refused, match=r"app-config.yaml is read-only; make it writable \(chmod u\+w app-config.yaml\)"):
        apply_plan(make_plan(root))
    assert snapshot(root) == before
    assert stat.S_IMODE((root / "app-config.yaml").stat().st_mode) == 0o444
    assert backup_sets(root) == []


def test_unwritable_directory_is_refused(tmp_path, monkeypatch):
    real_access = os.access

    def access(path, mode, *a, **kw):
        if Path(path) == root and mode & os.W_OK:
            return False
        return real_access(path, mode, *a, **kw)

    root = make_repo(tmp_path)
    monkeypatch.setattr(os, "access", access)
    with pytest.raises(Refused, match="cannot be replaced atomically"):
        apply_plan(make_plan(root))
    assert (root / "app-config.yaml").read_text() == CREATE_APP_CONFIG


@pytest.mark.skipif(os.geteuid() != 0, reason="only root bypasses permission bits")
def test_read_only_config_is_refused_even_for_root(tmp_path):
    root = make_repo(tmp_path)
    (root / "app-config.yaml").chmod(0o444)
    with pytest.raises(Refused):
        apply_plan(make_plan(root))


def test_a_failed_write_puts_back_the_files_already_written(tmp_path, monkeypatch):
    root = make_repo(tmp_path, local="auth:\n  providers:\n    spectrocloud:\n      development:\n        clientId: ${X}\n")
    plan = make_plan(root, {"tenant": "t", "clientIdEnv": "X"})
    assert [c.rel for c in plan.changes] == ["app-config.yaml", "app-config.local.yaml"]
    before = snapshot(root)
    real = apply_mod.atomic_write
    calls = []

    def failing(path, data, mode=None):
        calls.append(path)
        if path.name == "app-config.local.yaml":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, data, mode)

    monkeypatch.setattr(apply_mod, "atomic_write", failing)
    with pytest.raises(Refused, match="could not write app-config.local.yaml: no space left on the device; every file was left as it was"):
        apply_plan(plan)
    assert snapshot(root) == before
    (bs,) = backup_sets(root)
    assert bs.status == "failed"
    assert last_applied(root) is None


def test_leftover_temp_files_are_cleaned(tmp_path):
    root = make_repo(tmp_path)
    leftover = root / ".app-config.yaml.abc123.spectro-wizard.tmp"
    leftover.write_text("half written")
    unrelated = root / "notes.tmp"
    unrelated.write_text("keep")
    result = apply_plan(make_plan(root))
    assert result.cleaned == [leftover]
    assert not leftover.exists() and unrelated.exists()
    assert not any(p.name.endswith(apply_mod.TMP_SUFFIX) for p in root.iterdir())


def test_symlinked_config_edits_the_target_and_keeps_the_link(tmp_path):
    root = make_repo(tmp_path, app_config=None)
    (root / "config").mkdir()
    target = root / "config" / "base.yaml"
    target.write_text(CREATE_APP_CONFIG)
    target.chmod(0o600)
    (root / "app-config.yaml").symlink_to("config/base.yaml")
    plan = make_plan(root)
    assert plan.changes[0].rel == "app-config.yaml" and plan.changes[0].path == target
    apply_plan(plan)
    link = root / "app-config.yaml"
    assert link.is_symlink() and os.readlink(link) == "config/base.yaml"
    assert target.read_text() == plan.changes[0].after
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    undo_last(root)
    assert link.is_symlink() and target.read_text() == CREATE_APP_CONFIG


# ---------------------------------------------------------------------------------------------
# the lock


def test_a_second_lock_in_the_same_process_is_refused_while_held(tmp_path):
    root = make_repo(tmp_path)
    with RepoLock(root):
        with (pytest.raises(Refused, match=rf"another spectro-wizard is applying or undoing in this repo \(pid {os.getpid()} since"),
              RepoLock(root)):
            pass
        with pytest.raises(Refused, match="another spectro-wizard"):
            apply_plan(make_plan(root))
        assert (root / "app-config.yaml").read_text() == CREATE_APP_CONFIG
    with RepoLock(root):  # released
        pass
    assert (root / ".spectro-wizard" / "lock").read_text() == ""


HOLDER = """
import sys
from pathlib import Path
from wizard.core.apply import RepoLock
with RepoLock(Path(sys.argv[1])):
    print("ready", flush=True)
    sys.stdin.read()  # hold the lock until the test closes our stdin
print("released", flush=True)
"""


def test_a_lock_held_by_another_process_refuses_apply_and_undo(tmp_path):
    root = make_repo(tmp_path)
    apply_plan(make_plan(root, {"tenant": "first"}))
    applied = (root / "app-config.yaml").read_bytes()
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(root)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline() == "ready\n"
        with pytest.raises(Refused, match=rf"\(pid {proc.pid} since"):
            apply_plan(make_plan(root, {"tenant": "second"}))
        with pytest.raises(Refused, match="another spectro-wizard"):
            undo_last(root)
        assert (root / "app-config.yaml").read_bytes() == applied
    finally:
        proc.stdin.close()
        assert proc.stdout.readline() == "released\n"
        assert proc.wait(timeout=30) == 0
    undo_last(root)  # the lock is free again


def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    root = make_repo(tmp_path)
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(root)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "ready\n"
    proc.kill()
    proc.wait(timeout=30)
    proc.stdin.close()
    proc.stdout.close()
    result = apply_plan(make_plan(root))
    assert result.written == ["app-config.yaml"]


# ---------------------------------------------------------------------------------------------
# the install step, with a stand-in package manager


def install_plan(root: Path, answers=None):
    """The TeraSky packages' route (two app packages and the backend's): the install mechanics these
    tests exercise do not depend on which wiring chose the packages."""
    from tests.support.configs import DEFAULT_ANSWERS

    return make_plan(root, answers or {**DEFAULT_ANSWERS, "frontendWiring": "package"}, skip_install=False, run_tools=True)


def test_install_runs_berry_streams_output_and_undo_restores_package_json(tmp_path, tools):
    tools.node()
    tools.yarn("4.13.0")
    root = make_repo(tmp_path)
    before = snapshot(root)
    plan = install_plan(root)
    assert plan.install.argv == ["yarn", "workspace", "app", "add", facts.MODULE_PKG, facts.AUTH_FRONTEND_PKG]
    assert [s.argv for s in plan.installs[1:]] == [["yarn", "workspace", "backend", "add", facts.AUTH_BACKEND_PKG]]
    lines: list[str] = []
    result = apply_plan(plan, on_output=lines.append)
    assert result.install_ok is True and result.install_error is None and result.rolled_back is False
    assert result.written == ["app-config.yaml", "packages/backend/src/index.ts"]
    app_call, backend_call = tools.calls("yarn")
    assert app_call["argv"] == ["workspace", "app", "add", "@terasky/backstage-plugin-spectrocloud-kubernetes-auth-module",
                                "@terasky/backstage-plugin-spectrocloud-auth"]
    assert backend_call["argv"] == ["workspace", "backend", "add", "@terasky/backstage-plugin-spectrocloud-auth-backend"]
    assert Path(app_call["cwd"]) == root and Path(backend_call["cwd"]) == root
    assert lines[0] == "$ yarn workspace app add " + facts.MODULE_PKG + " " + facts.AUTH_FRONTEND_PKG
    assert "$ yarn workspace backend add " + facts.AUTH_BACKEND_PKG in lines
    assert "➤ YN0000: ┌ Resolution step" in lines and lines[-1] == "➤ YN0000: · Done in 0s 1ms"
    app_pkg = json.loads((root / "packages/app/package.json").read_text())
    assert app_pkg["dependencies"][facts.MODULE_PKG] == "^1.2.3"
    assert app_pkg["dependencies"][facts.AUTH_FRONTEND_PKG] == "^1.2.3"
    backend_pkg = json.loads((root / "packages/backend/package.json").read_text())
    assert backend_pkg["dependencies"][facts.AUTH_BACKEND_PKG] == "^1.2.3"
    manifest = json.loads((result.backup / "manifest.json").read_text())
    # the install's own record: every step with its exit code (the last one's also at the top)
    assert manifest["install"] == {
        "steps": [{"command": plan.installs[0].display, "exitCode": 0}, {"command": plan.installs[1].display, "exitCode": 0}],
        "sync": "yarn install", "command": plan.installs[1].display, "exitCode": 0}
    # the files the package manager changed are backed up for undo
    by_install = sorted(f["path"] for f in manifest["files"] if f.get("byInstall"))
    assert by_install == ["packages/app/package.json", "packages/backend/package.json", "yarn.lock"]
    # installed: nothing left to plan
    assert install_plan(root).empty
    undone = undo_last(root)
    assert undone.sync_command == "yarn install"  # node_modules must follow the restored package.json files
    assert snapshot(root) == before


def test_install_with_yarn_classic_uses_cwd(tmp_path, tools):
    tools.node()
    tools.yarn("1.22.19")
    root = make_repo(tmp_path, package_manager=None, yarnrc=None)
    plan = install_plan(root)
    assert plan.install.argv == ["yarn", "--cwd", "packages/app", "add", facts.MODULE_PKG, facts.AUTH_FRONTEND_PKG]
    assert [s.argv for s in plan.installs[1:]] == [["yarn", "--cwd", "packages/backend", "add", facts.AUTH_BACKEND_PKG]]
    result = apply_plan(plan, on_output=lambda line: None)
    assert result.install_ok is True
    assert [c["argv"] for c in tools.calls("yarn")] == [["--cwd", "packages/app", "add", facts.MODULE_PKG, facts.AUTH_FRONTEND_PKG],
                                                        ["--cwd", "packages/backend", "add", facts.AUTH_BACKEND_PKG]]
    app_deps = json.loads((root / "packages/app/package.json").read_text())["dependencies"]
    assert facts.MODULE_PKG in app_deps and facts.AUTH_FRONTEND_PKG in app_deps
    assert facts.AUTH_BACKEND_PKG in json.loads((root / "packages/backend/package.json").read_text())["dependencies"]


def test_install_through_node_and_the_pinned_yarn_release(tmp_path, tools):
    tools.node()  # no `yarn` on PATH at all
    root = make_repo(tmp_path)
    tools.yarn_release(root)
    plan = install_plan(root)
    assert plan.install.argv == ["node", ".yarn/releases/yarn-4.13.0.cjs", "workspace", "app", "add",
                                 facts.MODULE_PKG, facts.AUTH_FRONTEND_PKG]
    assert [s.argv for s in plan.installs[1:]] == [["node", ".yarn/releases/yarn-4.13.0.cjs", "workspace", "backend", "add",
                                                    facts.AUTH_BACKEND_PKG]]
    result = apply_plan(plan, on_output=lambda line: None)
    assert result.install_ok is True
    assert [c["argv"] for c in tools.calls("yarn")] == [["workspace", "app", "add", facts.MODULE_PKG, facts.AUTH_FRONTEND_PKG],
                                                        ["workspace", "backend", "add", facts.AUTH_BACKEND_PKG]]


def test_a_failing_install_reports_the_command_and_rolls_everything_back(tmp_path, tools):
    tools.node()
    tools.yarn("4.13.0", fail=True)
    root = make_repo(tmp_path)
    before = snapshot(root)
    pkg_before = (root / "packages/app/package.json").read_bytes()
    plan = install_plan(root)
    lines: list[str] = []
    result = apply_plan(plan, on_output=lines.append)
    assert result.install_ok is False and result.rolled_back is True
    command = ("yarn workspace app add @terasky/backstage-plugin-spectrocloud-kubernetes-auth-module "
               "@terasky/backstage-plugin-spectrocloud-auth")
    assert f"`{command}` exited with code 1" in result.install_error
    assert any("Package not found" in ln for ln in lines)
    # all or nothing: the installs run first, so neither the config nor index.ts was written
    assert result.written == []
    assert (root / "packages/app/package.json").read_bytes() == pkg_before
    assert snapshot(root) == before
    manifest = json.loads((result.backup / "manifest.json").read_text())
    assert manifest["status"] == "rolled-back"
    assert manifest["install"]["steps"] == [{"command": command, "exitCode": 1}]  # the backend's step never ran
    assert manifest["install"]["exitCode"] == 1 and manifest["install"]["command"] == command
    assert [c["argv"][:3] for c in tools.calls("yarn")] == [["workspace", "app", "add"]]
    # nothing of the apply remains
    with pytest.raises(Refused, match="nothing to undo"):
        undo_last(root)


def test_a_missing_package_manager_is_reported(tmp_path, tools):
    root = make_repo(tmp_path, yarnrc=None)  # PATH holds nothing: no node, no yarn
    plan = install_plan(root)
    assert plan.install.argv[0] == "yarn"
    result = apply_plan(plan)
    assert result.install_ok is False
    assert "yarn is not installed or not on PATH" in result.install_error and "corepack enable" in result.install_error
    assert json.loads((result.backup / "manifest.json").read_text())["install"]["exitCode"] == 127
    # the same all-or-nothing rollback as a failing install
    manifest = json.loads((result.backup / "manifest.json").read_text())
    assert result.rolled_back is True and result.written == [] and manifest["status"] == "rolled-back"
    assert manifest["install"]["steps"] == [{"command": plan.install.display, "exitCode": 127}]


def test_a_custom_runner_receives_the_step(tmp_path):
    root = make_repo(tmp_path, preset="complete", app_deps={facts.MODULE_PKG: None})
    plan = install_plan(root)
    seen = []

    def runner(step, emit):
        seen.append(step.argv)
        emit("custom runner says hi")
        return 0

    out: list[str] = []
    result = apply_plan(plan, on_output=out.append, runner=runner)
    assert result.install_ok is True
    assert seen == [["yarn", "workspace", "app", "add", facts.MODULE_PKG]]
    assert out == ["$ yarn workspace app add " + facts.MODULE_PKG, "custom runner says hi"]


def test_undo_after_fixing_the_wrong_package_name_and_installing(tmp_path, tools):
    tools.node()
    tools.yarn("4.13.0")
    root = make_repo(tmp_path, app_deps={facts.GUIDE_WRONG_MODULE_PKG: "^1.0.0"})
    before = snapshot(root)
    plan = install_plan(root)
    # the backend module the plan installs is wired into index.ts too
    assert {c.rel for c in plan.changes} == {"app-config.yaml", "packages/app/package.json", "packages/backend/src/index.ts"}
    result = apply_plan(plan, on_output=lambda line: None)
    assert result.install_ok is True
    # the guide's wrong name goes first, then the installs, then index.ts and the config
    assert result.written == ["packages/app/package.json", "app-config.yaml", "packages/backend/src/index.ts"]
    app_pkg = json.loads((root / "packages/app/package.json").read_text())["dependencies"]
    assert facts.MODULE_PKG in app_pkg and facts.GUIDE_WRONG_MODULE_PKG not in app_pkg
    assert facts.AUTH_FRONTEND_PKG in app_pkg
    assert facts.AUTH_BACKEND_PKG in json.loads((root / "packages/backend/package.json").read_text())["dependencies"]
    assert undo_last(root).sync_command == "yarn install"
    assert snapshot(root) == before


def test_an_install_only_apply_is_recorded_and_undone(tmp_path, tools):
    tools.node()
    tools.yarn("4.13.0")
    # the backend module is declared and wired already, so the installs (the app's packages) change no file
    root = make_repo(tmp_path, installed=[facts.AUTH_BACKEND_PKG])
    apply_plan(make_plan(root))  # the config is already done
    before = snapshot(root)
    plan = install_plan(root)
    assert plan.changes == [] and plan.install is not None
    assert [s.packages for s in plan.installs] == [[facts.MODULE_PKG, facts.AUTH_FRONTEND_PKG]]
    result = apply_plan(plan, on_output=lambda line: None)
    assert result.install_ok is True and result.written == [] and result.backup is not None
    assert snapshot(root) != before
    undone = undo_last(root)
    assert sorted(undone.restored) == ["packages/app/package.json", "yarn.lock"]
    assert undone.sync_command == "yarn install"
    assert snapshot(root) == before
