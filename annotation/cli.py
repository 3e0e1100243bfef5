"""`talks annotate ...`: the annotation lead's commands, a thin layer over the annotation modules.

The SDK is an optional extra (`pip install "istanbul-talks[annotate]"`), so modules that need it
are imported inside the commands.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from istanbul_talks.dataset.messages import say
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Label articles in a real Label Studio server.", no_args_is_help=True)
# Tables go to stdout; when it is not a terminal (a pipe, a file) they must not be cut at 80.
# Cells hold annotator names and file names, shown as written (no rich markup).
out = Console(width=None if sys.stdout.isatty() else 160, markup=False)
DEFAULT_BUILD = Path("out")
DEFAULT_LABELS = Path("labels")
DEFAULT_TARGET = 2  # annotators wanted per article
DEFAULT_MODELS = Path("out/baselines/models")  # where `talks baselines` saves its models

UrlOption = Annotated[
    str | None,
    typer.Option(help="Server URL (default: $LABEL_STUDIO_URL, else what serve recorded)."),
]
DataDirOption = Annotated[
    Path | None,
    typer.Option(
        help="The server's data dir (default: $TALKS_LABEL_STUDIO_DATA or ~/.local/share)."
    ),
]
ProjectOption = Annotated[str | None, typer.Option(help="Project title.")]
LabelsOption = Annotated[Path, typer.Option(help="Folder for snapshots and label tables.")]


def _fail(exc: Exception) -> typer.Exit:
    say(str(exc), "error")
    return typer.Exit(1)


def _client(url: str | None, data_dir: Path | None):
    try:
        from .client import connect, resolve_connection
    except ImportError as exc:  # the SDK is an extra
        raise _fail(
            RuntimeError(f"{exc.name} is missing: pip install 'istanbul-talks[annotate]'")
        ) from exc
    from .server import ServerError

    try:
        connection = resolve_connection(url, data_dir)
    except ServerError as exc:  # a credentials file that cannot be read
        raise _fail(exc) from exc
    return connect(connection)


def _project_id(client, title: str | None) -> int:
    from .client import AnnotateError
    from .push import DEFAULT_PROJECT, find_project

    title = title or DEFAULT_PROJECT
    project_id = find_project(client, title)
    if project_id is None:
        raise AnnotateError(f"no project titled {title!r} on the server; run `talks annotate push`")
    return project_id


@app.command("serve")
def serve_command(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8080,
    data_dir: DataDirOption = None,
) -> None:
    """Start Label Studio on 127.0.0.1 (installing it into its own venv the first time)."""
    from .server import ServerError, default_data_dir, serve

    try:
        serve(data_dir or default_data_dir(), port)
    except ServerError as exc:
        raise _fail(exc) from exc


@app.command("push")
def push_command(
    build: Annotated[Path, typer.Option(help="Output folder of `talks build`.")] = DEFAULT_BUILD,
    url: UrlOption = None,
    data_dir: DataDirOption = None,
    project: ProjectOption = None,
    model: Annotated[
        Path | None,
        typer.Option(
            help="Saved baselines (`talks baselines` output's models/) whose outputs are "
            f"attached as pre-annotations [default: {DEFAULT_MODELS} when it exists]."
        ),
    ] = None,
    predictions: Annotated[
        bool, typer.Option(help="Attach baseline pre-annotations when a model exists.")
    ] = True,
) -> None:
    """Create the project if missing and import canonical articles not yet imported."""
    from istanbul_talks.dataset.build import read_table

    from .client import AnnotateError
    from .push import DEFAULT_PROJECT, push

    try:
        articles = read_table(build, "articles")
    except FileNotFoundError as exc:
        raise _fail(exc) from exc
    predictor = _predictor(model) if predictions else None
    if predictor:
        say(f"pre-annotations from {predictor.model_version}")
    try:
        result = push(
            _client(url, data_dir),
            articles,
            project or DEFAULT_PROJECT,
            predictor=predictor,
        )
    except AnnotateError as exc:
        raise _fail(exc) from exc
    created = "created" if result.project_created else "found"
    say(
        f"project {result.project_id} ({created}): {result.imported} tasks imported, "
        f"{result.already_there} already there"
    )


def _predictor(model: Path | None):
    """The saved baselines as a predictor: the folder asked for, else the default one when
    `talks baselines` has written it, else none."""
    folder = model or DEFAULT_MODELS
    if model is None and not folder.exists():
        return None
    try:
        from istanbul_talks.baselines.persist import BaselinePredictor, ModelError
    except ImportError as exc:
        raise _fail(
            ImportError(f"{exc.name} missing: pip install 'istanbul-talks[baselines]'")
        ) from exc
    try:
        return BaselinePredictor(folder)
    except ModelError as exc:
        raise _fail(exc) from exc


@app.command("pull")
def pull_command(
    url: UrlOption = None,
    data_dir: DataDirOption = None,
    project: ProjectOption = None,
    labels: LabelsOption = DEFAULT_LABELS,
) -> None:
    """Export every annotation, keep a pseudonymized snapshot, write the label tables."""
    from istanbul_talks.dataset.outputs import OutputError

    from .client import AnnotateError
    from .pull import (
        PseudonymKeyError,
        export_project,
        people,
        pseudonym_key,
        save_snapshot,
        scrub,
        write_label_tables,
    )
    from .server import default_data_dir

    try:
        client = _client(url, data_dir)
        export = export_project(client, _project_id(client, project))
        key = pseudonym_key(data_dir or default_data_dir())
        snapshot = save_snapshot(scrub(export, people(client, key)), labels / "snapshots")
        say(f"snapshot: {snapshot}")
        table, problems, gold = write_label_tables(snapshot, labels)
    except (AnnotateError, OutputError, PseudonymKeyError) as exc:
        raise _fail(exc) from exc
    say(
        f"{table['article_id'].n_unique()} articles, {table['annotator'].n_unique()} annotators, "
        f"{gold.height} gold labels, {problems.height} quarantined -> {labels}/"
    )
    for row in problems.head(20).iter_rows(named=True):
        say(f"{row['article_id']}: {row['reason']}", "quarantined")


@app.command("status")
def status_command(
    url: UrlOption = None,
    data_dir: DataDirOption = None,
    project: ProjectOption = None,
    target: Annotated[int, typer.Option(help="Annotators wanted per article.")] = DEFAULT_TARGET,
) -> None:
    """Tasks done per annotator, and tasks that still need labels."""
    from istanbul_talks.dataset.outputs import OutputError

    from .client import AnnotateError
    from .pull import (
        PseudonymKeyError,
        annotations_from_export,
        export_project,
        people,
        pseudonym_key,
        scrub,
    )
    from .server import default_data_dir

    try:
        client = _client(url, data_dir)
        export = export_project(client, _project_id(client, project))
        key = pseudonym_key(data_dir or default_data_dir())
        table, _ = annotations_from_export(scrub(export, people(client, key)))
    except (AnnotateError, OutputError, PseudonymKeyError) as exc:
        raise _fail(exc) from exc
    per_annotator = (
        table.unique(["article_id", "annotator"])
        .group_by("annotator")
        .agg(
            (pl.col("status") == "submitted").sum().alias("submitted"),
            (pl.col("status") == "skipped").sum().alias("skipped"),
        )
        .sort("annotator")
    )
    view = Table("annotator", "submitted", "skipped", title=f"{len(export)} tasks")
    for row in per_annotator.iter_rows():
        view.add_row(*map(str, row))
    out.print(view)
    done = (
        table.filter(pl.col("status") == "submitted")
        .group_by("article_id")
        .agg(pl.col("annotator").n_unique().alias("n"))
    )
    counts = dict(done.iter_rows())
    needing = [
        t["data"].get("article_id")
        for t in export
        if counts.get(t["data"].get("article_id"), 0) < target
    ]
    out.print(
        f"{len(needing)} of {len(export)} tasks have fewer than {target} submitted annotations"
    )


@app.command("agreement")
def agreement_command(
    labels: LabelsOption = DEFAULT_LABELS,
) -> None:
    """Agreement on the latest pulled snapshot: alpha for stance and topics, span F1 for events."""
    from .agreement import agreement
    from .pull import annotations_from_export, load_snapshot, snapshots

    found = snapshots(labels / "snapshots")
    if not found:
        raise _fail(
            FileNotFoundError(f"no snapshot in {labels}/snapshots: run `talks annotate pull`")
        )
    table, _ = annotations_from_export(load_snapshot(found[-1]))
    figures = agreement(table)
    view = Table("task", "label", "measure", "value", "95% interval", "items", title=found[-1].name)
    for row in figures.iter_rows(named=True):
        view.add_row(
            row["task"],
            row["label"] or "",
            row["measure"],
            f"{row['value']:.3f}",
            f"{row['ci_low']:.3f} to {row['ci_high']:.3f}",
            str(row["n_items"]),
        )
    out.print(view)


@app.command("guidelines")
def guidelines_command(
    check: Annotated[
        bool, typer.Option(help="Only check that the label tables match the schema.")
    ] = False,
) -> None:
    """Print the guidelines with label tables regenerated from schema.toml (or --check them)."""
    from .guidelines import guidelines_text, render_tables, tasks_without_table
    from .schema import load_schema

    schema, text = load_schema(), guidelines_text()
    rendered = render_tables(schema, text)
    missing = tasks_without_table(schema, text)
    if check:
        if rendered != text or missing:
            raise _fail(
                RuntimeError(
                    f"GUIDELINES.md label tables differ from schema.toml (missing: {missing})"
                )
            )
        say("GUIDELINES.md label tables match schema.toml")
        return
    print(rendered, end="")


@app.command("reference")
def reference_command(
    out: Annotated[
        Path | None,
        typer.Option(help="Folder for the snapshot (default: the package's reference/)."),
    ] = None,
) -> None:
    """Maintainers: relabel the shipped corpus from reference/decisions.toml through a throwaway
    Label Studio server (push, label as a maintainer account, pull) and write the snapshot."""
    from istanbul_talks.dataset.build import build
    from istanbul_talks.dataset.outputs import OutputError

    from .client import AnnotateError
    from .reference import make_reference_labels
    from .schema import SchemaError

    try:
        snapshot = make_reference_labels(build().articles, out)
    except (AnnotateError, OutputError, SchemaError) as exc:
        raise _fail(exc) from exc
    say(f"reference labels: {snapshot}")
