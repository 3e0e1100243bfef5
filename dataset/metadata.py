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

# The same words as a date's label: "Published: 2025-06-02", "last updated June 3, 2025".
_DATE_LABEL = "(?:" + "|".join(sorted(TIME_LABELS - {"time"}, key=len, reverse=True)) + ")"
_UNIT = r"(?:second|sec|minute|min|hour|hr|day|week|month|year)s?"
RELATIVE_TIME = re.compile(
    rf"(?P<rel>(?:(?:an?|one|\d{{1,3}})\s+{_UNIT}\s+ago)|just now|yesterday)$", re.IGNORECASE
)
# English month names as pages print them, whole or cut short; the first three letters say which.
ENGLISH_MONTHS = (  # noqa: SIM905 -- a word list reads better as words
    "jan january feb february mar march apr april may jun june jul july aug august sep sept "
    "september oct october nov november dec december"
).split()
_MONTH = "(?:" + "|".join(sorted(ENGLISH_MONTHS, key=len, reverse=True)) + r")\.?"
# Month names of the languages whose pages print the day first: "30 avril 2015", "7 de enero
# de 2014", "3. März 2025", "2 Haziran 2025", "12 settembre 2016", "2 июня 2025", "2 червня
# 2025" (English ones: ENGLISH_MONTHS; Russian and Ukrainian ones as a day governs them).
DAY_FIRST_MONTHS = {
    name: number
    for names in (
        "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
        "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
        "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre "
        "dicembre",
        "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
        "januar februar märz april mai juni juli august september oktober november dezember",
        "januari februari maart april mei juni juli augustus september oktober november december",
        "ocak şubat mart nisan mayıs haziran temmuz ağustos eylül ekim kasım aralık",
        "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
        "січня лютого березня квітня травня червня липня серпня вересня жовтня листопада грудня",
    )
    for number, name in enumerate(names.split(), 1)
}
_DAY_FIRST_MONTH = "(?:" + "|".join(sorted(DAY_FIRST_MONTHS, key=len, reverse=True)) + ")"
_TIME = r"\d{1,2}[:.]\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?"
# What may stand between a date and its time: "at", "à", "a las", "um", "alle", "às", "om", "в",
# "о".
_TIME_WORD = r"(?:at|à|a las|um|alle|às|om|в|о)"
_AT_TIME = rf"(?:,?\s+(?:{_TIME_WORD}\s+)?{_TIME})?"
# "12/20/16", "08.01.2014": day and month in either order (see resolve_published).
_NUMERIC_DATE = r"\d{1,2}[/.]\d{1,2}[/.](?:\d{4}|\d{2})(?!\d)"
# "2 июня 2025 года", "2 червня 2025 р.": the word "year" after a day-first date's year.
_YEAR_WORD = r"(?:\s+(?:года|г\.|року|р\.))?"
_ISO_DATE = r"\d{4}-\d{2}-\d{2}"
_MONTH_FIRST_DATE = rf"{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}"
_DAY_FIRST_DATE = (
    rf"\d{{1,2}}\.?\s+(?:de\s+)?(?:{_MONTH}|{_DAY_FIRST_MONTH}),?\s+(?:de\s+)?\d{{4}}{_YEAR_WORD}"
)
# A date, with its time after it, or before it ("15:42 02.06.2025", as many sites print it).
_DATE = (
    rf"(?:{_ISO_DATE}(?:[ T]{_TIME})?"
    rf"|{_MONTH_FIRST_DATE}{_AT_TIME}"
    rf"|{_DAY_FIRST_DATE}{_AT_TIME}"
    rf"|{_NUMERIC_DATE}(?:\s+{_TIME})?"
    rf"|{_TIME},?\s+(?:{_ISO_DATE}|{_MONTH_FIRST_DATE}|{_DAY_FIRST_DATE}|{_NUMERIC_DATE}))"
)
_WEEKDAY = (
    r"(?:(?:mon|tues?|wed(?:nes|s)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?"
    r"|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    r"|lunes|martes|miércoles|jueves|viernes|sábado|domingo"
    r"|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag"
    r"|pazartesi|salı|çarşamba|perşembe|cuma|cumartesi|pazar"
    r"|(?=[^\x00-\x7f])(?:понедельник|вторник|среда|четверг|пятница|суббота|воскресенье"
    r"|понеділок|вівторок|середа|четвер|п[’']ятниця|субота|неділя))"
)
# A day or a month named alone: "Tuesday", "Sept.", "mardi".
CALENDAR_WORD = re.compile(rf"(?:{_WEEKDAY}|{_MONTH}|{_DAY_FIRST_MONTH})", re.IGNORECASE)
# "Published: 2025-06-02", "Thursday, June 5, 2025": a date opening the line, then maybe a title.
ABSOLUTE_DATE = re.compile(
    rf"^(?:{_WEEKDAY},?\s+)?"
    rf"(?:{_DATE_LABEL}\s*(?:on|at)?\s*:?\s*)?(?P<date>{_DATE})"
    r"(?:\s*(?:gmt|utc|[+-]\d{2}:?\d{2}))?"
    rf"(?:\s*\|?\s*(?:last\s+)?updated(?:\s+at)?\s*:?\s*(?:{_DATE}|{_TIME}))?",
    re.IGNORECASE,
)
# A line that holds a date and nothing else but labels: "on December 27, 2014 at 12:06 PM,
# updated December 27, 2014 at 12:10 PM", "Updated 9:22 PM EST, Mon November 6, 2023", "March 18
# at 12:22 PM" (a day without a year counts only with its time), or a byline and then a date:
# "by Marguerite Reardon December 22, 2016 5:00 AM PST" (or after it: "... 6:08 PM ET by Kori
# Schulman"). Once its dates and what DATE_LABELS names are taken out, such a line has nothing
# left but that byline.
MAX_DATE_LINE_WORDS = 16
DATE_IN_LINE = re.compile(
    rf"(?<!\w)(?P<date>{_DATE}|{_MONTH}\s+\d{{1,2}}(?:,?\s+at)?\s+{_TIME})(?!\w)", re.IGNORECASE
)
_ZONE = r"(?:[ecmp][sd]?t|gmt|utc|bst|cest|cet|eest|eet|msk|trt|ist)"
# Words that label a date, in the languages of DAY_FIRST_MONTHS too ("Mis à jour le", "h" and
# "Uhr" after a time: "10:21 h", "14:30 Uhr").
_DATE_WORDS = (
    r"(?:on|updated|published|posted|last|modified|le|mis à jour|publié|actualizado|publicado"
    r"|aktualisiert|veröffentlicht|am|uhr|güncellendi|güncelleme|h|обновлено|опубликовано"
    r"|оновлено|опубліковано)"
)
DATE_LABELS = re.compile(
    rf"(?<!\w)(?:{_TIME}|{_TIME_WORD}|{_DATE_WORDS}|{_WEEKDAY}|{_ZONE})(?!\w)"
    r"|@\w+|[\s|·•,;:()\-–—/]+",
    re.IGNORECASE,
)
DIGIT = re.compile(r"\d")
# Every DATE_IN_LINE match holds a digit, then a separator and a digit, or three more digits:
# most short lines hold none and need no search (the leading digit factored out is 5x faster).
DATE_HINT = re.compile(r"\d(?:[/.:-]\d|\d{3})")
# " by Kori Schulman" after a line's dates: "January 17, 2017 at 6:08 PM ET by Kori Schulman".
TRAILING_BYLINE = re.compile(r"\s(?P<byline>(?:by|By|BY)\s+\S.*)$")
# "- Arab News", "• Qatar Tribune": a publisher's name, not a label such as "- Source:".
BULLET_SOURCE = re.compile(r"^[-•·*]\s*(?P<source>[^\s:][^:]{0,48}[^\s:])$")
# "By Ana Ruiz", "By: CNN Wire", "Analysis by Joan Biskupic, CNN", "Written by ...": a name is up
# to five capitalised words, with the particles of names between them ("Alejandro de la Garza")
# and a quoted nickname ('Amanda "Tania Mae" Tan'). A symbol may stand before the line ("👤by"),
# a reading time after it ("By Zach Hanlon5 minute Read"). A line of more than MAX_BYLINE_WORDS
# words is a byline only when it is names alone ("By Dana A. Ford, ..., and Tom Watkins, CNN"):
# "By Tuesday, the talks had stalled." is not.
MAX_BYLINE_WORDS = 12
# Capitals a name may start with, in the Latin and Cyrillic scripts of the corpus' languages.
_CAPITAL = "A-ZÀ-ÖØ-ÞĆČĐŁŃŚŠŹŻŽŞĞİА-ЯЁЄІЇҐ"
_NAME_WORD = rf"(?:[{_CAPITAL}](?:[^\W\d_]|[.'’-])*|\"[^\"]{{1,20}}\"|“[^”]{{1,20}}”)"
# Words of names in lower case: "Alejandro de la Garza", "Ursula von der Leyen".
NAME_PARTICLES = frozenset(
    "de la le del della der den di da dos das du van von bin ibn al el ter ten y".split()  # noqa: SIM905
)
_PARTICLES = "(?:" + "|".join(sorted(NAME_PARTICLES)) + ")"
_NAME = rf"{_NAME_WORD}(?:\s+(?:{_PARTICLES}\s+)*{_NAME_WORD}){{0,4}}"
_BYLINE_HEAD = (
    r"^(?:(?:[^\w\s'\"‘’“”«»]+\s*)?"  # a symbol, not a quote mark
    r"(?:(?i:analysis|opinion|commentary|story|written|words|reporting|reported"
    r"|text|updated|posted|compiled|edited)\s+)?(?:by|By|BY):?"
    r"|(?i:автор|авторы|автори|yazar|muhabir|yazan):)"  # "Автор: Иван Петров", "Yazar: ..."
)
BYLINE = re.compile(
    rf"{_BYLINE_HEAD}\s+(?P<byline>{_NAME}(?:(?:\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*){_NAME})*)"
    r"(?P<trailer>\s*(?:[,|]\s*.{0,60}|(?i:\d+\s*min(?:ute)?s?\.?\s+read)))?$"
)
# "By Tuesday, the talks had stalled.", "By May, prices had doubled.": a sentence opening with
# "By", not a byline. Its "name" is a day or a month, or a clause in lower case follows it and
# ends as a sentence does (a byline's trailer names a publisher or a role: ", CNN", ", special
# to CNN").
_SENTENCE_AFTER_NAME = re.compile(r"\s*,\s*[a-z]\S*(?:\s+\S+){2,}[.!?][\"'”’]?$")


