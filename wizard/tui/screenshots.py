"""`python -m wizard.tui.screenshots [--out screenshots/]`: one SVG per wizard screen.

Each screen is reached the way a user reaches it, with Textual's pilot, on a fresh copy of the
bundled demo app (`wizard.session.demo.make_demo_app`, what `spectro-wizard --demo` runs), at 100x30, and
saved with `App.save_screenshot`. The pictures are deterministic, so regenerating them only changes
the files when a screen changed:

* the demo copy lives at a fixed path (the Welcome screen shows it);
* stand-in `node` (v22.11.0) and `yarn` (4.13.0) go first on PATH, so the Prerequisites screen
  shows the same versions everywhere (`--real-tools` keeps the machine's own);
* the shell's SpectroCloud/Backstage variables are ignored, so the "set / not set" marks do not vary;
* the backup directory's timestamp is frozen;
* every remote check aims at a closed loopback port: the OIDC provider through the console URL, the
  backend through the Verify screen's URL field, the cluster through its URL — verify always ends
  with the same refusals, and nothing goes to the network.

The Inventory screen (migrate path) needs clusters that still use service accounts, which the demo
app has none of: for that one picture the demo copy gets two such clusters.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from wizard.session.steps import STEPS

# every step of the one list (wizard.session.steps.STEPS), and the help of the first
SCREENS = [*STEPS, "help"]
SIZE = (100, 30)
CLOSED_PORT = 9  # nothing listens there on a normal machine (checked before starting)
CLOSED_URL = f"http://127.0.0.1:{CLOSED_PORT}"
WORK_DIR = Path(tempfile.gettempdir()) / "spectro-wizard-screenshots"

_ENV_TO_CLEAR = [
    "NO_COLOR", "FORCE_COLOR", "TEXTUAL_THEME", "SPECTROCLOUD_CLIENT_ID", "SPECTROCLOUD_CLIENT_SECRET",
    "SPECTROCLOUD_API_TOKEN", "BACKSTAGE_TOKEN", "KUBECONFIG",
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
]

_FAKE_NODE = "#!/bin/sh\necho v22.11.0\n"
_FAKE_YARN = """#!/bin/sh
# a stand-in: prints Yarn's version; the demo app never runs the package manager
if [ "$1" = "--version" ] || [ "$1" = "-v" ]; then echo 4.13.0; exit 0; fi
echo "yarn stand-in for screenshots: $*" >&2
exit 1
"""

_KUBERNETES_PLACEHOLDER = (
    "kubernetes:\n"
    "  # see https://backstage.io/docs/features/kubernetes/configuration for kubernetes configuration options\n"
)
_LEGACY_CLUSTERS = f"""\
kubernetes:
  # see https://backstage.io/docs/features/kubernetes/configuration for kubernetes configuration options
  serviceLocatorMethod:
    type: multiTenant
  clusterLocatorMethods:
    - type: config
      clusters:
        - name: legacy-prod
          url: https://127.0.0.1:{CLOSED_PORT}
          authProvider: serviceAccount
          serviceAccountToken: ${{LEGACY_PROD_TOKEN}}
          skipTLSVerify: true
        - name: legacy-dev
          url: https://127.0.0.1:{CLOSED_PORT}
          authProvider: serviceAccount
          serviceAccountToken: ${{LEGACY_DEV_TOKEN}}
          skipTLSVerify: true
"""


class _FrozenDatetime(datetime):
    @classmethod
    def now(cls, tz=None):  # datetime's signature
        return datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def _prepare_environment(work: Path, real_tools: bool) -> None:
    for name in _ENV_TO_CLEAR:
        os.environ.pop(name, None)
    os.environ["NO_PROXY"] = "*"
    if not real_tools:
        bin_dir = work / "bin"
        bin_dir.mkdir(parents=True, exist_ok=True)
        for name, text in (("node", _FAKE_NODE), ("yarn", _FAKE_YARN)):
            (bin_dir / name).write_text(text)
            (bin_dir / name).chmod(0o755)
        os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    import wizard.core.apply as apply_mod

    apply_mod.datetime = _FrozenDatetime  # type: ignore[misc]


# a values file of the backstage Helm chart with the --config trap (its own appConfig, no args)
_CHART_VALUES = """\
backstage:
  image:
    repository: example/backstage
    tag: "1.0.0"
  appConfig:
    app:
      baseUrl: https://backstage.example.com
    backend:
      baseUrl: https://backstage.example.com
