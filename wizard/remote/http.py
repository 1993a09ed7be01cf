"""One place that builds httpx clients and turns transport failures into one plain sentence.

TLS verification is always on unless a caller passes `verify=False` for a cluster whose config says
`skipTLSVerify: true`; a private CA comes in through `ca_file` / `ca_data`. There is no silent
fallback to an unverified connection.

Every answer is read through a cap (wizard/remote/limits.py): the client's transport stops reading
a body once it holds more than the cap its request names (`limit(what, cap)` in the request's
extensions; DOCUMENT_CAP when it names none), decompresses only up to the cap, and the request
fails with `BodyTooLarge`, an httpx.HTTPError whose message is the sentence to show. Clients never
follow redirects unless told to: a credential header must not travel to where a server points.

Inside `only_this_machine(why)` (the demo session's requests) the transports refuse, before any DNS
lookup or connection, a request to a host that is not a loopback address: an httpx.ConnectError
saying `why`.
"""

from __future__ import annotations

import ssl
import zlib
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import httpx

from wizard.core.fields import is_loopback_host
from wizard.remote.limits import DEFAULT_TIMEOUT, DOCUMENT_CAP, MiB

USER_AGENT = "spectro-wizard"
# Compressed answers are not asked for (a small gzip body can inflate to gigabytes); a server that
# compresses anyway is decompressed up to the cap.
BASE_HEADERS = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
_LIMIT = "spectro_wizard_limit"
# Why requests may go to this machine only (None: anywhere). A context variable: the asyncio tasks a
# verify run starts inherit it, and another thread's requests are not affected.
_ONLY_THIS_MACHINE: ContextVar[str | None] = ContextVar("spectro_wizard_only_this_machine", default=None)


@contextmanager
def only_this_machine(why: str) -> Iterator[None]:
    """Within the block, every request to a non-loopback host fails with a ConnectError saying `why`."""
    token = _ONLY_THIS_MACHINE.set(why)
    try:
        yield
    finally:
        _ONLY_THIS_MACHINE.reset(token)


def _refuse_elsewhere(request: httpx.Request) -> None:
    why = _ONLY_THIS_MACHINE.get()
    if why is not None and not is_loopback_host(request.url.host):
        raise httpx.ConnectError(f"{why}: {request.url.host} is not on this machine, so it was not contacted",
                                 request=request)


@dataclass(frozen=True)
class Limit:
    """How much of an answer to read, and what the answer is (for the sentence when it is more)."""

    cap: int
    what: str


def limit(what: str, cap: int = DOCUMENT_CAP) -> dict[str, Any]:
    """Request extensions naming the answer's cap: `client.get(url, extensions=limit("its JWKS"))`."""
    return {_LIMIT: Limit(cap, what)}


def _mib(n: int) -> str:
    return f"{n / MiB:g} MiB" if n >= MiB else f"{n // 1024} KiB"


class BodyTooLarge(httpx.HTTPError):
    """An answer bigger than its cap: reading stopped there. `str()` is the sentence to show."""

    def __init__(self, host: str, lim: Limit) -> None:
        super().__init__(f"{host} answered more than {_mib(lim.cap)} for {lim.what}; a real one is far smaller, "
                         "so this is not the server it should be (or something in between answers for it): "
                         "check the URL")
        self.host = host
        self.limit = lim


class _Meter:
    """Counts (and, for a compressed answer, inflates at most up to the cap) the chunks of one body."""

    def __init__(self, host: str, lim: Limit, encoding: str) -> None:
        self.host, self.lim, self.seen = host, lim, 0
        self.inflate: Any = None
        if encoding == "gzip" or encoding == "x-gzip":
            self.inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self.inflate = zlib.decompressobj()

    def _count(self, data: bytes) -> bytes:
        self.seen += len(data)
        if self.seen > self.lim.cap:
            raise BodyTooLarge(self.host, self.lim)
        return data

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        if self.inflate is None:
            yield self._count(chunk)
            return
        data = chunk
        while data:
            try:
                out = self.inflate.decompress(data, self.lim.cap - self.seen + 1)
            except zlib.error:
                raise httpx.DecodingError("a compressed answer that does not decompress") from None
            yield self._count(out)
            data = self.inflate.unconsumed_tail


