"""End to end in a real browser: an annotator labels one of our tasks on Label Studio's labeling
page in headless Chromium (Debian's package), and `pull` returns exactly those labels.

The body holds non-ASCII text ("Türkiye", an em dash, an emoji) before the selected word, so the
span's offsets are only right if they are counted the way Python indexes the body.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from istanbul_talks.annotation.accounts import create_annotator
from istanbul_talks.annotation.pull import annotations_from_export, export_project, people, scrub
from istanbul_talks.annotation.push import push

pytestmark = pytest.mark.server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(
    os.environ.get("TALKS_TEST_ARTIFACTS", Path(__file__).parents[1] / "test-artifacts")
)
BODY = "Delegations met in Türkiye — talks 🙂 resumed in Istanbul on Monday, officials said."
PASSWORD = "pw-browser-x9"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The word's place in the body, counted in code points (Python's str index).
WORD = "resumed"
WORD_AT = BODY.index(WORD)

_SELECT_WORD = """([word, context]) => {
    const line = [...document.querySelectorAll(".lsf-richtext__line")]
        .find(e => e.textContent.includes(context));
    const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = node.data.indexOf(word);
        if (at >= 0) {
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + word.length);
            const box = range.getBoundingClientRect();
            return {x: box.left, y: box.top, width: box.width, height: box.height};
        }
    }
    return null;
}"""


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed (apt-get install -y chromium)")
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def test_labels_made_on_the_labeling_page_come_back_exactly(label_studio, admin, browser, tmp_path):
    articles = pl.DataFrame(
        {
            "article_id": ["browser-00"],
            "title": ["Talks resume"],
            "body": [BODY],
            "is_canonical": [True],
        }
    )
    pushed = push(admin, articles, title="browser labeling", progress=False)
    (task,) = admin.tasks.list(project=pushed.project_id, fields="all")
    annotator = create_annotator(
        admin,
        label_studio.url,
        label_studio.data_dir,
        label_studio.credentials,
        "ann-browser@example.org",
        PASSWORD,
    )
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{label_studio.url}/user/login/")
    page.fill("input[name=email]", annotator.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{label_studio.url}/projects/{pushed.project_id}/data?task={task.id}")
    page.locator(".lsf-richtext__line", has_text="Istanbul on Monday").wait_for(timeout=60_000)

    page.locator(".lsf-choice__item label", has_text=re.compile(r"^neutral")).click()
    page.locator(".lsf-choice__item label", has_text=re.compile(r"^peace_talks")).click()
    page.locator(".lsf-choice__item label", has_text=re.compile(r"^military_action")).click()
    page.locator(".lsf-label__text", has_text=re.compile(r"^TALKS$")).click()
    box = page.evaluate(_SELECT_WORD, [WORD, "Istanbul on Monday"])
    middle = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 1, middle)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 1, middle, steps=8)
    page.mouse.up()
    page.locator(".lsf-richtext__line span", has_text=WORD).first.wait_for()
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Annotation saved successfully", exact=True).wait_for(timeout=30_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "labeling-page.png"), full_page=True)
    page.close()

    export = scrub(export_project(admin, pushed.project_id), people(admin, b"browser-test"))
    table, problems = annotations_from_export(export)
    assert problems.height == 0
    labels = {row["task"]: row for row in table.iter_rows(named=True)}
    assert labels["stance"]["labels"] == ["neutral"]
    assert labels["topics"]["labels"] == ["military_action", "peace_talks"]
    spans = labels["events"]["spans"]
    assert [(s["start"], s["end"], s["label"], s["text"]) for s in spans] == [
        (WORD_AT, WORD_AT + len(WORD), "TALKS", WORD)
    ]
    assert BODY[spans[0]["start"] : spans[0]["end"]] == WORD
    assert {row["status"] for row in table.iter_rows(named=True)} == {"submitted"}
