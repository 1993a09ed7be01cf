"""The sample texts the tests (and the benchmarks) feed the wizard: app-configs and answers.

- `CREATE_APP_CONFIG`: a create-app style app-config.yaml, trimmed but keeping every feature a patcher
  must respect (comments everywhere, `kubernetes:` with only a comment under it, `guest: {}`,
  app.extensions with page:catalog config, flow maps and sequences, quoted scalars, ${VAR} references).
  The demo app (templates/demo-app) has the same empty `kubernetes:` section: `KUBERNETES_PLACEHOLDER`.
- Legacy cluster blocks (a `kubernetes:` section that replaces the placeholder): `LEGACY_KUBERNETES`,
  `MIXED_KUBERNETES`, `TWO_LEGACY_KUBERNETES`, and the migration app's two files.
- Many-cluster generators: `many_clusters_config(n)` (the create-app config with N clusters in the mix a
  real migration sees: service-account clusters with caData or skipTLSVerify, clusters already on
  SpectroCloud OIDC, quoted URLs and flow-style dashboard parameters) with `many_clusters_answers(n)`,
  and `many_clusters_block(n)` (N plain clusters, half of them on service accounts, for the TUI).
- Answers: `DEFAULT_ANSWERS`, and a CA certificate for caData/caFile answers (`CA_PEM`, `CA_FILE`).

bench/ imports this module (never the other way round).
"""

from __future__ import annotations

import base64
import json
import tempfile
from pathlib import Path
from typing import Any

from tests.support.net import CLOSED_PORT

# ------------------------------------------------------------------------------------------------
# the create-app config

CREATE_APP_CONFIG = """\
app:
  title: Scaffolded Backstage App
  baseUrl: http://localhost:3000

  # Enable all packages by default, this will discover packages from packages/app/package.json
  packages: all

  extensions:
    # Default landing page configuration.
    # The catalog is mounted at /catalog by default but is overridden here to
    # serve as the root page.
    - page:catalog:
        config:
          path: /
    # - page:home:
    #     config:
    #       path: /

organization:
  name: My Company

backend:
  # Used for enabling authentication, secret is shared by all backend plugins
  # auth:
  #   keys:
  #     - secret: ${BACKEND_SECRET}
  baseUrl: http://localhost:7007
  listen: { port: 7007 }
  csp:
    connect-src: ["'self'", 'http:', 'https:']
    # Content-Security-Policy directives follow the Helmet format
  cors:
    origin: http://localhost:3000
    methods: [GET, HEAD, PATCH, POST, PUT, DELETE]
    credentials: true
  database:
    client: better-sqlite3
    connection: ':memory:'

integrations:
  github:
    - host: github.com
      # This is a Personal Access Token or PAT from GitHub.
      token: ${GITHUB_TOKEN}

techdocs:
  builder: 'local' # Alternatives - 'external'
  generator:
    runIn: 'docker' # Alternatives - 'local'

auth:
  # see https://backstage.io/docs/auth/ to learn about auth providers
  providers:
    # See https://backstage.io/docs/auth/guest/provider
    guest: {}

catalog:
  rules:
    - allow: [Component, System, API, Resource, Location]
  locations:
    # Local example data
    - type: file
      target: ../../examples/entities.yaml

kubernetes:
  # see https://backstage.io/docs/features/kubernetes/configuration for kubernetes configuration options

# see https://backstage.io/docs/permissions/getting-started for more on the permission framework
permission:
  # setting this to `false` will disable permissions
  enabled: true
"""

# the empty `kubernetes:` section of CREATE_APP_CONFIG and of the demo app's app-config.yaml
KUBERNETES_PLACEHOLDER = (
    "kubernetes:\n"
    "  # see https://backstage.io/docs/features/kubernetes/configuration for kubernetes configuration options\n"
)


def with_kubernetes(text: str, block: str) -> str:
    """`text` (a create-app config) with its empty `kubernetes:` section replaced by `block`."""
    assert KUBERNETES_PLACEHOLDER in text, "the create-app config changed shape: no empty kubernetes: section"
    return text.replace(KUBERNETES_PLACEHOLDER, block, 1)


# ------------------------------------------------------------------------------------------------
# legacy cluster blocks (each replaces KUBERNETES_PLACEHOLDER)

