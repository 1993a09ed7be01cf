"""Backstage's `${VAR}` references: the one parser every module uses.

A secret in app-config is written as `${NAME}` and substituted from the environment where Backstage
runs; `${NAME:-default}` reads the default when NAME is unset or empty; `$${VAR}` is Backstage's
escape for a literal `${VAR}` (its loader: @backstage/config-loader's substitution transform). A value
may also be read whole from a variable with the `$env: NAME` directive (directives.py).
"""

from __future__ import annotations

import re
from typing import Any

# a value that is exactly one `${VAR}` (no default): what the wizard writes, and what masking keeps visible
ENV_REF_RE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
# a value that reads one variable whole: `${VAR}` or `${VAR:-default}` (blanks inside the braces are
# trimmed by the loader)
ENV_REF_WHOLE_RE = re.compile(r"^\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?::-([^{}]*))?\}$")
# `${VAR}` or `${VAR:-default}` anywhere in a value, as Backstage substitutes it
ENV_REF_ANYWHERE_RE = re.compile(r"(?<!\$)\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?::-[^{}]*)?\}")
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def ref(name: str) -> str:
    """NAME -> `${NAME}`."""
    return "${" + name + "}"


def env_var_of(value: Any) -> str | None:
    """The variable a value is read from whole: `${NAME}` or `${NAME:-default}` (quoted or not,
    surrounding blanks allowed), or the `$env: NAME` directive (as to_python gives it: {"$env": NAME})
    -> NAME; anything else -> None."""
    if isinstance(value, dict):
        name = value.get("$env") if len(value) == 1 else None
        return name.strip() if isinstance(name, str) and _NAME_RE.match(name.strip()) else None
    if not isinstance(value, str):
        return None
    m = ENV_REF_WHOLE_RE.match(value.strip().strip("'\""))
    return m.group(1) if m else None


def default_of(value: Any) -> str | None:
    """The default of a value that is exactly `${NAME:-default}` (what Backstage reads when NAME is
    unset or empty; trimmed, as the loader trims it), else None."""
    if not isinstance(value, str):
        return None
    m = ENV_REF_WHOLE_RE.match(value.strip())
    return m.group(2).strip() if m and m.group(2) is not None else None


def is_env_reference(value: str) -> bool:
    """Exactly one `${NAME}`, no default: a value with a default may carry a literal secret, so the
    masking that keeps references visible asks here."""
    return isinstance(value, str) and ENV_REF_RE.match(value.strip().strip("'\"")) is not None


def references_in(text: str) -> list[str]:
    """Every variable a string references, in order (`${A}/x/${B:-b}` -> [A, B])."""
    return [m.group(1) for m in ENV_REF_ANYWHERE_RE.finditer(text)]


def shown(value: Any) -> str:
    """A value as a sentence names it: `$env: NAME` and `$file: PATH` as written, else as text."""
    if isinstance(value, dict) and len(value) == 1:
        (key, v), = value.items()
        if key in ("$env", "$file", "$include"):
            return f"{key}: {v}"
    return str(value)
