"""No secret a config carries reaches any output, whatever shape it is written in.

The repo's app-config (built with tests/support/repos.py) holds literal credentials in the shapes the
masker must know by KEY (Authorization, X-Api-Key, Cookie, Set-Cookie, Proxy-Authorization, a
password, a secret block) and by VALUE SHAPE (Token/Bearer/Basic/Digest credentials, a cookie in a
block scalar's text, a PEM block under an innocent key, a URL password), written as flow maps,
block scalars, a quoted scalar over two lines and nested maps, and placed in the CONTEXT lines of
the plan's hunks (a hunk that starts inside a block scalar, whose key is not in the hunk). Every
output is then read for them: plan (text and --json), apply (text and --json, and the package
manager's output), report (Markdown and JSON), check results, verify's messages (a backend that
echoes a cookie), the TUI's Review screen, and every file the runs leave in .spectro-wizard and TMPDIR.
What must stay visible stays: `${VAR}` references, identifiers (oidcTokenProvider, clientSecretEnv).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.files import write_answers
from tests.support.net import closed_port
from tests.support.repos import make_repo
from tests.support.servers import EchoServer, Reply, Req
from tests.support.tools import Tools
from wizard.core import facts

# Distinctive planted values: "not in the output" means something. Short ones (a PEM's last line, a
# quoted scalar's second line) are short on purpose: no entropy rule catches them, only the structure.
S = {
    "flow Authorization": "FlowAuthTok2Kp6",
    "flow X-Api-Key": "FlowApiKey8Ws3",
    "block text Cookie": "NoteCookie2Hj5",
    "block text Bearer": "NoteBearerTok9Gd3x",
    "secret block line 1": "BlockSecretLineOne4Zq",
    "secret block line 2": "BlockSecretLineTwo6Xw",
    "secret block line 3": "BlockSecretLineThree1Yv",
    "secret block line 4": "BlockSecretLineFour8Nu",
    "quoted line 1": "QuotedPartOne3Fk",
    "quoted line 2": "QuotedPartTwo7Pl",
    "Authorization Token": "TokAuthValue7Qx2",
    "X-Api-Key": "ApiKeyValue9Lm4",
    "Cookie": "CookieSess3Vb8",
    "Proxy-Authorization Basic": "ProxyAuthBasic5Cz",
    "PEM last line": "PemTail7Kq==",
    "Set-Cookie": "SetCookie5Rt1",
    "Digest response": "DigestResp4Mn8",
    "URL password": "UrlPassw0rd9Tz",
}
VISIBLE = ["${LEGACY_TOKEN_A}", "oidcTokenProvider: spectrocloud", "clientSecret: ${SPECTROCLOUD_CLIENT_SECRET}"]

CONFIG = f"""\
app:
  title: Secrets in every shape
  baseUrl: http://localhost:3000
  extensions:
    - page:catalog:
        config:
          path: /
  support:
    note: |
      Call it with Cookie: sid={S['block text Cookie']}
      curl -H 'Authorization: Bearer {S['block text Bearer']}' https://support.example.com
    headers: {{Authorization: Token {S['flow Authorization']}, X-Api-Key: {S['flow X-Api-Key']}}}
backend:
  baseUrl: http://127.0.0.1:{closed_port()}
  listen: {{ port: 7007 }}
  database:
    client: better-sqlite3
    connection: ':memory:'
auth:
  environment: development
  providers:
    oauth2Proxy:
      secret: |
        {S['secret block line 1']}
        {S['secret block line 2']}
        {S['secret block line 3']}
        {S['secret block line 4']}
    guest: {{}}
kubernetes:
  serviceLocatorMethod:
    type: multiTenant
  clusterLocatorMethods:
    - type: config
      clusters:
        - name: legacy-a
          url: https://legacy-a.example.com:6443
          headers: {{Authorization: Token {S['Authorization Token']}, X-Api-Key: {S['X-Api-Key']}}}
          authProvider: serviceAccount
          serviceAccountToken: ${{LEGACY_TOKEN_A}}
          requestHeaders:
            Cookie: session={S['Cookie']}
            Proxy-Authorization: Basic {S['Proxy-Authorization Basic']}
        - name: legacy-b
          url: https://legacy-b.example.com:6443
          password: "{S['quoted line 1']}
            {S['quoted line 2']}"
          authProvider: serviceAccount
          serviceAccountToken: ${{LEGACY_TOKEN_B}}
          tlsBundle: |
            -----BEGIN PRIVATE KEY-----
            {S['PEM last line']}
            -----END PRIVATE KEY-----
        - name: legacy-c
          url: https://legacy-c.example.com:6443
          extra:
            Set-Cookie: id={S['Set-Cookie']}; Path=/
            Authorization: Digest username="u", response="{S['Digest response']}"
          authProvider: serviceAccount
          serviceAccountToken: ${{LEGACY_TOKEN_C}}
        - name: legacy-d
          url: https://admin:{S['URL password']}@legacy-d.example.com:6443
          authProvider: oidc
          oidcTokenProvider: spectrocloud
          skipTLSVerify: true
