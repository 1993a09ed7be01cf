"""One module per wizard step; each has its .tcss beside it."""

from __future__ import annotations


def all_screens() -> dict[str, type]:
    from wizard.tui.screens.apply import ApplyScreen
    from wizard.tui.screens.clusters import ClustersScreen
    from wizard.tui.screens.inventory import InventoryScreen
    from wizard.tui.screens.prereqs import PrereqsScreen
    from wizard.tui.screens.restart import RestartScreen
    from wizard.tui.screens.review import ReviewScreen
    from wizard.tui.screens.summary import SummaryScreen
    from wizard.tui.screens.tenant import TenantScreen
    from wizard.tui.screens.verify import VerifyScreen
    from wizard.tui.screens.welcome import WelcomeScreen

    return {
        "welcome": WelcomeScreen,
        "prereqs": PrereqsScreen,
        "inventory": InventoryScreen,
        "tenant": TenantScreen,
        "clusters": ClustersScreen,
        "review": ReviewScreen,
        "apply": ApplyScreen,
        "restart": RestartScreen,
        "verify": VerifyScreen,
        "summary": SummaryScreen,
    }
