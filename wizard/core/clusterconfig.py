"""What a cluster's API server must be told to trust the users' SpectroCloud ID tokens (pure: no I/O).

Backstage forwards each user's ID token to the cluster as a Bearer token. The API server accepts it
when its OIDC settings match the token: the issuer URL equal to the token's `iss` (SpectroCloud's is
the authorization URL without `/auth`: https://console.spectrocloud.com/v1/oidc/tenant/<tenant>), an
audience equal to the token's `aud` (the client ID Backstage signs in with), and claim mappings that
turn `email` and `groups` into the user and groups RBAC binds (with the same prefixes `spectro-wizard
rbac` names them with: wizard/core/rbac.py).

Four forms of the same settings:

- `flags`: kube-apiserver's --oidc-issuer-url, --oidc-client-id, --oidc-username-claim,
  --oidc-groups-claim and the prefixes; one client ID only.
- `authentication-config`: a structured AuthenticationConfiguration (apiserver.config.k8s.io/v1beta1,
  on by default since Kubernetes 1.30, passed with --authentication-config, never together with
  --oidc-* flags): jwt[].issuer.url, issuer.audiences (several, with audienceMatchPolicy: MatchAny),
  claimMappings.username/groups with claim and prefix.
- `palette`: the Palette Kubernetes pack's values (identity provider "Custom"):
  kubeadmconfig.apiServer.extraArgs with the oidc-* flags; changing them repaves the control plane.
- `eks`: the Palette EKS pack's managedControlPlane.oidcIdentityProvider (issuerUrl, clientId,
  usernameClaim, groupsClaim, prefixes); one client ID only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from wizard.core import rbac
from wizard.errors import BadInput

FORMATS = ("flags", "authentication-config", "palette", "eks")
AUTHN_API_VERSION = "apiserver.config.k8s.io/v1beta1"
USERNAME_CLAIM = "email"
GROUPS_CLAIM = "groups"
REPAVE_WARNING = ("changing the API server's OIDC settings in a cluster profile repaves the cluster's control-plane "
                  "nodes (a rolling replacement): schedule it")
_CLIENT_ID_RE = re.compile(r"^[^\s\x00-\x1f\x7f]{1,512}$")


class ClusterConfigError(BadInput):
    """Settings an API server would not accept, or a form that cannot say them (exit 2)."""


def issuer_of(authorization_url: str) -> str:
    """SpectroCloud's issuer: the authorization URL without its final `/auth` (query dropped)."""
    parts = urlsplit(authorization_url)
    path = parts.path.rstrip("/")
    path = path[: -len("/auth")] if path.endswith("/auth") else path.rsplit("/", 1)[0]
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


@dataclass(frozen=True)
class ClusterAuth:
    """The OIDC settings of one issuer, as an API server holds them."""

    issuer: str
    audiences: tuple[str, ...]  # the first is the client ID Backstage signs in with
    username_prefix: str = ""
    groups_prefix: str = ""
    username_claim: str = USERNAME_CLAIM
    groups_claim: str = GROUPS_CLAIM
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def client_id(self) -> str:
        return self.audiences[0]


def make(issuer: str, client_id: str, extra_audiences: Iterable[str] = (), *, username_prefix: str = "",
         groups_prefix: str = "") -> ClusterAuth:
    """Validated settings: an http(s) issuer without a query, client IDs without blanks, prefixes
    `spectro-wizard rbac` accepts."""
    parts = urlsplit(issuer)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise ClusterConfigError(f"the issuer {issuer!r} is not an https URL without query (the authorization URL "
                                 "without /auth)")
    warnings: list[str] = []
    if parts.scheme != "https":
        warnings.append(f"the issuer {issuer} is plain http: API servers accept only https issuers")
    audiences: list[str] = []
    for aud in (client_id, *extra_audiences):
        if not isinstance(aud, str) or not _CLIENT_ID_RE.match(aud):
            raise ClusterConfigError(f"audience {aud!r} is not a client ID (no blanks or control characters)")
        if aud not in audiences:
            audiences.append(aud)
    rbac.validate_prefix("--username-prefix", username_prefix)
    rbac.validate_prefix("--groups-prefix", groups_prefix)
    return ClusterAuth(issuer.rstrip("/") if parts.path.endswith("/") else issuer, tuple(audiences),
                       username_prefix, groups_prefix, warnings=tuple(warnings))


