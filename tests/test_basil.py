"""The BASIL loader: what it normalizes, and a clear error for what it cannot read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from istanbul_talks.baselines.data import DataError

from .conftest import load_benchmark_module

basil = load_benchmark_module("basil.py")
SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "basil"


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/benchmarks/basil is not beside the repo")
def test_basil_loads_with_normalized_labels_and_triplet_groups():
    task = basil.load_basil(SHARED)
    assert len(task.ids) == 300 and len(set(task.groups)) == 100
    assert task.classes == ["center", "conservative", "liberal"]
    assert task.normalized["relative_stance 'left' -> 'liberal'"] == 25
    assert task.normalized["relative_stance 'right' -> 'conservative'"] == 37
    assert {task.labels.count(c) for c in task.classes} == {144, 75, 81}


def _write(root: Path, stance: str) -> None:
    (root / "articles" / "2020").mkdir(parents=True)
    (root / "annotations" / "2020").mkdir(parents=True)
    article = {
        "title": "T",
        "body-paragraphs": [["One.", "Two."]],
        "triplet-uuid": "t1",
        "source": "NYT",
    }
    (root / "articles" / "2020" / "t1_1.json").write_text(json.dumps(article))
    annotation = {"article-level-annotations": {"relative_stance": stance}}
    (root / "annotations" / "2020" / "t1_1_ann.json").write_text(json.dumps(annotation))


def test_basil_normalizes_case_and_synonyms(tmp_path):
    _write(tmp_path, "Right")
    task = basil.load_basil(tmp_path)
    assert task.labels == ["conservative"] and task.texts == ["T\n\nOne. Two."]
    assert task.normalized == {
        "relative_stance 'Right' -> 'conservative'": 1,
        "source 'NYT' -> 'nyt'": 1,
    }


def test_basil_rejects_an_unknown_label_naming_the_file(tmp_path):
    _write(tmp_path, "radical")
    with pytest.raises(DataError, match=r"t1_1_ann\.json: relative_stance 'radical'"):
        basil.load_basil(tmp_path)
