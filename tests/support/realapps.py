"""The real-app shapes: small Backstage apps under tests/fixtures/realapps/<name>/, each reproducing a
shape seen in real public Backstage apps (CATALOG.md there), and what the wizard should do with it
(shapes.yaml there).

    root = copy_fixture(tmp_path, "new-create-app")      # a fresh copy at tmp_path/new-create-app
    shape = SHAPES["new-create-app"]                      # its shapes.yaml entry (a Shape)
    shape.config_files                                    # the app-config files, in merge order

The fixtures are written for these tests (no file of a real app is copied): small, but with the
shape's real features. `make_repo` (tests/support/repos.py) stays the builder of generated repos;
these are the hand-written ones.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "realapps"
SHAPES_FILE = FIXTURES / "shapes.yaml"

# the answers every handled shape is applied with unless its shapes.yaml entry gives others
DEFAULT_ANSWERS: dict[str, Any] = {
    "tenant": "acme",
    "clusters": [{"name": "spectro-prod", "url": "https://spectro-prod.example.com:6443", "skipTLSVerify": True}],
}

# made-up values for the variables the wizard's own edits reference (never real secrets)
WIZARD_ENV = {"SPECTROCLOUD_CLIENT_ID": "test-client-id", "SPECTROCLOUD_CLIENT_SECRET": "test-client-secret"}


@dataclass
class Shape:
    name: str
    shape: str
    seen_in: list[str]
    expected: dict[str, Any]
    today: str  # "handled", or "pending: <feature>"
    configs: list[str] | None = None  # explicit --config list (merge order); None: the wizard's default
    env: dict[str, str] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_ANSWERS))
    config_today: str | None = None  # "handled": the config edit is right although a feature is pending

    @property
    def handled(self) -> bool:
        return self.today == "handled"

    @property
    def config_handled(self) -> bool:
        """The wizard's config edit is what shapes.yaml expects today (the whole shape, or all but a
        pending feature outside the config)."""
        return self.handled or self.config_today == "handled"

    @property
    def pending_feature(self) -> str | None:
        return self.today.split(":", 1)[1].strip() if self.today.startswith("pending:") else None

    @property
    def root(self) -> Path:
        return FIXTURES / self.name

    def config_files(self, root: Path | None = None) -> list[str]:
        """The app-config files in merge order: the explicit list, else the wizard's default
        (app-config.yaml plus whichever of app-config.local.yaml / app-config.production.yaml exist)."""
        if self.configs is not None:
            return list(self.configs)
        base = root or self.root
        return ["app-config.yaml"] + [f for f in ("app-config.local.yaml", "app-config.production.yaml") if (base / f).is_file()]

    def config_args(self) -> list[str]:
        """`--config FILE` for each explicit file (none when the wizard's default applies)."""
        return [arg for f in (self.configs or []) for arg in ("--config", f)]

    def oracle_env(self) -> dict[str, str]:
        return {**self.env, **WIZARD_ENV}


def _load_shapes() -> dict[str, Shape]:
    data = YAML(typ="safe").load(SHAPES_FILE.read_text(encoding="utf-8"))
    shapes: dict[str, Shape] = {}
    for name, entry in data["fixtures"].items():
        answers = entry.get("answers")
        shapes[name] = Shape(
            name=name,
            shape=entry["shape"],
            seen_in=list(entry.get("seen_in") or []),
            expected=dict(entry["expected"]),
            today=str(entry["today"]),
            configs=list(entry["configs"]) if entry.get("configs") else None,
            env={str(k): str(v) for k, v in (entry.get("env") or {}).items()},
            answers=dict(answers) if answers else dict(DEFAULT_ANSWERS),
            config_today=entry.get("configToday"),
        )
    return shapes


SHAPES: dict[str, Shape] = _load_shapes()


def copy_fixture(tmp_path: Path, name: str) -> Path:
    """A fresh copy of tests/fixtures/realapps/<name> at tmp_path/<name>; returns its root."""
    src = FIXTURES / name
    if not (src / "package.json").is_file():
        raise ValueError(f"no real-app fixture {name!r} under {FIXTURES}")
    dest = Path(tmp_path) / name
    shutil.copytree(src, dest)
    return dest


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the app but the wizard's own state (.spectro-wizard/), as bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".spectro-wizard" not in p.relative_to(root).parts}
