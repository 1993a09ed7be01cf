"""Turn the answers file's `palette:` key into clusters, at plan time.

The Palette API key comes from the environment variable the answers name; the kubeconfig assets
are reduced to server URL + CA by wizard.remote.palette (credentials are never kept).
"""

from __future__ import annotations

import os
from typing import Any

from wizard.core.answers import Answers, ClusterAnswer, cluster_name
from wizard.errors import BadInput, WizardError
from wizard.remote.http import TLSOptions


class DiscoveryError(WizardError):
    """Palette could not be asked (exit 1): the message says why and what to do."""


def discovered_clusters(answers: Answers, tls: TLSOptions | None = None, timeout: float = 15.0) -> list[ClusterAnswer]:
    p = answers.palette
    if p is None:
        return []
    from wizard.remote.palette import PaletteError, cluster_endpoints_sync, list_clusters_sync

    key = os.environ.get(p.apiKeyEnv)
    if not key:
        raise BadInput(f"palette.apiKeyEnv: {p.apiKeyEnv} is not set in this shell; export the Palette API key there first")
    try:
        found = list_clusters_sync(p.url, key, include_projects=p.includeProjects or (),
                                   exclude_projects=p.excludeProjects or (), tls=tls, timeout=timeout)
        if p.clusters != "all":
            wanted = set(p.clusters)
            missing = wanted - {c.name for c in found}
            if missing:
                raise BadInput(f"palette.clusters: {', '.join(sorted(missing))} not found in Palette "
                               f"(found: {', '.join(sorted(c.name for c in found)) or 'none'})")
            found = [c for c in found if c.name in wanted]
        endpoints = cluster_endpoints_sync(p.url, key, found, tls=tls, timeout=timeout)
    except PaletteError as exc:
        raise DiscoveryError(f"Palette ({p.url}): {exc}") from None
    return cluster_answers(endpoints)


def cluster_answers(endpoints: list[Any]) -> list[ClusterAnswer]:
    """Palette endpoints (server URL + CA) as cluster answers, named like the Palette clusters."""
    out = []
    for e in endpoints:
        ca = ClusterAnswer(name=cluster_name(e.name, e.uid), url=e.server)
        if e.ca_data:
            ca.caData = e.ca_data
        out.append(ca)
    return out


def with_discovered(answers: Answers, tls: TLSOptions | None = None) -> Answers:
    """The answers plus the Palette clusters (a cluster listed under clusters: wins by name)."""
    found = discovered_clusters(answers, tls)
    if not found:
        return answers
    names = {c.name for c in answers.clusters}
    answers.clusters = list(answers.clusters) + [c for c in found if c.name not in names]
    return answers
