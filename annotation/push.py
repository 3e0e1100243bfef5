"""Send canonical articles to Label Studio as labeling tasks, idempotently.

The project is found again by its title (never duplicated) and created with the labeling config
generated from the label schema and the guidelines as its instructions. A task is keyed by
`article_id`: articles already in the project are not imported again, so a push interrupted by a
server restart is finished by running it again, with no duplicates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import httpx
import polars as pl
from label_studio_sdk.client import LabelStudio
from label_studio_sdk.core.api_error import ApiError
from rich.progress import Progress

from .client import RETRIES, AnnotateError, backoff, call, transient, unavailable
from .guidelines import guidelines_text, instructions_html
from .schema import LabelSchema, label_config, load_schema

DEFAULT_PROJECT = "istanbul-talks: stance, topics, events"
BATCH_TASKS = 200
TASK_FIELDS = ("article_id", "title", "body", "source", "dump_id", "near_dup_cluster")


class Predictor(Protocol):
    """A model whose outputs become pre-annotations: for each article (a dict of the task's
    fields), Label Studio result items (see schema.result_items) and a confidence score."""

    model_version: str

    def predict(self, articles: list[dict]) -> list[tuple[list[dict], float]]: ...


@dataclass(frozen=True)
class PushResult:
    project_id: int
    project_created: bool
    imported: int
    already_there: int


def find_project(client: LabelStudio, title: str) -> int | None:
    """The id of the project with exactly this title (the oldest, if several)."""
    matches = [
        project.id
        for project in call("list projects", lambda: list(client.projects.list(title=title)))
        if project.title == title
    ]
    return min(matches) if matches else None


def ensure_project(
    client: LabelStudio, title: str, schema: LabelSchema | None = None
) -> tuple[int, bool]:
    """(project id, created now): the project with this title, created if missing. An existing
    project whose labeling config differs from the schema's is an error, not silently changed."""
    schema = schema or load_schema()
    config = label_config(schema)
    project_id = find_project(client, title)
    if project_id is not None:
        project = call("read the project", lambda: client.projects.get(id=project_id))
        if _normalise(project.label_config) != _normalise(config):
            raise AnnotateError(
                f"project {title!r} (id {project_id}) has a labeling config that differs from "
                "annotation/schema.toml; update the project deliberately or push to a new title"
            )
        return project_id, False
    project = call(
        "create the project",
        lambda: client.projects.create(
            title=title,
            label_config=config,
            expert_instruction=instructions_html(guidelines_text()),
            show_instruction=True,
            show_skip_button=True,
        ),
    )
    return project.id, True


def _normalise(config: str | None) -> str:
    return " ".join((config or "").split())


def imported_article_ids(client: LabelStudio, project_id: int) -> set[str]:
    """article_id of every task already in the project."""
    tasks = call(
        "list the project's tasks",
        lambda: list(client.tasks.list(project=project_id, fields="all", page_size=1000)),
    )
    return {task.data["article_id"] for task in tasks if "article_id" in (task.data or {})}


def task_payload(
    article: dict, prediction: tuple[list[dict], float] | None = None, model_version: str = ""
) -> dict:
    """A Label Studio task for one article: the text fields the labeling page shows and the
    keys to join labels back (article_id; never `id`, which an export overwrites), with the
    model's pre-annotation when there is one."""
    payload: dict = {"data": {name: article.get(name) for name in TASK_FIELDS}}
    if prediction is not None:
        result, score = prediction
        payload["predictions"] = [
            {"model_version": model_version, "score": score, "result": result}
        ]
    return payload


def push(
    client: LabelStudio,
    articles: pl.DataFrame,
    title: str = DEFAULT_PROJECT,
    schema: LabelSchema | None = None,
    progress: bool = True,
    predictor: Predictor | None = None,
) -> PushResult:
    """Import every canonical article not yet in the project, in batches, with the predictor's
    outputs attached as pre-annotations (tagged with its model_version) when one is given."""
    project_id, created = ensure_project(client, title, schema)
    present = imported_article_ids(client, project_id)
    canonical = articles.filter(pl.col("is_canonical")) if "is_canonical" in articles else articles
    todo = canonical.filter(~pl.col("article_id").is_in(sorted(present))).sort("article_id")
    rows = todo.select([c for c in TASK_FIELDS if c in todo.columns]).to_dicts()
    with Progress(transient=True, disable=not progress) as bar:
        task = bar.add_task("Importing tasks", total=len(rows))
        for batch in _batches(rows, BATCH_TASKS):
            _import_batch(client, project_id, batch, predictor)
            bar.advance(task, len(batch))
    return PushResult(project_id, created, len(rows), canonical.height - len(rows))


def _import_batch(
    client: LabelStudio, project_id: int, batch: list[dict], predictor: Predictor | None
) -> None:
    """Import one batch; after a transient failure, first ask which of its articles did arrive
    (the server may have stored the batch and lost the answer), then import only the rest."""
    for attempt in range(RETRIES + 1):
        try:
            predictions = predictor.predict(batch) if predictor else [None] * len(batch)
            version = predictor.model_version if predictor else ""
            payload = [task_payload(a, p, version) for a, p in zip(batch, predictions, strict=True)]
            client.projects.import_tasks(id=project_id, request=payload, return_task_ids=True)
            return
        except (ApiError, httpx.TransportError) as exc:
            if not transient(exc) or attempt == RETRIES:
                raise unavailable("import tasks", exc, attempt + 1) from None
            backoff(attempt)
            present = imported_article_ids(client, project_id)
            batch = [article for article in batch if article["article_id"] not in present]
            if not batch:
                return


def _batches(rows: list[dict], size: int) -> Iterable[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
