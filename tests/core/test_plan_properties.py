"""Property tests of the patch engine on generated app-configs × generated answers.

Configs are assembled from building blocks: comments everywhere, plain/single/double quoting, flow and
block collections (some with `[page:catalog]`, which only the YAML 1.2 fallback parser reads),
anchors/aliases, `$include`/`$env`/`${VAR}`, LF or CRLF, a BOM, a leading `---`, no final newline,
indentation 2 or 4, indented or non-indented sequences, `kubernetes:` absent / null
with a comment / `{}` / guide-style flat clusters / clusterLocatorMethods with clusters,
app.extensions absent / null / block / flow with guide and default entries. Answers: a tenant, an
environment, 0-3 clusters (new, or existing ones by name) with each TLS option, a migrate subset
or `all`, and sometimes a SpectroCloud cluster provider.

Invariants checked for every example:
  * the plan succeeds, and every changed file parses (yamldoc and a YAML 1.2 loader agree);
  * only lines inside app.extensions, auth and kubernetes may change or go: every other original
    line is still there, byte for byte and in order; new lines use the file's line break;
  * the parsed result equals the data a small model of the contract predicts;
  * a second plan on the written result is empty (idempotence);
  * apply writes exactly the planned text, and undo restores the original bytes.

Runs HYPOTHESIS_EXAMPLES examples (default 150). A long run:
    HYPOTHESIS_EXAMPLES=20000 python -m pytest tests/core/test_plan_properties.py -p no:cacheprovider
"""

from __future__ import annotations

import base64
import copy
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.configs import CA_FILE, CA_PEM
from tests.support.plans import make_plan
from tests.support.repos import make_repo
from tests.support.text import safe_load
from wizard.core import render
from wizard.core.apply import apply_plan, undo_last
from wizard.core.yamldoc import parse

EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "150"))
CA_DATA = base64.b64encode(CA_PEM).decode()
EXT = "api:kubernetes/auth-providers"
GUIDE_EXT = "plugin.kubernetes-auth-providers.service"
NAMES = ["alpha", "beta", "gamma", "delta"]
NEW_NAMES = ["new-one", "new-two", "new-three"]

PROPERTY_SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, database=None,  # failures print the example; no .hypothesis/ dir
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# ---------------------------------------------------------------------------------------------
# the generated config


@dataclass
class Layout:
    indent: int
    seq_indented: bool
    newline: str

    def pad(self, level: int) -> str:
        return " " * (self.indent * level)

    def dash(self, level: int) -> str:
        """Where the `-` of a sequence under a key at `level` sits."""
        return self.pad(level) + (" " * self.indent if self.seq_indented else "")


@dataclass
class Gen:
    """What a generated config holds, for the model of the expected result."""

    clusters: dict[str, str | None] = field(default_factory=dict)  # name -> authProvider (None: unset)
    token_provider: dict[str, bool] = field(default_factory=dict)


def q(draw, value: str) -> str:
    """The value quoted as the file might have it."""
    styles = ["'", '"'] + ([""] if render.plain_ok(value) else [])
    style = draw(st.sampled_from(styles))
    if style == "'":
        return render.single_quoted(value)
    if style == '"':
        return render.double_quoted(value)
    return value


def maybe_comment(draw, pad: str, text: str = "a comment") -> list[str]:
    return [f"{pad}# {text}"] if draw(st.booleans()) else []


def trailing(draw) -> str:
    return draw(st.sampled_from(["", "", "  # note"]))


