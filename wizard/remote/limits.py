"""Request limits every remote client shares, apart from the clients so that the verify options
(and the front ends that fill them) can be built without importing httpx.

Servers' answers are not trusted: every body is read as a stream and reading stops at a cap per
kind of answer, far above what a real server sends and far below what would hurt this process.
"""

DEFAULT_TIMEOUT = 10.0  # seconds, each request

MiB = 1024 * 1024

# An OpenID discovery document, a JWKS, a token endpoint's answer, an authorization endpoint's
# redirect or error page, a Kubernetes /version or review, a Backstage error or guest token, one
# Palette project or kubeconfig: a real one is a few KiB (a kubeconfig with its CA ~10 KiB). 1 MiB
# is 100 times that.
DOCUMENT_CAP = 1 * MiB
# The backend's served clusters (GET /api/kubernetes/clusters): ~0.5 KiB per cluster, so 3,000
# clusters are ~1.5 MiB; 16 MiB leaves room for 30,000.
CLUSTER_LIST_CAP = 16 * MiB
# A namespace list through the backend's proxy (GET /api/v1/namespaces, whole objects with their
# managedFields: up to ~5 KiB each): 16 MiB is ~3,000 namespaces.
NAMESPACE_LIST_CAP = 16 * MiB
# Palette's cluster list (/v1/dashboard/spectroclusters/meta): ~1-2 KiB per cluster; a big tenant's
# 10,000 clusters are ~20 MiB. 64 MiB.
PALETTE_LIST_CAP = 64 * MiB
