"""Secrets never leave the config: literal secrets are planted in a config (an OIDC client secret,
service-account tokens — one a JWT —, a database password, a session secret, a backend key, a GitHub
token, a Palette API token), passed on the command line (--token, --id-token) and in the environment
(SPECTROCLOUD_CLIENT_SECRET, BACKSTAGE_TOKEN); then every output the tool can produce is scanned for
them: plan (text, --json), check (text, --json), verify (text, --json) against loopback doubles that
echo the credentials they receive back in their error bodies, apply (text, --json), the saved answers,
the support report (when wizard/report.py exists), TUI screenshots, and every file the runs leave in
TMPDIR (crash logs) and .spectro-wizard/ (the backups excepted: they are byte copies of the original,
kept with its permissions — checked below).

Also: TLS verification is on by default for every remote call (an untrusted certificate fails with a
TLS message and the server never sees a request; --ca-file / caData make it pass), backups keep the
original's permissions, and no subprocess is started through a shell.
"""

from __future__ import annotations

import ast
import base64
import html
import json
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest
import trustme

from tests.support.cli import PROJECT, PY, cli_env
from tests.support.configs import many_clusters_answers, many_clusters_config
from tests.support.files import write_answers
from tests.support.net import closed_port, server_tls
from tests.support.repos import make_repo
from tests.support.secret_world import CLIENT_ID, S, World, assert_no_secrets, basic_auth
from tests.support.servers import EchoServer, cluster_handler
from tests.support.tools import Tools
from wizard.core import facts

# ------------------------------------------------------------------------------------------------
# the world (the `world` fixture): a repo full of secrets, loopback doubles, an environment


def _ok(proc: subprocess.CompletedProcess, *codes: int) -> None:
    assert proc.returncode in codes, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr


# ------------------------------------------------------------------------------------------------
# the outputs


def test_plan_text_and_json(world: World) -> None:
    for args in ([], ["--json"]):
        proc = world.cli("plan", "--repo", "{repo}", "--answers", str(world.answers), *args)
        _ok(proc, 0)
        assert "serviceAccountToken" in proc.stdout and "new-cluster" in proc.stdout  # the secret lines are in the diff...
        assert_no_secrets(proc.stdout + proc.stderr, f"plan {' '.join(args)}")  # ...masked


def test_check_text_and_json(world: World) -> None:
    for args in ([], ["--json"]):
        proc = world.cli("check", "--repo", "{repo}", *args)
        _ok(proc, 0, 1)
        assert "auth-provider-config" in proc.stdout
        assert_no_secrets(proc.stdout + proc.stderr, f"check {' '.join(args)}")


VERIFY_ARGS = ["--token", S["--token (Backstage JWT)"], "--id-token", S["--id-token (SpectroCloud JWT)"], "--timeout", "5"]


def test_verify_text_and_json_against_doubles_that_echo_credentials(world: World) -> None:
    n_backend, n_cluster, n_oidc = len(world.backend.requests), len(world.cluster.requests), len(world.oidc.requests)
    for args in ([], ["--json"]):
        proc = world.cli("verify", "--repo", "{repo}", "--ca-file", str(world.ca_pem), *VERIFY_ARGS, *args)
        _ok(proc, 0, 1)
        assert_no_secrets(proc.stdout + proc.stderr, f"verify {' '.join(args)}")
    # the doubles really were asked, with the secrets (so the scan above means something)
    sent = " ".join(r.headers.get("Authorization", "") + " " + r.body for r in
                    world.backend.requests[n_backend:] + world.cluster.requests[n_cluster:] + world.oidc.requests[n_oidc:])
    assert S["--token (Backstage JWT)"] in sent
    assert S["--id-token (SpectroCloud JWT)"] in sent
    assert S["client secret (config literal)"] in sent or base64.b64encode(
        f"{CLIENT_ID}:{S['client secret (config literal)']}".encode()).decode() in sent


def test_verify_does_not_show_the_client_secret_as_http_basic_credentials(world: World) -> None:
    """Regression (found by this suite, fixed): a token endpoint echoing `Authorization: Basic
    base64(client_id:secret)` made verify print the credentials; only the literal secret was scrubbed."""
    proc = world.cli("verify", "--repo", "{repo}", "--ca-file", str(world.ca_pem), *VERIFY_ARGS, "--json")
    _ok(proc, 0, 1)
    assert basic_auth(S["client secret (config literal)"]) not in proc.stdout


