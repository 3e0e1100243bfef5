"""Split the visible text of one news page into articles, named boilerplate and quarantine.

The page is read line by line. Each line is first explained by the layout's rules (boilerplate,
section markers such as "Related Articles", metadata such as "Al Jazeera4 days ago"); what is
left is text, either prose or short lines (titles, sub-headings, labels). Section markers cut the
page into regions; inside a region, a group of short lines that carries strong evidence of a new
article (a repeated headline, or a headline next to a source or date line) starts a block. The
body of each block is the densest run of prose, found as a maximum-sum run over line scores, so
sub-headings between paragraphs stay in the body while menus and teasers around it do not.

Every non-blank character of the page ends up in exactly one `Piece`: article text (title and
body), article metadata, boilerplate (with the rule that named it), or quarantine (with the
reason). The build report adds these up, so nothing is dropped silently.
"""

from __future__ import annotations

import re
import weakref
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise, takewhile

from .layouts import Layout, detect_layout
from .metadata import (
    BYLINE_LABEL,
    CALENDAR_WORD,
    NAME_PARTICLES,
    Meta,
    bare_name,
    dateline_prefix,
    parse_meta,
)

# A sentence ends in . ! ? or …, possibly inside closing quotes: "…on the road.'" but not "…back'".
SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")
MIN_PROSE_WORDS = 3
# A short line cut off with an ellipsis ("Season 8 boldly goes from...") is a teaser: neither
# prose nor the headline of an article on this page.
TRUNCATION_MARKS = ("...", "…")
# A summary of any length cut off and followed by a link ("... the screens… Read…", "... Read
# more »") is a teaser card's text, however long: the page's own article does not stop mid-way.
LINKED_TRUNCATION = re.compile(
    r"(\.\.\.|…)\s*(read|read more|more|continue reading|keep reading)\s*(\.\.\.|…|»|›)?$",
    re.IGNORECASE,
)
LONG_LINE_WORDS = 25
# A long line of few different words is no paragraph: a table's cells run together, a keyword
# list, a word repeated to fill a page ("cell cell cell ..."). Prose repeats words, but even a
# 20,000-word paragraph has more than a tenth of them different. (Only lines longer than most
# paragraphs are counted, which keeps the check off the lines of almost every page.)
MIN_REPETITIVE_WORDS = 100
MIN_DISTINCT_SHARE = 0.1
MAX_BOILERPLATE_WORDS = 35
MIN_HEADLINE_WORDS = 3
MAX_HEADLINE_WORDS = 30
# Line scores for the maximum-sum body search: prose adds its word count, everything else costs.
SHORT_LINE_COST = 4.0
BOILERPLATE_COST = 6.0
META_COST = 10.0
TITLE_LOOKBACK = 6
# The title is looked for among the title-shaped lines this far above the body (menus, share
# bars, bylines and captions sit between a page's headline and its first paragraph), and the
# block's header line just above its byline or date, however far; and the body's first line,
# when it is a title-case question. The one chosen is the one that speaks of what the lede
# speaks of: the most of its words (of four letters or more; at least TITLE_MIN_KEYWORDS
# counted, so that "You are here" does not win on one word) that occur in the first LEDE_LINES
# body lines; then the one printed more often; then the one with more such words in all (a
# headline beats a tag line, "Filed to: donald trump"); then the nearest. Lines that are bylines,
# clock times, datelines ("New York CNN —") or captions (a sentence, then more; or a line above
# a photo's credit, PHOTO_CREDIT) are not titles.
TITLE_WINDOW = 30
LEDE_LINES = 3
LEDE_CHARS = 2000  # bounds the cost on a page whose paragraphs are one very long line
TITLE_MIN_KEYWORDS = 4
MIN_TITLE_OVERLAP = 0.3
# A caption or standfirst is one paragraph of at most this many words; more is an article's body.
MAX_STANDFIRST_WORDS = 60
MAX_QUESTION_TITLE_WORDS = 20
# A line in capitals is the dateline of the body at most this many lines below it (a caption
# between them); higher up, it is a section label, a button or a byline in capitals.
MAX_LINES_AFTER_DATELINE = 1
# A byline is one of these words, then a name: up to MAX_BYLINE_NAME_WORDS words from a capital
# letter to the first comma, bar or spaced dash ("By Ana Ruiz, Reuters", "Por María García |
# Madrid"). Headlines open with the same words: "Por qué...", "Von der Leyen says...", "By 2030,
# ...", "By the numbers".
BYLINE_WORDS = frozenset({"by", "par", "por", "von", "di", "door", "av"})
# A name alone at most this many lines below the main article's headline may be its byline (after
# a comment count, a share bar, a "Text Size" button); further down it is a tag or a menu's.
MAX_BYLINE_LINES_BELOW_HEADLINE = 8
MAX_BYLINE_NAME_WORDS = 6
BYLINE_NAME_END = re.compile(r"\s*[,|·•/]|\s[-–—]\s")
CLOCK_IN_LINE = re.compile(r"\d{1,2}:\d{2}")
# A photo's credit: "Getty Images/Sipa USA", "Erin Schaff/Pool/Getty Images", "(Evan Vucci / AP)".
# The line above one is the photo's caption, not a title.
PHOTO_CREDIT = re.compile(
    r"^(?=.*\b(?:getty images|getty|ap photo|ap|reuters|afp|epa|shutterstock|pool"
    r"|associated press|istock(?:photo)?|alamy|nurphoto|sipa usa|zuma press|xinhua)\b)"
    r"[^/]{1,40}(?:/[^/]{1,40}){1,3}$",
    re.IGNORECASE,
)
MAX_CREDIT_WORDS = 8
CAPTION_BREAK = re.compile(r"[a-z]{3}\.\s+[A-Z(]")  # "... in San Francisco. (Uber)"
# A list inside an article: an introducing sentence of this many words ending in ":", then items
# that cost little, so the body runs on through them to the prose after the list.
MIN_LIST_INTRO_WORDS = 4
# A related list's teaser without byline or date: its headline and at most this many lines
# of summary; a list with fewer summaries than MIN_TEASER_LIST is not told from a sub-heading.
MAX_TEASER_SUMMARY_LINES = 2
MIN_TEASER_LIST = 2
LIST_ITEM_COST = 1.0
# A paragraph printed twice within a few lines is a caption or a teaser's summary shown by two
# page elements, not article text, which does not repeat itself.
REPEAT_WINDOW = 3
MIN_REPEATED_WORDS = 8
# Prose after a mid-article widget continues the article only if it is at least a paragraph
# (a lone teaser line under a "Read More" box is not) and this share of its words of four
# letters or more occur in the article so far (a footer or another story's teaser shares few).
MIN_CONTINUATION_WORDS = 25
MIN_CONTINUATION_SHARED = 0.15
# An HTML page's main body follows the markup's extractor when it kept at least this many words
# of the page's lines; a line shorter than the run must be one of the extractor's own lines.
MIN_EXTRACTED_WORDS = 50
MIN_EXTRACTED_RUN_WORDS = 4
# A related block under no title and shorter than a paragraph is a widget's text ("Login —
# Register to add your comments!") or a teaser's summary whose headline went elsewhere, not an
# article: its lines are accounted for as lines outside any article.
MIN_UNTITLED_WORDS = MIN_CONTINUATION_WORDS
CONTENT_WORD = re.compile(r"\w{4,}")
WORD = re.compile(r"\w+")
# A section marker ("Most Popular", "Related") seen before this much prose is page navigation.
MIN_PROSE_BEFORE_MARKER = 60
# A ticker of timed news items ("14:44", then a headline or a sentence, and so on): at least
# MIN_FEED_STAMPS lines that are only a clock time, each at most MAX_FEED_GAP lines after the last.
CLOCK_TIME = re.compile(r"^\d{1,2}[:h.]\d{2}(\s?[ap]\.?m\.?)?$", re.IGNORECASE)
MIN_FEED_STAMPS = 3
MAX_FEED_GAP = 4
# Items sharing this many words with the prose above are a live blog's entries, not a ticker.
MIN_FEED_SHARED = 0.3

