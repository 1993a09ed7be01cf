"""The demo's app and tools: a fresh copy of the bundled sample Backstage app (templates/demo-app) in a
temporary directory, and stand-ins for Node.js and Yarn.

The app pins Yarn 4.13.0 through a release file the template does not ship, and a dry run installs
nothing, so the Prerequisites step would show this machine's lack of a pinned Yarn as a failure of
the demo. The stand-ins answer the version questions the checks ask; any other command says what it
is and fails, so nothing can pass for a real install.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from wizard.core.resources import templates_dir

DEMO_TOOLS = {"node": "v22.11.0", "yarn": "4.13.0"}
TOOLS_NOTE = "Node.js and Yarn are demo stand-ins here (a dry run installs nothing)"
_STAND_IN = """#!/bin/sh
# spectro-wizard --demo stand-in for {tool}: answers the version question only
case "$1" in --version|-v) echo {version}; exit 0;; esac
echo "{tool} (spectro-wizard demo stand-in): the demo installs nothing: $*" >&2
exit 1
"""


def make_demo_app(parent: Path | None = None) -> Path:
    source = templates_dir() / "demo-app"
    target = Path(tempfile.mkdtemp(prefix="spectro-wizard-demo-", dir=parent)) / "backstage-app"
    shutil.copytree(source, target)
    return target


def write_demo_tools(bin_dir: Path) -> Path:
    bin_dir.mkdir(parents=True, exist_ok=True)
    for tool, version in DEMO_TOOLS.items():
        path = bin_dir / tool
        path.write_text(_STAND_IN.format(tool=tool, version=version), encoding="utf-8")
        path.chmod(0o755)
    return bin_dir


__all__ = ["DEMO_TOOLS", "TOOLS_NOTE", "make_demo_app", "write_demo_tools"]
