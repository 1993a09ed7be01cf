"""The packages a complete setup needs, how this repo's package manager adds them, and the backend
wiring that makes the backend load them (`backend.add(import('...'))` in packages/backend/src/index.ts).

Also the one package.json edit the wizard makes itself: removing the install guide's wrong package
name (it does not exist on the registry), touching nothing else in the file.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from wizard.core import backend_index, facts, safeio
from wizard.core.answers import Answers
from wizard.core.changes import FileChange
from wizard.core.repo import Package, RepoInfo
from wizard.errors import BadInput


@dataclass(frozen=True)
class Requirement:
    """A package a complete setup needs, where it goes, and whether the backend must load it."""

    package: str
    role: str  # "app" or "backend": the workspace it is added to
    wire: bool = False  # backend.add(import('...')) in packages/backend/src/index.ts


def required(answers: Answers, app_packages: list[str] | None = None) -> list[Requirement]:
    """Every package this setup needs, in the order they are added: what the frontend wiring needs in
    packages/app (`app_packages`, from wizard.core.frontend; default: the TeraSky packages), then the
    backend's (facts, section 1)."""
    app = app_packages if app_packages is not None else [facts.MODULE_PKG, facts.AUTH_FRONTEND_PKG]
    reqs = [Requirement(p, "app") for p in app]
    reqs.append(Requirement(facts.AUTH_BACKEND_PKG, "backend", wire=True))  # the sign-in provider
    if answers.clusterProvider is not None:
        reqs.append(Requirement(facts.CLUSTER_PROVIDER_PKG, "backend", wire=True))
    return reqs


@dataclass
class InstallStep:
    """One command of the repo's package manager: adds `packages` to one workspace."""

    packages: list[str]
    workspace: str  # packages/app
    argv: list[str]
    cwd: Path
    display: str  # the command as a person would type it

    @property
    def package(self) -> str:
        return " ".join(self.packages)

    def to_json(self) -> dict[str, object]:
        return {"packages": list(self.packages), "workspace": self.workspace, "command": self.display}


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


def workspace_for(repo: RepoInfo, role: str) -> Package | None:
    return repo.app if role == "app" else repo.backend


def missing(repo: RepoInfo, answers: Answers, app_packages: list[str] | None = None) -> list[Requirement]:
    """The required packages a workspace's package.json does not declare yet."""
    out = []
    for req in required(answers, app_packages):
        ws = workspace_for(repo, req.role)
        if ws is not None and not ws.has(req.package):
            out.append(req)
    return out


def add_commands(repo: RepoInfo, reqs: list[Requirement]) -> list[InstallStep]:
    """One add command per workspace (the app's first) for the packages of `reqs`."""
    steps = []
    for role in ("app", "backend"):
        ws = workspace_for(repo, role)
        pkgs = [r.package for r in reqs if r.role == role]
        if ws is not None and pkgs:
            steps.append(install_command(repo, pkgs, ws))
    return steps


def install_steps(repo: RepoInfo, answers: Answers, skip_install: bool = False,
                  app_packages: list[str] | None = None) -> list[InstallStep]:
    """The add commands for every required package a workspace lacks (none when the install is off)."""
    if skip_install or not answers.installPackage:
        return []
    return add_commands(repo, missing(repo, answers, app_packages))


# Backstage's own packages are pinned to what the app already resolves: a plugin's helper package must
# match the plugin (KubernetesAuthProviders of another plugin-kubernetes-react than the one
# @backstage/plugin-kubernetes uses is another API ref, and `latest` may need a newer Backstage).
PINNED_TO_LOCKFILE = ("@backstage/",)


def add_spec(repo: RepoInfo, package: str) -> str:
    """What the add command names: `pkg@^<locked version>` for a Backstage package the lockfile
    already resolves (as a dependency of another), else the bare name."""
    if package.startswith(PINNED_TO_LOCKFILE):
        from wizard.core.lockfile import locked_version

        version = locked_version(repo.root, package)
        if version and re.fullmatch(r"\d+\.\d+\.\d+", version):
            return f"{package}@^{version}"
    return package


def install_command(repo: RepoInfo, packages: str | list[str], workspace: Package | None = None) -> InstallStep:
    """How this repo's package manager adds `packages` to a workspace (default: the app), in one command."""
    names = [packages] if isinstance(packages, str) else list(packages)
    pkgs = [add_spec(repo, p) for p in names]
    app = workspace or repo.app
    assert app is not None
    y = repo.yarn
    if y is not None and y.other_manager == "npm":
        argv = ["npm", "install", *pkgs, "--workspace", app.rel]
    elif y is not None and y.other_manager == "pnpm":
        argv = ["pnpm", "--filter", app.name, "add", *pkgs]
    else:
        runner = list(y.argv) if y is not None and y.argv else (
            ["node", y.yarn_path] if y is not None and y.yarn_path and y.yarn_path_exists else ["yarn"])
        if y is not None and y.flavour == "classic":
            argv = runner + ["--cwd", app.rel, "add", *pkgs]
        else:
            argv = runner + ["workspace", app.name, "add", *pkgs]
    display = shlex.join(argv)  # printed for pasting: a workspace named `app; touch X` stays one argument
    return InstallStep(names, app.rel, argv, repo.root, display)


# ------------------------------------------------------------------------------------------------
# the backend's index.ts


def to_wire(repo: RepoInfo, answers: Answers, installs: list[InstallStep], assume_installed: bool = False) -> list[str]:
    """The backend modules index.ts must load: those declared in the backend's package.json or added by
    this plan's installs (wiring a package that is not installed would stop the backend from starting);
    `assume_installed` (the demo's dry run): every one."""
    installing = {p for step in installs for p in step.packages}
    backend = repo.backend
    return [r.package for r in required(answers, [])
            if r.wire and backend is not None and (assume_installed or backend.has(r.package) or r.package in installing)]


def not_wired(repo: RepoInfo, answers: Answers, wanted: list[str]) -> list[str]:
    """The backend modules index.ts should load but this plan cannot wire: not declared in the backend's
    package.json and not installed by this run (installs are off)."""
    if repo.backend is None:
        return []
    return [r.package for r in required(answers, []) if r.wire and r.package not in wanted
            and r.package not in repo.backend_added]


def index_change(repo: RepoInfo, wanted: list[str]) -> tuple[FileChange | None, str | None]:
    """The index.ts edit that makes the backend load `wanted`, or (when the file cannot be edited
    safely) the sentence saying which line to add by hand."""
    if repo.backend is None or not wanted:
        return None, None
    index = repo.backend_index
    if index is None:
        rel = f"{repo.backend.rel}/src/index.ts"
        return None, (f"{rel} not found; add " + " ".join(f"`backend.add(import('{p}'));`" for p in wanted)
                      + " to your backend's entry point")
    rel = index.relative_to(repo.root).as_posix()
    try:
        text = safeio.read_repo_text(repo.root, index, rel, safeio.SOURCE_CAP)
    except BadInput as exc:
        return None, f"{exc}; add " + " ".join(f"`backend.add(import('{p}'));`" for p in wanted) + " by hand"
    edit = backend_index.add_modules(text, wanted, rel)
    if edit.manual:
        return None, edit.manual
    if not edit.changed:
        return None, None
    return FileChange(rel, index, text, edit.after, kind="index.ts"), None
