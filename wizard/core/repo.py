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
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard.core import facts, safeio
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
    node: ToolRun | None = None
    yarn: YarnInfo | None = None
    workspaces: list[Package] = field(default_factory=list)
    apis_ts: Path | None = None  # packages/app/src/apis.ts (a legacy app's API factories)
    app_evidence: str = ""  # why this workspace is the app / the backend (backstage.role, its path, its src)
    backend_evidence: str = ""
    package_errors: list[str] = field(default_factory=list)  # package.json files Node would refuse (file:line)
    # version_note, computed on first use (it compares versions through `packaging`, and may read the lockfile)
    _version_note: str | None = field(default=None, repr=False, compare=False)
    # what the TypeScript sources say (index.ts, App.tsx), read through the parser on first use
    _sources: tuple[list[str], str, str, Path | None] | None = field(default=None, repr=False, compare=False)
    _sources_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def version_note(self) -> str:
        """Where the version came from when not from backstage.json, or what contradicts it ("" when neither)."""
        if self._version_note is None:
            self._version_note = _version_note(self)
        return self._version_note

    @property
    def sources_read(self) -> bool:
        """Whether index.ts and App.tsx have been read (reading them parses TypeScript: the TUI's first
        screen is drawn before, and reads them after)."""
        return self._sources is not None

    def read_sources(self) -> None:
        """Read index.ts (what backend.add loads) and App.tsx (the frontend system), once."""
        if self._sources is not None:
            return
        with self._sources_lock:  # the TUI reads them in a worker; a screen may ask meanwhile
            if self._sources is None:
                added: list[str] = []
                if self.backend_index is not None:
                    src = safeio.try_read_repo_text(self.root, self.backend_index, safeio.SOURCE_CAP)
                    added = backend_additions(src) if src is not None else []
                system, evidence, tsx = detect_frontend(self.app, self.root, self.workspaces)
                self._sources = (added, system, evidence, tsx)

    @property
    def backend_added(self) -> list[str]:
        """The packages passed to backend.add(import(...)) in the backend's index.ts."""
        self.read_sources()
        return self._sources[0]  # type: ignore[index]

    @property
    def frontend_system(self) -> str:
        """"new" | "legacy" | "pre-1.0" | "unknown"."""
        self.read_sources()
        return self._sources[1]  # type: ignore[index]

    @property
    def frontend_evidence(self) -> str:
        self.read_sources()
        return self._sources[2]  # type: ignore[index]

    @property
    def app_tsx(self) -> Path | None:
        self.read_sources()
        return self._sources[3]  # type: ignore[index]

    @property
    def engines_node(self) -> str | None:
        if self.root_pkg is None:
            return None
        engines = self.root_pkg.data.get("engines")
        node = engines.get("node") if isinstance(engines, dict) else None
        return node if isinstance(node, str) else None


def find_root(start: Path, explicit: bool = False) -> Path:
    """The nearest directory at or above `start` holding backstage.json; with `explicit` (--repo), also a
    Backstage monorepo without one (its root package.json uses @backstage/cli): the version then comes
    from its packages."""
    start = start.resolve()
    if explicit:
        if start.is_file():
            raise BadInput(f"--repo {start} is a file; pass the directory of the Backstage app (the one holding backstage.json)")
        if not start.is_dir():
            raise BadInput(f"--repo {start}: no such directory")
        if (start / "backstage.json").is_file():
            return start
        if _pre_1_0(start):
            raise BadInput(f"{start} is a Backstage app from before 1.0 (packages/app depends on {facts.PRE_1_0_PKG} and "
                           f"there is no backstage.json); the SpectroCloud modules need Backstage {facts.MIN_BACKSTAGE} or "
                           "later — upgrade the app first")
        if _backstage_monorepo(start):
            return start
        raise BadInput(f"{start} is not a Backstage app (no backstage.json there); pass the app's root with --repo")
    for d in (start, *start.parents):
        if (d / "backstage.json").is_file():
            return d
    raise BadInput(
        f"no Backstage app found at or above {start} (looked for backstage.json); run inside the app or pass --repo DIR"
    )


def _backstage_monorepo(root: Path) -> bool:
    """A Backstage app without backstage.json: its root package.json uses @backstage/cli."""
    data, _t, _e = _read_json(root / "package.json", root)
    if data is None:
        return False
    return any(isinstance(data.get(k), dict) and "@backstage/cli" in data[k] for k in ("dependencies", "devDependencies"))


