"""Account for every character of every dump, and write the build report (JSON and Markdown)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from .dedupe import Clusters
from .split import ARTICLE, BOILERPLATE, METADATA, QUARANTINE, Piece

# "unseen": what a text dump holds that no reader sees (control characters, soft hyphens), left
# out of the text that is split and stored (RawFile.unseen_chars).
UNSEEN = "unseen"
CATEGORIES = (ARTICLE, METADATA, BOILERPLATE, QUARANTINE, "whitespace", UNSEEN)
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


def account(
    dump_id: str, path: str, text: str, pieces: list[Piece], unseen: int = 0
) -> DumpAccount:
    """Sum the pieces per category; whatever they leave uncovered must be whitespace. `unseen`
    characters were dropped from the text before it was split: they count too, as UNSEEN."""
    result = DumpAccount(dump_id=dump_id, path=path, n_chars=len(text) + unseen)
    result.chars[UNSEEN] = unseen
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


class DumpLedger:
    """Per-dump accounts, kept on disk as they become final: the build's memory does not grow
    with the number of dumps. Totals are summed as entries arrive."""

    def __init__(self, spill: Path) -> None:
        self.spill = spill
        self._file = spill.open("w", encoding="utf-8")
        self.count = 0
        self.totals: Counter[str] = Counter()
        self.chars: Counter[str] = Counter(dict.fromkeys(CATEGORIES, 0))
        self.rules: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.for_markdown: list[dict] = []  # the first dumps, or the first flagged ones
        self.flagged = 0
        self.problems: list[dict] = []  # the first files that were not built

    def add(self, dump: DumpAccount) -> None:
        entry = account_dict(dump)
        self._file.write(json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n")
        self.count += 1
        built = dump.status == "built"
        self.totals.update(
            files=1,
            files_built=built,
            files_quarantined=dump.status.startswith("quarantined"),
            files_skipped=dump.status.startswith("skipped"),
            bytes=dump.n_bytes,
            bytes_unreadable=0 if built else dump.n_bytes,
            chars=dump.n_chars,
            undecodable_bytes=dump.undecodable_bytes,
            articles_found=dump.articles_found,
        )
        self.chars.update(dump.chars)
        self.rules.update(dump.boilerplate_rules)
        self.reasons.update(dump.quarantine_reasons)
        flagged = not built or dump.chars[QUARANTINE] > 0
        self.flagged += flagged
        if not built and len(self.problems) < MD_DUMP_ROWS:
            self.problems.append(entry)
        if self.count <= MD_DUMP_ROWS:
            self.for_markdown.append(entry)
        elif self.count == MD_DUMP_ROWS + 1:  # too many for one table: keep the flagged ones
            self.for_markdown = [d for d in self.for_markdown if _is_flagged(d)]
        if self.count > MD_DUMP_ROWS and flagged and len(self.for_markdown) < MD_DUMP_ROWS:
            self.for_markdown.append(entry)

    def close(self) -> None:
        self._file.close()

    def entries(self) -> Iterator[str]:
        with self.spill.open(encoding="utf-8") as lines:
            for line in lines:
                yield line.rstrip("\n")


def _is_flagged(entry: dict) -> bool:
    return entry["status"] != "built" or entry["chars_by_category"][QUARANTINE] > 0


def build_report(
    ledger: DumpLedger,
    clusters: Clusters,
    quarantine: pl.DataFrame,
    settings: dict,
    warnings: list[str],
) -> dict:
    """The report without its per-dump list (that one is streamed from the ledger)."""
    totals = {
        **{
            k: int(ledger.totals[k])
            for k in (
                "files",
                "files_built",
                "files_quarantined",
                "files_skipped",
                "bytes",
                "bytes_unreadable",
                "chars",
                "undecodable_bytes",
                "articles_found",
            )
        },
        "chars_by_category": {c: ledger.chars[c] for c in CATEGORIES},
        "boilerplate_chars_by_rule": dict(sorted(ledger.rules.items())),
        "quarantined_chars_by_reason": dict(sorted(ledger.reasons.items())),
        "articles_kept": clusters.n_articles,
        "articles_canonical": clusters.n_canonical,
        "quarantine_rows": quarantine.height,
    }
    several = clusters.with_several_members()
    totals["near_dup_clusters"] = clusters.n_clusters
    totals["near_dup_clusters_with_several_members"] = several.height
    return {
        "settings": settings,
        "totals": totals,
        "near_duplicate_clusters": [
            {"cluster": row["near_dup_cluster"], "members": row["article_id"]}
            for row in several.iter_rows(named=True)
        ],
        "warnings": sorted(warnings),
    }


# report.json's name for each DumpAccount field, one table for writing and reading entries.
REPORT_KEYS = {
    "dump_id": "dump_id",
    "path": "path",
    "status": "status",
    "encoding": "encoding",
    "layout": "layout",
    "n_bytes": "bytes",
    "n_chars": "chars",
    "chars": "chars_by_category",
    "boilerplate_rules": "boilerplate_chars_by_rule",
    "quarantine_reasons": "quarantined_chars_by_reason",
    "undecodable_bytes": "undecodable_bytes",
    "articles_found": "articles_found",
    "articles_kept": "articles_kept",
}


def account_dict(d: DumpAccount) -> dict:
    """A dump's report.json entry."""
    return {key: getattr(d, field) for field, key in REPORT_KEYS.items()}