# two clusters on one shared service-account token, on the closed loopback port (the TUI's migration case)
LEGACY_KUBERNETES = f"""\
kubernetes:
  # see https://backstage.io/docs/features/kubernetes/configuration for kubernetes configuration options
  serviceLocatorMethod:
    type: multiTenant
  clusterLocatorMethods:
    - type: config
      clusters:
        # the production cluster, still on a shared token
        - name: legacy-prod
          url: https://127.0.0.1:{CLOSED_PORT}
          authProvider: serviceAccount
          serviceAccountToken: ${{LEGACY_TOKEN}}
          skipTLSVerify: true
        - name: legacy-dev
          url: https://127.0.0.1:{CLOSED_PORT}
          authProvider: serviceAccount
          serviceAccountToken: ${{LEGACY_TOKEN}}
          skipTLSVerify: true
"""

# one cluster of each state: service account, OIDC without the token provider, another provider
MIXED_KUBERNETES = f"""\
kubernetes:
  serviceLocatorMethod:
    type: multiTenant
  clusterLocatorMethods:
    - type: config
      clusters:
        - name: legacy-prod
          url: https://127.0.0.1:{CLOSED_PORT}
          authProvider: serviceAccount
          serviceAccountToken: ${{LEGACY_TOKEN}}
          skipTLSVerify: true
        - name: half-done
          url: https://127.0.0.1:{CLOSED_PORT}
          authProvider: oidc
          skipTLSVerify: true
        - name: on-google
          url: https://127.0.0.1:{CLOSED_PORT}
          authProvider: google
"""

# two service-account clusters with their own tokens (a migration in two waves)
TWO_LEGACY_KUBERNETES = (
    "kubernetes:\n  serviceLocatorMethod:\n    type: multiTenant\n  clusterLocatorMethods:\n    - type: config\n      clusters:\n"
    "        - name: legacy-prod\n          url: https://10.1.0.1:6443\n          authProvider: serviceAccount\n"
    "          serviceAccountToken: ${LEGACY_TOKEN}\n          skipTLSVerify: true\n"
    "        - name: legacy-dev\n          url: https://10.1.0.2:6443\n          authProvider: serviceAccount\n"
    "          serviceAccountToken: ${DEV_TOKEN}\n          skipTLSVerify: true\n"
)

# The migration app (repos.make_repo(..., preset="migration")): service-account clusters in
# app-config.yaml AND app-config.local.yaml, a GKE cluster that must stay as it is, and a SpectroCloud
# cluster-provider environment in serviceAccount mode with custom `rbac` names. `@KUBE@` is the URL of
# every service-account cluster (make_repo's `kube_url`: a loopback double in the verify tests).
MIGRATION_APP_CONFIG = """\
app:
  title: Migration test app
  baseUrl: http://localhost:3000
  packages: all
  extensions:
    - page:catalog:
        config:
          path: /

backend:
  baseUrl: http://127.0.0.1:9
  listen: { port: 7007 }

auth:
  providers:
    guest: {}

kubernetes:
  serviceLocatorMethod:
    type: multiTenant
  clusterLocatorMethods:
    - type: config
      clusters:
        # the first wave
        - name: legacy-a
          url: @KUBE@
          authProvider: serviceAccount
          serviceAccountToken: ${LEGACY_A_TOKEN}
          skipTLSVerify: true
        - name: legacy-b
          url: @KUBE@
          serviceAccountToken: ${SHARED_SA_TOKEN}   # same token as legacy-c
          skipTLSVerify: true
        - name: gke-prod
          url: https://gke.example.com
          authProvider: google

spectrocloud:
  environments:
    - name: palette
      url: https://api.spectrocloud.com
      tenant: acme
      apiToken: ${PALETTE_API_TOKEN}
      clusterProvider:
        authType: serviceAccount
        rbac:
          namespace: backstage-ops
          serviceAccountName: bs-reader
"""

