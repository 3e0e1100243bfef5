"""Metadata lines as real pages print them: dates among labels, bylines with dates, numeric
dates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from istanbul_talks.dataset.metadata import (
    bare_name,
    dateline_prefix,
    parse_meta,
    resolve_published,
)

CRAWLED = datetime(2016, 12, 30, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("line", "published_raw"),
    [
        (
            "on December 27, 2014 at 12:06 PM, updated December 27, 2014 at 12:10 PM",
            "December 27, 2014 at 12:06 PM",
        ),
        ("Updated 9:22 PM EST, Mon November 6, 2023", "November 6, 2023"),
        ("09:31 August 20, 2019", "09:31 August 20, 2019"),  # the time before the date
        ("15:42 02.06.2025", "15:42 02.06.2025"),
        ("| November 02, 2018", "November 02, 2018"),
        ("12/20/16 08:00 AM", "12/20/16 08:00 AM"),
        ("10/04/16 05:07 AM EDT", "10/04/16 05:07 AM"),
        ("3/09/15 8:00am 3/09/15 8:00am", "3/09/15 8:00am"),
        ("01.09.17", "01.09.17"),
        ("Updated on September 19 at 3:15 p.m.", "September 19 at 3:15 p.m."),
    ],
)
def test_a_line_of_dates_and_labels_is_a_date_line_with_nothing_left_for_a_title(
    line, published_raw
):
    meta = parse_meta(line)
    assert meta is not None
    assert (meta.kind, meta.published_raw, meta.rest) == ("date", published_raw, None)


@pytest.mark.parametrize(
    ("line", "byline", "published_raw"),
    [
        (
            "by Marguerite Reardon December 22, 2016 5:00 AM PST",
            "Marguerite Reardon",
            "December 22, 2016 5:00 AM",
        ),
        (
            "Updated by Aja Romano@ajaromano Dec 10, 2016, 10:20am EST",
            "Aja Romano",
            "Dec 10, 2016, 10:20am",
        ),
        ("By Ana Ruiz, Reuters | June 3, 2025", "Ana Ruiz, Reuters", "June 3, 2025"),
        (
            "January 17, 2017 at 6:08 PM ET by Kori Schulman",
            "Kori Schulman",
            "January 17, 2017 at 6:08 PM",
        ),
        (
            "Wednesday January 18, 2017 11:44 am PST by Juli Clover",
            "Juli Clover",
            "January 18, 2017 11:44 am",
        ),
    ],
)
def test_a_byline_and_a_date_on_one_line_give_both(line, byline, published_raw):
    meta = parse_meta(line)
    assert meta is not None
    assert (meta.kind, meta.byline, meta.published_raw) == ("byline", byline, published_raw)


@pytest.mark.parametrize(
    "line",
    [
        "1.2.10 release notes",  # a version, not a dotted date with a two-digit year
        "32/01/2014 was no day",
        "Sunset on June 3, 2025",  # words around the date that are not labels
        "They may 2 go",
        "October 13",  # a day without a year counts only with its time
        "Patricio Candia | Palma de Mallorca | 08/01/2014",  # a name without "by"
    ],
)
def test_lines_with_more_than_dates_and_labels_are_not_date_lines(line):
    meta = parse_meta(line)
    assert meta is None or meta.published_raw is None


def test_a_title_after_a_date_is_still_the_title():
    meta = parse_meta("07/01/2014 El juez Castro anunciará a partir de hoy si imputa a la infanta")
    assert (meta.kind, meta.published_raw, meta.rest) == ("date", "07/01/2014", 11)
    assert parse_meta("date 2025-06-02 Talks resume in Istanbul").rest == 16


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-05-16 11:59", "2025-05-16T11:59:00+00:00"),
        ("2013-12-30T14:42:01", "2013-12-30T14:42:01+00:00"),
        ("December 27, 2014 at 12:06 PM", "2014-12-27T12:06:00+00:00"),
        ("April 21, 2015, at 11:29 a.m.", "2015-04-21T11:29:00+00:00"),
        ("Dec 13 2016, 1:06 pm", "2016-12-13T13:06:00+00:00"),
        ("Jan 9, 2017 at 10:05AM", "2017-01-09T10:05:00+00:00"),
        ("December 9, 2016 12:15 AM", "2016-12-09T00:15:00+00:00"),
        ("Sept. 5, 2016", "2016-09-05T00:00:00+00:00"),
        ("25 Dec 2023", "2023-12-25T00:00:00+00:00"),
        ("12/20/16 08:00 AM", "2016-12-20T08:00:00+00:00"),
        ("20.12.2016 14:30", "2016-12-20T14:30:00+00:00"),
    ],
)
def test_absolute_dates_with_times_resolve(raw, expected):
    assert resolve_published(raw, None).isoformat() == expected


def test_dates_resolve_in_the_layouts_time_zone():
    stamp = resolve_published("December 27, 2014 at 12:06 PM", None, "Europe/Istanbul")
    assert stamp.isoformat() == "2014-12-27T10:06:00+00:00"


@pytest.mark.parametrize("raw", ["08/01/2014", "01.09.17", "February 30, 2016", "12:00 AM"])
def test_ambiguous_or_impossible_dates_stay_unknown(raw):
    """Day and month could be either way round in 08/01/2014: not guessed."""
    assert resolve_published(raw, CRAWLED) is None


def test_a_day_without_a_year_is_the_last_such_day_up_to_the_crawl():
    assert resolve_published("March 18 at 12:22 PM", None) is None
    assert resolve_published("March 18 at 12:22 PM", CRAWLED).isoformat() == (
        "2016-03-18T12:22:00+00:00"
    )
    new_year = datetime(2017, 1, 2, tzinfo=UTC)
    assert resolve_published("December 30 at 9:00 am", new_year).year == 2016


@pytest.mark.parametrize(
    ("line", "byline"),
    [
        ("By: CNN Wire", "CNN Wire"),
        ("By Alejandro de la Garza", "Alejandro de la Garza"),
        ("Written by Patrick Allan", "Patrick Allan"),
        ("Analysis by Joan Biskupic, CNN", "Joan Biskupic, CNN"),
        ("👤by BWW News Desk", "BWW News Desk"),
        ("By Zach Hanlon5 minute Read", "Zach Hanlon"),
        ('By Amanda "Tania Mae" Tan', 'Amanda "Tania Mae" Tan'),
        ("By Theresa May", "Theresa May"),
        ("By Doug Stanglin, special to CNN", "Doug Stanglin"),
        ("By Élise Lucet, France 2", "Élise Lucet"),
        ("Автор: Иван Петров", "Иван Петров"),
        ("Yazar: Şule Öztürk", "Şule Öztürk"),
        (
            "By Dana A. Ford , James S.A. Corey, Chien-Ming Wang, and Tom Watkins, CNN",
            "Dana A. Ford , James S.A. Corey, Chien-Ming Wang, and Tom Watkins, CNN",
        ),
    ],
)
def test_bylines_with_a_label_a_colon_or_name_particles(line, byline):
    """Also behind a symbol, before a reading time, with a quoted nickname, and a list of names
    longer than MAX_BYLINE_WORDS words."""
    meta = parse_meta(line)
    assert (meta.kind, meta.byline) == ("byline", byline)


@pytest.mark.parametrize(
    ("line", "byline"),
    [
        ("Tom DiChristopher | @tdichristopher", "Tom DiChristopher"),
        ("Mike Cason / mcason@al.com", "Mike Cason"),
        ("Mike Cason | mcason@al.com By Mike Cason | mcason@al.com", "Mike Cason"),
        (
            "Rajeev Dhir | NJ Advance Media for NJ.com "
            "By Rajeev Dhir | NJ Advance Media for NJ.com",
            "Rajeev Dhir",
        ),
    ],
)
def test_a_name_with_its_handle_or_address_and_a_byline_printed_twice_are_bylines(line, byline):
    """A name alone then the author's handle or e-mail address needs no "By"; a byline printed
    twice on its line, once without "By" (a copy for screen readers), is that byline."""
    meta = parse_meta(line)
    assert (meta.kind, meta.byline) == ("byline", byline)


@pytest.mark.parametrize(
    "line",
    [
        "Contact Us | tips@example.com",  # not a person's name
        "Follow us @istanbultalks",
        "Write to the desk at desk@example.com",
        "Side by Side",  # one word twice is no byline printed twice
        "Ana Ruiz By Ana Ruiz and Ali Kaya",  # the two halves differ
    ],
)
def test_a_handle_or_an_address_after_other_words_is_no_byline(line):
    meta = parse_meta(line)
    assert meta is None or meta.byline is None


@pytest.mark.parametrize(
    "line",
    [
        "By the numbers: night buses",
        "Story by",
        "Sunset on June 3, 2025 by the lake",
        "By Tuesday, the talks had stalled and the ministers had gone home for the long weekend.",
        "By Tuesday, the talks had stalled.",
        "By May, prices had doubled!",
        "By Sunday, Ruiz had left.",
        "“By Any Means” Returns For A Second Season",  # a quote mark is no symbol before "By"
        "' By In Affect A House To",
    ],
)
def test_lines_opening_like_a_byline_without_a_name_are_not_bylines(line):
    meta = parse_meta(line)
    assert meta is None or meta.byline is None


@pytest.mark.parametrize("line", ["By " + "J" * 2000, "2025-06-02 " + "T" * 2000])
def test_a_line_longer_than_any_metadata_line_is_none_and_costs_no_memory(line):
    """A blob with no spaces is a few words long: once a byline of 2,000 letters, and the
    regexes' working memory was 140 bytes a character (7 GB for a 50 MB line)."""
    import tracemalloc

    assert parse_meta(line) is None
    blob = "a" * 1_000_000
    tracemalloc.start()
    assert parse_meta(blob) is None
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 1_000_000


