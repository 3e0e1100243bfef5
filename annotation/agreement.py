"""Inter-annotator agreement (community Label Studio has none): Krippendorff's alpha and span F1.

- single-choice tasks (stance): Krippendorff's alpha, nominal metric;
- multi-choice tasks (topics): alpha per label, each label read as chosen / not chosen;
- span tasks (events): pairwise F1 between annotators over (start, end, label), exact and
  overlapping (same label, ranges intersecting, matched one to one), micro-averaged over pairs.

Each figure comes with a 95% bootstrap interval (items resampled with replacement, fixed seed)
and the number of items behind it: items labeled by at least two annotators. Skipped
annotations are not labels and take no part.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from itertools import combinations

import numpy as np
import polars as pl

from .schema import LabelSchema, load_schema

BOOTSTRAP = 1000
SEED = 20251123


def krippendorff_alpha_nominal(units: Sequence[Sequence[str]]) -> float:
    """Krippendorff's alpha (nominal) over units, each the values its coders gave.

    Units with fewer than two values are not pairable and are left out. NaN when there is no
    pairable unit or when every value is the same (no variation to agree on)."""
    coincidence: dict[tuple[str, str], float] = defaultdict(float)
    for values in units:
        m = len(values)
        if m < 2:
            continue
        for i, j in combinations(range(m), 2):
            coincidence[values[i], values[j]] += 1 / (m - 1)
            coincidence[values[j], values[i]] += 1 / (m - 1)
    totals: dict[str, float] = defaultdict(float)
    for (c, _), count in coincidence.items():
        totals[c] += count
    n = sum(totals.values())
    if n <= 1:
        return float("nan")
    observed = sum(count for (c, k), count in coincidence.items() if c != k)
    expected = sum(totals[c] * totals[k] for c in totals for k in totals if c != k) / (n - 1)
    return float("nan") if expected == 0 else 1 - observed / expected


def span_f1(pairs: Sequence[tuple[Sequence[tuple], Sequence[tuple]]], overlap: bool) -> float:
    """Micro F1 over annotator pairs, each a pair of span lists of (start, end, label)."""
    matched = total = 0
    for first, second in pairs:
        matched += matched_spans(first, second, overlap)
        total += len(first) + len(second)
    return float("nan") if total == 0 else 2 * matched / total


def matched_spans(first: Sequence[tuple], second: Sequence[tuple], overlap: bool) -> int:
    """How many (start, end, label) spans of `first` match one of `second`: identical (exact)
    or with the same label and intersecting ranges (overlap, matched one to one)."""
    if not overlap:
        return len(set(first) & set(second))
    used: set[int] = set()
    count = 0
    for start, end, label in sorted(first):
        for index, (other_start, other_end, other_label) in enumerate(sorted(second)):
            if index in used or other_label != label:
                continue
            if start < other_end and other_start < end:
                used.add(index)
                count += 1
                break
    return count


def bootstrap_interval(
    items: list, statistic: Callable[[list], float], repeats: int = BOOTSTRAP, seed: int = SEED
) -> tuple[float, float]:
    """95% percentile interval of the statistic over items resampled with replacement."""
    if len(items) < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(repeats):
        sample = [items[i] for i in rng.integers(0, len(items), len(items))]
        value = statistic(sample)
        if not np.isnan(value):
            values.append(value)
    if not values:
        return float("nan"), float("nan")
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def agreement(annotations: pl.DataFrame, schema: LabelSchema | None = None) -> pl.DataFrame:
    """One row per figure: task, label (or null), measure, value, 95% interval, items."""
    schema = schema or load_schema()
    submitted = annotations.filter(pl.col("status") == "submitted").sort(
        ["article_id", "annotator"]
    )
    rows = []
    for task in schema.tasks:
        by_article: dict[str, list[dict]] = defaultdict(list)
        for row in submitted.filter(pl.col("task") == task.name).iter_rows(named=True):
            by_article[row["article_id"]].append(row)
        items = [votes for _, votes in sorted(by_article.items()) if len(votes) >= 2]
        if task.kind == "single":
            units = [[v["labels"][0] for v in votes if v["labels"]] for votes in items]
            rows.append(
                _figure(task.name, None, "krippendorff_alpha", units, krippendorff_alpha_nominal)
            )
        elif task.kind == "multi":
            for label in task.label_names:
                units = [
                    ["yes" if label in v["labels"] else "no" for v in votes] for votes in items
                ]
                rows.append(
                    _figure(
                        task.name, label, "krippendorff_alpha", units, krippendorff_alpha_nominal
                    )
                )
        else:
            units = [
                [
                    (
                        [(s["start"], s["end"], s["label"]) for s in a["spans"]],
                        [(s["start"], s["end"], s["label"]) for s in b["spans"]],
                    )
                    for a, b in combinations(votes, 2)
                ]
                for votes in items
            ]
            for measure, overlap in (("span_f1_exact", False), ("span_f1_overlap", True)):
                rows.append(
                    _figure(
                        task.name,
                        None,
                        measure,
                        units,
                        lambda sample, overlap=overlap: span_f1(
                            [pair for unit in sample for pair in unit], overlap
                        ),
                    )
                )
    return pl.DataFrame(
        rows,
        schema={
            "task": pl.String,
            "label": pl.String,
            "measure": pl.String,
            "value": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "n_items": pl.Int64,
        },
        orient="row",
    )


def _figure(
    task: str, label: str | None, measure: str, units: list, statistic: Callable[[list], float]
) -> dict:
    low, high = bootstrap_interval(units, statistic)
    return {
        "task": task,
        "label": label,
        "measure": measure,
        "value": statistic(units),
        "ci_low": low,
        "ci_high": high,
        "n_items": len(units),
    }
