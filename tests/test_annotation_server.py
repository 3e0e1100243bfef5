"""Integration: the annotation workflow against a real Label Studio server on 127.0.0.1.

Two annotator accounts log in and label through the API as themselves; the lead pushes (twice),
pulls, computes agreement and gold; a server killed in the middle of a push is restarted and
the rerun finishes the job without duplicates.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import polars as pl
import pytest
from istanbul_talks.annotation import push as push_module
from istanbul_talks.annotation.accounts import create_annotator
from istanbul_talks.annotation.agreement import agreement, krippendorff_alpha_nominal
from istanbul_talks.annotation.client import (
    AuthenticationError,
    Connection,
    ServerUnavailable,
    connect,
)
from istanbul_talks.annotation.gold import gold_labels
from istanbul_talks.annotation.pull import (
    annotations_from_export,
    export_project,
    people,
    pseudonym,
    pseudonym_key,
    save_snapshot,
    scrub,
)
from istanbul_talks.annotation.push import find_project, push
from istanbul_talks.annotation.schema import load_schema, result_items
from istanbul_talks.annotation.server import free_port, port_is_free
from label_studio_sdk.client import LabelStudio

pytestmark = pytest.mark.server

STANCES_1 = ["pessimistic", "neutral", "unrelated", "optimistic", "neutral", "unrelated"]
STANCES_2 = ["pessimistic", "neutral", "unrelated", "optimistic", "neutral", "neutral"]


def _result(body: str, stance: str) -> list[dict]:
    result = [
        {
            "from_name": "stance",
            "to_name": "body",
            "type": "choices",
            "value": {"choices": [stance]},
        },
        {
            "from_name": "topics",
            "to_name": "body",
            "type": "choices",
            "value": {"choices": ["peace_talks"]},
        },
    ]
    at = body.lower().find("talks")
    if at >= 0:
        value = {"start": at, "end": at + 5, "text": body[at : at + 5], "labels": ["TALKS"]}
        result.append({"from_name": "events", "to_name": "body", "type": "labels", "value": value})
    return result


@pytest.fixture(scope="module")
def labeled(label_studio, admin, seed_build, tmp_path_factory):
    """The seed articles pushed (twice) and labeled by two annotators through the API."""
    result, _ = seed_build
    first = push(admin, result.articles, title="seed labels", progress=False)
    second = push(admin, result.articles, title="seed labels", progress=False)
    annotators = [
        create_annotator(
            admin,
            label_studio.url,
            label_studio.data_dir,
            label_studio.credentials,
            email,
            "pw-" + email[:4] + "-x9",
        )
        for email in ("ann1@example.org", "ann2@example.org")
    ]
    tasks = sorted(
        admin.tasks.list(project=first.project_id, fields="all"), key=lambda t: t.data["article_id"]
    )
    for annotator, stances in zip(annotators, (STANCES_1, STANCES_2), strict=True):
        client = LabelStudio(base_url=label_studio.url, api_key=annotator.token)
        for task, stance in zip(tasks, stances, strict=False):
            created = client.annotations.create(
                id=task.id, result=_result(task.data["body"], stance)
            )
            if annotator is annotators[0] and task is tasks[0]:
                # changed their mind: the update must win
                client.annotations.update(
                    id=created.id, result=_result(task.data["body"], "neutral")
                )
    LabelStudio(base_url=label_studio.url, api_key=annotators[1].token).annotations.create(
        id=tasks[6].id, result=[], was_cancelled=True
    )
    key = pseudonym_key(tmp_path_factory.mktemp("keys"))
    export = export_project(admin, first.project_id)
    snapshot = save_snapshot(
        scrub(export, people(admin, key)), tmp_path_factory.mktemp("snapshots")
    )
    return {
        "first": first,
        "second": second,
        "tasks": tasks,
        "annotators": annotators,
        "snapshot": snapshot,
        "key": key,
        "articles": result.articles,
    }


def test_push_creates_one_project_and_is_idempotent(admin, labeled):
    canonical = labeled["articles"].filter(pl.col("is_canonical")).height
    assert canonical == 14
    assert labeled["first"].project_created and labeled["first"].imported == canonical
    assert not labeled["second"].project_created
    assert (labeled["second"].imported, labeled["second"].already_there) == (0, canonical)
    assert [p.title for p in admin.projects.list()].count("seed labels") == 1
    ids = [t.data["article_id"] for t in labeled["tasks"]]
    assert len(ids) == len(set(ids)) == canonical
    project = admin.projects.get(id=labeled["first"].project_id)
    assert "Annotation guidelines" in project.expert_instruction


def test_annotators_label_as_themselves(labeled):
    export = json.loads(labeled["snapshot"].read_text())
    annotated = [a for task in export for a in task["annotations"]]
    ann1, ann2 = (pseudonym(a.email, labeled["key"]) for a in labeled["annotators"])
    assert {a["completed_by"] for a in annotated} == {ann1, ann2}
    assert len(annotated) == 6 + 6 + 1


def test_snapshot_and_server_log_hold_no_email_and_no_token(label_studio, labeled):
    text = labeled["snapshot"].read_text()
    assert "@example.org" not in text and "istanbul-talks.local" not in text
    log = label_studio.log_path.read_text()
    for token in [label_studio.credentials.token, *(a.token for a in labeled["annotators"])]:
        assert token not in text
        assert token not in log


def test_pull_agreement_and_gold_reflect_what_was_labeled(labeled):
    table, problems = annotations_from_export(json.loads(labeled["snapshot"].read_text()))
    assert problems.height == 0
    ann1, ann2 = (pseudonym(a.email, labeled["key"]) for a in labeled["annotators"])
    tasks = labeled["tasks"]
    stance = {
        (r["article_id"], r["annotator"]): r
        for r in table.filter(pl.col("task") == "stance").iter_rows(named=True)
    }
    first = tasks[0].data["article_id"]
    assert stance[first, ann1]["labels"] == ["neutral"]  # the update won
    assert stance[tasks[6].data["article_id"], ann2]["status"] == "skipped"
    for row in table.filter(pl.col("task") == "events").iter_rows(named=True):
        body = next(t.data["body"] for t in tasks if t.data["article_id"] == row["article_id"])
        assert all(body[s["start"] : s["end"]] == s["text"] for s in row["spans"])

    figures = agreement(table)
    alpha = figures.filter(pl.col("task") == "stance").row(0, named=True)
    submitted_1 = ["neutral", *STANCES_1[1:]]
    assert alpha["n_items"] == 6
    expected = krippendorff_alpha_nominal(
        [list(pair) for pair in zip(submitted_1, STANCES_2, strict=True)]
    )
    assert alpha["value"] == pytest.approx(expected)
    exact = figures.filter(pl.col("measure") == "span_f1_exact").row(0, named=True)
    assert exact["value"] == 1.0

    gold = {
        r["article_id"]: r
        for r in gold_labels(table).filter(pl.col("task") == "stance").iter_rows(named=True)
    }
    assert gold[tasks[1].data["article_id"]]["decided_by"] == "unanimous"
    assert gold[tasks[5].data["article_id"]]["decided_by"] == "tie"
    assert gold[first]["decided_by"] == "tie"  # neutral (updated) vs pessimistic


def test_cli_status_finds_the_server_from_the_environment(label_studio, labeled):
    env = os.environ | {
        "LABEL_STUDIO_URL": label_studio.url,
        "LABEL_STUDIO_API_KEY": label_studio.credentials.token,
        "TALKS_LABEL_STUDIO_DATA": str(label_studio.data_dir),
    }
    talks = os.path.join(os.path.dirname(sys.executable), "talks")
    done = subprocess.run(
        [talks, "annotate", "status", "--project", "seed labels"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "14 tasks" in done.stdout
    assert "8 of 14 tasks have fewer than 2 submitted annotations" in done.stdout
    assert label_studio.credentials.token not in done.stdout + done.stderr


def test_a_wrong_key_gets_a_clear_error(label_studio):
    with pytest.raises(AuthenticationError, match="refused the API key"):
        connect(Connection(label_studio.url, "0" * 40))


def test_server_killed_during_push_then_rerun_finishes_without_duplicates(
    label_studio, admin, monkeypatch
):
    monkeypatch.setattr(push_module, "BATCH_TASKS", 10)
    monkeypatch.setattr(push_module, "RETRIES", 1)
    monkeypatch.setattr("istanbul_talks.annotation.client.BACKOFF_S", 0.05)
    articles = pl.DataFrame(
        {
            "article_id": [f"gen-{i:04d}" for i in range(300)],
            "title": [f"Title {i}" for i in range(300)],
            "body": [f"Body of generated article {i} about the talks." for i in range(300)],
            "is_canonical": [True] * 300,
        }
    )
    outcome: dict = {}

    def run() -> None:
        try:
            push(admin, articles, title="interrupted push", progress=False)
        except ServerUnavailable as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        project_id = find_project(admin, "interrupted push")
        if project_id and len(list(admin.tasks.list(project=project_id, fields="all"))) >= 30:
            break
        time.sleep(0.05)
    label_studio.kill()
    worker.join(120)
    assert "error" in outcome, "the push should have failed while the server was down"
    assert "start it" in str(outcome["error"])

    label_studio.start()
    client = connect(Connection(label_studio.url, label_studio.credentials.token))
    result = push(client, articles, title="interrupted push", progress=False)
    assert not result.project_created
    assert 0 < result.imported < 300 and result.imported + result.already_there == 300
    ids = [t.data["article_id"] for t in client.tasks.list(project=result.project_id, fields="all")]
    assert sorted(ids) == articles["article_id"].to_list()


class KeywordPredictor:
    """A stand-in model: neutral stance, and the first "talks" in the body as TALKS."""

    model_version = "keyword-rule-1"

    def predict(self, articles: list[dict]) -> list[tuple[list[dict], float]]:
        out = []
        for article in articles:
            body = article["body"]
            at = body.find("talks")
            spans = [(at, at + 5, "TALKS")] if at >= 0 else []
            out.append((result_items(load_schema(), {"stance": ["neutral"]}, spans, body), 0.5))
        return out


def test_push_attaches_model_outputs_as_predictions(admin):
    articles = pl.DataFrame(
        {
            "article_id": ["pred-00", "pred-01"],
            "title": ["A", "B"],
            "body": ["The talks resumed.", "Nothing to see."],
            "is_canonical": [True, True],
        }
    )
    pushed = push(
        admin, articles, title="with predictions", progress=False, predictor=KeywordPredictor()
    )
    for task in admin.tasks.list(project=pushed.project_id, fields="all"):
        (prediction,) = admin.predictions.list(task=task.id)
        assert prediction.model_version == "keyword-rule-1"
        choices = [r for r in prediction.result if r["type"] == "choices"]
        assert choices[0]["value"]["choices"] == ["neutral"]
        spans = [r["value"] for r in prediction.result if r["type"] == "labels"]
        if task.data["article_id"] == "pred-00":
            assert spans == [{"start": 4, "end": 9, "text": "talks", "labels": ["TALKS"]}]
        else:
            assert spans == []


def test_serve_starts_prints_the_url_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    talks = os.path.join(os.path.dirname(sys.executable), "talks")
    server = subprocess.Popen(
        [talks, "annotate", "serve", "--port", str(port), "--data-dir", str(tmp_path / "data")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        for line in server.stdout:
            lines.append(line)
            if "Label Studio is up at" in line:
                break
        assert f"http://127.0.0.1:{port}" in lines[-1]
        credentials = json.loads((tmp_path / "data" / "istanbul-talks-server.json").read_text())
        mode = (tmp_path / "data" / "istanbul-talks-server.json").stat().st_mode & 0o777
        assert mode == 0o600
        server.send_signal(signal.SIGINT)
        rest = server.communicate(timeout=60)[0]
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode == 0
    assert credentials["token"] not in "".join(lines) + rest
    assert port_is_free(port)


def test_cli_pull_writes_snapshot_and_tables_then_agreement_reads_them(
    label_studio, labeled, tmp_path
):
    env = os.environ | {
        "LABEL_STUDIO_URL": label_studio.url,
        "LABEL_STUDIO_API_KEY": label_studio.credentials.token,
        "TALKS_LABEL_STUDIO_DATA": str(label_studio.data_dir),
    }
    talks = os.path.join(os.path.dirname(sys.executable), "talks")
    labels = tmp_path / "labels"
    for _ in range(2):  # a second pull of unchanged labels adds no snapshot
        pulled = subprocess.run(
            [talks, "annotate", "pull", "--project", "seed labels", "--labels", str(labels)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert pulled.returncode == 0, pulled.stderr
    assert [p.name[:9] for p in (labels / "snapshots").iterdir()] == ["pull-0001"]
    table = pl.read_parquet(labels / "annotations.parquet")
    assert table["article_id"].n_unique() == 7 and table["annotator"].n_unique() == 2
    gold = pl.read_parquet(labels / "gold.parquet")
    assert set(gold["decided_by"]) <= {"unanimous", "tie", "single_annotator", "majority"}
    shown = subprocess.run(
        [talks, "annotate", "agreement", "--labels", str(labels)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.returncode == 0, shown.stderr
    assert "krippendorff_alpha" in shown.stdout and "span_f1_exact" in shown.stdout


def test_cli_push_attaches_saved_baselines_as_pre_annotations(
    label_studio, admin, seed_build, tmp_path
):
    from istanbul_talks.baselines.data import load_frames, release_tasks
    from istanbul_talks.baselines.persist import save_model
    from istanbul_talks.baselines.run import shipped_release

    tasks = {t.name: t for t in release_tasks(load_frames(shipped_release(), "labeled"))}
    models = tmp_path / "models"
    save_model(tasks["stance"], "tfidf_logreg", models)
    save_model(tasks["events"], "bio_logreg", models)
    _, build_dir = seed_build
    env = os.environ | {
        "LABEL_STUDIO_URL": label_studio.url,
        "LABEL_STUDIO_API_KEY": label_studio.credentials.token,
    }
    talks = os.path.join(os.path.dirname(sys.executable), "talks")
    command = [talks, "annotate", "push", "--build", str(build_dir), "--project", "pre-annotated"]
    pushed = subprocess.run(
        [*command, "--model", str(models)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert pushed.returncode == 0, pushed.stderr
    assert "pre-annotations from baselines-" in pushed.stderr
    project = find_project(admin, "pre-annotated")
    stances = set(load_schema().task("stance").label_names)
    tasks_pushed = list(admin.tasks.list(project=project, fields="all"))
    assert len(tasks_pushed) == 14
    for task in tasks_pushed:
        (prediction,) = admin.predictions.list(task=task.id)
        assert prediction.model_version.startswith("baselines-")
        (stance,) = [r["value"]["choices"] for r in prediction.result if r["from_name"] == "stance"]
        assert len(stance) == 1 and stance[0] in stances
        body = task.data["body"]
        for span in (r["value"] for r in prediction.result if r["type"] == "labels"):
            assert body[span["start"] : span["end"]] == span["text"]
    missing = subprocess.run(
        [talks, "annotate", "push", "--build", str(build_dir), "--model", str(tmp_path / "none")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert missing.returncode == 1 and "no saved baseline" in missing.stderr