def cluster_lines(draw, L: Layout, level: int, name: str, gen: Gen) -> list[str]:
    """One cluster map as a block sequence item under a key at `level`."""
    dash = L.dash(level)
    c = dash + "  "
    kind = draw(st.sampled_from(["sa-env", "sa-literal", "sa-implicit", "oidc", "oidc-no-tp", "google"]))
    out = maybe_comment(draw, dash, f"cluster {name}")
    key = draw(st.sampled_from(["name", "name", "'name'"]))
    out.append(f"{dash}- {key}: {q(draw, name)}{trailing(draw)}")
    out.append(f"{c}url: {q(draw, f'https://{name}.example.com:6443')}")
    if kind.startswith("sa"):
        if kind != "sa-implicit":
            out.append(f"{c}authProvider: {q(draw, 'serviceAccount')}")
        token = "${" + name.upper() + "_TOKEN}" if kind == "sa-env" else "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2Vu.c2lnbmF0dXJlLXBhcnQ"
        out.append(f"{c}serviceAccountToken: {token}{trailing(draw)}")
        gen.clusters[name] = None if kind == "sa-implicit" else "serviceAccount"
    elif kind.startswith("oidc"):
        out.append(f"{c}authProvider: {q(draw, 'oidc')}")
        if kind == "oidc":
            out.append(f"{c}oidcTokenProvider: {q(draw, 'spectrocloud')}")
        gen.clusters[name] = "oidc"
        gen.token_provider[name] = kind == "oidc"
    else:
        out.append(f"{c}authProvider: google")
        gen.clusters[name] = "google"
    if draw(st.booleans()):
        out.append(f"{c}skipTLSVerify: true{trailing(draw)}")
    out += maybe_comment(draw, c, "end of cluster")
    if draw(st.sampled_from([False, False, True])):
        out.append(draw(st.sampled_from(["", "# a column-0 comment inside the list"])))
    return out


def section_kubernetes(draw, L: Layout, gen: Gen) -> list[str]:
    shape = draw(st.sampled_from(["null", "empty-flow", "flat", "locators", "locators", "locators-no-slm"]))
    names = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=3))
    if shape == "null":
        return ["kubernetes:" + draw(st.sampled_from(["", "  # configure me"])),
                f"{L.pad(1)}# see https://backstage.io/docs/features/kubernetes/configuration"]
    if shape == "empty-flow":
        return ["kubernetes: {}"]
    out = ["kubernetes:"] + maybe_comment(draw, L.pad(1))
    if shape == "flat":
        names = names or ["alpha"]
        out.append(f"{L.pad(1)}clusters:")
        for n in names:
            out += cluster_lines(draw, L, 1, n, gen)
        return out
    if shape == "locators":
        if draw(st.booleans()):
            out.append(f"{L.pad(1)}serviceLocatorMethod: {{ type: multiTenant }}")
        else:
            out += [f"{L.pad(1)}serviceLocatorMethod:", f"{L.pad(2)}type: {q(draw, 'multiTenant')}"]
    out.append(f"{L.pad(1)}clusterLocatorMethods:")
    d = L.dash(1)
    out.append(f"{d}- type: {q(draw, 'config')}")
    inner = len(d) + 2
    sub = Layout(L.indent, L.seq_indented, L.newline)
    if not names:
        out.append(" " * inner + "clusters: []")
        return out
    out.append(" " * inner + "clusters:")
    # the clusters list hangs under a key at column `inner`
    for n in names:
        lines = cluster_lines(draw, sub, 0, n, gen)
        out += [" " * inner + ln for ln in lines]
    return out


def section_auth(draw, L: Layout) -> list[str]:
    shape = draw(st.sampled_from(["block", "block", "flow", "env", "partial"]))
    if shape == "flow":
        return ["auth: { providers: { guest: {} } }"]
    out = ["auth:"] + maybe_comment(draw, L.pad(1), "see https://backstage.io/docs/auth/")
    if shape == "env":
        out.append(f"{L.pad(1)}environment: {q(draw, draw(st.sampled_from(['development', 'production'])))}")
    out.append(f"{L.pad(1)}providers:")
    out += maybe_comment(draw, L.pad(2), "See https://backstage.io/docs/auth/guest/provider")
    out.append(f"{L.pad(2)}guest: {{}}{trailing(draw)}")
    if shape == "partial":
        out += [f"{L.pad(2)}spectrocloud:", f"{L.pad(3)}development:",
                f"{L.pad(4)}clientId: ${{SPECTROCLOUD_CLIENT_ID}}",
                f"{L.pad(4)}scope: {q(draw, 'openid profile email')}"]
    return out


def ext_entry_block(draw, L: Layout, kind: str) -> list[str]:
    d = L.dash(1)
    c = " " * (len(d) + 2)
    if kind == "catalog":
        return [f"{d}- page:catalog:", f"{c}{L.pad(1)}config:", f"{c}{L.pad(2)}path: /"]
    if kind == "home":
        return [f"{d}- page:home"]
    if kind == "guide":
        return maybe_comment(draw, d, "Disable the default Kubernetes auth providers") + [
            f"{d}- {GUIDE_EXT}:", f"{c}{L.pad(1)}disabled: true"]
    if kind == "disabled":
        return [f"{d}- {EXT}: false"]
    return [f"{d}- {EXT}"]  # enabled


