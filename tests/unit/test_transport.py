"""How requests leave: proxy choice (NO_PROXY as curl reads it), credentials bound to the
site's origins, redaction of what WARC request records keep, and errors naming settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver import config
from archiver.config import CrawlSettings
from archiver.crawl.transport import REDACTED, connect, redact, shown
from archiver.errors import ConfigError


def _site(tmp_path: Path, **site: object) -> config.SiteSettings:
    data = {"sites": [{"name": "s", "seeds": ["http://staging.example/"], **site}]}
    return config.parse(data, base_dir=tmp_path).sites[0]


@pytest.mark.parametrize(
    ("url", "no_proxy", "proxied"),
    [
        ("https://www.example.gov/", "", True),
        ("https://www.example.gov/", "example.gov", False),
        ("https://www.example.gov/", ".example.gov", False),
        ("https://example.gov/", "example.gov", False),
        ("https://notexample.gov/", "example.gov", True),
        ("https://10.1.2.3/", "10.0.0.0/8", False),
        ("https://11.1.2.3/", "10.0.0.0/8", True),
        ("https://intranet:8443/", "intranet:443", True),
        ("https://intranet:8443/", "intranet:8443", False),
        ("http://anything/", "*", False),
    ],
)
def test_no_proxy(url: str, no_proxy: str, proxied: bool) -> None:
    env = {"HTTPS_PROXY": "proxy:3128", "HTTP_PROXY": "http://proxy:3128", "NO_PROXY": no_proxy}
    connection = connect(CrawlSettings(), environ=env)
    proxy = connection.proxy_for(url)
    assert (proxy is not None) is proxied
    if proxy is not None:
        assert proxy.url == "http://proxy:3128"


def test_config_proxy_wins_and_trust_env_false_ignores_the_environment() -> None:
    env = {"HTTPS_PROXY": "http://env-proxy:3128", "NO_PROXY": "intranet"}
    configured = connect(CrawlSettings(proxy="http://org-proxy:8080"), environ=env)
    assert str(configured.proxy_for("https://a.example/")) == (
        "http://org-proxy:8080 (from crawl.proxy)"
    )
    assert configured.proxy_for("https://intranet/") is None
    assert connect(CrawlSettings(trust_env=False), environ=env).proxy_for("https://a/") is None


def test_proxy_logins_never_shown_and_socks_refused() -> None:
    env = {"HTTPS_PROXY": "http://user:pw@proxy:3128"}
    proxy = connect(CrawlSettings(), environ=env).proxy_for("https://a.example/")
    assert proxy is not None and "pw" not in str(proxy) and "user" not in str(proxy)
    assert shown("http://user:pw@[::1]:3128/") == "http://[::1]:3128/"
    with pytest.raises(ConfigError, match=r"ALL_PROXY = 'socks5://proxy:1080': expected an http"):
        connect(CrawlSettings(), environ={"ALL_PROXY": "socks5://u:secret@proxy:1080"})


def test_password_in_crawl_proxy_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"crawl\.proxy: a password does not belong"):
        config.parse({"crawl": {"proxy": "http://u:secret@proxy:3128"}})


def test_credentials_go_to_the_seeds_origins_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREVIEW_TOKEN", "tok-123")
    (tmp_path / "sso-cookie").write_text("session=abc\n", encoding="utf-8")
    site = _site(
        tmp_path,
        auth=[
            {"type": "bearer", "token_env": "PREVIEW_TOKEN"},
            {"type": "cookie", "cookie_file": "sso-cookie"},
            {"type": "header", "name": "X-Preview", "value_env": "PREVIEW_TOKEN"},
        ],
    )
    creds = connect(site.crawl, site=site).credentials
    sent = {
        "Authorization": "Bearer tok-123",
        "Cookie": "session=abc",
        "X-Preview": "tok-123",
    }
    assert creds.for_url("http://staging.example/a") == sent
    assert creds.for_url("https://staging.example/a") == sent  # the upgrade
    assert creds.for_url("http://staging.example:8080/") == {}
    assert creds.for_url("http://cdn.example/") == {}
    assert creds.for_url("http://staging.example.evil/") == {}


def test_unset_or_unreadable_secrets_name_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOPE_PW", raising=False)
    site = _site(tmp_path, auth={"type": "basic", "username": "u", "password_env": "NOPE_PW"})
    with pytest.raises(ConfigError, match=r"sites\.\[0\]\.auth\.password_env: environment var"):
        connect(site.crawl, site=site)
    site = _site(tmp_path, auth={"type": "bearer", "token_file": "missing"})
    with pytest.raises(ConfigError, match=r"sites\.\[0\]\.auth\.token_file: cannot read"):
        connect(site.crawl, site=site)


def test_redaction_keeps_the_scheme_and_the_header_names() -> None:
    headers = [
        ("Host", "a"),
        ("Authorization", "Basic ZWRpdG9yOnB3"),
        ("cookie", "session=abc"),
        ("X-Preview", "tok"),
        ("Proxy-Authorization", "Basic eA=="),
    ]
    assert redact(headers, frozenset({"x-preview"})) == [
        ("Host", "a"),
        ("Authorization", f"Basic {REDACTED}"),
        ("cookie", REDACTED),
        ("X-Preview", REDACTED),
        ("Proxy-Authorization", f"Basic {REDACTED}"),
    ]


def test_client_certificate_errors_name_the_setting(tmp_path: Path) -> None:
    (tmp_path / "client.pem").write_text("nope", encoding="utf-8")
    crawl = CrawlSettings(client_cert=str(tmp_path / "client.pem"))
    with pytest.raises(ConfigError, match=r"crawl\.client_cert = .*cannot load the client"):
        connect(crawl)
    with pytest.raises(ConfigError, match=r"crawl\.client_key is set without crawl\.client_cert"):
        connect(CrawlSettings(client_key="k.pem"))
