"""Words for the support check's lexical scores (stop words and stemmer: assistant/text.py)."""

from __future__ import annotations

import re

from ..text import SUPPORT_STOP_WORDS as STOP
from ..text import stem

WORD = re.compile(r"[A-Za-z0-9\u00C0-\u024F]+(?:['\u2019][A-Za-z]+)?")


def words(text: str) -> list[str]:
    return WORD.findall(text)


def content_stems(text: str) -> list[str]:
    """Stems of the content words (stop words dropped), in order, duplicates kept."""
    return [stem(w) for w in words(text) if w.lower() not in STOP and not w.isdigit()]


def plain_content(text: str) -> set[str]:
    """Lower-cased content words without stemming (the lexical baseline's view)."""
    return {w.lower() for w in words(text) if w.lower() not in STOP}


def stem_match(s: str, pool: set[str], prefixes: set[str]) -> bool:
    """An exact stem match, or a shared 5-letter prefix for longer words."""
    return s in pool or (len(s) >= 6 and s[:5] in prefixes)
