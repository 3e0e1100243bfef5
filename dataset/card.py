"""The dataset card (README.md of a release): YAML header for the Hub and `load_dataset`, and the
sections of a datasheet. Every table and figure is computed from the data being published."""

from __future__ import annotations

import re

import polars as pl
import yaml
from istanbul_talks.annotation.schema import load_schema

SINGLE_ANNOTATOR = (
    "Single-annotator reference labels: no agreement figures, and the decisions of one person."
)
LICENSE_NOTE = (
    "The labels, the code and this card are released under Apache-2.0. The article texts are "
    "news articles whose copyright stays with their publishers; they are included, as found on "
    "the pages, for non-commercial research on media coverage, and must not be republished as "
    "news."
)


def _header(counts: dict[str, dict[str, int]]) -> str:
    from datasets.info import DatasetInfo

    from .publish import hf_features

    configs, infos = [], []
    for name in ("labeled", "articles", "annotations"):
        entry = {
            "config_name": name,
            "data_files": [
                {"split": split, "path": f"{name}/{split}.parquet"} for split in counts[name]
            ],
        }
        if name == "labeled":
            entry["default"] = True
        configs.append(entry)
        features = DatasetInfo(features=hf_features(name))._to_yaml_dict()["features"]
        infos.append({"config_name": name, "features": features})
    total = counts["articles"]["train"]
    size = "n<1K" if total < 1000 else "1K<n<10K" if total < 10_000 else "10K<n<100K"
    header = {
        "pretty_name": "istanbul-talks: news coverage of the 2025 Russia–Ukraine talks in Istanbul",
        "license": "other",
        "license_name": "apache-2.0-labels-publisher-texts",
        "license_details": LICENSE_NOTE,
        "language": ["en"],
        "task_categories": ["text-classification", "token-classification"],
        "task_ids": [
            "multi-class-classification",
            "multi-label-classification",
            "named-entity-recognition",
        ],
        "size_categories": [size],
        "configs": configs,
        "dataset_info": infos,
    }
    return (
        "---\n" + yaml.safe_dump(header, sort_keys=False, allow_unicode=True, width=100) + "---\n"
    )


def _table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _label_counts(labeled: pl.DataFrame) -> str:
    schema = load_schema()
    splits = ["train", "validation", "test"]
    rows = []
    for task in schema.tasks:
        for label in task.label_names:
            row = [task.name, f"`{label}`"]
            for split in splits:
                part = labeled.filter(pl.col("_split") == split)
                if task.kind == "single":
                    n = part.filter(pl.col(task.name) == label).height
                elif task.kind == "multi":
                    n = part.filter(pl.col(task.name).list.contains(label)).height
                else:
                    n = int(
                        part.select(
                            pl.col(task.name)
                            .list.eval(pl.element().struct.field("type") == label)
                            .list.sum()
                        )
                        .to_series()
                        .sum()
                    )
                row.append(n)
            rows.append(row)
    return _table(["task", "label", *splits], rows)


def _agreement_section(annotations: pl.DataFrame) -> str:
    from istanbul_talks.annotation.agreement import agreement

    figures = agreement(annotations)
    if figures["n_items"].max() in (None, 0):
        return (
            "No article has labels from two or more annotators, so there are no agreement "
            "figures: every label in this release was made by a single annotator.\n"
        )
    rows = [
        [
            r["task"],
            r["label"] or "",
            r["measure"],
            f"{r['value']:.3f}",
            f"{r['ci_low']:.3f} to {r['ci_high']:.3f}",
            r["n_items"],
        ]
        for r in figures.iter_rows(named=True)
    ]
    return _table(["task", "label", "measure", "value", "95% bootstrap interval", "items"], rows)


