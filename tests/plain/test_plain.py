"""Plain mode driven through its real prompts: questionary on prompt_toolkit, with keys fed through
a pipe (prompt_toolkit's own test input) instead of a terminal."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from ruamel.yaml import YAML

from tests.support import configs, repos
from tests.support.secrets import has_jwt
from wizard.core.resources import templates_dir
from wizard.plain import run_plain

ENTER, DOWN, SPACE, CTRL_C = "\r", "\x1b[B", " ", "\x03"


pytestmark = pytest.mark.usefixtures("stand_ins")  # node v22.11.0 and Yarn 4.13.0 first on PATH


def drive(root: Path, keys: list[str], demo: bool = True) -> tuple[int, str]:
    out = io.StringIO()
    with create_pipe_input() as inp:
        inp.send_text("".join(keys))
        inp.close()  # out of keys: the next prompt ends the run (EOF) instead of waiting forever
        code = run_plain(root, demo=demo, input=inp, output=DummyOutput(), out=out)
    return code, out.getvalue()


def config(root: Path) -> dict:
    return YAML(typ="safe", pure=True).load((root / "app-config.yaml").read_text())


def test_new_setup_from_prompts_writes_the_config(demo_app: Path) -> None:
    keys = [
        ENTER,                       # path: new setup
        "y",                         # continue after the checks
        ENTER, "acme" + ENTER,       # console URL (default), tenant
        ENTER, ENTER, ENTER, ENTER,  # environment, client ID/secret variables, callback URL
        "y", "lab" + ENTER, "https://10.0.0.5:6443" + ENTER, DOWN + ENTER,  # add a cluster, skip TLS
        "n",                         # no other cluster
        "n", "n",                    # none from a kubeconfig, none from Palette
        "n",                         # no cluster provider
        ENTER,                       # production: not deployed from this repo (the default here)
        ENTER,                       # the frontend wiring: the default (the in-app module)
        "y",                         # apply
        "n",                         # restart: skip the wait
        "n",                         # no verification now
    ]
    code, out = drive(demo_app, keys)
    assert code == 0, out
    cfg = config(demo_app)
    assert {"api:kubernetes/auth-providers": False} in cfg["app"]["extensions"]
    prov = cfg["auth"]["providers"]["spectrocloud"]["development"]
    assert prov["authorizationUrl"] == "https://console.spectrocloud.com/v1/oidc/tenant/acme/auth"
    assert prov["clientSecret"] == "${SPECTROCLOUD_CLIENT_SECRET}"
    (cluster,) = cfg["kubernetes"]["clusterLocatorMethods"][0]["clusters"]
    assert cluster == {"name": "lab", "url": "https://10.0.0.5:6443", "authProvider": "oidc",
                       "oidcTokenProvider": "spectrocloud", "skipTLSVerify": True}
    assert "+    - api:kubernetes/auth-providers: false" in out  # the diff was shown before applying
    saved = (demo_app / ".spectro-wizard" / "answers.yaml").read_text()
    assert "tenant: acme" in saved and "SECRET" not in saved.replace("SPECTROCLOUD_CLIENT_SECRET", "")


def test_a_bad_tenant_is_refused_at_the_prompt_and_asked_again(demo_app: Path) -> None:
    keys = [ENTER, "y", ENTER, "bad tenant" + ENTER,
            "\x15" + "good" + ENTER,  # Ctrl+U clears the refused text
            ENTER, ENTER, ENTER, ENTER, "n", "n", "n"]  # decline adding clusters... then refuse to apply
    code, out = drive(demo_app, keys)
    assert "Nothing to change" not in out
    assert code == 130  # declined to apply: cancelled, config untouched
    assert "tenant: acme" not in out
    assert (demo_app / "app-config.yaml").read_text() == (templates_dir() / "demo-app" / "app-config.yaml").read_text()
    saved = (demo_app / ".spectro-wizard" / "answers.yaml").read_text()
    assert "tenant: good" in saved


def test_ctrl_c_at_any_prompt_ends_with_nothing_written(demo_app: Path) -> None:
    before = (demo_app / "app-config.yaml").read_bytes()
    for keys in ([CTRL_C], [ENTER, "y", ENTER, CTRL_C], [ENTER, "y", ENTER, "acme" + ENTER, ENTER, ENTER, ENTER, ENTER, "y", CTRL_C]):
        code, out = drive(demo_app, keys)
        assert code == 130
        assert "Cancelled: the config was not changed" in out
        assert (demo_app / "app-config.yaml").read_bytes() == before
        assert not (demo_app / ".spectro-wizard" / "backups").exists()


def test_clusters_from_a_named_kubeconfig_and_from_palette_with_a_typed_key(
        demo_app: Path, tmp_path: Path, serve, ca_b64: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support.doubles import PALETTE_API_KEY, PaletteDouble, kubeconfig_text

    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no ~/.kube/config
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("SPECTROCLOUD_API_TOKEN", raising=False)
    kubeconfig = tmp_path / "team.kubeconfig"
    kubeconfig.write_text(kubeconfig_text("https://127.0.0.1:6443", ca_b64))
    palette = serve(PaletteDouble(ca_b64=ca_b64).handle)  # plain HTTP on loopback
    keys = [
        ENTER, "y", ENTER, "acme" + ENTER, ENTER, ENTER, ENTER, ENTER,
        "n",                                   # no cluster by URL
        "y", ENTER,                            # from a kubeconfig: the default has none
        "y", str(tmp_path / "nope") + ENTER,   # another file: it does not exist
        "y", str(kubeconfig) + ENTER,          # this one
        SPACE + ENTER,                         # its only cluster
        "y", "\x15" + palette.url() + ENTER, ENTER,  # Palette: its URL, the default variable (unset)
        PALETTE_API_KEY + ENTER,               # typed, masked
        SPACE + DOWN + SPACE + ENTER,          # prod-east and prod-west
        "n",                                   # no cluster provider
        ENTER,                                 # production: none
        ENTER,                                 # the frontend wiring: the default
        "y", "n", "n",                         # apply, skip the wait, no verification
    ]
    code, out = drive(demo_app, keys)
    assert code == 0, out
    assert "no contexts in $KUBECONFIG or ~/.kube/config" in out
    assert "nope: no such kubeconfig file" in out
    assert "prod-east added (https://127.0.0.1:6443)" in out  # from the kubeconfig
    # Palette's prod-east has the same name: it replaces the kubeconfig's, and says so
    assert "prod-east replaces the cluster of that name added before (https://c-east.k8s.example.com:6443)" in out
    clusters = {c["name"]: c["url"] for c in config(demo_app)["kubernetes"]["clusterLocatorMethods"][0]["clusters"]}
    assert clusters == {"prod-east": "https://c-east.k8s.example.com:6443", "prod-west": "https://c-west.k8s.example.com:6443"}
    assert PALETTE_API_KEY not in out
    assert PALETTE_API_KEY not in (demo_app / ".spectro-wizard" / "answers.yaml").read_text()


def test_migration_wave_from_prompts(demo_app: Path) -> None:
    repos.set_kubernetes(demo_app, configs.TWO_LEGACY_KUBERNETES)
    keys = [DOWN + ENTER,            # path: migrate
            "y",                     # continue after the checks
            SPACE + ENTER,           # the wave: legacy-prod only
            ENTER, "acme" + ENTER, ENTER, ENTER, ENTER, ENTER,
            ENTER,                   # production: none
            ENTER,                   # the frontend wiring: the default
            "y", "n", "n"]           # apply, skip the restart wait, no verification now
    code, out = drive(demo_app, keys)
    assert code == 0, out
    clusters = {c["name"]: c for c in config(demo_app)["kubernetes"]["clusterLocatorMethods"][0]["clusters"]}
    assert clusters["legacy-prod"]["authProvider"] == "oidc" and "serviceAccountToken" not in clusters["legacy-prod"]
    assert clusters["legacy-dev"]["serviceAccountToken"] == "${DEV_TOKEN}"  # the next wave
    assert "LEGACY_TOKEN" in out.split("Clean-up after this wave")[1]  # safe to revoke now


def test_verify_path_signs_in_to_test_my_access(demo_app: Path, oidc_provider_factory, stand_ins,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Verify -> "Sign in to test my access": kubelogin's flow against the real provider, with
    tests/support/dev_browser.py as $BROWSER doing the provider's development login; the checks that
    need the user's token then run, and the token is never printed."""
    import socket
    import sys

    from tests.support.cli import PROJECT

    with socket.socket() as s:  # plain mode signs in on kubelogin's defaults; 8000 taken here -> 18000
        taken = s.connect_ex(("127.0.0.1", 8000)) == 0
    import os
    import shutil

    wizard_path = os.environ["PATH"]
    real_node = shutil.which("node", path=os.defpath + ":/usr/local/bin")
    assert real_node, "the OpenID provider needs the machine's node (the OIDC tests need it too)"
    monkeypatch.setenv("PATH", f"{Path(real_node).parent}:/usr/bin:/bin")  # the provider runs on the real node
    provider = oidc_provider_factory(tenant="acme", redirect_uris=["http://localhost:8000", "http://localhost:18000"])
    monkeypatch.setenv("PATH", wizard_path)  # the wizard sees the stand-ins
    (demo_app / "app-config.local.yaml").write_text(
        "auth:\n  providers:\n    spectrocloud:\n      development:\n        clientId: ${SPECTROCLOUD_CLIENT_ID}\n"
        f"        clientSecret: ${{SPECTROCLOUD_CLIENT_SECRET}}\n        authorizationUrl: {provider.authorization_url}\n")
    monkeypatch.setenv("SPECTROCLOUD_CLIENT_ID", provider.client_id)
    monkeypatch.setenv("SPECTROCLOUD_CLIENT_SECRET", provider.client_secret)
    monkeypatch.setenv("BROWSER", f"{sys.executable} {PROJECT / 'tests' / 'support' / 'dev_browser.py'} %s")
    keys = [DOWN + DOWN + ENTER,  # path: verify
            "y",                  # continue after the checks
            "\x15http://127.0.0.1:9" + ENTER,  # backend URL: nothing listens there
            "y"]                  # sign in to test my access
    code, out = drive(demo_app, keys, demo=False)
    assert "signed in as alice@example.com" in out, out
    assert "id-token" in out and "ID token valid until" in out
    assert "not tested" not in out  # the token-only checks ran
    assert not has_jwt(out) and provider.client_secret not in out
    assert code == 1 or taken  # the backend is not there: a real failure, reported


