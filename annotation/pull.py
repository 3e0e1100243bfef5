"""Get labels back from Label Studio: export, snapshot, pseudonymize, convert, check.

`pull` exports every task through label-studio-sdk (the full JSON export: the minimal one
flattens one-value multiple choices into strings) and keeps it as an append-only snapshot on
local disk, so the labels survive losing the server. Before it is written, every person in the
export is replaced by a pseudonym: a keyed hash (HMAC-SHA256) of their e-mail address, stable
across pulls and servers as long as the key is kept; addresses never leave this step.

`annotations_from_export` turns a snapshot into the Annotation table: the latest annotation of
each annotator on each article wins, skipped (cancelled) annotations are kept as `skipped`, and
every span is checked against the body it claims to index; a span or label that fails is
quarantined with its reason instead of being passed on.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from bisect import bisect_left
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
from istanbul_talks.dataset.outputs import move_into_place, work_folder, write_whole
from istanbul_talks.dataset.read import shown_path

from .gold import gold_labels
from .schema import LabelSchema, load_schema
from .tables import ANNOTATION_QUARANTINE, annotation_schema, frame

if TYPE_CHECKING:  # the SDK is needed to talk to a server, not to read a snapshot
    from label_studio_sdk.client import LabelStudio

PSEUDONYM_KEY_ENV = "TALKS_PSEUDONYM_KEY"
PSEUDONYM_KEY_FILE = "pseudonym.key"
KEY_BYTES = 32  # of a key made here, written as hex
MIN_KEY_CHARS = 32  # a key file with fewer was cut off (a shorter key of one's own: in the env)
PERSON_KEYS = frozenset(
    {"completed_by", "updated_by", "last_created_by", "created_by", "reviewed_by", "user"}
)
PEOPLE_LIST_KEYS = frozenset({"comment_authors", "annotators"})
_SNAPSHOT = re.compile(r"^pull-(\d{4})-([0-9a-f]{12})\.json$")
LABEL_TABLES = ("annotations.parquet", "annotation_quarantine.parquet", "gold.parquet")


class PseudonymKeyError(RuntimeError):
    """The pseudonymization key cannot be made or read."""


def pseudonym_key(data_dir: Path) -> bytes:
    """The pseudonymization key: $TALKS_PSEUDONYM_KEY, else one generated once and kept in
    the data dir, readable by the owner only. Losing it changes future pseudonyms. The file is
    written whole before it takes its name: a key cut off by a full disk would have made every
    later pull pseudonymize with an empty or short key, silently."""
    if os.environ.get(PSEUDONYM_KEY_ENV):
        return os.environ[PSEUDONYM_KEY_ENV].encode("utf-8")
    path = Path(data_dir) / PSEUDONYM_KEY_FILE
    if not path.exists():  # another pull may make it at the same moment: then theirs holds
        made = secrets.token_hex(KEY_BYTES).encode("ascii")
        label = f"pseudonym key folder {shown_path(path.parent)}"
        write_whole(path, made, overwrite=False, private=True, label=label)
    key = path.read_text(encoding="utf-8", errors="replace").strip()
    if len(key) < MIN_KEY_CHARS:
        raise PseudonymKeyError(
            f"{path} holds {len(key)} characters, not a whole key ({KEY_BYTES * 2} hex digits "
            "are made): it was cut off when it was written. Delete it to have a new one made "
            f"(pseudonyms change), or set ${PSEUDONYM_KEY_ENV} to it to keep the pseudonyms "
            "it gave"
        )
    return key.encode("utf-8")


def pseudonym(email: str, key: bytes) -> str:
    digest = hmac.new(key, email.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()
    return f"ann-{digest[:12]}"


def export_project(client: LabelStudio, project_id: int) -> list[dict]:
    """Every task of the project with its annotations (full JSON export)."""
    from .client import call

    raw = call(
        "export the project",
        lambda: b"".join(
            client.projects.exports.download_sync(
                id=project_id, export_type="JSON", download_all_tasks=True
            )
        ),
    )
    return json.loads(raw)


def people(client: LabelStudio, key: bytes) -> dict[int, str]:
    """User id -> pseudonym, for every user of the server."""
    from .client import call

    users = call("list users", lambda: list(client.users.list()))
    return {user.id: pseudonym(user.email or f"user-{user.id}", key) for user in users}


def scrub(export: object, pseudonyms: dict[int, str]) -> object:
    """The export with every person (user ids, nested user objects, e-mail addresses) replaced
    by their pseudonym. Anything unknown keeps its value."""

    def person(value: object) -> object:
        if isinstance(value, dict):
            value = value.get("id")
        return pseudonyms.get(value) if isinstance(value, int) else None

    if isinstance(export, list):
        return [scrub(item, pseudonyms) for item in export]
    if not isinstance(export, dict):
        return export
    cleaned = {}
    for key, value in export.items():
        if key in PERSON_KEYS:
            cleaned[key] = person(value)
        elif key in PEOPLE_LIST_KEYS and isinstance(value, list):
            cleaned[key] = [person(item) for item in value]
        elif key in ("email", "created_username", "username", "first_name", "last_name"):
            continue
        else:
            cleaned[key] = scrub(value, pseudonyms)
    return cleaned


def save_snapshot(export: list[dict], directory: Path) -> Path:
    """Write the export as the next snapshot `pull-NNNN-<hash>.json`, unless the latest one has
    the same content. Snapshots are never rewritten or deleted. Returns the latest snapshot."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(export, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    existing = snapshots(directory)
    if existing and existing[-1].name.endswith(f"-{digest}.json"):
        return existing[-1]
    number = int(_SNAPSHOT.match(existing[-1].name).group(1)) + 1 if existing else 1
    path = directory / f"pull-{number:04d}-{digest}.json"
    # Whole or not at all: a disk that fills up must not leave half a snapshot as the latest.
    # Never over another (its name holds the digest: one there already has this content).
    label = f"snapshot folder {shown_path(directory)}"
    write_whole(path, text.encode("utf-8"), overwrite=False, label=label)
    return path


