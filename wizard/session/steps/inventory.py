"""Migrate path: every cluster and cluster-provider environment still on service accounts, and this wave."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wizard.core.answers import ClusterProviderAnswer
from wizard.session.steps.base import StepController

NOTHING = "Nothing uses service accounts: there is nothing to migrate."


@dataclass(frozen=True)
class WaveItem:
    key: str  # "cluster:<name>" or "env:<name>"
    kind: str  # "cluster" | "env"
    name: str
    label: str  # what it is: "cluster (config)", "cluster provider"
    token: str  # where its token comes from (${VAR}, "literal (masked)", "-")
    where: str  # file:line
    data: dict[str, Any]


class InventoryStep(StepController):
    name = "inventory"
    heading = "Inventory: clusters on service accounts"
    help = """\
Every cluster that still reaches Kubernetes with a shared service-account token, in any config file,
and every SpectroCloud cluster-provider environment in serviceAccount mode.

Tick the ones to switch in this **wave**, then review, apply and verify. Mixed mode is normal: the
others keep working as they are, and you come back for the next wave. After a verified wave, the
summary lists the tokens you can revoke and the kubectl commands that delete what the cluster provider
created (the wizard never runs them).
"""

    def items(self) -> list[WaveItem]:
        self.s.load(run_tools=False)
        inv = self.s.inventory()
        out: list[WaveItem] = []
        for c in inv["clusters"]:
            if c["migratable"]:
                token = f"${{{c['tokenEnv']}}}" if c["tokenEnv"] else ("literal (masked)" if c["literalToken"] else "-")
                out.append(WaveItem(f"cluster:{c['name']}", "cluster", c["name"], "cluster (config)", token,
                                    f"{c['file']}:{c['line']}", c))
        for e in inv["environments"]:
            if e["authType"] != "oidc":
                token = f"${{{e['apiTokenEnv']}}}" if e["apiTokenEnv"] else "-"
                out.append(WaveItem(f"env:{e['name']}", "env", str(e["name"]), "cluster provider", token,
                                    f"{e['file']}:{e['line']}", e))
        return out

    def unchanged(self) -> list[str]:
        return [c["name"] for c in self.s.inventory()["clusters"] if not c["migratable"]]

    def selected(self) -> set[str]:
        """The wave as the answers hold it (ticks survive leaving and coming back)."""
        a = self.s.answers
        keys = {f"cluster:{n}" for n in a.migrate} if isinstance(a.migrate, list) else set()
        if a.clusterProvider is not None:
            keys.add(f"env:{a.clusterProvider.name}")
        return keys

    def summary(self, items: list[WaveItem], selected: set[str]) -> str:
        others = self.unchanged()
        if not items:
            return NOTHING + (" Unchanged: " + ", ".join(others) if others else "")
        msg = f"{len(items)} on service accounts · {len(selected & {i.key for i in items})} in this wave"
        return msg + (" · unchanged: " + ", ".join(others[:8]) if others else "")

    def submit(self, items: list[WaveItem], selected: set[str]) -> tuple[list[str], list[str]]:
        """(problems, notes): the wave into the answers, or why not. An empty wave is refused; with
        nothing to migrate there is no wave to take (the flow goes on to Verify, which changes nothing)."""
        if not items:
            return [NOTHING + " Go on to Verify, or Back to choose New setup."], []
        chosen = [i for i in items if i.key in selected]
        if not chosen:
            return ["tick at least one cluster or environment for this wave"], []
        a = self.s.answers
        a.migrate = [i.name for i in chosen if i.kind == "cluster"] or None
        envs = [i.data for i in chosen if i.kind == "env"]
        notes: list[str] = []
        if envs:
            e = envs[0]
            a.clusterProvider = ClusterProviderAnswer(name=str(e["name"]), url=str(e["url"] or self.s.default_palette_url()),
                                                      tenant=e["tenant"], apiTokenEnv=e["apiTokenEnv"] or "SPECTROCLOUD_API_TOKEN")
            if len(envs) > 1:
                notes.append(f"one cluster-provider environment per wave: switching {e['name']} now")
        else:
            a.clusterProvider = None
        return [], notes

    def next_when_empty(self) -> str:
        """Nothing to migrate: the step that still makes sense."""
        return "verify"
