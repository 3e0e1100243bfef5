"""Generate realistic raw dumps at scale: the seed layouts and an unknown one, seed-like lengths,
and some near-duplicate stories (the same text retold by another outlet with small edits).

    python benchmarks/dumpgen.py OUT_DIR COUNT [--seed 0] [--html]

Vocabulary, title and paragraph lengths are drawn from the shipped seed dumps, so token and line
length distributions resemble the real corpus. Same seed and count, same files.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path

from istanbul_talks.dataset.read import shipped_raw_dir

NEAR_DUPLICATE_SHARE = 0.1
AUTHORS = ["Ayse Kaya", "John Smith", "Olena Shevchenko", "Karim Haddad", "Maria Rossi"]
MENU = ["World", "Politics", "Business", "Opinion", "Sport", "Culture", "Video", "Podcasts"]
FOOTER = ["About us", "Contact", "Privacy policy", "Cookie settings", "Terms of use"]
# A news page's markup outweighs its text: inline styles and a tag manager's script of about
# these sizes (characters) sit in the head of most CMS pages.
PAGE_STYLE_CHARS = 6_000
PAGE_SCRIPT_CHARS = 20_000
STYLE_RULE = ".c{n} .w{v} {{ margin: 0 auto; padding: {n}px; color: #{v:06x}; }}"
SCRIPT_LINE = "window.dataLayer.push({{'event': 'slot{n}', 'id': {v}, 'ready': true}});"
SOURCES = ["Al Jazeera", "Arab News", "Qatar Tribune", "Asharq Al-Awsat", "Daily Sabah", "AFP"]
DATELINES = ["ISTANBUL", "MOSCOW", "KYIV", "ANKARA", "WASHINGTON", "BRUSSELS"]


@cache
def vocabulary() -> tuple[str, ...]:
    words: list[str] = []
    for path in sorted(shipped_raw_dir().glob("*.txt")):
        words += re.findall(r"[A-Za-zÀ-ÿ'-]+", path.read_text(encoding="utf-8"))
    return tuple(words)


@dataclass
class Story:
    title: str
    paragraphs: list[str]


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.words = vocabulary()
        self.stories: list[Story] = []

    def sentence(self) -> str:
        n = self.rng.randint(8, 30)
        words = [self.rng.choice(self.words) for _ in range(n)]
        return " ".join(words).capitalize() + self.rng.choice([".", ".", ".", "?", ".'"])

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(1, 4)))

    def title(self) -> str:
        return " ".join(self.rng.choice(self.words) for _ in range(self.rng.randint(6, 14))).title()

    def story(self, min_paragraphs: int = 6, max_paragraphs: int = 30) -> Story:
        if self.stories and self.rng.random() < NEAR_DUPLICATE_SHARE:
            return self.retold(self.rng.choice(self.stories))
        story = Story(
            self.title(),
            [self.paragraph() for _ in range(self.rng.randint(min_paragraphs, max_paragraphs))],
        )
        self.stories.append(story)
        if len(self.stories) > 200:
            self.stories.pop(0)
        return story

    def retold(self, story: Story) -> Story:
        """Another outlet's version: a few words changed, a paragraph dropped or added."""
        paragraphs = []
        for p in story.paragraphs:
            words = p.split()
            for _ in range(max(1, len(words) // 25)):
                words[self.rng.randrange(len(words))] = self.rng.choice(self.words)
            paragraphs.append(" ".join(words))
        if len(paragraphs) > 3 and self.rng.random() < 0.5:
            paragraphs.pop(self.rng.randrange(len(paragraphs)))
        return Story(story.title.upper() if self.rng.random() < 0.3 else story.title, paragraphs)

    def ago(self) -> str:
        unit = self.rng.choice(["hours", "days", "minutes"])
        return f"{self.rng.randint(2, 23)} {unit} ago"

    def daily8(self) -> str:
        main = self.story()
        out = [
            "logo",
            main.title,
            "",
            main.title,
            "",
            f"{self.rng.choice(SOURCES)}{self.ago()}",
            "",
        ]
        out += main.paragraphs
        out += [
            "",
            "Orange background",
            "",
            "Try Our AI Features",
            "",
            "Explore what Daily8 AI can do for you:",
            "",
            "Comments",
            "",
            "No comments yet...",
            "",
            "Related Articles",
            "",
        ]
        for _ in range(3):
            teaser = self.story(3, 12)
            source = self.rng.choice(SOURCES)
            out += [
                teaser.title,
                teaser.title,
                "",
                source,
                "",
                f"time{self.ago()}",
                "",
                f"  • {source}",
                "",
                teaser.title,
                "",
                " ".join(teaser.paragraphs),
                "",
            ]
        out += [
            "DOWNLOAD THE APP",
            "",
            "Get Started Now: Download the App",
            "",
            "Ready to dive into the world of global news and events? Download our app today "
            "from your preferred app store and start exploring.",
            "app-storeplay-store",
        ]
        return "\n".join(out) + "\n"

    def portal(self) -> str:
        main, nxt = self.story(), self.story()
        day = f"2025-0{self.rng.randint(1, 9)}-{self.rng.randint(10, 28)}"
        out = [
            "Skip to Content Facebook Feature Image",
            "",
            main.title,
            "",
            "China",
            "",
            "China",
            "",
            "China",
            "",
            main.title,
            "",
            f"{day} 11:59 Last Updated At:18:57",
            "",
        ]
        out += [p + "\n" for p in main.paragraphs]
        out += [main.title + "\n"] * self.rng.randint(2, 6)
        out += ["Next Article", "", nxt.title, "", f"{day} 14:12 Last Updated At:14:37", ""]
        out += [p + "\n" for p in nxt.paragraphs]
        out += [nxt.title, "", nxt.title, "", "Recommended Articles"]
        return "\n".join(out) + "\n"

    def dated(self) -> str:
        main = self.story(10, 40)
        out = [
            f" date 2025-06-{self.rng.randint(10, 28)} {main.title}",
            "",
            self.rng.choice(DATELINES),
            "",
        ]
        for i, p in enumerate(main.paragraphs):
            if i and i % 12 == 0:
                out += [self.title().split(" ", 3)[-1].capitalize(), ""]
            out += [p, ""]
        return "\n".join(out)

    def unknown(self) -> str:
        """A layout no rule knows: menus, a cookie banner, a byline, share bar and footer."""
        main = self.story()
        out = [
            "Home",
            "World",
            "Politics",
            "Business",
            "Sport",
            "Search",
            "We use cookies to improve your experience. Accept all cookies",
            main.title,
            f"By {self.rng.choice(['Ayse Kaya', 'John Smith', 'Olena Shevchenko'])}",
            f"June {self.rng.randint(1, 28)}, 2025",
            "Share",
            "Tweet",
            "Email",
        ]
        out += main.paragraphs
        out += ["Share this article", "Most Popular"]
        out += [self.title() for _ in range(5)]
        out += ["© 2025 Example Media. All rights reserved."]
        return "\n".join(out) + "\n"

    def dump(self) -> str:
        layout = self.rng.choices(
            [self.daily8, self.portal, self.dated, self.unknown], weights=[5, 2, 2, 1]
        )[0]
        return layout()

    def page(self) -> str:
        """A news page as a CMS serves it: the head's metadata, JSON-LD, a stylesheet and a
        tag manager's script (PAGE_STYLE_CHARS and PAGE_SCRIPT_CHARS), a cookie banner and
        menus, the article (headline, byline, time, share bar, photo, paragraphs with links, a
        newsletter box), a related list and a footer."""
        main = self.story()
        site = self.rng.choice(SOURCES)
        title, publisher = escape(main.title), escape(site)
        author = self.rng.choice(AUTHORS)
        day, hour, minute = (
            self.rng.randint(10, 28),
            self.rng.randint(0, 23),
            self.rng.randint(0, 59),
        )
        stamp = f"2025-06-{day}T{hour:02d}:{minute:02d}:00Z"
        slug = "-".join(main.title.lower().split()[:8])
        ld = json.dumps(
            {
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "headline": main.title,
                "datePublished": stamp,
                "author": {"@type": "Person", "name": author},
                "publisher": {"@type": "Organization", "name": site},
            }
        )
        out = [
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">',
            f"<title>{title} | {publisher}</title>",
            f'<meta property="og:title" content="{title}">',
            f'<meta property="og:site_name" content="{publisher}">',
            f'<meta name="author" content="{author}">',
            f'<meta property="article:published_time" content="{stamp}">',
            f'<link rel="canonical" href="https://news.example/2025/06/{slug}">',
            f'<script type="application/ld+json">{ld}</script>',
            f"<style>{self._filler(PAGE_STYLE_CHARS, STYLE_RULE)}</style>",
            f"<script>{self._filler(PAGE_SCRIPT_CHARS, SCRIPT_LINE)}</script>",
            "</head>\n<body>",
            '<div class="cookie-banner"><p>We use cookies to improve your experience.</p>'
            "<button>Accept all cookies</button></div>",
            f'<header><a class="logo" href="/">{publisher}</a><nav><ul>',
            *(f'<li><a href="/{m.lower()}">{m}</a></li>' for m in MENU),
            "</ul></nav></header>\n<main>\n<article>",
            f"<h1>{title}</h1>",
            f'<div class="byline">By <a href="/authors/{author.split()[0].lower()}">{author}</a>'
            f'</div>\n<time datetime="{stamp}">June {day}, 2025</time>',
            '<ul class="share"><li><a href="#">Share</a></li><li><a href="#">Tweet</a></li>'
            '<li><a href="#">Email</a></li></ul>',
            f'<figure><img src="/img/{slug}.jpg" alt=""><figcaption>{escape(self.sentence())}'
            "</figcaption></figure>",
        ]
        for i, paragraph in enumerate(main.paragraphs):
            words = escape(paragraph).split(" ")
            if len(words) > 12:  # a link inside the text, as articles link their sources
                at = self.rng.randrange(len(words) - 4)
                words[at] = f'<a href="/topics/{words[at].lower()}">{words[at]}'
                words[at + 2] += "</a>"
            out.append(f"<p>{' '.join(words)}</p>")
            if i == 2:
                out.append(
                    '<aside class="newsletter"><h3>Newsletter</h3><p>Get the morning briefing '
                    "in your inbox.</p><button>Sign up</button></aside>"
                )
        out += ["</article>", '<section class="related"><h2>Related Articles</h2><ul>']
        for _ in range(3):
            teaser = self.story(3, 12)
            out.append(
                f'<li><a href="/2025/06/{self.rng.randrange(10**6)}"><h3>'
                f"{escape(teaser.title)}</h3></a><p>{escape(teaser.paragraphs[0])}</p></li>"
            )
        out += [
            "</ul></section>\n</main>",
            f"<footer><p>© 2025 {publisher}. All rights reserved.</p><ul>",
            *(f'<li><a href="/{f.lower()}">{f}</a></li>' for f in FOOTER),
            "</ul></footer>",
            '<script src="/static/app.js" defer></script>\n</body>\n</html>',
        ]
        return "\n".join(out) + "\n"

    def _filler(self, chars: int, template: str) -> str:
        """About `chars` characters of a stylesheet's rules or a script's lines, numbered."""
        lines, size = [], 0
        while size < chars:
            line = template.format(n=len(lines), v=self.rng.randrange(10**6))
            lines.append(line)
            size += len(line) + 1
        return "\n".join(lines)


def generate(out_dir: Path, count: int, seed: int = 0, html: bool = False) -> int:
    """Write `count` dumps (text dumps, or HTML pages with `html`) to out_dir; returns the
    number of bytes written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    gen = Generator(seed)
    write, suffix = (gen.page, "html") if html else (gen.dump, "txt")
    total = 0
    for i in range(count):
        data = write().encode("utf-8")
        (out_dir / f"{i:07d}_{seed:04d}.{suffix}").write_bytes(data)
        total += len(data)
    return total


def generate_articles(path: Path, count: int, seed: int = 0, batch: int = 5_000) -> int:
    """Write `count` article bodies (seed vocabulary, lengths like the built articles: median
    about 480 words; NEAR_DUPLICATE_SHARE of them retellings of a recent one with 4% of the
    words changed) to a parquet file of `batch`-row row groups, for the clustering benchmark.
    Returns the number of body bytes. Drawn with numpy: a million articles take about a minute."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    words = np.array(vocabulary(), dtype=object)
    recent: list[np.ndarray] = []
    total = 0
    schema = pa.schema([("article_id", pa.string()), ("body", pa.string())])
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for start in range(0, count, batch):
            size = min(batch, count - start)
            lengths = np.clip(rng.lognormal(6.2, 0.6, size).astype(int), 40, 3000)
            bodies = []
            for length in lengths:
                if recent and rng.random() < NEAR_DUPLICATE_SHARE:
                    picked = recent[rng.integers(len(recent))].copy()
                    changed = rng.integers(len(picked), size=max(1, len(picked) // 25))
                    picked[changed] = rng.integers(len(words), size=len(changed))
                else:
                    picked = rng.integers(len(words), size=length)
                    recent.append(picked)
                    if len(recent) > 200:
                        recent.pop(0)
                bodies.append(" ".join(words[picked].tolist()))
            total += sum(len(b.encode("utf-8")) for b in bodies)
            ids = [f"a{start + i:08d}" for i in range(size)]
            writer.write_table(pa.table({"article_id": ids, "body": bodies}, schema=schema))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("count", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--html", action="store_true", help="HTML pages, not text dumps")
    args = parser.parse_args()
    total = generate(args.out_dir, args.count, args.seed, html=args.html)
    kind = "HTML pages" if args.html else "dumps"
    print(f"{args.count} {kind}, {total / 1e6:.1f} MB in {args.out_dir}")


if __name__ == "__main__":
    main()
