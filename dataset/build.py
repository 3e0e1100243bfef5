"""The build: raw dumps -> RawDump -> split -> Article -> dedupe -> parquet files and a report.

Dumps are handed to worker processes (`workers`, both cores by default) in chunks of 250 to
2,000 dumps (`chunk_size`), in corpus order. A worker reads and splits each dump of its chunk,
validates the chunk's RawDump and Article tables against their pandera contracts and writes them
as parquet parts; it sends back only what the report and deduplication need (per-dump accounts,
quarantine rows, content digests and MinHash signatures), so the texts never pass through the
parent. Deduplication runs once at the end over the digests and the signatures (kept on disk);
then the facts of the articles in clusters of several members are read back from the parts to
name the clusters and pick canonical members, and the parts are joined into articles.parquet
and dumps.parquet, both at once. The parent keeps a few dozen bytes per dump (its path and the
manifest's url, crawl time and site, in columns) and per article (a content digest), and the
quarantine rows as small tables; an incremental build reads the earlier report's per-dump
entries a line at a time.

One bad dump never stops the build: it is quarantined with its reason and the report accounts
for it. Same inputs give byte-identical outputs, whatever the number of workers.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import multiprocessing
import os
import shutil
import signal
import stat
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from .dedupe import (
    CLUSTERED_FACTS,
    Clusters,
    DedupeConfig,
    SignatureFile,
    cluster_roots,
    clustered_rows,
    content_digests,
    resolve_clusters,
    signatures,
)
from .language import detect_languages
from .outputs import move_into_place, work_folder
from .read import (
    DUMP_ENTRIES,
    DUMP_FILES,
    LISTED_ROWS,
    MANIFEST,
    UNREAD_FILES,
    ManifestEntry,
    ReadError,
    ReadFailure,
    discover,
    dump_id_of,
    entry_of,
    file_names,
    manifest_entries,
    read_dump,
    read_manifest,
    shipped_raw_dir,
    shown_path,
)
from .records import article_rows, failure_row, quarantine_row, split_quarantine_rows
from .report import (
    DumpAccount,
    DumpLedger,
    account,
    build_report,
    move_to_quarantine,
    write_report,
)
from .schemas import (
    ARTICLE,
    DEDUPE_COLUMNS,
    DEDUPED_ARTICLE,
    QUARANTINE,
    RAW_DUMP,
    rows_frame,
    validate_or_quarantine,
)
from .split import split_text
from .state import (
    SIGNATURES,
    STATE_DIR,
    STATE_FILE,
    PreviousBuild,
    load_previous,
    write_state,
)

PARQUET_COMPRESSION = "zstd"
# Dumps per worker task: large enough that validating a chunk's tables costs little per dump
# (pandera runs a query per check), small enough that both workers stay busy to the end.
CHUNK_DUMPS = (250, 2000)
CHUNKS_PER_WORKER = 8
ROW_GROUP_ROWS = {"dumps": 1024, "articles": 4096}  # fixed, so output bytes never depend on chunks
PARALLEL_FROM = 64  # smaller builds run in-process: starting workers costs more than it saves
# How often the parent, waiting for a worker's chunk, looks up to see whether Ctrl-C was pressed.
INTERRUPT_CHECK_SECONDS = 0.2
CLUSTER_COLUMNS = ("near_dup_cluster", "is_canonical")  # what deduplication adds to articles
OUTPUTS = (
    "articles.parquet",
    "quarantine.parquet",
    "dumps.parquet",
    "report.json",
    "report.md",
    f"{STATE_DIR}/{STATE_FILE}",
    f"{STATE_DIR}/{SIGNATURES}",
)
# What a build of either engine writes in --out (the Ray engine writes folders of parts for
# the two big tables, and no state). Each build replaces all of them, so --out never mixes
# tables of two builds.
BUILD_NAMES = (
    "articles",
    "articles.parquet",
    "dumps",
    "dumps.parquet",
    "quarantine.parquet",
    "report.json",
    "report.md",
    STATE_DIR,
)


def read_table(out_dir: Path, name: str, columns: list[str] | None = None) -> pl.DataFrame:
    """A build's table: `NAME.parquet`, or the parts in `NAME/` that a distributed build wrote
    (in corpus order)."""
    single = Path(out_dir) / f"{name}.parquet"
    if single.exists():
        return pl.read_parquet(single, columns=columns)
    if not (Path(out_dir) / name).is_dir():
        raise FileNotFoundError(f"{single} not found: run `talks build --out {out_dir}` first")
    frame = pl.read_parquet(Path(out_dir) / name / "*.parquet")
    order = [c for c in ("dump_id", "position", "path") if c in frame.columns]
    return frame.sort(order[:2]).select(columns or frame.columns)


@dataclass
class BuildResult:
    """The report's summary (totals, settings, clusters, warnings, first problem files), and
    the report and tables as written to `out_dir`, loaded when asked for."""

    out_dir: Path
    summary: dict
    _cache: dict[str, pl.DataFrame] = field(default_factory=dict, repr=False)
    _report: dict | None = field(default=None, repr=False)

    @property
    def report(self) -> dict:
        """The whole report.json, per-dump entries included."""
        if self._report is None:
            self._report = json.loads((self.out_dir / "report.json").read_text(encoding="utf-8"))
        return self._report

    def _table(self, name: str) -> pl.DataFrame:
        if name not in self._cache:
            self._cache[name] = read_table(self.out_dir, name)
        return self._cache[name]

    @property
    def articles(self) -> pl.DataFrame:
        return self._table("articles")

    @property
    def quarantine(self) -> pl.DataFrame:
        return self._table("quarantine")

    @property
    def dumps(self) -> pl.DataFrame:
        return self._table("dumps")


@dataclass
class _Outcome:
    """What splitting one dump produced."""

    account: DumpAccount
    raw_row: dict | None = None
    articles: list[dict] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)


@dataclass
class _Chunk:
    """A worker's task: consecutive dumps in corpus order, and where to write their parts."""

    index: int
    dumps: list[tuple[str, ManifestEntry | None]]  # relative path, manifest entry
    raw_dir: Path
    parts: Path
    config: DedupeConfig


