"""Where the project's data lives: `templates/` beside the package in a checkout or editable
install, or `wizard/templates` inside an installed wheel."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def templates_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "templates", here / "templates"):
        if (candidate / "hints").is_dir():
            return candidate
    raise FileNotFoundError("spectro-wizard's templates/ directory is missing from this installation")
