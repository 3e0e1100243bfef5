"""The `talks` command: a thin layer over the pipeline stages."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from istanbul_talks.annotation.cli import app as annotate_app

from .dedupe import DEFAULT_SHINGLE, DEFAULT_THRESHOLD, DedupeConfig
from .messages import say
from .read import ManifestError

app = typer.Typer(
    help="istanbul-talks: news-page dumps to a labeled research dataset.", no_args_is_help=True
)
DEFAULT_OUT = Path("out")
MAX_LISTED = 20  # files listed on the terminal; the report lists them all
INTERRUPTED = 130  # the shell's code for a command ended by Ctrl-C (128 + SIGINT)


class Engine(StrEnum):
    local = "local"
    ray = "ray"


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
    incremental: Annotated[
        bool,
        typer.Option(
            help="Add to the build already in --out: split only dumps it has not seen; earlier "
            "articles keep their ids and near-duplicate clusters."
        ),
    ] = False,
    engine: Annotated[
        Engine,
        typer.Option(help="local: this machine's cores; ray: Ray Data (local or real cluster)."),
    ] = Engine.local,
    address: Annotated[
        str | None,
        typer.Option(
            help="Ray cluster to join with --engine ray (HEAD:6379, or auto on a node); "
            "default: RAY_ADDRESS, or else a local cluster on this machine."
        ),
    ] = None,
) -> None:
    """Split raw dumps into clean, validated article records and write a report."""
    from .build import build
    from .outputs import OutputError

    try:
        config = DedupeConfig(threshold=near_dup_threshold, shingle=shingle)
        if engine is Engine.ray:
            if incremental or workers:
                raise ValueError(
                    f"{'--incremental' if incremental else '--workers'} runs on the local engine "
                    "only (Ray sizes its own workers)"
                )
            from .distributed import EngineError, build_on_ray

            try:
                result = build_on_ray(raw, out, manifest, config, address, progress)
            except EngineError as exc:
                say(str(exc), "error")
                raise typer.Exit(2) from exc
        else:
            if address is not None:  # meant for a cluster: building here instead would mislead
                raise ValueError("--address names a Ray cluster: add --engine ray to build on it")
            result = build(
                raw,
                out,
                manifest,
                config,
                progress=progress,
                workers=workers or None,
                incremental=incremental,
            )
    except (
        FileNotFoundError,
        NotADirectoryError,
        PermissionError,
        ManifestError,
        OutputError,
        ValueError,
    ) as exc:
        say(str(exc), "error")
        raise typer.Exit(2) from exc
    except KeyboardInterrupt:
        say(
            f"the build was stopped; {out}/ holds the earlier build, "
            "unchanged (this one only if it had just finished: see report.md)",
            "interrupted",
        )
        raise typer.Exit(INTERRUPTED) from None
    t = result.summary["totals"]
    say(
        f"{t['files']} files ({t['files_built']} built, {t['files_quarantined']} quarantined, "
        f"{t['files_skipped']} skipped): {t['articles_kept']} articles, "
        f"{t['articles_canonical']} canonical, {t['quarantine_rows']} quarantine rows -> {out}/"
    )
    problems = result.summary["problem_files"]
    for dump in problems[:MAX_LISTED]:
        label, _, reason = dump["status"].partition(": ")  # "quarantined: empty file"
        say(f"{dump['path']}: {reason}", label)
    unbuilt = t["files"] - t["files_built"]
    if unbuilt > MAX_LISTED:
        say(f"... and {unbuilt - MAX_LISTED} more files; see {out}/report.md")
    for warning in result.summary["warnings"]:
        say(warning, "warning")
    if t["articles_kept"] == 0:
        say("no article could be built; see report.md", "error")
        raise typer.Exit(1)
    _publish_when_labeled(out)


def _publish_when_labeled(out: Path) -> None:
    """After a build whose articles the shipped reference labels cover (the shipped corpus),
    also write the Hugging Face release; other builds are published with `talks publish`."""
    from .outputs import OutputError

    try:
        from .publish import labels_for, publish
    except ImportError:
        _warn_if_release_is_stale(out)
        return
    if not labels_for(out):
        say("no labels for these articles: `talks publish --labels DIR` makes a release")
        _warn_if_release_is_stale(out)
        return
    try:
        release = publish(out, out / "release")
    except ImportError as exc:
        say(f"release skipped: {exc.name} missing (pip install 'istanbul-talks[publish]')")
        _warn_if_release_is_stale(out)
        return
    except OutputError as exc:
        say(f"the build is in {out}/, but its release was not written: {exc}", "error")
        _warn_if_release_is_stale(out)
        raise typer.Exit(2) from exc
    say(f"labeled release -> {release.out_dir}/ (load_dataset('{release.out_dir}'))")


def _warn_if_release_is_stale(out: Path) -> None:
    """A release left in --out by an earlier build holds that build's articles, which
    load_dataset would read as if they were this one's."""
    release = out / "release"
    if release.is_dir() and any(not entry.name.startswith(".") for entry in release.iterdir()):
        say(
            f"{out}/release/ is the release of an earlier build, not "
            "of this one: `talks publish --labels DIR` makes this build's",
            "warning",
        )