def match_byline(text: str) -> re.Match[str] | None:
    """BYLINE's match of the text, unless the text is a sentence that opens with "By"."""
    by = BYLINE.match(text)
    if by is None:
        return None
    name = by.group("byline")
    if " " not in name and CALENDAR_WORD.fullmatch(name):
        return None
    trailer = by.group("trailer")
    if trailer and _SENTENCE_AFTER_NAME.match(trailer):
        return None
    return by


def _doubled_byline(line: str) -> str | None:
    """The byline of a line that prints it twice, the first time without its "By" (a copy for
    screen readers): "Mike Cason | mcason@al.com By Mike Cason | mcason@al.com" is "By Mike
    Cason | mcason@al.com"; None for any other line."""
    for word in (" By ", " by ", " BY "):
        head, found, tail = line.partition(word)
        if found and " " in head and head == tail:
            return found.lstrip() + tail
    return None


# "Tom DiChristopher | @tdichristopher", "Mike Cason / mcason@al.com": a name alone (bare_name),
# then the author's handle or e-mail address.
NAME_WITH_CONTACT = re.compile(
    r"^(?P<byline>[^|/·,@]+?)\s*[|/·,]?\s*(?:@\w{2,}|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)$"
)


# "By" or "Written by:" alone on a line: the name is on the next one.
BYLINE_LABEL = re.compile(rf"{_BYLINE_HEAD}$")
# A person's name alone on a line: two to four capitalised words (initials, particles, "Di
# Stefano", "JOE HILDEBRAND"), none of them a word that names a page's section or a credit.
_BARE_NAME_WORD = (
    r"(?:(?:Mc|Mac|Di|De|Da|Du|La|Le|Van|O['’]|D['’])?[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)*"
    r"|[A-Z]\.|[A-Z][A-Z'’-]+)"  # "DiChristopher", "McDonald", "O'Brien"; "J."; "HILDEBRAND"
)
BARE_NAME = re.compile(rf"^{_BARE_NAME_WORD}(?:\s+(?:{_PARTICLES}\s+)*{_BARE_NAME_WORD}){{1,3}}$")
NOT_NAME_WORDS = frozenset(
    """news world sports sport business politics opinion opinions tech technology health science
    culture entertainment local top latest stories story home video videos live breaking updated
    posted published share photo photos image images getty credit staff editor editors desk
    reporter press read more comments related east west north south middle new city real estate
    media review reviews travel style food life lifestyle arts music movies books games weather
    crime money markets economy finance national international us uk europe asia africa america
    americas daily weekly newsletter subscribe sign login log the and of for all our about
    contact privacy terms policy cookie cookies advertisement sponsored watch listen
    follow print email e-mail facebook twitter messenger whatsapp linkedin copy url link font
    text size resize ad ads choices feedback""".split()  # noqa: SIM905 -- a word list reads better as words
)


