"""wizard.core.registry: asking the repo's own package manager whether the packages resolve.

The parser tests use outputs captured from the real tools (Yarn 4.13.0, Yarn 1.22.22, npm 11.19.1,
pnpm 9.15.9) for a published package and for one the registry does not have. The end-to-end tests
put the stand-in `yarn`/`npm`/`pnpm` of tests/support/tools.py alone on PATH (the `registry_tools`
fixture); they answer like the captured texts and record every argv they are called with.
"""

from __future__ import annotations

import json
import os
import textwrap
import threading
import time
from pathlib import Path

import pytest

from tests.support.repos import make_repo
from tests.support.tools import Tools
from wizard.core import registry
from wizard.core import repo as repo_mod
from wizard.core.registry import Answer, parse_answer, parse_berry, parse_classic, parse_npm

OK_PKG = "@terasky/backstage-plugin-spectrocloud-auth-backend"
MISSING_PKG = "@terasky/backstage-plugin-spectrocloud-auth"

# ---- real outputs -----------------------------------------------------------------------------
# node yarn.js (4.13.0) npm info PKG --fields version --json
BERRY_OK = '{"name":"@terasky/backstage-plugin-spectrocloud-auth-backend","version":"0.8.0"}\n'
BERRY_404 = (  # exit 1, all on stdout
    '{"type":"error","name":35,"displayName":"YN0035","indent":"","data":"Package not found"}\n'
    '{"type":"error","name":35,"displayName":"YN0035","indent":"","data":"  Response Code: 404 (Not Found)"}\n'
    '{"type":"error","name":35,"displayName":"YN0035","indent":"","data":"  Request Method: GET"}\n'
    '{"type":"error","name":35,"displayName":"YN0035","indent":"","data":"  Request URL: '
    'https://registry.yarnpkg.com/@terasky%2fbackstage-plugin-spectrocloud-auth"}\n'
)
# the same without --json
BERRY_404_TEXT = (
    "➤ YN0035: Package not found\n"
    "➤ YN0035:   Response Code: 404 (Not Found)\n"
    "➤ YN0035:   Request Method: GET\n"
    "➤ YN0035:   Request URL: https://registry.yarnpkg.com/@terasky%2fbackstage-plugin-spectrocloud-auth\n"
)
# npmRegistryServer pointed at a closed local port (exit 1, stdout)
BERRY_REFUSED = (
    '{"type":"error","name":1,"displayName":"YN0001","indent":"","data":"RequestError: connect ECONNREFUSED '
    '127.0.0.1:9\\n    at ClientRequest.<anonymous> (/tmp/regcap/berry/bin/yarn.js:146:14258)\\n    at '
    'Object.onceWrapper (node:events:639:26)\\n    at TCPConnectWrap.afterConnect [as oncomplete] '
    '(node:net:1611:16)"}\n'
)
# node yarn.js (1.22.22) info PKG version --json
CLASSIC_OK = '{"type":"inspect","data":"0.8.0"}\n'
CLASSIC_FAIL_STDERR = '{"type":"error","data":"Received invalid response from npm."}\n'  # exit 0 (!)
# npm view PKG version --json (npm 11.19.1; pnpm 9.15.9 delegates `view` to npm and prints the same)
NPM_OK = '"0.8.0"\n'
NPM_404_STDOUT = textwrap.dedent("""\
    {
      "error": {
        "code": "E404",
        "summary": "Not Found - GET https://registry.npmjs.org/@terasky%2fbackstage-plugin-spectrocloud-auth",
        "detail": "The requested resource '@terasky/backstage-plugin-spectrocloud-auth@*' could not be found or you do not have permission to access it.\\n\\nNote that you can also install from a\\ntarball, folder, http url, or git url."
      }
    }
    """)  # noqa: E501 - npm's answer, verbatim
NPM_404_STDERR = textwrap.dedent("""\
    npm error code E404
    npm error 404 Not Found - GET https://registry.npmjs.org/@terasky%2fbackstage-plugin-spectrocloud-auth
    npm error 404
    npm error 404  The requested resource '@terasky/backstage-plugin-spectrocloud-auth@*' could not be found or you do not have permission to access it.
    npm error 404
    npm error 404 Note that you can also install from a
    npm error 404 tarball, folder, http url, or git url.
    npm error A complete log of this run can be found in: /root/.npm/_logs/2026-12-01T20_35_25_341Z-debug-0.log
    """)  # noqa: E501 - npm's answer, verbatim