MIGRATION_LOCAL_CONFIG = """\
# local overrides
kubernetes:
  clusterLocatorMethods:
    - type: config
      clusters:
        - name: legacy-c
          url: @KUBE@
          authProvider: serviceAccount
          serviceAccountToken: ${SHARED_SA_TOKEN}
          skipTLSVerify: true
        - name: legacy-a
          url: @KUBE@
          authProvider: serviceAccount
          serviceAccountToken: ${LEGACY_A_TOKEN}
          skipTLSVerify: true
"""

KUBE_URL_MARK = "@KUBE@"
DEFAULT_KUBE_URL = "https://k8s.example.com:6443"


# ------------------------------------------------------------------------------------------------
# many clusters

# A tiny but syntactically real PEM, base64'd the way kubeconfig/app-config carry caData.
_BENCH_CA_PEM = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBszCCAVmgAwIBAgIUQmVuY2htYXJrQ0FGb3JTcGVjdHJvV2l6YXJkMAoGCCqGSM49\n"
    "BAMCMCQxIjAgBgNVBAMMGWJlbmNoIGNsdXN0ZXIgQ0EgKHRydXN0bWUpMB4XDTI1MDEw\n"
    "-----END CERTIFICATE-----\n"
)
CA_DATA = base64.b64encode(_BENCH_CA_PEM.encode("ascii")).decode("ascii")

REGIONS = ("eu-west-1", "us-east-1", "ap-south-1", "us-west-2")
TEAMS = ("payments", "search", "platform", "data", "identity")

_LOCATOR = """\
  serviceLocatorMethod:
    type: 'multiTenant'
  clusterLocatorMethods:
    - type: 'config'
      clusters:
"""


def cluster_name(i: int) -> str:
    return f"cluster-{i:05d}"


def cluster_block(i: int, url: str | None = None, ca_data: str | None = None) -> str:
    """One cluster entry of many_clusters_config, 8 spaces deep (under `clusters:`). `ca_data` is the
    caData value as written (an alias `*acmeCA`, or `&acmeCA <base64>`, in the anchored fleet)."""
    name = cluster_name(i)
    team, region = TEAMS[i % len(TEAMS)], REGIONS[i % len(REGIONS)]
    host = url or f"https://{name}.{region}.k8s.example.com:6443"
    kind = i % 4
    lines = [f"        # {name}: team {team}, {region}"]
    lines.append(f"        - name: {name}")
    if kind == 3:
        lines.append(f'          url: "{host}"')
    else:
        lines.append(f"          url: {host}")
    if kind == 0:  # service account, token from the environment, verified TLS
        lines.append("          authProvider: serviceAccount")
        lines.append(f"          serviceAccountToken: ${{K8S_TOKEN_{i:05d}}}")
        lines.append(f"          caData: {ca_data or CA_DATA}")
    elif kind == 1:  # service account, lab cluster
        lines.append("          authProvider: 'serviceAccount'")
        lines.append(f"          serviceAccountToken: ${{K8S_TOKEN_{i:05d}}}")
        lines.append("          skipTLSVerify: true # lab only")
    elif kind == 2:  # already migrated
        lines.append("          authProvider: oidc")
        lines.append("          oidcTokenProvider: spectrocloud")
        lines.append(f"          caData: {ca_data or CA_DATA}")
    else:  # oidc, flow-style extras, quoted values
        lines.append("          authProvider: \"oidc\"")
        lines.append("          oidcTokenProvider: 'spectrocloud'")
        lines.append(f"          dashboardParameters: {{ region: {region}, team: {team} }}")
        lines.append(f"          caData: {ca_data or CA_DATA}")
    return "\n".join(lines) + "\n"


def many_clusters_config(n: int, urls: list[str] | None = None, ca_data: str | None = None) -> str:
    """CREATE_APP_CONFIG with `n` clusters under kubernetes.clusterLocatorMethods[type: config]:
    a quarter service-account clusters with caData, a quarter service-account lab clusters
    (skipTLSVerify), half already on SpectroCloud OIDC. `urls[i]` replaces cluster i's URL."""
    body = "".join(cluster_block(i, urls[i] if urls else None, ca_data) for i in range(n))
    return with_kubernetes(CREATE_APP_CONFIG, KUBERNETES_PLACEHOLDER + _LOCATOR + body)


ANCHOR = "acmeCA"