def _one_client(auth: ClusterAuth, form: str) -> str:
    if len(auth.audiences) > 1:
        who = "EKS takes a single clientId" if form == "eks" else "kube-apiserver has a single --oidc-client-id"
        raise ClusterConfigError(f"--format {form} takes ONE client ID ({who}), and this configuration must accept "
                                 f"{len(auth.audiences)}: {', '.join(auth.audiences)}; use --format "
                                 "authentication-config (several audiences with audienceMatchPolicy: MatchAny), or "
                                 "sign Backstage in with the cluster's client")
    return auth.client_id


def flag_pairs(auth: ClusterAuth) -> list[tuple[str, str]]:
    """kube-apiserver's OIDC flags as (name without --, value)."""
    pairs = [("oidc-issuer-url", auth.issuer), ("oidc-client-id", _one_client(auth, "flags")),
             ("oidc-username-claim", auth.username_claim), ("oidc-groups-claim", auth.groups_claim)]
    if auth.username_prefix:
        pairs.append(("oidc-username-prefix", auth.username_prefix))
    elif auth.username_claim != "email":
        pairs.append(("oidc-username-prefix", "-"))  # no prefix (the API server would add "<issuer>#")
    if auth.groups_prefix:
        pairs.append(("oidc-groups-prefix", auth.groups_prefix))
    return pairs


def flags(auth: ClusterAuth) -> list[str]:
    return [f"--{k}={v}" for k, v in flag_pairs(auth)]


def _q(value: str) -> str:
    """A YAML scalar that reads back as exactly `value` (a JSON string is a YAML double-quoted scalar)."""
    return json.dumps(value, ensure_ascii=False)


def authentication_config_data(auth: ClusterAuth) -> dict[str, Any]:
    issuer: dict[str, Any] = {"url": auth.issuer, "audiences": list(auth.audiences)}
    if len(auth.audiences) > 1:
        issuer["audienceMatchPolicy"] = "MatchAny"
    return {
        "apiVersion": AUTHN_API_VERSION,
        "kind": "AuthenticationConfiguration",
        "jwt": [{
            "issuer": issuer,
            "claimMappings": {
                "username": {"claim": auth.username_claim, "prefix": auth.username_prefix},
                "groups": {"claim": auth.groups_claim, "prefix": auth.groups_prefix},
            },
        }],
    }


def authentication_config(auth: ClusterAuth) -> str:
    lines = [
        "# kube-apiserver structured authentication (Kubernetes 1.30+, beta and on by default), written by spectro-wizard.",
        "# Pass it with --authentication-config=<this file>; it cannot be combined with --oidc-* flags.",
        "# Users are the ID token's email claim" + (f" prefixed with {_q(auth.username_prefix)}" if auth.username_prefix
                                                    else " as it is") + ", groups its groups claim"
        + (f" prefixed with {_q(auth.groups_prefix)}" if auth.groups_prefix else " as they are")
        + ": the names `spectro-wizard rbac` binds with the same prefixes.",
        f"apiVersion: {AUTHN_API_VERSION}",
        "kind: AuthenticationConfiguration",
        "jwt:",
        "  - issuer:",
        f"      url: {_q(auth.issuer)}",
        "      audiences:",
    ]
    lines += [f"        - {_q(a)}" for a in auth.audiences]
    if len(auth.audiences) > 1:
        lines.append("      audienceMatchPolicy: MatchAny")
    lines += [
        "    claimMappings:",
        "      username:",
        f"        claim: {_q(auth.username_claim)}",
        f"        prefix: {_q(auth.username_prefix)}",
        "      groups:",
        f"        claim: {_q(auth.groups_claim)}",
        f"        prefix: {_q(auth.groups_prefix)}",
    ]
    return "\n".join(lines) + "\n"


