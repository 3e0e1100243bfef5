"""Agreement figures against hand-computed values, and how gold labels are decided."""

from __future__ import annotations

import math

import polars as pl
import pytest
from istanbul_talks.annotation.agreement import (
    agreement,
    bootstrap_interval,
    krippendorff_alpha_nominal,
    span_f1,
)
from istanbul_talks.annotation.gold import gold_labels
from istanbul_talks.annotation.schema import load_schema
from istanbul_talks.annotation.tables import annotation_schema, frame


def test_alpha_matches_krippendorffs_published_example():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", nominal example:
    # 4 coders, 12 units, missing values left out; alpha = 0.743.
    coders = [
        "1 2 3 3 2 1 4 1 2 . . .",
        "1 2 3 3 2 2 4 1 2 5 . 3",
        ". 3 3 3 2 3 4 2 2 5 1 .",
        "1 2 3 3 2 4 4 1 2 5 1 .",
    ]
    units = [
        [v for v in column if v != "."] for column in zip(*(c.split() for c in coders), strict=True)
    ]
    assert krippendorff_alpha_nominal(units) == pytest.approx(0.743, abs=5e-4)


def test_alpha_by_hand_on_two_coders():
    # Coincidences: o(a,a)=2, o(a,b)=o(b,a)=1, o(b,b)=4; n_a=3, n_b=5, n=8.
    # alpha = 1 - (n-1) * 2 / (2 * n_a * n_b) = 1 - 7 * 2 / 30 = 8/15.
    units = [["a", "a"], ["a", "b"], ["b", "b"], ["b", "b"], ["a"]]
    assert krippendorff_alpha_nominal(units) == pytest.approx(8 / 15)


def test_alpha_is_undefined_without_variation_or_pairs():
    assert math.isnan(krippendorff_alpha_nominal([["a", "a"], ["a", "a"]]))
    assert math.isnan(krippendorff_alpha_nominal([["a"], ["b"]]))


def test_span_f1_exact_and_overlap():
    first = [(0, 5, "TALKS"), (10, 15, "ATTACK")]
    second = [(0, 5, "TALKS"), (11, 15, "ATTACK"), (20, 25, "ATTACK")]
    # exact: 1 match of 5 spans -> 2/5; overlap: 2 matches -> 4/5
    assert span_f1([(first, second)], overlap=False) == pytest.approx(2 / 5)
    assert span_f1([(first, second)], overlap=True) == pytest.approx(4 / 5)
    # a different label never matches, however much it overlaps
    assert span_f1([([(0, 5, "TALKS")], [(0, 5, "PROPOSAL")])], overlap=True) == 0.0


def test_bootstrap_interval_is_seeded_and_brackets_the_estimate():
    units = [["a", "a"], ["a", "b"], ["b", "b"], ["b", "b"], ["a", "a"], ["b", "a"]] * 3
    low, high = bootstrap_interval(units, krippendorff_alpha_nominal)
    assert (low, high) == bootstrap_interval(units, krippendorff_alpha_nominal)
    assert low <= krippendorff_alpha_nominal(units) <= high


def _rows(votes: list[tuple]) -> pl.DataFrame:
    """votes: (article, annotator, task, labels, spans, status, adjudicator, updated_at)."""
    rows = []
    for i, (article, annotator, task, labels, spans, status, adjudicator, updated) in enumerate(
        votes
    ):
        rows.append(
            {
                "article_id": article,
                "ls_task_id": 1,
                "annotation_id": i + 1,
                "annotator": annotator,
                "adjudicator": adjudicator,
                "status": status,
                "updated_at": updated,
                "lead_time": None,
                "task": task,
                "labels": labels,
                "spans": [
                    {"start": s, "end": e, "label": lab, "text": "x" * (e - s)}
                    for s, e, lab in spans
                ],
            }
        )
    return frame(rows, annotation_schema(load_schema()))


A, B, C, J = (f"ann-{c * 12}" for c in "abcd")
T0 = "2026-01-01T00:00:00Z"


def _vote(article, who, task, labels=(), spans=(), status="submitted", adjudicator=False):
    return (article, who, task, list(labels), list(spans), status, adjudicator, T0)


