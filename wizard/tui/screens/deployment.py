"""Step: production — the deployment controller's choices (the repo's chart values files and Backstage
CRs, another file, none), where the settings go, the --config trap and the Secret's name, drawn as a form."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Static

from wizard.session.steps.deployment import NONE, OTHER
from wizard.tui.screens.base import WizardScreen
from wizard.tui.widgets.fieldinput import FieldValidator


class DeploymentScreen(WizardScreen):
    STEP = "deployment"
    BUTTON_KEYS = {"continue": "ctrl+n"}
    CSS_PATH = "deployment.tcss"

    def body(self) -> ComposeResult:
        step = self.step
        self.targets = step.targets()
        self.chosen = step.selected(self.targets)
        with VerticalScroll(id="deployment-form"):
            yield Static(step.question, classes="question")
            with RadioSet(id="targets"):
                for i, t in enumerate(self.targets):
                    yield RadioButton(t.label, value=t.key == self.chosen, id=f"target-{i}")
            yield Static("", id="target-details", classes="muted", markup=False)
            yield Static("", id="choice-error", classes="error-text", markup=False)
            with Horizontal(classes="field-row", id="file-row"):
                yield Label(step.file_label, classes="field-label")
                yield Input(id="file", compact=True, placeholder=step.file_placeholder)
            yield Static("", id="file-error", classes="error-text", markup=False)
            with Vertical(id="production-fields"):
                yield Static(step.config_in_question, classes="question", id="config-in-question")
                with RadioSet(id="config-in"):
                    for key, (label, _why) in step.config_in_choices().items():
                        yield RadioButton(label, id=f"config-in-{key}")
                yield Static("", id="config-in-why", classes="muted", markup=False)
                yield Checkbox(step.trap_fix, id="load-image-configs")
                for f in step.fields():
                    with Horizontal(classes="field-row"):
                        yield Label(f.label, classes="field-label")
                        yield Input(id=f.key, compact=True, placeholder=f.placeholder,
                                    validators=[FieldValidator(f.key, optional=f.optional)],
                                    validate_on=["changed", "blur"])
                    yield Static("", id=f"{f.key}-error", classes="error-text", markup=False)
        with Horizontal(classes="buttons"):
            yield Button("Continue", variant="primary", id="continue")

    def on_mount(self) -> None:
        values = self.step.defaults()
        for f in self.step.fields():
            self.query_one(f"#{f.key}", Input).value = values.get(f.key, "")
        self.query_one("#file", Input).value = values.get("file", "") if self.chosen == OTHER else ""
        config_in = values.get("configIn") or "appConfig"
        self.query_one(f"#config-in-{config_in}", RadioButton).value = True
        self.query_one("#load-image-configs", Checkbox).value = values.get("loadImageConfigs") == "yes"
        for err in self.query(".error-text"):
            err.display = False
        self.show_choice()
        self.query_one("#targets", RadioSet).focus()

    # ---- drawing the choice ------------------------------------------------------------------
    def current_key(self) -> str:
        pressed = self.query_one("#targets", RadioSet).pressed_index
        return self.targets[pressed].key if 0 <= pressed < len(self.targets) else self.chosen

    def config_in(self) -> str:
        pressed = self.query_one("#config-in", RadioSet).pressed_button
        return (pressed.id or "config-in-appConfig").removeprefix("config-in-") if pressed else "appConfig"

    def show_choice(self) -> None:
        step = self.step
        key = self.current_key()
        target = next(t for t in self.targets if t.key == key)
        self.query_one("#target-details", Static).update("\n".join(target.details))
        self.query_one("#file-row").display = key == OTHER
        production = key != NONE
        self.query_one("#production-fields").display = production
        shows = step.offers_config_in(key, self.values(), self.targets)
        for wid in ("#config-in-question", "#config-in", "#config-in-why"):
            self.query_one(wid).display = production and shows
        self.query_one("#config-in-why", Static).update(step.config_in_choices()[self.config_in()][1])
        self.query_one("#load-image-configs").display = production and bool(target.trap)
        self.query_one("#secretName", Input).placeholder = step.secret_placeholder(self.values())

    def values(self) -> dict[str, str]:
        out = {f.key: self.query_one(f"#{f.key}", Input).value for f in self.step.fields()}
        out["file"] = self.query_one("#file", Input).value
        out["configIn"] = self.config_in()
        out["loadImageConfigs"] = "yes" if self.query_one("#load-image-configs", Checkbox).value else ""
        return out

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self.show_choice()
        if self.is_current:
            self.wizard.dirty = True

    def on_input_changed(self, event: Input.Changed) -> None:
        fid = event.input.id or ""
        result = event.validation_result
        self.set_error(fid, "" if result is None or result.is_valid else "; ".join(result.failure_descriptions))
        if fid == "release":
            self.query_one("#secretName", Input).placeholder = self.step.secret_placeholder(self.values())
        if fid == "file":  # a Backstage CR named here: no "where the settings go" question (RHDH: ConfigMaps)
            self.show_choice()
        if self.is_current and self.app.focused is event.input:
            self.wizard.dirty = True

    def set_error(self, fid: str, text: str) -> None:
        for err in self.query(f"#{fid}-error"):
            err.update(text)  # type: ignore[attr-defined]
            err.display = bool(text)

    # ---- the answer --------------------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id != "continue":
            return
        for fid in ("choice", "file", *(f.key for f in self.step.fields())):
            self.set_error(fid, "")
        problems = self.step.submit(self.current_key(), self.values())
        for key, text in problems.items():
            self.set_error(key, text)
        if problems:
            self.error(self.step.not_accepted)
            return
        self.wizard.mark_dirty()
        self.wizard.next()
