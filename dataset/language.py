"""Guess an article's language from its function words (no model download, fast, deterministic).

The stop-word lists are jusText's, which trafilatura already installs. Scripts without spaces
between words (Chinese, Japanese, Thai) are recognised by their characters instead.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

import justext

# jusText list name -> ISO 639-1 code, for the languages a news corpus is likely to hold.
STOPLISTS = {
    "Arabic": "ar",
    "Bulgarian": "bg",
    "Catalan": "ca",
    "Croatian": "hr",
    "Czech": "cs",
    "Danish": "da",
    "Dutch": "nl",
    "English": "en",
    "Estonian": "et",
    "Finnish": "fi",
    "French": "fr",
    "German": "de",
    "Greek": "el",
    "Hebrew": "he",
    "Hindi": "hi",
    "Hungarian": "hu",
    "Indonesian": "id",
    "Italian": "it",
    "Korean": "ko",
    "Latvian": "lv",
    "Lithuanian": "lt",
    "Norwegian_Bokmal": "no",
    "Persian": "fa",
    "Polish": "pl",
    "Portuguese": "pt",
    "Romanian": "ro",
    "Russian": "ru",
    "Serbian": "sr",
    "Slovak": "sk",
    "Slovenian": "sl",
    "Spanish": "es",
    "Swedish": "sv",
    "Turkish": "tr",
    "Ukrainian": "uk",
    "Urdu": "ur",
    "Vietnamese": "vi",
}
SCRIPTS = (
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("my", re.compile(r"[\u1000-\u109f]")),
)
SAMPLE_CHARS = 500
MIN_HITS = 3
WORD = re.compile(r"\w+", re.UNICODE)


@cache
def _index() -> dict[str, tuple[str, ...]]:
    """Each stop word -> the languages whose list holds it."""
    index: dict[str, list[str]] = {}
    for name, code in sorted(STOPLISTS.items()):
        for word in justext.get_stoplist(name):
            index.setdefault(word.lower(), []).append(code)
    return {word: tuple(codes) for word, codes in index.items()}


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language, or "und" when the evidence is too thin."""
    sample = text[:SAMPLE_CHARS]
    if not sample.isascii():
        for code, script in SCRIPTS:
            if len(script.findall(sample)) > 0.2 * len(sample):
                return code
    index = _index()
    votes: Counter[str] = Counter()
    for word, count in Counter(WORD.findall(sample.lower())).items():
        for code in index.get(word, ()):
            votes[code] += count
    if not votes:
        return "und"
    best, hits = min(votes.items(), key=lambda kv: (-kv[1], kv[0]))
    return best if hits >= MIN_HITS else "und"
