"""Masking of secret values in everything the wizard shows: diffs, config excerpts, reports, logs.

`${VAR}` references stay visible (they are how secrets should be written); literal values under
secret-looking keys, JWT-looking strings and PEM blocks are replaced.
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any

MASK = "****"

SECRET_KEY_RE = re.compile(
    r"(secret|token|password|passwd|apikey|api_key|privatekey|private_key|credential|clientsecret|"
    r"client-key|clientkey|^key$|^cert(ificate)?-?key)",
    re.I,
)
# Keys whose value identifies rather than authenticates: never masked even though they match above.
_NOT_SECRET_KEYS = {"oidctokenprovider", "tokenendpoint", "token_endpoint", "secretenv", "clientsecretenv",
                    "apitokenenv", "tokenenv"}
CA_KEY_RE = re.compile(r"^(caData|certificate-authority-data)$")

JWT_RE = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b")
ENV_REF_RE = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$")
PEM_RE = re.compile(r"-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----")
# `key: value` on one YAML line (value may be quoted); used for diff lines and excerpts
_LINE_RE = re.compile(
    r"""^(?P<lead>[ \t]*(?:-[ \t]+)?)(?P<key>["']?[A-Za-z0-9_.\-/$]+["']?)(?P<sep>[ \t]*:[ \t]+)(?P<value>.*?)(?P<trail>[ \t]+\#.*)?(?P<nl>\r?\n?)$"""
)


def is_secret_key(key: str) -> bool:
    k = key.strip("'\"")
    if k.lower() in _NOT_SECRET_KEYS or k.endswith("Env"):
        return False
    return bool(SECRET_KEY_RE.search(k))


def is_env_reference(value: str) -> bool:
    v = value.strip().strip("'\"")
    return bool(ENV_REF_RE.match(v))


def fingerprint(value: str) -> str:
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:12]


def high_entropy(value: str) -> bool:
    """A long random-looking literal (base64/hex token) rather than a word, URL or path."""
    v = value.strip().strip("'\"")
    if len(v) < 24 or " " in v or "/" in v and "://" in v or v.startswith("${"):
        return False
    if not re.fullmatch(r"[A-Za-z0-9+/=_\-.]+", v):
        return False
    counts: dict[str, int] = {}
    for ch in v:
        counts[ch] = counts.get(ch, 0) + 1
    entropy = -sum(c / len(v) * math.log2(c / len(v)) for c in counts.values())
    classes = sum(bool(re.search(p, v)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]"))
    return entropy >= 4.0 and classes >= 2


def mask_text(text: str) -> str:
    """Mask JWTs and PEM blocks anywhere in free text."""
    text = JWT_RE.sub(MASK, text)
    return PEM_RE.sub("-----BEGIN (masked)-----", text)


def mask_line(line: str) -> str:
    """Mask the value of a `key: value` YAML line when the key is secret-looking or the value is."""
    m = _LINE_RE.match(line)
    if m:
        key, value = m.group("key"), m.group("value")
        if value and not is_env_reference(value) and value not in ("|", ">", "|-", ">-"):
            if is_secret_key(key) or high_entropy(value) or JWT_RE.search(value):
                return f"{m.group('lead')}{key}{m.group('sep')}{MASK}{m.group('trail') or ''}{m.group('nl')}"
            if CA_KEY_RE.match(key.strip("'\"")) and len(value) > 40:
                return f"{m.group('lead')}{key}{m.group('sep')}<{fingerprint(value.strip(chr(39) + chr(34)))}>{m.group('trail') or ''}{m.group('nl')}"
    return mask_text(line)


def mask_diff(diff: str) -> str:
    out = []
    for line in diff.splitlines(keepends=True):
        if line[:1] in "+- " and not line.startswith(("+++", "---")):
            out.append(line[0] + mask_line(line[1:]))
        else:
            out.append(line)
    return "".join(out)


def mask_value(key: str, value: Any) -> Any:
    """Mask a parsed config value (recursively) for reports and JSON."""
    if isinstance(value, dict):
        return {k: mask_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_value(key, v) for v in value]
    if isinstance(value, str):
        if is_env_reference(value):
            return value
        if is_secret_key(key) or JWT_RE.search(value) or high_entropy(value):
            return MASK
        if CA_KEY_RE.match(key) and len(value) > 40:
            return f"<{fingerprint(value)}>"
        return mask_text(value)
    return value
