"""Fixture builders shared by tests/core and tests/cli.

Everything is written from Python into a temporary directory: the tests never read /work/shared.
`make_repo` builds a create-app 0.9.2 style Backstage 1.55 app (Yarn Berry, new frontend system);
its keyword arguments switch on the variations the tests need.
"""

from __future__ import annotations

import difflib
import json
import stat
import sys
import textwrap
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from wizard.core import answers as answers_mod
from wizard.core import configset, plan as plan_mod, repo as repo_mod
from wizard.core.facts import (
    AUTH_BACKEND_PKG,
    AUTH_FRONTEND_PKG,
    K8S_BACKEND_PKG,
    K8S_FRONTEND_PKG,
    LEGACY_FRONTEND_PKG,
    MODULE_PKG,
    NEW_FRONTEND_PKG,
)

# A create-app style app-config.yaml, trimmed but keeping every feature a patcher must respect:
# comments everywhere, `kubernetes:` with only a comment under it, `guest: {}`, app.extensions
# with page:catalog config, flow maps and sequences, quoted scalars, ${VAR} references.
CREATE_APP_CONFIG = """\
app:
  title: Scaffolded Backstage App
  baseUrl: http://localhost:3000

  # Enable all packages by default, this will discover packages from packages/app/package.json
  packages: all

  extensions:
    # Default landing page configuration.
    # The catalog is mounted at /catalog by default but is overridden here to
    # serve as the root page.
    - page:catalog:
        config:
          path: /
    # - page:home:
    #     config:
    #       path: /

organization:
  name: My Company

backend:
  # Used for enabling authentication, secret is shared by all backend plugins
  # auth:
  #   keys:
  #     - secret: ${BACKEND_SECRET}
  baseUrl: http://localhost:7007
  listen: { port: 7007 }
  csp:
    connect-src: ["'self'", 'http:', 'https:']
    # Content-Security-Policy directives follow the Helmet format
  cors:
    origin: http://localhost:3000
    methods: [GET, HEAD, PATCH, POST, PUT, DELETE]
    credentials: true
  database:
    client: better-sqlite3
    connection: ':memory:'

integrations:
  github:
    - host: github.com
      # This is a Personal Access Token or PAT from GitHub.
      token: ${GITHUB_TOKEN}

techdocs:
  builder: 'local' # Alternatives - 'external'
  generator:
    runIn: 'docker' # Alternatives - 'local'

auth:
  # see https://backstage.io/docs/auth/ to learn about auth providers
  providers:
    # See https://backstage.io/docs/auth/guest/provider
    guest: {}

catalog:
  rules:
    - allow: [Component, System, API, Resource, Location]
  locations:
    # Local example data
    - type: file
      target: ../../examples/entities.yaml

kubernetes:
  # see https://backstage.io/docs/features/kubernetes/configuration for kubernetes configuration options

# see https://backstage.io/docs/permissions/getting-started for more on the permission framework
permission:
  # setting this to `false` will disable permissions
  enabled: true
"""

DEFAULT_ANSWERS: dict[str, Any] = {
    "tenant": "abc123",
    "clusters": [{"name": "my-cluster", "url": "https://my-cluster.example.com:6443", "skipTLSVerify": True}],
}

# base64 of a PEM certificate header/footer (enough for the answers' caData validation)
CA_PEM = b"-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ==\n-----END CERTIFICATE-----\n"


def _ca_file() -> str:
    """A readable PEM file for answers with `caFile:` (the loader refuses one it cannot read)."""
    import tempfile

    path = Path(tempfile.gettempdir()) / "spectro-wizard-tests" / "ca.pem"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(CA_PEM)
    return str(path)


CA_FILE = _ca_file()

APP_DEPS = {
    "@backstage/cli": "^0.36.6",
    "@backstage/core-plugin-api": "^1.12.10",
    NEW_FRONTEND_PKG: "^0.5.6",
    "@backstage/frontend-plugin-api": "^0.18.1",
    "@backstage/plugin-catalog": "^2.0.9",
    K8S_FRONTEND_PKG: "^0.12.23",
    "react": "^18.0.2",
}
BACKEND_DEPS = {
    "@backstage/backend-defaults": "^0.18.0",
    "@backstage/plugin-app-backend": "^0.5.18",
    "@backstage/plugin-auth-backend": "^0.30.1",
    "@backstage/plugin-auth-backend-module-guest-provider": "^0.2.23",
    K8S_BACKEND_PKG: "^0.21.11",
    "app": "link:../app",
}
BACKEND_ADDS = [
    "@backstage/plugin-app-backend",
    "@backstage/plugin-auth-backend",
    "@backstage/plugin-auth-backend-module-guest-provider",
    K8S_BACKEND_PKG,
]

