"""`spectro-wizard plain`: the wizard's flow as line-by-line prompts (questionary).

No full-screen redraws: it works over a bare SSH terminal and with a screen reader. It walks the
session's one step list (the same steps, in the same order, as the TUI): for each step it calls its
method of the same name, which draws the step's controller (wizard.session.steps) as prompts — the
fields, rules, defaults and wording are the controller's. Ctrl+C at any prompt ends it with nothing
written (exit 130).
"""

from __future__ import annotations

import asyncio
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import questionary
from questionary import Choice

from wizard.errors import WizardError
from wizard.output import Printer, print_checks
from wizard.session import Session
from wizard.session.steps import controller

# questionary shows a validation message on one line at the bottom and cuts what does not fit: the
# whole sentence is printed above the prompt too
_VALIDATION_WIDTH = 100


class Cancelled(Exception):
    pass


class Prompts:
    """questionary with an injectable input/output (tests drive it through a pipe)."""

    def __init__(self, input: Any = None, output: Any = None, printer: Printer | None = None):
        self.kw: dict[str, Any] = {}
        if input is not None:
            self.kw["input"] = input
        if output is not None:
            self.kw["output"] = output
        self.p = printer

    def _ask(self, question: Any) -> Any:
        try:
            answer = question.unsafe_ask()
        except (KeyboardInterrupt, EOFError):
            raise Cancelled() from None
        return answer

    @staticmethod
    def validator(field: str | None, optional: bool = False, base_dir: Path | None = None,
                  long: Callable[[str], None] | None = None) -> Callable[[str], bool | str]:
        """questionary's check for a field: True, or the sentence the TUI and answers files give (a
        sentence too long for the prompt's one line goes to `long` in full)."""
        from wizard.core import fields

        def validate(value: str) -> bool | str:
            if optional and not value.strip():
                return True
            problem = fields.problem(field, value, base_dir) if field else None
            if problem is None:
                return True
            sentence = f"{field}: {problem}"
            if long is not None and len(sentence) > _VALIDATION_WIDTH:
                long(sentence)
                return textwrap.shorten(sentence, _VALIDATION_WIDTH - 20, placeholder=" … (in full above)")
            return sentence

        return validate

    def text(self, message: str, default: str = "", field: str | None = None, optional: bool = False,
             base_dir: Path | None = None) -> str:
        """A line of text, checked by the field's rule (the same sentence the TUI and answers files give)."""
        shown: set[str] = set()

        def in_full(sentence: str) -> None:
            if self.p is not None and sentence not in shown:
                shown.add(sentence)
                self.p.line(f"  ! {sentence}")

        validate = self.validator(field, optional, base_dir, in_full)
        return str(self._ask(questionary.text(message, default=default, validate=validate, **self.kw))).strip()

    def confirm(self, message: str, default: bool = True) -> bool:
        return bool(self._ask(questionary.confirm(message, default=default, **self.kw)))

    def select(self, message: str, choices: list[Choice], default: Any = None) -> Any:
        return self._ask(questionary.select(message, choices=choices, default=default, **self.kw))

    def checkbox(self, message: str, choices: list[Choice]) -> list[Any]:
        return list(self._ask(questionary.checkbox(message, choices=choices, **self.kw)) or [])

    def secret(self, message: str) -> str:
        """Typed masked; the caller uses it and forgets it (never saved, never printed)."""
        return str(self._ask(questionary.password(message, **self.kw)) or "").strip()


def run_plain(root: Path, config_names: list[str] | None = None, demo: bool = False,
              input: Any = None, output: Any = None, out: TextIO | None = None, world: Any = None) -> int:
    stream = out or sys.stdout
    p = Printer(stream, wrap=True)
    ask = Prompts(input, output, p)
    session = Session(root, config_names, demo=demo, world=world)
    if world is not None:
        world.prefill(session.answers)
    try:
        return PlainFlow(session, ask, p).run()
    except Cancelled:
        p.line("")
        p.line("Cancelled: the config was not changed (answers so far are kept in .spectro-wizard/answers.yaml for next time).")
        return 130
    except WizardError as exc:
        p.line(f"spectro-wizard: {exc}")
        return exc.exit_code