@pytest.mark.parametrize(
    ("line", "published_raw", "expected"),
    [
        (
            "30 avril 2015 à 07:19 (Mis à jour : 30 avril 2015 à 07:38)",
            "30 avril 2015 à 07:19",
            "2015-04-30T07:19:00+00:00",
        ),
        ("jueves, 09 enero 2014 - 10:21 h", "09 enero 2014", "2014-01-09T00:00:00+00:00"),
        ("7 de enero de 2014", "7 de enero de 2014", "2014-01-07T00:00:00+00:00"),
        ("3. März 2025, 14:30 Uhr", "3. März 2025, 14:30", "2025-03-03T14:30:00+00:00"),
        ("Güncelleme: 2 Haziran 2025 14:30", "2 Haziran 2025 14:30", "2025-06-02T14:30:00+00:00"),
        ("12 settembre 2016", "12 settembre 2016", "2016-09-12T00:00:00+00:00"),
        ("2 июня 2025, 15:42", "2 июня 2025, 15:42", "2025-06-02T15:42:00+00:00"),
        (
            "Обновлено: 2 июня 2025 года в 15:42",
            "2 июня 2025 года в 15:42",
            "2025-06-02T15:42:00+00:00",
        ),
        ("понедельник, 2 июня 2025", "2 июня 2025", "2025-06-02T00:00:00+00:00"),
        ("15:42, 2 июня 2025", "15:42, 2 июня 2025", "2025-06-02T15:42:00+00:00"),
        ("2 червня 2025 р., 15:42", "2 червня 2025 р., 15:42", "2025-06-02T15:42:00+00:00"),
    ],
)
def test_day_first_dates_in_other_languages(line, published_raw, expected):
    meta = parse_meta(line)
    assert (meta.kind, meta.published_raw, meta.rest) == ("date", published_raw, None)
    assert resolve_published(meta.published_raw, None).isoformat() == expected