def test_demo_migrates_restarts_its_stand_in_and_verifies(tmp_path: Path) -> None:
    """--demo in plain mode: the world's stand-ins; the restart is the demo's own; Verify is green
    except the demo's one instructive failure."""
    from wizard.session.demo import demo_run

    with demo_run(tmp_path) as (root, world):
        keys = [DOWN + ENTER, "y",                              # migrate; continue after the checks
                SPACE + DOWN + SPACE + DOWN + SPACE + ENTER,    # all three service-account clusters
                ENTER, ENTER, ENTER, ENTER, ENTER, ENTER,       # the demo tenant and defaults
                ENTER,                                          # production: none
                ENTER,                                          # the frontend wiring: the default
                "y",                                            # apply
                "y", "n"]                                       # verify now; no sign-in
        out = io.StringIO()
        with create_pipe_input() as inp:
            inp.send_text("".join(keys))
            inp.close()
            code = run_plain(root, demo=True, input=inp, output=DummyOutput(), out=out, world=world)
        text = out.getvalue()
    assert "Demo: the OIDC provider, the Backstage backend and the clusters are local stand-ins" in text
    # what the next steps repair is work to do, not a failure with a do-it-by-hand hint
    prereqs = text.split("Prerequisites", 1)[1].split("Continue?", 1)[0]
    assert ("-> the next steps set these up: kubernetes-auth-module" in prereqs
            or "→ the next steps set these up: kubernetes-auth-module" in prereqs)
    assert "Install the SpectroCloud Kubernetes auth module" not in prereqs
    assert "demo: the stand-in backend restarted and read the new config" in text
    assert "the backend serves the new config" in text
    check, _hint = world.instructive_failure
    verify = text.split("Verify", 1)[1]
    failed = [ln for ln in verify.splitlines() if ln.lstrip().startswith(("✖", "XX"))]  # the mark without unicode: XX
    assert len(failed) == 1 and check in failed[0], failed
    assert code in (0, 1), text