ARTICLE = "article"
METADATA = "metadata"
BOILERPLATE = "boilerplate"
QUARANTINE = "quarantine"


@dataclass
class Line:
    """One line of the page: where its stripped text sits and what the rules say it is."""

    start: int
    end: int
    text: str
    kind: str  # "blank", "marker", "boilerplate", "meta", "text"
    rule: str | None = None
    meta: Meta | None = None
    words: int = 0
    prose: bool = False
    headline: bool = False
    # The section this line opens, which ends the article and holds none: "comments_section"
    # after a comments heading, "site_footer" after "About us", "timestamped_feed" at a ticker.
    opens_section: str | None = None
    list_item: bool = False
    # A short line cut off with "..." or "…": a teaser for another page, neither prose nor title.
    teaser: bool = False


@dataclass(frozen=True)
class Piece:
    """A span of the page with what it became; `label` is the rule or the quarantine reason."""

    start: int
    end: int
    category: str
    label: str


@dataclass
class SplitArticle:
    position: int
    role: str
    title: str | None
    title_span: tuple[int, int] | None
    body: str
    body_spans: list[tuple[int, int]]
    source: str | None = None
    byline: str | None = None
    dateline: str | None = None
    published_raw: str | None = None


@dataclass
class SplitResult:
    layout: str
    timezone: str
    date_order: str | None  # the layout's, for numeric dates (resolve_published)
    articles: list[SplitArticle]
    pieces: list[Piece]


@dataclass
class _Block:
    """Lines [first, last) of one region that may hold one article."""

    first: int
    last: int
    header: list[int] = field(default_factory=list)
    title: int | None = None
    title_span: tuple[int, int] | None = None
    body: list[int] = field(default_factory=list)
    meta: list[int] = field(default_factory=list)
    score: float = 0.0
    # A section that holds no article (comments, a news ticker): its label, else None.
    section: str | None = None
    # Prose above the byline and date of the article below: its body is no article's.
    standfirst: bool = False


# A site prints its menu, footer and widget lines on every page, and a line's class depends on
# its text and the layout alone: each is worked out once per worker and layout, up to this many
# lines (then that layout's cache starts again, so memory stays flat however long the build).
MAX_CACHED_CLASSES = 20_000
# Each layout object's classes by line text (not by its name: two layouts may share one).
_CLASSES: weakref.WeakKeyDictionary[Layout, dict[str, tuple]] = weakref.WeakKeyDictionary()
_CLASS_FIELDS = ("kind", "rule", "meta", "words", "prose", "headline", "opens_section", "teaser")


def read_lines(text: str, layout: Layout) -> list[Line]:
    """Cut the text into lines at every line break ("\n", "\r\n", an old Mac file's "\r",
    U+2028 ...) and classify each one with the layout's rules."""
    lines: list[Line] = []
    classes = _CLASSES.setdefault(layout, {})
    pos = 0
    for raw in text.splitlines(keepends=True):
        stripped = raw.strip()
        if stripped:
            start = pos + len(raw) - len(raw.lstrip())
            line = Line(start, start + len(stripped), stripped, "text")
            lines.append(_classified(line, layout, classes))
        pos += len(raw)
    return lines


def _classified(line: Line, layout: Layout, classes: dict[str, tuple]) -> Line:
    """classify, or the class the same text got on an earlier line (`classes`, the layout's)."""
    known = classes.get(line.text)
    if known is None:
        classify(line, layout)
        if len(classes) >= MAX_CACHED_CLASSES:
            classes.clear()
        classes[line.text] = tuple(getattr(line, name) for name in _CLASS_FIELDS)
    else:
        for name, value in zip(_CLASS_FIELDS, known, strict=True):
            setattr(line, name, value)
    return line