def test_verify_against_closed_ports(world: World) -> None:
    root = world.fresh_copy("closed")
    text = (root / "app-config.yaml").read_text()
    for origin in (world.cluster.origin, world.oidc.origin, world.backend.origin):
        text = text.replace(origin, f"https://127.0.0.1:{closed_port()}")
    (root / "app-config.yaml").write_text(text)
    for args in ([], ["--json"]):
        proc = world.cli("verify", "--repo", "{repo}", *VERIFY_ARGS, *args, root=root)
        _ok(proc, 1)
        assert "refused" in proc.stdout
        assert_no_secrets(proc.stdout + proc.stderr, f"verify (closed ports) {' '.join(args)}")


def test_apply_text_and_json_then_verify_with_the_environment_secret(world: World) -> None:
    for name, args in (("applied-text", []), ("applied-json", ["--json"])):
        root = world.fresh_copy(name)
        proc = world.cli("apply", "--repo", "{repo}", "--answers", str(world.answers), "--yes", "--skip-install", *args, root=root)
        _ok(proc, 0)
        assert_no_secrets(proc.stdout + proc.stderr, f"apply {' '.join(args)}")
        after = (root / "app-config.yaml").read_text()
        assert S["client secret (config literal)"] not in after and "${SPECTROCLOUD_CLIENT_SECRET}" in after
        n = len(world.oidc.requests)
        proc = world.cli("verify", "--repo", "{repo}", "--ca-file", str(world.ca_pem), *VERIFY_ARGS, "--json", root=root)
        _ok(proc, 0, 1)
        assert_no_secrets(proc.stdout + proc.stderr, "verify after apply")
        assert any(S["client secret (environment)"] in r.body for r in world.oidc.requests[n:]), "the env secret was not used"
        plan = world.cli("plan", "--repo", "{repo}", "--answers", str(world.answers), root=root)
        _ok(plan, 0)
        assert_no_secrets(plan.stdout, "plan after apply")


def test_saved_answers(world: World) -> None:
    from wizard.core import answers as am
    from wizard.session import Session

    root = world.fresh_copy("session")
    s = Session(root)
    s.load(run_tools=False)
    s.prefill_from_config()
    s.answers = am.validate(world.answers_data)
    path = s.save_answers()
    assert path == root / ".spectro-wizard" / "answers.yaml"
    text = path.read_text()
    assert "abc123" in text and "new-cluster" in text
    assert_no_secrets(text, "saved answers")
    s.autosave()
    assert_no_secrets(path.read_text(), "autosaved answers")


def test_support_report(world: World) -> None:
    pytest.importorskip("wizard.session.report", reason="wizard/report.py is not there yet")
    out = world.root.parent / "reports"
    out.mkdir(exist_ok=True)
    for args in ([], ["--json"], ["--verify"]):
        target = out / f"report{'-'.join(args)}.{'json' if '--json' in args else 'md'}"
        proc = world.cli("report", "--repo", "{repo}", "--output", str(target), *args)
        _ok(proc, 0, 1)
        assert target.is_file(), proc.stderr
        report = target.read_text()
        assert "kubernetes" in report
        assert_no_secrets(report + proc.stdout + proc.stderr, f"report {' '.join(args)}")


def _svg_text(svg: str) -> str:
    """The characters a screenshot shows: tags dropped, entities decoded, non-breaking spaces as spaces."""
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


async def test_tui_screenshots(world: World) -> None:
    from wizard.core import answers as am
    from wizard.session import Session
    from wizard.tui.app import WizardApp

    root = world.fresh_copy("tui")
    s = Session(root)
    s.load(run_tools=False)
    s.answers = am.validate(world.answers_data)
    app = WizardApp(s)
    shots: dict[str, str] = {}
    async with app.run_test(headless=True, size=(200, 400)) as pilot:
        await pilot.pause()
        shots["welcome"] = app.export_screenshot()
        for step in ("tenant", "clusters", "review"):
            app.goto(step)
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            shots[step] = app.export_screenshot()
    review = _svg_text(shots["review"])
    assert "serviceAccountToken" in review and "new-cluster" in review, "the diff is not on the Review screen"
    for step, svg in shots.items():
        assert_no_secrets(_svg_text(svg), f"TUI screenshot of {step}")
    assert_no_secrets(svg, "raw SVG")


def test_no_secret_in_logs_crash_files_or_state(world: World) -> None:
    """Runs every command once more, then reads every file they left in TMPDIR and .spectro-wizard/."""
    root = world.fresh_copy("logs")
    world.cli("check", "--repo", "{repo}", root=root)
    world.cli("plan", "--repo", "{repo}", "--answers", str(world.answers), root=root)
    world.cli("apply", "--repo", "{repo}", "--answers", str(world.answers), "--yes", "--skip-install", root=root)
    world.cli("verify", "--repo", "{repo}", "--ca-file", str(world.ca_pem), *VERIFY_ARGS, root=root)
    world.cli("undo", "--repo", "{repo}", "--yes", root=root)
    files = [p for p in world.tmpdir.rglob("*") if p.is_file()]
    files += [p for p in (root / ".spectro-wizard").rglob("*") if p.is_file() and "files" not in p.relative_to(root).parts]
    assert any(p.name == "manifest.json" for p in files)
    for p in files:
        assert_no_secrets(p.read_bytes().decode("utf-8", "replace"), str(p))


