"""Generate realistic raw dumps at scale: the seed layouts and an unknown one, seed-like lengths,
and some near-duplicate stories (the same text retold by another outlet with small edits).

    python benchmarks/dumpgen.py OUT_DIR COUNT [--seed 0]

Vocabulary, title and paragraph lengths are drawn from the shipped seed dumps, so token and line
length distributions resemble the real corpus. Same seed and count, same files.
"""

from __future__ import annotations

import argparse
import random
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from istanbul_talks.dataset.read import shipped_raw_dir

NEAR_DUPLICATE_SHARE = 0.1
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


def generate(out_dir: Path, count: int, seed: int = 0) -> int:
    """Write `count` dumps to out_dir; returns the number of bytes written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    gen = Generator(seed)
    total = 0
    for i in range(count):
        data = gen.dump().encode("utf-8")
        (out_dir / f"{i:07d}_{seed:04d}.txt").write_bytes(data)
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
    args = parser.parse_args()
    total = generate(args.out_dir, args.count, args.seed)
    print(f"{args.count} dumps, {total / 1e6:.1f} MB in {args.out_dir}")


if __name__ == "__main__":
    main()