def _pre_1_0(root: Path) -> bool:
    """A Backstage app older than 1.0 has no backstage.json; its app depends on @backstage/core."""
    data, _t, _e = _read_json(root / "packages" / "app" / "package.json", root)
    deps = (data or {}).get("dependencies")
    return isinstance(deps, dict) and facts.PRE_1_0_PKG in deps


def _read_json(path: Path, root: Path | None = None) -> tuple[dict[str, Any] | None, str, str | None]:
    """A JSON object from a repo file: regular, capped, and (with `root`) inside the repo.

    Read as Node reads package.json: a byte-order mark is skipped (the text keeps it: edits must not
    drop it), and nothing else is forgiven — a comment or a trailing comma is invalid JSON for Node
    and for the package manager, so it is an error naming the line, never a file silently skipped."""
    if not path.exists() and not path.is_symlink():
        return None, "", None
    display = path.relative_to(root).as_posix() if root is not None else path.name
    try:
        if root is not None:
            safeio.check_in_repo(root, path, display)
        text = safeio.read_text(path, display, safeio.PACKAGE_JSON_CAP)
    except BadInput as exc:
        return None, "", str(exc)
    try:
        data = json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as exc:
        what = _json_error_kind(text.removeprefix("\ufeff"), exc)
        return None, text, f"{display}:{exc.lineno}:{exc.colno}: invalid JSON: {what}"
    if not isinstance(data, dict):
        return None, text, f"{display}: expected a JSON object"
    return data, text, None


def _json_error_kind(text: str, exc: json.JSONDecodeError) -> str:
    """Name what people put in package.json that JSON does not allow (Node refuses the file too)."""
    rest = text[exc.pos:].lstrip()
    if rest.startswith(("//", "/*")):
        return f"{exc.msg} (a comment: JSON has none; Node and the package manager refuse the file) — remove it"
    if rest[:1] in "}]" and text[:exc.pos].rstrip().endswith(","):
        return f"{exc.msg} (a trailing comma: Node and the package manager refuse the file) — remove it"
    if text[exc.pos:].startswith(("<<<<<<<", "=======", ">>>>>>>")) or "\n<<<<<<< " in text:
        return f"{exc.msg} (merge-conflict markers) — resolve the conflict"
    return exc.msg


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
            if d.is_dir() and (d / "package.json").is_file() and "node_modules" not in d.parts and d not in dirs:
                dirs.append(d)
    return dirs


def _load_package(root: Path, d: Path, errors: list[str]) -> Package | None:
    data, text, err = _read_json(d / "package.json", root)
    if data is None:
        if err:
            errors.append(err)
        return None
    return Package(d, d.relative_to(root).as_posix(), data, text)


# ---- backend wiring -----------------------------------------------------------------------------

def backend_additions(src: str) -> list[str]:
    """The packages an index.ts passes to backend.add(import(...)), comments ignored."""
    from wizard.core import backend_index  # the TypeScript parser: imported when a source is read

    return [a.package for a in backend_index.additions(src)]


# ---- frontend system ---------------------------------------------------------------------------

APP_CANDIDATES = ("src/App.tsx", "src/App.ts", "src/App.jsx", "src/App.js")


def _app_file(app: Package) -> Path | None:
    return next((app.dir / c for c in APP_CANDIDATES if (app.dir / c).is_file()), None)


def detect_frontend(app: Package | None, root: Path | None = None,
                    workspaces: list[Package] | None = None) -> tuple[str, str, Path | None]:
    """(system, evidence, App.tsx): "new", "legacy", "pre-1.0" or "unknown", from the module App.tsx
    imports `createApp` from (read through the TypeScript parser) — or, for a thin app whose App.tsx
    renders a workspace library, from that library's sources — else from packages/app's dependencies."""
    from wizard.core import app_tsx as app_tsx_mod

    if app is None:
        return "unknown", "no frontend package (backstage.role: frontend, or packages/app) found", None
    root = root or app.dir.parent.parent
    tsx = _app_file(app)
    rel_tsx = tsx.relative_to(root).as_posix() if tsx else None
    if tsx is not None:
        src = safeio.try_read_repo_text(root, tsx, safeio.SOURCE_CAP) or ""
        fs = app_tsx_mod.frontend_system(src, rel_tsx or app_tsx_mod.REL)
        if fs.source is not None and fs.system != app_tsx_mod.UNKNOWN:
            line = f":{fs.line}" if fs.line else ""
            return fs.system, f"{rel_tsx}{line} imports createApp from {fs.source}", tsx
        via = _through_library(src, rel_tsx or "", root, workspaces or [], app)
        if via is not None:
            return via[0], via[1], tsx
    if app.has(facts.NEW_FRONTEND_PKG) and not app.has(facts.LEGACY_FRONTEND_PKG):
        return "new", f"{app.rel}/package.json depends on {facts.NEW_FRONTEND_PKG}", tsx
    if app.has(facts.LEGACY_FRONTEND_PKG) or app.has(facts.LEGACY_CORE_APP_PKG):
        dep = facts.LEGACY_FRONTEND_PKG if app.has(facts.LEGACY_FRONTEND_PKG) else facts.LEGACY_CORE_APP_PKG
        return "legacy", f"{app.rel}/package.json depends on {dep}", tsx
    if app.has(facts.PRE_1_0_PKG):
        return "pre-1.0", f"{app.rel}/package.json depends on {facts.PRE_1_0_PKG} (Backstage before 1.0)", tsx
    return "unknown", f"{app.rel}/package.json depends on neither {facts.NEW_FRONTEND_PKG} nor {facts.LEGACY_FRONTEND_PKG}", tsx


