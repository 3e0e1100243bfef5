"""`talks build --engine ray` on a real local Ray cluster of two nodes (one CPU each): its
articles, clusters, canonical members, quarantine and report equal the local build's."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
import ray  # the test extra installs istanbul-talks[distributed]
from istanbul_talks.dataset.build import build, read_table
from istanbul_talks.dataset.cli import app
from istanbul_talks.dataset.dedupe import DedupeConfig
from istanbul_talks.dataset.distributed import _band_rows, build_on_ray
from istanbul_talks.dataset.read import shipped_raw_dir
from ray import cluster_utils
from typer.testing import CliRunner

from .conftest import load_benchmark_module


@pytest.fixture(scope="module")
def cluster():
    """A head node and one worker node, one CPU each, on 127.0.0.1; stopped afterwards."""
    local = cluster_utils.Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 1, "include_dashboard": False, "object_store_memory": 2**28},
    )
    local.add_node(num_cpus=1, object_store_memory=2**28)
    local.wait_for_nodes()
    yield local
    ray.shutdown()
    local.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The seeds, generated dumps with near-duplicates, and files that cannot be built."""
    raw = tmp_path_factory.mktemp("raw")
    for seed in shipped_raw_dir().glob("*.txt"):
        shutil.copy(seed, raw / seed.name)
    load_benchmark_module("dumpgen.py").generate(raw / "generated", 60, seed=5)
    (raw / "empty.txt").write_bytes(b"")
    (raw / "notes.md").write_text("not a dump")
    return raw


def _manifest(corpus, folder):
    """Crawl times for the seeds (their relative dates resolve) and one generated dump, named
    by its relative path."""
    generated = sorted((corpus / "generated").glob("*.txt"))[0].relative_to(corpus).as_posix()
    names = [seed.name for seed in sorted(shipped_raw_dir().glob("*.txt"))] + [generated]
    path = folder / "manifest.csv"
    path.write_text(
        "file,url,crawled_at,site\n"
        + "".join(
            f"{n},https://example.org/{n},2025-06-0{i + 1}T09:00:00Z,x\n"
            for i, n in enumerate(names)
        )
    )
    return path


def test_ray_build_equals_the_local_build(cluster, corpus, tmp_path):
    manifest = _manifest(corpus, tmp_path)
    local = build(corpus, tmp_path / "local", manifest)
    assert local.articles["url"].drop_nulls().len() == 6  # each listed dump's main article
    result = CliRunner().invoke(
        app,
        [
            "build",
            "--engine",
            "ray",
            "--address",
            cluster.address,
            "--raw",
            str(corpus),
            "--manifest",
            str(manifest),
            "--out",
            str(tmp_path / "ray"),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    assert ray.cluster_resources()["CPU"] == 2  # the two-node cluster
    articles = read_table(tmp_path / "ray", "articles")
    assert (tmp_path / "ray" / "articles").is_dir()
    assert articles.height == local.articles.height > 150
    assert articles.select(local.articles.columns).equals(local.articles)
    clusters = local.report["totals"]["near_dup_clusters_with_several_members"]
    assert clusters > 0
    dumps = read_table(tmp_path / "ray", "dumps")
    assert dumps.equals(local.dumps)
    assert pl.read_parquet(tmp_path / "ray" / "quarantine.parquet").equals(local.quarantine)
    report = json.loads((tmp_path / "ray" / "report.json").read_text())
    assert report == local.report
    assert report["totals"]["files_skipped"] == 1 and report["totals"]["files_quarantined"] == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--engine", "ray", "--incremental"], "--incremental runs on the local engine only"),
        (["--engine", "ray", "--workers", "2"], "--workers runs on the local engine only"),
        (["--address", "10.0.0.5:6379"], "--address names a Ray cluster: add --engine ray"),
    ],
)
def test_options_of_the_other_engine_are_usage_errors(corpus, tmp_path, options, message):
    """--address without --engine ray used to build here, silently, not on the cluster."""
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["build", *options, "--raw", str(corpus), "--out", str(out)])
    assert (result.exit_code, out.exists()) == (2, False)
    assert message in result.output


def test_a_ray_build_refuses_an_out_folder_whose_dumps_folder_is_the_users(tmp_path):
    """It would have to replace data/dumps/ by its table's parts: it used to delete the
    folder, raw pages and all."""
    pages = tmp_path / "data" / "dumps"
    pages.mkdir(parents=True)
    (pages / "page.txt").write_text("a raw page")
    result = CliRunner().invoke(
        app, ["build", "--engine", "ray", "--raw", str(pages), "--out", str(pages.parent)]
    )
    assert result.exit_code == 2
    assert f"{pages} holds files that are not this command's outputs (page.txt)" in " ".join(
        result.output.split()
    )
    assert (pages / "page.txt").read_text() == "a raw page"


