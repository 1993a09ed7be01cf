"""verify end to end: the real OpenID provider (tests/oidc) plus the loopback doubles (tests/remote)."""

from tests.oidc.conftest import oidc_provider, oidc_provider_factory  # noqa: F401  (fixtures)
from tests.remote.conftest import ca, ca_b64, ca_pem, serve  # noqa: F401  (fixtures)
