"""A browser for the demo's stand-in OpenID provider (wizard/demo/oidc.py), for the demo's sign-in tests.

It does with the sign-in URL what a browser does: follows the redirects to the provider's sign-in
page, then the page's own `continue` link (which the page's meta refresh follows by itself after a
moment), and the redirect back to the wizard's loopback redirect URI, whose page it returns. An HTTP
client without cookies or JavaScript: nothing of the flow is mocked.
"""

from __future__ import annotations

import html
import re

import httpx

APPROVE = re.compile(r'<a id="approve" href="([^"]+)"')


def sign_in_page(http: httpx.Client, url: str) -> str:
    """The sign-in page's `continue` URL, after checking the page is the demo's and continues by itself."""
    page = http.get(url)
    assert page.status_code == 200 and "alice@demo.example" in page.text, page.text
    found = APPROVE.search(page.text)
    assert found is not None, page.text
    assert f'content="2;url={found.group(1)}"' in page.text  # a browser continues by itself
    return html.unescape(found.group(1))


def browse(url: str) -> str:
    """Sign in at `url` as the demo user; the wizard's loopback page (its text)."""
    with httpx.Client(trust_env=False, follow_redirects=True, timeout=5) as http:
        done = http.get(sign_in_page(http, url))
    assert done.status_code == 200, done.text
    return done.text
