"""ONE stand-in package manager and `node`, written into a bin directory that the tests put on PATH.

The @terasky packages are not on this machine's registry, and no test may reach a network, so the
wizard's tool runs go to these scripts. The same Python script answers as `yarn` (Berry or classic,
depending on the version it reports), `npm`, `pnpm`, a repo's pinned Yarn release
(.yarn/releases/yarn-X.cjs, run by the stand-in node) and `node`:

- `--version` (and `-v`): the version set for that tool.
- installs: `yarn workspace <ws> add PKG...` (Berry), `yarn --cwd <dir> add PKG...` (classic),
  `npm install PKG... --workspace <dir>`, `pnpm --filter <ws> add PKG...`: each package goes into the
  workspace's package.json (range `^1.2.3`), Yarn also appends a yarn.lock entry. An install fails
  (exit 1, Yarn's "Package not found" lines) when `FAKE_YARN_FAIL=1` is in the environment or
  `Tools.fail_installs()` was called.
- registry queries, with the real tools' output: `yarn npm info PKG --fields version --json` (Berry:
  `{"name":PKG,"version":"0.8.0"}`), `yarn info PKG version --json` (classic:
  `{"type":"inspect","data":"0.8.0"}`), `npm view PKG version --json` / `pnpm view ...` (`"0.8.0"`);
  a package made unknown (`Tools.unknown(PKG)`) gets the real 404 (Berry: `➤ YN0035: Package not
  found` / `➤ YN0035:   Response Code: 404 (Not Found)`, as JSON lines with --json; npm:
  `{"error":{"code":"E404","summary":"Not Found - GET .../PKG"}}`; classic: Yarn 1's ambiguous
  "Received invalid response from npm." with exit 0), all exit 1 but classic.
- `yarn config get npmRegistryServer` / `yarn config get registry` / `npm config get registry`: the
  registry URL set (default a loopback-looking one; `registry=None`: the command fails).
- `node FILE.cjs ARGS`: runs FILE as Python (the stand-in Yarn release is this script), like
  `node .yarn/releases/yarn-4.13.0.cjs`.

Every call is recorded, one JSON line each ({"tool", "argv" (without the tool), "cwd", "pid"}), in
`<bin>/calls.jsonl`; `Tools.calls()` reads them. The settings live in `<bin>/tools.json`, read by
the scripts on each call, so a test can change them between calls.
"""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path
from typing import Any

FAIL_ENV = "FAKE_YARN_FAIL"
DEFAULT_REGISTRY = "http://127.0.0.1:4873/"
DEFAULT_VERSIONS = {"node": "v22.3.0", "yarn": "4.13.0", "npm": "11.19.1", "pnpm": "9.15.9"}
QUERY_VERSION = "0.8.0"
ADDED_RANGE = "^1.2.3"

