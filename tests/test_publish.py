"""The Hugging Face release: what `load_dataset` reads back, leak-free stable splits, the card,
and the committed release rebuilt byte for byte."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
import yaml
from datasets import load_dataset
from istanbul_talks.annotation.schema import load_schema
from istanbul_talks.dataset.publish import (
    RELEASE_NAMES,
    PublishError,
    assign_splits,
    hf_features,
    publish,
    push_to_hub,
)

from tests.conftest import files_and_bytes, talks_with_files_limited_to

COMMITTED = Path(__file__).parents[1] / "dataset" / "release"
CONFIGS = ("labeled", "articles", "annotations")


@pytest.fixture(scope="module")
def release(seed_build, tmp_path_factory):
    _, build_dir = seed_build
    return publish(build_dir, tmp_path_factory.mktemp("release") / "release")


def _load(folder: Path, config: str, tmp_path: Path):
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    os.environ["HF_HUB_OFFLINE"] = "1"
    # A fresh cache: an old cache of the same folder can serve stale rows.
    return load_dataset(str(folder), config, cache_dir=str(tmp_path / f"cache-{config}"))


def test_committed_release_is_rebuilt_byte_for_byte(release):
    built = sorted(
        p.relative_to(release.out_dir) for p in release.out_dir.rglob("*") if p.is_file()
    )
    committed = sorted(p.relative_to(COMMITTED) for p in COMMITTED.rglob("*") if p.is_file())
    assert built == committed
    for name in built:
        assert (release.out_dir / name).read_bytes() == (COMMITTED / name).read_bytes(), name


@pytest.mark.parametrize("config", CONFIGS)
def test_load_dataset_returns_declared_features_and_counts(release, config, tmp_path):
    loaded = _load(release.out_dir, config, tmp_path)
    assert {split: ds.num_rows for split, ds in loaded.items()} == release.configs[config]
    for ds in loaded.values():
        assert ds.features == hf_features(config)


def test_default_config_is_labeled_and_every_label_decodes(release, tmp_path):
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    loaded = load_dataset(str(release.out_dir), cache_dir=str(tmp_path / "cache"))
    assert set(loaded) == {"train", "validation", "test"}
    schema = load_schema()
    stance = loaded["train"].features["stance"]
    event_type = loaded["train"].features["events"].feature["type"]
    for ds in loaded.values():
        for row in ds:
            assert stance.int2str(row["stance"]) in schema.task("stance").label_names
            assert all(0 <= t < len(schema.task("topics").labels) for t in row["topics"])
            for event in row["events"]:
                assert row["body"][event["start"] : event["end"]] == event["text"]
                assert event_type.int2str(event["type"]) in schema.task("events").label_names
    assert sum(ds.num_rows for ds in loaded.values()) == 14


def test_splits_do_not_leak_articles_or_clusters(release, tmp_path):
    loaded = _load(release.out_dir, "labeled", tmp_path)
    seen: dict[str, str] = {}
    clusters: dict[str, str] = {}
    for split, ds in loaded.items():
        for article_id, cluster in zip(ds["article_id"], ds["near_dup_cluster"], strict=True):
            assert seen.setdefault(article_id, split) == split
            assert clusters.setdefault(cluster, split) == split


def test_card_yaml_parses_and_matches_the_data(release):
    text = (release.out_dir / "README.md").read_text(encoding="utf-8")
    header = yaml.safe_load(text.split("---\n")[1])
    configs = {c["config_name"]: c for c in header["configs"]}
    assert set(configs) == set(CONFIGS) and configs["labeled"]["default"] is True
    for name, config in configs.items():
        for entry in config["data_files"]:
            assert (release.out_dir / entry["path"]).exists()
        assert [e["split"] for e in config["data_files"]] == list(release.configs[name])
    declared = {
        i["config_name"]: [f["name"] for f in i["features"]] for i in header["dataset_info"]
    }
    assert declared == {c: list(hf_features(c)) for c in CONFIGS}
    assert header["license"] == "other" and header["language"] == ["en"]
    for section in (
        "## Motivation",
        "## Processing",
        "## Label schema",
        "## Annotation",
        "## Splits",
        "## Known limitations",
        "## License",
        "## Citation",
    ):
        assert section in text
    assert "reference labels made by the maintainers, not crowd or expert labels" in text
    assert "crowd-sourced" not in text


def test_splits_are_stable_when_articles_are_added():
    def frame(ids: list[str]) -> pl.DataFrame:
        return pl.DataFrame(
            {"article_id": ids, "dump_id": [i.split("-")[0] for i in ids], "near_dup_cluster": ids}
        )

    first_ids = [f"d{i:03d}-00" for i in range(40)]
    stance = {a: ("neutral" if i % 2 else "pessimistic") for i, a in enumerate(first_ids)}
    first = assign_splits(frame(first_ids), stance)
    more_ids = first_ids + [f"e{i:03d}-00" for i in range(40)]
    stance |= {a: "optimistic" for a in more_ids[40:]}
    second = assign_splits(frame(more_ids), stance, previous=first)
    assert {a: second[a] for a in first_ids} == first
    counts = pl.DataFrame({"split": list(second.values())})["split"].value_counts()
    assert set(counts["split"]) == {"train", "validation", "test"}
    # stratified: each stance is in every split
    for label in ("neutral", "pessimistic", "optimistic"):
        assert {second[a] for a in more_ids if stance[a] == label} == {
            "train",
            "validation",
            "test",
        }


def test_a_cluster_spanning_articles_stays_in_one_split():
    articles = pl.DataFrame(
        {
            "article_id": ["a-00", "b-00", "c-00"],
            "dump_id": ["a", "b", "c"],
            "near_dup_cluster": ["a-00", "a-00", "c-00"],
        }
    )
    splits = assign_splits(articles, {"a-00": "neutral", "b-00": "neutral", "c-00": "neutral"})
    assert splits["a-00"] == splits["b-00"]


def test_a_folder_without_a_build_is_refused(tmp_path):
    with pytest.raises(PublishError, match=r"articles.parquet not found: run `talks build"):
        publish(tmp_path, tmp_path / "release")
    assert not (tmp_path / "release").exists()


def test_a_release_that_does_not_fit_on_the_disk_leaves_the_earlier_one_whole(seed_build, tmp_path):
    """The release is written beside the old one and moved into place: a disk that fills up on
    the way used to leave the old parquet files deleted and the new ones half written, which
    load_dataset would read. Now: a clear error, exit 2, the earlier release as it was."""
    _, build_dir = seed_build
    release_dir = tmp_path / "release"
    publish(build_dir, release_dir)
    before = files_and_bytes(release_dir)
    done = talks_with_files_limited_to(
        1000, "publish", "--build", str(build_dir), "--out", str(release_dir)
    )
    assert done.returncode == 2, done.stderr
    assert f"release folder {release_dir}: no room for the outputs (File too large" in done.stderr
    assert "Traceback" not in done.stderr
    assert files_and_bytes(release_dir) == before
    assert sorted(p.name for p in release_dir.iterdir()) == sorted(RELEASE_NAMES)


def test_a_build_whose_release_does_not_fit_says_the_build_is_in_place(tmp_path, monkeypatch):
    """`talks build` of the shipped dumps also writes the release: when only the build fits,
    the message says the build is there and the release is not, and the exit code is 2. (The
    build and the release need files of nearly one size: the disk fills up here by hand.)"""
    from istanbul_talks.dataset import publish as publish_module
    from istanbul_talks.dataset.cli import app
    from typer.testing import CliRunner

    def disk_full(*_: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(publish_module, "_write_parquet", disk_full)
    out = tmp_path / "out"
    taken = CliRunner().invoke(app, ["build", "--out", str(out), "--no-progress"])
    assert taken.exit_code == 2, taken.output
    assert (
        f"the build is in {out}/, but its release was not written: release folder {out}/release: "
        "no room for the outputs (No space left on device) after 0 KB of them were written"
    ) in taken.output
    assert (out / "articles.parquet").is_file() and not (out / "release").exists()


def test_labels_of_another_build_are_refused(seed_build, tmp_path):
    _, build_dir = seed_build
    articles = pl.read_parquet(build_dir / "articles.parquet")
    other = tmp_path / "build"
    other.mkdir()
    articles.filter(~pl.col("article_id").str.starts_with("003")).write_parquet(
        other / "articles.parquet"
    )
    (other / "report.json").write_text((build_dir / "report.json").read_text())
    with pytest.raises(PublishError, match="does not have as canonical"):
        publish(other, tmp_path / "release")


def test_push_to_hub_needs_a_token_before_any_work(seed_build, tmp_path, monkeypatch):
    _, build_dir = seed_build
    monkeypatch.delenv("HF_TOKEN", raising=False)
    talks = os.path.join(os.path.dirname(sys.executable), "talks")
    out = tmp_path / "release"
    env = {k: v for k, v in os.environ.items() if k != "HF_TOKEN"}
    done = subprocess.run(
        [talks, "publish", "--build", str(build_dir), "--out", str(out), "--push-to-hub", "me/x"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 1 and "HF_TOKEN is not set" in done.stderr
    assert not out.exists()
    with pytest.raises(PublishError, match="HF_TOKEN"):
        push_to_hub(COMMITTED, "me/x")


def test_dry_run_lists_what_would_be_uploaded(release):
    files = push_to_hub(COMMITTED, "me/x", dry_run=True)
    assert "README.md" in files and "labeled/train.parquet" in files
    # A publish's work folder in the release (one a killed publish left) is not uploaded.
    left = release.out_dir / ".build-killed" / "labeled"
    left.mkdir(parents=True)
    (left / "train.parquet").write_bytes(b"half written")
    try:
        assert push_to_hub(release.out_dir, "me/x", dry_run=True) == files
    finally:
        shutil.rmtree(release.out_dir / ".build-killed")
