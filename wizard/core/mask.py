"""Masking of secret values in everything the wizard shows: diffs, config excerpts, reports, check
results, logs. The one masker: every output goes through these functions.

Two views of a secret, applied together:

- by KEY: the value of a secret-looking key (clientSecret, serviceAccountToken, Authorization,
  X-Api-Key, Cookie, set-cookie, private_key, password, credentials, session...) is masked, however
  it is written (plain, quoted, a flow map, a `|`/`>` block scalar, a quoted or plain scalar over
  several lines, a nested block). Keys that name or locate a secret rather than hold it stay visible
  (clientSecretEnv, tokenEndpoint, oidcTokenProvider, authorizationUrl, secretName, passwordFile).
- by VALUE SHAPE, anywhere in any text: a scheme + credential (`Bearer x`, `Basic x`, `Token x`,
  `ApiKey x`, `Digest username=..`), a header or parameter carrying a credential
  (`Authorization: ..`, `Cookie: ..`, `X-Api-Key: ..`, `?access_token=..`, `:_authToken=..`), JWTs,
  PEM blocks, URL passwords, tokens with a known prefix (ghp_, npm_, glpat-...), and (for config
  values) high-entropy literals.

`${VAR}` references stay visible (they are how secrets should be written), alone or behind a scheme
(`Bearer ${TOKEN}`).
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import quote, quote_plus

from wizard.core.envrefs import ENV_REF_ANYWHERE_RE, is_env_reference

MASK = "****"

# ------------------------------------------------------------------------------------------------
# keys

# A key holds a secret when one of these is in it (any case, any separator: clientSecret, X-Api-Key,
# set-cookie, private_key, serviceAccountToken, JSESSIONID)...
_SECRET_STEMS = ("secret", "token", "password", "passwd", "passphrase", "apikey", "credential", "creds", "cookie",
                 "authorization", "bearer", "privatekey", "sessionid")
# ...or one of these words (camelCase, -, _ and . separate words: dbPass, pwd, session)...
_SECRET_WORDS = frozenset({"pass", "pwd", "session"})
# ...unless its last word says it names, locates or describes the secret rather than holding it.
_IDENTIFIER_SUFFIXES = (
    "env", "endpoint", "endpoints", "url", "urls", "uri", "uris", "provider", "providers", "file", "files", "path",
    "paths", "dir", "name", "names", "ref", "type", "types", "method", "methods", "supported", "duration", "ttl",
    "expiry", "expiration", "expires", "lifetime", "timeout", "seconds", "age", "domain", "samesite", "audience",
    "issuer", "claim", "claims", "mode", "format", "alg", "algorithm", "algorithms", "location", "prefix",
    "enabled", "required", "version", "store", "storage", "server", "host", "port", "policy", "length", "count",
)
# Keys that match the rules above but identify rather than authenticate (normalised: lower case,
# separators dropped). accessKeyId is half of a pair: masked only in strict mode, like clientId.
_NOT_SECRET_KEYS = frozenset({"oidctokenprovider", "tokenendpoint", "secretenv", "clientsecretenv", "apitokenenv",
                              "tokenenv", "accesskeyid", "authprovider",
                              # the backstage Helm chart's list of Secret NAMES loaded with envFrom
                              "extraenvvarssecrets"})
# `key` alone is secret (key:, api-key, client-key-data, signingKey), unless a word before it says
# it is an index or a public half (publicKey, cacheKey, sortKey).
_KEY_NOT_SECRET_AFTER = frozenset({
    "public", "primary", "foreign", "cache", "sort", "partition", "idempotency", "routing", "hash", "lookup", "map",
    "index", "unique", "composite", "row", "shard", "object", "label", "annotation", "translation", "i18n", "group",
    "tag", "selector", "metadata", "config", "dedupe", "dedup", "storage", "registry",
})
_KEY_TAIL_WORDS = frozenset({"data", "pem", "value", "material", "b64", "base64"})
# Half of a credential pair: not secret on its own (the plan echoes a literal clientId so it can be
# exported), but the support report masks these too (`strict=True`).
STRICT_EXTRA_KEYS = {"clientid", "accesskeyid"}
CA_KEY_RE = re.compile(r"^(caData|certificate-authority-data)$")

_WORD_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z]|[^A-Za-z]|$)|[A-Z]?[a-z]+|[0-9]+")


@lru_cache(maxsize=8192)
def is_secret_key(key: str, strict: bool = False) -> bool:
    k = key.strip().strip("'\"")
    norm = re.sub(r"[^a-z0-9]", "", k.lower())
    if not norm:
        return False
    if strict and norm in STRICT_EXTRA_KEYS:
        return True
    if norm in _NOT_SECRET_KEYS or k.endswith("Env") or norm.endswith(_IDENTIFIER_SUFFIXES):
        return False
    if any(stem in norm for stem in _SECRET_STEMS):
        return True
    words = [w.lower() for w in _WORD_RE.findall(k)]
    if _SECRET_WORDS.intersection(words):
        return True
    while len(words) > 1 and words[-1] in _KEY_TAIL_WORDS:
        words.pop()
    return bool(words) and words[-1] == "key" and (len(words) == 1 or words[-2] not in _KEY_NOT_SECRET_AFTER)


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


# ------------------------------------------------------------------------------------------------
# value shapes, anywhere in free text

JWT_RE = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")
# a PEM block, or the start of one cut off before its END line
PEM_RE = re.compile(r"-----BEGIN [A-Z0-9 ]+-----(?:[\s\S]*?-----END [A-Z0-9 ]+-----|(?=\s*\S)[\s\S]*?(?=(?:\r?\n)?\Z))")
_PEM_BEGIN_RE = re.compile(r"-----BEGIN [A-Z0-9 ]+-----")
_PEM_END_RE = re.compile(r"-----END [A-Z0-9 ]+-----")
# user:password@ in URLs (database connection strings, proxies, git remotes)
URL_CREDENTIALS_RE = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@]*):(?P<pw>[^@\s/]+)@")
# Authorization schemes followed by a token68 credential: `Bearer x`, `Basic x`, `Token x`, `ApiKey x`
_TOKEN_SCHEMES = r"bearer|basic|token|api-?key|negotiate|ntlm|ssws|jwt"
AUTH_HEADER_RE = re.compile(r"(?i)(?<![\w-])(?P<scheme>" + _TOKEN_SCHEMES + r")(?P<sp>[ \t]+)(?P<cred>[A-Za-z0-9._~+/\-]+=*)")
# ...and the schemes whose credentials are parameters: `Digest username="..", response=".."`
_PARAM_SCHEMES = r"digest|hawk|oauth|aws4-hmac-sha256|mutual|hoba"
_PARAM_CRED_RE = re.compile(r"(?im)(?<![\w-])(?P<scheme>" + _PARAM_SCHEMES + r")(?P<sp>[ \t]+)"
                            r"(?P<cred>[A-Za-z_][\w-]*[ \t]*=.*?)(?P<tail>[}\],]*[ \t]*)$")
_SCHEME_HEAD_RE = re.compile(r"(?i)(" + _TOKEN_SCHEMES + "|" + _PARAM_SCHEMES + r")([ \t]+)(\S)")
_SCHEME_WORD_RE = re.compile(r"(?i)(?<![\w-])(?:" + _TOKEN_SCHEMES + "|" + _PARAM_SCHEMES + r")(?![\w-])")
# a header (or a `name=value` / JSON member) that carries a credential whatever its value looks like
_HEADER_NAMES = (r"[A-Za-z0-9-]*authorization(?:-[A-Za-z0-9-]+)?|(?:set-)?cookie2?|(?:x-)?api-?key"
                 r"|x-[A-Za-z0-9-]*-(?:token|key|secret)|x-(?:auth|access|session|csrf|xsrf)-?token|private-token"
                 r"|client[-_]?secret|password|passwd")
_HEADER_RE = re.compile(
    r"(?im)(?<![\w-])(?P<name>" + _HEADER_NAMES + r")(?P<q>[\"']?)(?P<sep>[ \t]*[:=][ \t]*)"
    r"(?:(?P<qv>[\"'])(?P<quoted>(?:\\.|(?!(?P=qv))[^\r\n])*)(?P=qv)|(?P<plain>(?:\$\{[^}\r\n]*\}|[^\r\n,}\]\"'])+))")
# credentials in URL queries, form bodies and connection strings: `?access_token=..`, `Password=..;`
_PARAM_RE = re.compile(
    r"(?i)(?<![\w.-])(?P<name>access_token|id_token|refresh_token|client_secret|api_?key|password|passwd|pwd|secret|token"
    r"|sig|signature|x-amz-security-token|x-amz-signature|_?auth(?:token)?|_password)=(?P<value>[^&\s\"'#;,<>]+)")
# tokens whose issuers give them a recognisable prefix (GitHub, GitLab, npm, Slack, AWS access keys)
_KNOWN_TOKEN_RE = re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}"
                             r"|npm_[A-Za-z0-9]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})\b")
_KNOWN_TOKEN_TRIGGERS = ("gh", "github_pat_", "glpat-", "npm_", "xox", "AKIA")


def _credential_like(cred: str) -> bool:
    """After a scheme word: a credential, not the next word of a sentence ("Token exchange failed",
    "Basic authentication", "bearer tokens")."""
    return len(cred) >= 8 and not _PLAIN_WORD_RE.fullmatch(cred)


_PLAIN_WORD_RE = re.compile(r"[A-Za-z][a-z]+(?:-[a-z]+)*[.]*")


def _only_references(value: str) -> bool:
    """`${VAR}`, `Bearer ${TOKEN}`, `${USER}:${PASS}`: references, nothing literal to hide."""
    rest = ENV_REF_ANYWHERE_RE.sub("", value)
    if rest == value:
        return False
    return not re.sub(r"[\s:/@;=,'\"]", "", _SCHEME_WORD_RE.sub("", rest))


def _masked_credential(value: str) -> str | None:
    """The masked form of a header's value (its scheme word kept), or None to keep it as it is."""
    core = value.strip()
    if (not core or core.startswith(("<", "$", MASK)) or _only_references(core) or core in ("{", "[", "null", "~")
            or _BLOCK_INDICATOR_RE.match(core) or re.fullmatch(r"\*[\w.-]+", core)):
        return None  # a placeholder, a reference, or YAML structure (a block scalar, an alias) rather than a value
    lead, trail = value[: len(value) - len(value.lstrip())], value[len(value.rstrip()):]
    scheme = _SCHEME_HEAD_RE.match(core)
    if scheme:
        if scheme.group(3) in "<$*":
            return None  # `Bearer <token>`, `Bearer ${TOKEN}`
        return f"{lead}{scheme.group(1)}{scheme.group(2)}{MASK}{trail}"
    if _SCHEME_WORD_RE.fullmatch(core):
        return None  # a scheme name alone: nothing secret
    return f"{lead}{MASK}{trail}"


