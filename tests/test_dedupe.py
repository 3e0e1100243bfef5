"""Deduplication's pieces on their own: signatures read from a file, canonical members."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from istanbul_talks.dataset.dedupe import (
    DedupeConfig,
    SignatureFile,
    mark_clusters,
    near_duplicate_pairs,
    signatures,
    stable_cluster_ids,
)

STORY = (
    "Delegations from both sides met in Istanbul on Monday for a second round of talks on a "
    "ceasefire, prisoner exchanges and the return of children, officials said after the meeting"
)


def _bodies() -> list[str]:
    """Stories, some told twice with a word or two changed, in an order that mixes them."""
    rng = np.random.default_rng(4)
    words = STORY.split()
    bodies = []
    for story in range(30):
        shuffled = " ".join(rng.permutation(words)) + f" story {story}"
        bodies.append(shuffled)
        if story % 3 == 0:
            bodies.append(shuffled.replace("Monday", "Tuesday"))
    return bodies


def test_a_signature_file_reads_the_rows_that_were_written(tmp_path):
    config = DedupeConfig()
    sigs = signatures(_bodies(), config)
    path = tmp_path / "signatures.u32"
    path.write_bytes(sigs.tobytes())
    table = SignatureFile(path, config.num_perm)
    assert len(table) == len(sigs)
    np.testing.assert_array_equal(table[3:9], sigs[3:9])
    rows = np.array([30, 0, 7, 7])
    np.testing.assert_array_equal(table[rows], sigs[rows])
    assert type(table[rows]) is np.ndarray  # a copy, not a view that keeps the file mapped


def test_a_signature_file_that_is_empty_or_cut_short(tmp_path):
    empty = tmp_path / "empty.u32"
    empty.write_bytes(b"")
    assert len(SignatureFile(empty, 128)) == 0
    assert SignatureFile(empty, 128)[np.array([], dtype=np.int64)].shape == (0, 128)
    cut = tmp_path / "cut.u32"
    cut.write_bytes(b"\0" * (128 * 4 + 6))
    with pytest.raises(ValueError, match=r"cut\.u32: 518 bytes is not a whole number"):
        SignatureFile(cut, 128)


def test_near_duplicates_are_the_same_from_a_file_and_from_memory(tmp_path):
    config = DedupeConfig()
    sigs = signatures(_bodies(), config)
    path = tmp_path / "signatures.u32"
    path.write_bytes(sigs.tobytes())
    subset = np.arange(1, len(sigs), dtype=np.int64)  # all but the first row
    in_memory = near_duplicate_pairs(sigs, config, subset)
    from_file = near_duplicate_pairs(SignatureFile(path, config.num_perm), config, subset)
    # Story 3k is row 4k, its retelling row 4k + 1; story 0's pair is left out with row 0.
    assert subset[in_memory].tolist() == [[4 * k, 4 * k + 1] for k in range(1, 10)]
    np.testing.assert_array_equal(from_file, in_memory)


def test_canonical_member_is_the_longest_then_the_main_article_then_the_smallest_id():
    articles = pl.DataFrame(
        {
            "article_id": ["a-0", "a-1", "b-0", "b-1", "c-0", "d-0", "d-1"],
            "role": ["main", "related", "related", "main", "main", "related", "related"],
            "n_words": [100, 120, 80, 80, 5, 60, 60],
        }
    )
    clusters = ["a-0", "a-0", "b-0", "b-0", "c-0", "d-0", "d-0"]
    marked = mark_clusters(articles, clusters)
    assert marked.columns == [*articles.columns, "near_dup_cluster", "is_canonical"]
    assert marked["near_dup_cluster"].to_list() == clusters
    # a: longer body; b: same length, the main one; c: alone; d: same, both related: smaller id
    assert marked["is_canonical"].to_list() == [False, True, False, True, True, True, False]
    # An earlier build's canonical member stays canonical, whatever joins its cluster.
    kept = mark_clusters(articles, clusters, pl.Series([True, False]))
    assert kept["is_canonical"].to_list() == [True, False, False, True, True, True, False]


def test_cluster_ids_of_an_incremental_build_keep_the_earlier_ones():
    ids = ["old-0", "old-1", "old-2", "new-0", "new-1", "new-2"]
    # old-1 and old-2 were apart; new-0 links them; new-1 joins old-0; new-2 is new.
    roots = np.array([0, 1, 1, 1, 0, 5])
    previous = ["old-0", "old-1", "old-2"]
    clusters, kept_apart = stable_cluster_ids(ids, roots, previous)
    assert clusters.to_list() == ["old-0", "old-1", "old-2", "old-1", "old-0", "new-2"]
    assert kept_apart == 1
    fresh, none_apart = stable_cluster_ids(ids, roots)
    assert fresh.to_list() == ["old-0", "old-1", "old-1", "old-1", "old-0", "new-2"]
    assert none_apart == 0
