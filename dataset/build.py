"""The build: raw dumps -> RawDump -> split -> Article -> dedupe -> parquet files and a report.

Dumps are read and split by worker processes (`workers`, both cores by default) and streamed in
batches: each batch is validated against its pandera contract and written out, so memory does
not grow with the corpus. Only small per-article facts (id, hash, length, role, MinHash
signature, the last one on disk) are kept for deduplication, which runs once at the end.

One bad dump never stops the build: it is quarantined with its reason and the report accounts
for it. Same inputs give byte-identical outputs, whatever the number of workers.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from .dedupe import DedupeConfig, cluster, mark_clusters, signatures
from .read import (
    ManifestEntry,
    ReadError,
    ReadFailure,
    discover,
    dump_id_of,
    read_dump,
    read_manifest,
    shipped_raw_dir,
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
from .schemas import ARTICLE, DEDUPED_ARTICLE, QUARANTINE, RAW_DUMP, validate_or_quarantine
from .split import split_text

PARQUET_COMPRESSION = "zstd"
BATCH_DUMPS = 1000
PARALLEL_FROM = 64  # smaller builds run in-process: starting workers costs more than it saves
OUTPUTS = ("articles.parquet", "quarantine.parquet", "dumps.parquet", "report.json", "report.md")


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
            self._cache[name] = pl.read_parquet(self.out_dir / f"{name}.parquet")
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
    """What splitting one dump produced (computed in a worker process)."""

    account: DumpAccount
    raw_row: dict | None = None
    articles: list[dict] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)
    signatures: np.ndarray | None = None


def _process(task: tuple[Path, Path, ManifestEntry | None, DedupeConfig]) -> _Outcome:
    path, raw_dir, entry, config = task
    rel = path.relative_to(raw_dir).as_posix()
    try:
        raw = read_dump(path, raw_dir)
    except (ReadError, OSError) as exc:
        failure = ReadFailure(dump_id_of(path), rel, f"{rel}: {exc}")
        return _Outcome(
            DumpAccount(
                failure.dump_id, rel, status=f"quarantined: {exc}", n_bytes=path.stat().st_size
            ),
            quarantine=[failure_row(failure)],
        )
    try:
        split = split_text(raw.text)
        dump = account(raw.dump_id, raw.path, raw.text, split.pieces)
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
    rows = article_rows(raw, split, entry)
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
        dump,
        raw_row,
        rows,
        split_quarantine_rows(raw, split),
        signatures([r["body"] for r in rows], config),
    )


def _frame(rows: list[dict], schema) -> pl.DataFrame:
    dtypes = {name: col.dtype.type for name, col in schema.columns.items()}
    return pl.DataFrame(rows, schema=dtypes, orient="row") if rows else pl.DataFrame(schema=dtypes)


def _arrow_schema(schema) -> pa.Schema:
    return _frame([], schema).to_arrow().schema


class _Batches:
    """Validates and writes batches of outcomes; keeps what deduplication needs."""

    def __init__(self, out_dir: Path, work: Path, config: DedupeConfig) -> None:
        self.config = config
        self.dumps_writer = pq.ParquetWriter(
            out_dir / "dumps.parquet", _arrow_schema(RAW_DUMP), compression=PARQUET_COMPRESSION
        )
        self.parts = work / "articles"
        self.parts.mkdir()
        self.part_count = 0
        self.signature_file = (work / "signatures.u32").open("wb")
        self.ids: list[str] = []
        self.hashes: list[str] = []
        self.roles: list[str] = []
        self.n_words: list[int] = []
        self.quarantine: list[dict] = []
        self.ledger = DumpLedger(work / "dumps.jsonl")

    def flush(self, outcomes: list[_Outcome]) -> None:
        if not outcomes:
            return
        by_dump = {o.account.dump_id: o.account for o in outcomes}
        for o in outcomes:
            self.quarantine += o.quarantine
        raw = RAW_DUMP.validate(
            _frame([o.raw_row for o in outcomes if o.raw_row], RAW_DUMP), lazy=True
        )
        self.dumps_writer.write_table(raw.to_arrow().cast(self.dumps_writer.schema))
        rows = [row for o in outcomes for row in o.articles]
        sigs = [o.signatures for o in outcomes if o.signatures is not None and len(o.signatures)]
        all_sigs = np.vstack(sigs) if sigs else np.zeros((0, self.config.num_perm), np.uint32)
        articles, failures = validate_or_quarantine(_frame(rows, ARTICLE), ARTICLE)
        failed = set()
        for index, reason in failures.iter_rows():
            failed.add(index)
            bad = rows[index]
            spans = bad["body_spans"]
            self.quarantine.append(
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
        kept = [i for i in range(len(rows)) if i not in failed]
        for i in kept:
            by_dump[rows[i]["dump_id"]].articles_kept += 1
        if articles.height:
            articles.write_parquet(self.parts / f"part-{self.part_count:06d}.parquet")
            self.part_count += 1
            self.signature_file.write(np.ascontiguousarray(all_sigs[kept]).tobytes())
            self.ids += articles["article_id"].to_list()
            self.hashes += articles["content_sha256"].to_list()
            self.roles += articles["role"].to_list()
            self.n_words += articles["n_words"].to_list()
        for outcome in outcomes:  # final now that validation has moved failed articles
            self.ledger.add(outcome.account)

    def finish(self, out_dir: Path, work: Path) -> pl.DataFrame:
        """Cluster, then write articles.parquet part by part with the cluster columns."""
        self.dumps_writer.close()
        self.signature_file.close()
        n = len(self.ids)
        sigs = (
            np.memmap(
                work / "signatures.u32", dtype=np.uint32, mode="r", shape=(n, self.config.num_perm)
            )
            if n
            else np.zeros((0, self.config.num_perm), np.uint32)
        )
        small = pl.DataFrame(
            {"article_id": self.ids, "role": self.roles, "n_words": self.n_words},
            schema={"article_id": pl.String, "role": pl.String, "n_words": pl.Int64},
        )
        marked = mark_clusters(small, cluster(self.ids, self.hashes, sigs, self.config))
        writer = pq.ParquetWriter(
            out_dir / "articles.parquet",
            _arrow_schema(DEDUPED_ARTICLE),
            compression=PARQUET_COMPRESSION,
        )
        offset = 0
        for part in sorted(self.parts.glob("part-*.parquet")):
            batch = pl.read_parquet(part)
            extra = marked.slice(offset, batch.height)
            offset += batch.height
            batch = batch.with_columns(extra["near_dup_cluster"], extra["is_canonical"])
            batch = DEDUPED_ARTICLE.validate(batch, lazy=True)
            writer.write_table(batch.to_arrow().cast(writer.schema))
        writer.close()
        return marked


def _tasks(
    paths: list[Path], raw_dir: Path, entries: dict[str, ManifestEntry], config: DedupeConfig
) -> Iterator[tuple[Path, Path, ManifestEntry | None, DedupeConfig]]:
    for path in paths:
        rel = path.relative_to(raw_dir).as_posix()
        yield path, raw_dir, entries.get(rel) or entries.get(path.name), config


def build(
    raw_dir: Path | None = None,
    out_dir: Path | None = None,
    manifest: Path | None = None,
    config: DedupeConfig | None = None,
    progress: bool = False,
    workers: int | None = None,
) -> BuildResult:
    """Build clean article records from every dump under raw_dir (default: the shipped ones).

    Without `out_dir` the outputs go to a temporary folder and are loaded into the result.
    """
    if out_dir is None:
        with tempfile.TemporaryDirectory() as tmp:
            result = build(raw_dir, Path(tmp), manifest, config, progress, workers)
            for name in ("articles", "quarantine", "dumps"):
                result._table(name)
            result.report  # noqa: B018 -- load it before the folder goes
            return result
    raw_dir = Path(raw_dir) if raw_dir else shipped_raw_dir()
    out_dir = Path(out_dir)
    config = config or DedupeConfig()
    paths, skipped = discover(raw_dir)
    entries: dict[str, ManifestEntry] = {}
    warnings: list[str] = []
    if manifest is not None:
        entries, warnings = read_manifest(Path(manifest))
    # Corpus order: by dump id, so article ids and cluster ids do not depend on folder layout.
    paths.sort(key=lambda p: (dump_id_of(p), p.relative_to(raw_dir).as_posix()))
    paths, clashes = _unique_dump_ids(paths, raw_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=out_dir))
    try:
        batches = _Batches(out_dir, work, config)
        batches.quarantine += [failure_row(f) for f in skipped + clashes]
        for unread in _unread(skipped, "skipped", raw_dir) + _unread(
            clashes, "quarantined", raw_dir
        ):
            batches.ledger.add(unread)
        pending: list[_Outcome] = []
        for outcome in _run(list(_tasks(paths, raw_dir, entries, config)), workers, progress):
            pending.append(outcome)
            if len(pending) >= BATCH_DUMPS:
                batches.flush(pending)
                pending = []
        batches.flush(pending)
        marked = batches.finish(out_dir, work)
        batches.ledger.close()
        used = {k for p in paths for k in (p.relative_to(raw_dir).as_posix(), p.name)}
        warnings += [
            f"manifest names {name!r}, which is not among the dumps"
            for name in sorted(set(entries) - used)
        ]
        quarantine = QUARANTINE.validate(
            _frame(batches.quarantine, QUARANTINE).sort(
                ["path", "stage", "char_start", "reason"], nulls_last=False
            ),
            lazy=True,
        )
        quarantine.write_parquet(out_dir / "quarantine.parquet", compression=PARQUET_COMPRESSION)
        settings = {
            "raw": "shipped dumps" if raw_dir == shipped_raw_dir() else str(raw_dir),
            "manifest": str(manifest) if manifest else None,
            "near_duplicate_threshold": config.threshold,
            "near_duplicate_shingle_words": config.shingle,
            "minhash_permutations": config.num_perm,
        }
        summary = build_report(batches.ledger, marked, quarantine, settings, warnings)
        write_report(summary, batches.ledger, out_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary["problem_files"] = batches.ledger.problems
    return BuildResult(out_dir, summary)


def _unread(failures: list[ReadFailure], status: str, raw_dir: Path) -> list[DumpAccount]:
    """Report entries for files that were never read (not dumps, or a clashing dump id)."""
    return [
        DumpAccount(
            f.dump_id,
            f.path,
            status=f"{status}: {f.reason}",
            n_bytes=(raw_dir / f.path).stat().st_size,
        )
        for f in failures
    ]


def _unique_dump_ids(paths: list[Path], raw_dir: Path) -> tuple[list[Path], list[ReadFailure]]:
    """Two files with the same name in different folders would share a dump id: keep the first."""
    seen: dict[str, str] = {}
    keep: list[Path] = []
    clashes: list[ReadFailure] = []
    for path in paths:
        rel = path.relative_to(raw_dir).as_posix()
        dump_id = dump_id_of(path)
        if dump_id in seen:
            clashes.append(
                ReadFailure(
                    dump_id,
                    rel,
                    f"{rel}: dump id {dump_id!r} already used by {seen[dump_id]}; "
                    "rename one of them",
                )
            )
        else:
            seen[dump_id] = rel
            keep.append(path)
    return keep, clashes


def _run(tasks: list, workers: int | None, progress: bool) -> Iterator[_Outcome]:
    """Split the dumps, in order, in worker processes when there are enough of them."""
    workers = workers or min(2, os.cpu_count() or 1)
    results: Iterator[_Outcome]
    if workers <= 1 or len(tasks) < PARALLEL_FROM or not _main_is_importable():
        results = map(_process, tasks)
        yield from _progress(results, len(tasks), progress)
        return
    # forkserver: the parent runs polars' thread pool, which must not be forked mid-flight.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])  # workers start with the pipeline imported
    with context.Pool(workers) as pool:
        results = pool.imap(_process, tasks, chunksize=16)
        yield from _progress(results, len(tasks), progress)


def _main_is_importable() -> bool:
    """Workers re-import the caller's main module; a script read from stdin has none to import
    (the pool would restart failing workers forever), so such callers split in-process."""
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    return main_file is None or Path(main_file).exists()


def _progress(results: Iterator[_Outcome], total: int, show: bool) -> Iterator[_Outcome]:
    if not show:
        yield from results
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task("Splitting dumps", total=total)
        for outcome in results:
            bar.advance(task)
            yield outcome
