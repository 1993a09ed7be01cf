"""`spectro-wizard rbac`: valid Kubernetes RBAC manifests for SpectroCloud OIDC users and groups."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.support.cli import run, run_process
from wizard.core import rbac

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def docs(text: str) -> list[Any]:
    return [d for d in YAML(typ="safe", pure=True).load_all(text) if d is not None]


def assert_binding(doc: Any, kind: str, role: str, subject: tuple[str, str], namespace: str | None = None) -> None:
    """What the Kubernetes schema requires of a (Cluster)RoleBinding, and what we meant."""
    assert doc["apiVersion"] == "rbac.authorization.k8s.io/v1"
    assert doc["kind"] == kind
    meta = doc["metadata"]
    assert isinstance(meta["name"], str) and DNS_LABEL.match(meta["name"]) and len(meta["name"]) <= 63
    if namespace:
        assert meta["namespace"] == namespace
    else:
        assert "namespace" not in meta
    assert doc["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role}
    assert doc["subjects"] == [{"kind": subject[0], "apiGroup": "rbac.authorization.k8s.io", "name": subject[1]}]
    assert set(doc) == {"apiVersion", "kind", "metadata", "roleRef", "subjects"}


def test_cluster_role_bindings_on_stdout(capsys) -> None:
    code, out, err = run(capsys, "rbac", "--user", "alice@example.com", "--group", "platform-devs", "--group", "team #1")
    assert code == 0, err
    d = docs(out)
    assert len(d) == 3 and out.count("\n---\n") + out.startswith("---") == 3
    assert_binding(d[0], "ClusterRoleBinding", "view", ("User", "alice@example.com"))
    assert_binding(d[1], "ClusterRoleBinding", "view", ("Group", "platform-devs"))
    assert_binding(d[2], "ClusterRoleBinding", "view", ("Group", "team #1"))
    assert len({x["metadata"]["name"] for x in d}) == 3
    assert d[0]["metadata"]["name"].startswith("spectrocloud-oidc-view-user-alice-example-com-")


@pytest.mark.parametrize("option, role", [("--role", "view"), ("--role", "edit"), ("--role", "admin"),
                                          ("--role", "cluster-admin"),
                                          ("--custom-role", "system:aggregate-to-view"),
                                          ("--custom-role", "my-team.reader")])
def test_roles(capsys, option: str, role: str) -> None:
    code, out, _ = run(capsys, "rbac", "--user", "a@b.co", option, role)
    assert code == 0
    assert_binding(docs(out)[0], "ClusterRoleBinding", role, ("User", "a@b.co"))


def test_a_role_kubernetes_does_not_have_is_refused_unless_named_as_ones_own(capsys) -> None:
    """Issue 19: `--role god` was bound as if it existed; a typo of view/edit/admin would be too."""
    code, out, err = run(capsys, "rbac", "--user", "a@b.co", "--role", "god")
    assert code == 2 and out == ""
    assert "--role 'god' is not one of Kubernetes' user-facing ClusterRoles (view, edit, admin, cluster-admin)" in err
    assert "--custom-role god" in err and "kubectl get clusterrole god" in err
    code, out, err = run(capsys, "rbac", "--user", "a@b.co", "--role", "edit", "--custom-role", "x")
    assert code == 2 and "not allowed with argument" in err


def test_namespace_variant_written_to_a_file(tmp_path: Path, capsys) -> None:
    target = tmp_path / "rbac.yaml"
    code, out, err = run(capsys, "rbac", "--user", "alice@example.com", "bob@example.com", "--group", "devs",
                         "--namespace", "team-a", "--role", "edit", "--output", str(target))
    assert code == 0, err
    assert "3 RoleBinding(s)" in out and f"kubectl --context <cluster> apply -f {target}" in out
    d = docs(target.read_text())
    assert [x["kind"] for x in d] == ["RoleBinding"] * 3
    assert_binding(d[0], "RoleBinding", "edit", ("User", "alice@example.com"), "team-a")
    assert_binding(d[1], "RoleBinding", "edit", ("User", "bob@example.com"), "team-a")
    assert_binding(d[2], "RoleBinding", "edit", ("Group", "devs"), "team-a")


def test_prefixes_as_the_api_server_sees_subjects(capsys) -> None:
    code, out, _ = run(capsys, "rbac", "--user", "alice@example.com", "--group", "devs",
                       "--username-prefix", "oidc:", "--groups-prefix", "oidc:")
    assert code == 0
    d = docs(out)
    assert d[0]["subjects"][0]["name"] == "oidc:alice@example.com" and d[1]["subjects"][0]["name"] == "oidc:devs"
    assert '"oidc:" + the ID token\'s email claim' in out
    assert "--oidc-username-prefix" in out and "claimMappings" in out


def test_no_prefix_is_said_as_no_prefix() -> None:
    head = rbac.header()
    assert '""' not in head
    assert "users are the ID token's email claim as it is (no prefix)" in head
    assert "groups are each entry of its groups claim as it is (no prefix)" in head


def test_names_are_deterministic_and_distinct() -> None:
    a = rbac.render(["alice@example.com"], ["Team_A", "team-a"])
    assert a == rbac.render(["alice@example.com"], ["Team_A", "team-a"])
    names = [x["metadata"]["name"] for x in docs(a)]
    assert len(set(names)) == 3  # Team_A and team-a slug alike; the hash tells them apart
    long = rbac.render(["a" * 60 + "@" + "b" * 60 + ".example.com"], role="x" * 200, custom_role=True)
    assert all(len(x["metadata"]["name"]) <= 63 and DNS_LABEL.match(x["metadata"]["name"]) for x in docs(long))
    # the namespace and the role are part of the identity of a binding
    n1 = docs(rbac.render(["a@b.co"], namespace="one"))[0]["metadata"]["name"]
    n2 = docs(rbac.render(["a@b.co"], namespace="two"))[0]["metadata"]["name"]
    assert n1 != n2


def test_odd_group_names_survive_quoting() -> None:
    groups = ['we"ird: group', "- dash", "#hash", "yes", "null", "1.0", "ünïcode grøup", "{flow}", "it's", "a\\b"]
    d = docs(rbac.render([], groups))
    assert [x["subjects"][0]["name"] for x in d] == groups


def test_duplicates_are_dropped(capsys) -> None:
    code, out, _ = run(capsys, "rbac", "--user", "a@b.co", "a@b.co", "--group", "g", "--group", "g")
    assert code == 0 and len(docs(out)) == 2


def test_command_for_verify_hints() -> None:
    assert rbac.command(["alice@example.com"], ["devs", "system:authenticated"], "edit", "ns") == \
        "spectro-wizard rbac --user alice@example.com --group devs --role edit --namespace ns --output rbac.yaml"


@pytest.mark.parametrize("argv, words", [
    (["rbac"], "at least one --user"),
    (["rbac", "--user", "not-an-email"], "not an email"),
    (["rbac", "--user", "a@b"], "not an email"),
    (["rbac", "--user", " a@b.co"], "surrounding spaces"),
    (["rbac", "--group", "system:masters"], "system:"),
    (["rbac", "--group", "System:Authenticated"], "system:"),
    (["rbac", "--group", "masters", "--groups-prefix", "system:"], "system:"),
    (["rbac", "--group", "bad\nname"], "control characters"),
    (["rbac", "--group", ""], "empty"),
    (["rbac", "--user", "a@b.co", "--custom-role", "bad/role"], "not a valid ClusterRole"),
    (["rbac", "--user", "a@b.co", "--role", ""], "empty"),
    (["rbac", "--user", "a@b.co", "--namespace", "Team_A"], "not a valid namespace"),
    (["rbac", "--user", "a@b.co", "--namespace", "x" * 64], "at most 63"),
    (["rbac", "--user", "a@b.co", "--username-prefix", "oidc: "], "not a usable prefix"),
    (["rbac", "--user", "a@b.co", "--bogus"], "unrecognized arguments"),
])
def test_bad_input_is_exit_2_with_one_sentence(capsys, argv: list[str], words: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert words in err and "Traceback" not in err and err.count("\n") == 1


def test_bad_output_path_is_exit_2_and_writes_nothing(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "rbac", "--user", "a@b.co", "--output", str(tmp_path / "missing" / "rbac.yaml"))
    assert code == 2 and "does not exist" in err
    code, _, err = run(capsys, "rbac", "--user", "a@b.co", "--output", str(tmp_path))
    assert code == 2 and "is a directory" in err
    assert list(tmp_path.iterdir()) == []


def test_through_the_entry_point(tmp_path: Path) -> None:
    proc = run_process("rbac", "--user", "alice@example.com", "--group", "devs", "--output", "out.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    d = docs((tmp_path / "out.yaml").read_text())
    assert_binding(d[0], "ClusterRoleBinding", "view", ("User", "alice@example.com"))
    proc = run_process("rbac", "--group", "system:authenticated", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stderr.startswith("spectro-wizard: ")


def test_cluster_admin_is_allowed_with_a_note(capsys) -> None:
    code, out, err = run(capsys, "rbac", "--group", "sre", "--role", "cluster-admin")
    assert code == 0 and "full control" in err
    assert_binding(docs(out)[0], "ClusterRoleBinding", "cluster-admin", ("Group", "sre"))


def test_templates_have_only_known_placeholders() -> None:
    from wizard.core.resources import templates_dir

    for name in ("clusterrolebinding.yaml", "rolebinding.yaml"):
        text = (templates_dir() / "rbac" / name).read_text()
        assert set(re.findall(r"\{\{\s*([a-z_]+)\s*\}\}", text)) <= {
            "name", "role", "subject_kind", "subject_name", "namespace", "role_display", "subject_kind_display",
            "namespace_display"}
    with pytest.raises(KeyError):
        rbac.fill_template("name: {{nope}}", {})
