"""`spectro-wizard report`: everything a support engineer needs about an install, in one file, with no secret.

The report holds: the tool, OS, Python, Node and Yarn versions; the Backstage version; the relevant
packages as declared in each package.json, resolved in the lockfile and installed in node_modules;
the results of `check` (and of `verify` when asked); the relevant config sections of every config
file (`app.extensions`, `auth.providers.spectrocloud`, `kubernetes`, `spectrocloud`) and their
merged effective value; the migration inventory; the hints that fired; and the apply/undo history
from the backups' manifests.

Secrets are kept out in three layers: config values go through `mask.mask_value(strict=True)`
(secret-looking keys, client IDs, JWTs, high-entropy literals, caData as a fingerprint; `${VAR}`
references stay visible); then every literal the masking hid, and the values of the environment
variables the config reads for secrets, are scrubbed from every string of the report wherever else
they appear (an anchor's copy, an error message); then the rendered text is scrubbed once more.
"""

from __future__ import annotations

import json
import os
import platform
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wizard import __version__
from wizard.core import facts, safeio
from wizard.core.lockfile import resolved_versions
from wizard.core.mask import (
    JWT_RE,
    MASK,
    MIN_SCRUB_LENGTH,
    high_entropy,
    is_secret_key,
    mask_value,
    scrub,
    secret_values,
)
from wizard.errors import BadInput

REPORT_VERSION = 1

SECTIONS: tuple[tuple[str, ...], ...] = (
    ("app", "extensions"),
    ("auth", "providers", facts.PROVIDER),
    ("kubernetes",),
    ("spectrocloud",),
)
# single values that explain the sections (which auth environment, which backend)
CONTEXT_VALUES: tuple[tuple[str, ...], ...] = (("auth", "environment"), ("backend", "baseUrl"), ("app", "baseUrl"))

PACKAGES: tuple[str, ...] = (
    facts.MODULE_PKG,
    facts.AUTH_FRONTEND_PKG,
    facts.AUTH_BACKEND_PKG,
    facts.CLUSTER_PROVIDER_PKG,
    facts.GUIDE_WRONG_MODULE_PKG,
    facts.K8S_FRONTEND_PKG,
    facts.K8S_BACKEND_PKG,
    "@backstage/plugin-kubernetes-react",
    "@backstage/plugin-kubernetes-node",
    "@backstage/plugin-auth-backend",
    "@backstage/plugin-auth-node",
    facts.NEW_FRONTEND_PKG,
    facts.LEGACY_FRONTEND_PKG,
    "@backstage/frontend-plugin-api",
    "@backstage/backend-defaults",
    "@backstage/cli",
)


# ------------------------------------------------------------------------------------------------
# packages: declared, resolved, installed


def _installed(root: Path, workspace_dirs: Iterable[Path], pkg: str) -> str | None:
    for d in [root, *workspace_dirs]:
        p = d / "node_modules" / pkg / "package.json"
        if p.is_file():
            try:
                v = json.loads(safeio.try_read_repo_text(root, p, safeio.PACKAGE_JSON_CAP) or "").get("version")
            except (json.JSONDecodeError, AttributeError):
                continue
            if isinstance(v, str):
                return v
    return None


def package_versions(info: Any) -> tuple[str | None, list[dict[str, Any]]]:
    root = info.root
    lock_name, resolved = resolved_versions(root)
    pkgs = ([info.root_pkg] if info.root_pkg is not None else []) + list(info.workspaces)
    out = []
    for name in PACKAGES:
        declared = [{"workspace": p.rel, "range": p.deps()[name]} for p in pkgs if name in p.deps()]
        entry = {"name": name, "declared": declared, "resolved": resolved.get(name, []),
                 "installed": _installed(root, [p.dir for p in info.workspaces], name)}
        if declared or entry["resolved"] or entry["installed"]:
            out.append(entry)
    return lock_name, out


# ------------------------------------------------------------------------------------------------
# secrets


def _last_key(path: str) -> str:
    tail = re.split(r"[.\[]", path)[-1]
    return tail.rstrip("]")


def known_secrets(configs: Any, extra: Iterable[str | None] = ()) -> set[str]:
    """Every literal the masking hides in any config file, and the values of the environment
    variables the config reads under secret-looking keys (as set in this shell)."""
    from wizard.core.migration import env_references

    found: set[str] = set()
    for f in configs.files:
        data = f.doc.root.to_python() if f.doc.root is not None else None
        found |= secret_values("", data, strict=True)
    for var, uses in env_references(configs).items():
        value = os.environ.get(var)
        if not value or len(value) < MIN_SCRUB_LENGTH:
            continue
        keys = [_last_key(u.split(": ", 1)[-1]) for u in uses]
        if any(is_secret_key(k, strict=True) for k in keys) or high_entropy(value) or JWT_RE.search(value):
            found.add(value)
    found |= {s for s in extra if s}
    return found


