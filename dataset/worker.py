"""Imported once by the forkserver before it starts build workers: the pipeline and its lookup
tables are loaded there a single time, and every worker forked from it starts with them."""

from . import build  # noqa: F401 -- loading it is the point
from .dedupe import _powers, _word_chars
from .language import _stopword_masks

_word_chars()
_powers()
_stopword_masks()