class _Stop(Exception):
    """The flow ends here (an apply failed and was undone, a prerequisite stops it); `code` says how."""


class PlainFlow:
    """One method per step of the session's list (the method's name is the step's); `run` walks the
    path the user chose."""

    def __init__(self, s: Session, ask: Prompts, p: Printer):
        self.s, self.ask, self.p = s, ask, p
        self.code = 0
        self.applied = False
        self.backend_url: str | None = None  # asked once: at the restart wait, else at verify

    def step(self, name: str) -> Any:
        return controller(self.s, name)

    def run(self) -> int:
        self.welcome()
        try:
            for name in self.s.steps[1:]:
                getattr(self, name)()
        except _Stop:
            pass
        return self.code

    def stop(self, code: int) -> None:
        self.code = code
        raise _Stop()

    # ---- steps -------------------------------------------------------------------------------
    def welcome(self) -> None:
        s, p, ask = self.s, self.p, self.ask
        step = self.step("welcome")
        s.load(run_tools=False)
        f = step.facts()
        p.line(p.c("bold", "spectro-wizard — SpectroCloud Kubernetes auth for Backstage"))
        p.line(f"Backstage app: {f.root}" + (" (demo copy)" if f.demo else ""))
        for line in f.demo_banner:
            p.line(p.c("warn", line))
        if f.version:
            p.line(f"  version {f.version}, frontend system: {f.frontend_system}")
        if f.config_files:
            p.line(f"  config files (merge order): {f.config_files}")
        if f.config_error:
            p.line(f"  {f.config_error}")
        p.line("")
        p.line(step.will_do())
        p.line("")
        if step.saved_answers_exist():
            if ask.confirm("Saved answers found. Resume from them?", True):
                try:
                    step.resume()
                except WizardError as exc:
                    p.line(f"  {p.mark('fail')} {exc}")
            else:
                # not resuming never loses them: they are kept aside, said where
                aside = step.start_fresh()
                if aside:
                    p.line(f"  the saved answers were kept in {aside}")
        path = ask.select("What do you want to do?", [Choice(text, value=key) for key, text in step.paths.items()])
        step.choose(path)

    def prereqs(self) -> None:
        step = self.step("prereqs")
        self.p.line("")
        rows = step.run()
        print_checks(self.p, "Prerequisites", [r.result for r in rows], show_hints=True, set_up=step.fixed_by_apply())
        stops = step.stopping(rows)
        if stops:
            self.p.line(self.p.c("bold", "The wizard cannot fix these, and a setup written past them would not work:"))
            for problem in step.submit(rows):
                self.p.line(f"  {self.p.mark('fail')} {problem}")
            self.stop(1)
        if not self.ask.confirm("Continue?", True):
            raise Cancelled()
        step.submit(rows)

    def inventory(self) -> None:
        s, ask, p = self.s, self.ask, self.p
        step = self.step("inventory")
        items = step.items()
        if not items:
            p.line(step.summary(items, set()))
            return
        picked = ask.checkbox("Which ones switch to SpectroCloud OIDC in this wave? (space ticks, enter confirms)", [
            Choice(f"{i.name} ({i.label}, {i.where}" + (f", token {i.token}" if i.token != "-" else "") + ")", value=i.key)
            for i in items])
        problems, notes = step.submit(items, set(picked))
        for line in problems + notes:
            p.line(f"  ! {line}")
        if problems:
            self.stop(1)
        s.autosave()

    def tenant(self) -> None:
        ask, p = self.ask, self.p
        step = self.step("tenant")
        p.line("")
        p.line(p.c("bold", step.intro))
        values = step.defaults()
        for f in step.fields():
            values[f.key] = ask.text(f"{f.label}:", values[f.key], f.key)
            if f.key.endswith("Env"):
                p.line("  " + step.env_marks(values)[f.key].sentence)
        problems = step.submit(values)
        for text in problems.values():
            p.line(f"  {p.mark('fail')} {text}")
        if problems:
            self.stop(2)

    def clusters(self) -> None:
        s, ask, p = self.s, self.ask, self.p
        step = self.step("clusters")
        rows = step.rows()
        p.line("")
        p.line(p.c("bold", "Clusters"))
        for r in rows:
            p.line(f"  {r.name}: {r.auth}, {r.tls} ({r.source})")
        migratable = [r for r in rows if r.migratable]
        if migratable:
            picked = ask.checkbox("Switch these clusters to SpectroCloud OIDC now?",
                                  [Choice(r.name, value=r.name, checked=r.selected) for r in migratable])
            for r in migratable:
                if (r.name in picked) != r.selected:
                    step.toggle(r.name)
        while ask.confirm("Add a cluster by URL?", not s.answers.clusters and not rows):
            self.add_cluster(step)
        if ask.confirm("Add clusters from a kubeconfig (server URL and CA only; credentials are not read)?", False):
            self.import_kubeconfig(step)
        if ask.confirm("Add clusters found in Palette (your tenant's clusters, with a Palette API key)?", False):
            self.discover_in_palette(step)
        on = ask.confirm("Use the SpectroCloud cluster provider (discovers clusters from Palette) in OIDC mode?",
                         step.provider_on())
        values = step.provider_values()
        if on:
            values["providerName"] = ask.text("Environment name:", values["providerName"], "providerName")
            values["paletteUrl"] = ask.text("Palette API URL:", values["paletteUrl"], "paletteUrl")
            values["apiTokenEnv"] = ask.text("Environment variable holding the Palette API key:", values["apiTokenEnv"], "apiTokenEnv")
            values["projects"] = ask.text("Projects to include (comma separated, empty for all):", values["projects"], optional=True)
        problem = step.set_provider(on, values)
        problems = [problem] if problem else step.submit()
        for line in problems:
            p.line(f"  {p.mark('fail')} {line}")
        if problems:
            self.stop(1)

    def import_kubeconfig(self, step: Any) -> None:
        ask, p = self.ask, self.p
        while True:
            path = ask.text("kubeconfig file (empty: $KUBECONFIG, else ~/.kube/config):", "", optional=True)
            try:
                contexts = step.kubeconfig_contexts(path or None)
            except WizardError as exc:
                p.line(f"  {p.mark('fail')} {exc}")
                contexts = []
            if contexts:
                break
            if not path:
                p.line(f"  {p.mark('warn')} no contexts in $KUBECONFIG or ~/.kube/config")
            if not ask.confirm("Try another kubeconfig file?", True):
                return
        picked = ask.checkbox("Which clusters? (space ticks, enter confirms)",
                              [Choice(step.context_label(c), value=c) for c in contexts])
        self._say(step.add_all(step.from_contexts(picked), "kubeconfig"))

    def discover_in_palette(self, step: Any) -> None:
        s, ask, p = self.s, self.ask, self.p
        import os

        url = ask.text("Palette API URL:", s.default_palette_url(), "paletteUrl")
        env = ask.text("Environment variable holding the Palette API key:", "SPECTROCLOUD_API_TOKEN", "apiTokenEnv")
        key = os.environ.get(env) or ask.secret(f"{env} is not set here: type the API key (masked, used now, never saved):")
        if not key:
            p.line(f"  {p.mark('warn')} no API key: nothing listed")
            return
        try:
            found = asyncio.run(s.palette_clusters(url, key))
            if not found:
                p.line(f"  {p.mark('warn')} no clusters in this tenant")
                return
            chosen = ask.checkbox("Which clusters? (space ticks, enter confirms)",
                                  [Choice(step.palette_label(c), value=c) for c in found])
            added = asyncio.run(s.palette_cluster_answers(url, key, chosen)) if chosen else []
        except WizardError as exc:
            p.line(f"  {p.mark('fail')} {exc}")
            return
        self._say(step.add_all(added, "palette"))

    def _say(self, lines: list[str]) -> None:
        for line in lines:
            self.p.line(f"  {line}")

    def add_cluster(self, step: Any) -> None:
        from wizard.session.steps.clusters import SKIP_TLS_WARNING, ClusterForm

        ask, p = self.ask, self.p
        name = ask.text("Cluster name:", "", "name")
        url = ask.text("API server URL:", "", "url")
        how = ask.select("How should Backstage trust its certificate?", [
            Choice("with its CA certificate (a PEM file)", value="ca"),
            Choice(f"skip TLS verification (lab clusters only: {SKIP_TLS_WARNING[:1].lower()}{SKIP_TLS_WARNING[1:]})", value="skip"),
        ])
        ca = ask.text("CA certificate file:", "", "caFile", base_dir=self.s.root) if how == "ca" else ""
        answer, problem = step.check_form(ClusterForm(name, url, ca, how == "skip"))
        if problem is not None:
            p.line(f"  {p.mark('fail')} {problem}")
            return
        self._say([step.save(answer)])

    def deployment(self) -> None:
        """Production: which of the repo's deployments gets the settings (or none), and how."""
        from wizard.session.steps.deployment import NONE, OTHER

        ask, p = self.ask, self.p
        step = self.step("deployment")
        targets = step.targets()
        p.line("")
        p.line(p.c("bold", step.heading))
        for t in targets:
            if t.kind is None:
                continue
            p.line(f"  {t.label}")
            for d in t.details:
                p.line(f"      {d}")
        values = step.defaults()
        start = step.selected(targets)
        choices = [Choice(t.label, value=t.key, disabled=t.problem) for t in targets]
        key = ask.select(step.question, choices,
                         default=next((c for c in choices if c.value == start), choices[-1]))
        while True:
            if key == OTHER:
                values["file"] = ask.text(f"{step.file_label} ({step.file_placeholder}):", values["file"])
            if key != NONE:
                if step.offers_config_in(key, values, targets):
                    opts = step.config_in_choices()
                    pick = [Choice(f"{label}: {why}", value=k) for k, (label, why) in opts.items()]
                    values["configIn"] = ask.select(step.config_in_question, pick,
                                                    default=next(c for c in pick if c.value == values["configIn"]))
                    trap = next((t.trap for t in targets if t.key == key and t.trap), None)
                    if trap:  # said above, in the target's details
                        values["loadImageConfigs"] = "yes" if ask.confirm(
                            step.trap_fix + "?", values["loadImageConfigs"] == "yes") else ""
                for f in step.fields():
                    placeholder = step.secret_placeholder(values) if f.key == "secretName" else f.placeholder
                    label = f"{f.label}" + (f" (empty: {placeholder})" if f.optional and placeholder else "") + ":"
                    values[f.key] = ask.text(label, values[f.key], f.key, optional=f.optional)
            problems = step.submit(key, values)
            if not problems:
                return
            for text in problems.values():
                p.line(f"  {p.mark('fail')} {text}")
            if not ask.confirm("Answer again?", True):
                self.stop(2)

    def frontend(self) -> None:
        """The wiring question, on the new frontend system only (a legacy app has one way: apis.ts)."""
        s, ask, p = self.s, self.ask, self.p
        step = self.step("review")
        current, choosable = s.frontend_wiring()
        if not choosable:
            return
        p.line("")
        choices = [Choice(f"{label}: {why}", value=value) for value, (label, why) in step.choices.items()]
        chosen = ask.select("How should the wizard wire SpectroCloud into the app's frontend?", choices,
                            default=next((c for c in choices if c.value == current), choices[0]))
        step.choose_wiring(chosen)

    def review(self) -> None:
        s, ask, p = self.s, self.ask, self.p
        self.frontend()
        s.autosave()
        review = self.step("review").compute()
        p.line("")
        if review.error:
            p.line(f"spectro-wizard: {review.error}")
            self.stop(1)
        t = review.text
        if review.empty:
            p.line(review.summary)
            return
        if t.frontend:
            p.line(t.frontend)
        for line in t.deployment:
            p.line(line)
        p.line(p.c("bold", "These changes will be written (backups first):"))
        for a in t.actions:
            p.line(f"  • {a}")
        for d in t.diffs:
            p.line("")
            p.diff(d)
        for n in t.notes:
            p.line(f"  ! {n}")
        p.line("")
        if review.problems:
            from wizard.session.steps.review import STOPS

            p.line(p.c("bold", STOPS))
            for problem in review.problems:
                p.line(f"  {p.mark('fail')} {problem}")
            self.stop(1)
        if not ask.confirm("Apply these changes?", False):
            raise Cancelled()

    def apply(self) -> None:
        s, p = self.s, self.p
        if s.plan is None or s.plan.empty:
            return
        outcome = self.step("apply").run(on_output=lambda line: p.line(f"  │ {line}"))
        for line in outcome.lines:
            p.line(line.replace("✔", p.mark("ok")).replace("✖", p.mark("fail")))
        if not outcome.ok:
            self.stop(1)
        self.applied = True
        if outcome.cleanup:
            p.line("")
            for ln in outcome.cleanup.splitlines():
                p.line(ln)

    def restart(self) -> None:
        if not self.applied:
            return  # nothing was written: the running backend already serves this config
        p, ask = self.p, self.ask
        step = self.step("restart")
        p.line("")
        p.line(step.instruction())
        restarted = step.restart_stand_in()
        if restarted:
            p.line(restarted)
            url = ""
        elif not ask.confirm("Wait until the restarted backend serves the new config? (no skips the wait)", True):
            step.skip()
            return
        else:
            url = ask.text("Backend URL:", step.defaults()["backendUrl"], "backendUrl")
        self.backend_url = step.url(url)
        last: list[str] = []

        def progress(pr: Any) -> None:
            # a line when what is missing changes, not one a second
            if pr.waiting != last:
                last[:] = pr.waiting
                p.line(f"  {pr.line}")

        p.line("Waiting (Ctrl+C skips the wait)…")
        try:
            result = asyncio.run(step.wait(url, progress))
        except KeyboardInterrupt:
            p.line("  wait skipped")
            step.skip()
            return
        p.line(result.message.replace("✔", p.mark("ok")).replace("✖", p.mark("warn")))

    def verify(self) -> None:
        s, ask, p = self.s, self.ask, self.p
        step = self.step("verify")
        if s.path != "verify" and not ask.confirm("Run the verification now?", True):
            return
        backend = self.backend_url or ask.text("Backend URL:", s.backend_url_to_reach() or "http://localhost:7007", "backendUrl")
        id_token = ""
        if ask.confirm("Sign in to test my access (opens your browser, as kubelogin does)?", False):
            import webbrowser

            def show(url: str) -> None:
                p.line(f"  sign in in your browser; if none opens, open: {url}")

            try:
                signed = step.sign_in(lambda url: webbrowser.open(url, new=2), show)
                p.line(f"{p.mark('ok')} signed in as {signed.username}")
                id_token = signed.id_token
            except WizardError as exc:
                p.line(f"{p.mark('fail')} {exc}")
        results = asyncio.run(step.run(step.options(backend, id_token)))
        p.line("")
        print_checks(p, "Verify", results, show_hints=True, not_tested=s.verify_untested)
        self.code = 1 if any(r.status == "fail" for r in results) else 0

    def summary(self) -> None:
        s, p = self.s, self.p
        if s.path == "verify":
            return  # nothing was asked that could be replayed
        step = self.step("summary")
        todo = step.next_steps()
        if todo:
            p.line("")
            p.line(p.c("bold", "Next steps"))
            for i, line in enumerate(todo, 1):
                p.line(f"  {i}. {line}")
        production = step.production()
        if production:
            p.line("")
            p.line(p.c("bold", "Production"))
            for line in production:
                p.line(line)
        path = s.save_answers()
        rel = path.relative_to(s.root)
        p.line(f"Answers saved to {rel} (no secrets). Replay them with `spectro-wizard apply --answers {rel}`.")
