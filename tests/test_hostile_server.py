"""Each hostile route misbehaves as its docstring table says, within small timeouts."""

from __future__ import annotations

import email.utils
import time
import zlib

import brotli
import httpx
import pytest
from protego import Protego

from tests.servers.hostile import INDEX_LINKS, MIB, HostileServer


@pytest.fixture
def client(hostile_server: HostileServer):
    with httpx.Client(base_url=hostile_server.url, timeout=3) as client:
        yield client


def test_index_links_to_every_route(client: httpx.Client) -> None:
    page = client.get("/").text
    for href in INDEX_LINKS:
        assert f'href="{href}"' in page


def test_normal_robots_disallows_private_and_names_sitemaps(
    client: httpx.Client, hostile_server: HostileServer
) -> None:
    robots = Protego.parse(client.get("/robots.txt").text)
    assert not robots.can_fetch(hostile_server.url + "private/secret", "archiver")
    assert robots.can_fetch(hostile_server.url + "leaf/1", "archiver")
    assert {s.rsplit("/", 1)[1] for s in robots.sitemaps} == {
        "sitemap-bomb.xml",
        "sitemap-self.xml",
    }


def test_malformed_robots_still_holds_one_valid_group() -> None:
    with HostileServer(robots="malformed") as server:
        body = httpx.get(server.url + "robots.txt", timeout=3).content
    assert body.startswith(b"\xef\xbb\xbf") and b"\x00" in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    robots = Protego.parse(body.decode("utf-8", errors="replace"))
    assert not robots.can_fetch(server.url + "private/x", "archiver")


def test_huge_robots_hides_a_rule_past_four_mebibytes() -> None:
    with HostileServer(robots="huge") as server:
        body = httpx.get(server.url + "robots.txt", timeout=5).content
    assert len(body) > 4 * MIB
    assert body.index(b"Disallow: /private/") < 100
    assert body.index(b"Disallow: /leaf/") > 4 * MIB


def test_slow_route_times_out_and_stop_does_not_wait_for_it() -> None:
    server = HostileServer().start()
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(server.url + "slow?seconds=30", timeout=0.3)
    server.stop()
    assert time.monotonic() - started < 2


def test_drip_sends_headers_at_once_and_the_body_slowly() -> None:
    # One byte, then a 60 s wait before the next: the response is judged by what has
    # arrived while the server is provably still in that wait (it logs a request when it
    # is done with it), never by the test's clock.
    with (
        HostileServer() as server,
        httpx.Client(base_url=server.url, timeout=90) as client,
        client.stream("GET", "/drip?bytes=3&interval=60") as response,
    ):
        assert response.headers["content-length"] == "3"
        chunks = response.iter_raw()
        assert next(chunks) == b"x"
        assert server.requests.snapshot() == []  # still dripping
        server.stop()  # wakes the wait: the body ends short
        with pytest.raises(httpx.RemoteProtocolError):
            list(chunks)
    [record] = server.requests.snapshot()
    assert record.path.startswith("/drip")


def test_endless_body_is_chunked_and_never_ends(client: httpx.Client) -> None:
    received = 0
    with client.stream("GET", "/endless") as response:
        assert "content-length" not in response.headers
        assert response.headers["transfer-encoding"] == "chunked"
        for chunk in response.iter_raw():
            received += len(chunk)
            if received > 8 * MIB:
                break
    assert received > 8 * MIB


def test_gzip_bomb_is_small_on_the_wire_and_huge_decoded(client: httpx.Client) -> None:
    with client.stream("GET", "/bomb/gzip") as response:
        assert response.headers["content-encoding"] == "gzip"
        raw = b"".join(response.iter_raw())
    assert len(raw) < 1.1 * MIB
    decoder = zlib.decompressobj(31)
    assert decoder.decompress(raw, 64 * MIB) == bytes(64 * MIB)
    assert decoder.unconsumed_tail  # far more is still to come
    assert int.from_bytes(raw[-4:], "little") == (1 << 30) % (1 << 32)