def anchored_fleet_config(n: int) -> str:
    """many_clusters_config(n) as real fleets write it: the clusters share their CA through a YAML
    anchor, defined on the first cluster with caData (`caData: &acmeCA <base64>`) and named by the
    others (`caData: *acmeCA`)."""
    body = "".join(cluster_block(i, None, (f"&{ANCHOR} {CA_DATA}" if i == 0 else f"*{ANCHOR}")) for i in range(n))
    return with_kubernetes(CREATE_APP_CONFIG, KUBERNETES_PLACEHOLDER + _LOCATOR + body)


def many_clusters_answers(n: int, scenario: str = "typical") -> dict[str, Any]:
    """Answers for many_clusters_config(n). typical: tenant + one new cluster + migrate up to 10 named
    service-account clusters; all: `migrate: all`."""
    a: dict[str, Any] = {
        "tenant": "abc123",
        "clusters": [{"name": "new-cluster", "url": "https://new-cluster.example.com:6443", "caData": CA_DATA}],
        "installPackage": False,
    }
    if scenario == "all":
        a["migrate"] = "all"
    else:
        sa = [cluster_name(i) for i in range(n) if i % 4 in (0, 1)]
        if sa:
            a["migrate"] = sa[:: max(1, len(sa) // 10)][:10]
    return a


def answers_yaml(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2) + "\n"  # JSON is YAML


def many_clusters_block(n: int) -> str:
    """A `kubernetes:` section with `n` clusters cluster-0000..: odd ones on a service account
    (${LEGACY_TOKEN}), even ones on SpectroCloud OIDC; URLs https://k8s-<i>.example.com:6443."""
    lines = [
        "kubernetes:",
        "  serviceLocatorMethod:",
        "    type: multiTenant",
        "  clusterLocatorMethods:",
        "    - type: config",
        "      clusters:",
    ]
    for i in range(n):
        auth = "serviceAccount" if i % 2 else "oidc"
        lines += [
            f"        - name: cluster-{i:04d}",
            f"          url: https://k8s-{i}.example.com:6443",
            f"          authProvider: {auth}",
        ]
        lines.append("          serviceAccountToken: ${LEGACY_TOKEN}" if i % 2 else "          oidcTokenProvider: spectrocloud")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------------
# answers

DEFAULT_ANSWERS: dict[str, Any] = {
    "tenant": "abc123",
    "clusters": [{"name": "my-cluster", "url": "https://my-cluster.example.com:6443", "skipTLSVerify": True}],
}

def _real_ca_pem() -> bytes:
    """A real CA certificate (trustme): a caFile must hold one `ssl` can load, as Backstage must."""
    import trustme

    return trustme.CA().cert_pem.bytes()


CA_PEM = _real_ca_pem()


def _ca_file() -> str:
    """A readable PEM file for answers with `caFile:` (the loader refuses one it cannot read)."""
    path = Path(tempfile.gettempdir()) / "spectro-wizard-tests" / "ca.pem"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(CA_PEM)
    return str(path)


CA_FILE = _ca_file()


def verify_app_config(authorization_url: str, callback_url: str, kube_url: str, ca_b64: str, legacy_port: int) -> str:
    """A configured app for `verify`: the SpectroCloud provider at `authorization_url`, an OIDC cluster
    my-cluster at `kube_url` (caData `ca_b64`) and a service-account cluster legacy-prod on a loopback
    port nothing listens on."""
    return f"""\
backend:
  baseUrl: http://localhost:7007
auth:
  providers:
    guest: {{}}
    spectrocloud:
      development:
        clientId: ${{SPECTROCLOUD_CLIENT_ID}}
        clientSecret: ${{SPECTROCLOUD_CLIENT_SECRET}}
        authorizationUrl: {authorization_url}
        callbackUrl: {callback_url}
kubernetes:
  serviceLocatorMethod:
    type: multiTenant
  clusterLocatorMethods:
    - type: config
      clusters:
        - name: my-cluster
          url: {kube_url}
          authProvider: oidc
          oidcTokenProvider: spectrocloud
          caData: {ca_b64}
        - name: legacy-prod
          url: https://127.0.0.1:{legacy_port}
          authProvider: serviceAccount
          serviceAccountToken: ${{LEGACY_TOKEN}}
          skipTLSVerify: true
"""
