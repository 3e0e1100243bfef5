"""Generic splitting heuristics on small pages written to show one layout trait each."""

from __future__ import annotations

from istanbul_talks.dataset.layouts import detect_layout
from istanbul_talks.dataset.report import account
from istanbul_talks.dataset.split import split_text

LEDE = (
    "The city council voted on Monday to extend the night bus network to the outer districts, "
    "after a year of petitions from shift workers who said the last trains left them stranded."
)
SECOND = (
    "The extension will cost about 4 million euros a year, the transport office said, and the "
    "first new lines are due to run from March, with more to follow if demand holds up."
)
THIRD = (
    "Opposition members called the night bus extension overdue but welcomed it, and asked the "
    "transport office to review the fares charged after midnight, which fall hardest on shift "
    "workers."
)
# The three paragraphs of the page's own article, as its body should read.
WHOLE = "\n\n".join([LEDE, SECOND, THIRD])
COMMENT = (
    "Finally! I have been waiting for this for years, the old night bus took two hours to get "
    "me home after my shift and I am sure many others felt the same way about it."
)


def _page(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def _main(text: str):
    result = split_text(text)
    account("page", "page.txt", text, result.pieces)  # raises if a character is unaccounted for
    return result, next(a for a in result.articles if a.role == "main")


def _body_below(*above: str) -> str:
    """The main body of a page whose own article (LEDE, SECOND, THIRD) comes after `above`."""
    _, main = _main(_page(*above, LEDE, SECOND, THIRD))
    return main.body


def test_comment_thread_is_not_article_text():
    text = _page(
        "Night buses to reach the outer districts",
        "By Ana Ruiz",
        LEDE,
        SECOND,
        THIRD,
        "[ 12 comments ]",
        "Top Rated Comments",
        "nightowl",
        "3 hours ago at 11:46 am",
        COMMENT,
        "Rating: 16 Votes",
        "busfan",
        "2 hours ago at 12:02 pm",
        COMMENT.replace("Finally!", "Great news."),
    )
    result, main = _main(text)
    assert main.body == WHOLE
    assert len(result.articles) == 1
    labels = {text[p.start : p.end]: p.label for p in result.pieces}
    assert labels["Top Rated Comments"] == "comments_heading"
    assert labels[COMMENT] == "comments_section"
    assert labels["nightowl"] == "comments_section"


def test_comments_section_ends_at_the_next_section_marker():
    teaser = "Ferry timetable changes for the winter"
    text = _page(
        "Night buses to reach the outer districts",
        LEDE,
        SECOND,
        "Jump to Comments",
        "About the Author",
        "Most Popular",
        teaser,
        "Ana Ruiz",
        THIRD,
        COMMENT,
    )
    result, main = _main(text)
    # A teaser right after the marker, with no date or byline of its own, is another article,
    # not the main one continued after a widget: the comments heading ended the main article.
    assert main.body == "\n\n".join([LEDE, SECOND])
    assert [(a.role, a.title) for a in result.articles] == [
        ("main", "Night buses to reach the outer districts"),
        ("related", teaser),
    ]


def test_comments_heading_above_the_article_is_only_a_share_bar_label():
    assert _body_below("Night buses to reach the outer districts", "Join the conversation") == WHOLE


def test_a_list_introduced_by_a_colon_stays_in_the_article():
    items = ["Line N1 from the airport to the old town", "Line N2 along the coast road"]
    text = _page(
        "Night buses to reach the outer districts",
        LEDE,
        "The first routes to run from March are the following:",
        *items,
        "Line N3 across the bridge to the east bank",
        "Line N4 to the university campus",
        SECOND,
        THIRD,
    )
    _, main = _main(text)
    assert main.body.startswith(LEDE + "\n\nThe first routes to run from March are the following:")
    assert all(item in main.body for item in items) and main.body.endswith(THIRD)


def test_a_colon_line_without_the_article_resuming_is_not_a_list():
    text = _page(
        "Night buses to reach the outer districts",
        LEDE,
        SECOND,
        THIRD,
        "Ana Ruiz covers transport. You can follow her on social media here:",
        "Follow @anaruiz",
        "Article Info",
    )
    _, main = _main(text)
    assert main.body == WHOLE


def test_read_also_boxes_in_other_languages_and_with_a_colon_are_section_markers():
    for marker in ("À lire aussi :", "Read more:", "İlgili Haberler", "Mehr zum Thema"):
        text = _page(
            "Night buses to reach the outer districts",
            LEDE,
            SECOND,
            marker,
            "Ferry timetable changes for the winter",
            "2 hours ago",
            THIRD,
        )
        result, main = _main(text)
        labels = {text[p.start : p.end]: p.label for p in result.pieces}
        assert labels[marker] == "section_marker", marker
        assert main.body == "\n\n".join([LEDE, SECOND]), marker
        assert [a.title for a in result.articles if a.role == "related"] == [
            "Ferry timetable changes for the winter"
        ], marker


def test_a_lone_teaser_line_after_a_widget_does_not_continue_the_article():
    text = _page(
        "Night buses to reach the outer districts",
        LEDE,
        SECOND,
        "Read More",
        "Seven ways to save on your commute",
        "Why are the trains so late this winter?",
    )
    _, main = _main(text)
    assert main.body == "\n\n".join([LEDE, SECOND])


def test_a_paragraph_after_a_widget_continues_the_article():
    text = _page("Night buses to reach the outer districts", LEDE, SECOND, "Most Popular", THIRD)
    _, main = _main(text)
    assert main.body == WHOLE


def test_a_paragraph_printed_twice_in_a_row_is_a_caption_not_article_text():
    caption = "The mayor speaks at the opening of the new night bus depot on Monday, Jan. 9, 2017."
    text = _page("Night buses to reach the outer districts", caption, caption, LEDE, SECOND, THIRD)
    result, main = _main(text)
    assert main.body == WHOLE
    assert [p.label for p in result.pieces if text[p.start : p.end] == caption] == [
        "repeated_paragraph",
        "repeated_paragraph",
    ]


def test_prose_about_something_else_after_a_widget_does_not_continue_the_article():
    footer = (
        "The material on this site may not be reproduced, distributed, transmitted, cached or "
        "otherwise used, except with the prior written permission of Advance Local Media."
    )
    text = _page("Night buses to reach the outer districts", LEDE, SECOND, "Most Read", footer)
    _, main = _main(text)
    assert main.body == "\n\n".join([LEDE, SECOND])
    assert footer not in main.body


def test_teasers_cut_off_with_an_ellipsis_are_not_prose():
    teasers = [
        f"Story {n}: the council votes on the new fares for the night..." for n in range(1, 9)
    ]
    text = _page(
        *teasers,
        "Previous Story",
        "Night buses to reach the outer districts",
        "By Ana Ruiz",
        LEDE,
        SECOND,
        THIRD,
    )
    result, main = _main(text)
    assert main.title == "Night buses to reach the outer districts"
    assert main.body == WHOLE
    assert all(teaser not in a.body for a in result.articles for teaser in teasers)


def test_the_longest_possible_marker_is_still_a_marker():
    """Lines longer than any marker skip the marker regex; the bound must cover every pattern."""
    layout = detect_layout("")
    longest = "More from " + "x" * 40 + " :"
    assert layout.is_section_marker(longest)
    assert not layout.is_section_marker("More from " + "x" * 41)


def test_a_teaser_card_inside_the_article_neither_ends_nor_enters_it():
    card = "Seven ways to save on your commute this winter"
    text = _page(
        "Night buses to reach the outer districts",
        LEDE,
        card,
        card,
        card,
        "When you ride the bus every day, small savings on each ticket add up to…",
        "Read more Read more",
        SECOND,
        THIRD,
    )
    result, main = _main(text)
    assert main.title == "Night buses to reach the outer districts"
    assert main.body == WHOLE
    assert len(result.articles) == 1
    labels = [p.label for p in result.pieces if text[p.start : p.end] == card]
    assert labels == ["teaser_card"] * 3


LIVE = [
    ("14:44", "Fourteen soldiers named in abuse inquiry, some identified"),
    ("14:32", "An artist arrested for dyeing a geyser pink in Iceland"),
    ("14:10", "Earthquake. A magnitude 6.8 quake struck Papua New Guinea, the survey said."),
    ("13:54", "Parliament votes the surveillance bill at first reading"),
]


def test_a_ticker_of_timed_items_after_the_article_is_not_article_text():
    text = _page(
        "Night buses to reach the outer districts",
        LEDE,
        SECOND,
        THIRD,
        "Live",
        *(line for item in LIVE for line in item),
    )
    result, main = _main(text)
    assert main.body == WHOLE
    labels = {text[p.start : p.end]: p.label for p in result.pieces}
    assert labels["14:44"] == labels["13:54"] == "feed_timestamp"
    assert labels[LIVE[2][1]] == "timestamped_feed"


def test_timed_entries_of_a_live_blog_on_the_same_story_stay_in_it():
    entries = [
        ("14:44", "The council opens the night bus debate; shift workers fill the gallery."),
        ("14:32", "Transport office: night bus extension will cost 4 million euros a year."),
        ("14:10", "Opposition welcomes night bus extension, asks to review fares after midnight."),
    ]
    text = _page(
        "Night buses: the council votes, live",
        LEDE,
        SECOND,
        *(line for entry in entries for line in entry),
        THIRD,
    )
    _, main = _main(text)
    assert all(entry in main.body for _, entry in entries)
    assert main.body.startswith(LEDE) and main.body.endswith(THIRD)


def test_a_date_opening_the_first_paragraph_is_not_a_title_line():
    lede = "April 17, 2015 -- " + LEDE
    text = _page("Night buses to reach the outer districts", "By Ana Ruiz", lede, SECOND, THIRD)
    _, main = _main(text)
    assert main.title == "Night buses to reach the outer districts"
    assert main.body == "\n\n".join([lede, SECOND, THIRD])


def test_a_teaser_list_after_a_widget_does_not_continue_the_article():
    teasers = [
        ("Night fares under review", "ANA RUIZ", THIRD),
        ("Shift workers speak out", "TOM ELLIOTT", SECOND.replace("4 million", "5 million")),
        ("Buses or trains for the suburbs", "SUSIE BROWN", LEDE.replace("Monday", "Tuesday")),
    ]
    text = _page(
        "Night buses to reach the outer districts",
        LEDE,
        SECOND,
        "More stories",
        "Other Opinion Columns",
        *(line for teaser in teasers for line in teaser),
    )
    _, main = _main(text)
    assert main.body == "\n\n".join([LEDE, SECOND])


TEASERS = [
    (
        "Night fares to be reviewed by spring",
        "The transport office will report on fares after midnight before the spring timetable, "
        "the council said, after complaints from nurses and cleaners.",
    ),
    (
        "Shift workers welcome the new routes",
        "Unions at the two hospitals in the outer districts said the routes would cut journeys "
        "home by an hour for hundreds of their members.",
    ),
    (
        "Trains or buses for the suburbs",
        "A study for the regional authority compares a night train service with more buses and "
        "finds the buses cheaper for the first five years.",
    ),
]


def _related(text: str) -> list[tuple[str | None, str]]:
    result, _ = _main(text)
    return [(a.title, a.body) for a in result.articles if a.role == "related"]


def test_each_teaser_of_a_related_list_without_bylines_or_dates_is_an_article():
    """A related list of headlines and summaries, with no byline or date line between them,
    gives one related article per teaser, not one whose sub-headings are the later headlines;
    a headline with no summary under it is a link and no article."""
    text = _page(
        "Night buses to reach the outer districts",
        LEDE,
        SECOND,
        THIRD,
        "Related Articles",
        *(line for teaser in TEASERS for line in teaser),
        "New bike lanes open in the old town",
    )
    assert _related(text) == TEASERS
    _, main = _main(text)
    assert main.body == WHOLE


def test_a_story_under_next_article_keeps_its_sub_headings():
    """The story under "Next Article" has paragraphs under its sub-headings: one article."""
    text = _page(
        "Night buses to reach the outer districts",
        LEDE,
        SECOND,
        THIRD,
        "Next Article",
        "Fares for the night buses are under review",
        LEDE.replace("Monday", "Tuesday"),
        "What the workers say",
        SECOND,
        THIRD.replace("overdue", "late"),
        THIRD,
        "What comes next",
        SECOND.replace("4 million", "5 million"),
    )
    ((title, body),) = _related(text)
    assert title == "Fares for the night buses are under review"
    assert body.split("\n\n")[1] == "What the workers say"
    assert body.endswith("What comes next\n\n" + SECOND.replace("4 million", "5 million"))


def test_sub_headings_of_the_page_s_own_article_stay_in_its_body_however_short_their_sections():
    """Sub-headings with a paragraph each, in the page's own article: no marker opens them, so
    they are not a teaser list ("War rages on" in the seeds)."""
    (first_title, first_summary), (second_title, second_summary) = TEASERS[:2]
    text = _page(
        "Night buses to reach the outer districts",
        LEDE,
        first_title,
        first_summary,
        second_title,
        second_summary,
    )
    result, main = _main(text)
    assert main.body == "\n\n".join([LEDE, *TEASERS[0], *TEASERS[1]])
    assert [a.role for a in result.articles] == ["main"]


ABOUT = (
    "CityNews is an independent online newsroom covering transport, housing and the life of "
    "the outer districts, with reporters in every borough and readers in all of them."
)


def test_the_sites_about_box_below_the_article_is_a_footer_not_article_text():
    text = _page(
        "Night buses to reach the outer districts",
        LEDE,
        SECOND,
        THIRD,
        "Newsletter",
        "About us",
        ABOUT,
        "© 2016 CityNews",
    )
    result, main = _main(text)
    assert main.body == WHOLE
    labels = {text[p.start : p.end]: p.label for p in result.pieces}
    assert labels["About us"] == "site_footer_heading"
    assert labels[ABOUT] == "site_footer"


def test_about_us_in_the_top_menu_does_not_end_the_article():
    above = [
        ABOUT,
        COMMENT,  # more than a share bar's worth of prose above the menu
        "Home",
        "About Us",
        "Contact Us",
        "Night buses to reach the outer districts",
        "2 hours ago",
    ]
    assert _body_below(*above) == WHOLE


def test_picked_for_you_boxes_are_section_markers():
    for marker in ("Faves For You", "More for you", "Picks for you"):
        text = _page("Night buses to reach the outer districts", LEDE, SECOND, marker, THIRD)
        result, _ = _main(text)
        labels = {text[p.start : p.end]: p.label for p in result.pieces}
        assert labels[marker] == "section_marker", marker


def test_summaries_cut_off_before_a_read_link_are_teasers_however_long():
    teasers = [
        "The night bus network has grown every year since the council took over the transport "
        "office, and the shift workers who ride it say the late buses changed… Read…",
        "Fares after midnight fall hardest on shift workers, the opposition says, and the council "
        "has now asked the transport office to review them before… Read more »",
    ]
    text = _page(
        "Night buses to reach the outer districts",
        LEDE,
        SECOND,
        THIRD,
        "Related",
        "How the night bus network grew",
        teasers[0],
        "Related",
        "Who pays the night fares",
        teasers[1],
    )
    result, main = _main(text)
    assert main.body == WHOLE
    assert all(teaser not in a.body for a in result.articles for teaser in teasers)


def test_lines_linking_to_other_stories_from_inside_the_article_are_not_article_text():
    links = [
        "PHOTOS: The new night buses, inside and out",
        "Related: Council approves budget",
        "Up Next The only true night bus alternative is about to get even better",
    ]
    dateline = "RIYADH: The council said the night buses would run from March, as planned."
    text = _page(
        "Night buses to reach the outer districts",
        LEDE,
        links[0],
        SECOND,
        links[1],
        THIRD,
        links[2],
        dateline,
    )
    result, main = _main(text)
    assert main.body == "\n\n".join([WHOLE, dateline])
    labels = {text[p.start : p.end]: p.label for p in result.pieces}
    assert [labels[link] for link in links] == ["inline_link"] * 3
    assert split_text(_page("Up next is the vote on the night buses.", LEDE)).pieces[0].label == (
        "body"
    )


def test_embedded_post_credits_and_newsletter_boxes_are_not_article_text():
    credit = "A photo posted by City Buses (@citybuses) on Dec 5, 2016 at 9:10am PST"
    newsletter = [
        "Don't worry; we hate spam with a passion.",
        "You can unsubscribe with one click.",
    ]
    text = _page(
        "Night buses to reach the outer districts", LEDE, credit, SECOND, THIRD, *newsletter
    )
    result, main = _main(text)
    assert main.body == WHOLE
    labels = {text[p.start : p.end]: p.label for p in result.pieces}
    assert labels[credit] == "social_embed_credit"
    assert [labels[line] for line in newsletter] == ["newsletter_prompt"] * 2


TITLE = "Night buses to reach the outer districts"


def _title_above(*above: str) -> str | None:
    _, main = _main(_page(*above, LEDE, SECOND, THIRD))
    return main.title


def test_the_title_is_the_headline_that_speaks_of_the_lede_not_a_label_repeated_in_the_menu():
    menu = ["Blogs you may like", "Deadspin", "Gizmodo", "Blogs you may like", "Kotaku"]
    share = ["Share to Facebook", "Share to Twitter", "Go to permalink"]
    assert _title_above(*menu, TITLE, "Ana Ruiz", *share) == TITLE


def test_bylines_times_datelines_and_captions_are_not_titles():
    caption = "The night bus depot in the outer districts. (City Transport)"
    assert _title_above(TITLE, "March 18 at 12:22 PM", "Outer districts CNN —", caption) == TITLE


def test_a_headline_may_open_with_a_byline_word_but_a_byline_is_never_the_title():
    """'By', 'Von', 'Por' open bylines and headlines alike: a byline has a name after the word
    (a few words from a capital letter, up to a comma or bar), a headline goes on otherwise."""
    headlines = [
        "By 2030, night buses will reach the outer districts",
        "By the numbers: night buses for the outer districts",
        "Von der Leyen praises the night buses of the outer districts",
        "Por qué the night buses took a year to reach the outer districts",
    ]
    assert [_title_above(h, "Share on Facebook") for h in headlines] == headlines
    bylines = ["Por María García | Madrid", "Von Hans Müller, Berlin", "door Anke de Vries"]
    assert [_title_above(b) for b in bylines] == [None] * 3


def test_a_question_can_be_the_title():
    question = "Will night buses finally reach the outer districts?"
    assert _title_above(question, "Share on Facebook", "Share on Twitter") == question


def test_the_title_is_found_above_a_caption_between_it_and_the_byline():
    """The caption makes a block of its own (its body is no article's), which gives the headline
    up to the article below; one line is never the title of two blocks."""
    caption = (
        "A night bus waits at the depot in the outer districts on Monday, where shift workers "
        "gathered to hear the council announce the extension of the network to their streets."
    )
    result, main = _main(
        _page(TITLE, "Share on Facebook", caption, "By Ana Ruiz", "March 18 at 12:22 PM", LEDE)
    )
    assert (main.title, main.body) == (TITLE, LEDE)
    assert [a.title for a in result.articles if a is not main] == [None]


def test_each_related_story_keeps_its_own_title_when_the_next_one_speaks_of_the_same_things():
    """Related stories on one topic share words: a teaser's title is a headline under the
    previous teaser's paragraph, not an earlier teaser's headline that its paragraph echoes."""
    teasers = [
        ("Council extends night buses to outer districts", SECOND + " " + THIRD),
        ("Shift workers speak out", LEDE.replace("Monday", "Tuesday") + " " + SECOND),
        ("Fares after midnight under review", THIRD + " " + LEDE.replace("Monday", "Friday")),
    ]
    related = [
        line
        for title, paragraph in teasers
        for line in (
            title,
            title,
            "City News",
            "time9 hours ago",
            "  • City News",
            title,
            paragraph,
        )
    ]
    result, main = _main(
        _page(
            TITLE, TITLE, "City News4 days ago", *WHOLE.split("\n\n"), "Related Articles", *related
        )
    )
    assert main.title == TITLE
    assert [(a.title, a.body) for a in result.articles if a is not main] == [
        (title, paragraph) for title, paragraph in teasers
    ]


def test_in_a_list_of_stories_each_summary_gets_the_headline_above_it():
    """Headline, byline, a one-sentence summary, then the next story's time and headline: a
    summary is no article's body of its own, yet the next story's headline is its own."""
    stories = [
        (
            "Council extends night buses to outer districts",
            "By Ana Ruiz",
            "The council voted to run night buses to the outer districts from March.",
        ),
        (
            "Shift workers welcome the new night buses",
            "By Tom Elliott",
            "Night bus riders said the council vote ends years of waiting for a ride home.",
        ),
        (
            "Fares after midnight under review",
            "By Susie Brown",
            "The transport office will review night fares, which fall hardest on shift workers.",
        ),
    ]
    lines = [
        line
        for n, story in enumerate(stories)
        for line in (f"10/04/16 05:{29 - n:02d} PM EDT", *story)
    ]
    result, main = _main(_page(*lines, "Latest", TITLE, "By Ana Ruiz", *WHOLE.split("\n\n")))
    assert main.title == TITLE
    assert [(a.title, a.body) for a in result.articles if a is not main] == [
        (title, summary) for title, _, summary in stories
    ]


def test_a_related_block_with_no_title_and_less_than_a_paragraph_is_not_an_article():
    """A widget's line after a section marker ("See Also:", then a login prompt) is prose with
    no headline: it is accounted for outside any article, not published as a related story."""
    text = _page(
        TITLE,
        "By Ana Ruiz",
        *WHOLE.split("\n\n"),
        "See Also:",
        "Login — Register to add your comments!",
        "Reader Comments",
    )
    result, _ = _main(text)
    assert [a.title for a in result.articles] == [TITLE]
    widget = text.index("Login")
    assert [(p.category, p.label) for p in result.pieces if p.start == widget] == [
        ("quarantine", "prose outside any article body")
    ]


def test_a_long_single_paragraph_keeps_its_headline_from_the_story_below_it():
    """One paragraph longer than a standfirst is an article's body, not a caption: a story below
    whose own headline is not title-shaped (a clock time in it reads as a time line) does not
    take this one's."""
    long_paragraph = SECOND + " " + THIRD
    first = "Council extends night buses to outer districts"
    related = [first, first, "City News", "time9 hours ago", first, long_paragraph]
    second = "Night buses to run until 2:30 from March"
    related += [second, second, "City News", "time2 days ago", second, LEDE]
    result, main = _main(
        _page(TITLE, TITLE, "City News4 days ago", *WHOLE.split("\n\n"), "Related", *related)
    )
    assert [(a.title, a.body) for a in result.articles if a is not main] == [
        (first, long_paragraph),
        (None, LEDE),
    ]


def test_a_byline_with_a_date_heads_the_article_below_a_standfirst():
    """ "by Name December 22, 2016 5:00 AM PST" is both the byline and the date; with no title
    beside it, it still opens the article, whose headline sits above the standfirst, and an
    "Up Next" link under it is not the title."""
    standfirst = (
        "An extension that shift workers asked for over a year reaches the outer districts."
    )
    _, main = _main(
        _page(
            TITLE,
            TITLE,
            standfirst,
            "by Ana Ruiz December 22, 2016 5:00 AM PST",
            "Up Next The only true night bus alternative is about to get even better",
            *WHOLE.split("\n\n"),
        )
    )
    assert (main.title, main.body) == (TITLE, WHOLE)
    assert (main.byline, main.published_raw) == ("Ana Ruiz", "December 22, 2016 5:00 AM")


def test_a_place_in_capitals_just_above_the_body_is_its_dateline_a_label_higher_up_is_not():
    """ "SCOTUS" over the headline is a section label; "ANKARA" over the lede, the dateline."""
    _, main = _main(_page("SCOTUS", TITLE, "ANKARA", LEDE, SECOND, THIRD))
    assert (main.title, main.dateline, main.body) == (TITLE, "ANKARA", WHOLE)
    _, main = _main(_page("SCOTUS", TITLE, LEDE, SECOND, THIRD))
    assert (main.title, main.dateline, main.body) == (TITLE, None, WHOLE)
    _, main = _main(_page(TITLE, "KYIV (Reuters) - " + LEDE, SECOND, THIRD))
    assert (main.dateline, main.body) == ("KYIV", WHOLE)


def test_a_short_sentence_opening_with_by_stays_in_the_body():
    """ "By Tuesday, the talks had stalled." is a paragraph of the article, not its byline."""
    sentence = "By March, the first buses were full."
    _, main = _main(_page(TITLE, LEDE, SECOND, sentence, THIRD))
    assert (main.title, main.byline) == (TITLE, None)
    assert main.body == "\n\n".join([LEDE, SECOND, sentence, THIRD])


def test_a_byline_with_a_date_inside_the_article_does_not_split_it():
    """Under two paragraphs the article has begun: a byline and a date there (a live blog's
    entry, an author box) do not open another article."""
    result, main = _main(_page(TITLE, LEDE, SECOND, "By Ana Ruiz", "March 18 at 12:22 PM", THIRD))
    assert (main.title, main.body) == (TITLE, WHOLE)
    assert len(result.articles) == 1


def test_a_caption_and_a_standfirst_above_the_byline_hand_the_headline_down():
    """A photo caption and a standfirst (together no longer than a standfirst) between the
    headline and a byline with its date are no article: the article under them takes the
    headline, and a glued share bar under the byline is boilerplate, not a title."""
    caption = "Night buses wait at the depot in the outer districts. | Photo by City News"
    standfirst = "Shift workers asked for the night buses for a year; the council agreed on Monday."
    text = _page(
        TITLE,
        caption,
        standfirst,
        "By Ana Ruiz",
        "10/04/16 05:07 AM EDT",
        "Share on Facebook Share on Twitter",
        *WHOLE.split("\n\n"),
    )
    result, main = _main(text)
    assert (main.title, main.body) == (TITLE, WHOLE)
    assert (main.byline, main.published_raw) == ("Ana Ruiz", "10/04/16 05:07 AM")
    labels = {text[p.start : p.end]: p.label for p in result.pieces}
    assert labels["Share on Facebook Share on Twitter"] == "share_bar"


def test_the_byline_under_the_headline_is_the_articles_not_a_menus_above_it():
    """Menu lines and a date above the headline are a header group, which may hold another
    story's "by ..." line; the headline is a question, so the group ends above it. The byline
    between the headline and the body is the article's own, and the date above it still is."""
    menu = ["Parent Toolkit", "Gadgets and Gear", "by Lee Park", "Internet Culture", "Security"]
    headline = "Will the night buses reach the outer districts?"
    text = _page(
        *menu, "Dec 13 2016, 1:06 pm ET", headline, "by Ana Ruiz", "Share", *WHOLE.split("\n\n")
    )
    _, main = _main(text)
    assert (main.title, main.body) == (headline, WHOLE)
    assert (main.byline, main.published_raw) == ("Ana Ruiz", "Dec 13 2016, 1:06 pm")


def test_a_headline_printed_as_a_sentence_above_a_standfirst_is_handed_down():
    """ "Night buses reach the outer districts at last!" above a standfirst and a byline with its
    date: the headline of the article below, not the menu line above it."""
    headline = "Night buses reach the outer districts at last!"
    standfirst = "Shift workers waited a year."
    text = _page(
        "Home",
        "Transport and City Life",
        headline,
        standfirst,
        "By Ana Ruiz November 19, 2023 7:18 pm",
        "Share Article",
        *WHOLE.split("\n\n"),
    )
    result, main = _main(text)
    assert (main.title, main.body) == (headline, WHOLE)
    assert (main.byline, main.published_raw) == ("Ana Ruiz", "November 19, 2023 7:18 pm")
    assert len(result.articles) == 1


def test_a_name_after_a_lone_by_or_beside_the_date_is_the_byline():
    """ "By" alone on a line with the name on the next (both lines are the byline), and a name
    alone next to the article's date, are bylines; a publisher beside a relative time and a
    section label beside a date are not."""
    text = _page(TITLE, "By", "Ana Ruiz", "Share", *WHOLE.split("\n\n"))
    result, main = _main(text)
    assert (main.title, main.byline, main.body) == (TITLE, "Ana Ruiz", WHOLE)
    labels = {text[p.start : p.end]: p.label for p in result.pieces}
    assert labels["By"] == labels["Ana Ruiz"] == "byline"
    _, main = _main(_page(TITLE, "Ana Ruiz", "December 21, 2016 4:05 pm", *WHOLE.split("\n\n")))
    assert (main.byline, main.published_raw) == ("Ana Ruiz", "December 21, 2016 4:05 pm")
    for above in (["Arab News", "4 days ago"], ["Middle East", "December 21, 2016"]):
        _, main = _main(_page(TITLE, *above, *WHOLE.split("\n\n")))
        assert (main.title, main.byline, main.body) == (TITLE, None, WHOLE)


def test_a_name_alone_under_the_headline_that_the_page_prints_again_is_the_byline():
    """A name alone between the headline and the first paragraph, with no "By" and no date, is
    the main article's byline when the page prints it again elsewhere (an author's box, "Recent
    from ...", an author's note opening the last paragraph). A name the body speaks of is a tag
    or a person in the story, and a name printed once may be either: neither is a byline."""
    paragraphs = WHOLE.split("\n\n")
    for again in (["Recent from Ana Ruiz"], ["Ana Ruiz is a transport reporter."]):
        text = _page(TITLE, "12 comments", "Ana Ruiz", "Share", *paragraphs, "Related", *again)
        result, main = _main(text)
        assert (main.title, main.byline, main.body) == (TITLE, "Ana Ruiz", WHOLE)
        labels = {text[p.start : p.end]: (p.category, p.label) for p in result.pieces}
        assert labels["Ana Ruiz"] == ("metadata", "byline")
    note = "Ana Ruiz covers transport for the paper and rode the first night bus."
    _, main = _main(_page(TITLE, "Ana Ruiz", *paragraphs, note, "More from Ana Ruiz"))
    assert (main.byline, main.body) == ("Ana Ruiz", WHOLE + "\n\n" + note)
    in_story = [*paragraphs[:-1], paragraphs[-1] + " Mayor Ana Ruiz backed the plan."]
    once = _page(TITLE, "Ana Ruiz", *paragraphs)
    spoken_of = _page(TITLE, "Ana Ruiz", *in_story, "Tags: Ana Ruiz")
    surname_only = _page(TITLE, "Ana Ruiz", *in_story[:-1], paragraphs[-1] + " Ruiz agreed.")
    for text in (once, spoken_of, _page(surname_only, "Ana Ruiz")):
        _, main = _main(text)
        assert (main.title, main.byline) == (TITLE, None)
    far_below = _page(TITLE, *[f"Menu item {n}" for n in range(8)], "Ana Ruiz", *paragraphs)
    _, main = _main(far_below + "Ana Ruiz\n")
    assert (main.title, main.byline) == (TITLE, None)


def test_a_byline_in_another_language_under_the_headline_is_the_byline():
    """ "Par", "Por", "Von" open bylines as "By" does; under the main article's headline such a
    line is its byline, with or without a place after it, as is a "By" line that metadata does
    not read as a byline."""
    paragraphs = WHOLE.split("\n\n")
    for line, name in (
        ("Par Laurence Defranoux", "Laurence Defranoux"),
        ("Por María García | Madrid", "María García"),
        ("Von Hans Müller, Berlin", "Hans Müller"),
        ("By Ana Ruiz on June 29", "Ana Ruiz"),  # the name ends where words in lower case start
    ):
        text = _page(TITLE, "Share", line, *paragraphs)
        result, main = _main(text)
        assert (main.title, main.byline, main.body) == (TITLE, name, WHOLE)
        assert {text[p.start : p.end]: p.label for p in result.pieces}[line] == "byline"
    _, main = _main(_page(TITLE, "Share", "By Tuesday night", *paragraphs))
    assert (main.title, main.byline, main.body) == (TITLE, None, WHOLE)  # a day is no name


def test_of_two_lines_as_close_to_the_lede_the_one_sharing_more_words_is_the_title():
    """A tag line nearer the body ("Filed to: ...") may share as large a part of its words with
    the lede as the headline does; the headline shares more of them."""
    headline = "Night buses reach the outer districts after a year of petitions"
    text = _page(headline, "Filed to: night districts petitions", *WHOLE.split("\n\n"))
    _, main = _main(text)
    assert (main.title, main.body) == (headline, WHOLE)


def test_a_photo_caption_above_its_credit_is_not_the_title():
    """ "Night buses and outer districts" over "Getty Images/Sipa USA" is a photo's caption, even
    though it names what the lede names; the headline above the byline is the title."""
    text = _page(
        TITLE,
        "By Ana Ruiz",
        "Night buses and outer districts",
        "Getty Images/Sipa USA",
        *WHOLE.split("\n\n"),
    )
    _, main = _main(text)
    assert (main.title, main.byline, main.body) == (TITLE, "Ana Ruiz", WHOLE)


def test_a_question_headline_taken_for_the_lede_is_the_title():
    """A headline printed as a question in title case, right above the first paragraph, looks
    like prose; it is the title (not a menu's headline above it) and leaves the body. A question
    in sentence case opening the article stays in its body."""
    menu = ["How to Run Windows Programs from Bash", "How to Migrate Your Windows Installation"]
    headline = "Night Buses for the Outer Districts: Which Lines Run After Midnight?"
    _, main = _main(_page(*menu, "Search", headline, *WHOLE.split("\n\n")))
    assert (main.title, main.body) == (headline, WHOLE)
    question = "Will the night buses reach the outer districts after midnight?"
    _, main = _main(_page(TITLE, question, *WHOLE.split("\n\n")))
    assert (main.title, main.body) == (TITLE, question + "\n\n" + WHOLE)


def test_the_headline_above_its_byline_reaches_a_body_under_a_long_carousel():
    """A headline with its byline and date, then a carousel of videos longer than TITLE_WINDOW,
    then the first paragraph: the headline is the title, not a video's."""
    carousel = []
    for n in range(12):
        carousel += [f"Council member {n} speaks about the night buses", "03:29", "Now playing"]
    text = _page(
        "World",
        TITLE,
        "By Ana Ruiz, CNN",
        "Updated 4:48 PM EST, Mon November 6, 2023",
        *carousel,
        *WHOLE.split("\n\n"),
    )
    _, main = _main(text)
    assert (main.title, main.byline, main.body) == (TITLE, "Ana Ruiz, CNN", WHOLE)


def test_a_headline_printed_twice_beats_a_line_sharing_more_words_with_the_lede():
    """Of two candidates sharing as large a part of their words with the lede, the one printed
    twice is the headline, even when the other shares more words in all."""
    summary = "Mayor Ellis promised night crews for outer districts after petitions year"
    _, main = _main(_page(TITLE, TITLE, summary, *WHOLE.split("\n\n")))
    assert (main.title, main.body) == (TITLE, WHOLE)


def test_a_long_line_of_few_different_words_is_boilerplate_not_article_text():
    """A table's cells run together on one line ("Price Price Price ..."), or a word repeated to
    fill a page: no paragraph, however many words it has."""
    table = " ".join(["Station", "Time", "Station", "Time"] * 40)
    text = _page("Night buses to reach the outer districts", LEDE, table, SECOND, THIRD)
    result, main = _main(text)
    assert main.body == WHOLE
    labels = {text[p.start : p.end]: p.label for p in result.pieces}
    assert labels[table] == "repetitive_text"
    filler = _page("Night buses", " ".join(["cell"] * 5000))
    assert split_text(filler).articles == []
