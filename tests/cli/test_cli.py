"""The command line (docs/cli-contract.md): end to end through `python -m wizard`, and the many bad
inputs through `wizard.cli.main` in-process.

PATH holds only the stand-in `node`/`yarn` of tests/support/tools.py (the @terasky packages are not on
this machine's registry, so the install step runs against a stand-in that edits package.json).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.configs import CREATE_APP_CONFIG
from tests.support.repos import make_repo
from wizard import __version__
from wizard.cli import main
from wizard.core import facts


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def wizard(*args: str, cwd: Path, stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    """`python -m wizard ARGS` in a subprocess (PATH, NO_COLOR from the cli_tools fixture)."""
    proc = subprocess.run([sys.executable, "-m", "wizard", *args], cwd=cwd, stdin=stdin, capture_output=True,
                          text=True, env=dict(os.environ), timeout=120, check=False)
    assert "Traceback" not in proc.stdout + proc.stderr
    return proc


# ---------------------------------------------------------------------------------------------
# end to end, through the entry point


def test_check_json_has_the_contract_shape(tmp_path, cli_tools):
    root = make_repo(tmp_path)
    proc = wizard("check", "--json", cwd=root)
    assert proc.returncode == 1  # a fresh app fails checks
    data = json.loads(proc.stdout)
    assert data["ok"] is False
    ids = [c["id"] for c in data["checks"]]
    assert {"backstage-version", "node-version", "yarn", "auth-backend-module", "auth-frontend-plugin",
            "kubernetes-plugin", "kubernetes-auth-module", "frontend-system", "auth-provider-config",
            "default-auth-providers-disabled", "clusters-oidc", "config-valid"} <= set(ids)
    for c in data["checks"]:
        assert {"id", "status", "summary", "detail", "hint"} <= set(c)
        assert c["status"] in ("ok", "warn", "fail", "skip")
        if c["status"] in ("warn", "fail"):
            assert c["hint"] in data["hints"]
    assert data["checks"][ids.index("backstage-version")] | {"detail": "..."} == {
        "id": "backstage-version", "status": "ok", "summary": "Backstage 1.55.0 (needs >= 1.47.1)",
        "detail": "...", "hint": None, "data": {"version": "1.55.0"}}
    for hint in data["hints"].values():
        assert set(hint) == {"title", "text"} and hint["text"]
    assert data["repo"] == str(root) and data["configFiles"] == ["app-config.yaml"]


def test_check_passes_on_a_configured_app(tmp_path, cli_tools, answers_file, monkeypatch):
    monkeypatch.setenv("SPECTROCLOUD_CLIENT_ID", "x")
    monkeypatch.setenv("SPECTROCLOUD_CLIENT_SECRET", "y")
    root = make_repo(tmp_path, preset="complete")
    assert wizard("apply", "--answers", str(answers_file), "--yes", cwd=root).returncode == 0
    proc = wizard("check", cwd=root)
    assert proc.returncode == 0, proc.stdout
    counts = re.search(r"^(\d+ ok.*)$", proc.stdout, re.M).group(1)
    assert "fail" not in counts and "warn" not in counts, counts


def test_plan_prints_a_diff_and_writes_nothing(tmp_path, cli_tools, answers_file):
    root = make_repo(tmp_path)
    before = snapshot(root)
    proc = wizard("plan", "--answers", str(answers_file), cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "--- a/app-config.yaml\n+++ b/app-config.yaml\n" in proc.stdout
    assert "+    - api:kubernetes/auth-providers: false\n" in proc.stdout
    assert "+        authorizationUrl: https://console.spectrocloud.com/v1/oidc/tenant/abc123/auth\n" in proc.stdout
    # a new-frontend app is wired with the in-app module by default: published Backstage packages only
    assert f"yarn workspace app add {facts.K8S_REACT_PKG} {facts.LEGACY_CORE_APP_PKG}" in proc.stdout
    assert "--- /dev/null\n+++ b/packages/app/src/modules/spectrocloud/index.ts\n" in proc.stdout
    assert "+import { spectroCloudKubernetesModule } from './modules/spectrocloud';\n" in proc.stdout
    assert "SPECTROCLOUD_CLIENT_ID, SPECTROCLOUD_CLIENT_SECRET" in proc.stdout
    assert snapshot(root) == before
    calls = [c["argv"] for c in cli_tools.calls("yarn")]
    assert not any("add" in argv for argv in calls)  # plan installs nothing...
    assert sorted(a[2] for a in calls if a[:2] == ["npm", "info"]) == sorted(  # ...but asks the registry first
        [facts.K8S_REACT_PKG, facts.LEGACY_CORE_APP_PKG, facts.AUTH_BACKEND_PKG])


def test_apply_then_plan_has_nothing_to_change_and_undo_restores(tmp_path, cli_tools, answers_file):
    root = make_repo(tmp_path)
    before = snapshot(root)
    proc = wizard("apply", "--answers", str(answers_file), "--yes", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "wrote app-config.yaml" in proc.stdout
    assert "│ $ yarn workspace app add " + facts.K8S_REACT_PKG in proc.stdout  # streamed install output
    assert "│ ➤ YN0000: · Done in 0s 1ms" in proc.stdout
    assert [c["argv"] for c in cli_tools.calls("yarn") if "add" in c["argv"]] == [
        ["workspace", "app", "add", facts.K8S_REACT_PKG, facts.LEGACY_CORE_APP_PKG],
        ["workspace", "backend", "add", facts.AUTH_BACKEND_PKG]]
    assert "wrote packages/app/src/modules/spectrocloud/index.ts" in proc.stdout
    assert "wrote packages/app/src/App.tsx" in proc.stdout
    applied = snapshot(root)
    proc = wizard("plan", "--answers", str(answers_file), cwd=root)
    assert proc.returncode == 0
    assert proc.stdout.startswith("Nothing to change")
    proc = wizard("apply", "--answers", str(answers_file), "--yes", cwd=root)
    assert proc.returncode == 0 and "Nothing to change" in proc.stdout
    assert snapshot(root) == applied  # a second apply changes no byte
    proc = wizard("undo", "--yes", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "restored app-config.yaml" in proc.stdout and "restored packages/app/package.json" in proc.stdout
    assert "restored packages/app/src/modules/spectrocloud/index.ts" in proc.stdout  # removed: the apply created it
    assert "run `yarn install`" in proc.stdout  # node_modules must follow the restored package.json
    now = snapshot(root)
    assert {k: v for k, v in now.items() if not k.startswith(".spectro-wizard/")} == before
    proc = wizard("undo", "--yes", cwd=root)
    assert proc.returncode == 1 and "nothing to undo" in proc.stderr


def test_with_installs_off_apply_says_what_waits_and_wires_it_once_installed(tmp_path, cli_tools, answers_file):
    """Issue 19: with --skip-install the backend module was neither installed nor wired, the notes named
    only the add commands, and a second apply said "Nothing to change"."""
    root = make_repo(tmp_path)
    proc = wizard("apply", "--answers", str(answers_file), "--yes", "--skip-install", cwd=root)
    assert proc.returncode == 0, proc.stderr
    out = " ".join(proc.stdout.split())
    assert "wrote app-config.yaml" in out and "wrote packages/backend/src/index.ts" not in out
    assert ("packages/backend/src/index.ts is not wired yet: it should load " + facts.AUTH_BACKEND_PKG) in out
    assert f"`backend.add(import('{facts.AUTH_BACKEND_PKG}'));` before backend.start()" in out
    assert "then run apply again" in out
    assert "yarn workspace backend add " + facts.AUTH_BACKEND_PKG in out
    assert not [c for c in cli_tools.calls("yarn") if "add" in c["argv"]]  # nothing installed
    # again, still without the packages: not "Nothing to change", but what waits for the user
    proc = wizard("apply", "--answers", str(answers_file), "--yes", "--skip-install", cwd=root)
    again = " ".join(proc.stdout.split())
    assert proc.returncode == 0 and not again.startswith("Nothing to change")
    assert again.startswith("Nothing the wizard can write yet") and "index.ts is not wired yet" in again
    proc = wizard("apply", "--answers", str(answers_file), "--yes", "--skip-install", "--json", cwd=root)
    assert any("index.ts is not wired yet" in m for m in json.loads(proc.stdout)["manual"])
    # the user installs them (as `yarn workspace ... add` would declare them); the next apply wires them
    for ws, pkgs in (("app", [facts.K8S_REACT_PKG, facts.LEGACY_CORE_APP_PKG]), ("backend", [facts.AUTH_BACKEND_PKG])):
        pj = root / "packages" / ws / "package.json"
        data = json.loads(pj.read_text())
        data["dependencies"].update({p: "^1.0.0" for p in pkgs})
        pj.write_text(json.dumps(data, indent=2) + "\n")
    proc = wizard("apply", "--answers", str(answers_file), "--yes", "--skip-install", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "wrote packages/backend/src/index.ts" in proc.stdout and "wrote packages/app/src/App.tsx" in proc.stdout
    assert f"backend.add(import('{facts.AUTH_BACKEND_PKG}'));" in (root / "packages/backend/src/index.ts").read_text()
    proc = wizard("apply", "--answers", str(answers_file), "--yes", "--skip-install", cwd=root)
    assert proc.stdout.startswith("Nothing to change: the config already matches the answers.")


def test_apply_without_yes_off_a_terminal_is_refused(tmp_path, cli_tools, answers_file):
    root = make_repo(tmp_path)
    before = snapshot(root)
    proc = wizard("apply", "--answers", str(answers_file), cwd=root, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "pass --yes" in proc.stderr
    assert snapshot(root) == before
    proc = wizard("undo", cwd=root, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1


def confirm_on_a_terminal(args: list[str], cwd: Path, reply: str) -> subprocess.CompletedProcess:
    """Run with stdin on a pseudo-terminal and `reply` already typed (input() reads it when it asks)."""
    import pty

    master, slave = pty.openpty()
    try:
        os.write(master, reply.encode())
        proc = subprocess.run([sys.executable, "-m", "wizard", *args], cwd=cwd, stdin=slave, capture_output=True,
                              text=True, env=dict(os.environ), timeout=120, check=False)
    finally:
        os.close(slave)
        os.close(master)
    assert "Traceback" not in proc.stdout + proc.stderr
    return proc


def test_apply_on_a_terminal_asks_and_no_means_nothing_written(tmp_path, cli_tools, answers_file):
    root = make_repo(tmp_path)
    before = snapshot(root)
    proc = confirm_on_a_terminal(["apply", "--answers", str(answers_file), "--skip-install"], root, "n\n")
    assert proc.returncode == 1
    assert "Apply these changes? [y/N]" in proc.stdout
    assert "+    - api:kubernetes/auth-providers: false" in proc.stdout  # the plan is shown before asking
    assert "apply cancelled; nothing was written" in proc.stderr
    assert snapshot(root) == before


def test_apply_and_undo_on_a_terminal_with_yes(tmp_path, cli_tools, answers_file):
    root = make_repo(tmp_path)
    before = (root / "app-config.yaml").read_bytes()
    proc = confirm_on_a_terminal(["apply", "--answers", str(answers_file), "--skip-install"], root, "y\n")
    assert proc.returncode == 0, proc.stderr
    assert (root / "app-config.yaml").read_bytes() != before
    proc = confirm_on_a_terminal(["undo"], root, "yes\n")
    assert proc.returncode == 0, proc.stderr
    assert "Restore these files as they were before that apply? [y/N]" in proc.stdout
    assert (root / "app-config.yaml").read_bytes() == before


def test_a_plan_the_engine_refuses_exits_1_and_writes_nothing(tmp_path, capsys, cli_tools, answers_file):
    root = make_repo(tmp_path, app_config="x-k: &k8s\n  serviceLocatorMethod:\n    type: multiTenant\nkubernetes: *k8s\n")
    before = snapshot(root)
    code, _, err = run_main(capsys, "apply", "--repo", str(root), "--answers", str(answers_file), "--yes")
    assert code == 1
    assert "'kubernetes' is an alias" in one_line(err)
    assert snapshot(root) == before


def test_apply_json_and_a_failing_install(tmp_path, answers_file, tools):
    tools.node()
    tools.yarn(fail=True)
    root = make_repo(tmp_path)
    proc = wizard("apply", "--answers", str(answers_file), "--yes", "--json", cwd=root)
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["ok"] is False and data["changed"] == [] and data["rolledBack"] is True  # all or nothing
    assert data["install"]["ok"] is False and "exited with code 1" in data["install"]["error"]
    assert data["backup"].startswith(".spectro-wizard/backups/")
    assert "Package not found" in proc.stderr  # the package manager's output went to stderr
    assert "the install failed, so nothing was changed" in proc.stderr


# ---------------------------------------------------------------------------------------------
# in-process: bad inputs exit 2 with one sentence on stderr, and write nothing


def run_main(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def one_line(err: str) -> str:
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("spectro-wizard: ")
    return err


BAD_CONFIGS = [
    (b"app:\n  title: [x\n", r"app-config\.yaml:2:10: not valid YAML: the flow sequence that starts here is not closed properly "
                              r"\(the parser gave up at line 3, column 1"),
    (b"app:\n\ttitle: x\n", r"app-config\.yaml:2:1: not valid YAML"),
    (b"app:\n  title: ok\n  bad: a: b\n", r"app-config\.yaml:3:9: not valid YAML"),
    (b"app:\n  title: x\nbackend: {}\napp: {}\n", r"app-config\.yaml:4:1: duplicate key 'app'"),
    ("app:\n  title: Caf\u00e9\n".encode("latin-1"), r"app-config\.yaml:2: not UTF-8 text \(byte 0xe9\)"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", r"app-config\.yaml holds binary data"),
    (b"a: 1\n---\nb: 2\n", r"app-config\.yaml:2:1: not valid YAML: the file holds more than one YAML document"),
    (b"- just\n- a list\n", r"app-config\.yaml:1:1: the top level must be a mapping"),
]


@pytest.mark.parametrize("command", ["plan", "apply", "check"])
@pytest.mark.parametrize("raw, pattern", BAD_CONFIGS)
def test_bad_config_files_exit_2_naming_file_and_line(tmp_path, capsys, cli_tools, answers_file, command, raw, pattern):
    root = make_repo(tmp_path, app_config=raw)
    before = snapshot(root)
    args = [command, "--repo", str(root)]
    if command != "check":
        args += ["--answers", str(answers_file)] + (["--yes"] if command == "apply" else [])
    code, out, err = run_main(capsys, *args)
    assert code == 2
    assert re.search(pattern, one_line(err)), err
    assert snapshot(root) == before
    assert not (root / ".spectro-wizard" / "backups").exists()


def test_bad_local_config_is_named(tmp_path, capsys, cli_tools, answers_file):
    root = make_repo(tmp_path, local=b"auth:\n  providers:\n    guest: {}\n    guest: {}\n")
    before = snapshot(root)
    code, _, err = run_main(capsys, "apply", "--repo", str(root), "--answers", str(answers_file), "--yes")
    assert code == 2
    assert "app-config.local.yaml:4:5: duplicate key 'guest'" in one_line(err)
    assert snapshot(root) == before


@pytest.mark.parametrize("text, pattern", [
    (None, r"answers\.yaml: answers file not found"),
    ("tenant: [abc\n", r"answers\.yaml:2:1: not valid YAML"),
    ("tenant: abc\nclientSecret: hunter2\n", r"answers\.yaml:2: clientSecret: secrets never go in an answers file"),
    ("tenant: abc\nfoo: bar\n", r"answers\.yaml:2: foo: unknown key"),
    ("tenant: 42\n", r"answers\.yaml:1: tenant: must be a non-empty string, not the number 42"),
    ("tenant: abc\nclusters: {a: 1}\n", r"answers\.yaml:2: clusters: must be a list"),
    ("tenant: abc\nconsoleUrl: console.spectrocloud.com\n",
     r"answers\.yaml:2: consoleUrl: 'console\.spectrocloud\.com' is not an http\(s\) URL"),
    ("tenant: abc\nmigrate: [ghost]\n", r"answers\.yaml: migrate: no cluster named 'ghost'"),
    ("tenant: abc\nclusters:\n  - name: nourl\n", r"answers\.yaml: clusters: 'nourl' is a new cluster: give its url"),
])
@pytest.mark.parametrize("command", ["plan", "apply"])
def test_bad_answers_exit_2(tmp_path, capsys, cli_tools, command, text, pattern):
    root = make_repo(tmp_path)
    path = tmp_path / "answers.yaml"
    if text is not None:
        path.write_text(text)
    before = snapshot(root)
    args = [command, "--repo", str(root), "--answers", str(path)] + (["--yes"] if command == "apply" else [])
    code, _, err = run_main(capsys, *args)
    assert code == 2
    assert re.search(pattern, one_line(err)), err
    assert snapshot(root) == before


def test_no_backstage_app_found(tmp_path, capsys, cli_tools, answers_file, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_main(capsys, "plan", "--answers", str(answers_file))
    assert code == 2
    assert "no Backstage app found at or above" in one_line(err) and "backstage.json" in err


def test_repo_that_does_not_exist(tmp_path, capsys, cli_tools):
    code, _, err = run_main(capsys, "check", "--repo", str(tmp_path / "nope"))
    assert code == 2
    assert f"--repo {tmp_path / 'nope'}: no such directory" in one_line(err)


def test_repo_that_is_not_a_backstage_app(tmp_path, capsys, cli_tools):
    code, _, err = run_main(capsys, "check", "--repo", str(tmp_path))
    assert code == 2 and "is not a Backstage app (no backstage.json there)" in one_line(err)


def test_config_option_naming_a_missing_file(tmp_path, capsys, cli_tools, answers_file):
    root = make_repo(tmp_path)
    code, _, err = run_main(capsys, "plan", "--repo", str(root), "--answers", str(answers_file), "--config", "nope.yaml")
    assert code == 2 and "nope.yaml does not exist" in one_line(err)


@pytest.mark.parametrize("args", [["--bogus"], ["check", "--bogus"], ["plan"], ["frobnicate"], ["undo", "--yes", "extra"]])
def test_usage_errors_exit_2(capsys, args):
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert one_line(err) and "--help" in err


def test_global_repo_option_before_the_command(tmp_path, capsys, cli_tools, monkeypatch):
    root = make_repo(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(capsys, "--repo", str(root), "check", "--json")
    assert code == 1, err
    assert json.loads(out)["repo"] == str(root)


def test_plan_json_in_process(tmp_path, capsys, cli_tools, answers_file):
    root = make_repo(tmp_path)
    code, out, err = run_main(capsys, "plan", "--repo", str(root), "--answers", str(answers_file), "--json", "--skip-install")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["install"] is None and data["changes"][0]["file"] == "app-config.yaml"


def test_apply_in_process_with_explicit_configs(tmp_path, capsys, cli_tools):
    root = make_repo(tmp_path, extra_files={"conf/base.yaml": CREATE_APP_CONFIG})
    answers = tmp_path / "a.yaml"
    answers.write_text("tenant: t\ninstallPackage: false\n")
    before = (root / "app-config.yaml").read_bytes()
    code, out, err = run_main(capsys, "apply", "--repo", str(root), "--config", "conf/base.yaml", "--answers", str(answers), "--yes")
    assert code == 0, err
    assert "wrote conf/base.yaml" in out
    assert (root / "app-config.yaml").read_bytes() == before
    assert "spectrocloud:" in (root / "conf/base.yaml").read_text()
    assert cli_tools.calls("yarn") == []


def test_undo_with_nothing_to_undo(tmp_path, capsys, cli_tools):
    root = make_repo(tmp_path)
    code, _, err = run_main(capsys, "undo", "--repo", str(root), "--yes")
    assert code == 1 and "nothing to undo" in one_line(err)


# ---------------------------------------------------------------------------------------------
# hints and version


def test_hints_list(capsys):
    code, out, err = run_main(capsys, "hints")
    assert code == 0 and err == ""
    for hid in ("guide-extension-id", "guide-flat-clusters", "wrong-package-name", "frontend-legacy", "config-invalid"):
        assert re.search(rf"^  {re.escape(hid)} +\S", out, re.M), hid


def test_one_hint(capsys):
    code, out, _ = run_main(capsys, "hints", "guide-extension-id")
    assert code == 0
    assert out.startswith("The install guide's extension ID is wrong (a start-up warning, repaired by apply)  [guide-extension-id]")
    assert "api:kubernetes/auth-providers" in out and "1. " in out


def test_every_hint_on_its_own_shows_values_not_placeholders(capsys):
    """`hints ID` has no app to take values from: each placeholder shows the catalog's example, and
    says so (issue 19: `{package}`, `{index}` and `{line}` were printed raw)."""
    from wizard.core.hints import catalog

    cat = catalog()
    with_examples = 0
    for hid in cat.ids():
        code, out, _ = run_main(capsys, "hints", hid)
        assert code == 0
        assert not re.search(r"\{[a-z_][a-z0-9_]*\}", out), (hid, out)
        if cat.get(hid).example:
            with_examples += 1
            assert "Shown with example values" in out, hid
    assert with_examples >= 20
    _, out, _ = run_main(capsys, "hints", "install-auth-backend")
    assert "Add this line to packages/backend/src/index.ts" in out
    assert "backend.add(import('@terasky/backstage-plugin-spectrocloud-auth-backend'));" in out


def test_one_hint_json(capsys):
    code, out, _ = run_main(capsys, "hints", "wrong-package-name", "--json")
    data = json.loads(out)
    assert code == 0 and data["id"] == "wrong-package-name" and data["steps"]


def test_unknown_hint(capsys):
    code, _, err = run_main(capsys, "hints", "nope")
    assert code == 2 and "no hint matches 'nope'" in one_line(err)


@pytest.mark.parametrize("argv, words", [
    (["apply", "--answers", "/nonexistent/answers.yaml", "--yes", "--json"], "answers file not found"),
    (["plan", "--answers", "/nonexistent/answers.yaml", "--json"], "answers file not found"),
    (["verify", "--backend-url", "notaurl", "--json"], "is not an http(s) URL"),
    (["login", "--redirect-url", "https://example.com/cb", "--json"], "must be http on a loopback address"),
])
def test_json_commands_say_a_refusal_on_stdout_too(tmp_path, capsys, cli_tools, argv, words):
    """Issue 19: `apply`, `verify` and `login --json` printed nothing on stdout on bad input (scripts read it)."""
    root = make_repo(tmp_path)
    code, out, err = run_main(capsys, "--repo", str(root), *argv)
    assert code == 2
    assert json.loads(out) == {"ok": False, "error": one_line(err).removeprefix("spectro-wizard: ").rstrip("\n")}
    assert words in out and words in err


@pytest.mark.parametrize("url", ["https://example.com/cb", "https://localhost:8000/cb", "http://10.0.0.5:8000/"])
def test_a_redirect_this_machine_cannot_receive_is_bad_input(tmp_path, capsys, cli_tools, url, monkeypatch):
    """Issue 19: `login --redirect-url https://example.com/cb` exited 1 after the client checks; it is the
    user's input: exit 2 with the reason, before anything else is asked for."""
    monkeypatch.delenv("SPECTROCLOUD_CLIENT_ID", raising=False)
    root = make_repo(tmp_path)
    code, out, err = run_main(capsys, "--repo", str(root), "login", "--redirect-url", url)
    assert code == 2 and out == ""
    assert f"--redirect-url {url}: the sign-in comes back to this machine" in one_line(err)


def test_version(capsys):
    code, out, err = run_main(capsys, "--version")
    assert code == 0 and out == f"spectro-wizard {__version__}\n" and err == ""
