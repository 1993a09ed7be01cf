"""One wizard run, UI-free: the controller every front end (TUI, plain prompts) drives.

It holds the repo, the config files, the draft answers and the path the user chose, and asks the
core for checks, plans, apply and undo. Answers are saved as the user goes (never secrets) to
`.spectro-wizard/answers.yaml`, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from wizard.core import answers as answers_mod
from wizard.core import checks, configset, plan, repo
from wizard.core.answers import Answers
from wizard.core.apply import (
    STATE_DIR, ApplyResult, UndoResult, apply_plan, atomic_write, ensure_state_dir, last_applied, undo_last,
)
from wizard.core.configset import ConfigSet
from wizard.core.results import CheckResult

PATHS = {
    "setup": "New setup: install the module, configure SpectroCloud sign-in and clusters",
    "migrate": "Migrate clusters from service accounts to SpectroCloud OIDC, in waves",
    "verify": "Verify and troubleshoot an existing setup (changes nothing)",
}


@dataclass
class Session:
    root: Path
    config_names: list[str] | None = None
    demo: bool = False
    path: str = "setup"
    answers: Answers = field(default_factory=Answers)
    info: repo.RepoInfo | None = None
    configs: ConfigSet | None = None
    config_error: str | None = None
    last_checks: list[CheckResult] = field(default_factory=list)

    # ---- loading --------------------------------------------------------------------------
    def load(self, run_tools: bool = True) -> None:
        """(Re)read the repo and its config files. A broken config is kept as `config_error`."""
        self.info = repo.inspect(self.root, run_tools=run_tools)
        self.configs = configset.load(self.root, self.config_names, tolerant=True)
        self.config_error = str(self.configs.errors[0]) if self.configs.errors else None
        if self.demo:
            # the demo app has no node_modules and no Yarn: never run the package manager there
            self.answers.installPackage = False

    @property
    def answers_path(self) -> Path:
        return self.root / STATE_DIR / "answers.yaml"

    def saved_answers(self) -> Answers | None:
        if not self.answers_path.is_file():
            return None
        return answers_mod.load_file(self.answers_path)

    def save_answers(self, target: Path | None = None) -> Path:
        path = target or self.answers_path
        if target is None:
            ensure_state_dir(self.root)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, answers_mod.dump(self.answers).encode("utf-8"), 0o644)
        return path

    def autosave(self) -> bool:
        """Save as you go, when the draft is complete enough to be valid. True when saved."""
        try:
            answers_mod.validate(self.answers.to_dict())
        except Exception:
            return False
        try:
            self.save_answers()
        except OSError:
            return False
        return True

    # ---- facts for the screens ------------------------------------------------------------
    def backend_base_url(self) -> str | None:
        if self.configs is None:
            return None
        v = self.configs.effective(["backend", "baseUrl"])
        return v if isinstance(v, str) else None

    def auth_environment(self) -> str:
        if self.configs is None:
            return self.answers.environment or "development"
        return plan.auth_environment(self.configs, self.answers)

    def default_environment(self) -> str:
        """The auth environment the config implies (auth.environment, else development)."""
        if self.configs is None:
            return "development"
        return plan.auth_environment(self.configs, Answers())

    def existing_provider(self) -> dict[str, Any]:
        if self.configs is None:
            return {}
        v = self.configs.effective(["auth", "providers", "spectrocloud", self.auth_environment()])
        return v if isinstance(v, dict) else {}

    @staticmethod
    def env_is_set(name: str) -> bool:
        return bool(name) and bool(os.environ.get(name))

    def inventory(self) -> dict[str, Any]:
        if self.configs is None:
            return {"clusters": [], "environments": []}
        return checks.cluster_inventory(self.configs)

    def prefill_from_config(self) -> None:
        """Start the answers from what the config already says (tenant from the authorization URL...)."""
        prov = self.existing_provider()
        url = prov.get("authorizationUrl")
        if isinstance(url, str) and not self.answers.tenant and not self.answers.authorizationUrl:
            marker = "/v1/oidc/tenant/"
            if marker in url and url.endswith("/auth"):
                self.answers.consoleUrl = url.split(marker)[0]
                self.answers.tenant = url.split(marker)[1][: -len("/auth")]
            else:
                self.answers.authorizationUrl = url
        for key, attr in (("clientId", "clientIdEnv"), ("clientSecret", "clientSecretEnv")):
            v = prov.get(key)
            if isinstance(v, str) and v.startswith("${") and v.endswith("}"):
                setattr(self.answers, attr, v[2:-1])

    # ---- actions ----------------------------------------------------------------------------
    def run_checks(self) -> list[CheckResult]:
        self.load()
        assert self.info is not None and self.configs is not None
        self.last_checks = checks.run_checks(self.info, self.configs)
        return self.last_checks

    def make_plan(self, skip_install: bool = False) -> plan.Plan:
        if self.info is None or self.configs is None:
            self.load(run_tools=False)
        assert self.info is not None and self.configs is not None
        if self.configs.errors:
            raise self.configs.errors[0]
        validated = answers_mod.validate(self.answers.to_dict())
        if validated.palette is not None:
            from wizard.remote.discovery import with_discovered

            validated = with_discovered(validated)
        return plan.make_plan(self.info, self.configs, validated, skip_install=skip_install or self.demo)

    def apply(self, the_plan: plan.Plan, on_output: Callable[[str], None] | None = None) -> ApplyResult:
        before = self.configs
        result = apply_plan(the_plan, on_output=on_output)
        self.load(run_tools=False)
        self.before_apply = before
        return result

    def cleanup(self):  # -> wizard.core.migration.Cleanup | None
        """After a migration wave: the variables safe to revoke and the kubectl commands to run."""
        from wizard.core.migration import cleanup_after

        before = getattr(self, "before_apply", None)
        if before is None or self.configs is None or before.errors or self.configs.errors:
            return None
        return cleanup_after(before, self.configs)

    def rbac_manifests(self, users: list[str], groups: list[str]) -> Path:
        """Write the (Cluster)RoleBindings users need into .spectro-wizard/rbac.yaml (view role)."""
        from wizard import rbac

        text = rbac.render(users, groups)
        path = ensure_state_dir(self.root) / "rbac.yaml"
        atomic_write(path, text.encode("utf-8"), 0o644)
        return path

    def can_undo(self) -> bool:
        return last_applied(self.root) is not None

    def undo(self) -> UndoResult:
        result = undo_last(self.root)
        self.load(run_tools=False)
        return result

    def install_module_now(self, on_output: Callable[[str], None]) -> tuple[bool, str]:
        """The Prerequisites screen's "install the module" action (same command apply runs)."""
        from wizard.core import facts
        from wizard.core.apply import missing_tool_message, run_streaming

        if self.info is None:
            self.load()
        assert self.info is not None
        if self.info.app is None:
            return False, "no frontend package (packages/app) found"
        step = plan.install_command(self.info, facts.MODULE_PKG)
        on_output(f"$ {step.display}")
        try:
            code = run_streaming(step, on_output)
        except FileNotFoundError:
            return False, missing_tool_message(step)
        if code != 0:
            return False, f"`{step.display}` failed with exit code {code}; run it by hand in {self.root} once the cause above is fixed"
        return True, step.display
