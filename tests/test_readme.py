"""The README's promises about the shipped corpus, checked against a real build, and the links
between the project's documents, so that a reader who follows one lands where it says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [
    ROOT / "README.md",
    ROOT / "dataset" / "README.md",
    ROOT / "benchmarks" / "README.md",
    ROOT / "benchmarks" / "generality" / "README.md",
]
FENCE = re.compile(r"```(\w*)\n(.*?)```", re.S)
LINK = re.compile(r"\]\(([^)\s]+)\)")


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    return [(match.group(1), match.group(2)) for match in FENCE.finditer(text)]


def section(text: str, heading: str) -> str:
    """The text under a heading, up to the next heading of the same or a higher level."""
    level = heading.split(" ", 1)[0]
    start = text.index(f"\n{heading}\n")
    end = re.compile(rf"\n#{{1,{len(level)}}} ").search(text, start + 1)
    return text[start : end.start() if end else len(text)]


def anchors(text: str) -> set[str]:
    """GitHub's anchors for a document's headings (code blocks left out)."""
    prose = FENCE.sub("", text)
    return {
        re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in prose.split("\n")
        if line.startswith("#")
    }


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_between_documents_resolve(document: Path):
    broken = []
    for link in LINK.findall(document.read_text(encoding="utf-8")):
        if link.startswith(("http://", "https://")):
            continue
        path, _, anchor = link.partition("#")
        target = (document.parent / path).resolve() if path else document
        if not target.exists():
            broken.append(f"{link}: no such file")
        elif anchor and target.suffix == ".md" and anchor not in anchors(target.read_text("utf-8")):
            broken.append(f"{link}: no heading with that anchor")
    assert broken == []


def test_readme_example_prints_what_the_readme_shows(seed_build, tmp_path, monkeypatch, capsys):
    """The snippet under "What it writes" run on a build of the shipped dumps gives the output
    printed beside it, and the report's table of characters is the build's."""
    _, out = seed_build
    what_it_writes = section((ROOT / "README.md").read_text(encoding="utf-8"), "### What it writes")
    blocks = fenced_blocks(what_it_writes)
    snippet = next(code for language, code in blocks if language == "python")
    shown = blocks[[code for _, code in blocks].index(snippet) + 1][1]
    (tmp_path / "out").symlink_to(out, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    exec(compile(snippet, "README.md", "exec"), {})
    assert capsys.readouterr().out == shown

    table = re.search(r"\| category \| characters \| share \|\n(?:\|.*\n)+", what_it_writes)
    assert table is not None
    assert table.group(0) in (out / "report.md").read_text(encoding="utf-8")
