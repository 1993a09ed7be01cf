"""The extensions to wizard/core/mask.py the report needed (flow maps, block scalars, nested secret
blocks, URL passwords, Authorization headers, numbers under secret keys, strict client IDs, scrub)."""

from __future__ import annotations

import difflib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.secrets import CA_DATA, CONFIG, JWT, SECRETS, leaked
from wizard.core.mask import (
    MASK,
    fingerprint,
    mask_diff,
    mask_line,
    mask_lines,
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


# ---- a diff masked with its files: each line as a scan of its whole file masks it -------------------

_LINES = ["plain: value\n", "password: hunter2hunter2\n", "token: |\n", "  block-secret-line\n", "name: ok\n",
          'secret: "opens\n', '  still quoted"\n', "cert: -----BEGIN PRIVATE KEY-----\n", "  MIIBVQIBADANBgkqhkiG\n",
          "  -----END PRIVATE KEY-----\n", "items:\n", "  - abc\n", "tokens:\n", "  - abc\n", "", "# note\n", "  nested: x\n"]


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.sampled_from(_LINES), min_size=5, max_size=60), st.data())
def test_a_diff_with_its_files_masks_every_line_as_its_whole_file_masks_it(old: list[str], data) -> None:
    from wizard.core.diff import unified_diff

    new = list(old)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(new)))
        if data.draw(st.booleans()) and i < len(new):
            del new[i]
        else:
            new.insert(i, data.draw(st.sampled_from(_LINES)))
    old, new = [ln for ln in old if ln], [ln for ln in new if ln]
    diff = "".join(unified_diff(old, new, "a/f", "b/f"))
    if not diff:
        return
    masked_a, masked_b = mask_lines(old, strict=True), mask_lines(new, strict=True)
    lines = diff.splitlines(keepends=True)
    want: list[str] = lines[:2]  # --- a/f, +++ b/f
    ia = ib = 0
    for line in lines[2:]:
        hunk = re.match(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", line)
        if hunk:
            ia = int(hunk.group(1)) - (1 if hunk.group(2) != "0" else 0)
            ib = int(hunk.group(3)) - (1 if hunk.group(4) != "0" else 0)
            want.append(line)
        elif line[0] == " ":
            want.append(" " + (masked_a[ia] if masked_a[ia] != old[ia] else masked_b[ib]))
            ia, ib = ia + 1, ib + 1
        elif line[0] == "-":
            want.append("-" + masked_a[ia])
            ia += 1
        else:
            want.append("+" + masked_b[ib])
            ib += 1
    assert mask_diff(diff, strict=True, before="".join(old), after="".join(new)) == "".join(want)


def test_a_region_an_edit_opens_is_followed_through_the_unchanged_lines_to_the_next_hunk() -> None:
    """The new file enters the unchanged stretch between two hunks inside a secret block the old file
    does not have: a line of the next hunk is still in that block on the new side."""
    body = [f"  line{i:02d} of the text\n" for i in range(12)]
    old = ["a: 1\n", "notes: |\n"] + body[:10] + ["  said-old\n"] + body[10:] + ["b: 2\n"]
    new = ["a: 1\n", "token: |\n"] + body[:10] + ["  said-new\n"] + body[10:] + ["b: 2\n"]
    diff = "".join(difflib.unified_diff(old, new, "a/f", "b/f"))
    assert diff.count("\n@@ ") == 2  # two hunks, the stretch between them unchanged
    masked = mask_diff(diff, strict=True, before="".join(old), after="".join(new))
    assert "-  said-old\n" in masked and f"+  {MASK}\n" in masked  # the new line is in token's block
    assert "said-new" not in masked and "+token: |" in masked