def _through_library(src: str, rel_tsx: str, root: Path, workspaces: list[Package], app: Package) -> tuple[str, str] | None:
    """A thin app (App.tsx renders a workspace library that calls createApp): the library's system."""
    from wizard.core import app_tsx as app_tsx_mod
    from wizard.core.tsparse import imports, is_tsx, parse

    by_name = {p.name: p for p in workspaces if p is not app}
    for imp in imports(parse(src, is_tsx(rel_tsx))):
        lib = by_name.get(imp.source)
        if lib is None:
            continue
        sources = sorted((lib.dir / "src").rglob("*.ts*"))[:500] if (lib.dir / "src").is_dir() else []
        for path in sources:
            if path.suffix not in (".ts", ".tsx") or "node_modules" in path.parts:
                continue
            text = safeio.try_read_repo_text(root, path, safeio.SOURCE_CAP)
            if not text or "createApp" not in text:  # a cheap look before the parser
                continue
            lib_rel = path.relative_to(root).as_posix()
            fs = app_tsx_mod.frontend_system(text, lib_rel)
            if fs.source is not None and fs.system != app_tsx_mod.UNKNOWN:
                return fs.system, (f"{rel_tsx} renders {imp.source} ({lib.rel}), whose {lib_rel} imports createApp "
                                   f"from {fs.source}")
    return None


# ---- which workspace is the app, which the backend ----------------------------------------------

def _is_app(p: Package) -> bool:
    return _app_file(p) is not None


def _is_backend(p: Package, root: Path) -> bool:
    for cand in ("src/index.ts", "src/index.js"):
        if (p.dir / cand).is_file():
            src = safeio.try_read_repo_text(root, p.dir / cand, safeio.SOURCE_CAP) or ""
            if "createBackend" in src or "createServiceBuilder" in src:
                return True
    return False


def _pick(workspaces: list[Package], role: str, default_rel: str, probe: Any, what: str) -> tuple[Package | None, str]:
    """The workspace playing `role`: the one package.json saying `backstage.role: <role>`; else
    `default_rel` (create-app's layout); else the one whose sources look like it (`probe`). Several
    candidates: the one the probe confirms, and the evidence says so."""
    by_role = [p for p in workspaces if p.role == role]
    if len(by_role) == 1:
        return by_role[0], f"{by_role[0].rel}/package.json says backstage.role: {role}"
    if len(by_role) > 1:
        confirmed = [p for p in by_role if probe(p)]
        chosen = confirmed[0] if confirmed else by_role[0]
        others = ", ".join(p.rel for p in by_role if p is not chosen)
        return chosen, (f"{chosen.rel} (backstage.role: {role}; {others} says so too — {chosen.rel}'s sources "
                        f"look like the {what})")
    default = next((p for p in workspaces if p.rel == default_rel), None)
    if default is not None:
        return default, f"{default.rel} (no package says backstage.role: {role}; create-app's place for the {what})"
    probed = [p for p in workspaces if probe(p)]
    if probed:
        return probed[0], f"{probed[0].rel} (no backstage.role: {role}; its sources look like the {what})"
    return None, f"no workspace says backstage.role: {role}, none is at {default_rel}, none looks like the {what}"


# ---- the Backstage version ---------------------------------------------------------------------

