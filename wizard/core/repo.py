"""Reading a Backstage repo: version, workspaces, package manager, backend wiring, frontend system.

Nothing here writes. External tools (`node`, `yarn`) run without a shell, with a timeout, and their
absence is a finding, not an error.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard.core import backend_index, facts, safeio
from wizard.errors import BadInput

TOOL_TIMEOUT = 20.0


@dataclass
class Package:
    """One workspace package.json."""

    dir: Path
    rel: str  # e.g. packages/app
    data: dict[str, Any]
    text: str

    @property
    def name(self) -> str:
        return str(self.data.get("name") or Path(self.rel).name)

    @property
    def role(self) -> str | None:
        bs = self.data.get("backstage")
        return bs.get("role") if isinstance(bs, dict) else None

    def deps(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for key in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
            section = self.data.get(key)
            if isinstance(section, dict):
                out.update({str(k): str(v) for k, v in section.items()})
        return out

    def has(self, pkg: str) -> bool:
        return pkg in self.deps()


@dataclass
class ToolRun:
    ok: bool
    version: str | None
    argv: list[str]
    error: str | None = None


@dataclass
class YarnInfo:
    flavour: str | None  # "berry" | "classic" | None
    version: str | None
    argv: list[str] | None  # how to run yarn in this repo (["yarn"] or ["node", ".yarn/releases/..."])
    package_manager: str | None  # root package.json "packageManager"
    yarn_path: str | None  # .yarnrc.yml yarnPath
    yarn_path_exists: bool
    problem: str | None = None
    other_manager: str | None = None  # "npm" | "pnpm" when the repo uses one of those instead


@dataclass
class RepoInfo:
    root: Path
    backstage_version: str | None
    backstage_json_error: str | None
    root_pkg: Package | None
    app: Package | None
    backend: Package | None
    backend_index: Path | None
    backend_added: list[str] = field(default_factory=list)  # packages passed to backend.add(import(...))
    frontend_system: str = "unknown"  # "new" | "legacy" | "unknown"
    frontend_evidence: str = ""
    app_tsx: Path | None = None
    node: ToolRun | None = None
    yarn: YarnInfo | None = None
    workspaces: list[Package] = field(default_factory=list)

    @property
    def engines_node(self) -> str | None:
        if self.root_pkg is None:
            return None
        engines = self.root_pkg.data.get("engines")
        if isinstance(engines, dict) and isinstance(engines.get("node"), str):
            return engines["node"]
        return None


def find_root(start: Path, explicit: bool = False) -> Path:
    """The nearest directory at or above `start` holding backstage.json."""
    start = start.resolve()
    if explicit:
        if start.is_file():
            raise BadInput(f"--repo {start} is a file; pass the directory of the Backstage app (the one holding backstage.json)")
        if not start.is_dir():
            raise BadInput(f"--repo {start}: no such directory")
        if (start / "backstage.json").is_file():
            return start
        raise BadInput(f"{start} is not a Backstage app (no backstage.json there); pass the app's root with --repo")
    for d in (start, *start.parents):
        if (d / "backstage.json").is_file():
            return d
    raise BadInput(
        f"no Backstage app found at or above {start} (looked for backstage.json); run inside the app or pass --repo DIR"
    )


def _read_json(path: Path, root: Path | None = None) -> tuple[dict[str, Any] | None, str, str | None]:
    """A JSON object from a repo file: regular, capped, and (with `root`) inside the repo."""
    if not path.exists() and not path.is_symlink():
        return None, "", None
    try:
        if root is not None:
            safeio.check_in_repo(root, path, path.relative_to(root).as_posix())
        text = safeio.read_text(path, path.name, safeio.PACKAGE_JSON_CAP)
    except BadInput as exc:
        return None, "", str(exc)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, text, f"{path.name}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}"
    if not isinstance(data, dict):
        return None, text, f"{path.name}: expected a JSON object"
    return data, text, None


def _workspace_dirs(root: Path, root_data: dict[str, Any] | None) -> list[Path]:
    patterns: list[str] = []
    ws = (root_data or {}).get("workspaces")
    if isinstance(ws, list):
        patterns = [str(p) for p in ws]
    elif isinstance(ws, dict) and isinstance(ws.get("packages"), list):
        patterns = [str(p) for p in ws["packages"]]
    if not patterns:
        patterns = ["packages/*", "plugins/*"]
    dirs: list[Path] = []
    for pat in patterns:
        for d in sorted(root.glob(pat)):
            if d.is_dir() and (d / "package.json").is_file() and "node_modules" not in d.parts:
                dirs.append(d)
    return dirs


def _load_package(root: Path, d: Path) -> Package | None:
    data, text, _err = _read_json(d / "package.json", root)
    if data is None:
        return None
    return Package(d, d.relative_to(root).as_posix(), data, text)


# ---- backend wiring -----------------------------------------------------------------------------

def strip_ts_comments(src: str) -> str:
    """Remove // and /* */ comments from TypeScript, leaving string and template literals alone."""
    out: list[str] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c in "'\"`":
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            out.append(src[i: j + 1])
            i = j + 1
        elif src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            # keep line count stable so positions stay meaningful
            chunk = src[i: n if j < 0 else j + 2]
            out.append("\n" * chunk.count("\n"))
            i = n if j < 0 else j + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def backend_additions(src: str) -> list[str]:
    """The packages an index.ts passes to backend.add(import(...)), comments ignored."""
    return [a.package for a in backend_index.additions(src)]


