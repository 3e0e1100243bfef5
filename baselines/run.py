"""`talks baselines`: every task of a dataset, every model, both evaluations, written out."""

from __future__ import annotations

from pathlib import Path

from istanbul_talks.dataset.outputs import move_into_place, refuse_users_folders, work_folder
from rich.progress import Progress

from . import report
from .data import TaskData, column_task, load_frames, release_tasks
from .evaluate import Scores, evaluate
from .persist import save_best


def shipped_release() -> str:
    from importlib.resources import files

    return str(files("istanbul_talks.dataset").joinpath("release"))


def run_tasks(
    tasks: list[TaskData],
    dataset: str,
    out_dir: Path,
    progress: bool = True,
    save_models: bool = True,
) -> dict:
    """Evaluate every task, write results and plots, and save each task's best model (fitted on
    every labeled document) under `out_dir/models` for pre-annotations. The outputs are
    written in a work folder and moved into place together, replacing an earlier run's (its
    plots of tasks this run has not got included): a run that fails, or finds the disk full,
    leaves the earlier one whole."""
    if save_models:  # before the fits, which take minutes on a large dataset
        refuse_users_folders(out_dir, ["models"])
    results: dict[str, list[Scores]] = {}
    with Progress(transient=True, disable=not progress) as bar:
        job = bar.add_task("Baselines", total=len(tasks))
        for task in tasks:
            results[task.name] = evaluate(task)
            bar.advance(job)
    summary = report.results_dict(dataset, tasks, results)
    with work_folder(out_dir) as work:
        report.write(summary, work)
        for task in tasks:
            report.plot(task, results[task.name], work)
            if save_models:
                save_best(task, results[task.name], work / "models")
        written = {entry.name for entry in work.iterdir()}
        move_into_place(work, out_dir, sorted(written | report.earlier_plots(out_dir)))
    return summary


def run(
    dataset: str | None = None,
    config: str | None = None,
    out_dir: Path = Path("out/baselines"),
    text_column: str | None = None,
    label_column: str | None = None,
    group_column: str | None = None,
    progress: bool = True,
) -> dict:
    """Baselines on our release (default: the shipped one) or, with --label-column, on any
    dataset's text and label columns."""
    dataset = dataset or shipped_release()
    frames = load_frames(dataset, config if label_column else (config or "labeled"))
    if label_column:
        tasks = [column_task(frames, text_column or "text", label_column, group_column)]
    else:
        tasks = release_tasks(frames)
    return run_tasks(tasks, dataset, Path(out_dir), progress)