NEW_APP_TSX = """\
import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';

export default createApp({
  features: [catalogPlugin],
});
"""
LEGACY_APP_TSX = """\
import React from 'react';
import { createApp } from '@backstage/app-defaults';
import { AppRouter, FlatRoutes } from '@backstage/core-app-api';

const app = createApp({ apis: [] });

export default app.createRoot(<AppRouter><FlatRoutes /></AppRouter>);
"""

YARNRC = "nodeLinker: node-modules\n\nyarnPath: .yarn/releases/yarn-4.13.0.cjs\n"


def index_ts(adds: list[str], extra: str = "") -> str:
    lines = [
        "/*",
        " * Hi! This is an EXAMPLE Backstage backend.",
        " */",
        "",
        "import { createBackend } from '@backstage/backend-defaults';",
        "",
        "const backend = createBackend();",
        "",
    ]
    lines += [f"backend.add(import('{a}'));" for a in adds]
    text = "\n".join(lines) + "\n" + extra
    return text + "\nbackend.start();\n"


def _merge(base: dict[str, str], over: dict[str, str | None] | None) -> dict[str, str]:
    out = dict(base)
    for k, v in (over or {}).items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    return out


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def make_repo(
    tmp_path: Path,
    app_config: str | bytes | None = CREATE_APP_CONFIG,
    local: str | bytes | None = None,
    production: str | bytes | None = None,
    app_deps: dict[str, str | None] | None = None,
    backend_deps: dict[str, str | None] | None = None,
    index_ts_text: str | None = None,
    backend_adds: list[str] | None = None,
    legacy: bool = False,
    version: str | None = "1.55.0",
    engines: str | None = "22 || 24",
    package_manager: str | None = "yarn@4.13.0",
    yarnrc: str | None = YARNRC,
    app_tsx: str | None = None,
    extra_files: dict[str, str] | None = None,
    name: str = "app-repo",
) -> Path:
    """A Backstage app in `tmp_path/name`; returns its root."""
    root = tmp_path / name
    root.mkdir(parents=True)
    if version is not None:
        write_json(root / "backstage.json", {"version": version})
    else:
        write_json(root / "backstage.json", {})
    root_pkg: dict[str, Any] = {"name": "root", "version": "1.0.0", "private": True}
    if engines is not None:
        root_pkg["engines"] = {"node": engines}
    root_pkg["workspaces"] = ["packages/*"]
    root_pkg["devDependencies"] = {"@backstage/cli": "^0.36.6", "typescript": "~5.8.0"}
    if package_manager is not None:
        root_pkg["packageManager"] = package_manager
    write_json(root / "package.json", root_pkg)
    if yarnrc is not None:
        (root / ".yarnrc.yml").write_text(yarnrc, encoding="utf-8")
    (root / "yarn.lock").write_text("# This file is generated by running \"yarn install\"\n__metadata:\n  version: 8\n", encoding="utf-8")

    base_app = dict(APP_DEPS)
    if legacy:
        base_app.pop(NEW_FRONTEND_PKG)
        base_app[LEGACY_FRONTEND_PKG] = "^1.7.0"
        base_app["@backstage/core-app-api"] = "^1.19.0"
    write_json(root / "packages/app/package.json", {
        "name": "app", "version": "0.0.0", "private": True, "bundled": True,
        "backstage": {"role": "frontend"},
        "dependencies": _merge(base_app, app_deps),
        "devDependencies": {"@backstage/frontend-test-utils": "^0.6.4"},
    })
    tsx = app_tsx if app_tsx is not None else (LEGACY_APP_TSX if legacy else NEW_APP_TSX)
    (root / "packages/app/src").mkdir(parents=True)
    (root / "packages/app/src/App.tsx").write_text(tsx, encoding="utf-8")

    write_json(root / "packages/backend/package.json", {
        "name": "backend", "version": "0.0.0", "main": "dist/index.cjs.js", "private": True,
        "backstage": {"role": "backend"},
        "dependencies": _merge(BACKEND_DEPS, backend_deps),
    })
    (root / "packages/backend/src").mkdir(parents=True)
    if index_ts_text is None:
        index_ts_text = index_ts(backend_adds if backend_adds is not None else BACKEND_ADDS)
    (root / "packages/backend/src/index.ts").write_text(index_ts_text, encoding="utf-8")

    for rel, content in (("app-config.yaml", app_config), ("app-config.local.yaml", local),
                         ("app-config.production.yaml", production)):
        if content is None:
            continue
        if isinstance(content, bytes):
            (root / rel).write_bytes(content)
        else:
            # newline="" : write exactly the characters given (CRLF tests)
            with open(root / rel, "w", encoding="utf-8", newline="") as fh:
                fh.write(content)
    for rel, content in (extra_files or {}).items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content, encoding="utf-8")
    return root


