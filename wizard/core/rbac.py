"""`spectro-wizard rbac`: RoleBindings / ClusterRoleBindings for SpectroCloud OIDC users and groups.

Once a cluster authenticates users with their SpectroCloud ID token, each user acts as themselves
and needs RBAC. This module renders the bindings from `templates/rbac/*.yaml` (one document per
subject, so adding a user later never rewrites another user's binding), with the subjects named as
the API server will see them: `<username-prefix><email>` and `<groups-prefix><group>`. Those
prefixes must match the API server's `--oidc-username-prefix` / `--oidc-groups-prefix` flags or,
with structured authentication, `jwt[].claimMappings.username.prefix` / `claimMappings.groups.prefix`
of its AuthenticationConfiguration. Both default to "" here.

Everything is validated before anything is rendered (an invalid name is a BadInput: exit 2), and the
rendered text is parsed back and checked against the fields the Kubernetes RBAC schema requires.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wizard.errors import BadInput

API_GROUP = "rbac.authorization.k8s.io"
API_VERSION = f"{API_GROUP}/v1"
DEFAULT_ROLE = "view"
NAME_PREFIX = "spectrocloud-oidc"
MANAGED_BY = "spectro-wizard"
MAX_NAME = 63  # a DNS-1123 label: valid wherever Kubernetes wants a name

_EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_DNS_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# ClusterRole names are path segments; real ones use ':' (system:aggregate-to-view) and '.'
_ROLE_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9:._-]*[A-Za-z0-9])?$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_PLACEHOLDER_RE = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
# values written as plain scalars; anything else is written as a JSON (double-quoted) string
_PLAIN_SAFE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9._/-]*$")
_YAML_WORDS = {"true", "false", "null", "yes", "no", "on", "off", "y", "n"}


class RbacError(BadInput):
    """A user, group, role, namespace or prefix Kubernetes would not accept (exit 2)."""


@dataclass(frozen=True)
class Subject:
    kind: str  # "User" | "Group"
    name: str  # as the API server sees it: prefix + claim value
    given: str  # as the operator typed it

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "apiGroup": API_GROUP, "name": self.name}


@dataclass(frozen=True)
class Binding:
    name: str
    role: str
    subject: Subject
    namespace: str | None = None

    @property
    def kind(self) -> str:
        return "RoleBinding" if self.namespace else "ClusterRoleBinding"

    def to_json(self) -> dict[str, Any]:
        meta: dict[str, Any] = {"name": self.name}
        if self.namespace:
            meta["namespace"] = self.namespace
        meta["labels"] = {"app.kubernetes.io/managed-by": MANAGED_BY}
        return {"apiVersion": API_VERSION, "kind": self.kind, "metadata": meta,
                "roleRef": {"apiGroup": API_GROUP, "kind": "ClusterRole", "name": self.role},
                "subjects": [self.subject.to_json()]}


# ------------------------------------------------------------------------------------------------
# validation


def _check_text(what: str, value: str, max_len: int = 1024) -> None:
    if not value or not value.strip():
        raise RbacError(f"{what} is empty")
    if value != value.strip():
        raise RbacError(f"{what} {value!r} has surrounding spaces")
    if _CONTROL_RE.search(value):
        raise RbacError(f"{what} {value!r} holds control characters")
    if len(value) > max_len:
        raise RbacError(f"{what} is {len(value)} characters long (at most {max_len})")


def _refuse_system(what: str, given: str, final: str) -> None:
    if final.lower().startswith("system:"):
        shown = given if given == final else f"{given} (as the API server sees it: {final})"
        raise RbacError(
            f"{what} {shown!r} is in Kubernetes' reserved system: namespace; binding it would grant the role to "
            "components or to everyone (system:authenticated) — name a real user or group"
        )


def validate_email(value: str) -> str:
    _check_text("--user", value, 254)
    if not _EMAIL_RE.match(value):
        raise RbacError(f"--user {value!r} is not an email address (the ID token's email claim is what the API server sees)")
    return value


def validate_group(value: str) -> str:
    _check_text("--group", value)
    return value


# Kubernetes' default user-facing ClusterRoles: every cluster has them. Any other name is a ClusterRole
# of the user's own, named on purpose (--custom-role), so a typo does not bind a role that does not exist.
BUILT_IN_ROLES = ("view", "edit", "admin", "cluster-admin")


def validate_role(value: str, custom: bool = False) -> str:
    option = "--custom-role" if custom else "--role"
    _check_text(option, value, 253)
    if not _ROLE_RE.match(value):
        raise RbacError(f"{option} {value!r} is not a valid ClusterRole name (lowercase letters, digits, '-', '.' and ':')")
    if not custom and value not in BUILT_IN_ROLES:
        raise RbacError(f"--role {value!r} is not one of Kubernetes' user-facing ClusterRoles ({', '.join(BUILT_IN_ROLES)}); "
                        f"to bind a ClusterRole of your own, name it with --custom-role {value} (it must exist in each "
                        f"cluster: kubectl get clusterrole {value})")
    return value


def validate_namespace(value: str) -> str:
    _check_text("--namespace", value, 63)
    if not _DNS_LABEL_RE.match(value):
        raise RbacError(f"--namespace {value!r} is not a valid namespace name (lowercase letters, digits and '-', at most 63)")
    return value


def validate_prefix(what: str, value: str) -> str:
    if value == "":
        return value
    if value != value.strip() or _CONTROL_RE.search(value) or len(value) > 253:
        raise RbacError(f"{what} {value!r} is not a usable prefix (no spaces around it, no control characters)")
    return value


def make_subjects(
    users: Iterable[str] = (), groups: Iterable[str] = (), *, username_prefix: str = "", groups_prefix: str = "",
    username_claim: str = "email",
) -> list[Subject]:
    """Validated subjects, named as the API server sees them; duplicates dropped, order kept."""
    validate_prefix("--username-prefix", username_prefix)
    validate_prefix("--groups-prefix", groups_prefix)
    out: list[Subject] = []
    seen: set[tuple[str, str]] = set()
    for u in users:
        if username_claim == "email":
            validate_email(u)
        else:
            _check_text("--user", u)
        name = username_prefix + u
        _refuse_system("--user", u, name)
        if ("User", name) not in seen:
            seen.add(("User", name))
            out.append(Subject("User", name, u))
    for g in groups:
        validate_group(g)
        name = groups_prefix + g
        _refuse_system("--group", g, name)
        if ("Group", name) not in seen:
            seen.add(("Group", name))
            out.append(Subject("Group", name, g))
    if not out:
        raise RbacError("name at least one --user EMAIL or --group NAME to bind")
    return out


# ------------------------------------------------------------------------------------------------
# names


def _slug(text: str) -> str:
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9]+", "-", text.lower())).strip("-")


def binding_name(role: str, subject: Subject, namespace: str | None = None) -> str:
    """Deterministic and a valid DNS-1123 label: readable parts plus a hash of the exact subject,
    role and namespace (two subjects that slug alike still get different names)."""
    digest = hashlib.sha256(f"{subject.kind}\n{subject.name}\n{role}\n{namespace or ''}".encode()).hexdigest()[:8]
    head = f"{NAME_PREFIX}-{_slug(role)[:24].strip('-') or 'role'}-{subject.kind.lower()}"
    room = MAX_NAME - len(head) - len(digest) - 2
    slug = _slug(subject.name)[:max(room, 0)].strip("-")
    name = f"{head}-{slug}-{digest}" if slug else f"{head}-{digest}"
    assert len(name) <= MAX_NAME and _DNS_LABEL_RE.match(name), name
    return name


def resolve_role(role: str | None, custom: bool = False) -> str:
    """`view`/`edit`/`admin`/`cluster-admin` are Kubernetes' ClusterRoles of those names; `custom`: a
    ClusterRole of the user's own."""
    return validate_role(DEFAULT_ROLE if role is None else role, custom)