NPM_REFUSED_STDOUT = textwrap.dedent("""\
    {
      "error": {
        "code": "ECONNREFUSED",
        "summary": "FetchError: request to http://127.0.0.1:9/@terasky%2fbackstage-plugin-spectrocloud-auth-backend failed, reason: connect ECONNREFUSED 127.0.0.1:9",
        "detail": "If you are behind a proxy, please make sure that the 'proxy' config is set properly.  See: 'npm help config'"
      }
    }
    """)  # noqa: E501 - npm's answer, verbatim


# ---- parsing ----------------------------------------------------------------------------------

def test_berry_success() -> None:
    assert parse_berry(0, BERRY_OK, "") == Answer("ok", "0.8.0")


def test_berry_success_with_other_fields_and_noise() -> None:
    out = 'some banner\n{"name":"x","versions":["0.1.0"],"version":"0.2.0","description":"d"}\n'
    assert parse_berry(0, out, "") == Answer("ok", "0.2.0")


def test_berry_404_json() -> None:
    assert parse_berry(1, BERRY_404, "") == Answer("absent", None, "404 Not Found")


def test_berry_404_text() -> None:
    assert parse_berry(1, BERRY_404_TEXT, "") == Answer("absent", None, "404 Not Found")


def test_berry_no_candidates() -> None:
    a = parse_berry(1, "➤ YN0035: No candidates found\n", "")
    assert a.status == "absent" and "No candidates found" in a.detail


def test_berry_refused() -> None:
    a = parse_berry(1, BERRY_REFUSED, "")
    assert a.status == "unreachable"
    assert a.detail == "connect ECONNREFUSED 127.0.0.1:9"  # first line only, no stack


@pytest.mark.parametrize("text", [
    "➤ YN0001: RequestError: getaddrinfo ENOTFOUND npm.corp.example\n",
    "➤ YN0001: RequestError: Timeout awaiting 'request' for 60000ms\n",
])
def test_berry_network_text(text: str) -> None:
    assert parse_berry(1, text, "").status == "unreachable"


def test_berry_other_failure() -> None:
    out = ('{"type":"error","name":35,"displayName":"YN0041","indent":"","data":"Invalid authentication '
           '(as an anonymous user)"}\n')
    a = parse_berry(1, out, "")
    assert a.status == "failed" and "Invalid authentication" in a.detail


def test_classic_success() -> None:
    out = '{"type":"warning","data":"something"}\n' + CLASSIC_OK
    assert parse_classic(0, out, "") == Answer("ok", "0.8.0")


def test_classic_invalid_response_is_ambiguous_even_with_exit_0() -> None:
    # Yarn 1 prints this (and exits 0) for a missing package and for a registry it cannot reach alike
    assert parse_classic(0, "", CLASSIC_FAIL_STDERR) == Answer("ambiguous", None, "Received invalid response from npm.")


def test_classic_unexpected_error_not_found() -> None:
    err = ('error An unexpected error occurred: "https://registry.yarnpkg.com/@terasky%2fbackstage-plugin-'
           'spectrocloud-auth: Not found".\n')
    assert parse_classic(1, "", err) == Answer("absent", None, "404 Not found")


def test_classic_unexpected_error_network() -> None:
    err = ('error An unexpected error occurred: "https://npm.corp.example/x: getaddrinfo ENOTFOUND '
           'npm.corp.example".\n')
    assert parse_classic(1, "", err).status == "unreachable"


def test_npm_success_string_and_list() -> None:
    assert parse_npm(0, NPM_OK, "") == Answer("ok", "0.8.0")
    assert parse_npm(0, '[\n  "0.7.0",\n  "0.8.0"\n]\n', "") == Answer("ok", "0.8.0")


def test_npm_404() -> None:
    assert parse_npm(1, NPM_404_STDOUT, NPM_404_STDERR) == Answer("absent", None, "E404 Not Found")


def test_npm_404_json_on_stderr_only() -> None:  # older npm wrote the JSON error to stderr
    assert parse_npm(1, "", NPM_404_STDOUT).status == "absent"


def test_npm_404_text_only() -> None:
    assert parse_npm(1, "", NPM_404_STDERR).status == "absent"