def complete_repo(tmp_path: Path, **kw: Any) -> Path:
    """A repo with every prerequisite package installed and wired (only config left to do)."""
    app = {AUTH_FRONTEND_PKG: "^1.0.0", MODULE_PKG: "^1.0.0"}
    app.update(kw.pop("app_deps", None) or {})
    backend = {AUTH_BACKEND_PKG: "^1.0.0"}
    backend.update(kw.pop("backend_deps", None) or {})
    kw.setdefault("backend_adds", BACKEND_ADDS + [AUTH_BACKEND_PKG])
    return make_repo(tmp_path, app_deps=app, backend_deps=backend, **kw)


# ---------------------------------------------------------------------------------------------
# planning helpers


def load_answers(data: dict[str, Any] | None = None) -> answers_mod.Answers:
    return answers_mod.validate(DEFAULT_ANSWERS if data is None else data, "answers.yaml")


def make_plan(root: Path, answers: dict[str, Any] | None = None, configs: list[str] | None = None,
              skip_install: bool = True, run_tools: bool = False) -> plan_mod.Plan:
    info = repo_mod.inspect(root, run_tools=run_tools)
    cs = configset.load(root, configs)
    return plan_mod.make_plan(info, cs, load_answers(answers), skip_install=skip_install)


def planned_text(root: Path, answers: dict[str, Any] | None = None, rel: str = "app-config.yaml",
                 configs: list[str] | None = None) -> str:
    """The text `rel` would have after the plan (its current text when the plan leaves it)."""
    p = make_plan(root, answers, configs)
    for ch in p.changes:
        if ch.rel == rel:
            return ch.after
    return (root / rel).read_bytes().decode("utf-8")


def write_plan(root: Path, plan: plan_mod.Plan) -> None:
    """Write a plan's result directly (no backups): for idempotence checks on the written text."""
    for ch in plan.changes:
        with open(ch.path, "w", encoding="utf-8", newline="") as fh:
            fh.write(ch.after)


def assert_idempotent(root: Path, answers: dict[str, Any] | None = None, configs: list[str] | None = None) -> plan_mod.Plan:
    """Plan, write the result, plan again: the second plan must change nothing."""
    first = make_plan(root, answers, configs)
    write_plan(root, first)
    second = make_plan(root, answers, configs)
    assert second.changes == [], "second plan not empty:\n" + "".join(c.diff(masked=False) for c in second.changes)
    return first


# ---------------------------------------------------------------------------------------------
# text comparison helpers


def safe_load(text: str) -> Any:
    """What a YAML 1.2 reader sees (ruamel safe loader, pure Python)."""
    return YAML(typ="safe", pure=True).load(text)


def removed_lines(before: str, after: str) -> list[int]:
    """0-based indexes of the lines of `before` that are not kept verbatim in `after`."""
    a = before.splitlines(keepends=True)
    b = after.splitlines(keepends=True)
    out: list[int] = []
    for tag, i1, i2, _j1, _j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            out.extend(range(i1, i2))
    return out


def added_lines(before: str, after: str) -> list[str]:
    a = before.splitlines(keepends=True)
    b = after.splitlines(keepends=True)
    out: list[str] = []
    for tag, _i1, _i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("replace", "insert"):
            out.extend(b[j1:j2])
    return out


