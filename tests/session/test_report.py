"""`spectro-wizard report`, and the promise behind it: no planted secret reaches any output.

The secrets fixture plants a literal secret in every position an app-config allows (see
tests/support/secrets.py); every command that shows config-derived text is run on it, in-process with
logging captured at DEBUG and through the real entry point.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest

from tests.support.cli import run, run_process
from tests.support.files import write_answers
from tests.support.repos import make_repo
from tests.support.secrets import CA_DATA, CONFIG, ENV_SECRETS, SECRETS, VISIBLE_REFS, leaked
from wizard.core import facts
from wizard.core.mask import fingerprint
from wizard.core.results import CheckResult
from wizard.session.report import build_report, render_markdown, resolved_versions, write_report

PLAN_ANSWERS = {"tenant": "acme", "migrate": ["lit", "flowy", "by-env"]}


def all_leaks(text: str) -> list[str]:
    return leaked(text) + [k for k, v in ENV_SECRETS.items() if v in text]


def offline(config: str) -> str:
    """The secrets config with every host on a closed loopback port (for --verify)."""
    return re.sub(r"https://[a-z0-9.-]+\.(example|spectrocloud)\.com(:\d+)?", "https://127.0.0.1:9", config)


def test_no_secret_in_report_check_plan_or_logs(secrets_repo: Path, tmp_path: Path, capsys, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    answers = write_answers(tmp_path / "answers.yaml", PLAN_ANSWERS)
    outputs: dict[str, str] = {}
    for label, argv in {
        "check --json": ["check", "--json"],
        "check": ["check"],
        "plan": ["plan", "--answers", str(answers)],
        "plan --json": ["plan", "--json", "--answers", str(answers)],
        "report": ["report", "--output", str(tmp_path / "report.md")],
        "report --json": ["report", "--json", "--output", str(tmp_path / "report.json")],
    }.items():
        code, out, err = run(capsys, argv[0], "--repo", str(secrets_repo), *argv[1:])
        assert code in (0, 1), (label, err)
        outputs[label] = out + err
    outputs["report.md"] = (tmp_path / "report.md").read_text(encoding="utf-8")
    outputs["report.json"] = (tmp_path / "report.json").read_text(encoding="utf-8")
    outputs["log"] = caplog.text
    problems = {}
    for label, text in outputs.items():
        found = all_leaks(text)
        if label.startswith("plan"):
            # by design the plan's note echoes a literal clientId so it can be exported (see the xfail below)
            found = [k for k in found if k != "clientId"]
        if found:
            problems[label] = found
    assert problems == {}
    for label in ("report.md", "report.json"):
        for ref in VISIBLE_REFS:
            if ref != "${BACKEND_SECRET}":  # backend.auth is not one of the report's sections
                assert ref in outputs[label], (label, ref)
        assert fingerprint(CA_DATA) in outputs[label]
    # the plan shows ${VAR} references as written, too
    assert "${LEGACY_TOKEN}" in outputs["plan"] and "****" in outputs["plan"]


def test_plan_output_does_not_show_a_literal_client_id(secrets_repo: Path, tmp_path: Path, capsys) -> None:
    answers = write_answers(tmp_path / "answers.yaml", PLAN_ANSWERS)
    code, out, err = run(capsys, "plan", "--repo", str(secrets_repo), "--answers", str(answers))
    assert SECRETS["clientId"] not in out + err


def test_no_secret_through_the_entry_point_with_verify(tmp_path: Path) -> None:
    root = make_repo(tmp_path, "app", preset="migration", app_config=offline(CONFIG), local=None)
    env = dict(ENV_SECRETS)
    proc = run_process("report", "--json", "--verify", "--timeout", "3", "--output", str(tmp_path / "r.json"), cwd=root, env=env)
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "r.json").read_text()
    assert all_leaks(text + proc.stdout + proc.stderr) == []
    report = json.loads(text)
    assert report["verify"] is not None and report["verify"]["ok"] is False
    ids = {c["id"] for c in report["verify"]["checks"]}
    assert {"oidc-discovery", "backend-reachable", "cluster:lit", "cluster:by-env"} <= ids
    proc = run_process("check", "--json", cwd=root, env=env)
    assert all_leaks(proc.stdout + proc.stderr) == []


def test_report_contents(migration_repo: Path, tmp_path: Path, capsys) -> None:
    # history: one apply, one undo, one apply
    w = write_answers(tmp_path / "w.yaml", {"tenant": "acme", "migrate": ["legacy-a"]})
    for argv in (["apply", "--answers", str(w), "--yes", "--skip-install"], ["undo", "--yes"],
                 ["apply", "--answers", str(w), "--yes", "--skip-install"]):
        code, _, err = run(capsys, argv[0], "--repo", str(migration_repo), *argv[1:])
        assert code == 0, err
    code, out, err = run(capsys, "report", "--repo", str(migration_repo), "--json", "--output", str(tmp_path / "r.json"))
    assert code == 0, err
    assert "r.json" in out and "masked" in out
    r = json.loads((tmp_path / "r.json").read_text())
    assert r["tool"]["name"] == "spectro-wizard" and r["tool"]["version"]
    assert {"os", "python", "node", "yarn"} <= set(r["system"]) and r["system"]["python"]
    assert r["repo"]["backstageVersion"] == "1.55.0" and r["repo"]["frontendSystem"] == "new"
    pkgs = {p["name"]: p for p in r["packages"]}
    assert pkgs[facts.MODULE_PKG]["declared"] == [{"workspace": "packages/app", "range": "^1.0.0"}]
    assert pkgs[facts.MODULE_PKG]["resolved"] == ["1.0.4"]
    assert pkgs[facts.K8S_FRONTEND_PKG]["resolved"] == ["0.12.25"]
    assert pkgs[facts.CLUSTER_PROVIDER_PKG]["declared"] == [{"workspace": "packages/backend", "range": "^1.0.0"}]
    assert r["lockfile"] == "yarn.lock"
    checks = {c["id"]: c for c in r["check"]["checks"]}
    assert checks["clusters-oidc"]["status"] == "warn"
    assert r["verify"] is None
    assert "clusters-not-oidc" in r["hints"] and r["hints"]["clusters-not-oidc"]["text"]
    assert all(h in {c.get("hint") for c in r["check"]["checks"]} for h in r["hints"])
    cfg = r["config"]
    assert cfg["mergeOrder"] == ["app-config.yaml", "app-config.local.yaml"]
    main_sections = cfg["files"][0]["sections"]
    assert set(main_sections) == {"app.extensions", "auth.providers.spectrocloud", "kubernetes", "spectrocloud"}
    assert set(cfg["files"][1]["sections"]) == {"kubernetes"}
    assert main_sections["auth.providers.spectrocloud"]["development"]["clientSecret"] == "${SPECTROCLOUD_CLIENT_SECRET}"
    assert cfg["effective"]["kubernetes"]["clusterLocatorMethods"][0]["clusters"][0]["name"] == "legacy-c"  # local wins
    assert r["migration"]["serviceAccount"] == ["legacy-b", "legacy-c"]
    assert r["migration"]["environments"][0]["resources"]["serviceAccountName"] == "bs-reader"
    assert [h["status"] for h in r["history"]] == ["undone", "applied"]
    assert r["history"][0]["undone"] and "legacy-a" in " ".join(r["history"][1]["actions"])

    code, _, err = run(capsys, "report", "--repo", str(migration_repo), "--output", str(tmp_path / "r.md"))
    assert code == 0, err
    md = (tmp_path / "r.md").read_text()
    for heading in ("# spectro-wizard support report", "## System", "## Backstage app", "## Packages", "## check",
                    "## verify", "## Hints that fired", "## Config", "## Migration inventory", "## Apply / undo history"):
        assert heading in md
    assert f"| `{facts.MODULE_PKG}` | packages/app: `^1.0.0` | 1.0.4 |" in md
    assert "(undone" in md and "Cluster provider environment palette" in md


def test_the_summary_screens_call_with_verify_results(migration_repo: Path) -> None:
    """wizard/tui/screens/summary.py calls write_report(root, config_names, path, verify_results=...)."""
    path = migration_repo / ".spectro-wizard" / "support-report.md"
    results = [CheckResult("cluster:legacy-a:identity", "ok", "legacy-a: you are alice@example.com", "",
                           data={"username": "alice@example.com", "groups": ["devs"]}),
               CheckResult("backend-clusters", "fail", "the backend refused the Backstage token (401)",
                           "GET /api/kubernetes/clusters answered 401 with Bearer eyJhbGciOiJFUzI1NiJ9.secretpart.c2ln",
                           "backend-token-refused")]
    assert write_report(migration_repo, None, path, verify_results=results) == path
    md = path.read_text()
    assert "## verify" in md and "cluster:legacy-a:identity" in md and "backend-token-refused" in md
    assert "secretpart" not in md and "Bearer ****" in md


def test_build_and_render_without_tools(migration_repo: Path) -> None:
    r = build_report(migration_repo, ["app-config.yaml"], run_tools=False)
    assert r["system"]["node"] is None and r["config"]["mergeOrder"] == ["app-config.yaml"]
    assert "## System" in render_markdown(r)


def test_a_broken_config_is_reported_not_fatal(tmp_path: Path, capsys) -> None:
    root = make_repo(tmp_path, "app", preset="migration", local="kubernetes: [unclosed\n")
    code, _, err = run(capsys, "report", "--repo", str(root), "--json", "--output", str(tmp_path / "r.json"))
    assert code == 0, err
    r = json.loads((tmp_path / "r.json").read_text())
    assert r["config"]["errors"] and "app-config.local.yaml" in r["config"]["errors"][0]
    assert {c["id"]: c for c in r["check"]["checks"]}["config-valid"]["status"] == "fail"


@pytest.mark.parametrize("extra, words", [
    (["--output", "{missing}/r.md"], "does not exist"),
    (["--output", "{dir}"], "is a directory"),
    (["--output", "{dir}/r.md", "--backend-url", "http://x"], "only applies with --verify"),
    (["--output", "{dir}/r.md", "--verify", "--backend-url", "ftp://x"], "not an http(s) URL"),
    (["--output", "{dir}/r.md", "--verify", "--timeout", "0"], "must be positive"),
    ([], "the following arguments are required: --output"),
])
def test_report_bad_input_is_exit_2(migration_repo: Path, tmp_path: Path, capsys, extra: list[str], words: str) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    argv = [a.format(missing=tmp_path / "missing", dir=out_dir) for a in extra]
    code, out, err = run(capsys, "report", "--repo", str(migration_repo), *argv)
    assert code == 2 and words in err and "Traceback" not in err
    assert list(out_dir.iterdir()) == []


def test_report_outside_a_backstage_repo_is_exit_2(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "report", "--repo", str(tmp_path), "--output", str(tmp_path / "r.md"))
    assert code == 2 and "not a Backstage app" in err and not (tmp_path / "r.md").exists()


# ------------------------------------------------------------------------------------------------
# lockfiles


def test_lockfile_flavours(tmp_path: Path) -> None:
    classic = tmp_path / "classic"
    classic.mkdir()
    (classic / "yarn.lock").write_text(
        '# yarn lockfile v1\n\n\n"@backstage/plugin-kubernetes@^0.12.0", "@backstage/plugin-kubernetes@^0.12.2":\n'
        '  version "0.12.9"\n  resolved "https://registry.yarnpkg.com/x.tgz"\n  dependencies:\n    foo "^1"\n\n'
        'foo@^1:\n  version "1.2.3"\n')
    assert resolved_versions(classic) == ("yarn.lock", {"@backstage/plugin-kubernetes": ["0.12.9"], "foo": ["1.2.3"]})
    npm = tmp_path / "npm"
    npm.mkdir()
    (npm / "package-lock.json").write_text(json.dumps({"lockfileVersion": 3, "packages": {
        "": {"name": "root"}, "node_modules/@backstage/plugin-kubernetes": {"version": "0.12.25"},
        "packages/app/node_modules/@backstage/plugin-kubernetes": {"version": "0.12.1"}}}))
    assert resolved_versions(npm)[1] == {"@backstage/plugin-kubernetes": ["0.12.1", "0.12.25"]}
    pnpm = tmp_path / "pnpm"
    pnpm.mkdir()
    (pnpm / "pnpm-lock.yaml").write_text(
        "lockfileVersion: '9.0'\npackages:\n\n  '@backstage/plugin-kubernetes@0.12.25':\n    resolution: {integrity: x}\n\n"
        "  left-pad@1.3.0:\n    resolution: {integrity: y}\n")
    assert resolved_versions(pnpm)[1] == {"@backstage/plugin-kubernetes": ["0.12.25"], "left-pad": ["1.3.0"]}
    assert resolved_versions(tmp_path) == (None, {})


def test_a_secret_that_is_part_of_the_repos_path_leaves_the_path_whole(tmp_path: Path, capsys) -> None:
    """Issue 19: a database password "backstage" masked the report's own path (`.../****-app`), which
    mangled it and told the reader the secret was a piece of it. The path is kept; the secret elsewhere
    is still masked."""
    from tests.support.configs import CREATE_APP_CONFIG

    cfg = CREATE_APP_CONFIG + "\nextra:\n  database:\n    password: backstage\n    note: the backstage password\n"
    root = make_repo(tmp_path, "backstage-app", app_config=cfg)
    for fmt in ([], ["--json"]):
        out_file = tmp_path / f"report{len(fmt)}"
        code, _, err = run(capsys, "report", "--repo", str(root), "--output", str(out_file), *fmt)
        assert code == 0, err
        text = out_file.read_text()
        assert str(root) in text, text[:2000]
        assert "****-app" not in text
        # everywhere else the literal is still masked (even in package names: the net catches every occurrence)
        assert "backstage" not in text.replace(str(root), "")
        assert "@****/plugin-kubernetes" in text
