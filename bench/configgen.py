"""Generated Backstage repos with N clusters, for the benchmarks and the crash/hostile tests.

The app-config is create-app style (comments everywhere, quoted scalars, flow collections,
`${VAR}` references) with a `kubernetes.clusterLocatorMethods[type: config]` list of N clusters
in the mix a real migration sees: service-account clusters (token from an env var, some with
caData, some skipTLSVerify), clusters already on SpectroCloud OIDC, and a few with quoted URLs
and flow-style dashboard parameters.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

# A tiny but syntactically real PEM, base64'd the way kubeconfig/app-config carry caData.
_CA_PEM = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBszCCAVmgAwIBAgIUQmVuY2htYXJrQ0FGb3JTcGVjdHJvV2l6YXJkMAoGCCqGSM49\n"
    "BAMCMCQxIjAgBgNVBAMMGWJlbmNoIGNsdXN0ZXIgQ0EgKHRydXN0bWUpMB4XDTI1MDEw\n"
    "-----END CERTIFICATE-----\n"
)
CA_DATA = base64.b64encode(_CA_PEM.encode("ascii")).decode("ascii")

HEADER = """\
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
  listen:
    port: 7007
    # host: 127.0.0.1
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

proxy:
  ### Example for how to add a proxy endpoint for the frontend.
  # endpoints:
  #   '/test':
  #     target: 'https://example.com'
  #     changeOrigin: true

techdocs:
  builder: 'local' # Alternatives - 'external'
  generator:
    runIn: 'docker' # Alternatives - 'local'
  publisher:
    type: 'local' # Alternatives - 'googleGcs' or 'awsS3'.

auth:
  # see https://backstage.io/docs/auth/ to learn about auth providers
  providers:
    # See https://backstage.io/docs/auth/guest/provider
    guest: {}

catalog:
  import:
    entityFilename: catalog-info.yaml
    pullRequestBranchName: backstage-integration
  rules:
    - allow: [Component, System, API, Resource, Location]
  locations:
    # Local example data, file locations are relative to the backend process
    - type: file
      target: ../../examples/entities.yaml

kubernetes:
  # see https://backstage.io/docs/features/kubernetes/configuration for kubernetes configuration options
  serviceLocatorMethod:
    type: 'multiTenant'
  clusterLocatorMethods:
    - type: 'config'
      clusters:
"""

FOOTER = """\

# see https://backstage.io/docs/permissions/getting-started for more on the permission framework
permission:
  # setting this to `false` will disable permissions
  enabled: true
"""

REGIONS = ("eu-west-1", "us-east-1", "ap-south-1", "us-west-2")
TEAMS = ("payments", "search", "platform", "data", "identity")


def cluster_name(i: int) -> str:
    return f"cluster-{i:05d}"


def cluster_block(i: int, url: str | None = None, ca_data: str | None = None) -> str:
    """One cluster entry, 8 spaces deep (under `clusters:`)."""
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


def app_config(n: int, urls: list[str] | None = None, ca_data: str | None = None) -> str:
    body = "".join(cluster_block(i, urls[i] if urls else None, ca_data) for i in range(n))
    return HEADER + body + FOOTER


def answers(n: int, scenario: str = "typical") -> dict[str, Any]:
    """typical: tenant + one new cluster + migrate up to 10 named clusters; all: migrate: all."""
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


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def make_repo(parent: Path, n: int, name: str | None = None, config_text: str | None = None,
              with_module: bool = True) -> Path:
    """A minimal create-app style Backstage repo holding the generated app-config."""
    root = parent / (name or f"repo-{n}")
    root.mkdir(parents=True, exist_ok=True)
    write_json(root / "backstage.json", {"version": "1.55.0"})
    write_json(root / "package.json", {
        "name": "root", "version": "1.0.0", "private": True, "engines": {"node": "22 || 24"},
        "workspaces": ["packages/*"], "packageManager": "yarn@4.13.0",
    })
    (root / "yarn.lock").write_text("__metadata:\n  version: 8\n", encoding="utf-8")
    app_deps = {
        "@backstage/frontend-defaults": "^0.5.6",
        "@backstage/plugin-kubernetes": "^0.12.23",
        "@terasky/backstage-plugin-spectrocloud-auth": "^1.0.0",
    }
    if with_module:
        app_deps["@terasky/backstage-plugin-spectrocloud-kubernetes-auth-module"] = "^1.0.0"
    write_json(root / "packages/app/package.json", {
        "name": "app", "version": "0.0.0", "private": True, "backstage": {"role": "frontend"},
        "dependencies": app_deps,
    })
    (root / "packages/app/src").mkdir(parents=True, exist_ok=True)
    (root / "packages/app/src/App.tsx").write_text(
        "import { createApp } from '@backstage/frontend-defaults';\nexport default createApp({ features: [] });\n",
        encoding="utf-8")
    write_json(root / "packages/backend/package.json", {
        "name": "backend", "version": "0.0.0", "private": True, "backstage": {"role": "backend"},
        "dependencies": {"@backstage/backend-defaults": "^0.18.0", "@backstage/plugin-kubernetes-backend": "^0.21.11",
                         "@backstage/plugin-auth-backend": "^0.30.1"},
    })
    (root / "packages/backend/src").mkdir(parents=True, exist_ok=True)
    (root / "packages/backend/src/index.ts").write_text(
        "import { createBackend } from '@backstage/backend-defaults';\nconst backend = createBackend();\n"
        "backend.add(import('@backstage/plugin-auth-backend'));\n"
        "backend.add(import('@backstage/plugin-kubernetes-backend'));\nbackend.start();\n", encoding="utf-8")
    text = config_text if config_text is not None else app_config(n)
    with open(root / "app-config.yaml", "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    return root
