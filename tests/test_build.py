"""The whole build: outputs, report accounting, determinism, bad input, the CLI."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import unicodedata
from pathlib import Path

import istanbul_talks.dataset
import numpy as np
import polars as pl
import pytest
from istanbul_talks.dataset.build import OUTPUTS, build, plan_inputs
from istanbul_talks.dataset.cli import app
from istanbul_talks.dataset.read import shipped_raw_dir
from istanbul_talks.dataset.report import CATEGORIES
from istanbul_talks.dataset.state import EARLIER_FILES, PreviousBuild
from typer.testing import CliRunner

from tests.conftest import (
    files_and_bytes,
    load_benchmark_module,
    read_as_windows_1252,
    talks_with_files_limited_to,
)

SPAIN = {"000_4455599c2c30be15-01", "000_4455599c2c30be15-03"}


def test_seed_build_writes_the_tables_and_report(seed_build):
    _, out = seed_build
    # no work files left
    assert sorted(p.name for p in out.iterdir()) == sorted({o.split("/")[0] for o in OUTPUTS})
    articles = pl.read_parquet(out / "articles.parquet")
    assert articles.height == 15
    assert articles["article_id"].is_unique().all()
    assert articles.group_by("dump_id").len().sort("dump_id")["len"].to_list() == [4, 4, 2, 1, 4]
    assert (
        articles.filter(pl.col("role") == "main").height,
        articles["language"].unique().to_list(),
    ) == (5, ["en"])
    assert articles.schema["published_at"] == pl.Datetime("us", "UTC")


def test_spans_index_the_dumps_table(seed_build):
    result, _ = seed_build
    texts = dict(result.dumps.select("dump_id", "text").iter_rows())
    for row in result.articles.iter_rows(named=True):
        text = texts[row["dump_id"]]
        assert text[row["title_start"] : row["title_end"]] == row["title"]
        assert "\n\n".join(text[s["start"] : s["end"]] for s in row["body_spans"]) == row["body"]


def test_spain_stories_are_one_near_duplicate_cluster(seed_build):
    result, _ = seed_build
    clusters = result.articles.group_by("near_dup_cluster").agg(pl.col("article_id"))
    groups = [set(ids) for ids in clusters["article_id"].to_list()]
    assert SPAIN in groups
    assert sum(len(g) > 1 for g in groups) == 1  # different stories about the talks stay apart
    spain = result.articles.filter(pl.col("article_id").is_in(list(SPAIN)))
    assert spain["is_canonical"].sum() == 1
    assert result.articles["is_canonical"].sum() == 14


def test_report_adds_up_to_the_input(seed_build):
    result, out = seed_build
    report = json.loads((out / "report.json").read_text())
    totals = report["totals"]
    assert totals["chars"] == sum(len(t) for t in result.dumps["text"]) + sum(
        dump["chars_by_category"]["unseen"] for dump in report["dumps"]
    )
    assert sum(totals["chars_by_category"].values()) == totals["chars"]
    for dump in report["dumps"]:
        assert sum(dump["chars_by_category"][c] for c in CATEGORIES) == dump["chars"]
        assert (
            sum(dump["boilerplate_chars_by_rule"].values())
            == dump["chars_by_category"]["boilerplate"]
        )
    assert totals["chars_by_category"]["article"] == sum(
        len(r["title"]) + sum(s["end"] - s["start"] for s in r["body_spans"])
        for r in result.articles.iter_rows(named=True)
    )
    assert totals["articles_kept"] == 15
    assert report["near_duplicate_clusters"] == [
        {"cluster": "000_4455599c2c30be15-01", "members": sorted(SPAIN)}
    ]


def test_two_builds_are_byte_identical(tmp_path):
    build(shipped_raw_dir(), tmp_path / "a")
    build(shipped_raw_dir(), tmp_path / "b")
    for name in OUTPUTS:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def _bad_folder(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for seed in sorted(shipped_raw_dir().glob("*.txt"))[:2]:
        (raw / seed.name).write_bytes(seed.read_bytes())
    (raw / "empty.txt").write_bytes(b"")
    (raw / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (raw / "only_boilerplate.txt").write_text(
        "logo\nHome\nMenu\nComments\nNo comments yet...\nRelated Articles\nDOWNLOAD THE APP\n"
    )
    (raw / "undecodable.txt").write_bytes(
        bytes(random.Random(1).randrange(128, 256) for _ in range(3000))
    )
    seed = sorted(shipped_raw_dir().glob("*.txt"))[1].read_bytes()
    (raw / "broken_utf8.txt").write_bytes(seed[:5000] + b"\xff" + seed[5000:])
    (raw / "README.pdf").write_bytes(b"%PDF-1.4")
    (raw / "cp1252.txt").write_bytes(
        (
            sorted(shipped_raw_dir().glob("*.txt"))[3]
            .read_text(encoding="utf-8")
            .replace("“", '"')
            .replace("”", '"')
            .replace("—", "-")
            .replace("ç", "c")
            .replace("ğ", "g")
            .replace("ı", "i")
            .replace("Ç", "C")
        ).encode("cp1252", errors="replace")
    )
    return raw


def test_bad_inputs_are_quarantined_and_the_rest_builds(tmp_path):
    raw = _bad_folder(tmp_path)
    result = build(raw, tmp_path / "out")
    report = result.report
    status = {d["path"]: d["status"] for d in report["dumps"]}
    assert status["empty.txt"].startswith("quarantined") and "empty file" in status["empty.txt"]
    assert "binary file" in status["binary.txt"]
    assert (
        status["README.pdf"].startswith("skipped")
        and "unsupported file type .pdf" in status["README.pdf"]
    )
    assert status["only_boilerplate.txt"] == "built"
    assert status["cp1252.txt"] == "built"
    assert result.dumps.filter(pl.col("dump_id") == "cp1252")["encoding"].item() == "cp1252"
    quarantine = result.quarantine
    reasons = dict(quarantine.select("path", "reason").iter_rows())
    assert "empty.txt: empty file" in reasons["empty.txt"]
    assert "README.pdf" in reasons
    totals = report["totals"]
    assert totals["files"] == 9
    assert totals["files_built"] + totals["files_quarantined"] + totals["files_skipped"] == 9
    # 2 seeds (4 + 4 articles), the cp1252 copy of the fourth seed (1), the broken copy (4)
    assert result.articles.height == 13
    boiler = next(d for d in report["dumps"] if d["path"] == "only_boilerplate.txt")
    assert boiler["articles_found"] == 0
    assert boiler["chars_by_category"]["boilerplate"] > 0
    assert sum(boiler["chars_by_category"].values()) == boiler["chars"]
    # Files quarantined whole are counted in bytes: no empty table of characters by reason.
    markdown = (tmp_path / "out" / "report.md").read_text()
    assert "## Quarantine by reason\n\nNone.\n\nFiles quarantined whole are counted" in markdown


def test_undecodable_bytes_are_explained(tmp_path):
    raw = _bad_folder(tmp_path)
    result = build(raw, None)
    row = result.quarantine.filter(pl.col("path") == "undecodable.txt")
    assert row["stage"].to_list() == ["read"]
    assert row["reason"].item().startswith("undecodable.txt: undecodable bytes: ")
    broken = result.quarantine.filter(pl.col("path") == "broken_utf8.txt")
    assert broken["reason"].to_list() == ["undecodable bytes 5000-5001 (utf-8); replaced by U+FFFD"]
    dump = next(d for d in result.report["dumps"] if d["path"] == "broken_utf8.txt")
    assert dump["undecodable_bytes"] == 1
    assert dump["articles_kept"] == 4


def test_undecodable_bytes_of_an_html_page_are_explained_as_for_a_text_dump(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    lede = "Genève, İstanbul: the delegations met again on Monday for a second round. " * 8
    head = f"<html><head><meta charset='utf-8'></head><body><h1>Talks go on</h1><p>{lede}"
    (raw / "page.html").write_bytes(head.encode() + b"\xff and on.</p></body></html>")
    result = build(raw, None)
    start = len(head.encode())
    assert result.quarantine.select("stage", "reason").rows() == [
        ("read", f"undecodable bytes {start}-{start + 1} (html:utf-8); replaced by U+FFFD")
    ]
    (dump,) = result.report["dumps"]
    assert (dump["encoding"], dump["undecodable_bytes"]) == ("html:utf-8", 1)
    assert result.articles["body"].item() == f"{lede}\ufffd and on."


def test_characters_no_reader_sees_leave_a_text_dump_and_are_counted(tmp_path):
    """A BEL, an SOH and a soft hyphen a scrape left in a body are no article text: they are
    not in the body, the spans index the stored text without them, and the report counts them
    as unseen, so the dump's characters still add up."""
    raw = tmp_path / "raw"
    raw.mkdir()
    seed = (shipped_raw_dir() / "000_4455599c2c30be15.txt").read_text(encoding="utf-8")
    dirty = seed.replace("Ukrainian drone", "Ukrai\u00adnian\x07 drone\x01", 1)
    assert dirty != seed
    (raw / "dirty.txt").write_text(dirty, encoding="utf-8")
    result = build(raw, tmp_path / "out")
    (dump,) = result.report["dumps"]
    assert (dump["chars"], dump["chars_by_category"]["unseen"]) == (len(dirty), 3)
    assert sum(dump["chars_by_category"][c] for c in CATEGORIES) == dump["chars"]
    assert result.report["totals"]["chars_by_category"]["unseen"] == 3
    assert result.dumps["text"].item() == seed
    main = result.articles.filter(pl.col("role") == "main").row(0, named=True)
    assert "a Ukrainian drone attack destroyed" in main["body"]
    assert not any(char in main["body"] for char in "\u00ad\x07\x01")
    text = result.dumps["text"].item()
    assert "\n\n".join(text[s["start"] : s["end"]] for s in main["body_spans"]) == main["body"]
    markdown = (tmp_path / "out" / "report.md").read_text()
    assert "| unseen | 3 | 0.0% |" in markdown
    assert "| whitespace | unseen | articles kept |" in markdown