def palette_values(auth: ClusterAuth) -> str:
    pairs = flag_pairs(auth)
    lines = [
        "# Palette Kubernetes pack (kubeadm) values, OIDC identity provider \"Custom\": merge into the pack's values in",
        "# the cluster profile. WARNING: " + REPAVE_WARNING + ".",
        "pack:",
        "  palette:",
        "    config:",
        "      dashboard:",
        "        identityProvider: none   # \"Custom\" in the Palette UI: the API server's own OIDC flags below",
        "kubeadmconfig:",
        "  apiServer:",
        "    extraArgs:",
    ]
    lines += [f"      {k}: {_q(v)}" for k, v in pairs]
    return "\n".join(lines) + "\n"


def eks_values(auth: ClusterAuth) -> str:
    client = _one_client(auth, "eks")
    lines = [
        "# Palette EKS pack values: the cluster's OIDC identity provider (EKS associates it with the control plane;",
        "# the issuer must be https and reachable from AWS). WARNING: " + REPAVE_WARNING + ".",
        "managedControlPlane:",
        "  oidcIdentityProvider:",
        "    identityProviderConfigName: spectrocloud-backstage",
        f"    issuerUrl: {_q(auth.issuer)}",
        f"    clientId: {_q(client)}",
        f"    usernameClaim: {_q(auth.username_claim)}",
        # EKS: "-" turns prefixing off (an email claim gets none anyway)
        f"    usernamePrefix: {_q(auth.username_prefix or '-')}",
        f"    groupsClaim: {_q(auth.groups_claim)}",
    ]
    if auth.groups_prefix:
        lines.append(f"    groupsPrefix: {_q(auth.groups_prefix)}")
    return "\n".join(lines) + "\n"


def render(form: str, auth: ClusterAuth) -> str:
    if form == "flags":
        return "\n".join(flags(auth)) + "\n"
    if form == "authentication-config":
        return authentication_config(auth)
    if form == "palette":
        return palette_values(auth)
    if form == "eks":
        return eks_values(auth)
    raise ClusterConfigError(f"--format {form!r}: choose one of {', '.join(FORMATS)}")


# ------------------------------------------------------------------------------------------------
# a real token against the settings


def _audiences_of(claims: dict[str, Any]) -> list[str]:
    aud = claims.get("aud")
    return [aud] if isinstance(aud, str) else [a for a in aud if isinstance(a, str)] if isinstance(aud, list) else []


def token_problems(claims: dict[str, Any], auth: ClusterAuth) -> list[str]:
    """One sentence per reason an API server with `auth` would refuse a token with these claims (its
    signature aside): the issuer, the audience, a missing username claim."""
    problems: list[str] = []
    iss = claims.get("iss")
    if iss != auth.issuer:
        problems.append(f"the token's issuer (iss) is {iss!r}, but the cluster would trust {auth.issuer!r}: the issuer "
                        "URL must be exactly the token's iss")
    auds = _audiences_of(claims)
    if not set(auds) & set(auth.audiences):
        shown = auds[0] if len(auds) == 1 else auds
        problems.append(f"the token's audience (aud) is {shown!r}, which this configuration does not trust (it trusts "
                        f"{', '.join(auth.audiences)}): the API server would answer 401 — use the same client for "
                        f"Backstage and the clusters, or add --audience {auds[0] if auds else '<client ID>'} "
                        "(--format authentication-config lists several)")
    if not claims.get(auth.username_claim):
        problems.append(f"the token has no {auth.username_claim} claim: the API server cannot name the user (request the "
                        "email scope)")
    return problems


def identity(claims: dict[str, Any], auth: ClusterAuth) -> tuple[str | None, list[str]]:
    """The user and groups an API server with `auth` derives from the claims (prefixes applied), as
    SelfSubjectReview reports them (system:authenticated aside)."""
    user = claims.get(auth.username_claim)
    groups = claims.get(auth.groups_claim)
    username = f"{auth.username_prefix}{user}" if isinstance(user, str) and user else None
    return username, [f"{auth.groups_prefix}{g}" for g in groups if isinstance(g, str)] if isinstance(groups, list) else []


__all__ = [
    "AUTHN_API_VERSION", "ClusterAuth", "ClusterConfigError", "FORMATS", "REPAVE_WARNING", "authentication_config",
    "authentication_config_data", "eks_values", "flag_pairs", "flags", "identity", "issuer_of", "make",
    "palette_values", "render", "token_problems",
]
