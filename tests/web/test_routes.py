"""Viewer routes through an in-process client, over two checked crawls of a small site."""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import replace
from pathlib import Path

from starlette.testclient import TestClient

from archiver import config
from archiver.web import create_app
from archiver.web.signed import REPLAY_TTL, ReplaySigner
from tests.web.conftest import Archived


def test_pages_list_latest_status_captures_and_open_violations(
    client: TestClient, archived: Archived
) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "4 pages" in page.text
    # Run 2 renamed the Tromsø heading: the title is the latest h1, two captures each.
    row = re.search(r"Minister visited Tromsø and Alta</a>.*?</tr>", page.text, re.S)
    assert row is not None
    assert "<td>2</td>" in row.group(0)
    assert "photo-credits" in row.group(0) and "consistent-titles" in row.group(0)


def test_pages_search_by_title_and_url_and_filter_by_rule_and_status(client: TestClient) -> None:
    assert "1 page<" in client.get("/", params={"q": "coastal ferry"}).text
    assert "1 page<" in client.get("/", params={"q": "/en/hostile/"}).text
    by_rule = client.get("/", params={"rule": "consistent-titles"}).text
    assert "1 page<" in by_rule and "Tromsø" in by_rule
    assert "0 pages" in client.get("/", params={"status": "404"}).text
    assert client.get("/", params={"status": "abc"}).status_code == 400


def test_timeline_marks_changed_and_unchanged_captures(
    client: TestClient, archived: Archived
) -> None:
    tromso = client.get("/timeline", params={"url": archived.site_url + "en/tromso/"}).text
    assert tromso.count('class="changed"') == 1
    hostile = client.get("/timeline", params={"url": archived.site_url + "en/hostile/"}).text
    assert "revisit of #" in hostile and "changed" not in hostile.replace("unchanged", "")
    assert client.get("/timeline", params={"url": "http://nowhere.test/"}).status_code == 404


def test_capture_page_shows_banner_violations_and_a_sandboxed_frame(
    client: TestClient, archived: Archived
) -> None:
    capture_id = archived.capture(1, "/en/tromso/")
    page = client.get(f"/capture/{capture_id}")
    assert page.status_code == 200
    assert "sha256:" in page.text and ".warc.gz" in page.text
    assert 'data-rule="photo-credits"' in page.text
    frame = re.search(r"<iframe[^>]*>", page.text)
    assert frame is not None
    assert 'sandbox="allow-scripts"' in frame.group(0)
    assert "allow-same-origin" not in page.text
    assert "frame-src 'self'" in page.headers["content-security-policy"]


def test_replay_is_sandboxed_rewritten_and_outlines_the_uncredited_image(
    client: TestClient, archived: Archived
) -> None:
    capture_id = archived.capture(1, "/en/tromso/")
    replay = client.get(f"/capture/{capture_id}/replay")
    assert replay.status_code == 200
    assert replay.headers["content-security-policy"].startswith("sandbox ")
    assert "allow-same-origin" not in replay.headers["content-security-policy"]
    assert "X-Archive-Orig-Server".lower() in replay.headers
    html = replay.text
    marked = re.findall(r"<img[^>]*data-archiver-violation[^>]*>", html)
    assert len(marked) == 1 and "tromso.png" in marked[0]
    assert f"/web/{_ts(html)}id_/{archived.site_url}css/site.css" in html
    assert f'href="/web/{_ts(html)}/{archived.site_url}en/ferry/"' in html
    assert 'href="/web/' in html and "https://live.example.org/never" in html
    assert f'src="{archived.site_url}' not in html  # nothing left pointing at the live site
    plain = client.get(f"/capture/{capture_id}/replay", params={"outline": "0"}).text
    assert "data-archiver-violation" not in plain


def test_mismatched_heading_is_outlined_in_the_later_capture(
    client: TestClient, archived: Archived
) -> None:
    html = client.get(f"/capture/{archived.capture(2, '/en/tromso/')}/replay").text
    assert re.search(r'<h1 data-archiver-violation="consistent-titles">Minister visited', html)