@pytest.mark.parametrize(
    ("seed_name", "spoil", "encoding"),
    [
        (
            "001_7bdaac10551f4784.txt",
            read_as_windows_1252,
            "utf-8, mojibake repaired (encode sloppy-windows-1252, decode utf-8)",
        ),
        (
            "003_c039cb3e7fe3091f.txt",
            lambda text: unicodedata.normalize("NFD", text),
            "utf-8, composed to NFC",
        ),
    ],
    ids=["mojibake", "decomposed"],
)
def test_a_seed_saved_spoilt_builds_the_seeds_articles(tmp_path, seed_name, spoil, encoding):
    """A dump that went through UTF-8 read as Windows-1252, or was saved with combining
    accents, gives the same records as the dump itself (the same content hashes too), and its
    report says what was repaired."""
    seed = shipped_raw_dir() / seed_name
    text = seed.read_text(encoding="utf-8")
    assert spoil(text) != text
    for name, content in (("clean", text), ("spoilt", spoil(text))):
        (tmp_path / name).mkdir()
        (tmp_path / name / seed.name).write_text(content, encoding="utf-8")
    columns = ["article_id", "title", "source", "published_raw", "body", "body_spans"]
    clean = build(tmp_path / "clean", None)
    repaired = build(tmp_path / "spoilt", None)
    assert repaired.articles.height == clean.articles.height > 0
    assert repaired.articles.select(*columns, "content_sha256").equals(
        clean.articles.select(*columns, "content_sha256")
    )
    (dump,) = repaired.report["dumps"]
    assert dump["encoding"] == encoding


