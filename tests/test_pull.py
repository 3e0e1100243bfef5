"""Turning a Label Studio export into the Annotation table: pseudonyms, snapshots, checks.

The export below has the shape of a real Label Studio 1.23 full JSON export (recorded from the
server in the integration tests), cut down to the fields that matter.
"""

from __future__ import annotations

import copy
import json
import re

import httpx
import pytest
from istanbul_talks.annotation import client
from istanbul_talks.annotation.pull import (
    PSEUDONYM_KEY_ENV,
    PSEUDONYM_KEY_FILE,
    PseudonymKeyError,
    annotations_from_export,
    export_project,
    pseudonym,
    pseudonym_key,
    resolve_span,
    save_snapshot,
    scrub,
    snapshots,
    write_label_tables,
)
from istanbul_talks.annotation.server import free_port
from istanbul_talks.dataset.outputs import OutputError
from label_studio_sdk.client import LabelStudio

from .conftest import files_and_bytes, files_limited_to

KEY = b"test-key"
BODY = "Türkiye — talks 🙂 held in Istanbul today."
EMAILS = {1: "admin@example.org", 2: "ann1@example.org", 3: "ann2@example.org"}
PSEUDONYMS = {uid: pseudonym(email, KEY) for uid, email in EMAILS.items()}


def _choice(name: str, *labels: str) -> dict:
    return {
        "from_name": name,
        "to_name": "body",
        "type": "choices",
        "value": {"choices": list(labels)},
    }


def _span(start: int, end: int, text: str, label: str = "TALKS") -> dict:
    value = {"start": start, "end": end, "text": text, "labels": [label]}
    return {"from_name": "events", "to_name": "body", "type": "labels", "value": value}


def _annotation(id_: int, user: int, result: list, updated: str, cancelled: bool = False) -> dict:
    return {
        "id": id_,
        "completed_by": user,
        "updated_by": user,
        "result": result,
        "was_cancelled": cancelled,
        "ground_truth": False,
        "created_at": updated,
        "updated_at": updated,
        "lead_time": 3.5,
    }


EXPORT = [
    {
        "id": 1,
        "data": {"article_id": "a-00", "title": "T1", "body": BODY},
        "annotations": [
            # ann1 labeled, then changed their mind: the later annotation wins
            _annotation(1, 2, [_choice("stance", "optimistic")], "2026-01-01T10:00:00Z"),
            _annotation(
                3,
                2,
                [
                    _choice("stance", "neutral"),
                    _choice("topics", "peace_talks", "military_action"),
                    # offsets counted by a browser in UTF-16 units: the emoji counts twice
                    _span(19, 23, "held"),
                    _span(0, 7, "Türkiye", "TERRITORIAL_CHANGE"),
                ],
                "2026-01-02T10:00:00Z",
            ),
            _annotation(
                2,
                3,
                [
                    _choice("stance", "neutral"),
                    _choice("topics", "peace_talks", "made_up_topic"),
                    _span(0, 4, "nope"),
                ],
                "2026-01-01T11:00:00Z",
            ),
        ],
        "comment_authors": [2],
        "updated_by": 3,
    },
    {
        "id": 2,
        "data": {"article_id": "b-00", "title": "T2", "body": "Second body text here."},
        "annotations": [
            _annotation(4, 2, [], "2026-01-01T12:00:00Z", cancelled=True),
            _annotation(5, 99, [_choice("stance", "neutral")], "2026-01-01T12:00:00Z"),
        ],
    },
]


def test_pseudonyms_are_stable_keyed_and_not_reversible_by_eye():
    assert pseudonym("Ann1@Example.org ", KEY) == pseudonym("ann1@example.org", KEY)
    assert pseudonym("ann1@example.org", KEY) != pseudonym("ann1@example.org", b"other")
    assert pseudonym("ann1@example.org", KEY).startswith("ann-")
    assert "ann1" not in pseudonym("ann1@example.org", KEY)[4:]