@app.command("publish")
def publish_command(
    build: Annotated[Path, typer.Option(help="Output folder of `talks build`.")] = DEFAULT_OUT,
    out: Annotated[
        Path | None, typer.Option(help="Release folder (default: BUILD/release).")
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option(help="Snapshot file or folder of snapshots (default: the reference labels)."),
    ] = None,
    push_to_hub: Annotated[
        str | None, typer.Option("--push-to-hub", help="Hub dataset id; needs HF_TOKEN.")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="With --push-to-hub: list, do not upload.")] = False,
) -> None:
    """Write the Hugging Face release (configs labeled, articles, annotations) for a build."""
    from .outputs import OutputError
    from .publish import PublishError, publish
    from .publish import push_to_hub as upload

    try:
        if push_to_hub and not dry_run and not os.environ.get("HF_TOKEN"):
            raise PublishError(  # before any work is done
                "HF_TOKEN is not set: export a Hugging Face write token to --push-to-hub"
            )
        release = publish(build, out or build / "release", labels)
        say(
            "release -> "
            + f"{release.out_dir}/: "
            + ", ".join(f"{c} {sum(s.values())} rows" for c, s in release.configs.items())
        )
        if push_to_hub:
            files = upload(release.out_dir, push_to_hub, dry_run=dry_run)
            verb = "would upload" if dry_run else "uploaded"
            say(f"{verb} {len(files)} files to {push_to_hub}: {', '.join(files)}")
    except PublishError as exc:
        say(str(exc), "error")
        raise typer.Exit(1) from exc
    except OutputError as exc:
        say(str(exc), "error")
        raise typer.Exit(2) from exc


@app.command("baselines")
def baselines_command(
    dataset: Annotated[
        str | None, typer.Option(help="Release folder or hub id (default: the shipped release).")
    ] = None,
    config: Annotated[str | None, typer.Option(help="Dataset config (default: labeled).")] = None,
    out: Annotated[Path, typer.Option(help="Folder for results and plots.")] = Path(
        "out/baselines"
    ),
    text_column: Annotated[str | None, typer.Option(help="Text column of another dataset.")] = None,
    label_column: Annotated[
        str | None, typer.Option(help="Label column of another dataset (string or list).")
    ] = None,
    group_column: Annotated[
        str | None, typer.Option(help="Column whose values must not straddle folds.")
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Train and evaluate the scikit-learn baselines on every task of the dataset."""
    try:
        from istanbul_talks.baselines.data import DataError
        from istanbul_talks.baselines.evaluate import headline
        from istanbul_talks.baselines.report import best_result
        from istanbul_talks.baselines.run import run
    except ImportError as exc:
        say(f"{exc.name} missing: pip install 'istanbul-talks[baselines]'", "error")
        raise typer.Exit(2) from exc
    from .outputs import OutputError

    try:
        summary = run(dataset, config, out, text_column, label_column, group_column, progress)
    except (DataError, OutputError) as exc:
        say(str(exc), "error")
        raise typer.Exit(2) from exc
    for name, task in summary["tasks"].items():
        top = best_result(task)
        if top:
            metric = headline(task["kind"])
            say(f"{name}: best cv {metric} {top['metrics'][metric]:.3f} ({top['model']})")
    say(f"results -> {out}/results.md, results.json and plots")
