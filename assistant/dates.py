"""Dates with their precision: stored as ISO 8601 text and as a number (Chroma filters compare numbers).

Light by design (no dateparser at start-up): ISO forms and the common written forms
found in news ("Thursday, August 8, 2019", "8 Aug 2019", "December 2004") are parsed here;
only what they miss goes to dateparser, imported on first use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone


@dataclass(frozen=True)
class ParsedDate:
    iso: str  # "2019-08-08", "2004-12", "2004" or a full timestamp "2019-08-08T14:00:00+00:00"
    precision: str  # "day" | "month" | "year" | "time"
    timestamp: float  # seconds since the epoch (UTC) of the period's start

    @property
    def day(self) -> date:
        return datetime.fromtimestamp(self.timestamp, tz=timezone.utc).date()


_WRITTEN_DAY = ["%B %d, %Y", "%b %d, %Y", "%b. %d, %Y", "%d %B %Y", "%d %b %Y", "%A, %B %d, %Y", "%A %B %d, %Y", "%a, %d %b %Y"]
_WRITTEN_MONTH = ["%B %Y", "%b %Y"]


def _ts(d: datetime) -> float:
    if d.tzinfo is None:
        d = d.replace(tzinfo=timezone.utc)
    return d.timestamp()


def parse_date(value, relative_base: datetime | None = None) -> ParsedDate | None:
    """Parse a date from metadata; None when it cannot be understood (the article is kept, undated).

    Fast paths first (ISO, common written forms, RFC 2822); then dateparser for relative and
    partial dates ("3 days ago", "Updated 10:32 AM EDT, Fri June 17, 2022"), counted from
    ``relative_base`` (e.g. a page's fetch time) when given."""
    parsed = _parse_fast(value)
    if parsed is None and value is not None and not isinstance(value, (date, datetime)):
        parsed = _parse_with_dateparser(str(value), relative_base)
    return parsed


_PREFIX = re.compile(r"^\s*(?:(?:first\s+)?published|(?:last\s+)?updated|posted|modified|date)\s*(?:on|at)?\s*[:\-]?\s*", re.I)
# something date-like must be there: a year, a month name or a relative word
_DATE_WORD = re.compile(r"\b(?:1[89]|20)\d\d\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\b|\bago\b|yesterday|today|\bnow\b|\blast\s+(?:week|month|year)", re.I)
_HAS_TIME = re.compile(r"\d{1,2}:\d{2}|\b\d{1,2}\s*(?:am|pm)\b|\b(?:hour|minute|second)s?\b", re.I)


def _parse_with_dateparser(text: str, relative_base: datetime | None) -> ParsedDate | None:
    """The fallback: dateparser (imported here, never at start-up), English, precision kept."""
    text = _PREFIX.sub("", " ".join(text.split()))
    if not text or len(text) > 120 or not _DATE_WORD.search(text):
        return None
    try:
        from dateparser.date import DateDataParser
    except ImportError:  # pragma: no cover - dateparser is a dependency
        return None
    settings = {"PREFER_DAY_OF_MONTH": "first", "RETURN_AS_TIMEZONE_AWARE": True}
    if relative_base is not None:
        settings["RELATIVE_BASE"] = relative_base.astimezone(timezone.utc).replace(tzinfo=None) if relative_base.tzinfo else relative_base
    try:
        data = DateDataParser(languages=["en"], settings=settings).get_date_data(text)
    except Exception:  # dateparser raises assorted errors on odd input; the article stays undated
        return None
    dt = data.date_obj if data else None
    if dt is None:
        return None
    period = data.period or "day"
    if period == "year":
        return ParsedDate(f"{dt.year:04d}", "year", _ts(datetime(dt.year, 1, 1)))
    if period == "month":
        return ParsedDate(f"{dt.year:04d}-{dt.month:02d}", "month", _ts(datetime(dt.year, dt.month, 1)))
    if period == "time" or _HAS_TIME.search(text):
        return ParsedDate(dt.isoformat(), "time", _ts(dt))
    return ParsedDate(dt.date().isoformat(), "day", _ts(datetime(dt.year, dt.month, dt.day)))


def _parse_fast(value) -> ParsedDate | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return ParsedDate(value.isoformat(), "time", _ts(value))
    if isinstance(value, date):
        return ParsedDate(value.isoformat(), "day", _ts(datetime(value.year, value.month, value.day)))
    text = str(value).strip().strip('"').strip()
    if not text:
        return None
    m = re.fullmatch(r"(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?", text)
    if m:
        y, mo, d = m.group(1), m.group(2), m.group(3)
        try:
            if d:
                dt = datetime(int(y), int(mo), int(d))
                return ParsedDate(dt.date().isoformat(), "day", _ts(dt))
            if mo:
                dt = datetime(int(y), int(mo), 1)
                return ParsedDate(f"{int(y):04d}-{int(mo):02d}", "month", _ts(dt))
            dt = datetime(int(y), 1, 1)
            return ParsedDate(f"{int(y):04d}", "year", _ts(dt))
        except ValueError:
            return None
    iso = text.replace("Z", "+00:00")
    try:
        dt = datetime.fromisoformat(iso)
        if "T" in text or " " in text.strip() and ":" in text:
            return ParsedDate(dt.isoformat(), "time", _ts(dt))
        return ParsedDate(dt.date().isoformat(), "day", _ts(datetime(dt.year, dt.month, dt.day)))
    except ValueError:
        pass
    cleaned = re.sub(r"\s+", " ", re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)).strip()
    for fmt in _WRITTEN_DAY:
        try:
            dt = datetime.strptime(cleaned, fmt)
            return ParsedDate(dt.date().isoformat(), "day", _ts(dt))
        except ValueError:
            continue
    for fmt in _WRITTEN_MONTH:
        try:
            dt = datetime.strptime(cleaned, fmt)
            return ParsedDate(f"{dt.year:04d}-{dt.month:02d}", "month", _ts(dt))
        except ValueError:
            continue
    try:  # RFC 2822, as in feeds and HTTP headers
        from email.utils import parsedate_to_datetime

        dt = parsedate_to_datetime(text)
        return ParsedDate(dt.isoformat(), "time", _ts(dt))
    except (TypeError, ValueError, IndexError):
        return None


