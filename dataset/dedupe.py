"""Group exact and near-duplicate articles into clusters and pick one canonical member each.

Exact duplicates share a content hash. Near duplicates: each body's word shingles are hashed
(words found and hashed over code points, combined per shingle, all in numpy) and summarised
by a one-permutation MinHash signature; signatures are cut into LSH bands, rows whose band
matches become candidates, and a candidate pair is kept when its estimated Jaccard similarity
reaches the threshold. Pairs are joined into connected components.

Only the signatures (a small fixed-size array per article) are needed to cluster, so the build
can compute them where it splits and never hold all bodies at once.

Clustering keeps per article only its content digest (16 bytes) and reads signatures from
disk; cluster ids and canonical flags are worked out only for the rows in clusters of several
members (`Clusters`): beyond a few dozen bytes per article in numpy arrays while clustering,
the parent's memory grows with the duplicates, not with the corpus.

The cluster id is the id of the cluster's first member in corpus order (dump id, then
position), so it does not depend on how the work was spread over processes (an incremental
build keeps the ids of the clusters it already had: see `resolve_clusters`); the canonical
member is the longest body (the most complete telling), then the page's main article, then the
smallest id.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

DEFAULT_THRESHOLD = 0.5
DEFAULT_SHINGLE = 3
NUM_PERM = 128
_MASK32 = np.uint64(0xFFFFFFFF)
_FNV = np.uint64(0x100000001B3)
_MULTIPLIERS = np.array(
    [
        0x9E3779B1,
        0x85EBCA77,
        0xC2B2AE3D,
        0x27D4EB2F,
        0x165667B1,
        0xD3A2646C,
        0xFD7046C5,
        0xB55A4F09,
    ],
    dtype=np.uint64,
)
_EMPTY = np.uint64(1 << 32)  # above every 32-bit value
_BIN_BITS = {1 << b: b for b in range(1, 13)}
MAX_GROUP_PAIRS = 50  # band buckets larger than this are joined to their first member only


@dataclass(frozen=True)
class DedupeConfig:
    """Near-duplicate settings: Jaccard threshold over `shingle`-word shingles of the body."""

    threshold: float = DEFAULT_THRESHOLD
    shingle: int = DEFAULT_SHINGLE
    num_perm: int = NUM_PERM

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"near-duplicate threshold must be in (0, 1], got {self.threshold}")
        if self.num_perm not in _BIN_BITS:
            raise ValueError(f"signature length must be a power of two, got {self.num_perm}")
        if not 1 <= self.shingle <= len(_MULTIPLIERS):
            raise ValueError(f"shingle size must be 1 to {len(_MULTIPLIERS)}, got {self.shingle}")


ROWS_PER_SLICE = 1 << 14  # signature rows read from a signature table or file at a time
ROWS_READ_TOGETHER = 8  # wanted rows of a signature file this close are read in one call
_PIECE_CHARS = 1 << 20  # words are hashed in pieces of text of at most this many characters
_BASE = 0x9E3779B97F4A7C15  # odd, so invertible modulo 2**64
_BASE_INVERSE = pow(_BASE, -1, 1 << 64)


@cache
def _word_chars() -> np.ndarray:
    """Which code points `\\w` matches (str.isalnum() or underscore), as a lookup table."""
    table = np.fromiter((chr(c).isalnum() for c in range(0x110000)), bool, 0x110000)
    table[ord("_")] = True
    return table


@cache
def _powers() -> tuple[np.ndarray, np.ndarray]:
    """_BASE**i and _BASE**-i modulo 2**64 for every offset in a piece (numpy wraps)."""
    size = _PIECE_CHARS + 1
    powers = np.cumprod(np.full(size, _BASE, dtype=np.uint64)) * np.uint64(_BASE_INVERSE)
    inverse = np.cumprod(np.full(size, _BASE_INVERSE, dtype=np.uint64)) * np.uint64(_BASE)
    return powers, inverse


def _word_hashes(text: str) -> tuple[np.ndarray, np.ndarray]:
    """(start offset, 64-bit hash) of every word (a `\\w+` run) of a text of at most
    _PIECE_CHARS characters, in order.

    Vectorised over code points: a word's hash is the polynomial sum(c_k * B**k) of its code
    points, read off a prefix sum over the whole text and shifted to the word's start, then
    mixed. Tokenising word by word in Python was most of a worker's time.
    """
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    in_word = np.zeros(len(codes) + 2, dtype=bool)  # padded, so every word has two edges
    np.take(_word_chars(), codes, out=in_word[1:-1])
    edges = np.flatnonzero(in_word[1:] != in_word[:-1])
    starts, ends = edges[0::2], edges[1::2]  # a word's start and end alternate
    powers, inverse = _powers()
    prefix = np.zeros(len(codes) + 1, dtype=np.uint64)
    np.cumsum(codes * powers[: len(codes)], out=prefix[1:])
    return starts, _mix64((prefix[ends] - prefix[starts]) * inverse[starts])


def _pieces(text: str) -> list[str]:
    """The text cut between words into pieces of at most _PIECE_CHARS characters."""
    pieces, begin = [], 0
    while len(text) - begin > _PIECE_CHARS:
        end = begin + _PIECE_CHARS
        cut = max(text.rfind(" ", begin, end), text.rfind("\n", begin, end))
        end = cut + 1 if cut > begin else end
        pieces.append(text[begin:end])
        begin = end
    pieces.append(text[begin:])
    return pieces


def _body_words(folded: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(body index, word hash) of every word of every body, in order. Short bodies are hashed
    many per call, long ones in pieces, so calls are few and memory stays bounded."""
    docs: list[np.ndarray] = []
    words: list[np.ndarray] = []
    group: list[str] = []
    owners: list[int] = []

    def hash_group() -> None:
        starts, hashes = _word_hashes("\n".join(group))
        offsets = np.cumsum([0] + [len(piece) + 1 for piece in group[:-1]])
        docs.append(np.asarray(owners)[np.searchsorted(offsets, starts, side="right") - 1])
        words.append(hashes)
        group.clear()
        owners.clear()

    size = 0
    for index, body in enumerate(folded):
        for piece in _pieces(body):
            if group and size + len(piece) + 1 > _PIECE_CHARS:
                hash_group()
                size = 0
            group.append(piece)
            owners.append(index)
            size += len(piece) + 1
    if group:
        hash_group()
    if not docs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    return np.concatenate(docs), np.concatenate(words)


