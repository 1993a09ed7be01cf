"""The troubleshooting catalog: every entry is reachable from a check, every check's hint exists."""

from __future__ import annotations

import json
import re
from pathlib import Path

from wizard.core import checks, hint_ids
from wizard.core import hints as hints_mod
from wizard.core.hints import Hint, catalog, fill


def test_catalog_loads_with_complete_entries():
    cat = catalog()
    assert len(cat.ids()) >= 50
    for hid in cat.ids():
        h = cat.get(hid)
        assert isinstance(h, Hint) and h.title and h.cause and h.steps, hid
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", hid)


def test_every_hint_is_reachable_and_every_used_hint_exists():
    used = set(hint_ids.ALL)
    ids = set(catalog().ids())
    assert used - ids == set(), "hints used by a check but missing from templates/hints"
    assert ids - used == set(), "catalog entries no check can reach"


def test_check_module_uses_only_declared_hints():
    """A hint id written in wizard/core/checks.py or the verify runner must be one the module declares."""
    declared = set(hint_ids.ALL)
    for path in (Path(checks.__file__), Path(checks.__file__).parent.parent / "verify" / "runner.py"):
        source = path.read_text(encoding="utf-8")
        literals = set(re.findall(r'"([a-z0-9]+(?:-[a-z0-9]+)+)"', source))
        for lit in literals & set(catalog().ids()):
            assert lit in declared, (path.name, lit)


def test_every_failing_check_on_broken_repos_has_a_hint(tmp_path, capsys):
    """Run `check` on a repo where almost everything is wrong: each warn/fail names a catalog entry."""
    from wizard.cli import main

    root = tmp_path / "app"
    (root / "packages" / "app" / "src").mkdir(parents=True)
    (root / "packages" / "backend" / "src").mkdir(parents=True)
    (root / "backstage.json").write_text('{"version": "1.40.0"}')
    (root / "package.json").write_text(json.dumps({"name": "root", "engines": {"node": "16"}, "workspaces": ["packages/*"]}))
    (root / "packages/app/package.json").write_text(json.dumps({
        "name": "app", "backstage": {"role": "frontend"},
        "dependencies": {"@backstage/app-defaults": "^1", "@terasky/spectrocloud-kubernetes-auth-module": "^1"}}))
    (root / "packages/app/src/App.tsx").write_text("import { createApp } from '@backstage/app-defaults';\n")
    (root / "packages/backend/package.json").write_text(json.dumps({
        "name": "backend", "backstage": {"role": "backend"},
        "dependencies": {"@terasky/backstage-plugin-spectrocloud-auth-backend": "^1"}}))
    (root / "packages/backend/src/index.ts").write_text(
        "// backend.add(import('@terasky/backstage-plugin-spectrocloud-auth-backend'));\n")
    (root / "app-config.yaml").write_text("""\
app:
  extensions:
    - plugin.kubernetes-auth-providers.service:
        disabled: true
    - page:catalog: {config: {}, colour: red}
auth:
  providers:
    spectrocloud:
      development:
        clientId: abc
kubernetes:
  clusters:
    - name: my-cluster
      url: https://x
      authProvider: oidc
""")
    code = main(["check", "--repo", str(root), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    not_ok = [c for c in report["checks"] if c["status"] in ("warn", "fail")]
    assert len(not_ok) >= 9
    for c in not_ok:
        assert c["hint"] in report["hints"] and catalog().get(c["hint"]) is not None, c
        assert report["hints"][c["hint"]]["text"].strip()


def test_placeholders_fill_only_simple_names():
    assert fill("run `{cmd}` then {.clusters[0]} and {missing}", {"cmd": "yarn x"}) == "run `yarn x` then {.clusters[0]} and {missing}"


def test_on_screen_hints_name_the_wizards_actions_not_its_commands():
    cat = catalog()
    every = "\n".join(h.render() for h in cat.hints.values())
    screen = hints_mod.for_screen(every)
    # every backticked spectro-wizard command of the catalog has a screen action (or is a plain shell line)
    assert "`" not in screen
    for command in ("spectro-wizard apply --answers", "spectro-wizard check", "spectro-wizard undo", "spectro-wizard rbac --user"):
        assert command in every and command not in screen, command
    assert "Run checks (Ctrl+R on Verify)" in screen and "Sign in to test my access (Ctrl+L on Verify)" in screen
    # the path that changes nothing offers no Apply
    no_apply = hints_mod.for_screen(every, can_apply=False)
    assert hints_mod.APPLY_ACTION not in no_apply and hints_mod.NO_APPLY_ACTION in no_apply


def test_known_values_replace_the_catalogs_placeholders():
    text = ("Set it to `https://console.spectrocloud.com/v1/oidc/tenant/<tenant-id>/auth`; the tenant <tenant>; "
            "`curl -i http://localhost:7007/api/kubernetes/clusters`")
    out = hints_mod.with_known_values(text, "https://palette.example.com", "acme", "https://backstage.example.com/")
    assert out == ("Set it to `https://palette.example.com/v1/oidc/tenant/acme/auth`; the tenant acme; "
                   "`curl -i https://backstage.example.com/api/kubernetes/clusters`")
    assert hints_mod.with_known_values(text) == text  # nothing known: the placeholders stay


def test_a_hint_without_an_example_for_a_placeholder_is_refused_at_load(tmp_path):
    (tmp_path / "x.yaml").write_text("- id: x\n  title: T\n  cause: the {package} is missing\n  steps: [\"add {cmd}\"]\n"
                                     "  example:\n    package: p\n")
    try:
        hints_mod.load_dir(tmp_path)
    except hints_mod.CatalogError as exc:
        assert "hint 'x' has no example for {cmd}" in str(exc)
    else:
        raise AssertionError("loaded a hint whose {cmd} has no example")