def _header_sub(m: re.Match[str]) -> str:
    quoted = m.group("qv") is not None
    value = m.group("quoted") if quoted else m.group("plain")
    masked = _masked_credential(value)
    if masked is None:
        return m.group(0)
    head = m.group("name") + m.group("q") + m.group("sep")
    return head + (m.group("qv") + masked + m.group("qv") if quoted else masked)


def _param_sub(m: re.Match[str]) -> str:
    value = m.group("value")
    if value.startswith(("$", "<", MASK)):
        return m.group(0)
    return f"{m.group('name')}={MASK}"


def _fixed_shapes(text: str) -> str:
    """PEM blocks, JWTs, URL passwords, tokens with a known prefix: secret whatever surrounds them. Each
    pattern runs only where the text holds what it needs (diffs of 3,000 clusters pass here line by
    line, and most lines hold none of it)."""
    if "-----BEGIN " in text:
        text = PEM_RE.sub("-----BEGIN (masked)-----", text)
    if "eyJ" in text:
        text = JWT_RE.sub(MASK, text)
    if "@" in text and "://" in text:
        text = URL_CREDENTIALS_RE.sub(lambda m: f"{m.group('head')}:{MASK}@", text)
    if any(w in text for w in _KNOWN_TOKEN_TRIGGERS):
        text = _KNOWN_TOKEN_RE.sub(MASK, text)
    return text


