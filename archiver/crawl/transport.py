"""How a site's requests leave this machine: trusted CAs, client certificate, proxy, credentials.

Built once per crawl (or `check-page`) from the settings; every problem with
them (a CA bundle that is not PEM, an unset environment variable, a proxy URL
that is not http) is a `ConfigError` naming the setting, raised before the
first request.

Direct connections (`http11.DirectTransport`) go to the address the fetcher
checked: a second lookup when connecting could answer otherwise, and a name that
answered a public address to the check could answer a private one then (DNS
rebinding). Through a proxy the proxy resolves and connects: the fetcher still
refuses a host that resolves privately here, but what the proxy reaches is the
proxy's policy.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import ssl
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import certifi
import httpx

from archiver.config import AuthSettings, CrawlSettings, SiteSettings
from archiver.crawl.http11 import DirectTransport
from archiver.errors import ConfigError

REDACTED = "[redacted]"
# Never archived in clear, whoever set them.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
_ENV_PROXIES = {
    "http": ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"),
    "https": ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"),
}


def shown(url: str) -> str:
    """A proxy URL fit for logs and messages: its user name and password dropped."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL, the port made explicit."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or (443 if scheme == "https" else 80)


@dataclass(frozen=True)
class Credentials:
    """Headers that log in to a site, sent to its seeds' origins only.

    An http seed's host also gets them over https on port 443 (an upgrade),
    never the other way round; any other host, a redirect target included,
    gets none.
    """

    headers: Mapping[str, str] = field(default_factory=dict)
    origins: frozenset[tuple[str, str, int]] = frozenset()

    def for_url(self, url: str) -> dict[str, str]:
        """The headers to add to a request for `url` (none off the site)."""
        return dict(self.headers) if origin(url) in self.origins else {}

    @property
    def names(self) -> frozenset[str]:
        """Lower-case names of the headers these credentials set."""
        return frozenset(name.lower() for name in self.headers)


def redact(
    headers: Iterable[tuple[str, str]], names: frozenset[str] = frozenset()
) -> list[tuple[str, str]]:
    """Request headers as archived: values of secret headers (and of `names`) replaced.

    The scheme of an Authorization header is kept (`Basic [redacted]`), so a
    reader sees how the request was authenticated, not with what.
    """
    out = []
    for name, value in headers:
        lower = name.lower()
        if lower in SECRET_HEADERS or lower in names:
            scheme, _, rest = value.partition(" ")
            keep = lower.endswith("authorization") and rest and scheme.isalpha()
            value = f"{scheme} {REDACTED}" if keep else REDACTED
        out.append((name, value))
    return out


def redaction_note(credentials: Credentials) -> str:
    """What the warcinfo record says about redacted request headers."""
    names = ["Authorization", "Proxy-Authorization", "Cookie"]
    names += sorted(n for n in credentials.headers if n.lower() not in SECRET_HEADERS)
    return f"request records: the values of {', '.join(names)} headers are replaced by {REDACTED}"


def _secret(auth: AuthSettings) -> str:
    if auth.file is not None:
        try:
            value = auth.file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{auth.where}: cannot read {auth.file}: {exc}") from exc
    else:
        value = os.environ.get(auth.env, "").strip()
        if not value:
            raise ConfigError(f"{auth.where}: environment variable {auth.env} is not set")
    if any(ch in value for ch in "\r\n\0"):
        # Never echo the value: it is a secret.
        raise ConfigError(f"{auth.where}: the secret holds a line break or NUL")
    return value


