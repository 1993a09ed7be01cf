"""A config with a literal secret in every position a Backstage app-config allows.

Each planted value is distinctive, so "it does not appear" is a meaningful test. `${VAR}` references
are planted too: they must stay visible.
"""

from __future__ import annotations

import base64
import re

JWT = ("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZUBleGFtcGxlLmNvbSIsImV4cCI6OTk5OTk5OTk5OX0"
       ".c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU")
PEM = ("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQPlantedCaCertificateBody0123456789abcdef\n"
       "-----END CERTIFICATE-----\n")
CA_DATA = base64.b64encode(PEM.encode()).decode()

SECRETS = {
    "clientSecret": "LiteralClientSecret-7f3a",
    "clientId": "literal-client-id-5521",
    "serviceAccountToken": "LiteralSaToken-a1b2c3",
    "apiToken": "LiteralPaletteApiToken-99",
    "backendKey": "BackendKeySecret-3344",
    "dbPassword": "DbPassword-Hunter2",
    "githubToken": "ghp_LiteralGithubToken000",
    "jwt": JWT,
    "caData": CA_DATA,
    "caBody": "MIIBszCCAVmgAwIBAgIUQPlantedCaCertificateBody0123456789abcdef",
    "highEntropy": "Zx8Qm2Lp9Vt4Rk7Wn3Hs6Jd1Fy5Bc0Ga",
    "flowToken": "FlowMapSaToken-8899",
    "flowPassword": "FlowPassword-7777",
    "blockLine1": "BlockScalarSecret-line1",
    "blockLine2": "BlockScalarSecret-line2",
    "anchored": "AnchoredSaToken-4455",
    "innocentAnchor": "horse battery staple 42",
    "urlPassword": "RedisUrlPassword-66",
    "numericPassword": "8675309123",
    "extensionToken": "ExtensionConfigToken-31",
    "listedToken": "ListedTokenValue-5150",
}

VISIBLE_REFS = ["${PROD_CLIENT_ID}", "${PALETTE_TOKEN_2}", "${LEGACY_TOKEN}", "${BACKEND_SECRET}"]

CONFIG = f"""\
app:
  title: Secrets everywhere
  baseUrl: http://localhost:3000
  packages: all
  extensions:
    - api:kubernetes/auth-providers: false
    - page:catalog: {{ config: {{ path: /, token: {SECRETS['extensionToken']} }} }}

backend:
  baseUrl: http://127.0.0.1:9
  listen: {{ port: 7007 }}
  auth:
    keys:
      - secret: {SECRETS['backendKey']}
      - secret: ${{BACKEND_SECRET}}
  database:
    client: pg
    connection:
      host: db.example.com
      user: backstage
      password: "{SECRETS['dbPassword']}"
      port: 5432
  cache:
    store: redis
    connection: redis://cache:{SECRETS['urlPassword']}@redis.example.com:6379
  pin:
    password: {SECRETS['numericPassword']}

integrations:
  github:
    - host: github.com
      token: {SECRETS['githubToken']}

auth:
  environment: development
  providers:
    guest: {{}}
    spectrocloud:
      development:
        clientId: {SECRETS['clientId']}
        clientSecret: '{SECRETS['clientSecret']}'
        authorizationUrl: https://console.spectrocloud.com/v1/oidc/tenant/acme/auth
        callbackUrl: http://127.0.0.1:9/api/auth/spectrocloud/handler/frame
      production:
        clientId: ${{PROD_CLIENT_ID}}
        clientSecret: |
          {SECRETS['blockLine1']}
          {SECRETS['blockLine2']}
        authorizationUrl: https://console.spectrocloud.com/v1/oidc/tenant/acme/auth
        callbackUrl: https://backstage.example.com/api/auth/spectrocloud/handler/frame

kubernetes:
  serviceLocatorMethod:
    type: multiTenant
  clusterLocatorMethods:
    - type: config
      clusters:
        - name: lit
          url: https://lit.example.com:6443
          authProvider: serviceAccount
          serviceAccountToken: {SECRETS['serviceAccountToken']}
          caData: {SECRETS['caData']}
        - {{ name: flowy, url: "https://flowy.example.com:6443", authProvider: serviceAccount, serviceAccountToken: {SECRETS['flowToken']} }}
        - name: anchored
          url: https://anchored.example.com:6443
          authProvider: serviceAccount
          serviceAccountToken: &satoken {SECRETS['anchored']}
        - name: aliased
          url: https://aliased.example.com:6443
          authProvider: serviceAccount
          serviceAccountToken: *satoken
        - name: by-env
          url: https://by-env.example.com:6443
          authProvider: serviceAccount
          serviceAccountToken: ${{LEGACY_TOKEN}}
        - name: gke
          url: https://gke.example.com
          authProvider: google
          annotation: {SECRETS['jwt']}
          note: {SECRETS['highEntropy']}
          description: &phrase {SECRETS['innocentAnchor']}
          options: {{ user: reader, password: {SECRETS['flowPassword']} }}
          tokens:
            - {SECRETS['listedToken']}

spectrocloud:
  environments:
    - name: palette
      url: https://api.spectrocloud.com
      tenant: acme
      apiToken: {SECRETS['apiToken']}
      clusterProvider:
        authType: serviceAccount
    - name: palette-two
      url: https://api2.spectrocloud.com
      tenant: acme
      apiToken: *phrase
      clusterProvider:
        authType: oidc
    - name: palette-three
      url: https://api3.spectrocloud.com
      tenant: acme
      apiToken: ${{PALETTE_TOKEN_2}}
"""  # noqa: E501 - a flow mapping on one line, as written in a config


def leaked(text: str) -> list[str]:
    """The planted secrets found in `text` (whole values, and each line of the multi-line ones)."""
    return [k for k, v in SECRETS.items() if v in text]


# what the environment holds for the variables CONFIG references (the `secrets_repo` fixture sets them)
ENV_SECRETS = {"PROD_CLIENT_ID": "env-prod-client-id-0042", "PALETTE_TOKEN_2": "EnvPaletteToken-Zq81",
               "LEGACY_TOKEN": "EnvLegacySaToken-Xw93", "BACKEND_SECRET": "EnvBackendSecret-Kp27",
               "SPECTROCLOUD_CLIENT_SECRET": "EnvSpectroSecret-Mm55"}


# A JWT as it would leak: base64url header starting {" ("eyJ"), a dot, a payload, a dot. A bare "eyJ"
# substring is not one: a random nonce or PKCE challenge in a printed URL holds it now and then.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.")


def has_jwt(text: str) -> bool:
    return _JWT.search(text) is not None