def _scheme_credentials(text: str) -> str:
    return AUTH_HEADER_RE.sub(
        lambda m: f"{m.group('scheme')}{m.group('sp')}{MASK}" if _credential_like(m.group("cred")) else m.group(0), text)


def mask_text(text: str) -> str:
    """Mask every credential free text can carry, whatever key it sits under: PEM blocks, JWTs, URL
    passwords, credential parameters, credential headers, and scheme + credential pairs."""
    if not text:
        return text
    text = _fixed_shapes(text)
    low = text.lower()
    if "=" in text and any(w in low for w in _PARAM_TRIGGERS):
        text = _PARAM_RE.sub(_param_sub, text)
    if any(w in low for w in _HEADER_TRIGGERS):
        text = _HEADER_RE.sub(_header_sub, text)
    if any(w in low for w in _SCHEME_TRIGGERS):
        if "=" in text:
            text = _PARAM_CRED_RE.sub(lambda m: f"{m.group('scheme')}{m.group('sp')}{MASK}{m.group('tail')}", text)
        text = _scheme_credentials(text)
    return text


def mask_shapes(text: str) -> str:
    """Mask only what is secret by its shape (PEM blocks, JWTs, URL passwords, known token prefixes, a
    scheme with its credential): for the wizard's own sentences, which name keys like `clientSecret:`
    followed by words, never by a value (mask_text would take those words for one)."""
    if not text:
        return text
    text = _fixed_shapes(text)
    return _scheme_credentials(text) if any(w in text.lower() for w in _SCHEME_TRIGGERS) else text


