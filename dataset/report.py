"""Account for every character of every dump, and write the build report (JSON and Markdown)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from .split import ARTICLE, BOILERPLATE, METADATA, QUARANTINE, Piece

CATEGORIES = (ARTICLE, METADATA, BOILERPLATE, QUARANTINE, "whitespace")
MD_DUMP_ROWS = 200  # report.md stays readable for large corpora; report.json lists all


class AccountingError(RuntimeError):
    """The splitter's pieces overlap or leave visible text unaccounted for (a bug)."""


@dataclass
class DumpAccount:
    """Where the characters of one dump went."""

    dump_id: str
    path: str
    status: str = "built"
    encoding: str | None = None
    layout: str | None = None
    n_bytes: int = 0
    n_chars: int = 0
    chars: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    boilerplate_rules: dict[str, int] = field(default_factory=dict)
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    articles_found: int = 0
    articles_kept: int = 0
    undecodable_bytes: int = 0


def account(dump_id: str, path: str, text: str, pieces: list[Piece]) -> DumpAccount:
    """Sum the pieces per category; whatever they leave uncovered must be whitespace."""
    result = DumpAccount(dump_id=dump_id, path=path, n_chars=len(text))
    rules: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    covered_until = 0
    covered = 0
    for piece in sorted(pieces, key=lambda p: (p.start, p.end)):
        if piece.start < covered_until or piece.end > len(text) or piece.start >= piece.end:
            raise AccountingError(
                f"{path}: piece {piece.category}/{piece.label} at {piece.start}-{piece.end} "
                f"overlaps the previous one or lies outside the text"
            )
        gap = text[covered_until : piece.start]
        if gap.strip():
            raise AccountingError(
                f"{path}: characters {covered_until}-{piece.start} ({gap.strip()[:40]!r}) "
                "are in no article, boilerplate or quarantine"
            )
        size = piece.end - piece.start
        result.chars[piece.category] += size
        covered += size
        if piece.category == BOILERPLATE:
            rules[piece.label] += size
        elif piece.category == QUARANTINE:
            reasons[piece.label] += size
        covered_until = piece.end
    if text[covered_until:].strip():
        raise AccountingError(f"{path}: text after character {covered_until} is unaccounted for")
    result.chars["whitespace"] = len(text) - covered
    result.boilerplate_rules = dict(sorted(rules.items()))
    result.quarantine_reasons = dict(sorted(reasons.items()))
    return result


def move_to_quarantine(dump: DumpAccount, chars: int, reason: str) -> None:
    """An article that failed validation: its text counts as quarantined, with the reason."""
    dump.chars[ARTICLE] -= chars
    dump.chars[QUARANTINE] += chars
    dump.quarantine_reasons[reason] = dump.quarantine_reasons.get(reason, 0) + chars
    dump.quarantine_reasons = dict(sorted(dump.quarantine_reasons.items()))


def build_report(
    dumps: list[DumpAccount],
    articles: pl.DataFrame,
    quarantine: pl.DataFrame,
    settings: dict,
    warnings: list[str],
) -> dict:
    totals = {
        "files": len(dumps),
        "files_built": sum(d.status == "built" for d in dumps),
        "files_quarantined": sum(d.status.startswith("quarantined") for d in dumps),
        "files_skipped": sum(d.status.startswith("skipped") for d in dumps),
        "bytes": sum(d.n_bytes for d in dumps),
        "bytes_unreadable": sum(d.n_bytes for d in dumps if d.status != "built"),
        "chars": sum(d.n_chars for d in dumps),
        "chars_by_category": {c: sum(d.chars[c] for d in dumps) for c in CATEGORIES},
        "boilerplate_chars_by_rule": _sum_dicts(d.boilerplate_rules for d in dumps),
        "quarantined_chars_by_reason": _sum_dicts(d.quarantine_reasons for d in dumps),
        "undecodable_bytes": sum(d.undecodable_bytes for d in dumps),
        "articles_found": sum(d.articles_found for d in dumps),
        "articles_kept": articles.height,
        "articles_canonical": int(articles["is_canonical"].sum()) if articles.height else 0,
        "quarantine_rows": quarantine.height,
    }
    clusters = (
        articles.group_by("near_dup_cluster")
        .agg(pl.col("article_id").sort(), pl.len().alias("size"))
        .filter(pl.col("size") > 1)
        .sort("near_dup_cluster")
    )
    totals["near_dup_clusters"] = articles["near_dup_cluster"].n_unique() if articles.height else 0
    totals["near_dup_clusters_with_several_members"] = clusters.height
    return {
        "settings": settings,
        "totals": totals,
        "near_duplicate_clusters": [
            {"cluster": row["near_dup_cluster"], "members": row["article_id"]}
            for row in clusters.iter_rows(named=True)
        ],
        "dumps": [_dump_dict(d) for d in sorted(dumps, key=lambda d: d.path)],
        "warnings": sorted(warnings),
    }