# ------------------------------------------------------------------------------------------------
# backups keep the original file's permissions


def test_backups_keep_permissions(world: World) -> None:
    root = world.fresh_copy("modes")
    cfg = root / "app-config.yaml"
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    proc = world.cli("apply", "--repo", "{repo}", "--answers", str(world.answers), "--yes", "--skip-install", root=root)
    _ok(proc, 0)
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    backups = list((root / ".spectro-wizard" / "backups").glob("*/files/*app-config.yaml"))
    assert len(backups) == 1
    assert stat.S_IMODE(backups[0].stat().st_mode) == 0o600
    manifest = json.loads((backups[0].parent.parent / "manifest.json").read_text())
    assert manifest["files"][0]["mode"] == 0o600
    proc = world.cli("undo", "--repo", "{repo}", "--yes", root=root)
    _ok(proc, 0)
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    assert cfg.read_bytes() == (world.root / "app-config.yaml").read_bytes()


def test_backups_keep_unusual_permissions(tmp_path: Path) -> None:
    root = make_repo(tmp_path, "app", preset="many-clusters", clusters=3)
    answers = write_answers(tmp_path / "a.yaml", many_clusters_answers(3))
    cfg = root / "app-config.yaml"
    cfg.chmod(0o640)
    from wizard.cli import main

    assert main(["apply", "--repo", str(root), "--answers", str(answers), "--yes", "--skip-install"]) == 0
    (backup,) = (root / ".spectro-wizard" / "backups").glob("*/files/*")
    # the copy is private from its creation (0600, never widened); the config keeps its own mode
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o640


# ------------------------------------------------------------------------------------------------
# TLS verification is on by default


def _checks(proc: subprocess.CompletedProcess) -> dict[str, dict]:
    data = json.loads(proc.stdout)
    return {c["id"]: c for c in data["checks"]}


def test_tls_verification_is_on_by_default_and_ca_file_trusts_a_private_ca(untrusted, tmp_path: Path) -> None:
    oidc, backend, pem = untrusted
    text = many_clusters_config(1, urls=[f"https://127.0.0.1:{closed_port()}"])
    text = text.replace("    guest: {}\n", "    guest: {}\n    spectrocloud:\n      development:\n"
                        f"        clientId: {CLIENT_ID}\n        clientSecret: ${{SPECTROCLOUD_CLIENT_SECRET}}\n"
                        f"        authorizationUrl: {oidc.origin}/v1/oidc/tenant/abc123/auth\n")
    root = make_repo(tmp_path, "app", preset="many-clusters", app_config=text)
    env = cli_env(tmp_path, SPECTROCLOUD_CLIENT_ID=CLIENT_ID, SPECTROCLOUD_CLIENT_SECRET="x" * 24)
    argv = [PY, "-m", "wizard", "verify", "--repo", str(root), "--backend-url", backend.origin, "--json", "--timeout", "5"]

    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, cwd=PROJECT, check=False)
    assert proc.returncode == 1, proc.stderr
    checks = _checks(proc)
    for cid in ("oidc-discovery", "backend-reachable"):
        c = checks[cid]
        assert c["status"] == "fail", c
        assert "TLS" in c["detail"] + c["summary"] and "not trusted" in c["detail"] + c["summary"], c
    assert oidc.requests == [] and backend.requests == [], "a request went through without a verified certificate"

    proc = subprocess.run(argv + ["--ca-file", str(pem)], env=env, capture_output=True, text=True, timeout=120, cwd=PROJECT, check=False)
    checks = _checks(proc)
    assert checks["oidc-discovery"]["status"] == "ok", checks["oidc-discovery"]
    assert "TLS" not in checks["backend-reachable"]["detail"]
    assert oidc.requests and backend.requests