# ---- frontend system ---------------------------------------------------------------------------

_CREATE_APP_IMPORT = re.compile(r"""import\s+[^;]*?\bcreateApp\b[^;]*?from\s+['"]([^'"]+)['"]""", re.S)


def detect_frontend(app: Package | None) -> tuple[str, str, Path | None]:
    if app is None:
        return "unknown", "no frontend package (backstage.role: frontend) found", None
    app_tsx = None
    for cand in ("src/App.tsx", "src/App.ts", "src/App.jsx", "src/App.js"):
        if (app.dir / cand).is_file():
            app_tsx = app.dir / cand
            break
    source_hint = ""
    if app_tsx is not None:
        src = strip_ts_comments(safeio.try_read_repo_text(app.dir.parent.parent, app_tsx, safeio.SOURCE_CAP) or "")
        m = _CREATE_APP_IMPORT.search(src)
        if m:
            source_hint = m.group(1)
    rel_tsx = app_tsx.relative_to(app.dir.parent.parent).as_posix() if app_tsx else None
    if source_hint.startswith(facts.NEW_FRONTEND_PKG):
        return "new", f"{rel_tsx} imports createApp from {source_hint}", app_tsx
    if source_hint.startswith(facts.LEGACY_FRONTEND_PKG):
        return "legacy", f"{rel_tsx} imports createApp from {source_hint}", app_tsx
    if app.has(facts.NEW_FRONTEND_PKG) and not app.has(facts.LEGACY_FRONTEND_PKG):
        return "new", f"{app.rel}/package.json depends on {facts.NEW_FRONTEND_PKG}", app_tsx
    if app.has(facts.LEGACY_FRONTEND_PKG):
        return "legacy", f"{app.rel}/package.json depends on {facts.LEGACY_FRONTEND_PKG}", app_tsx
    return "unknown", f"{app.rel}/package.json depends on neither {facts.NEW_FRONTEND_PKG} nor {facts.LEGACY_FRONTEND_PKG}", app_tsx


# ---- tools --------------------------------------------------------------------------------------

def tool_env() -> dict[str, str]:
    env = dict(os.environ)
    # corepack must not stop to ask (or hang on a download) when we only want a version
    env.setdefault("COREPACK_ENABLE_DOWNLOAD_PROMPT", "0")
    env.setdefault("COREPACK_ENABLE_STRICT", "0")
    return env