def test_a_month_name_in_a_sentence_is_no_date_line():
    assert parse_meta("Journal numérique 30 avril 2015") is None
    assert parse_meta("On 12 mars 2025 the talks resumed") is None


def test_a_layouts_date_order_reads_numeric_dates_that_could_go_either_way():
    assert resolve_published("08/01/2014", None, date_order="dmy").isoformat() == (
        "2014-01-08T00:00:00+00:00"
    )
    assert resolve_published("08/01/2014", None, date_order="mdy").isoformat() == (
        "2014-08-01T00:00:00+00:00"
    )
    # A date only one order can read is read that way, whatever the layout says.
    assert resolve_published("12/20/16", None, date_order="dmy").month == 12
    assert resolve_published("20.12.2016", None, date_order="mdy").day == 20


def test_the_split_carries_the_layouts_date_order_to_the_article_rows():
    from istanbul_talks.dataset.layouts import Layout, load_layouts
    from istanbul_talks.dataset.read import RawFile
    from istanbul_talks.dataset.records import article_rows
    from istanbul_talks.dataset.split import split_text

    generic = load_layouts()[-1]
    dmy = Layout("dmy_site", generic.boilerplate, generic.section_markers, date_order="dmy")
    lede = (
        "The city council voted on Monday to extend the night bus network to the outer "
        "districts, after a year of petitions from shift workers who said the last trains "
        "left them stranded."
    )
    text = f"Night buses to reach the outer districts\n08/01/2014 14:30\n{lede}\n"
    raw = RawFile("d", "d.txt", "0" * 64, len(text), "utf-8", text, [])
    rows = {
        name: article_rows(raw, split_text(text, layout), None)[0]
        for name, layout in (("generic", generic), ("dmy", dmy))
    }
    assert rows["generic"]["published_raw"] == rows["dmy"]["published_raw"] == "08/01/2014 14:30"
    assert rows["generic"]["published_at"] is None
    assert rows["dmy"]["published_at"].isoformat() == "2014-01-08T14:30:00+00:00"


@pytest.mark.parametrize(
    "line",
    [
        "Kaveh Waddell",
        "JOE HILDEBRAND",
        "Mark Di Stefano",
        "Alejandro de la Garza",
        "Tom DiChristopher",
        "Mary McDonald",
        "Sean O'Brien",
    ],
)
def test_a_name_alone_on_a_line_is_a_bare_name(line):
    assert bare_name(line)


