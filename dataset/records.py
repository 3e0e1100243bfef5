"""Turn one split page into Article rows and Quarantine rows (plain dicts, schema order)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from .metadata import resolve_published
from .read import ManifestEntry, RawFile, ReadFailure
from .split import QUARANTINE, SplitResult

SNIPPET_CHARS = 200


def article_id(dump_id: str, position: int) -> str:
    """Stable and readable: the dump's id and the article's place in it."""
    return f"{dump_id}-{position:02d}"


def content_sha256(title: str | None, body_words: list[str]) -> str:
    """Hash of the normalised text (title and body words, case-folded), so that
    whitespace-only differences hash alike."""
    normalised = " ".join((title or "").split() + body_words).casefold()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def article_rows(raw: RawFile, split: SplitResult, manifest: ManifestEntry | None) -> list[dict]:
    """One Article row per article of the page; `language` is filled per chunk of rows
    (language.detect_languages), where it is computed for whole columns at once."""
    crawled_at: datetime | None = manifest.crawled_at if manifest else None
    html_meta = raw.html_metadata or {}
    rows = []
    for art in split.articles:
        body_words = art.body.split()
        # For HTML pages, trafilatura's reading of the markup fills what the text did not show.
        fallback = html_meta if art.role == "main" else {}
        published_raw = art.published_raw or fallback.get("published_raw")
        published_at = resolve_published(
            published_raw, crawled_at, split.timezone, split.date_order
        )
        if published_at is None and published_raw != fallback.get("published_raw"):
            # The text's date names no day by itself ("5 days ago" with no crawl time,
            # "September 19 at 3:15 p.m.", "01.09.17"): the markup's, where it has one, does.
            published_at = resolve_published(
                fallback.get("published_raw"), crawled_at, split.timezone, split.date_order
            )
        title_start, title_end = art.title_span or (None, None)
        rows.append(
            {
                "article_id": article_id(raw.dump_id, art.position),
                "dump_id": raw.dump_id,
                "position": art.position,
                "role": art.role,
                "layout": split.layout,
                "title": art.title or fallback.get("title"),
                "source": art.source or fallback.get("source") or (manifest and manifest.site),
                "byline": art.byline or fallback.get("byline"),
                "dateline": art.dateline,
                "published_at": published_at,
                "published_raw": published_raw,
                "body": art.body,
                "title_start": title_start,
                "title_end": title_end,
                "body_spans": [{"start": s, "end": e} for s, e in art.body_spans],
                "content_sha256": content_sha256(art.title, body_words),
                "n_chars": len(art.body),
                "n_words": len(body_words),
                "url": (manifest.url if manifest else None) if art.role == "main" else None,
                "crawled_at": crawled_at,
            }
        )
    return rows


def split_quarantine_rows(raw: RawFile, split: SplitResult) -> list[dict]:
    """The pieces of a page the splitter could not place in any article."""
    rows = [
        quarantine_row(
            raw.dump_id,
            raw.path,
            "split",
            piece.label,
            raw.text[piece.start : piece.end],
            piece.start,
            piece.end,
        )
        for piece in split.pieces
        if piece.category == QUARANTINE
    ]
    for start, end in raw.bad_bytes:
        rows.append(
            quarantine_row(
                raw.dump_id,
                raw.path,
                "read",
                f"undecodable bytes {start}-{end} ({raw.encoding}); replaced by U+FFFD",
                "",
            )
        )
    return rows


def failure_row(failure: ReadFailure) -> dict:
    return quarantine_row(failure.dump_id, failure.path, "read", failure.reason, failure.snippet)


def quarantine_row(
    dump_id: str,
    path: str,
    stage: str,
    reason: str,
    snippet: str,
    start: int | None = None,
    end: int | None = None,
) -> dict:
    return {
        "dump_id": dump_id,
        "path": path,
        "stage": stage,
        "char_start": start,
        "char_end": end,
        "reason": reason,
        "snippet": snippet[:SNIPPET_CHARS],
    }
