"""The pandera contracts of the pipeline's tables, and the rule that failing rows are quarantined.

Each stage validates what it hands on. A row that fails a data check does not stop the build:
it is moved to the Quarantine table with the failed checks as its reason. A schema failure
(a missing column, a wrong dtype) is a bug in this package and raises `ContractError`.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl
from pandera.errors import SchemaErrors

MIN_ARTICLE_WORDS = 15
UTC_TIME = pl.Datetime("us", "UTC")
SPAN = pl.Struct({"start": pl.Int64, "end": pl.Int64})


class ContractError(RuntimeError):
    """A table broke its schema (not its data): a bug in the stage that produced it."""


def _not_blank(data: pa.PolarsData) -> pl.LazyFrame:
    return data.lazyframe.select(pl.col(data.key).str.strip_chars().str.len_chars() > 0)


NOT_BLANK = pa.Check(_not_blank, name="not_blank", error="is empty or only whitespace")
SHA256 = pa.Check.str_matches(r"^[0-9a-f]{64}$")


def _spans_ordered(data: pa.PolarsData) -> pl.LazyFrame:
    return data.lazyframe.select(
        pl.col(data.key)
        .list.eval((pl.element().struct.field("start") < pl.element().struct.field("end")).all())
        .list.first()
        .fill_null(False)
    )


SPANS_ORDERED = pa.Check(_spans_ordered, name="spans_ordered", error="a span is empty or reversed")

RAW_DUMP = pa.DataFrameSchema(
    {
        "dump_id": pa.Column(str, NOT_BLANK, unique=True),
        "path": pa.Column(str, NOT_BLANK),
        "sha256": pa.Column(str, SHA256),
        "n_bytes": pa.Column(pl.Int64, pa.Check.gt(0)),
        "encoding": pa.Column(str, NOT_BLANK),
        "layout": pa.Column(str, NOT_BLANK),
        "text": pa.Column(str, NOT_BLANK),
        "url": pa.Column(str, nullable=True),
        "site": pa.Column(str, nullable=True),
        "crawled_at": pa.Column(UTC_TIME, nullable=True),
    },
    name="RawDump",
    strict=True,
    ordered=True,
)

ARTICLE = pa.DataFrameSchema(
    {
        "article_id": pa.Column(str, NOT_BLANK, unique=True),
        "dump_id": pa.Column(str, NOT_BLANK),
        "position": pa.Column(pl.Int64, pa.Check.ge(0)),
        "role": pa.Column(str, pa.Check.isin(["main", "related"])),
        "layout": pa.Column(str, NOT_BLANK),
        "title": pa.Column(str, NOT_BLANK, nullable=True),
        "source": pa.Column(str, NOT_BLANK, nullable=True),
        "byline": pa.Column(str, NOT_BLANK, nullable=True),
        "dateline": pa.Column(str, NOT_BLANK, nullable=True),
        "published_at": pa.Column(UTC_TIME, nullable=True),
        "published_raw": pa.Column(str, NOT_BLANK, nullable=True),
        "body": pa.Column(str, NOT_BLANK),
        "title_start": pa.Column(pl.Int64, pa.Check.ge(0), nullable=True),
        "title_end": pa.Column(pl.Int64, pa.Check.gt(0), nullable=True),
        "body_spans": pa.Column(pl.List(SPAN), SPANS_ORDERED),
        "language": pa.Column(str, pa.Check.str_matches(r"^([a-z]{2,3}|und)$")),
        "content_sha256": pa.Column(str, SHA256),
        "n_chars": pa.Column(pl.Int64, pa.Check.gt(0)),
        "n_words": pa.Column(pl.Int64, pa.Check.ge(MIN_ARTICLE_WORDS)),
        "url": pa.Column(str, nullable=True),
        "crawled_at": pa.Column(UTC_TIME, nullable=True),
    },
    name="Article",
    strict=True,
    ordered=True,
)


def _one_canonical_per_cluster(data: pa.PolarsData) -> pl.LazyFrame:
    return data.lazyframe.select(
        (pl.col("is_canonical").sum().over("near_dup_cluster") == 1).alias("one_canonical")
    )


DEDUPE_COLUMNS = pa.DataFrameSchema(
    {
        "article_id": pa.Column(str, NOT_BLANK, unique=True),
        "near_dup_cluster": pa.Column(str, NOT_BLANK),
        "is_canonical": pa.Column(bool),
    },
    checks=[
        pa.Check(
            _one_canonical_per_cluster,
            name="one_canonical_per_cluster",
            error="a near-duplicate cluster has no canonical article, or several",
        )
    ],
    name="DedupeColumns",
    strict=True,
    ordered=True,
)
"""What deduplication adds to the articles, with one canonical article per cluster. A local build
checks it on the articles in clusters of several members, the only ones whose two columns it
works out (every other article is a cluster of its own, named after it, and canonical); their
ids are unique across chunks because dump ids are (`plan_inputs` keeps one file per id) and an
article id is its dump's id and position. The ray engine checks it over the whole corpus."""

DEDUPED_ARTICLE = ARTICLE.add_columns(
    {name: DEDUPE_COLUMNS.columns[name] for name in ("near_dup_cluster", "is_canonical")}
)
DEDUPED_ARTICLE.name = "DedupedArticle"

QUARANTINE = pa.DataFrameSchema(
    {
        "dump_id": pa.Column(str),
        "path": pa.Column(str),
        "stage": pa.Column(str, pa.Check.isin(["read", "split", "validate"])),
        "char_start": pa.Column(pl.Int64, nullable=True),
        "char_end": pa.Column(pl.Int64, nullable=True),
        "reason": pa.Column(str, NOT_BLANK),
        "snippet": pa.Column(str),
    },
    name="Quarantine",
    strict=True,
    ordered=True,
)


def rows_frame(rows: list[dict], schema: pa.DataFrameSchema) -> pl.DataFrame:
    """Rows as a frame with the schema's columns and dtypes (zero rows when there are none)."""
    dtypes = {name: col.dtype.type for name, col in schema.columns.items()}
    return pl.DataFrame(rows, schema=dtypes, orient="row") if rows else pl.DataFrame(schema=dtypes)


def validate_or_quarantine(
    df: pl.DataFrame, schema: pa.DataFrameSchema
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split a table into the rows that pass the schema and a frame of failures per row.

    The failures frame has the failing row's `index` and a `reason` listing every failed check.
    """
    try:
        return schema.validate(df, lazy=True), pl.DataFrame(
            schema={"index": pl.Int64, "reason": pl.String}
        )
    except SchemaErrors as exc:
        cases = exc.failure_cases
    if cases["index"].null_count():
        schema_level = cases.filter(pl.col("index").is_null())
        raise ContractError(
            f"{schema.name} table broke its schema: "
            + "; ".join(
                f"{row['column']}: {row['check']} ({row['failure_case']})"
                for row in schema_level.iter_rows(named=True)
            )
        )
    reasons = (
        cases.with_columns(pl.col("index").cast(pl.Int64))
        .with_columns(
            (
                pl.lit(f"{schema.name} check failed: ")
                + pl.col("column")
                + pl.lit(" ")
                + pl.col("check")
                + pl.lit(" (value: ")
                + pl.col("failure_case").cast(pl.String).str.slice(0, 80)
                + pl.lit(")")
            ).alias("reason")
        )
        .group_by("index")
        .agg(pl.col("reason").unique().sort().str.join("; "))
        .sort("index")
    )
    bad = reasons["index"].to_list()
    good = df.with_row_index("_row").filter(~pl.col("_row").is_in(bad)).drop("_row")
    return schema.validate(good, lazy=True), reasons