def test_npm_refused() -> None:
    a = parse_npm(1, NPM_REFUSED_STDOUT, "")
    assert a == Answer("unreachable", None, "connect ECONNREFUSED 127.0.0.1:9")


def test_npm_no_matching_version() -> None:
    assert parse_npm(0, "", "").status == "absent"


def test_npm_other_error() -> None:
    out = json.dumps({"error": {"code": "E401", "summary": "Unable to authenticate, need: Basic"}})
    a = parse_npm(1, out, "")
    assert a.status == "failed" and a.detail.startswith("E401")


def test_pnpm_same_as_npm() -> None:
    assert parse_answer("pnpm", 0, NPM_OK, "") == Answer("ok", "0.8.0")
    assert parse_answer("pnpm", 1, NPM_404_STDOUT, NPM_404_STDERR).status == "absent"


def test_registry_output() -> None:
    assert registry.parse_registry_output("https://registry.npmjs.org/\n") == "https://registry.npmjs.org"
    assert registry.parse_registry_output("https://registry.yarnpkg.com\n") == "https://registry.yarnpkg.com"
    assert registry.parse_registry_output("undefined\n") is None
    assert registry.parse_registry_output("") is None


# ---- repos and stand-ins ----------------------------------------------------------------------

def load(root: Path, detect: bool = True) -> repo_mod.RepoInfo:
    info = repo_mod.inspect(root, run_tools=False)
    if detect:
        repo_mod.detect_tools(info, node=False)
    return info


# ---- end to end through stand-ins -------------------------------------------------------------

def test_berry_end_to_end(tmp_path: Path, registry_tools: Tools) -> None:
    registry_tools.install("yarn")
    info = load(make_repo(tmp_path, "app", package_manager="yarn@4.13.0", yarnrc=None))
    assert info.yarn is not None and info.yarn.flavour == "berry" and info.yarn.argv == ["yarn"]
    res = registry.resolve(info, [OK_PKG, MISSING_PKG])
    assert sorted(registry_tools.argvs(), key=str) == sorted([
        ["yarn", "config", "get", "npmRegistryServer"],
        ["yarn", "npm", "info", OK_PKG, "--fields", "version", "--json"],
        ["yarn", "npm", "info", MISSING_PKG, "--fields", "version", "--json"],
    ], key=str)
    assert {c["cwd"] for c in registry_tools.calls(versions=True)} == {str(info.root)}
    ok, missing = res
    assert (ok.package, ok.ok, ok.version, ok.problem, ok.unreachable) == (OK_PKG, True, "0.8.0", None, False)
    assert ok.command == f"yarn npm info {OK_PKG} --fields version --json"
    assert ok.registry == "https://registry.example"
    assert (missing.ok, missing.version, missing.unreachable) == (False, None, False)
    assert missing.problem == (
        f"{MISSING_PKG} is not on https://registry.example (yarn npm info answered 404 Not Found); "
        "publish or mirror it there, or point the repo's registry at one that serves it")


def test_classic_end_to_end(tmp_path: Path, registry_tools: Tools) -> None:
    registry_tools.install("yarn")
    registry_tools.set(versions={"yarn": "1.22.22"}, registry="https://registry.example")
    info = load(make_repo(tmp_path, "app", package_manager="yarn@1.22.22", yarnrc=None))
    assert info.yarn is not None and info.yarn.flavour == "classic"
    ok, missing = registry.resolve(info, [OK_PKG, MISSING_PKG])
    assert sorted(registry_tools.argvs(), key=str) == sorted([
        ["yarn", "config", "get", "registry"],
        ["yarn", "info", OK_PKG, "version", "--json"],
        ["yarn", "info", MISSING_PKG, "version", "--json"],
    ], key=str)
    assert ok.ok and ok.version == "0.8.0" and ok.command == f"yarn info {OK_PKG} version --json"
    assert not missing.ok and not missing.unreachable
    assert missing.problem is not None
    assert missing.problem.startswith(f"{MISSING_PKG} could not be found on https://registry.example (yarn info answered")
    assert "Received invalid response from npm." in missing.problem