@dataclass
class _ChunkResult:
    """What the parent needs from a chunk once its parts are written: a fixed size per article."""

    index: int
    accounts: list[DumpAccount]
    quarantine: list[dict]
    digests: np.ndarray  # content digest of each article (`content_digests`)
    signatures: np.ndarray


def _bytes_on_disk(path: Path) -> int:
    """A file's size; 0 for what holds no bytes of its own (a folder, a broken link, a pipe) or
    is gone since the folder was listed."""
    try:
        info = path.stat()
    except OSError:
        return 0
    return info.st_size if stat.S_ISREG(info.st_mode) else 0


def _unread(path: Path, rel: str, reason: str) -> _Outcome:
    failure = ReadFailure(dump_id_of(path), rel, f"{rel}: {reason}")
    return _Outcome(
        DumpAccount(
            failure.dump_id, rel, status=f"quarantined: {reason}", n_bytes=_bytes_on_disk(path)
        ),
        quarantine=[failure_row(failure)],
    )


def _process(rel: str, raw_dir: Path, entry: ManifestEntry | None) -> _Outcome:
    path = raw_dir / rel
    try:
        raw = read_dump(path, raw_dir)
    except (ReadError, OSError) as exc:
        return _unread(path, rel, str(exc))
    except Exception as exc:  # a bug in a parser (lxml, trafilatura) must cost one dump too
        return _unread(path, rel, f"reader failed ({type(exc).__name__}: {exc})")
    try:
        split = split_text(raw.text, extracted=raw.extracted_text)
        dump = account(raw.dump_id, raw.path, raw.text, split.pieces, raw.unseen_chars)
    except Exception as exc:  # a splitter bug must cost one dump, not the build
        reason = f"{rel}: splitter failed ({type(exc).__name__}: {exc})"
        return _Outcome(
            DumpAccount(
                raw.dump_id,
                rel,
                status=f"quarantined: {reason}",
                n_bytes=raw.n_bytes,
                encoding=raw.encoding,
            ),
            quarantine=[quarantine_row(raw.dump_id, rel, "split", reason, raw.text)],
        )
    dump.encoding, dump.layout, dump.n_bytes = raw.encoding, split.layout, raw.n_bytes
    dump.articles_found = len(split.articles)
    dump.undecodable_bytes = sum(end - start for start, end in raw.bad_bytes)
    raw_row = {
        "dump_id": raw.dump_id,
        "path": raw.path,
        "sha256": raw.sha256,
        "n_bytes": raw.n_bytes,
        "encoding": raw.encoding,
        "layout": split.layout,
        "text": raw.text,
        "url": entry.url if entry else None,
        "site": entry.site if entry else None,
        "crawled_at": entry.crawled_at if entry else None,
    }
    return _Outcome(
        dump, raw_row, article_rows(raw, split, entry), split_quarantine_rows(raw, split)
    )