def _scrub_keeping(text: str, secrets: set[str], keep: Iterable[str]) -> str:
    """scrub(text, secrets), except where `keep` strings (known not to be secrets) occur: each is set
    aside under a marker the text cannot hold (NUL), and put back after."""
    kept = sorted({k for k in keep if k}, key=len, reverse=True)
    for i, k in enumerate(kept):
        text = text.replace(k, f"\0{i}\0")
    text = scrub(text, secrets)
    for i, k in enumerate(kept):
        text = text.replace(f"\0{i}\0", k)
    return text


def _sanitize(value: Any, secrets: set[str], keep: list[str]) -> Any:
    if isinstance(value, dict):
        return _sanitize_dict(value, secrets, keep)
    if isinstance(value, (list, tuple)):
        return [_sanitize(v, secrets, keep) for v in value]
    if isinstance(value, str):
        return _scrub_keeping(value, secrets, keep)
    return value


def _sanitize_dict(value: dict[str, Any], secrets: set[str], keep: list[str]) -> dict[str, Any]:
    return {k: _sanitize(v, secrets, keep) for k, v in value.items()}


# ------------------------------------------------------------------------------------------------
# the report


def _section(data: Any, path: tuple[str, ...]) -> tuple[bool, Any]:
    node = data
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return False, None
        node = node[key]
    return True, node


def _mask_section(path: tuple[str, ...], value: Any) -> Any:
    return mask_value(path[-1], value, strict=True)


def _results_json(results: list[Any]) -> dict[str, Any]:
    from wizard.core.results import checks_json

    return checks_json(results)


def _system(info: Any) -> dict[str, Any]:
    node = info.node
    yarn = info.yarn
    return {
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "node": (node.version if node and node.ok else None),
        "nodeError": (node.error if node and not node.ok else None),
        "yarn": (yarn.version if yarn else None),
        "yarnFlavour": (yarn.flavour if yarn else None),
        "packageManager": (yarn.package_manager if yarn else None),
        "otherPackageManager": (yarn.other_manager if yarn else None),
        "yarnProblem": (yarn.problem if yarn else None),
        "engines.node": info.engines_node,
    }


def build_report(
    root: Path,
    config_names: list[str] | None,
    verify_results: list[Any] | None = None,
    run_verify: bool = False,
    *,
    verify_options: Any = None,
    run_tools: bool = True,
) -> dict[str, Any]:
    """The report as a JSON-ready dict, every secret masked. `run_verify` runs `verify` now (unless
    `verify_results` from an earlier run are given)."""
    from wizard.core import checks, configset, repo
    from wizard.core.apply import iter_history
    from wizard.core.migration import inventory

    root = Path(root)
    info = repo.inspect(root, run_tools=run_tools)
    configs = configset.load(root, config_names, tolerant=True)
    results = checks.run_checks(info, configs)
    extra_secrets: list[str | None] = []
    if run_verify and verify_results is None:
        import asyncio

        from wizard.verify.options import VerifyOptions
        from wizard.verify.runner import run_verify as _run_verify

        opts = verify_options or VerifyOptions()
        extra_secrets += [opts.token, opts.id_token, os.environ.get("BACKSTAGE_TOKEN")]
        verify_results = asyncio.run(_run_verify(root, configs, None, opts))
    elif verify_options is not None:
        extra_secrets += [getattr(verify_options, "token", None), getattr(verify_options, "id_token", None)]

    files = []
    for f in configs.files:
        data = f.doc.root.to_python() if f.doc.root is not None else None
        sections: dict[str, Any] = {}
        for path in SECTIONS:
            present, value = _section(data, path)
            if present:
                sections[".".join(path)] = _mask_section(path, value)
        files.append({"file": f.rel, "sections": sections})
    merged = configs.merged()
    effective: dict[str, Any] = {}
    for path in SECTIONS:
        present, value = _section(merged, path)
        if present:
            effective[".".join(path)] = _mask_section(path, value)
    context: dict[str, Any] = {}
    for path in CONTEXT_VALUES:
        present, value = _section(merged, path)
        if present:
            context[".".join(path)] = _mask_section(path, value)

    check_json = _results_json(results)
    hints = dict(check_json["hints"])
    verify_json = None
    if verify_results is not None:
        verify_json = _results_json(list(verify_results))
        for k, v in verify_json["hints"].items():
            hints.setdefault(k, v)
    fired = {r.hint for r in list(results) + list(verify_results or []) if r.hint and r.status in ("warn", "fail")}
    lock_name, packages = package_versions(info)
    report: dict[str, Any] = {
        "reportVersion": REPORT_VERSION,
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "tool": {"name": "spectro-wizard", "version": __version__},
        "system": _system(info),
        "repo": {
            "root": str(root),
            "backstageVersion": info.backstage_version,
            "backstageJsonError": info.backstage_json_error,
            "frontendSystem": info.frontend_system,
            "frontendEvidence": info.frontend_evidence,
            "app": info.app.rel if info.app else None,
            "backend": info.backend.rel if info.backend else None,
            "backendAdded": list(info.backend_added),
        },
        "lockfile": lock_name,
        "packages": packages,
        "check": {"ok": check_json["ok"], "checks": check_json["checks"]},
        "verify": None if verify_json is None else {"ok": verify_json["ok"], "checks": verify_json["checks"]},
        "hints": {k: v for k, v in hints.items() if k in fired},
        "config": {
            "mergeOrder": [f.rel for f in configs.files],
            "errors": [str(e) for e in configs.errors],
            "context": context,
            "files": files,
            "effective": effective,
        },
        "migration": inventory(configs),
        "history": list(iter_history(root)),
    }
    return _sanitize_dict(report, known_secrets(configs, extra_secrets), [str(root), str(Path(root).resolve())])


