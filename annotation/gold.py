"""Gold labels: one decision per article and task, saying how it was made.

An adjudicator's annotation (Label Studio's ground-truth flag) overrides everything. Otherwise:
one annotator -> `single_annotator`; everyone agreeing -> `unanimous`; for a single-choice task,
the label with the most votes when it is the only one with that many -> `majority`, else
`tie` (no label, the tied ones listed); for multi-choice topics and event spans, each label or
span chosen by more than half of the annotators is kept, and those chosen by exactly half are
listed as `tied` (the decision is then `tie`). Skipped annotations do not vote.
"""

from __future__ import annotations

from collections import Counter

import polars as pl

from .schema import LabelSchema, load_schema
from .tables import frame, gold_schema


def gold_labels(annotations: pl.DataFrame, schema: LabelSchema | None = None) -> pl.DataFrame:
    schema = schema or load_schema()
    submitted = annotations.filter(pl.col("status") == "submitted").sort(
        ["article_id", "task", "annotator"]
    )
    rows = []
    for (article_id, task_name), group in submitted.group_by(
        ["article_id", "task"], maintain_order=True
    ):
        rows.append(_decide(schema.task(task_name).kind, article_id, task_name, group))
    return frame(rows, gold_schema(schema))


def _span_key(span: dict) -> str:
    return f"{span['start']}-{span['end']}:{span['label']}"


def _decide(kind: str, article_id: str, task: str, group: pl.DataFrame) -> dict:
    row = {
        "article_id": article_id,
        "task": task,
        "labels": [],
        "spans": [],
        "n_annotators": group.height,
        "tied": [],
    }
    adjudicated = group.filter(pl.col("adjudicator")).sort(["updated_at", "annotation_id"])
    if adjudicated.height:
        last = adjudicated.row(-1, named=True)
        return row | {"labels": last["labels"], "spans": last["spans"], "decided_by": "adjudicator"}
    votes = group.to_dicts()
    if len(votes) == 1:
        return row | {
            "labels": votes[0]["labels"],
            "spans": votes[0]["spans"],
            "decided_by": "single_annotator",
        }
    if kind == "single":
        counts = Counter(label for vote in votes for label in vote["labels"][:1])
        if not counts:
            return row | {"decided_by": "unanimous"}
        top = max(counts.values())
        leaders = sorted(label for label, count in counts.items() if count == top)
        if len(leaders) > 1:
            return row | {"decided_by": "tie", "tied": leaders}
        decision = "unanimous" if top == len(votes) else "majority"
        return row | {"labels": leaders, "decided_by": decision}
    if kind == "multi":
        keyed = [{label: label for label in vote["labels"]} for vote in votes]
    else:
        keyed = [{_span_key(span): span for span in vote["spans"]} for vote in votes]
    counts = Counter(key for choice in keyed for key in choice)
    kept = sorted(key for key, count in counts.items() if 2 * count > len(votes))
    tied = sorted(key for key, count in counts.items() if 2 * count == len(votes))
    unanimous = all(set(choice) == set(keyed[0]) for choice in keyed)
    decision = "unanimous" if unanimous else "tie" if tied else "majority"
    if kind == "multi":
        return row | {"labels": kept, "tied": tied, "decided_by": decision}
    by_key = {key: span for choice in keyed for key, span in choice.items()}
    spans = sorted((by_key[k] for k in kept), key=lambda s: (s["start"], s["end"], s["label"]))
    return row | {"spans": spans, "tied": tied, "decided_by": decision}