def account_from_dict(entry: dict) -> DumpAccount:
    """A report.json entry back as the account it was written from."""
    return DumpAccount(**{field: entry[key] for field, key in REPORT_KEYS.items()})


_PLACEHOLDER = "\u0000dumps\u0000"
_DUMPS_OPENING = '  "dumps": ['


def write_report(summary: dict, ledger: DumpLedger, out_dir: Path) -> None:
    """report.json (the summary, then every dump on its own line, in build order) and
    report.md, written without holding the per-dump list in memory."""
    text = json.dumps(
        {**summary, "dumps": _PLACEHOLDER}, indent=2, sort_keys=True, ensure_ascii=False
    )
    head, tail = text.split(json.dumps(_PLACEHOLDER))
    with (out_dir / "report.json").open("w", encoding="utf-8") as out:
        out.write(head + "[")
        for n, entry in enumerate(ledger.entries()):
            out.write(("," if n else "") + "\n    " + entry)
        out.write(("\n  ]" if ledger.count else "]") + tail + "\n")
    (out_dir / "report.md").write_text(render_markdown(summary, ledger), encoding="utf-8")


def read_report_accounts(path: Path) -> Iterator[DumpAccount]:
    """The per-dump entries of a report.json as `write_report` wrote it (one a line), read a
    line at a time: an incremental build goes through an earlier build's dumps without holding
    them (as Python objects, about 1.5 KB a dump). Raises ValueError naming the file and line
    where the report is not laid out so."""
    with path.open(encoding="utf-8", newline="\n") as file:
        lines = enumerate(file, start=1)
        for _, line in lines:
            if line.startswith(_DUMPS_OPENING):
                break
        else:
            raise ValueError(f"{path}: no per-dump entries (expected a line {_DUMPS_OPENING!r})")
        if line.rstrip("\n,").endswith("[]"):
            return
        for number, line in lines:
            if line.startswith("  ]"):
                return
            try:
                yield account_from_dict(json.loads(line.rstrip("\n").rstrip(",")))
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ValueError(
                    f"{path}: line {number} is not a per-dump entry as `talks build` writes it "
                    f"({type(exc).__name__}: {exc})"
                ) from exc
    raise ValueError(f"{path}: the per-dump entries are cut short")


def _count_table(key: str, counts: dict[str, int]) -> list[str]:
    """A Markdown table of characters per rule or reason, or "None." when there are none."""
    if not counts:
        return ["None."]
    return [f"| {key} | characters |", "|---|---:|"] + [
        f"| {name} | {n:,} |" for name, n in counts.items()
    ]


def render_markdown(report: dict, ledger: DumpLedger) -> str:
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
    lines += ["", "## Boilerplate by rule", ""]
    lines += _count_table("rule", t["boilerplate_chars_by_rule"])
    lines += ["", "## Quarantine by reason", ""]
    lines += _count_table("reason", t["quarantined_chars_by_reason"])
    if t["bytes_unreadable"]:
        lines.append("\nFiles quarantined whole are counted in bytes above, and named in Dumps.")
    lines += ["", "## Near-duplicate clusters", ""]
    lines += [
        f"- `{cl['cluster']}`: " + ", ".join(f"`{m}`" for m in cl["members"])
        for cl in report["near_duplicate_clusters"]
    ] or ["None."]
    lines += ["", "## Dumps", ""]
    if ledger.count > MD_DUMP_ROWS:
        lines.append(
            f"{ledger.count:,} dumps: the table lists the first {len(ledger.for_markdown):,} "
            f"with something quarantined or skipped ({ledger.flagged:,} in all); "
            "report.json has every dump."
        )
        lines.append("")
    lines += [
        "| dump | status | encoding | layout | chars | article | metadata | boilerplate | "
        "quarantined | whitespace | unseen | articles kept |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for d in ledger.for_markdown:
        ch = d["chars_by_category"]
        lines.append(
            f"| {d['path']} | {d['status']} | {d['encoding'] or ''} | {d['layout'] or ''} | "
            f"{d['chars']:,} | {ch['article']:,} | {ch['metadata']:,} | {ch['boilerplate']:,} | "
            f"{ch['quarantine']:,} | {ch['whitespace']:,} | {ch[UNSEEN]:,} | "
            f"{d['articles_kept']} |"
        )
    if report["warnings"]:
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in report["warnings"]]
    return "\n".join(lines) + "\n"