def make_bindings(subjects: Sequence[Subject], role: str = DEFAULT_ROLE, namespace: str | None = None,
                  custom_role: bool = False) -> list[Binding]:
    role = resolve_role(role, custom_role)
    if namespace is not None:
        validate_namespace(namespace)
    return [Binding(binding_name(role, s, namespace), role, s, namespace) for s in subjects]


# ------------------------------------------------------------------------------------------------
# rendering


def _template(kind: str) -> str:
    from wizard.core.resources import templates_dir

    name = "rolebinding.yaml" if kind == "RoleBinding" else "clusterrolebinding.yaml"
    return (templates_dir() / "rbac" / name).read_text(encoding="utf-8")


def fill_template(template: str, values: dict[str, str]) -> str:
    """Replace `{{key}}` placeholders: simple names go in plain, anything else as a JSON string (a
    valid YAML double-quoted scalar whatever it holds); `*_display` values go in as they are (comments; validated
    names without line breaks). A placeholder without a value is an error, never left in the output."""
    def sub(m: re.Match[str]) -> str:
        key = m.group(1)
        if key not in values:
            raise KeyError(f"template placeholder {{{{{key}}}}} has no value")
        v = values[key]
        if key.endswith("_display"):
            if "\n" in v or "\r" in v:
                raise ValueError(f"{key} holds a line break")
            return v
        if _PLAIN_SAFE_RE.match(v) and v.lower() not in _YAML_WORDS:
            return v
        return json.dumps(v, ensure_ascii=False)

    return _PLACEHOLDER_RE.sub(sub, template)


