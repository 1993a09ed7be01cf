"""The packages a setup needs, and how this repo's package manager adds them.

Also the one package.json edit the wizard makes itself: removing the install guide's wrong package
name (it does not exist on the registry), touching nothing else in the file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from wizard.core import facts
from wizard.core.answers import Answers
from wizard.core.changes import FileChange
from wizard.core.repo import Package, RepoInfo


@dataclass
class InstallStep:
    package: str
    workspace: str  # packages/app
    argv: list[str]
    cwd: Path
    display: str  # the command as a person would type it
    note: str = ""


# ------------------------------------------------------------------------------------------------
# package.json: the guide's wrong package name


def fix_wrong_package(repo: RepoInfo) -> list[FileChange]:
    out = []
    for pkg in repo.workspaces:
        if facts.GUIDE_WRONG_MODULE_PKG not in pkg.deps():
            continue
        text = pkg.text
        new = remove_json_dependency(text, facts.GUIDE_WRONG_MODULE_PKG)
        if new != text:
            out.append(FileChange(f"{pkg.rel}/package.json", pkg.dir / "package.json", text, new, kind="package.json"))
    return out


def remove_json_dependency(text: str, name: str) -> str:
    """Remove every `"name": "..."` entry (it may be in several sections) from package.json text."""
    for _ in range(8):
        new = _remove_one_json_dependency(text, name)
        if new == text:
            return text
        text = new
    return text


def _remove_one_json_dependency(text: str, name: str) -> str:
    """Remove one `"name": "..."` from package.json text, fixing the comma, touching nothing else."""
    m = re.search(re.escape(json.dumps(name)) + r'\s*:\s*"[^"\\]*"', text)
    if not m:
        return text
    rest = text[m.end():]
    comma = re.match(r"[ \t]*,", rest)
    line_start = text.rfind("\n", 0, m.start()) + 1
    if comma:
        tail = rest[comma.end():]
        newline = re.match(r"[ \t]*\r?\n", tail)
        if text[line_start: m.start()].strip() == "" and newline:
            new = text[:line_start] + tail[newline.end():]  # the whole line goes
        else:
            new = text[: m.start()] + tail.lstrip(" ")
    else:
        prev = text.rfind(",", 0, m.start())
        if prev >= 0 and text[prev + 1: m.start()].strip() == "":
            new = text[:prev] + rest  # last entry: the comma before it goes too
        else:
            new = text[: m.start()] + rest
    try:
        before = json.loads(text)
        after = json.loads(new)
    except json.JSONDecodeError:
        return text
    # exactly one entry went, nothing else changed
    removed = False
    for section in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
        if not removed and isinstance(before.get(section), dict) and name in before[section] and (
                not isinstance(after.get(section), dict) or name not in after[section]):
            before[section].pop(name)
            removed = True
    return new if removed and before == after else text


# ------------------------------------------------------------------------------------------------
# the install step


def install_step(repo: RepoInfo, answers: Answers, skip_install: bool = False) -> InstallStep | None:
    if skip_install or not answers.installPackage or repo.app is None:
        return None
    if repo.app.has(facts.MODULE_PKG):
        return None
    return install_command(repo, facts.MODULE_PKG)


def install_command(repo: RepoInfo, package: str, workspace: Package | None = None) -> InstallStep:
    """How this repo's package manager adds `package` to a workspace (default: the app)."""
    app = workspace or repo.app
    assert app is not None
    y = repo.yarn
    if y is not None and y.other_manager == "npm":
        argv = ["npm", "install", package, "--workspace", app.rel]
    elif y is not None and y.other_manager == "pnpm":
        argv = ["pnpm", "--filter", app.name, "add", package]
    else:
        runner = list(y.argv) if y is not None and y.argv else (
            ["node", y.yarn_path] if y is not None and y.yarn_path and y.yarn_path_exists else ["yarn"])
        if y is not None and y.flavour == "classic":
            argv = runner + ["--cwd", app.rel, "add", package]
        else:
            argv = runner + ["workspace", app.name, "add", package]
    display = " ".join(argv)
    return InstallStep(package, app.rel, argv, repo.root, display)
