"""Can the repo's own package manager resolve the packages the wizard is about to add?

Before anything is written, each package is looked up through the tool the repo installs with
(Yarn Berry, Yarn 1, npm or pnpm) against the registry that tool is configured for, so a package
that this repo cannot install is found before the config is changed rather than halfway through.

Nothing here writes. Tools run without a shell, from the repo root, with a timeout; a missing tool,
a timeout or a network failure is a finding (`unreachable`), not an exception.

The query forms and what they print (captured from the real tools):

* Yarn Berry: `yarn npm info PKG --fields version --json` prints `{"name": ..., "version": "0.8.0"}`;
  a missing package exits 1 with JSON lines `{"type":"error","displayName":"YN0035","data":"Package
  not found"}` ... `"  Response Code: 404 (Not Found)"`; a refused connection is `YN0001` with
  `RequestError: connect ECONNREFUSED ...`.
* Yarn 1: `yarn info PKG version --json` prints `{"type":"inspect","data":"0.8.0"}`. A missing
  package and an unreachable registry both give `{"type":"error","data":"Received invalid response
  from npm."}` on stderr, and the exit code is 0.
* npm / pnpm: `npm view PKG version --json` prints `"0.8.0"` (a list when several versions match);
  a missing package exits 1 with `{"error": {"code": "E404", "summary": "Not Found - GET ..."}}`.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wizard.core import repo as repo_mod
from wizard.core import safeio
from wizard.core.repo import RepoInfo
from wizard.errors import BadInput

Runner = Callable[[list[str], Path, float], tuple[int, str, str]]

MAX_PARALLEL = 4
CONFIG_TIMEOUT = 20.0
FALLBACK_REGISTRY = "the configured registry"

BERRY, CLASSIC, NPM, PNPM = "berry", "classic", "npm", "pnpm"

# Yarn 1 answers `info` with this both for a 404 and for a registry it cannot reach.
CLASSIC_INFO_FAIL = "Received invalid response from npm."

_NETWORK_RE = re.compile(
    r"ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ESOCKETTIMEDOUT|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH"
    r"|getaddrinfo|socket hang up|timed? ?out|Timeout awaiting|network|proxy|certificate|CERT_|SSL"
    r"|\bYN0001\b",
    re.I,
)
_NOT_FOUND_RE = re.compile(
    r"\bYN0035\b|No candidates found|Package not found|\bE404\b|\b404\b|Not found|ERR_PNPM_FETCH_404",
    re.I,
)


@dataclass
class Resolution:
    package: str
    ok: bool
    version: str | None  # the version the registry serves, when ok
    command: str  # the query as a person would type it
    registry: str  # the registry asked
    problem: str | None  # when not ok: one sentence naming the package, the registry and what to do
    unreachable: bool = False  # the registry could not be asked at all (network/tool missing)


@dataclass
class Answer:
    """What one query's output means."""

    status: str  # "ok" | "absent" | "ambiguous" | "unreachable" | "failed"
    version: str | None = None
    detail: str = ""  # short, one line: what the tool said


# ---- which tool, which command -------------------------------------------------------------------

def manager_kind(info: RepoInfo) -> str:
    """"berry" | "classic" | "npm" | "pnpm": the tool this repo installs packages with."""
    y = info.yarn
    if y is not None and y.other_manager in (NPM, PNPM):
        return y.other_manager
    if y is not None and y.flavour == CLASSIC:
        return CLASSIC
    return BERRY


def _yarn_argv(info: RepoInfo) -> list[str]:
    y = info.yarn
    if y is not None and y.argv:
        return list(y.argv)
    if y is not None and y.yarn_path and y.yarn_path_exists:
        return ["node", y.yarn_path]
    return ["yarn"]


def query_argv(info: RepoInfo, package: str) -> list[str]:
    """The command that asks the repo's registry, through the repo's tool, which version of `package` it serves."""
    kind = manager_kind(info)
    if kind in (NPM, PNPM):
        return [kind, "view", package, "version", "--json"]
    if kind == CLASSIC:
        return _yarn_argv(info) + ["info", package, "version", "--json"]
    return _yarn_argv(info) + ["npm", "info", package, "--fields", "version", "--json"]