def ext_entry_flow(kind: str) -> str:
    return {
        "catalog": "{ 'page:catalog': { config: { path: / } } }",
        "home": "'page:home'",
        "guide": f"{{ '{GUIDE_EXT}': {{ disabled: true }} }}",
        "disabled": f"{{ '{EXT}': false }}",
        "enabled": f"'{EXT}'",
    }[kind]


EXT_DATA = {
    "catalog": {"page:catalog": {"config": {"path": "/"}}},
    "home": "page:home",
    "guide": {GUIDE_EXT: {"disabled": True}},
    "disabled": {EXT: False},
    "enabled": EXT,
}


def section_app(draw, L: Layout) -> list[str]:
    out = ["app:", f"{L.pad(1)}title: {q(draw, 'Scaffolded Backstage App')}{trailing(draw)}"]
    if draw(st.booleans()):
        out += ["", f"{L.pad(1)}# Enable all packages by default", f"{L.pad(1)}packages: all"]
    shape = draw(st.sampled_from(["absent", "null", "block", "block", "flow"]))
    kinds = draw(st.lists(st.sampled_from(["catalog", "home", "guide", "disabled", "enabled"]), max_size=4))
    kinds = [k for i, k in enumerate(kinds) if k not in kinds[:i] or k == "home"][:4]
    if shape == "null" or (shape != "absent" and not kinds):
        out.append(f"{L.pad(1)}extensions:" + draw(st.sampled_from(["", " ~", " ~  # later"])))
    elif shape == "block":
        out.append(f"{L.pad(1)}extensions:")
        out += maybe_comment(draw, L.dash(1), "Default landing page configuration.")
        for k in kinds:
            out += ext_entry_block(draw, L, k)
        out += maybe_comment(draw, L.dash(1), "- page:home: (commented out)")
    elif shape == "flow":
        out.append(f"{L.pad(1)}extensions: [ " + ", ".join(ext_entry_flow(k) for k in kinds) + " ]")
    return out


def section_backend(draw, L: Layout, anchored: bool) -> list[str]:
    out = ["backend:"] + maybe_comment(draw, L.pad(1), "Used for enabling authentication")
    if draw(st.booleans()):
        out.append(f"{L.pad(1)}baseUrl: {q(draw, draw(st.sampled_from(['http://localhost:7007', 'https://backstage.example.com'])))}")
    if draw(st.booleans()):
        out.append(f"{L.pad(1)}listen: {{ port: 7007 }}")
    else:
        out += [f"{L.pad(1)}listen:", f"{L.pad(2)}port: 7007", f"{L.pad(2)}# host: 127.0.0.1"]
    out += [f"{L.pad(1)}csp:", f"{L.pad(2)}connect-src: [\"'self'\", 'http:', 'https:']"]
    out += [f"{L.pad(1)}database:", f"{L.pad(2)}client: better-sqlite3", f"{L.pad(2)}connection:"]
    out.append(f"{L.pad(3)}$include: ./database.yaml" if draw(st.booleans()) else f"{L.pad(3)}$env: DATABASE_URL")
    if anchored:
        out.append(f"{L.pad(1)}cors: *cors")
    else:
        out += [f"{L.pad(1)}cors:", f"{L.pad(2)}methods: [GET, HEAD, PATCH, POST, PUT, DELETE]"]
    return out


def section_other(draw, L: Layout) -> list[str]:
    return draw(st.sampled_from([
        ["organization:", f"{L.pad(1)}name: " + q(draw, "My Company")],
        ["integrations:", f"{L.pad(1)}github:", f"{L.dash(1)}- host: github.com",
         " " * (len(L.dash(1)) + 2) + "token: ${GITHUB_TOKEN}"],
        ["catalog:", f"{L.pad(1)}rules:", f"{L.dash(1)}- allow: [Component, System, API, Resource, Location]"],
        ["permission:", f"{L.pad(1)}# setting this to `false` will disable permissions", f"{L.pad(1)}enabled: true"],
        ["techdocs:", f"{L.pad(1)}builder: 'local' # Alternatives - 'external'"],
        # valid YAML 1.2 that libyaml refuses: the whole file then goes through the fallback parser
        ["proxy:", f"{L.pad(1)}allowed: [page:catalog, https://api.example.com/v1]"],
    ]))


