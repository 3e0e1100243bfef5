"""pandera contracts of the annotation tables, generated from the label schema.

Annotation: one row per annotator x article x schema task (the latest annotation of that
annotator on that article). Gold: one row per article x task, with how the label was decided.
The label checks come from schema.toml, so a label outside the codebook cannot pass.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl
from istanbul_talks.dataset.schemas import rows_frame

from .schema import LabelSchema

SPAN = pl.Struct({"start": pl.Int64, "end": pl.Int64, "label": pl.String, "text": pl.String})
STATUSES = ("submitted", "skipped")
DECISIONS = ("adjudicator", "unanimous", "majority", "tie", "single_annotator")


def _labels_in_schema(schema: LabelSchema) -> pa.Check:
    allowed = pl.DataFrame(
        [(task.name, label) for task in schema.tasks for label in task.label_names],
        schema={"task": pl.String, "label": pl.String},
        orient="row",
    )

    def check(data: pa.PolarsData) -> pl.LazyFrame:
        frame = data.lazyframe.with_row_index("_row")
        labels = (
            frame.select("_row", "task", pl.col("labels").alias("label"))
            .explode("label")
            .drop_nulls("label")
        )
        spans = (
            frame.select("_row", "task", "spans")
            .explode("spans")
            .drop_nulls("spans")
            .select("_row", "task", pl.col("spans").struct.field("label"))
        )
        unknown = (
            pl.concat([labels, spans])
            .join(allowed.lazy(), on=["task", "label"], how="anti")
            .select("_row")
            .unique()
        )
        return frame.select(~pl.col("_row").is_in(unknown.collect()["_row"].implode()))

    return pa.Check(
        check, name="labels_in_schema", error="a label is not in annotation/schema.toml"
    )


def _spans_well_formed(data: pa.PolarsData) -> pl.LazyFrame:
    return data.lazyframe.select(
        pl.col("spans")
        .list.eval(
            (pl.element().struct.field("start") >= 0)
            & (pl.element().struct.field("start") < pl.element().struct.field("end"))
        )
        .list.all()
    )


SPANS_WELL_FORMED = pa.Check(_spans_well_formed, name="spans_well_formed")


def annotation_schema(schema: LabelSchema) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "article_id": pa.Column(str),
            "ls_task_id": pa.Column(pl.Int64),
            "annotation_id": pa.Column(pl.Int64),
            "annotator": pa.Column(str, pa.Check.str_matches(r"^ann-[0-9a-f]{12}$")),
            "adjudicator": pa.Column(bool),
            "status": pa.Column(str, pa.Check.isin(list(STATUSES))),
            "updated_at": pa.Column(str),
            "lead_time": pa.Column(pl.Float64, nullable=True),
            "task": pa.Column(str, pa.Check.isin(list(schema.task_names))),
            "labels": pa.Column(pl.List(pl.String)),
            "spans": pa.Column(pl.List(SPAN), SPANS_WELL_FORMED),
        },
        checks=[_labels_in_schema(schema)],
        unique=["article_id", "annotator", "task"],
        name="Annotation",
        strict=True,
        ordered=True,
    )


def gold_schema(schema: LabelSchema) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "article_id": pa.Column(str),
            "task": pa.Column(str, pa.Check.isin(list(schema.task_names))),
            "labels": pa.Column(pl.List(pl.String)),
            "spans": pa.Column(pl.List(SPAN), SPANS_WELL_FORMED),
            "decided_by": pa.Column(str, pa.Check.isin(list(DECISIONS))),
            "n_annotators": pa.Column(pl.Int64, pa.Check.ge(1)),
            "tied": pa.Column(pl.List(pl.String)),
        },
        checks=[_labels_in_schema(schema)],
        unique=["article_id", "task"],
        name="Gold",
        strict=True,
        ordered=True,
    )


ANNOTATION_QUARANTINE = pa.DataFrameSchema(
    {
        "article_id": pa.Column(str, nullable=True),
        "annotation_id": pa.Column(pl.Int64, nullable=True),
        "annotator": pa.Column(str, nullable=True),
        "task": pa.Column(str, nullable=True),
        "reason": pa.Column(str),
    },
    name="AnnotationQuarantine",
    strict=True,
    ordered=True,
)


def frame(rows: list[dict], contract: pa.DataFrameSchema) -> pl.DataFrame:
    """Rows as a frame with the contract's dtypes, validated."""
    return contract.validate(rows_frame(rows, contract), lazy=True)
