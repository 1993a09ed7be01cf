"""The troubleshooting catalog: data in templates/hints/*.yaml, rendered for the CLI, TUI and report.

Each entry: id, title, symptoms, cause, steps, links. Steps may hold `{placeholders}` that a check
fills with repo-specific values (the exact install command, the file and line); a placeholder with
no value is shown as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ruamel.yaml import YAML

from wizard.core.resources import templates_dir

REQUIRED = ("id", "title", "cause", "steps")


@dataclass(frozen=True)
class Hint:
    id: str
    title: str
    cause: str
    steps: tuple[str, ...]
    symptoms: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    source: str = ""
    # a value for each {placeholder}, for showing the hint on its own (`spectro-wizard hints ID`): the
    # checks fill in the app's own values, nothing else knows them
    example: dict[str, str] = field(default_factory=dict)

    def placeholders(self) -> set[str]:
        return {m.group(1) for text in (self.cause, *self.steps, *self.symptoms) for m in _PLACEHOLDER.finditer(text)}

    def render(self, vars: dict[str, str] | None = None) -> str:
        """Plain text: the cause, then numbered steps with the placeholders filled in."""
        vars = vars or {}
        lines = [fill(self.cause, vars), ""]
        for i, step in enumerate(self.steps, 1):
            body = fill(step, vars).rstrip("\n")
            first, *rest = body.split("\n")
            lines.append(f"{i}. {first}")
            lines.extend("   " + r for r in rest)
        if self.links:
            lines.append("")
            lines.extend(f"More: {link}" for link in self.links)
        return "\n".join(lines)


_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def fill(text: str, vars: dict[str, str]) -> str:
    """Replace `{name}` placeholders that have a value; leave every other brace alone (steps hold
    YAML, JSON and jsonpath like `{.clusters[0]}`)."""
    return _PLACEHOLDER.sub(lambda m: str(vars[m.group(1)]) if m.group(1) in vars else m.group(0), text)


@dataclass
class Catalog:
    hints: dict[str, Hint] = field(default_factory=dict)

    def get(self, hint_id: str) -> Hint | None:
        return self.hints.get(hint_id)

    def ids(self) -> list[str]:
        return sorted(self.hints)

    def search(self, words: str) -> list[str]:
        """Hints whose id, title, symptoms, cause or steps hold every word (case-insensitive): the
        ids first, then the titles, then the text."""
        terms = [w.lower() for w in words.split() if w.strip()]
        if not terms:
            return []
        ranked: list[tuple[int, str]] = []
        for hid, h in self.hints.items():
            text = " ".join([h.cause, *h.symptoms, *h.steps]).lower()
            fields = (hid.lower(), h.title.lower(), text)
            if all(any(t in f for f in fields) for t in terms):
                rank = 0 if all(t in fields[0] for t in terms) else 1 if all(t in fields[1] for t in terms) else 2
                ranked.append((rank, hid))
        return [hid for _, hid in sorted(ranked)]


class CatalogError(Exception):
    pass


def load_dir(directory: Path) -> Catalog:
    cat = Catalog()
    yaml = YAML(typ="safe")  # libyaml when available: ~10x faster, and `check` loads the catalog
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"))
        if not isinstance(data, list):
            raise CatalogError(f"{path.name}: expected a list of hints")
        for i, entry in enumerate(data):
            if not isinstance(entry, dict):
                raise CatalogError(f"{path.name}[{i}]: a hint must be a mapping")
            missing = [k for k in REQUIRED if not entry.get(k)]
            if missing:
                raise CatalogError(f"{path.name}[{i}]: missing {', '.join(missing)}")
            hid = str(entry["id"])
            example = entry.get("example") or {}
            if not isinstance(example, dict):
                raise CatalogError(f"{path.name}: hint {hid!r}: example must be a mapping of placeholder to value")
            if hid in cat.hints:
                raise CatalogError(f"{path.name}: hint {hid!r} is defined twice (also in {cat.hints[hid].source})")
            cat.hints[hid] = Hint(
                id=hid,
                title=str(entry["title"]),
                cause=str(entry["cause"]).strip(),
                steps=tuple(str(s) for s in entry["steps"]),
                symptoms=tuple(str(s) for s in entry.get("symptoms") or ()),
                links=tuple(str(s) for s in entry.get("links") or ()),
                source=path.name,
                example={str(k): str(v) for k, v in example.items()},
            )
            missing_examples = sorted(cat.hints[hid].placeholders() - set(example))
            if missing_examples:
                raise CatalogError(f"{path.name}: hint {hid!r} has no example for "
                                   + ", ".join("{" + name + "}" for name in missing_examples))
    return cat


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    return load_dir(templates_dir() / "hints")


# ---- saying a hint where it is read ---------------------------------------------------------
#
# The catalog speaks to someone at a shell: `spectro-wizard verify`, `<tenant-id>`, localhost:7007.
# On the wizard's screens the same advice names the wizard's own actions and the values the user has
# already given, so nothing has to be translated in their head.

# (pattern of a backticked command, what to do instead on the wizard's screens); specific forms first
SCREEN_ACTIONS: tuple[tuple[str, str], ...] = (
    (r"`spectro-wizard apply(?: --answers [^`]*)?`", "Apply (the Review step, then Apply)"),  # = APPLY_ACTION
    (r"`spectro-wizard plan(?: --answers [^`]*)?`", "the Review step"),
    (r"`spectro-wizard check`", "Re-run checks (Ctrl+R on Prerequisites)"),
    (r"`spectro-wizard verify --id-token [^`]*`", "Sign in to test my access (Ctrl+L on Verify)"),
    (r"`spectro-wizard verify --backend-url [^`]*`", "Run checks (Ctrl+R on Verify) with that URL in the backend URL field"),
    (r"`spectro-wizard verify(?: --token [^`]*)?`", "Run checks (Ctrl+R on Verify)"),
    (r"`spectro-wizard undo`", "Undo (on the Apply step)"),
    (r"`spectro-wizard rbac [^`]*`", "Write RBAC (on the Summary)"),
)
# a command line that is not in the table keeps its form: it still works in a shell
_COMMAND = re.compile(r"spectro-wizard apply --answers answers\.yaml")


def with_known_values(text: str, console_url: str | None = None, tenant: str | None = None,
                      backend_url: str | None = None) -> str:
    """The catalog's placeholders for values the user already gave, filled in (the rest stay)."""
    if tenant:
        console = (console_url or "https://console.spectrocloud.com").rstrip("/")
        text = re.sub(r"https://console\.spectrocloud\.com/v1/oidc/tenant/<tenant(?:-id)?>", f"{console}/v1/oidc/tenant/{tenant}", text)
        text = re.sub(r"<tenant(?:-id)?>", tenant, text)
    if backend_url:
        text = text.replace("http://localhost:7007", backend_url.rstrip("/"))
    return text


APPLY_ACTION = "Apply (the Review step, then Apply)"
# on the path that changes nothing there is no Apply: the way there is a setup path
NO_APPLY_ACTION = "the New setup or Migrate path (from Welcome: this path changes nothing)"


def for_screen(text: str, can_apply: bool = True) -> str:
    """The wizard's actions instead of its CLI commands, and no command-line backticks."""
    apply = APPLY_ACTION if can_apply else NO_APPLY_ACTION
    for pattern, action in SCREEN_ACTIONS:
        text = re.sub(pattern, apply if action == APPLY_ACTION else action, text)
    text = _COMMAND.sub(apply, text)
    return text.replace("`", "")