@st.composite
def app_configs(draw) -> tuple[str, Gen]:
    L = Layout(draw(st.sampled_from([2, 4])), draw(st.booleans()), draw(st.sampled_from(["\n", "\r\n"])))
    gen = Gen()
    anchored = draw(st.booleans())
    sections: list[list[str]] = []
    if anchored:
        sections.append(["x-cors: &cors", f"{L.pad(1)}origin: http://localhost:3000", f"{L.pad(1)}credentials: true"])
    candidates = {
        "app": draw(st.sampled_from([True] * 5 + [False])),
        "backend": draw(st.booleans()) or anchored,
        "auth": draw(st.booleans()),
        "kubernetes": draw(st.sampled_from([True, True, False])),
    }
    builders = {
        "app": lambda: section_app(draw, L),
        "backend": lambda: section_backend(draw, L, anchored),
        "auth": lambda: section_auth(draw, L),
        "kubernetes": lambda: section_kubernetes(draw, L, gen),
    }
    order = draw(st.permutations(["app", "backend", "auth", "kubernetes", "other1", "other2"]))
    for name in order:
        if name.startswith("other"):
            if draw(st.booleans()):
                sections.append(section_other(draw, L))
        elif candidates[name]:
            sections.append(builders[name]())
    blank = draw(st.booleans())
    lines: list[str] = []
    if draw(st.booleans()):
        lines.append("---")
    lines += maybe_comment(draw, "", "Backstage app-config (generated)")
    seen_tops: set[str] = set()
    for sec in sections:
        top = sec[0].split(":")[0]
        if top in seen_tops:  # two `other` blocks drew the same section
            continue
        seen_tops.add(top)
        if blank and lines:
            lines.append("")
        lines += maybe_comment(draw, "", f"the {top} section")
        lines += sec
    if draw(st.sampled_from([False] * 9 + [True])):
        lines.append("...")
    text = L.newline.join(lines) + (L.newline if draw(st.sampled_from([True, True, True, False])) else "")
    if draw(st.sampled_from([False] * 9 + [True])):
        text = "\ufeff" + text
    return text, gen


@st.composite
def answers_for(draw, gen: Gen) -> dict[str, Any]:
    answers: dict[str, Any] = {"tenant": draw(st.sampled_from(["abc123", "my-tenant", "t.e_s-t"]))}
    if draw(st.booleans()):
        answers["environment"] = draw(st.sampled_from(["development", "production"]))
    clusters = []
    for name in draw(st.lists(st.sampled_from(NAMES + NEW_NAMES), unique=True, max_size=3)):
        c: dict[str, Any] = {"name": name}
        if name not in gen.clusters or draw(st.booleans()):
            c["url"] = draw(st.sampled_from([f"https://{name}.example.com:6443", f"https://10.0.0.{len(name)}:6443"]))
        tls = draw(st.sampled_from(["none", "skip", "skip-false", "caData", "caFile"]))
        if tls == "skip":
            c["skipTLSVerify"] = True
        elif tls == "skip-false":
            c["skipTLSVerify"] = False
        elif tls == "caData":
            c["caData"] = CA_DATA
        elif tls == "caFile":
            c["caFile"] = CA_FILE
        clusters.append(c)
    if clusters:
        answers["clusters"] = clusters
    if draw(st.sampled_from([False, False, False, True])):
        answers["clusterProvider"] = {"name": "palette", "includeProjects": ["production"]}
    migratable = [n for n, ap in gen.clusters.items() if ap in (None, "serviceAccount", "oidc")]
    choice = draw(st.sampled_from(["none", "all", "some"]))
    if choice == "all":
        answers["migrate"] = "all"
    elif choice == "some" and migratable:
        answers["migrate"] = draw(st.lists(st.sampled_from(migratable), unique=True, min_size=1))
    return answers


# ---------------------------------------------------------------------------------------------
# the model of what the plan must produce



def _ext_id(entry: Any) -> str | None:
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict) and len(entry) == 1:
        return next(iter(entry))
    return None


def _disabled(entry: Any) -> bool:
    if not isinstance(entry, dict) or len(entry) != 1:
        return False
    v = next(iter(entry.values()))
    return v is False or v == "false" or (isinstance(v, dict) and v.get("disabled") in (True, "true"))