def test_the_key_file_is_made_once_whole_and_an_empty_one_is_refused(tmp_path, monkeypatch):
    """The key is made once, readable by its owner only, and read back the same; a disk too
    full to hold it is a clear error that leaves no key file (an empty one would have keyed
    every later pull with b"" or a few characters, silently); such a key file is refused,
    naming it."""
    monkeypatch.delenv(PSEUDONYM_KEY_ENV, raising=False)
    data_dir = tmp_path / "ls-data"
    key = pseudonym_key(data_dir)
    assert len(key) == 64 and pseudonym_key(data_dir) == key
    assert (data_dir / PSEUDONYM_KEY_FILE).stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in data_dir.iterdir()) == [PSEUDONYM_KEY_FILE]
    full = tmp_path / "full"
    full.mkdir()
    with files_limited_to(10), pytest.raises(OutputError, match="no room"):
        pseudonym_key(full)
    assert list(full.iterdir()) == []
    for cut_off in ("\n", key.decode()[:10]):  # as a full disk left it before
        (full / PSEUDONYM_KEY_FILE).write_text(cut_off)
        with pytest.raises(PseudonymKeyError, match=r"pseudonym\.key holds \d+ characters"):
            pseudonym_key(full)


def test_scrub_replaces_every_person_and_keeps_the_rest():
    original = copy.deepcopy(EXPORT)
    cleaned = scrub(EXPORT, PSEUDONYMS)
    assert original == EXPORT  # the input is not modified
    text = json.dumps(cleaned)
    assert not any(email in text for email in EMAILS.values())
    first = cleaned[0]
    assert first["annotations"][0]["completed_by"] == PSEUDONYMS[2]
    assert first["comment_authors"] == [PSEUDONYMS[2]]
    assert first["updated_by"] == PSEUDONYMS[3]
    assert first["data"] == EXPORT[0]["data"]
    assert cleaned[1]["annotations"][1]["completed_by"] is None  # user 99 is unknown


def test_annotation_table_latest_wins_skips_kept_and_bad_labels_quarantined():
    table, problems = annotations_from_export(scrub(EXPORT, PSEUDONYMS))
    ann1, ann2 = PSEUDONYMS[2], PSEUDONYMS[3]
    stance = {
        (r["article_id"], r["annotator"]): r
        for r in table.filter(table["task"] == "stance").iter_rows(named=True)
    }
    assert stance["a-00", ann1]["labels"] == ["neutral"]  # annotation 3 replaced annotation 1
    assert stance["a-00", ann1]["annotation_id"] == 3
    assert stance["b-00", ann1]["status"] == "skipped" and stance["b-00", ann1]["labels"] == []
    events = table.filter((table["task"] == "events") & (table["annotator"] == ann1)).row(
        0, named=True
    )
    spans = [(s["start"], s["end"], s["label"], s["text"]) for s in events["spans"]]
    # UTF-16 offsets 19-23 are code points 18-22 in Python: the text there is "held"
    assert spans == [(0, 7, "TERRITORIAL_CHANGE", "Türkiye"), (18, 22, "TALKS", "held")]
    for start, end, _, text in spans:
        assert BODY[start:end] == text
    topics = table.filter((table["task"] == "topics") & (table["annotator"] == ann2)).row(
        0, named=True
    )
    assert topics["labels"] == ["peace_talks"]
    reasons = sorted(problems["reason"].to_list())
    assert len(reasons) == 3
    assert any("made_up_topic" in r for r in reasons)
    assert any("does not match the body" in r for r in reasons)
    assert any("no pseudonymized annotator" in r for r in reasons)
    assert table.height == 3 * 3  # (a-00: ann1, ann2; b-00: ann1) x 3 tasks


def test_spans_resolve_in_code_points_or_utf16_units():
    assert resolve_span(BODY, 18, 22, "held") == (18, 22)
    assert resolve_span(BODY, 19, 23, "held") == (18, 22)
    assert resolve_span(BODY, 0, 4, "nope") is None
    assert resolve_span(BODY, 5, 2, None) is None


def test_snapshots_are_append_only(tmp_path):
    first = save_snapshot(EXPORT, tmp_path)
    assert first.name.startswith("pull-0001-")
    assert save_snapshot(copy.deepcopy(EXPORT), tmp_path) == first  # same content: no new file
    changed = copy.deepcopy(EXPORT)
    changed[0]["annotations"].pop()
    second = save_snapshot(changed, tmp_path)
    assert second.name.startswith("pull-0002-")
    assert snapshots(tmp_path) == [first, second]
    assert json.loads(first.read_text()) == EXPORT  # the older snapshot is untouched


