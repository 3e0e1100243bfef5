"""The baseline models: two floors and three TF-IDF linear models, each with its search grid.

Features are TF-IDF word 1–2-grams and character 2–5-grams (within word boundaries). Multi-label
tasks wrap each classifier one-vs-rest. Hyper-parameters are chosen by grouped cross-validation
on the training rows only.
"""

from __future__ import annotations

from sklearn.base import BaseEstimator
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

SEED = 20251123
FLOORS = ("majority", "stratified", "lexicon")


def tfidf() -> FeatureUnion:
    return FeatureUnion(
        [
            ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
        ]
    )


def candidates(
    kind: str, seed: int = SEED, memory: str | None = None
) -> dict[str, tuple[BaseEstimator, dict]]:
    """name -> (unfitted estimator taking raw texts, parameter grid). With `memory` (a cache
    folder), fitted TF-IDF features are reused across the grid instead of refitted."""
    multi = kind == "multi"

    def wrap(model: BaseEstimator, grid: dict) -> tuple[BaseEstimator, dict]:
        if multi:
            model = OneVsRestClassifier(model)
            grid = {key.replace("model__", "model__estimator__"): v for key, v in grid.items()}
        return Pipeline([("features", tfidf()), ("model", model)], memory=memory), grid

    return {
        "majority": (DummyClassifier(strategy="most_frequent"), {}),
        "stratified": (DummyClassifier(strategy="stratified", random_state=seed), {}),
        "tfidf_logreg": wrap(
            LogisticRegression(max_iter=5000, class_weight="balanced", random_state=seed),
            {"model__C": [0.1, 1.0, 10.0]},
        ),
        "tfidf_linearsvc": wrap(
            LinearSVC(class_weight="balanced", random_state=seed), {"model__C": [0.1, 1.0, 10.0]}
        ),
        "tfidf_complementnb": wrap(ComplementNB(), {"model__alpha": [0.1, 0.5, 1.0]}),
    }
