"""The splitter on real pages from other projects' test sets (tests/fixtures/generality)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest
from istanbul_talks.dataset.read import drop_unseen_characters

from tests.conftest import load_benchmark_module

evaluate = load_benchmark_module("generality/evaluate.py")
make_set = load_benchmark_module("generality/make_set.py")


def test_metric_on_hand_computed_example():
    gold = "one two three four five six"  # 3 four-grams
    predicted = "zero one two three four five"  # 3 four-grams, 2 shared
    s = evaluate.score(predicted, gold)
    assert (s.overlap, s.predicted, s.gold) == (2, 3, 3)
    assert s.f1 == pytest.approx(2 / 3)
    assert evaluate.score("", gold).f1 == 0.0


def test_metric_reads_words_as_a_reader_sees_them():
    """A reference body's soft hyphen or zero-width space, which the HTML reader drops from the
    page, must not cut the word in two on the reference's side only."""
    assert evaluate.words("Bundes\u00adregierung said\u200b: a\u200bb") == [
        "bundesregierung",
        "said",
        "ab",
    ]
    gold = "die Bundes\u00adregierung hat am Montag beschlossen"
    assert evaluate.score("die Bundesregierung hat am Montag beschlossen", gold).f1 == 1.0


def test_stored_pages_hold_nothing_todays_html_reader_drops():
    """The pages are make_set.py's renderings; one holding a character render_html now drops
    was rendered by an older reader and no longer shows what `talks build` reads."""
    pages = sorted((evaluate.SET / "pages").glob("*.txt"))
    assert len(pages) == 137
    stale = [
        p.name for p in pages if (text := p.read_text("utf-8")) != drop_unseen_characters(text)
    ]
    assert stale == []


def test_f1_interval_resamples_pages():
    same = {f"p{i}": evaluate.Score(8, 10, 10) for i in range(5)}  # every page at F1 0.8
    assert evaluate.f1_interval(same) == pytest.approx((0.8, 0.8))
    # One large page the splitter misses and small good ones: the micro F1 depends on the draw.
    mixed = {
        "big": evaluate.Score(0, 50, 50),
        **{f"p{i}": evaluate.Score(9, 10, 10) for i in range(9)},
    }
    low, high = evaluate.f1_interval(mixed)
    total = evaluate.Score(81, 140, 140)
    assert low < total.f1 < high
    assert (low, high) == evaluate.f1_interval(mixed)  # seeded
    assert high == pytest.approx(0.9)  # drawing no "big" page at all is likely enough


def test_set_has_tuned_held_out_and_blind_pages():
    pages = evaluate.load("all")
    assert len(pages) == 137
    assert len(evaluate.load("dev")) == 10
    assert len(evaluate.load("heldout")) == 13
    assert len(evaluate.load("blind")) == 81
    inspect, confirm = evaluate.load("blind-inspect"), evaluate.load("blind-confirm")
    assert (len(inspect), len(confirm)) == (38, 43)
    assert {n for n, _, _ in inspect} | {n for n, _, _ in confirm} == {
        n for n, _, _ in evaluate.load("blind")
    }
    blind2 = evaluate.load("blind2")
    assert len(blind2) == 20
    assert all(name.startswith("readability-") for name, _, _ in blind2)
    inspect2, confirm2 = evaluate.load("blind2-inspect"), evaluate.load("blind2-confirm")
    assert (len(inspect2), len(confirm2)) == (9, 11)
    assert {n for n, _, _ in inspect2 + confirm2} == {n for n, _, _ in blind2}
    blind3 = evaluate.load("blind3")
    inspect3, confirm3 = evaluate.load("blind3-inspect"), evaluate.load("blind3-confirm")
    assert (len(blind3), len(inspect3), len(confirm3)) == (13, 7, 6)
    # A later page of a blind site is in its site's half.
    sites = {n for n, _, _ in confirm}
    assert all(n.rsplit("-", 1)[0] in sites for n, _, _ in confirm3)
    assert not any(n.rsplit("-", 1)[0] in sites for n, _, _ in inspect3)
    unseen = {n for n, _, _ in evaluate.load("unseen")}
    assert unseen == {n for n, _, _ in confirm + confirm2 + confirm3}
    assert all(len(gold.split()) >= 100 for _, _, gold in pages)


@pytest.mark.parametrize("split", ["heldout", "dev"])
def test_main_body_f1_beats_target_and_naive_floor(split):
    pages = evaluate.load(split)
    ours, _, _ = evaluate.evaluate(pages, evaluate.splitter_body)
    naive, _, _ = evaluate.evaluate(pages, evaluate.naive_body)
    assert ours.f1 >= 0.92
    assert ours.f1 > naive.f1 + 0.2


