"""The `talks` command: a thin layer over the pipeline stages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from istanbul_talks.annotation.cli import app as annotate_app
from rich.console import Console

from .dedupe import DEFAULT_SHINGLE, DEFAULT_THRESHOLD, DedupeConfig
from .read import ManifestError

app = typer.Typer(
    help="istanbul-talks: news-page dumps to a labeled research dataset.", no_args_is_help=True
)
console = Console(stderr=True)
DEFAULT_OUT = Path("out")
MAX_LISTED = 20  # files listed on the terminal; the report lists them all


@app.callback()
def main() -> None:
    """istanbul-talks: news-page dumps to a labeled research dataset."""


app.add_typer(annotate_app, name="annotate")


@app.command("build")
def build_command(
    raw: Annotated[
        Path | None, typer.Option(help="Folder of raw dumps (default: the shipped ones).")
    ] = None,
    manifest: Annotated[
        Path | None, typer.Option(help="CSV or JSONL with file, url, crawled_at, site.")
    ] = None,
    out: Annotated[Path, typer.Option(help="Output folder.")] = DEFAULT_OUT,
    near_dup_threshold: Annotated[
        float, typer.Option(help="Jaccard similarity for near-duplicates.")
    ] = DEFAULT_THRESHOLD,
    shingle: Annotated[
        int, typer.Option(help="Words per shingle for near-duplicate detection.")
    ] = DEFAULT_SHINGLE,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    workers: Annotated[
        int, typer.Option(min=0, help="Processes that split dumps (0: up to 2 cores).")
    ] = 0,
) -> None:
    """Split raw dumps into clean, validated article records and write a report."""
    from .build import build

    try:
        config = DedupeConfig(threshold=near_dup_threshold, shingle=shingle)
        result = build(raw, out, manifest, config, progress=progress, workers=workers or None)
    except (FileNotFoundError, NotADirectoryError, ManifestError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    t = result.summary["totals"]
    console.print(
        f"{t['files']} files ({t['files_built']} built, {t['files_quarantined']} quarantined, "
        f"{t['files_skipped']} skipped): {t['articles_kept']} articles, "
        f"{t['articles_canonical']} canonical, {t['quarantine_rows']} quarantine rows -> {out}/"
    )
    problems = result.summary["problem_files"]
    for dump in problems[:MAX_LISTED]:
        console.print(
            f"[yellow]{dump['status'].split(':')[0]}:[/yellow] {dump['path']}: "
            f"{dump['status'].split(': ', 1)[-1]}",
            highlight=False,
        )
    unbuilt = t["files"] - t["files_built"]
    if unbuilt > MAX_LISTED:
        console.print(f"... and {unbuilt - MAX_LISTED} more files; see {out}/report.md")
    for warning in result.summary["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    if result.articles.height == 0:
        console.print("[red]error:[/red] no article could be built; see report.md")
        raise typer.Exit(1)
