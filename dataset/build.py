"""The build: raw dumps -> RawDump -> split -> Article -> dedupe -> parquet files and a report.

Each stage hands on a table validated against its pandera contract. One bad dump never stops
the build: it is quarantined with its reason and the report accounts for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from .dedupe import DedupeConfig, dedupe
from .read import (
    ManifestEntry,
    RawFile,
    ReadError,
    ReadFailure,
    discover,
    read_dump,
    read_manifest,
    shipped_raw_dir,
)
from .records import article_rows, failure_row, quarantine_row, split_quarantine_rows
from .report import DumpAccount, account, build_report, move_to_quarantine, write_report
from .schemas import ARTICLE, DEDUPED_ARTICLE, QUARANTINE, RAW_DUMP, validate_or_quarantine
from .split import split_text

PARQUET_COMPRESSION = "zstd"


@dataclass
class BuildResult:
    dumps: pl.DataFrame
    articles: pl.DataFrame
    quarantine: pl.DataFrame
    report: dict


def _frame(rows: list[dict], schema) -> pl.DataFrame:
    dtypes = {name: col.dtype.type for name, col in schema.columns.items()}
    return pl.DataFrame(rows, schema=dtypes, orient="row") if rows else pl.DataFrame(schema=dtypes)


def _track(paths: list[Path], progress: bool) -> Iterable[Path]:
    if not progress:
        return paths
    from rich.progress import track

    return track(paths, description="Splitting dumps", transient=True)


def build(
    raw_dir: Path | None = None,
    out_dir: Path | None = None,
    manifest: Path | None = None,
    config: DedupeConfig | None = None,
    progress: bool = False,
) -> BuildResult:
    """Build clean article records from every dump under raw_dir (default: the shipped ones)."""
    raw_dir = Path(raw_dir) if raw_dir else shipped_raw_dir()
    config = config or DedupeConfig()
    paths, skipped = discover(raw_dir)
    entries: dict[str, ManifestEntry] = {}
    warnings: list[str] = []
    if manifest is not None:
        entries, warnings = read_manifest(Path(manifest))
    dumps: list[DumpAccount] = []
    raw_rows: list[dict] = []
    rows: list[dict] = []
    quarantine: list[dict] = [failure_row(f) for f in skipped]
    dumps += [
        DumpAccount(
            f.dump_id,
            f.path,
            status=f"skipped: {f.reason}",
            n_bytes=(raw_dir / f.path).stat().st_size,
        )
        for f in skipped
    ]
    seen_ids: dict[str, str] = {}
    used_manifest: set[str] = set()
    for path in _track(paths, progress):
        rel = path.relative_to(raw_dir).as_posix()
        try:
            raw = read_dump(path, raw_dir)
        except (ReadError, OSError) as exc:
            failure = ReadFailure(path.name, rel, f"{rel}: {exc}")
            quarantine.append(failure_row(failure))
            dumps.append(
                DumpAccount(
                    failure.dump_id, rel, status=f"quarantined: {exc}", n_bytes=path.stat().st_size
                )
            )
            continue
        if raw.dump_id in seen_ids:
            reason = (
                f"{rel}: dump id {raw.dump_id!r} already used by {seen_ids[raw.dump_id]}; "
                "rename one of the files"
            )
            quarantine.append(failure_row(ReadFailure(raw.dump_id, rel, reason)))
            dumps.append(
                DumpAccount(raw.dump_id, rel, status=f"quarantined: {reason}", n_bytes=raw.n_bytes)
            )
            continue
        seen_ids[raw.dump_id] = rel
        entry = entries.get(rel) or entries.get(path.name)
        used_manifest.update(k for k in (rel, path.name) if k in entries)
        dump, dump_rows, dump_quarantine = _split_dump(raw, entry)
        dumps.append(dump)
        rows += dump_rows
        quarantine += dump_quarantine
        raw_rows.append(
            {
                "dump_id": raw.dump_id,
                "path": raw.path,
                "sha256": raw.sha256,
                "n_bytes": raw.n_bytes,
                "encoding": raw.encoding,
                "layout": dump.layout,
                "text": raw.text,
                "url": entry.url if entry else None,
                "site": entry.site if entry else None,
                "crawled_at": entry.crawled_at if entry else None,
            }
        )
    warnings += [
        f"manifest names {name!r}, which is not among the dumps"
        for name in sorted(set(entries) - used_manifest)
    ]
    raw_table = RAW_DUMP.validate(_frame(raw_rows, RAW_DUMP).sort("dump_id"), lazy=True)
    articles, failures = validate_or_quarantine(_frame(rows, ARTICLE), ARTICLE)
    by_dump = {d.dump_id: d for d in dumps}
    all_rows = _frame(rows, ARTICLE)
    for index, reason in failures.iter_rows():
        bad = all_rows.row(index, named=True)
        quarantine.append(
            quarantine_row(
                bad["dump_id"],
                by_dump[bad["dump_id"]].path,
                "validate",
                f"article {bad['article_id']}: {reason}",
                bad["body"],
                bad["body_spans"][0]["start"] if bad["body_spans"] else None,
                bad["body_spans"][-1]["end"] if bad["body_spans"] else None,
            )
        )
        chars = sum(s["end"] - s["start"] for s in bad["body_spans"])
        if bad["title_start"] is not None:
            chars += bad["title_end"] - bad["title_start"]
        move_to_quarantine(by_dump[bad["dump_id"]], chars, "article failed validation")
    for dump_id, kept in articles.group_by("dump_id").len().iter_rows():
        by_dump[dump_id].articles_kept = kept
    deduped = DEDUPED_ARTICLE.validate(dedupe(articles, config), lazy=True)
    quarantine_table = QUARANTINE.validate(
        _frame(quarantine, QUARANTINE).sort(
            ["path", "stage", "char_start", "reason"], nulls_last=False
        ),
        lazy=True,
    )
    settings = {
        "raw": "shipped dumps" if raw_dir == shipped_raw_dir() else str(raw_dir),
        "manifest": str(manifest) if manifest else None,
        "near_duplicate_threshold": config.threshold,
        "near_duplicate_shingle_words": config.shingle,
        "minhash_permutations": config.num_perm,
    }
    report = build_report(dumps, deduped, quarantine_table, settings, warnings)
    result = BuildResult(raw_table, deduped, quarantine_table, report)
    if out_dir is not None:
        write_outputs(result, Path(out_dir))
    return result


def _split_dump(
    raw: RawFile, entry: ManifestEntry | None
) -> tuple[DumpAccount, list[dict], list[dict]]:
    try:
        split = split_text(raw.text)
        dump = account(raw.dump_id, raw.path, raw.text, split.pieces)
    except Exception as exc:  # a splitter bug must cost one dump, not the build
        reason = f"{raw.path}: splitter failed ({type(exc).__name__}: {exc})"
        dump = DumpAccount(
            raw.dump_id,
            raw.path,
            status=f"quarantined: {reason}",
            n_bytes=raw.n_bytes,
            encoding=raw.encoding,
        )
        return dump, [], [quarantine_row(raw.dump_id, raw.path, "split", reason, raw.text)]
    dump.encoding = raw.encoding
    dump.layout = split.layout
    dump.n_bytes = raw.n_bytes
    dump.articles_found = len(split.articles)
    dump.undecodable_bytes = sum(end - start for start, end in raw.bad_bytes)
    return dump, article_rows(raw, split, entry), split_quarantine_rows(raw, split)


def write_outputs(result: BuildResult, out_dir: Path) -> None:
    """Write the tables and the report; same inputs give byte-identical files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    result.dumps.write_parquet(out_dir / "dumps.parquet", compression=PARQUET_COMPRESSION)
    result.articles.write_parquet(out_dir / "articles.parquet", compression=PARQUET_COMPRESSION)
    result.quarantine.write_parquet(out_dir / "quarantine.parquet", compression=PARQUET_COMPRESSION)
    write_report(result.report, out_dir)