def run_version(argv: list[str], cwd: Path) -> ToolRun:
    exe = shutil.which(argv[0])
    if exe is None:
        return ToolRun(False, None, argv, f"{argv[0]} is not on PATH")
    try:
        proc = subprocess.run(
            [exe, *argv[1:]], cwd=cwd, capture_output=True, text=True, timeout=TOOL_TIMEOUT,
            env=tool_env(), stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return ToolRun(False, None, argv, f"`{' '.join(argv)}` did not answer within {TOOL_TIMEOUT:.0f} s")
    except OSError as exc:
        return ToolRun(False, None, argv, f"`{' '.join(argv)}` could not run: {exc.strerror or exc}")
    out = (proc.stdout or "").strip()
    if proc.returncode != 0 or not out:
        err = (proc.stderr or proc.stdout or "").strip().splitlines()
        msg = err[-1] if err else f"exit code {proc.returncode}"
        return ToolRun(False, None, argv, f"`{' '.join(argv)}` failed: {msg[:300]}")
    version = out.splitlines()[-1].strip().lstrip("v")
    return ToolRun(True, version, argv)


def _yarnrc_path(root: Path) -> str | None:
    rc = root / ".yarnrc.yml"
    if not rc.is_file():
        return None
    text = safeio.try_read_repo_text(root, rc, safeio.SMALL_FILE_CAP)
    if text is None:
        return None
    try:
        for line in text.splitlines():
            m = re.match(r"""^\s*yarnPath\s*:\s*['"]?([^'"#]+?)['"]?\s*(#.*)?$""", line)
            if m:
                return m.group(1).strip()
    except (OSError, UnicodeDecodeError):
        return None
    return None


def detect_yarn(root: Path, root_pkg: Package | None, node: ToolRun | None, run: ToolRun | None = None) -> YarnInfo:
    pm = root_pkg.data.get("packageManager") if root_pkg else None
    pm = pm if isinstance(pm, str) else None
    yarn_path = _yarnrc_path(root)
    yarn_path_exists = bool(yarn_path and (root / yarn_path).is_file())
    other = None
    if pm and not pm.startswith("yarn@"):
        other = pm.split("@", 1)[0]
    elif not pm and not (root / "yarn.lock").exists():
        if (root / "pnpm-lock.yaml").exists():
            other = "pnpm"
        elif (root / "package-lock.json").exists():
            other = "npm"
    wanted = pm.split("@", 1)[1].split("+", 1)[0] if pm and pm.startswith("yarn@") else None

    if run is None:
        run = run_version(["yarn", "--version"], root)
    argv: list[str] | None = None
    version: str | None = None
    problem: str | None = None
    if run.ok:
        argv, version = ["yarn"], run.version
    elif yarn_path_exists and node is not None and node.ok:
        alt = run_version(["node", yarn_path, "--version"], root)  # type: ignore[list-item]
        if alt.ok:
            argv, version = ["node", yarn_path], alt.version  # type: ignore[list-item]
        else:
            problem = alt.error
    else:
        problem = run.error
        if yarn_path and not yarn_path_exists:
            problem = f"{problem}; .yarnrc.yml names yarnPath {yarn_path}, which is missing"
    flavour = None
    ver = version or wanted
    if ver:
        from packaging.version import InvalidVersion, Version  # only when Yarn is asked about

        try:
            flavour = "classic" if Version(ver).major <= 1 else "berry"
        except InvalidVersion:
            flavour = "classic" if ver.split(".")[0] in ("0", "1") else "berry"
    elif yarn_path:
        flavour = "berry"
    return YarnInfo(flavour, version, argv, pm, yarn_path, yarn_path_exists, problem, other)


# ---- the whole repo ----------------------------------------------------------------------------

def inspect(root: Path, run_tools: bool = True) -> RepoInfo:
    bj, _t, bj_err = _read_json(root / "backstage.json", root)
    version = bj.get("version") if bj and isinstance(bj.get("version"), str) else None
    if bj is not None and version is None and bj_err is None:
        bj_err = "backstage.json has no \"version\""
    root_data, root_text, _ = _read_json(root / "package.json", root)
    root_pkg = Package(root, ".", root_data, root_text) if root_data is not None else None
    workspaces = [p for p in (_load_package(root, d) for d in _workspace_dirs(root, root_data)) if p]
    app = next((p for p in workspaces if p.role == "frontend"), None) or next(
        (p for p in workspaces if p.rel == "packages/app"), None)
    backend = next((p for p in workspaces if p.role == "backend"), None) or next(
        (p for p in workspaces if p.rel == "packages/backend"), None)
    info = RepoInfo(root, version, bj_err, root_pkg, app, backend, None, workspaces=workspaces)
    if backend is not None:
        for cand in ("src/index.ts", "src/index.js"):
            if (backend.dir / cand).is_file():
                info.backend_index = backend.dir / cand
                src = safeio.try_read_repo_text(root, info.backend_index, safeio.SOURCE_CAP)
                info.backend_added = backend_additions(src) if src is not None else []
                break
    info.frontend_system, info.frontend_evidence, info.app_tsx = detect_frontend(app)
    if run_tools:
        detect_tools(info)
    return info


def detect_tools(info: RepoInfo, node: bool = True) -> None:
    """Run `node --version` and `yarn --version` (in parallel: each can take a few hundred ms).

    With node=False only Yarn is looked at (the install step needs it; `node` is then run only
    when Yarn must be started through `node <yarnPath>`)."""
    root = info.root
    if not node:
        yarn_run = run_version(["yarn", "--version"], root)
        node_run = run_version(["node", "--version"], root) if not yarn_run.ok and _yarnrc_path(root) else None
        info.yarn = detect_yarn(root, info.root_pkg, node_run, yarn_run)
        return
    with ThreadPoolExecutor(max_workers=2) as pool:
        node_f = pool.submit(run_version, ["node", "--version"], root)
        yarn_f = pool.submit(run_version, ["yarn", "--version"], root)
        info.node = node_f.result()
        info.yarn = detect_yarn(root, info.root_pkg, info.node, yarn_f.result())