@pytest.mark.parametrize(
    ("split", "scored"),
    [
        ("unseen", 0.901),
        ("blind-confirm", 0.891),
        ("blind2-confirm", 0.945),
        ("blind3-confirm", 0.876),
        ("blind", 0.941),
    ],
)
def test_blind_pages_keep_their_score(split, scored):
    """`unseen` (every confirm half) was never looked at: F1 0.901 on its 60 pages (0.905 on the
    54 before blind3's six joined), short of the 0.92 target (README). These guard against
    regressions; they are not the target."""
    pages = evaluate.load(split)
    ours, _, _ = evaluate.evaluate(pages, evaluate.splitter_body)
    naive, _, _ = evaluate.evaluate(pages, evaluate.naive_body)
    assert ours.f1 >= scored - 0.005
    assert ours.f1 > naive.f1 + 0.35


def test_title_match_ignores_case_punctuation_and_a_trailing_site_name():
    assert evaluate.title_matches("How to Build a Terrarium", "How to build a terrarium | eHow")
    assert evaluate.title_matches("Night buses: the plan", "Night Buses — The Plan")
    assert not evaluate.title_matches("Share on Facebook", "How to build a terrarium | eHow")
    assert not evaluate.title_matches("", "How to build a terrarium")


@pytest.mark.parametrize(("split", "scored"), [("unseen", 0.550), ("blind-inspect", 0.895)])
def test_main_article_titles_keep_their_accuracy(split, scored):
    """The main article's title is the page's known title on 55% of the 60 unseen pages. On the
    54 before blind3 joined: 41% with the rule before (the last headline above the body), 61%
    before the date and byline work, which cost three of them their title, 56% after it, 59%
    now; see README. A regression guard, not a target."""
    pages = evaluate.load_facts(split, "title")
    assert len(pages) >= 38
    accuracy, _ = evaluate.fact_accuracy(pages, "title")
    assert accuracy >= scored - 0.005


@pytest.mark.parametrize(
    ("split", "fact", "scored"),
    [
        ("unseen", "date", 0.523),  # 54 pages: 0.256 when only dates opening a line were read
        ("blind-inspect", "date", 0.622),  # 0.189
        # 54 pages: 0.204 before bylines with dates, labels, ...; 0.407 before names alone
        ("unseen", "byline", 0.463),
        ("blind-inspect", "byline", 0.833),  # 0.278; 0.639 before names alone
    ],
)
def test_main_article_dates_and_bylines_keep_their_accuracy(split, fact, scored):
    """How often the main article's date and byline are the source's (see evaluate.py for what
    matches); a regression guard, not a target."""
    pages = evaluate.load_facts(split, fact)
    assert len(pages) >= 36
    accuracy, _ = evaluate.fact_accuracy(pages, fact)
    assert accuracy >= scored - 0.005


def test_dates_match_within_a_day_and_bylines_by_the_first_name():
    assert evaluate.date_matches("2016-12-17", "2016-12-16")
    assert not evaluate.date_matches("2016-12-18", "2016-12-16")
    assert not evaluate.date_matches("", "2016-12-16")
    assert evaluate.byline_matches("Joe Hildebrand", "JOE HILDEBRAND")
    assert evaluate.byline_matches("Jeremy Herb", "Jeremy Herb, Lauren del Valle")
    assert evaluate.byline_matches("Kelli Miller", "By Kelli  Miller\n   WebMD Health News")
    assert not evaluate.byline_matches("Ana Ruiz", "Lauren del Valle")
    assert not evaluate.byline_matches("", "Ana Ruiz")


def test_reference_html_becomes_paragraphs():
    text = make_set.html_to_text(
        "<div><h2>War  rages on</h2><p>First <b>bold</b> line<br>same paragraph.</p>"
        "<script>x()</script><ul><li>One</li><li>Two</li></ul></div>"
    )
    assert text == "War rages on\n\nFirst bold line same paragraph.\n\nOne\n\nTwo"


@pytest.mark.parametrize("split", ["unseen", "blind", "blind3-confirm", "all"])
def test_per_page_figures_of_unseen_pages_are_refused(split, monkeypatch, capsys):
    monkeypatch.setattr("sys.argv", ["evaluate.py", "--split", split, "--show"])
    with pytest.raises(SystemExit) as refused:
        evaluate.main()
    assert refused.value.code == 2
    assert "no one may look at page by page" in capsys.readouterr().err