_PARAM_TRIGGERS = ("token", "secret", "key", "pass", "pwd", "sig", "auth")
_HEADER_TRIGGERS = ("authorization", "cookie", "key", "token", "secret", "passw")
_SCHEME_TRIGGERS = ("bearer", "basic", "token", "key", "negotiate", "ntlm", "ssws", "jwt", "digest", "hawk", "oauth",
                    "aws4", "mutual", "hoba")


def _credentials_in(text: str) -> set[str]:
    """The credentials `mask_text` would hide in `text` (for the report's scrub of other places)."""
    found: set[str] = set()
    for m in _HEADER_RE.finditer(text):
        value = (m.group("quoted") if m.group("qv") is not None else m.group("plain")).strip()
        if _masked_credential(value) is not None:
            scheme = re.match(r"(?i)(?:" + _TOKEN_SCHEMES + "|" + _PARAM_SCHEMES + r")[ \t]+(\S.*)", value)
            found.add(scheme.group(1) if scheme else value)
    for m in AUTH_HEADER_RE.finditer(text):
        if _credential_like(m.group("cred")):
            found.add(m.group("cred"))
    for m in _PARAM_RE.finditer(text):
        if not m.group("value").startswith(("$", "<", MASK)):
            found.add(m.group("value"))
    found |= {m.group(0) for m in JWT_RE.finditer(text)}
    found |= {m.group(0) for m in _KNOWN_TOKEN_RE.finditer(text)}
    found |= {m.group("pw") for m in URL_CREDENTIALS_RE.finditer(text)}
    return found


def _looks_secret(value: str) -> bool:
    return bool(high_entropy(value) or JWT_RE.search(value))


# ------------------------------------------------------------------------------------------------
# YAML lines

