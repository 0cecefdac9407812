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
    """Find the first date in ``text`` readable by one of ``formats`` (``"iso"`` or strptime)."""
    text = text[:1000]
    for fmt in formats:
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