def test_npm_end_to_end(tmp_path: Path, registry_tools: Tools) -> None:
    registry_tools.install("yarn", "npm")
    info = load(make_repo(tmp_path, "app", package_manager="npm@11.19.1", yarnrc=None))
    assert info.yarn is not None and info.yarn.other_manager == "npm"
    ok, missing = registry.resolve(info, [OK_PKG, MISSING_PKG])
    assert sorted(registry_tools.argvs(), key=str) == sorted([
        ["npm", "config", "get", "registry"],
        ["npm", "view", OK_PKG, "version", "--json"],
        ["npm", "view", MISSING_PKG, "version", "--json"],
    ], key=str)
    assert ok.ok and ok.version == "0.8.0" and ok.command == f"npm view {OK_PKG} version --json"
    assert missing.problem == (
        f"{MISSING_PKG} is not on https://registry.example (npm view answered E404 Not Found); "
        "publish or mirror it there, or point the repo's registry at one that serves it")


def test_pnpm_end_to_end(tmp_path: Path, registry_tools: Tools) -> None:
    registry_tools.install("yarn", "npm", "pnpm")
    info = load(make_repo(tmp_path, "app", package_manager="pnpm@9.15.9", yarnrc=None))
    ok, missing = registry.resolve(info, [OK_PKG, MISSING_PKG])
    assert sorted(registry_tools.argvs(), key=str) == sorted([
        ["npm", "config", "get", "registry"],
        ["pnpm", "view", OK_PKG, "version", "--json"],
        ["pnpm", "view", MISSING_PKG, "version", "--json"],
    ], key=str)
    assert ok.ok and not missing.ok and "pnpm view answered E404" in (missing.problem or "")


def test_detects_tools_when_not_yet_detected(tmp_path: Path, registry_tools: Tools) -> None:
    registry_tools.install("yarn")
    info = load(make_repo(tmp_path, "app", package_manager="yarn@4.13.0", yarnrc=None), detect=False)
    assert info.yarn is None
    (res,) = registry.resolve(info, [OK_PKG])
    assert info.yarn is not None and info.yarn.flavour == "berry"
    assert ["yarn", "--version"] in registry_tools.argvs(versions=True)
    assert res.ok and res.version == "0.8.0"


def test_registry_unreadable_falls_back(tmp_path: Path, registry_tools: Tools) -> None:
    registry_tools.install("yarn")
    registry_tools.set(registry=None)
    info = load(make_repo(tmp_path, "app", package_manager="yarn@4.13.0", yarnrc=None))
    (res,) = registry.resolve(info, [MISSING_PKG])
    assert res.registry == "the configured registry"
    assert res.problem is not None and res.problem.startswith(f"{MISSING_PKG} is not on the configured registry (")


def test_scope_registry_from_yarnrc(tmp_path: Path, registry_tools: Tools) -> None:
    registry_tools.install("yarn")
    yarnrc = textwrap.dedent("""\
        nodeLinker: node-modules
        npmScopes:
          terasky:
            npmRegistryServer: "https://npm.corp.example/"
        """)
    info = load(make_repo(tmp_path, "app", package_manager="yarn@4.13.0", yarnrc=yarnrc))
    ok, missing = registry.resolve(info, [OK_PKG, MISSING_PKG])
    assert ok.registry == missing.registry == "https://npm.corp.example"
    assert missing.problem is not None and "is not on https://npm.corp.example (" in missing.problem
    # every package had a scope registry: the main registry was not asked for
    assert not any(a[1:3] == ["config", "get"] for a in registry_tools.argvs())


def test_scope_registry_mixed_with_unscoped(tmp_path: Path, registry_tools: Tools) -> None:
    registry_tools.install("yarn")
    registry_tools.set(known={OK_PKG: "0.8.0", "left-pad": "1.3.0"})
    yarnrc = 'npmScopes:\n  "@terasky":\n    npmRegistryServer: https://npm.corp.example\n'
    info = load(make_repo(tmp_path, "app", package_manager="yarn@4.13.0", yarnrc=yarnrc))
    scoped, plain = registry.resolve(info, [OK_PKG, "left-pad"])
    assert scoped.registry == "https://npm.corp.example"
    assert plain.registry == "https://registry.example" and plain.version == "1.3.0"
    assert sum(a[1:3] == ["config", "get"] for a in registry_tools.argvs()) == 1


def test_scope_registry_from_npmrc(tmp_path: Path, registry_tools: Tools) -> None:
    registry_tools.install("yarn", "npm")
    npmrc = "; comment\nregistry=https://registry.example/\n@terasky:registry=https://npm.corp.example/\n"
    info = load(make_repo(tmp_path, "app", package_manager="npm@11.19.1", yarnrc=None, npmrc=npmrc))
    (res,) = registry.resolve(info, [MISSING_PKG])
    assert res.registry == "https://npm.corp.example"
    assert res.problem is not None and res.problem.startswith(f"{MISSING_PKG} is not on https://npm.corp.example (")


