"""Hostile input: every case exits with the contract's code, one clear sentence (file, and line and
column where it applies), no traceback, and leaves every file byte-identical — except where editing
is the point (a BOM is kept and the file edited; a symlink's target is edited and the link kept).

Exit codes (docs/cli-contract.md): 2 bad input (nothing written), 1 apply refused, 0 ok.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import PY, assert_clear_error, cli_env, run_cli
from tests.support.configs import many_clusters_answers, many_clusters_config
from tests.support.files import assert_nothing_written, snapshot, write_answers
from tests.support.plans import planned_after
from tests.support.repos import make_repo
from wizard.cli import main

BASE = many_clusters_config(3)
ANSWERS = many_clusters_answers(3)


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing `needle`."""
    for i, ln in enumerate(text.splitlines(), 1):
        if needle in ln:
            return i
    raise AssertionError(needle)


def setup(tmp_path: Path, text: str | bytes = BASE, answers: dict | str | bytes = ANSWERS) -> tuple[Path, Path, dict]:
    root = make_repo(tmp_path, "app", preset="many-clusters", app_config=text)
    ans = write_answers(tmp_path / "answers.yaml", answers)
    return root, ans, snapshot(root)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        rc = main(list(args))
    except SystemExit as exc:  # argparse
        rc = int(exc.code or 0)
    out, err = capsys.readouterr()
    return rc, out, err


def plan_apply_check(capsys, root: Path, ans: Path) -> list[tuple[str, int, str]]:
    """The three commands that read the config; each must refuse the same way."""
    results = []
    for cmd in (["plan", "--answers", str(ans)], ["apply", "--answers", str(ans), "--yes", "--skip-install"], ["check"]):
        rc, _out, err = run(capsys, cmd[0], "--repo", str(root), *cmd[1:])
        results.append((cmd[0], rc, err))
    return results


# ------------------------------------------------------------------------------------------------
# invalid YAML at various places