def render_card(
    labeled: pl.DataFrame,
    articles: pl.DataFrame,
    annotations: pl.DataFrame,
    gold: pl.DataFrame,
    report: dict,
    counts: dict[str, dict[str, int]],
    origin: str,
) -> str:
    schema = load_schema()
    totals = report["totals"]
    chars = totals["chars_by_category"]
    annotators = sorted(annotations["annotator"].unique())
    reference = origin.startswith("reference")
    who = (
        "the maintainers' reference labels: one maintainer (a role account) decided every label "
        "following the guidelines, through the project's Label Studio workflow. They are "
        "reference labels made by the maintainers, not crowd or expert labels."
        if reference
        else f"labels pulled from the project's Label Studio server, made by {len(annotators)} "
        "pseudonymous annotators."
    )
    decided = gold.group_by("task", "decided_by").len().sort(["task", "decided_by"]).iter_rows()
    parts = [
        _header(counts),
        "# istanbul-talks\n",
        "News articles about the 2025 Russia–Ukraine peace talks in Istanbul and the stories that "
        "appeared beside them on the same pages, split out of raw page dumps into clean records "
        "and labeled for stance toward the talks, topics and events.\n",
        "## Motivation\n",
        "To study how the talks were covered: which outlook on them articles convey, what else "
        "the pages put next to them, and which events the coverage reports. Built as a small, "
        "fully reproducible corpus whose every step (splitting, deduplication, labeling) can be "
        "rerun from the raw dumps.\n",
        "## Sources and collection\n",
        f"{totals['files']} raw page dumps (the visible text of news pages, each a main article "
        "with related or next articles and site boilerplate) are split into articles. "
        f"{totals['articles_kept']} articles were found, of which {counts['articles']['train']} "
        "are canonical (one per near-duplicate cluster): the `articles` config. Outlets named on "
        "the pages (canonical articles):\n\n",
        _table(
            ["source", "articles"],
            [
                [source or "(not named on the page)", n]
                for source, n in articles.group_by("source")
                .len()
                .sort(["len", "source"], descending=[True, False], nulls_last=True)
                .iter_rows()
            ],
        ),
        "## Processing\n",
        _table(
            ["figure", "value"],
            [
                ["dumps read", totals["files"]],
                ["dumps built", totals["files_built"]],
                ["articles kept", totals["articles_kept"]],
                ["canonical articles", totals["articles_canonical"]],
                ["characters read", totals["chars"]],
                [
                    "near-duplicate clusters with several articles",
                    totals["near_dup_clusters_with_several_members"],
                ],
                ["quarantine rows", totals["quarantine_rows"]],
                *[[f"characters: {k}", v] for k, v in sorted(chars.items())],
            ],
        ),
        "\nEvery character of every dump is accounted for as article text, metadata, named "
        "boilerplate, quarantine, whitespace or unseen (control characters and soft hyphens, "
        "which no reader sees); see the build report.\n\n",
        "The pipeline (`talks build`): each dump's encoding is detected and recorded, and "
        "mojibake (UTF-8 once read as Windows-1252) repaired by ftfy and recorded, and the "
        "text composed to Unicode NFC; its lines "
        "are classified by the site layout's named boilerplate rules and generic heuristics, and "
        "the page is split into its main article and the related or next articles it shows, "
        "with title, source, byline, dateline and date; the records are validated (pandera), and "
        "what fails is quarantined with its reason; exact duplicates (content hash) and near "
        "duplicates (MinHash over "
        f"{report['settings']['near_duplicate_shingle_words']}-word shingles, "
        f"{report['settings']['minhash_permutations']} bins, Jaccard threshold "
        f"{report['settings']['near_duplicate_threshold']}) are clustered, and the longest "
        "article of each cluster is its canonical member.\n",
        "## Label schema\n",
        f"Target of the stance: {schema.target}.\n",
    ]
    for task in schema.tasks:
        parts.append(f"\n### {task.name} ({task.kind})\n\n{task.question}\n\n")
        parts.append(
            _table(
                ["label", "definition"],
                [[f"`{label.name}`", label.description] for label in task.labels],
            )
        )
    parts += [
        "\n## Annotation\n",
        f"Labels: {who} Annotators are identified by pseudonyms (`ann-` and a keyed hash of their "
        f"e-mail address): {', '.join(f'`{a}`' for a in annotators)}. Gold labels record how "
        "they were decided:\n\n",
        _table(["task", "decided by", "articles"], [list(r) for r in decided]),
        "\n### Agreement\n\n",
        _agreement_section(annotations),
        "\n## Splits\n\n",
        "Grouped so that no near-duplicate cluster straddles two splits, stratified by stance as "
        "far as groups allow, and stable: an article keeps its split when articles are added "
        "(`splits.json`).\n\n",
        _table(["split", "articles"], [[s, n] for s, n in counts["labeled"].items()]),
        "\n",
        _label_counts(labeled),
        "\n## Known limitations and biases\n\n",
        "- Small: the labeled config is a pilot of a few dozen articles at most; figures computed "
        "on it have wide intervals.\n"
        "- English-language pages from a handful of outlets (wire services and regional news "
        "sites); related-article blocks follow each site's recommendation logic, not a sample.\n"
        "- Stance is the outlook an article conveys as read by the annotators, not a measure of "
        "the outlet's position.\n"
        f"- {SINGLE_ANNOTATOR if reference else 'Labels come from the annotators named above.'}\n",
        "\n## License\n\n",
        LICENSE_NOTE + "\n",
        "\n## Citation\n\n",
        "```bibtex\n@misc{istanbul_talks,\n  title = {istanbul-talks: news coverage of the 2025 "
        "Russia--Ukraine talks in Istanbul},\n  author = {{istanbul-talks maintainers}},\n"
        "  note = {Dataset, built with the istanbul-talks package}\n}\n```\n",
    ]
    return _spaced("".join(parts))


def _spaced(markdown: str) -> str:
    """One blank line before and after every heading, and no runs of blank lines."""
    markdown = re.sub(r"\n+(#{1,6} [^\n]*)\n+", r"\n\n\1\n\n", markdown)
    return re.sub(r"\n{3,}", "\n\n", markdown)