def test_scope_registry_from_home_npmrc(tmp_path: Path, registry_tools: Tools, isolated_home: Path) -> None:
    registry_tools.install("yarn")
    registry_tools.set(versions={"yarn": "1.22.22"})
    (isolated_home / ".npmrc").write_text("@terasky:registry=https://npm.home.example\n", encoding="utf-8")
    info = load(make_repo(tmp_path, "app", package_manager="yarn@1.22.22", yarnrc=None))
    (res,) = registry.resolve(info, [OK_PKG])
    assert res.ok and res.registry == "https://npm.home.example"


def test_timeout_is_unreachable_and_returns(tmp_path: Path, registry_tools: Tools) -> None:
    registry_tools.install("yarn")
    registry_tools.set(sleep=120)
    info = load(make_repo(tmp_path, "app", package_manager="yarn@4.13.0", yarnrc=None))
    started = time.monotonic()
    (res,) = registry.resolve(info, [OK_PKG], timeout=0.5)
    assert time.monotonic() - started < 30  # nowhere near the stand-in's 120 s
    assert not res.ok and res.unreachable and res.version is None
    assert res.problem == (
        f"https://registry.example did not answer about {OK_PKG} within 0.5 s "
        f"(`yarn npm info {OK_PKG} --fields version --json` timed out); "
        "check the network, proxy and registry settings of this repo, then run the wizard again")
    # the stand-in was killed and reaped, not left sleeping
    query = [c for c in registry_tools.calls() if c["argv"][:2] == ["npm", "info"]]
    assert len(query) == 1
    with pytest.raises(ProcessLookupError):
        os.kill(query[0]["pid"], 0)


def test_missing_tool(tmp_path: Path, registry_tools: Tools) -> None:
    # no stand-ins installed: PATH holds nothing
    info = load(make_repo(tmp_path, "app", package_manager="yarn@4.13.0", yarnrc=None))
    assert info.yarn is not None and info.yarn.argv is None
    (res,) = registry.resolve(info, [OK_PKG])
    assert not res.ok and res.unreachable
    assert res.registry == "the configured registry"
    assert res.problem == (
        f"cannot ask the configured registry about {OK_PKG}: yarn is not installed or not on PATH; "
        "enable it with `corepack enable` or install it, then run the wizard again")


def test_missing_npm(tmp_path: Path, registry_tools: Tools) -> None:
    registry_tools.install("yarn")
    info = load(make_repo(tmp_path, "app", package_manager="npm@11.19.1", yarnrc=None))
    (res,) = registry.resolve(info, [OK_PKG])
    assert res.unreachable and res.problem is not None and "npm is not installed or not on PATH" in res.problem


def test_unreachable_from_stand_in(tmp_path: Path, registry_tools: Tools) -> None:
    registry_tools.install("yarn")
    info = load(make_repo(tmp_path, "app", package_manager="yarn@4.13.0", yarnrc=None))

    def runner(argv: list[str], cwd: Path, timeout: float) -> tuple[int, str, str]:
        if argv[1:3] == ["config", "get"]:
            return 0, "https://npm.corp.example\n", ""
        return 1, BERRY_REFUSED, ""

    (res,) = registry.resolve(info, [OK_PKG], runner=runner)
    assert res.unreachable and not res.ok
    assert res.problem == (
        f"https://npm.corp.example could not be asked about {OK_PKG} (yarn npm info: connect ECONNREFUSED "
        "127.0.0.1:9); check the network, proxy and registry settings of this repo, then run the wizard again")


# ---- concurrency ------------------------------------------------------------------------------

