"""`--demo`: a fresh copy of the bundled sample Backstage app (templates/demo-app) in a temp dir."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from wizard.core.resources import templates_dir


def make_demo_app(parent: Path | None = None) -> Path:
    source = templates_dir() / "demo-app"
    target = Path(tempfile.mkdtemp(prefix="spectro-wizard-demo-", dir=parent)) / "backstage-app"
    shutil.copytree(source, target)
    return target
