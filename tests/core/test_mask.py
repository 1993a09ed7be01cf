"""The extensions to wizard/core/mask.py the report needed (flow maps, block scalars, nested secret
blocks, URL passwords, Authorization headers, numbers under secret keys, strict client IDs, scrub)."""

from __future__ import annotations

import difflib

import pytest

from tests.support.secrets import CA_DATA, CONFIG, JWT, SECRETS, leaked
from wizard.core.mask import (
    MASK,
    fingerprint,
    mask_diff,
    mask_line,
    mask_text,
    mask_value,
    mask_yaml_text,
    scrub,
    secret_values,
)


@pytest.mark.parametrize("line, expected", [
    ("clientSecret: abc", "clientSecret: ****"),
    ("apiToken: ${X}", "apiToken: ${X}"),
    ("oidcTokenProvider: spectrocloud", "oidcTokenProvider: spectrocloud"),
    ("url: https://x.example.com", "url: https://x.example.com"),
    ("opts: { user: bob, password: hunter2, ref: ${A} }", "opts: { user: bob, password: ****, ref: ${A} }"),
    ("- { name: c, serviceAccountToken: 'abc def', url: \"https://c:6443\" }",
     "- { name: c, serviceAccountToken: ****, url: \"https://c:6443\" }"),
    ("list: [Zx8Qm2Lp9Vt4Rk7Wn3Hs6Jd1Fy5Bc0Ga, plain]", "list: [****, plain]"),
    ("secrets: [a, b]", "secrets: [****, ****]"),
    ("token: &tok value", "token: &tok ****"),
    ("seed: &s Zx8Qm2Lp9Vt4Rk7Wn3Hs6Jd1Fy5Bc0Ga", "seed: &s ****"),
    ("token: *tok", "token: *tok"),
    (f"- {JWT}", "- ****"),
    ("conn: postgresql://user:pa55word@db:5432/x", "conn: postgresql://user:****@db:5432/x"),
    (f"caData: {CA_DATA}", f"caData: <{fingerprint(CA_DATA)}>"),
    ("page:catalog: {config: {path: /}}", "page:catalog: {config: {path: /}}"),
    ("clientSecret: abc   # a comment", "clientSecret: ****   # a comment"),
])
def test_mask_line(line: str, expected: str) -> None:
    assert mask_line(line) == expected


def test_nested_blocks_under_secret_keys() -> None:
    text = """\
a:
  password: |
    hunter2 words
    more words
  tokens:
    - abc
    - def
  credentials:
    user: bob
    pass: x
  after: visible
"""
    assert mask_yaml_text(text) == """\
a:
  password: |
    ****
    ****
  tokens:
    - ****
    - ****
  credentials:
    ****
    ****
  after: visible
"""


def test_mask_text_free_text() -> None:
    assert mask_text("Authorization: Bearer abcdef0123456789") == "Authorization: Bearer ****"
    assert mask_text("redis://:s3cr3t@host") == "redis://:****@host"
    assert mask_text(f"token {JWT} end") == "token **** end"
    assert mask_text("nothing to see at https://example.com/path") == "nothing to see at https://example.com/path"


def test_mask_value_nested_numbers_and_strict() -> None:
    data = {"credentials": {"user": "u", "n": 5}, "clientId": "cid", "caData": CA_DATA, "password": 123456,
            "enabled": True, "port": 5432, "ref": "${X}"}
    assert mask_value("", data) == {"credentials": {"user": MASK, "n": MASK}, "clientId": "cid",
                                     "caData": f"<{fingerprint(CA_DATA)}>", "password": MASK, "enabled": True,
                                     "port": 5432, "ref": "${X}"}
    assert mask_value("", data, strict=True)["clientId"] == MASK
    assert secret_values("", data) >= {"u", "5", "cid", CA_DATA, "123456"}


def test_scrub_known_values_everywhere() -> None:
    assert scrub('x "horse battery" y', {"horse battery"}) == 'x "****" y'
    assert scrub("short abc", {"abc"}) == "short abc"  # too short to scrub safely
    assert scrub('{"a": "line1\\nline2-long"}', {"line1\nline2-long"}) == '{"a": "****"}'


def test_whole_config_as_a_diff_masks_every_line_visible_secret() -> None:
    """A plan diff that adds the whole file: every secret a line-by-line view can know is masked.

    Two cannot be known line by line and are caught by the report's value scrub instead: the literal
    clientId (not secret for the plan, which echoes it) and a phrase under an innocent key that is
    aliased under a secret key elsewhere.
    """
    diff = "".join(difflib.unified_diff([], CONFIG.splitlines(keepends=True), "a/app-config.yaml", "b/app-config.yaml"))
    masked = mask_diff(diff)
    assert sorted(leaked(masked)) == ["clientId", "innocentAnchor"]
    assert "${PROD_CLIENT_ID}" in masked and "${LEGACY_TOKEN}" in masked
    assert sorted(leaked(mask_yaml_text(CONFIG, strict=True))) == ["innocentAnchor"]
    # removed lines are masked as well as added ones
    back = mask_diff("".join(difflib.unified_diff(CONFIG.splitlines(keepends=True), [], "a/x", "b/x")))
    assert sorted(leaked(back)) == ["clientId", "innocentAnchor"]
    assert SECRETS["blockLine1"] not in back


def test_a_diff_masks_a_repeated_line_by_where_it_is_not_by_where_it_was_first_seen() -> None:
    """mask_diff masks each distinct line once (a memo per diff): a line inside a secret block must
    still be masked there and shown elsewhere, whichever it was seen as first, in any hunk."""
    old = ["names:\n", "  - abc\n", "tokens:\n", "  - abc\n", "x: 1\n"] + [f"k{i}: v\n" for i in range(20)]
    old += ["secret: abc\n", "names:\n", "  - abc\n", "tokens:\n", "  - abc\n"]
    new = [ln.replace("x: 1", "x: 2").replace("secret: abc", "secret: abd") for ln in old]
    diff = "".join(difflib.unified_diff(old, new, "a/f", "b/f"))
    masked = mask_diff(diff)
    assert masked.count("@@") == 4  # two hunks
    lines = masked.splitlines()
    assert [ln for ln in lines if "abc" in ln or MASK in ln] == [
        "   - abc", "   - ****",  # the first (its `names:` is outside the hunk) shown, under tokens: masked
        "-secret: ****", "+secret: ****",
        "   - abc",  # under names: shown, in the second hunk
    ]
