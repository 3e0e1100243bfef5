"""Baseline fitting speed: seconds and peak memory to fit each model on synthetic documents.

    python benchmarks/baselines.py [--sizes 1000 10000 100000] [--repeats 3]
                                   [--span-sizes 1000 10000]

Documents are generated like the ingest benchmark's articles (seed vocabulary, seed-like
lengths, about 380 words) with a stance among four classes carried by a few cue words, and
event spans ("drone attack", "direct talks", ...) placed in the text. Each measurement runs in a
fresh process that first generates its documents, then fits one model once, with the parameters
`talks baselines` starts from (no grid search: a grid multiplies the time by its size times the
folds). It reports the fit's seconds and the process's peak resident memory, with the memory the
documents alone take. `tfidf_features` (fitting the TF-IDF word and character features alone)
is the reference that every TF-IDF model pays. Medians over `repeats` runs.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from dumpgen import Generator  # noqa: E402

STANCES = ("optimistic", "pessimistic", "neutral", "unrelated")
EVENTS = {"drone attack": "ATTACK", "direct talks": "TALKS", "prisoner swap": "PRISONER_EXCHANGE"}
TEXT_MODELS = ("tfidf_features", "tfidf_logreg", "tfidf_linearsvc", "tfidf_complementnb")
SPAN_MODELS = ("bio_logreg",)
SEED = 7


def documents(count: int, seed: int = SEED) -> tuple[list[str], list[int], list[list[tuple]]]:
    """Texts, stance indices and event spans; the same count and seed, the same documents."""
    generator = Generator(seed)
    rng = generator.rng
    cues = [rng.sample(generator.words, 12) for _ in STANCES]
    texts, stances, spans = [], [], []
    for _ in range(count):
        stance = rng.randrange(len(STANCES))
        story = generator.story(4, 12)
        paragraphs = list(story.paragraphs)
        found = []
        for phrase in EVENTS:
            if rng.random() < 0.5:
                at = rng.randrange(len(paragraphs))
                paragraphs[at] = f"{paragraphs[at]} Officials reported a {phrase} nearby."
        body = "\n\n".join(f"{p} {' '.join(rng.sample(cues[stance], 2))}." for p in paragraphs)
        for phrase, label in EVENTS.items():
            start = body.find(phrase)
            while start >= 0:
                found.append((start, start + len(phrase), label))
                start = body.find(phrase, start + 1)
        texts.append(f"{story.title}\n\n{body}")
        stances.append(stance)
        spans.append(sorted(found))
    return texts, stances, spans


def fit_once(model: str, size: int) -> dict:
    """In this process: generate, then fit `model` once; seconds and memory."""
    texts, stances, spans = documents(size)
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    if model in SPAN_MODELS:
        from istanbul_talks.baselines.spans import BIOTagger

        bodies = [t.split("\n\n", 1)[1] for t in texts]
        BIOTagger().fit(bodies, spans)
    elif model == "tfidf_features":
        from istanbul_talks.baselines.models import tfidf

        tfidf().fit_transform(texts)
    else:
        from istanbul_talks.baselines.models import candidates

        estimator, _ = candidates("single")[model]
        estimator.fit(texts, stances)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "seconds": seconds,
        "peak_mb": peak_mb,
        "documents_mb": before_mb,
        "mb_text": sum(map(len, texts)) / 1e6,
    }


def measure(model: str, size: int) -> dict:
    child = subprocess.run(
        [sys.executable, __file__, "--child", model, str(size)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(child.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--span-sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--models", nargs="+", default=list(TEXT_MODELS + SPAN_MODELS))
    parser.add_argument("--out", type=Path, default=HERE / "_work" / "baselines-speed.json")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(fit_once(args.child[0], int(args.child[1]))))
        return 0
    rows = []
    print("| model | documents | text MB | fit s (median) | peak MB | of which documents MB |")
    print("|---|---:|---:|---:|---:|---:|")
    for model in args.models:
        sizes = args.span_sizes if model in SPAN_MODELS else args.sizes
        for size in sizes:
            runs = [measure(model, size) for _ in range(args.repeats)]
            row = {
                "model": model,
                "documents": size,
                "mb_text": runs[0]["mb_text"],
                "seconds": [r["seconds"] for r in runs],
                "seconds_median": statistics.median(r["seconds"] for r in runs),
                "peak_mb_median": statistics.median(r["peak_mb"] for r in runs),
                "documents_mb": statistics.median(r["documents_mb"] for r in runs),
            }
            rows.append(row)
            print(
                f"| {model} | {size:,} | {row['mb_text']:.1f} | {row['seconds_median']:.2f} | "
                f"{row['peak_mb_median']:.0f} | {row['documents_mb']:.0f} |",
                flush=True,
            )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=1) + "\n")
    print(f"results -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
