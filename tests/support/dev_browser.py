"""A stand-in for the system browser ($BROWSER="python dev_browser.py %s"), for the login tests.

It does what a person does in a real browser at the loopback OpenID provider: opens the
authorization URL, fills in the provider's development login form (user $DEV_BROWSER_USER, default
alice) and its consent form, and follows the redirects back to the wizard's loopback redirect URI.
Nothing of the flow itself is mocked: the wizard's authlib client, its loopback server and the real
oidc-provider talk to each other as they would with a browser in between.

$DEV_BROWSER_MODE: "login" (default); "close" (opens nothing: the user closed the browser, the wizard
must give up at its timeout); "deny" (the consent is refused: the provider redirects with an error).
"""

from __future__ import annotations

import html
import os
import re
import sys
from urllib.parse import urljoin

import httpx

FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"', re.IGNORECASE)
PROMPT = re.compile(r'name="prompt"\s+value="([^"]+)"', re.IGNORECASE)
ABORT = re.compile(r'href="([^"]+/abort)"', re.IGNORECASE)


def main(url: str) -> int:
    mode = os.environ.get("DEV_BROWSER_MODE", "login")
    if mode == "close":
        return 0
    user = os.environ.get("DEV_BROWSER_USER", "alice")
    with httpx.Client(follow_redirects=False, timeout=10.0, trust_env=False) as http:
        response = http.get(url)
        for _ in range(12):
            if response.is_redirect:
                response = http.get(urljoin(str(response.url), response.headers["location"]))
                continue
            if response.status_code != 200:
                return 1
            action, prompt = FORM_ACTION.search(response.text), PROMPT.search(response.text)
            if not action or not prompt:
                return 0  # the wizard's "you can close this window" page: done
            form = {"prompt": prompt.group(1)}
            if form["prompt"] == "login":
                form.update(login=user, password="any-password")
            elif mode == "deny":  # the consent page's cancel link (oidc-provider's abort), then the redirects back
                abort = ABORT.search(response.text)
                if not abort:
                    return 1
                response = http.get(urljoin(str(response.url), html.unescape(abort.group(1))))
                continue
            response = http.post(urljoin(str(response.url), html.unescape(action.group(1))), data=form)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
