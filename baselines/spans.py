"""Event spans as a sequence-labeling baseline built from scikit-learn parts.

The body is cut into tokens (words and single punctuation marks, with their character offsets);
each token gets a BIO tag (`B-ATTACK`, `I-ATTACK`, `O`) from the gold spans; a linear model
(hashed window features, logistic loss fitted by SGD with balanced class weights, since almost
every token is `O`) tags tokens one at a time; tags are decoded back into character spans over
the body. Hashing keeps memory bounded whatever the vocabulary. A lexicon floor (span texts seen
in training, found again by exact match) shows what memorising gets.

Scoring is span-level: exact (same start, end and type) and overlap (same type, ranges
intersecting, matched one to one), micro precision / recall / F1 over the scored documents with
95% bootstrap intervals (documents resampled), and per-type exact P/R/F1.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from istanbul_talks.annotation.agreement import matched_spans
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction import FeatureHasher
from sklearn.linear_model import SGDClassifier

from .data import TaskData
from .evaluate import Learner, Scores, bootstrap_weights, grouped_folds, percentile_intervals
from .models import SEED

Span = tuple[int, int, str]
TOKEN = re.compile(r"\w+(?:['’\-]\w+)*|[^\w\s]")
ALPHAS = (1e-5, 1e-4, 1e-3)  # SGD regularisation, chosen by grouped CV on train
INNER_FOLDS = 3  # for the grid: each fold refits the tagger, the costliest step here
_HASHER = FeatureHasher(2**18)  # stateless: the same features, the same columns, anywhere


def tokens(text: str) -> list[tuple[int, int]]:
    """(start, end) of each word or punctuation mark."""
    return [m.span() for m in TOKEN.finditer(text)]


def bio_tags(offsets: list[tuple[int, int]], spans: Sequence[Span]) -> list[str]:
    """A tag per token: B- for the first token starting inside a span, I- for the next ones."""
    tags = ["O"] * len(offsets)
    starts = np.array([s for s, _ in offsets], dtype=np.int64)
    for start, end, label in spans:
        inside = np.flatnonzero((starts >= start) & (starts < end))
        for rank, index in enumerate(inside):
            tags[index] = f"{'B' if rank == 0 else 'I'}-{label}"
    return tags


def decode(offsets: list[tuple[int, int]], tags: Sequence[str]) -> list[Span]:
    """Character spans from BIO tags; an I- tag that does not continue a span of its type
    starts one (a lenient reading of the model's output)."""
    spans: list[Span] = []
    current: list | None = None
    for (start, end), tag in zip(offsets, tags, strict=True):
        kind, _, label = tag.partition("-")
        if kind == "O" or (kind == "B") or current is None or current[2] != label:
            if current:
                spans.append(tuple(current))
            current = None if kind == "O" else [start, end, label]
        else:
            current[1] = end
    if current:
        spans.append(tuple(current))
    return spans


@lru_cache(maxsize=65536)
def _shape(word: str) -> str:
    shape = re.sub(r"[A-Z]", "X", re.sub(r"[a-z]", "x", re.sub(r"\d", "d", word)))
    return re.sub(r"(.)\1+", r"\1\1", shape)


@lru_cache(maxsize=512)
def document_matrix(text: str, window: int) -> tuple[list[tuple[int, int]], sparse.csr_matrix]:
    """Token offsets and hashed features (one row per token) of a text. Cached, since
    cross-validation sees each body many times; rows are hashed per document so that feature
    dicts never pile up for a whole corpus."""
    offsets = tokens(text)
    return offsets, _HASHER.transform(token_features(text, offsets, window))


def token_features(text: str, offsets: list[tuple[int, int]], window: int) -> list[dict]:
    """Window features of each token: the words around it, its shape, prefix and suffix."""
    words = [text[s:e] for s, e in offsets]
    lower = [w.lower() for w in words]
    padded = ["<s>"] * window + lower + ["</s>"] * window
    features = []
    for i, word in enumerate(words):
        row = {
            "w": lower[i],
            "shape": _shape(word),
            "pre3": lower[i][:3],
            "suf3": lower[i][-3:],
            "title": word[:1].isupper(),
            "bigram": f"{padded[window + i - 1]}|{lower[i]}",
        }
        for offset in range(1, window + 1):
            row[f"w-{offset}"] = padded[window + i - offset]
            row[f"w+{offset}"] = padded[window + i + offset]
        features.append(row)
    return features


class BIOTagger(BaseEstimator):
    """Token-level BIO tagging with a linear model; fit on bodies and their spans, predict
    spans."""

    def __init__(self, alpha: float = 1e-4, window: int = 2, random_state: int = SEED) -> None:
        self.alpha = alpha
        self.window = window
        self.random_state = random_state

    def fit(self, bodies: Sequence[str], spans: Sequence[Sequence[Span]]) -> BIOTagger:
        matrices, tags = [], []
        for body, gold in zip(bodies, spans, strict=True):
            offsets, matrix = document_matrix(body, self.window)
            matrices.append(matrix)
            tags += bio_tags(offsets, gold)
        if len(set(tags)) < 2:  # nothing to learn but "O": predict no spans
            self.model_ = None
            return self
        self.model_ = SGDClassifier(
            loss="log_loss",
            alpha=self.alpha,
            class_weight="balanced",
            random_state=self.random_state,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.model_.fit(sparse.vstack(matrices, format="csr"), tags)
        return self

    def predict(self, bodies: Sequence[str]) -> list[list[Span]]:
        if self.model_ is None:
            return [[] for _ in bodies]
        documents = [document_matrix(body, self.window) for body in bodies]
        offsets = [o for o, _ in documents]
        if not sum(map(len, offsets)):
            return [[] for _ in bodies]
        tags = list(self.model_.predict(sparse.vstack([m for _, m in documents], format="csr")))
        out, at = [], 0
        for o in offsets:
            out.append(decode(o, tags[at : at + len(o)]))
            at += len(o)
        return out


class SpanLexicon(BaseEstimator):
    """The floor: every span text seen in training (case-insensitive), typed as it was most
    often, found again in new bodies (leftmost, longest, whole words)."""

    def fit(self, bodies: Sequence[str], spans: Sequence[Sequence[Span]]) -> SpanLexicon:
        seen: dict[str, Counter] = {}
        for body, gold in zip(bodies, spans, strict=True):
            for start, end, label in gold:
                seen.setdefault(body[start:end].lower(), Counter())[label] += 1
        self.lexicon_ = {
            text: min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
            for text, counts in sorted(seen.items())
        }
        return self

    def predict(self, bodies: Sequence[str]) -> list[list[Span]]:
        if not self.lexicon_:
            return [[] for _ in bodies]
        texts = sorted(self.lexicon_, key=lambda t: (-len(t), t))
        pattern = re.compile(
            r"(?<!\w)(?:" + "|".join(map(re.escape, texts)) + r")(?!\w)", re.IGNORECASE
        )
        return [
            [(m.start(), m.end(), self.lexicon_[m.group().lower()]) for m in pattern.finditer(b)]
            for b in bodies
        ]


MODELS = ("lexicon", "bio_logreg")


def span_counts(
    gold: Sequence[Sequence[Span]], predicted: Sequence[Sequence[Span]], overlap: bool
) -> np.ndarray:
    """Per document: matched spans, predicted spans, gold spans."""
    return np.array(
        [
            (matched_spans(p, g, overlap), len(p), len(g))
            for g, p in zip(gold, predicted, strict=True)
        ],
        dtype=float,
    ).reshape(-1, 3)


def prf(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Micro precision, recall and F1 from summed (matched, predicted, gold) counts; the last
    axis holds the three counts. An empty side scores 0."""
    matched, predicted, gold = counts[..., 0], counts[..., 1], counts[..., 2]
    return {
        "precision": np.divide(matched, predicted, out=np.zeros_like(matched), where=predicted > 0),
        "recall": np.divide(matched, gold, out=np.zeros_like(matched), where=gold > 0),
        "f1": np.divide(
            2 * matched,
            predicted + gold,
            out=np.zeros_like(matched),
            where=(predicted + gold) > 0,
        ),
    }


def span_metrics(
    gold: Sequence[Sequence[Span]], predicted: Sequence[Sequence[Span]], weights: np.ndarray
) -> dict[str, np.ndarray]:
    """exact_/overlap_ precision, recall and F1 for each row of `weights` (how often each
    document is counted: ones for the sample, bootstrap counts for a resample)."""
    values = {}
    for mode, overlap in (("exact", False), ("overlap", True)):
        for name, value in prf(weights @ span_counts(gold, predicted, overlap)).items():
            values[f"{mode}_{name}"] = value
    return values


def point_metrics(
    gold: Sequence[Sequence[Span]], predicted: Sequence[Sequence[Span]]
) -> dict[str, float]:
    """The span metrics of the documents as they are (each counted once)."""
    ones = np.ones((1, len(gold)))
    return {name: float(value[0]) for name, value in span_metrics(gold, predicted, ones).items()}


def per_type(
    gold: Sequence[Sequence[Span]], predicted: Sequence[Sequence[Span]], classes: list[str]
) -> dict[str, dict[str, float]]:
    """Exact P/R/F1 and gold support of each span type."""
    table = {}
    for label in classes:
        g = [[s for s in spans if s[2] == label] for spans in gold]
        p = [[s for s in spans if s[2] == label] for spans in predicted]
        counts = span_counts(g, p, overlap=False).sum(axis=0)
        table[label] = {k: float(v) for k, v in prf(counts).items()}
        table[label]["support"] = int(counts[2])
    return table


class SpanTaggers(Learner):
    """The span models as a `Learner`: the lexicon floor and the BIO tagger, whose alpha is
    chosen by grouped cross-validation on the training rows (exact, then overlap span F1, pooled
    over folds)."""

    def names(self) -> list[str]:
        return list(MODELS)

    def fit(self, task: TaskData, name: str, rows: np.ndarray) -> tuple[BaseEstimator, dict]:
        bodies = [task.texts[r] for r in rows]
        gold = [task.labels[r] for r in rows]
        if name == "lexicon":
            return SpanLexicon().fit(bodies, gold), {}
        folds = grouped_folds(task, rows, INNER_FOLDS)
        if not folds:
            return BIOTagger().fit(bodies, gold), {}
        pooled = {}
        for alpha in ALPHAS:
            gold_out, predicted_out = [], []
            for train, test in folds:
                tagger = BIOTagger(alpha=alpha).fit(
                    [task.texts[r] for r in train], [task.labels[r] for r in train]
                )
                predicted_out += tagger.predict([task.texts[r] for r in test])
                gold_out += [task.labels[r] for r in test]
            metrics = point_metrics(gold_out, predicted_out)
            pooled[alpha] = (metrics["exact_f1"], metrics["overlap_f1"])
        best = max(ALPHAS, key=lambda a: (pooled[a], a))  # ties: the stronger regularisation
        return BIOTagger(alpha=best).fit(bodies, gold), {"alpha": best}

    def score(
        self,
        task: TaskData,
        name: str,
        evaluation: str,
        rows: np.ndarray,
        predicted: list,
        params: dict,
    ) -> Scores:
        gold = [task.labels[r] for r in rows]
        metrics = point_metrics(gold, predicted)
        resampled = span_metrics(gold, predicted, bootstrap_weights(len(rows)))
        return Scores(
            name,
            evaluation,
            len(rows),
            metrics,
            percentile_intervals(resampled),
            per_type(gold, predicted, task.classes),
            params,
            _objects(gold),
            _objects(predicted),
        )


def _objects(rows: list) -> np.ndarray:
    """A 1-d object array of span lists (np.array would stack equal-length lists)."""
    out = np.empty(len(rows), dtype=object)
    out[:] = rows
    return out
