"""What the commands tell the user on stderr: plain text, with a coloured label in front.

Messages carry file names, exception texts and pip extras ("istanbul-talks[publish]"), which
rich markup would read as style tags and drop, so no message is parsed as markup.
"""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

# Soft wrap keeps a long path on one line, as a terminal shows it anyway.
console = Console(stderr=True, soft_wrap=True, markup=False, highlight=False)
STOPPED = {"error", "interrupted"}  # labels of what ended a command, in red; the rest are yellow


def say(message: str, label: str | None = None) -> None:
    """Print one message, after its label ("error", "warning", "quarantined") when it has one."""
    if label is None:
        console.print(message)
    else:
        style = "red" if label in STOPPED else "yellow"
        console.print(Text.assemble((f"{label}:", style), " ", message))
