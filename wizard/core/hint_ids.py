"""Every hint id the wizard can attach to a result, in one module: each is the id of an entry of the
troubleshooting catalog (templates/hints/*.yaml), and a test proves both directions (every id here has
an entry, every entry is reachable from one of these).

The checks of `spectro-wizard check` name theirs as literals (CHECKS lists them); the remote clients
use the namespaces below (`H.UNREACHABLE` in wizard/remote/backstage.py is Backstage.UNREACHABLE).
"""

from __future__ import annotations


def _ids(namespace: type) -> tuple[str, ...]:
    return tuple(v for k, v in vars(namespace).items() if k.isupper())


# wizard/core/checks.py
CHECKS: tuple[str, ...] = (
    "config-invalid", "backstage-upgrade", "node-install", "yarn-missing", "frontend-discovery", "frontend-legacy",
    "repo-layout", "install-auth-backend", "install-auth-backend-wiring", "install-auth-frontend",
    "install-kubernetes-plugin", "wrong-package-name", "install-module", "guide-extension-id",
    "invalid-extension-entry", "disable-default-auth-providers", "configure-auth-provider", "auth-provider-values",
    "guide-flat-clusters", "kubernetes-config-shape", "cluster-token-provider", "clusters-not-oidc", "add-clusters",
    "install-cluster-provider", "install-cluster-provider-wiring", "other-oidc-providers", "frontend-in-app",
    "deployment-config", "deployment-secrets", "deployment-config-args",
)
# wizard/core/frontend.py (named in its refusals)
FRONTEND: tuple[str, ...] = ("frontend-own-providers",)

# wizard/core/apply.py
INSTALL_FAILED_HINT = "install-failed"
APPLY: tuple[str, ...] = (INSTALL_FAILED_HINT,)


class Backstage:
    """wizard/remote/backstage.py"""

    UNREACHABLE = "backend-unreachable"
    UNEXPECTED = "backend-unexpected-answer"
    NOT_STARTED = "backend-not-started"
    AUTH_MODULE_MISSING = "backend-auth-module-missing"
    AUTH_REDIRECT_MISMATCH = "backend-auth-redirect-mismatch"
    AUTH_PROVIDER_ERROR = "backend-auth-provider-error"
    DEPLOYMENT_SECRETS = "deployment-secrets"  # a deployed backend without the Secret (verify --deployment)
    TOKEN_REFUSED = "backend-token-refused"
    KUBERNETES_PLUGIN_MISSING = "backend-kubernetes-plugin-missing"
    CLUSTERS_STALE = "backend-clusters-stale"
    CLUSTERS_UNEXPECTED = "backend-clusters-unexpected"
    CLUSTER_NOT_OIDC = "backend-cluster-not-oidc"
    PROXY_NO_ID_TOKEN = "proxy-no-id-token"
    PROXY_CLUSTER_UNREACHABLE = "proxy-cluster-unreachable"
    PROXY_CLUSTER_UNKNOWN = "proxy-cluster-unknown"
    PROXY_ERROR = "proxy-error"
    CLUSTER_TLS = "cluster-tls"
    CLUSTER_UNTRUSTED_ISSUER = "cluster-untrusted-issuer"
    CLUSTER_RBAC_DENIED = "cluster-rbac-denied"


BACKSTAGE = _ids(Backstage)


class Kube:
    """wizard/remote/kube.py"""

    UNREACHABLE = "cluster-unreachable"
    TLS = "cluster-tls"
    NOT_KUBERNETES = "cluster-not-kubernetes"
    UNTRUSTED_ISSUER = "cluster-untrusted-issuer"
    RBAC_DENIED = "cluster-rbac-denied"
    REVIEW_UNAVAILABLE = "cluster-review-unavailable"


KUBE = _ids(Kube)


class Palette:
    """wizard/remote/palette.py"""

    API_KEY = "palette-api-key"
    UNREACHABLE = "palette-unreachable"
    UNEXPECTED = "palette-unexpected-answer"


PALETTE = _ids(Palette)


class Oidc:
    """wizard/remote/oidc.py"""

    AUTHORIZATION_URL_INVALID = "oidc-authorization-url-invalid"
    UNREACHABLE = "oidc-unreachable"
    DISCOVERY_FAILED = "oidc-discovery-failed"
    ISSUER_MISMATCH = "oidc-issuer-mismatch"
    TOKEN_ENDPOINT_MISMATCH = "oidc-token-endpoint-mismatch"
    SECRET_NOT_SENT = "oidc-secret-not-sent"
    AUTHORIZATION_ENDPOINT_MISMATCH = "oidc-authorization-endpoint-mismatch"
    ENV_MISSING = "oidc-env-missing"
    INVALID_CLIENT = "oidc-invalid-client"
    CLIENT_AUTH_METHOD = "oidc-client-auth-method"
    CLIENT_UNEXPECTED = "oidc-client-unexpected-error"
    REDIRECT_URI_NOT_REGISTERED = "oidc-redirect-uri-not-registered"
    AUTHORIZATION_REJECTED = "oidc-authorization-request-rejected"
    SCOPES_MISSING = "oidc-scopes-missing"
    SCOPES_NOT_ADVERTISED = "oidc-scopes-not-advertised"
    ID_TOKEN_INVALID = "id-token-invalid"
    ID_TOKEN_EXPIRED = "id-token-expired"
    ID_TOKEN_CLAIMS_MISSING = "id-token-claims-missing"


OIDC = _ids(Oidc)


class Verify:
    """wizard/verify/runner.py"""

    CHECK_CRASHED = "verify-check-crashed"


VERIFY = _ids(Verify)


ALL: frozenset[str] = frozenset(CHECKS + FRONTEND + APPLY + BACKSTAGE + KUBE + PALETTE + OIDC + VERIFY)
