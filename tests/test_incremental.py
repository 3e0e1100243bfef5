"""Incremental builds: adding dumps splits only the new ones, and keeps earlier article ids,
near-duplicate clusters, canonical members and split assignments as they were."""

from __future__ import annotations

import json
import shutil

import polars as pl
import pytest
from istanbul_talks.dataset import build as build_module
from istanbul_talks.dataset.build import OUTPUTS, build
from istanbul_talks.dataset.dedupe import DedupeConfig
from istanbul_talks.dataset.publish import assign_splits
from istanbul_talks.dataset.read import shipped_raw_dir
from istanbul_talks.dataset.state import StateError

SEEDS = sorted(shipped_raw_dir().glob("*.txt"))
SPAIN_CLUSTER = "000_4455599c2c30be15-01"  # the seeds' one near-duplicate pair lives in dump 000


def _raw(tmp_path, seeds, name="raw"):
    raw = tmp_path / name
    raw.mkdir(exist_ok=True)
    for seed in seeds:
        shutil.copy(seed, raw / seed.name)
    return raw


@pytest.fixture
def read_log(monkeypatch):
    """The dumps each build reads (small builds split in-process, so the patch applies)."""
    seen: list[str] = []
    real = build_module.read_dump

    def logged(path, raw_dir):
        seen.append(path.name)
        return real(path, raw_dir)

    monkeypatch.setattr(build_module, "read_dump", logged)
    return seen


def test_adding_dumps_reads_only_them_and_equals_a_full_build(tmp_path, read_log):
    raw = _raw(tmp_path, SEEDS[:3])
    first = build(raw, tmp_path / "out")
    assert first.report["totals"]["files_built"] == 3
    _raw(tmp_path, SEEDS[3:])
    read_log.clear()
    added = build(raw, tmp_path / "out", incremental=True)
    assert read_log == [s.name for s in SEEDS[3:]]  # the three earlier dumps were not read again
    full = build(raw, tmp_path / "full")
    assert added.report["totals"]["articles_kept"] == 15
    # New dumps sort after the earlier ones here, so the result is the full build's, byte for byte.
    for name in OUTPUTS:
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "full" / name).read_bytes()
    assert added.report == full.report


def test_earlier_ids_clusters_and_canonical_members_stay_when_new_dumps_sort_first(tmp_path):
    raw = _raw(tmp_path, SEEDS)
    before = build(raw, tmp_path / "out").articles
    # A new dump that sorts before every earlier one and repeats dump 000's articles exactly.
    shutil.copy(SEEDS[0], raw / "0000_copy.txt")
    after = build(raw, tmp_path / "out", incremental=True)
    kept = ["article_id", "near_dup_cluster", "is_canonical", "body"]
    assert after.articles.head(before.height).select(kept).equals(before.select(kept))
    new = after.articles.slice(before.height)
    assert new["article_id"].to_list() == [f"0000_copy-{i:02d}" for i in range(4)]
    # Each copy joins the cluster of the article it repeats; no copy displaces a canonical one.
    assert new["near_dup_cluster"].to_list() == [
        "000_4455599c2c30be15-00",
        SPAIN_CLUSTER,
        "000_4455599c2c30be15-02",
        SPAIN_CLUSTER,
    ]
    assert not new["is_canonical"].any()
    # A build from scratch names those clusters after the copies, which now come first.
    full = build(raw, tmp_path / "full").articles
    assert (
        full.filter(pl.col("article_id") == "000_4455599c2c30be15-03")["near_dup_cluster"].item()
        == "0000_copy-01"
    )


def test_split_assignments_of_earlier_articles_survive_an_incremental_build(tmp_path):
    raw = _raw(tmp_path, SEEDS[:3])
    first = build(raw, tmp_path / "out").articles.filter("is_canonical")
    stance = {a: "neutral" for a in first["article_id"]}
    splits = assign_splits(first, stance)
    _raw(tmp_path, SEEDS[3:])
    shutil.copy(SEEDS[1], raw / "0000_copy.txt")  # sorts first, duplicates an earlier dump
    second = build(raw, tmp_path / "out", incremental=True).articles.filter("is_canonical")
    assert set(first["article_id"]) <= set(second["article_id"])
    again = assign_splits(second, stance, splits)
    assert {a: again[a] for a in splits} == splits
    assert len(again) == second.height