def _check_head(request: httpx.Request, response: httpx.Response) -> tuple[Limit, str, str]:
    lim = request.extensions.get(_LIMIT) or Limit(DOCUMENT_CAP, "its answer")
    host = request.url.netloc.decode("ascii", "replace")
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
        raise httpx.DecodingError(f"Content-Encoding {encoding}, which was not asked for")
    length = response.headers.get("content-length", "")
    if encoding in ("", "identity") and length.isdigit() and int(length) > lim.cap:
        raise BodyTooLarge(host, lim)
    return lim, host, encoding


def _uncompressed_headers(response: httpx.Response, encoding: str) -> httpx.Headers:
    headers = response.headers.copy()
    if encoding not in ("", "identity"):  # inflated here: httpx must not decode it again
        del headers["content-encoding"]
        headers.pop("content-length", None)
    return headers


class _CappedAsyncStream(httpx.AsyncByteStream):
    def __init__(self, inner: Any, meter: _Meter) -> None:
        self._inner, self._meter = inner, meter

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            for out in self._meter.feed(chunk):
                yield out

    async def aclose(self) -> None:
        await self._inner.aclose()


class _CappedStream(httpx.SyncByteStream):
    def __init__(self, inner: Any, meter: _Meter) -> None:
        self._inner, self._meter = inner, meter

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            yield from self._meter.feed(chunk)

    def close(self) -> None:
        self._inner.close()


class CappedAsyncTransport(httpx.AsyncBaseTransport):
    """httpx's transport, reading each answer only up to its cap."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        _refuse_elsewhere(request)
        response = await self._inner.handle_async_request(request)
        try:
            lim, host, encoding = _check_head(request, response)
        except httpx.HTTPError:
            await response.aclose()
            raise
        return httpx.Response(response.status_code, headers=_uncompressed_headers(response, encoding),
                              stream=_CappedAsyncStream(response.stream, _Meter(host, lim, encoding)),
                              extensions=response.extensions)

    async def aclose(self) -> None:
        await self._inner.aclose()


class CappedTransport(httpx.BaseTransport):
    """The same, for the blocking client of `login`."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        _refuse_elsewhere(request)
        response = self._inner.handle_request(request)
        try:
            lim, host, encoding = _check_head(request, response)
        except httpx.HTTPError:
            response.close()
            raise
        return httpx.Response(response.status_code, headers=_uncompressed_headers(response, encoding),
                              stream=_CappedStream(response.stream, _Meter(host, lim, encoding)),
                              extensions=response.extensions)

    def close(self) -> None:
        self._inner.close()


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
    # trust_env=False: a proxy from the environment would hide what we are testing
    transport = CappedAsyncTransport(httpx.AsyncHTTPTransport(verify=tls.ssl_context(), trust_env=False))
    return httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(timeout),
        follow_redirects=follow_redirects,
        headers=BASE_HEADERS,
        trust_env=False,
    )


def sync_transport(tls: TLSOptions | None = None) -> CappedTransport:
    """The blocking transport (`login`, and authlib's client there), with the same caps."""
    return CappedTransport(httpx.HTTPTransport(verify=(tls or TLSOptions()).ssl_context(), trust_env=False))


def host_of(url: str) -> str:
    """host[:port] of a URL, without the user:password@ a URL may carry."""
    parts = urlsplit(url)
    return parts.netloc.rpartition("@")[2] or url


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
    if isinstance(exc, BodyTooLarge):
        return text
    if isinstance(exc, httpx.DecodingError):
        return f"{host} sent an answer that cannot be read ({text})"
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
        return (f"TLS to {host} failed: {reason}; give its CA rather than turning verification off (a cluster: caData/caFile; "
                "the backend or the OIDC provider: --ca-file)")
    if isinstance(exc, (httpx.ConnectError, OSError)):
        if ("name or service not known" in lowered or "nodename nor servname" in lowered or "getaddrinfo" in lowered
                or "temporary failure in name resolution" in lowered or "no address associated" in lowered):
            return f"{host} does not resolve (DNS lookup failed); check the host name"
        if ("connection refused" in lowered or "errno 111" in lowered or "connect call failed" in lowered
                or "connectionrefusederror" in lowered):
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
