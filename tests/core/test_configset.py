"""configset (which files, merge order, read errors) and repo (finding the app, backend wiring)."""

from __future__ import annotations

import os

import pytest

from tests.support.repos import make_repo
from wizard.core import backend_index, configset
from wizard.core import repo as repo_mod
from wizard.core.configset import deep_merge
from wizard.errors import BadInput


def test_default_files_in_backstage_merge_order(tmp_path):
    root = make_repo(tmp_path, local="a: 1\n", production="b: 2\n")
    assert configset.config_names(root, None) == (["app-config.yaml", "app-config.local.yaml", "app-config.production.yaml"], False)
    root = make_repo(tmp_path, name="only", production="b: 2\n")
    assert configset.config_names(root, None) == (["app-config.yaml", "app-config.production.yaml"], False)
    assert configset.config_names(root, ["x.yaml"]) == (["x.yaml"], True)


def test_merged_view_follows_backstage(tmp_path):
    root = make_repo(tmp_path, app_config="app:\n  title: a\n  extensions: [x]\nkubernetes:\n  k: 1\n",
                     local="app:\n  extensions: [y]\nkubernetes:\nauth:\n  environment: production\n")
    cs = configset.load(root)
    assert cs.effective(["app", "title"]) == "a"
    assert cs.effective(["app", "extensions"]) == ["y"]  # arrays replace
    assert cs.effective(["kubernetes"]) == {"k": 1}  # a later null does not erase
    assert cs.effective(["auth", "environment"]) == "production"
    assert [f.rel for f in cs.defining(["kubernetes"])] == ["app-config.yaml", "app-config.local.yaml"]
    assert [f.rel for f in cs.defining(["auth"])] == ["app-config.local.yaml"]
    assert cs.file("app-config.local.yaml").rel == "app-config.local.yaml" and cs.file("nope") is None


def test_deep_merge():
    assert deep_merge({"a": {"x": 1, "l": [1]}, "k": 1, "n": 2}, {"a": {"y": 2, "l": [2]}, "k": None, "n": {"z": 1}}) == \
        {"a": {"x": 1, "y": 2, "l": [2]}, "k": 1, "n": {"z": 1}}


def test_read_errors_name_the_file(tmp_path):
    root = make_repo(tmp_path)
    os.symlink("nowhere.yaml", root / "app-config.local.yaml")
    with pytest.raises(BadInput, match="app-config.local.yaml is a symbolic link to nowhere.yaml, which does not exist"):
        configset.load(root)
    cs = configset.load(root, tolerant=True)
    assert [f.rel for f in cs.files] == ["app-config.yaml"] and len(cs.errors) == 1
    (root / "app-config.local.yaml").unlink()
    (root / "app-config.local.yaml").mkdir()
    with pytest.raises(BadInput, match="app-config.local.yaml is a directory"):
        configset.load(root)
    with pytest.raises(BadInput, match="nope.yaml does not exist"):
        configset.load(root, ["nope.yaml"])
    (root / "big.yaml").write_bytes(b"a: 1\n" + b"#" * (11 * 1024 * 1024))
    with pytest.raises(BadInput, match=r"big.yaml is 11.0 MiB; the wizard reads config files up to 10 MiB"):
        configset.read_config(root, "big.yaml")


def test_no_app_config(tmp_path):
    root = make_repo(tmp_path, app_config=None)
    with pytest.raises(BadInput, match="no app-config.yaml in"):
        configset.load(root)


def test_symlinked_config_reads_the_target(tmp_path):
    root = make_repo(tmp_path, app_config=None, extra_files={"conf/real.yaml": "app:\n  title: x\n"})
    (root / "app-config.yaml").symlink_to("conf/real.yaml")
    cf = configset.load(root).files[0]
    assert cf.rel == "app-config.yaml" and cf.path == root / "conf/real.yaml"


# ---------------------------------------------------------------------------------------------
# repo


def test_find_root_walks_up_and_explicit_repo_must_be_the_root(tmp_path):
    root = make_repo(tmp_path)
    assert repo_mod.find_root(root / "packages/app/src") == root
    with pytest.raises(BadInput, match="no Backstage app found at or above"):
        repo_mod.find_root(tmp_path)
    with pytest.raises(BadInput, match="is not a Backstage app"):
        repo_mod.find_root(root / "packages", explicit=True)
    with pytest.raises(BadInput, match="no such directory"):
        repo_mod.find_root(tmp_path / "missing", explicit=True)


def test_inspect_finds_the_workspaces_and_the_frontend_system(tmp_path):
    info = repo_mod.inspect(make_repo(tmp_path, preset="complete"), run_tools=False)
    assert info.backstage_version == "1.55.0" and info.engines_node == "22 || 24"
    assert (info.app.rel, info.app.role, info.backend.rel, info.backend.role) == ("packages/app", "frontend", "packages/backend", "backend")
    assert info.frontend_system == "new"
    assert "@terasky/backstage-plugin-spectrocloud-auth-backend" in info.backend_added
    legacy = repo_mod.inspect(make_repo(tmp_path, name="legacy", legacy=True), run_tools=False)
    assert legacy.frontend_system == "legacy"


def test_backend_additions_ignore_comments():
    src = (
        "backend.add(import('@a/b/alpha'));\n"
        "// backend.add(import('commented'));\n"
        "/* backend.add(import('block'));\n backend.add(import('block2')); */\n"
        "backend.add(\n  import(\"@c/d\"),\n);\n"
        "const s = 'not // a comment'; backend.add(import('after-string'));\n"
    )
    assert repo_mod.backend_additions(src) == ["@a/b", "@c/d", "after-string"]


@pytest.mark.parametrize("spec, pkg", [("@scope/pkg/alpha", "@scope/pkg"), ("pkg/sub", "pkg"), ("pkg", "pkg")])
def test_package_of(spec, pkg):
    assert backend_index.package_of(spec) == pkg


def test_a_tab_in_the_indentation_is_named(tmp_path):
    from wizard.core.configset import read_config
    from wizard.errors import BadInput

    (tmp_path / "app-config.yaml").write_text("app:\n\ttitle: x\n")
    try:
        read_config(tmp_path, "app-config.yaml")
    except BadInput as exc:
        assert str(exc).startswith("app-config.yaml:2:1: not valid YAML") and "never tabs" in str(exc)
    else:
        raise AssertionError("a tab-indented config was accepted")
