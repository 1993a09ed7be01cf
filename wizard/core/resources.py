"""Where the project's data lives: `templates/` beside the package in a checkout or editable
install, or `wizard/templates` inside an installed wheel."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def templates_dir() -> Path:
    package = Path(__file__).resolve().parent.parent  # wizard/
    for candidate in (package.parent / "templates", package / "templates"):
        if (candidate / "hints").is_dir():
            return candidate
    raise FileNotFoundError("spectro-wizard's templates/ directory is missing from this installation")
