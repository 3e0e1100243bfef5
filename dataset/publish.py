"""Publish a build and its labels as a Hugging Face dataset folder that `load_dataset` reads.

Configs: `labeled` (the default: canonical articles with gold labels, in train / validation /
test), `articles` (every canonical clean article) and `annotations` (every annotator's labels,
one row per annotator x article). Features are generated from the label schema: `stance` a
ClassLabel, `topics` a list of ClassLabel, `events` a list of {start, end, type, text} whose
offsets index `body`.

Splits are grouped and stable: articles linked by a near-duplicate cluster (and, from
`DUMP_GROUPS_FROM` dumps on, by their dump) form a group that lives in one split; each article's
split is kept in `splits.json` and never changes when the release is rebuilt with more articles;
new groups are assigned in hash order to the split that most lacks their stance.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from .outputs import WORK_PREFIX, move_into_place, work_folder
from .read import shown_path

SPLITS = {"train": 0.8, "validation": 0.1, "test": 0.1}
SPLIT_SEED = "istanbul-talks-splits-v1"
DUMP_GROUPS_FROM = 100  # from this many dumps on, a dump is kept in one split as well
# Everything a release writes in its folder; each publish replaces all of them together.
RELEASE_NAMES = ("labeled", "articles", "annotations", "splits.json", "README.md")
ARTICLE_COLUMNS = (
    "article_id",
    "dump_id",
    "position",
    "role",
    "title",
    "source",
    "byline",
    "dateline",
    "published_at",
    "published_raw",
    "body",
    "language",
    "n_words",
    "url",
    "near_dup_cluster",
)


class PublishError(RuntimeError):
    """The release cannot be made or uploaded (the message says why and what to do)."""


def _unit(key: str) -> float:
    """A stable number in [0, 1) for a key: the same key always lands in the same place."""
    return int(hashlib.sha256(f"{SPLIT_SEED}:{key}".encode()).hexdigest()[:15], 16) / 16**15


def split_groups(articles: pl.DataFrame) -> dict[str, str]:
    """article_id -> group id: connected components of shared near-duplicate clusters (and
    shared dumps, for corpora of DUMP_GROUPS_FROM dumps or more). The group id is its smallest
    article id."""
    parent = {a: a for a in articles["article_id"]}

    def find(a: str) -> str:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    keys = ["near_dup_cluster"]
    if articles["dump_id"].n_unique() >= DUMP_GROUPS_FROM:
        keys.append("dump_id")
    for key in keys:
        for members in articles.group_by(key).agg("article_id")["article_id"]:
            first = find(min(members))
            for other in members:
                root = find(other)
                if root != first:
                    low, high = sorted((root, first))
                    parent[high] = low
                    first = low
    return {a: find(a) for a in articles["article_id"]}


def assign_splits(
    articles: pl.DataFrame, stance: dict[str, str], previous: dict[str, str] | None = None
) -> dict[str, str]:
    """article_id -> split. Articles keep a previous assignment; a new group joins the split of
    any member already assigned, or else the split that most lacks the group's stance (relative
    to SPLITS), groups taken in hash order."""
    previous = dict(previous or {})
    groups = split_groups(articles)
    members: dict[str, list[str]] = {}
    for article, group in sorted(groups.items()):
        members.setdefault(group, []).append(article)
    result = {a: s for a, s in previous.items() if a in groups}
    counts: dict[tuple[str, str], int] = {}
    for article, split in result.items():
        key = (stance.get(article, ""), split)
        counts[key] = counts.get(key, 0) + 1
    for group in sorted(members, key=lambda g: (_unit(g), g)):
        known = [result[a] for a in members[group] if a in result]
        if known:
            split = min(known, key=list(SPLITS).index)
        else:
            label = _group_stance(members[group], stance)
            total = sum(counts.get((label, s), 0) for s in SPLITS) + len(members[group])
            split = max(
                SPLITS,
                key=lambda s: (
                    SPLITS[s] * total - counts.get((label, s), 0),
                    -list(SPLITS).index(s),
                ),
            )
        for article in members[group]:
            if article not in result:
                result[article] = split
                counts[stance.get(article, ""), split] = (
                    counts.get((stance.get(article, ""), split), 0) + 1
                )
    return result


def _group_stance(articles: list[str], stance: dict[str, str]) -> str:
    labels = sorted(stance.get(a, "") for a in articles)
    return max(labels, key=labels.count) if labels else ""


@dataclass(frozen=True)
class Release:
    out_dir: Path
    configs: dict[str, dict[str, int]]  # config -> split -> rows


def publish(
    build_dir: Path,
    out_dir: Path,
    labels: Path | None = None,
) -> Release:
    """Write the release folder for a build (`talks build` output) and its labels: a snapshot
    file or a folder of snapshots (default: the package's reference labels)."""
    from .build import read_table

    try:
        articles = read_table(Path(build_dir), "articles").filter(pl.col("is_canonical"))
    except FileNotFoundError as exc:
        raise PublishError(str(exc)) from exc
    return write_release(articles, Path(build_dir), Path(out_dir), labels)


def labels_for(build_dir: Path) -> bool:
    """Whether the shipped reference labels belong to this build (every labeled article is one
    of its canonical articles): then `talks build` publishes the labeled release too."""
    from istanbul_talks.annotation.pull import load_snapshot
    from istanbul_talks.annotation.reference import reference_snapshot

    from .build import read_table

    articles = read_table(Path(build_dir), "articles", ["article_id", "is_canonical"])
    canonical = set(articles.filter(pl.col("is_canonical"))["article_id"])
    labeled = {task["data"].get("article_id") for task in load_snapshot(reference_snapshot())}
    return bool(labeled) and labeled <= canonical


def load_labels(labels: Path | None = None) -> tuple[pl.DataFrame, pl.DataFrame, str]:
    """(Annotation table, Gold table, description of where they came from) from a snapshot
    file, a folder of snapshots (the latest is used) or, by default, the shipped reference
    labels."""
    from istanbul_talks.annotation.gold import gold_labels
    from istanbul_talks.annotation.pull import annotations_from_export, load_snapshot, snapshots
    from istanbul_talks.annotation.reference import reference_snapshot

    if labels is None:
        path, origin = reference_snapshot(), "reference"
    elif Path(labels).is_dir():
        found = snapshots(labels) or snapshots(Path(labels) / "snapshots")
        if not found:
            raise PublishError(f"no snapshot (pull-NNNN-*.json) in {labels}")
        path, origin = found[-1], "pulled"
    else:
        path, origin = Path(labels), "pulled"
    table, _ = annotations_from_export(load_snapshot(path))
    return table, gold_labels(table), f"{origin}:{path.name}"


def hf_features(config: str):
    """The release's features, generated from the label schema."""
    from datasets import ClassLabel, Features, List, Value
    from istanbul_talks.annotation.schema import load_schema

    schema = load_schema()
    article = {
        "article_id": Value("string"),
        "dump_id": Value("string"),
        "position": Value("int32"),
        "role": ClassLabel(names=["main", "related"]),
        "title": Value("string"),
        "source": Value("string"),
        "byline": Value("string"),
        "dateline": Value("string"),
        "published_at": Value("timestamp[us, tz=UTC]"),
        "published_raw": Value("string"),
        "body": Value("string"),
        "language": Value("string"),
        "n_words": Value("int32"),
        "url": Value("string"),
        "near_dup_cluster": Value("string"),
    }
    labels: dict = {}
    for task in schema.tasks:
        classes = ClassLabel(names=list(task.label_names))
        if task.kind == "single":
            labels[task.name] = classes
        elif task.kind == "multi":
            labels[task.name] = List(classes)
        else:
            labels[task.name] = List(
                {
                    "start": Value("int32"),
                    "end": Value("int32"),
                    "type": classes,
                    "text": Value("string"),
                }
            )
    if config == "articles":
        return Features(article)
    if config == "labeled":
        decided = {f"{t.name}_decided_by": Value("string") for t in schema.tasks}
        return Features(article | labels | decided | {"n_annotators": Value("int32")})
    return Features(
        {
            "article_id": Value("string"),
            "annotator": Value("string"),
            "adjudicator": Value("bool"),
            "status": ClassLabel(names=["submitted", "skipped"]),
            **labels,
        }
    )


def _label_columns(table: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """One row per `keys` with one column per task, from rows per (keys, task): choices as the
    label list (a single-choice task as its one label, null when none), spans as
    {start, end, type, text}."""
    from istanbul_talks.annotation.schema import load_schema

    schema = load_schema()
    out = table.select(keys).unique().sort(keys)
    for task in schema.tasks:
        part = table.filter(pl.col("task") == task.name)
        if task.kind == "single":
            column = pl.col("labels").list.first().alias(task.name)
        elif task.kind == "multi":
            column = pl.col("labels").alias(task.name)
        else:
            column = (
                pl.col("spans")
                .list.eval(
                    pl.struct(
                        pl.element().struct.field("start").cast(pl.Int32),
                        pl.element().struct.field("end").cast(pl.Int32),
                        pl.element().struct.field("label").alias("type"),
                        pl.element().struct.field("text"),
                    )
                )
                .alias(task.name)
            )
        extra = [f"{task.name}_decided_by"] if "decided_by" in part.columns else []
        renamed = part.select(*keys, column, *(pl.col("decided_by").alias(e) for e in extra))
        out = out.join(renamed, on=keys, how="left", maintain_order="left")
    return out


def _write_parquet(frame: pl.DataFrame, features, path: Path) -> None:
    """Through datasets, so the HF features travel in the file too; same rows, same bytes."""
    from datasets import Dataset
    from datasets.utils.logging import disable_progress_bar

    disable_progress_bar()
    path.parent.mkdir(parents=True, exist_ok=True)
    Dataset.from_polars(frame.select(list(features)), features=features).to_parquet(str(path))


def write_release(
    articles: pl.DataFrame, build_dir: Path, out_dir: Path, labels: Path | None
) -> Release:
    from .card import render_card

    annotations, gold, origin = load_labels(labels)
    known = set(articles["article_id"])
    unknown = sorted(set(gold["article_id"]) - known)
    if unknown:
        raise PublishError(
            f"labels name {len(unknown)} articles that this build does not have as canonical "
            f"articles (first: {unknown[:3]}); were they labeled on another build?"
        )
    table = (
        articles.select(ARTICLE_COLUMNS)
        .with_columns(pl.col("position").cast(pl.Int32), pl.col("n_words").cast(pl.Int32))
        .sort("article_id")
    )
    gold_wide = _label_columns(gold, ["article_id"]).join(
        gold.group_by("article_id").agg(pl.col("n_annotators").max().cast(pl.Int32)),
        on="article_id",
    )
    labeled = table.join(gold_wide, on="article_id", how="inner").sort("article_id")
    stance = {a: s or "" for a, s in labeled.select("article_id", "stance").iter_rows()}
    splits = assign_splits(labeled, stance, load_previous_splits(out_dir))
    labeled = labeled.with_columns(
        pl.col("article_id").replace_strict(splits, return_dtype=pl.String).alias("_split")
    )
    per_annotator = _label_columns(
        annotations, ["article_id", "annotator", "adjudicator", "status"]
    ).sort(["article_id", "annotator"])

    out_dir = Path(out_dir)
    counts: dict[str, dict[str, int]] = {"labeled": {}}
    with work_folder(out_dir, label=f"release folder {shown_path(out_dir)}") as work:
        for split in SPLITS:
            rows = labeled.filter(pl.col("_split") == split).drop("_split")
            _write_parquet(rows, hf_features("labeled"), work / "labeled" / f"{split}.parquet")
            counts["labeled"][split] = rows.height
        _write_parquet(table, hf_features("articles"), work / "articles" / "train.parquet")
        _write_parquet(
            per_annotator, hf_features("annotations"), work / "annotations" / "train.parquet"
        )
        counts["articles"] = {"train": table.height}
        counts["annotations"] = {"train": per_annotator.height}
        (work / "splits.json").write_text(
            json.dumps(dict(sorted(splits.items())), indent=1) + "\n", encoding="utf-8"
        )
        report = json.loads((build_dir / "report.json").read_text(encoding="utf-8"))
        (work / "README.md").write_text(
            render_card(labeled, table, annotations, gold, report, counts, origin),
            encoding="utf-8",
        )
        move_into_place(work, out_dir, RELEASE_NAMES)
    return Release(out_dir, counts)


def push_to_hub(release: Path, repo_id: str, dry_run: bool = False) -> list[str]:
    """Upload a release folder to the Hub with HF_TOKEN (checked before any work). Returns the
    files that are (or, with dry_run, would be) uploaded."""
    token = os.environ.get("HF_TOKEN")
    if not token and not dry_run:
        raise PublishError("HF_TOKEN is not set: export a Hugging Face write token to push")
    # Not a work folder a publish is writing, or one a killed publish left.
    work = f"{WORK_PREFIX}*"
    files = sorted(
        p.relative_to(release).as_posix()
        for p in Path(release).rglob("*")
        if p.is_file() and not p.relative_to(release).parts[0].startswith(WORK_PREFIX)
    )
    if dry_run:
        return files
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    api.create_repo(repo_id, repo_type="dataset", exist_ok=True)
    api.upload_folder(
        folder_path=str(release), repo_id=repo_id, repo_type="dataset", ignore_patterns=[work]
    )
    return files


def load_previous_splits(out_dir: Path) -> dict[str, str]:
    path = Path(out_dir) / "splits.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