def credentials(site: SiteSettings) -> Credentials:
    """Read the secrets `site.auth` refers to (ConfigError naming the setting when one is
    missing) and bind them to the site's seeds' origins."""
    if not site.auth:
        return Credentials()
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for auth in site.auth:
        secret = _secret(auth)
        if auth.type == "basic":
            token = base64.b64encode(f"{auth.username}:{secret}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
        elif auth.type == "bearer":
            headers["Authorization"] = f"Bearer {secret}"
        elif auth.type == "cookie":
            cookies.append(secret)
        else:
            headers[auth.name] = secret
    if cookies:
        headers["Cookie"] = "; ".join(cookies)
    origins = set()
    for seed in site.seeds:
        scheme, host, port = origin(seed)
        origins.add((scheme, host, port))
        if scheme == "http" and port == 80:
            origins.add(("https", host, 443))
    return Credentials(headers, frozenset(origins))


def _bundle(context: ssl.SSLContext, path: str, setting: str) -> None:
    try:
        if Path(path).is_dir():
            context.load_verify_locations(capath=path)
        else:
            context.load_verify_locations(cafile=path)
    except FileNotFoundError:
        raise ConfigError(f"{setting} = {path!r}: no such file") from None
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise ConfigError(f"{setting} = {path!r}: not a PEM certificate bundle ({exc})") from exc


def ssl_context(crawl: CrawlSettings, *, insecure: bool = False, label: str = "") -> ssl.SSLContext:
    """The TLS settings of a site's requests.

    Trusted: the public CAs (certifi), or SSL_CERT_FILE / SSL_CERT_DIR instead
    when set and `trust_env`; plus `ca_bundle`. `insecure` turns verification
    off (the caller logs it). `label` prefixes setting names in errors.
    """
    if insecure:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        env_file = os.environ.get("SSL_CERT_FILE", "") if crawl.trust_env else ""
        env_dir = os.environ.get("SSL_CERT_DIR", "") if crawl.trust_env else ""
        # Python's defaults for a client (hostname checked, certificate required), no CAs yet.
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if env_file:
            _bundle(context, env_file, "SSL_CERT_FILE")
        if env_dir:
            _bundle(context, env_dir, "SSL_CERT_DIR")
        if not (env_file or env_dir):
            context.load_verify_locations(cafile=certifi.where())
        if crawl.ca_bundle:
            _bundle(context, crawl.ca_bundle, f"{label}crawl.ca_bundle")
    if crawl.client_cert:
        try:
            context.load_cert_chain(crawl.client_cert, crawl.client_key or None)
        except (ssl.SSLError, OSError) as exc:
            key = f" / crawl.client_key = {crawl.client_key!r}" if crawl.client_key else ""
            raise ConfigError(
                f"{label}crawl.client_cert = {crawl.client_cert!r}{key}: "
                f"cannot load the client certificate and its key ({exc})"
            ) from exc
    elif crawl.client_key:
        raise ConfigError(f"{label}crawl.client_key is set without crawl.client_cert")
    return context


def _no_proxy_match(host: str, port: int, entries: Iterable[str]) -> bool:
    """NO_PROXY as curl reads it: `*`, host names (a suffix match on dots), IPs, CIDR
    blocks, each optionally with `:port`."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for raw in entries:
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        name, _, entry_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if entry_port and entry_port.isdigit() and int(entry_port) != port:
            continue
        name = name.strip("[]").lstrip(".")
        if address is not None:
            try:
                if address in ipaddress.ip_network(name, strict=False):
                    return True
            except ValueError:
                pass
            continue
        if host == name or host.endswith("." + name):
            return True
    return False


@dataclass(frozen=True)
class Proxy:
    """A proxy and the setting that named it (for error messages)."""

    url: str
    setting: str

    def __str__(self) -> str:
        return f"{shown(self.url)} (from {self.setting})"


def _proxy_url(value: str, setting: str) -> str:
    url = value if "://" in value else f"http://{value}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{setting} = {shown(url)!r}: expected an http:// or https:// proxy URL")
    return url


@dataclass(frozen=True)
class Connection:
    """Everything about how one site's requests are sent."""

    ssl_context: ssl.SSLContext
    credentials: Credentials = field(default_factory=Credentials)
    proxies: Mapping[str, Proxy] = field(default_factory=dict)  # by URL scheme
    no_proxy: tuple[str, ...] = ()
    insecure: bool = False

    def proxy_for(self, url: str) -> Proxy | None:
        """The proxy a request for `url` goes through, or None for a direct connection."""
        scheme, host, port = origin(url)
        proxy = self.proxies.get(scheme)
        if proxy is None or _no_proxy_match(host, port, self.no_proxy):
            return None
        return proxy

    def describe(self) -> list[str]:
        """What a run logs about how it connects (no secrets: proxy logins are dropped)."""
        lines = [f"{scheme} via proxy {proxy}" for scheme, proxy in sorted(self.proxies.items())]
        if self.no_proxy and self.proxies:
            lines.append(f"no proxy for {', '.join(self.no_proxy)}")
        return lines


def connect(
    crawl: CrawlSettings,
    *,
    site: SiteSettings | None = None,
    insecure: bool = False,
    environ: Mapping[str, str] | None = None,
) -> Connection:
    """The `Connection` for a site (or for bare crawl settings, as `check-page URL` has);
    TLS goes unverified when the site says `insecure_tls` or `insecure` is true."""
    env = os.environ if environ is None else environ
    label = f"site {site.name!r}: " if site is not None else ""
    insecure = insecure or (site.insecure_tls if site is not None else False)
    proxies: dict[str, Proxy] = {}
    no_proxy: tuple[str, ...] = ()
    if crawl.trust_env:
        for scheme, names in _ENV_PROXIES.items():
            name = next((n for n in names if env.get(n)), None)
            if name is not None:
                proxies[scheme] = Proxy(_proxy_url(env[name], name), name)
        raw = env.get("no_proxy") or env.get("NO_PROXY") or ""
        no_proxy = tuple(e.strip() for e in raw.split(",") if e.strip())
    if crawl.proxy:
        setting = "crawl.proxy" + (f" of site {site.name!r}" if site is not None else "")
        configured = Proxy(_proxy_url(crawl.proxy, setting), setting)
        proxies = {"http": configured, "https": configured}
    return Connection(
        ssl_context=ssl_context(crawl, insecure=insecure, label=label),
        credentials=credentials(site) if site is not None else Credentials(),
        proxies=proxies,
        no_proxy=no_proxy,
        insecure=insecure,
    )


class Routes(httpx.AsyncBaseTransport):
    """Sends each request directly (to the pinned address) or through its proxy."""

    def __init__(
        self,
        connection: Connection,
        limits: httpx.Limits,
        addresses: Callable[[str], list[str] | None],
    ) -> None:
        self.connection = connection
        self.direct = DirectTransport(
            connection.ssl_context,
            addresses,
            max_connections=limits.max_connections or 100,
            keepalive_expiry=limits.keepalive_expiry or 5.0,
        )
        self.proxied = {
            proxy.url: httpx.AsyncHTTPTransport(
                verify=connection.ssl_context,
                limits=limits,
                proxy=httpx.Proxy(
                    proxy.url,
                    # TLS to the proxy itself (an https:// proxy) trusts what the sites do.
                    ssl_context=connection.ssl_context if proxy.url.startswith("https:") else None,
                ),
            )
            for proxy in connection.proxies.values()
        }

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Route by the request's URL."""
        proxy = self.connection.proxy_for(str(request.url))
        transport = self.direct if proxy is None else self.proxied[proxy.url]
        return await transport.handle_async_request(request)

    async def aclose(self) -> None:
        """Close every pool."""
        await self.direct.aclose()
        for transport in self.proxied.values():
            await transport.aclose()
