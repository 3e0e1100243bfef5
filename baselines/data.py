"""What the baselines learn from: one labeled table per task, read from a release or any dataset.

A task is single-label (one class per document), multi-label (a set of classes) or spans (typed
character spans over the text). From our release, the tasks come from the label schema: `stance`
(single), `topics` (multi), `events` (spans over the body) and `events_presence` (the event
types present in the body, multi). From another dataset, one task
is named by `--label-column` (a string or integer column is single-label, a list column
multi-label), with `--text-column` and `--group-column`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import polars as pl

SPLITS = ("train", "validation", "test")


class DataError(ValueError):
    """The dataset cannot be used as asked (the message names the column or split)."""


@dataclass
class TaskData:
    """One task's documents: texts, labels, groups (near-duplicate cluster or the like) and
    the split of each document, in a fixed order."""

    name: str
    kind: str  # "single", "multi" or "spans" (labels: (start, end, type) over the text)
    classes: list[str]
    ids: list[str]
    texts: list[str]
    labels: list  # a class name (single) or a list of class names (multi)
    groups: list[str]
    splits: list[str]
    normalized: dict[str, int] = field(default_factory=dict)  # what a loader had to normalize

    def target(self) -> np.ndarray:
        """Class indices (single) or a 0/1 indicator matrix (multi)."""
        index = {c: i for i, c in enumerate(self.classes)}
        if self.kind == "single":
            return np.array([index[label] for label in self.labels])
        matrix = np.zeros((len(self.labels), len(self.classes)), dtype=np.int64)
        for row, labels in enumerate(self.labels):
            for label in labels:
                matrix[row, index[label]] = 1
        return matrix

    def rows(self, split: str | None) -> np.ndarray:
        """Row positions of a split (all rows when None)."""
        if split is None:
            return np.arange(len(self.ids))
        return np.array([i for i, s in enumerate(self.splits) if s == split], dtype=np.int64)

    def fingerprint(self) -> str:
        """sha256 over ids, texts, labels, groups and splits: the same data, the same value."""
        digest = hashlib.sha256()
        for row in zip(self.ids, self.texts, self.labels, self.groups, self.splits, strict=True):
            digest.update(repr(row).encode("utf-8"))
        return digest.hexdigest()


def load_frames(dataset: str, config: str | None) -> dict[str, pl.DataFrame]:
    """Every split of a local release folder or hub dataset, as polars frames with class
    labels decoded to their names."""
    from datasets import load_dataset

    loaded = load_dataset(dataset, config)
    return {
        split: pl.from_arrow(ds.data.table).with_columns(
            _decoded(pl.col(name), feature).alias(name)
            for name, feature in ds.features.items()
            if _has_class_label(feature)
        )
        for split, ds in loaded.items()
    }


def _has_class_label(feature) -> bool:
    from datasets import ClassLabel, List

    if isinstance(feature, ClassLabel):
        return True
    if isinstance(feature, List):
        return _has_class_label(feature.feature)
    if isinstance(feature, dict):
        return any(_has_class_label(f) for f in feature.values())
    return False


def _decoded(expr: pl.Expr, feature) -> pl.Expr:
    """Class indices to names, inside lists and structs too."""
    from datasets import ClassLabel, List

    if isinstance(feature, ClassLabel):
        return expr.replace_strict(dict(enumerate(feature.names)), return_dtype=pl.String)
    if isinstance(feature, List):
        return expr.list.eval(_decoded(pl.element(), feature.feature))
    return pl.struct(
        _decoded(expr.struct.field(name), sub).alias(name)
        if _has_class_label(sub)
        else expr.struct.field(name)
        for name, sub in feature.items()
    )


def document_text(title: str | None, body: str) -> str:
    """What the document-level models read, in training and in pre-annotation alike: the
    title, a blank line, the body."""
    return f"{title or ''}\n\n{body}"


def release_tasks(frames: dict[str, pl.DataFrame]) -> list[TaskData]:
    """The tasks of the label schema, from our release's `labeled` config."""
    from istanbul_talks.annotation.schema import load_schema

    schema = load_schema()
    frame = _stack(frames)
    text = pl.Series(
        "_text", [document_text(t, b) for t, b in zip(frame["title"], frame["body"], strict=True)]
    )
    frame = frame.with_columns(text)
    tasks = []
    for task in schema.tasks:
        usable = frame.filter(pl.col(task.name).is_not_null()) if task.kind == "single" else frame
        labels = usable[task.name].to_list()
        if task.kind == "spans":
            spans = [sorted((s["start"], s["end"], s["type"]) for s in row) for row in labels]
            tasks.append(_release_task(task.name, "spans", task, usable, "body", spans))
            labels = [sorted({s[2] for s in row}) for row in spans]
            tasks.append(
                _release_task(f"{task.name}_presence", "multi", task, usable, "_text", labels)
            )
        else:
            tasks.append(_release_task(task.name, task.kind, task, usable, "_text", labels))
    return tasks


def _release_task(
    name: str, kind: str, schema_task, frame: pl.DataFrame, text: str, labels: list
) -> TaskData:
    return TaskData(
        name,
        kind,
        list(schema_task.label_names),
        frame["article_id"].to_list(),
        frame[text].to_list(),
        labels,
        frame["near_dup_cluster"].to_list(),
        frame["_split"].to_list(),
    )


def column_task(
    frames: dict[str, pl.DataFrame],
    text_column: str,
    label_column: str,
    group_column: str | None = None,
    id_column: str | None = None,
) -> TaskData:
    """One task from any dataset's columns."""
    frame = _stack(frames)
    for column in (text_column, label_column, group_column, id_column):
        if column and column not in frame.columns:
            raise DataError(f"no column {column!r} (columns: {frame.columns})")
    frame = frame.filter(pl.col(label_column).is_not_null())
    multi = isinstance(frame.schema[label_column], pl.List)
    labels = frame[label_column].cast(pl.List(pl.String) if multi else pl.String).to_list()
    classes = sorted({c for row in labels for c in row} if multi else set(labels))
    ids = (
        frame[id_column].cast(pl.String).to_list()
        if id_column
        else [str(i) for i in range(frame.height)]
    )
    groups = frame[group_column].cast(pl.String).to_list() if group_column else ids
    return TaskData(
        label_column,
        "multi" if multi else "single",
        classes,
        ids,
        frame[text_column].cast(pl.String).fill_null("").to_list(),
        labels,
        groups,
        frame["_split"].to_list(),
    )


def _stack(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    parts = [f.with_columns(pl.lit(split).alias("_split")) for split, f in sorted(frames.items())]
    if not parts:
        raise DataError("the dataset has no splits")
    return pl.concat(parts, how="diagonal_relaxed")
