"""Dates: parse them as the profile says, and judge age by calendar years.

Day-first is never guessed: a visible ``05/12/2025`` is read only through a
profile format such as ``%d/%m/%Y``, so it is 5 December 2025.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_DIRECTIVES = {
    "d": r"\d{1,2}",
    "m": r"\d{1,2}",
    "Y": r"\d{4}",
    "y": r"\d{2}",
    "H": r"\d{1,2}",
    "M": r"\d{1,2}",
    "S": r"\d{1,2}",
    "B": r"[^\W\d_]+",
    "b": r"[^\W\d_]+",
    "%": "%",
}


@dataclass(frozen=True)
class ParsedDate:
    """A date found on the page: the calendar day, and the instant if one was given."""

    day: date
    moment: datetime | None
    raw: str


@lru_cache(maxsize=64)
def _format_regex(fmt: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            out.append(_DIRECTIVES.get(fmt[i + 1], re.escape(fmt[i : i + 2])))
            i += 2
        else:
            out.append(r"\s*" if fmt[i].isspace() else re.escape(fmt[i]))
            i += 1
    return re.compile(r"(?<!\d)" + "".join(out) + r"(?!\d)")


def _parse_iso(text: str, tz: ZoneInfo) -> ParsedDate | None:
    for match in _ISO.finditer(text):
        raw = match.group(0)
        try:
            moment = datetime.fromisoformat(raw.replace(" ", "T"))
        except ValueError:
            continue
        if len(raw) == 10:
            return ParsedDate(moment.date(), None, raw)
        if moment.tzinfo is None:
            return ParsedDate(moment.date(), None, raw)
        return ParsedDate(moment.astimezone(tz).date(), moment, raw)
    return None


def parse_date(text: str, formats: tuple[str, ...], tz: ZoneInfo) -> ParsedDate | None:
    """Find the first date in ``text`` readable by one of ``formats``.

    A format is ``"iso"``, ``"text"`` (a date written out in any language
    :func:`text_dates` reads, not after an update word) or a strptime format.
    """
    text = text[:1000]
    for fmt in formats:
        if fmt == "text":
            written = next((d for d in text_dates(text) if not d.excluded), None)
            if written is not None:
                return ParsedDate(written.day, None, written.raw)
            continue
        if fmt == "iso":
            found = _parse_iso(text, tz)
            if found is not None:
                return found
            continue
        for match in _format_regex(fmt).finditer(text):
            try:
                moment = datetime.strptime(match.group(0), fmt)
            except ValueError:
                continue
            return ParsedDate(moment.date(), None, match.group(0))
    return None


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def age_of(published: date, captured: datetime, tz: ZoneInfo) -> tuple[int, bool, date]:
    """Return ``(days, over_one_year, anniversary)`` as seen on the capture's local day.

    Content is over one calendar year old when the capture's day (in the
    profile's time zone) is after the first anniversary of publication; on
    the anniversary itself it is exactly one year old, not more.
    """
    captured_day = captured.astimezone(tz).date() if captured.tzinfo else captured.date()
    anniversary = add_years(published, 1)
    days = (captured_day - published) // timedelta(days=1)
    return days, captured_day > anniversary, anniversary


# Month names as written on public-sector pages in the corpus's languages (English,
# Norwegian, Danish, Swedish, German, French, Dutch, Italian, Spanish), with their usual
# abbreviations. strptime's %B knows only the C locale's English names.
_MONTH_NAMES = {
    1: "january jan januar jänner jän janvier janv januari gennaio gen enero ene",
    2: "february feb februar feber février févr fevrier februari febbraio febrero",
    3: "march mar mars märz maerz mrz maart marzo marts",
    4: "april apr avril aprile abril",
    5: "may mai maj mei maggio mag mayo",
    6: "june jun juni juin giugno giu junio",
    7: "july jul juli juillet juil luglio lug julio",
    8: "august aug août aout augusti augustus agosto ago",
    9: "september sep sept septembre settembre set septiembre setiembre",
    10: "october oct oktober octobre okt ottobre ott octubre",
    11: "november nov novembre noviembre",
    12: "december dec dezember dez desember des décembre déc decembre dicembre dic diciembre",
}
MONTHS = {name: number for number, names in _MONTH_NAMES.items() for name in names.split()}
_MONTH = "(?P<month>" + "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:\.|st|nd|rd|th|er)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
# One alternative per way of writing a date; named groups repeat across them, so
# each alternative is its own pattern, tried together through one regex scan each.
_TEXT_DATES = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        rf"(?<![\w.]){_DAY}\s*(?:de\s+)?{_MONTH}\s*(?:de\s+)?,?\s*{_YEAR}(?!\d)",  # 3. juli 2026
        rf"(?<!\w){_MONTH}\s+{_DAY},?\s+{_YEAR}(?!\d)",  # April 26, 2022
        rf"(?<![\d.]){_YEAR}-(?P<month>[01]?\d)-{_DAY}(?![\d])",  # 2022-04-26
        rf"(?<![\d.]){_DAY}\.\s?(?P<month>[01]?\d)\.\s?{_YEAR}(?!\d)",  # 02.01.2022 (day first)
        rf"(?<![\d/]){_DAY}/(?P<month>[01]?\d)/{_YEAR}(?![\d/])",  # 26/04/2022, if unambiguous
        rf"{_YEAR}\s*年\s*(?P<month>[01]?\d)\s*月\s*(?P<day>[0-3]?\d)\s*日",  # 2019年6月24日
    )
)
# A Chinese or Japanese month and day without a year ("[06月24日 11時30分]").
_MONTH_DAY = re.compile(r"(?<![\d年])(?P<month>[01]?\d)\s*月\s*(?P<day>[0-3]?\d)\s*日")


def month_day(text: str) -> tuple[int, int, str] | None:
    """The one month and day ``text`` writes without a year, or None (none, or several)."""
    found = {(int(m["month"]), int(m["day"]), m.group(0)) for m in _MONTH_DAY.finditer(text)}
    if len({(month, day) for month, day, _ in found}) != 1:
        return None
    return next(iter(found))


def year_in_source(source: str, month: int, day: int) -> int | None:
    """The one year that the page's source writes with this month and day as digits
    (``news20190624_…`` in an id, ``/2019/06/24/`` in a link), or None if none or several:
    the year a yearless date leaves out, when the page says it elsewhere."""
    pattern = re.compile(rf"(?<!\d)((?:19|20)\d\d)[-/._]?{month:02d}[-/._]?{day:02d}(?!\d)")
    years = {int(m.group(1)) for m in pattern.finditer(source)}
    return years.pop() if len(years) == 1 else None


# A date these words lead up to is not a publication date.
NOT_PUBLISHED = re.compile(
    r"(?i)(?:updated|update|modified|revised|reviewed|last changed|as of|valid from|"
    r"aktualisiert|geändert|stand|überarbeitet|oppdatert|endret|sist endra|endra|"
    r"mis à jour|modifié|révisé|aggiornat[oa]|actualizad[oa]|bijgewerkt|gewijzigd|"
    r"uppdaterad|ändrad|opdateret|ændret)\W{0,3}(?:\w+\W{1,3}){0,2}$"
)
# A date these words label is some other event's: a birth, a death, a deadline, a meeting.
OTHER_EVENT = re.compile(
    r"(?i)(?:birth|born|died|death|deadline|closing date|due date|expires?|event date|"
    r"geboren|geburt\w*|gestorben|frist|termin|einsendeschluss|født|død|høringsfrist|"
    r"svarfrist|naissance|né|née|décès|échéance|nato|nata|nascita|scadenza|nacid[oa]|"
    r"nacimiento|plazo|geboortedatum|overleden)\W{0,3}(?:\w+\W{1,3}){0,2}$"
)
# A dash makes a range only between dates: after a number or a month ("1.–3. März 2022",
# "Mai – 3. Juni"), before one that is no time of day; "reineckefuchs — 2. Februar 2022"
# (author, dash, date), "26.01.2022 - 14:30" (date, dash, time) and "3. März 2022 – Berlin"
# (date, dash, place) are bylines and datelines.
_RANGE_BEFORE = re.compile(
    rf"(?i)(?:(?:\d\.?|(?<!\w){_MONTH})\s*[-–—]|(?<!\w)(?:to|bis|til|till|au|al|à|tot))\s*$"
)
_RANGE_AFTER = re.compile(
    rf"(?i)^\s*(?:[-–—]\s*(?:\d(?!\d?:\d\d)|{_MONTH}(?!\w))|(?:to|bis|til|till|au|al|à|tot)(?!\w)\s*\S)"
)


@dataclass(frozen=True)
class TextDate:
    """A date written in visible text, and whether its context makes it no publication date."""

    day: date
    raw: str
    start: int
    excluded: bool
    updated: bool = False


# Words that label the date after them as the publication date.
PUBLISHED_LABEL = re.compile(
    r"(?i)(?:published|posted|issued|publication date|date of publication|veröffentlicht|"
    r"erschienen|publiziert|publisert|publisert dato|publié|publiée|date de publication|"
    r"pubblicato|data di pubblicazione|publicado|fecha de publicación|gepubliceerd|"
    r"publicerad|publiceret)(?:\s+(?:on|am|le|il|el|op|den|på))?\s*:?\s*$"
)


LABEL_WORDS = (
    "published", "posted", "issued", "publication date", "date of publication",
    "veröffentlicht", "erschienen", "publiziert", "publisert", "publié", "date de publication",
    "pubblicato", "data di pubblicazione", "publicado", "fecha de publicación", "gepubliceerd",
    "publicerad", "publiceret",
)  # fmt: skip
_LABEL_WINDOW = 48  # characters after a label word in which its date must start
# A bare "Date" label counts only right before its date ("Date 23.05.2011", "Datum:"), and
# not after words that make it another event's ("Closing date", "Event date").
BARE_LABELS = ("date", "datum", "dato", "fecha")
_BARE_GAP = 3  # characters between a bare label and its date (a colon and spaces)


def labelled_date(text: str) -> TextDate | None:
    """The one date ``text`` labels as the publication date ("Published: 22 October 2013",
    "Veröffentlicht am 3. Juli 2026"); None if there is none or they disagree.

    Only the text right after each label word is read for a date: reading every date
    of a long page to keep the labelled ones would cost a regex scan of all of it.
    """
    lowered = text.lower()
    labelled: list[TextDate] = []
    for word in LABEL_WORDS:
        start = lowered.find(word)
        while start >= 0:
            window = text[start : start + len(word) + _LABEL_WINDOW]
            found = next(iter(text_dates(window)), None)
            if found and not found.excluded and PUBLISHED_LABEL.search(window[: found.start]):
                labelled.append(found)
            start = lowered.find(word, start + len(word))
    for word in BARE_LABELS:
        start = lowered.find(word)
        while start >= 0:
            end = start + len(word)
            bare = (start == 0 or not text[start - 1].isalnum()) and not text[
                end : end + 1
            ].isalnum()
            window = text[end : end + _BARE_GAP + 30]
            found = next(iter(text_dates(window)), None) if bare else None
            if (
                found
                and not found.excluded
                and found.start <= _BARE_GAP
                and not window[: found.start].strip(" :")
                and not OTHER_EVENT.search(text[max(0, start - 40) : end])
            ):
                labelled.append(found)
            start = lowered.find(word, end)
    return labelled[0] if len({d.day for d in labelled}) == 1 else None


def text_dates(text: str) -> list[TextDate]:
    """Every calendar date written out in ``text``, in order, with its exclusion.

    Precision first: a slashed date is read only when day and month cannot be
    swapped (one part above 12, or both equal); a date preceded by an update
    word ("Last updated", "Stand", "oppdatert", …) or part of a range
    ("1.–3. März 2022", "2021 – 2022") is marked excluded.
    """
    found: dict[int, TextDate] = {}
    for number, pattern in enumerate(_TEXT_DATES):
        for match in pattern.finditer(text):
            if any(d.start <= match.start() < d.start + len(d.raw) for d in found.values()):
                continue
            month_text = match["month"].lower().rstrip(".")
            month = int(month_text) if month_text.isdigit() else MONTHS.get(month_text, 0)
            day_number = int(match["day"])
            if number == 4 and day_number <= 12 and month <= 12 and day_number != month:
                continue
            try:
                day = date(int(match["year"]), month, day_number)
            except ValueError:
                continue
            before = text[max(0, match.start() - 40) : match.start()]
            after = text[match.end() : match.end() + 12]
            updated = NOT_PUBLISHED.search(before) is not None
            ranged = _RANGE_AFTER.match(after) is not None
            ranged = ranged or _RANGE_BEFORE.search(before) is not None
            found[match.start()] = TextDate(
                day, match.group(0), match.start(), updated or ranged, updated and not ranged
            )
    return [found[k] for k in sorted(found)]
