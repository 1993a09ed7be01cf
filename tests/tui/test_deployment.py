"""The Production screen through Textual's pilot: it draws the deployment controller's choices, takes an
answer into the session, shows the controller's sentences under their fields, and the Review shows the
deployment the plan writes."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Checkbox, RadioSet, Static

from tests.support import pilot as h
from tests.support.production import production_repo

SIZE = (100, 30)


def shown(pilot, selector: str) -> str:
    widget = pilot.app.screen.query_one(selector, Static)
    return str(widget.content) if widget.display else ""


async def test_the_repos_chart_is_offered_and_the_answer_reaches_the_review(tmp_path: Path) -> None:
    root = production_repo(tmp_path, {"helm/values-trap.yaml": "deploy/values.yaml"})
    app = h.make_app(root, install=False)
    async with app.run_test(size=SIZE) as pilot:
        h.give_answers(app)
        await h.jump_to(pilot, "deployment")
        targets = app.screen.query_one("#targets", RadioSet)
        assert targets.pressed_index == 0  # the one values file the repo holds
        assert "loads, in order: backstage.appConfig of deploy/values.yaml" in shown(pilot, "#target-details")
        assert app.screen.query_one("#load-image-configs", Checkbox).display  # the trap: offered
        await h.click(pilot, "#load-image-configs")
        await h.set_input(pilot, "#release", "bs")
        assert app.screen.query_one("#secretName").placeholder == "bs-spectrocloud"
        await h.click(pilot, "#continue")
        assert h.screen_name(pilot) == "review"
        d = app.session.answers.deployment
        assert d is not None and d.helmValues == "deploy/values.yaml" and d.release == "bs" and d.loadImageConfigs
        await h.settle(pilot)
        review = shown(pilot, "#plan-deployment")
        assert review.startswith("Deployment: Helm chart values deploy/values.yaml"), review
        assert "Secret bs-spectrocloud (namespace backstage)" in review


async def test_refusals_stay_on_the_screen_under_their_fields(tmp_path: Path) -> None:
    root = production_repo(tmp_path, {"helm/values-trap.yaml": "deploy/values.yaml"})
    app = h.make_app(root, install=False)
    async with app.run_test(size=SIZE) as pilot:
        h.give_answers(app)
        await h.jump_to(pilot, "deployment")
        await h.set_input(pilot, "#namespace", "Not_A_Namespace")
        await h.click(pilot, "#continue")
        assert h.screen_name(pilot) == "deployment"
        assert "Not_A_Namespace" in shown(pilot, "#namespace-error")
        assert app.session.answers.deployment is None
        # "another file": the file row appears, the production fields stay; an empty name is refused
        targets = app.screen.query_one("#targets", RadioSet)
        targets.focus()
        await pilot.press("down", "enter")
        await h.settle(pilot)
        assert app.screen.query_one("#file-row").display
        await h.set_input(pilot, "#namespace", "backstage")
        await h.click(pilot, "#continue")
        assert "name the chart's values file" in shown(pilot, "#file-error")
        # "not deployed from this repo": nothing else to fill in, and the answer is cleared
        targets.focus()
        await pilot.press("down", "enter")
        await h.settle(pilot)
        assert not app.screen.query_one("#production-fields").display
        await h.click(pilot, "#continue")
        assert h.screen_name(pilot) == "review"
        assert app.session.answers.deployment is None
        assert not app.screen.query_one("#plan-deployment").display