def classify(line: Line, layout: Layout) -> Line:
    text = line.text
    tokens = text.split()
    line.words = len(tokens)
    if layout.is_section_marker(text):
        line.kind, line.rule = "marker", "section_marker"
        return line
    if line.words <= MAX_BOILERPLATE_WORDS:
        rule = layout.boilerplate_rule(text)
        if rule:
            line.kind, line.rule, line.opens_section = "boilerplate", rule.rule, rule.opens_section
            return line
    if line.words >= MIN_REPETITIVE_WORDS and len(set(tokens)) < MIN_DISTINCT_SHARE * line.words:
        line.kind, line.rule = "boilerplate", "repetitive_text"
        return line
    meta = parse_meta(text, time_prefix=layout.time_prefix, n_words=line.words)
    if meta is not None and not _is_dated_lede(text, meta):
        line.kind, line.meta = "meta", meta
        return line
    line.teaser = (line.words < LONG_LINE_WORDS and text.endswith(TRUNCATION_MARKS)) or (
        ("…" in text or "..." in text) and LINKED_TRUNCATION.search(text) is not None
    )
    line.prose = not line.teaser and (
        line.words >= LONG_LINE_WORDS
        or (line.words >= MIN_PROSE_WORDS and SENTENCE_END.search(text) is not None)
    )
    line.headline = (
        not line.prose
        and not line.teaser
        and MIN_HEADLINE_WORDS <= line.words <= MAX_HEADLINE_WORDS
        and (text[0].isupper() or text[0].isdigit() or text[0] in "\"'“‘")
    )
    return line


def _is_dated_lede(text: str, meta: Meta) -> bool:
    """ "April 17, 2015 -- Imagine being sick ...": a date opening the first paragraph, not a
    date line with a title after it; the text after the date is as long as prose."""
    return meta.rest is not None and len(text[meta.rest :].split()) >= LONG_LINE_WORDS


def split_text(
    text: str, layout: Layout | None = None, extracted: str | None = None
) -> SplitResult:
    """Split a page's text into articles and pieces that cover every non-blank character.
    `extracted` is the main article's text as an extractor read it from the page's markup (an
    HTML page's, see read.html_reading): the main body then follows it (_follow_extracted)."""
    layout = layout or detect_layout(text)
    lines = marked_lines(text, layout)
    regions = _regions(lines)
    counts = Counter(line.text for line in lines)  # how often each line is printed on the page
    blocks: list[tuple[int, _Block]] = []
    for region_no, (first, last, section) in enumerate(regions):
        if section:
            blocks.append((region_no, _Block(first, last, section=section)))
            continue
        blocks += [(region_no, block) for block in _read_region(lines, first, last, counts)]
    main = _main_block(blocks)
    _merge_continuations(lines, blocks, main)
    if extracted:
        main = _follow_extracted(lines, blocks, main, _extracted_lines(lines, extracted))
    _drop_untitled_fragments(blocks, main)
    if main is not None:
        _mark_header_byline(lines, main)
    return _assemble(text, layout, lines, blocks, main, counts)


def marked_lines(text: str, layout: Layout) -> list[Line]:
    """The page's lines, classified, with what the page-wide rules mark on them (bare bylines,
    repeated paragraphs, lists, teaser cards, tickers, demoted markers and footer headings)."""
    lines = read_lines(text, layout)
    _mark_bare_bylines(lines)
    _mark_repeated_paragraphs(lines)
    _mark_lists(lines)
    _mark_teaser_cards(lines)
    _mark_timestamped_feeds(lines)
    _demote_navigation_markers(lines)
    _demote_footer_headings_above_text(lines)
    return lines


def _read_region(lines: list[Line], first: int, last: int, counts: Counter[str]) -> list[_Block]:
    """The blocks of a region, each with its body, title and metadata. A title may sit above its
    block, on a line no earlier block holds, but not above an earlier article's body. A caption
    or standfirst between a headline and its byline makes a block of its own, whose body is no
    article's: the article below, if it finds no title under that block, takes its headline
    (a standfirst's headline, always: it is the headline of the article below)."""
    blocks = _blocks(lines, first, last)
    floor = ceiling = first
    held: set[int] = set()  # earlier blocks' body and metadata lines, and their articles' titles
    minor_titles: dict[int, _Block] = {}  # titles of earlier blocks whose body is no article's
    handed: int | None = None  # the title of the standfirst just above
    for block in blocks:
        _find_body(lines, block)
        _find_header(lines, block, (floor, ceiling), counts, held, handed)
        handed = _standfirst_headline(lines, block) if block.standfirst else None
        if block.title in minor_titles:
            minor = minor_titles.pop(block.title)
            minor.title, minor.title_span = None, None
        held.update(block.body, block.meta)
        is_article = _is_article_body(lines, block) and not block.standfirst
        if block.title is not None:
            if is_article:
                held.add(block.title)
            else:
                minor_titles[block.title] = block
        if is_article:
            floor = block.body[-1] + 1
        if block.body:
            ceiling = block.body[-1] + 1
    return blocks


def _standfirst_headline(lines: list[Line], block: _Block) -> int | None:
    """The headline a standfirst block hands down to the article below: its first line when
    that is title-shaped and more follows (a headline printed as a sentence, "Faker wins his
    4th title!", then the standfirst), which then leaves the block and is its title no more
    than a menu line above it is; else the block's title."""
    if len(block.body) < 2 or _title_offset(lines[block.body[0]]) != 0:
        return block.title
    block.title, block.title_span = None, None
    return block.body.pop(0)


def _main_block(blocks: list[tuple[int, _Block]]) -> _Block | None:
    """The page's own article: the densest body in the first region that has one."""
    with_body = [(region, b) for region, b in blocks if b.body]
    if not with_body:
        return None
    first_region = min(region for region, _ in with_body)
    return max(
        (b for region, b in with_body if region == first_region),
        key=lambda b: (b.score, -b.first),
    )


def _merge_continuations(
    lines: list[Line], blocks: list[tuple[int, _Block]], main: _Block | None
) -> None:
    """Prose right after a mid-article widget ("Most Popular", then teaser titles) with no
    headline of its own continues the main article, whose body then has several runs, if it
    is a paragraph or more and speaks of the same things (shares words with the article)."""
    if main is None:
        return
    previous: _Block | None = None
    last_region = None
    for region, block in blocks:
        opens_region, last_region = region != last_region, region
        if (
            opens_region
            and previous is main
            and block.body
            and not block.header
            and not _headline_opens(block)
            and block.score >= MIN_CONTINUATION_WORDS
            and _mostly_prose(lines, block.body)
            and _shared(_content_words(lines, block.body), _content_words(lines, main.body))
            >= MIN_CONTINUATION_SHARED
        ):
            main.body += block.body
            main.score += block.score
            block.body, block.title, block.title_span, block.meta = [], None, None, []
            continue
        if block.body or block.section:
            previous = block