# ------------------------------------------------------------------------------------------------
# Markdown


def _yaml(value: Any) -> str:
    from io import StringIO

    from ruamel.yaml import YAML

    y = YAML(typ="safe", pure=True)
    y.default_flow_style = False
    # keep the config's own key order (ruamel.yaml leaves this attribute unannotated: mypy infers None)
    y.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    y.width = 4096
    buf = StringIO()
    y.dump(value, buf)
    return buf.getvalue()


def _fence(text: str, lang: str = "") -> str:
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return f"{ticks}{lang}\n{text.rstrip()}\n{ticks}"


def _cell(text: Any) -> str:
    return str("" if text is None else text).replace("|", "\\|").replace("\n", "<br>")


def _checks_md(lines: list[str], block: dict[str, Any]) -> None:
    lines.append("| status | check | summary |")
    lines.append("| --- | --- | --- |")
    for c in block["checks"]:
        lines.append(f"| {c['status']} | `{c['id']}` | {_cell(c['summary'])} |")
    details = [c for c in block["checks"] if c["status"] in ("warn", "fail") and c.get("detail")]
    if details:
        lines.append("")
        for c in details:
            lines.append(f"**{c['id']}** ({c['status']}" + (f", hint `{c['hint']}`" if c.get("hint") else "") + ")")
            lines.append("")
            lines.append(_fence(c["detail"]))
            lines.append("")


