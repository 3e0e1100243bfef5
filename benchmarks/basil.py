"""External check: the baselines on BASIL (Fan et al., EMNLP 2019), data nobody here wrote.

    python benchmarks/basil.py [--basil ../shared/benchmarks/basil] [--out benchmarks/_work/basil]

Turns BASIL's 300 articles into one single-label task, article-level `relative_stance`, grouped
by triplet (the three tellings of one event stay in one fold), and runs the same baselines with
grouped cross-validation. As published, the labels mix `liberal`/`left` and
`conservative`/`right`, and sources mix case; these are normalized and counted in the results
(`normalized`). A file that cannot be read, or a label that is not one of those, stops the run
with the file named.

The last line printed reads:
    basil relative_stance macro-F1: best <model> <x.xxx>, majority floor <y.yyy>
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from istanbul_talks.baselines.data import DataError, TaskData
from istanbul_talks.baselines.report import best_result
from istanbul_talks.baselines.run import run_tasks

HERE = Path(__file__).resolve().parent
DEFAULT_BASIL = HERE.parents[1] / "shared" / "benchmarks" / "basil"
STANCES = {
    "liberal": "liberal",
    "left": "liberal",
    "conservative": "conservative",
    "right": "conservative",
    "center": "center",
}


def load_basil(root: Path) -> TaskData:
    """BASIL as a TaskData: title and body text, normalized relative_stance, triplet groups."""
    articles = sorted((root / "articles").glob("*/*.json"))
    if not articles:
        raise DataError(f"no BASIL articles under {root / 'articles'}")
    normalized: Counter[str] = Counter()
    ids, texts, labels, groups = [], [], [], []
    for path in articles:
        annotation = root / "annotations" / path.parent.name / f"{path.stem}_ann.json"
        try:
            article = json.loads(path.read_text(encoding="utf-8"))
            labels_of = json.loads(annotation.read_text(encoding="utf-8"))
            raw = labels_of["article-level-annotations"]["relative_stance"]
            paragraphs = article["body-paragraphs"]
            triplet = article["triplet-uuid"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DataError(f"{path} (or its annotation): cannot read ({exc})") from exc
        key = str(raw).strip().lower()
        if key not in STANCES:
            raise DataError(
                f"{annotation}: relative_stance {raw!r} is not one of {sorted(STANCES)}"
            )
        if STANCES[key] != raw:
            normalized[f"relative_stance {raw!r} -> {STANCES[key]!r}"] += 1
        source = str(article.get("source", ""))
        if source != source.lower():
            normalized[f"source {source!r} -> {source.lower()!r}"] += 1
        body = "\n\n".join(" ".join(sentences) for sentences in paragraphs)
        ids.append(f"{source.lower()}:{path.stem}")
        texts.append(f"{article.get('title', '')}\n\n{body}")
        labels.append(STANCES[key])
        groups.append(triplet)
    return TaskData(
        "relative_stance",
        "single",
        sorted(set(STANCES.values())),
        ids,
        texts,
        labels,
        groups,
        ["train"] * len(ids),  # no fixed split: grouped cross-validation only
        dict(sorted(normalized.items())),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--basil", type=Path, default=DEFAULT_BASIL)
    parser.add_argument("--out", type=Path, default=HERE / "_work" / "basil")
    args = parser.parse_args(argv)
    try:
        task = load_basil(args.basil)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"{len(task.ids)} articles, {len(set(task.groups))} triplets; normalized: {task.normalized}"
    )
    summary = run_tasks([task], f"BASIL ({args.basil})", args.out)
    task_summary = summary["tasks"]["relative_stance"]
    floor = next(
        r for r in task_summary["results"] if (r["model"], r["evaluation"]) == ("majority", "cv")
    )["metrics"]["macro_f1"]
    top = best_result(task_summary)
    print(f"results -> {args.out}/results.md")
    print(
        f"basil relative_stance macro-F1: best {top['model']} {top['metrics']['macro_f1']:.3f}, "
        f"majority floor {floor:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