def _arrow_schema(schema) -> pa.Schema:
    return rows_frame([], schema).to_arrow().schema


@dataclass
class ChunkTables:
    """What splitting a batch of dumps produced: validated tables and what the report and
    deduplication need."""

    accounts: list[DumpAccount]
    quarantine: list[dict]
    dumps: pl.DataFrame  # RawDump rows
    articles: pl.DataFrame  # Article rows
    signatures: np.ndarray  # one MinHash signature per article row


def split_chunk(
    dumps: list[tuple[str, ManifestEntry | None]], raw_dir: Path, config: DedupeConfig
) -> ChunkTables:
    """Read and split dumps (paths relative to raw_dir, with their manifest entries), validate
    their tables, detect languages, compute signatures: the stage every engine runs on its share
    of the dumps."""
    outcomes = [_process(rel, raw_dir, entry) for rel, entry in dumps]
    by_dump = {o.account.dump_id: o.account for o in outcomes}
    quarantine = [row for o in outcomes for row in o.quarantine]
    raw = RAW_DUMP.validate(
        rows_frame([o.raw_row for o in outcomes if o.raw_row], RAW_DUMP), lazy=True
    )
    rows = [row for o in outcomes for row in o.articles]
    frame = rows_frame(rows, ARTICLE)
    frame = frame.with_columns(
        pl.Series("language", detect_languages(frame["body"].to_list()), dtype=pl.String)
    )
    articles, failures = validate_or_quarantine(frame, ARTICLE)
    for index, reason in failures.iter_rows():
        bad = rows[index]
        spans = bad["body_spans"]
        quarantine.append(
            quarantine_row(
                bad["dump_id"],
                by_dump[bad["dump_id"]].path,
                "validate",
                f"article {bad['article_id']}: {reason}",
                bad["body"],
                spans[0]["start"] if spans else None,
                spans[-1]["end"] if spans else None,
            )
        )
        chars = sum(s["end"] - s["start"] for s in spans)
        if bad["title_start"] is not None:
            chars += bad["title_end"] - bad["title_start"]
        move_to_quarantine(by_dump[bad["dump_id"]], chars, "article failed validation")
    for dump_id in articles["dump_id"]:
        by_dump[dump_id].articles_kept += 1
    return ChunkTables(
        [o.account for o in outcomes],
        quarantine,
        raw,
        articles,
        signatures(articles["body"].to_list(), config),
    )


def _process_chunk(chunk: _Chunk) -> _ChunkResult:
    """split_chunk, then write the tables as parquet parts (in a local worker)."""
    tables = split_chunk(chunk.dumps, chunk.raw_dir, chunk.config)
    # Parts in row groups of the output's size: joining them reads one group at a time.
    for name, table in (("dumps", tables.dumps), ("articles", tables.articles)):
        table.write_parquet(
            chunk.parts / f"{name}-{chunk.index:06d}.parquet",
            compression="lz4",
            row_group_size=ROW_GROUP_ROWS[name],
        )
    return _ChunkResult(
        chunk.index,
        tables.accounts,
        tables.quarantine,
        content_digests(tables.articles["content_sha256"]),
        tables.signatures,
    )