def bare_name(line: str) -> bool:
    """Is the stripped line a person's name and nothing else ("Kaveh Waddell")?"""
    return BARE_NAME.match(line) is not None and not any(
        word.casefold().rstrip(".") in NOT_NAME_WORDS for word in line.split()
    )


# A dateline's place: a word of three letters or more in capitals ("ISTANBUL", "İSTANBUL",
# "СТАМБУЛ"), then up to three capitalised words ("NEW YORK", "WASHINGTON, D.C.", "ISTANBUL,
# Turkey"). Python's re has no class of capitals: the pattern takes letters, and _is_place
# checks their case.
_PLACE_LETTER = r"(?:[^\W\d_]|['’.-])"
_PLACE = rf"[^\W\d_]{_PLACE_LETTER}{{2,}}(?:[ ,/]+[^\W\d_]{_PLACE_LETTER}*){{0,3}}"
_PLACE_BREAK = re.compile(r"[ ,/]+")
# Words of labels, buttons and titles printed in capitals where a place could stand: "UPDATE - ",
# "EXCLUSIVE: ", a "LIKE" or "SHARES" button, "NEW YORK DAILY NEWS", "THE PRESIDENT".
NOT_PLACES = frozenset(
    """update updated breaking exclusive watch video videos photo photos analysis opinion
    editorial live note warning like share shares follow trending popular latest featured
    sponsored advertisement related comments news daily weekly president minister editor
    reporter correspondent staff""".split()  # noqa: SIM905 -- words read better as words
)
DATELINE_LINE = re.compile(rf"^{_PLACE}$")
# After the place, the day ("KYIV, June 2", "СТАМБУЛ, 2 июня") and the agency ("(Reuters)",
# "/ТАСС/"), then a colon or a dash ("ISTANBUL: ", "WASHINGTON (Reuters) - "), or after a day a
# full stop ("СТАМБУЛ, 2 июня. ").
_DATELINE_DAY = r",\s*(?:\d{1,2}\.?\s+[^\W\d_]{3,}\.?|[^\W\d_]{3,}\.?\s+\d{1,2})"
_DATELINE_AGENCY = r"(?:\s*(?:\([^)]{1,30}\)|/[^/\s]{1,20}/))?"
_DATELINE_DASH = r"\s*(?::|—|–|--|-(?=\s))"
DATELINE_PREFIX = re.compile(
    rf"^(?P<dateline>{_PLACE})(?:{_DATELINE_DAY}{_DATELINE_AGENCY}(?:{_DATELINE_DASH}|\.(?=\s))"
    rf"|{_DATELINE_AGENCY}{_DATELINE_DASH})\s*(?=\S)"
)


