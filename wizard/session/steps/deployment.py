"""Step: production — where Backstage runs on Kubernetes (the backstage Helm chart's values, a Red Hat
Developer Hub Backstage CR), where the wizard writes the config that deployment loads, and the Secret
that brings the client ID and secret to the pod (named here, never filled in by the wizard)."""

from __future__ import annotations

from dataclasses import dataclass

from wizard.core.answers import CONFIG_IN, HELM, RHDH
from wizard.errors import BadInput
from wizard.session.steps.base import Field, StepController

NONE = "none"  # not deployed from this repo (or not now): the plan changes the app only
OTHER = "other"  # a file the search did not find, named by path

# how each place for the production config is offered, and why (the Review shows the plan's own words)
CONFIG_IN_CHOICES: dict[str, tuple[str, str]] = {
    "appConfig": ("in the values file, backstage.appConfig (recommended)",
                  "the chart renders it into a ConfigMap of its own and passes it to Backstage with --config: one "
                  "file to review, deployed by your next helm upgrade"),
    "configMap": ("in an app-config file of its own, in a ConfigMap",
                  "a ConfigMap manifest the wizard writes beside the values file, named in backstage.extraAppConfig: "
                  "for teams that keep config out of the values file; kubectl apply it before the helm upgrade"),
}
assert tuple(CONFIG_IN_CHOICES) == CONFIG_IN


@dataclass(frozen=True)
class Target:
    """A choice of the deployment question, as a front end lists it."""

    key: str  # the target's file, NONE or OTHER
    label: str  # one line
    details: tuple[str, ...]  # what Backstage loads there, its auth environment, the trap, a problem
    kind: str | None = None  # HELM | RHDH (None: NONE / OTHER)
    trap: str | None = None  # the --config trap, one sentence
    problem: str | None = None  # why the file could not be read


