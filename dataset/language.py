"""Guess an article's language from its function words (no model download, fast, deterministic).

The stop-word lists are jusText's, which trafilatura already installs. Scripts without spaces
between words (Chinese, Japanese, Thai) are recognised by their characters instead.
"""

from __future__ import annotations

import re
from functools import cache

import justext
import numpy as np
import polars as pl

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
def _codes() -> tuple[str, ...]:
    """The listed languages' codes, sorted: bit i of a word's mask stands for _codes()[i]."""
    return tuple(sorted(set(STOPLISTS.values())))


@cache
def _stopword_masks() -> pl.DataFrame:
    """Each stop word (lower case) with the bit mask of the languages whose list holds it."""
    bit = {code: 1 << i for i, code in enumerate(_codes())}
    masks: dict[str, int] = {}
    for name, code in STOPLISTS.items():
        for word in justext.get_stoplist(name):
            masks[word.lower()] = masks.get(word.lower(), 0) | bit[code]
    return pl.DataFrame(
        {"word": list(masks), "mask": list(masks.values())},
        schema={"word": pl.String, "mask": pl.UInt64},
    )


@cache
def stop_words() -> frozenset[str]:
    """Every listed language's stop words (lower case): words a text in one of them is full of."""
    return frozenset(_stopword_masks()["word"].to_list())


def detect_languages(texts: list[str]) -> list[str]:
    """ISO 639-1 code of each text's language, or "und" when the evidence is too thin.

    A text in a listed script-without-spaces is that script's language when over a fifth of
    its first SAMPLE_CHARS characters are in it; otherwise the language whose stop words occur
    most often in that sample (at least MIN_HITS times) wins, ties to the smaller code. Whole
    columns at once: words are matched to stop words by one join, and votes are counted per
    language bit in numpy (word by word in Python it cost a tenth of a worker's time).
    """
    if not texts:
        return []
    sample = pl.col("text").str.slice(0, SAMPLE_CHARS)
    docs = pl.DataFrame({"text": texts}, schema={"text": pl.String})
    script = pl.lit(None, dtype=pl.String)
    for code, pattern in reversed(SCRIPTS):
        share = sample.str.count_matches(pattern.pattern) > 0.2 * sample.str.len_chars()
        script = pl.when(share).then(pl.lit(code)).otherwise(script)
    hits = (
        docs.with_row_index("doc")
        .select("doc", sample.str.to_lowercase().str.extract_all(r"\w+").alias("word"))
        .explode("word")
        .join(_stopword_masks(), on="word")
    )
    doc, mask = hits["doc"].to_numpy(), hits["mask"].to_numpy()
    codes = _codes()
    votes = np.zeros((len(texts), len(codes)), dtype=np.int64)
    for i in range(len(codes)):
        votes[:, i] = np.bincount(
            doc, weights=(mask >> np.uint64(i)) & np.uint64(1), minlength=len(texts)
        )
    best = votes.argmax(axis=1)  # the first maximum: ties go to the smaller code
    voted = np.where(votes[np.arange(len(texts)), best] >= MIN_HITS, np.array(codes)[best], "und")
    scripts = docs.select(script).to_series().to_list()
    return [found or vote for found, vote in zip(scripts, voted.tolist(), strict=True)]


def detect_language(text: str) -> str:
    """ISO 639-1 code of one text's language (see detect_languages)."""
    return detect_languages([text])[0]