def registry_argv(info: RepoInfo) -> list[str]:
    """The command that prints the registry the query will ask."""
    kind = manager_kind(info)
    if kind in (NPM, PNPM):
        return ["npm", "config", "get", "registry"]
    if kind == CLASSIC:
        return _yarn_argv(info) + ["config", "get", "registry"]
    return _yarn_argv(info) + ["config", "get", "npmRegistryServer"]


def _tool_label(kind: str) -> str:
    return {BERRY: "yarn npm info", CLASSIC: "yarn info", NPM: "npm view", PNPM: "pnpm view"}[kind]


# ---- which registry ------------------------------------------------------------------------------

def scope_of(package: str) -> str | None:
    """`@scope/name` -> `scope`; unscoped -> None."""
    if package.startswith("@") and "/" in package:
        return package[1:].split("/", 1)[0]
    return None


def parse_registry_output(stdout: str) -> str | None:
    """The registry URL a `config get` printed, or None when it printed none."""
    for line in reversed((stdout or "").strip().splitlines()):
        value = line.strip().strip("'\"")
        if re.match(r"^https?://\S+$", value):
            return value.rstrip("/")
    return None


def _expand(value: str) -> str:
    return re.sub(r"\$\{([A-Za-z0-9_]+)(?::-([^}]*))?\}",
                  lambda m: os.environ.get(m.group(1), m.group(2) or ""), value)


def _read_text(path: Path) -> str | None:
    """A package manager's rc file (the repo's or the user's): regular, capped; None when unreadable."""
    try:
        return safeio.read_text(path, str(path), safeio.SMALL_FILE_CAP)
    except BadInput:
        return None


def _yarnrc_scope_registry(path: Path, scope: str) -> str | None:
    text = _read_text(path)
    if not text or "npmScopes" not in text:
        return None
    from ruamel.yaml import YAML  # only when there is something to read

    try:
        data = YAML(typ="safe", pure=True).load(text)
    except Exception:  # noqa: BLE001 - a broken .yarnrc.yml: yarn itself will say so; fall back to the main registry
        return None
    scopes = data.get("npmScopes") if isinstance(data, dict) else None
    if not isinstance(scopes, dict):
        return None
    entry = scopes.get(scope, scopes.get(f"@{scope}"))
    if isinstance(entry, dict) and isinstance(entry.get("npmRegistryServer"), str):
        value = _expand(entry["npmRegistryServer"]).strip()
        return value.rstrip("/") or None
    return None


def _npmrc_scope_registry(path: Path, scope: str) -> str | None:
    text = _read_text(path)
    if not text:
        return None
    key = f"@{scope}:registry"
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        name, sep, value = line.partition("=")
        if sep and name.strip() == key:
            value = _expand(value.strip().strip("'\"")).strip()
            return value.rstrip("/") or None
    return None


def _yarnrc_classic_scope_registry(path: Path, scope: str) -> str | None:
    text = _read_text(path)
    if not text:
        return None
    key = f"@{scope}:registry"
    for line in text.splitlines():
        m = re.match(r"""^\s*["']?([^\s"']+)["']?\s+["']?([^\s"']+)["']?\s*$""", line)
        if m and m.group(1) == key:
            return _expand(m.group(2)).rstrip("/") or None
    return None


def _up_to_home(root: Path) -> list[Path]:
    """The repo root, its parents, then the home directory (the places the tools read rc files from)."""
    dirs = [root, *root.parents]
    home = Path.home()
    if home not in dirs:
        dirs.append(home)
    return dirs