def test_files_already_built_or_skipped_are_not_counted_twice(tmp_path):
    raw = _raw(tmp_path, SEEDS[:2])
    (raw / "notes.md").write_text("not a dump")
    (raw / "empty.txt").write_bytes(b"")
    first = build(raw, tmp_path / "out").report["totals"]
    _raw(tmp_path, SEEDS[2:3])
    second = build(raw, tmp_path / "out", incremental=True).report
    totals = second["totals"]
    assert totals["files"] == first["files"] + 1
    assert totals["files_skipped"] == first["files_skipped"] == 1
    assert totals["files_quarantined"] == first["files_quarantined"] == 1
    assert totals["quarantine_rows"] == first["quarantine_rows"] + _rows_of(tmp_path, SEEDS[2])
    assert sorted(d["path"] for d in second["dumps"]) == sorted(
        ["notes.md", "empty.txt", *(s.name for s in SEEDS[:3])]
    )


def _rows_of(tmp_path, seed):
    one = build(_raw(tmp_path, [seed], name="single"), tmp_path / "single-out")
    return one.report["totals"]["quarantine_rows"]


def test_a_dump_changed_since_the_earlier_build_is_reported_not_reread(tmp_path, read_log):
    raw = _raw(tmp_path, SEEDS[:2])
    build(raw, tmp_path / "out")
    (raw / SEEDS[0].name).write_text(SEEDS[0].read_text() + "\nA new paragraph.\n")
    read_log.clear()
    result = build(raw, tmp_path / "out", incremental=True)
    assert read_log == []
    assert any(SEEDS[0].name in w and "changed" in w for w in result.report["warnings"])


def test_an_incremental_build_needs_the_same_settings_and_its_state(tmp_path):
    raw = _raw(tmp_path, SEEDS[:2])
    build(raw, tmp_path / "out")
    with pytest.raises(StateError, match="near-duplicate settings must match"):
        build(raw, tmp_path / "out", config=DedupeConfig(threshold=0.8), incremental=True)
    state = tmp_path / "out" / "state" / "build.json"
    settings = state.read_text()
    state.write_text(settings.replace('"version": 5', '"version": 4'))
    with pytest.raises(StateError, match=r"another version of talks build \(state version 4, "):
        build(raw, tmp_path / "out", incremental=True)
    state.write_text(settings)
    (tmp_path / "out" / "state" / "signatures.u32").write_bytes(b"\0" * 12)
    with pytest.raises(StateError, match=r"signatures\.u32 holds 12 bytes"):
        build(raw, tmp_path / "out", incremental=True)
    shutil.rmtree(tmp_path / "out" / "state")
    with pytest.raises(StateError, match="build it again without --incremental"):
        build(raw, tmp_path / "out", incremental=True)
    (tmp_path / "out" / "articles.parquet").unlink()  # as a Ray build leaves the folder
    with pytest.raises(StateError, match=r"holds a build without articles\.parquet"):
        build(raw, tmp_path / "out", incremental=True)


def test_an_earlier_report_not_laid_out_as_the_build_wrote_it_is_a_clear_error(tmp_path):
    """The earlier report's per-dump entries are read a line at a time: a line that is not one
    is named, and so is a report laid out anew."""
    raw = _raw(tmp_path, SEEDS[:2])
    build(raw, tmp_path / "out")
    report = tmp_path / "out" / "report.json"
    original = report.read_text()
    lines = original.split("\n")
    opening = lines.index('  "dumps": [')
    lines[opening + 2] = lines[opening + 2][:40]  # the second entry, cut short
    report.write_text("\n".join(lines))
    with pytest.raises(StateError, match=rf"report\.json: line {opening + 3} is not a per-dump"):
        build(raw, tmp_path / "out", incremental=True)
    report.write_text(json.dumps(json.loads(original), indent=4))
    with pytest.raises(StateError, match=r"report\.json: no per-dump entries"):
        build(raw, tmp_path / "out", incremental=True)
    report.write_text("\n".join(original.split("\n")[: opening + 2]))  # ends after one entry
    with pytest.raises(StateError, match=r"report\.json: the per-dump entries are cut short"):
        build(raw, tmp_path / "out", incremental=True)
    report.write_text(original)
    assert build(raw, tmp_path / "out", incremental=True).report == json.loads(original)


def test_incremental_on_an_empty_folder_is_a_full_build(tmp_path):
    raw = _raw(tmp_path, SEEDS[:2])
    build(raw, tmp_path / "a", incremental=True)
    build(raw, tmp_path / "b")
    for name in OUTPUTS:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    state = json.loads((tmp_path / "a" / "state" / "build.json").read_text())
    assert state["minhash_permutations"] == 128
