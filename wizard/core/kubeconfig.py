"""Import cluster endpoints from a kubeconfig: the server URL and CA only, never credentials.

The `users` section (tokens, client keys, exec plugins) is never read into anything we keep.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from wizard.core import fields, safeio
from wizard.core.cafile import load_ca_file
from wizard.errors import BadInput


@dataclass(frozen=True)
class KubeContext:
    context: str
    cluster: str
    server: str
    ca_data: str | None = None  # base64 PEM, as app-config's caData wants it
    ca_file: str | None = None
    insecure: bool = False
    current: bool = False


def default_paths() -> list[Path]:
    env = os.environ.get("KUBECONFIG")
    if env:
        return [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    return [Path.home() / ".kube" / "config"]


def read_contexts(paths: list[Path] | None = None) -> list[KubeContext]:
    out: list[KubeContext] = []
    seen: set[str] = set()
    for path in paths or default_paths():
        if not path.exists():  # $KUBECONFIG may list files that do not exist (kubectl skips them too)
            continue
        text = safeio.read_text(path, str(path), safeio.SMALL_FILE_CAP)
        try:
            data = YAML(typ="safe", pure=True).load(text)
        except YAMLError as exc:
            raise BadInput(f"{path}: not a readable kubeconfig ({exc.__class__.__name__})") from None
        if not isinstance(data, dict):
            continue
        clusters = {c.get("name"): c.get("cluster") or {} for c in data.get("clusters") or [] if isinstance(c, dict)}
        current = data.get("current-context")
        for ctx in data.get("contexts") or []:
            if not isinstance(ctx, dict) or ctx.get("name") in seen:
                continue
            cname = (ctx.get("context") or {}).get("cluster")
            cl = clusters.get(cname) or {}
            server = cl.get("server")
            if not server:
                continue
            ca_file = cl.get("certificate-authority")
            if ca_file and not os.path.isabs(ca_file):
                ca_file = str((path.parent / ca_file).resolve())
            seen.add(ctx["name"])
            out.append(KubeContext(
                context=str(ctx["name"]), cluster=str(cname), server=str(server),
                ca_data=cl.get("certificate-authority-data"), ca_file=ca_file,
                insecure=bool(cl.get("insecure-skip-tls-verify")), current=ctx["name"] == current,
            ))
    return out


def ca_file_to_data(path: str, base_dir: Path | None = None) -> str:
    """A PEM file as caData (base64), checked by the caFile field rule (the same sentence everywhere)."""
    problem = fields.ca_file_problem(path, base_dir)
    if problem:
        raise BadInput(problem)
    full = Path(path).expanduser()
    if not full.is_absolute() and base_dir is not None:
        full = base_dir / full
    return base64.b64encode(load_ca_file(full, "CA file").encode("ascii")).decode("ascii")