# `key: value` on one YAML line (value may be quoted); used for diff lines and excerpts
_LINE_RE = re.compile(
    r"""^(?P<lead>[ \t]*(?:-[ \t]+)?)(?P<key>["']?[A-Za-z0-9_.\-/$]+(?::[A-Za-z0-9_.\-/$]+)*["']?)"""
    r"""(?P<sep>[ \t]*:[ \t]+)(?P<value>.*?)(?P<trail>[ \t]+\#.*)?(?P<nl>\r?\n?)$"""
)
# `key:` with nothing after it (a nested block follows)
_OPEN_KEY_RE = re.compile(r"""^(?P<lead>[ \t]*(?:-[ \t]+)?)(?P<key>["']?[A-Za-z0-9_.\-/$]+(?::[A-Za-z0-9_.\-/$]+)*["']?)"""
                          r"""[ \t]*:(?P<rest>[ \t]*(?:\#.*)?)\r?\n?$""")
# anchors and tags in front of a value: `&creds`, `!!str`
_PROPS_RE = re.compile(r"^(?P<props>(?:[&!][^\s]*[ \t]+)*)(?P<core>.*)$", re.S)
_BLOCK_INDICATOR_RE = re.compile(r"^[|>][0-9+\-]*$")
_LEAD_RE = re.compile(r"^[ \t]*(?:-[ \t]+)*")


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
        if is_env_reference(text) or (under_secret and _only_references(text)):
            out.append(raw)
        elif under_secret:
            out.append(_masked_secret(raw))
        elif _looks_secret(text):
            out.append(MASK)
        else:
            out.append(mask_text(raw))
        key_secret = False
    return "".join(out)


def _masked_secret(raw: str) -> str:
    """A secret scalar (YAML text, maybe quoted) masked; a scheme in front of it is kept
    (`Token ****`: which scheme is used is not secret, and helps)."""
    quote_char = raw[0] if len(raw) > 1 and raw[0] in "\"'" and raw[-1] == raw[0] else ""
    scheme = _SCHEME_HEAD_RE.match(raw[1:-1] if quote_char else raw)
    if scheme:
        return f"{quote_char}{scheme.group(1)}{scheme.group(2)}{MASK}{quote_char}"
    return MASK


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
        if _only_references(core):  # `Bearer ${TOKEN}`: nothing literal
            return None
        return props + _masked_secret(core)
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


# ---- several lines: the regions a line opens ------------------------------------------------
#
# A line can open a region whose following lines are masked whatever they say:
#   ("block", col, seq): the lines indented deeper than `col` (and, with `seq`, `- ` items at `col`):
#       everything under a secret key (`password:` + a nested block, `token: |` + block text,
#       `secret: first words` + the plain scalar's continuation lines)
#   ("quote", q): up to the line holding the closing quote: a quoted scalar under a secret key that
#       continues on the next lines (`password: "first` ... `last"`)
#   ("pem", indent): up to the -----END line: a PEM block inside any text


def _closes(text: str, quote_char: str) -> bool:
    """Does `text` (what follows an opening quote) hold the closing quote?"""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote_char == '"' and ch == "\\":
            i += 2
            continue
        if ch == quote_char:
            if quote_char == "'" and text[i + 1:i + 2] == "'":  # '' is an escaped quote
                i += 2
                continue
            return True
        i += 1
    return False


def _pem_region(body: str, indent: int) -> tuple[Any, ...] | None:
    if "-----BEGIN " not in body:
        return None
    begin = _PEM_BEGIN_RE.search(body)
    if begin is not None and _PEM_END_RE.search(body, begin.end()) is None:
        return ("pem", indent)
    return None


_KEY_HEAD_RE = re.compile(r"""^[ \t]*(?:-[ \t]+)?(["']?[A-Za-z0-9_.\-/$]+(?::[A-Za-z0-9_.\-/$]+)*["']?)[ \t]*:(?:[ \t]|\r?\n?$)""")


