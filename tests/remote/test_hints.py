"""templates/hints/remote.yaml: well formed, and an entry for every hint id the remote checks use."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from wizard.core import hint_ids
from wizard.remote import backstage, kube, palette

KEYS = {"id", "title", "symptoms", "cause", "steps", "links"}
REQUIRED = {
    "backend-unreachable", "backend-not-started", "backend-auth-module-missing", "backend-auth-redirect-mismatch",
    "backend-token-refused", "backend-clusters-stale", "backend-cluster-not-oidc", "proxy-no-id-token",
    "proxy-cluster-unreachable", "proxy-cluster-unknown", "cluster-unreachable", "cluster-tls",
    "cluster-untrusted-issuer", "cluster-rbac-denied", "palette-api-key", "palette-unreachable",
}
MODULES = (backstage, kube, palette)
NAMESPACES = {backstage: hint_ids.Backstage, kube: hint_ids.Kube, palette: hint_ids.Palette}


def test_every_entry_has_the_documented_shape(entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        # `example` (values for the placeholders, shown by `hints ID`) only where the text has placeholders
        assert isinstance(entry, dict) and set(entry) - {"example"} == KEYS, entry.get("id")
        assert isinstance(entry.get("example", {}), dict)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", entry["id"])
        assert isinstance(entry["title"], str) and entry["title"] and "\n" not in entry["title"]
        assert isinstance(entry["cause"], str) and entry["cause"].strip()
        for key in ("symptoms", "steps"):
            assert isinstance(entry[key], list) and entry[key], (entry["id"], key)
            assert all(isinstance(s, str) and s.strip() for s in entry[key]), (entry["id"], key)
        assert isinstance(entry["links"], list)
        assert all(isinstance(u, str) and u.startswith("https://") for u in entry["links"])


def test_ids_are_unique(entries: list[dict[str, Any]]) -> None:
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids))


def test_required_and_used_hints_have_entries(entries: list[dict[str, Any]]) -> None:
    ids = {e["id"] for e in entries}
    used = set(hint_ids.BACKSTAGE + hint_ids.KUBE + hint_ids.PALETTE)
    assert ids >= REQUIRED, REQUIRED - ids
    assert used <= ids, used - ids


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_every_hint_a_module_uses_is_declared_in_hint_ids(module: Any) -> None:
    """Hint ids live in wizard/core/hint_ids.py: a module names them as H.NAME of its namespace, so the
    catalog test above sees every one; no hint is passed as a bare string literal."""
    source = Path(module.__file__).read_text(encoding="utf-8")
    used = set(re.findall(r"\bH\.([A-Z_]+)\b", source))
    declared = {k for k in vars(NAMESPACES[module]) if k.isupper()}
    assert used and used <= declared
    assert not re.search(r'hint="', source)
    assert not re.search(r'^H_\w+ = "', source, re.MULTILINE)  # no module-local hint constants any more


def test_rbac_hint_gives_the_wizard_command_and_yaml(entries: list[dict[str, Any]]) -> None:
    rbac = next(e for e in entries if e["id"] == "cluster-rbac-denied")
    text = "\n".join(rbac["steps"])
    assert "spectro-wizard rbac --user <email> --group <group>" in text
    assert "kind: ClusterRoleBinding" in text


def test_untrusted_issuer_hint_gives_flags_and_authentication_configuration(entries: list[dict[str, Any]]) -> None:
    entry = next(e for e in entries if e["id"] == "cluster-untrusted-issuer")
    text = "\n".join(entry["steps"])
    for words in ("--oidc-issuer-url", "--oidc-client-id", "--oidc-username-claim", "--oidc-groups-claim",
                  "kind: AuthenticationConfiguration", "audiences:", "claimMappings:"):
        assert words in text
    yaml_step = next(s for s in entry["steps"] if "kind: AuthenticationConfiguration" in s)
    doc = YAML(typ="safe").load(yaml_step.split("\n", 1)[1])
    assert doc["jwt"][0]["claimMappings"]["groups"]["claim"] == "groups"
