"""wizard/core/clusterconfig.py: the API servers' OIDC settings, pure (the cluster double of
tests/remote/test_cluster_config.py applies them to real tokens)."""

from __future__ import annotations

import pytest

from tests.support.text import safe_load
from wizard.core import clusterconfig as cc
from wizard.core import rbac
from wizard.errors import BadInput

ISSUER = "https://console.spectrocloud.com/v1/oidc/tenant/acme"


def test_the_issuer_is_the_authorization_url_without_auth() -> None:
    assert cc.issuer_of(f"{ISSUER}/auth") == ISSUER
    assert cc.issuer_of(f"{ISSUER}/auth?prompt=login") == ISSUER
    assert cc.issuer_of(f"{ISSUER}/auth/") == ISSUER


def test_authentication_config_reads_back_as_the_api_server_reads_it() -> None:
    auth = cc.make(ISSUER, "backstage", ["kubectl", "backstage"], username_prefix="oidc:", groups_prefix='g"1:')
    data = safe_load(cc.authentication_config(auth))
    assert data == cc.authentication_config_data(auth)
    assert data["jwt"][0]["issuer"] == {"url": ISSUER, "audiences": ["backstage", "kubectl"],
                                        "audienceMatchPolicy": "MatchAny"}
    assert data["jwt"][0]["claimMappings"] == {"username": {"claim": "email", "prefix": "oidc:"},
                                               "groups": {"claim": "groups", "prefix": 'g"1:'}}


def test_flags_and_packs_say_the_same_settings() -> None:
    auth = cc.make(ISSUER, "backstage", username_prefix="oidc:")
    assert cc.flags(auth) == [f"--oidc-issuer-url={ISSUER}", "--oidc-client-id=backstage", "--oidc-username-claim=email",
                              "--oidc-groups-claim=groups", "--oidc-username-prefix=oidc:"]
    palette = safe_load(cc.palette_values(auth))
    assert palette["kubeadmconfig"]["apiServer"]["extraArgs"] == dict(cc.flag_pairs(auth))
    assert "repaves" in cc.palette_values(auth)
    eks = safe_load(cc.eks_values(cc.make(ISSUER, "backstage")))["managedControlPlane"]["oidcIdentityProvider"]
    assert eks == {"identityProviderConfigName": "spectrocloud-backstage", "issuerUrl": ISSUER, "clientId": "backstage",
                   "usernameClaim": "email", "usernamePrefix": "-", "groupsClaim": "groups"}


@pytest.mark.parametrize("form", ["flags", "palette", "eks"])
def test_one_client_forms_refuse_several_audiences(form: str) -> None:
    with pytest.raises(cc.ClusterConfigError, match="takes ONE client ID"):
        cc.render(form, cc.make(ISSUER, "a", ["b"]))


@pytest.mark.parametrize("issuer,client,prefix,message", [
    ("ftp://issuer", "a", "", "not an https URL"),
    (f"{ISSUER}?x=1", "a", "", "not an https URL"),
    (ISSUER, "has space", "", "is not a client ID"),
    (ISSUER, "", "", "is not a client ID"),
    (ISSUER, "a", " oidc:", "not a usable prefix"),
])
def test_settings_an_api_server_would_not_take_are_bad_input(issuer: str, client: str, prefix: str, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        cc.make(issuer, client, username_prefix=prefix)


def test_a_plain_http_issuer_is_a_warning() -> None:
    assert cc.make("http://127.0.0.1:5556/v1/oidc/tenant/x", "a").warnings == (
        "the issuer http://127.0.0.1:5556/v1/oidc/tenant/x is plain http: API servers accept only https issuers",)


def test_identity_is_what_rbac_binds_with_the_same_prefixes() -> None:
    claims = {"iss": ISSUER, "aud": "backstage", "email": "alice@example.com", "groups": ["devs", "ops"]}
    auth = cc.make(ISSUER, "backstage", username_prefix="oidc:", groups_prefix="oidc:")
    user, groups = cc.identity(claims, auth)
    subjects = rbac.make_subjects(["alice@example.com"], ["devs", "ops"], username_prefix="oidc:", groups_prefix="oidc:")
    assert [s.name for s in subjects] == [user, *groups]
    assert cc.token_problems(claims, auth) == []
    assert cc.token_problems({**claims, "iss": ISSUER + "x", "email": None}, auth) == [
        f"the token's issuer (iss) is '{ISSUER}x', but the cluster would trust '{ISSUER}': the issuer URL must be "
        "exactly the token's iss",
        "the token has no email claim: the API server cannot name the user (request the email scope)"]