def test_concurrent_at_most_four_in_input_order(tmp_path: Path, registry_tools: Tools) -> None:
    registry_tools.install("yarn")
    info = load(make_repo(tmp_path, "app", package_manager="yarn@4.13.0", yarnrc=None))
    packages = [f"@scope/pkg-{i}" for i in range(7)]
    lock = threading.Lock()
    active = 0
    peak = 0
    four_running = threading.Event()
    finished = {p: threading.Event() for p in packages}
    order: list[str] = []

    def runner(argv: list[str], cwd: Path, timeout: float) -> tuple[int, str, str]:
        nonlocal active, peak
        if argv[1:3] == ["config", "get"]:
            return 0, "https://registry.example\n", ""
        pkg = argv[3]
        with lock:
            active += 1
            peak = max(peak, active)
            if active >= 4:
                four_running.set()
        try:
            i = packages.index(pkg)
            if i < 3:
                # the first three wait until four queries run at once, then finish in reverse order
                assert four_running.wait(10), "queries did not run concurrently"
                assert finished[packages[i + 1]].wait(10)
            version = f"1.0.{i}"
            return 0, json.dumps({"name": pkg, "version": version}), ""
        finally:
            with lock:
                active -= 1
                order.append(pkg)
            finished[pkg].set()

    res = registry.resolve(info, packages, runner=runner)
    assert [r.package for r in res] == packages
    assert [r.version for r in res] == [f"1.0.{i}" for i in range(7)]
    assert all(r.ok for r in res)
    assert peak == 4
    assert order.index(packages[0]) > order.index(packages[1]) > order.index(packages[2])


# ---- commands ---------------------------------------------------------------------------------

def test_query_argv_forms(tmp_path: Path) -> None:
    info = repo_mod.inspect(make_repo(tmp_path, "a", package_manager="yarn@4.13.0", yarnrc=None), run_tools=False)
    info.yarn = repo_mod.YarnInfo("berry", "4.13.0", ["node", ".yarn/releases/yarn-4.13.0.cjs"], "yarn@4.13.0",
                                  ".yarn/releases/yarn-4.13.0.cjs", True)
    assert registry.query_argv(info, OK_PKG) == [
        "node", ".yarn/releases/yarn-4.13.0.cjs", "npm", "info", OK_PKG, "--fields", "version", "--json"]
    assert registry.registry_argv(info) == ["node", ".yarn/releases/yarn-4.13.0.cjs", "config", "get",
                                            "npmRegistryServer"]
    # yarn not runnable yet, but the repo's yarnPath exists: run it through node, like the install step
    info.yarn = repo_mod.YarnInfo("berry", None, None, "yarn@4.13.0", ".yarn/releases/y.cjs", True)
    assert registry.query_argv(info, OK_PKG)[:2] == ["node", ".yarn/releases/y.cjs"]
    info.yarn = repo_mod.YarnInfo("classic", "1.22.22", ["yarn"], "yarn@1.22.22", None, False)
    assert registry.query_argv(info, OK_PKG) == ["yarn", "info", OK_PKG, "version", "--json"]
    assert registry.registry_argv(info) == ["yarn", "config", "get", "registry"]
    info.yarn = repo_mod.YarnInfo(None, None, None, "npm@11.19.1", None, False, other_manager="npm")
    assert registry.query_argv(info, OK_PKG) == ["npm", "view", OK_PKG, "version", "--json"]
    info.yarn = repo_mod.YarnInfo(None, None, None, "pnpm@9.15.9", None, False, other_manager="pnpm")
    assert registry.query_argv(info, OK_PKG) == ["pnpm", "view", OK_PKG, "version", "--json"]
    assert registry.registry_argv(info) == ["npm", "config", "get", "registry"]


def test_empty_list(tmp_path: Path, registry_tools: Tools) -> None:
    registry_tools.install("yarn")
    info = load(make_repo(tmp_path, "app", package_manager="yarn@4.13.0", yarnrc=None))
    assert registry.resolve(info, []) == []
    assert registry_tools.argvs() == []


def test_problems_are_one_line(tmp_path: Path, registry_tools: Tools) -> None:
    registry_tools.install("yarn")
    info = load(make_repo(tmp_path, "app", package_manager="yarn@4.13.0", yarnrc=None))
    answers = iter([(1, BERRY_404, ""), (1, BERRY_REFUSED, ""), (1, "➤ YN0041: Invalid authentication\n", "")])
    lock = threading.Lock()

    def runner(argv: list[str], cwd: Path, timeout: float) -> tuple[int, str, str]:
        if argv[1:3] == ["config", "get"]:
            return 0, "https://registry.example\n", ""
        with lock:
            return next(answers)

    res = registry.resolve(info, ["@a/one", "@a/two", "@a/three"], runner=runner)
    for r in res:
        assert not r.ok and r.problem is not None
        assert "\n" not in r.problem and r.package in r.problem and "https://registry.example" in r.problem
