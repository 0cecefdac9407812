"""`archiver.crawl.robots` directly: robots.txt bodies as the hostile server on 127.0.0.1 sends
them, and each answer RFC 9309 gives a meaning (4xx, 5xx, 429, no answer, too many redirects)."""

from __future__ import annotations

import gzip

import httpx
import pytest

from archiver.crawl.robots import MAX_DECODED_BYTES, MAX_ROBOTS_BYTES, Robots
from tests.servers.hostile import HostileServer, gzip_bomb

AGENT = "archiver"


def _fetched(server: HostileServer) -> Robots:
    response = httpx.get(server.url + "robots.txt", timeout=10)
    return Robots.from_response(
        response.status_code,
        response.content,
        content_encoding=response.headers.get("content-encoding"),
    )


def test_a_normal_robots_txt_disallows_its_paths_and_lists_its_sitemaps() -> None:
    with HostileServer() as server:
        robots = _fetched(server)
    assert not robots.allowed(server.url + "private/secret", AGENT)
    assert robots.allowed(server.url + "leaf/1", AGENT)
    assert sorted(s.rsplit("/", 1)[1] for s in robots.sitemaps()) == [
        "sitemap-bomb.xml",
        "sitemap-self.xml",
    ]
    assert robots.unreachable is None


def test_a_malformed_robots_txt_still_yields_its_one_valid_group() -> None:
    with HostileServer(robots="malformed") as server:
        robots = _fetched(server)
    assert not robots.allowed(server.url + "private/x", AGENT)
    assert robots.allowed(server.url + "leaf/1", AGENT)


def test_only_the_first_500_kib_of_a_huge_robots_txt_are_read() -> None:
    with HostileServer(robots="huge") as server:
        robots = _fetched(server)
    # /private/ is ruled at the top; /leaf/ only past 4 MiB, beyond what is parsed.
    assert not robots.allowed(server.url + "private/x", AGENT)
    assert robots.allowed(server.url + "leaf/1", AGENT)


def test_a_gzipped_body_is_decoded_before_its_rules_are_read() -> None:
    body = gzip.compress(b"User-agent: *\nDisallow: /x/\nCrawl-delay: 2.5\n")
    robots = Robots.from_response(200, body, content_encoding="gzip")
    assert not robots.allowed("http://a.test/x/1", AGENT)
    assert robots.allowed("http://a.test/y", AGENT)
    assert robots.crawl_delay(AGENT) == 2.5


def test_a_compressed_bomb_is_refused_as_unreachable_not_expanded() -> None:
    robots = Robots.from_response(200, gzip_bomb(), content_encoding="gzip")
    assert robots.disallow_all and not robots.allowed("http://a.test/", AGENT)
    assert robots.unreachable == f"robots.txt decodes to more than {MAX_DECODED_BYTES} bytes"


def test_a_rule_past_the_cap_is_not_seen() -> None:
    filler = b"# " + b"x" * MAX_ROBOTS_BYTES + b"\n"
    robots = Robots.from_response(
        200, b"User-agent: *\nDisallow: /a/\n" + filler + b"Disallow: /b/\n"
    )
    assert not robots.allowed("http://a.test/a/", AGENT)
    assert robots.allowed("http://a.test/b/", AGENT)


@pytest.mark.parametrize(
    ("status", "error", "allowed", "reason"),
    [
        (404, None, True, None),  # no robots.txt: everything allowed
        (410, None, True, None),
        (301, None, True, None),  # redirects past the limit count as unavailable
        (500, None, False, "robots.txt answered 500"),  # server error: nothing this run
        (503, None, False, "robots.txt answered 503"),
        (429, None, False, "robots.txt answered 429"),
        (None, "connection refused", False, "connection refused"),
    ],
)
def test_what_each_answer_allows(
    status: int | None, error: str | None, allowed: bool, reason: str | None
) -> None:
    robots = Robots.from_response(status, b"User-agent: *\nDisallow: /\n", error)
    assert robots.allowed("http://a.test/page", AGENT) is allowed
    assert robots.unreachable == reason
    assert robots.sitemaps() == [] and robots.crawl_delay(AGENT) == 0.0
