"""One spec per answer field: its label, its default, its rule and the sentence a bad value gets.

The answers-file loader, the TUI's forms and the plain prompts all ask `problem(key, value)`, so the
same bad answer gets the same verdict and the same sentence in every front end. A rule returns None
for a good value, else what is wrong with it (one sentence, no field name: callers put the field's
key or place in front of it).

Where tokens travel (a cluster's API server, the SpectroCloud console, the Palette API) a URL must
be https; plain http is accepted only for loopback hosts (localhost, 127.0.0.0/8, ::1), which tests
and local proxies use.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Kubernetes names: a DNS-1123 label (namespaces, Helm releases) and subdomain (ConfigMaps, Secrets)
K8S_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
K8S_SUBDOMAIN_RE = re.compile(r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
NAME_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")
TENANT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_LEADING_ENV_REF = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}")

# The sign-in resolvers the SpectroCloud auth backend module knows (0.8.0); with any other name the
# backend skips the whole provider ("Skipping spectrocloud auth provider").
SIGN_IN_RESOLVERS = ("emailMatchingUserEntityProfileEmail", "emailLocalPartMatchingUserEntityName")


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _url_problem(value: str, *, https_only: bool, example: str, allow_env_prefix: bool = False) -> str | None:
    if allow_env_prefix and _LEADING_ENV_REF.match(value):
        return None  # `${BASE_URL}/...`: scheme and host come from the environment where Backstage runs
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"{value!r} is not an http(s) URL (e.g. {example})"
    try:
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return f"{value!r} has an invalid port"
    if https_only and parts.scheme == "http" and not is_loopback_host(host):
        return (f"{value!r} uses plain http, which would send users' tokens unencrypted; use https "
                "(http is accepted only for localhost and 127.0.0.1)")
    return None


def _https_url(example: str) -> Callable[[str], str | None]:
    return lambda v: _url_problem(v, https_only=True, example=example, allow_env_prefix=True)


def _http_url(example: str, allow_env_prefix: bool = False) -> Callable[[str], str | None]:
    return lambda v: _url_problem(v, https_only=False, example=example, allow_env_prefix=allow_env_prefix)


def _redirect_problem(value: str) -> str | None:
    """kubelogin's loopback redirect: the sign-in comes back to this machine, over plain http."""
    if (problem := _url_problem(value, https_only=False, example="http://localhost:8000")) is not None:
        return problem
    parts = urlsplit(value)
    if parts.scheme != "http" or not is_loopback_host(parts.hostname):
        return (f"{value}: the sign-in comes back to this machine, so the redirect must be http on a loopback "
                "address (http://localhost:PORT/... or http://127.0.0.1:PORT/...), registered with the OIDC client")
    return None


def _matches(regex: re.Pattern[str], what: str) -> Callable[[str], str | None]:
    return lambda v: None if regex.match(v) else f"{v!r} is not {what}"


def ca_file_problem(value: str, base_dir: Path | None = None) -> str | None:
    """A caFile must be a readable PEM certificate (Backstage reads it when it starts)."""
    path = Path(value).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    from wizard.core.cafile import load_ca_file
    from wizard.errors import BadInput

    try:  # regular files only, capped, and a certificate `ssl` can load: Backstage reads it when it starts
        load_ca_file(path, "CA file")
    except BadInput as exc:
        return str(exc).replace(f"CA file {path}", f"CA file {value}", 1)
    return None


def ca_data_problem(value: str) -> str | None:
    try:
        pem = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return "is not base64 (caData is the base64 of a PEM certificate, as in a kubeconfig)"
    if b"-----BEGIN CERTIFICATE-----" not in pem:
        return "does not decode to a PEM certificate (no BEGIN CERTIFICATE block)"
    return None


def resolver_problem(value: str) -> str | None:
    if value in SIGN_IN_RESOLVERS:
        return None
    return (f"{value!r} is not a sign-in resolver of the SpectroCloud auth module (it knows "
            f"{' and '.join(SIGN_IN_RESOLVERS)}); with another name Backstage skips the whole provider")


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str  # what a form or prompt calls it
    rule: Callable[[str], str | None]
    default: str | None = None
    placeholder: str = ""  # an example, for an empty form field