def test_brotli_bomb_is_small_on_the_wire_and_huge_decoded(client: httpx.Client) -> None:
    with client.stream("GET", "/bomb/brotli") as response:
        assert response.headers["content-encoding"] == "br"
        raw = b"".join(response.iter_raw())
    assert len(raw) < 256 * 1024
    assert len(brotli.Decompressor().process(raw[:2048])) > 8 * MIB


def test_big_body_has_the_declared_size(client: httpx.Client) -> None:
    response = client.get("/big?mb=3")
    assert int(response.headers["content-length"]) == len(response.content) == 3 * MIB


def test_flaky_route_fails_twice_with_retry_after_then_recovers(client: httpx.Client) -> None:
    statuses = [client.get("/flaky/a").status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert client.get("/flaky/b").headers["retry-after"] == "1"  # its own counter


def test_rate_limited_route_sends_429_with_retry_after(client: httpx.Client) -> None:
    first = client.get("/ratelimit/a")
    assert (first.status_code, first.headers["retry-after"]) == (429, "1")
    assert client.get("/ratelimit/a").status_code == 200
    dated = client.get("/ratelimit/b?date=1").headers["retry-after"]
    assert email.utils.parsedate_to_datetime(dated).tzinfo is not None


def test_redirect_loop_chain_and_private_target(client: httpx.Client) -> None:
    with pytest.raises(httpx.TooManyRedirects):
        client.get("/loop/a", follow_redirects=True)
    chain = client.get("/chain/5", follow_redirects=True)
    assert chain.status_code == 200 and len(chain.history) == 5
    assert client.get("/redirect/private").headers["location"] == "http://10.0.0.1/"
    assert "169.254.169.254" in client.get("/redirect/metadata").headers["location"]


def test_broken_transports(client: httpx.Client) -> None:
    with pytest.raises(httpx.ReadError):
        client.get("/reset")
    with pytest.raises(httpx.RemoteProtocolError, match="complete message body"):
        client.get("/truncated")
    with pytest.raises(httpx.RemoteProtocolError, match="status line"):
        client.get("/bad-status")


def test_declared_charset_lies(client: httpx.Client) -> None:
    wrong = client.get("/charset/wrong")
    assert "utf-8" in wrong.headers["content-type"]
    with pytest.raises(UnicodeDecodeError):
        wrong.content.decode("utf-8")
    assert "«Æ, Ø og Å»" in wrong.content.decode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        client.get("/charset/invalid").content.decode("utf-8")


def test_pathological_html(client: httpx.Client) -> None:
    assert client.get("/deep").text.count("<div>") == 100_000
    line = client.get("/long-line").content
    assert len(line) >= 10 * MIB and b"\n" not in line
    assert client.get("/many-links").text.count('<a href="/leaf/') == 20_000
    weird = client.get("/weird-links").text
    assert "\x01" in weird and "bücher.example" in weird and "/leaf/" + "a" * 100_000 in weird


def test_calendar_trap_goes_on_forever(client: httpx.Client) -> None:
    december = client.get("/calendar/2026/12/").text
    assert 'href="/calendar/2027/01/"' in december and 'href="/calendar/2026/11/"' in december
    assert 'href="/calendar/10000/01/"' in client.get("/calendar/9999/12/").text
    assert client.get("/calendar/2026/13/").status_code == 404


def test_hostile_sitemaps(client: httpx.Client, hostile_server: HostileServer) -> None:
    bomb = client.get("/sitemap-bomb.xml").text
    assert bomb.count("<!ENTITY") == 10 and "&lol9;" in bomb
    assert (
        f"<loc>{hostile_server.url}sitemap-self.xml</loc>" in client.get("/sitemap-self.xml").text
    )


def test_offsite_links_and_request_log(client: httpx.Client, hostile_server: HostileServer) -> None:
    page = client.get("/offsite").text
    assert 'href="http://10.0.0.1/"' in page and "www.stortinget.no" in page
    assert client.head("/").status_code == 405
    records = hostile_server.requests.wait_for(2)
    assert [(r.method, r.path, r.status) for r in records] == [
        ("GET", "/offsite", 200),
        ("HEAD", "/", 405),
    ]
    assert all(r.start <= r.end for r in records)