def _region_opened(line: str, strict: bool) -> tuple[Any, ...] | None:
    """The region a line opens when it is read outside any region (None: none)."""
    body = line.rstrip("\r\n")
    indent = len(body) - len(body.lstrip(" \t"))
    if body[indent:indent + 1] in ("#", ""):
        return None  # a comment or a blank line opens nothing
    head = _KEY_HEAD_RE.match(body)
    if head is not None and not is_secret_key(head.group(1), strict) and not CA_KEY_RE.match(head.group(1).strip("'\"")):
        return _pem_region(body, indent) if "-----BEGIN " in body else None  # the common case, quickly
    opened = _OPEN_KEY_RE.match(body)
    if opened is not None:
        if is_secret_key(opened.group("key"), strict):
            return ("block", len(opened.group("lead")), True)
        return None
    m = _LINE_RE.match(body)
    if m is not None and m.group("key") and m.group("value"):
        key, col = m.group("key"), len(m.group("lead"))
        core = _PROPS_RE.match(m.group("value")).group("core")  # type: ignore[union-attr]
        secret = is_secret_key(key, strict)
        if _BLOCK_INDICATOR_RE.match(core):
            return ("block", col, False) if secret or CA_KEY_RE.match(key.strip("'\"")) else None
        if secret:
            if core[:1] in "\"'" and not _closes(core[1:] + (m.group("trail") or ""), core[0]):
                return ("quote", core[0])
            if not core.startswith("*"):
                return ("block", col, False)  # the continuation lines of a multi-line plain or flow value
            return None
    return _pem_region(body, indent)


class _Line:
    """What the masking knows about one distinct line (memoised per diff or text)."""

    __slots__ = ("opens", "shown")

    def __init__(self, opens: tuple[Any, ...] | None) -> None:
        self.opens = opens
        self.shown: str | None = None  # the masked text, computed when the line is shown


def _inside(line: str, body: str) -> str:
    return _LEAD_RE.match(body).group(0) + MASK + line[len(body):]  # type: ignore[union-attr]


def _scan(lines: list[str], strict: bool, memo: dict[str, _Line], want: set[int] | None) -> dict[int, str]:
    """Mask `lines` (one text, in order) and return the masked text of the lines in `want` (all when
    None). Regions are followed through every line; only wanted lines are masked in full, and a
    line outside any region is masked once per distinct text (`memo`): a big diff repeats many lines,
    and thousands of clusters say `authProvider: serviceAccount`."""
    out: dict[int, str] = {}
    _scan_from(lines, 0, len(lines), None, strict, memo, want, out)
    return out


_NOTHING: set[int] = set()


def _scan_from(lines: list[str], first: int, stop: int, region: tuple[Any, ...] | None, strict: bool,
               memo: dict[str, _Line], want: set[int] | None, out: dict[int, str],
               states: list[Any] | None = None) -> tuple[Any, ...] | None:
    """`_scan` of lines[first:stop], entered in `region` (None: outside any); returns the region the
    last line leaves open. `states[i]`, when given, gets the region line i is read in."""
    for i in range(first, stop):
        line = lines[i]
        if states is not None:
            states[i] = region
        if region is not None:
            body = line.rstrip("\r\n")
            kind = region[0]
            if kind == "quote":
                if want is None or i in want:
                    out[i] = _inside(line, body) if body.strip() else line
                if _closes(body, region[1]):
                    region = None
                continue
            if not body.strip():
                if want is None or i in want:
                    out[i] = line
                continue
            indent = len(body) - len(body.lstrip(" \t"))
            if kind == "block":
                stripped = body.lstrip(" \t")
                if indent > region[1] or (region[2] and indent == region[1] and stripped[:1] == "-"
                                          and stripped[1:2] in ("", " ", "\t")):
                    if want is None or i in want:
                        out[i] = _inside(line, body)
                    continue
                region = None
            elif indent >= region[1] and _PEM_END_RE.search(body) is None:  # inside a PEM block
                if want is None or i in want:
                    out[i] = _inside(line, body)
                continue
            else:
                region = None
        info = memo.get(line)
        if info is None:
            info = memo[line] = _Line(_region_opened(line, strict))
        if want is None or i in want:
            if info.shown is None:
                info.shown = mask_line(line, strict)
            out[i] = info.shown
        region = info.opens
    if states is not None and stop < len(states):
        states[stop] = region
    return region