def _is_place(text: str) -> bool:
    """A first word in capitals, then capitalised words, none of them a label's (NOT_PLACES)."""
    first, *rest = words = _PLACE_BREAK.split(text.strip(" ,/"))
    return (
        first.isupper()
        and all(word[:1].isupper() for word in rest)
        and not any(word.casefold() in NOT_PLACES for word in words)
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


# No metadata line is longer (40 words of bylines and dates take a few hundred characters);
# on a longer one, such as a pasted blob with no spaces, the regexes below took 140 bytes of
# memory a character: 7 GB for a 50 MB line.
MAX_META_CHARS = 1000


def parse_meta(
    line: str, *, time_prefix: str | None = None, n_words: int | None = None
) -> Meta | None:
    """Explain a stripped line as metadata, or return None when it is ordinary text."""
    n_words = len(line.split()) if n_words is None else n_words
    if not n_words or n_words > 40 or len(line) > MAX_META_CHARS:
        return None
    rel = RELATIVE_TIME.search(line) if n_words <= 8 else None
    if rel:
        prefix = line[: rel.start()].strip(" -|·•,")
        if time_prefix and prefix.lower().startswith(time_prefix.lower()):
            prefix = prefix[len(time_prefix) :].strip(" -|·•,")
        source = prefix if prefix and prefix.lower() not in TIME_LABELS else None
        return Meta(kind="time", source=source, published_raw=rel.group("rel"))
    if n_words <= MAX_DATE_LINE_WORDS:
        dated = _date_line(line)
        if dated is not None:
            return dated
    date = ABSOLUTE_DATE.match(line) if DIGIT.search(line) else None  # every date has one
    if date and _is_calendar_date(date.group("date")):
        rest = date.end()
        while rest < len(line) and line[rest] in " |-–—,:":
            rest += 1
        return Meta(  # what follows is a title: "date 2025-06-02 Title"
            kind="date",
            published_raw=date.group("date"),
            rest=rest if rest < len(line) else None,
        )
    doubled = _doubled_byline(line)
    if doubled is not None:
        return parse_meta(doubled, time_prefix=time_prefix)
    by = match_byline(line)
    if by and (n_words <= MAX_BYLINE_WORDS or not by.group("trailer")):
        return Meta(kind="byline", byline=by.group("byline").strip())
    if "@" in line:
        contact = NAME_WITH_CONTACT.match(line)
        if contact and bare_name(contact.group("byline")):
            return Meta(kind="byline", byline=contact.group("byline"))
    if n_words <= 6:
        bullet = BULLET_SOURCE.match(line)
        if bullet:
            return Meta(kind="source", source=bullet.group("source").strip())
        if DATELINE_LINE.match(line) and line.isupper() and _is_place(line):
            return Meta(kind="dateline", dateline=line.strip(" ,"))
    return None


def _date_line(line: str) -> Meta | None:
    """A line of dates and labels (a date meta), or a byline and then such (a byline meta that
    carries the date too); see DATE_IN_LINE."""
    found = DATE_IN_LINE.search(line) if DATE_HINT.search(line) else None
    if found is None or not _is_calendar_date(found.group("date")):
        return None
    dated, byline = line, None
    trailing = TRAILING_BYLINE.search(line, found.end())
    if trailing is not None:
        dated, byline = line[: trailing.start()], trailing.group("byline")
    if _leftover_after_dates(dated[found.start() :]):
        return None  # words after the first date that are neither a date nor a label
    head = line[: found.start()]
    if DATE_LABELS.sub(" ", head).strip():
        if byline is not None:
            return None  # words before the date, and a byline after it
        byline = " ".join(head.split("@")[0].split())  # "by Grant Brisbee@mccoveychron"
    if byline is None:
        return Meta(kind="date", published_raw=found.group("date"))
    by = match_byline(byline)
    if by is None:
        return None
    return Meta(kind="byline", byline=by.group("byline").strip(), published_raw=found.group("date"))


def _leftover_after_dates(text: str) -> str:
    """What is left of the text once its dates and date labels are taken out."""
    return DATE_LABELS.sub("", DATE_IN_LINE.sub("", text))


def _is_calendar_date(text: str) -> bool:
    """Numeric dates must be a day and a month in one order or the other, and dotted ones with
    a two-digit year must print both with two digits ("01.09.17"; "1.2.10" is a version)."""
    parts = _date_parts(text)
    if parts is None or not parts["n1"]:
        return True
    first, second, year = parts["n1"], parts["n2"], parts["ny"]
    if parts["dot"] and len(year) == 2 and min(len(first), len(second)) < 2:
        return False
    low, high = sorted((int(first), int(second)))
    return 1 <= low <= 12 and high <= 31


def dateline_prefix(paragraph: str) -> tuple[str, int] | None:
    """Find a wire-style dateline ("ISTANBUL: ", "WASHINGTON (AP) — ", "KYIV, June 2 (Reuters) -
    ") opening a paragraph.

    Returns the dateline and the offset where the paragraph's own text starts.
    """
    match = DATELINE_PREFIX.match(paragraph)
    if not match or not _is_place(match.group("dateline")):
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
_MONTHS = {
    name: number for number, name in enumerate(dict.fromkeys(m[:3] for m in ENGLISH_MONTHS), 1)
}
# The parts of a date as parse_meta reads it: ISO, month first, day first, or numeric; then a
# time, if the line gives one.
DATE_PARTS = re.compile(
    r"^(?:(?P<iso_y>\d{4})-(?P<iso_m>\d{2})-(?P<iso_d>\d{2})"
    r"|(?P<md_m>[a-z]{3})[a-z]*\.?\s+(?P<md_d>\d{1,2}),?(?:\s+(?P<md_y>\d{4}))?"
    r"|(?P<dm_d>\d{1,2})\.?\s+(?:de\s+)?(?P<dm_m>[^\W\d_]+)\.?,?\s+(?:de\s+)?(?P<dm_y>\d{4})"
    rf"{_YEAR_WORD}"
    r"|(?P<n1>\d{1,2})(?:/|(?P<dot>\.))(?P<n2>\d{1,2})[/.](?P<ny>\d{4}|\d{2}))"
    rf"(?:,?\s*(?:{_TIME_WORD}\s+|T)?(?P<hour>\d{{1,2}})[:.](?P<minute>\d{{2}})"
    r"(?::(?P<second>\d{2}))?"
    r"\s*(?:(?P<half>[ap])\.?m\.?)?)?",
    re.IGNORECASE,
)


def resolve_published(
    raw: str | None,
    crawled_at: datetime | None,
    timezone: str = "UTC",
    date_order: str | None = None,
) -> datetime | None:
    """Turn the date text of a page into a UTC timestamp, or None when it cannot be known.

    Relative times ("4 days ago") need the crawl time; absolute dates without a zone are read
    in the layout's time zone (UTC unless the layout says otherwise). A day without a year
    ("March 18 at 12:22 PM") is the last such day up to the crawl, so it needs the crawl time
    too; a numeric date whose day and month could be either ("08/01/2014") is read in the
    layout's `date_order` ("dmy", "mdy"), and not guessed without one.
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
    parts = _date_parts(text)
    day = _calendar_day(parts, date_order) if parts else None
    if day is None:
        return None
    year, month, day_of_month = day
    local = ZoneInfo(timezone)
    try:
        if year is None:
            if crawled_at is None:
                return None
            crawled = crawled_at.astimezone(local)
            year = crawled.year
            if (month, day_of_month) > (crawled.month, crawled.day):
                year -= 1
        stamp = datetime(year, month, day_of_month, *_clock(parts), tzinfo=local)
    except ValueError:  # no such day ("February 30") or hour
        return None
    return stamp.astimezone(UTC)


def _calendar_day(
    parts: re.Match[str], date_order: str | None
) -> tuple[int | None, int, int] | None:
    """(year or None, month, day) of a DATE_PARTS match; None for a numeric date whose order
    only `date_order` could tell, when it is None."""
    if parts["iso_y"]:
        return int(parts["iso_y"]), int(parts["iso_m"]), int(parts["iso_d"])
    if parts["md_m"]:
        month = _MONTHS.get(parts["md_m"].lower())
        year = int(parts["md_y"]) if parts["md_y"] else None
        return (year, month, int(parts["md_d"])) if month else None
    if parts["dm_m"]:
        name = parts["dm_m"].lower()
        month = DAY_FIRST_MONTHS.get(name) or _MONTHS.get(name[:3])
        return (int(parts["dm_y"]), month, int(parts["dm_d"])) if month else None
    first, second, year = int(parts["n1"]), int(parts["n2"]), int(parts["ny"])
    year += 0 if len(parts["ny"]) == 4 else (2000 if year < 70 else 1900)
    if first > 12 >= second:
        return year, second, first
    if second > 12 >= first or first == second or date_order == "mdy":
        return year, first, second
    return (year, second, first) if date_order == "dmy" else None


_TIME_FIRST = re.compile(rf"^(?P<time>{_TIME}),?\s+(?P<date>.+)$", re.IGNORECASE)


def _date_parts(text: str) -> re.Match[str] | None:
    """DATE_PARTS of a date, its time read after it ("15:42 02.06.2025" as "02.06.2025 15:42")."""
    time_first = _TIME_FIRST.match(text)
    if time_first:
        text = f"{time_first['date']} {time_first['time']}"
    return DATE_PARTS.match(text)


def _clock(parts: re.Match[str]) -> tuple[int, int, int]:
    """(hour, minute, second) of a DATE_PARTS match, midnight when it gives no time."""
    if not parts["hour"]:
        return 0, 0, 0
    hour = int(parts["hour"])
    if parts["half"]:
        hour = hour % 12 + (12 if parts["half"].lower() == "p" else 0)
    return hour, int(parts["minute"]), int(parts["second"] or 0)