def _declared_floor(workspaces: list[Package], pkg: str) -> str | None:
    """The lowest version a declared range of `pkg` allows (`^1.9.2` -> 1.9.2), across workspaces."""
    for p in workspaces:
        rng = p.deps().get(pkg)
        if rng:
            m = re.search(r"(\d+\.\d+\.\d+)", rng)
            if m:
                return m.group(1)
    return None


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
            env=tool_env(), stdin=subprocess.DEVNULL, check=False,
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

def inspect(root: Path, run_tools: bool = True, sources: bool = True) -> RepoInfo:
    """What the repo is. `sources=False`: index.ts and App.tsx are read on first use (RepoInfo.read_sources)."""
    bj, _t, bj_err = _read_json(root / "backstage.json", root)
    version = bj.get("version") if bj and isinstance(bj.get("version"), str) else None
    if bj is not None and version is None and bj_err is None:
        bj_err = "backstage.json has no \"version\""
    root_data, root_text, root_err = _read_json(root / "package.json", root)
    root_pkg = Package(root, ".", root_data, root_text) if root_data is not None else None
    errors: list[str] = [root_err] if root_err else []
    workspaces = [p for p in (_load_package(root, d, errors) for d in _workspace_dirs(root, root_data)) if p]
    app, app_ev = _pick(workspaces, "frontend", "packages/app", _is_app, "app")
    backend, backend_ev = _pick(workspaces, "backend", "packages/backend", lambda p: _is_backend(p, root), "backend")
    info = RepoInfo(root, version, bj_err, root_pkg, app, backend, None, workspaces=workspaces,
                    app_evidence=app_ev, backend_evidence=backend_ev, package_errors=errors)
    if backend is not None:
        for cand in ("src/index.ts", "src/index.js"):
            if (backend.dir / cand).is_file():
                info.backend_index = backend.dir / cand
                break
    if sources:
        info.read_sources()
    if app is not None:
        for cand in ("src/apis.ts", "src/apis.tsx"):
            if (app.dir / cand).is_file():
                info.apis_ts = app.dir / cand
                break
    if run_tools:
        detect_tools(info)
    return info


def _version_note(info: RepoInfo) -> str:
    """What the packages say of the Backstage version when backstage.json is missing or stale."""
    if any(p.has(facts.PRE_1_0_PKG) for p in info.workspaces):
        return f"{facts.PRE_1_0_PKG} is a dependency: this app predates Backstage 1.0"
    if info.backstage_version is None:
        if (info.root / "backstage.json").exists() or info.root_pkg is None:
            return ""
        cli = info.root_pkg.deps().get("@backstage/cli")
        return (f"no backstage.json: the packages say @backstage/cli {cli}; `yarn backstage-cli versions:bump` writes "
                "backstage.json (the registry check before apply asks for what the SpectroCloud modules need)") if cli else ""
    from packaging.version import InvalidVersion, Version

    from wizard.core.lockfile import locked_version

    try:
        if Version(info.backstage_version) >= Version(facts.MIN_BACKSTAGE):
            return ""
    except InvalidVersion:
        return ""
    for pkg, needed in facts.AUTH_BACKEND_NEEDS.items():
        have = locked_version(info.root, pkg) or _declared_floor(info.workspaces, pkg)
        try:
            if have and Version(have) >= Version(needed):
                return (f"backstage.json says {info.backstage_version}, but this repo resolves {pkg} {have} (the SpectroCloud "
                        f"auth backend module needs >= {needed}): the packages are newer than backstage.json says — "
                        "`yarn backstage-cli versions:bump` brings it up to date")
        except InvalidVersion:
            continue
    # packages Backstage's early 1.x releases did not have: backstage.json was never bumped
    newer = [pkg for pkg in (facts.NEW_FRONTEND_PKG, "@backstage/backend-defaults") if any(p.has(pkg) for p in info.workspaces)]
    try:
        early = Version(info.backstage_version) < Version("1.20.0")
    except InvalidVersion:
        early = False
    if newer and early:
        return (f"backstage.json says {info.backstage_version}, but the packages include {newer[0]}, which Backstage "
                f"{info.backstage_version} did not have: backstage.json is stale and the wizard goes by the packages "
                "(`yarn backstage-cli versions:bump` rewrites it; the registry check before apply asks for what the "
                "SpectroCloud modules need)")
    return ""


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
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        node_f = pool.submit(run_version, ["node", "--version"], root)
        yarn_f = pool.submit(run_version, ["yarn", "--version"], root)
        info.node = node_f.result()
        info.yarn = detect_yarn(root, info.root_pkg, info.node, yarn_f.result())