def _ts(html: str) -> str:
    match = re.search(r"/web/(\d{14})id_/", html)
    assert match is not None
    return match.group(1)


def test_embeds_resolve_to_the_nearest_capture_and_css_is_rewritten(
    client: TestClient, archived: Archived
) -> None:
    html = client.get(f"/capture/{archived.capture(1, '/en/tromso/')}/replay").text
    stamp = _ts(html)
    image = client.get(f"/web/{stamp}id_/{archived.site_url}images/tromso.png")
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    assert image.headers["content-security-policy"].startswith("sandbox")
    css = client.get(f"/web/{stamp}id_/{archived.site_url}css/site.css")
    assert f"url(/web/{stamp}id_/{archived.site_url}images/bg.png)" in css.text
    missing = client.get(f"/web/{stamp}id_/https://live.example.org/never")
    assert missing.status_code == 404 and "not in the archive" in missing.text


def test_wayback_address_redirects_to_the_capture_nearest_in_time(
    client: TestClient, archived: Archived
) -> None:
    url = archived.site_url + "en/tromso/"
    first, second = archived.capture(1, "/en/tromso/"), archived.capture(2, "/en/tromso/")
    early = client.get(f"/web/19990101000000/{url}")
    assert early.status_code == 302 and early.headers["location"] == f"/capture/{first}"
    late = client.get(f"/web/2999/{url}")
    assert late.headers["location"] == f"/capture/{second}"
    assert client.get(f"/web/12/{url}").status_code == 400
    goto = client.get("/goto", params={"url": url, "date": "1999-01-01"})
    assert goto.headers["location"] == f"/web/19990101/{url}"


def test_page_model_from_cache_and_raw_record_download(
    client: TestClient, archived: Archived
) -> None:
    capture_id = archived.capture(1, "/en/tromso/")
    model = client.get(f"/capture/{capture_id}/model.json")
    assert model.headers["x-archiver-model"] == "cache"
    assert model.json()["titles"]["h1"]["raw"] == "Minister visits Tromsø"
    record = client.get(f"/capture/{capture_id}/record.warc.gz")
    assert record.headers["content-type"] == "application/warc"
    text = gzip.decompress(record.content)
    assert text.startswith(b"WARC/1.1\r\n") and b"WARC-Type: response" in text
    assert b"Minister visits Troms" in text
    image = archived.capture(1, "/images/tromso.png")
    assert client.get(f"/capture/{image}/model.json").status_code == 404


def test_model_is_extracted_on_demand_when_not_cached(archived: Archived) -> None:
    # Another rule pack means another extraction profile: nothing cached for it.
    settings = replace(
        archived.settings, sites=(replace(archived.settings.sites[0], rules=("default",)),)
    )
    with TestClient(create_app(settings)) as client:
        viewer = client.app_state["viewer"]
        row = viewer.index.capture(archived.capture(1, "/en/tromso/"))
        model, cached = viewer.archive.model(row)
    assert cached is False
    assert model["titles"]["h1"]["raw"] == "Minister visits Tromsø"


def test_compare_diffs_main_content_and_model_fields(
    client: TestClient, archived: Archived
) -> None:
    a, b = archived.capture(1, "/en/tromso/"), archived.capture(2, "/en/tromso/")
    page = client.get("/compare", params={"a": b, "b": a})  # order is fixed by time
    assert page.status_code == 200
    assert "<del>The minister visited Tromsø on Thursday.</del>" in page.text
    assert "<ins>The minister visited Tromsø and Alta on Thursday and Friday.</ins>" in page.text
    assert re.search(r'<tr class="changed"><th>title: h1</th>', page.text)
    assert re.search(r'<tr class="same"><th>date: published</th>', page.text)
    default = client.get("/compare", params={"a": a})
    assert default.status_code == 200 and "<del>" in default.text
    assert client.get("/compare", params={"a": b}).status_code == 404
    assert client.get("/compare").status_code == 400