class _RowGroupWriter:
    """A parquet file written in row groups of a fixed size, whatever the sizes of the tables
    handed to it, so that the bytes do not depend on how the work was cut into chunks."""

    def __init__(self, path: Path, schema: pa.Schema, rows: int) -> None:
        self.writer = pq.ParquetWriter(path, schema, compression=PARQUET_COMPRESSION)
        self.rows = rows
        self.pending: list[pa.Table] = []
        self.pending_rows = 0

    def write(self, table: pa.Table) -> None:
        self.pending.append(table.cast(self.writer.schema))
        self.pending_rows += table.num_rows
        if self.pending_rows >= self.rows:
            joined = pa.concat_tables(self.pending)
            full = joined.num_rows // self.rows * self.rows
            for start in range(0, full, self.rows):
                self._write_group(joined.slice(start, self.rows))
            rest = joined.slice(full)
            self.pending, self.pending_rows = [rest], rest.num_rows

    def _write_group(self, group: pa.Table) -> None:
        # One contiguous chunk per row group: the writer pages each chunk apart, so the bytes
        # would otherwise depend on where the parts' row groups happened to end.
        self.writer.write_table(group.combine_chunks(), row_group_size=self.rows)

    def close(self) -> None:
        if self.pending_rows:
            self._write_group(pa.concat_tables(self.pending))
        self.writer.close()


class _Corpus:
    """Collects chunk results in corpus order; at the end, clusters and joins the parts into
    articles.parquet and dumps.parquet, writing both at once (compression releases the GIL, so
    the two use both cores while the workers are done), in the work folder. An incremental
    build starts from the earlier build's tables."""

    def __init__(self, work: Path, config: DedupeConfig, previous: PreviousBuild | None) -> None:
        self.work = work
        self.config = config
        self.previous = previous
        self.parts = work / "parts"
        self.parts.mkdir()
        self.chunks: list[int] = []
        self.signature_path = work / "signatures.u32"
        self.ledger = DumpLedger(work / "dumps.jsonl")
        self.digests: list[np.ndarray] = [np.zeros((0, 2), dtype=np.uint64)]
        if previous is None:
            self.signature_path.touch()
            self.quarantine: list[pl.DataFrame] = []  # parts of QUARANTINE rows
        else:
            shutil.copyfile(previous.signatures, self.signature_path)
            self.digests.append(previous.digests)
            self.quarantine = [pl.read_parquet(previous.out_dir / "quarantine.parquet")]
            for dump in previous.accounts():
                self.ledger.add(dump)
        self.signature_file = self.signature_path.open("ab")

    def add(self, result: _ChunkResult) -> None:
        self.chunks.append(result.index)
        if result.quarantine:
            self.quarantine.append(rows_frame(result.quarantine, QUARANTINE))
        for dump in result.accounts:
            self.ledger.add(dump)
        self.signature_file.write(np.ascontiguousarray(result.signatures).tobytes())
        self.digests.append(result.digests)

    def finish(self) -> Clusters:
        """Cluster, and join the parts into articles.parquet and dumps.parquet."""
        with ThreadPoolExecutor(1) as pool:
            dumps = pool.submit(self._write_dumps)
            clusters = self._write_articles()
            dumps.result()
        return clusters

    def _sources(self, name: str) -> list[Path]:
        """A table's files in corpus order: the earlier build's (incremental), then the parts."""
        parts = [self.parts / f"{name}-{index:06d}.parquet" for index in self.chunks]
        return [self.previous.out_dir / f"{name}.parquet", *parts] if self.previous else parts

    def _write_dumps(self) -> None:
        dumps = _RowGroupWriter(
            self.work / "dumps.parquet", _arrow_schema(RAW_DUMP), ROW_GROUP_ROWS["dumps"]
        )
        for source in self._sources("dumps"):
            for batch in _batches(source):
                dumps.write(batch)
        dumps.close()

    def _write_articles(self) -> Clusters:
        """Cluster the articles, then write the article parts with their cluster columns."""
        self.signature_file.close()
        digests = np.concatenate(self.digests)
        self.digests = []
        sigs = SignatureFile(self.signature_path, self.config.num_perm)
        roots = cluster_roots(digests, sigs, self.config)
        del digests
        known = self.previous.n_articles if self.previous else 0
        clusters = resolve_clusters(roots, self._clustered_facts(clustered_rows(roots)), known)
        del roots
        release_freed_memory()
        # The Article columns were validated per chunk; the dedupe stage adds two, worked out
        # for the clustered rows (every other row is its own cluster, and canonical).
        DEDUPE_COLUMNS.validate(clusters.members.select(list(DEDUPE_COLUMNS.columns)), lazy=True)
        articles = _RowGroupWriter(
            self.work / "articles.parquet",
            _arrow_schema(DEDUPED_ARTICLE),
            ROW_GROUP_ROWS["articles"],
        )
        offset = 0
        for source in self._sources("articles"):
            for batch in _batches(source):
                part = pl.from_arrow(batch).drop(CLUSTER_COLUMNS, strict=False)
                part = part.with_columns(clusters.columns(offset, part["article_id"]))
                offset += part.height
                articles.write(part.to_arrow())
        articles.close()
        return clusters

    def _clustered_facts(self, rows: np.ndarray) -> pl.DataFrame:
        """CLUSTERED_FACTS of the given rows (ascending), read back from the article tables:
        only the row groups that hold some of them, only the columns needed."""
        found = [pl.DataFrame(schema=CLUSTERED_FACTS)]
        offset = 0
        for index, source in enumerate(self._sources("articles")):
            earlier = self.previous is not None and index == 0  # the earlier build's table
            columns = ["article_id", "role", "n_words"]
            columns += ["near_dup_cluster", "is_canonical"] if earlier else []
            file = pq.ParquetFile(source)
            for group in range(file.num_row_groups):
                size = file.metadata.row_group(group).num_rows
                low, high = np.searchsorted(rows, [offset, offset + size])
                if high > low:
                    table = pl.from_arrow(file.read_row_group(group, columns=columns))
                    found.append(
                        table[rows[low:high] - offset]
                        .rename(
                            {
                                "near_dup_cluster": "previous_cluster",
                                "is_canonical": "was_canonical",
                            },
                            strict=False,
                        )
                        .with_columns(pl.Series("row", rows[low:high]))
                    )
                offset += size
        return pl.concat(found, how="diagonal_relaxed")  # resolve_clusters orders and casts