def test_a_line_model_never_tuned_on_its_pages_drops_on_unseen_pages_as_the_rules_do():
    """benchmarks/generality/line_baseline.py: the figures its docstring and the README give."""
    sys.path.insert(0, str(Path(evaluate.__file__).parent))  # it imports evaluate beside it
    figures = load_benchmark_module("generality/line_baseline.py").measure(with_unseen=True)
    f1 = {key: round(found.f1, 3) for key, found in figures.items()}
    assert f1 == {
        "model_cv": 0.960,
        "rules_inspected": 0.968,
        "model_unseen": 0.857,
        "rules_unseen": 0.901,
    }


def test_the_line_models_body_is_the_run_of_highest_gain_and_a_marker_costs_a_paragraph():
    baseline = load_benchmark_module("generality/line_baseline.py")
    odds = np.array([0.9, 0.2, 0.9, 0.9, 0.0, 0.9])
    words = [30, 3, 30, 30, 2, 10]
    eligible = [True, True, True, False, True, True]
    no_markers = [False] * 6
    # Line 1 costs 0.9 words and line 3 may not be body: lines 0 to 5 are the run, 0, 2, 5 kept.
    assert baseline.body_lines(odds, words, eligible, no_markers) == [0, 2, 5]
    # A section marker at line 4 costs 25 words: the 10-word line after it is not worth it.
    assert baseline.body_lines(odds, words, eligible, [False] * 4 + [True, False]) == [0, 2]
    assert baseline.body_lines(np.zeros(3), [5, 5, 5], [True] * 3, [False] * 3) == []


def test_html_pages_are_read_as_a_build_reads_them_with_the_markups_fill_ins(tmp_path):
    """evaluate.py --html: a page's text is its rendering, and its facts are its main article
    row's, so a date only the markup gives is the page's date, as in a build."""
    lede = "The city council voted on Monday to extend the night bus network. " * 4
    (tmp_path / "page.html").write_text(
        '<html><head><meta property="article:published_time" content="2016-12-02T09:30:00Z">'
        '<meta name="author" content="Ana Ruiz"></head><body>'
        f"<h1>Night buses reach the outer districts</h1><p>{lede}</p></body></html>",
        encoding="utf-8",
    )
    text, row = evaluate.read_html_pages(tmp_path)["page"]
    assert text == f"Night buses reach the outer districts\n{lede.strip()}\n"
    facts = {fact: evaluate.row_fact(row, fact) for fact in evaluate.FACTS}
    assert facts == {
        "title": "Night buses reach the outer districts",
        "date": "2016-12-02",
        "byline": "Ana Ruiz",
    }
    assert evaluate.row_fact(None, "title") == ""


def test_a_page_the_build_would_quarantine_is_scored_without_a_main_article(tmp_path, monkeypatch):
    """talks build quarantines a page whose pieces do not account for its text (a splitter
    bug), losing its articles; evaluate.py scores such a page as the build delivers it, text or
    HTML, not as split_text alone returned it."""
    lede = "The city council voted on Monday to extend the night bus network. " * 4
    page = f"Night buses reach the outer districts\n{lede.strip()}\n"
    (tmp_path / "page.html").write_text(
        f"<html><body><h1>Night buses reach the outer districts</h1><p>{lede}</p></body></html>",
        encoding="utf-8",
    )
    assert evaluate.splitter_body(page) == lede.strip()
    split_text = evaluate.split_text

    def split_losing_its_body(text, extracted=None):
        result = split_text(text, extracted=extracted)
        return dataclasses.replace(result, pieces=[p for p in result.pieces if p.label != "body"])

    monkeypatch.setattr(evaluate, "split_text", split_losing_its_body)
    assert evaluate.built_split(page) is None
    assert evaluate.splitter_body(page) == ""
    assert evaluate.read_html_pages(tmp_path)["page"] == (page, None)


def test_html_pages_missing_from_the_folder_are_named(tmp_path, monkeypatch, capsys):
    """evaluate.py --html on a folder without the split's pages (make_set.py --html-only not
    run, or run into another folder) stops, saying how many are missing and naming some."""
    monkeypatch.setattr("sys.argv", ["evaluate.py", "--split", "dev", "--html", str(tmp_path)])
    with pytest.raises(SystemExit) as refused:
        evaluate.main()
    assert refused.value.code == 2
    assert f"{tmp_path} holds no HTML of 10 pages: ['newspaper4k-" in capsys.readouterr().err
