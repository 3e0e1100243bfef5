"""`talks build --engine ray`: the build's stage functions on Ray Data, for corpora that outgrow
one machine.

- Splitting is a map over the dump files: batches of dumps go through `split_chunk`, the same
  function the local workers run (read, split, validate, language, signatures).
- Near-duplicate clustering: exact duplicates are grouped by content hash; every other article's
  MinHash band keys are grouped by the engine, and each bucket's candidate pairs are verified
  where the bucket lands (`bucket_pairs`, `similar`). The verified pairs are few, so their
  connected components are found on the driver (`components`), as are cluster ids and canonical
  members (`resolve_clusters`).
- Output: `articles/` and `dumps/` are parquet files partitioned by the engine; quarantine,
  report.json and report.md are written as by a local build.

The articles, clusters, canonical members and report equal a local build's on the same input;
only the row order and partitioning of articles/ and dumps/ differ. Every node must see the raw
folder and the output folder at the same path (a shared filesystem), and have this package
installed. Incremental builds are local only.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import socket
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from .build import BUILD_NAMES, BuildResult, Inputs, plan_inputs, split_chunk, write_outputs
from .dedupe import (
    Clusters,
    DedupeConfig,
    band_keys,
    bucket_pairs,
    clustered_rows,
    components,
    lsh_bands,
    resolve_clusters,
    similar,
    unique_pairs,
)
from .outputs import move_into_place, out_of_room, refuse_users_folders, work_folder
from .read import DUMP_ENTRIES, entry_of
from .report import DumpLedger, account_dict, account_from_dict
from .schemas import DEDUPE_COLUMNS, QUARANTINE, rows_frame

INSTALL_HINT = "pip install 'istanbul-talks[distributed]'"
BATCH_DUMPS = 500  # dumps per map task
POSITION_BITS = 20  # an article's key: dump index << POSITION_BITS | position (corpus order)
CONNECT_TIMEOUT_S = 10  # to the head node's port, before Ray's own (endless) retries
PAIRS = pa.schema([("a", pa.int64()), ("b", pa.int64())])


class EngineError(RuntimeError):
    """The distributed engine cannot run (Ray missing, or the cluster cannot be reached)."""


def _ipc(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_ipc(buffer)
    return buffer.getvalue()


def _table_of(batch: pa.Table, column: str) -> pa.Table:
    """Map: the table a split batch holds in `column` ("articles" or "dumps")."""
    return pl.concat([pl.read_ipc(io.BytesIO(b)) for b in batch[column].to_pylist()]).to_arrow()


def _resolve(value):
    """Values handed to map functions through the object store arrive as references."""
    import ray

    return ray.get(value) if isinstance(value, ray.ObjectRef) else value


def _split_batch(batch: pa.Table, raw_dir: str, config: dict) -> pa.Table:
    """Map: a batch of dump files -> one row holding its accounts, quarantine rows, dumps and
    articles (with each article's key and signature)."""
    rows = batch.to_pylist()
    dumps = [(row["path"], entry_of(*(row[column] for column in DUMP_ENTRIES))) for row in rows]
    tables = split_chunk(dumps, Path(raw_dir), DedupeConfig(**config))
    index = {row["dump_id"]: row["index"] for row in rows}
    articles = tables.articles.with_columns(
        (
            pl.col("dump_id").replace_strict(index, return_dtype=pl.Int64) * (1 << POSITION_BITS)
            + pl.col("position")
        ).alias("key"),
        pl.Series("signature", [s.tobytes() for s in tables.signatures], dtype=pl.Binary),
    )
    return pa.table(
        {
            "first": [rows[0]["index"]],
            "accounts": [json.dumps([account_dict(a) for a in tables.accounts])],
            "quarantine": [json.dumps(tables.quarantine)],
            "dumps": [_ipc(tables.dumps)],
            "articles": [_ipc(articles)],
        }
    )


def _exact_pairs(group: pa.Table) -> pa.Table:
    """Group of one content hash: (first key, key) for every later article."""
    keys = np.sort(group["key"].to_numpy())
    return pa.table({"a": np.full(len(keys) - 1, keys[0]), "b": keys[1:]}, schema=PAIRS)


def _band_rows(batch: pa.Table, config: dict, duplicates) -> pa.Table:
    """Map: (band key, article key, signature) per band of every article that is not an exact
    duplicate of an earlier one (those are linked by their hash)."""
    config_ = DedupeConfig(**config)
    keys = batch["key"].to_numpy()
    keep = ~np.isin(keys, _resolve(duplicates))
    keys = keys[keep]
    blobs = batch["signature"].filter(pa.array(keep)).to_pylist()
    sigs = np.frombuffer(b"".join(blobs), dtype=np.uint32).reshape(len(keys), config_.num_perm)
    bands = band_keys(sigs, config_)
    n_bands = bands.shape[1]
    return pa.table(
        {
            "band_key": bands.reshape(-1).view(np.int64),
            "key": np.repeat(keys, n_bands),
            "signature": pa.array(np.repeat(np.asarray(blobs, dtype=object), n_bands)),
        }
    )


def _verified_pairs(group: pa.Table, config: dict) -> pa.Table:
    """One band bucket: its candidate pairs (as `near_duplicate_pairs` forms them), verified."""
    config_ = DedupeConfig(**config)
    if group.num_rows < 2:
        return PAIRS.empty_table()
    keys = group["key"].to_numpy()
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    blobs = [group["signature"][int(i)].as_py() for i in order]
    sigs = np.frombuffer(b"".join(blobs), dtype=np.uint32).reshape(len(keys), -1)
    pairs = similar(bucket_pairs(np.arange(len(keys))), sigs, config_)
    return pa.table({"a": keys[pairs[:, 0]], "b": keys[pairs[:, 1]]}, schema=PAIRS)


def _with_clusters(batch: pa.Table, marked) -> pa.Table:
    clusters = _resolve(marked)
    frame = pl.from_arrow(batch).drop("key", "signature")
    return frame.join(clusters, on="article_id", how="left").to_arrow()


def _pairs(dataset) -> np.ndarray:
    found = [t for t in dataset.iter_batches(batch_format="pyarrow") if t.num_rows]
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    table = pa.concat_tables(found)
    return np.stack([table["a"].to_numpy(), table["b"].to_numpy()], axis=1)


def connect(address: str | None) -> None:
    """Join the Ray cluster at `address` ("auto": the one this machine belongs to), or start a
    local one on this machine's cores when there is no address."""
    try:
        import ray
    except ImportError as exc:
        raise EngineError(f"the ray engine needs Ray: {INSTALL_HINT}") from exc
    if ray.is_initialized():
        return
    _check_reachable(address or os.environ.get("RAY_ADDRESS"))
    try:
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    except (ConnectionError, RuntimeError) as exc:
        raise EngineError(f"cannot reach the Ray cluster at {address!r}: {exc}") from exc


def _check_reachable(address: str | None) -> None:
    """Ray retries an unreachable head node forever: try its port first (HOST:PORT or
    ray://HOST:PORT; "auto" and "local" are Ray's to resolve)."""
    if not address or address in ("auto", "local"):
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise EngineError(f"Ray address {address!r} is not HOST:PORT, ray://HOST:PORT or auto")
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        raise EngineError(f"cannot reach the Ray cluster at {address!r}: {exc}") from exc


def build_on_ray(
    raw_dir: Path | None,
    out_dir: Path,
    manifest: Path | None = None,
    config: DedupeConfig | None = None,
    address: str | None = None,
    progress: bool = False,
) -> BuildResult:
    """The build of `build.build`, run on Ray Data (see the module docstring)."""
    out_dir = Path(out_dir)
    refuse_users_folders(out_dir, ("articles", "dumps"))  # before a long build, not after
    connect(address)
    import ray

    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = progress
    if not progress:  # Ray Data logs every stage it starts; keep the terminal for the summary
        logging.getLogger("ray.data").setLevel(logging.WARNING)
    config = config or DedupeConfig()
    settings = asdict(config)
    inputs = plan_inputs(raw_dir, manifest, out_dir=out_dir)
    with work_folder(out_dir) as work, _full_disk_traces_off_the_console(work):
        split = _split(inputs, settings).materialize()
        ledger = DumpLedger(work / "dumps.jsonl")
        quarantine = [inputs.unread_rows()]
        for account in inputs.unread_accounts():
            ledger.add(account)
        for row in sorted(
            split.select_columns(["first", "accounts", "quarantine"]).take_all(),
            key=lambda r: r["first"],
        ):
            for entry in json.loads(row["accounts"]):
                ledger.add(account_from_dict(entry))
            quarantine.append(rows_frame(json.loads(row["quarantine"]), QUARANTINE))
        ledger.close()
        articles = split.map_batches(
            _table_of, batch_format="pyarrow", batch_size=1, fn_kwargs={"column": "articles"}
        ).materialize()
        marked, clusters = _clusters(articles, config, settings)
        marked_ref = ray.put(marked.select(["article_id", "near_dup_cluster", "is_canonical"]))
        for name, dataset in (
            (
                "articles",
                articles.map_batches(
                    _with_clusters, batch_format="pyarrow", fn_kwargs={"marked": marked_ref}
                ),
            ),
            (
                "dumps",
                split.map_batches(
                    _table_of, batch_format="pyarrow", batch_size=1, fn_kwargs={"column": "dumps"}
                ),
            ),
        ):
            dataset.write_parquet(str(work / name))
        summary = write_outputs(work, ledger, quarantine, clusters, inputs, config)
        move_into_place(work, out_dir, BUILD_NAMES)
    summary["problem_files"] = ledger.problems
    return BuildResult(out_dir, summary)


class _FullDiskTracesHidden(logging.Filter):
    """Passes every record but an error that a full disk under `folder` caused."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def filter(self, record: logging.LogRecord) -> bool:
        failure = record.exc_info[1] if record.exc_info else sys.exc_info()[1]
        full = failure is not None and out_of_room(failure, self.folder) is not None
        return record.levelno < logging.ERROR or not full


def ray_data_consoles() -> list[logging.Handler]:
    """The handlers through which Ray Data logs to the terminal (not to its log files)."""
    return [
        handler
        for handler in logging.getLogger("ray.data").handlers
        if isinstance(handler, logging.StreamHandler)
        and not isinstance(handler, logging.FileHandler)
    ]


@contextlib.contextmanager
def _full_disk_traces_off_the_console(work: Path) -> Iterator[None]:
    """Ray Data logs a failed write's whole trace to the console, as an error of its own code
    to report to Ray, before it raises: for a full disk, the build's one-line message is what
    the user needs. Those records are kept off Ray Data's console handlers for the block
    (they still reach its log file); any other error is logged as Ray logs it."""
    hidden = _FullDiskTracesHidden(work)
    consoles = ray_data_consoles()
    for handler in consoles:
        handler.addFilter(hidden)
    try:
        yield
    finally:
        for handler in consoles:
            handler.removeFilter(hidden)


def _split(inputs: Inputs, settings: dict):
    import ray

    items = pl.concat([inputs.dumps, inputs.entries], how="horizontal").with_row_index().to_dicts()
    blocks = max(1, -(-len(items) // BATCH_DUMPS))
    return ray.data.from_items(items, override_num_blocks=blocks).map_batches(
        _split_batch,
        batch_format="pyarrow",
        batch_size=BATCH_DUMPS,
        fn_kwargs={"raw_dir": str(inputs.raw_dir), "config": settings},
    )


def _clusters(articles, config: DedupeConfig, settings: dict) -> tuple[pl.DataFrame, Clusters]:
    """Cluster ids and canonical flags of every article, in corpus order, and the clusters."""
    import ray

    facts = (
        pl.from_arrow(
            pa.concat_tables(
                list(
                    articles.select_columns(["key", "article_id", "role", "n_words"]).iter_batches(
                        batch_format="pyarrow"
                    )
                )
            )
        ).sort("key")
        if articles.count()
        else pl.DataFrame(
            schema={
                "key": pl.Int64,
                "article_id": pl.String,
                "role": pl.String,
                "n_words": pl.Int64,
            }
        )
    )
    keys = facts["key"].to_numpy()
    lsh_bands(config.threshold, config.num_perm)  # fail early on bad settings, on the driver
    pairs = np.zeros((0, 2), dtype=np.int64)
    if len(keys):  # Ray's group-by cannot find the column it groups by in no rows at all
        exact = _pairs(
            articles.select_columns(["key", "content_sha256"])
            .groupby("content_sha256")
            .map_groups(_exact_pairs, batch_format="pyarrow")
        )
        duplicates = ray.put(np.unique(exact[:, 1]))
        near = _pairs(
            articles.select_columns(["key", "signature"])
            .map_batches(
                _band_rows,
                batch_format="pyarrow",
                fn_kwargs={"config": settings, "duplicates": duplicates},
            )
            .groupby("band_key")
            .map_groups(_verified_pairs, batch_format="pyarrow", fn_kwargs={"config": settings})
        )
        pairs = unique_pairs(np.searchsorted(keys, np.concatenate([exact, near])))
    roots = components(len(keys), pairs)
    facts = facts.drop("key")
    rows = clustered_rows(roots)
    clusters = resolve_clusters(roots, facts[rows].with_columns(row=pl.Series(rows)))
    marked = clusters.mark(facts)
    DEDUPE_COLUMNS.validate(marked.select(list(DEDUPE_COLUMNS.columns)), lazy=True)
    return marked, clusters
