"""The event-span baseline (BIO tagging, lexicon floor, span metrics) and saved models (skops)."""

from __future__ import annotations

import numpy as np
import pytest
import skops.io as sio
from istanbul_talks.annotation.schema import load_schema
from istanbul_talks.baselines.data import TaskData
from istanbul_talks.baselines.evaluate import LeakageError, evaluate
from istanbul_talks.baselines.persist import (
    BaselinePredictor,
    ModelError,
    load_model,
    save_model,
)
from istanbul_talks.baselines.spans import (
    BIOTagger,
    SpanLexicon,
    bio_tags,
    decode,
    span_metrics,
    tokens,
)


def _spans_of(text: str, marked: dict[str, str]) -> list[tuple[int, int, str]]:
    """(start, end, type) of each marked phrase's first occurrence."""
    out = []
    for phrase, label in marked.items():
        at = text.index(phrase)
        out.append((at, at + len(phrase), label))
    return sorted(out)


def test_bio_tags_decode_back_to_the_same_spans_over_non_ascii_text():
    body = "Türkiye hosted peace talks — then a drone attack hit Odesa 🚀 overnight."
    gold = _spans_of(body, {"peace talks": "TALKS", "drone attack": "ATTACK"})
    offsets = tokens(body)
    tags = bio_tags(offsets, gold)
    assert [t for t in tags if t != "O"] == ["B-TALKS", "I-TALKS", "B-ATTACK", "I-ATTACK"]
    assert decode(offsets, tags) == gold
    assert [body[s:e] for s, e, _ in decode(offsets, tags)] == ["peace talks", "drone attack"]


def test_decode_reads_an_orphan_inside_tag_as_a_span_start():
    offsets = [(0, 3), (4, 7), (8, 11)]
    assert decode(offsets, ["I-ATTACK", "I-ATTACK", "I-TALKS"]) == [
        (0, 7, "ATTACK"),
        (8, 11, "TALKS"),
    ]


def test_span_metrics_by_hand():
    gold = [[(0, 5, "A"), (10, 15, "B")]]
    predicted = [[(0, 5, "A"), (11, 14, "B"), (20, 25, "A")]]
    values = {k: float(v[0]) for k, v in span_metrics(gold, predicted, np.ones((1, 1))).items()}
    # exact: 1 matched of 3 predicted and 2 gold; overlap: (11, 14) also matches (10, 15)
    assert values == pytest.approx(
        {
            "exact_precision": 1 / 3,
            "exact_recall": 1 / 2,
            "exact_f1": 2 / 5,
            "overlap_precision": 2 / 3,
            "overlap_recall": 1.0,
            "overlap_f1": 4 / 5,
        }
    )


def test_lexicon_finds_seen_phrases_as_whole_words_leftmost_longest():
    lexicon = SpanLexicon().fit(
        ["Peace talks began.", "A drone attack. Talks again."],
        [[(0, 11, "TALKS")], [(2, 14, "ATTACK"), (16, 21, "TALKS")]],
    )
    body = "New peace talks after a Drone Attack; no talkshow."
    assert lexicon.predict([body]) == [
        [(4, 15, "TALKS"), (24, 36, "ATTACK")]  # "talkshow" is not a whole-word match
    ]


def _event_task(n: int = 24) -> TaskData:
    """Documents where "drone attack" is always ATTACK and "direct talks" always TALKS."""
    fillers = ["Officials said", "Reports added", "Witnesses noted", "Analysts argued"]
    texts, labels = [], []
    for i in range(n):
        text = (
            f"{fillers[i % 4]} that a drone attack struck city {i} on Monday. "
            f"Later, direct talks resumed in Istanbul with delegation {i}."
        )
        texts.append(text)
        labels.append(_spans_of(text, {"drone attack": "ATTACK", "direct talks": "TALKS"}))
    splits = ["train"] * (n - 4) + ["test"] * 4
    classes = list(load_schema().task("events").label_names)
    ids = [f"doc{i}" for i in range(n)]
    return TaskData("events", "spans", classes, ids, texts, labels, ids, splits)


def test_the_tagger_learns_a_consistent_pattern_and_scores_it_exactly():
    task = _event_task()
    scores = {(s.model, s.evaluation): s for s in evaluate(task)}
    split = scores["bio_logreg", "split"]
    assert split.n == 4
    assert split.metrics["exact_f1"] == 1.0 and split.metrics["overlap_f1"] == 1.0
    assert split.per_class["ATTACK"]["support"] == 4 and split.per_class["TALKS"]["f1"] == 1.0
    assert "alpha" in split.params
    assert scores["lexicon", "cv"].n == 24
    # same inputs, same numbers
    again = {(s.model, s.evaluation): s.metrics for s in evaluate(task)}
    assert again == {key: s.metrics for key, s in scores.items()}


def test_the_span_evaluation_refuses_a_leaking_split():
    task = _event_task()
    task.groups = ["one-story"] * len(task.ids)
    with pytest.raises(LeakageError):
        evaluate(task, ["lexicon"])


def test_a_saved_tagger_loads_back_with_the_same_predictions(tmp_path):
    task = _event_task()
    path = save_model(task, "bio_logreg", tmp_path)
    loaded = load_model(path)
    assert isinstance(loaded, BIOTagger)
    direct = BIOTagger(alpha=loaded.alpha).fit(task.texts, task.labels)
    probe = ["Then a drone attack and direct talks, said officials."]
    assert loaded.predict(probe) == direct.predict(probe)
    card = (tmp_path / "events.md").read_text()
    assert "bio_logreg" in card and "Not evaluated" in card and "pickle" in card


def test_a_file_with_untrusted_types_is_refused(tmp_path):
    path = tmp_path / "events.skops"
    sio.dump({"model": Untrusted()}, path)
    with pytest.raises(ModelError, match="not trusted"):
        load_model(path)
    with pytest.raises(ModelError, match="not found"):
        load_model(tmp_path / "missing.skops")


class Untrusted:
    """A type no loader should instantiate from a downloaded file."""


def test_saved_baselines_pre_annotate_articles_within_the_schema(tmp_path):
    task = _event_task()
    save_model(task, "bio_logreg", tmp_path)
    predictor = BaselinePredictor(tmp_path)
    assert predictor.model_version.startswith("baselines-")
    body = "Overnight a drone attack hit the port; direct talks are planned."
    ((items, _),) = predictor.predict([{"title": "T", "body": body}])
    spans = [item["value"] for item in items if item["type"] == "labels"]
    assert {(s["text"], s["labels"][0]) for s in spans} == {
        ("drone attack", "ATTACK"),
        ("direct talks", "TALKS"),
    }
    assert all(body[s["start"] : s["end"]] == s["text"] for s in spans)
    with pytest.raises(ModelError, match="no saved baseline"):
        BaselinePredictor(tmp_path / "empty")
