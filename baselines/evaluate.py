"""Train and evaluate every model on a task, honestly for small data.

Two evaluations, each over the same models:
- `split`: fit on `train` (hyper-parameters by grouped cross-validation on train only), score on
  `test`, when both splits exist;
- `cv`: grouped cross-validation over all labeled rows (StratifiedGroupKFold for single-label
  tasks, GroupKFold for multi-label ones), scoring the out-of-fold predictions; groups (near-
  duplicate clusters) never straddle a fold. Small datasets are judged on this one.

Metrics: accuracy (single-label), macro-F1 and micro-F1 with 95% bootstrap intervals over the
scored rows, and per-class precision, recall and F1. Before any fit, a leakage check refuses
train and test rows that share an id or a group.
"""

from __future__ import annotations

import tempfile
import warnings
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, UndefinedMetricWarning
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import GridSearchCV, GroupKFold, StratifiedGroupKFold

from .data import TaskData
from .models import SEED, candidates

BOOTSTRAP = 1000
MAX_FOLDS = 5


class LeakageError(RuntimeError):
    """Training and scored rows share an article or a near-duplicate group."""


def check_no_leakage(task: TaskData, train: np.ndarray, test: np.ndarray) -> None:
    ids = {task.ids[i] for i in train} & {task.ids[i] for i in test}
    groups = {task.groups[i] for i in train} & {task.groups[i] for i in test}
    if ids or groups:
        raise LeakageError(
            f"{task.name}: train and test share {len(ids)} ids and {len(groups)} groups "
            f"(first: {sorted(ids)[:3] or sorted(groups)[:3]})"
        )


@dataclass
class Scores:
    model: str
    evaluation: str  # "split" or "cv"
    n: int
    metrics: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    per_class: dict[str, dict[str, float]]
    params: dict
    y_true: np.ndarray
    y_pred: np.ndarray


def _indicators(kind: str, y: np.ndarray, n_classes: int) -> np.ndarray:
    if kind == "multi":
        return y.astype(np.int64)
    out = np.zeros((len(y), n_classes), dtype=np.int64)
    out[np.arange(len(y)), y] = 1
    return out


def f1_table(
    kind: str, y_true: np.ndarray, y_pred: np.ndarray, n_classes: int, weights: np.ndarray
) -> dict[str, np.ndarray]:
    """Macro-F1, micro-F1 (and accuracy for single-label) for each row of `weights`, a matrix of
    how often each scored document is counted (1s for the sample itself, bootstrap counts for a
    resample). Macro-F1 averages the classes present in the weighted truth or prediction."""
    truth = _indicators(kind, y_true, n_classes)
    predicted = _indicators(kind, y_pred, n_classes)
    tp = weights @ (truth * predicted)
    fp = weights @ ((1 - truth) * predicted)
    fn = weights @ (truth * (1 - predicted))
    denominator = 2 * tp + fp + fn
    present = denominator > 0
    per_class = np.divide(
        2 * tp, denominator, out=np.zeros_like(denominator, dtype=float), where=present
    )
    macro = np.divide(
        per_class.sum(axis=1),
        present.sum(axis=1),
        out=np.zeros(len(weights)),
        where=present.any(axis=1),
    )
    total = denominator.sum(axis=1)
    micro = np.divide(2 * tp.sum(axis=1), total, out=np.zeros(len(weights)), where=total > 0)
    values = {"macro_f1": macro, "micro_f1": micro}
    if kind == "single":
        values["accuracy"] = (weights @ (y_true == y_pred).astype(float)) / weights.sum(axis=1)
    return values


def _metric_values(
    kind: str, y_true: np.ndarray, y_pred: np.ndarray, n_classes: int
) -> dict[str, float]:
    table = f1_table(kind, y_true, y_pred, n_classes, np.ones((1, len(y_true))))
    return {name: float(values[0]) for name, values in table.items()}


def score(
    task: TaskData,
    model: str,
    evaluation: str,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    params: dict,
) -> Scores:
    labels = list(range(len(task.classes)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        precision, recall, f1, support = precision_recall_fscore_support(
            y_true, y_pred, labels=labels if task.kind == "single" else None, zero_division=0
        )
    per_class = {
        name: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, name in enumerate(task.classes)
    }
    return Scores(
        model,
        evaluation,
        len(y_true),
        _metric_values(task.kind, y_true, y_pred, len(task.classes)),
        _bootstrap(task.kind, y_true, y_pred, len(task.classes)),
        per_class,
        params,
        y_true,
        y_pred,
    )


def bootstrap_weights(n: int) -> np.ndarray:
    """How often each of n scored documents is drawn in each of the seeded resamples."""
    rng = np.random.default_rng(SEED)
    draws = rng.integers(0, n, (BOOTSTRAP, n))
    weights = np.zeros((BOOTSTRAP, n))
    np.add.at(weights, (np.repeat(np.arange(BOOTSTRAP), n), draws.ravel()), 1)
    return weights


def percentile_intervals(table: dict[str, np.ndarray]) -> dict[str, tuple[float, float]]:
    """95% percentile interval of each metric's resampled values."""
    return {
        name: (float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5)))
        for name, v in table.items()
    }


def _bootstrap(
    kind: str, y_true: np.ndarray, y_pred: np.ndarray, n_classes: int
) -> dict[str, tuple[float, float]]:
    """95% percentile intervals over the scored rows resampled with replacement (seeded)."""
    weights = bootstrap_weights(len(y_true))
    return percentile_intervals(f1_table(kind, y_true, y_pred, n_classes, weights))


