"""One place that builds httpx clients and turns transport failures into one plain sentence.

TLS verification is always on unless a caller passes `verify=False` for a cluster whose config says
`skipTLSVerify: true`; a private CA comes in through `ca_file` / `ca_data`. There is no silent
fallback to an unverified connection.
"""

from __future__ import annotations

import ssl
from functools import lru_cache
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from wizard.remote.limits import DEFAULT_TIMEOUT

USER_AGENT = "spectro-wizard"


@dataclass(frozen=True)
class TLSOptions:
    """How to trust a server: the system store, a CA file or PEM data, or (explicitly) nothing."""

    verify: bool = True
    ca_file: str | None = None
    ca_data: str | None = None  # PEM text, already base64-decoded

    def ssl_context(self) -> ssl.SSLContext | bool:
        if not self.verify:
            return False
        return _context(self.ca_file, self.ca_data)


@lru_cache(maxsize=256)
def _context(ca_file: str | None, ca_data: str | None) -> ssl.SSLContext:
    """One SSL context per trust setting: building one (loading CAs) costs milliseconds of CPU,
    and 100 clusters sharing a CA would otherwise build 100. Contexts are safe to share."""
    if ca_file or ca_data:
        return ssl.create_default_context(cafile=ca_file, cadata=ca_data)
    return ssl.create_default_context()


def async_client(
    tls: TLSOptions | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    follow_redirects: bool = False,
) -> httpx.AsyncClient:
    tls = tls or TLSOptions()
    return httpx.AsyncClient(
        verify=tls.ssl_context(),
        timeout=httpx.Timeout(timeout),
        follow_redirects=follow_redirects,
        headers={"User-Agent": USER_AGENT},
        trust_env=False,  # a proxy from the environment would hide what we are testing
    )


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc or url


def describe_error(exc: BaseException, url: str) -> str:
    """A one-sentence, user-facing explanation of why `url` could not be reached."""
    host = host_of(url)
    text = str(exc) or exc.__class__.__name__
    # httpx's async transport wraps the OS error several levels down (httpx.ConnectError <-
    # httpcore.ConnectError <- ... <- ConnectionRefusedError): read the whole chain.
    parts = [text]
    seen = {id(exc)}
    cause = exc.__cause__ or exc.__context__
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        parts.append(f"{cause.__class__.__name__} {cause}")
        cause = cause.__cause__ or cause.__context__
    lowered = " ".join(parts).lower()
    if isinstance(exc, httpx.TimeoutException):
        return f"{host} did not answer in time ({exc.__class__.__name__}); check that it is up and reachable from here"
    if "certificate_verify_failed" in lowered or "certificate verify failed" in lowered:
        reason = "the certificate is not trusted"
        if "self-signed" in lowered or "self signed" in lowered:
            reason = "the certificate is self-signed"
        elif "hostname mismatch" in lowered or "doesn't match" in lowered or "ip address mismatch" in lowered:
            reason = "the certificate does not name this host"
        elif "expired" in lowered:
            reason = "the certificate has expired"
        elif "unable to get local issuer" in lowered:
            reason = "the certificate's issuer (CA) is not trusted"
        return f"TLS to {host} failed: {reason}; give its CA rather than turning verification off (a cluster: caData/caFile; the backend or the OIDC provider: --ca-file)"
    if isinstance(exc, httpx.ConnectError) or isinstance(exc, OSError):
        if "name or service not known" in lowered or "nodename nor servname" in lowered or "getaddrinfo" in lowered or "temporary failure in name resolution" in lowered or "no address associated" in lowered:
            return f"{host} does not resolve (DNS lookup failed); check the host name"
        if "connection refused" in lowered or "errno 111" in lowered or "connect call failed" in lowered or "connectionrefusederror" in lowered:
            return f"{host} refused the connection; is the server running and listening on that port?"
        if "wrong version number" in lowered or "record layer failure" in lowered or "packet length too long" in lowered:
            return f"{host} does not speak TLS on that port; check http:// vs https:// and the port"
        if "ssl" in lowered or "tls" in lowered:
            return f"TLS handshake with {host} failed: {text}"
        return f"could not connect to {host}: {text}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{host} closed the connection or answered something that is not HTTP: {text}"
    if isinstance(exc, httpx.HTTPError):
        return f"request to {host} failed: {text}"
    return f"request to {host} failed: {text}"