def shingle_hashes(bodies: list[str], size: int) -> tuple[np.ndarray, np.ndarray]:
    """(body index, 32-bit hash) of every `size`-word shingle of every body (case-folded words),
    repeats included: a minimum does not care. A body shorter than `size` words is one shingle
    of all its words; a body without words is one shingle hashed 0."""
    doc, words = _body_words([body.casefold() for body in bodies])
    counts = np.bincount(doc, minlength=len(bodies))
    count = max(len(words) - size + 1, 0)
    combined = np.zeros(count, dtype=np.uint64)
    for j in range(size):
        combined = (combined * _FNV) ^ (words[j : j + count] * _MULTIPLIERS[j])
    keep = doc[:count] == doc[size - 1 : size - 1 + count]  # shingles within one body
    docs, hashes = [doc[:count][keep]], [combined[keep] & _MASK32]
    first = np.r_[0, np.cumsum(counts)[:-1]]
    for body in np.flatnonzero(counts < size):  # short bodies: one shingle of what they have
        value = np.zeros(1, dtype=np.uint64)
        for j, at in enumerate(range(first[body], first[body] + counts[body])):
            value = (value * _FNV) ^ (words[at : at + 1] * _MULTIPLIERS[j])
        docs.append(np.array([body]))
        hashes.append(value & _MASK32)
    return np.concatenate(docs), np.concatenate(hashes)


