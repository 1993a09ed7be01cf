#!/usr/bin/env python3
"""spectro-wizard benchmarks: `python bench/run.py` (see bench/README.md).

Every item is timed against its baseline in the same run, interleaved (item, baseline, item, ...)
so that load from other processes hits both alike; medians of several runs are reported with the
ratio, the goal and whether it is met. Peak memory is the maximum resident set size of a fresh
process doing the item once (os.wait4), next to the same figure for the baseline.

Writes bench/RESULTS.md (or --output) and prints the table.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import cProfile
import io
import json
import os
import platform
import pstats
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support import configs, repos as repo_builder  # noqa: E402  (the generated repos and answers)

PY = sys.executable
THIS = str(Path(__file__).resolve())
IMPORT_BASELINE = "import wizard.cli, ruamel.yaml, httpx, nodesemver"
RT_PROCESS = ("import io, sys\nfrom ruamel.yaml import YAML\ny = YAML()\ndata = y.load(open(sys.argv[1], encoding='utf-8').read())\n"
              "y.dump(data, io.StringIO())\n")
FILTER_NEEDLE = "1999"


# ================================================================================================
# measuring


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["NO_COLOR"] = "1"
    e["PYTHONDONTWRITEBYTECODE"] = "1"
    return e


def spawn(argv: list[str], cwd: Path | None = None) -> tuple[float, int]:
    """Run a process to completion: (wall seconds, exit code)."""
    t0 = time.perf_counter()
    rc = subprocess.call(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         env=env(), cwd=cwd or ROOT)
    return time.perf_counter() - t0, rc


TIME = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)


def measured(argv: list[str], cwd: Path | None = None, check: bool = True) -> tuple[str, int, int]:
    """Run once for its peak memory: (stdout, peak RSS in KiB, exit code).

    ru_maxrss of a child forked from this (large) process starts at this process's own high-water mark
    (Linux keeps it across exec), so the child is started by GNU time, whose own fork is small.
    Without GNU time, making an arbitrary command report its own VmHWM is not possible,
    arbitrary commands, so the inflated figure is returned (negative: shown with '~').
    """
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss, tempfile.TemporaryFile() as out, \
            tempfile.TemporaryFile() as err:
        cmd = [TIME, "-f", "%M", "-o", rss.name, *argv] if TIME else argv
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env(), cwd=cwd or ROOT)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read().decode(errors="replace")
        if check and p.returncode != 0:
            raise RuntimeError(f"{argv[:4]} failed ({p.returncode}): {err.read().decode(errors='replace')[-3000:]}")
        if TIME:
            lines = [ln for ln in Path(rss.name).read_text().splitlines() if ln.strip().isdigit()]
            return text, int(lines[-1]), p.returncode
        return text, -ru.ru_maxrss, p.returncode


def spawn_ready(argv: list[str]) -> tuple[float, str]:
    """Run a child that prints READY (then maybe more): (seconds to READY, rest of stdout)."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, env=env(), cwd=ROOT, text=True)
        assert p.stdout is not None
        dt = None
        for line in p.stdout:
            if line.strip() == "READY":
                dt = time.perf_counter() - t0
                break
        rest = p.stdout.read()
        p.wait()
        err.seek(0)
        errors = err.read().decode(errors="replace")
    if dt is None or p.returncode != 0:
        raise RuntimeError(f"child did not get ready (exit {p.returncode}): {errors[-2000:]}")
    return dt, rest


def child(mode: str, *args: str) -> list[str]:
    return [PY, THIS, "--child", mode, *args]


def child_peak(mode: str, *args: str) -> tuple[dict, int]:
    """Run a child mode once: its JSON output (last stdout line) and its peak RSS (KiB)."""
    text, peak, _ = measured(child(mode, *args))
    data = json.loads(text.strip().splitlines()[-1]) if text.strip() else {}
    return data, peak


def peak(argv: list[str]) -> int:
    return measured(argv, check=False)[1]


def interleaved(ops: dict[str, Callable[[], float]], runs: int, prepare: Callable[[str], None] | None = None) -> dict[str, list[float]]:
    """Run each op `runs` times, rotating the order each round. `prepare(name)` runs untimed before each op."""
    names = list(ops)
    out: dict[str, list[float]] = {n: [] for n in names}
    for r in range(runs):
        order = names[r % len(names):] + names[: r % len(names)]
        for n in order:
            if prepare is not None:
                prepare(n)
            out[n].append(ops[n]())
    return out


def timed(fn: Callable[[], Any]) -> Callable[[], float]:
    def run() -> float:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0
    return run


def med(xs: list[float]) -> float:
    return statistics.median(xs)


# ================================================================================================
# results


@dataclass
class Row:
    section: str
    item: str
    runs: int
    median: float  # seconds
    baseline: str
    base_median: float | None
    goal: str
    ratio: float | None
    met: str
    peak: str = ""
    note: str = ""


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)

    def add(self, row: Row) -> None:
        self.rows.append(row)
        print(f"  {row.item:<52} {fmt_s(row.median):>9}  base {fmt_s(row.base_median) if row.base_median else '-':>9}  "
              f"ratio {'-' if row.ratio is None else f'{row.ratio:.2f}':>5}  {row.met}", flush=True)

    def note(self, section: str, text: str) -> None:
        self.notes.setdefault(section, []).append(text)


def fmt_s(s: float | None) -> str:
    if s is None:
        return "-"
    if s < 1:
        return f"{s * 1000:.1f} ms"
    return f"{s:.2f} s"


def mib(kib: int) -> str:
    if kib < 0:  # no GNU time: inflated by the parent's high-water mark
        return f"~{-kib / 1024:.0f} MiB"
    return f"{kib / 1024:.0f} MiB"


def verdict_ratio(ratio: float, goal: float, stretch: float | None = None) -> str:
    if ratio <= goal:
        s = "yes"
        if stretch is not None:
            s += " (stretch met)" if ratio <= stretch else f" (stretch {stretch} not met: {ratio / stretch:.1f}x over)"
        return s
    return f"NO: {ratio / goal:.2f}x over the goal"


