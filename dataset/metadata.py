"""Recognise the short metadata lines of a news page: source, time, date, byline, dateline.

Each parser looks at one stripped line and either explains it (returning what it found and
where the explained part ends) or returns None. They are plain functions so the splitter can
try them in order, trafilatura-style, and fall back to treating the line as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

# Words that label a time rather than name a publisher ("time3 hours ago", "Updated 2 hours ago").
TIME_LABELS = frozenset({"time", "updated", "published", "posted", "last updated", "date"})

_UNIT = r"(?:second|sec|minute|min|hour|hr|day|week|month|year)s?"
RELATIVE_TIME = re.compile(
    rf"(?P<rel>(?:(?:an?|one|\d{{1,3}})\s+{_UNIT}\s+ago)|just now|yesterday)$", re.IGNORECASE
)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_TIME = r"\d{1,2}[:.]\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?"
_DATE = (
    rf"(?:\d{{4}}-\d{{2}}-\d{{2}}(?:[ T]{_TIME})?"
    rf"|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}(?:,?\s+(?:at\s+)?{_TIME})?"
    rf"|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}(?:,?\s+(?:at\s+)?{_TIME})?)"
)
ABSOLUTE_DATE = re.compile(
    r"^(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
    rf"(?:(?:date|published|updated|posted|last updated)\s*(?:on|at)?\s*:?\s*)?(?P<date>{_DATE})"
    r"(?:\s*(?:gmt|utc|[+-]\d{2}:?\d{2}))?"
    rf"(?:\s*\|?\s*(?:last\s+)?updated(?:\s+at)?\s*:?\s*(?:{_DATE}|{_TIME}))?",
    re.IGNORECASE,
)
# "- Arab News", "• Qatar Tribune": a publisher's name, not a label such as "- Source:".
BULLET_SOURCE = re.compile(r"^[-•·*]\s*(?P<source>[^\s:][^:]{0,48}[^\s:])$")
BYLINE = re.compile(
    r"^(?:by|By|BY)\s+(?P<byline>[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,4}"
    r"(?:\s*(?:,|and|&)\s*[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,4})*)"
    r"(?:\s*[,|]\s*.{0,60})?$"
)
DATELINE_LINE = re.compile(r"^[A-Z][A-Z'’.-]{2,}(?:[ ,]+[A-Z][A-Za-z'’.-]+){0,3}$")
DATELINE_PREFIX = re.compile(
    r"^(?P<dateline>[A-Z][A-Z'’.-]{2,}(?:[ ,/]+[A-Z][A-Za-z'’.-]+){0,3})"
    r"\s*(?:\([^)]{1,30}\))?\s*(?::|—|–|--)\s*(?=\S)"
)


@dataclass(frozen=True)
class Meta:
    """What one metadata line says, and how much of the line it explains."""

    kind: str  # "time", "date", "source", "byline", "dateline"
    source: str | None = None
    published_raw: str | None = None
    byline: str | None = None
    dateline: str | None = None
    rest: int | None = None  # offset in the line where unexplained text (a title) starts


def parse_meta(
    line: str, *, time_prefix: str | None = None, n_words: int | None = None
) -> Meta | None:
    """Explain a stripped line as metadata, or return None when it is ordinary text."""
    n_words = len(line.split()) if n_words is None else n_words
    if not n_words or n_words > 40:
        return None
    rel = RELATIVE_TIME.search(line) if n_words <= 8 else None
    if rel:
        prefix = line[: rel.start()].strip(" -|·•,")
        if time_prefix and prefix.lower().startswith(time_prefix.lower()):
            prefix = prefix[len(time_prefix) :].strip(" -|·•,")
        source = prefix if prefix and prefix.lower() not in TIME_LABELS else None
        return Meta(kind="time", source=source, published_raw=rel.group("rel"))
    date = ABSOLUTE_DATE.match(line)
    if date:
        rest = date.end()
        while rest < len(line) and line[rest] in " |-–—,:":
            rest += 1
        return Meta(
            kind="date",
            published_raw=date.group("date"),
            rest=rest if rest < len(line) else None,
        )
    if n_words <= 12:
        by = BYLINE.match(line)
        if by:
            return Meta(kind="byline", byline=by.group("byline").strip())
    if n_words <= 6:
        bullet = BULLET_SOURCE.match(line)
        if bullet:
            return Meta(kind="source", source=bullet.group("source").strip())
        if DATELINE_LINE.match(line):
            return Meta(kind="dateline", dateline=line.strip(" ,"))
    return None


def dateline_prefix(paragraph: str) -> tuple[str, int] | None:
    """Find a wire-style dateline ("ISTANBUL: ", "WASHINGTON (AP) — ") opening a paragraph.

    Returns the dateline and the offset where the paragraph's own text starts.
    """
    match = DATELINE_PREFIX.match(paragraph)
    if not match:
        return None
    return match.group("dateline").strip(" ,"), match.end()


_REL_UNITS = {
    "sec": "seconds",
    "second": "seconds",
    "min": "minutes",
    "minute": "minutes",
    "hr": "hours",
    "hour": "hours",
    "day": "days",
    "week": "weeks",
}
_REL_PARSE = re.compile(r"^(an?|one|\d+)\s+([a-z]+?)s?\s+ago$", re.IGNORECASE)
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d",
    "%B %d, %Y",
    "%B %d %Y",
    "%b %d, %Y",
    "%b %d %Y",
    "%d %B %Y",
    "%d %b %Y",
)


def resolve_published(
    raw: str | None, crawled_at: datetime | None, timezone: str = "UTC"
) -> datetime | None:
    """Turn the date text of a page into a UTC timestamp, or None when it cannot be known.

    Relative times ("4 days ago") need the crawl time; absolute dates without a zone are read
    in the layout's time zone (UTC unless the layout says otherwise).
    """
    if raw is None:
        return None
    text = " ".join(raw.split())
    rel = _REL_PARSE.match(text)
    if rel or text.lower() in {"just now", "yesterday"}:
        if crawled_at is None:
            return None
        if text.lower() == "just now":
            return crawled_at
        if text.lower() == "yesterday":
            return crawled_at - timedelta(days=1)
        count = 1 if rel.group(1).lower() in {"a", "an", "one"} else int(rel.group(1))
        unit = rel.group(2).lower()
        if unit in {"month", "year"}:
            days = 30 if unit == "month" else 365
            return crawled_at - timedelta(days=days * count)
        return crawled_at - timedelta(**{_REL_UNITS[unit]: count})
    text = text.replace(".", "").replace(" at ", " ")
    for fmt in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)
    return None