def _sub(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


# (label, text, needle of the broken line, how the reported line relates to it)
INVALID: list[tuple[str, str, str, str]] = [
    ("stray colon on the first line", ": foo\n" + BASE, ": foo", "exact"),
    ("unclosed double quote (app.baseUrl)", _sub("  baseUrl: http://localhost:3000", '  baseUrl: "http://localhost:3000'),
     'baseUrl: "http://localhost:3000', "at-or-after"),
    ("unclosed single quote (backend.database)", _sub("    connection: ':memory:'", "    connection: ':memory:"),
     "connection: ':memory:", "at-or-after"),
    ("unclosed flow sequence (backend.cors.methods)", _sub("methods: [GET, HEAD, PATCH, POST, PUT, DELETE]", "methods: [GET, HEAD, PATCH"),
     "methods: [GET, HEAD, PATCH", "near"),
    ("mis-indented key (organization)", _sub("  name: My Company\n", "  name: My Company\n   bad: indent\n"), "   bad: indent", "exact"),
    ("mis-indented key inside the cluster list", _sub("          url: https://cluster-00001", "           url: https://cluster-00001"),
     "           url: https://cluster-00001", "exact"),
    ("mapping value on the last line, no final newline", BASE + "  enabled: true: x", "enabled: true: x", "exact"),
    ("alias naming no anchor", BASE + "extra: *nope\n", "extra: *nope", "exact"),
    ("a second YAML document", BASE + "---\nfoo: 1\n", "---", "exact"),
    ("the top level is a list", "- app\n- backend\n", "- app", "exact"),
]


@pytest.mark.parametrize("label,text,needle,relation", INVALID, ids=[c[0] for c in INVALID])
def test_invalid_yaml_is_refused_with_its_line(tmp_path: Path, capsys, label: str, text: str, needle: str, relation: str) -> None:
    root, ans, before = setup(tmp_path, text)
    want = line_of(text, needle)
    for cmd, rc, err in plan_apply_check(capsys, root, ans):
        assert rc == 2, (cmd, err)
        msg = assert_clear_error(err, "app-config.yaml")
        m = re.search(r"app-config\.yaml:(\d+):(\d+): ", msg)
        assert m, f"{cmd}: no line:column in {msg!r}"
        line = int(m.group(1))
        if relation == "exact":
            assert line == want, (cmd, msg)
        elif relation == "near":
            assert want <= line <= want + 1, (cmd, msg)
        else:  # an unclosed quote runs on until the next quote: the error is reported there
            assert line >= want, (cmd, msg)
    assert_nothing_written(root, before)


def test_invalid_yaml_in_the_second_config_file_names_that_file(tmp_path: Path, capsys) -> None:
    root, ans, _ = setup(tmp_path)
    local = "auth:\n  providers:\n    guest: {}\n  environment: [development\n"
    (root / "app-config.local.yaml").write_text(local, encoding="utf-8")
    before = snapshot(root)
    for cmd, rc, err in plan_apply_check(capsys, root, ans):
        assert rc == 2, (cmd, err)
        assert_clear_error(err, pattern=r"app-config\.local\.yaml:\d+:\d+: not valid YAML")
    assert_nothing_written(root, before)


@pytest.mark.parametrize("text,needle", [
    ("tenant: abc123\nclusters:\n  - name: x\n    url: https://x:6443\n   skipTLSVerify: true\n", "   skipTLSVerify"),
    ("tenant: 'abc123\n", None),
    ("tenant: abc123\nclusters: [{name: x, url: https://x:6443}\n", None),
], ids=["mis-indented", "unclosed-quote", "unclosed-flow"])
def test_invalid_yaml_in_the_answers_file(tmp_path: Path, capsys, text: str, needle: str | None) -> None:
    root, ans, before = setup(tmp_path, answers=text)
    for cmd in ("plan", "apply"):
        rc, _, err = run(capsys, cmd, "--repo", str(root), "--answers", str(ans), "--yes", "--skip-install") if cmd == "apply" \
            else run(capsys, cmd, "--repo", str(root), "--answers", str(ans))
        assert rc == 2
        msg = assert_clear_error(err, str(ans), pattern=r"answers\.yaml:\d+:\d+: not valid YAML")
        if needle:
            assert f"answers.yaml:{line_of(text, needle)}:" in msg
    assert_nothing_written(root, before)


# ------------------------------------------------------------------------------------------------
# tabs


def test_tab_indentation_is_refused_with_its_line(tmp_path: Path, capsys) -> None:
    text = _sub("  name: My Company\n", "  name: My Company\n\tother: x\n")
    root, ans, before = setup(tmp_path, text)
    for cmd, rc, err in plan_apply_check(capsys, root, ans):
        assert rc == 2, (cmd, err)
        assert_clear_error(err, "tab", pattern=rf"app-config\.yaml:{line_of(text, chr(9) + 'other')}:1: ")
    assert_nothing_written(root, before)


def test_tabs_inside_values_and_before_comments_are_kept(tmp_path: Path, capsys) -> None:
    text = _sub("  name: My Company\n", "  name: My\tCompany\t# a tab before this comment\n")
    root, ans, _ = setup(tmp_path, text)
    rc, _, err = run(capsys, "apply", "--repo", str(root), "--answers", str(ans), "--yes", "--skip-install")
    assert rc == 0, err
    after = (root / "app-config.yaml").read_bytes().decode()
    assert "  name: My\tCompany\t# a tab before this comment\n" in after


# ------------------------------------------------------------------------------------------------
# byte-order mark: the tool parses it and keeps it (docs: "every byte outside the edited nodes")


def test_byte_order_mark_is_kept(tmp_path: Path, capsys) -> None:
    text = "\ufeff" + BASE
    root, ans, _ = setup(tmp_path, text)
    rc, out, err = run(capsys, "plan", "--repo", str(root), "--answers", str(ans))
    assert rc == 0, err
    assert "+        - name: new-cluster" in out
    rc, _, err = run(capsys, "apply", "--repo", str(root), "--answers", str(ans), "--yes", "--skip-install")
    assert rc == 0, err
    data = (root / "app-config.yaml").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and not data.startswith(b"\xef\xbb\xbf\xef\xbb\xbf")
    assert data[3:].startswith(BASE.splitlines(keepends=True)[0].encode())
    # idempotent: a second apply changes no byte
    rc, out, _ = run(capsys, "apply", "--repo", str(root), "--answers", str(ans), "--yes", "--skip-install")
    assert rc == 0 and "the config already matches the answers" in out
    assert (root / "app-config.yaml").read_bytes() == data


def test_byte_order_mark_in_the_answers_file_is_accepted(tmp_path: Path, capsys) -> None:
    root, ans, _ = setup(tmp_path, answers=b"\xef\xbb\xbftenant: abc123\n")
    rc, _, err = run(capsys, "plan", "--repo", str(root), "--answers", str(ans))
    assert rc == 0, err


# ------------------------------------------------------------------------------------------------
# duplicate keys


@pytest.mark.parametrize("text,needle,key", [
    (BASE + "kubernetes:\n  serviceLocatorMethod:\n    type: multiTenant\n", "kubernetes:", "kubernetes"),
    (_sub("        - name: cluster-00001\n", "        - name: cluster-00001\n          name: cluster-copy\n"),
     "name: cluster-copy", "name"),
], ids=["top-level", "inside-a-cluster"])
def test_duplicate_keys_are_refused(tmp_path: Path, capsys, text: str, needle: str, key: str) -> None:
    root, ans, before = setup(tmp_path, text)
    # the second occurrence is the one reported
    lines = [i for i, ln in enumerate(text.splitlines(), 1) if ln.strip().startswith(needle.strip().split(":")[0] + ":")]
    for cmd, rc, err in plan_apply_check(capsys, root, ans):
        assert rc == 2, (cmd, err)
        msg = assert_clear_error(err, f"duplicate key '{key}'")
        m = re.search(r"app-config\.yaml:(\d+):(\d+): ", msg)
        assert m and int(m.group(1)) in lines[1:] + [line_of(text, needle)], msg
    assert_nothing_written(root, before)


# ------------------------------------------------------------------------------------------------
# binary and non-UTF-8 content


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
    random.Random(7).randbytes(4096),
    BASE.encode() + b"\x00\x00binary tail",
    ("\ufeff" + BASE).encode("utf-16"),
], ids=["png", "random-bytes", "nul-after-text", "utf-16"])
def test_binary_content_is_refused(tmp_path: Path, capsys, data: bytes) -> None:
    root, ans, before = setup(tmp_path, data)
    for cmd, rc, err in plan_apply_check(capsys, root, ans):
        assert rc == 2, (cmd, err)
        assert_clear_error(err, "app-config.yaml", pattern=r"(binary|NUL|UTF-8)")
    assert_nothing_written(root, before)