def _sum_dicts(dicts) -> dict[str, int]:
    total: Counter[str] = Counter()
    for d in dicts:
        total.update(d)
    return dict(sorted(total.items()))


def _dump_dict(d: DumpAccount) -> dict:
    return {
        "dump_id": d.dump_id,
        "path": d.path,
        "status": d.status,
        "encoding": d.encoding,
        "layout": d.layout,
        "bytes": d.n_bytes,
        "chars": d.n_chars,
        "chars_by_category": d.chars,
        "boilerplate_chars_by_rule": d.boilerplate_rules,
        "quarantined_chars_by_reason": d.quarantine_reasons,
        "undecodable_bytes": d.undecodable_bytes,
        "articles_found": d.articles_found,
        "articles_kept": d.articles_kept,
    }


def write_report(report: dict, out_dir: Path) -> None:
    (out_dir / "report.json").write_text(
        json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (out_dir / "report.md").write_text(render_markdown(report), encoding="utf-8")


def render_markdown(report: dict) -> str:
    t = report["totals"]
    c = t["chars_by_category"]
    lines = [
        "# Build report",
        "",
        f"{t['files']} files: {t['files_built']} built, {t['files_quarantined']} quarantined, "
        f"{t['files_skipped']} skipped. {t['articles_found']} articles found, "
        f"{t['articles_kept']} kept, {t['articles_canonical']} canonical, "
        f"{t['near_dup_clusters_with_several_members']} near-duplicate clusters with several "
        f"members. {t['quarantine_rows']} quarantine rows.",
        "",
        "## Where the characters went",
        "",
        "| category | characters | share |",
        "|---|---:|---:|",
    ]
    for name, value in c.items():
        share = value / t["chars"] if t["chars"] else 0.0
        lines.append(f"| {name} | {value:,} | {share:.1%} |")
    lines.append(f"| **total** | **{t['chars']:,}** | |")
    if t["bytes_unreadable"]:
        lines.append(
            f"\nUnreadable files (quarantined or skipped whole): {t['bytes_unreadable']:,} bytes."
        )
    lines += ["", "## Boilerplate by rule", "", "| rule | characters |", "|---|---:|"]
    lines += [f"| {rule} | {n:,} |" for rule, n in t["boilerplate_chars_by_rule"].items()]
    lines += ["", "## Quarantine by reason", "", "| reason | characters |", "|---|---:|"]
    lines += [f"| {reason} | {n:,} |" for reason, n in t["quarantined_chars_by_reason"].items()]
    lines += ["", "## Near-duplicate clusters", ""]
    lines += [
        f"- `{cl['cluster']}`: " + ", ".join(f"`{m}`" for m in cl["members"])
        for cl in report["near_duplicate_clusters"]
    ] or ["None."]
    dumps = report["dumps"]
    lines += ["", "## Dumps", ""]
    if len(dumps) > MD_DUMP_ROWS:
        flagged = [d for d in dumps if d["status"] != "built" or d["chars_by_category"][QUARANTINE]]
        lines.append(
            f"{len(dumps):,} dumps: the table lists the {min(len(flagged), MD_DUMP_ROWS):,} "
            f"first with something quarantined or skipped ({len(flagged):,} in all); "
            "report.json has every dump."
        )
        lines.append("")
        dumps = flagged[:MD_DUMP_ROWS]
    lines += [
        "| dump | status | encoding | layout | chars | article | metadata | boilerplate | "
        "quarantined | whitespace | articles kept |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for d in dumps:
        ch = d["chars_by_category"]
        lines.append(
            f"| {d['path']} | {d['status']} | {d['encoding'] or ''} | {d['layout'] or ''} | "
            f"{d['chars']:,} | {ch['article']:,} | {ch['metadata']:,} | {ch['boilerplate']:,} | "
            f"{ch['quarantine']:,} | {ch['whitespace']:,} | {d['articles_kept']} |"
        )
    if report["warnings"]:
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in report["warnings"]]
    return "\n".join(lines) + "\n"
