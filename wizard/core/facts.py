"""What was verified against a real Backstage 1.55 backend and the real packages.

Where the install guide disagrees, these win (the guide's values are kept here too, so the wizard can
recognise a config that followed the guide and repair it).
"""

from __future__ import annotations

MIN_BACKSTAGE = "1.47.1"
GUIDE_MIN_NODE = 18

# packages (npm name -> workspace it belongs to)
MODULE_PKG = "@terasky/backstage-plugin-spectrocloud-kubernetes-auth-module"
GUIDE_WRONG_MODULE_PKG = "@terasky/spectrocloud-kubernetes-auth-module"
AUTH_FRONTEND_PKG = "@terasky/backstage-plugin-spectrocloud-auth"
AUTH_BACKEND_PKG = "@terasky/backstage-plugin-spectrocloud-auth-backend"
CLUSTER_PROVIDER_PKG = "@terasky/backstage-plugin-spectrocloud-cluster-provider"
K8S_FRONTEND_PKG = "@backstage/plugin-kubernetes"
K8S_BACKEND_PKG = "@backstage/plugin-kubernetes-backend"
NEW_FRONTEND_PKG = "@backstage/frontend-defaults"
LEGACY_FRONTEND_PKG = "@backstage/app-defaults"
LEGACY_CORE_APP_PKG = "@backstage/core-app-api"  # createApp's older home: still the legacy system
PRE_1_0_PKG = "@backstage/core"  # createApp before Backstage 1.0 (no backstage.json either)
K8S_REACT_PKG = "@backstage/plugin-kubernetes-react"  # KubernetesAuthProviders, kubernetesAuthProvidersApiRef
CORE_PLUGIN_API_PKG = "@backstage/core-plugin-api"
FRONTEND_PLUGIN_API_PKG = "@backstage/frontend-plugin-api"
# The Kubernetes plugin's own OIDC providers (legacy plugin.esm.js / KubernetesAuthProviders): the
# TeraSky module's factory keeps none of them, the wizard's apis.ts and in-app wirings keep all five.
PLUGIN_OIDC_PROVIDERS = ("gitlab", "google", "microsoft", "okta", "onelogin")
# What the SpectroCloud auth backend module 0.8.0 needs of the backend (its package.json peers):
# a backend that resolves these is recent enough, whatever a stale backstage.json says.
AUTH_BACKEND_NEEDS = {"@backstage/backend-plugin-api": "1.9.2"}

# app-config
EXTENSION_ID = "api:kubernetes/auth-providers"
GUIDE_EXTENSION_ID = "plugin.kubernetes-auth-providers.service"
PROVIDER = "spectrocloud"
AUTH_PROVIDER_OIDC = "oidc"
SERVICE_ACCOUNT = "serviceAccount"
DEFAULT_SERVICE_LOCATOR = {"type": "multiTenant"}
REQUIRED_SCOPES = ("openid", "profile", "email")
# The cluster provider's serviceAccount mode creates these in each cluster (names configurable in rbac).
PROVIDER_SA_NAMESPACE = "backstage-system"
PROVIDER_SA_NAME = "backstage-sa"