"""


def _fresh_demo_copy(work: Path, legacy_clusters: bool = False) -> Path:
    """A fresh `--demo` copy, moved to a fixed path."""
    from wizard.session.demo import make_demo_app

    target = work / "backstage-app"
    if target.exists():
        shutil.rmtree(target)
    made = make_demo_app(work)
    made.rename(target)
    shutil.rmtree(made.parent, ignore_errors=True)
    if legacy_clusters:
        cfg = target / "app-config.yaml"
        text = cfg.read_text(encoding="utf-8")
        if _KUBERNETES_PLACEHOLDER in text:
            cfg.write_text(text.replace(_KUBERNETES_PLACEHOLDER, _LEGACY_CLUSTERS), encoding="utf-8")
    return target


# ---- driving the wizard ----------------------------------------------------------------------

async def _settle(pilot) -> None:  # pilot: textual.pilot.Pilot
    app = pilot.app
    for _ in range(10):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            return


async def _set(pilot, selector: str, value: str) -> None:
    from textual.widgets import Input

    inp = pilot.app.screen.query_one(selector, Input)
    inp.focus()
    inp.value = value
    inp.cursor_position = len(value)
    await pilot.pause()


async def _click(pilot, selector: str) -> None:
    await pilot.click(selector)
    await _settle(pilot)


def _at(pilot, name: str) -> None:
    if pilot.app.current != name:
        raise RuntimeError(f"expected the {name} screen, the wizard shows {pilot.app.current}")


async def walk(pilot, target: str) -> None:
    """Take the steps a user takes up to `target` (the demo answers: tenant acme, one lab cluster)."""
    await _settle(pilot)
    if target == "welcome":
        return
    await _click(pilot, "#path-migrate" if target == "inventory" else "#path-setup")
    _at(pilot, "prereqs")
    if target == "prereqs":
        return
    await _click(pilot, "#continue")
    if target == "inventory":
        _at(pilot, "inventory")
        return
    _at(pilot, "tenant")
    if target == "help":
        await pilot.press("f1")
        await pilot.pause()
        return
    await _set(pilot, "#consoleUrl", CLOSED_URL)
    await _set(pilot, "#tenant", "acme")
    if target == "tenant":
        return
    await _click(pilot, "#continue")
    _at(pilot, "clusters")
    await pilot.click("#add")
    await pilot.pause()
    await _set(pilot, "#name", "my-cluster")
    await _set(pilot, "#url", f"https://127.0.0.1:{CLOSED_PORT}")
    await pilot.click("#skip")
    await _click(pilot, "#ok")
    if target == "clusters":
        return
    await _click(pilot, "#continue")
    _at(pilot, "deployment")
    if target == "deployment":
        return
    await _click(pilot, "#continue")  # the demo copy holds no deployment: production left alone
    _at(pilot, "review")
    if target == "review":
        return
    await _click(pilot, "#apply")
    _at(pilot, "apply")
    if target == "apply":
        return
    await _click(pilot, "#continue")
    _at(pilot, "restart")
    if target == "restart":
        return
    await _click(pilot, "#skip")
    _at(pilot, "verify")
    # it ran against backend.baseUrl on arrival; run it again at the closed port
    await _set(pilot, "#backend-url", CLOSED_URL)
    await _click(pilot, "#run")
    if target == "verify":
        return
    await _click(pilot, "#continue")
    _at(pilot, "summary")


def shoot(target: str, out: Path, work: Path, size: tuple[int, int] = SIZE) -> Path:
    """Run the wizard on a fresh demo copy, walk to `target`, save `<out>/<target>.svg`."""
    from wizard.session import Session
    from wizard.tui.app import WizardApp

    root = _fresh_demo_copy(work, legacy_clusters=(target == "inventory"))
    if target == "deployment":  # the Production step as an app deployed with the backstage chart sees it
        (root / "deploy").mkdir()
        (root / "deploy" / "values.yaml").write_text(_CHART_VALUES, encoding="utf-8")
    session = Session(root, demo=True)
    session.load()
    app = WizardApp(session)
    filename = f"{target}.svg"
    errors: list[BaseException] = []

    async def auto_pilot(pilot) -> None:
        try:
            await walk(pilot, target)
            await pilot.wait_for_scheduled_animations()
            await pilot.pause()
            app.save_screenshot(filename, str(out))
        except BaseException as exc:  # noqa: BLE001 - reported after the app has exited
            errors.append(exc)
        app.exit()

    app.run(headless=True, size=size, auto_pilot=auto_pilot)
    if errors:
        raise errors[0]
    if app.return_code not in (0, None):
        raise RuntimeError(f"the wizard stopped with exit code {app.return_code} on the {target} screen")
    return out / filename


def _port_is_closed(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) != 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m wizard.tui.screenshots", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="screenshots", metavar="DIR", help="where the SVGs go (default: screenshots/)")
    p.add_argument("--only", metavar="SCREEN,...", help=f"a subset of: {', '.join(SCREENS)}")
    p.add_argument("--size", default=f"{SIZE[0]}x{SIZE[1]}", metavar="COLSxROWS", help="terminal size (default: %(default)s)")
    p.add_argument("--real-tools", action="store_true", help="use this machine's node and yarn (less deterministic)")
    args = p.parse_args(argv)

    targets = SCREENS if not args.only else [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [t for t in targets if t not in SCREENS]
    if unknown:
        print(f"unknown screen(s): {', '.join(unknown)}; choose from {', '.join(SCREENS)}", file=sys.stderr)
        return 2
    if not _port_is_closed(CLOSED_PORT):
        print(f"127.0.0.1:{CLOSED_PORT} accepts connections here; the verify pictures need it closed", file=sys.stderr)
        return 1
    try:
        cols, rows = (int(n) for n in args.size.lower().split("x"))
    except ValueError:
        print(f"--size: give COLSxROWS, like 80x24 (not {args.size!r})", file=sys.stderr)
        return 2
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    if WORK_DIR.exists():
        shutil.rmtree(WORK_DIR)
    WORK_DIR.mkdir(parents=True)
    _prepare_environment(WORK_DIR, args.real_tools)
    try:
        for target in targets:
            path = shoot(target, out, WORK_DIR, (cols, rows))
            print(f"wrote {path}")
    finally:
        shutil.rmtree(WORK_DIR, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
