"""An HTML page's main body follows what the markup's extractor kept, as well as the text."""

from __future__ import annotations

from istanbul_talks.dataset.read import read_dump
from istanbul_talks.dataset.report import account
from istanbul_talks.dataset.split import split_text

from tests.test_split_heuristics import LEDE, SECOND, THIRD, _page

# A paragraph of the article after a mid-article widget, speaking of other things than the lede:
# from the text alone it reads as a related story under the widget's last headline.
AFTER_GALLERY = (
    "Residents of the harbour quarter, where the depot will stand, asked for a hearing before "
    "building starts, citing noise from engines idling through the early morning hours."
)
WIDGET = ["Most Popular", "Ferry fares rise again in spring", "Stadium roof repairs delayed"]
GALLERY = ["Photos", "1 of 5", "Fullscreen", "Thumbnails", "A driver at the depot."]
TITLE = "Night buses to reach the outer districts"


def _main(text: str, extracted: str | None):
    result = split_text(text, extracted=extracted)
    account("page", "page.html", text, result.pieces)  # every character still accounted for
    return result, next(a for a in result.articles if a.role == "main")


def test_extracted_paragraph_after_a_widget_joins_the_main_body():
    text = _page(TITLE, LEDE, SECOND, *WIDGET, AFTER_GALLERY)
    from_text = split_text(text).articles
    assert [(a.role, a.title, a.body) for a in from_text[1:]] == [
        ("related", "Stadium roof repairs delayed", AFTER_GALLERY)
    ]
    extracted = "\n".join([LEDE, SECOND, AFTER_GALLERY])
    result, main = _main(text, extracted)
    assert main.title == TITLE
    assert main.body == "\n\n".join([LEDE, SECOND, AFTER_GALLERY])
    assert [a.role for a in result.articles] == ["main"]


def test_the_texts_own_body_stays_where_the_extractor_missed_part_of_it():
    text = _page(TITLE, LEDE, SECOND, THIRD)
    _, main = _main(text, "\n".join([LEDE, SECOND]))
    assert main.body == "\n\n".join([LEDE, SECOND, THIRD])


def test_a_short_line_is_taken_only_as_a_line_the_extractor_printed():
    """'Share' runs inside an extracted paragraph's words ("... share ...") but is no line of
    it; the sub-heading 'War rages on' is one."""
    share_text = (
        "Shift workers will share the new routes with night students, the office said, and a "
        "review after six months will decide which lines stay on the timetable for good."
    )
    text = _page(TITLE, LEDE, "Share", "War rages on", share_text)
    extracted = "\n".join([LEDE, "War rages on", share_text])
    result, main = _main(text, extracted)
    assert main.body == "\n\n".join([LEDE, "War rages on", share_text])
    assert not any(p.start == text.index("Share\n") for p in result.pieces if p.label == "body")


def test_too_little_extracted_leaves_the_texts_reading():
    text = _page(TITLE, LEDE, SECOND, *WIDGET, AFTER_GALLERY)
    assert split_text(text, extracted="Night buses to reach the outer districts") == split_text(
        text
    )


def test_an_html_dump_carries_the_extractors_text_into_its_split(tmp_path):
    paragraphs = "".join(f"<p>{p}</p>" for p in (LEDE, SECOND))
    gallery = "".join(f"<li>{item}</li>" for item in GALLERY)
    popular = "".join(f"<li><a href='/{n}'>{t}</a></li>" for n, t in enumerate(WIDGET[1:]))
    page = (
        f"<html><head><title>{TITLE}</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/city'>City</a></nav>"
        f"<article><h1>{TITLE}</h1>{paragraphs}<ul class='gallery'>{gallery}</ul>"
        f"<aside><h3>{WIDGET[0]}</h3><ul>{popular}</ul></aside>"
        f"<p>{AFTER_GALLERY}</p></article>"
        "<footer><p>Copyright 2025 City Times. All rights reserved.</p></footer>"
        "</body></html>"
    )
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    raw = read_dump(tmp_path / "page.html", tmp_path)
    assert LEDE in raw.extracted_text and AFTER_GALLERY in raw.extracted_text
    assert "All rights reserved" not in raw.extracted_text
    result, main = _main(raw.text, raw.extracted_text)
    assert main.body.startswith(LEDE) and main.body.endswith(AFTER_GALLERY)
    assert "Copyright" not in main.body and "Ferry fares" not in main.body
    assert [a.role for a in result.articles] == ["main"]


def test_a_line_the_extractor_kept_inside_a_comments_section_stays_in_the_section():
    """A comments heading opens a section that holds no article text; a line there that the
    extractor also kept (a sidebar item it took for the article's) is the section's, not the
    main body's, and every character is still accounted for once (before, the line was both,
    and the build quarantined the page as a splitter bug)."""
    comment = "Updated models with faster chips are expected early next year, readers say."
    text = _page(TITLE, LEDE, SECOND, "Top Rated Comments", comment, "Rating: 3 Votes")
    result, main = _main(text, "\n".join([comment, LEDE, SECOND]))
    assert main.body == "\n\n".join([LEDE, SECOND])
    start = text.index(comment)
    assert [p.label for p in result.pieces if p.start <= start < p.end] == ["comments_section"]