def test_cluster_tls_is_verified_unless_the_config_says_skip(untrusted, tmp_path: Path) -> None:
    """A cluster without caData/caFile is checked against the system store: an untrusted certificate fails."""
    ca = trustme.CA()
    cluster = EchoServer(cluster_handler, server_tls(ca))
    try:
        ca_b64 = base64.b64encode(ca.cert_pem.bytes()).decode()
        text = many_clusters_config(4, urls=[cluster.origin] * 4, ca_data=ca_b64)
        # cluster-00001 says skipTLSVerify: true; strip caData from cluster-00003 (no trust given at all)
        lines = text.splitlines(keepends=True)
        out, current = [], ""
        for ln in lines:
            m = re.match(r"\s+- name: (\S+)", ln)
            if m:
                current = m.group(1)
            if current == "cluster-00003" and ln.strip().startswith("caData:"):
                continue
            out.append(ln)
        root = make_repo(tmp_path, "app", preset="many-clusters", app_config="".join(out))
        proc = subprocess.run([PY, "-m", "wizard", "verify", "--repo", str(root), "--backend-url", f"http://127.0.0.1:{closed_port()}",
                               "--json", "--timeout", "5"], env=cli_env(tmp_path), capture_output=True, text=True, timeout=120, cwd=PROJECT,
                              check=False)
        checks = _checks(proc)
        assert checks["cluster:cluster-00000"]["status"] == "ok"  # caData trusted
        assert checks["cluster:cluster-00001"]["status"] == "ok" and "NOT verified" in checks["cluster:cluster-00001"]["detail"]
        assert checks["cluster:cluster-00003"]["status"] == "fail"
        assert "TLS" in checks["cluster:cluster-00003"]["detail"]
    finally:
        cluster.close()


def test_no_code_turns_tls_verification_off() -> None:
    offenders = []
    for path in sorted((PROJECT / "wizard").rglob("*.py")):
        src = path.read_text(encoding="utf-8")
        for pat in (r"verify\s*=\s*False", r"CERT_NONE", r"check_hostname\s*=\s*False", r"_create_unverified_context",
                    r"PYTHONHTTPSVERIFY", r"trust_env\s*=\s*True"):
            for m in re.finditer(pat, src):
                line = src[: m.start()].count("\n") + 1
                text = src.splitlines()[line - 1]
                if text.lstrip().startswith("#") or '"""' in text or "`verify=False`" in text:
                    continue
                offenders.append(f"{path.relative_to(PROJECT)}:{line}: {text.strip()}")
    assert not offenders, offenders


# ------------------------------------------------------------------------------------------------
# no subprocess through a shell


def test_no_shell_anywhere_in_the_source() -> None:
    offenders = []
    for path in sorted((PROJECT / "wizard").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
                owner = f.value.id if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) else ""
                if name in ("system", "popen", "spawnl", "spawnlp", "spawnv", "spawnvp", "execl", "execlp") and owner == "os":
                    offenders.append(f"{path.relative_to(PROJECT)}:{node.lineno}: os.{name}")
                if name in ("getoutput", "getstatusoutput", "create_subprocess_shell"):
                    offenders.append(f"{path.relative_to(PROJECT)}:{node.lineno}: {name}")
                for kw in node.keywords:
                    if kw.arg == "shell" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                        offenders.append(f"{path.relative_to(PROJECT)}:{node.lineno}: shell={ast.unparse(kw.value)}")
                if (name in ("run", "Popen", "call", "check_call", "check_output") and node.args
                        and isinstance(node.args[0], (ast.Constant, ast.JoinedStr))):
                    offenders.append(f"{path.relative_to(PROJECT)}:{node.lineno}: {name} with a command string")
    assert not offenders, offenders


def test_subprocesses_get_argument_lists_without_a_shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At run time: check (node, yarn) and apply's package install start processes with argv lists."""
    calls: list[tuple[object, object]] = []
    real = subprocess.Popen.__init__

    def spy(self, args, *a, **k):
        calls.append((args, k.get("shell", False)))
        return real(self, args, *a, **k)

    monkeypatch.setattr(subprocess.Popen, "__init__", spy)
    root = make_repo(tmp_path, "app", preset="many-clusters", installed=[facts.AUTH_FRONTEND_PKG])  # no module: apply installs it
    marker = tmp_path / "pwned"
    # a workspace name that would run commands if it ever reached a shell (it goes into `yarn workspace NAME add`)
    pkg_path = root / "packages" / "app" / "package.json"
    pkg = json.loads(pkg_path.read_text())
    pkg["name"] = f"app;touch {marker};$(touch {marker})`touch {marker}`"
    pkg_path.write_text(json.dumps(pkg, indent=2))
    tools = Tools(tmp_path / "bin")
    tools.yarn("4.13.0")
    monkeypatch.setenv("PATH", f"{tools.path}:{os.environ['PATH']}")
    answers = write_answers(tmp_path / "a.yaml", {"tenant": "abc123"})
    from wizard.cli import main

    assert main(["check", "--repo", str(root)]) in (0, 1)
    assert main(["apply", "--repo", str(root), "--answers", str(answers), "--yes"]) in (0, 1)
    assert calls, "no subprocess was started"
    for args, shell in calls:
        assert isinstance(args, (list, tuple)) and shell is False, (args, shell)
    assert not marker.exists()