_ENV_RULE = _matches(ENV_NAME_RE, "an environment variable name (letters, digits and _, not starting with a digit)")
_NAME_CHARS = "letters, digits, '.', '_' and '-', starting and ending with a letter or digit"

FIELDS: dict[str, FieldSpec] = {f.key: f for f in (
    FieldSpec("consoleUrl", "Console URL", _https_url("https://console.spectrocloud.com"), "https://console.spectrocloud.com"),
    FieldSpec("tenant", "Tenant", _matches(TENANT_RE, "a tenant name (letters, digits, '.', '_' and '-')"),
              placeholder="your tenant, e.g. acme"),
    FieldSpec("environment", "Auth environment", _matches(NAME_RE, "a valid auth environment name, e.g. development"),
              "development"),
    FieldSpec("authorizationUrl", "Authorization URL",
              _http_url("https://console.spectrocloud.com/v1/oidc/tenant/acme/auth", allow_env_prefix=True)),
    FieldSpec("callbackUrl", "Callback URL",
              _http_url("http://localhost:7007/api/auth/spectrocloud/handler/frame", allow_env_prefix=True)),
    FieldSpec("clientIdEnv", "Client ID variable", _ENV_RULE, "SPECTROCLOUD_CLIENT_ID"),
    FieldSpec("clientSecretEnv", "Client secret variable", _ENV_RULE, "SPECTROCLOUD_CLIENT_SECRET"),
    FieldSpec("scope", "Scopes", lambda v: None if "openid" in v.split() else
              f"{v!r} must include openid (the module needs openid profile email)", placeholder="openid profile email groups"),
    FieldSpec("signInResolver", "Sign-in resolver", resolver_problem),
    # a cluster
    FieldSpec("name", "Cluster name", _matches(NAME_RE, f"a valid cluster name ({_NAME_CHARS})"), placeholder="e.g. prod-eu-1"),
    FieldSpec("url", "API server URL", _https_url("https://my-cluster.example.com:6443"),
              placeholder="https://prod-eu-1.example.com:6443"),
    FieldSpec("caFile", "CA certificate file", ca_file_problem, placeholder="CA certificate file (PEM), e.g. ~/certs/ca.pem"),
    FieldSpec("caData", "CA data", ca_data_problem),
    # the cluster provider and Palette
    FieldSpec("providerName", "Environment name", _matches(NAME_RE, f"a valid environment name ({_NAME_CHARS})"), "palette"),
    FieldSpec("paletteUrl", "Palette API URL", _https_url("https://api.spectrocloud.com"), "https://api.spectrocloud.com"),
    FieldSpec("apiTokenEnv", "API key variable", _ENV_RULE, "SPECTROCLOUD_API_TOKEN"),
    # the deployment (Helm chart values or a Red Hat Developer Hub Backstage CR)
    FieldSpec("release", "Helm release", _matches(K8S_LABEL_RE, "a Helm release name (lowercase letters, digits and '-')"),
              "backstage"),
    FieldSpec("namespace", "Namespace", _matches(K8S_LABEL_RE, "a namespace name (lowercase letters, digits and '-', at "
                                                               "most 63)"), "backstage"),
    FieldSpec("k8sName", "Kubernetes object name", _matches(K8S_SUBDOMAIN_RE, "a Kubernetes object name (lowercase "
                                                                              "letters, digits, '-' and '.')")),
    FieldSpec("secretName", "Secret name", _matches(K8S_SUBDOMAIN_RE, "a Secret name (lowercase letters, digits, '-' "
                                                                      "and '.')"), placeholder="<release>-spectrocloud"),
    # verify
    FieldSpec("backendUrl", "Backend URL", _http_url("http://localhost:7007"), placeholder="backend URL (default backend.baseUrl)"),
    FieldSpec("redirectUrl", "Sign-in redirect URL", _redirect_problem, placeholder="http://localhost:8000"),
)}


def problem(key: str, value: str, base_dir: Path | None = None) -> str | None:
    """None when `value` is acceptable for field `key`, else the sentence saying what is wrong."""
    spec = FIELDS[key]
    value = (value or "").strip()
    if not value:
        return "missing: " + (f"give the {spec.label.lower()}" + (f" ({spec.placeholder})" if spec.placeholder else ""))
    if key == "caFile":
        return ca_file_problem(value, base_dir)
    return spec.rule(value)