"""
ANSWERS = {
    "tenant": "abc123",
    "migrate": ["legacy-a", "legacy-b", "legacy-c"],
    # legacy-d's URL changes: the plan's note quotes the old URL, with its password
    "clusters": [{"name": "legacy-d", "url": "https://legacy-d.example.com:6443", "skipTLSVerify": True}],
    "installPackage": False,
}


def leaked(text: str) -> list[str]:
    return [name for name, value in S.items() if value in text]


def assert_masked(text: str, where: str) -> None:
    assert not leaked(text), f"{where} shows {leaked(text)}"


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """The repo and its answers file; TMPDIR inside tmp_path (crash logs would land there)."""
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    for var in ("SPECTROCLOUD_CLIENT_ID", "SPECTROCLOUD_CLIENT_SECRET", "BACKSTAGE_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    root = make_repo(tmp_path, "app", app_config=CONFIG)
    return root, write_answers(tmp_path / "answers.yaml", ANSWERS)


def _state_files(root: Path, tmp: Path) -> list[Path]:
    """What the runs wrote: .spectro-wizard (but the backups' byte copies of the user's own files) and TMPDIR."""
    files = [p for p in (root / ".spectro-wizard").rglob("*") if p.is_file() and "files" not in p.relative_to(root).parts]
    return files + [p for p in tmp.rglob("*") if p.is_file()]


# ------------------------------------------------------------------------------------------------
# plan


def test_plan_text_masks_every_shape_in_the_hunks_context_lines(hostile: tuple[Path, Path],
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    root, answers = hostile
    code, out, err = run(capsys, "plan", "--repo", str(root), "--answers", str(answers))
    assert code == 0, err
    # the planted lines really are in the diff (so their absence below means masking, not omission)
    for line in ("Set-Cookie:", "Authorization: Digest", "requestHeaders:", "headers: {Authorization: Token",
                 "-----BEGIN PRIVATE KEY-----", "Call it with Cookie:", "guest: {}", "url changes from"):
        assert line in out, line
    assert_masked(out + err, "plan")
    for visible in VISIBLE:
        assert visible in out, visible
    # a hunk that starts inside the secret block scalar: its lines are masked although `secret: |` is not in it
    lines = out.splitlines()
    guest = lines.index("     guest: {}")
    assert lines[guest - 3].startswith("@@ ") and lines[guest - 2:guest] == ["         ****"] * 2, lines[guest - 3:guest + 1]


def test_plan_json_masks_diffs_notes_and_actions(hostile: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    root, answers = hostile
    code, out, err = run(capsys, "plan", "--repo", str(root), "--answers", str(answers), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["changes"] and any("url changes from" in n for n in data["notes"])
    assert_masked(out + err, "plan --json")
    assert "https://admin:****@legacy-d.example.com:6443" in " ".join(data["notes"])


def test_plan_preflight_masks_the_registry_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """The package manager's own words (a registry URL with a password) reach the preflight lines."""
    tools = Tools(tmp_path / "bin")
    tools.node("v22.11.0")
    tools.yarn("4.13.0")
    tools.set(registry=f"https://npmuser:{S['URL password']}@registry.example.com/")
    tools.unknown(facts.MODULE_PKG)
    monkeypatch.setenv("PATH", f"{tools.path}:/usr/bin:/bin")
    root = make_repo(tmp_path, "app")
    # the TeraSky packages' route: the registry is asked for the module it cannot serve
    answers = write_answers(tmp_path / "answers.yaml", {"tenant": "abc123", "frontendWiring": "package"})
    for extra in ([], ["--json"]):
        code, out, err = run(capsys, "plan", "--repo", str(root), "--answers", str(answers), *extra)
        assert code == 0, err
        assert "registry.example.com" in out + err  # the preflight line is there...
        assert_masked(out + err, f"plan {' '.join(extra)} preflight")  # ...without the password


# ------------------------------------------------------------------------------------------------
# apply


@pytest.mark.parametrize("extra", [[], ["--json"]], ids=["text", "json"])
def test_apply_output_and_state_files(hostile: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
                                      extra: list[str]) -> None:
    root, answers = hostile
    code, out, err = run(capsys, "apply", "--repo", str(root), "--answers", str(answers), "--yes", "--skip-install", *extra)
    assert code == 0, err
    assert "legacy-d" in out  # the note about its URL is printed...
    assert_masked(out + err, f"apply {' '.join(extra)}")  # ...without the password
    for path in _state_files(root, root.parent / "tmp"):
        assert_masked(path.read_text(encoding="utf-8", errors="replace"), str(path))