def _extracted_lines(lines: list[Line], extracted: str) -> set[int]:
    """The page's lines that the extracted text holds: a line of a few words when the extractor
    printed it as a line of its own (a sub-heading), a longer one when its words run in the
    extracted text in its order (the extractor joins and cuts lines its own way)."""
    extracted_lines = {" ".join(WORD.findall(line.casefold())) for line in extracted.splitlines()}
    stream = " " + " ".join(extracted_lines) + " "
    held = set()
    for i, line in enumerate(lines):
        words = " ".join(WORD.findall(line.text.casefold()))
        if not words:
            continue
        if line.words < MIN_EXTRACTED_RUN_WORDS:
            if words in extracted_lines:
                held.add(i)
        elif f" {words} " in stream:
            held.add(i)
    return held


def _follow_extracted(
    lines: list[Line], blocks: list[tuple[int, _Block]], main: _Block | None, held: set[int]
) -> _Block | None:
    """The main article, with the text lines the markup's extractor kept added to its body.
    The page's structure finds parts of an article that its text's shape hides (paragraphs
    after a widget or gallery, a body of short lines): the main block is the one holding most
    of the extracted words, and its body gains every extracted text line that no article's
    title or metadata and no section (comments, a footer) holds, taken from the blocks that had
    them. The text's own reading stays
    too: the extractor misses parts it keeps (on the tuned pages, body F1 0.956 alone, 0.968
    from the text alone, 0.976 both). Too little extracted (markup the extractor could not
    read) leaves the text's reading alone."""
    if sum(lines[i].words for i in held) < MIN_EXTRACTED_WORDS:
        return main
    with_body = [block for _, block in blocks if block.body]
    chosen = max(
        with_body,
        key=lambda b: (sum(lines[i].words for i in b.body if i in held), b is main),
        default=None,
    )
    if chosen is None or not any(i in held for i in chosen.body):
        return main
    heads = {b.title for _, b in blocks if b.title is not None} | {
        i for _, b in blocks for i in b.meta
    }
    # A section (comments, a footer, a ticker) holds no article text, whatever the extractor
    # kept there: the lines of its block are its own.
    sections = {i for _, b in blocks if b.section for i in range(b.first, b.last)}
    extra = {i for i in held if lines[i].kind == "text" and i not in heads | sections}
    body = sorted(extra.union(chosen.body))
    taken = set(body)
    for _, block in blocks:
        if block is not chosen:
            block.body = [i for i in block.body if i not in taken]
    chosen.body = body
    chosen.score = sum(lines[i].words for i in body)
    return chosen


def _headline_opens(block: _Block) -> bool:
    """Does the block read headline, then its paragraphs, from its first line (a related story
    under "Read also": its headline is the only line between the marker and its body)?"""
    return block.title == block.first and block.body[0] == block.first + 1


def _drop_untitled_fragments(blocks: list[tuple[int, _Block]], main: _Block | None) -> None:
    """A related block with no title and less than a paragraph of prose is no article (see
    MIN_UNTITLED_WORDS); the page's own article is kept whatever it lacks."""
    for _, block in blocks:
        if block is not main and block.title is None and block.score < MIN_UNTITLED_WORDS:
            block.body, block.meta = [], []


def _mostly_prose(lines: list[Line], body: list[int]) -> bool:
    """Paragraphs with a sub-heading here and there, not a teaser list (title, byline and one
    sentence, over and over): at least half the lines the body spans are prose."""
    spanned = lines[body[0] : body[-1] + 1]
    return 2 * sum(line.prose for line in spanned) >= len(spanned)


def _content_words(lines: list[Line], indices: list[int]) -> list[str]:
    return CONTENT_WORD.findall(" ".join(lines[i].text for i in indices).casefold())


def _shared(words: list[str], vocabulary: list[str]) -> float:
    """The share of `words` that occur in `vocabulary`."""
    known = set(vocabulary)
    return sum(w in known for w in words) / len(words) if words else 0.0


def _mark_bare_bylines(lines: list[Line]) -> None:
    """Bylines that are a name alone on a line: after "By" alone on its line ("By", then "Gabriel
    Sherman"; both lines are the byline), or next to a calendar date ("Cindy Mangomini", then
    "December 21, 2016 4:05 pm"), where a page prints its author. A publisher's name beside a
    relative time ("Al Jazeera", then "4 days ago"), or one the page names as a source, is not."""
    sources: set[str] | None = None  # the publishers the page names, once a name is found
    for i, line in enumerate(lines):
        if line.kind != "text" or line.words > MAX_BYLINE_NAME_WORDS or not bare_name(line.text):
            continue
        if sources is None:
            sources = {
                other.meta.source.casefold()
                for other in lines
                if other.kind == "meta" and other.meta and other.meta.source
            }
        if line.text.casefold() in sources:
            continue
        before = lines[i - 1] if i else None
        after = lines[i + 1] if i + 1 < len(lines) else None
        labelled = before is not None and before.kind == "text" and BYLINE_LABEL.match(before.text)
        dated = any(
            n is not None and n.kind == "meta" and n.meta.kind == "date" for n in (before, after)
        )
        if not (labelled or dated):
            continue
        meta = Meta(kind="byline", byline=line.text)
        for byline in (before, line) if labelled else (line,):
            byline.kind, byline.meta, byline.headline = "meta", meta, False


def _mark_header_byline(lines: list[Line], main: _Block) -> None:
    """The main article's author, printed between its headline and its body when no rule found
    a byline: a byline in a language metadata does not read ("Par Laurence Defranoux", "Von
    Hans Müller, Berlin"; BYLINE_WORDS), or a name alone ("Kaveh Waddell" under a "Text Size"
    button). A name alone may also be a tag or a person the story is about ("Donald Trump"), so
    it counts only when the page prints it again on another line ("Recent from Chris Thompson",
    "Kaveh Waddell is an associate editor at The Atlantic.") and the body never mentions it but
    to open a paragraph (an author's note, "Keith Noonan owns shares of ..."). Related articles'
    headers are menus and tag lists too often ("Positively Utah", "Fantasy Basketball") for this
    to hold there, and other stories' bylines are below MAX_BYLINE_LINES_BELOW_HEADLINE."""
    if main.title is None or not main.body:
        return
    if any(lines[i].meta is not None and lines[i].meta.byline for i in main.meta):
        return
    body = [lines[i].text.casefold() for i in main.body]
    last = min(main.body[0], main.title + 1 + MAX_BYLINE_LINES_BELOW_HEADLINE)
    for i in range(main.title + 1, last):
        line = lines[i]
        if line.kind != "text" or i in main.meta:
            continue
        byline = _byline_name(line.text) or (
            line.text if bare_name(line.text) and _printed_for_its_author(lines, i, body) else None
        )
        if byline is not None and not CALENDAR_WORD.fullmatch(byline):  # "By Tuesday night"
            line.kind, line.meta, line.headline = "meta", Meta(kind="byline", byline=byline), False
            main.meta = sorted([*main.meta, i])
            return


