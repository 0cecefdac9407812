"""URL canonicalisation and crawl scope.

Two URLs that name the same page canonicalise to the same string, so a page is
fetched once: the scheme and host are lower-cased (IDN hosts become punycode),
default ports, fragments and tracking parameters (`utm_*`, `fbclid`, …) are
dropped, query parameters are sorted, and percent-escapes are normalised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, quote, unquote_plus, urlencode, urlsplit, urlunsplit

from archiver.config import SiteSettings
from archiver.patterns import Pattern, compile_any

TRACKING_PARAMS = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_ga|_gl|yclid|igshid)$", re.I
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SAFE_PATH = "/:@!$&'()*+,;=-._~%"
_SAFE_QUERY = "/?:@!$'()*+,;=-._~%"
_DIGITS = re.compile(r"\d+")


def _idna(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _requote(part: str, safe: str) -> str:
    """Decode escapes of unreserved characters, upper-case the rest, escape what must be."""

    def _fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    return quote(_ESCAPE.sub(_fix, part), safe=safe)


def _remove_dot_segments(path: str) -> str:
    output: list[str] = []
    for segment in path.split("/")[1:]:
        if segment == "..":
            if output:
                output.pop()
        elif segment != ".":
            output.append(segment)
    if path.endswith(("/.", "/..")):
        output.append("")
    return "/" + "/".join(output)


def _tracking(piece: str) -> bool:
    """Whether one `name=value` piece of a query is a tracking parameter."""
    return bool(TRACKING_PARAMS.match(unquote_plus(piece.split("=", 1)[0])))


def _normal(url: str) -> tuple[str, str, str, str]:
    """Scheme, netloc, path and raw query of an absolute http(s) URL, normalised."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = parts.hostname
    if not host:
        raise ValueError(f"URL without a host: {url!r}")
    host = _idna(host.rstrip(".").lower())
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _remove_dot_segments(_requote(parts.path or "/", _SAFE_PATH))
    return scheme, netloc, path, parts.query


@lru_cache(maxsize=8_192)
def clean(url: str) -> str:
    """The address a URL is fetched and recorded under; ValueError for non-http(s) URLs.

    The canonical form's normalisation (host, port, path escapes, no fragment,
    no tracking parameters) with the query otherwise as written: its order and
    spelling may matter to the server, while tracking parameters never change
    content. Characters a URL may not hold (spaces, non-ASCII) are %-escaped,
    so the WARC-Target-URI and the CDXJ line are well-formed.
    """
    scheme, netloc, path, query = _normal(url)
    pieces = [_requote(p, _SAFE_QUERY) for p in query.split("&") if p and not _tracking(p)]
    return urlunsplit((scheme, netloc, path, "&".join(pieces), ""))


@lru_cache(maxsize=8_192)
def canonicalize(url: str) -> str:
    """The canonical form of an absolute http(s) URL; ValueError for anything else.

    Memoised: a site's navigation links recur on every page, so most calls repeat.
    """
    scheme, netloc, path, raw_query = _normal(url)
    query_pairs = [
        (k, v)
        for k, v in parse_qsl(raw_query, keep_blank_values=True)
        if not TRACKING_PARAMS.match(k)
    ]
    query = urlencode(sorted(query_pairs), quote_via=quote, safe="/:@!$'()*,;")
    return urlunsplit((scheme, netloc, path, query, ""))


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of an http(s) URL as the canonical form writes it."""
    scheme, netloc, _, _ = _normal(url)
    return f"{scheme}://{netloc}"


def host_of(url: str) -> str:
    """Lower-case host (IDNA) of a URL, without port."""
    return _idna((urlsplit(url).hostname or "").lower())


def host_key(url: str) -> str:
    """Politeness key of a URL: scheme, host and port."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def pattern_of(url: str) -> str:
    """The URL with digit runs folded, grouping calendar-like trap URLs together."""
    parts = urlsplit(url)
    keys = "&".join(sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}))
    return _DIGITS.sub("N", f"{parts.netloc}{parts.path}?{keys}")


def _repeats(path: str) -> bool:
    segments = [s for s in path.split("/") if s]
    return any(segments.count(s) >= 3 for s in set(segments))


@dataclass(frozen=True)
class Scope:
    """What a site's crawl may fetch: page URLs (followed) and embeds (images, CSS, scripts)."""

    hosts: frozenset[str]
    include: tuple[Pattern, ...]
    exclude: tuple[Pattern, ...]
    max_url_length: int
    origins: frozenset[str] = frozenset()  # what is in scope when `include` is empty

    @classmethod
    def of(cls, site: SiteSettings) -> Scope:
        """The scope a site's settings describe.

        By default that is the seeds' origins (scheme, host, port), so another
        service on a seed's host (another port) is not crawled; an `http` seed on
        the default port brings its `https` origin, where servers upgrade to.
        """
        origins = set()
        for seed in site.seeds:
            try:
                origin = origin_of(seed)
            except ValueError:
                continue
            origins.add(origin)
            if origin.startswith("http://") and ":" not in origin[len("http://") :]:
                origins.add("https://" + origin[len("http://") :])
        return cls(
            origins=frozenset(origins),
            hosts=frozenset(_idna(h) for h in site.hosts),
            include=compile_any(site.include),
            exclude=compile_any(site.exclude),
            max_url_length=site.crawl.max_url_length,
        )

    def refuse(self, url: str, *, embed: bool = False) -> str | None:
        """Why `url` is out of scope, or None when it may be fetched."""
        if len(url) > self.max_url_length:
            return "url-too-long"
        if any(p.search(url) for p in self.exclude):
            return "excluded"
        if self.include and not embed:
            if not any(p.search(url) for p in self.include):
                return "not-included"
        elif origin_of(url) not in self.origins and not any(p.search(url) for p in self.include):
            return "other-host"
        if _repeats(urlsplit(url).path):
            return "repeating-path"
        return None