def test_short_teaser_is_quarantined_by_the_article_contract(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    seed = (shipped_raw_dir() / "000_4455599c2c30be15.txt").read_text(encoding="utf-8")
    teaser = (
        "\n\nArab News\n5 hours ago\n- Arab News\nShort teaser headline here\n"
        "Only a few words of text here.\n"
    )
    (raw / "teaser.txt").write_text(seed + teaser, encoding="utf-8")
    result = build(raw, None)
    assert result.articles.height == 4
    row = result.quarantine.filter(pl.col("stage") == "validate")
    assert row.height == 1
    assert "n_words greater_than_or_equal_to(15)" in row["reason"].item()
    assert row["snippet"].item() == "Only a few words of text here."
    dump = result.report["dumps"][0]
    assert dump["quarantined_chars_by_reason"]["article failed validation"] > 0
    assert sum(dump["chars_by_category"].values()) == dump["chars"]


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_large_dump_builds(tmp_path, encoding):
    """50 MB in one dump, also in a legacy code page (finding its bad UTF-8 bytes was once
    quadratic: a 5 MB cp1252 file took four minutes to read)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    seeds = "".join(p.read_text(encoding="utf-8") for p in sorted(shipped_raw_dir().glob("*.txt")))
    seeds = seeds.encode(encoding, errors="replace").decode(encoding)  # what cp1252 can hold
    big = (seeds * (50_000_000 // len(seeds) + 1))[:50_000_000]
    (raw / "big.txt").write_bytes(big.encode(encoding))
    result = build(raw, None)
    (dump,) = result.report["dumps"]
    assert (dump["status"], dump["encoding"]) == ("built", encoding)
    assert dump["chars"] == 50_000_000
    assert sum(dump["chars_by_category"].values()) == 50_000_000
    assert result.articles.height > 10_000


def test_manifest_resolves_relative_dates(tmp_path):
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "file,url,crawled_at,site\n"
        "001_7bdaac10551f4784.txt,https://example.org/a,2025-06-05T12:00:00Z,Daily8\n"
        "missing.txt,,2025-06-05T12:00:00Z,\n"
    )
    result = build(shipped_raw_dir(), None, manifest)
    main = result.articles.filter(pl.col("article_id") == "001_7bdaac10551f4784-00").row(
        0, named=True
    )
    assert main["published_raw"] == "4 days ago"
    assert main["published_at"].isoformat() == "2025-06-01T12:00:00+00:00"
    assert main["url"] == "https://example.org/a"
    related = result.articles.filter(pl.col("article_id") == "001_7bdaac10551f4784-01").row(
        0, named=True
    )
    assert related["published_at"].isoformat() == "2025-06-05T09:00:00+00:00"
    other = result.articles.filter(pl.col("article_id") == "004_8b2b5749c31e2c30-00").row(
        0, named=True
    )
    assert other["published_at"] is None and other["published_raw"] == "2 days ago"
    assert result.report["warnings"] == [
        "manifest names 'missing.txt', which is not among the dumps"
    ]


def test_manifest_files_written_with_dot_slash_backslashes_or_another_root_name_the_dumps(
    tmp_path,
):
    """`find . -name '*.txt'` writes "./sub/page.txt", a Windows tool "crawl\\page.txt", and a
    crawler its own absolute paths: each names its dump, by path or else by file name."""
    raw = tmp_path / "raw"
    (raw / "sub").mkdir(parents=True)
    seeds = {p.name: p for p in shipped_raw_dir().glob("*.txt")}
    for name, folder in (("001_7bdaac10551f4784.txt", "sub"), ("004_8b2b5749c31e2c30.txt", ".")):
        (raw / folder / name).write_bytes(seeds[name].read_bytes())
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "file,url,crawled_at,site\n"
        "./sub/001_7bdaac10551f4784.txt,https://example.org/a,2025-06-05T12:00:00Z,\n"
        "D:\\crawl\\2025\\004_8b2b5749c31e2c30.txt,https://example.org/b,2025-06-05T12:00:00Z,\n"
    )
    result = build(raw, None, manifest)
    assert result.report["warnings"] == []
    mains = result.articles.filter(pl.col("role") == "main").sort("dump_id")
    assert mains.select("url", "published_raw").rows() == [
        ("https://example.org/a", "4 days ago"),
        ("https://example.org/b", "2 days ago"),
    ]
    assert [t.isoformat() for t in mains["published_at"]] == [
        "2025-06-01T12:00:00+00:00",
        "2025-06-03T12:00:00+00:00",
    ]


def test_a_manifest_naming_many_missing_files_is_summed_up_after_the_first_few(tmp_path):
    manifest = tmp_path / "manifest.csv"
    missing = [f"gone-{n:03d}.txt" for n in range(25)]
    manifest.write_text("file,url,crawled_at,site\n" + "".join(f"{m},,,\n" for m in missing))
    inputs = plan_inputs(shipped_raw_dir(), manifest)
    assert inputs.warnings == [
        *(f"manifest names {m!r}, which is not among the dumps" for m in missing[:20]),
        "manifest names 5 more files that are not among the dumps",
    ]


def test_cli_build_and_exit_codes(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(app, ["build", "--out", str(tmp_path / "out"), "--no-progress"])
    assert ok.exit_code == 0, ok.output
    assert "15 articles" in ok.output
    assert (tmp_path / "out" / "release" / "README.md").exists()
    other = runner.invoke(
        app, ["build", "--raw", str(_seeds(tmp_path / "two", 2)), "--out", str(tmp_path / "out")]
    )
    assert other.exit_code == 0, other.output
    assert "release/ is the release of an earlier build, not of this one" in " ".join(
        other.output.split()
    )
    missing = runner.invoke(
        app, ["build", "--raw", str(tmp_path / "nope"), "--out", str(tmp_path / "o2")]
    )
    assert missing.exit_code == 2
    assert "does not exist" in missing.output
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "a.txt").write_bytes(b"")
    nothing = runner.invoke(
        app, ["build", "--raw", str(empty), "--out", str(tmp_path / "o3"), "--no-progress"]
    )
    assert nothing.exit_code == 1
    assert "no article could be built" in nothing.output
    assert "quarantined: a.txt: empty file" in nothing.output
    assert (
        json.loads((tmp_path / "o3" / "report.json").read_text())["totals"]["files_quarantined"]
        == 1
    )
    bad = runner.invoke(
        app, ["build", "--near-dup-threshold", "1.5", "--out", str(tmp_path / "o4")]
    )
    assert bad.exit_code == 2 and "threshold" in bad.output
    (tmp_path / "o5").write_text("a file where the outputs would go")
    below_a_file = tmp_path / "o5" / "out"
    for extra in ([], ["--incremental"]):
        taken = runner.invoke(app, ["build", "--out", str(tmp_path / "o5"), *extra])
        assert taken.exit_code == 2 and "o5 is a file, not a folder" in taken.output, taken.output
        taken = runner.invoke(app, ["build", "--out", str(below_a_file), "--no-progress", *extra])
        assert taken.exit_code == 2, taken.output
        assert f"--out {below_a_file}: cannot write there: Not a directory" in taken.output


def test_an_out_folder_that_cannot_be_written_in_is_a_usage_error(tmp_path, monkeypatch):
    """A read-only --out that exists (a mounted snapshot): its work folder cannot be made. Root,
    as CI runs, writes through chmod, so the file system's refusal is recorded here."""
    from istanbul_talks.dataset import outputs

    def read_only(**_: object) -> str:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(outputs.tempfile, "mkdtemp", read_only)
    out = tmp_path / "snapshot"
    out.mkdir()
    taken = CliRunner().invoke(app, ["build", "--out", str(out), "--no-progress"])
    assert taken.exit_code == 2, taken.output
    assert f"--out {out}: cannot write there: Read-only file system" in taken.output
    assert list(out.iterdir()) == []


def test_a_disk_that_fills_up_is_a_clear_error_and_the_earlier_build_stays_whole(tmp_path):
    """The disk fills up while a build writes (polars, pyarrow or Python making the write): one
    message naming --out and the reason, exit 2, no traceback; the earlier build is untouched
    and no work folder is left. A first build into a new --out leaves no empty folder."""
    out = tmp_path / "out"
    build(shipped_raw_dir(), out)
    before = files_and_bytes(out)
    largest = max(len(data) for data in before.values())
    for folder in (out, tmp_path / "new"):
        done = talks_with_files_limited_to(largest // 2, "build", "--out", str(folder))
        assert done.returncode == 2, done.stderr
        assert f"--out {folder}: no room for the outputs (File too large" in done.stderr
        assert "what the folder held before is unchanged" in done.stderr
        assert "Traceback" not in done.stderr
    assert files_and_bytes(out) == before
    assert not (tmp_path / "new").exists()
    assert sorted(p.name for p in out.iterdir()) == sorted({o.split("/")[0] for o in OUTPUTS})


def test_out_of_room_is_read_from_any_writer_s_error(tmp_path):
    """polars and Ray report a full disk in their own exception types, the system's message
    in the text (messages as they were raised on a full tmpfs)."""
    from istanbul_talks.dataset.outputs import out_of_room
    from polars.exceptions import ComputeError

    polars_full = ComputeError(
        "parquet: File out of specification: underlying IO error: "
        "No space left on device (os error 28)"
    )
    assert out_of_room(polars_full) == "No space left on device"
    assert out_of_room(OSError(errno.EDQUOT, os.strerror(errno.EDQUOT))) == "Disk quota exceeded"
    try:
        try:
            raise OSError(errno.ENOSPC, "write failed")
        except OSError as exc:
            raise RuntimeError("worker failed") from exc
    except RuntimeError as chained:
        assert out_of_room(chained) == "No space left on device"
    assert out_of_room(OSError(errno.EACCES, os.strerror(errno.EACCES))) is None
    assert out_of_room(ValueError("no room in this sentence")) is None
    # A parquet footer that polars failed to write names no system error: it is put down to a
    # full disk only when the folder has no room left, and this one has.
    footer = ComputeError("parquet: File out of specification: Invalid thrift: transport error")
    assert out_of_room(footer) is None and out_of_room(footer, tmp_path) is None


@pytest.mark.parametrize("threshold", [0.5, 0.9])
def test_threshold_is_configurable(threshold):
    from istanbul_talks.dataset.dedupe import DedupeConfig

    result = build(shipped_raw_dir(), None, config=DedupeConfig(threshold=threshold))
    assert result.report["settings"]["near_duplicate_threshold"] == threshold
    several = result.report["totals"]["near_dup_clusters_with_several_members"]
    assert several == (1 if threshold == 0.5 else 0)


def test_parallel_build_equals_in_process_build(tmp_path):
    dumpgen = load_benchmark_module("dumpgen.py")
    raw = tmp_path / "raw"
    dumpgen.generate(raw, 80, seed=3)  # enough dumps for the build to start workers
    one = build(raw, tmp_path / "one", workers=1)
    two = build(raw, tmp_path / "two", workers=2)
    assert one.report["totals"]["articles_kept"] > 150
    assert one.report["totals"]["near_dup_clusters_with_several_members"] > 0
    for name in OUTPUTS:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    assert two.report == one.report


@pytest.mark.parametrize("guarded", [False, True])
def test_a_script_calling_build_is_not_run_again_by_the_workers(tmp_path, guarded):
    """Research code calls build() from a script, often with no `if __name__ == "__main__"`
    guard. Workers used to run the script again on starting: unguarded, each started a build of
    its own, which failed, and the pool restarted them for ever while the build waited."""
    raw = tmp_path / "raw"
    load_benchmark_module("dumpgen.py").generate(raw, 80, seed=3)
    call = f"build(Path({str(raw)!r}), Path({str(tmp_path / 'out')!r}), workers=2)"
    lines = [
        "from pathlib import Path",
        "from istanbul_talks.dataset.build import build",
        "print('top level ran', flush=True)",
        *(["if __name__ == '__main__':", f"    {call}"] if guarded else [call]),
    ]
    script = tmp_path / "research.py"
    script.write_text("\n".join(lines) + "\n")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "top level ran\n"  # once: in the script's own process only
    assert "RuntimeError" not in done.stderr
    assert json.loads((tmp_path / "out" / "report.json").read_text())["totals"]["files"] == 80


def test_output_bytes_do_not_depend_on_how_the_dumps_were_cut_into_chunks(tmp_path, monkeypatch):
    from istanbul_talks.dataset import build as build_module

    dumpgen = load_benchmark_module("dumpgen.py")
    raw = tmp_path / "raw"
    dumpgen.generate(raw, 240, seed=5)
    # Row groups that parts end inside, holding more text than a dictionary page (1 MB): where
    # the writer gives up on a dictionary depends on how its input is chunked.
    monkeypatch.setattr(build_module, "ROW_GROUP_ROWS", {"dumps": 120, "articles": 300})
    for name, size in (("sevens", 7), ("twenty-fives", 25)):
        monkeypatch.setattr(build_module, "CHUNK_DUMPS", (size, size))
        build(raw, tmp_path / name, workers=1)
    for name in OUTPUTS:
        assert (tmp_path / "sevens" / name).read_bytes() == (
            tmp_path / "twenty-fives" / name
        ).read_bytes(), name


@pytest.mark.parametrize(
    ("function", "stage", "failed"),
    [("read_dump", "read", "reader"), ("split_text", "split", "splitter")],
)
def test_a_reader_or_splitter_crash_costs_one_dump_not_the_build(
    tmp_path, monkeypatch, function, stage, failed
):
    """A bug in a parser or in the splitter (an AssertionError in htmldate once stopped every
    build holding one odd page) quarantines that dump, with the error, and the rest builds."""
    from istanbul_talks.dataset import build as build_module

    real = getattr(build_module, function)

    def fragile(first, *rest, **named):  # the dump's path, or its text
        if "003_c039" in str(first) or str(first).startswith(" date 2025-06-02"):
            raise RuntimeError("boom")
        return real(first, *rest, **named)

    monkeypatch.setattr(build_module, function, fragile)
    result = build(shipped_raw_dir(), tmp_path / "out", workers=1)
    assert result.articles.height == 14
    row = result.quarantine.filter(pl.col("stage") == stage)
    assert row["reason"].to_list() == [
        f"003_c039cb3e7fe3091f.txt: {failed} failed (RuntimeError: boom)"
    ]
    assert result.summary["totals"]["files_quarantined"] == 1


def test_a_link_loop_and_a_broken_link_are_skipped_and_the_rest_builds(tmp_path):
    raw = tmp_path / "raw"
    (raw / "sub").mkdir(parents=True)
    seed = (shipped_raw_dir() / "003_c039cb3e7fe3091f.txt").read_bytes()
    (raw / "sub" / "page.txt").write_bytes(seed)
    (raw / "sub" / "loop").symlink_to("..")
    (raw / "moved.txt").symlink_to("elsewhere/moved.txt")
    result = build(raw, tmp_path / "out")
    assert result.articles["dump_id"].to_list() == ["page"]
    status = {d["path"]: d["status"] for d in result.report["dumps"]}
    assert status == {
        "sub/page.txt": "built",
        "sub/loop": "skipped: a link back to the raw folder (a loop), not followed",
        "moved.txt": "skipped: broken link: elsewhere/moved.txt does not exist",
    }
    assert result.summary["totals"]["files_skipped"] == 2


def test_same_file_name_in_two_folders_quarantines_the_second(tmp_path):
    raw = tmp_path / "raw"
    (raw / "a").mkdir(parents=True)
    (raw / "b").mkdir()
    seed = (shipped_raw_dir() / "003_c039cb3e7fe3091f.txt").read_bytes()
    (raw / "a" / "page.txt").write_bytes(seed)
    (raw / "b" / "page.txt").write_bytes(seed)
    result = build(raw, tmp_path / "out")
    assert result.articles["dump_id"].to_list() == ["page"]
    assert result.quarantine["reason"].to_list() == [
        "b/page.txt: dump id 'page' already used by a/page.txt; rename one of them"
    ]
    assert result.summary["totals"]["files_quarantined"] == 1


def test_plan_keeps_each_dump_id_for_the_file_an_earlier_build_used(tmp_path):
    """Clashes are worked out against the earlier build's files too, and its files count as
    named for the manifest."""
    raw = tmp_path / "raw"
    for rel in ("b/page.txt", "a/page.txt", "z/page.txt", "c/other.txt"):
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_text("text")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("file,url,crawled_at,site\nz/page.txt,,,\nmissing.txt,,,\nother.txt,,,\n")
    files = {"path": ["z/page.txt"], "dump_id": ["page"], "n_bytes": [4]}
    earlier = PreviousBuild(
        tmp_path / "out", pl.DataFrame(files, schema=EARLIER_FILES), np.zeros((0, 2), np.uint64)
    )
    inputs = plan_inputs(raw, manifest, earlier)
    assert inputs.dumps.rows() == [("c/other.txt", "other")]
    assert [entry is not None for _, entry in inputs.with_entries(0, 5)] == [True]
    assert inputs.clashes["reason"].cast(pl.String).to_list() == [
        f"{rel}: dump id 'page' already used by z/page.txt; rename one of them"
        for rel in ("a/page.txt", "b/page.txt")
    ]
    assert inputs.warnings == ["manifest names 'missing.txt', which is not among the dumps"]


def test_ingest_benchmark_refuses_counts_that_are_not_positive():
    """Refused before any work: `--cluster-articles 0` used to crash after the whole run."""
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "ingest.py"
    run = subprocess.run(
        [sys.executable, str(script), "--sizes", "--cluster-articles", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "--cluster-articles: must be a positive count, not 0" in run.stderr


def _build_files(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in OUTPUTS}


def _seeds(raw: Path, count: int) -> Path:
    raw.mkdir(parents=True)
    for seed in sorted(shipped_raw_dir().glob("*.txt"))[:count]:
        (raw / seed.name).write_bytes(seed.read_bytes())
    return raw


def test_a_build_that_fails_at_the_end_leaves_the_earlier_build_whole(tmp_path, monkeypatch):
    """The two big tables used to be moved into --out before the report and state were
    written: a failure there left the new tables beside the earlier build's report and state,
    which an incremental build would then trust."""
    out = tmp_path / "out"
    build(shipped_raw_dir(), out)
    earlier = _build_files(out)

    def disk_full(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("istanbul_talks.dataset.build.write_state", disk_full)
    with pytest.raises(OSError, match="No space left"):
        build(_seeds(tmp_path / "raw", 2), out)
    assert _build_files(out) == earlier
    assert sorted(p.name for p in out.iterdir()) == sorted({o.split("/")[0] for o in OUTPUTS})


def test_a_build_keeps_a_folder_of_the_users_named_like_an_output(tmp_path):
    """`--out data` with the pages in data/dumps/: the folder a Ray build writes its dumps
    table in has that name, and a build replaces the other engine's outputs. Only folders
    holding nothing but what a build writes are replaced."""
    data = tmp_path / "data"
    raw = _seeds(data / "dumps", 2)
    pages = sorted(p.name for p in raw.iterdir())
    (data / "articles").mkdir()
    (data / "articles" / "part-0.parquet").write_bytes(b"a Ray build's part")
    for _ in range(2):
        result = build(raw, data)
        assert result.summary["totals"]["articles_kept"] == 8
        assert sorted(p.name for p in raw.iterdir()) == pages
    assert not (data / "articles").exists()  # the earlier (Ray) build's parts are replaced


def test_an_out_folder_inside_the_raw_folder_is_not_read_as_input(tmp_path):
    """`cd crawl && talks build --raw .`: the second build used to read the first one's
    outputs as 14 skipped files, with 14 quarantine rows, so two builds of the same pages
    differed."""
    raw = _seeds(tmp_path / "crawl", 2)
    out = raw / "out"
    out.mkdir()
    (raw / "outputs").symlink_to("out")  # another way to the same folder is passed over too
    first = build(raw, out)
    earlier = _build_files(out)
    second = build(raw, out)
    assert second.summary["totals"]["files"] == 2 == first.summary["totals"]["files"]
    assert second.summary["warnings"] == [
        f"--out {out} lies in the raw folder; its files are not read as dumps"
    ]
    assert _build_files(out) == earlier
    with pytest.raises(ValueError, match="is the raw folder itself"):
        build(raw, raw)


def test_work_folders_of_killed_builds_are_removed_and_running_ones_kept(tmp_path):
    """A build killed on the way (SIGKILL, out of memory, power) leaves its hidden work folder,
    parts and all; they used to stay for ever. One that a build holds, or made a moment ago,
    is a running build's."""
    out = tmp_path / "out"
    folders = {name: out / f".build-{name}" for name in ("killed", "running", "just_made")}
    for folder in folders.values():
        (folder / "parts").mkdir(parents=True)
        (folder / "parts" / "articles-000000.parquet").write_bytes(b"x" * 1000)
    an_hour_ago = time.time() - 3600
    for name in ("killed", "running"):
        os.utime(folders[name], (an_hour_ago, an_hour_ago))
    running = os.open(folders["running"], os.O_RDONLY)
    try:
        fcntl.flock(running, fcntl.LOCK_EX)
        build(_seeds(tmp_path / "raw", 1), out)
    finally:
        os.close(running)
    assert sorted(p.name for p in out.glob(".build-*")) == [".build-just_made", ".build-running"]


def test_a_build_waits_to_move_its_outputs_while_another_moves_its_own(tmp_path):
    """Two builds into one --out that finish together would interleave their moves, leaving
    tables of both: each holds --out while it moves."""
    out = tmp_path / "out"
    out.mkdir()
    raw = _seeds(tmp_path / "raw", 1)
    other = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(other, fcntl.LOCK_EX)  # another build, moving its outputs
        waiting = threading.Thread(target=build, args=(raw, out))
        waiting.start()
        deadline = time.monotonic() + 30
        while not any((path / "report.json").exists() for path in out.glob(".build-*")):
            assert waiting.is_alive() and time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.5)
        assert waiting.is_alive() and not (out / "report.json").exists()
    finally:
        os.close(other)
    waiting.join(timeout=30)
    assert json.loads((out / "report.json").read_text())["totals"]["articles_kept"] == 4
    assert not list(out.glob(".build-*"))


def test_ctrl_c_while_the_outputs_are_moved_waits_until_all_are_in_place(tmp_path, monkeypatch):
    """Pressed as the first output is moved, Ctrl-C used to stop the build there: --out held
    one table of the new build and the rest of the earlier one."""
    raw = _seeds(tmp_path / "raw", 2)
    build(raw, tmp_path / "expected")
    out = tmp_path / "out"
    build(shipped_raw_dir(), out)
    replace, moves = os.replace, []

    def replace_and_press_ctrl_c(source, target):
        if Path(target).parent == out:  # a move into --out, not one inside the work folder
            if not moves:
                signal.raise_signal(signal.SIGINT)
            moves.append(Path(target).name)
        replace(source, target)

    monkeypatch.setattr(os, "replace", replace_and_press_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        build(raw, out)
    assert moves == [
        "articles.parquet",
        "dumps.parquet",
        "quarantine.parquet",
        "report.json",
        "report.md",
        "state",
    ]
    assert _build_files(out) == _build_files(tmp_path / "expected")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_stops_a_parallel_build_and_leaves_the_earlier_build(tmp_path):
    """A terminal's Ctrl-C signals every process of the build. It used to hang the build: the
    workers died with their chunks, and the parent waited for those chunks for ever."""
    raw = tmp_path / "raw"
    load_benchmark_module("dumpgen.py").generate(raw, 4000, seed=5)
    out = tmp_path / "out"
    build(shipped_raw_dir(), out)
    earlier = _build_files(out)
    talks = Path(sys.executable).with_name("talks")
    command = [str(talks), "build", "--raw", str(raw), "--out", str(out), "--workers", "2"]
    build_process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while not any(out.glob(".build-*/**/*.parquet")):  # a worker has finished a chunk
            assert build_process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        os.killpg(build_process.pid, signal.SIGINT)
        printed, _ = build_process.communicate(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(build_process.pid, signal.SIGKILL)
    assert build_process.returncode == 130
    assert f"interrupted: the build was stopped; {out}/ holds the earlier build" in " ".join(
        printed.decode().split()
    )
    assert "Traceback" not in printed.decode()  # the workers leave Ctrl-C to the parent
    assert not list(out.glob(".build-*"))
    assert _build_files(out) == earlier


def test_a_raw_folder_whose_path_is_not_utf8_builds_and_an_out_folder_is_refused(tmp_path):
    raw = tmp_path / os.fsdecode(b"r\xe9pertoire")
    raw.mkdir()
    seed = sorted(shipped_raw_dir().glob("*.txt"))[0]
    (raw / seed.name).write_bytes(seed.read_bytes())
    manifest = tmp_path / os.fsdecode(b"liste\xe9.csv")
    manifest.write_text(f"file,url\n{seed.name},https://example.org/a\n")
    result = build(raw, tmp_path / "out", manifest)
    assert result.report["settings"]["raw"] == f"{tmp_path}/r\\xe9pertoire"
    assert result.report["settings"]["manifest"] == f"{tmp_path}/liste\\xe9.csv"
    assert result.report["totals"]["articles_kept"] == 4
    out = tmp_path / os.fsdecode(b"sortie\xe9")
    done = CliRunner().invoke(app, ["build", "--raw", str(raw), "--out", str(out)])
    assert done.exit_code == 2
    assert "the path is not UTF-8; choose another" in done.output


def test_messages_print_brackets_in_file_names_and_pip_extras_as_written(tmp_path, monkeypatch):
    """rich reads "[draft]" or "[publish]" as a style tag and drops it from a message."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "notes[draft].txt").write_bytes(b"")
    nothing = CliRunner().invoke(
        app, ["build", "--raw", str(raw), "--out", str(tmp_path / "out"), "--no-progress"]
    )
    assert "quarantined: notes[draft].txt: empty file" in nothing.output, nothing.output
    monkeypatch.setitem(sys.modules, "yaml", None)  # the publish extra left out
    # The card is imported again, without yaml; both handles on the module come back afterwards.
    monkeypatch.delitem(sys.modules, "istanbul_talks.dataset.card", raising=False)
    monkeypatch.delattr(istanbul_talks.dataset, "card", raising=False)
    seeds = CliRunner().invoke(app, ["build", "--out", str(tmp_path / "seeds"), "--no-progress"])
    assert seeds.exit_code == 0, seeds.output
    assert "release skipped: yaml missing (pip install 'istanbul-talks[publish]')" in seeds.output