def snapshots(directory: Path) -> list[Path]:
    """The snapshots in a folder, oldest first."""
    if not Path(directory).exists():
        return []
    return sorted(p for p in Path(directory).iterdir() if _SNAPSHOT.match(p.name))


def load_snapshot(path: Path) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_label_tables(
    snapshot: Path, labels: Path
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The Annotation, annotation-quarantine and gold tables of a snapshot, written to `labels`
    (LABEL_TABLES) together: a pull that fails or finds the disk full on the way leaves the
    earlier tables whole, never a new annotation table beside old gold labels."""
    table, problems = annotations_from_export(load_snapshot(snapshot))
    gold = gold_labels(table)
    labels = Path(labels)
    with work_folder(labels, label=f"label folder {shown_path(labels)}") as work:
        for name, rows in zip(LABEL_TABLES, (table, problems, gold), strict=True):
            rows.write_parquet(work / name)
        move_into_place(work, labels, LABEL_TABLES)
    return table, problems, gold


def _utf16_index(body: str, offset: int) -> int | None:
    """The code-point index of a UTF-16 code-unit offset (browsers count an emoji as two)."""
    units = [0]
    for char in body:
        units.append(units[-1] + (2 if ord(char) > 0xFFFF else 1))
    index = bisect_left(units, offset)
    return index if index < len(units) and units[index] == offset else None


def resolve_span(body: str, start: int, end: int, text: str | None) -> tuple[int, int] | None:
    """Offsets into `body` (code points) at which the span's text really is, or None.

    Offsets are taken as code points first, then as UTF-16 code units; the claimed text must
    match the body there (or be absent)."""
    candidates = [(start, end)]
    if not body.isascii():
        converted = (_utf16_index(body, start), _utf16_index(body, end))
        if None not in converted:
            candidates.append(converted)
    for first, last in candidates:
        if 0 <= first < last <= len(body) and (text is None or body[first:last] == text):
            return first, last
    return None


def annotations_from_export(
    export: list[dict], schema: LabelSchema | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(Annotation table, quarantine of labels and spans that failed a check)."""
    schema = schema or load_schema()
    contract = annotation_schema(schema)
    rows: list[dict] = []
    problems: list[dict] = []
    for task in export:
        data = task.get("data") or {}
        article_id, body = data.get("article_id"), data.get("body") or ""
        if not article_id:
            problems.append(
                _problem(None, None, None, None, f"task {task.get('id')} has no article_id")
            )
            continue
        annotations = task.get("annotations") or []
        for annotation in annotations:
            if not isinstance(annotation.get("completed_by"), str):
                reason = "annotation has no pseudonymized annotator (unknown or deleted user)"
                problems.append(_problem(article_id, annotation.get("id"), None, None, reason))
        for annotation in _latest_per_annotator(annotations):
            rows += _annotation_rows(schema, task, article_id, body, annotation, problems)
    table = frame(
        sorted(rows, key=lambda r: (r["article_id"], r["annotator"], r["task"])), contract
    )
    return table, frame(problems, ANNOTATION_QUARANTINE)


def _latest_per_annotator(annotations: list[dict]) -> list[dict]:
    """Each annotator's latest annotation (by update time, then id): later work replaces
    earlier, including a skip replaced by labels or the other way round."""
    latest: dict[str, dict] = {}
    for annotation in annotations:
        annotator = annotation.get("completed_by")
        if not isinstance(annotator, str):
            continue  # quarantined by the caller
        key = (annotation.get("updated_at") or "", annotation.get("id") or 0)
        best = latest.get(annotator)
        if best is None or key > (best.get("updated_at") or "", best.get("id") or 0):
            latest[annotator] = annotation
    return [latest[name] for name in sorted(latest)]


def _annotation_rows(
    schema: LabelSchema,
    task: dict,
    article_id: str,
    body: str,
    annotation: dict,
    problems: list[dict],
) -> list[dict]:
    annotator = annotation["completed_by"]
    skipped = bool(annotation.get("was_cancelled"))
    labels: dict[str, list[str]] = {t.name: [] for t in schema.tasks}
    spans: dict[str, list[dict]] = {t.name: [] for t in schema.tasks}
    for item in [] if skipped else annotation.get("result") or []:
        name, value = item.get("from_name"), item.get("value") or {}
        if name not in labels:
            problems.append(
                _problem(
                    article_id, annotation.get("id"), annotator, name, f"unknown control {name!r}"
                )
            )
            continue
        allowed = set(schema.task(name).label_names)
        if schema.task(name).kind == "spans":
            for label in value.get("labels") or []:
                resolved = resolve_span(
                    body, value.get("start", -1), value.get("end", -1), value.get("text")
                )
                if label not in allowed:
                    reason = f"span label {label!r} is not in the schema"
                elif resolved is None:
                    reason = (
                        f"span {value.get('start')}-{value.get('end')} {value.get('text')!r} "
                        "does not match the body text at those offsets"
                    )
                else:
                    first, last = resolved
                    spans[name].append(
                        {"start": first, "end": last, "label": label, "text": body[first:last]}
                    )
                    continue
                problems.append(_problem(article_id, annotation.get("id"), annotator, name, reason))
        else:
            chosen = value.get("choices") or []
            chosen = [chosen] if isinstance(chosen, str) else list(chosen)
            unknown = [label for label in chosen if label not in allowed]
            if unknown:
                problems.append(
                    _problem(
                        article_id,
                        annotation.get("id"),
                        annotator,
                        name,
                        f"labels {unknown} are not in the schema",
                    )
                )
            labels[name] += [label for label in chosen if label in allowed]
    return [
        {
            "article_id": article_id,
            "ls_task_id": task.get("id"),
            "annotation_id": annotation.get("id"),
            "annotator": annotator,
            "adjudicator": bool(annotation.get("ground_truth")),
            "status": "skipped" if skipped else "submitted",
            "updated_at": annotation.get("updated_at") or annotation.get("created_at") or "",
            "lead_time": annotation.get("lead_time"),
            "task": t.name,
            "labels": sorted(set(labels[t.name])),
            "spans": sorted(spans[t.name], key=lambda s: (s["start"], s["end"], s["label"])),
        }
        for t in schema.tasks
    ]


def _problem(
    article_id: str | None,
    annotation_id: int | None,
    annotator: str | None,
    task: str | None,
    reason: str,
) -> dict:
    return {
        "article_id": article_id,
        "annotation_id": annotation_id,
        "annotator": annotator,
        "task": task,
        "reason": reason,
    }