def _printed_for_its_author(lines: list[Line], i: int, body: list[str]) -> bool:
    """Is the name alone on line i printed again on another line, and not spoken of in the
    (casefolded) body paragraphs?"""
    name = lines[i].text.casefold()
    if _mentioned(name, body):
        return False
    return any(name in other.text.casefold() for j, other in enumerate(lines) if j != i)


def _mentioned(name: str, paragraphs: list[str]) -> bool:
    """Do the (casefolded) paragraphs speak of the person: the name, or its last word alone,
    anywhere but where a paragraph opens with the whole name?"""
    surname = re.compile(rf"(?<!\w){re.escape(name.split()[-1])}(?!\w)")
    for paragraph in paragraphs:
        if paragraph.startswith(name):
            paragraph = paragraph[len(name) :]
        if surname.search(paragraph):
            return True
    return False


def _mark_repeated_paragraphs(lines: list[Line]) -> None:
    """Both copies of a paragraph printed twice within REPEAT_WINDOW lines are boilerplate."""
    for i, line in enumerate(lines):
        if not line.prose or line.words < MIN_REPEATED_WORDS:
            continue
        for other in lines[i + 1 : i + 1 + REPEAT_WINDOW]:
            if other.text == line.text:
                for copy in (line, other):
                    copy.kind, copy.rule, copy.prose = "boilerplate", "repeated_paragraph", False


def _mark_lists(lines: list[Line]) -> None:
    """A sentence that ends in a colon and is followed by short lines and then prose again is
    a list inside the article: the sentence reads as prose and the short lines are its items.
    Read backwards, so that each introduction knows whether the article resumes after it."""
    items: list[Line] = []
    resumes = False
    for line in reversed(lines):
        if line.kind != "text":
            items, resumes = [], False
        elif line.prose:
            items, resumes = [], True
        elif resumes and line.words >= MIN_LIST_INTRO_WORDS and line.text.endswith(":"):
            line.prose, line.headline = True, False
            for item in items:
                item.list_item = True
            items = []
        else:
            items.append(line)


def _mark_teaser_cards(lines: list[Line]) -> None:
    """A headline with a teaser cut off by "..." between two paragraphs is a card linking to
    another story ("Related: Title / First words of it... / Read more") set inside the
    article: its lines are boilerplate, and it does not open a new article."""
    group: list[Line] = []
    prose_before = has_teaser = False
    for line in lines:
        if not line.prose:
            group.append(line)
            has_teaser = has_teaser or line.teaser
            continue
        if (
            has_teaser
            and prose_before
            and any(g.headline for g in group)
            and all(g.kind in {"text", "boilerplate"} for g in group)
        ):
            for g in group:
                if g.kind == "text":
                    g.kind, g.rule, g.headline = "boilerplate", "teaser_card", False
        group, prose_before, has_teaser = [], True, False


def _mark_timestamped_feeds(lines: list[Line]) -> None:
    """A run of clock times, each followed by an item (a headline, a sentence), is a ticker of
    other news ("Live", "Le fil"): it opens a section that ends the article, unless its items
    speak of the same things as the prose above it (a live blog of the page's own story)."""
    stamps = [
        i
        for i, line in enumerate(lines)
        if line.words <= 2
        and line.text[0].isdigit()
        and line.kind == "text"
        and CLOCK_TIME.match(line.text)
    ]
    runs: list[list[int]] = []
    for i in stamps:
        if runs and i - runs[-1][-1] <= MAX_FEED_GAP:
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in runs:
        if len(run) < MIN_FEED_STAMPS:
            continue
        items = list(range(run[0], min(run[-1] + MAX_FEED_GAP, len(lines))))
        above = [i for i in range(run[0]) if lines[i].prose]
        if _shared(_content_words(lines, items), _content_words(lines, above)) >= MIN_FEED_SHARED:
            continue
        for i in run:
            lines[i].kind, lines[i].rule = "boilerplate", "feed_timestamp"
        lines[run[0]].opens_section = "timestamped_feed"


def _demote_navigation_markers(lines: list[Line]) -> None:
    """Markers and section openers (comments headings, tickers, "About us") above the page's
    own article belong to its menus and share bars ("Comments (12)" beside the byline), not to
    a teaser block, a thread or a footer."""
    prose_words = 0
    for line in lines:
        if line.kind == "marker" or line.opens_section:
            if prose_words >= MIN_PROSE_BEFORE_MARKER:
                return
            if line.kind == "marker":
                line.kind, line.rule = "boilerplate", "navigation_marker"
            line.opens_section = None
        elif line.prose:
            prose_words += line.words


def _demote_footer_headings_above_text(lines: list[Line]) -> None:
    """ "About us" opens the site's footer only below most of the page's prose; above it, the
    line is an item of the top menu."""
    if not any(line.opens_section == "site_footer" for line in lines):
        return
    total = sum(line.words for line in lines if line.prose)
    above = 0
    for line in lines:
        if line.opens_section == "site_footer" and above <= total - above:
            line.opens_section = None
        elif line.prose:
            above += line.words


def _regions(lines: list[Line]) -> list[tuple[int, int, str | None]]:
    """Line ranges [first, last) between section markers, each with the label of the section
    that holds no article when it opens with a comments heading or a ticker (else None); the
    first one holds the page's own article."""
    regions: list[tuple[int, int, str | None]] = []
    first, section = 0, None
    for i, line in enumerate(lines):
        if line.kind == "marker":
            regions.append((first, i, section))
            first, section = i + 1, None
        elif line.opens_section and not section:
            regions.append((first, i, section))
            first, section = i, line.opens_section
    regions.append((first, len(lines), section))
    return regions