def test_gold_records_how_each_label_was_decided():
    table = _rows(
        [
            _vote("x1", A, "stance", ["neutral"]),  # single annotator
            _vote("x2", A, "stance", ["neutral"]),  # unanimous
            _vote("x2", B, "stance", ["neutral"]),
            _vote("x3", A, "stance", ["neutral"]),  # 2 of 3: majority
            _vote("x3", B, "stance", ["neutral"]),
            _vote("x3", C, "stance", ["pessimistic"]),
            _vote("x4", A, "stance", ["neutral"]),  # 1 to 1: tie
            _vote("x4", B, "stance", ["optimistic"]),
            _vote("x5", A, "stance", ["neutral"]),  # adjudicator overrides the majority
            _vote("x5", B, "stance", ["neutral"]),
            _vote("x5", J, "stance", ["pessimistic"], adjudicator=True),
            _vote("x6", A, "stance", ["neutral"]),  # skipped annotations do not vote
            _vote("x6", B, "stance", status="skipped"),
        ]
    )
    gold = {row["article_id"]: row for row in gold_labels(table).iter_rows(named=True)}
    assert [gold[a]["decided_by"] for a in ("x1", "x2", "x3", "x4", "x5", "x6")] == [
        "single_annotator",
        "unanimous",
        "majority",
        "tie",
        "adjudicator",
        "single_annotator",
    ]
    assert gold["x3"]["labels"] == ["neutral"] and gold["x3"]["n_annotators"] == 3
    assert gold["x4"]["labels"] == [] and gold["x4"]["tied"] == ["neutral", "optimistic"]
    assert gold["x5"]["labels"] == ["pessimistic"]


def test_gold_topics_and_spans_keep_what_more_than_half_chose():
    table = _rows(
        [
            _vote("y", A, "topics", ["peace_talks", "military_action"]),
            _vote("y", B, "topics", ["peace_talks"]),
            _vote("y", A, "events", spans=[(0, 5, "TALKS"), (10, 15, "ATTACK")]),
            _vote("y", B, "events", spans=[(0, 5, "TALKS")]),
        ]
    )
    gold = {row["task"]: row for row in gold_labels(table).iter_rows(named=True)}
    assert gold["topics"]["labels"] == ["peace_talks"]
    assert gold["topics"]["tied"] == ["military_action"]
    assert gold["topics"]["decided_by"] == "tie"
    assert [(s["start"], s["end"], s["label"]) for s in gold["events"]["spans"]] == [
        (0, 5, "TALKS")
    ]
    assert gold["events"]["tied"] == ["10-15:ATTACK"]


def test_agreement_table_counts_items_with_two_annotators():
    table = _rows(
        [
            _vote("a", A, "stance", ["neutral"]),
            _vote("a", B, "stance", ["neutral"]),
            _vote("b", A, "stance", ["neutral"]),
            _vote("b", B, "stance", ["pessimistic"]),
            _vote("c", A, "stance", ["pessimistic"]),
            _vote("c", B, "stance", ["pessimistic"]),
            _vote("d", A, "stance", ["optimistic"]),  # one annotator: not an item
            _vote("a", A, "events", spans=[(0, 5, "TALKS")]),
            _vote("a", B, "events", spans=[(1, 5, "TALKS")]),
        ]
    )
    figures = agreement(table)
    stance = figures.filter(pl.col("task") == "stance").row(0, named=True)
    # units (n,n), (n,p), (p,p): o(n,n)=2, o(p,p)=2, o(n,p)=o(p,n)=1; n_n=n_p=3, n=6
    # alpha = 1 - 5 * 2 / (2 * 9) = 4/9
    assert stance["value"] == pytest.approx(4 / 9)
    assert stance["n_items"] == 3
    events = {
        r["measure"]: r["value"]
        for r in figures.filter(pl.col("task") == "events").iter_rows(named=True)
    }
    assert events == {"span_f1_exact": 0.0, "span_f1_overlap": 1.0}
    topics = figures.filter(pl.col("task") == "topics")
    assert topics.height == len(load_schema().task("topics").labels)