# Issue #12's first row: `spectro-wizard plan` on 3,000 clusters with `migrate: all` (every
# service-account cluster switched to the SpectroCloud provider), as a whole process, within 0.3x of
# a process doing the ruamel round-trip of the same file, and no more memory than before (101 MiB).
ISSUE_12_ITEM = ("plan", 3000, "all")
ISSUE_12_RATIO = 0.3
ISSUE_12_RSS_MIB = 101


def verdict_issue_12(ratio: float, rss_kib: int) -> str:
    over = []
    if ratio > ISSUE_12_RATIO:
        over.append(f"ratio {ratio / ISSUE_12_RATIO:.2f}x over {ISSUE_12_RATIO}")
    if abs(rss_kib) / 1024 > ISSUE_12_RSS_MIB:
        over.append(f"peak RSS {mib(rss_kib)} over {ISSUE_12_RSS_MIB} MiB")
    return "yes" if not over else "NO: " + "; ".join(over)


# ================================================================================================
# 1. CLI start-up


def bench_startup(res: Results, runs: int, work: Path) -> None:
    print("CLI start-up", flush=True)
    from wizard.session.demo import make_demo_app

    demo = make_demo_app(work)
    argvs = {
        "version": [PY, "-m", "wizard", "--version"],
        "check": [PY, "-m", "wizard", "check", "--repo", str(demo)],
        "imports": [PY, "-c", IMPORT_BASELINE],
        "python": [PY, "-c", "pass"],
    }
    node = shutil.which("node")
    if node:
        argvs["node --version"] = [node, "--version"]
    yarn = shutil.which("yarn")
    if yarn:
        argvs["yarn --version"] = [yarn, "--version"]
    def op(name: str) -> Callable[[], float]:
        def run() -> float:
            return spawn(argvs[name])[0]
        return run

    samples = interleaved({n: op(n) for n in argvs}, runs)
    rss = {n: peak(argvs[n]) for n in ("version", "check", "imports")}
    base = med(samples["imports"])
    for name, label in (("version", "`spectro-wizard --version`"), ("check", "`spectro-wizard check` (demo app)")):
        m = med(samples[name])
        ratio = m / base
        res.add(Row("startup", label, runs, m, f"`python -c \"{IMPORT_BASELINE}\"`", base, "ratio <= 1.5", ratio,
                    verdict_ratio(ratio, 1.5), f"{mib(rss[name])} / {mib(rss['imports'])}"))
    parts = [f"bare interpreter `python -c pass` {fmt_s(med(samples['python']))}"]
    for k in ("node --version", "yarn --version"):
        if k in samples:
            parts.append(f"`{k}` {fmt_s(med(samples[k]))}")
    if not yarn:
        parts.append("no `yarn` on PATH here (check reports it missing without running it)")
    res.note("startup", "Same run, for reference: " + "; ".join(parts) + ".")
    # the troubleshooting catalog check prints: pure-Python YAML vs the libyaml loader, same files
    from ruamel.yaml import YAML

    from wizard.core.hints import load_dir
    from wizard.core.resources import templates_dir

    hints = templates_dir() / "hints"
    texts = [p.read_text(encoding="utf-8") for p in sorted(hints.glob("*.yaml"))]

    def c_load() -> None:
        y = YAML(typ="safe")
        for t in texts:
            y.load(t)

    cat = interleaved({"pure": timed(lambda: load_dir(hints)), "c": timed(c_load)}, max(5, runs // 2))
    res.note("startup", f"`check` prints hints from the troubleshooting catalog ({len(texts)} YAML files, "
                        f"{sum(len(t) for t in texts) / 1024:.0f} KiB), which `wizard.core.hints.load_dir` parses with ruamel's "
                        f"pure-Python loader: {fmt_s(med(cat['pure']))} per load here; the same files through the libyaml "
                        f"loader (`YAML(typ='safe')`) take {fmt_s(med(cat['c']))}.")
    # where check's time goes (in-process profile of one run, imports excluded)
    res.note("startup", "In-process profile of one `check` (imports already loaded):\n\n" + profile_text(
        lambda: _run_main(["check", "--repo", str(demo)]), 8))


def _run_main(argv: list[str]) -> int:
    from wizard.cli import main

    out, err = io.StringIO(), io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        return main(argv)


def profile_text(fn: Callable[[], Any], n: int) -> str:
    pr = cProfile.Profile()
    pr.enable()
    fn()
    pr.disable()
    st = pstats.Stats(pr)
    total = st.total_tt  # type: ignore[attr-defined]
    rows = []
    for (file, line, func), (cc, nc, tt, ct, callers) in st.stats.items():  # type: ignore[attr-defined]
        if "bench/run.py" in file or func in ("<module>", "<built-in method builtins.exec>") or file == "~" \
                or "/asyncio/" in file or "/concurrent/" in file or "/threading.py" in file:
            continue
        short = file.replace(str(ROOT) + "/", "").replace(sys.prefix + "/", "").replace(sys.base_prefix + "/lib/", "")
        short = short.split("site-packages/")[-1]
        rows.append((ct, tt, nc, f"{short}:{line}({func})"))
    rows.sort(reverse=True)
    lines = ["    cumulative   own      calls  function", f"    (profiled total {total:.3f} s; cProfile slows Python code ~2x)"]
    for ct, tt, nc, name in rows[:n]:
        lines.append(f"    {ct:8.3f} s {tt:7.3f} s {nc:8d}  {name}")
    return "\n".join(lines)


# ================================================================================================
# 2. plan and apply


def ruamel_roundtrip(path: Path) -> str:
    from ruamel.yaml import YAML

    y = YAML()
    data = y.load(path.read_text(encoding="utf-8"))
    buf = io.StringIO()
    y.dump(data, buf)
    return buf.getvalue()


def core_plan(root: Path, answers: dict) -> Any:
    from wizard.core import answers as am, configset, plan, repo

    return plan.make_plan(repo.inspect(root, run_tools=False), configset.load(root), am.validate(answers), skip_install=True)


def core_apply(root: Path, answers: dict) -> Any:
    from wizard.core.apply import apply_plan

    p = core_plan(root, answers)
    assert p.changes, "nothing to apply"
    return apply_plan(p)


def reset_repo(root: Path, original: bytes) -> None:
    (root / "app-config.yaml").write_bytes(original)
    shutil.rmtree(root / ".spectro-wizard", ignore_errors=True)


def bench_plan_apply(res: Results, sizes: list[int], runs_for: Callable[[int], int], work: Path, scenarios: list[str]) -> None:
    for n in sizes:
        for scenario in scenarios:
            print(f"plan/apply, {n} clusters, answers: {scenario}", flush=True)
            root = repo_builder.make_repo(work, f"pa-{n}-{scenario}", preset="many-clusters", clusters=n)
            cfg = root / "app-config.yaml"
            original = cfg.read_bytes()
            answers = configs.many_clusters_answers(n, scenario)
            ans_file = work / f"answers-{n}-{scenario}.json"
            ans_file.write_text(json.dumps(answers))
            runs = runs_for(n)
            label = f"{n} clusters" + ("" if scenario == "typical" else ", migrate: all")
            size = f"{len(original) / 1024:.0f} KiB"

            # in-process, core API
            samples = interleaved({
                "rt": timed(lambda: ruamel_roundtrip(cfg)),
                "plan": timed(lambda: core_plan(root, answers)),
                "apply": timed(lambda: core_apply(root, answers)),
            }, runs, prepare=lambda name: reset_repo(root, original))
            reset_repo(root, original)
            _, rss_rt = child_peak("rt", str(cfg))
            _, rss_plan = child_peak("plan", str(root), str(ans_file))
            reset_repo(root, original)
            _, rss_apply = child_peak("apply", str(root), str(ans_file))
            reset_repo(root, original)
            base = med(samples["rt"])
            for op, rss in (("plan", rss_plan), ("apply", rss_apply)):
                m = med(samples[op])
                ratio = m / base
                what = "make_plan (read, parse, plan, re-check)" if op == "plan" else "make_plan + apply_plan (backup, atomic write)"
                res.add(Row("plan-apply", f"{op}, core API, {label} ({size}): {what}", runs, m,
                            "ruamel.yaml round-trip (load + dump), in-process", base, "ratio <= 1.0 (stretch 0.3)", ratio,
                            verdict_ratio(ratio, 1.0, 0.3), f"{mib(rss)} / {mib(rss_rt)}"))

            # the CLI, as a user runs it (interpreter start-up and imports included on both sides)
            def cli(cmd: str) -> Callable[[], float]:
                argv = [PY, "-m", "wizard", cmd, "--repo", str(root), "--answers", str(ans_file)]
                if cmd == "apply":
                    argv += ["--yes", "--skip-install"]

                cli_argv[cmd] = argv

                def run() -> float:
                    dt, rc = spawn(argv)
                    assert rc == 0, f"{cmd} exited {rc}"
                    return dt
                return run

            cli_argv: dict[str, list[str]] = {"rt": [PY, "-c", RT_PROCESS, str(cfg)]}

            def rt_proc() -> float:
                dt, rc = spawn(cli_argv["rt"])
                assert rc == 0
                return dt

            samples = interleaved({"rt": rt_proc, "plan": cli("plan"), "apply": cli("apply")}, runs,
                                  prepare=lambda name: reset_repo(root, original))
            cli_rss: dict[str, int] = {}
            for k in ("rt", "plan", "apply"):
                reset_repo(root, original)
                cli_rss[k] = peak(cli_argv[k])
            reset_repo(root, original)
            base = med(samples["rt"])
            for op in ("plan", "apply"):
                m = med(samples[op])
                ratio = m / base
                rss = f"{mib(cli_rss[op])} / {mib(cli_rss['rt'])}"
                if (op, n, scenario) == ISSUE_12_ITEM:
                    res.add(Row("plan-apply", f"`spectro-wizard {op}` CLI, {label} (issue #12)", runs, m,
                                "a `python -c` process: ruamel.yaml round-trip of the file", base,
                                f"ratio <= {ISSUE_12_RATIO}, peak RSS <= {ISSUE_12_RSS_MIB} MiB", ratio,
                                verdict_issue_12(ratio, cli_rss[op]), rss))
                    continue
                res.add(Row("plan-apply", f"`spectro-wizard {op}` CLI, {label}", runs, m,
                            "a `python -c` process: ruamel.yaml round-trip of the file", base, "ratio <= 1.0 (stretch 0.3)",
                            ratio, verdict_ratio(ratio, 1.0, 0.3), rss))
            if n == min(sizes) and scenario == scenarios[0]:
                imp = subprocess.run([PY, "-X", "importtime", "-m", "wizard", "plan", "--repo", str(root), "--answers",
                                      str(ans_file)], capture_output=True, text=True, env=env(), cwd=ROOT).stderr
                own, selfs = {}, 0
                for line in imp.splitlines():
                    parts = line.split("|")
                    if len(parts) == 3 and parts[1].strip().isdigit():
                        own[parts[2].strip()] = int(parts[1])
                        selfs += int(parts[0].split(":")[1])
                total = selfs / 1000
                top = ", ".join(f"`{k}` {v / 1000:.0f} ms" for k, v in sorted(own.items(), key=lambda kv: -kv[1])
                                if v >= 8000 and (k.startswith(("wizard", "ruamel", "site", "__editable")) or k in ("httpx", "nodesemver")))
                res.note("plan-apply", f"On small configs the CLI rows measure start-up: `-X importtime` of `spectro-wizard plan` "
                                       f"({n} clusters, one run) adds up to {total:.0f} ms of imports; the largest (cumulative): {top}. "
                                       "The work itself is the core-API row above.")
            if n == max(sizes) and scenario == scenarios[0]:
                res.note("plan-apply", f"Profile of `make_plan` on {n} clusters ({size}):\n\n" + profile_text(
                    lambda: core_plan(root, answers), 12))
            if n == max(sizes):
                p = core_plan(root, answers)
                t0 = time.perf_counter()
                for ch in p.changes:
                    ch.diff()
                dt = time.perf_counter() - t0
                lines = sum(ch.after.count("\n") for ch in p.changes)
                res.note("plan-apply", f"{label}: rendering the plan's diff (`FileChange.diff()`, difflib.unified_diff over "
                                       f"{lines} lines, then masking), which `plan` prints and `apply --yes` does not, takes "
                                       f"{fmt_s(dt)} (one run).")


def bench_anchored(res: Results, n: int, runs: int, work: Path) -> None:
    """Issue #21: `plan` on an enterprise fleet whose clusters share their CA through a YAML anchor
    (`caData: &acmeCA ...` on the first, `caData: *acmeCA` on the others)."""
    print(f"plan, {n} clusters sharing a CA through an anchor", flush=True)
    root = repo_builder.make_repo(work, f"anchored-{n}", preset="many-clusters", app_config=configs.anchored_fleet_config(n))
    cfg = root / "app-config.yaml"
    answers = configs.many_clusters_answers(n, "typical")
    ans_file = work / f"answers-anchored-{n}.json"
    ans_file.write_text(json.dumps(answers))
    size = f"{cfg.stat().st_size / 1024:.0f} KiB"
    argv = {"rt": [PY, "-c", RT_PROCESS, str(cfg)],
            "plan": [PY, "-m", "wizard", "plan", "--repo", str(root), "--answers", str(ans_file)]}

    def proc(name: str) -> Callable[[], float]:
        def run() -> float:
            dt, rc = spawn(argv[name])
            assert rc == 0, f"{name} exited {rc}"
            return dt
        return run

    inproc = interleaved({"rt": timed(lambda: ruamel_roundtrip(cfg)), "plan": timed(lambda: core_plan(root, answers))}, runs)
    samples = interleaved({"rt": proc("rt"), "plan": proc("plan")}, runs)
    rss = {k: peak(v) for k, v in argv.items()}
    m, base = med(inproc["plan"]), med(inproc["rt"])
    res.add(Row("plan-apply", f"plan, core API, {n} clusters, CA through an anchor ({size}): make_plan", runs, m,
                "ruamel.yaml round-trip (load + dump), in-process", base, "ratio <= 1.0 (stretch 0.3)", m / base,
                verdict_ratio(m / base, 1.0, 0.3), ""))
    m, base = med(samples["plan"]), med(samples["rt"])
    res.add(Row("plan-apply", f"`spectro-wizard plan` CLI, {n} clusters, CA through an anchor (issue #21)", runs, m,
                "a `python -c` process: ruamel.yaml round-trip of the file", base, "ratio <= 0.3 (issue #21)", m / base,
                verdict_ratio(m / base, 0.3), f"{mib(rss['plan'])} / {mib(rss['rt'])}"))
    res.note("plan-apply", f"Profile of `make_plan` on {n} clusters sharing their CA through an anchor ({size}):\n\n"
             + profile_text(lambda: core_plan(root, answers), 12))


# ================================================================================================
# 3. verify: N clusters that answer /version after 300 ms


SLOWKUBE = r"""
import asyncio, json, ssl, sys
cert, n, delay = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(cert)
BODY = json.dumps({"major": "1", "minor": "30", "gitVersion": "v1.30.2"}).encode()

async def handle(reader, writer):
    try:
        while True:
            line = await reader.readline()
            if not line or line in (b"\r\n", b"\n"):
                break
        await asyncio.sleep(delay)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(BODY) + BODY)
        await writer.drain()
    except Exception:
        pass
    finally:
        writer.close()

async def main():
    servers = [await asyncio.start_server(handle, "127.0.0.1", 0, ssl=ctx, backlog=512) for _ in range(n)]
    print(json.dumps([s.sockets[0].getsockname()[1] for s in servers]), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)

asyncio.run(main())
"""


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def proc_cpu(pid: int) -> float:
    """utime + stime of a process, in seconds (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def verify_once(root: Path, concurrency: int, backend: str) -> float:
    from wizard.core import configset
    from wizard.verify.runner import VerifyOptions, run_verify

    configs = configset.load(root)
    opts = VerifyOptions(backend_url=backend, timeout=10.0, concurrency=concurrency)
    t0 = time.perf_counter()
    results = asyncio.run(run_verify(root, configs, None, opts))
    dt = time.perf_counter() - t0
    bad = [r for r in results if r.id.startswith("cluster:") and r.status != "ok"]
    if bad:
        raise RuntimeError(f"verify: {bad[0].id} {bad[0].status}: {bad[0].summary} {bad[0].detail}")
    return dt


def bench_verify(res: Results, runs: int, work: Path, n: int = 100, delay: float = 0.3) -> None:
    print(f"verify: {n} clusters answering after {delay * 1000:.0f} ms vs one", flush=True)
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    pem = work / "kube-server.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(pem))
    ca_b64 = base64.b64encode(ca.cert_pem.bytes()).decode()
    server = subprocess.Popen([PY, "-c", SLOWKUBE, str(pem), str(n), str(delay)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None and server.stdin is not None
        ports = json.loads(server.stdout.readline())
        urls = [f"https://127.0.0.1:{p}" for p in ports]
        repos = {}
        for k in (1, n):
            repos[k] = repo_builder.make_repo(work, f"verify-{k}", preset="many-clusters",
                                              app_config=configs.many_clusters_config(k, urls=urls[:k], ca_data=ca_b64))
        backend = f"http://127.0.0.1:{closed_port()}"
        samples = interleaved({
            "one": lambda: verify_once(repos[1], 32, backend),
            "many": lambda: verify_once(repos[n], 32, backend),
            "many-wide": lambda: verify_once(repos[n], n, backend),
        }, runs)
        _, rss_one = child_peak("verify", str(repos[1]), "32", backend)
        _, rss_many = child_peak("verify", str(repos[n]), "32", backend)
        _, rss_wide = child_peak("verify", str(repos[n]), str(n), backend)
        cpu: dict[str, tuple[float, float]] = {}
        for key, k, conc in (("one", 1, 32), ("many-wide", n, n)):
            c0, s0 = time.process_time(), proc_cpu(server.pid)
            verify_once(repos[k], conc, backend)
            cpu[key] = (time.process_time() - c0, proc_cpu(server.pid) - s0)
        prof = profile_text(lambda: verify_once(repos[n], n, backend), 12)
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(timeout=10)
    base = med(samples["one"])
    for key, label, rss in (("many", f"verify, {n} clusters x {delay * 1000:.0f} ms, default --concurrency 32", rss_many),
                            ("many-wide", f"verify, {n} clusters x {delay * 1000:.0f} ms, --concurrency {n}", rss_wide)):
        m = med(samples[key])
        ratio = m / base
        res.add(Row("verify", label, runs, m, "verify, 1 cluster (same server)", base, "ratio < 2", ratio,
                    "yes" if ratio < 2 else f"NO: {ratio / 2:.2f}x over the goal", f"{mib(rss)} / {mib(rss_one)}"))
    res.note("verify", f"Client-side profile of one `run_verify` with {n} clusters and `--concurrency {n}` (the server is another "
                       "process; both share the 2 cores):\n\n" + prof)
    res.note("verify", f"CPU time of one run (client = this process, server = the {n}-port HTTPS server process): "
                       f"1 cluster: client {cpu['one'][0]:.2f} s, server {cpu['one'][1]:.2f} s; {n} clusters at once: client "
                       f"{cpu['many-wide'][0]:.2f} s, server {cpu['many-wide'][1]:.2f} s. On 2 cores, the extra time over the "
                       f"300 ms floor is CPU: TLS handshakes and HTTP on both ends, which real clusters would not share with the client.")
    waves = -(-n // 32)
    res.note("verify", f"With the default `--concurrency 32`, {n} clusters run in {waves} waves of at most 32, so the floor is "
                       f"{waves} x {delay * 1000:.0f} ms = {waves * delay:.1f} s against {delay:.1f} s for one cluster "
                       f"(ratio >= {waves}); the goal can only be met by letting all {n} run at once, which the second row measures.")


# ================================================================================================
# 4. TUI


TUI_FIRST = r"""
import time
T0 = time.perf_counter()
import asyncio, json, sys
from pathlib import Path
from wizard.session import Session
from wizard.tui.app import WizardApp
from wizard.tui.screens.welcome import WelcomeScreen
T_IMPORTS = time.perf_counter()

async def main():
    # what run_tui does: the session loaded without running node/yarn (the Prerequisites step
    # runs them), the config files and TypeScript sources left for after the first paint; the other
    # screens are imported when the flow reaches them
    root = Path(sys.argv[1])
    s = Session(root, None, demo=True)
    s.load(run_tools=False, defer_sources=True, defer_configs=True)
    t_loaded = time.perf_counter()
    app = WizardApp(s)
    ready = asyncio.Event()
    orig = WelcomeScreen.on_mount
    def on_mount(self):
        orig(self)
        self.call_after_refresh(ready.set)
    WelcomeScreen.on_mount = on_mount
    async with app.run_test(headless=True, size=(120, 40)):
        await ready.wait()
        t_ready = time.perf_counter()
        assert isinstance(app.screen, WelcomeScreen)
        print("READY", flush=True)
    print(json.dumps({"imports": T_IMPORTS - T0, "session.load": t_loaded - T_IMPORTS, "app to first refresh": t_ready - t_loaded}))

asyncio.run(main())
"""

TUI_HELLO = r"""
import asyncio
from textual.app import App
from textual.widgets import Static

class Hello(App):
    def compose(self):
        yield Static("Hello, world!")
    def on_mount(self):
        self.call_after_refresh(ready.set)

async def main():
    global ready
    ready = asyncio.Event()
    async with Hello().run_test(headless=True, size=(120, 40)):
        await ready.wait()
        print("READY", flush=True)

asyncio.run(main())
"""

# Both filter children type FILTER_NEEDLE one key at a time, then delete it, `rounds` times, and
# time each keystroke from the key reaching the app (sent through its driver, as a terminal's key
# is) to the screen refreshed with the new rows.
TUI_FILTER = r"""
import asyncio, json, sys, time
from textual import events
from pathlib import Path
from wizard.session import Session
from wizard.tui.app import WizardApp
from wizard.tui.screens.clusters import ClustersScreen
from wizard.tui.widgets.rowlist import RowList
from textual.widgets import Input

needle, rounds = sys.argv[2], int(sys.argv[3])

async def main():
    s = Session(Path(sys.argv[1]))
    s.load(run_tools=False)
    app = WizardApp(s)
    rendered = asyncio.Event()
    orig = ClustersScreen.render_rows
    def render_rows(self):
        orig(self)
        rendered.set()
    ClustersScreen.render_rows = render_rows
    async with app.run_test(headless=True, size=(160, 50)) as pilot:
        app.goto("clusters")
        await asyncio.wait_for(rendered.wait(), 60)
        screen = app.screen
        table = screen.query_one("#clusters", RowList)
        box = screen.query_one("#filter", Input)
        for _ in range(100):  # let the screen switch settle (it may move the focus), then focus the filter
            await pilot.pause()
            if app.focused is box:
                break
            box.focus()
        assert app.focused is box, app.focused
        # every match is listed (the list draws the lines in view), as in the bare app below
        assert len(screen.rows) >= 2000 and table.row_count == len(screen.rows), table.row_count
        lat, counts = [], []
        for _ in range(rounds):
            for key in list(needle) + ["backspace"] * len(needle):
                rendered.clear()
                refreshed = asyncio.Event()
                t0 = time.perf_counter()
                # the key as the terminal driver delivers it (pilot.press would add its own idle
                # waits, ~60 ms a key whatever the app does: it measures the harness, not the app)
                app._driver.send_message(events.Key(key, key if len(key) == 1 else None))
                await asyncio.wait_for(rendered.wait(), 60)
                app.call_after_refresh(refreshed.set)
                await asyncio.wait_for(refreshed.wait(), 60)
                lat.append(time.perf_counter() - t0)
                counts.append(table.row_count)
    print(json.dumps({"lat": lat, "rows": counts}))

asyncio.run(main())
"""

TUI_FILTER_BARE = r"""
import asyncio, json, sys, time
from textual import events
from textual.app import App
from textual.widgets import DataTable, Input, Static
sys.path.insert(0, sys.argv[4])
from tests.support import configs

n, needle, rounds = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
AUTH = ["serviceAccount", "serviceAccount", "oidc/spectrocloud", "oidc/spectrocloud"]
ROWS = [("☐" if i % 4 < 2 else " ", configs.cluster_name(i), AUTH[i % 4],
         f"https://{configs.cluster_name(i)}.{configs.REGIONS[i % 4]}.k8s.example.com:6443", f"app-config.yaml:{100 + 7 * i}")
        for i in range(n)]

class Bare(App):
    def compose(self):
        yield Input(id="filter")
        yield DataTable(id="t", cursor_type="row", zebra_stripes=True)
        yield Static(id="count")
    def on_mount(self):
        self.query_one(DataTable).add_columns("", "cluster", "auth", "url", "from")
        self.render_rows()
    def render_rows(self):
        needle = self.query_one(Input).value.strip().lower()
        t = self.query_one(DataTable)
        t.clear()
        shown = [r for r in ROWS if not needle or needle in r[1].lower() or needle in r[3].lower() or needle in r[2].lower()]
        for i, r in enumerate(shown):
            t.add_row(*r, key=str(i))
        self.query_one("#count", Static).update(f"{len(shown)} of {len(ROWS)} shown")
        rendered.set()
    def on_input_changed(self, event):
        self.render_rows()

async def main():
    global rendered
    rendered = asyncio.Event()
    app = Bare()
    async with app.run_test(headless=True, size=(160, 50)) as pilot:
        await asyncio.wait_for(rendered.wait(), 60)
        table = app.query_one(DataTable)
        box = app.query_one(Input)
        for _ in range(100):
            await pilot.pause()
            if app.focused is box:
                break
            box.focus()
        assert app.focused is box, app.focused
        lat, counts = [], []
        for _ in range(rounds):
            for key in list(needle) + ["backspace"] * len(needle):
                rendered.clear()
                refreshed = asyncio.Event()
                t0 = time.perf_counter()
                # the key as the terminal driver delivers it (pilot.press would add its own idle
                # waits, ~60 ms a key whatever the app does: it measures the harness, not the app)
                app._driver.send_message(events.Key(key, key if len(key) == 1 else None))
                await asyncio.wait_for(rendered.wait(), 60)
                app.call_after_refresh(refreshed.set)
                await asyncio.wait_for(refreshed.wait(), 60)
                lat.append(time.perf_counter() - t0)
                counts.append(table.row_count)
    print(json.dumps({"lat": lat, "rows": counts}))

asyncio.run(main())
"""


HELLO_APP = r"""
from textual.app import App
from textual.widgets import Static

class Hello(App):
    def compose(self):
        yield Static("Welcome, world!")

Hello().run()
"""


def pty_first_paint(argv: list[str], needle: bytes = b"Welcome", size: tuple[int, int] = (100, 30),
                    timeout: float = 60.0, extra_env: dict[str, str] | None = None) -> float:
    """Start `argv` in a pseudo-terminal of `size` (columns, rows) and time it until `needle` is drawn
    (what a user waits for); then stop it (SIGTERM, SIGKILL after 5 s)."""
    import fcntl
    import pty
    import select
    import signal
    import struct
    import termios

    child_env = {**env(), "TERM": "xterm-256color", **(extra_env or {})}
    pid, fd = pty.fork()
    if pid == 0:  # the child: the command, with the pty as its terminal
        try:
            os.execve(argv[0], argv, child_env)
        finally:
            os._exit(127)
    try:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        t0 = time.perf_counter()
        seen = b""
        dt = None
        while time.perf_counter() - t0 < timeout:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen = seen[-4096:] + chunk
            if needle in seen:
                dt = time.perf_counter() - t0
                break
    finally:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    os.read(fd, 65536)
                except OSError:
                    pass
            if os.waitpid(pid, os.WNOHANG)[0]:
                break
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    if dt is None:
        raise RuntimeError(f"{argv[:3]} did not draw {needle!r} within {timeout:.0f} s")
    return dt


def bench_first_paint(res: Results, runs: int, work: Path) -> None:
    """Issue #21: the installed console script, as a user starts it, in a 100x30 pseudo-terminal until
    the Welcome screen is drawn: on a real app and with --demo, against a hello-world Textual app
    drawn in the same terminal, in the same run."""
    print("TUI: first screen of the console script in a pseudo-terminal", flush=True)
    script = Path(PY).parent / "spectro-wizard"
    if not script.exists():
        res.note("tui", f"No console script at {script} (`pip install -e .` installs it): the first-paint rows are skipped.")
        return
    app_root = repo_builder.make_repo(work, "first-paint-app")
    tmp = work / "demo-copies"  # where --demo makes its copies
    tmp.mkdir(exist_ok=True)
    hello = work / "hello_textual.py"
    hello.write_text(HELLO_APP)
    argvs = {"app": [str(script), "--repo", str(app_root)], "demo": [str(script), "--demo"], "hello": [PY, str(hello)]}

    def op(name: str) -> Callable[[], float]:
        return lambda: pty_first_paint(argvs[name], extra_env={"TMPDIR": str(tmp)})

    samples = interleaved({n: op(n) for n in argvs}, runs)
    base = med(samples["hello"])
    for name, label in (("app", "`spectro-wizard` on a create-app app: console script start to Welcome drawn (100x30 pty)"),
                        ("demo", "`spectro-wizard --demo`: console script start to Welcome drawn (100x30 pty)")):
        m = med(samples[name])
        res.add(Row("tui", label, runs, m, "hello-world Textual app (`python hello.py`), same pty, same run", base,
                    "ratio <= 1.5 (issue #21)", m / base, verdict_ratio(m / base, 1.5), ""))
    spread = "; ".join(f"{n}: {fmt_s(min(v))} to {fmt_s(max(v))}" for n, v in samples.items())
    res.note("tui", f"First paint through the console script, all runs (min to max): {spread}. The Welcome screen is "
                    "drawn before the config files, index.ts and App.tsx are parsed (its config-files and frontend-system "
                    "facts are filled in right after) and, with --demo, before the demo's world (stand-in servers, "
                    "certificates) is started.")


def bench_tui(res: Results, runs: int, filter_rounds: int, work: Path) -> None:
    print("TUI: time to first screen", flush=True)
    from wizard.session.demo import make_demo_app

    demo = make_demo_app(work)
    phases: dict[str, list[float]] = {}

    def first(name: str, argv: list[str]) -> Callable[[], float]:
        def run() -> float:
            dt, rest = spawn_ready(argv)
            if rest.strip():
                for k, v in json.loads(rest.strip().splitlines()[-1]).items():
                    phases.setdefault(k, []).append(v)
            return dt
        return run

    samples = interleaved({"wizard": first("wizard", [PY, "-c", TUI_FIRST, str(demo)]),
                           "hello": first("hello", [PY, "-c", TUI_HELLO])}, runs)
    rss = {"wizard": peak([PY, "-c", TUI_FIRST, str(demo)]), "hello": peak([PY, "-c", TUI_HELLO])}
    base = med(samples["hello"])
    m = med(samples["wizard"])
    res.add(Row("tui", "TUI time to first screen (Welcome, demo app; process start to first refresh)", runs, m,
                "hello-world Textual app, same harness (run_test headless, 120x40)", base, "ratio <= 1.5 (issue #12)", m / base,
                verdict_ratio(m / base, 1.5), f"{mib(rss['wizard'])} / {mib(rss['hello'])}"))

    imp = subprocess.run([PY, "-X", "importtime", "-c", "import wizard.tui.app, wizard.session, wizard.tui.screens.welcome"],
                         capture_output=True, text=True, env=env(), cwd=ROOT).stderr
    cum: dict[str, int] = {}
    for line in imp.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            cum[parts[2].strip()] = int(parts[1])
    top = ", ".join(f"`{k}` {v / 1000:.0f} ms" for k, v in sorted(cum.items(), key=lambda kv: -kv[1])
                    if (k.startswith("wizard") or k in ("textual.app", "textual.widgets", "httpx", "ruamel.yaml"))
                    and v >= 5000)
    res.note("tui", "Where the wizard's first screen goes, medians of the same runs (from the child's first line of "
                    "code): " + "; ".join(f"{k} {fmt_s(med(v))}" for k, v in phases.items())
             + f". `-X importtime` (cumulative, one run): {top}.")

    print("TUI: filtering 2,000 clusters", flush=True)
    n = 2000
    root = repo_builder.make_repo(work, "tui-2000", preset="many-clusters", clusters=n)
    wiz_lat: list[float] = []
    bare_lat: list[float] = []
    rows_seen: list[int] = []
    rss_w = rss_b = 0
    for _ in range(max(1, runs // 3)):
        data, pk = child_peak("raw", "-c", TUI_FILTER, str(root), FILTER_NEEDLE, str(filter_rounds))
        wiz_lat += data["lat"]
        rows_seen = data["rows"]
        rss_w = max(rss_w, pk)
        data, pk = child_peak("raw", "-c", TUI_FILTER_BARE, str(n), FILTER_NEEDLE, str(filter_rounds), str(ROOT))
        bare_lat += data["lat"]
        rss_b = max(rss_b, pk)
    keys = len(wiz_lat)
    m, b = med(wiz_lat), med(bare_lat)
    worst_w, worst_b = max(wiz_lat), max(bare_lat)
    # issue #12: <= 50 ms median, <= 100 ms for the slowest keystroke
    res.add(Row("tui", f"filter 2,000 clusters: keystroke to table refreshed, median of {keys} keystrokes", keys, m,
                "bare Textual app: Input + DataTable rebuilt with the same rows", b, "median <= 50 ms (issue #12)", m / b,
                "yes" if m <= 0.05 else f"NO: {m / 0.05:.2f}x over 50 ms", f"{mib(rss_w)} / {mib(rss_b)}"))
    res.add(Row("tui", "filter 2,000 clusters: slowest keystroke", keys, worst_w,
                "bare app, slowest keystroke", worst_b, "<= 100 ms (issue #12)", worst_w / worst_b,
                "yes" if worst_w <= 0.1 else f"NO: {worst_w / 0.1:.2f}x over 100 ms", f"{mib(rss_w)} / {mib(rss_b)}"))
    res.note("tui", f"Keystrokes typed: `{FILTER_NEEDLE}` one key at a time, then {len(FILTER_NEEDLE)} backspaces, "
                    f"{filter_rounds} rounds per process; rows shown after each key (one round): {rows_seen[: 2 * len(FILTER_NEEDLE)]}.")


# ================================================================================================
# children


def run_child(mode: str, args: list[str]) -> None:
    if mode == "rt":
        t0 = time.perf_counter()
        ruamel_roundtrip(Path(args[0]))
        print(json.dumps({"s": time.perf_counter() - t0}))
    elif mode in ("plan", "apply"):
        root, answers = Path(args[0]), json.loads(Path(args[1]).read_text())
        t0 = time.perf_counter()
        (core_plan if mode == "plan" else core_apply)(root, answers)
        print(json.dumps({"s": time.perf_counter() - t0}))
    elif mode == "verify":
        print(json.dumps({"s": verify_once(Path(args[0]), int(args[1]), args[2])}))
    elif mode == "raw":  # python -c CODE ARGS, for the TUI children (peak RSS measured by the parent)
        code = args[1]
        sys.argv = ["-c", *args[2:]]
        exec(compile(code, "<bench-child>", "exec"), {"__name__": "__main__"})
    else:
        raise SystemExit(f"unknown child mode {mode}")


# ================================================================================================
# machine and report


def machine() -> dict[str, str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    osname = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                osname = line.split("=", 1)[1].strip('"') + f" (kernel {platform.release()})"
    except OSError:
        pass
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count() or 0
    versions = []
    from importlib.metadata import PackageNotFoundError, version

    for pkg in ("spectro-wizard", "ruamel.yaml", "ruamel.yaml.clib", "textual", "httpx"):
        try:
            versions.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "wizard"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        commit = commit + (" + uncommitted changes in wizard/" if dirty else "")
    except OSError:
        commit = "?"
    return {
        "CPU": cpu,
        "Cores": f"{os.cpu_count()} logical ({affinity} usable by this process)",
        "RAM": ram,
        "Python": f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})",
        "OS": osname,
        "Packages": ", ".join(versions),
        "Code": commit,
    }


def loadavg() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


SECTIONS = {
    "startup": "CLI start-up",
    "plan-apply": "plan and apply",
    "verify": "verify",
    "tui": "TUI",
}


def write_report(res: Results, path: Path, info: dict[str, str], started: str, load_before: str, load_after: str,
                 elapsed: float, argv: list[str]) -> str:
    out = ["# Benchmark results", ""]
    out.append(f"Produced by `python bench/run.py{(' ' + ' '.join(argv)) if argv else ''}` (see bench/README.md) "
               f"on {started}, in {elapsed / 60:.1f} min.")
    out.append("")
    out.append("## Machine")
    out.append("")
    for k, v in info.items():
        out.append(f"- **{k}:** {v}")
    out.append(f"- **Date:** {started}")
    out.append(f"- **Load average** (1, 5, 15 min) at start: {load_before}; at the end: {load_after}. Other processes "
               "were running on this machine; every ratio compares an item with its baseline measured in the same "
               "run, interleaved, so both saw the same load.")
    out.append("")
    missed = [r for r in res.rows if r.met.startswith("NO")]
    out.append("## Summary")
    out.append("")
    out.append(f"{len(res.rows) - len(missed)} of {len(res.rows)} items meet their goal. Not met:")
    out.append("")
    for r in missed:
        out.append(f"- {r.item}: {fmt_s(r.median)} against {fmt_s(r.base_median)} (ratio {r.ratio:.2f}; goal {r.goal}) — {r.met[4:]}")
    out.append("")
    out.append("Where the time goes is measured below each table (profiles, import times, CPU split).")
    out.append("")
    out.append("## Results")
    out.append("")
    out.append("Times are medians; ratio = item median / baseline median. Peak RSS = maximum resident set size of a fresh "
               "process doing the item once (item / baseline).")
    for sec, title in SECTIONS.items():
        rows = [r for r in res.rows if r.section == sec]
        if not rows:
            continue
        out.append("")
        out.append(f"### {title}")
        out.append("")
        out.append("| Item | Runs | Median | Baseline (same run) | Baseline median | Ratio | Goal | Met? | Peak RSS |")
        out.append("|---|---:|---:|---|---:|---:|---|---|---:|")
        for r in rows:
            ratio = "-" if r.ratio is None else f"{r.ratio:.2f}"
            out.append(f"| {r.item} | {r.runs} | {fmt_s(r.median)} | {r.baseline} | {fmt_s(r.base_median)} | {ratio} | "
                       f"{r.goal} | {r.met} | {r.peak} |")
        for n in res.notes.get(sec, []):
            out.append("")
            out.append(n)
    text = "\n".join(out) + "\n"
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="fewer runs and no 3,000-cluster CLI runs (a smoke test)")
    ap.add_argument("--only", default="", help="comma-separated sections: startup, plan-apply, anchored, verify, "
                                               "first-paint, tui")
    ap.add_argument("--output", default=str(ROOT / "bench" / "RESULTS.md"), help="where to write the results")
    args = ap.parse_args(argv)
    if args.child:
        run_child(args.child[0], args.child[1:])
        return 0
    only = set(filter(None, args.only.split(",")))
    # A pip-installed package ships compiled bytecode; a source checkout under
    # PYTHONDONTWRITEBYTECODE=1 (as on this machine) would recompile every module on every start
    # and charge that to "start-up". Compile once, as an install does.
    import compileall

    compileall.compile_dir(str(ROOT / "wizard"), quiet=1)
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load_before = loadavg()
    t0 = time.perf_counter()
    info = machine()
    print(f"spectro-wizard benchmarks — {started}\n" + "\n".join(f"  {k}: {v}" for k, v in info.items()), flush=True)
    res = Results()
    q = args.quick
    with tempfile.TemporaryDirectory(prefix="sw-bench-") as tmp:
        work = Path(tmp)
        if not only or "startup" in only:
            bench_startup(res, 5 if q else 15, work)
        if not only or "plan-apply" in only:
            sizes = [10, 300] if q else [10, 300, 3000]
            bench_plan_apply(res, sizes, lambda n: (3 if q else {10: 15, 300: 9}.get(n, 5)), work,
                             ["typical"] if q else ["typical", "all"])
        if not only or "verify" in only:
            bench_verify(res, 3 if q else 7, work)
        if not only or "anchored" in only or "plan-apply" in only:
            bench_anchored(res, 300 if q else 3000, 3 if q else 7, work)
        if not only or "tui" in only or "first-paint" in only:
            bench_first_paint(res, 5 if q else 21, work)
        if not only or "tui" in only:
            bench_tui(res, 3 if q else 15, 2 if q else 3, work)  # 15: a first paint is ~0.4 s and the machine is noisy
    elapsed = time.perf_counter() - t0
    text = write_report(res, Path(args.output), info, started, load_before, loadavg(), elapsed,
                        [a for a in (argv if argv is not None else sys.argv[1:])])
    Path(args.output).write_text(text, encoding="utf-8")
    print()
    print(text)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