def test_the_frontend_wiring_is_asked_and_the_answer_kept(demo_app: Path) -> None:
    """New frontend system: the review asks how to wire the frontend (the in-app module first, with why);
    choosing the TeraSky packages is saved in the answers and the plan says so."""
    keys = [
        ENTER, "y", ENTER, "acme" + ENTER, ENTER, ENTER, ENTER, ENTER,
        "y", "lab" + ENTER, "https://10.0.0.5:6443" + ENTER, DOWN + ENTER,
        "n", "n", "n", "n",
        ENTER,                       # production: none
        DOWN + ENTER,                # the frontend wiring: the TeraSky packages
        "n",                         # do not apply
    ]
    code, out = drive(demo_app, keys)
    assert code == 130, out  # declined to apply
    assert "Frontend: new frontend system → the TeraSky packages (answered)" in out
    assert "frontendWiring: package" in (demo_app / ".spectro-wizard" / "answers.yaml").read_text()


def test_production_from_prompts_writes_where_the_chart_loads(tmp_path: Path, stand_ins) -> None:
    """The Production step: the repo's one chart values file is offered first, with what it loads and the
    --config trap; the answers go to the plan, and the values file gets the settings beside its own."""
    from tests.support.production import production_repo

    root = production_repo(tmp_path, {"helm/values-trap.yaml": "deploy/values.yaml"})
    before = (root / "deploy" / "values.yaml").read_text()
    keys = [ENTER, "y", ENTER, "acme" + ENTER, ENTER, ENTER, ENTER, ENTER,
            "y", "lab" + ENTER, "https://10.0.0.5:6443" + ENTER, DOWN + ENTER, "n", "n", "n", "n",
            ENTER,                                   # production: the values file found (the default)
            ENTER,                                   # the settings in backstage.appConfig (recommended)
            "y",                                     # name the image's files in backstage.args (the trap)
            "\x15" + "bs" + ENTER,                   # release
            ENTER,                                   # namespace
            "bad name!" + ENTER, "\x15" + ENTER,     # secret name: refused at the prompt, then the default
            ENTER,                                   # no deployed URL
            ENTER,                                   # the frontend wiring: the default
            "y", "n", "n"]                           # apply, skip the wait, no verification
    code, out = drive(root, keys, demo=False)
    assert code == 0, out
    assert "loads, in order: backstage.appConfig of deploy/values.yaml" in out
    assert "--config trap" in out
    values = YAML(typ="safe", pure=True).load((root / "deploy" / "values.yaml").read_text())
    bs = values["backstage"]
    # the image's files are loaded now, and they hold the settings: nothing new in backstage.appConfig
    assert "auth" not in bs["appConfig"]
    assert "fixed (backstage.args names them now)" in out
    assert bs["args"][:4] == ["--config", "app-config.yaml", "--config", "app-config.production.yaml"]
    assert "bs-spectrocloud" in bs["extraEnvVarsSecrets"]
    assert before.splitlines()[0] in (root / "deploy" / "values.yaml").read_text()  # its comments kept
    production = out.split("\nProduction\n", 1)[1]
    assert "1. Create the Secret bs-spectrocloud in namespace backstage" in production  # by name, no value
    assert "cluster-config --deployment --answers .spectro-wizard/answers.yaml" in production
    saved = YAML(typ="safe", pure=True).load((root / ".spectro-wizard" / "answers.yaml").read_text())
    assert saved["deployment"]["helmValues"] == "deploy/values.yaml"
    assert saved["deployment"]["release"] == "bs" and saved["deployment"]["loadImageConfigs"] is True


