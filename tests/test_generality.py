"""The splitter on real pages from other projects' test sets (tests/fixtures/generality)."""

from __future__ import annotations

import pytest

from tests.conftest import load_benchmark_module

evaluate = load_benchmark_module("generality/evaluate.py")


def test_metric_on_hand_computed_example():
    gold = "one two three four five six"  # 3 four-grams
    predicted = "zero one two three four five"  # 3 four-grams, 2 shared
    s = evaluate.score(predicted, gold)
    assert (s.overlap, s.predicted, s.gold) == (2, 3, 3)
    assert s.f1 == pytest.approx(2 / 3)
    assert evaluate.score("", gold).f1 == 0.0


def test_set_has_two_dozen_pages_split_before_tuning():
    pages = evaluate.load("all")
    assert len(pages) == 23
    assert len(evaluate.load("heldout")) == 13
    assert all(len(gold.split()) >= 100 for _, _, gold in pages)


@pytest.mark.parametrize("split", ["heldout", "dev"])
def test_main_body_f1_beats_target_and_naive_floor(split):
    pages = evaluate.load(split)
    ours, _, _ = evaluate.evaluate(pages, evaluate.splitter_body)
    naive, _, _ = evaluate.evaluate(pages, evaluate.naive_body)
    assert ours.f1 >= 0.92
    assert ours.f1 > naive.f1 + 0.2
