"""Write baseline results: results.json (machine-readable), results.md (a table per task) and
PNG plots (confusion matrix of the best model per single-label task, per-class F1 bars)."""

from __future__ import annotations

import json
import platform
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from operator import attrgetter, itemgetter
from pathlib import Path

import numpy as np

from .data import TaskData
from .evaluate import BOOTSTRAP, Scores, headline
from .models import FLOORS, SEED

LIBRARIES = ("scikit-learn", "numpy", "polars", "datasets", "istanbul-talks")
METRICS = {
    "single": ["macro_f1", "micro_f1", "accuracy"],
    "multi": ["macro_f1", "micro_f1"],
    "spans": [
        "exact_precision",
        "exact_recall",
        "exact_f1",
        "overlap_precision",
        "overlap_recall",
        "overlap_f1",
    ],
}


KINDS = {"single": "single-label", "multi": "multi-label", "spans": "spans"}


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def _best_of(rows: list, kind: str, model_of: Callable, metrics_of: Callable):
    """The best non-floor row by the task's headline metric (ties: the name that sorts first)."""
    metric = headline(kind)
    candidates = [r for r in rows if model_of(r) not in FLOORS]
    return max(
        candidates,
        key=lambda r: (metrics_of(r)[metric], [-ord(c) for c in model_of(r)]),
        default=None,
    )


def best(scores: list[Scores], evaluation: str, kind: str) -> Scores | None:
    """The best non-floor model of an evaluation."""
    rows = [s for s in scores if s.evaluation == evaluation]
    return _best_of(rows, kind, attrgetter("model"), attrgetter("metrics"))


def best_result(task_summary: dict, evaluation: str = "cv") -> dict | None:
    """The best non-floor result row of a task in results.json."""
    rows = [r for r in task_summary["results"] if r["evaluation"] == evaluation]
    return _best_of(rows, task_summary["kind"], itemgetter("model"), itemgetter("metrics"))


def results_dict(dataset: str, tasks: list[TaskData], results: dict[str, list[Scores]]) -> dict:
    return {
        "dataset": dataset,
        "fingerprints": {task.name: task.fingerprint() for task in tasks},
        "seed": SEED,
        "bootstrap_resamples": BOOTSTRAP,
        "python": platform.python_version(),
        "libraries": {name: _version(name) for name in LIBRARIES},
        "tasks": {
            task.name: {
                "kind": task.kind,
                "classes": task.classes,
                "n_documents": len(task.ids),
                "normalized": task.normalized,
                "results": [
                    {
                        "model": s.model,
                        "evaluation": s.evaluation,
                        "n_scored": s.n,
                        "metrics": s.metrics,
                        "intervals_95": {k: list(v) for k, v in s.intervals.items()},
                        "per_class": s.per_class,
                        "params": {
                            k: (v if isinstance(v, int | float | str) else str(v))
                            for k, v in s.params.items()
                        },
                    }
                    for s in results[task.name]
                ],
            }
            for task in tasks
        },
    }


def results_markdown(summary: dict) -> str:
    lines = [
        f"# Baselines on {summary['dataset']}",
        "",
        f"Seed {summary['seed']}; 95% intervals from {summary['bootstrap_resamples']} bootstrap "
        "resamples of the scored documents. `split`: trained on train, scored on test; `cv`: "
        "out-of-fold predictions of grouped cross-validation over all labeled documents.",
        "",
    ]
    for name, task in summary["tasks"].items():
        metrics = METRICS[task["kind"]]
        lines += [
            f"## {name} ({KINDS[task['kind']]}, {task['n_documents']} documents)",
            "",
            "| evaluation | model | n | " + " | ".join(metrics) + " |",
            "|---|---|---:|" + "---:|" * len(metrics),
        ]
        for r in task["results"]:
            cells = []
            for m in metrics:
                low, high = r["intervals_95"][m]
                cells.append(f"{r['metrics'][m]:.3f} [{low:.3f}, {high:.3f}]")
            lines.append(
                f"| {r['evaluation']} | {r['model']} | {r['n_scored']} | "
                + " | ".join(cells)
                + " |"
            )
        if task["normalized"]:
            lines += [
                "",
                "Normalized: "
                + ", ".join(f"{k}: {v}" for k, v in sorted(task["normalized"].items())),
            ]
        lines.append("")
    return "\n".join(lines)


def plot(task: TaskData, scores: list[Scores], out_dir: Path) -> list[Path]:
    """Confusion matrix of the best model (single-label) and per-class F1 bars, for the CV
    evaluation when there is one, else the split."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    chosen = best(scores, "cv", task.kind) or best(scores, "split", task.kind)
    if chosen is None:
        return []
    written = []
    if task.kind == "single":
        figure, axis = plt.subplots(figsize=(6, 5))
        ConfusionMatrixDisplay.from_predictions(
            chosen.y_true,
            chosen.y_pred,
            labels=list(range(len(task.classes))),
            display_labels=task.classes,
            ax=axis,
            colorbar=False,
            xticks_rotation=45,
        )
        axis.set_title(f"{task.name}: {chosen.model} ({chosen.evaluation})")
        written.append(_save(figure, out_dir / f"{task.name}-confusion.png"))
    figure, axis = plt.subplots(figsize=(7, 0.4 * len(task.classes) + 1.5))
    f1 = [chosen.per_class[c]["f1"] for c in task.classes]
    axis.barh(np.arange(len(task.classes)), f1)
    axis.set_yticks(np.arange(len(task.classes)), task.classes)
    axis.set_xlim(0, 1)
    axis.set_xlabel("F1")
    axis.set_title(f"{task.name}: per-class F1, {chosen.model} ({chosen.evaluation})")
    written.append(_save(figure, out_dir / f"{task.name}-per-class-f1.png"))
    return written


PLOT_NAMES = ("*-confusion.png", "*-per-class-f1.png")  # {task}-...: what `plot` writes


def earlier_plots(out_dir: Path) -> set[str]:
    """The names of the plots an earlier run left in out_dir."""
    return {path.name for pattern in PLOT_NAMES for path in out_dir.glob(pattern)}


def _save(figure, path: Path) -> Path:
    """Write a figure without the software stamp, so that the same figure gives the same bytes."""
    import matplotlib.pyplot as plt

    figure.tight_layout()
    figure.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(figure)
    return path


def write(summary: dict, out_dir: Path) -> None:
    (out_dir / "results.json").write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n")
    (out_dir / "results.md").write_text(results_markdown(summary) + "\n")
