"""Masking of secret values in everything the wizard shows: diffs, config excerpts, reports, logs.

`${VAR}` references stay visible (they are how secrets should be written); literal values under
secret-looking keys, JWT-looking strings and PEM blocks are replaced.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from urllib.parse import quote, quote_plus
from typing import Any, Iterable

from wizard.core.envrefs import is_env_reference

MASK = "****"

SECRET_KEY_RE = re.compile(
    r"(secret|token|password|passwd|apikey|api_key|privatekey|private_key|credential|clientsecret|"
    r"client-key|clientkey|^key$|^cert(ificate)?-?key)",
    re.I,
)
# Keys whose value identifies rather than authenticates: never masked even though they match above.
_NOT_SECRET_KEYS = {"oidctokenprovider", "tokenendpoint", "token_endpoint", "secretenv", "clientsecretenv",
                    "apitokenenv", "tokenenv"}
# Half of a credential pair: not secret on its own (the plan echoes a literal clientId so it can be
# exported), but the support report masks these too (`strict=True`).
STRICT_EXTRA_KEYS = {"clientid", "client_id", "client-id", "accesskeyid", "access_key_id", "access-key-id"}
CA_KEY_RE = re.compile(r"^(caData|certificate-authority-data)$")

JWT_RE = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b")
PEM_RE = re.compile(r"-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----")
# user:password@ in URLs (database connection strings, proxies, git remotes)
URL_CREDENTIALS_RE = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@]*):(?P<pw>[^@\s/]+)@")
# Authorization header values in free text (error messages, logs)
AUTH_HEADER_RE = re.compile(r"(?i)\b(?P<scheme>bearer|basic)(?P<sp>\s+)(?P<cred>[A-Za-z0-9._~+/\-]{8,}=*)")
# `key: value` on one YAML line (value may be quoted); used for diff lines and excerpts
_LINE_RE = re.compile(
    r"""^(?P<lead>[ \t]*(?:-[ \t]+)?)(?P<key>["']?[A-Za-z0-9_.\-/$]+(?::[A-Za-z0-9_.\-/$]+)*["']?)(?P<sep>[ \t]*:[ \t]+)(?P<value>.*?)(?P<trail>[ \t]+\#.*)?(?P<nl>\r?\n?)$"""
)
# `key:` with nothing after it (a nested block follows)
_OPEN_KEY_RE = re.compile(r"""^(?P<lead>[ \t]*(?:-[ \t]+)?)(?P<key>["']?[A-Za-z0-9_.\-/$]+(?::[A-Za-z0-9_.\-/$]+)*["']?)[ \t]*:(?P<rest>[ \t]*(?:\#.*)?)\r?\n?$""")
# anchors and tags in front of a value: `&creds`, `!!str`
_PROPS_RE = re.compile(r"^(?P<props>(?:[&!][^\s]*[ \t]+)*)(?P<core>.*)$", re.S)
_BLOCK_INDICATOR_RE = re.compile(r"^[|>][0-9+\-]*$")


def is_secret_key(key: str, strict: bool = False) -> bool:
    k = key.strip("'\"")
    if k.lower() in _NOT_SECRET_KEYS or k.endswith("Env"):
        return False
    if strict and k.lower() in STRICT_EXTRA_KEYS:
        return True
    return bool(SECRET_KEY_RE.search(k))


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
    """Mask JWTs, PEM blocks, URL passwords and Authorization credentials anywhere in free text."""
    text = JWT_RE.sub(MASK, text)
    text = PEM_RE.sub("-----BEGIN (masked)-----", text)
    text = URL_CREDENTIALS_RE.sub(lambda m: f"{m.group('head')}:{MASK}@", text)
    return AUTH_HEADER_RE.sub(lambda m: f"{m.group('scheme')}{m.group('sp')}{MASK}", text)


def _looks_secret(value: str) -> bool:
    return bool(high_entropy(value) or JWT_RE.search(value))


# ---- flow collections on one line: `{ user: x, password: y }`, `[a, b]` ----------------------

_FLOW_TOKEN_RE = re.compile(r"""
    (?P<dq>"(?:[^"\\]|\\.)*")
  | (?P<sq>'(?:[^']|'')*')
  | (?P<punct>[{}\[\],])
  | (?P<colon>:(?=[\s,}\]]|$))
  | (?P<ws>\s+)
  | (?P<plain>(?:[^\s{}\[\],:]|:(?![\s,}\]]|$))+(?:[ \t]+(?:[^\s{}\[\],:#]|:(?![\s,}\]]|$))+)*)
""", re.X)


def _mask_flow(value: str, strict: bool = False, secret_parent: bool = False) -> str:
    """Mask scalars of a one-line flow collection: values under secret keys, secret-looking items."""
    out: list[str] = []
    stack: list[bool] = []  # per open collection: does it sit under a secret key?
    pending_key: str | None = None  # the last scalar seen in a mapping, before its ':'
    key_secret = False
    pos = 0
    last_scalar_idx: int | None = None
    while pos < len(value):
        m = _FLOW_TOKEN_RE.match(value, pos)
        if m is None:  # not a flow collection we understand: mask what looks secret in it
            rest = value[pos:]
            out.append(MASK if (secret_parent or any(stack) or _looks_secret(rest)) else mask_text(rest))
            break
        tok = m.group(0)
        pos = m.end()
        if m.group("punct"):
            if tok in "{[":
                stack.append(key_secret or (stack[-1] if stack else secret_parent))
                key_secret = False
            elif tok in "}]":
                if stack:
                    stack.pop()
                key_secret = False
            else:  # ','
                key_secret = False
            pending_key = None
            out.append(tok)
            continue
        if m.group("colon"):
            if pending_key is not None and last_scalar_idx is not None:
                key_secret = is_secret_key(pending_key, strict)
            pending_key = None
            out.append(tok)
            continue
        if m.group("ws"):
            out.append(tok)
            continue
        # a scalar: a key (if a ':' follows) or a value
        raw = tok
        text = raw[1:-1] if raw[:1] in "\"'" else raw
        following = value[pos:].lstrip(" \t")
        is_key = following.startswith(":") and (len(following) == 1 or following[1] in " \t,}]")
        if is_key:
            pending_key = text
            last_scalar_idx = len(out)
            out.append(raw)
            continue
        under_secret = key_secret or (stack[-1] if stack else secret_parent)
        if is_env_reference(text):
            out.append(raw)
        elif under_secret or _looks_secret(text):
            out.append(MASK)
        else:
            out.append(mask_text(raw))
        key_secret = False
    return "".join(out)


def _mask_scalar_text(key: str, value: str, strict: bool) -> str | None:
    """The masked form of `value` (YAML text of one scalar or flow collection), or None to keep it."""
    m = _PROPS_RE.match(value)
    props, core = (m.group("props"), m.group("core")) if m else ("", value)
    if not core or core.startswith("*"):  # an alias names an anchor, not a value
        return None
    if is_env_reference(core) or _BLOCK_INDICATOR_RE.match(core):
        return None
    if core[:1] in "{[":
        masked = _mask_flow(core, strict, is_secret_key(key, strict))
        return None if masked == core else props + masked
    if is_secret_key(key, strict):
        return props + MASK
    if CA_KEY_RE.match(key.strip("'\"")) and len(core) > 40:
        return f"{props}<{fingerprint(core.strip(chr(39) + chr(34)))}>"
    if _looks_secret(core):
        return props + MASK
    return None


def mask_line(line: str, strict: bool = False) -> str:
    """Mask the value of a `key: value` YAML line when the key is secret-looking or the value is."""
    m = _LINE_RE.match(line)
    if m:
        key, value = m.group("key"), m.group("value")
        if value:
            masked = _mask_scalar_text(key, value, strict)
            if masked is not None:
                return f"{m.group('lead')}{key}{m.group('sep')}{masked}{m.group('trail') or ''}{m.group('nl')}"
    else:
        # a bare sequence item or continuation line: `- value`, `  value`
        bare = re.match(r"^(?P<lead>[ \t]*(?:-[ \t]+)?)(?P<value>\S.*?)(?P<nl>\r?\n?)$", line)
        if bare and not bare.group("value").startswith("#"):
            v = bare.group("value")
            if v[:1] in "{[":
                masked = _mask_flow(v, strict)
                if masked != v:
                    return f"{bare.group('lead')}{masked}{bare.group('nl')}"
            elif not is_env_reference(v) and _looks_secret(v.strip("'\"")):
                return f"{bare.group('lead')}{MASK}{bare.group('nl')}"
    return mask_text(line)


def mask_lines(lines: Iterable[str], strict: bool = False, memo: dict[str, tuple[str, int | None]] | None = None) -> list[str]:
    """Mask YAML lines in order, remembering nested blocks: everything indented under a secret key
    with no inline value (`password:` then a list, a map, or `|` block text) is masked too.

    `memo` (line -> `_mask_one(line)`) may be shared by calls with the same `strict`: outside a secret
    block a line's masking depends on the line alone, and a big diff repeats many lines (each context
    line is masked on both sides, and thousands of clusters say `authProvider: serviceAccount`)."""
    out: list[str] = []
    block_indent: int | None = None  # lines indented deeper than this are inside a secret block
    memo = {} if memo is None else memo
    for line in lines:
        if block_indent is not None:
            body = line.rstrip("\r\n")
            if not body.strip():
                out.append(line)
                continue
            indent = len(body) - len(body.lstrip(" \t"))
            if indent > block_indent:
                lead = re.match(r"^[ \t]*(?:-[ \t]+)*", body).group(0)  # type: ignore[union-attr]
                out.append(lead + MASK + line[len(body):])
                continue
            block_indent = None
        done = memo.get(line)
        if done is None:
            done = memo[line] = _mask_one(line, strict)
        out.append(done[0])
        block_indent = done[1]
    return out


def _mask_one(line: str, strict: bool) -> tuple[str, int | None]:
    """One line outside any secret block: its masked text, and the indent of the secret block it
    opens (None when it opens none)."""
    body = line.rstrip("\r\n")
    opened = _OPEN_KEY_RE.match(body)
    if opened is not None and is_secret_key(opened.group("key"), strict):
        return line, len(body) - len(body.lstrip(" \t"))
    m = _LINE_RE.match(body)
    if m is not None and m.group("key"):
        core = _PROPS_RE.match(m.group("value")).group("core")  # type: ignore[union-attr]
        key = m.group("key")
        if _BLOCK_INDICATOR_RE.match(core) and (is_secret_key(key, strict) or CA_KEY_RE.match(key.strip("'\""))):
            return line, len(body) - len(body.lstrip(" \t"))
    return mask_line(line, strict), None


def mask_yaml_text(text: str, strict: bool = False) -> str:
    """Mask a whole YAML text line by line (config excerpts)."""
    return "".join(mask_lines(text.splitlines(keepends=True), strict))


def mask_diff(diff: str, strict: bool = False) -> str:
    out = []
    pending: list[tuple[str, str]] = []  # (prefix, content) of the current hunk
    memo: dict[str, tuple[str, int | None]] = {}  # one per diff: see mask_lines

    def flush() -> None:
        # mask the hunk's old and new sides separately, each as YAML text in order
        old = mask_lines([c for p, c in pending if p in " -"], strict, memo)
        new = mask_lines([c for p, c in pending if p in " +"], strict, memo)
        io = inew = 0
        for p, raw in pending:
            if p == " ":  # a context line: masked if either side's view says it is secret
                out.append(p + (old[io] if old[io] != raw else new[inew]))
                io += 1
                inew += 1
            elif p == "-":
                out.append(p + old[io])
                io += 1
            else:
                out.append(p + new[inew])
                inew += 1
        pending.clear()

    for line in diff.splitlines(keepends=True):
        if line[:1] in "+- " and not line.startswith(("+++", "---")):
            pending.append((line[0], line[1:]))
        else:
            flush()
            out.append(line)
    flush()
    return "".join(out)


def mask_value(key: str, value: Any, strict: bool = False, _secret_parent: bool = False) -> Any:
    """Mask a parsed config value (recursively) for reports and JSON.

    Every scalar under a secret key is masked, however deep (`credentials: {user: .., pass: ..}`),
    numbers included; `${VAR}` references stay. `strict` also masks clientId-like keys.
    """
    secret = _secret_parent or is_secret_key(str(key), strict)
    if isinstance(value, dict):
        return {k: mask_value(str(k), v, strict, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_value(key, v, strict, secret) for v in value]
    if isinstance(value, str):
        if is_env_reference(value):
            return value
        if CA_KEY_RE.match(str(key)) and len(value) > 40:
            return f"<{fingerprint(value)}>"
        if secret or JWT_RE.search(value) or high_entropy(value):
            return MASK
        return mask_text(value)
    if secret and isinstance(value, (int, float)) and not isinstance(value, bool):
        return MASK
    return value


def secret_values(key: str, value: Any, strict: bool = True, _secret_parent: bool = False) -> set[str]:
    """The literal strings `mask_value` hides in `value`: a report scrubs them from all its text,
    so a secret that also sits under an innocent key (an anchor, a copy) is caught there too."""
    secret = _secret_parent or is_secret_key(str(key), strict)
    found: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            found |= secret_values(str(k), v, strict, secret)
    elif isinstance(value, list):
        for v in value:
            found |= secret_values(key, v, strict, secret)
    elif isinstance(value, str):
        if not is_env_reference(value) and (secret or JWT_RE.search(value) or high_entropy(value)
                                            or (CA_KEY_RE.match(str(key)) and len(value) > 40)):
            found.add(value)
            found |= {m.group(0) for m in JWT_RE.finditer(value)}
        for m in URL_CREDENTIALS_RE.finditer(value):
            found.add(m.group("pw"))
    elif secret and isinstance(value, (int, float)) and not isinstance(value, bool):
        found.add(str(value))
    return found


MIN_SCRUB_LENGTH = 6


def scrub_secrets(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every known secret (longest first) in each form a server, a log or a file could carry
    it: as is, JSON-escaped, URL-encoded, base64, line by line; and any `Basic` credential, which
    holds base64(client_id:secret). The one scrubber: verify's messages and the report both use it."""
    values = sorted({s for s in secrets if isinstance(s, str) and len(s.strip()) >= MIN_SCRUB_LENGTH}, key=len, reverse=True)
    if values:
        text = _BASIC_CRED_RE.sub("Basic " + MASK, text)
    for s in values:
        forms = {s, s.strip(), _json_inner(s), quote(s, safe=""), quote_plus(s)}
        forms |= {base64.b64encode(s.encode()).decode().rstrip("="), base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")}
        for form in sorted(forms, key=len, reverse=True):
            if len(form) >= MIN_SCRUB_LENGTH:
                text = text.replace(form, MASK)
        for ln in s.splitlines():
            if len(ln.strip()) >= MIN_SCRUB_LENGTH:
                text = text.replace(ln.strip(), MASK)
    return text


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """`scrub_secrets`, then mask what still looks secret (JWTs, PEM blocks, URL passwords...)."""
    return mask_text(scrub_secrets(text, secrets))


_BASIC_CRED_RE = re.compile(r"\bBasic\s+[A-Za-z0-9+/=_-]{8,}", re.IGNORECASE)


def _json_inner(s: str) -> str:
    import json

    return json.dumps(s)[1:-1]