def scope_registry(info: RepoInfo, package: str) -> str | None:
    """The registry the repo's config names for the package's scope, if any (read from the rc files)."""
    scope = scope_of(package)
    if scope is None:
        return None
    kind = manager_kind(info)
    root = info.root
    if kind == BERRY:
        for d in _up_to_home(root):
            found = _yarnrc_scope_registry(d / ".yarnrc.yml", scope)
            if found:
                return found
        return None
    npmrcs = [root / ".npmrc"]
    user = os.environ.get("NPM_CONFIG_USERCONFIG") or os.environ.get("npm_config_userconfig")  # noqa: SIM112 - npm reads both
    npmrcs.append(Path(user) if user else Path.home() / ".npmrc")
    for rc in npmrcs:
        found = _npmrc_scope_registry(rc, scope)
        if found:
            return found
    if kind == CLASSIC:
        for d in _up_to_home(root):
            found = _yarnrc_classic_scope_registry(d / ".yarnrc", scope)
            if found:
                return found
    return None


# ---- reading the answers -------------------------------------------------------------------------

def _one_line(text: str, limit: int = 200) -> str:
    lines = str(text).strip().splitlines()
    line = re.sub(r"\s+", " ", lines[0]).strip() if lines else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _json_lines(text: str) -> list[Any]:
    out: list[Any] = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line or line[0] not in "{[\"":
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def _json_doc(text: str) -> Any:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    # npm may print a log line or two before the JSON document
    start = min((i for i in (text.find("{"), text.find("[")) if i >= 0), default=-1)
    if start > 0:
        try:
            return json.loads(text[start:])
        except json.JSONDecodeError:
            return None
    return None


def _error_texts(stdout: str, stderr: str) -> list[str]:
    """Error lines from Yarn output: JSON `{"type":"error"...}` lines or `➤ YN0035: ...`/`error ...` text."""
    texts: list[str] = []
    for stream in (stdout, stderr):
        for line in (stream or "").splitlines():
            s = line.strip()
            if not s:
                continue
            if s.startswith("{"):
                try:
                    obj = json.loads(s)
                except json.JSONDecodeError:
                    texts.append(s)
                    continue
                if isinstance(obj, dict) and obj.get("type") == "error":
                    code = obj.get("displayName")
                    data = str(obj.get("data", ""))
                    texts.append(f"{code}: {data}" if code else data)
                continue
            texts.append(re.sub(r"^➤\s*", "", s))
    return texts


def _classify_failure(texts: list[str], exit_code: int) -> Answer:
    joined = "\n".join(texts)
    if _NOT_FOUND_RE.search(joined):
        m = re.search(r"Response Code:\s*404\s*\(([^)]*)\)", joined)
        if m:
            return Answer("absent", None, f"404 {m.group(1)}")
        for t in texts:
            if _NOT_FOUND_RE.search(t):
                msg = re.sub(r"^YN\d{4}:\s*", "", t).strip()
                m = re.search(r":\s*(Not found)\W*$", msg, re.I)
                return Answer("absent", None, f"404 {m.group(1)}" if m else _one_line(msg))
    for t in texts:
        if _NETWORK_RE.search(t):
            msg = re.sub(r"^YN\d{4}:\s*", "", t).strip()
            msg = re.sub(r"^(RequestError|FetchError|Error):\s*", "", msg)
            return Answer("unreachable", None, _one_line(msg))
    first = next((re.sub(r"^YN\d{4}:\s*", "", t).strip() for t in texts if t.strip()), "")
    return Answer("failed", None, _one_line(first) or f"exit code {exit_code}")


def parse_berry(exit_code: int, stdout: str, stderr: str) -> Answer:
    if exit_code == 0:
        for obj in reversed(_json_lines(stdout)):
            if isinstance(obj, dict) and isinstance(obj.get("version"), str) and obj.get("type") != "error":
                return Answer("ok", obj["version"])
    texts = _error_texts(stdout, stderr)
    if exit_code == 0 and not texts:
        return Answer("failed", None, "printed no version")
    return _classify_failure(texts, exit_code)