def assert_only_lines_changed(before: str, after: str, allowed: set[int] | range | list[int]) -> None:
    """Every line of `before` whose index is not in `allowed` survives byte for byte, in order."""
    bad = [i for i in removed_lines(before, after) if i not in set(allowed)]
    lines = before.splitlines(keepends=True)
    assert not bad, "lines changed that should not have: " + repr([lines[i] for i in bad])


def line_index(text: str, needle: str, start: int = 0) -> int:
    """0-based index of the first line (from `start`) containing `needle`."""
    for i, ln in enumerate(text.splitlines()[start:], start):
        if needle in ln:
            return i
    raise AssertionError(f"{needle!r} not in text")


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


# ---------------------------------------------------------------------------------------------
# stand-in executables (node, yarn) written by the tests


def fake_exe(bin_dir: Path, name: str, body: str) -> Path:
    """A Python script `bin_dir/name` run by this interpreter (absolute shebang: needs no PATH)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / name
    path.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def fake_node(bin_dir: Path, version: str = "v22.3.0") -> Path:
    """A stand-in `node`: `--version` prints `version`; `node some.cjs ARGS` runs that file as Python
    (the tests write their stand-in Yarn release as Python), like `node .yarn/releases/yarn-x.cjs`."""
    return fake_exe(bin_dir, "node", f"""
        import sys
        if sys.argv[1:] == ["--version"]:
            print({version!r})
            sys.exit(0)
        if len(sys.argv) > 1 and sys.argv[1].endswith(".cjs"):
            script = sys.argv[1]
            sys.argv = sys.argv[1:]
            exec(compile(open(script).read(), script, "exec"))
            sys.exit(0)
        sys.exit(3)
    """)


def yarn_body(version: str = "4.13.0", exit_code: int = 0, record: Path | None = None) -> str:
    """Python source of a stand-in `yarn`: records its argv (one JSON object per line in `record`),
    prints a few lines, and adds the requested package to the workspace's package.json (and a
    yarn.lock entry) the way `yarn workspace NAME add PKG` / `yarn --cwd DIR add PKG` would."""
    return textwrap.dedent(f"""
        import json, os, sys
        args = sys.argv[1:]
        if args == ["--version"]:
            print({version!r})
            sys.exit(0)
        with open({str(record)!r}, "a") as fh:
            fh.write(json.dumps({{"argv": args, "cwd": os.getcwd()}}) + "\\n")
        print("➤ YN0000: · Yarn stand-in")
        print("➤ YN0000: ┌ Resolution step", flush=True)
        if {exit_code} != 0:
            print("➤ YN0035: │ " + args[-1] + "@npm:latest: Package not found", flush=True)
            sys.exit({exit_code})
        pkg = args[-1]
        if args[:1] == ["workspace"]:
            ws = "packages/" + args[1]
        elif args[:1] == ["--cwd"]:
            ws = args[1]
        else:
            sys.exit(64)
        path = os.path.join(ws, "package.json")
        data = json.load(open(path))
        data.setdefault("dependencies", {{}})[pkg] = "^1.2.3"
        with open(path, "w") as fh:
            fh.write(json.dumps(data, indent=2) + "\\n")
        with open("yarn.lock", "a") as fh:
            fh.write('"' + pkg + '@npm:^1.2.3":\\n  version: 1.2.3\\n')
        print("➤ YN0000: └ Completed")
        print("➤ YN0000: · Done in 0s 1ms")
    """).lstrip("\n")


def fake_yarn(bin_dir: Path, version: str = "4.13.0", exit_code: int = 0, record: Path | None = None) -> Path:
    return fake_exe(bin_dir, "yarn", yarn_body(version, exit_code, record or (bin_dir / "yarn-calls.jsonl")))


def yarn_release(root: Path, bin_dir: Path, version: str = "4.13.0") -> Path:
    """The repo's pinned release (.yarnrc.yml yarnPath), run by the stand-in node."""
    path = root / ".yarn/releases" / f"yarn-{version}.cjs"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yarn_body(version, 0, bin_dir / "yarn-calls.jsonl"), encoding="utf-8")
    return path


def yarn_calls(bin_dir: Path) -> list[dict[str, Any]]:
    path = bin_dir / "yarn-calls.jsonl"
    if not path.exists():
        return []
    return [json.loads(ln) for ln in path.read_text().splitlines() if ln.strip()]


def path_env(bin_dir: Path) -> str:
    """PATH holding only the stand-ins: no real node/yarn of this machine leaks into a test."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    return str(bin_dir)
