"""Commands that do not draw the TUI never import Textual (start-up time; see bench/RESULTS.md).

Each command runs through `wizard.cli.main` in a fresh interpreter, which then reports whether any
`textual` module was loaded. The TUI itself is checked the other way round, so the probe is known
to see Textual when it is there.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import PROJECT, PY, cli_env
from tests.support.net import closed_port

PROBE = """
import contextlib, io, json, sys
from wizard.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
    try:
        rc = main(json.loads(sys.argv[1]))
    except SystemExit as exc:
        rc = exc.code
loaded = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
print(json.dumps({"rc": rc, "textual": loaded[:5], "count": len(loaded)}))
"""


def probe(args: list[str], tmp_path: Path) -> dict:
    proc = subprocess.run([PY, "-c", PROBE, json.dumps(args)], capture_output=True, text=True, timeout=120,
                          env=cli_env(tmp_path), cwd=PROJECT, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


COMMANDS = {
    "--version": lambda r, a: ["--version"],
    "--help": lambda r, a: ["--help"],
    "check": lambda r, a: ["check", "--repo", str(r)],
    "check --json": lambda r, a: ["check", "--repo", str(r), "--json"],
    "plan": lambda r, a: ["plan", "--repo", str(r), "--answers", str(a)],
    "plan --json": lambda r, a: ["plan", "--repo", str(r), "--answers", str(a), "--json"],
    "apply": lambda r, a: ["apply", "--repo", str(r), "--answers", str(a), "--yes", "--skip-install"],
    "undo": lambda r, a: ["undo", "--repo", str(r), "--yes"],
    "verify": lambda r, a: ["verify", "--repo", str(r), "--backend-url", f"http://127.0.0.1:{closed_port()}", "--timeout", "3"],
    "hints": lambda r, a: ["hints"],
    "hints ID": lambda r, a: ["hints", "cluster-tls"],
    "bad input": lambda r, a: ["plan", "--repo", str(r), "--answers", str(r / "missing.yaml")],
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_command_does_not_import_textual(name: str, repo: tuple[Path, Path], tmp_path: Path) -> None:
    root, answers = repo
    if name == "undo":
        assert probe(COMMANDS["apply"](root, answers), tmp_path)["rc"] == 0
    result = probe(COMMANDS[name](root, answers), tmp_path)
    assert result["textual"] == [], f"`{name}` imported {result['count']} textual modules: {result['textual']}"


def test_report_does_not_import_textual(repo: tuple[Path, Path], tmp_path: Path) -> None:
    pytest.importorskip("wizard.session.report")
    root, _ = repo
    result = probe(["report", "--repo", str(root), "--output", str(tmp_path / "r.md")], tmp_path)
    assert result["textual"] == [], result


def test_the_probe_sees_textual_when_the_tui_is_imported(tmp_path: Path) -> None:
    code = PROBE.replace("from wizard.cli import main", "from wizard.cli import main\nimport wizard.tui.app")
    proc = subprocess.run([PY, "-c", code, json.dumps(["--version"])], capture_output=True, text=True, timeout=120,
                          env=cli_env(tmp_path), cwd=PROJECT, check=False)
    assert json.loads(proc.stdout.strip().splitlines()[-1])["count"] > 0