def test_on_a_terminal_plain_mode_wraps_between_words_and_never_inside_a_diff(monkeypatch: pytest.MonkeyPatch) -> None:
    """At 80 columns the terminal cut words in two ("auth\\n-provider-config"): sentences wrap between words
    under their own indent; a diff line stays one line (a wrapped one would read as another line of the file)."""
    from wizard.output import Printer

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("COLUMNS", "40")
    monkeypatch.setenv("NO_COLOR", "1")
    out = Terminal()
    p = Printer(out, wrap=True)
    p.line("  ! packages/app/src/App.tsx is not wired yet: add the packages, then run apply again")
    p.diff("+          oidcTokenProvider: spectrocloud and a long tail of text")
    lines = out.getvalue().splitlines()
    assert all(len(ln) <= 39 for ln in lines[:-1]), lines
    assert lines[0].startswith("  ! ") and all(ln.startswith("    ") for ln in lines[1:-1])  # under the sentence
    assert " ".join(ln.strip() for ln in lines[:-1]).replace("! ", "", 1) == (
        "packages/app/src/App.tsx is not wired yet: add the packages, then run apply again")
    assert lines[-1] == "+          oidcTokenProvider: spectrocloud and a long tail of text"
    piped = io.StringIO()  # not a terminal (a script reads it): one line per item, as before
    Printer(piped, wrap=True).line("x " * 40)
    assert piped.getvalue().count("\n") == 1