def test_a_full_disk_leaves_no_half_snapshot_and_the_earlier_label_tables_whole(tmp_path):
    """A pull whose disk fills up (a file-size limit here) says so naming the folder, leaves
    no cut-off snapshot to be read as the latest, and leaves the earlier label tables whole,
    never a new annotation table beside old gold labels."""
    labels = tmp_path / "labels"
    first = save_snapshot(scrub(EXPORT, PSEUDONYMS), labels / "snapshots")
    table, problems, gold = write_label_tables(first, labels)
    assert (table.height, problems.height, gold.height) == (9, 3, 3)  # b-00: skipped only
    before = files_and_bytes(labels)
    changed = scrub(EXPORT, PSEUDONYMS)
    changed[0]["annotations"].pop()
    largest_table = max(len(data) for name, data in before.items() if name.endswith(".parquet"))
    with files_limited_to(min(len(first.read_bytes()), largest_table) // 2):
        with pytest.raises(OutputError, match=r"snapshot folder .*: no room .*\(File too large"):
            save_snapshot(changed, labels / "snapshots")
        with pytest.raises(OutputError, match=r"label folder .*: no room .*\(File too large"):
            write_label_tables(first, labels)
    assert files_and_bytes(labels) == before
    assert snapshots(labels / "snapshots") == [first]
    assert sorted(p.name for p in labels.iterdir()) == [
        "annotation_quarantine.parquet",
        "annotations.parquet",
        "gold.parquet",
        "snapshots",
    ]


def test_transient_failures_are_retried_then_reported(monkeypatch):
    monkeypatch.setattr(client, "BACKOFF_S", 0.001)
    calls = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise httpx.ConnectError("connection refused")
        return "ok"

    assert client.call("test", flaky) == "ok" and len(calls) == 3

    def down() -> str:
        raise httpx.ConnectError("connection refused")

    with pytest.raises(client.ServerUnavailable, match="did not answer while trying to pull"):
        client.call("pull", down, retries=2)


def test_pull_from_a_server_that_is_down_says_so(monkeypatch):
    monkeypatch.setattr(client, "BACKOFF_S", 0.001)
    down = LabelStudio(base_url=f"http://127.0.0.1:{free_port()}", api_key="k", max_retries=0)
    with pytest.raises(client.ServerUnavailable, match="start it"):
        export_project(down, 1)


def test_server_credentials_are_written_whole_and_a_broken_file_is_a_clear_error(
    tmp_path, monkeypatch
):
    """The admin account's file is replaced whole or not at all: a full disk keeps the one
    before (in place, it was cut off, and the account's password lost). A file that cannot be
    read is an error naming it, from the command, not a JSON traceback."""
    from istanbul_talks.annotation.server import (
        CREDENTIALS_FILE,
        Credentials,
        ServerError,
        _store_credentials,
        load_credentials,
    )
    from istanbul_talks.dataset.cli import app
    from typer.testing import CliRunner

    data_dir = tmp_path / "ls-data"
    first = Credentials("admin@example.org", "p" * 24, "t" * 40, "http://127.0.0.1:8080")
    _store_credentials(data_dir, first)
    assert load_credentials(data_dir) == first
    assert (data_dir / CREDENTIALS_FILE).stat().st_mode & 0o777 == 0o600
    before = files_and_bytes(data_dir)
    with files_limited_to(40), pytest.raises(OutputError, match=r"Label Studio data dir .*no room"):
        _store_credentials(data_dir, Credentials("admin@example.org", "q" * 24, "u" * 40))
    assert files_and_bytes(data_dir) == before
    (data_dir / CREDENTIALS_FILE).write_text('{"username": "admin@exa')
    with pytest.raises(
        ServerError, match=re.escape(f"{CREDENTIALS_FILE}: not the server's credentials")
    ):
        load_credentials(data_dir)
    for name in ("LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    done = CliRunner().invoke(app, ["annotate", "pull", "--data-dir", str(data_dir)])
    assert done.exit_code == 1 and "not the server's credentials" in done.output, done.output
    assert not isinstance(done.exception, ServerError)