def render_binding(b: Binding) -> str:
    values = {
        "name": b.name, "role": b.role, "subject_kind": b.subject.kind, "subject_name": b.subject.name,
        "role_display": b.role, "subject_kind_display": b.subject.kind.lower(),
    }
    if b.namespace:
        values["namespace"] = b.namespace
        values["namespace_display"] = b.namespace
    return fill_template(_template(b.kind), values)


def header(username_prefix: str = "", groups_prefix: str = "", username_claim: str = "email") -> str:
    from wizard import __version__

    # "" + the email claim reads like a typo: an empty prefix is said as no prefix
    users = (f"{json.dumps(username_prefix)} + the ID token's {username_claim} claim" if username_prefix
             else f"the ID token's {username_claim} claim as it is (no prefix)")
    groups = (f"{json.dumps(groups_prefix)} + each entry of its groups claim" if groups_prefix
              else "each entry of its groups claim as it is (no prefix)")
    lines = [
        f"# RBAC for SpectroCloud OIDC users, written by spectro-wizard {__version__}.",
        f"# Subjects are named as the API server sees them: users are {users},",
        f"# groups are {groups}.",
        "# These prefixes must match the API server's --oidc-username-prefix and",
        "# --oidc-groups-prefix flags, or claimMappings.username.prefix / claimMappings.groups.prefix of the",
        "# jwt[] issuer in its AuthenticationConfiguration (change them with --username-prefix / --groups-prefix).",
    ]
    if username_claim != "email" and not username_prefix:
        lines.append("# Note: with --oidc-username-claim other than email and no --oidc-username-prefix, the API server")
        lines.append("# prefixes usernames with the issuer URL and '#'; pass that as --username-prefix.")
    lines.append("# Apply to each cluster with an admin kubeconfig: kubectl --context <cluster> apply -f <this file>")
    return "\n".join(_CONTROL_RE.sub("?", ln) for ln in lines) + "\n"


def render(
    users: Iterable[str] = (), groups: Iterable[str] = (), *, role: str | None = DEFAULT_ROLE,
    namespace: str | None = None, username_prefix: str = "", groups_prefix: str = "", username_claim: str = "email",
    with_header: bool = True, custom_role: bool = False,
) -> str:
    """The manifests: one (Cluster)RoleBinding per subject, documents separated by `---`."""
    subjects = make_subjects(users, groups, username_prefix=username_prefix, groups_prefix=groups_prefix,
                             username_claim=username_claim)
    bindings = make_bindings(subjects, DEFAULT_ROLE if role is None else role, namespace, custom_role)
    docs = [render_binding(b) for b in bindings]
    text = (header(username_prefix, groups_prefix, username_claim) if with_header else "") + "".join(
        "---\n" + d if d.endswith("\n") else "---\n" + d + "\n" for d in docs)
    check_manifests(text, [b.to_json() for b in bindings])
    return text


def identity_binding_yaml(user: str | None, groups: Sequence[str] = (), namespace: str | None = None,
                          role: str = DEFAULT_ROLE) -> str:
    """ONE ClusterRoleBinding (or RoleBinding in `namespace`) for the identity an API server reported
    (verify's RBAC check): the names are taken as the API server sees them, prefixes included, so they
    are not checked as emails. Names are emitted as JSON strings, valid YAML scalars whatever they hold."""
    kind = "RoleBinding" if namespace else "ClusterRoleBinding"
    lines = ["apiVersion: rbac.authorization.k8s.io/v1", f"kind: {kind}", "metadata:",
             f"  name: spectrocloud-oidc-{role}"]
    if namespace:
        lines.append(f"  namespace: {json.dumps(namespace)}")
    lines += ["roleRef:", "  apiGroup: rbac.authorization.k8s.io", "  kind: ClusterRole", f"  name: {role}",
              "subjects:"]
    for subject_kind, name in [("User", user)] * bool(user) + [("Group", g) for g in groups]:
        lines += [f"  - kind: {subject_kind}", "    apiGroup: rbac.authorization.k8s.io",
                  f"    name: {json.dumps(name)}"]
    return "\n".join(lines) + "\n"