def test_violations_dashboard_new_and_fixed_by_rule_and_section(
    client: TestClient, archived: Archived
) -> None:
    page = client.get("/violations", params={"site": "small"})
    assert page.status_code == 200
    text = page.text
    assert f"run {archived.runs[1]}, compared with run {archived.runs[0]}" in text
    new = re.search(r'<table class="list new">.*?</table>', text, re.S)
    fixed = re.search(r'<table class="list fixed">.*?</table>', text, re.S)
    assert new is not None and fixed is not None
    assert "consistent-titles" in new.group(0) and "photo-credits" not in new.group(0)
    assert "/images/ferry.png" in fixed.group(0)
    assert f'href="/capture/{archived.capture(1, "/en/ferry/")}"' in fixed.group(0)
    by_section = re.search(r'data-group="section">.*?</table>', text, re.S)
    assert by_section is not None and "<th>/en/ferry/</th>" in by_section.group(0)
    first = client.get("/violations", params={"site": "small", "run": archived.runs[0]}).text
    assert "everything is new" in first


def test_errors_are_rendered_in_one_place_with_their_status(client: TestClient) -> None:
    for path, status in (("/capture/999999", 404), ("/nowhere", 404), ("/capture/x", 404)):
        response = client.get(path)
        assert response.status_code == status
        assert f'data-status="{status}"' in response.text
    assert client.get("/violations", params={"run": "x"}).status_code == 400


def test_paths_cannot_reach_files(client: TestClient) -> None:
    for path in (
        "/static/../../config.py",
        "/static/%2e%2e/%2e%2e/store/index.py",
        "/capture/1/../../etc/passwd",
        "/web/2024/file:///etc/passwd",
    ):
        response = client.get(path)
        assert response.status_code in (400, 404), path
        assert "root:" not in response.text and "sqlalchemy" not in response.text


