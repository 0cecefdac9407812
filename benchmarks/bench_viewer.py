"""The viewer, search and HTML report at site scale: latency and size on a large index.

Usage: python benchmarks/bench_viewer.py [--captures 100000] [--urls 20000] [--runs 5]
                                         [--requests 30] [--findings 10000]
                                         [--db sqlite,postgresql]

Builds an index of synthetic capture rows (--captures over --urls URLs and --runs runs, with
page texts, checks and 10,000 violations a run) on each backend, serves the viewer with
uvicorn on 127.0.0.1 and times each list route over HTTP (p50/p95 of --requests requests after
warm-up, response size), times phrase searches, then renders an HTML report of --findings
findings and loads it in headless Chromium (Debian's, via Playwright) until its table is drawn.
The capture view reads one WARC record and is not a function of archive size: not timed here.
PostgreSQL is the local server (127.0.0.1:5432, database `test`, a schema of its own).
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archiver import config
from archiver.check.tracking import Finding, TrackingResult
from archiver.report.html import render_html
from archiver.report.model import Page, RunReport, Section
from archiver.store import fulltext
from archiver.store.index import Index, captures, checks, runs, violations
from archiver.web import create_app

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
_VOCABULARY = (
    "regjeringen minister departement budsjett helse skole ferje kyst vei energi klima "
    "statsråd høring forslag lov endring tilskudd kommune fylke forskning nyhet "
    "pressemelding government ministry budget health school ferry coast road energy"
)
WORDS = _VOCABULARY.split()
RULES = ("photo-credits", "age-notice", "consistent-titles", "missing-h1")


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def build(index: Index, n_captures: int, n_urls: int, n_runs: int) -> dict[str, object]:
    """Fill an empty index with synthetic runs, captures, page texts, checks and violations."""
    rng = random.Random(7)
    per_run = n_captures // n_runs
    base = "https://www.regjeringen.no/no/aktuelt/"
    urls = [
        f"{base}{'nyhet' if i % 3 else 'pressemelding'}-{i}/id{3000000 + i}/" for i in range(n_urls)
    ]
    run_ids = [
        index.start_run("bench", kind="crawl", pid=1, hostname="bench") for _ in range(n_runs)
    ]
    texts: dict[str, tuple[str, str]] = {}
    rare = set(rng.sample(range(n_urls), max(1, n_urls // 100)))
    rows = []
    for r, run_id in enumerate(run_ids):
        at = T0 + timedelta(days=r)
        for k in range(per_run):
            i = k % n_urls
            # A page changes in about one run of three: a new payload, a new text.
            version = (i + r) // 3
            digest = f"sha256:{i:06d}-{version}"
            if digest not in texts:
                body = _text(rng, 200)
                if i in rare:
                    body += " the coastal ferry subsidy rises next year " + _text(rng, 20)
                texts[digest] = (f"Nyhet {i} versjon {version}", body)
            rows.append(
                {
                    "run_id": run_id,
                    "site": "bench",
                    "url": urls[i],
                    "canonical_url": urls[i],
                    "captured_at": at + timedelta(seconds=k),
                    "status": 404 if i % 97 == 0 else 200,
                    "content_type": "text/html; charset=utf-8",
                    "payload_digest": digest,
                    "record_type": "response",
                    "warc_file": f"bench/run-{run_id}.warc.gz",
                    "offset": k * 4000,
                    "length": 4000,
                    "is_page": True,
                    "depth": 1,
                }
            )
    with index.begin() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(captures.insert(), rows[start : start + 5000])
    for digest, (title, body) in texts.items():
        fulltext.store_text(index, digest, title, body)
    with index.begin() as conn:
        ids = dict(
            conn.execute(
                sa.select(captures.c.canonical_url, sa.func.max(captures.c.id)).group_by(
                    captures.c.canonical_url
                )
            ).all()
        )
        for r, run_id in enumerate(run_ids):
            found = []
            for i in range(0, n_urls, 2):
                if (i + r) % 50 == 0:
                    continue  # fixed in this run
                rule = RULES[i % len(RULES)]
                found.append(
                    {
                        "run_id": run_id,
                        "capture_id": ids[urls[i]],
                        "site": "bench",
                        "rule": rule,
                        "severity": "error",
                        "url": urls[i],
                        "canonical_url": urls[i],
                        "message": f"{rule} on page {i}",
                        "pointer": "/images/0",
                        "evidence": "{}",
                        "subject": f"s{i}",
                        "fingerprint": f"{i:064d}",
                        "captured_at": T0 + timedelta(days=r),
                        "pack": "default",
                    }
                )
            conn.execute(violations.insert(), found)
            conn.execute(
                checks.insert().values(
                    run_id=run_id,
                    site="bench",
                    checked_at=T0 + timedelta(days=r, hours=1),
                    pages=n_urls,
                    violations=len(found),
                    rules="[]",
                )
            )
        conn.execute(sa.update(runs).values(status="completed", finished_at=T0))
    return {"urls": urls, "runs": run_ids, "texts": len(texts)}


@contextmanager
def serve(settings: config.Settings) -> Iterator[str]:
    """The viewer on 127.0.0.1 (a free port) in a thread."""
    app = create_app(settings)
    sock = socket.socket()
    # Accepted connections inherit it: without, Nagle and delayed ACKs add ~40 ms a response.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)


def timed(client: httpx.Client, path: str, n: int) -> tuple[float, float, int, int]:
    """(p50 ms, p95 ms, response bytes, status) of `n` GETs of `path` after two warm-ups."""
    for _ in range(2):
        client.get(path)
    times, size, status = [], 0, 0
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        size, status = len(response.content), response.status_code
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)], size, status


def bench_backend(name: str, url: str, args: argparse.Namespace, root: Path) -> None:
    index = Index(url)
    started = time.perf_counter()
    built = build(index, args.captures, args.urls, args.runs)
    print(
        f"\n[{name}] built {args.captures:,} captures over {args.urls:,} URLs, {args.runs} runs, "
        f"{built['texts']:,} page texts in {time.perf_counter() - started:.0f} s"
    )
    urls: list[str] = built["urls"]  # type: ignore[assignment]
    run_ids: list[int] = built["runs"]  # type: ignore[assignment]
    index.close()
    settings = config.parse(
        {"storage": {"root": str(root), "index": url}, "sites": []}, base_dir=root
    )
    mid = urls[len(urls) // 2]
    with serve(settings) as base, httpx.Client(base_url=base, timeout=60) as client:
        first = client.get("/", params={"limit": 100}).text
        marker = 'class="next-page" rel="next" href="'
        deep = first.split(marker, 1)[1].split('"', 1)[0].replace("&amp;", "&")
        routes = [
            ("pages, first page", "/"),
            ("pages, next page (cursor)", deep),
            ("pages, sorted Z→A", "/?sort=-url"),
            ("pages, text filter", "/?q=pressemelding-19"),
            ("pages, rule filter", "/?rule=consistent-titles"),
            ("pages, HTTP 404 filter", "/?status=404"),
            ("timeline of one URL", f"/timeline?url={mid}"),
            ("violations, latest run", "/violations?site=bench"),
            ("violations, older run", f"/violations?site=bench&run={run_ids[1]}"),
            ("search, 1 % of pages", "/search?q=coastal+ferry+subsidy"),
            ("search, common words", "/search?q=ferje+kyst"),
            ("search, no hit", "/search?q=zzzz+qqqq"),
        ]
        print(f"{'route':32} {'p50 ms':>8} {'p95 ms':>8} {'KB':>8}  status")
        for label, path in routes:
            p50, p95, size, status = timed(client, path, args.requests)
            print(f"{label:32} {p50:8.1f} {p95:8.1f} {size / 1024:8.1f}  {status}")
    search_index = Index(url)
    try:
        for phrase in ("coastal ferry subsidy rises", "minister budsjett"):
            times = []
            for _ in range(args.requests):
                start = time.perf_counter()
                hits = fulltext.search(search_index, phrase)
                times.append((time.perf_counter() - start) * 1000)
            times.sort()
            print(
                f"fulltext.search({phrase!r}): {len(hits)} URLs, p50 "
                f"{statistics.median(times):.1f} ms, p95 {times[int(len(times) * 0.95) - 1]:.1f} ms"
            )
    finally:
        search_index.close()


def bench_report(n: int, out: Path) -> None:
    """Render a report of `n` findings, then open it in Chromium until its table is drawn."""
    rng = random.Random(3)
    statuses = ["new"] * 5 + ["persisting"] * 80 + ["fixed"] * 10 + ["suppressed"] * 5
    findings = []
    for i in range(n):
        rule = RULES[i % len(RULES)]
        url = f"https://www.regjeringen.no/no/aktuelt/sak-{i // 2}/id{3000000 + i // 2}/"
        evidence = (
            {"src": f"/globalassets/bilder/foto-{i}.jpg", "caption": _text(rng, 8), "alt": ""}
            if rule == "photo-credits"
            else {"published": "2024-03-05", "captured_at": "2026-11-28T03:00:00Z"}
        )
        findings.append(
            Finding(
                site="bench",
                run_id=5,
                status=rng.choice(statuses),
                fingerprint=f"{i:064x}",
                rule=rule,
                severity="error",
                url=url,
                canonical_url=url,
                first_seen_run=1,
                first_seen_at=T0,
                last_seen_run=5,
                last_seen_at=T0 + timedelta(days=4),
                violation={
                    "message": {
                        "photo-credits": f"Content image /globalassets/bilder/foto-{i}.jpg has "
                        "no visible photo credit",
                        "age-notice": "Published 2024-03-05, over a year before capture on "
                        "2026-01-09, but no age notice is shown",
                        "consistent-titles": "Title og_title differs from h1",
                        "missing-h1": "The article has no <h1> in its content",
                    }[rule],
                    "evidence": evidence,
                    "capture": {"capture_id": 100000 + i, "warc_file": "x", "offset": i},
                },
            )
        )
    tracking = TrackingResult(
        site="bench", run_id=5, previous_run_id=4, findings=findings, counts={}, pages=n // 2
    )
    section = Section(
        site="bench",
        run_id=5,
        run_status="completed",
        started_at=T0,
        finished_at=T0,
        tracking=tracking,
        pages=[Page(f.url, T0, i) for i, f in enumerate(findings[::2])],
    )
    start = time.perf_counter()
    html = render_html(RunReport([section], viewer_url="http://127.0.0.1:8080"))
    render_s = time.perf_counter() - start
    path = out / "report-10k.html"
    path.write_text(html, encoding="utf-8")
    print(
        f"\nHTML report, {n:,} findings: {len(html.encode()) / 1024 / 1024:.2f} MB, "
        f"rendered in {render_s:.2f} s"
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            loads = []
            for _ in range(5):
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                start = time.perf_counter()
                page.goto(path.as_uri())
                page.wait_for_selector("#problems[data-ready]")
                loads.append((time.perf_counter() - start) * 1000)
                rows = page.locator("#problems tbody tr").count()
                page.close()
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(path.as_uri())
            page.wait_for_selector("#problems[data-ready]")
            shot = out / "report-10k.png"
            page.screenshot(path=str(shot))
            page.locator("#all").screenshot(path=str(out / "report-10k-table.png"))
        finally:
            browser.close()
    print(
        f"opened in Chromium until the table is drawn: median {statistics.median(loads):.0f} ms "
        f"(of 5; {rows} rows drawn, the rest paged); screenshot {shot}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captures", type=int, default=100_000)
    parser.add_argument("--urls", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--findings", type=int, default=10_000)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--out", type=Path, default=Path("test-artifacts"))
    args = parser.parse_args()
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-viewer-") as tmp:
        root = Path(tmp)
        for name in args.db.split(","):
            if name == "sqlite":
                bench_backend(name, f"sqlite:///{root / 'index.sqlite3'}", args, root)
            elif name == "postgresql":
                schema = f"bench_{uuid.uuid4().hex[:10]}"
                admin = sa.create_engine(PG_ADMIN)
                with admin.begin() as conn:
                    conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
                try:
                    bench_backend(name, f"{PG_ADMIN}?options=-csearch_path%3D{schema}", args, root)
                finally:
                    with admin.begin() as conn:
                        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
                    admin.dispose()
    bench_report(args.findings, args.out)


if __name__ == "__main__":
    main()
