"""Deduplication's pieces on their own: signatures read from a file, canonical members."""

from __future__ import annotations

import hashlib
import os

import numpy as np
import polars as pl
import pytest
from istanbul_talks.dataset.dedupe import (
    DedupeConfig,
    SignatureFile,
    clustered_rows,
    content_digests,
    exact_duplicate_pairs,
    near_duplicate_pairs,
    resolve_clusters,
    signatures,
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
    np.testing.assert_array_equal(table[::7], sigs[::7])
    # Unsorted, repeated, near each other (read together) and far apart (read alone).
    rows = np.array([30, 0, 7, 7, 1, 2, 39, 21])
    np.testing.assert_array_equal(table[rows], sigs[rows])
    assert type(table[rows]) is np.ndarray  # a copy, not a view that keeps the file mapped
    with pytest.raises(IndexError, match=r"signatures\.u32: rows 0\.\.40 of 40"):
        table[np.array([0, 40])]


def test_a_signature_file_that_is_empty_or_cut_short(tmp_path):
    empty = tmp_path / "empty.u32"
    empty.write_bytes(b"")
    assert len(SignatureFile(empty, 128)) == 0
    assert SignatureFile(empty, 128)[np.array([], dtype=np.int64)].shape == (0, 128)
    cut = tmp_path / "cut.u32"
    cut.write_bytes(b"\0" * (128 * 4 + 6))
    with pytest.raises(ValueError, match=r"cut\.u32: 518 bytes is not a whole number"):
        SignatureFile(cut, 128)


def test_a_signature_file_read_in_pieces_or_cut_short_after_it_was_opened(tmp_path, monkeypatch):
    """A read may return fewer bytes than asked (pipes, network filesystems): the rest is read on;
    a file cut short after the table was made is an error naming it, not rows of zeros."""
    config = DedupeConfig()
    sigs = signatures(_bodies(), config)
    path = tmp_path / "signatures.u32"
    path.write_bytes(sigs.tobytes())
    table = SignatureFile(path, config.num_perm)
    preadv, calls = os.preadv, []

    def short_preadv(fd, buffers, offset):
        calls.append(offset)
        return preadv(fd, [buffers[0][:100]], offset)  # at most 100 bytes a call

    monkeypatch.setattr(os, "preadv", short_preadv)
    rows = np.array([5, 2, 3, 30])
    np.testing.assert_array_equal(table[rows], sigs[rows])
    assert len(calls) > 2 * len(rows)
    monkeypatch.undo()
    path.write_bytes(sigs[:20].tobytes())
    with pytest.raises(ValueError, match=r"signatures\.u32: shorter than its 40 signatures"):
        table[np.array([1, 25])]


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


def _facts(ids: list[str], role: list[str], n_words: list[int], rows: list[int]) -> pl.DataFrame:
    return pl.DataFrame({"row": rows, "article_id": ids, "role": role, "n_words": n_words})


def test_canonical_member_is_the_longest_then_the_main_article_then_the_smallest_id():
    articles = pl.DataFrame(
        {
            "article_id": ["a-0", "a-1", "b-0", "b-1", "c-0", "d-0", "d-1"],
            "role": ["main", "related", "related", "main", "main", "related", "related"],
            "n_words": [100, 120, 80, 80, 5, 60, 60],
        }
    )
    roots = np.array([0, 0, 2, 2, 4, 5, 5])
    rows = clustered_rows(roots)
    assert rows.tolist() == [0, 1, 2, 3, 5, 6]  # c-0 is alone: nothing to work out
    facts = articles[rows].with_columns(row=pl.Series(rows))
    clusters = resolve_clusters(roots, facts)
    marked = clusters.mark(articles)
    assert marked.columns == [*articles.columns, "near_dup_cluster", "is_canonical"]
    assert marked["near_dup_cluster"].to_list() == ["a-0", "a-0", "b-0", "b-0", "c-0", "d-0", "d-0"]
    # a: longer body; b: same length, the main one; c: alone; d: same, both related: smaller id
    assert marked["is_canonical"].to_list() == [False, True, False, True, True, True, False]
    assert (clusters.n_articles, clusters.n_canonical, clusters.n_clusters) == (7, 4, 4)
    assert clusters.with_several_members().rows() == [
        ("a-0", ["a-0", "a-1"]),
        ("b-0", ["b-0", "b-1"]),
        ("d-0", ["d-0", "d-1"]),
    ]
    # Columns for a slice of the rows, as the build writes them part by part.
    part = clusters.columns(3, articles["article_id"][3:6])
    assert part.rows() == [("b-0", True), ("c-0", True), ("d-0", True)]
    # An earlier build's canonical member stays canonical, whatever joins its cluster.
    earlier = facts.with_columns(
        previous_cluster=pl.Series(["a-0", "a-0", None, None, None, None], dtype=pl.String),
        was_canonical=pl.Series([True, False, False, False, False, False]),
    )
    kept = resolve_clusters(roots, earlier, known=2).mark(articles)
    assert kept["is_canonical"].to_list() == [True, False, False, True, True, True, False]


def test_cluster_ids_of_an_incremental_build_keep_the_earlier_ones():
    ids = ["old-0", "old-1", "old-2", "new-0", "new-1", "new-2"]
    # old-1 and old-2 were apart; new-0 links them; new-1 joins old-0; new-2 is new.
    roots = np.array([0, 1, 1, 1, 0, 5])
    rows = clustered_rows(roots)
    assert rows.tolist() == [0, 1, 2, 3, 4]
    facts = _facts(ids[:5], ["main"] * 5, [10, 20, 30, 40, 50], rows.tolist())
    previous = pl.Series(["old-0", "old-1", "old-2", None, None], dtype=pl.String)
    clusters = resolve_clusters(roots, facts.with_columns(previous_cluster=previous), known=3)
    marked = clusters.mark(pl.DataFrame({"article_id": ids}))
    assert marked["near_dup_cluster"].to_list() == [
        "old-0",
        "old-1",
        "old-2",
        "old-1",
        "old-0",
        "new-2",
    ]
    assert clusters.kept_apart == 1
    assert clusters.n_clusters == 4  # old-0, old-1, old-2 (kept apart) and new-2
    # old-2 is alone under its kept id: not listed as a cluster of several members.
    assert clusters.with_several_members()["near_dup_cluster"].to_list() == ["old-0", "old-1"]
    fresh = resolve_clusters(roots, facts)
    assert fresh.mark(pl.DataFrame({"article_id": ids}))["near_dup_cluster"].to_list() == [
        "old-0",
        "old-1",
        "old-1",
        "old-1",
        "old-0",
        "new-2",
    ]
    assert fresh.kept_apart == 0


def test_exact_duplicates_are_found_by_content_digest():
    hashes = [hashlib.sha256(text.encode()).hexdigest() for text in "abacbda"]
    digests = content_digests(hashes)
    assert digests.shape == (7, 2) and digests.dtype == np.uint64
    assert int(digests[0, 0]) == int(hashes[0][:16], 16)
    # Each later copy is paired with the first row of its text.
    assert exact_duplicate_pairs(digests).tolist() == [[0, 2], [1, 4], [0, 6]]
    assert exact_duplicate_pairs(digests[:0]).shape == (0, 2)
    with pytest.raises(ValueError, match="64 characters"):
        content_digests(["abc"])
