"""One validation: the same bad answer gets the same verdict and the same sentence from the answers
file (the CLI, through its entry point), the TUI's add-cluster dialog (Textual's pilot) and plain mode's
prompt (questionary on a real prompt_toolkit input)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from textual.widgets import Static

from tests.support.configs import CA_PEM
from wizard.cli import main
from wizard.core import fields
from wizard.plain import Prompts
from wizard.session import Session
from wizard.tui.app import WizardApp

# (field, bad value) -> the sentence every front end must give
CASES = [
    ("caFile", "/no/such/ca.pem"),
    ("url", "http://prod.example.com:6443"),  # plain http where tokens travel
    ("url", "prod.example.com"),
    ("name", "-bad-"),
]


def expected(key: str, value: str) -> str:
    sentence = fields.problem(key, value)
    assert sentence, f"{key}={value!r} should be refused"
    return sentence


def cli_sentence(root: Path, tmp_path: Path, key: str, value: str, capsys: pytest.CaptureFixture) -> str:
    cluster = {"name": "c1", "url": "https://c1.example.com:6443", "skipTLSVerify": True}
    if key == "caFile":
        cluster.pop("skipTLSVerify")
    cluster[key] = value
    answers = tmp_path / "answers.yaml"
    answers.write_text(json.dumps({"tenant": "acme", "clusters": [cluster]}))  # JSON is YAML
    before = (root / "app-config.yaml").read_bytes()
    code = main(["plan", "--repo", str(root), "--answers", str(answers)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert (root / "app-config.yaml").read_bytes() == before
    return err


async def tui_sentence(root: Path, key: str, value: str) -> str:
    from tests.support import pilot as h
    from wizard.tui.screens.clusters import AddClusterScreen

    session = Session(root, demo=True)
    session.load(run_tools=False)
    app = WizardApp(session)
    good = {"name": "c1", "url": "https://c1.example.com:6443", "ca": ""}
    async with app.run_test(size=(100, 30)) as pilot:
        await h.jump_to(pilot, "clusters")
        await h.click(pilot, "#add")
        assert isinstance(app.screen, AddClusterScreen)
        for field_id, text in good.items():
            await h.set_input(pilot, f"#{field_id}", value if field_id == {"caFile": "ca"}.get(key, key) else text)
        if key != "caFile":
            await h.click(pilot, "#skip")
        await h.click(pilot, "#ok")
        assert isinstance(app.screen, AddClusterScreen)  # refused: the dialog stays
        return str(app.screen.query_one("#add-error", Static).render())


GOOD = {"caFile": None, "url": "https://c1.example.com:6443", "name": "c1"}


def plain_sentence(root: Path, key: str, value: str) -> str:
    """The real prompt refuses the bad value (it returns only the good one typed after it), with the
    sentence of the validator it was built with."""
    good = GOOD[key] or str(root / "ca.pem")
    if key == "caFile":
        (root / "ca.pem").write_bytes(CA_PEM)  # a real certificate: the good answer must pass
    with create_pipe_input() as inp:
        inp.send_text(value + "\r" + "\x15" + good + "\r")  # Ctrl+U clears the refused text
        inp.close()  # end of input after that: a prompt that refuses both ends with EOF instead of waiting forever
        assert Prompts(inp, DummyOutput()).text("value:", "", key, base_dir=root) == good
    verdict = Prompts.validator(key, base_dir=root)(value)
    assert verdict is not True
    return str(verdict)


@pytest.mark.parametrize("key, value", CASES)
def test_answers_file_and_plain_prompt_give_the_fields_sentence(demo_app: Path, tmp_path: Path, key: str, value: str,
                                                                 capsys: pytest.CaptureFixture) -> None:
    sentence = expected(key, value)
    assert f"{key}: {sentence}" in cli_sentence(demo_app, tmp_path, key, value, capsys)
    assert f"{key}: {sentence}" in plain_sentence(demo_app, key, value)


@pytest.mark.parametrize("key, value", CASES)
async def test_the_tui_gives_the_same_sentence(demo_app: Path, key: str, value: str) -> None:
    assert f"{key}: {expected(key, value)}" in await tui_sentence(demo_app, key, value)


def test_loopback_http_is_accepted_where_tokens_travel() -> None:
    for url in ("http://localhost:6443", "http://127.0.0.2:8080", "http://[::1]:6443"):
        assert fields.problem("url", url) is None
        assert fields.problem("consoleUrl", url) is None
    assert "plain http" in (fields.problem("consoleUrl", "http://console.example.com") or "")
    assert fields.problem("backendUrl", "http://backstage.internal:7007") is None  # not where tokens are minted


def test_sign_in_resolvers_are_the_modules_two() -> None:
    assert fields.problem("signInResolver", "emailMatchingUserEntityProfileEmail") is None
    assert "emailLocalPartMatchingUserEntityName" in (fields.problem("signInResolver", "usernameMatchingUserEntityName") or "")