def test_non_utf8_is_refused_with_its_line(tmp_path: Path, capsys) -> None:
    text = _sub("  name: My Company\n", "  name: Caf\udce9 Company\n")  # a Latin-1 é
    data = text.encode("utf-8", "surrogateescape")
    root, ans, before = setup(tmp_path, data)
    for cmd, rc, err in plan_apply_check(capsys, root, ans):
        assert rc == 2, (cmd, err)
        assert_clear_error(err, "UTF-8", "0xe9", pattern=rf"app-config\.yaml:{line_of(BASE, 'name: My Company')}: ")
    assert_nothing_written(root, before)


def test_non_utf8_answers_file_is_refused(tmp_path: Path, capsys) -> None:
    root, ans, before = setup(tmp_path, answers=b"tenant: caf\xe9\n")
    rc, _, err = run(capsys, "plan", "--repo", str(root), "--answers", str(ans))
    assert rc == 2
    assert_clear_error(err, str(ans), "UTF-8")
    assert_nothing_written(root, before)


# ------------------------------------------------------------------------------------------------
# size and depth


def test_a_50_mb_config_is_refused_naming_the_limit(tmp_path: Path, capsys) -> None:
    pad = ("# " + "x" * 97 + "\n").encode()
    data = BASE.encode() + pad * (50 * 1024 * 1024 // len(pad))
    root, ans, before = setup(tmp_path, data)
    for cmd, rc, err in plan_apply_check(capsys, root, ans):
        assert rc == 2, (cmd, err)
        assert_clear_error(err, "app-config.yaml", "50.0 MiB", "up to 10 MiB")
    assert_nothing_written(root, before)


def test_a_large_answers_file_is_refused_naming_the_limit(tmp_path: Path, capsys) -> None:
    root, ans, before = setup(tmp_path, answers=b"tenant: abc\n" + b"# padding\n" * 200_000)
    rc, _, err = run(capsys, "plan", "--repo", str(root), "--answers", str(ans))
    assert rc == 2
    assert_clear_error(err, str(ans), "1 MiB")
    assert_nothing_written(root, before)


@pytest.mark.parametrize("text", [
    "app: " + "[" * 5000 + "]" * 5000 + "\n",
    "app: " + "{a: " * 3000 + "x" + "}" * 3000 + "\n",
    "".join("  " * i + f"k{i}:\n" for i in range(1000)) + "  " * 1000 + "v\n",
    "".join("  " * i + "-\n" for i in range(1000)) + "  " * 1000 + "v\n",
], ids=["flow-sequences", "flow-mappings", "block-mappings", "block-sequences"])
def test_deep_nesting_is_refused(tmp_path: Path, capsys, text: str) -> None:
    root, ans, before = setup(tmp_path, text)
    for cmd, rc, err in plan_apply_check(capsys, root, ans):
        assert rc == 2, (cmd, err)
        assert_clear_error(err, "nests", pattern=r"app-config\.yaml:\d+:\d+: ")
    assert_nothing_written(root, before)


def test_deep_nesting_in_the_answers_file_is_refused(tmp_path: Path, capsys) -> None:
    root, ans, before = setup(tmp_path, answers="tenant: t\nclusters: " + "[" * 5000 + "]" * 5000 + "\n")
    rc, _, err = run(capsys, "plan", "--repo", str(root), "--answers", str(ans))
    assert rc == 2
    assert_clear_error(err, str(ans), "nests")
    assert_nothing_written(root, before)


ALIAS_BOMB = "".join(
    f"{n}: &{n} [{', '.join(['*' + p] * 9) if p else ', '.join(['lol'] * 9)}]\n"
    for p, n in zip([""] + list("abcdefgh"), "abcdefghi", strict=True)
)


def test_alias_expansion_bomb_is_refused_quickly(tmp_path: Path) -> None:
    """Regression (found by this suite, fixed): a ~400-byte "billion laughs" bomb used to run for minutes
    in configset.merged(); Backstage's `yaml` loader refuses it (maxAliasCount)."""
    root, ans, before = setup(tmp_path, ALIAS_BOMB + BASE)
    try:
        proc = run_cli(["plan", "--repo", str(root), "--answers", str(ans)], timeout=8)
    except subprocess.TimeoutExpired:
        pytest.fail("plan ran for more than 8 s on a 400-byte alias bomb")
    assert proc.returncode == 2
    assert_clear_error(proc.stderr, "app-config.yaml", "alias")
    assert_nothing_written(root, before)


# ------------------------------------------------------------------------------------------------
# special files: a config or answers "file" that never ends, or never answers

def _bounded_cli(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess | None:
    """Run the CLI with 1 GiB of address space and 6 s: None when it is still running then."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    try:
        return subprocess.run([PY, "-m", "wizard", *args], capture_output=True, text=True, timeout=6, env=cli_env(tmp_path),
                              preexec_fn=limit, stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired:
        return None


def test_config_symlinked_to_dev_zero_is_refused(tmp_path: Path) -> None:
    root, ans, _ = setup(tmp_path)
    (root / "app-config.yaml").unlink()
    os.symlink("/dev/zero", root / "app-config.yaml")
    before = snapshot(root)
    proc = _bounded_cli(["plan", "--repo", str(root), "--answers", str(ans)], tmp_path)
    assert proc is not None, "plan was still reading /dev/zero after 6 s"
    assert proc.returncode == 2, proc.stderr
    assert_clear_error(proc.stderr, "app-config.yaml")
    assert_nothing_written(root, before)


def test_config_that_is_a_fifo_is_refused(tmp_path: Path) -> None:
    root, ans, _ = setup(tmp_path)
    (root / "app-config.yaml").unlink()
    os.mkfifo(root / "app-config.yaml")
    proc = _bounded_cli(["plan", "--repo", str(root), "--answers", str(ans)], tmp_path)
    assert proc is not None, "plan was still waiting on the FIFO after 6 s"
    assert proc.returncode == 2, proc.stderr
    assert_clear_error(proc.stderr, "app-config.yaml")


def test_answers_from_dev_zero_is_refused(tmp_path: Path) -> None:
    root, _ans, before = setup(tmp_path)
    proc = _bounded_cli(["plan", "--repo", str(root), "--answers", "/dev/zero"], tmp_path)
    assert proc is not None, "plan was still reading /dev/zero after 6 s"
    assert proc.returncode == 2, proc.stderr
    # refused as what it is, before a byte is read
    assert_clear_error(proc.stderr, "/dev/zero", "character device")
    assert_nothing_written(root, before)


def test_config_symlink_loop_is_refused(tmp_path: Path, capsys) -> None:
    root, ans, _ = setup(tmp_path)
    (root / "app-config.yaml").unlink()
    os.symlink("app-config.yaml", root / "app-config.yaml")
    before = snapshot(root)
    rc, _, err = run(capsys, "plan", "--repo", str(root), "--answers", str(ans))
    assert rc == 2
    assert_clear_error(err, "app-config.yaml", "symbolic link")
    assert_nothing_written(root, before)


def test_config_that_is_a_directory_is_refused(tmp_path: Path, capsys) -> None:
    root, ans, _ = setup(tmp_path)
    (root / "app-config.yaml").unlink()
    (root / "app-config.yaml").mkdir()
    rc, _, err = run(capsys, "apply", "--repo", str(root), "--answers", str(ans), "--yes", "--skip-install")
    assert rc == 2
    assert_clear_error(err, "app-config.yaml", "directory")


# ------------------------------------------------------------------------------------------------
# symlinks


def test_symlinked_config_edits_the_target_and_keeps_the_link(tmp_path: Path, capsys) -> None:
    """A config linked to another file of the repo (a shared config/ folder) is edited at its target."""
    root, ans, _ = setup(tmp_path)
    shared = root / "config"
    shared.mkdir()
    target = shared / "app-config.yaml"
    os.replace(root / "app-config.yaml", target)
    os.symlink("config/app-config.yaml", root / "app-config.yaml")
    want = planned_after(root, ANSWERS)
    rc, _, err = run(capsys, "apply", "--repo", str(root), "--answers", str(ans), "--yes", "--skip-install")
    assert rc == 0, err
    link = root / "app-config.yaml"
    assert link.is_symlink() and os.readlink(link) == "config/app-config.yaml"
    assert target.read_text(encoding="utf-8") == want
    assert sorted(p.name for p in shared.iterdir()) == ["app-config.yaml"], "temp files left beside the target"
    backups = list((root / ".spectro-wizard" / "backups").glob("*/files/*"))
    assert [b.read_text(encoding="utf-8") for b in backups] == [BASE]
    rc, _, err = run(capsys, "undo", "--repo", str(root), "--yes")
    assert rc == 0, err
    assert link.is_symlink() and target.read_text(encoding="utf-8") == BASE


def test_config_symlinked_out_of_the_repo_is_refused(tmp_path: Path, capsys) -> None:
    """No symlink is followed out of the repo: a cloned repo could point app-config.yaml anywhere."""
    root, ans, _ = setup(tmp_path)
    shared = tmp_path / "shared"
    shared.mkdir()
    target = shared / "app-config.yaml"
    os.replace(root / "app-config.yaml", target)
    os.symlink("../shared/app-config.yaml", root / "app-config.yaml")
    before, outside = snapshot(root), target.read_bytes()
    rc, _, err = run(capsys, "apply", "--repo", str(root), "--answers", str(ans), "--yes", "--skip-install")
    assert rc == 2
    assert_clear_error(err, "app-config.yaml", "outside the repo")
    assert snapshot(root) == before and target.read_bytes() == outside


def test_dangling_symlink_is_refused(tmp_path: Path, capsys) -> None:
    root, ans, _ = setup(tmp_path)
    (root / "app-config.yaml").unlink()
    os.symlink("../nowhere/app-config.yaml", root / "app-config.yaml")
    before = snapshot(root)
    rc, _, err = run(capsys, "plan", "--repo", str(root), "--answers", str(ans))
    assert rc == 2
    assert_clear_error(err, "app-config.yaml", "symbolic link", "does not exist")
    assert_nothing_written(root, before)


# ------------------------------------------------------------------------------------------------
# permissions: run as an unprivileged user (root ignores file modes)


def _apply_unprivileged(root: Path, ans: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    return run_cli(["apply", "--repo", str(root), "--answers", str(ans), "--yes", "--skip-install"],
                   unprivileged=True, env=cli_env(tmp_path))


def test_read_only_config_file_is_refused(tmp_path: Path) -> None:
    root, ans, _ = setup(tmp_path)
    (root / "app-config.yaml").chmod(0o444)
    before = snapshot(root)
    proc = _apply_unprivileged(root, ans, tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert_clear_error(proc.stderr, "app-config.yaml", "read-only", "nothing was written")
    assert_nothing_written(root, before)
    assert not (root / ".spectro-wizard" / "backups").exists()


def test_unreadable_config_file_is_refused(tmp_path: Path) -> None:
    root, ans, _ = setup(tmp_path)
    (root / "app-config.yaml").chmod(0o000)
    before = snapshot(root)
    proc = _apply_unprivileged(root, ans, tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert_clear_error(proc.stderr, "app-config.yaml", "permission denied")
    assert_nothing_written(root, before)
    assert not (root / ".spectro-wizard").exists()


def test_read_only_repo_directory_is_refused(tmp_path: Path) -> None:
    root, ans, before = setup(tmp_path)
    root.chmod(0o555)
    try:
        proc = _apply_unprivileged(root, ans, tmp_path)
    finally:
        root.chmod(0o755)
    assert proc.returncode == 1, proc.stderr
    assert_clear_error(proc.stderr, "permission denied", str(root))
    assert_nothing_written(root, before)


def test_read_only_config_directory_with_writable_state_dir_is_refused(tmp_path: Path) -> None:
    """The lock can be taken, but the config cannot be replaced atomically: refused before any write."""
    root, ans, _ = setup(tmp_path)
    (root / ".spectro-wizard").mkdir()
    before = snapshot(root)
    root.chmod(0o555)
    try:
        proc = _apply_unprivileged(root, ans, tmp_path)
    finally:
        root.chmod(0o755)
    assert proc.returncode == 1, proc.stderr
    assert_clear_error(proc.stderr, "app-config.yaml", "not writable", "nothing was written")
    assert_nothing_written(root, before)
    assert not (root / ".spectro-wizard" / "backups").exists()


# ------------------------------------------------------------------------------------------------
# a file changed between plan and apply


def test_file_changed_between_plan_and_apply_is_refused(tmp_path: Path) -> None:
    from wizard.core import answers as am
    from wizard.core import configset, plan, repo
    from wizard.core.apply import apply_plan
    from wizard.errors import Refused

    root, _ans, _ = setup(tmp_path)
    p = plan.make_plan(repo.inspect(root, run_tools=False), configset.load(root), am.validate(ANSWERS), skip_install=True)
    edited = BASE + "# edited by a colleague while the plan was on screen\n"
    (root / "app-config.yaml").write_text(edited, encoding="utf-8")
    before = snapshot(root)
    with pytest.raises(Refused) as info:
        apply_plan(p)
    assert "app-config.yaml changed since it was read" in str(info.value)
    assert "nothing was written" in str(info.value)
    assert_nothing_written(root, before)
    assert (root / "app-config.yaml").read_text(encoding="utf-8") == edited
    assert not (root / ".spectro-wizard" / "backups").exists()


# ------------------------------------------------------------------------------------------------
# two applies at once

HOLDER = """
import sys
from pathlib import Path
from wizard.core.apply import RepoLock
with RepoLock(Path(sys.argv[1])):
    print("READY", flush=True)
    sys.stdin.readline()
print("RELEASED", flush=True)
"""


def test_two_applies_at_once_the_second_is_refused(tmp_path: Path, capsys) -> None:
    root, ans, before = setup(tmp_path)
    holder = subprocess.Popen([PY, "-c", HOLDER, str(root)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              env=cli_env())
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "READY"  # the lock is held from here on
        rc, _, err = run(capsys, "apply", "--repo", str(root), "--answers", str(ans), "--yes", "--skip-install")
        assert rc == 1
        assert_clear_error(err, "another spectro-wizard is applying", f"pid {holder.pid}")
        assert_nothing_written(root, before)
        rc, _, err = run(capsys, "undo", "--repo", str(root), "--yes")
        assert rc == 1
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "RELEASED"
    finally:
        holder.kill()
        holder.wait()
    rc, _, err = run(capsys, "apply", "--repo", str(root), "--answers", str(ans), "--yes", "--skip-install")
    assert rc == 0, err


# ------------------------------------------------------------------------------------------------
# answers with wrong types and unknown keys


WRONG_ANSWERS: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("tenant-number", "tenant: 123\n", "tenant", ("the number 123",)),
    ("tenant-list", "tenant: [a, b]\n", "tenant", ("a list",)),
    ("clusters-string", "tenant: t\nclusters: my-cluster\n", "clusters", ("must be a list",)),
    ("cluster-not-mapping", "tenant: t\nclusters:\n  - my-cluster\n", "clusters[0]", ("must be a mapping",)),
    ("skipTLSVerify-string", "tenant: t\nclusters:\n  - name: x\n    url: https://x:6443\n    skipTLSVerify: 'yes'\n",
     "clusters[0].skipTLSVerify", ("true or false",)),
    ("skipTLSVerify-yes-is-a-string-in-yaml-1.2", "tenant: t\nclusters:\n  - name: x\n    url: https://x:6443\n    skipTLSVerify: yes\n",
     "clusters[0].skipTLSVerify", ("true or false",)),
    ("installPackage-string", "tenant: t\ninstallPackage: 'false'\n", "installPackage", ("true or false",)),
    ("migrate-number", "tenant: t\nmigrate: 5\n", "migrate", ("list of names",)),
    ("migrate-word", "tenant: t\nmigrate: everything\n", "migrate", ("all",)),
    ("env-name", "tenant: t\nclientSecretEnv: 'my secret'\n", "clientSecretEnv", ("environment variable name",)),
    ("caData-not-base64", "tenant: t\nclusters:\n  - name: x\n    url: https://x:6443\n    caData: '!!nope'\n",
     "clusters[0].caData", ("base64",)),
    ("unknown-top-key", "tenant: t\ntennant: u\n", "tennant", ("unknown key", "tenant")),
    ("unknown-cluster-key", "tenant: t\nclusters:\n  - name: x\n    url: https://x:6443\n    insecure: true\n",
     "clusters[0].insecure", ("unknown key",)),
    ("unknown-provider-key", "tenant: t\nclusterProvider:\n  name: p\n  region: eu\n", "clusterProvider.region", ("unknown key",)),
    ("secret-in-answers", "tenant: t\nclientSecret: hunter2-not-shown\n", "clientSecret", ("secrets never go in an answers file",)),
    ("top-level-list", "- tenant: t\n", "(top level)", ("mapping",)),
    ("missing-tenant", "clusters: []\n", "tenant", ("missing",)),
    ("duplicate-key", "tenant: t\ntenant: u\n", "duplicate key 'tenant'", ()),
]


@pytest.mark.parametrize("label,text,key,needles", WRONG_ANSWERS, ids=[c[0] for c in WRONG_ANSWERS])
def test_wrong_answers_are_refused_naming_the_key(tmp_path: Path, capsys, label: str, text: str, key: str,
                                                  needles: tuple[str, ...]) -> None:
    root, ans, before = setup(tmp_path, answers=text)
    for cmd in (["plan"], ["apply", "--yes", "--skip-install"]):
        rc, _, err = run(capsys, cmd[0], "--repo", str(root), "--answers", str(ans), *cmd[1:])
        assert rc == 2, (cmd, err)
        msg = assert_clear_error(err, str(ans), key, *needles, pattern=r"answers\.yaml:\d+(:\d+)?: ")
        assert "hunter2-not-shown" not in msg
    assert_nothing_written(root, before)


def test_missing_and_directory_answers_files(tmp_path: Path, capsys) -> None:
    root, _ans, before = setup(tmp_path)
    for path, needle in ((tmp_path / "nope.yaml", "not found"), (tmp_path, "directory")):
        rc, _, err = run(capsys, "plan", "--repo", str(root), "--answers", str(path))
        assert rc == 2
        assert_clear_error(err, str(path), needle)
    assert_nothing_written(root, before)


# ------------------------------------------------------------------------------------------------
# URLs that are not http(s)


NOT_HTTP: list[tuple[str, str, str]] = [
    ("ftp-console", "tenant: t\nconsoleUrl: ftp://console.example.com\n", "consoleUrl"),
    ("file-cluster", "tenant: t\nclusters:\n  - name: x\n    url: file:///etc/passwd\n", "clusters[0].url"),
    ("javascript-callback", "tenant: t\ncallbackUrl: 'javascript:alert(1)'\n", "callbackUrl"),
    ("no-scheme", "tenant: t\nauthorizationUrl: console.example.com/auth\n", "authorizationUrl"),
    ("no-host", "tenant: t\nclusters:\n  - name: x\n    url: 'https://'\n", "clusters[0].url"),
    ("websocket-provider", "tenant: t\nclusterProvider:\n  name: p\n  url: ws://api.example.com\n", "clusterProvider.url"),
    ("gopher-with-env-reference", "tenant: t\nclusters:\n  - name: x\n    url: 'gopher://x/${K8S_PATH}'\n", "clusters[0].url"),
]


@pytest.mark.parametrize("label,text,key", NOT_HTTP, ids=[c[0] for c in NOT_HTTP])
def test_urls_that_are_not_http_are_refused(tmp_path: Path, capsys, label: str, text: str, key: str) -> None:
    """(gopher-with-env-reference: regression, found by this suite and fixed — any URL containing `${`
    used to skip the check.)"""
    root, ans, before = setup(tmp_path, answers=text)
    rc, _, err = run(capsys, "apply", "--repo", str(root), "--answers", str(ans), "--yes", "--skip-install")
    assert rc == 2, err
    assert_clear_error(err, str(ans), key, "not an http(s) URL")
    assert_nothing_written(root, before)


def test_a_whole_env_reference_url_is_accepted(tmp_path: Path, capsys) -> None:
    root, ans, _ = setup(tmp_path, answers="tenant: t\nclusters:\n  - name: x\n    url: ${K8S_URL}\n")
    rc, out, err = run(capsys, "plan", "--repo", str(root), "--answers", str(ans))
    assert rc == 0, err
    assert "url: ${K8S_URL}" in out


@pytest.mark.parametrize("url", ["ftp://backstage.example.com", "file:///etc/passwd", "localhost:7007", "javascript:alert(1)"])
def test_verify_backend_url_that_is_not_http_is_refused(tmp_path: Path, capsys, url: str) -> None:
    root, _ans, before = setup(tmp_path)
    rc, _, err = run(capsys, "verify", "--repo", str(root), "--backend-url", url)
    assert rc == 2
    assert_clear_error(err, "--backend-url", "not an http(s) URL")
    assert_nothing_written(root, before)


def test_unknown_option_is_exit_2(tmp_path: Path, capsys) -> None:
    root, ans, before = setup(tmp_path)
    rc, _, err = run(capsys, "apply", "--repo", str(root), "--answers", str(ans), "--yes", "--force-everything")
    assert rc == 2
    assert_clear_error(err, "--force-everything")
    assert_nothing_written(root, before)