def expected_extensions(exts: Any) -> list:
    if not isinstance(exts, list):
        return [{EXT: False}]
    out = list(exts)
    correct = [i for i, e in enumerate(out) if _ext_id(e) == EXT]
    guide = [i for i, e in enumerate(out) if _ext_id(e) == GUIDE_EXT]
    if correct:
        if not _disabled(out[correct[0]]):
            out[correct[0]] = {EXT: False}
        drop = set(guide)
    elif guide:
        out[guide[0]] = {EXT: False}
        drop = set(guide[1:])
    else:
        out.append({EXT: False})
        drop = set()
    return [e for i, e in enumerate(out) if i not in drop]


def expected_data(orig: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    exp = copy.deepcopy(orig)
    # app.extensions
    app = exp.get("app")
    if not isinstance(app, dict):
        app = exp["app"] = {}
    app["extensions"] = expected_extensions(app.get("extensions"))
    # auth.providers.spectrocloud.<env>
    auth_env = (orig.get("auth") or {}).get("environment")
    env = answers.get("environment") or (auth_env if isinstance(auth_env, str) and "${" not in auth_env else "development")
    desired = {
        "clientId": "${SPECTROCLOUD_CLIENT_ID}", "clientSecret": "${SPECTROCLOUD_CLIENT_SECRET}",
        "authorizationUrl": f"https://console.spectrocloud.com/v1/oidc/tenant/{answers['tenant']}/auth",
    }
    # callbackUrl only when answered: otherwise Backstage's own default (<backend.baseUrl>/api/auth/...)
    # applies per environment, and an existing one is left as it is
    if answers.get("callbackUrl"):
        desired["callbackUrl"] = answers["callbackUrl"]
    if not isinstance(exp.get("auth"), dict):
        exp["auth"] = {}
    if not isinstance(exp["auth"].get("providers"), dict):
        exp["auth"]["providers"] = {}
    providers = exp["auth"]["providers"]
    if not isinstance(providers.get("spectrocloud"), dict):
        providers["spectrocloud"] = {}
    sc = providers["spectrocloud"]
    sc[env] = {**(sc[env] if isinstance(sc.get(env), dict) else {}), **desired}
    # kubernetes
    kube = orig.get("kubernetes")
    clusters_answer = answers.get("clusters", [])
    migrate = answers.get("migrate")
    needs = bool(clusters_answer or migrate)
    k = copy.deepcopy(kube) if isinstance(kube, dict) else None
    if k is not None and "clusters" in k:
        flat = k.pop("clusters")
        k["clusterLocatorMethods"] = [{"type": "config", "clusters": flat}]
        needs = True
    if k is None and needs:
        k = {}
    if k is not None and (needs or "clusterLocatorMethods" in k):
        k.setdefault("serviceLocatorMethod", {"type": "multiTenant"})
    if needs and (k.get("clusterLocatorMethods") or clusters_answer):
        # (with only `migrate` and no locators yet there is nothing to migrate: serviceLocatorMethod alone)
        methods = k.setdefault("clusterLocatorMethods", [{"type": "config", "clusters": []}])
        config = next(m for m in methods if m.get("type") == "config")
        if config.get("clusters") is None:
            config["clusters"] = []
        existing = config["clusters"]
        by_name = {c["name"]: c for c in existing}
        if migrate == "all":
            targets = {c["name"] for c in existing if c.get("authProvider") in (None, "serviceAccount")
                       or (c.get("authProvider") == "oidc" and not c.get("oidcTokenProvider"))}
        else:
            targets = set(migrate or [])
        wanted = {c["name"]: c for c in clusters_answer}
        for name, c in by_name.items():
            if name in targets or name in wanted:
                c["authProvider"] = "oidc"
                c["oidcTokenProvider"] = "spectrocloud"
                c.pop("serviceAccountToken", None)
            if name in wanted:
                a = wanted[name]
                if a.get("url"):
                    c["url"] = a["url"]
                tls = tls_of(a)
                if tls:
                    for key in ("skipTLSVerify", "caData", "caFile"):
                        c.pop(key, None)
                    c.update(tls)
        for a in clusters_answer:
            if a["name"] not in by_name:
                existing.append({"name": a["name"], "url": a["url"], "authProvider": "oidc",
                                 "oidcTokenProvider": "spectrocloud", **tls_of(a)})
    if k is not None:
        exp["kubernetes"] = k
    if answers.get("clusterProvider"):
        exp["spectrocloud"] = {"environments": [{
            "name": "palette", "url": "https://api.spectrocloud.com", "tenant": answers["tenant"],
            "apiToken": "${SPECTROCLOUD_API_TOKEN}",
            "clusterProvider": {"authType": "oidc", "oidcAuthProviderName": "spectrocloud", "includeProjects": ["production"]},
        }]}
    return exp


def tls_of(a: dict[str, Any]) -> dict[str, Any]:
    if a.get("caData"):
        return {"caData": a["caData"]}
    if a.get("caFile"):
        return {"caFile": a["caFile"]}
    if "skipTLSVerify" in a:
        return {"skipTLSVerify": a["skipTLSVerify"]}
    return {}


# ---------------------------------------------------------------------------------------------
# which original lines may change


EDITABLE_TOPS = {"auth", "kubernetes"}


def allowed_lines(text: str) -> set[int]:
    """Lines of the original that the plan may change: app.extensions, auth and kubernetes (their key
    lines included), plus the last line when the file does not end with a line break."""
    doc = parse(text)
    body_lines = text.splitlines(keepends=True)
    allowed: set[int] = set()
    root = doc.root
    if root is None:
        return set(range(len(body_lines)))
    tops = [(k, v) for k, v in root.pairs]
    for _i, (k, v) in enumerate(tops):
        if k.value in EDITABLE_TOPS:
            end_line = doc.line_of(max(v.end - 1, v.start)) if v.end > v.start else k.line
            allowed.update(range(k.line, end_line + 1))
        if k.value == "app" and v.kind == "map":
            found = v.pair("extensions")
            if found is not None:
                ek, ev = found
                end_line = doc.line_of(max(ev.end - 1, ev.start)) if ev.end > ev.start else ek.line
                allowed.update(range(ek.line, end_line + 1))
    if not text.endswith("\n"):
        allowed.add(len(body_lines) - 1)
    return allowed


def first_not_in_order(needles: list[str], haystack: list[str]) -> str | None:
    """The first of `needles` that is not found, in order, in `haystack` (None: all are)."""
    it = iter(haystack)
    for needle in needles:
        if not any(line == needle for line in it):
            return needle
    return None


# ---------------------------------------------------------------------------------------------
# the property


@st.composite
def scenarios(draw):
    text, gen = draw(app_configs())
    return text, draw(answers_for(gen))


@PROPERTY_SETTINGS
@given(scenarios())
def test_engine_invariants(scenario):
    text, answers = scenario
    with tempfile.TemporaryDirectory() as tmp:
        root = make_repo(Path(tmp), app_config=text)
        cfg = root / "app-config.yaml"
        original = cfg.read_bytes()
        assert original == text.encode("utf-8")

        plan = make_plan(root, answers)
        assert [c.rel for c in plan.changes] == ["app-config.yaml"]
        new = plan.changes[0].after

        # parses, and both readers agree
        doc = parse(new)
        assert doc.duplicates == []
        data = safe_load(new)
        assert doc.root.to_python() == data

        # only the edited sections changed: every other original line is still there, in order
        kept = [ln for i, ln in enumerate(text.splitlines(keepends=True)) if i not in allowed_lines(text)]
        missing = first_not_in_order(kept, new.splitlines(keepends=True))
        assert missing is None, f"original line lost or moved: {missing!r}"
        # ... and the line breaks are the file's own
        if "\r\n" in text:
            assert re.search(r"(?<!\r)\n", new) is None
        else:
            assert "\r" not in new
        assert new.startswith("\ufeff") == text.startswith("\ufeff")
        if text.lstrip("\ufeff").startswith("---"):
            assert new.lstrip("\ufeff").startswith("---")

        # the result means what the contract says
        orig = safe_load(text) or {}
        expected = expected_data(orig, answers)
        assert data == expected

        # apply writes exactly the plan; a second plan is empty; undo restores the bytes
        result = apply_plan(plan)
        assert result.written == ["app-config.yaml"]
        assert cfg.read_bytes() == new.encode("utf-8")
        again = make_plan(root, answers)
        assert again.changes == [], again.changes[0].diff(masked=False)
        undo_last(root)
        assert cfg.read_bytes() == original


@settings(max_examples=max(20, EXAMPLES // 5), deadline=None, database=None)
@given(app_configs())
def test_generated_configs_parse_like_a_yaml_12_loader(generated):
    """The generator itself: every config it makes is one both readers accept and agree on."""
    text, _ = generated
    doc = parse(text)
    assert doc.duplicates == []
    assert (doc.root.to_python() if doc.root is not None else None) == safe_load(text)
