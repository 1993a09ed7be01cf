"""wizard.core.migration: the inventory and the clean-up list, without the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.repos import make_repo
from wizard.core import configset
from wizard.core.configset import ConfigSet
from wizard.core.migration import (
    PROVIDER_RBAC_DEFAULTS,
    cleanup_after,
    delete_commands,
    env_references,
    inventory,
    provider_resources,
    render_inventory,
)


def configs_of(tmp_path: Path, main: str, local: str | None = None, name: str = "app") -> ConfigSet:
    root = make_repo(tmp_path, name, preset="migration", app_config=main, local=local)
    return configset.load(root)


def test_inventory_of_the_fixture(migration_repo: Path) -> None:
    inv = inventory(configset.load(migration_repo))
    assert inv["serviceAccount"] == ["legacy-a", "legacy-b", "legacy-c", "legacy-a"]  # one entry per file
    assert {(c["name"], c["file"]) for c in inv["clusters"] if c["state"] == "serviceAccount"} == {
        ("legacy-a", "app-config.yaml"), ("legacy-b", "app-config.yaml"),
        ("legacy-c", "app-config.local.yaml"), ("legacy-a", "app-config.local.yaml")}
    assert inv["unchanged"] == ["gke-prod (google)"]
    assert inv["oidc"] == [] and inv["mixed"] is False
    env = inv["environments"][0]
    assert env["state"] == "serviceAccount" and env["name"] == "palette"
    assert env["resources"] == {"namespace": "backstage-ops", "serviceAccountName": "bs-reader",
                                "secretName": "backstage-sa-token", "clusterRoleName": "backstage-read-only",
                                "clusterRoleBindingName": "backstage-read-only-binding"}
    assert env["clusterNames"] == "palette-<cluster>"
    assert sorted(inv["tokenEnvVars"]) == ["LEGACY_A_TOKEN", "PALETTE_API_TOKEN", "SHARED_SA_TOKEN"]
    assert len(inv["tokenEnvVars"]["SHARED_SA_TOKEN"]) == 2
    text = render_inventory(inv)
    assert "legacy-c (app-config.local.yaml:6; token in ${SHARED_SA_TOKEN})" in text
    assert "ServiceAccount backstage-ops/bs-reader" in text and "gke-prod (google)" in text


def test_provider_resource_names(tmp_path: Path) -> None:
    assert provider_resources(None) == PROVIDER_RBAC_DEFAULTS
    assert PROVIDER_RBAC_DEFAULTS == {"namespace": "backstage-system", "serviceAccountName": "backstage-sa",
                                      "secretName": "backstage-sa-token", "clusterRoleName": "backstage-read-only",
                                      "clusterRoleBindingName": "backstage-read-only-binding"}
    custom = provider_resources({"namespace": "ops", "secretName": "tok", "clusterRoleName": "ro",
                                 "clusterRoleBindingName": "ro-b", "serviceAccountName": "sa", "clusterRoleRules": []})
    assert custom == {"namespace": "ops", "serviceAccountName": "sa", "secretName": "tok", "clusterRoleName": "ro",
                      "clusterRoleBindingName": "ro-b"}
    assert provider_resources({"namespace": "", "serviceAccountName": 3}) == PROVIDER_RBAC_DEFAULTS
    cmds = delete_commands(custom, "<c>")
    assert cmds == [
        "kubectl --context <c> delete clusterrolebinding ro-b --ignore-not-found",
        "kubectl --context <c> delete clusterrole ro --ignore-not-found",
        "kubectl --context <c> --namespace ops delete secret tok --ignore-not-found",
        "kubectl --context <c> --namespace ops delete serviceaccount sa --ignore-not-found",
    ]
    # a name a shell would split is quoted
    assert "'odd name; rm -rf /'" in delete_commands({**custom, "clusterRoleName": "odd name; rm -rf /"})[1]


def test_environment_variable_references(tmp_path: Path) -> None:
    cs = configs_of(tmp_path, """\
a:
  b: ${ONE}
  c: "https://${HOST}:${PORT}/x"
  d: $${ESCAPED}
  e: { $env: FROM_ENV_DIRECTIVE }
  list:
    - name: first
      token: ${IN_LIST}
""", local="x: ${LOCAL_ONLY}\n")
    refs = env_references(cs)
    assert sorted(refs) == ["FROM_ENV_DIRECTIVE", "HOST", "IN_LIST", "LOCAL_ONLY", "ONE", "PORT"]
    assert refs["IN_LIST"] == ["app-config.yaml: a.list[first].token"]
    assert refs["LOCAL_ONLY"] == ["app-config.local.yaml: x"]


BASE = """\
kubernetes:
  clusterLocatorMethods:
    - type: config
      clusters:
        - name: lit
          url: https://lit.example.com
          serviceAccountToken: AbCdEf0123456789GhIjKlMnOpQrStUvWxYz
        - name: envy
          url: https://envy.example.com
          serviceAccountToken: ${ENVY_TOKEN}
        - name: aws
          url: https://aws.example.com
          authProvider: aws
