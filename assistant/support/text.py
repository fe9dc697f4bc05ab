"""Words, stop words and a light stemmer for the lexical scores (no model, no download)."""

from __future__ import annotations

import re
from functools import lru_cache

WORD = re.compile(r"[A-Za-z0-9\u00C0-\u024F]+(?:['\u2019][A-Za-z]+)?")

STOP = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves s t said says say according one's mr mrs ms dr new also well many much may
    might must shall whose upon within via per among around across""".split()
)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Lower-case and strip common English suffixes: enough to match 'elected'/'elects'."""
    w = word.lower().replace("\u2019", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.rstrip("'")
    for suf, rep in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""), ("ly", "")):
        if w.endswith(suf) and len(w) - len(suf) >= 3 and not w.endswith("ss"):
            w = w[: -len(suf)] + rep
            break
    if len(w) > 4 and w[-1] == w[-2] and w[-1] not in "aeiouls":  # stopped -> stopp -> stop
        w = w[:-1]
    if len(w) > 4 and w.endswith("e"):
        w = w[:-1]
    return w


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
