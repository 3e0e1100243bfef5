"""The shipped reference labels: made by a maintainer through the real server workflow, pulled,
and shipped as a snapshot that still matches the shipped corpus and the decisions file."""

from __future__ import annotations

import polars as pl
from istanbul_talks.annotation.pull import annotations_from_export, load_snapshot
from istanbul_talks.annotation.reference import (
    load_decisions,
    locate,
    maintainer_pseudonym,
    reference_snapshot,
)


def test_reference_snapshot_covers_every_canonical_seed_article(seed_build):
    result, _ = seed_build
    export = load_snapshot(reference_snapshot())
    table, problems = annotations_from_export(export)
    assert problems.height == 0
    canonical = result.articles.filter(pl.col("is_canonical"))
    assert sorted(table["article_id"].unique()) == sorted(canonical["article_id"])
    assert table["annotator"].unique().to_list() == [maintainer_pseudonym()]
    assert set(table["status"]) == {"submitted"}
    # The bodies labeled are the bodies the build makes, so the offsets index the release.
    bodies = dict(canonical.select("article_id", "body").iter_rows())
    assert {t["data"]["article_id"]: t["data"]["body"] for t in export} == bodies


def test_reference_labels_are_the_maintainers_decisions(seed_build):
    result, _ = seed_build
    bodies = dict(result.articles.select("article_id", "body").iter_rows())
    table, _ = annotations_from_export(load_snapshot(reference_snapshot()))
    labels = {(r["article_id"], r["task"]): r for r in table.iter_rows(named=True)}
    for article_id, decision in load_decisions().items():
        assert labels[article_id, "stance"]["labels"] == [decision["stance"]]
        assert labels[article_id, "topics"]["labels"] == sorted(decision["topics"])
        spans = [(s["start"], s["end"], s["label"]) for s in labels[article_id, "events"]["spans"]]
        expected = sorted(
            (*locate(bodies[article_id], quote), label) for label, quote in decision["events"]
        )
        assert spans == expected


def test_reference_snapshot_names_no_person():
    text = reference_snapshot().read_text(encoding="utf-8")
    assert "istanbul-talks.local" not in text
    assert '"completed_by": 1' not in text
