"""The one label schema (schema.toml) and what is generated from it.

Tasks come in three kinds: `single` (one label per article), `multi` (any number of labels per
article) and `spans` (typed character spans over the body). The Label Studio labeling config,
the checks on pulled labels, the release's features and the guidelines' label tables are all
derived from the loaded `LabelSchema`, so a label is added or renamed in schema.toml only.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from xml.etree import ElementTree

KINDS = ("single", "multi", "spans")
TEXT_FIELDS = ("title", "body")  # the task data Label Studio shows; spans index `body`


class SchemaError(ValueError):
    """schema.toml is not a usable label schema (the message names the task and the problem)."""


@dataclass(frozen=True)
class Label:
    name: str
    description: str


@dataclass(frozen=True)
class Task:
    name: str
    kind: str
    question: str
    labels: tuple[Label, ...]

    @property
    def label_names(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.labels)


@dataclass(frozen=True)
class LabelSchema:
    name: str
    version: int
    target: str
    tasks: tuple[Task, ...]

    def task(self, name: str) -> Task:
        for task in self.tasks:
            if task.name == name:
                return task
        raise KeyError(f"no task {name!r} in the label schema (tasks: {self.task_names})")

    @property
    def task_names(self) -> tuple[str, ...]:
        return tuple(task.name for task in self.tasks)

    def of_kind(self, kind: str) -> tuple[Task, ...]:
        return tuple(task for task in self.tasks if task.kind == kind)


def parse_schema(text: str, origin: str = "schema.toml") -> LabelSchema:
    """Read and check a schema: known kinds, unique task and label names, descriptions present."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SchemaError(f"{origin}: not valid TOML ({exc})") from exc
    tasks = []
    for index, entry in enumerate(raw.get("tasks", [])):
        name = entry.get("name")
        where = f"{origin}: task {index} ({name!r})"
        if not name or not str(name).isidentifier():
            raise SchemaError(f"{where}: a task needs a name usable as an identifier")
        if entry.get("kind") not in KINDS:
            raise SchemaError(f"{where}: kind must be one of {KINDS}, got {entry.get('kind')!r}")
        labels = []
        for label in entry.get("labels", []):
            if not label.get("name") or not label.get("description"):
                raise SchemaError(f"{where}: every label needs a name and a description")
            labels.append(Label(label["name"], " ".join(label["description"].split())))
        names = [label.name for label in labels]
        if len(names) < 2 or len(set(names)) != len(names):
            raise SchemaError(f"{where}: needs at least two labels, each named once; got {names}")
        tasks.append(Task(name, entry["kind"], entry.get("question", ""), tuple(labels)))
    task_names = [task.name for task in tasks]
    if not tasks or len(set(task_names)) != len(task_names):
        raise SchemaError(f"{origin}: needs tasks with distinct names, got {task_names}")
    if set(task_names) & set(TEXT_FIELDS):
        raise SchemaError(f"{origin}: task names may not be {TEXT_FIELDS} (the text fields)")
    return LabelSchema(raw.get("name", ""), int(raw.get("version", 1)), raw["target"], tuple(tasks))


@cache
def load_schema(path: Path | None = None) -> LabelSchema:
    """The package's schema.toml, or the one at `path`."""
    if path is None:
        return parse_schema(
            files(__package__).joinpath("schema.toml").read_text(encoding="utf-8"),
            "annotation/schema.toml",
        )
    return parse_schema(Path(path).read_text(encoding="utf-8"), str(path))


def label_config(schema: LabelSchema) -> str:
    """The Label Studio labeling config: title and body as plain Text (never HyperText: article
    text is untrusted), one Choices per single or multi task, one Labels per spans task."""
    view = ElementTree.Element("View")
    ElementTree.SubElement(view, "Text", name="title", value="$title")
    for task in schema.tasks:
        if task.kind == "spans":
            ElementTree.SubElement(view, "Header", value=task.question, size="6")
            labels = ElementTree.SubElement(view, "Labels", name=task.name, toName="body")
            for label in task.labels:
                ElementTree.SubElement(labels, "Label", value=label.name, hint=label.description)
    ElementTree.SubElement(view, "Text", name="body", value="$body")
    for task in schema.tasks:
        if task.kind == "spans":
            continue
        ElementTree.SubElement(view, "Header", value=task.question, size="6")
        choices = ElementTree.SubElement(
            view,
            "Choices",
            name=task.name,
            toName="body",
            choice="single" if task.kind == "single" else "multiple",
            required="true",
            showInline="true",
        )
        for label in task.labels:
            ElementTree.SubElement(choices, "Choice", value=label.name, hint=label.description)
    ElementTree.indent(view)
    return ElementTree.tostring(view, encoding="unicode") + "\n"


def result_items(
    schema: LabelSchema,
    labels: dict[str, list[str]],
    spans: list[tuple[int, int, str]] = (),
    body: str = "",
    span_task: str | None = None,
) -> list[dict]:
    """Label Studio result items (the shape of an annotation or a prediction) for choices per
    task and spans over the body, checked against the schema: Label Studio itself accepts
    labels that its config does not have."""
    items = []
    for task in schema.tasks:
        if task.kind == "spans":
            continue
        chosen = list(labels.get(task.name, []))
        unknown = sorted(set(chosen) - set(task.label_names))
        if unknown or (task.kind == "single" and len(chosen) > 1):
            raise SchemaError(f"{task.name}: labels {chosen} do not fit the schema")
        if chosen:
            value = {"choices": chosen}
            items.append(
                {"from_name": task.name, "to_name": "body", "type": "choices", "value": value}
            )
    span_tasks = schema.of_kind("spans")
    if spans:
        task = schema.task(span_task) if span_task else span_tasks[0]
        for start, end, label in spans:
            if label not in task.label_names or not 0 <= start < end <= len(body):
                raise SchemaError(f"{task.name}: span {start}-{end} {label!r} does not fit")
            value = {"start": start, "end": end, "text": body[start:end], "labels": [label]}
            items.append(
                {"from_name": task.name, "to_name": "body", "type": "labels", "value": value}
            )
    return items
