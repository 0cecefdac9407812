"""Fetch one URL with httpx: caps on size and time, retries, and no surprise destinations.

The body is kept as the server sent it (still content-encoded) so the WARC
record is faithful; a body cut by `max_bytes`, the time cap or a dropped
connection is kept and marked with the WARC-Truncated reason. The request is
kept as sent, with the values of credentials redacted (see `transport`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from archiver.config import CrawlSettings
from archiver.crawl.transport import Connection, Routes, connect, redact
from archiver.errors import AddressRefused, FetchError
from archiver.store.warc import Exchange
from archiver.urls import host_of

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# No `br`: `warcio check` (1.7, 1.8 with the brotli package pip installs beside it) fails on
# br-encoded records, and every record must stay readable by the field's tools.
ACCEPT_ENCODING = "gzip, deflate"
# Hop-by-hop framing that httpx has already undone; kept under another name, as pywb does.
_FRAMING_HEADERS = frozenset({"transfer-encoding"})


@dataclass(frozen=True)
class Fetched:
    """A completed exchange plus what the crawler needs to decide what next."""

    exchange: Exchange
    attempts: int
    elapsed: float


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global


class Fetcher:
    """An httpx client with the crawl's caps; one per crawl.

    `connection` says how requests are sent (CAs, proxy, credentials); by
    default, as `settings` alone describe, without credentials.
    """

    def __init__(
        self,
        settings: CrawlSettings,
        *,
        private_ok: frozenset[str],
        connection: Connection | None = None,
    ) -> None:
        self.settings = settings
        self.private_ok = private_ok
        self.connection = connection or connect(settings)
        self._resolved: dict[str, list[str]] = {}
        limits = httpx.Limits(
            max_connections=settings.concurrency,
            max_keepalive_connections=settings.concurrency,
        )
        self.client = httpx.AsyncClient(
            transport=Routes(self.connection, limits, self._resolved.get),
            follow_redirects=False,
            timeout=httpx.Timeout(settings.timeout),
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            # The environment was read once, into `connection`.
            trust_env=False,
        )

    async def aclose(self) -> None:
        """Close pooled connections."""
        await self.client.aclose()

    async def _addresses(self, host: str, port: int) -> list[str]:
        if host in self._resolved:
            return self._resolved[host]
        try:
            ipaddress.ip_address(host.strip("[]"))
            addresses = [host.strip("[]")]
        except ValueError:
            loop = asyncio.get_running_loop()
            try:
                infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except OSError as exc:
                raise FetchError(f"http://{host}/", f"cannot resolve host: {exc}") from exc
            addresses = sorted({str(info[4][0]) for info in infos})
        self._resolved[host] = addresses
        return addresses

    async def check_destination(self, url: str) -> str | None:
        """Refuse hosts that resolve into private address space (unless a seed is there).

        Returns the address to record as WARC-IP-Address; a direct connection
        goes to the addresses checked here. Through a proxy, a name that does
        not resolve here (the proxy's DNS may see more) is left to the proxy.
        """
        parts = urlsplit(url)
        host = host_of(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            addresses = await self._addresses(host, port)
        except FetchError:
            if self.connection.proxy_for(url) is None:
                raise
            return None
        if not (self.settings.allow_private or host in self.private_ok):
            private = [a for a in addresses if not _is_public(a)]
            if private:
                raise AddressRefused(
                    url, f"refused: {host} resolves to non-public address {private[0]}"
                )
        return addresses[0] if addresses else None

    async def fetch(self, url: str, headers: dict[str, str] | None = None) -> Fetched:
        """GET `url` with retries on timeouts, connection errors, 5xx and 429.

        Raises FetchError when no response could be had at all.
        """
        settings = self.settings
        ip_address = await self.check_destination(url)
        attempt = 0
        started = time.monotonic()
        while True:
            attempt += 1
            try:
                exchange = await self._once(
                    url, {**(headers or {}), **self.connection.credentials.for_url(url)}, ip_address
                )
            except FetchError as exc:
                if attempt > settings.retries:
                    raise FetchError(url, f"{exc.reason} (after {attempt} attempts)") from exc
                await asyncio.sleep(self._backoff(attempt))
                continue
            if exchange.status in RETRY_STATUSES and attempt <= settings.retries:
                wait = retry_after(_header(exchange, "retry-after"))
                if wait is not None and wait > settings.max_retry_after:
                    return Fetched(exchange, attempt, time.monotonic() - started)
                await asyncio.sleep(wait if wait is not None else self._backoff(attempt))
                continue
            if exchange.truncated == "disconnect" and attempt <= settings.retries:
                await asyncio.sleep(self._backoff(attempt))
                continue
            return Fetched(exchange, attempt, time.monotonic() - started)

    @staticmethod
    def _backoff(attempt: int) -> float:
        return float(min(30.0, 0.5 * 2 ** (attempt - 1)) * (0.75 + random.random() / 2))

    async def _once(self, url: str, headers: dict[str, str], ip_address: str | None) -> Exchange:
        settings = self.settings
        started_at = datetime.now(UTC)
        body = bytearray()
        truncated: str | None = None
        response: httpx.Response | None = None
        try:
            async with asyncio.timeout(settings.timeout):
                async with self.client.stream("GET", url, headers=headers) as response:
                    try:
                        async for chunk in response.aiter_raw():
                            room = settings.max_bytes - len(body)
                            body += chunk[:room]
                            if len(chunk) > room:
                                truncated = "length"
                                break
                    except httpx.TimeoutException:
                        truncated = "time"
                    except httpx.TransportError:
                        truncated = "disconnect"
        except TimeoutError:
            if response is None:
                raise FetchError(url, f"timed out after {settings.timeout:g}s") from None
            truncated = "time"
        except httpx.TimeoutException as exc:
            if response is None:
                raise FetchError(url, f"timed out: {type(exc).__name__}") from exc
            truncated = "time"
        except httpx.InvalidURL as exc:
            raise FetchError(url, f"invalid URL: {exc}") from exc
        except httpx.HTTPError as exc:
            if response is None:
                raise FetchError(url, self._reason(url, exc)) from exc
            truncated = "disconnect"
        except ssl.SSLError as exc:
            # httpcore passes on a TLS alert that arrives after the handshake (TLS 1.3: a
            # server refusing our client certificate says so on the first read) unwrapped.
            if response is None:
                raise FetchError(url, f"TLS: {type(exc).__name__}: {exc}") from exc
            truncated = "disconnect"
        assert response is not None
        response_headers = [
            (
                f"X-Archive-Orig-{k.decode('latin-1')}"
                if k.decode("latin-1").lower() in _FRAMING_HEADERS
                else k.decode("latin-1"),
                v.decode("latin-1"),
            )
            for k, v in response.headers.raw
        ]
        request_headers = redact(
            ((k.decode("latin-1"), v.decode("latin-1")) for k, v in response.request.headers.raw),
            self.connection.credentials.names,
        )
        return Exchange(
            url=url,
            method="GET",
            request_headers=request_headers,
            status=response.status_code,
            reason=response.reason_phrase,
            http_version=response.http_version,
            response_headers=response_headers,
            body=bytes(body),
            started_at=started_at,
            ip_address=ip_address,
            truncated=truncated,
        )

    def _reason(self, url: str, exc: httpx.HTTPError) -> str:
        """Why no response came, naming the setting to look at when it is the proxy or TLS."""
        text = f"{type(exc).__name__}: {exc}".rstrip(": ")
        tls = _tls_error(exc)
        proxy = self.connection.proxy_for(url)
        if proxy is not None and isinstance(exc, httpx.ProxyError):
            return f"proxy {proxy} refused the tunnel: {text}"
        connect_error = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
        if proxy is not None and connect_error and tls is None:
            return f"cannot connect to proxy {proxy}: {text}"
        if isinstance(tls, ssl.SSLCertVerificationError):
            return (
                f"TLS certificate not trusted ({text}); if it is your organisation's, "
                "set crawl.ca_bundle to its CA bundle"
            )
        return text


def _tls_error(exc: BaseException) -> ssl.SSLError | None:
    """The TLS failure behind an httpx error, if that is what it was (httpcore chains it)."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None or isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _header(exchange: Exchange, name: str) -> str | None:
    for key, value in exchange.response_headers:
        if key.lower() == name:
            return value
    return None