def parse_date_bound(value: str, *, now: datetime | None = None) -> ParsedDate:
    """A filter bound from the command line: an ISO/written date, or relative ``7d``, ``2w``, ``3m``, ``1y``."""
    from .errors import UsageError

    m = re.fullmatch(r"\s*(\d+)\s*([dwmy])\s*", value or "")
    if m:
        n, unit = int(m.group(1)), m.group(2)
        now = now or datetime.now(timezone.utc)
        days = {"d": 1, "w": 7, "m": 30, "y": 365}[unit] * n
        try:
            dt = (now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
        except (OverflowError, ValueError):
            raise UsageError(f"the date {value!r} is too far back", "use a smaller number, or an ISO date such as 1990-01-01")
        return ParsedDate(dt.date().isoformat(), "day", dt.timestamp())
    numeric = _NUMERIC_DMY.fullmatch(value or "")
    if numeric:
        return _numeric_bound(value, *numeric.groups())
    parsed = parse_date(value)
    if parsed is None:
        raise UsageError(f"cannot read the date {value!r}", "use YYYY-MM-DD, e.g. 2019-08-08, or a relative form such as 7d, 2w, 3m, 1y")
    return parsed


# 10/05/2022, 10.05.22, 10-05-2022: day and month in an order that differs between countries
_NUMERIC_DMY = re.compile(r"\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})\s*")


def _numeric_bound(value: str, a: str, b: str, year: str) -> ParsedDate:
    """A numeric date read only when it cannot be misread: 25/10/2022 (a day over 12 first) or
    10/25/2022; 10/05/2022 is refused, since it is 10 May in most of the world and October 5 in the US."""
    from .errors import UsageError

    first, second = int(a), int(b)
    y = int(year) + (2000 if len(year) == 2 else 0)
    if first != second and first <= 12 and second <= 12:
        raise UsageError(f"the date {value!r} is ambiguous (day and month could be either way round)",
                         f"use YYYY-MM-DD: {y:04d}-{second:02d}-{first:02d} or {y:04d}-{first:02d}-{second:02d}")
    day, month = (first, second) if first > 12 or first == second else (second, first)
    try:
        dt = datetime(y, month, day)
    except ValueError:
        raise UsageError(f"cannot read the date {value!r}", "use YYYY-MM-DD, e.g. 2019-08-08") from None
    return ParsedDate(dt.date().isoformat(), "day", _ts(dt))
