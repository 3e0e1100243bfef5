"""The label schema, the Label Studio config generated from it, and the guidelines."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest
from istanbul_talks.annotation.guidelines import (
    guidelines_text,
    instructions_html,
    render_tables,
    tasks_without_table,
)
from istanbul_talks.annotation.schema import SchemaError, label_config, load_schema, parse_schema

from .conftest import expected_seed_records


def test_schema_holds_the_first_codebook():
    schema = load_schema()
    assert schema.task_names == ("stance", "topics", "events")
    assert schema.task("stance").label_names == (
        "optimistic",
        "pessimistic",
        "neutral",
        "unrelated",
    )
    assert schema.task("topics").kind == "multi" and len(schema.task("topics").labels) == 9
    assert schema.task("events").label_names[:3] == ("TALKS", "PROPOSAL", "ATTACK")
    assert all(label.description for task in schema.tasks for label in task.labels)


def test_label_config_is_generated_from_the_schema():
    schema = load_schema()
    view = ElementTree.fromstring(label_config(schema))
    assert view.tag == "View"
    assert not view.findall(".//HyperText"), "article text is untrusted: never HyperText"
    texts = {t.get("name"): t.get("value") for t in view.findall("Text")}
    assert texts == {"title": "$title", "body": "$body"}
    stance = view.find("Choices[@name='stance']")
    assert stance.get("choice") == "single" and stance.get("toName") == "body"
    assert [c.get("value") for c in stance] == list(schema.task("stance").label_names)
    assert view.find("Choices[@name='topics']").get("choice") == "multiple"
    events = view.find("Labels[@name='events']")
    assert events.get("toName") == "body"
    assert [label.get("value") for label in events] == list(schema.task("events").label_names)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('target = "t"\n[[tasks]]\nname = "x"\nkind = "ranking"\n', "kind must be one of"),
        (
            'target = "t"\n[[tasks]]\nname = "x"\nkind = "single"\n'
            '[[tasks.labels]]\nname = "a"\ndescription = "d"\n'
            '[[tasks.labels]]\nname = "a"\ndescription = "d"\n',
            "each named once",
        ),
        (
            'target = "t"\n[[tasks]]\nname = "x"\nkind = "single"\n[[tasks.labels]]\nname = "a"\n',
            "needs a name and a description",
        ),
        ("target = [", "not valid TOML"),
    ],
)
def test_bad_schemas_are_refused_with_the_task_named(toml, message):
    with pytest.raises(SchemaError, match=message):
        parse_schema(toml, "my-schema.toml")


def test_guideline_tables_match_the_schema():
    schema, text = load_schema(), guidelines_text()
    assert tasks_without_table(schema, text) == []
    assert render_tables(schema, text) == text


def test_a_changed_label_changes_the_generated_table():
    schema = load_schema()
    text = guidelines_text().replace("| `sports` |", "| `sport` |")
    assert render_tables(schema, text) == guidelines_text()


def test_instructions_are_html_without_raw_markup_passthrough():
    html = instructions_html("# Title\n\n<script>alert(1)</script>\n\n| a | b |\n| --- | --- |\n")
    assert "<h1>Title</h1>" in html and "<table>" in html
    assert "<script>" not in html


def _normalise(text: str) -> str:
    """Quotes inside a quote are written with single quotes in the guidelines."""
    for mark in '’‘"“”':
        text = text.replace(mark, "'")
    return " ".join(text.split())


def test_every_quoted_example_is_in_the_article_it_cites():
    """Examples in the guidelines are quotes of seed articles, so they must really be there."""
    articles = {}
    for dump_id, record in expected_seed_records().items():
        for article in record["articles"]:
            articles[f"{dump_id}-{article['position']:02d}"] = _normalise(
                article["title"] + " " + " ".join(article["paragraphs"])
            )
    text = " ".join(guidelines_text().split())
    cited = re.findall(r'"([^"]+)"\s*\[(\d{3}_[0-9a-f]{16}-\d{2})\]', text)
    assert len(cited) >= 25
    missing = [
        (fragment, article_id)
        for quote, article_id in cited
        for fragment in map(_normalise, quote.split("..."))
        if fragment.strip(" ,") not in articles[article_id]
    ]
    assert missing == []
