"""Production repos for the tests: a Backstage app with the deployment fixtures of
tests/fixtures/production copied in, and what the deployed pod would get, rendered independently of
the wizard (the chart's template and the RHDH operator's mounts re-done here from their sources), so
Backstage's own config loader (tests/support/oracle.py) can judge what a deployed backend loads.

    root = production_repo(tmp_path, {"helm/values.yaml": "deploy/values.yaml"})
    answers = production_answers({"helmValues": "deploy/values.yaml"})
    files = pod_files(root, "deploy/values.yaml", tmp_path / "pod")   # the --config list, in order
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from tests.support.repos import make_repo

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "production"
PRODUCTION_CONFIG = """\
# production settings baked into the image (create-app's Dockerfile CMD names this file)
app:
  baseUrl: https://backstage.example.com
backend:
  baseUrl: https://backstage.example.com
"""
CLUSTER = {"name": "prod-cluster", "url": "https://prod.k8s.example.com:6443", "skipTLSVerify": True}


def production_repo(tmp_path: Path, files: dict[str, str], name: str = "app", **make_repo_kwargs: Any) -> Path:
    """make_repo (app-config.production.yaml too) with fixture files copied in: {fixture: repo path}."""
    make_repo_kwargs.setdefault("production", PRODUCTION_CONFIG)
    root = make_repo(tmp_path, name, **make_repo_kwargs)
    for fixture, dest in files.items():
        (root / dest).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FIXTURES / fixture, root / dest)
    return root


def production_answers(deployment: dict[str, Any], **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"tenant": "abc123", "installPackage": False, "clusters": [dict(CLUSTER)],
                            "deployment": deployment}
    data.update(extra)
    return data


def _yaml() -> YAML:
    return YAML(typ="safe", pure=True)


def _docs(text: str) -> list[Any]:
    return [d for d in _yaml().load_all(text) if d is not None]


def _configmap_data(root: Path, name: str) -> dict[str, str]:
    for path in sorted(root.rglob("*.yaml")):
        if "node_modules" in path.parts or ".spectro-wizard" in path.parts:
            continue
        try:
            docs = _docs(path.read_text(encoding="utf-8"))
        except Exception:  # noqa: BLE001 - not a manifest
            continue
        for d in docs:
            if isinstance(d, dict) and d.get("kind") == "ConfigMap" and (d.get("metadata") or {}).get("name") == name:
                return dict(d.get("data") or {})
    raise AssertionError(f"ConfigMap {name} is not in the repo")


def pod_files(root: Path, deployment: str, pod: Path, kind: str = "helm") -> list[str]:
    """The app-config files the deployed backend is started with, in order, as paths relative to `root`
    (image files) or absolute (`pod`: the ConfigMaps mounted). The chart: backstage.command/args' own
    --config, then each extraAppConfig (ConfigMap key mounted as that file), then backstage.appConfig
    rendered as Helm renders it (toYaml of the mapping); no --config at all: app-config.yaml. RHDH:
    each spec.application.appConfig.configMaps entry, every key (or the one named)."""
    pod.mkdir(parents=True, exist_ok=True)
    text = (root / deployment).read_text(encoding="utf-8")
    out: list[str] = []
    if kind == "rhdh":
        cr = next(d for d in _docs(text) if isinstance(d, dict) and d.get("kind") == "Backstage")
        for entry in cr["spec"]["application"]["appConfig"]["configMaps"]:
            data = _configmap_data(root, entry["name"])
            for key in [entry["key"]] if entry.get("key") else list(data):
                path = pod / f"{entry['name']}--{key}"
                path.write_text(data[key], encoding="utf-8")
                out.append(str(path))
        return out
    values = _yaml().load(text)
    b = values["backstage"]
    if isinstance(b.get("backstage"), dict):
        b = b["backstage"]
    words = [str(w) for w in (b.get("command") or []) + (b.get("args") or [])]
    for i, w in enumerate(words[:-1]):
        if w == "--config":
            out.append(words[i + 1].removeprefix("/app/"))
    for e in b.get("extraAppConfig") or []:
        data = _configmap_data(root, e["configMapRef"])
        path = pod / e["filename"]
        path.write_text(data[e["filename"]], encoding="utf-8")
        out.append(str(path))
    if b.get("appConfig"):
        path = pod / "app-config-from-configmap.yaml"
        buf = __import__("io").StringIO()
        _yaml().dump(b["appConfig"], buf)
        path.write_text(buf.getvalue(), encoding="utf-8")
        out.append(str(path))
    if not out:
        out.append("app-config.yaml")
    return out
