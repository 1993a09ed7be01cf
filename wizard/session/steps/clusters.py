"""Step: which clusters users reach with their SpectroCloud identity.

Existing clusters come from the config (service-account ones are ticked to migrate: the tick is an
answer at once, so it survives a dialog, Esc and coming back); new ones are added by hand, imported from
a kubeconfig (server and CA only) or discovered from Palette. The cluster provider, in OIDC mode,
discovers clusters itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from wizard.core.answers import ClusterAnswer, ClusterProviderAnswer
from wizard.core.clusters import auth_label, tls_label
from wizard.core.mask import mask_text
from wizard.session.steps.base import StepController

# where a row comes from when it is not in the config yet (the count says "new" for these)
NEW, KUBECONFIG, PALETTE = "new", "kubeconfig", "palette"
NEW_SOURCES = (NEW, KUBECONFIG, PALETTE)
EMPTY = "add at least one cluster, tick one to migrate, or use the cluster provider"
SKIP_TLS_WARNING = "Without verification anyone between Backstage and the cluster can read users' tokens."
PROVIDER_KEYS = ("providerName", "paletteUrl", "apiTokenEnv")


@dataclass
class ClusterRow:
    name: str
    auth: str
    url: str  # masked (a URL may carry a password)
    source: str  # "file:line" for a cluster in the config, else one of NEW_SOURCES
    migratable: bool
    selected: bool
    tls: str

    @property
    def new(self) -> bool:
        return self.source in NEW_SOURCES

    @property
    def mark(self) -> str:
        # +: added in this run (edit/remove); ☑/☐: a service-account cluster to switch or not
        return "+" if self.new else ("☑" if self.selected else ("☐" if self.migratable else " "))

    def cells(self) -> tuple[str, ...]:
        return (self.mark, self.name, self.auth, self.tls, self.url, self.source)


@dataclass(frozen=True)
class ClusterForm:
    """The Add/Edit dialog's values."""

    name: str
    url: str
    ca_file: str = ""
    skip_tls: bool = False


