"""`spectro-wizard verify`: every remote check, concurrently, bounded.

The config the wizard wrote is the source of truth: the OIDC settings, the clusters and the
environment variables they reference all come from the app-config files (answers only fill in
what the config does not say). Checks run as groups (OIDC, the backend, one group per cluster)
under a semaphore (32 at once by default), each request with its own timeout and the whole run
with an overall bound. `on_result` is called as each group finishes, for live front ends.

A group that stops on an unexpected error (a bug, or an answer no check foresaw) becomes that
group's failure, one sentence with the error's type, while the other groups run to completion: no
traceback reaches the terminal, and no task is left with an exception nobody retrieved. A CA file
(`ca_file`) is read and proven to hold a certificate before any group starts (BadInput otherwise).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from wizard.core import facts
from wizard.core.answers import Answers
from wizard.core.cafile import load_ca_file
from wizard.core.clusters import config_clusters, effective_cluster_files
from wizard.core.configset import ConfigSet
from wizard.core.envrefs import env_var_of
from wizard.core.mask import scrub_secrets
from wizard.core.plan import auth_environment
from wizard.core.results import CheckResult
from wizard.remote.http import TLSOptions
from wizard.verify.options import VerifyOptions, WaitOutcome

MAX_OPEN = 256  # checks at once in all (file descriptors)


@dataclass
class VerifyTarget:
    """What verify needs, read from the config (+ answers)."""

    environment: str
    authorization_url: str | None
    callback_url: str | None
    client_id_env: str | None
    client_secret_env: str | None
    client_id: str | None  # literal client IDs are not secret; values from env vars
    client_secret: str | None = field(default=None, repr=False)
    backend_url: str | None = None
    clusters: list[dict[str, Any]] = field(default_factory=list)  # config entries of type-config clusters
    expected: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_target(configs: ConfigSet, answers: Answers | None = None, backend_url: str | None = None) -> VerifyTarget:
    env = auth_environment(configs, answers or Answers())
    prov = configs.effective(["auth", "providers", facts.PROVIDER, env])
    prov = prov if isinstance(prov, dict) else {}
    auth_url = prov.get("authorizationUrl")
    if not auth_url and answers is not None and (answers.tenant or answers.authorizationUrl):
        auth_url = answers.authorization_url()
    base = backend_url or configs.effective(["backend", "baseUrl"])
    callback = prov.get("callbackUrl")
    if not callback:  # Backstage's default: backend.baseUrl (not --backend-url, a way to reach it) + the handler path
        configured = configs.effective(["backend", "baseUrl"])
        callback = (answers or Answers()).callback_url(configured if isinstance(configured, str) else None)
    target = VerifyTarget(env, auth_url if isinstance(auth_url, str) else None,
                          callback if isinstance(callback, str) else None, None, None, None)
    for key, attr in (("clientId", "client_id"), ("clientSecret", "client_secret")):
        raw = prov.get(key)
        var = env_var_of(raw)
        if var:
            setattr(target, f"{attr}_env", var)
            setattr(target, attr, os.environ.get(var) or None)
        elif isinstance(raw, str) and raw:
            setattr(target, attr, raw)  # a literal in the config (masked everywhere we show it)
        elif answers is not None:
            name = answers.clientIdEnv if key == "clientId" else answers.clientSecretEnv
            setattr(target, f"{attr}_env", name)
            setattr(target, attr, os.environ.get(name) or None)
    target.backend_url = base if isinstance(base, str) and "${" not in base else None
    if isinstance(base, str) and "${" in base and not backend_url:
        target.problems.append(f"backend.baseUrl is {base}; pass --backend-url")
    # only the definition Backstage uses: a later file's clusterLocatorMethods replaces an earlier one
    for ref in config_clusters(effective_cluster_files(configs.files)):
        entry = ref.node.to_python()
        if isinstance(entry, dict):
            entry["_file"] = ref.file.rel
            target.clusters.append(entry)
            target.expected.append({"name": ref.name, "authProvider": ref.auth, "oidcTokenProvider": ref.token_provider})
    return target


SERVED_CHECKS = ("backend-reachable", "backend-auth-provider", "backend-clusters")


def is_served(results: list[CheckResult]) -> bool:
    by_id = {r.id: r for r in results}
    return all(i in by_id and by_id[i].status in ("ok", "warn") for i in SERVED_CHECKS)


async def wait_until_served(
    configs: ConfigSet,
    answers: Answers | None,
    opts: VerifyOptions,
    timeout: float,
    interval: float = 1.0,
    on_round: Callable[[list[CheckResult], float], None] | None = None,
) -> WaitOutcome:
    """After a restart: ask the backend again and again until it serves the config on disk (its
    spectrocloud provider redirects to the authorization URL and it serves the configured clusters
    as oidc/spectrocloud), or `timeout` seconds pass. Each round is one short set of requests."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    t = read_target(configs, answers, opts.backend_url)
    _read_ca(opts)
    quick = VerifyOptions(backend_url=opts.backend_url, token=opts.token, ca_file=opts.ca_file, ca_data=opts.ca_data,
                          timeout=min(opts.timeout, 5.0))
    while True:
        results = await _backend_group(t, quick)
        elapsed = loop.time() - start
        if on_round is not None:
            on_round(results, elapsed)
        if is_served(results):
            return WaitOutcome(True, results, elapsed)
        if elapsed >= timeout or not t.backend_url:
            return WaitOutcome(False, results, elapsed)
        await asyncio.sleep(min(interval, max(0.0, timeout - elapsed)))