def release_freed_memory() -> None:
    """Give the C heap's free pages back to the system (glibc; elsewhere nothing to do).
    Clustering frees its arrays before the parts are joined, but glibc keeps most of their
    pages (its threshold for returning large blocks rises with the blocks freed), and the
    joins' allocators cannot reuse them: without this the build's peak grows by ~80 bytes an
    article (300k dumps: 63 MB kept, 8 MB after the trim)."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


def _batches(path: Path) -> Iterator[pa.Table]:
    """A parquet file's rows, one row group at a time (memory stays bounded)."""
    file = pq.ParquetFile(path)
    for group in range(file.num_row_groups):
        yield file.read_row_group(group)


def chunk_size(n_dumps: int, workers: int) -> int:
    """Dumps per worker task: CHUNKS_PER_WORKER tasks per worker, within CHUNK_DUMPS."""
    low, high = CHUNK_DUMPS
    return min(high, max(low, n_dumps // (max(workers, 1) * CHUNKS_PER_WORKER)))


def _chunks(inputs: Inputs, parts: Path, config: DedupeConfig, size: int) -> Iterator[_Chunk]:
    """Worker tasks in corpus order, made as the workers ask for them."""
    for index, start in enumerate(range(0, inputs.n_dumps, size)):
        yield _Chunk(index, inputs.with_entries(start, size), inputs.raw_dir, parts, config)


@dataclass
class Inputs:
    """The dumps a build reads, in corpus order, and the files it only accounts for."""

    raw_dir: Path
    manifest: Path | None
    dumps: pl.DataFrame  # DUMP_FILES, in corpus order
    entries: pl.DataFrame  # DUMP_ENTRIES, row for row with `dumps`
    skipped: pl.DataFrame  # UNREAD_FILES: not dumps
    clashes: pl.DataFrame  # UNREAD_FILES: a dump id already taken
    warnings: list[str]

    @property
    def n_dumps(self) -> int:
        return self.dumps.height

    def with_entries(self, start: int, length: int) -> list[tuple[str, ManifestEntry | None]]:
        """Dumps start .. start + length: each relative path with its manifest entry."""
        rels = self.dumps["path"].slice(start, length).to_list()
        rows = self.entries.slice(start, length).select(*DUMP_ENTRIES).iter_rows()
        return [(rel, entry_of(*row)) for rel, row in zip(rels, rows, strict=True)]

    def unread_rows(self) -> pl.DataFrame:
        """QUARANTINE rows for the files that are never read."""
        rows = pl.concat([self.skipped, self.clashes]).with_columns(
            stage=pl.lit("read"), char_start=None, char_end=None, snippet=pl.lit("")
        )
        empty = rows_frame([], QUARANTINE)
        return rows.select(empty.columns).cast(empty.schema)

    def unread_accounts(self) -> Iterator[DumpAccount]:
        """Report entries for the files that are never read, made as the ledger takes them."""
        for status, files in (("skipped", self.skipped), ("quarantined", self.clashes)):
            for dump_id, rel, reason in files.select("dump_id", "path", "reason").iter_rows():
                n_bytes = _bytes_on_disk(self.raw_dir / rel)
                yield DumpAccount(dump_id, rel, status=f"{status}: {reason}", n_bytes=n_bytes)


def plan_inputs(
    raw_dir: Path | None,
    manifest: Path | None,
    previous: PreviousBuild | None = None,
    out_dir: Path | None = None,
) -> Inputs:
    """Find the dumps under raw_dir (default: the shipped ones) but not in out_dir, read the
    manifest, leave out what an earlier build already accounted for, and put the rest in
    corpus order."""
    raw_dir = Path(raw_dir) if raw_dir else shipped_raw_dir()
    warnings = _outputs_among_inputs(raw_dir, out_dir) if out_dir else []
    # Corpus order: by dump id, so article ids and cluster ids do not depend on folder layout
    # (an incremental build's new dumps come after the earlier ones).
    dumps, skipped = discover(raw_dir, out_dir)
    rows = pl.DataFrame(schema=MANIFEST)
    if manifest is not None:
        rows, manifest_warnings = read_manifest(Path(manifest))
        warnings += manifest_warnings
    earlier = previous.files() if previous else pl.DataFrame(schema=DUMP_FILES)
    if previous:
        warnings += _changed_since(previous, raw_dir, dumps)
        dumps = dumps.filter(~pl.col("path").is_in(earlier["path"].implode()))
        skipped = skipped.filter(~pl.col("path").is_in(earlier["path"].implode()))
    warnings += _unused_manifest_entries(rows, pl.concat([dumps["path"], earlier["path"]]))
    dumps, clashes = _unique_dump_ids(dumps, earlier)
    entries = manifest_entries(dumps["path"], rows)
    return Inputs(raw_dir, manifest, dumps, entries, skipped, clashes, warnings)


def _outputs_among_inputs(raw_dir: Path, out_dir: Path) -> list[str]:
    """A warning when the output folder lies in the raw folder (`cd crawl && talks build --raw
    .`), whose files a build then passes over: read as input, a build's outputs would make the
    next build differ from it. The raw folder itself cannot be the output folder."""
    raw, out = raw_dir.resolve(), out_dir.resolve()
    if out == raw:
        raise ValueError(
            f"--out {shown_path(out_dir)} is the raw folder itself: the next build would read "
            "the outputs as dumps; choose a folder beside it, or one inside it"
        )
    if not out.is_relative_to(raw):
        return []
    return [f"--out {shown_path(out_dir)} lies in the raw folder; its files are not read as dumps"]


def _unused_manifest_entries(manifest: pl.DataFrame, used: pl.Series) -> list[str]:
    """Warnings for manifest rows that name no dump (by relative path or by file name): the
    first LISTED_ROWS by name, then how many more (a whole crawl's manifest given for
    part of it would otherwise fill the report with a line per page)."""
    named = manifest["file"].sort()
    by_name = file_names(named).is_in(file_names(used).implode())
    unused = named.filter(~named.is_in(used.implode()) & ~by_name)
    warnings = [
        f"manifest names {name!r}, which is not among the dumps"
        for name in unused.head(LISTED_ROWS)
    ]
    if len(unused) > LISTED_ROWS:
        warnings.append(
            f"manifest names {len(unused) - LISTED_ROWS} more files that are not among the dumps"
        )
    return warnings


def write_outputs(
    out_dir: Path,
    ledger: DumpLedger,
    quarantine: list[pl.DataFrame],
    clusters: Clusters,
    inputs: Inputs,
    config: DedupeConfig,
    warnings: list[str] | None = None,
) -> dict:
    """quarantine.parquet (from parts of QUARANTINE rows), report.json and report.md in out_dir
    (any engine's work folder); returns the summary."""
    rows = pl.concat([rows_frame([], QUARANTINE), *quarantine])
    table = QUARANTINE.validate(
        rows.sort(["path", "stage", "char_start", "reason"], nulls_last=False), lazy=True
    )
    table.write_parquet(out_dir / "quarantine.parquet", compression=PARQUET_COMPRESSION)
    settings = {
        "raw": "shipped dumps"
        if inputs.raw_dir == shipped_raw_dir()
        else shown_path(inputs.raw_dir),
        "manifest": shown_path(inputs.manifest) if inputs.manifest else None,
        "near_duplicate_threshold": config.threshold,
        "near_duplicate_shingle_words": config.shingle,
        "minhash_permutations": config.num_perm,
    }
    warnings = inputs.warnings + list(warnings or [])
    summary = build_report(ledger, clusters, table, settings, warnings)
    write_report(summary, ledger, out_dir)
    return summary


def build(
    raw_dir: Path | None = None,
    out_dir: Path | None = None,
    manifest: Path | None = None,
    config: DedupeConfig | None = None,
    progress: bool = False,
    workers: int | None = None,
    incremental: bool = False,
) -> BuildResult:
    """Build clean article records from every dump under raw_dir (default: the shipped ones).

    Without `out_dir` the outputs go to a temporary folder and are loaded into the result.
    `incremental` adds to the build already in out_dir: only dumps it has not accounted for
    are split; earlier articles keep their ids and clusters, and new articles come after them.
    """
    if out_dir is None:
        with tempfile.TemporaryDirectory() as tmp:
            result = build(raw_dir, Path(tmp), manifest, config, progress, workers, incremental)
            for name in ("articles", "quarantine", "dumps"):
                result._table(name)
            result.report  # noqa: B018 -- load it before the folder goes
            return result
    out_dir = Path(out_dir)
    config = config or DedupeConfig()
    workers = workers or min(2, os.cpu_count() or 1)
    previous = load_previous(out_dir, config) if incremental else None
    inputs = plan_inputs(raw_dir, manifest, previous, out_dir)
    with work_folder(out_dir) as work:
        corpus = _Corpus(work, config, previous)
        corpus.quarantine.append(inputs.unread_rows())
        for unread in inputs.unread_accounts():
            corpus.ledger.add(unread)
        size = chunk_size(inputs.n_dumps, workers)
        chunks = _chunks(inputs, corpus.parts, config, size)
        for result in _run(chunks, inputs.n_dumps, workers, progress):
            corpus.add(result)
        clusters = corpus.finish()
        corpus.ledger.close()
        warnings = []
        if clusters.kept_apart:
            warnings.append(
                f"new articles link {clusters.kept_apart} near-duplicate cluster(s) of the earlier "
                "build to another one; they keep their ids (a full build would merge them)"
            )
        summary = write_outputs(
            work, corpus.ledger, corpus.quarantine, clusters, inputs, config, warnings
        )
        write_state(work, corpus.signature_path, config, clusters.n_articles)
        move_into_place(work, out_dir, BUILD_NAMES)
    summary["problem_files"] = corpus.ledger.problems
    return BuildResult(out_dir, summary)


def _changed_since(previous: PreviousBuild, raw_dir: Path, dumps: pl.DataFrame) -> list[str]:
    """Warnings for dumps an earlier build read whose size has changed since: an incremental
    build keeps what it built from them."""
    read_before = dumps.join(
        previous.earlier.select("path", "n_bytes"), on="path", maintain_order="left"
    )
    return [
        f"{rel} changed since the earlier build and was not read again; build without "
        "--incremental to use its new text"
        for rel, n_bytes in read_before.select("path", "n_bytes").iter_rows()
        if (raw_dir / rel).stat().st_size != n_bytes
    ]


def _unique_dump_ids(
    dumps: pl.DataFrame, earlier: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Two files with the same name in different folders would share a dump id: keep the first
    (or the one an earlier build already used: `earlier`, DUMP_FILES)."""
    users = pl.concat([earlier.select(*DUMP_FILES), dumps.select(*DUMP_FILES)])
    first = users["dump_id"].is_first_distinct().slice(earlier.height)
    clashes = (
        dumps.filter(~first)
        .join(users.unique("dump_id", keep="first"), on="dump_id", suffix="_first")
        .sort("dump_id", "path")
    )
    reasons = [
        f"{rel}: dump id {dump_id!r} already used by {first_rel}; rename one of them"
        for rel, dump_id, first_rel in clashes.select("path", "dump_id", "path_first").iter_rows()
    ]
    unread = clashes.select(*DUMP_FILES).with_columns(
        pl.Series("reason", reasons, dtype=UNREAD_FILES["reason"])
    )
    return dumps.filter(first), unread


def _run(
    chunks: list[_Chunk], n_dumps: int, workers: int, progress: bool
) -> Iterator[_ChunkResult]:
    """Process the chunks, results in order, in worker processes when there are enough dumps."""
    if workers <= 1 or n_dumps < PARALLEL_FROM:
        yield from _progress(map(_process_chunk, chunks), n_dumps, progress)
        return
    # forkserver, not fork: the parent runs polars' thread pool, which must not be forked
    # mid-flight. The server imports the pipeline and its tables once; workers fork from it.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([f"{__package__}.worker"])
    with (
        _callers_script_hidden(),
        context.Pool(workers, initializer=_leave_interrupts_to_the_parent) as pool,
    ):
        results = pool.imap(_process_chunk, chunks)
        yield from _progress(_waiting_in_steps(results), n_dumps, progress)


@contextlib.contextmanager
def _callers_script_hidden() -> Iterator[None]:
    """Workers need this package's code only. Told where the caller's main script is, each
    would run it again on starting: a script with no `if __name__ == "__main__"` guard all over,
    a build of its own in every worker, which fails, and the pool restarts them for ever while
    the build waits; a guarded one, its imports and top-level work. So while the pool runs, the
    main module names no file or module to run."""
    main = sys.modules.get("__main__")
    file, spec = getattr(main, "__file__", None), getattr(main, "__spec__", None)
    if file is not None:
        del main.__file__
    if spec is not None:
        main.__spec__ = None
    try:
        yield
    finally:
        if file is not None:
            main.__file__ = file
        if spec is not None:
            main.__spec__ = spec


def _leave_interrupts_to_the_parent() -> None:
    """Ctrl-C reaches every process of the build. A worker it stops loses its chunk, and the
    parent would wait for that chunk for ever: workers ignore it, and the parent ends them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _waiting_in_steps(results: Iterator[_ChunkResult]) -> Iterator[_ChunkResult]:
    """The pool's results, waited for INTERRUPT_CHECK_SECONDS at a time. A wait with no end is
    not cut short by Ctrl-C when the signal lands in another of the parent's threads (polars',
    the pool's), so the parent would never see it."""
    while True:
        try:
            yield results.next(timeout=INTERRUPT_CHECK_SECONDS)  # type: ignore[attr-defined]
        except multiprocessing.TimeoutError:
            continue
        except StopIteration:
            return


def _progress(results: Iterator[_ChunkResult], total: int, show: bool) -> Iterator[_ChunkResult]:
    if not show:
        yield from results
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task("Splitting dumps", total=total)
        for result in results:
            bar.advance(task, len(result.accounts))
            yield result