def grouped_folds(
    task: TaskData, rows: np.ndarray, folds: int = MAX_FOLDS
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Grouped folds over `rows` (positions into the task), stratified for single-label."""
    groups = np.array(task.groups)[rows]
    n_splits = min(folds, len(set(groups)))
    if n_splits < 2:
        return []
    if task.kind == "single":
        splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=SEED)
        with warnings.catch_warnings():  # small classes cannot be in every fold: known, fine
            warnings.simplefilter("ignore", UserWarning)
            parts = list(splitter.split(np.zeros(len(rows)), task.target()[rows], groups))
    else:
        parts = GroupKFold(n_splits=n_splits).split(np.zeros(len(rows)), groups=groups)
    return [(rows[a], rows[b]) for a, b in parts]


class Learner(ABC):
    """A family of models for one kind of task: fit on rows, predict rows, score predictions."""

    @abstractmethod
    def names(self) -> list[str]:
        """The models, floors first."""

    @abstractmethod
    def fit(self, task: TaskData, name: str, rows: np.ndarray) -> tuple[Any, dict]:
        """The named model fitted on `rows` (its grid searched within them) and its params."""

    def predict(self, fitted: Any, task: TaskData, rows: np.ndarray) -> list:
        return list(fitted.predict([task.texts[r] for r in rows]))

    @abstractmethod
    def score(
        self,
        task: TaskData,
        name: str,
        evaluation: str,
        rows: np.ndarray,
        predicted: list,
        params: dict,
    ) -> Scores:
        """Metrics, intervals and per-class figures of predictions for `rows`."""


class TextClassifiers(Learner):
    """The floors and TF-IDF models of models.py, for single- and multi-label tasks. With
    `memory` (a cache folder), TF-IDF features are reused across a grid instead of refitted."""

    def __init__(self, kind: str, memory: str | None = None) -> None:
        self.kind = kind
        self.memory = memory

    def names(self) -> list[str]:
        return list(candidates(self.kind))

    def fit(self, task: TaskData, name: str, rows: np.ndarray) -> tuple[Any, dict]:
        """The model fitted on `rows`, its grid searched by grouped CV within them."""
        estimator, grid = candidates(task.kind, memory=self.memory)[name]
        texts, y = task.texts, task.target()
        folds = grouped_folds(task, rows) if grid else []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", UserWarning)
            if folds and _every_fold_fits(task, folds, y):
                local = {r: i for i, r in enumerate(rows)}
                cv = [
                    (np.array([local[r] for r in a]), np.array([local[r] for r in b]))
                    for a, b in folds
                ]
                search = GridSearchCV(
                    estimator, grid, cv=cv, scoring="f1_macro", error_score=np.nan, refit=True
                )
                search.fit([texts[r] for r in rows], y[rows])
                return search.best_estimator_, search.best_params_
            return clone(estimator).fit([texts[r] for r in rows], y[rows]), {}

    def score(
        self,
        task: TaskData,
        name: str,
        evaluation: str,
        rows: np.ndarray,
        predicted: list,
        params: dict,
    ) -> Scores:
        return score(task, name, evaluation, task.target()[rows], np.array(predicted), params)


def learner_for(task: TaskData, memory: str | None = None) -> Learner:
    if task.kind == "spans":
        from .spans import SpanTaggers  # spans builds on this module

        return SpanTaggers()
    return TextClassifiers(task.kind, memory)


def headline(kind: str) -> str:
    """The metric that ranks models: exact span F1 for spans, macro-F1 otherwise."""
    return "exact_f1" if kind == "spans" else "macro_f1"


def _every_fold_fits(task: TaskData, folds, y: np.ndarray) -> bool:
    """Linear models need two classes in each training fold (per label, for multi-label)."""
    for train, _ in folds:
        labels = y[train]
        if task.kind == "single" and len(np.unique(labels)) < 2:
            return False
        if task.kind == "multi" and (labels.min(axis=0) == labels.max(axis=0)).any():
            return False
    return True


def _fit_predict(
    learner: Learner, task: TaskData, name: str, train: np.ndarray, test: np.ndarray
) -> tuple[list | None, dict]:
    check_no_leakage(task, train, test)
    try:
        fitted, params = learner.fit(task, name, train)
    except ValueError as exc:  # e.g. a single class in the training rows
        return None, {"error": str(exc)}
    return learner.predict(fitted, task, test), params


def evaluate(task: TaskData, models: list[str] | None = None) -> list[Scores]:
    """Every model on the fixed split (when train and test exist) and by grouped CV."""
    with tempfile.TemporaryDirectory(prefix="baselines-cache-") as memory:
        learner = learner_for(task, memory)
        return _evaluate(task, learner, models or learner.names())


def _evaluate(task: TaskData, learner: Learner, names: list[str]) -> list[Scores]:
    results = []
    train, test = task.rows("train"), task.rows("test")
    if len(train) and len(test):
        for name in names:
            predicted, params = _fit_predict(learner, task, name, train, test)
            if predicted is not None:
                results.append(learner.score(task, name, "split", test, predicted, params))
    folds = grouped_folds(task, task.rows(None))
    for name in names:
        scored, predictions = [], []
        for fold_train, fold_test in folds:
            predicted, _ = _fit_predict(learner, task, name, fold_train, fold_test)
            if predicted is None:
                break
            scored.append(fold_test)
            predictions += predicted
        else:
            if folds:
                rows = np.concatenate(scored)
                results.append(learner.score(task, name, "cv", rows, predictions, {}))
    return results
