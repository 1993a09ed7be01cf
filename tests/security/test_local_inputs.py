"""Local inputs: regular files only, read with a cap. On main `caFile: /dev/zero` grew to gigabytes, a
FIFO as `caFile` hung `plan`, `--id-token-file /dev/zero` read forever. A FIFO, a device or a directory
is exit 2 at once, naming it; a file over its cap is exit 2 naming the cap; nothing is written."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.security.conftest import PROMPT, Target
from tests.support.cli import assert_clear_error
from tests.support.configs import many_clusters_answers
from tests.support.files import snapshot, write_answers
from wizard.errors import BadInput


def _answers_with_ca_file(t: Target, ca: str) -> Path:
    a = many_clusters_answers(3)
    a["clusters"] = [{"name": "lab", "url": "https://lab.example.com:6443", "caFile": ca}]
    return write_answers(t.tmp / "ca-answers.yaml", a)


def _kinds(t: Target) -> dict[str, str]:
    """A FIFO, a character device, a directory and an oversized file, each outside the repo."""
    fifo = t.tmp / "fifo"
    os.mkfifo(fifo)
    big = t.tmp / "big.pem"
    with open(big, "wb") as fh:
        fh.write(b"-----BEGIN CERTIFICATE-----\n")
        fh.truncate(8 << 20)  # sparse: 8 MiB on paper, nothing on disk
    return {"fifo": str(fifo), "device": "/dev/zero", "directory": str(t.victim), "big": str(big)}


WORDS = {"fifo": "FIFO", "device": "character device", "directory": "directory", "big": "larger than"}


@pytest.mark.parametrize("kind", sorted(WORDS))
@pytest.mark.parametrize("command", ["plan", "apply"])
def test_a_ca_file_that_is_not_a_regular_file_is_refused_at_once(target: Target, kind: str, command: str) -> None:
    t = target
    path = _kinds(t)[kind]
    answers = _answers_with_ca_file(t, path)
    before = snapshot(t.root)
    extra = ["--yes", "--skip-install"] if command == "apply" else []
    proc = t.cli(command, "--repo", str(t.root), "--answers", str(answers), *extra)
    assert proc.returncode == 2, proc.stderr
    assert_clear_error(proc.stderr, "caFile", WORDS[kind])
    assert proc.elapsed < PROMPT
    assert snapshot(t.root) == before


@pytest.mark.parametrize("kind", sorted(WORDS))
def test_an_id_token_file_that_is_not_a_regular_file_is_refused_at_once(target: Target, kind: str) -> None:
    t = target
    path = _kinds(t)[kind]
    proc = t.cli("verify", "--repo", str(t.root), "--id-token-file", path, "--timeout", "1")
    assert proc.returncode == 2, proc.stderr
    assert_clear_error(proc.stderr, "--id-token-file", WORDS[kind] if kind != "big" else "larger than 64 KiB")
    assert proc.elapsed < PROMPT


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_an_answers_file_that_is_not_a_regular_file_is_refused_at_once(target: Target, kind: str) -> None:
    t = target
    path = _kinds(t)[kind]
    before = snapshot(t.root)
    proc = t.cli("plan", "--repo", str(t.root), "--answers", path)
    assert proc.returncode == 2, proc.stderr
    assert_clear_error(proc.stderr, path, WORDS[kind])
    assert snapshot(t.root) == before


def test_a_package_json_linked_out_of_the_repo_is_not_read(target: Target) -> None:
    """The repo's files are read only inside the repo: a workspace package.json linked to a file
    elsewhere is not taken as the app's (nor backed up, nor rewritten by an install)."""
    t = target
    outside = t.victim / "package.json"
    outside.write_text(json.dumps({"name": "app", "backstage": {"role": "frontend"},
                                   "dependencies": {"@terasky/backstage-plugin-spectrocloud-auth": "1.0.0"}}), encoding="utf-8")
    app_pkg = t.root / "packages" / "app" / "package.json"
    app_pkg.unlink()
    os.symlink(outside, app_pkg)
    proc = t.cli("check", "--repo", str(t.root), "--json")
    data = json.loads(proc.stdout)
    frontend = next(c for c in data["checks"] if c["id"] == "auth-frontend-plugin")
    assert frontend["status"] != "ok", "a package.json outside the repo was read as the app's"


def test_a_kubeconfig_that_is_a_device_is_refused() -> None:
    from wizard.core import kubeconfig

    with pytest.raises(BadInput, match="character device"):
        kubeconfig.read_contexts([Path("/dev/zero")])


def test_read_regular_never_reads_past_its_cap(tmp_path: Path) -> None:
    from wizard.core import safeio

    p = tmp_path / "grows"
    p.write_bytes(b"x" * 100)
    assert safeio.read_regular(p, "x", 100) == b"x" * 100
    with pytest.raises(BadInput, match="larger than"):
        safeio.read_regular(p, "x", 99)
