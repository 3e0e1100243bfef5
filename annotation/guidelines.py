"""The annotation guidelines (GUIDELINES.md): their label tables, generated from the schema, and
the HTML that Label Studio shows as the project's instructions."""

from __future__ import annotations

import re
from importlib.resources import files

from markdown_it import MarkdownIt

from .schema import LabelSchema

_BLOCK = re.compile(r"<!-- generated:(\w+) -->\n.*?<!-- /generated:\1 -->\n", re.DOTALL)


def guidelines_text() -> str:
    return files(__package__).joinpath("GUIDELINES.md").read_text(encoding="utf-8")


def label_table(schema: LabelSchema, task_name: str) -> str:
    rows = [f"| `{label.name}` | {label.description} |" for label in schema.task(task_name).labels]
    return "\n".join(["| label | definition |", "| --- | --- |", *rows]) + "\n"


def render_tables(schema: LabelSchema, text: str) -> str:
    """The guidelines with every generated block rewritten from the schema."""

    def block(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"<!-- generated:{name} -->\n{label_table(schema, name)}<!-- /generated:{name} -->\n"

    return _BLOCK.sub(block, text)


def tasks_without_table(schema: LabelSchema, text: str) -> list[str]:
    """Schema tasks that the guidelines give no generated label table."""
    present = {match.group(1) for match in _BLOCK.finditer(text)}
    return [name for name in schema.task_names if name not in present]


def instructions_html(text: str) -> str:
    """The guidelines as HTML for Label Studio's instructions panel (raw HTML is not passed
    through: the generation markers are dropped and anything else is escaped)."""
    plain = re.sub(r"<!-- /?generated:\w+ -->\n", "", text)
    return MarkdownIt("commonmark", {"html": False}).enable("table").render(plain)