def _header_groups(lines: list[Line], first: int, last: int) -> list[list[int]]:
    """Maximal runs of non-prose lines (headlines, metadata, labels) between prose lines."""
    groups: list[list[int]] = []
    current: list[int] = []
    for i in range(first, last):
        if lines[i].prose:
            if current:
                groups.append(current)
            current = []
        else:
            current.append(i)
    if current:
        groups.append(current)
    return groups


def _is_strong_header(lines: list[Line], group: list[int]) -> bool:
    """Does this group of short lines open a new article?"""
    texts = Counter(lines[i].text for i in group if lines[i].headline)
    if any(count >= 2 for count in texts.values()):
        return True
    metas = [lines[i].meta for i in group if lines[i].kind == "meta"]
    has_title = bool(texts) or any(m.rest is not None for m in metas if m)
    return has_title and any(m.kind in {"time", "date", "source", "byline"} for m in metas if m)


def _is_head_below_standfirst(lines: list[Line], group: list[int], prose_above: int) -> bool:
    """A byline and a date with no title under no more prose than a standfirst (a caption, a
    standfirst, or both; `prose_above` words of it since the last block began): the head of the
    article whose headline sits above that prose. Under more, the article has begun already (an
    author box, a live blog's entry)."""
    metas = [lines[i].meta for i in group if lines[i].meta]
    return (
        0 < prose_above <= MAX_STANDFIRST_WORDS
        and any(m.byline for m in metas)
        and any(m.published_raw for m in metas)
    )


def _teaser_heads(lines: list[Line], first: int, last: int, groups: list[list[int]]) -> set[int]:
    """Under a section marker ("Related Articles"), teasers that print no byline or date: a
    headline and a summary of a line or two (or none), over and over. Each headline opens a related
    article of its own (the first lines of their groups are returned). Only where every
    headline of the region is printed so: a full story under "Next Article" has paragraphs
    under its sub-headings, and they stay in its body."""
    if first == 0 or lines[first - 1].kind != "marker":
        return set()
    heads = [g for g in groups if any(lines[i].kind in {"text", "meta"} for i in g)]
    if not heads or any(lines[i].prose for i in range(first, heads[0][0])):
        return set()
    ends = [g[0] for g in heads[1:]] + [last]
    summarized = 0
    for group, end in zip(heads, ends, strict=True):
        texts = [i for i in group if lines[i].kind in {"text", "meta"}]
        summary = sum(line.prose for line in lines[group[-1] + 1 : end])
        if len(texts) != 1 or not lines[texts[0]].headline or summary > MAX_TEASER_SUMMARY_LINES:
            return set()
        summarized += summary > 0
    return {g[0] for g in heads} if summarized >= MIN_TEASER_LIST else set()


def _blocks(lines: list[Line], first: int, last: int) -> list[_Block]:
    """The region cut where a header group opens an article, and at each headline of a teaser
    list (see _teaser_heads). The prose above a byline-and-date head (see
    _is_head_below_standfirst) makes a block that is a standfirst, never an article."""
    starts = [first]
    headers: dict[int, list[int]] = {}
    standfirsts: set[int] = set()
    prose_above, scanned = 0, first  # prose words since the current block began
    groups = _header_groups(lines, first, last)
    teasers = _teaser_heads(lines, first, last, groups)
    for group in groups:
        prose_above += sum(line.words for line in lines[scanned : group[0]])  # prose between groups
        scanned = group[-1] + 1
        strong = group[0] in teasers or _is_strong_header(lines, group)
        if strong or _is_head_below_standfirst(lines, group, prose_above):
            if not strong:
                standfirsts.add(starts[-1])
            if group[0] != first:
                starts.append(group[0])
            headers[group[0]] = group
            prose_above = 0
    starts.append(last)
    return [
        _Block(a, b, header=headers.get(a, []), standfirst=a in standfirsts)
        for a, b in pairwise(starts)
        if a < b
    ]


def _line_score(line: Line) -> float:
    if line.prose:
        return float(line.words)
    if line.list_item:
        return -LIST_ITEM_COST
    if line.kind == "boilerplate":
        return -BOILERPLATE_COST
    if line.kind == "meta":
        return -META_COST
    return -(SHORT_LINE_COST + 0.5 * line.words)


def densest_run(
    scores: Iterable[float], can_end: Iterable[bool]
) -> tuple[float, tuple[int, int] | None]:
    """The run of consecutive scores with the highest sum (a maximum-sum subarray) that ends
    where `can_end` allows: that sum and the run's [start, end) offsets, or (0.0, None) when no
    such run sums above zero."""
    best, best_range = 0.0, None
    running, run_start = 0.0, 0
    for i, (score, end_here) in enumerate(zip(scores, can_end, strict=True)):
        if running <= 0:
            running, run_start = 0.0, i
        running += score
        if running > best and end_here:
            best, best_range = running, (run_start, i + 1)
    return best, best_range


def _find_body(lines: list[Line], block: _Block) -> None:
    """Pick the densest run of prose after the block's header, ending on a prose line."""
    begin = block.header[-1] + 1 if block.header else block.first
    after_header = lines[begin : block.last]
    best, run = densest_run(map(_line_score, after_header), (line.prose for line in after_header))
    if run is None:
        return
    block.score = best
    block.body = [i for i in range(begin + run[0], begin + run[1]) if lines[i].kind == "text"]


def _find_header(
    lines: list[Line],
    block: _Block,
    limits: tuple[int, int],
    counts: Counter[str],
    held: set[int],
    handed: int | None = None,
) -> None:
    """Choose the title and metadata lines: the block's header group, or lines above the body;
    the title may sit above the block, not on a `held` line (see `_choose_title` for `limits`
    and `handed`)."""
    if block.header:
        candidates = block.header
    elif block.body:
        before = [i for i in range(block.first, block.body[0]) if lines[i].kind in {"text", "meta"}]
        candidates = before[-TITLE_LOOKBACK:]
    else:
        return
    metas = [i for i in candidates if lines[i].kind == "meta"]
    sources = {
        lines[i].meta.source.casefold() for i in metas if lines[i].meta and lines[i].meta.source
    }
    # A plain line naming the same publisher as a "- Arab News" line is a source line too.
    for i in candidates:
        if lines[i].kind == "text" and lines[i].text.casefold() in sources:
            metas.append(i)
    source_lines = {i for i in metas if lines[i].kind == "text"}
    title = _choose_title(lines, block, limits, counts, held | source_lines, handed)
    if title is not None:
        block.title = title
        block.title_span = (
            lines[title].start + (_title_offset(lines[title]) or 0),
            lines[title].end,
        )
    if not block.header and block.title is not None:
        metas = [i for i in metas if i >= block.title]  # lines above the title are not its own
    if block.title is not None and block.body:  # a byline under a headline below its group
        metas += [i for i in range(block.title, block.body[0]) if lines[i].kind == "meta"]
    if block.header or block.title is not None:
        block.meta = sorted(set(metas))