def test_token_gates_pages_and_signed_replay_addresses_open_one_resource_briefly(
    archived: Archived,
) -> None:
    app = create_app(archived.settings, token="s3cret")
    capture_id = archived.capture(1, "/en/tromso/")
    other_id = archived.capture(1, "/en/ferry/")
    with TestClient(app, follow_redirects=False) as anonymous:
        assert anonymous.get("/").status_code == 401
        assert anonymous.get(f"/capture/{capture_id}/replay").status_code == 401
        login = anonymous.get("/", params={"token": "s3cret"})
        assert login.status_code == 303 and login.headers["location"] == "/"
        cookie = login.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        page = anonymous.get(f"/capture/{capture_id}")
        assert page.status_code == 200  # the cookie now carries the token
        frame_src = re.search(r'<iframe[^>]* src="([^"]+)"', page.text)
        assert frame_src is not None and "s3cret" not in page.text.split("<iframe")[1]
        signed = frame_src.group(1).replace("&amp;", "&")
    with TestClient(app, follow_redirects=False) as outsider:
        # What archived content can learn (its own address and those it embeds)...
        replay = outsider.get(signed)
        assert replay.status_code == 200 and "s3cret" not in replay.text
        embedded = re.findall(r'src="(/r/[^"]+)"', replay.text)
        assert embedded and outsider.get(embedded[0]).status_code == 200
        # ...opens exactly those addresses: no other capture, no viewer page.
        for forged in (
            signed.replace(f"/capture/{capture_id}/", f"/capture/{other_id}/"),
            signed.replace(f"/capture/{capture_id}/replay", "/violations"),
            signed.replace(f"/capture/{capture_id}/replay", f"/capture/{capture_id}"),
            "/k/whatever/violations",
        ):
            assert outsider.get(forged).status_code in (401, 403, 404), forged
        assert outsider.get("/violations").status_code == 401
        # A signed address for a viewer page opens nothing either.
        viewer_page = ReplaySigner("s3cret").sign("/violations")
        assert outsider.get(viewer_page).status_code == 403
        # And it expires.
        later = ReplaySigner("s3cret", clock=lambda: 0.0).sign(f"/capture/{capture_id}/replay")
        assert int(later.split("/")[2]) == REPLAY_TTL
        assert outsider.get(later).status_code == 401
        # The token goes in a Bearer header; a bare one is refused.
        assert outsider.get("/", headers={"Authorization": "s3cret"}).status_code == 401
        assert outsider.get("/", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_archived_responses_may_be_framed_only_by_the_viewer_and_never_open_top_level(
    client: TestClient, archived: Archived
) -> None:
    capture_id = archived.capture(1, "/en/tromso/")
    replay = client.get(f"/capture/{capture_id}/replay")
    policy = replay.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in policy and "allow-top-navigation" not in policy
    assert 'target="_top"' not in replay.text
    page = client.get(f"/capture/{capture_id}")
    assert 'sandbox="allow-scripts"' in page.text
    # Opened as a document (typed in, or a link out of the frame), a replay
    # address shows the viewer's capture page, which frames it.
    document = {"Sec-Fetch-Dest": "document"}
    direct = client.get(f"/capture/{capture_id}/replay", headers=document)
    assert direct.status_code == 302 and direct.headers["location"] == f"/capture/{capture_id}"
    stamp = _ts(replay.text)
    raw = client.get(f"/web/{stamp}id_/{archived.site_url}en/tromso/", headers=document)
    assert raw.status_code == 302 and raw.headers["location"] == f"/capture/{capture_id}"
    # A link clicked inside the frame replays the linked page in the frame.
    ferry = archived.site_url + "en/ferry/"
    framed = client.get(f"/web/{stamp}/{ferry}", headers={"Sec-Fetch-Dest": "iframe"})
    assert framed.status_code == 200 and framed.headers["content-security-policy"] == policy


def test_ids_too_large_for_the_index_are_not_found_with_the_security_headers(
    client: TestClient,
) -> None:
    huge = str(2**63)
    for path, params in (
        (f"/capture/{huge}", {}),
        (f"/capture/{huge}/replay", {}),
        ("/compare", {"a": huge}),
        ("/compare", {"a": "1", "b": huge}),
        ("/violations", {"run": huge}),
    ):
        response = client.get(path, params=params)
        assert response.status_code == 404, (path, params, response.status_code)
        assert "frame-ancestors" in response.headers["content-security-policy"]


def test_viewer_answers_only_to_the_host_names_it_is_bound_to(archived: Archived) -> None:
    app = create_app(archived.settings, bind="127.0.0.1")
    with TestClient(app, base_url="http://127.0.0.1:8080") as loopback:
        assert loopback.get("/violations").status_code == 200
        for host in ("localhost:8080", "[::1]:8080", "127.0.0.1"):
            assert loopback.get("/violations", headers={"Host": host}).status_code == 200
        rebound = loopback.get("/violations", headers={"Host": "attacker.example"})
        assert rebound.status_code == 400 and "web.allowed_hosts" in rebound.text
    web = replace(archived.settings.web, allowed_hosts=("archive.intranet.example",))
    app = create_app(replace(archived.settings, web=web), bind="0.0.0.0")
    with TestClient(app, base_url="http://archive.intranet.example") as office:
        assert office.get("/violations").status_code == 200
        assert office.get("/", headers={"Host": "10.1.2.3:8080"}).status_code == 200
        assert office.get("/", headers={"Host": "attacker.example"}).status_code == 400


def test_model_json_matches_the_page_schema_fields(client: TestClient, archived: Archived) -> None:
    body = client.get(f"/capture/{archived.capture(2, '/en/ferry/')}/model.json").json()
    assert json.dumps(body)  # plain JSON
    assert body["images"][0]["credit"] == "Statens vegvesen"


def test_the_viewer_opens_its_index_when_it_starts_and_closes_it_when_it_stops(
    tmp_path: Path,
) -> None:
    settings = config.parse({"storage": {"root": str(tmp_path / "snapshots")}})
    app = create_app(settings)
    database = Path(settings.storage.index_url.removeprefix("sqlite:///"))
    log = database.with_name(database.name + "-wal")
    assert not database.exists()  # making the app opens nothing
    with TestClient(app) as client:
        assert client.get("/violations").status_code == 200
        assert log.exists()
    # SQLite removes its write-ahead log when the last connection to it closes.
    assert database.exists() and not log.exists()