SCRIPT = r'''#!{python}
# A stand-in package manager / node written by tests/support/tools.py. Settings: {conf!r}.
import json, os, sys, time

CONF = {conf!r}
RELEASE = {release!r}  # the version of a pinned Yarn release (.yarn/releases/yarn-X.cjs); None elsewhere

with open(CONF, encoding="utf-8") as _f:
    conf = json.load(_f)
name = os.path.basename(sys.argv[0])
tool = "yarn" if name.startswith("yarn") else name
args = sys.argv[1:]
fd = os.open(conf["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
os.write(fd, (json.dumps({{"tool": tool, "argv": args, "cwd": os.getcwd(), "pid": os.getpid()}}) + "\n").encode())
os.close(fd)
version = RELEASE or conf["versions"].get(tool, "0.0.0")
registry = conf.get("registry")
base = (registry or "https://registry.npmjs.org/").rstrip("/")


def say(*lines, err=False):
    stream = sys.stderr if err else sys.stdout
    for line in lines:
        stream.write(line + "\n")
    stream.flush()


def known(pkg):
    if pkg in conf["unknown"] or (conf["only_known"] and pkg not in conf["known"]):
        return None
    return conf["known"].get(pkg, conf["query_version"])


def workspace_dir(ws):
    """The workspace named `ws` (package.json name), else the directory `ws`, else packages/<ws>."""
    import glob
    for pj in sorted(glob.glob("packages/*/package.json")) + sorted(glob.glob("plugins/*/package.json")):
        try:
            if json.load(open(pj, encoding="utf-8")).get("name") == ws:
                return os.path.dirname(pj)
        except (OSError, ValueError):
            pass
    for cand in (ws, os.path.join("packages", ws)):
        if os.path.isfile(os.path.join(cand, "package.json")):
            return cand
    return None


def install(ws, pkgs):
    label = "Yarn" if tool == "yarn" else tool
    say(f"➤ YN0000: · {{label}} {{version}} (fake) adding {{' '.join(pkgs)}} to {{ws}}")
    if conf["steps"]:
        say("➤ YN0000: ┌ Resolution step")
    if os.environ.get({fail_env!r}) == "1" or conf["fail_installs"]:
        say(f"➤ YN0035: │ {{pkgs[0]}}@npm:latest: Package not found (fake registry)",
            "➤ YN0000: · Failed with errors in 0s 1ms")
        sys.exit(1)
    where = workspace_dir(ws)
    if where is None:
        say(f"Usage Error: Workspace '{{ws}}' not found")
        sys.exit(1)
    path = os.path.join(where, "package.json")
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    deps = data.setdefault("dependencies", {{}})
    for p in pkgs:  # `name@range` is written as the real tool does: the name, with that range
        at = p.find("@", 1)
        name, rng = (p[:at], p[at + 1:]) if at > 0 else (p, conf["range"])
        deps[name] = rng
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(data, indent=2) + "\n")
    if conf.get("hold_installs"):  # half-way through (package.json written): wait to be interrupted
        with open(conf["hold_installs"], "w", encoding="utf-8") as f:
            f.write(str(os.getpid()))
        say("➤ YN0000: · holding (stand-in: waiting to be interrupted)")  # the line a test waits for
        time.sleep(120)
    if tool == "yarn":
        with open("yarn.lock", "a", encoding="utf-8") as f:
            for p in pkgs:
                at = p.find("@", 1)
                name, rng = (p[:at], p[at + 1:]) if at > 0 else (p, conf["range"])
                f.write('"' + name + '@npm:' + rng + '":\n  version: ' + rng.lstrip("^~") + "\n")
    if conf["steps"]:
        say("➤ YN0000: └ Completed")
    say("➤ YN0000: · Done in 0s 1ms")
    sys.exit(0)


def query_wait():
    if conf.get("sleep"):
        time.sleep(conf["sleep"])  # a registry that does not answer (the timeout tests)


if tool == "node":
    if args in (["--version"], ["-v"]):
        say(version)
        sys.exit(0)
    if args and args[0].endswith((".cjs", ".js")):
        script = args[0]
        sys.argv = args
        exec(compile(open(script, encoding="utf-8").read(), script, "exec"))
        sys.exit(0)
    say("fake node: unsupported: " + " ".join(args), err=True)
    sys.exit(3)

if args in (["--version"], ["-v"]):
    say(version)
    sys.exit(0)

if args[:2] == ["config", "get"] and len(args) == 3:
    if registry is None:
        say("cannot read config", err=True)
        sys.exit(1)
    say(registry)
    sys.exit(0)

if tool == "yarn":
    if args[:2] == ["npm", "info"] and len(args) >= 3:  # Berry
        query_wait()
        pkg, as_json = args[2], "--json" in args
        v = known(pkg)
        if v is not None:
            say(json.dumps({{"name": pkg, "version": v}}, separators=(",", ":")))
            sys.exit(0)
        lines = ["Package not found", "  Response Code: 404 (Not Found)", "  Request Method: GET",
                 "  Request URL: " + base + "/" + pkg.replace("/", "%2f")]
        for line in lines:
            if as_json:
                say(json.dumps({{"type": "error", "name": 35, "displayName": "YN0035", "indent": "", "data": line}},
                               separators=(",", ":")))
            else:
                say("➤ YN0035: " + line)
        sys.exit(1)
    if args[:1] == ["info"] and len(args) >= 2:  # classic
        query_wait()
        v = known(args[1])
        if v is not None:
            say(json.dumps({{"type": "inspect", "data": v}}, separators=(",", ":")))
        else:
            say('{{"type":"error","data":"Received invalid response from npm."}}', err=True)
        sys.exit(0)
    if len(args) >= 4 and args[0] == "workspace" and args[2] == "add":
        install(args[1], args[3:])
    if len(args) >= 4 and args[0] == "--cwd" and args[2] == "add":
        install(args[1], args[3:])

if tool in ("npm", "pnpm"):
    if args[:1] == ["view"] and len(args) >= 2:
        query_wait()
        pkg = args[1]
        v = known(pkg)
        if v is not None:
            say(json.dumps(v))
            sys.exit(0)
        url = base + "/" + pkg.replace("/", "%2f")
        say(json.dumps({{"error": {{"code": "E404", "summary": "Not Found - GET " + url,
                                  "detail": "The requested resource could not be found."}}}}, indent=2))
        say("npm error code E404", "npm error 404 Not Found - GET " + url, err=True)
        sys.exit(1)
    if tool == "npm" and args[:1] == ["install"] and "--workspace" in args:
        i = args.index("--workspace")
        ws = args[i + 1] if i + 1 < len(args) else ""
        install(ws, [a for j, a in enumerate(args[1:], 1) if j not in (i, i + 1) and not a.startswith("-")])
    if tool == "pnpm" and len(args) >= 4 and args[0] == "--filter" and args[2] == "add":
        install(args[1], args[3:])

say(f"fake {{tool}}: unsupported command: " + " ".join(args), err=True)
sys.exit(64)
'''