def command(users: Sequence[str], groups: Sequence[str], role: str | None = None, namespace: str | None = None,
            output: str | None = "rbac.yaml", username_prefix: str = "", groups_prefix: str = "") -> str:
    """The `spectro-wizard rbac ...` command line that writes these bindings (for hints and the TUI)."""
    import shlex

    parts = ["spectro-wizard", "rbac"]
    for u in users:
        parts += ["--user", shlex.quote(u)]
    for g in groups:
        if not g.lower().startswith("system:"):
            parts += ["--group", shlex.quote(g)]
    if role and role != DEFAULT_ROLE:
        parts += ["--role", shlex.quote(role)]
    if namespace:
        parts += ["--namespace", shlex.quote(namespace)]
    if username_prefix:
        parts += ["--username-prefix", shlex.quote(username_prefix)]
    if groups_prefix:
        parts += ["--groups-prefix", shlex.quote(groups_prefix)]
    if output:
        parts += ["--output", shlex.quote(output)]
    return " ".join(parts)


# ------------------------------------------------------------------------------------------------
# self-check: what Kubernetes' schema requires of a RoleBinding / ClusterRoleBinding


def schema_problems(doc: Any) -> list[str]:
    problems: list[str] = []
    if not isinstance(doc, dict):
        return ["a document is not a mapping"]
    if doc.get("apiVersion") != API_VERSION:
        problems.append(f"apiVersion is {doc.get('apiVersion')!r}, not {API_VERSION}")
    kind = doc.get("kind")
    if kind not in ("RoleBinding", "ClusterRoleBinding"):
        problems.append(f"kind {kind!r}")
    meta = doc.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or not _DNS_LABEL_RE.match(meta["name"]):
        problems.append("metadata.name missing or not a DNS-1123 name")
    elif kind == "RoleBinding" and not (isinstance(meta.get("namespace"), str) and _DNS_LABEL_RE.match(meta["namespace"])):
        problems.append("a RoleBinding needs metadata.namespace")
    elif kind == "ClusterRoleBinding" and "namespace" in meta:
        problems.append("a ClusterRoleBinding has no namespace")
    ref = doc.get("roleRef")
    if not isinstance(ref, dict) or ref.get("apiGroup") != API_GROUP or ref.get("kind") not in ("ClusterRole", "Role") \
            or not isinstance(ref.get("name"), str) or not ref["name"]:
        problems.append("roleRef needs apiGroup rbac.authorization.k8s.io, kind and name")
    subjects = doc.get("subjects")
    if not isinstance(subjects, list) or not subjects:
        problems.append("subjects is empty")
    else:
        for s in subjects:
            if not isinstance(s, dict) or s.get("kind") not in ("User", "Group") or s.get("apiGroup") != API_GROUP \
                    or not isinstance(s.get("name"), str) or not s["name"]:
                problems.append(f"subject {s!r} needs kind User/Group, apiGroup {API_GROUP} and a name")
    return problems


def load_documents(text: str) -> list[Any]:
    from ruamel.yaml import YAML

    return [d for d in YAML(typ="safe", pure=True).load_all(text) if d is not None]


def check_manifests(text: str, expected: list[dict[str, Any]] | None = None) -> list[Any]:
    """Parse the rendered text back; refuse it (a bug, not user input) unless it says what was meant."""
    docs = load_documents(text)
    problems = [p for d in docs for p in schema_problems(d)]
    if expected is not None and docs != expected:
        problems.append("the rendered manifests do not read back as intended")
    if problems:
        raise RuntimeError("rbac: rendered invalid manifests: " + "; ".join(problems))
    return docs


def write(path: Path, text: str) -> Path:
    """Write the manifests (atomically); the directory must exist."""
    from wizard.core.apply import write_output

    return write_output(path, text, "rbac.yaml")


__all__ = [
    "Binding", "RbacError", "Subject", "binding_name", "check_manifests", "identity_binding_yaml", "command", "fill_template",
    "load_documents", "make_bindings", "make_subjects", "render", "render_binding", "resolve_role", "schema_problems",
    "write",
]
