"""The flow of a wizard run: its steps, its state and its actions, shared by every front end.

Layers (checked by import-linter, see pyproject.toml), each importing only those below it:

    front ends   wizard.cli, wizard.plain, wizard.tui (and wizard.output, the terminal printer)
    session      wizard.session   the flow: steps, state, actions; the support report; the demo's door
    demo         wizard.demo      --demo's local stand-ins (servers the remote clients talk to)
    verify       wizard.verify    the concurrent verify runner
    remote       wizard.remote    httpx / authlib / joserfc clients: OIDC, Backstage, Kubernetes, Palette
    core         wizard.core      answers and fields, repo inspection, clusters, checks, the patch engine
"""

from wizard.session.session import Session, VerifyOptions
from wizard.session.steps import FLOWS, PATHS, STEPS, Step, flow

__all__ = ["FLOWS", "PATHS", "STEPS", "Session", "Step", "VerifyOptions", "flow"]