def parse_classic(exit_code: int, stdout: str, stderr: str) -> Answer:
    for obj in _json_lines(stdout):
        if isinstance(obj, dict) and obj.get("type") == "inspect":
            data = obj.get("data")
            if isinstance(data, str) and data:
                return Answer("ok", data)
            if isinstance(data, dict) and isinstance(data.get("version"), str):
                return Answer("ok", data["version"])
    texts = _error_texts(stdout, stderr)
    texts = [t for t in texts if not re.match(r"^(yarn info v|Done in |info )", t)]
    if any(CLASSIC_INFO_FAIL in t for t in texts):
        # Yarn 1 gives this one answer for a 404 and for a registry it could not reach.
        return Answer("ambiguous", None, CLASSIC_INFO_FAIL)
    texts = [re.sub(r"^error\s+", "", t) for t in texts]
    if exit_code == 0 and not texts:
        return Answer("failed", None, "printed no version")
    return _classify_failure(texts, exit_code)


def parse_npm(exit_code: int, stdout: str, stderr: str) -> Answer:
    """npm and pnpm `view PKG version --json`."""
    doc = _json_doc(stdout)
    if exit_code == 0:
        if isinstance(doc, str) and doc:
            return Answer("ok", doc)
        if isinstance(doc, list) and doc and all(isinstance(v, str) for v in doc):
            return Answer("ok", doc[-1])
        if doc is None and not (stdout or "").strip():
            return Answer("absent", None, "no version matched")
    err = doc.get("error") if isinstance(doc, dict) else None
    if not isinstance(err, dict):
        alt = _json_doc(stderr)
        err = alt.get("error") if isinstance(alt, dict) else None
    if isinstance(err, dict):
        code = str(err.get("code") or "")
        summary = _one_line(str(err.get("summary") or err.get("message") or ""))
        short = re.split(r"\s+-\s+(?:GET|HEAD)\s+", summary, maxsplit=1)[0].strip()
        if code in ("E404",) or code.endswith("_404") or (not code and re.search(r"\b404\b", summary)):
            return Answer("absent", None, f"{'E404' if code == 'E404' else '404'} {short}".strip())
        if _NETWORK_RE.search(code) or _NETWORK_RE.search(summary):
            msg = re.sub(r"^(FetchError|RequestError|Error):\s*", "", summary)
            m = re.search(r"reason:\s*(.+)$", msg)
            return Answer("unreachable", None, _one_line(m.group(1) if m else msg))
        return Answer("failed", None, _one_line(" ".join(p for p in (code, short) if p)) or f"exit code {exit_code}")
    text_lines = [re.sub(r"^(npm|pnpm)?\s*(error|ERR!)\s*", "", ln.strip(), flags=re.I)
                  for ln in ((stderr or "") + "\n" + (stdout or "")).splitlines() if ln.strip()]
    text_lines = [t for t in text_lines if t and not t.startswith("A complete log of this run")]
    return _classify_failure(text_lines, exit_code)


def parse_answer(kind: str, exit_code: int, stdout: str, stderr: str) -> Answer:
    if kind == BERRY:
        return parse_berry(exit_code, stdout, stderr)
    if kind == CLASSIC:
        return parse_classic(exit_code, stdout, stderr)
    return parse_npm(exit_code, stdout, stderr)


# ---- running ---------------------------------------------------------------------------------------