spectrocloud:
  environments:
    - name: one
      url: https://api.spectrocloud.com
      tenant: t
      apiToken: ${OLD_API_TOKEN}
    - name: two
      url: https://api.spectrocloud.com
      tenant: t
      apiToken: ${OLD_API_TOKEN}
      clusterProvider: { authType: serviceAccount }
"""


def test_cleanup_after_literal_tokens_renamed_api_tokens_and_shared_resources(tmp_path: Path) -> None:
    before = configs_of(tmp_path, BASE, name="before")
    after_text = (BASE.replace("          serviceAccountToken: AbCdEf0123456789GhIjKlMnOpQrStUvWxYz\n",
                               "          authProvider: oidc\n          oidcTokenProvider: spectrocloud\n")
                  .replace("    - name: one\n      url: https://api.spectrocloud.com\n      tenant: t\n      apiToken: ${OLD_API_TOKEN}\n",
                           "    - name: one\n      url: https://api.spectrocloud.com\n      tenant: t\n      apiToken: ${NEW_API_TOKEN}\n"
                           "      clusterProvider: { authType: oidc }\n"))
    after = configs_of(tmp_path, after_text, name="after")
    c = cleanup_after(before, after)
    # `one` switched (no clusterProvider = serviceAccount, the default) but `two` still uses the same
    # tenant and the same (default) resource names in serviceAccount mode: no delete commands yet
    assert [e.environment for e in c.environments] == ["one"]
    assert c.environments[0].commands == [] and "still uses serviceAccount mode" in c.environments[0].notes[0]
    assert c.literal_tokens == ["cluster lit (app-config.yaml:5): its literal serviceAccountToken"]
    assert "AbCdEf0123456789" not in c.render()
    assert [v.name for v in c.revocable] == []  # OLD_API_TOKEN is still read by `two`
    assert "still on service accounts (mixed mode is fine): envy, two" in c.render()

    # switch `two` and drop envy's token too
    after2 = configs_of(tmp_path, after_text.replace("clusterProvider: { authType: serviceAccount }", "clusterProvider: { authType: oidc }")
                        .replace("      apiToken: ${OLD_API_TOKEN}", "      apiToken: ${NEW_API_TOKEN}")
                        .replace("          serviceAccountToken: ${ENVY_TOKEN}\n",
                                 "          authProvider: oidc\n          oidcTokenProvider: spectrocloud\n"),
                        name="after2")
    c = cleanup_after(before, after2)
    assert [e.environment for e in c.environments] == ["one", "two"]
    assert all(len(e.commands) == 4 for e in c.environments)
    assert "kubectl --context <cluster> --namespace backstage-system delete serviceaccount backstage-sa --ignore-not-found" in c.commands
    names = {v.name: v for v in c.revocable}
    assert sorted(names) == ["ENVY_TOKEN", "OLD_API_TOKEN"]
    assert "still needs in oidc mode" in names["OLD_API_TOKEN"].caution
    assert c.find_service_accounts == ['kubectl --context <envy> auth whoami --token "$ENVY_TOKEN"']
    text = c.render()
    assert "the wizard runs none of it" in text and "still on service accounts" not in text


def test_cleanup_when_an_environment_is_removed_and_when_nothing_changed(tmp_path: Path) -> None:
    before = configs_of(tmp_path, BASE, name="before")
    removed = configs_of(tmp_path, BASE.split("spectrocloud:")[0], name="removed")
    c = cleanup_after(before, removed)
    assert [e.environment for e in c.environments] == ["one", "two"]
    assert [v.name for v in c.revocable] == ["OLD_API_TOKEN"]
    same = cleanup_after(before, before)
    assert same.empty and same.render() == "Clean-up: nothing to revoke or delete after this wave."
    assert same.to_json()["kubectl"] == []


@pytest.mark.parametrize("auth, state", [(None, "serviceAccount"), ("serviceAccount", "serviceAccount"), ("oidc", "oidc-no-token-provider"),
                                         ("google", "other"), ("aws", "other")])
def test_cluster_states(tmp_path: Path, auth: str | None, state: str) -> None:
    line = f"          authProvider: {auth}\n" if auth else ""
    cs = configs_of(tmp_path, "kubernetes:\n  clusterLocatorMethods:\n    - type: config\n      clusters:\n"
                              f"        - name: c\n          url: https://c\n{line}")
    assert inventory(cs)["clusters"][0]["state"] == state
