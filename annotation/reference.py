"""The maintainers' reference labels for the shipped corpus, made through the real workflow.

`reference/decisions.toml` holds what a maintainer decided for each canonical seed article.
`make_reference_labels` starts a throwaway Label Studio server, pushes the shipped corpus,
labels every task through the API as a maintainer's own annotator account, pulls, and writes
the pseudonymized snapshot into `reference/`: that snapshot is what ships, so a labeled release
can be built without a server. These are the maintainers' reference labels, not crowd or
expert labels.
"""

from __future__ import annotations

import tempfile
import tomllib
from importlib.resources import files
from pathlib import Path

from .pull import pseudonym, save_snapshot, scrub, snapshots
from .schema import LabelSchema, SchemaError, load_schema, result_items

PROJECT = "istanbul-talks reference labels"
MAINTAINER = "maintainer@istanbul-talks.local"
# The maintainer account is a role, not a person: its pseudonym may use a published key.
REFERENCE_KEY = b"istanbul-talks reference labels"


def reference_dir() -> Path:
    return Path(str(files(__package__).joinpath("reference")))


def load_decisions(path: Path | None = None) -> dict[str, dict]:
    path = path or reference_dir() / "decisions.toml"
    entries = tomllib.loads(Path(path).read_text(encoding="utf-8"))["articles"]
    return {entry["article_id"]: entry for entry in entries}


def maintainer_pseudonym() -> str:
    return pseudonym(MAINTAINER, REFERENCE_KEY)


def locate(body: str, quote: str, nth: int = 1) -> tuple[int, int]:
    """Offsets of the n-th occurrence of a quote in the body."""
    start = -1
    for _ in range(nth):
        start = body.find(quote, start + 1)
        if start < 0:
            raise SchemaError(f"quote {quote!r} (occurrence {nth}) is not in the body")
    return start, start + len(quote)


def decision_result(schema: LabelSchema, decision: dict, body: str) -> list[dict]:
    """A decision as Label Studio result items, checked against the schema."""
    (span_task,) = schema.of_kind("spans")
    spans = []
    for entry in decision.get(span_task.name, []):
        label, quote = entry[0], entry[1]
        start, end = locate(body, quote, entry[2] if len(entry) > 2 else 1)
        spans.append((start, end, label))
    labels = {}
    for task in schema.tasks:
        if task.kind != "spans":
            chosen = decision[task.name]
            labels[task.name] = [chosen] if isinstance(chosen, str) else list(chosen)
    return result_items(schema, labels, spans, body, span_task.name)


def make_reference_labels(articles, out_dir: Path | None = None) -> Path:
    """Label every canonical article through a throwaway server; return the new snapshot."""
    import secrets

    from label_studio_sdk.client import LabelStudio

    from .accounts import create_annotator
    from .client import Connection, call, connect
    from .pull import export_project, people
    from .push import push
    from .server import Server, free_port

    schema = load_schema()
    decisions = load_decisions()
    out_dir = Path(out_dir) if out_dir else reference_dir()
    with tempfile.TemporaryDirectory() as data_dir, Server(Path(data_dir), free_port()) as server:
        admin = connect(Connection(server.url, server.credentials.token))
        pushed = push(admin, articles, title=PROJECT, progress=False)
        password = secrets.token_urlsafe(12)
        maintainer = create_annotator(
            admin, server.url, server.data_dir, server.credentials, MAINTAINER, password
        )
        client = LabelStudio(base_url=server.url, api_key=maintainer.token)
        tasks = call(
            "list tasks", lambda: list(admin.tasks.list(project=pushed.project_id, fields="all"))
        )
        missing = sorted({t.data["article_id"] for t in tasks} - set(decisions))
        if missing:
            raise SchemaError(f"no reference decision for {missing}")
        for task in sorted(tasks, key=lambda t: t.data["article_id"]):
            decision = decisions[task.data["article_id"]]
            result = decision_result(schema, decision, task.data["body"])
            call(
                "label a task",
                lambda task=task, result=result: client.annotations.create(
                    id=task.id, result=result
                ),
            )
        export = export_project(admin, pushed.project_id)
        return save_snapshot(scrub(export, people(admin, REFERENCE_KEY)), out_dir)


def reference_snapshot() -> Path:
    """The shipped snapshot of reference labels (the latest, if several)."""
    found = snapshots(reference_dir())
    if not found:
        raise FileNotFoundError("no reference snapshot ships with this package")
    return found[-1]
