"""The Production step's controller, with no UI: the repo's deployments as choices, the default, and what
an answer becomes (the answers-file form the plan reads), on repos holding the production fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.production import production_repo
from wizard.core.answers import HELM, RHDH
from wizard.session import Session
from wizard.session.steps import controller
from wizard.session.steps.deployment import NONE, OTHER

pytestmark = pytest.mark.usefixtures("stand_ins")


def step_for(root: Path):
    s = Session(root)
    s.load(run_tools=False)
    s.answers.tenant = "acme"
    return s, controller(s, "deployment")


def test_the_one_chart_values_file_is_the_default_with_what_it_loads_and_its_trap(tmp_path: Path) -> None:
    root = production_repo(tmp_path, {"helm/values-trap.yaml": "deploy/values.yaml"})
    s, step = step_for(root)
    targets = step.targets()
    assert [t.key for t in targets] == ["deploy/values.yaml", OTHER, NONE]
    chart = targets[0]
    assert chart.kind == HELM and chart.trap and "--config" in chart.trap
    assert any(d.startswith("loads, in order: backstage.appConfig of deploy/values.yaml") for d in chart.details)
    assert step.selected(targets) == "deploy/values.yaml"
    assert step.shows_config_in(HELM) and not step.shows_config_in(RHDH)


def test_no_deployment_in_the_repo_defaults_to_none_and_none_clears_the_answer(demo_app: Path) -> None:
    s, step = step_for(demo_app)
    assert [t.key for t in step.targets()] == [OTHER, NONE]
    assert step.selected() == NONE
    assert step.submit(NONE, step.defaults()) == {}
    assert s.answers.deployment is None


def test_an_answer_becomes_the_answers_files_deployment(tmp_path: Path) -> None:
    root = production_repo(tmp_path, {"helm/values-trap.yaml": "deploy/values.yaml"})
    s, step = step_for(root)
    values = {**step.defaults(), "release": "bs", "configIn": "configMap", "loadImageConfigs": "yes",
              "backendUrl": "https://backstage.example.com"}
    assert step.secret_placeholder(values) == "bs-spectrocloud"
    assert step.submit("deploy/values.yaml", values) == {}
    d = s.answers.deployment
    assert d is not None and d.helmValues == "deploy/values.yaml" and d.release == "bs"
    assert d.configIn == "configMap" and d.loadImageConfigs is True and d.backendUrl == "https://backstage.example.com"
    assert d.secretName is None  # left empty: the plan's default name
    # and back again: the form starts from the answer
    again = step.defaults()
    assert again["release"] == "bs" and again["configIn"] == "configMap" and again["loadImageConfigs"] == "yes"
    assert step.selected() == "deploy/values.yaml"


def test_each_bad_field_gets_its_own_sentence_and_nothing_is_answered(tmp_path: Path) -> None:
    root = production_repo(tmp_path, {"helm/values-trap.yaml": "deploy/values.yaml"})
    s, step = step_for(root)
    bad = {**step.defaults(), "release": "Bad_Release", "secretName": "bad name!", "backendUrl": "not a url"}
    problems = step.submit("deploy/values.yaml", bad)
    assert set(problems) == {"release", "secretName", "backendUrl"}, problems
    assert "bad name!" in problems["secretName"]
    assert s.answers.deployment is None
    assert step.submit("nope.yaml", step.defaults()) == {"choice": "nope.yaml is not one of the deployments this repo holds"}


def test_another_file_is_judged_by_what_it_holds_and_must_be_in_the_repo(tmp_path: Path) -> None:
    root = production_repo(tmp_path, {"rhdh/backstage-cr.yaml": "ops/rhdh/backstage.yaml"})
    s, step = step_for(root)
    assert step.kind_of(OTHER, {"file": "ops/rhdh/backstage.yaml"}) == RHDH
    # where the settings go is a chart's question: asked until the file is known to be a CR
    assert step.offers_config_in(OTHER, {"file": ""}) and not step.offers_config_in(NONE, {})
    assert not step.offers_config_in(OTHER, {"file": "ops/rhdh/backstage.yaml"})
    assert "file" in step.submit(OTHER, {**step.defaults(), "file": ""})
    outside = step.submit(OTHER, {**step.defaults(), "file": "../elsewhere/values.yaml"})
    assert set(outside) == {"file"} and s.answers.deployment is None
    assert step.submit(OTHER, {**step.defaults(), "file": "ops/rhdh/backstage.yaml"}) == {}
    assert s.answers.deployment is not None and s.answers.deployment.rhdh == "ops/rhdh/backstage.yaml"