class DeploymentStep(StepController):
    name = "deployment"
    heading = "Production: Helm chart or Red Hat Developer Hub"
    field_keys = ("release", "namespace", "secretName", "backendUrl")
    # the words every front end shows for the step's questions
    question = "Where does Backstage run in production?"
    config_in_question = "Where should the SpectroCloud settings go?"
    trap_fix = "Name the image's app-configs in backstage.args (the trap's fix)"
    file_label = "Values file or CR"
    file_placeholder = "deploy/values.yaml (relative to the repo)"
    not_accepted = "the deployment is not accepted yet; see the message under it"
    help = """\
In production Backstage runs on Kubernetes, and what it loads there is not the repo's
app-config.production.yaml by itself: the **backstage Helm chart** loads the files its `args` name and its
`backstage.appConfig` (a ConfigMap), **Red Hat Developer Hub** loads the ConfigMaps its Backstage CR names.
The wizard finds the chart values files and Backstage CRs this repo holds.

* Pick one and the plan also writes the SpectroCloud settings **where that deployment loads them**, with
  the same diff, backup and undo as the app's files. *Not deployed from this repo* leaves production alone.
* **Where the settings go** (Helm): `backstage.appConfig` in the values file, or an app-config file of its
  own in a ConfigMap manifest named in `backstage.extraAppConfig`. RHDH always uses a ConfigMap.
* **The --config trap**: when the chart passes its own `--config` arguments, the image's
  app-config.production.yaml is silently not loaded. Tick the box to name the image's files in
  `backstage.args`; the SpectroCloud settings go where the deployment loads them either way.
* **Secret**: the client ID and secret reach the pod from a Secret the chart names in
  `backstage.extraEnvVarsSecrets` (RHDH: `extraEnvs.secrets`). The wizard writes its *name* only and, after
  Apply, says how to create it from your own environment (no value on a command line).
* **Deployed backend URL** (optional): where `verify --deployment` and the Summary's commands look.
"""

    def fields(self) -> list[Field]:
        labels = {"secretName": ("Secret name", "<release>-spectrocloud"),
                  "backendUrl": ("Deployed backend URL", "https://backstage.example.com (optional, for verify)")}
        return [Field(f.key, *labels.get(f.key, (f.label, f.placeholder)), f.value,
                      optional=f.key in ("secretName", "backendUrl")) for f in super().fields()]

    # ---- the choices -----------------------------------------------------------------------------
    def targets(self) -> list[Target]:
        """The repo's deployments (found by a bounded walk: values files with a `backstage:` section, RHDH
        Backstage CRs), then "another file" and "not deployed from this repo"."""
        out: list[Target] = []
        for t in self.s.deployment_targets():
            details = []
            if t.problem:
                details.append(f"✖ {t.problem}")
            else:
                if t.loads:
                    details.append("loads, in order: " + "; ".join(t.loads))
                details.append(f"auth environment: {t.environment}"
                               + (" (SpectroCloud already configured there)" if t.configured else ""))
                if t.trap:
                    details.append(f"! {t.trap}")
            out.append(Target(t.file, t.where, tuple(details), t.kind, t.trap, t.problem))
        out.append(Target(OTHER, "Another values file or Backstage CR of this repo…",
                          ("name it below, relative to the repo",)))
        out.append(Target(NONE, "Not deployed from this repo (skip production)",
                          ("the plan changes the app's own files only; run the wizard again to add a deployment later",)))
        return out

    def selected(self, targets: list[Target] | None = None) -> str:
        """The choice to start on: the answers' deployment, else the only one the repo holds, else none."""
        targets = targets if targets is not None else self.targets()
        d = self.s.answers.deployment
        found = [t for t in targets if t.kind is not None]
        if d is not None:
            return d.file if any(t.key == d.file for t in found) else OTHER
        if len(found) == 1 and found[0].problem is None:
            return found[0].key
        return NONE

    @staticmethod
    def config_in_choices() -> dict[str, tuple[str, str]]:
        return CONFIG_IN_CHOICES

    def defaults(self) -> dict[str, str]:
        d = self.s.answers.deployment
        if d is None:
            return {"release": "backstage", "namespace": "backstage", "secretName": "", "backendUrl": "",
                    "file": "", "configIn": "appConfig", "loadImageConfigs": ""}
        return {"release": d.release, "namespace": d.namespace, "secretName": d.secretName or "",
                "backendUrl": d.backendUrl or "", "file": d.file, "configIn": d.configIn or "appConfig",
                "loadImageConfigs": "yes" if d.loadImageConfigs else ""}

    def secret_placeholder(self, values: dict[str, str]) -> str:
        """The Secret's name when the field is left empty (the plan's default)."""
        return f"{(values.get('release') or 'backstage').strip()}-spectrocloud"

    def kind_of(self, key: str, values: dict[str, str], targets: list[Target] | None = None) -> str | None:
        """HELM or RHDH for a choice (another file: judged by what it holds), None for none."""
        if key == NONE:
            return None
        if key != OTHER:
            found = next((t for t in (targets or self.targets()) if t.key == key), None)
            return found.kind if found else None
        rel = values.get("file", "").strip()
        if not rel:
            return None
        from wizard.core import deployment, safeio

        try:
            text = safeio.read_repo_text(self.s.root, self.s.root / rel, rel, safeio.SMALL_FILE_CAP)
            return RHDH if deployment.read_rhdh(rel, self.s.root / rel, text) is not None else HELM
        except Exception:  # noqa: BLE001 - not readable, not YAML...: the answers' own rules say why, on submit
            return None

    def shows_config_in(self, kind: str | None) -> bool:
        """Only the Helm chart offers a choice: the RHDH operator reads app-configs from ConfigMaps only."""
        return kind == HELM

    def offers_config_in(self, key: str, values: dict[str, str], targets: list[Target] | None = None) -> bool:
        """Whether to ask where the settings go for this choice: a chart values file; another file unless
        it is known to be an RHDH CR (before it is named, or while it cannot be read, the question stays:
        submit ignores it for a CR)."""
        if key == NONE:
            return False
        kind = self.kind_of(key, values, targets)
        return self.shows_config_in(kind) if (key != OTHER or kind is not None) else True

    # ---- the answer ------------------------------------------------------------------------------
    def submit(self, key: str, values: dict[str, str]) -> dict[str, str]:
        """The choice into the answers; {} when accepted, else each field's sentence by key ("file" for
        the file, "choice" for the choice itself)."""
        s = self.s
        v = {k: (values.get(k) or "").strip() for k in ("release", "namespace", "secretName", "backendUrl", "file",
                                                         "configIn", "loadImageConfigs")}
        if key == NONE:
            s.choose_deployment(None)
            s.autosave()
            return {}
        targets = self.targets()
        if key == OTHER:
            if not v["file"]:
                return {"file": "file: name the chart's values file or the Backstage CR, relative to the repo"}
            file = v["file"]
        else:
            found = next((t for t in targets if t.key == key), None)
            if found is None:
                return {"choice": f"{key} is not one of the deployments this repo holds"}
            if found.problem:
                return {"choice": f"{found.key}: {found.problem}"}
            file = found.key
        problems: dict[str, str] = {}
        for k in ("release", "namespace"):
            if (p := self.problem(k, v[k])) is not None:
                problems[k] = p
        if v["secretName"] and (p := self.problem("secretName", v["secretName"])) is not None:
            problems["secretName"] = p
        if v["backendUrl"] and (p := self.problem("backendUrl", v["backendUrl"])) is not None:
            problems["backendUrl"] = p
        if problems:
            return problems
        kind = self.kind_of(key, v, targets) or HELM
        answer: dict[str, object] = {"helmValues" if kind == HELM else "rhdh": file,
                                     "release": v["release"], "namespace": v["namespace"]}
        previous = s.answers.deployment
        if previous is not None and previous.file == file:
            # what this form does not ask is kept (an answers file's manifest, ConfigMap name, environment)
            for name in ("configMap", "manifest", "environment"):
                if getattr(previous, name):
                    answer[name] = getattr(previous, name)
        if kind == HELM and v["configIn"] in CONFIG_IN and v["configIn"] != "appConfig":
            answer["configIn"] = v["configIn"]
        if v["secretName"]:
            answer["secretName"] = v["secretName"]
        if v["backendUrl"]:
            answer["backendUrl"] = v["backendUrl"]
        if kind == HELM and v["loadImageConfigs"] in ("yes", "true", "1"):
            answer["loadImageConfigs"] = True
        try:
            s.choose_deployment(answer)
        except BadInput as exc:
            return {"file" if key == OTHER else "choice": str(exc)}
        s.autosave()
        return {}
