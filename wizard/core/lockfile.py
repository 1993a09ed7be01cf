"""What a repo's lockfile resolved: `{package: versions}` from yarn.lock (classic and Berry),
package-lock.json or pnpm-lock.yaml. The support report lists it; the planner pins an added package
to the version the app already resolves (a Backstage plugin's helpers must match the plugin: adding
`@backstage/plugin-kubernetes-react` at `latest` to an app on an older release would break its build).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from wizard.core import safeio


def _split_descriptor(desc: str) -> tuple[str, str] | None:
    """`@scope/name@npm:^1.2` -> (`@scope/name`, `npm:^1.2`)."""
    desc = desc.strip().strip("\"'")
    at = desc.find("@", 1)
    if at <= 0:
        return None
    return desc[:at], desc[at + 1:]


def _yarn_lock(text: str) -> dict[str, set[str]]:
    """Yarn Berry (`version: 1.2.3`) and Yarn 1 (`version "1.2.3"`) lockfiles."""
    out: dict[str, set[str]] = {}
    names: list[str] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            names = []
            if line.rstrip().endswith(":") and not line.startswith("__metadata"):
                for desc in line.rstrip()[:-1].split(","):
                    parsed = _split_descriptor(desc)
                    if parsed:
                        names.append(parsed[0])
            continue
        m = re.match(r"^\s+version:?\s+\"?([^\"\s]+)\"?\s*$", line)
        if m and names and line.startswith("  ") and not line.startswith("   "):
            for n in names:
                out.setdefault(n, set()).add(m.group(1))
    return out


def _npm_lock(text: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return out
    for key, entry in (data.get("packages") or {}).items():
        if "node_modules/" in key and isinstance(entry, dict) and isinstance(entry.get("version"), str):
            out.setdefault(key.rsplit("node_modules/", 1)[1], set()).add(entry["version"])

    def walk(deps: Any) -> None:
        if isinstance(deps, dict):
            for name, entry in deps.items():
                if isinstance(entry, dict):
                    if isinstance(entry.get("version"), str):
                        out.setdefault(name, set()).add(entry["version"])
                    walk(entry.get("dependencies"))

    walk(data.get("dependencies"))
    return out


def _pnpm_lock(text: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for m in re.finditer(r"^\s{2}['\"]?/?(@?[^@\s'\"/]+(?:/[^@\s'\"]+)?)@(\d[^:(\s'\"]*)", text, re.M):
        out.setdefault(m.group(1), set()).add(m.group(2))
    return out


def resolved_versions(root: Path) -> tuple[str | None, dict[str, list[str]]]:
    """(lockfile name, {package: versions}) from yarn.lock, package-lock.json or pnpm-lock.yaml."""
    for name, parse in (("yarn.lock", _yarn_lock), ("package-lock.json", _npm_lock), ("pnpm-lock.yaml", _pnpm_lock)):
        path = root / name
        if path.is_file():
            text = safeio.try_read_repo_text(root, path, safeio.LOCKFILE_CAP)
            if text is None:
                continue
            return name, {k: sorted(v) for k, v in parse(text).items()}
    return None, {}


def locked_version(root: Path, package: str) -> str | None:
    """The highest version of `package` the lockfile resolves (None: not locked)."""
    from packaging.version import InvalidVersion, Version

    _name, resolved = resolved_versions(root)
    versions = resolved.get(package) or []

    def key(v: str) -> Version:
        try:
            return Version(v)
        except InvalidVersion:
            return Version("0")

    return max(versions, key=key) if versions else None