class Tools:
    """The stand-ins in `bin_dir`. Write the ones a test needs (`node()`, `yarn()`, `npm()`, `pnpm()`,
    `yarn_release(root)`), put `path` on PATH, read `calls()`."""

    def __init__(self, bin_dir: Path, **settings: Any) -> None:
        self.bin_dir = Path(bin_dir)
        self.bin_dir.mkdir(parents=True, exist_ok=True)
        self.conf_path = self.bin_dir / "tools.json"
        self.log_path = self.bin_dir / "calls.jsonl"
        self.conf: dict[str, Any] = {
            "log": str(self.log_path), "versions": dict(DEFAULT_VERSIONS), "registry": DEFAULT_REGISTRY,
            "known": {}, "unknown": [], "only_known": False, "query_version": QUERY_VERSION, "range": ADDED_RANGE,
            "fail_installs": False, "steps": True, "sleep": 0, "hold_installs": None,
        }
        self.set(**settings)

    @property
    def path(self) -> str:
        """The bin directory, for PATH."""
        return str(self.bin_dir)

    # ---- settings ------------------------------------------------------------------------------

    def set(self, **settings: Any) -> Tools:
        """Change settings: versions={tool: version} (merged), registry (None: `config get` fails),
        known={pkg: version}, unknown=[pkg], only_known (every package not in `known` is unknown),
        range (what installs write), fail_installs, steps (print Berry's ┌ Resolution step ... └ Completed
        block around an install; default on),
        sleep (seconds before a registry query answers), hold_installs (a path: an install writes
        package.json, then this file, then waits to be interrupted)."""
        for key, value in settings.items():
            if key not in self.conf:
                raise TypeError(f"unknown stand-in setting {key!r}")
            if key == "versions":
                self.conf["versions"] = {**self.conf["versions"], **value}
            else:
                self.conf[key] = value
        self.conf_path.write_text(json.dumps(self.conf, indent=2), encoding="utf-8")
        return self

    def unknown(self, *packages: str) -> Tools:
        """The registry does not have these packages (404)."""
        return self.set(unknown=[*self.conf["unknown"], *packages])

    def fail_installs(self, fail: bool = True) -> Tools:
        return self.set(fail_installs=fail)

    # ---- executables ---------------------------------------------------------------------------

    def _write(self, path: Path, release: str | None = None) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(SCRIPT.format(python=sys.executable, conf=str(self.conf_path), release=release,
                                      fail_env=FAIL_ENV), encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return path

    def install(self, *names: str) -> None:
        """Write the stand-ins `names` (node, yarn, npm, pnpm) with their current versions."""
        for name in names:
            if name not in DEFAULT_VERSIONS:
                raise ValueError(f"no stand-in for {name!r}")
            self._write(self.bin_dir / name)

    def _tool(self, name: str, version: str | None) -> Path:
        if version is not None:
            self.set(versions={name: version})
        self.install(name)
        return self.bin_dir / name

    def node(self, version: str | None = None) -> Path:
        """`node` (default v22.3.0)."""
        return self._tool("node", version)

    def yarn(self, version: str | None = None, fail: bool = False) -> Path:
        """`yarn` (default 4.13.0: Berry; 1.x: classic); `fail`: its installs fail."""
        if fail:
            self.fail_installs()
        return self._tool("yarn", version)

    def npm(self, version: str | None = None) -> Path:
        return self._tool("npm", version)

    def pnpm(self, version: str | None = None) -> Path:
        return self._tool("pnpm", version)

    def yarn_release(self, root: Path, version: str = "4.13.0") -> Path:
        """The repo's pinned release (.yarnrc.yml yarnPath .yarn/releases/yarn-<version>.cjs), run by the
        stand-in node; its calls are recorded as `yarn`."""
        return self._write(Path(root) / ".yarn/releases" / f"yarn-{version}.cjs", release=version)

    # ---- what was run --------------------------------------------------------------------------

    def calls(self, tool: str | None = None, versions: bool = False) -> list[dict[str, Any]]:
        """The recorded calls ({"tool", "argv", "cwd", "pid"}), of `tool` only if given; `--version`
        calls only with `versions=True`."""
        if not self.log_path.exists():
            return []
        out = [json.loads(ln) for ln in self.log_path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        if tool is not None:
            out = [c for c in out if c["tool"] == tool]
        if not versions:
            out = [c for c in out if c["argv"] not in (["--version"], ["-v"])]
        return out

    def argvs(self, versions: bool = False) -> list[list[str]]:
        """Each call as [tool, *argv]."""
        return [[c["tool"], *c["argv"]] for c in self.calls(versions=versions)]
