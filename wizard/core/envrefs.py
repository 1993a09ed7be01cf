"""Backstage's `${VAR}` references: the one parser every module uses.

A secret in app-config is written as `${NAME}` and substituted from the environment where Backstage
runs; `$${VAR}` is Backstage's escape for a literal `${VAR}`.
"""

from __future__ import annotations

import re
from typing import Any

# a value that is exactly one `${VAR}`
ENV_REF_RE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
# `${VAR}` anywhere in a value, as Backstage substitutes it
ENV_REF_ANYWHERE_RE = re.compile(r"(?<!\$)\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")


def ref(name: str) -> str:
    """NAME -> `${NAME}`."""
    return "${" + name + "}"


def env_var_of(value: Any) -> str | None:
    """`${NAME}` (quoted or not, surrounding blanks allowed) -> NAME; anything else -> None."""
    if not isinstance(value, str):
        return None
    m = ENV_REF_RE.match(value.strip().strip("'\""))
    return m.group(1) if m else None


def is_env_reference(value: str) -> bool:
    return env_var_of(value) is not None


def references_in(text: str) -> list[str]:
    """Every variable a string references, in order (`${A}/x/${B}` -> [A, B])."""
    return [m.group(1) for m in ENV_REF_ANYWHERE_RE.finditer(text)]