def _mix64(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser: spreads shingle hashes over all 64 bits (in place)."""
    values ^= values >> np.uint64(33)
    values *= np.uint64(0xFF51AFD7ED558CCD)
    values ^= values >> np.uint64(33)
    values *= np.uint64(0xC4CEB9FE1A85EC53)
    values ^= values >> np.uint64(33)
    return values


def signatures(bodies: list[str], config: DedupeConfig) -> np.ndarray:
    """One-permutation MinHash signatures, one row per body (uint32, `num_perm` bins).

    Each shingle is hashed once; its top bits pick one of `num_perm` bins and the bin keeps the
    smallest value (Li, Owen and Zhang 2012). Empty bins copy the next non-empty bin to their
    right, circularly (Shrivastava and Li 2014). The share of equal bins estimates Jaccard
    similarity like classic MinHash, at the cost of one hash per shingle instead of `num_perm`:
    40 times faster than datasketch's MinHash.bulk here, where it was most of the build's time.
    """
    bins = config.num_perm
    out = np.full((len(bodies), bins), _EMPTY, dtype=np.uint64)
    if not bodies:
        return out.astype(np.uint32)
    doc, hashes = shingle_hashes(bodies, config.shingle)
    doc = doc.astype(np.uint64)
    mixed = _mix64(hashes)
    # One sortable key per shingle: (document, bin) above the 32-bit value.
    slot = doc * np.uint64(bins) + (mixed >> np.uint64(64 - _BIN_BITS[bins]))
    keys = np.sort((slot << np.uint64(32)) | (mixed & _MASK32))
    slots = keys >> np.uint64(32)
    first = np.r_[True, slots[1:] != slots[:-1]]
    out.reshape(-1)[slots[first].astype(np.int64)] = keys[first] & _MASK32
    return _densify(out).astype(np.uint32)


def _densify(sig: np.ndarray) -> np.ndarray:
    """Fill each empty bin with the value of the next non-empty bin (circularly)."""
    bins = sig.shape[1]
    filled = sig != _EMPTY
    if filled.all():
        return sig
    doubled = np.concatenate([filled, filled], axis=1)
    index = np.where(doubled, np.arange(2 * bins), 2 * bins)
    nearest = np.minimum.accumulate(index[:, ::-1], axis=1)[:, ::-1][:, :bins] % bins
    return np.take_along_axis(sig, nearest, axis=1)


@cache
def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) minimising false positives plus false negatives at the threshold.

    The same criterion as datasketch's MinHashLSH, with equal weights.
    """
    grid = np.linspace(0.0, 1.0, 1001)
    best, best_cost = (1, num_perm), float("inf")
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            prob = 1.0 - (1.0 - grid**rows) ** bands
            below, above = grid <= threshold, grid >= threshold
            false_pos = np.trapezoid(prob[below], grid[below])
            false_neg = np.trapezoid(1.0 - prob[above], grid[above])
            if false_pos + false_neg < best_cost:
                best, best_cost = (bands, rows), false_pos + false_neg
    return best


def band_keys(sigs: np.ndarray, config: DedupeConfig) -> np.ndarray:
    """One 64-bit key per (row, LSH band): rows sharing a key in some band are candidates."""
    bands, rows = lsh_bands(config.threshold, config.num_perm)
    keys = np.zeros((len(sigs), bands), dtype=np.uint64)
    for band in range(bands):
        for column in range(band * rows, (band + 1) * rows):
            keys[:, band] = (keys[:, band] * _FNV) ^ np.asarray(sigs[:, column], dtype=np.uint64)
        keys[:, band] ^= np.uint64(band) << np.uint64(56)  # equal values in two bands never meet
    return keys


def _bucket_offsets(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (first, second) of a bucket's candidate pairs: every pair, or for a bucket over
    MAX_GROUP_PAIRS rows, its first row with each other (a hub such as a boilerplate text would
    otherwise cost quadratic time)."""
    if size <= MAX_GROUP_PAIRS:
        return np.triu_indices(size, 1)
    return np.zeros(size - 1, dtype=np.int64), np.arange(1, size)


def bucket_pairs(members: np.ndarray) -> np.ndarray:
    """Candidate pairs (a < b) among the ascending rows of one bucket."""
    first, second = _bucket_offsets(len(members))
    return np.stack([members[first], members[second]], axis=1)


def candidate_pairs(rows: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Unique candidate pairs (a < b) from rows' keys in one or more bands (rows ascending):
    the same pairs as `bucket_pairs` over each bucket, computed for all buckets at once."""
    order = np.lexsort((rows, keys))
    keys, rows = keys[order], rows[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, len(keys)])
    found = [np.zeros((0, 2), dtype=np.int64)]
    for size in np.unique(sizes[sizes > 1]):
        begins = starts[sizes == size]
        first, second = _bucket_offsets(int(size))
        found.append(
            np.stack([rows[begins[:, None] + first], rows[begins[:, None] + second]], axis=2)
            .reshape(-1, 2)
            .astype(np.int64)
        )
    return unique_pairs(np.concatenate(found))


def unique_pairs(pairs: np.ndarray) -> np.ndarray:
    """Pairs sorted and without repeats."""
    if not len(pairs):
        return pairs.reshape(0, 2).astype(np.int64)
    return np.unique(pairs.astype(np.int64), axis=0)


def similar(
    pairs: np.ndarray, sigs: np.ndarray, config: DedupeConfig, batch: int = ROWS_PER_SLICE
) -> np.ndarray:
    """The pairs whose estimated Jaccard similarity (share of equal bins) reaches the threshold."""
    need = config.threshold * config.num_perm
    keep = np.zeros(len(pairs), dtype=bool)
    for at in range(0, len(pairs), batch):
        part = pairs[at : at + batch]
        keep[at : at + batch] = (sigs[part[:, 0]] == sigs[part[:, 1]]).sum(axis=1) >= need
    return pairs[keep]


def _band_key_columns(
    sigs: np.ndarray | SignatureFile, config: DedupeConfig, subset: np.ndarray
) -> Iterator[np.ndarray]:
    """Each band's keys for the rows in `subset`, one band at a time. They are computed in one
    pass over the signatures and kept in a scratch file, so that memory holds one band's keys
    (8 bytes a row), not all of them (8 bytes a row per band)."""
    bands, _ = lsh_bands(config.threshold, config.num_perm)
    n, width = len(subset), np.dtype(np.uint64).itemsize
    with tempfile.TemporaryFile(prefix="band-keys-") as scratch:
        for at in range(0, n, ROWS_PER_SLICE):
            keys = band_keys(sigs[subset[at : at + ROWS_PER_SLICE]], config)
            for band in range(bands):
                scratch.seek((band * n + at) * width)
                scratch.write(np.ascontiguousarray(keys[:, band]).tobytes())
        for band in range(bands):
            scratch.seek(band * n * width)
            yield np.fromfile(scratch, dtype=np.uint64, count=n)


def near_duplicate_pairs(
    sigs: np.ndarray | SignatureFile, config: DedupeConfig, subset: np.ndarray | None = None
) -> np.ndarray:
    """Pairs (a < b) of positions in `subset` (default: all rows) whose estimated Jaccard
    similarity reaches the threshold. `sigs` is a table or a SignatureFile: it is read in
    slices."""
    subset = np.arange(len(sigs)) if subset is None else np.asarray(subset, dtype=np.int64)
    positions = np.arange(len(subset), dtype=np.int64)
    pairs = unique_pairs(
        np.concatenate(
            [candidate_pairs(positions, keys) for keys in _band_key_columns(sigs, config, subset)]
        )
    )
    return similar(pairs, _Rows(sigs, subset), config)


def signature_bytes(num_perm: int) -> int:
    """Bytes of one signature in a signature file (`num_perm` uint32)."""
    return num_perm * np.dtype(np.uint32).itemsize


class SignatureFile:
    """A signature table kept in a file (`num_perm` uint32 a row), read on demand with `pread`
    into fresh arrays. Not a memory map: reading scattered rows of a map makes the kernel map
    large parts of the file around each one (on this machine 1,024 random rows mapped 120 MB of a
    138 MB file), and mapped pages count as the process's memory for as long as it is open."""

    def __init__(self, path: Path, num_perm: int) -> None:
        self.path, self.num_perm = Path(path), num_perm
        self.row_bytes = signature_bytes(num_perm)
        size = self.path.stat().st_size
        if size % self.row_bytes:
            raise ValueError(f"{self.path}: {size} bytes is not a whole number of signatures")
        self.rows = size // self.row_bytes

    def __len__(self) -> int:
        return self.rows

    def __getitem__(self, index: np.ndarray | slice) -> np.ndarray:
        if isinstance(index, slice):
            start, stop, step = index.indices(self.rows)
            with self.path.open("rb") as file:
                return self._read(file.fileno(), start, max(stop, start))[::step]
        wanted, inverse = np.unique(np.asarray(index, dtype=np.int64), return_inverse=True)
        if len(wanted) and not 0 <= wanted[0] <= wanted[-1] < self.rows:
            raise IndexError(f"{self.path}: rows {wanted[0]}..{wanted[-1]} of {self.rows}")
        # Rows close together are read in one call (most pairs' first rows are), others alone.
        breaks = np.flatnonzero(np.diff(wanted) > ROWS_READ_TOGETHER) + 1
        found = [np.zeros((0, self.num_perm), dtype=np.uint32)]
        with self.path.open("rb") as file:
            for run in np.split(wanted, breaks) if len(wanted) else []:
                block = self._read(file.fileno(), int(run[0]), int(run[-1]) + 1)
                found.append(block[run - run[0]])
        return np.concatenate(found)[inverse.reshape(-1)]

    def _read(self, fd: int, start: int, stop: int) -> np.ndarray:
        """Rows start .. stop, read into a new array (a read may return less than asked)."""
        data = bytearray((stop - start) * self.row_bytes)
        view, done = memoryview(data), 0
        while done < len(data):
            got = os.preadv(fd, [view[done:]], start * self.row_bytes + done)
            if not got:
                raise ValueError(f"{self.path}: shorter than its {self.rows} signatures")
            done += got
        return np.frombuffer(data, dtype=np.uint32).reshape(-1, self.num_perm)


class _Rows:
    """sigs[subset[i]] as if it were a table of its own (without copying it)."""

    def __init__(self, sigs: np.ndarray | SignatureFile, subset: np.ndarray) -> None:
        self.sigs, self.subset = sigs, subset

    def __getitem__(self, index: np.ndarray) -> np.ndarray:
        return self.sigs[self.subset[index]]


def content_digests(content_hashes: Sequence[str] | pl.Series) -> np.ndarray:
    """The first 128 bits of each hex SHA-256 content hash, as two uint64 columns: 16 bytes an
    article instead of a 64-character string, and as good as the whole hash at telling texts
    apart (a chance collision needs about 2**64 articles)."""
    hashes = content_hashes.to_list() if isinstance(content_hashes, pl.Series) else content_hashes
    joined = "".join(hashes)
    if len(joined) != 64 * len(hashes):
        raise ValueError("content hashes must be SHA-256 hex digests (64 characters each)")
    words = np.frombuffer(bytes.fromhex(joined), dtype=">u8").reshape(-1, 4)
    return words[:, :2].astype(np.uint64)


def exact_duplicate_pairs(digests: np.ndarray) -> np.ndarray:
    """(first row, row) for every row whose content digest an earlier row already has."""
    order = np.lexsort((digests[:, 1], digests[:, 0]))  # stable: equal digests by row
    ordered = digests[order]
    same = np.zeros(len(order), dtype=bool)  # a row's digest equals the row's before it
    same[1:] = (ordered[1:] == ordered[:-1]).all(axis=1)
    first = order[np.flatnonzero(~same)[np.cumsum(~same) - 1]]  # each run's first row
    pairs = np.stack([first[same], order[same]], axis=1).astype(np.int64)
    return pairs[np.argsort(pairs[:, 1])]


def components(n: int, pairs: np.ndarray) -> np.ndarray:
    """For each of n rows, the smallest row of its connected component under `pairs`.

    Min-label propagation with pointer jumping, in numpy: each round hooks every pair's larger
    label onto the smaller, then compresses chains until each label is its own root.
    """
    labels = np.arange(n, dtype=np.int64)
    if not len(pairs):
        return labels
    a, b = pairs[:, 0], pairs[:, 1]
    while True:
        la, lb = labels[a], labels[b]
        low = np.minimum(la, lb)
        if np.array_equal(la, lb):
            return labels
        np.minimum.at(labels, la, low)
        np.minimum.at(labels, lb, low)
        while True:
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped


def cluster_roots(
    digests: np.ndarray, sigs: np.ndarray | SignatureFile, config: DedupeConfig
) -> np.ndarray:
    """For every row, the first row (in corpus order) of its cluster: rows sharing a content
    digest (`content_digests`), or linked by a chain of near-duplicate pairs."""
    exact = exact_duplicate_pairs(digests)
    # Near-duplicate search runs on one member (the first) per content hash.
    duplicate = np.zeros(len(digests), dtype=bool)
    duplicate[exact[:, 1]] = True
    rows = np.flatnonzero(~duplicate)
    near = rows[near_duplicate_pairs(sigs, config, rows)].reshape(-1, 2)
    return components(len(digests), np.concatenate([exact, near]))


def clustered_rows(roots: np.ndarray) -> np.ndarray:
    """The rows (ascending) in clusters of several members: the only ones whose cluster id and
    canonical flag take working out. Every other row is a cluster of its own."""
    sizes = np.bincount(roots, minlength=len(roots))
    return np.flatnonzero(sizes[roots] > 1)


# What resolving clusters needs of each clustered row; an incremental build adds the earlier
# build's cluster id and canonical flag of its rows (null and False for new rows).
CLUSTERED_FACTS = {
    "row": pl.Int64,
    "article_id": pl.String,
    "role": pl.String,
    "n_words": pl.Int64,
    "previous_cluster": pl.String,
    "was_canonical": pl.Boolean,
}


@dataclass
class Clusters:
    """The near-duplicate clusters of `n_articles` rows, held for the rows in clusters of
    several members only (`members`: row, article_id, near_dup_cluster, is_canonical, by row).
    Every other article is a cluster of its own, named after it, and canonical."""

    n_articles: int
    members: pl.DataFrame
    kept_apart: int = 0  # clusters of an earlier build that new articles link to another

    def columns(self, offset: int, article_ids: pl.Series) -> pl.DataFrame:
        """near_dup_cluster and is_canonical of rows offset .. offset + len(article_ids),
        whose ids are given."""
        rows = self.members["row"]
        low, high = rows.search_sorted(offset), rows.search_sorted(offset + len(article_ids))
        here = self.members.slice(low, high - low)
        at = here["row"] - offset
        return pl.DataFrame(
            {
                "near_dup_cluster": article_ids.cast(pl.String)
                .clone()
                .scatter(at, here["near_dup_cluster"]),
                "is_canonical": pl.repeat(
                    True, len(article_ids), dtype=pl.Boolean, eager=True
                ).scatter(at, here["is_canonical"]),
            }
        )

    def mark(self, articles: pl.DataFrame) -> pl.DataFrame:
        """A whole table of the corpus's articles, with the two cluster columns added."""
        return articles.with_columns(self.columns(0, articles["article_id"]))

    @property
    def n_canonical(self) -> int:
        return self.n_articles - int((~self.members["is_canonical"]).sum())

    @property
    def n_clusters(self) -> int:
        return self.n_articles - self.members.height + self.members["near_dup_cluster"].n_unique()

    def with_several_members(self) -> pl.DataFrame:
        """near_dup_cluster and its article ids (sorted), per cluster of several members."""
        return (
            self.members.filter(pl.col("near_dup_cluster").is_duplicated())
            .group_by("near_dup_cluster")
            .agg(pl.col("article_id").sort())
            .sort("near_dup_cluster")
        )


def resolve_clusters(roots: np.ndarray, facts: pl.DataFrame, known: int = 0) -> Clusters:
    """Cluster ids and canonical members from roots (`cluster_roots`) and the CLUSTERED_FACTS of
    the clustered rows (`clustered_rows`; columns an incremental build adds may be left out).

    A row's cluster id is its root's article id. An incremental build appends rows to `known`
    earlier ones: those keep their cluster ids, and a new row takes its root's (the earlier
    build's cluster id when the root is an earlier row); so a new article that links two
    earlier clusters joins the first one and the other keeps its id (`kept_apart`).

    The canonical member is the longest body (the most complete telling), then the page's main
    article, then the smallest id; an earlier build's canonical member stays canonical, so
    labels made on it stay in the release.
    """
    facts = (
        facts.with_columns(
            [
                pl.lit(None, dtype).alias(name)
                for name, dtype in CLUSTERED_FACTS.items()
                if name not in facts.columns
            ]
        )
        .select([pl.col(name).cast(dtype) for name, dtype in CLUSTERED_FACTS.items()])
        .with_columns(pl.col("was_canonical").fill_null(False))
    )
    rows = facts["row"].to_numpy()
    root_at = np.searchsorted(rows, roots[rows])  # a root is a row of its own cluster
    own = facts.select(pl.coalesce("previous_cluster", "article_id"))[:, 0]
    named = facts.with_columns(
        pl.Series("root", roots[rows], dtype=pl.Int64),
        pl.when(pl.col("row") < known)
        .then(own)
        .otherwise(own.gather(root_at))
        .alias("near_dup_cluster"),
    )
    kept_apart = (
        named.filter(pl.col("row") < known)
        .group_by("root")
        .agg(pl.col("previous_cluster").n_unique() - 1)["previous_cluster"]
        .sum()
    )
    passed_over = (
        named.with_row_index("_at")
        .filter(pl.col("near_dup_cluster").is_duplicated())
        .sort(
            [
                pl.col("near_dup_cluster"),
                pl.col("was_canonical"),
                pl.col("n_words"),
                pl.col("role") != "main",
                pl.col("article_id"),
            ],
            descending=[False, True, True, False, False],
        )
        .filter(pl.int_range(pl.len()).over("near_dup_cluster") > 0)["_at"]
        .to_numpy()
    )
    canonical = np.ones(named.height, dtype=bool)
    canonical[passed_over] = False
    members = named.select(
        "row", "article_id", "near_dup_cluster", pl.Series("is_canonical", canonical)
    )
    return Clusters(len(roots), members, int(kept_apart or 0))