def mask_lines(lines: Iterable[str], strict: bool = False, memo: dict[str, Any] | None = None) -> list[str]:
    """Mask YAML lines in order, following the regions lines open: everything under a secret key
    (a nested block, block scalar text, a multi-line plain or quoted scalar) and PEM blocks.

    `memo` may be shared by calls with the same `strict` (see `_scan`)."""
    seq = list(lines)
    done = _scan(seq, strict, {} if memo is None else memo, None)
    return [done[i] for i in range(len(seq))]


def mask_yaml_text(text: str, strict: bool = False) -> str:
    """Mask a whole YAML text line by line (config excerpts)."""
    return "".join(mask_lines(text.splitlines(keepends=True), strict))


# ------------------------------------------------------------------------------------------------
# diffs

_HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def mask_diff(diff: str, strict: bool = False, before: str | None = None, after: str | None = None) -> str:
    """Mask a unified diff. Given the texts it was made from (`before`, `after`), each line is masked
    as it reads in its whole file, so a hunk that starts inside a secret block (a block scalar's
    third line, a token list) is masked too; without them, each hunk is read on its own."""
    if before is not None and after is not None:
        masked = _mask_diff_in_files(diff, strict, before, after)
        if masked is not None:
            return masked
    out = []
    pending: list[tuple[str, str]] = []  # (prefix, content) of the current hunk
    memo: dict[str, _Line] = {}  # one per diff: see _scan

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

    left = 0  # lines of the current hunk still to come (both sides): a hunk's "---x" is a line, not a header
    for line in diff.splitlines(keepends=True):
        hunk = _HUNK_RE.match(line)
        if hunk is not None and left <= 0:
            flush()
            out.append(line)
            left = int(hunk.group(2) or 1) + int(hunk.group(4) or 1)
            continue
        if line[:1] in "+- " and (left > 0 or not line.startswith(("+++", "---"))):
            pending.append((line[0], line[1:]))
            left -= 2 if line[0] == " " else 1
        else:
            flush()
            out.append(line)
    flush()
    return "".join(out)


def _mask_diff_in_files(diff: str, strict: bool, before: str, after: str) -> str | None:
    """`mask_diff` with the whole files; None when the diff is not one of `before` -> `after`."""
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    lines = diff.splitlines(keepends=True)
    where: list[tuple[str, int, int] | None] = []
    want_a: set[int] = set()
    want_b: set[int] = set()
    hunks: list[tuple[int, int, int, int]] = []  # (first line of a, of b, lines in a, in b), 0-based
    ia = ib = left_a = left_b = 0

    def same(content: str, source: list[str], i: int) -> bool:
        if i >= len(source):
            return False
        raw = source[i]
        return content == (raw if raw.endswith(("\n", "\r")) else raw + "\n")

    for line in lines:
        prefix, content = line[:1], line[1:]
        if left_a > 0 or left_b > 0:
            if prefix == " " and left_a > 0 and left_b > 0 and same(content, a, ia) and same(content, b, ib):
                where.append((" ", ia, ib))
                want_a.add(ia)
                want_b.add(ib)
                ia, ib, left_a, left_b = ia + 1, ib + 1, left_a - 1, left_b - 1
            elif prefix == "-" and left_a > 0 and same(content, a, ia):
                where.append(("-", ia, -1))
                want_a.add(ia)
                ia, left_a = ia + 1, left_a - 1
            elif prefix == "+" and left_b > 0 and same(content, b, ib):
                where.append(("+", -1, ib))
                want_b.add(ib)
                ib, left_b = ib + 1, left_b - 1
            elif prefix == "\\":
                where.append(None)
            else:
                return None
            continue
        hunk = _HUNK_RE.match(line)
        if hunk is not None:
            count_a, count_b = int(hunk.group(2) or 1), int(hunk.group(4) or 1)
            ia = int(hunk.group(1)) - (1 if count_a else 0)
            ib = int(hunk.group(3)) - (1 if count_b else 0)
            left_a, left_b = count_a, count_b
            hunks.append((ia, ib, count_a, count_b))
        elif prefix in "+- " and line.strip() and not line.startswith(("---", "+++")):
            return None  # a changed line outside any hunk: not a diff we understand
        where.append(None)
    masked = _scan_both(a, b, hunks, strict, want_a, want_b)
    if masked is None:
        return None
    masked_a, masked_b = masked
    out: list[str] = []
    for line, at in zip(lines, where, strict=True):  # one `where` a line
        if at is None:
            out.append(line)
            continue
        prefix, i, j = at
        if prefix == " ":
            text = masked_a[i] if masked_a[i] != a[i] else masked_b[j]
        elif prefix == "-":
            text = masked_a[i]
        else:
            text = masked_b[j]
        out.append(prefix + (text if text.endswith(("\n", "\r")) else text + "\n"))
    return "".join(out)


