"""Crawling from inside a government network: an organisation's CA, an outbound proxy,
a staging site behind a login, and the errors a wrong setting gives (all on 127.0.0.1)."""

from __future__ import annotations

import base64
import gzip
import json
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from starlette.testclient import TestClient
from warcio.archiveiterator import ArchiveIterator

from archiver import config
from archiver.store.index import Index
from archiver.web import create_app
from tests.helpers import MakeSettings, crawl, run_archiver
from tests.servers.network import ConnectProxy, Site

PASSWORD = "s3cret-staging-pw"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture
def ca_pem(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "org-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def https_site(server_tls: ssl.SSLContext) -> Iterator[Site]:
    with Site(tls=server_tls) as site:
        yield site


@pytest.fixture
def proxy() -> Iterator[ConnectProxy]:
    with ConnectProxy() as server:
        yield server


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests set exactly the variables they are about."""
    for name in (
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "no_proxy",
    ):
        monkeypatch.delenv(name, raising=False)


def test_https_site_of_an_internal_ca_is_crawled_with_ca_bundle(
    https_site: Site, ca_pem: Path, make_settings: MakeSettings, index_for
) -> None:
    settings = make_settings([https_site.url], retries=0, ca_bundle=str(ca_pem))
    result = crawl(settings, index_for(settings))
    assert result.stats.pages == 2 and result.stats.failed == 0
    assert [path for path, _ in https_site.requests] == ["/robots.txt", "/", "/news"]


def test_without_the_ca_the_failure_says_which_setting_fixes_it(
    https_site: Site, make_settings: MakeSettings, index_for
) -> None:
    settings = make_settings([https_site.url], retries=0)
    index = index_for(settings)
    result = crawl(settings, index)
    assert result.stats.pages == 0 and result.stats.failed == 1
    (failed,) = index.frontier_entries(result.run_id, "failed")
    assert "CERTIFICATE_VERIFY_FAILED" in failed.reason and "crawl.ca_bundle" in failed.reason


def test_ssl_cert_file_is_honoured_unless_trust_env_is_false(
    https_site: Site,
    ca_pem: Path,
    make_settings: MakeSettings,
    index_for,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_pem))
    settings = make_settings([https_site.url], retries=0)
    assert crawl(settings, index_for(settings)).stats.pages == 2
    ignoring = make_settings([https_site.url], retries=0, trust_env=False)
    assert crawl(ignoring, index_for(ignoring)).stats.pages == 0


def test_https_through_a_connect_proxy_set_in_the_config(
    https_site: Site,
    ca_pem: Path,
    proxy: ConnectProxy,
    make_settings: MakeSettings,
    index_for,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SITE_TOKEN", "tok-for-the-site-only")
    settings = make_settings(
        [https_site.url],
        retries=0,
        ca_bundle=str(ca_pem),
        proxy=proxy.url,
        site={"auth": {"type": "bearer", "token_env": "SITE_TOKEN"}},
    )
    result = crawl(settings, index_for(settings))
    assert result.stats.pages == 2
    target = f"127.0.0.1:{https_site.port}"
    # One tunnel (kept alive) or several; each opened with CONNECT to the site, nothing else:
    # the site's credentials travel inside the tunnel, where the proxy cannot read them.
    assert proxy.seen and all(head.startswith(f"CONNECT {target} HTTP/1.1") for head in proxy.seen)
    assert not any("tok-for-the-site-only" in head for head in proxy.seen)
    assert all(h["Authorization"] == "Bearer tok-for-the-site-only" for _, h in https_site.requests)


def test_https_proxy_from_the_environment_and_no_proxy(
    https_site: Site,
    ca_pem: Path,
    proxy: ConnectProxy,
    make_settings: MakeSettings,
    index_for,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    settings = make_settings([https_site.url], retries=0, ca_bundle=str(ca_pem))
    assert crawl(settings, index_for(settings)).stats.pages == 2
    assert proxy.seen
    seen = len(proxy.seen)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.0/8")
    again = make_settings([https_site.url], retries=0, ca_bundle=str(ca_pem))
    assert crawl(again, index_for(again)).stats.pages == 2
    assert len(proxy.seen) == seen, "NO_PROXY host went through the proxy"


def test_connections_go_to_the_address_that_was_checked(
    make_settings: MakeSettings, index_for, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: a name that answers an allowed address to the check, then another
    one, must be fetched from the address checked. No DNS server on loopback can play
    that, so the resolver is replaced: first answer 127.0.0.1, later ones a closed port's
    host; only the crawler's own lookup may happen."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def rebinding(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host == "staging.test":
            asked.append(host)
            host = "127.0.0.1" if len(asked) == 1 else "127.0.0.9"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with Site() as site:
        url = f"http://staging.test:{site.port}/"
        settings = make_settings([url], retries=0)
        result = crawl(settings, index_for(settings))
    assert result.stats.pages == 2 and result.stats.failed == 0
    assert asked == ["staging.test"]
    assert all(headers["Host"] == f"staging.test:{site.port}" for _, headers in site.requests)


# -- through the command line: exit codes, logs, WARC files and reports ---------------


def _toml(tmp_path: Path, site: str, crawl: str = "") -> None:
    (tmp_path / "archiver.toml").write_text(
        "[crawl]\ndelay = 0\nretries = 0\ntimeout = 5\n"
        f"{crawl}\n[[sites]]\n{site}\n"
        "[report]\nformats = ['html', 'json', 'csv', 'junit']\n",
        encoding="utf-8",
    )


def _every_byte(root: Path) -> bytes:
    """Every file under root as bytes, WARC files decompressed."""
    out = b""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        out += gzip.decompress(data) if path.name.endswith(".gz") else data
    return out


def test_staging_site_behind_basic_auth(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with (
        Site("127.0.0.2", links=()) as elsewhere,
        Site(login=f"editor:{PASSWORD}", disallow_all=True, links=("/news", "/away")) as staging,
    ):
        staging.away = f"{elsewhere.url}landing"
        _toml(
            tmp_path,
            f"name = 'staging'\nseeds = ['{staging.url}']\n"
            # 127.0.0.2 is in scope, so the redirect is followed: credentials must not be.
            "include = ['^http://127[.]0[.]0[.][12]:']\n"
            "auth = {type = 'basic', username = 'editor', password_env = 'STAGING_PW'}\n"
            "crawl = {respect_robots = false, allow_private = true}\n",
        )
        monkeypatch.setenv("STAGING_PW", PASSWORD)
        result = run_archiver("run", "--fail-on", "never", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "3 pages checked" in result.stdout
    assert {path for path, _ in staging.requests} == {"/", "/news", "/away"}
    assert all(h.get("Authorization", "").startswith("Basic ") for _, h in staging.requests)
    assert [path for path, _ in elsewhere.requests] == ["/landing"]
    assert "Authorization" not in elsewhere.requests[0][1]
    token = base64.b64encode(f"editor:{PASSWORD}".encode())
    everything = _every_byte(tmp_path) + result.stdout.encode() + result.stderr.encode()
    assert PASSWORD.encode() not in everything and token not in everything
    warcs = sorted(tmp_path.rglob("*.warc.gz"))
    assert warcs
    requests, warcinfo = [], b""
    for path in warcs:
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "request":
                    requests.append(record.http_headers.get_header("Authorization"))
                elif record.rec_type == "warcinfo":
                    warcinfo += record.content_stream().read()
    assert "Basic [redacted]" in requests and None in requests  # /landing went without
    assert b"http-header-redaction: request records: the values of Authorization" in warcinfo
    settings = config.load(tmp_path / "archiver.toml")
    index = Index(settings.storage.index_url)
    try:
        (home,) = [row.id for row in index.captures_of_run(1) if row.url == staging.url]
    finally:
        index.close()
    with TestClient(create_app(settings)) as client:
        page = client.get(f"/capture/{home}").text
    assert "Request as sent" in page and "GET / HTTP/1." in page
    assert "Authorization: Basic [redacted]" in page


def test_missing_secret_is_a_configuration_error(tmp_path: Path) -> None:
    _toml(
        tmp_path,
        "name = 'staging'\nseeds = ['http://127.0.0.1:9/']\n"
        "auth = {type = 'basic', username = 'editor', password_env = 'UNSET_STAGING_PW'}\n",
    )
    result = run_archiver("crawl", cwd=tmp_path)
    assert result.returncode == 2
    assert "sites.[0].auth.password_env: environment variable UNSET_STAGING_PW is not set" in (
        result.stderr
    )


def test_password_in_the_config_is_refused_without_echoing_it(tmp_path: Path) -> None:
    _toml(
        tmp_path,
        "name = 'staging'\nseeds = ['http://127.0.0.1:9/']\n"
        f"auth = {{type = 'basic', username = 'editor', password = '{PASSWORD}'}}\n",
    )
    result = run_archiver("crawl", cwd=tmp_path)
    assert result.returncode == 2
    assert "sites.[0].auth: unknown key 'password'" in result.stderr
    assert PASSWORD not in result.stderr


def test_bad_ca_bundle_exits_2_naming_the_setting(tmp_path: Path) -> None:
    (tmp_path / "bad.pem").write_text("not a certificate\n", encoding="utf-8")
    _toml(tmp_path, "name = 'a'\nseeds = ['https://127.0.0.1:9/']\n", "ca_bundle = 'bad.pem'")
    result = run_archiver("crawl", cwd=tmp_path)
    assert result.returncode == 2
    assert "crawl.ca_bundle" in result.stderr and "bad.pem" in result.stderr
    assert "not a PEM certificate bundle" in result.stderr
    _toml(tmp_path, "name = 'a'\nseeds = ['https://127.0.0.1:9/']\n", "ca_bundle = 'gone.pem'")
    result = run_archiver("crawl", cwd=tmp_path)
    assert result.returncode == 2
    assert "crawl.ca_bundle = " in result.stderr and "gone.pem': no such file" in result.stderr


def test_unreachable_proxy_exits_3_naming_the_setting(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    _toml(
        tmp_path,
        "name = 'a'\nseeds = ['https://127.0.0.1:9/']\n",
        f"proxy = 'http://proxyuser@127.0.0.1:{closed}'",
    )
    result = run_archiver("crawl", cwd=tmp_path)
    assert result.returncode == 3
    assert f"cannot connect to proxy http://127.0.0.1:{closed} (from crawl.proxy of site 'a')" in (
        result.stderr
    )
    assert "proxyuser" not in result.stderr
    assert "no URL of the site could be fetched" in result.stderr


def test_insecure_tls_is_logged_and_shown_on_reports_and_captures(
    tmp_path: Path, ca_pem: Path, server_tls: ssl.SSLContext
) -> None:
    with Site(tls=server_tls) as preview, Site(tls=server_tls) as verified:
        _toml(
            tmp_path,
            f"name = 'preview'\nseeds = ['{preview.url}']\ninsecure_tls = true\n"
            f"[[sites]]\nname = 'verified'\nseeds = ['{verified.url}']\n"
            f"crawl = {{ca_bundle = '{ca_pem}'}}\n",
        )
        result = run_archiver("run", "--fail-on", "never", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    warned = [line for line in result.stderr.splitlines() if "NOT verified" in line]
    assert len(warned) == 1 and "preview" in warned[0]
    for site, insecure in (("preview", True), ("verified", False)):
        reports = tmp_path / "reports" / site
        html = (reports / "latest.html").read_text(encoding="utf-8")
        assert ("TLS certificates were not verified" in html) is insecure
        assert json.loads((reports / "latest.json").read_text())["runs"][0]["insecure_tls"] is (
            insecure
        )
        junit = (reports / "latest.junit.xml").read_text(encoding="utf-8")
        assert ('name="insecure_tls" value="true"' in junit) is insecure
    settings = config.load(tmp_path / "archiver.toml")
    index = Index(settings.storage.index_url)
    try:
        seeds = {preview.url, verified.url}
        pages = {
            row.site: row.id
            for run in (1, 2)
            for row in index.captures_of_run(run)
            if row.url in seeds
        }
    finally:
        index.close()
    with TestClient(create_app(settings)) as client:
        shown = client.get(f"/capture/{pages['preview']}").text
        plain = client.get(f"/capture/{pages['verified']}").text
    assert "TLS not verified" in shown and "insecure_tls = true" in shown
    assert "TLS not verified" not in plain
    info = gzip.decompress(next((tmp_path / "snapshots").rglob("*preview*.warc.gz")).read_bytes())
    assert b"tls-verification: off" in info


def test_check_page_borrows_a_sites_credentials_or_takes_the_options(
    tmp_path: Path, ca_pem: Path, https_site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Site(login=f"editor:{PASSWORD}") as staging:
        _toml(
            tmp_path,
            f"name = 'staging'\nseeds = ['{staging.url}']\n"
            "auth = {type = 'basic', username = 'editor', password_env = 'STAGING_PW'}\n",
        )
        monkeypatch.setenv("STAGING_PW", PASSWORD)
        anonymous = run_archiver("check-page", f"{staging.url}news", cwd=tmp_path)
        borrowed = run_archiver(
            "check-page", f"{staging.url}news", "--site", "staging", cwd=tmp_path
        )
    assert anonymous.returncode == 3 and "HTTP 401" in anonymous.stderr
    assert borrowed.returncode in (0, 1), borrowed.stderr
    assert staging.requests[-1][1]["Authorization"].startswith("Basic ")
    untrusted = run_archiver("check-page", https_site.url, cwd=tmp_path)
    assert untrusted.returncode == 3 and "crawl.ca_bundle" in untrusted.stderr
    trusted = run_archiver("check-page", https_site.url, "--ca-bundle", str(ca_pem), cwd=tmp_path)
    assert trusted.returncode in (0, 1), trusted.stderr


def test_mutual_tls_site_is_crawled_with_a_client_certificate(
    ca: trustme.CA, ca_pem: Path, tmp_path: Path, make_settings: MakeSettings, index_for
) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca.configure_trust(context)
    context.verify_mode = ssl.CERT_REQUIRED
    client = tmp_path / "client.pem"
    ca.issue_cert("archiver@example.gov").private_key_and_cert_chain_pem.write_to_path(str(client))
    with Site(tls=context) as site:
        refused = make_settings([site.url], retries=0, ca_bundle=str(ca_pem))
        assert crawl(refused, index_for(refused)).stats.pages == 0
        settings = make_settings(
            [site.url], retries=0, ca_bundle=str(ca_pem), client_cert=str(client)
        )
        assert crawl(settings, index_for(settings)).stats.pages == 2
