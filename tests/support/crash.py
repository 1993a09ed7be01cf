"""The large repo of the SIGKILL loops (tests/quality/test_crash.py): a generated config with
N_CLUSTERS clusters, its planned result, and copies ("lanes") to kill applies in."""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.cli import PY, cli_env
from tests.support.configs import many_clusters_answers
from tests.support.files import write_answers
from tests.support.plans import planned_after
from tests.support.repos import make_repo

TMP_GLOB = ".app-config.yaml.*.spectro-wizard.tmp"  # the temp file apply writes before the rename
N_CLUSTERS = 3000


def apply_argv(root: Path, answers: Path) -> list[str]:
    return [PY, "-m", "wizard", "apply", "--repo", str(root), "--answers", str(answers), "--yes", "--skip-install"]


@dataclass
class Big:
    template: Path
    answers: Path
    old: bytes
    new: bytes
    duration: float  # seconds a full apply takes, measured with two running at once
    lanes: list[Path] = field(default_factory=list)


def make_big(base: Path, lanes: int = 2) -> Big:
    """The template repo, its answers, the old and planned bytes of its app-config.yaml, and `lanes`
    copies; `duration` is measured by applying in every lane at once (then the old text is put back)."""
    template = make_repo(base, "template", preset="many-clusters", clusters=N_CLUSTERS)
    answers = write_answers(base / "answers.yaml", many_clusters_answers(N_CLUSTERS))
    old = (template / "app-config.yaml").read_bytes()
    new = planned_after(template, many_clusters_answers(N_CLUSTERS)).encode("utf-8")
    assert new != old
    copies = []
    for i in range(lanes):
        lane = base / f"lane{i}"
        shutil.copytree(template, lane)
        copies.append(lane)
    # how long one apply takes here, all lanes at once (as the loop runs them)
    t0 = time.perf_counter()
    procs = [subprocess.Popen(apply_argv(lane, answers), env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for lane in copies]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    duration = time.perf_counter() - t0
    for lane in copies:
        assert (lane / "app-config.yaml").read_bytes() == new
        (lane / "app-config.yaml").write_bytes(old)
    return Big(template, answers, old, new, duration, copies)
