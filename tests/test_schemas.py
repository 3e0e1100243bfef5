"""The pandera contracts: bad rows are quarantined with their reason, bad schemas raise."""

from __future__ import annotations

import polars as pl
import pytest
from istanbul_talks.dataset.layouts import LayoutError, _check_anchored, _date_order
from istanbul_talks.dataset.schemas import (
    ARTICLE,
    ContractError,
    rows_frame,
    validate_or_quarantine,
)


def _row(**overrides) -> dict:
    row = {
        "article_id": "d-00",
        "dump_id": "d",
        "position": 0,
        "role": "main",
        "layout": "generic",
        "title": "A title",
        "source": None,
        "byline": None,
        "dateline": None,
        "published_at": None,
        "published_raw": None,
        "body": " ".join(["word"] * 20),
        "title_start": 0,
        "title_end": 7,
        "body_spans": [{"start": 8, "end": 107}],
        "language": "en",
        "content_sha256": "a" * 64,
        "n_chars": 99,
        "n_words": 20,
        "url": None,
        "crawled_at": None,
    }
    row.update(overrides)
    return row


def test_failing_rows_are_split_off_with_every_failed_check():
    rows = [
        _row(),
        _row(article_id="d-01", position=1, role="sidebar", n_words=3),
        _row(article_id="d-02", position=2, body="   ", body_spans=[{"start": 5, "end": 5}]),
    ]
    good, failures = validate_or_quarantine(rows_frame(rows, ARTICLE), ARTICLE)
    assert good["article_id"].to_list() == ["d-00"]
    reasons = dict(failures.iter_rows())
    assert set(reasons) == {1, 2}
    assert "role isin" in reasons[1] and "n_words greater_than_or_equal_to(15)" in reasons[1]
    assert "body is empty or only whitespace" in reasons[2]
    assert "body_spans a span is empty or reversed" in reasons[2]


def test_a_schema_error_is_a_contract_error_not_quarantine():
    frame = rows_frame([_row()], ARTICLE).drop("language")
    with pytest.raises(ContractError, match="Article table broke its schema"):
        validate_or_quarantine(frame, ARTICLE)


def test_dtypes_are_exact():
    frame = rows_frame([_row()], ARTICLE).with_columns(pl.col("position").cast(pl.Int32))
    with pytest.raises(ContractError, match="position"):
        validate_or_quarantine(frame, ARTICLE)


@pytest.mark.parametrize("pattern", ["^home|menu", "menu$", "(home|menu)"])
def test_layout_patterns_without_keywords_must_be_anchored(pattern):
    with pytest.raises(LayoutError, match="must start with"):
        _check_anchored(pattern, "navigation")


def test_anchored_pattern_is_accepted():
    assert _check_anchored("^(home|menu)$", "navigation") == "^(home|menu)$"


def test_a_layouts_date_order_is_dmy_mdy_or_absent():
    assert [_date_order("site", order) for order in ("dmy", "mdy", None)] == ["dmy", "mdy", None]
    with pytest.raises(LayoutError, match="layout 'site' has date_order 'ymd'"):
        _date_order("site", "ymd")