def run_process(argv: list[str], cwd: Path, timeout: float) -> tuple[int, str, str]:
    """Run without a shell, stdin closed, env from `repo.tool_env()`; on timeout kill the whole
    process group (yarn and npm start children) and raise `subprocess.TimeoutExpired`."""
    proc = subprocess.Popen(
        argv, cwd=cwd, env=repo_mod.tool_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace",
        start_new_session=hasattr(os, "killpg"),
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        try:
            proc.communicate(timeout=5)
        except (subprocess.TimeoutExpired, ValueError, OSError):
            for stream in (proc.stdout, proc.stderr):
                try:
                    if stream is not None:
                        stream.close()
                except OSError:
                    pass
        raise
    return proc.returncode, out or "", err or ""


def _kill(proc: subprocess.Popen[str]) -> None:
    try:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - not POSIX
            proc.kill()
    except (ProcessLookupError, PermissionError, OSError):
        try:
            proc.kill()
        except OSError:
            pass


def _read_registry(info: RepoInfo, runner: Runner, timeout: float) -> str | None:
    try:
        code, out, _err = runner(registry_argv(info), info.root, min(timeout, CONFIG_TIMEOUT))
    except (subprocess.TimeoutExpired, OSError):
        return None
    return parse_registry_output(out) if code == 0 else None


def _problem(answer: Answer, kind: str, package: str, registry: str, command: str) -> tuple[str, bool]:
    tool = _tool_label(kind)
    if answer.status == "absent":
        return (f"{package} is not on {registry} ({tool} answered {answer.detail}); publish or mirror it there, "
                "or point the repo's registry at one that serves it"), False
    if answer.status == "ambiguous":
        return (f"{package} could not be found on {registry} ({tool} answered \"{answer.detail}\", which Yarn 1 "
                "says both when a package is missing and when the registry cannot be reached); check that the "
                "registry is reachable and serves it, or publish or mirror it there"), False
    if answer.status == "unreachable":
        return (f"{registry} could not be asked about {package} ({tool}: {answer.detail}); check the network, "
                "proxy and registry settings of this repo, then run the wizard again"), True
    return (f"{registry} did not resolve {package} ({tool} failed: {answer.detail}); check the registry "
            "settings and credentials of this repo, then run `" + command + "` to see the whole answer"), False


def _resolve_one(info: RepoInfo, kind: str, package: str, registry_of: Callable[[], str], runner: Runner,
                 timeout: float) -> Resolution:
    argv = query_argv(info, package)
    command = shlex.join(argv)
    try:
        code, out, err = runner(argv, info.root, timeout)
    except subprocess.TimeoutExpired:
        registry = registry_of()
        return Resolution(package, False, None, command, registry,
                          f"{registry} did not answer about {package} within {timeout:g} s (`{command}` timed out); "
                          "check the network, proxy and registry settings of this repo, then run the wizard again",
                          unreachable=True)
    except FileNotFoundError:
        registry = registry_of()
        exe = argv[0]
        hint = "enable it with `corepack enable` or install it" if exe == "yarn" else "install it"
        return Resolution(package, False, None, command, registry,
                          f"cannot ask {registry} about {package}: {exe} is not installed or not on PATH; "
                          f"{hint}, then run the wizard again", unreachable=True)
    except OSError as exc:
        registry = registry_of()
        return Resolution(package, False, None, command, registry,
                          f"cannot ask {registry} about {package}: `{command}` could not run "
                          f"({exc.strerror or exc}); fix the tool, then run the wizard again", unreachable=True)
    registry = registry_of()
    answer = parse_answer(kind, code, out, err)
    if answer.status == "ok":
        return Resolution(package, True, answer.version, command, registry, None)
    problem, unreachable = _problem(answer, kind, package, registry, command)
    return Resolution(package, False, None, command, registry, problem, unreachable)


def resolve(info: RepoInfo, packages: list[str], runner: Runner | None = None,
            timeout: float = 60.0) -> list[Resolution]:
    """Ask the repo's registry, through the repo's package manager, for each package.

    Queries run concurrently (at most MAX_PARALLEL processes, the registry read included); the
    results come back in input order. The registry is read once per call, and only when some
    package has no scope registry named in the rc files."""
    if info.yarn is None:
        repo_mod.detect_tools(info, node=False)
    run = runner or run_process
    kind = manager_kind(info)
    packages = list(packages)
    if not packages:
        return []
    scoped = {p: scope_registry(info, p) for p in packages}
    with ThreadPoolExecutor(max_workers=MAX_PARALLEL) as pool:
        # submitted first, so it is running (or done) before any query waits on it
        main = pool.submit(_read_registry, info, run, timeout) if any(v is None for v in scoped.values()) else None

        def registry_for(package: str) -> Callable[[], str]:
            def get() -> str:
                return scoped[package] or (main.result() if main is not None else None) or FALLBACK_REGISTRY
            return get

        futures = [pool.submit(_resolve_one, info, kind, p, registry_for(p), run, timeout) for p in packages]
        return [f.result() for f in futures]
