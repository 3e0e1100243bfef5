"""Baselines: metrics against hand-computed values, a tiny dataset end to end, leakage caught."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import polars as pl
import pytest
from istanbul_talks.baselines.data import TaskData, column_task, load_frames
from istanbul_talks.baselines.evaluate import (
    LeakageError,
    _metric_values,
    check_no_leakage,
    evaluate,
)
from istanbul_talks.baselines.run import run

from .conftest import files_and_bytes, talks_with_files_limited_to


def test_single_label_metrics_by_hand():
    # per class: 0 -> tp 1, fn 1: F1 2/3; 1 -> tp 1, fp 1: 2/3; 2 -> tp 1: 1
    values = _metric_values("single", np.array([0, 0, 1, 2]), np.array([0, 1, 1, 2]), 3)
    assert values["macro_f1"] == pytest.approx(7 / 9)
    assert values["micro_f1"] == pytest.approx(6 / 8)
    assert values["accuracy"] == pytest.approx(3 / 4)


def test_macro_f1_averages_only_classes_present_in_the_sample():
    values = _metric_values("single", np.array([0, 0]), np.array([0, 0]), 4)
    assert values["macro_f1"] == 1.0


def test_multi_label_metrics_by_hand():
    truth = np.array([[1, 0], [1, 1]])
    predicted = np.array([[1, 1], [0, 1]])
    # class 0: tp 1, fn 1 -> 2/3; class 1: tp 1, fp 1 -> 2/3; micro: tp 2, fp 1, fn 1 -> 4/6
    values = _metric_values("multi", truth, predicted, 2)
    assert values["macro_f1"] == pytest.approx(2 / 3)
    assert values["micro_f1"] == pytest.approx(2 / 3)


@pytest.fixture
def tiny_dataset(tmp_path):
    """Alpha documents are class "a", beta documents class "b"; 8 to train on, 4 to test."""

    def rows(labels: list[str], start: int) -> pl.DataFrame:
        words = {"a": "alpha talks resumed in the city", "b": "beta strikes hit the port"}
        return pl.DataFrame(
            {
                "id": [f"doc{start + i}" for i in range(len(labels))],
                "text": [f"{words[label]} number {start + i}" for i, label in enumerate(labels)],
                "label": labels,
                "group": [f"g{start + i}" for i in range(len(labels))],
            }
        )

    folder = tmp_path / "tiny"
    folder.mkdir()
    rows(["a", "a", "a", "a", "a", "b", "b", "b"], 0).write_parquet(folder / "train.parquet")
    rows(["a", "a", "b", "b"], 100).write_parquet(folder / "test.parquet")
    return folder


def test_tiny_dataset_end_to_end(tiny_dataset, tmp_path):
    out = tmp_path / "results"
    summary = run(str(tiny_dataset), None, out, "text", "label", "group", progress=False)
    task = summary["tasks"]["label"]
    split = {r["model"]: r for r in task["results"] if r["evaluation"] == "split"}
    # majority predicts "a" (5 of 8 in train) for all 4 test documents:
    # accuracy 2/4; F1(a) = 2*2 / (2*2 + 2) = 2/3, F1(b) = 0; macro 1/3
    majority = split["majority"]["metrics"]
    assert majority == pytest.approx({"accuracy": 0.5, "micro_f1": 0.5, "macro_f1": 1 / 3})
    assert split["tfidf_logreg"]["metrics"]["macro_f1"] == 1.0
    assert split["majority"]["per_class"]["b"]["recall"] == 0.0
    assert {r["evaluation"] for r in task["results"]} == {"split", "cv"}
    saved = json.loads((out / "results.json").read_text())
    assert saved["seed"] and saved["libraries"]["scikit-learn"]
    assert len(saved["fingerprints"]["label"]) == 64
    assert (out / "results.md").exists() and (out / "label-confusion.png").exists()
    # same inputs, same numbers
    again = run(
        str(tiny_dataset), None, tmp_path / "again", "text", "label", "group", progress=False
    )
    assert again == summary


def test_a_split_that_leaks_is_refused(tiny_dataset):
    task = column_task(load_frames(str(tiny_dataset), None), "text", "label", "group")
    leaking = TaskData(
        task.name,
        task.kind,
        task.classes,
        task.ids,
        task.texts,
        task.labels,
        ["same-story"] * len(task.ids),  # every document in one near-duplicate group
        task.splits,
    )
    with pytest.raises(LeakageError, match="share"):
        check_no_leakage(leaking, leaking.rows("train"), leaking.rows("test"))
    with pytest.raises(LeakageError):
        evaluate(leaking, ["majority"])


def test_unknown_columns_are_a_clear_error(tiny_dataset):
    from istanbul_talks.baselines.data import DataError

    with pytest.raises(DataError, match="no column 'stance'"):
        column_task(load_frames(str(tiny_dataset), None), "text", "stance")


def test_shipped_release_tasks_come_from_the_schema(tmp_path):
    from istanbul_talks.baselines.data import release_tasks
    from istanbul_talks.baselines.run import shipped_release

    tasks = release_tasks(load_frames(shipped_release(), "labeled"))
    assert [t.name for t in tasks] == ["stance", "topics", "events", "events_presence"]
    assert all(len(t.ids) == 14 for t in tasks)
    events = tasks[2]
    assert events.kind == "spans" and sum(map(len, events.labels)) == 63
    assert all(
        0 <= s < e <= len(body)
        for body, spans in zip(events.texts, events.labels, strict=True)
        for s, e, _ in spans
    )
    stance = tasks[0]
    assert stance.kind == "single" and stance.classes[0] == "optimistic"
    floors = evaluate(stance, ["majority"])
    assert {s.evaluation for s in floors} == {"split", "cv"}
    cv = next(s for s in floors if s.evaluation == "cv")
    assert cv.n == 14  # every labeled article is scored once, out of fold


def test_a_disk_that_fills_up_leaves_the_earlier_results_whole(tiny_dataset, tmp_path):
    """Results, plots and models are written in a work folder and moved into place together: a
    file-size limit (as a full disk) partway through is one message and exit 2, and every file
    of the earlier run keeps its bytes (in place, a plot would be cut off at the limit)."""
    out = tmp_path / "results"
    run(str(tiny_dataset), None, out, "text", "label", "group", progress=False)
    before = files_and_bytes(out)
    largest = max(len(data) for data in before.values())
    columns = ["--text-column", "text", "--label-column", "label", "--group-column", "group"]
    done = talks_with_files_limited_to(
        largest // 2, "baselines", "--dataset", str(tiny_dataset), *columns, "--out", str(out)
    )
    assert done.returncode == 2, done.stderr
    assert f"--out {out}: no room for the outputs (File too large" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert files_and_bytes(out) == before


def test_a_run_replaces_the_plots_and_models_of_the_one_before(tiny_dataset, tmp_path):
    """A run into an --out that holds another dataset's results leaves no plot or model of a
    task it has not got, which would pass for one of its own; the user's files stay."""
    out = tmp_path / "results"
    run(str(tiny_dataset), None, out, "text", "label", "group", progress=False)
    frames = {
        split: pl.read_parquet(tiny_dataset / f"{split}.parquet") for split in ("train", "test")
    }
    renamed = tmp_path / "renamed"
    renamed.mkdir()
    for split, rows in frames.items():
        rows.rename({"label": "genre"}).write_parquet(renamed / f"{split}.parquet")
    (out / "notes.txt").write_text("mine")
    run(str(renamed), None, out, "text", "genre", "group", progress=False)
    assert sorted(p.name for p in out.iterdir()) == [
        "genre-confusion.png",
        "genre-per-class-f1.png",
        "models",
        "notes.txt",
        "results.json",
        "results.md",
    ]
    assert sorted(p.name for p in (out / "models").iterdir()) == [
        "genre.json",
        "genre.md",
        "genre.skops",
    ]