def _choose_title(
    lines: list[Line],
    block: _Block,
    limits: tuple[int, int],
    counts: Counter[str],
    excluded: set[int],
    handed: int | None = None,
) -> int | None:
    """The line above the body that is the article's title (see TITLE_WINDOW), if any. `limits`
    is (floor, ceiling): the title lies below the ceiling, the end of the previous block's body,
    or, only if there is none there, as high as the floor, the end of the last article's body
    (so a headline above a caption's block still reaches the article under the caption). There,
    the title `handed` down by a standfirst block just above is the one. The body's first line
    may be the title too, and then leaves the body."""
    if not block.body:
        return None
    begin = block.body[0]
    floor, ceiling = limits
    nearest: dict[str, int] = {}  # each distinct title text, at its copy nearest the body
    # A line of the block's header group just above its byline or date counts however far above
    # the body it is (a carousel of videos may stand between a headline and the first paragraph).
    in_header = set(block.header)
    heads = {
        i for j in block.header if lines[j].kind == "meta" for i in (j - 1, j - 2) if i in in_header
    }
    for above, (low, high) in enumerate(((ceiling, begin), (floor, ceiling))):
        if above and handed is not None and handed not in excluded:
            return handed
        start = max(low, begin - TITLE_WINDOW)
        for i in (*sorted(i for i in heads if low <= i < start), *range(start, high)):
            if (
                i not in excluded
                and (offset := _title_offset(lines[i])) is not None
                and not _is_photo_credit(lines[i + 1])
            ):
                nearest[lines[i].text[offset:]] = i
        if nearest:
            break
    lede = None  # built once, and only when there is a choice to make
    first = lines[begin]
    if first.prose and len(block.body) > 1 and _title_offset(first) == 0 and _title_case(first):
        # A headline printed as a question ("Which One Should You Buy?") was taken for the lede:
        # it is the title if it speaks of what the paragraphs under it speak of.
        rest = _lede(lines, block.body[1:])
        if _lede_overlap(first.text, rest)[0] >= MIN_TITLE_OVERLAP:
            nearest[first.text], lede = begin, rest
    if len(nearest) <= 1:
        chosen = next(iter(nearest.values()), None)
    else:
        lede = lede if lede is not None else _lede(lines, block.body)

        def key(title: str) -> tuple[bool, float, int, int, int]:
            overlap, shared = _lede_overlap(title, lede)
            i = nearest[title]
            return (overlap >= MIN_TITLE_OVERLAP, overlap, min(counts[lines[i].text], 2), shared, i)

        chosen = nearest[max(nearest, key=key)]
    if chosen == begin:
        block.body.pop(0)  # the headline leaves the body
    return chosen


def _lede_overlap(title: str, lede: str) -> tuple[float, int]:
    """The share of the title's words (at least TITLE_MIN_KEYWORDS counted) found in the lede,
    and their number."""
    words = _title_words(title)
    shared = sum(_has_word(lede, w) for w in words)
    return shared / max(len(words), TITLE_MIN_KEYWORDS), shared


def _title_case(line: Line) -> bool:
    """Are most of its longer words capitalised, as in "Which One Should You Buy?" (a sentence
    of the lede is not)?"""
    words = CONTENT_WORD.findall(line.text)
    return bool(words) and 2 * sum(w[0].isupper() for w in words) > len(words)


def _lede(lines: list[Line], body: list[int]) -> str:
    return " ".join(lines[i].text for i in body[:LEDE_LINES])[:LEDE_CHARS].casefold()


def _is_photo_credit(line: Line) -> bool:
    text = line.text
    return "/" in text and line.words <= MAX_CREDIT_WORDS and PHOTO_CREDIT.match(text) is not None


def _has_word(text: str, word: str) -> bool:
    """Does `word` occur in `text` as a whole word? A substring search, then a look at the
    neighbouring characters: far cheaper than splitting a long lede into words for every block."""
    start = text.find(word)
    while start != -1:
        end = start + len(word)
        if (start == 0 or not _is_word_char(text[start - 1])) and (
            end == len(text) or not _is_word_char(text[end])
        ):
            return True
        start = text.find(word, start + 1)
    return False


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _is_article_body(lines: list[Line], block: _Block) -> bool:
    """Two paragraphs or more, or one longer than MAX_STANDFIRST_WORDS: an article's body, not a
    standfirst or a caption between the page's headline and its byline."""
    return block.score >= MAX_STANDFIRST_WORDS or (
        block.score >= MIN_CONTINUATION_WORDS and sum(lines[i].prose for i in block.body) >= 2
    )


def _title_offset(line: Line) -> int | None:
    """Where a title starts in this line, or None if it holds none: a headline-sized line that is
    not prose (a short question or exclamation may be) from its start, a date line from where its
    title begins ("date 2025-06-02 Title")."""
    if line.kind == "meta":
        return line.meta.rest if line.meta else None
    text = line.text
    question = (
        line.prose
        and line.words <= MAX_QUESTION_TITLE_WORDS
        and text.rstrip("\"'”’").endswith(("?", "!"))
    )
    if (
        line.kind != "text"
        or (line.prose and not question)
        or line.teaser
        or not MIN_HEADLINE_WORDS <= line.words <= MAX_HEADLINE_WORDS
        or text[0].islower()
        or _is_byline_time_dateline_or_caption(text)
    ):
        return None
    return 0


