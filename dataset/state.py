"""What a build keeps so that a later `talks build --incremental` can add dumps to it.

Beside its outputs a build writes `state/`: the MinHash signature of every article (in
articles.parquet order, `num_perm` uint32 each) and `build.json` with the near-duplicate
settings. An incremental build reads those, the previous report's per-dump entries and the
previous articles' content digests, splits only the dumps it has not seen, and
clusters the new articles against all signatures without reading any old text again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from .dedupe import DedupeConfig, content_digests, signature_bytes
from .read import DUMP_FILES
from .report import DumpAccount, read_report_accounts

STATE_DIR = "state"
SIGNATURES = "signatures.u32"
STATE_FILE = "build.json"
# Raised when an earlier build's records would no longer match this one's: 2, text dumps lost
# the characters no reader sees (the report's "unseen" category); mojibake is repaired and
# text composed to NFC. 3, bylines printed without "By" are read, and an HTML page's date the
# text cannot place comes from its markup. 4, an HTML page's main body also takes the lines
# trafilatura's extractor kept (split._follow_extracted), and lists of teasers are one related
# article each. 5, a line the extractor kept inside a comments section, a footer or a ticker stays
# the section's (it was also the main body's, and the build quarantined the page).
STATE_VERSION = 5


class StateError(ValueError):
    """An incremental build cannot continue the build in this folder (the message says why)."""


# What an incremental build keeps of each file the earlier build accounted for.
EARLIER_FILES = DUMP_FILES | {"n_bytes": pl.Int64}


@dataclass
class PreviousBuild:
    """An earlier build in the output folder, as far as an incremental build needs it."""

    out_dir: Path
    earlier: pl.DataFrame  # EARLIER_FILES, in build order
    digests: np.ndarray  # content digest of every article, in articles.parquet order

    @property
    def n_articles(self) -> int:
        return len(self.digests)

    @property
    def signatures(self) -> Path:
        return self.out_dir / STATE_DIR / SIGNATURES

    def files(self) -> pl.DataFrame:
        """DUMP_FILES of every file the earlier build accounted for, in build order."""
        return self.earlier.select(*DUMP_FILES)

    def accounts(self) -> Iterator[DumpAccount]:
        """The earlier report's per-dump entries, in build order, read as they are used."""
        return read_report_accounts(self.out_dir / "report.json")


def _settings(config: DedupeConfig) -> dict:
    return {
        "version": STATE_VERSION,
        "near_duplicate_threshold": config.threshold,
        "near_duplicate_shingle_words": config.shingle,
        "minhash_permutations": config.num_perm,
    }


def load_previous(out_dir: Path, config: DedupeConfig) -> PreviousBuild | None:
    """The build already in out_dir, or None when there is none (the first build)."""
    articles = out_dir / "articles.parquet"
    if not articles.exists():
        if (out_dir / "report.json").exists():  # a build is there, but not one to add to
            raise StateError(
                f"{out_dir} holds a build without articles.parquet (a Ray build, which writes "
                "its tables as folders of parts, or one partly deleted); build it again "
                "without --incremental"
            )
        return None
    state = out_dir / STATE_DIR / STATE_FILE
    if not state.exists() or not (out_dir / "report.json").exists():
        raise StateError(
            f"{out_dir} holds a build without {STATE_DIR}/{STATE_FILE} (made before incremental "
            "builds, or partly deleted); build it again without --incremental"
        )
    settings = json.loads(state.read_text(encoding="utf-8"))
    if settings.get("version") != STATE_VERSION:
        raise StateError(
            f"{out_dir} was built by another version of talks build (state version "
            f"{settings.get('version')}, this one writes {STATE_VERSION}), whose records would "
            "not match the new ones: build it again without --incremental"
        )
    wanted = _settings(config)
    if settings != {**settings, **wanted}:
        raise StateError(
            f"{out_dir} was built with {settings}, this build asks for {wanted}; near-duplicate "
            "settings must match to add to a build: build again without --incremental"
        )
    file = pq.ParquetFile(articles)
    digests = np.concatenate(
        [np.zeros((0, 2), dtype=np.uint64)]
        + [
            content_digests(file.read_row_group(group, columns=["content_sha256"])[0].to_pylist())
            for group in range(file.num_row_groups)
        ]
    )
    expected = len(digests) * signature_bytes(config.num_perm)
    size = (out_dir / STATE_DIR / SIGNATURES).stat().st_size
    if size != expected:
        raise StateError(
            f"{out_dir}/{STATE_DIR}/{SIGNATURES} holds {size} bytes, {expected} expected for "
            f"{len(digests)} articles; build again without --incremental"
        )
    columns: dict[str, list] = {name: [] for name in EARLIER_FILES}
    try:
        for dump in read_report_accounts(out_dir / "report.json"):
            columns["path"].append(dump.path)
            columns["dump_id"].append(dump.dump_id)
            columns["n_bytes"].append(dump.n_bytes)
    except ValueError as exc:
        raise StateError(f"{exc}; build again without --incremental") from exc
    return PreviousBuild(out_dir, pl.DataFrame(columns, schema=EARLIER_FILES), digests)


def write_state(out_dir: Path, signatures: Path, config: DedupeConfig, n_articles: int) -> None:
    """Move the build's signature file into out_dir/state and record its settings."""
    folder = out_dir / STATE_DIR
    folder.mkdir(exist_ok=True)
    if signatures.stat().st_size != n_articles * signature_bytes(config.num_perm):
        raise StateError(f"signature file {signatures} does not match {n_articles} articles")
    os.replace(signatures, folder / SIGNATURES)
    (folder / STATE_FILE).write_text(
        json.dumps(_settings(config), indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
