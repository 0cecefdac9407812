"""`archiver.crawl.fetcher` directly, against the hostile server on 127.0.0.1: what is kept of a
response (as sent, capped, marked truncated), what is retried, and where it refuses to go."""

from __future__ import annotations

import asyncio
import gzip
import io
import socket
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from archiver.config import CrawlSettings
from archiver.crawl.fetcher import Fetched, Fetcher, retry_after
from archiver.errors import FetchError
from tests.servers.hostile import HostileServer

LOCAL = frozenset({"127.0.0.1"})


def _fetch(url: str, private_ok: frozenset[str] = LOCAL, **settings: object) -> Fetched:
    crawl = replace(CrawlSettings(), **{"timeout": 10, "retries": 0, **settings})  # type: ignore[arg-type]

    async def go() -> Fetched:
        fetcher = Fetcher(crawl, private_ok=private_ok)
        try:
            return await fetcher.fetch(url)
        finally:
            await fetcher.aclose()

    return asyncio.run(go())


def _header(fetched: Fetched, name: str) -> str | None:
    return next(
        (v for k, v in fetched.exchange.response_headers if k.lower() == name.lower()), None
    )


def test_a_compressed_body_is_kept_as_sent(hostile_server: HostileServer) -> None:
    fetched = _fetch(hostile_server.url + "bomb/gzip")
    body = fetched.exchange.body
    assert _header(fetched, "content-encoding") == "gzip"
    assert len(body) < 2 * 1024 * 1024  # the wire bytes, not the GiB they decode to
    assert body[:2] == b"\x1f\x8b"  # still gzip, as the WARC record must keep it
    assert len(gzip.GzipFile(fileobj=io.BytesIO(body)).read(1 << 20)) == 1 << 20
    assert fetched.exchange.truncated is None


def test_a_body_past_max_bytes_is_cut_and_marked(hostile_server: HostileServer) -> None:
    fetched = _fetch(hostile_server.url + "big?mb=2", max_bytes=100_000)
    assert len(fetched.exchange.body) == 100_000
    assert fetched.exchange.truncated == "length"


def test_an_endless_chunked_body_is_cut_and_its_framing_header_renamed(
    hostile_server: HostileServer,
) -> None:
    fetched = _fetch(hostile_server.url + "endless", max_bytes=1_000_000)
    assert fetched.exchange.truncated == "length" and len(fetched.exchange.body) == 1_000_000
    names = [k for k, _ in fetched.exchange.response_headers]
    assert "X-Archive-Orig-Transfer-Encoding" in names and "Transfer-Encoding" not in names


def test_a_dropped_connection_keeps_what_came(hostile_server: HostileServer) -> None:
    fetched = _fetch(hostile_server.url + "truncated")
    assert fetched.exchange.status == 200
    assert fetched.exchange.truncated == "disconnect"
    assert 0 < len(fetched.exchange.body) < 100_000


def test_a_body_that_outlasts_the_timeout_is_kept_and_marked_time(
    hostile_server: HostileServer,
) -> None:
    # One byte a second for a minute against a one-second cap.
    fetched = _fetch(hostile_server.url + "drip?bytes=60&interval=1", timeout=1)
    assert fetched.exchange.truncated == "time"
    assert len(fetched.exchange.body) < 60


def test_a_503_with_retry_after_is_retried_until_it_recovers(
    hostile_server: HostileServer,
) -> None:
    fetched = _fetch(hostile_server.url + "flaky/a?fail=1", retries=2)
    assert fetched.exchange.status == 200 and fetched.attempts == 2
    assert [r.status for r in hostile_server.requests.snapshot()] == [503, 200]


def test_a_retry_after_longer_than_allowed_returns_the_answer_at_once(
    hostile_server: HostileServer,
) -> None:
    fetched = _fetch(hostile_server.url + "flaky/b?fail=5", retries=3, max_retry_after=0.5)
    assert fetched.exchange.status == 503 and fetched.attempts == 1


def test_no_answer_at_all_is_a_fetch_error_naming_the_attempts() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed: connections are refused
    with pytest.raises(FetchError, match=r"after 2 attempts") as raised:
        _fetch(f"http://127.0.0.1:{port}/", retries=1)
    assert raised.value.url == f"http://127.0.0.1:{port}/"


def test_a_private_address_is_refused_unless_a_seed_is_there(
    hostile_server: HostileServer,
) -> None:
    with pytest.raises(FetchError, match=r"resolves to non-public address 127\.0\.0\.1"):
        _fetch(hostile_server.url, private_ok=frozenset())
    assert hostile_server.requests.snapshot() == []  # refused before connecting
    assert (
        _fetch(hostile_server.url, private_ok=frozenset(), allow_private=True).exchange.status
        == 200
    )


def test_the_request_is_recorded_as_sent(hostile_server: HostileServer) -> None:
    fetched = _fetch(hostile_server.url, user_agent="archiver-test/1")
    request = dict(fetched.exchange.request_headers)
    assert request["User-Agent"] == "archiver-test/1"
    assert request["Accept-Encoding"] == "gzip, deflate"
    # The server logs a request once its response is sent, a moment after we have it.
    assert hostile_server.requests.wait_for(1)[0].headers["User-Agent"] == "archiver-test/1"
    assert fetched.exchange.ip_address == "127.0.0.1"


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert retry_after("120") == 120.0
    assert retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30.0
    assert retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now) == 0.0
    assert retry_after("soon") is None and retry_after(None) is None