def _is_byline_time_dateline_or_caption(text: str) -> bool:
    """String tests first, a regex only where they leave a doubt: this runs on every line near
    every article's body."""
    return (
        _is_byline(text)
        or text[0] in "®©("
        or text.endswith(("—", "–", "-"))
        or (":" in text and CLOCK_IN_LINE.search(text) is not None)
        or (". " in text and CAPTION_BREAK.search(text) is not None)
    )


def _is_byline(text: str) -> bool:
    return _byline_name(text) is not None


def _byline_name(text: str) -> str | None:
    """The name of a byline: a byline word, then a name of a few words from a capital letter
    (see BYLINE_WORDS). The word is looked for in the line's first characters: this runs on
    every line near a body, and most are not bylines."""
    word, space, _ = text[:6].partition(" ")
    if not space or word.rstrip(":").casefold() not in BYLINE_WORDS:
        return None
    name = BYLINE_NAME_END.split(text[len(word) + 1 :].lstrip(), maxsplit=1)[0]
    if not name[:1].isupper() or len(name.split()) > MAX_BYLINE_NAME_WORDS:
        return None
    # "By Sam Byford on June 29": the name ends where its words in lower case start.
    words = list(takewhile(lambda w: w[:1].isupper() or w in NAME_PARTICLES, name.split()))
    while words[-1] in NAME_PARTICLES:
        words.pop()
    return " ".join(words)


def _title_words(text: str) -> list[str]:
    """Its words of four letters or more, or all its words if it has none (short-word scripts)."""
    folded = text.casefold()
    return CONTENT_WORD.findall(folded) or WORD.findall(folded)


def _assemble(
    text: str,
    layout: Layout,
    lines: list[Line],
    blocks: list[tuple[int, _Block]],
    main: _Block | None,
    counts: Counter[str],
) -> SplitResult:
    articles: list[SplitArticle] = []
    pieces: list[Piece] = []
    used: set[int] = set()
    for _, block in blocks:
        if not block.body:
            continue
        article, block_pieces = _article(text, layout, lines, block, block is main)
        article.position = len(articles)
        articles.append(article)
        pieces += block_pieces
        used.update(block.body)
        used.update(block.meta)
        if block.title is not None:
            used.add(block.title)
    titles_by_block = {
        (b.first, b.last): lines[b.title].text if b.title is not None and b.body else None
        for _, b in blocks
    }
    for _, block in blocks:
        title = titles_by_block[(block.first, block.last)]
        for i in range(block.first, block.last):
            if block.section and lines[i].kind != "boilerplate":
                pieces.append(Piece(lines[i].start, lines[i].end, BOILERPLATE, block.section))
            elif i not in used:
                pieces.append(_leftover(lines, i, title, counts))
    # Regions exclude their section markers, so markers are the only lines in no block.
    pieces += [
        Piece(line.start, line.end, BOILERPLATE, "section_marker")
        for line in lines
        if line.kind == "marker"
    ]
    pieces.sort(key=lambda p: (p.start, p.end))
    return SplitResult(layout.name, layout.timezone, layout.date_order, articles, pieces)


def _article(
    text: str, layout: Layout, lines: list[Line], block: _Block, is_main: bool
) -> tuple[SplitArticle, list[Piece]]:
    pieces: list[Piece] = []
    source = byline = dateline = published = None
    # The headline's own lines come first: a menu's "by ..." or date above it is another story's.
    headline = block.title
    own = [i for i in block.meta if headline is None or i >= headline]
    for i in own + [i for i in block.meta if headline is not None and i < headline]:
        meta = lines[i].meta
        line = lines[i]
        if meta is None:  # a plain line naming the publisher
            source = source or line.text
            pieces.append(Piece(line.start, line.end, METADATA, "source"))
            continue
        source = source or meta.source
        byline = byline or meta.byline
        if block.body and 0 < block.body[0] - i <= 1 + MAX_LINES_AFTER_DATELINE:
            dateline = dateline or meta.dateline  # a place in capitals just above the body
        published = published or meta.published_raw
        end = line.end if i != block.title else line.start + (meta.rest or 0)
        pieces.append(Piece(line.start, _rstrip_end(text, line.start, end), METADATA, meta.kind))
    title = None
    if block.title_span is not None:
        start, end = block.title_span
        title = text[start:end]
        pieces.append(Piece(start, end, ARTICLE, "title"))
    spans: list[tuple[int, int]] = []
    for n, i in enumerate(block.body):
        line = lines[i]
        start = line.start
        if n == 0:
            found = dateline_prefix(line.text)
            if found and found[1] < len(line.text):
                dateline = found[0]  # the body's own, before a line of capitals nearby
                pieces.append(
                    Piece(start, _rstrip_end(text, start, start + found[1]), METADATA, "dateline")
                )
                start += found[1]
        spans.append((start, line.end))
        pieces.append(Piece(start, line.end, ARTICLE, "body"))
    body = "\n\n".join(text[s:e] for s, e in spans)
    article = SplitArticle(
        position=0,
        role="main" if is_main else "related",
        title=title,
        title_span=block.title_span,
        body=body,
        body_spans=spans,
        source=source,
        byline=byline,
        dateline=dateline,
        published_raw=published,
    )
    return article, pieces


def _rstrip_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _leftover(lines: list[Line], i: int, block_title: str | None, counts: Counter) -> Piece:
    """Name what a line that is in no article is: boilerplate by rule, or quarantine by reason."""
    line = lines[i]
    if line.kind in {"boilerplate", "marker"}:
        return Piece(line.start, line.end, BOILERPLATE, line.rule or "boilerplate")
    if block_title is not None and line.text == block_title:
        return Piece(line.start, line.end, BOILERPLATE, "repeated_title")
    if line.kind == "meta":
        return Piece(line.start, line.end, BOILERPLATE, "stray_metadata")
    neighbours = [lines[j].text for j in (i - 1, i + 1) if 0 <= j < len(lines)]
    if line.words <= 2 and line.text in neighbours:
        return Piece(line.start, line.end, BOILERPLATE, "repeated_label")
    if line.prose:
        return Piece(line.start, line.end, QUARANTINE, "prose outside any article body")
    if line.headline and counts[line.text] > 1:
        return Piece(line.start, line.end, BOILERPLATE, "repeated_title")
    return Piece(line.start, line.end, BOILERPLATE, "short_line_outside_article")
