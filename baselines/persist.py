"""Save trained baselines with skops (not pickle) and a model card; load them back safely; use
them as the annotation workflow's pre-annotation model.

A saved model is `<task>.skops` plus `<task>.md`, its card. Loading refuses any type outside
scikit-learn, numpy and scipy, so a tampered file cannot run code on the loader's machine.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import skops.io as sio

from .data import TaskData, document_text
from .evaluate import Scores, learner_for
from .models import SEED

# A fixed time for every member of a saved model's zip file (the earliest a zip can hold).
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# Fitted attributes that hold a memory address of the fitting process (scikit-learn's
# vectorizers: the id of the stop-word list they checked), meaningless once loaded elsewhere:
# saved as None, which makes a loaded vectorizer check its stop words again.
PROCESS_ADDRESSES = frozenset({"_stop_words_id"})
# What a saved baseline may contain: scikit-learn, numpy, scipy and our span tagger.
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.", "istanbul_talks.baselines.spans.")


class ModelError(RuntimeError):
    """A saved model cannot be loaded or used (untrusted types, missing files)."""


def save_model(task: TaskData, model: str, out_dir: Path, quality: Scores | None = None) -> Path:
    """Fit the named model on every labeled row of the task and save it with its card, which
    quotes `quality` (the model's evaluation) when given."""
    rows = task.rows(None)
    with tempfile.TemporaryDirectory(prefix="baselines-cache-") as memory:
        fitted, params = learner_for(task, memory).fit(task, model, rows)
    if hasattr(fitted, "memory"):  # the cache folder is gone: do not save a path to it
        fitted.set_params(memory=None)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{task.name}.skops"
    path.write_bytes(reproducible_skops(fitted))
    meta = {
        "task": task.name,
        "kind": task.kind,
        "classes": task.classes,
        "model": model,
        "params": {k: str(v) for k, v in params.items()},
        "trained_on": len(rows),
        "data_fingerprint": task.fingerprint(),
        "seed": SEED,
        "evaluation": quality.evaluation if quality else None,
        "metrics": quality.metrics if quality else {},
        "intervals_95": {k: list(v) for k, v in quality.intervals.items()} if quality else {},
    }
    (out_dir / f"{task.name}.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    (out_dir / f"{task.name}.md").write_text(model_card(meta))
    return path


def reproducible_skops(model: Any) -> bytes:
    """The model as a skops file whose bytes depend on the model only. skops names each array
    file and marks each object (`__id__`) with its memory address, stamps every member with
    the time of saving, and keeps PROCESS_ADDRESSES, so the same model gave other bytes on
    every run: here ids and array files are numbered in the order of the schema, those
    addresses are None, every member has ZIP_TIME, and all are compressed (the schema holds
    the whole TF-IDF vocabulary as JSON)."""
    buffer = io.BytesIO()
    sio.dump(model, buffer)
    with zipfile.ZipFile(buffer) as saved:
        schema = json.loads(saved.read("schema.json"))
        names = frozenset(saved.namelist()) - {"schema.json"}
        renamed: dict[str, str] = {}
        _renumber(schema, names, renamed, {})
        members = {
            renamed.get(old, old): saved.read(old)
            for old in sorted(names, key=lambda old: renamed.get(old, old))
        }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as rewritten:
        schema_text = json.dumps(schema, indent=2).encode("utf-8")
        for name, data in [("schema.json", schema_text), *members.items()]:
            member = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            rewritten.writestr(member, data)
    return out.getvalue()


def _renumber(
    node: Any, names: frozenset[str], renamed: dict[str, str], ids: dict[int, int]
) -> None:
    """Give, in place, each object id (`__id__`) and each member file a skops schema refers to
    ("file": "<id>.npy", one of `names`) the next number the first time it is met; `renamed`
    maps old file names to new ones, `ids` old ids to new ones."""
    if isinstance(node, dict):
        old_id = node.get("__id__")
        if isinstance(old_id, int):
            node["__id__"] = ids.setdefault(old_id, len(ids) + 1)
        name = node.get("file")
        if isinstance(name, str) and name in names:
            node["file"] = renamed.setdefault(name, f"{len(renamed):05d}{Path(name).suffix}")
        for key, value in node.items():
            if key in PROCESS_ADDRESSES and isinstance(value, dict) and value.get("is_json"):
                value["content"] = "null"
            _renumber(value, names, renamed, ids)
    elif isinstance(node, list):
        for value in node:
            _renumber(value, names, renamed, ids)


def model_card(meta: dict) -> str:
    """The model card: what the model is, what it was trained on, how good it is, what for."""
    intervals = meta["intervals_95"]
    metrics = ", ".join(
        f"{name} {value:.3f} [{intervals[name][0]:.3f}, {intervals[name][1]:.3f}]"
        for name, value in sorted(meta["metrics"].items())
    )
    quality = (
        f"Estimated quality ({meta['evaluation']} evaluation, 95% bootstrap intervals): {metrics}"
        if meta["evaluation"]
        else "Not evaluated: run `talks baselines` for its figures"
    )
    design = (
        "token-level BIO tagger: hashed window features and a linear model fitted by SGD"
        if meta["kind"] == "spans"
        else "scikit-learn pipeline: TF-IDF word and character n-grams and a linear classifier"
    )
    return "\n".join(
        [
            f"# Baseline model: {meta['task']}",
            "",
            f"- Model: {meta['model']} ({design}), parameters {meta['params'] or 'defaults'}.",
            f"- Task: {meta['kind']}, classes {', '.join(meta['classes'])}.",
            f"- Trained on {meta['trained_on']} labeled documents (data fingerprint "
            f"`{meta['data_fingerprint'][:16]}`), seed {meta['seed']}.",
            f"- {quality}.",
            "- Intended use: a baseline to compare models against, and pre-annotations that "
            "annotators correct in Label Studio. Not for decisions about outlets or people.",
            "- Limitations: linear models over n-grams; trained on a small corpus of English news "
            "about one event; its labels are those of the dataset it was trained on (for the "
            "shipped release: the maintainers' reference labels, one annotator).",
            "- Load with `istanbul_talks.baselines.persist.load_model` (skops, trusted types "
            "checked), never with pickle.",
            "",
        ]
    )


def load_model(path: Path):
    """A saved pipeline, refusing any type outside scikit-learn, numpy and scipy."""
    path = Path(path)
    if not path.exists():
        raise ModelError(f"{path} not found")
    untrusted = sio.get_untrusted_types(file=path)
    unknown = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
    if unknown:
        raise ModelError(f"{path} holds types that are not trusted: {unknown}")
    return sio.load(path, trusted=untrusted)


def save_best(task: TaskData, scores: list[Scores], out_dir: Path) -> Path | None:
    """Save the task's best non-floor model (grouped-CV figures first, else the split's)."""
    from .report import best

    chosen = best(scores, "cv", task.kind) or best(scores, "split", task.kind)
    return save_model(task, chosen.model, out_dir, chosen) if chosen else None


class BaselinePredictor:
    """Pre-annotations from saved baselines (stance, topics, event spans): the annotation
    workflow's `Predictor`, its `model_version` naming the models' training data."""

    def __init__(self, models_dir: Path) -> None:
        from istanbul_talks.annotation.schema import load_schema

        self.schema = load_schema()
        self.models: dict[str, Any] = {}
        self.meta: dict[str, dict] = {}
        for task in self.schema.tasks:
            path = Path(models_dir) / f"{task.name}.skops"
            if path.exists():
                self.models[task.name] = load_model(path)
                self.meta[task.name] = json.loads(path.with_suffix(".json").read_text())
        if not self.models:
            names = ", ".join(f"{t.name}.skops" for t in self.schema.tasks)
            raise ModelError(f"no saved baseline in {models_dir} (looked for {names})")
        prints = "-".join(self.meta[t]["data_fingerprint"][:6] for t in sorted(self.meta))
        self.model_version = f"baselines-{prints}"

    def predict(self, articles: list[dict]) -> list[tuple[list[dict], float]]:
        """Label Studio result items per article; the score is 0 (no calibrated confidence)."""
        from istanbul_talks.annotation.schema import result_items

        texts = [document_text(a.get("title"), a["body"]) for a in articles]
        bodies = [a["body"] for a in articles]
        labels: list[dict[str, list[str]]] = [{} for _ in articles]
        spans: list[list] = [[] for _ in articles]
        span_task = None
        for name, model in self.models.items():
            kind, classes = self.meta[name]["kind"], self.meta[name]["classes"]
            if kind == "spans":
                spans = model.predict(bodies)
                span_task = name
                continue
            for row, value in enumerate(model.predict(texts)):
                if kind == "single":
                    labels[row][name] = [classes[int(value)]]
                else:
                    labels[row][name] = [c for c, on in zip(classes, value, strict=True) if on]
        return [
            (result_items(self.schema, chosen, found, body, span_task), 0.0)
            for chosen, found, body in zip(labels, spans, bodies, strict=True)
        ]