def test_an_unreachable_cluster_is_a_clear_error_not_a_hang(corpus, tmp_path):
    talks = os.path.join(os.path.dirname(sys.executable), "talks")
    address = ["--engine", "ray", "--address", "127.0.0.1:1"]
    done = subprocess.run(
        [talks, "build", *address, "--raw", str(corpus), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "cannot reach the Ray cluster at '127.0.0.1:1'" in " ".join(done.stderr.split())
    assert not (tmp_path / "out" / "articles").exists()


def test_a_build_replaces_the_other_engines_build_in_the_same_folder(cluster, tmp_path):
    """The engines write the big tables differently (one file, or a folder of parts). A Ray
    build over a local one used to leave the local articles.parquet, which `read_table` reads
    first, and the local state, which an incremental build would trust."""
    raw = tmp_path / "raw"
    raw.mkdir()
    seeds = sorted(shipped_raw_dir().glob("*.txt"))
    shutil.copy(seeds[0], raw / seeds[0].name)
    out = tmp_path / "out"
    build(shipped_raw_dir(), out)
    build_on_ray(raw, out, address=cluster.address)
    assert sorted(p.name for p in out.iterdir()) == [
        "articles",
        "dumps",
        "quarantine.parquet",
        "report.json",
        "report.md",
    ]
    assert read_table(out, "articles")["dump_id"].unique().to_list() == [seeds[0].stem]
    build(shipped_raw_dir(), out)
    assert not (out / "articles").exists() and not (out / "dumps").exists()
    assert read_table(out, "articles").height == 15


def test_a_ray_build_of_pages_without_articles_fails_like_a_local_one(cluster, tmp_path):
    """It used to crash in the near-duplicate shuffle (no band_key column in no rows)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "page.txt").write_text("Home | News | Contact\n")
    address = ["--engine", "ray", "--address", cluster.address, "--no-progress"]
    result = CliRunner().invoke(
        app, ["build", *address, "--raw", str(raw), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 1, result.output
    assert "0 articles" in result.output and "no article could be built" in result.output


def test_band_rows_of_a_batch_of_exact_duplicates_only():
    """Every article of the batch is an exact duplicate of an earlier one: no band rows. The
    signatures used to be reshaped to (0, -1), which numpy refuses."""
    signature = np.arange(DedupeConfig().num_perm, dtype=np.uint32).tobytes()
    batch = pa.table({"key": np.array([5, 9]), "signature": pa.array([signature] * 2)})
    rows = _band_rows(batch, asdict(DedupeConfig()), np.array([5, 9]))
    assert rows.num_rows == 0 and rows.column_names == ["band_key", "key", "signature"]
    kept = _band_rows(batch, asdict(DedupeConfig()), np.array([9]))
    assert kept["key"].to_pylist() == [5] * (kept.num_rows) and kept.num_rows > 0


def test_ray_data_s_trace_of_a_full_disk_is_kept_off_the_console(tmp_path):
    """Ray Data logs a failed write's whole trace as a Ray bug to report before it raises; on
    a full disk the build's one-line message follows (checked on a 80 KB tmpfs). Its console
    handler drops such records within the build and passes every other error."""
    import logging

    import ray.data  # noqa: F401  (configures Ray Data's logging)
    from istanbul_talks.dataset.distributed import (
        _full_disk_traces_off_the_console,
        ray_data_consoles,
    )

    def record(failure: Exception) -> logging.LogRecord:
        return logging.getLogger("ray.data.exceptions").makeRecord(
            "ray.data.exceptions",
            logging.ERROR,
            __file__,
            1,
            "Full stack trace:",
            (),
            (type(failure), failure, None),
        )

    full = OSError("Error writing bytes to file. Detail: [errno 28] No space left on device")
    other = ValueError("a column is missing")
    consoles = ray_data_consoles()
    assert consoles, "Ray Data has no console handler: its logging changed"
    with _full_disk_traces_off_the_console(tmp_path):
        assert [h.filter(record(full)) for h in consoles] == [False] * len(consoles)
        assert all(h.filter(record(other)) for h in consoles)
    assert all(h.filter(record(full)) for h in consoles)  # only within the build
