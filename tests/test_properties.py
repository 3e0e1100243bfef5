"""Properties of the splitter that must hold for any text, not only the seeds."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from istanbul_talks.dataset.read import shipped_raw_dir
from istanbul_talks.dataset.report import CATEGORIES, account
from istanbul_talks.dataset.split import split_text

SEED_LINES = sorted(
    {
        line
        for path in shipped_raw_dir().glob("*.txt")
        for line in path.read_text(encoding="utf-8").splitlines()
    }
)
# Lines that cut a page into regions or sections: section markers, comments headings, a
# ticker's timestamps, and the teaser line of a card set inside an article.
STRUCTURE_LINES = [
    "Related Articles",
    "Most Popular",
    "Top Rated Comments",
    "Jump to Comments",
    "14:44",
    "9.05am",
    "Small savings on each ticket add up to…",
]
# Any text, and page-like text: real seed lines (short and long) mixed with noise.
page_lines = st.lists(
    st.one_of(
        st.sampled_from(SEED_LINES),
        st.sampled_from(STRUCTURE_LINES),
        st.text(max_size=80),
        st.just(""),
    ),
    max_size=60,
)
pages = st.one_of(st.text(max_size=3000), page_lines.map("\n".join))


def _check(text: str) -> None:
    result = split_text(text)
    dump = account("d", "d.txt", text, result.pieces)  # raises if anything is unaccounted
    assert sum(dump.chars[c] for c in CATEGORIES) == len(text)
    assert dump.chars["whitespace"] == sum(
        1 for i, ch in enumerate(text) if ch.isspace() and not _covered(result.pieces, i)
    )
    for article in result.articles:
        assert article.body.strip()
        assert "\n\n".join(text[s:e] for s, e in article.body_spans) == article.body
        if article.title_span:
            assert text[article.title_span[0] : article.title_span[1]] == article.title
    assert [a.position for a in result.articles] == list(range(len(result.articles)))
    assert sum(a.role == "main" for a in result.articles) == (1 if result.articles else 0)


def _covered(pieces, i: int) -> bool:
    return any(p.start <= i < p.end for p in pieces)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages)
def test_any_text_splits_without_error_and_adds_up(text):
    _check(text)


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(sorted(shipped_raw_dir().glob("*.txt"))), st.sampled_from(["\r\n", "\n"]))
def test_line_endings_do_not_change_the_articles(path, newline):
    text = path.read_text(encoding="utf-8")
    converted = text.replace("\n", newline)
    assert [a.body.replace("\r", "") for a in split_text(converted).articles] == [
        a.body for a in split_text(text).articles
    ]
    _check(converted)
