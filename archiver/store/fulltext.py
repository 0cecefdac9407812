"""Full-text search of archived pages: where did we publish this sentence, and since when?

The visible text of each distinct HTML payload is stored once in `page_texts`
(keyed by payload digest, so revisits and unchanged pages cost nothing) when
the check stage extracts its page model; no second pass over the WARC files.
SQLite searches it with FTS5, PostgreSQL with a GIN-indexed `simple` tsvector
(migration 0004). A search is a phrase search; its hits are grouped by URL with
the first and last capture whose payload contains the phrase and a snippet of
the newest one. `archiver verify --repair-index` fills in what is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from lxml import etree
from lxml import html as lxml_html

from archiver.errors import ArchiveError
from archiver.markup import BLOCK_ELEMENTS
from archiver.store.blobs import WarcStore
from archiver.store.index import Index
from archiver.store.payload import PayloadTooLarge, decode, header
from archiver.store.schema import UTCDateTime, captures, metadata

# Stored per payload: a press release is a few KB of text; a 300-page report
# in HTML is not searched past this.
MAX_TEXT_CHARS = 200_000
# The snippet marks what matched with these; they are stripped from stored text.
MARK_START, MARK_END = "\x02", "\x03"
# Decoded bytes read from a WARC record when indexing it after the fact.
MAX_DECODED = 50_000_000
_UNSEARCHED = ("script", "style", "template", "noscript", "head")
_BLOCKS = BLOCK_ELEMENTS

page_texts = sa.Table(
    "page_texts",
    metadata,
    sa.Column("payload_digest", sa.String(100), primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)


@dataclass(frozen=True)
class Hit:
    """One URL whose archived captures contain the phrase."""

    site: str
    canonical_url: str
    url: str
    title: str
    first_at: datetime
    last_at: datetime
    captures: int
    latest_id: int
    snippet: str  # plain text with MARK_START / MARK_END around each match


def visible_text(document: str | bytes) -> str:
    """The text a reader sees in an HTML document's body, whitespace collapsed.

    lxml rather than BeautifulSoup: this runs on every newly extracted page and
    must cost a small fraction of the extraction itself. Given bytes, lxml
    finds the charset the document declares.
    """
    root = _parse(document)
    if root is None:
        return ""
    etree.strip_elements(root, *_UNSEARCHED, etree.Comment, with_tail=False)
    # A block starts and ends a line: "<h1>Care</h1><p>The" is two words, not one.
    # iterwalk, not recursion: hostile pages nest elements thousands deep.
    pieces: list[str] = []
    for event, element in etree.iterwalk(root, events=("start", "end")):
        block = isinstance(element.tag, str) and element.tag in _BLOCKS
        if event == "start":
            pieces.append("\n" if block else "")
            pieces.append(element.text or "")
        else:
            pieces.append("\n" if block else "")
            if element is not root:
                pieces.append(element.tail or "")
    text = " ".join("".join(pieces).split())
    return _clean(text)[:MAX_TEXT_CHARS]


def _parse(document: str | bytes) -> Any:
    try:
        return lxml_html.document_fromstring(document)
    except (etree.ParserError, ValueError):
        return None


def _clean(text: str) -> str:
    # NUL is not storable in PostgreSQL text; the marks must stay unambiguous.
    return text.replace("\x00", "").replace(MARK_START, "").replace(MARK_END, "")


def store_text(index: Index, payload_digest: str, title: str | None, text: str) -> None:
    """Record the visible text of one payload (once; a second call changes nothing)."""
    with index.begin() as conn:
        conn.execute(
            index.insert_ignore(page_texts),
            [
                {
                    "payload_digest": payload_digest,
                    "title": _clean(title or ""),
                    "text": text,
                    "created_at": datetime.now(UTC),
                }
            ],
        )


def rebuild(store: WarcStore, index: Index, site: str) -> int:
    """Index the text of the site's archived HTML pages that have none yet; returns how many.

    For archives made before search existed, or whose index lost the rows:
    `archiver verify --repair-index` calls it.
    """
    missing = (
        sa.select(captures.c.payload_digest, captures.c.warc_file, captures.c.offset)
        .where(
            captures.c.site == site,
            captures.c.is_page.is_(True),
            captures.c.status == 200,
            captures.c.record_type == "response",
            captures.c.content_type.ilike("%html%"),
            ~sa.exists().where(page_texts.c.payload_digest == captures.c.payload_digest),
        )
        .order_by(captures.c.id)
    )
    with index.read() as conn:
        rows = conn.execute(missing).all()
    done: set[str] = set()
    for row in rows:
        if row.payload_digest in done:
            continue
        record = store.read_record(row.warc_file, row.offset)
        try:
            body = decode(record.payload, header(record.headers, "content-encoding"), MAX_DECODED)
        except PayloadTooLarge:
            continue
        root = _parse(body)
        heading = root.find(".//h1") if root is not None else None
        if heading is None and root is not None:
            heading = root.find(".//title")
        title = " ".join(heading.text_content().split()) if heading is not None else ""
        store_text(index, row.payload_digest, title, visible_text(body))
        done.add(row.payload_digest)
    return len(done)


def date_bound(text: str, name: str, *, inclusive_end: bool = False) -> datetime | None:
    """A YYYY-MM-DD (or ISO 8601) bound given by a user as a UTC moment (None when empty).

    With `inclusive_end`, a plain date means the end of that day.
    """
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name}: expected a date YYYY-MM-DD, got {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if inclusive_end and len(text) == 10:
        moment += timedelta(days=1)
    return moment


def _fts_phrase(phrase: str) -> str:
    return '"' + phrase.replace('"', '""') + '"'


def search(
    index: Index,
    phrase: str,
    *,
    site: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 50,
) -> list[Hit]:
    """URLs whose captures contain `phrase`, newest containing capture first.

    `start`/`end` bound the capture times considered (end exclusive). Matching
    is by words, case-insensitive, in order (a phrase query), as the FTS
    engine of the index's backend tokenises them.
    """
    words = " ".join(phrase.split())
    if not words:
        raise ArchiveError("search: give a phrase to look for")
    postgres = index.engine.dialect.name == "postgresql"
    if postgres:
        document: sa.ColumnElement[Any] = sa.literal_column("page_texts.tsv")
        query = sa.func.phraseto_tsquery(sa.literal_column("'simple'"), words)
        matching = sa.select(page_texts.c.payload_digest).where(document.op("@@")(query))
    else:
        fts = sa.table("page_texts_fts", sa.column("rowid"))
        matching = (
            sa.select(page_texts.c.payload_digest)
            .select_from(fts)
            .join(page_texts, sa.literal_column("page_texts.rowid") == fts.c.rowid)
            .where(sa.text("page_texts_fts MATCH :phrase").bindparams(phrase=_fts_phrase(words)))
        )
    hits = matching.subquery()
    grouped = (
        sa.select(
            captures.c.site,
            captures.c.canonical_url,
            sa.func.min(captures.c.captured_at).label("first_at"),
            sa.func.max(captures.c.captured_at).label("last_at"),
            sa.func.count().label("n"),
            sa.func.max(captures.c.id).label("latest_id"),
        )
        .join(hits, hits.c.payload_digest == captures.c.payload_digest)
        .where(captures.c.is_page.is_(True))
        .group_by(captures.c.site, captures.c.canonical_url)
        .order_by(sa.desc("last_at"), captures.c.canonical_url)
        .limit(limit)
    )
    if site:
        grouped = grouped.where(captures.c.site == site)
    if start is not None:
        grouped = grouped.where(captures.c.captured_at >= start)
    if end is not None:
        grouped = grouped.where(captures.c.captured_at < end)
    with index.read() as conn:
        groups = conn.execute(grouped).all()
        latest = {
            r.id: r
            for r in conn.execute(
                sa.select(captures.c.id, captures.c.url, captures.c.payload_digest).where(
                    captures.c.id.in_([g.latest_id for g in groups])
                )
            ).all()
        }
        digests = sorted({r.payload_digest for r in latest.values()})
        snippets = dict(_snippets(conn, digests, words, postgres)) if digests else {}
    return [
        Hit(
            site=g.site,
            canonical_url=g.canonical_url,
            url=latest[g.latest_id].url,
            title=snippets.get(latest[g.latest_id].payload_digest, ("", ""))[0],
            first_at=g.first_at,
            last_at=g.last_at,
            captures=int(g.n),
            latest_id=int(g.latest_id),
            snippet=snippets.get(latest[g.latest_id].payload_digest, ("", ""))[1],
        )
        for g in groups
    ]


def _snippets(
    conn: sa.Connection, digests: list[str], words: str, postgres: bool
) -> Iterator[tuple[str, tuple[str, str]]]:
    """(digest, (title, snippet)) for the payloads shown, the match marked."""
    if postgres:
        headline = sa.func.ts_headline(
            sa.literal_column("'simple'"),
            page_texts.c.text,
            sa.func.phraseto_tsquery(sa.literal_column("'simple'"), words),
            f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, "
            "MaxFragments=1, FragmentDelimiter=' … '",
        )
        rows: Any = conn.execute(
            sa.select(page_texts.c.payload_digest, page_texts.c.title, headline).where(
                page_texts.c.payload_digest.in_(digests)
            )
        ).all()
    else:
        rows = conn.execute(
            sa.text(
                "SELECT p.payload_digest, p.title, "
                "snippet(page_texts_fts, 1, char(2), char(3), ' … ', 24) "
                "FROM page_texts_fts JOIN page_texts p ON p.rowid = page_texts_fts.rowid "
                "WHERE page_texts_fts MATCH :phrase AND p.payload_digest IN :digests"
            ).bindparams(sa.bindparam("digests", expanding=True)),
            {"phrase": _fts_phrase(words), "digests": digests},
        ).all()
    for digest, title, snippet in rows:
        yield digest, (title or "", snippet or "")


__all__ = [
    "MARK_END",
    "MARK_START",
    "Hit",
    "date_bound",
    "rebuild",
    "search",
    "store_text",
    "visible_text",
]