def _scan_both(a: list[str], b: list[str], hunks: list[tuple[int, int, int, int]], strict: bool, want_a: set[int],
               want_b: set[int]) -> tuple[dict[int, str], dict[int, str]] | None:
    """The wanted lines of both files masked as a scan of each whole file masks them, reading each
    distinct line once (one memo for both) and each stretch the diff says is the same in both files
    once: `a` is scanned up to its last hunk, remembering the region each line is read in; `b` only
    in its hunks, and in a stretch between them only when it enters it in another region than `a`
    did (an earlier change opened or closed one). After the last hunk nothing is wanted."""
    memo: dict[str, _Line] = {}
    masked_a: dict[int, str] = {}
    masked_b: dict[int, str] = {}
    end_a = max([ia + na for ia, _, na, _ in hunks] + [max(want_a) + 1 if want_a else 0])
    if end_a > len(a):
        return None
    states: list[Any] = [None] * (end_a + 1)
    _scan_from(a, 0, end_a, None, strict, memo, want_a, masked_a, states)
    region: tuple[Any, ...] | None = None
    done_a = done_b = 0  # the lines before these are behind us in both files
    for ia, ib, na, nb in hunks:
        if ia - done_a != ib - done_b or ib + nb > len(b) or ia < done_a:
            return None  # not the stretches of one diff: let the caller mask it hunk by hunk
        # the stretch before the hunk: the same lines in both files
        if region == states[done_a]:
            region = states[ia]  # entered alike, left alike
        else:
            region = _scan_from(b, done_b, ib, region, strict, memo, _NOTHING, masked_b)
        region = _scan_from(b, ib, ib + nb, region, strict, memo, want_b, masked_b)
        done_a, done_b = ia + na, ib + nb
    if any(j >= done_b for j in want_b):
        return None
    return masked_a, masked_b


# ------------------------------------------------------------------------------------------------
# parsed values (reports, JSON)


def mask_value(key: str, value: Any, strict: bool = False, _secret_parent: bool = False) -> Any:
    """Mask a parsed config value (recursively) for reports and JSON.

    Every scalar under a secret key is masked, however deep (`credentials: {user: .., pass: ..}`),
    numbers included; `${VAR}` references stay. `strict` also masks clientId-like keys. Strings
    under other keys are masked by shape (a multi-line one as YAML text: a `Cookie:` line, a PEM
    block, a `password:` line inside it).
    """
    secret = _secret_parent or is_secret_key(str(key), strict)
    if isinstance(value, dict):
        return {k: mask_value(str(k), v, strict, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_value(key, v, strict, secret) for v in value]
    if isinstance(value, str):
        if is_env_reference(value) or (secret and _only_references(value)):
            return value
        if CA_KEY_RE.match(str(key)) and len(value) > 40:
            return f"<{fingerprint(value)}>"
        if secret or JWT_RE.search(value) or high_entropy(value):
            return MASK
        if "\n" in value.rstrip("\n"):
            return mask_text(mask_yaml_text(value, strict))
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
            if not (secret and _only_references(value)):
                found.add(value)
                found |= {ln.strip() for ln in value.splitlines() if len(ln.strip()) >= MIN_SCRUB_LENGTH}
        found |= {c for c in _credentials_in(value) if len(c) >= MIN_SCRUB_LENGTH}
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
