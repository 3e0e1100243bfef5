"""Group exact and near-duplicate articles into clusters and pick one canonical member each.

Exact duplicates share a content hash. Near duplicates are found with MinHash signatures of word
shingles and locality-sensitive hashing (datasketch), then confirmed by their estimated Jaccard
similarity, and joined into connected components. The cluster id is the smallest article id in
the cluster, so it does not depend on processing order; the canonical member is the longest
(the most complete telling), preferring a page's main article, then the smallest id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl
from datasketch import MinHash, MinHashLSH

DEFAULT_THRESHOLD = 0.5
DEFAULT_SHINGLE = 3
NUM_PERM = 128
SEED = 1
TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class DedupeConfig:
    """Near-duplicate settings: Jaccard threshold over `shingle`-word shingles of the body."""

    threshold: float = DEFAULT_THRESHOLD
    shingle: int = DEFAULT_SHINGLE
    num_perm: int = NUM_PERM

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"near-duplicate threshold must be in (0, 1], got {self.threshold}")
        if self.shingle < 1:
            raise ValueError(f"shingle size must be at least 1, got {self.shingle}")


def shingles(text: str, size: int) -> set[bytes]:
    words = TOKEN.findall(text.casefold())
    if len(words) < size:
        return {" ".join(words).encode()}
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


def signatures(bodies: list[str], config: DedupeConfig) -> list[MinHash]:
    return MinHash.bulk(
        [sorted(shingles(b, config.shingle)) for b in bodies], num_perm=config.num_perm, seed=SEED
    )


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def near_duplicate_pairs(
    ids: list[str], bodies: list[str], config: DedupeConfig
) -> list[tuple[int, int, float]]:
    """Pairs of row indexes whose estimated Jaccard similarity reaches the threshold."""
    sigs = signatures(bodies, config)
    lsh = MinHashLSH(threshold=config.threshold, num_perm=config.num_perm)
    for key, sig in zip(ids, sigs, strict=True):
        lsh.insert(key, sig)
    position = {key: i for i, key in enumerate(ids)}
    pairs = []
    for i, sig in enumerate(sigs):
        for other in lsh.query(sig):
            j = position[other]
            if j > i:
                similarity = sig.jaccard(sigs[j])
                if similarity >= config.threshold:
                    pairs.append((i, j, similarity))
    return sorted(pairs)


def dedupe(articles: pl.DataFrame, config: DedupeConfig | None = None) -> pl.DataFrame:
    """Add `near_dup_cluster` and `is_canonical` to a validated Article table (sorted by id)."""
    config = config or DedupeConfig()
    articles = articles.sort("article_id")
    ids = articles["article_id"].to_list()
    union = _UnionFind(len(ids))
    # Exact duplicates first; near-duplicate search then runs on one member per content hash.
    representatives: dict[str, int] = {}
    for row, digest in enumerate(articles["content_sha256"].to_list()):
        if digest in representatives:
            union.union(representatives[digest], row)
        else:
            representatives[digest] = row
    rows = sorted(representatives.values())
    bodies = articles["body"].to_list()
    pairs = near_duplicate_pairs([ids[r] for r in rows], [bodies[r] for r in rows], config)
    for i, j, _ in pairs:
        union.union(rows[i], rows[j])
    cluster = [ids[union.find(i)] for i in range(len(ids))]
    return (
        articles.with_columns(pl.Series("near_dup_cluster", cluster, dtype=pl.String))
        .with_columns((pl.col("role") != "main").alias("_not_main"))
        .sort(
            ["near_dup_cluster", "n_words", "_not_main", "article_id"],
            descending=[False, True, False, False],
        )
        .with_columns((pl.int_range(pl.len()).over("near_dup_cluster") == 0).alias("is_canonical"))
        .drop("_not_main")
        .sort("article_id")
    )