def render_markdown(report: dict[str, Any]) -> str:
    from wizard.core.migration import render_inventory

    r = report
    lines = ["# spectro-wizard support report", "",
             f"Generated {r['generated']} by {r['tool']['name']} {r['tool']['version']}. Every secret is masked "
             f"(`{MASK}`; caData as a fingerprint); `${{VAR}}` references are shown as written.", ""]
    lines += ["## System", "", "| | |", "| --- | --- |"]
    s = r["system"]
    for label, key in (("OS", "os"), ("Python", "python"), ("Node.js", "node"), ("Yarn", "yarn"),
                       ("Yarn flavour", "yarnFlavour"), ("packageManager", "packageManager"), ("engines.node", "engines.node")):
        lines.append(f"| {label} | {_cell(s.get(key) or '—')} |")
    for key in ("nodeError", "yarnProblem", "otherPackageManager"):
        if s.get(key):
            lines.append(f"| {key} | {_cell(s[key])} |")
    repo = r["repo"]
    lines += ["", "## Backstage app", "", "| | |", "| --- | --- |",
              f"| repo | `{_cell(repo['root'])}` |",
              f"| Backstage | {_cell(repo['backstageVersion'] or repo['backstageJsonError'] or 'unknown')} |",
              f"| frontend system | {_cell(repo['frontendSystem'])} ({_cell(repo['frontendEvidence'])}) |",
              f"| app / backend | {_cell(repo['app'])} / {_cell(repo['backend'])} |",
              f"| backend.add(...) | {_cell(', '.join(repo['backendAdded']) or '—')} |", ""]
    lines += ["## Packages", "", f"Lockfile: {r['lockfile'] or 'none found'}", "",
              "| package | declared | resolved (lockfile) | installed |", "| --- | --- | --- | --- |"]
    for p in r["packages"]:
        declared = "<br>".join(f"{d['workspace']}: `{d['range']}`" for d in p["declared"]) or "—"
        lines.append(f"| `{p['name']}` | {declared} | {_cell(', '.join(p['resolved']) or '—')} | {_cell(p['installed'] or '—')} |")
    if not r["packages"]:
        lines.append("| (none of the relevant packages is declared) | | | |")
    lines += ["", "## check", "", f"Overall: {'ok' if r['check']['ok'] else 'FAILED'}", ""]
    _checks_md(lines, r["check"])
    lines += ["", "## verify", ""]
    if r["verify"] is None:
        lines.append("Not run (`spectro-wizard report --verify` runs it).")
    else:
        lines += [f"Overall: {'ok' if r['verify']['ok'] else 'FAILED'}", ""]
        _checks_md(lines, r["verify"])
    lines += ["", "## Hints that fired", ""]
    if not r["hints"]:
        lines.append("None.")
    for hid, h in r["hints"].items():
        lines += [f"### {h['title']} (`{hid}`)", "", _fence(h["text"]), ""]
    cfg = r["config"]
    lines += ["", "## Config", "", "Merge order: " + (", ".join(f"`{n}`" for n in cfg["mergeOrder"]) or "none"), ""]
    for err in cfg["errors"]:
        lines.append(f"- could not load: {err}")
    if cfg["context"]:
        lines += ["", "Values the sections depend on:", "", _fence(_yaml(cfg["context"]), "yaml"), ""]
    for f in cfg["files"]:
        lines += [f"### {f['file']}", ""]
        if not f["sections"]:
            lines += ["(none of the relevant sections)", ""]
            continue
        lines += [_fence(_yaml(f["sections"]), "yaml"), ""]
    lines += ["### Effective (merged, as Backstage reads it)", "",
              _fence(_yaml(cfg["effective"]) if cfg["effective"] else "{}", "yaml"), ""]
    lines += ["## Migration inventory", "", _fence(render_inventory(r["migration"])), ""]
    lines += ["## Apply / undo history", ""]
    if not r["history"]:
        lines.append("No apply recorded.")
    for h in r["history"]:
        extra = f", undone {h['undone']}" if h.get("undone") else ""
        lines.append(f"- **{h['created']}** ({h['status']}{extra}), backup `{h['backup']}`: {', '.join(h['files']) or 'no files'}")
        for a in h.get("actions") or []:
            lines.append(f"    - {a}")
        inst = h.get("install")
        if inst:
            lines.append(f"    - install: `{inst.get('command')}` exit code {inst.get('exitCode')}")
    return "\n".join(lines).rstrip() + "\n"


# ------------------------------------------------------------------------------------------------
# writing


def _secrets_of(root: Path, config_names: list[str] | None) -> set[str]:
    from wizard.core import configset

    try:
        return known_secrets(configset.load(root, config_names, tolerant=True))
    except BadInput:
        return set()


def write_report(
    root: Path,
    config_names: list[str] | None,
    output: Path,
    json_format: bool = False,
    verify_results: list[Any] | None = None,
    run_verify: bool = False,
    *,
    verify_options: Any = None,
    run_tools: bool = True,
) -> Path:
    """Build the report and write it (Markdown, or JSON with `json_format`) atomically to `output`."""
    from wizard.core.apply import STATE_DIR, ensure_state_dir, write_output

    root = Path(root)
    output = Path(output)
    if not output.is_dir() and not output.parent.is_dir() and output.parent.resolve() == (root / STATE_DIR).resolve():
        ensure_state_dir(root)  # the TUI's default place
    report = build_report(root, config_names, verify_results, run_verify, verify_options=verify_options, run_tools=run_tools)
    text = json.dumps(report, indent=2, ensure_ascii=False) + "\n" if json_format else render_markdown(report)
    # once more on the whole text: nothing the masking hid may appear anywhere in the file — but the repo's
    # own path is no secret, and a password that happens to be part of it ("backstage" in .../backstage-app)
    # would both mangle it and tell the reader the secret is a piece of the path: it is kept whole
    text = _scrub_keeping(text, _secrets_of(root, config_names), [str(root), str(root.resolve())])
    return write_output(output, text, "support-report.md", mode=0o600)  # for the person it is sent to, not the machine


# resolved_versions: wizard.core.lockfile
__all__ = ["build_report", "known_secrets", "package_versions", "render_markdown", "resolved_versions", "write_report"]