def untested_checks(configs: ConfigSet, answers: Answers | None, opts: VerifyOptions) -> list[str]:
    """The checks that need the user's own ID token and were not asked for (no --id-token): listed as
    "not tested" in the verdict, so a green run without them is not taken for a complete one."""
    if opts.id_token:
        return []
    t = read_target(configs, answers, opts.backend_url)
    out = ["id-token"]
    for entry in t.clusters:
        name = entry.get("name")
        out += [f"cluster:{name}:identity", f"cluster:{name}:rbac"]
    out += [f"backend-proxy:{e['name']}" for e in t.expected
            if e.get("authProvider") == facts.AUTH_PROVIDER_OIDC and e.get("oidcTokenProvider") == facts.PROVIDER]
    return out


async def _bounded(sem: asyncio.Semaphore, coro: Awaitable[list[CheckResult]]) -> list[CheckResult]:
    async with sem:
        return await coro


def _read_ca(opts: VerifyOptions) -> None:
    """The CA file's PEM text, read (and checked) once, before anything is asked."""
    if opts.ca_file and opts.ca_data is None:
        opts.ca_data = load_ca_file(opts.ca_file)


def _tls(opts: VerifyOptions) -> TLSOptions:
    return TLSOptions(ca_data=opts.ca_data) if opts.ca_data else TLSOptions()


# the check id a whole group's failure is reported under
_GROUP_CHECK = {"oidc": "oidc-discovery", "backend": "backend-reachable"}
_GROUP_HINT = {"oidc": "oidc-unreachable", "backend": "backend-unreachable"}


def _group_failed(name: str, exc: BaseException, secrets: list[str | None]) -> CheckResult:
    """One sentence for a group that stopped on an unexpected error (its traceback is shown nowhere)."""
    what = scrub_secrets(str(exc), secrets)
    what = f"{exc.__class__.__name__}: {what}" if what else exc.__class__.__name__
    if len(what) > 200:
        what = what[:199] + "…"
    return CheckResult(_GROUP_CHECK.get(name, name), "fail",
                       f"{name}: the checks stopped on an unexpected error ({what})",
                       "the other checks ran to the end; run verify again, and if it repeats, report it with "
                       "`spectro-wizard report --verify`", "verify-check-crashed")


async def _oidc_group(t: VerifyTarget, opts: VerifyOptions) -> list[CheckResult]:
    from wizard.remote.oidc import run_oidc_checks

    if not t.authorization_url:
        return [CheckResult("oidc-discovery", "skip", f"no auth.providers.spectrocloud.{t.environment}.authorizationUrl in the config",
                            "run the wizard (or apply an answers file) first", "configure-auth-provider")]
    return await run_oidc_checks(
        t.authorization_url, t.callback_url or "", t.client_id, t.client_secret,
        client_id_env=t.client_id_env or "SPECTROCLOUD_CLIENT_ID",
        client_secret_env=t.client_secret_env or "SPECTROCLOUD_CLIENT_SECRET",
        id_token=opts.id_token, tls=_tls(opts), timeout=opts.timeout,
    )