@pytest.mark.parametrize(
    "line",
    [
        "Kaveh",
        "Middle East",
        "World News",
        "Share This",
        "Getty Images",
        "Night Buses Run Again Soon",
        "Print Email",  # buttons of a share bar
        "Text Size",
        "Facebook Messenger",
        "Ad Choices",
        "PlayStation Plus",  # a capital inside a word only after a name's prefix ("Mc", "Di")
    ],
)
def test_section_labels_credits_and_headlines_are_not_bare_names(line):
    assert not bare_name(line)


@pytest.mark.parametrize(
    ("line", "published_raw"),
    [
        ("Weds, June 4, 2025", "June 4, 2025"),
        ("Thur. June 5, 2025", "June 5, 2025"),
        ("Sept. 5, 2025", "Sept. 5, 2025"),
        ("lundi 2 juin 2025", "2 juin 2025"),
        ("last updated June 3, 2025", "June 3, 2025"),
        ("Sunset, June 1, 2025", None),  # a word that opens like a weekday is not one
    ],
)
def test_a_date_opening_a_line_after_a_weekday_or_a_label(line, published_raw):
    meta = parse_meta(line)
    assert (meta.published_raw if meta else None) == published_raw


@pytest.mark.parametrize(
    ("paragraph", "dateline", "rest"),
    [
        ("ISTANBUL: Talks resumed.", "ISTANBUL", "Talks resumed."),
        ("WASHINGTON (Reuters) - The U.S. said", "WASHINGTON", "The U.S. said"),
        ("KYIV, June 2 (Reuters) - Ukraine said", "KYIV", "Ukraine said"),
        ("NEW YORK (AP) — A judge", "NEW YORK", "A judge"),
        ("WASHINGTON, D.C. — The", "WASHINGTON, D.C.", "The"),
        ("SEOUL, Aug. 20 (Yonhap) -- North Korea", "SEOUL", "North Korea"),
        ("İSTANBUL (AA) - Rusya ve Ukrayna", "İSTANBUL", "Rusya ve Ukrayna"),
        ("СТАМБУЛ, 2 июня. Делегации России", "СТАМБУЛ", "Делегации России"),
        ("MÜNCHEN – Die Gespräche", "MÜNCHEN", "Die Gespräche"),
    ],
)
def test_wire_datelines_in_any_script_open_the_body(paragraph, dateline, rest):
    found = dateline_prefix(paragraph)
    assert found is not None
    assert (found[0], paragraph[found[1] :]) == (dateline, rest)


@pytest.mark.parametrize(
    "paragraph",
    [
        "U.S. officials said on Monday the talks would go on.",
        "UPDATE - The talks resumed on Monday.",
        "EXCLUSIVE: Inside the talks",
        "ISTANBUL, the city of the talks - and of its traffic.",
        "Istanbul: the talks resumed.",
    ],
)
def test_labels_and_sentences_are_no_datelines(paragraph):
    assert dateline_prefix(paragraph) is None


def test_a_line_of_capitals_is_a_dateline_only_when_it_could_be_a_place():
    assert parse_meta("СТАМБУЛ").dateline == "СТАМБУЛ"
    for line in ("NBC Nightly News", "NEW YORK DAILY NEWS", "SHARES", "BREAKING NEWS"):
        meta = parse_meta(line)
        assert meta is None or meta.dateline is None


@pytest.mark.parametrize("shown", ["5 days ago", "December 2 at 3:15 p.m.", "12/02/16"])
def test_an_html_pages_date_the_text_cannot_place_comes_from_its_markup(tmp_path, shown):
    """The page prints a date that names no day by itself (relative, without a year, day and
    month either way round); its markup's publication time does: `published_at` is the
    markup's, `published_raw` stays what the page prints. With a crawl time that places the
    printed date, the printed one is kept."""
    from istanbul_talks.dataset.read import ManifestEntry, read_dump
    from istanbul_talks.dataset.records import article_rows
    from istanbul_talks.dataset.split import split_text

    lede = "The city council voted on Monday to extend the night bus network. " * 4
    page = tmp_path / "page.html"
    page.write_text(
        '<html><head><meta property="article:published_time" content="2016-12-02T09:30:00Z">'
        "</head><body><h1>Night buses reach the outer districts</h1>"
        f"<p>{shown}</p><p>{lede}</p></body></html>",
        encoding="utf-8",
    )
    raw = read_dump(page, tmp_path)
    row = article_rows(raw, split_text(raw.text), None)[0]
    assert (row["published_raw"], row["published_at"].date().isoformat()) == (shown, "2016-12-02")
    if shown == "5 days ago":
        crawled = ManifestEntry(None, datetime(2016, 12, 9, 12, 0, tzinfo=UTC), None)
        row = article_rows(raw, split_text(raw.text), crawled)[0]
        assert row["published_at"] == datetime(2016, 12, 4, 12, 0, tzinfo=UTC)