def test_apply_masks_the_package_managers_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """What the install prints is shown as it comes, through the masker: a registry URL with a
    password, an _authToken line, a token in an error."""
    from wizard.core import apply as apply_mod

    tools = Tools(tmp_path / "bin")
    tools.node("v22.11.0")
    tools.yarn("4.13.0")
    monkeypatch.setenv("PATH", f"{tools.path}:/usr/bin:/bin")
    npm_token = "npm_" + "Qx7Lm2Vt9Kp4Zr8Wn3Hs6Jd1Fy5"

    def noisy(step, emit):  # the install, as a registry with credentials prints it
        emit(f"GET https://npmuser:{S['URL password']}@registry.example.com/{step.packages[0]} 401")
        emit(f"//registry.example.com/:_authToken={npm_token}")
        emit(f"Authorization: Bearer {S['Authorization Token']}")
        return 1

    monkeypatch.setattr(apply_mod, "run_streaming", noisy)
    for extra in ([], ["--json"]):
        root = make_repo(tmp_path, f"app{len(extra)}", installed=[facts.AUTH_FRONTEND_PKG])
        answers = write_answers(tmp_path / "answers.yaml", {"tenant": "abc123"})
        code, out, err = run(capsys, "apply", "--repo", str(root), "--answers", str(answers), "--yes", *extra)
        assert code == 1, err  # the install failed, everything was put back
        assert "registry.example.com" in out + err
        assert_masked(out + err, f"apply {' '.join(extra)} install output")
        assert npm_token not in out + err


# ------------------------------------------------------------------------------------------------
# report, check


@pytest.mark.parametrize("extra", [[], ["--json"]], ids=["markdown", "json"])
def test_report(hostile: tuple[Path, Path], capsys: pytest.CaptureFixture[str], extra: list[str]) -> None:
    root, _ = hostile
    target = root.parent / ("report.json" if extra else "report.md")
    code, out, err = run(capsys, "report", "--repo", str(root), "--output", str(target), *extra)
    assert code == 0, err
    text = target.read_text(encoding="utf-8")
    assert "requestHeaders" in text and "legacy-c" in text  # the sections are in the report
    assert_masked(text + out + err, f"report {' '.join(extra)}")
    assert "${LEGACY_TOKEN_A}" in text


def test_check(hostile: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    root, _ = hostile
    for extra in ([], ["--json"]):
        code, out, err = run(capsys, "check", "--repo", str(root), *extra)
        assert code in (0, 1), err
        assert_masked(out + err, f"check {' '.join(extra)}")


# ------------------------------------------------------------------------------------------------
# verify: a server's answer is masked, not only the secrets verify itself sent

SERVER_COOKIE = "SrvSessionCookie4Wq9"
SERVER_TOKEN = "SrvOtherToken7Hb2Zk"


def _echoing_backend(server: EchoServer, req: Req) -> Reply:
    """A backend whose 401 quotes a cookie and another user's token: not verify's to know, still masked."""
    message = (f"Illegal token; request had Cookie: session={SERVER_COOKIE}; "
               f"previous Authorization: Token {SERVER_TOKEN}")
    body = {"error": {"name": "AuthenticationError", "message": message}, "response": {"statusCode": 401}}
    return 401, {"Content-Type": "application/json"}, json.dumps(body)


def test_verify_masks_credentials_in_server_answers(hostile: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    root, _ = hostile
    backend = EchoServer(_echoing_backend)
    try:
        for extra in ([], ["--json"]):
            code, out, err = run(capsys, "verify", "--repo", str(root), "--backend-url", backend.origin,
                                 "--token", "a-backstage-token-Zq81Lm", "--timeout", "5", *extra)
            assert code == 1, err
            assert "Illegal token" in out  # the server's message is quoted...
            assert SERVER_COOKIE not in out + err and SERVER_TOKEN not in out + err  # ...masked
            assert_masked(out + err, f"verify {' '.join(extra)}")
    finally:
        backend.close()


# ------------------------------------------------------------------------------------------------
# the TUI's Review screen


def _svg_text(svg: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


async def test_tui_review_screen(hostile: tuple[Path, Path]) -> None:
    from wizard.core import answers as am
    from wizard.session import Session
    from wizard.tui.app import WizardApp

    root, _ = hostile
    s = Session(root)
    s.load(run_tools=False)
    s.answers = am.validate(ANSWERS)
    app = WizardApp(s)
    async with app.run_test(headless=True, size=(220, 400)) as pilot:
        await pilot.pause()
        app.goto("review")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = _svg_text(app.export_screenshot())
    assert "requestHeaders" in text and "Set-Cookie" in text, "the diff is not on the Review screen"
    assert_masked(text, "TUI Review screen")