async def _backend_group(t: VerifyTarget, opts: VerifyOptions) -> list[CheckResult]:
    from wizard.remote.backstage import verify_backend

    if not t.backend_url:
        why = "; ".join(t.problems) or "no backend.baseUrl in the config; pass --backend-url"
        return [CheckResult("backend-reachable", "skip", "backend URL unknown", why, "backend-unreachable")]
    token = opts.token or os.environ.get("BACKSTAGE_TOKEN") or None
    return await verify_backend(
        t.backend_url, env=t.environment, authorization_url=t.authorization_url, expected=t.expected,
        token=token, id_token=opts.id_token, tls=_tls(opts), timeout=opts.timeout, deployment_hint=opts.deployment_hint,
        probe_secret=opts.deployment,
    )


async def _cluster_group(entry: dict[str, Any], repo: Path, opts: VerifyOptions) -> list[CheckResult]:
    from wizard.remote.kube import cluster_target, verify_cluster

    name = str(entry.get("name") or "?")
    try:
        target = cluster_target(entry, base_dir=repo)
    except ValueError as exc:
        return [CheckResult(f"cluster:{name}", "fail", f"cluster {name}: {exc}", f"in {entry.get('_file')}", "cluster-tls")]
    return await verify_cluster(target, opts.id_token, namespace=opts.namespace, timeout=opts.timeout)


async def run_verify(
    repo: Path,
    configs: ConfigSet,
    answers: Answers | None = None,
    opts: VerifyOptions | None = None,
    on_result: Callable[[CheckResult], None] | None = None,
) -> list[CheckResult]:
    opts = opts or VerifyOptions()
    t = read_target(configs, answers, opts.backend_url)
    _read_ca(opts)
    secrets = [opts.token, opts.id_token, t.client_secret, os.environ.get("BACKSTAGE_TOKEN")]
    # `concurrency` bounds the checks running at once against any one server (like a browser's
    # per-host limit): 100 clusters are 100 servers and run together, while many checks aimed at
    # one backend or one OIDC provider queue up instead of flooding it.
    semaphores: dict[str, asyncio.Semaphore] = {}

    def sem_for(url: str | None) -> asyncio.Semaphore:
        parts = urlsplit(url or "")
        origin = f"{parts.scheme}://{parts.netloc}"
        return semaphores.setdefault(origin, asyncio.Semaphore(max(1, opts.concurrency)))

    groups: list[tuple[str, asyncio.Semaphore, Awaitable[list[CheckResult]]]] = [
        ("oidc", sem_for(t.authorization_url), _oidc_group(t, opts)),
        ("backend", sem_for(t.backend_url), _backend_group(t, opts)),
    ]
    for entry in t.clusters:
        groups.append((f"cluster:{entry.get('name')}", sem_for(str(entry.get("url") or "")), _cluster_group(entry, repo, opts)))
    order = {name: i for i, (name, _, _) in enumerate(groups)}
    done: dict[str, list[CheckResult]] = {}

    overall = asyncio.Semaphore(MAX_OPEN)  # and a bound on open connections in all

    async def run(name: str, sem: asyncio.Semaphore, coro: Awaitable[list[CheckResult]]) -> None:
        try:
            async with overall:
                results = await _bounded(sem, coro)
        except Exception as exc:  # noqa: BLE001 - one group's failure, not the run's
            results = [_group_failed(name, exc, secrets)]
        done[name] = results
        if on_result is not None:
            for r in results:
                on_result(r)

    tasks = [asyncio.ensure_future(run(name, sem, coro)) for name, sem, coro in groups]
    _, pending = await asyncio.wait(tasks, timeout=opts.overall_timeout)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending)  # let the cancelled tasks finish (nothing is left running or unretrieved)
    for name, _, _ in groups:
        if name not in done:
            r = CheckResult(_GROUP_CHECK.get(name, name), "fail",
                            f"{name}: no answer within the overall limit of {opts.overall_timeout:.0f} s",
                            "the remaining checks were stopped",
                            "cluster-unreachable" if name.startswith("cluster:") else _GROUP_HINT.get(name, "backend-unreachable"))
            done[name] = [r]
            if on_result is not None:
                on_result(r)
    out: list[CheckResult] = []
    for name in sorted(done, key=lambda n: order[n]):
        out.extend(done[name])
    return out