def test_a_saved_model_has_the_same_bytes_every_time_and_loads_back(tiny_dataset, tmp_path):
    """skops names array files and objects by memory address and stamps the time of saving,
    and a vectorizer keeps the address of its stop-word list: two fits of one model, in two
    processes, were two different files. Now they are one, and it loads back."""
    from istanbul_talks.baselines.persist import load_model

    save = (
        "import sys; from pathlib import Path\n"
        "from istanbul_talks.baselines.data import column_task, load_frames\n"
        "from istanbul_talks.baselines.persist import save_model\n"
        "task = column_task(load_frames(sys.argv[1], None), 'text', 'label', 'group')\n"
        "save_model(task, 'tfidf_logreg', Path(sys.argv[2]))\n"
    )
    for folder in ("one", "two"):
        subprocess.run(
            [sys.executable, "-c", save, str(tiny_dataset), str(tmp_path / folder)], check=True
        )
    first, second = (tmp_path / folder / "label.skops" for folder in ("one", "two"))
    assert first.read_bytes() == second.read_bytes()
    probe = ["alpha talks resumed in the city number 7", "beta strikes hit the port number 9"]
    assert load_model(first).predict(probe).tolist() == [0, 1]


def test_a_models_folder_holding_the_user_s_files_is_refused_before_anything_moves(
    tiny_dataset, tmp_path
):
    """An output folder of the same name as one of the user's would stop the move halfway
    (a folder that is not empty cannot be replaced): refused before anything moves."""
    from istanbul_talks.dataset.outputs import OutputError

    out = tmp_path / "results"
    run(str(tiny_dataset), None, out, "text", "label", "group", progress=False)
    (out / "models" / "my-model.pkl").write_bytes(b"mine")
    before = files_and_bytes(out)
    with pytest.raises(OutputError, match=r"models holds files that are not .*\(my-model\.pkl\)"):
        run(str(tiny_dataset), None, out, "text", "label", "group", progress=False)
    assert files_and_bytes(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".build-")]