class ClustersStep(StepController):
    name = "clusters"
    heading = "Clusters"
    columns = ("", "cluster", "auth", "TLS", "url", "from")
    help = """\
Every cluster Backstage shows needs `authProvider: oidc` and `oidcTokenProvider: spectrocloud` to use each
user's SpectroCloud identity.

* Clusters already in app-config are listed with their auth. Tick the service-account ones to switch them
  now; the rest stay as they are (mixed mode works).
* **Add** a cluster by URL, with its CA (a PEM file) — or skip TLS verification, which you should only do
  for a lab cluster. Clusters added in this run are marked **+**: they can be edited (their name too) or
  removed.
* **Import kubeconfig** takes the server URL and CA of chosen contexts, from the file you name
  ($KUBECONFIG or ~/.kube/config by default); credentials are never read.
* **Palette** lists the clusters of your tenant with an API key from an environment variable, or typed
  (masked, used once, never saved).
* **Cluster provider mode** lets the SpectroCloud cluster provider discover clusters itself, in OIDC mode
  (it then creates nothing in the clusters).
"""

    def __init__(self, session: Any):
        super().__init__(session)
        self.sources: dict[str, str] = {}  # where each cluster of this run came from

    # ---- the rows -------------------------------------------------------------------------------
    def rows(self) -> list[ClusterRow]:
        a = self.s.answers
        migrate = set(a.migrate) if isinstance(a.migrate, list) else set()
        rows: list[ClusterRow] = []
        known: set[str] = set()
        for c in self.s.clusters():
            migratable = bool(c["migratable"])
            rows.append(ClusterRow(c["name"], auth_label(c["authProvider"], c["oidcTokenProvider"]),
                                   mask_text(str(c["url"] or "")), f"{c['file']}:{c['line']}", migratable,
                                   migratable and (a.migrate == "all" or c["name"] in migrate), c["tls"]))
            known.add(c["name"])
        rows += [self.new_row(ca) for ca in a.clusters if ca.name not in known]
        return rows

    def new_row(self, ca: ClusterAnswer) -> ClusterRow:
        return ClusterRow(ca.name, "oidc/spectrocloud (new)", mask_text(ca.url or ""), self.sources.get(ca.name, NEW),
                          False, True, tls_label(ca.caData, ca.caFile, ca.skipTLSVerify))

    def count_line(self, rows: Sequence[ClusterRow], shown: int) -> str:
        ticked = sum(1 for r in rows if r.selected and r.migratable)
        new = sum(1 for r in rows if r.new)
        return f"{shown} of {len(rows)} shown · {ticked} to migrate · {new} new"

    # ---- ticks -----------------------------------------------------------------------------------
    def toggle(self, name: str) -> str | None:
        """Tick or untick a service-account cluster (an answer at once); a sentence when it cannot be."""
        row = next((r for r in self.rows() if r.name == name), None)
        if row is None:
            return None
        if row.new:
            return f"{row.name} is added in this run: edit it or remove it"
        if not row.migratable:
            return f"{row.name} is not a service-account cluster; nothing to switch"
        a = self.s.answers
        names = [r.name for r in self.rows() if r.migratable and r.selected]
        names = [n for n in names if n != name] if row.selected else names + [name]
        a.migrate = names or None
        self.s.autosave()
        return None

    # ---- clusters of this run --------------------------------------------------------------------
    def cluster(self, name: str) -> ClusterAnswer | None:
        return next((c for c in self.s.answers.clusters if c.name == name), None)

    def editable(self, name: str) -> str | None:
        """None when `name` is a cluster of this run; else why it cannot be edited or removed."""
        row = next((r for r in self.rows() if r.name == name), None)
        if row is None or row.new:
            return None
        return f"{row.name} is in {row.source}: the wizard edits it only by switching it (tick it)"

    def check_form(self, form: ClusterForm, editing: str | None = None) -> tuple[ClusterAnswer | None, str | None]:
        """The Add/Edit dialog's values as a cluster answer, or the one sentence that refuses them."""
        from wizard.core.kubeconfig import ca_file_to_data

        name, url, ca = form.name.strip(), form.url.strip(), form.ca_file.strip()
        for key, value in (("name", name), ("url", url)):
            if (problem := self.problem(key, value)) is not None:
                return None, problem
        taken = {r.name for r in self.rows() if r.name != editing}
        if name in taken:
            return None, f"name: {name} is already a cluster here; pick another name"
        old = self.cluster(editing) if editing else None
        if old is not None and old.caData and not ca and not form.skip_tls:
            return ClusterAnswer(name=name, url=url, caData=old.caData), None  # the CA read before is kept
        if ca and form.skip_tls:
            return None, "give a CA file or skip verification, not both"
        if not ca and not form.skip_tls:
            return None, "give the cluster's CA file (or skip TLS verification)"
        answer = ClusterAnswer(name=name, url=url)
        if ca:
            if (problem := self.problem("caFile", ca)) is not None:
                return None, problem
            answer.caData = ca_file_to_data(ca, self.s.root)
        else:
            answer.skipTLSVerify = True
        return answer, None

    def save(self, answer: ClusterAnswer, editing: str | None = None, source: str | None = None) -> str:
        """Add (or replace by name) a cluster of this run; the sentence that says so."""
        if editing and editing != answer.name:
            self.s.remove_cluster(editing)  # a rename: the old name goes
            self.sources[answer.name] = self.sources.pop(editing, NEW)
        replaced = self.s.add_cluster(answer)
        self.sources[answer.name] = source or self.sources.get(answer.name, NEW)
        self.s.autosave()
        verb = "replaces the cluster of that name added before" if replaced and not editing else (
            "saved" if editing else "added")
        return f"{answer.name} {verb} ({mask_text(answer.url or '')})"

    def remove_question(self, name: str) -> str:
        return f"Remove {name} from this run's clusters? (it is not in any config file yet)"

    def remove(self, name: str) -> str:
        self.s.remove_cluster(name)
        self.sources.pop(name, None)
        self.s.autosave()
        return f"{name} removed"

    # ---- imports ---------------------------------------------------------------------------------
    def kubeconfig_contexts(self, path: str | None) -> list[Any]:
        return self.s.kubeconfig_contexts(path or None)

    @staticmethod
    def context_label(c: Any) -> str:
        return f"{c.cluster or c.context}  {mask_text(c.server)}" + ("  (current)" if c.current else "")

    @staticmethod
    def palette_label(c: Any) -> str:
        return f"{c.name}  [{c.project_name or 'tenant'}] {c.cloud_type or ''} {c.state or ''}".rstrip()

    def add_all(self, answers: Sequence[ClusterAnswer], source: str) -> list[str]:
        return [self.save(ca, source=source) for ca in answers]

    def from_contexts(self, contexts: Sequence[Any]) -> list[ClusterAnswer]:
        return self.s.clusters_from_contexts(contexts)

    # ---- the cluster provider --------------------------------------------------------------------
    def provider_values(self) -> dict[str, str]:
        p = self.s.answers.clusterProvider
        return {"providerName": p.name if p else "palette", "paletteUrl": p.url if p else self.s.default_palette_url(),
                "apiTokenEnv": p.apiTokenEnv if p else "SPECTROCLOUD_API_TOKEN",
                "projects": ", ".join(p.includeProjects or []) if p else ""}

    def provider_on(self) -> bool:
        return self.s.answers.clusterProvider is not None

    def set_provider(self, on: bool, values: dict[str, str]) -> str | None:
        """The cluster provider into the answers (or out of them); a sentence when a value is wrong."""
        a = self.s.answers
        if not on:
            a.clusterProvider = None
            return None
        v = {k: (values.get(k) or "").strip() for k in (*PROVIDER_KEYS, "projects")}
        for key in PROVIDER_KEYS:
            if (problem := self.problem(key, v[key])) is not None:
                return f"cluster provider: {problem}"
        projects = [p.strip() for p in v["projects"].split(",") if p.strip()]
        a.clusterProvider = ClusterProviderAnswer(name=v["providerName"], url=v["paletteUrl"], tenant=a.tenant,
                                                  apiTokenEnv=v["apiTokenEnv"], includeProjects=projects or None)
        return None

    # ---- going on --------------------------------------------------------------------------------
    def submit(self) -> list[str]:
        """[] to go on; a sentence when the step would add nothing (both front ends refuse an empty step)."""
        a = self.s.answers
        has_any = bool(a.clusters or a.migrate or a.clusterProvider or
                       any(r.auth.startswith("oidc/spectrocloud") for r in self.rows()))
        if not has_any:
            return [EMPTY]
        self.s.autosave()
        return []
