"""A kube-apiserver's OIDC authentication, applied as the real one applies it, to REAL ID tokens.

`cluster-config` writes what an API server must be told (flags, an AuthenticationConfiguration,
Palette's or EKS's pack values). `read_rules(form, text)` reads that text back the way the API server
(or the pack) reads it, refusing what the API server would refuse at start-up (an AuthenticationConfiguration
of the wrong kind, several audiences without audienceMatchPolicy: MatchAny, a claim without its prefix,
--oidc-* flags without an issuer or client ID). `OidcAuthenticator(rules)` is then the authenticator of
`KubeDouble(authenticator=...)`: for each Bearer token it fetches the issuer's discovery document and
JWKS from the issuer itself (the real test OpenID provider of tests/support/oidc.py), verifies the
signature, checks iss (exactly the issuer URL), aud (one of the audiences), exp/nbf, email_verified
when the username is the email, and maps username and groups with the prefixes, the way
kube-apiserver's OIDC authenticator does (flags: a non-email username claim without a prefix gets
"<issuer>#"; "-" means none). A token it refuses is None: the double answers 401.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from ruamel.yaml import YAML

from tests.support.doubles import KubeUser

ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512"]


class RulesError(Exception):
    """What kube-apiserver (or the pack) would refuse at start-up."""


@dataclass
class Rules:
    issuer: str
    audiences: list[str]
    username_claim: str
    username_prefix: str | None  # None: flags without --oidc-username-prefix
    groups_claim: str | None
    groups_prefix: str
    structured: bool


def _yaml(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


def _from_flags(pairs: dict[str, str]) -> Rules:
    for required in ("oidc-issuer-url", "oidc-client-id"):
        if not pairs.get(required):
            raise RulesError(f"--{required} is missing")
    return Rules(pairs["oidc-issuer-url"], [pairs["oidc-client-id"]], pairs.get("oidc-username-claim", "sub"),
                 pairs.get("oidc-username-prefix"), pairs.get("oidc-groups-claim"), pairs.get("oidc-groups-prefix", ""),
                 False)


def read_rules(form: str, text: str) -> Rules:
    if form == "flags":
        pairs: dict[str, str] = {}
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not line.startswith("--") or "=" not in line:
                raise RulesError(f"not a flag: {line!r}")
            k, v = line[2:].split("=", 1)
            pairs[k] = v
        return _from_flags(pairs)
    data = _yaml(text)
    if form == "palette":
        return _from_flags({k: str(v) for k, v in data["kubeadmconfig"]["apiServer"]["extraArgs"].items()})
    if form == "eks":
        p = data["managedControlPlane"]["oidcIdentityProvider"]
        prefix = p.get("usernamePrefix")
        return Rules(p["issuerUrl"], [p["clientId"]], p.get("usernameClaim", "sub"),
                     "" if prefix == "-" else prefix, p.get("groupsClaim"), p.get("groupsPrefix", ""), False)
    if form != "authentication-config":
        raise RulesError(f"unknown form {form}")
    if data.get("kind") != "AuthenticationConfiguration" or data.get("apiVersion") not in (
            "apiserver.config.k8s.io/v1beta1", "apiserver.config.k8s.io/v1", "apiserver.config.k8s.io/v1alpha1"):
        raise RulesError("not an AuthenticationConfiguration")
    jwts = data.get("jwt")
    if not isinstance(jwts, list) or len(jwts) != 1:
        raise RulesError("expected one jwt authenticator")
    j = jwts[0]
    issuer = j["issuer"]
    audiences = issuer.get("audiences") or []
    if not audiences:
        raise RulesError("jwt[0].issuer.audiences: at least one audience is required")
    if len(audiences) > 1 and issuer.get("audienceMatchPolicy") != "MatchAny":
        raise RulesError("jwt[0].issuer.audienceMatchPolicy must be MatchAny when several audiences are given")
    username = j["claimMappings"]["username"]
    if "claim" in username and "prefix" not in username:
        raise RulesError("claimMappings.username.prefix is required when claim is set")
    groups = j["claimMappings"].get("groups") or {}
    if "claim" in groups and "prefix" not in groups:
        raise RulesError("claimMappings.groups.prefix is required when claim is set")
    return Rules(issuer["url"], list(audiences), username["claim"], username["prefix"], groups.get("claim"),
                 groups.get("prefix", ""), True)


class OidcAuthenticator:
    """The user a real ID token maps to under `rules`, or None (what the API server answers 401 to).
    `refusals` records why each refused token was refused (for the tests' messages)."""

    def __init__(self, rules: Rules):
        self.rules = rules
        self._keys: KeySet | None = None
        self.refusals: list[str] = []

    def _keyset(self) -> KeySet:
        if self._keys is None:
            with httpx.Client(timeout=10, trust_env=False) as http:
                meta = http.get(self.rules.issuer.rstrip("/") + "/.well-known/openid-configuration").json()
                if meta.get("issuer") != self.rules.issuer:
                    raise RulesError(f"discovery names issuer {meta.get('issuer')!r}, not {self.rules.issuer!r}")
                self._keys = KeySet.import_key_set(http.get(meta["jwks_uri"]).json())
        return self._keys

    def __call__(self, token: str) -> KubeUser | None:
        try:
            claims = jwt.decode(token, self._keyset(), algorithms=ALGORITHMS).claims
        except (JoseError, ValueError) as exc:
            self.refusals.append(f"signature: {exc.__class__.__name__}")
            return None
        r = self.rules
        now = time.time()
        if claims.get("iss") != r.issuer:
            self.refusals.append(f"iss {claims.get('iss')!r} is not {r.issuer!r}")
            return None
        aud = claims.get("aud")
        auds = [aud] if isinstance(aud, str) else list(aud or [])
        if not set(auds) & set(r.audiences):
            self.refusals.append(f"aud {auds} not in {r.audiences}")
            return None
        if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] <= now:
            self.refusals.append("expired")
            return None
        if isinstance(claims.get("nbf"), (int, float)) and claims["nbf"] > now + 60:
            self.refusals.append("not yet valid")
            return None
        value = claims.get(r.username_claim)
        if not isinstance(value, str) or not value:
            self.refusals.append(f"no {r.username_claim} claim")
            return None
        if r.username_claim == "email" and "email_verified" in claims and claims["email_verified"] is not True:
            self.refusals.append("email not verified")
            return None
        prefix = r.username_prefix
        if prefix is None:  # flags without --oidc-username-prefix
            prefix = "" if r.username_claim == "email" else f"{r.issuer}#"
        elif prefix == "-" and not r.structured:
            prefix = ""
        groups: list[str] = []
        if r.groups_claim:
            raw = claims.get(r.groups_claim)
            names = [raw] if isinstance(raw, str) else [g for g in raw if isinstance(g, str)] if isinstance(raw, list) else []
            groups = [f"{r.groups_prefix}{g}" for g in names]
        return KubeUser(f"{prefix}{value}", groups + ["system:authenticated"])
